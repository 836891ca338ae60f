#!/bin/bash
# --net tap=NAME[,mac=MAC] and --net fd=N give the guest a virtio-net NIC
# on a tap. The test makes its own network namespace with a tap in it
# (10.99.0.1/24 on the host side) and runs cocoon-vmm there; the guest
# (busybox from initrd-test, its script over a 9p share) configures eth0
# as 10.99.0.2/24, pings the host, and moves NET_BYTES random bytes over
# TCP each way with busybox nc; both ends compare SHA-256 sums. Checked
# too: the MAC the guest sees, the default MAC, a tap fd handed over by
# the parent, an fd that is no tap, bad --net values. Needs root (netns,
# tap). The namespace and tap go on every exit path.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

bytes=${NET_BYTES:-4194304}
ns=cocoon-nt$$
tap=cnt$$
mac=02:c0:c0:0a:63:02
host_ip=10.99.0.1
guest_ip=10.99.0.2
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	if ip netns list 2>/dev/null | grep -q "^$ns\b"; then
		ip -n "$ns" link del "$tap" 2>/dev/null
		ip netns del "$ns"
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null ||
	! command -v python3 >/dev/null || [ ! -c /dev/net/tun ]; then
	echo "skip: needs root, ip (iproute2), python3 and /dev/net/tun"
	exit 77
fi
if ! ip netns add "$ns"; then
	echo "skip: cannot make a network namespace"
	exit 77
fi
ip -n "$ns" link set lo up
ip -n "$ns" tuntap add dev "$tap" mode tap
ip -n "$ns" addr add "$host_ip/24" dev "$tap"
ip -n "$ns" link set "$tap" up

# The guest's side, read from the share: bring eth0 up, show its MAC,
# ping, send NET_BYTES to the host (port 5001), then take as many from
# the host (port 5002). Sums and results go to the console.
share=$tmp/share
mkdir -p "$share"
cat >"$share/guest.sh" <<EOF
ip link set lo up
ip link set eth0 up
ip addr add $guest_ip/24 dev eth0
echo "guest-mac=\$(cat /sys/class/net/eth0/address)"
if ping -c 3 -W 10 $host_ip >/tmp/ping 2>&1; then echo ping=ok; else echo ping=failed; cat /tmp/ping; fi
dd if=/dev/urandom of=/tmp/out bs=65536 count=$((bytes / 65536)) 2>/dev/null
echo "sent-sum=\$(sha256sum /tmp/out | cut -d' ' -f1)"
guest-helper send-file tcp:$host_ip:5001 /tmp/out && echo send=done
nc -l -p 5002 </dev/null >/tmp/in && echo recv=done
echo "recv-sum=\$(sha256sum /tmp/in | cut -d' ' -f1) size=\$(wc -c </tmp/in)"
EOF
cat >"$share/ping.sh" <<EOF
ip link set eth0 up
ip addr add $guest_ip/24 dev eth0
echo "guest-mac=\$(cat /sys/class/net/eth0/address)"
if ping -c 2 -W 10 $host_ip >/dev/null 2>&1; then echo ping=ok; else echo ping=failed; fi
EOF
cat >"$share/mac.sh" <<EOF
echo "guest-mac=\$(cat /sys/class/net/eth0/address)"
EOF
# shellcheck disable=SC2016 # runs in the guest
guest_cmd='mkdir -p /mnt && mount -t 9p -o trans=virtio,version=9p2000.L work /mnt && sh /mnt/SCRIPT'

# The host's side, in the namespace: receive on 5001 and print the sum,
# then connect to the guest's 5002 (retrying until it listens, at most
# 300 s) and send NET_BYTES of random data, printing their sum.
cat >"$tmp/host.py" <<'EOF'
import hashlib, os, socket, sys, time
host, guest, nbytes = sys.argv[1], sys.argv[2], int(sys.argv[3])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((host, 5001))
srv.listen(1)
srv.settimeout(300)
print("listening", flush=True)
conn, _ = srv.accept()
conn.settimeout(300)
h, n = hashlib.sha256(), 0
while True:
    b = conn.recv(1 << 16)
    if not b:
        break
    h.update(b)
    n += len(b)
conn.close()
print("host-recv-sum=%s size=%d" % (h.hexdigest(), n), flush=True)
data = os.urandom(nbytes)
deadline = time.monotonic() + 300
while True:
    try:
        c = socket.create_connection((guest, 5002), timeout=10)
        break
    except OSError:
        if time.monotonic() > deadline:
            print("host-send=no-listener", flush=True)
            sys.exit(1)
        time.sleep(0.2)
c.settimeout(300)
c.sendall(data)
c.shutdown(socket.SHUT_WR)
while c.recv(1 << 16):
    pass
c.close()
print("host-sent-sum=%s" % hashlib.sha256(data).hexdigest(), flush=True)
EOF

# run_ns OUT [WRAPPER...] -- VMM_ARGS...: run_vm inside the namespace,
# through WRAPPER (which execs what follows it) when given.
run_ns() {
	local out=$1 pre=()
	shift
	while [ "$1" != -- ]; do
		pre+=("$1")
		shift
	done
	shift
	timeout "${VM_TIMEOUT:-600}" ip netns exec "$ns" "${pre[@]}" "$vmm" \
		--console "$out.console" "$@" >"$out.out" 2>"$out.err"
	vm_status=$?
}

# ---- tap=NAME,mac=MAC: ping and a few MB each way
ip netns exec "$ns" python3 "$tmp/host.py" "$host_ip" "$guest_ip" "$bytes" \
	>"$tmp/host.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	grep -q listening "$tmp/host.out" && break
	sleep 0.1
done
run_ns "$tmp/a" -- --kernel "$kernel" --initrd "$initrd_test" --mem 256 \
	--share "work=$share" --net "tap=$tap,mac=$mac" --verbose \
	--cmdline "quiet cocoon.exec=\"/bin/sh -c '${guest_cmd/SCRIPT/guest.sh}'\""
wait "${pids[0]}"
pids=()
expect_status "tap=NAME: clean exit" 0 "$vm_status" "$tmp/a.err"
expect_grep "the guest sees the MAC given" "^guest-mac=$mac" "$tmp/a.console"
expect_grep "the guest pings the host" "^ping=ok" "$tmp/a.console"
expect_grep "guest -> host: sent" "^send=done" "$tmp/a.console"
expect_grep "host -> guest: received" "^recv=done" "$tmp/a.console"
sent=$(sed -n 's/^sent-sum=\([0-9a-f]*\).*/\1/p' "$tmp/a.console")
got=$(sed -n 's/^host-recv-sum=\([0-9a-f]*\) size=\([0-9]*\).*/\1 \2/p' "$tmp/host.out")
if [ -n "$sent" ] && [ "$got" = "$sent $bytes" ]; then
	ok "guest -> host: $bytes bytes, same SHA-256"
else
	fail "guest -> host: guest sent '$sent', host got '$got'"
	sed 's/^/    | /' "$tmp/host.out"
fi
sent=$(sed -n 's/^host-sent-sum=\([0-9a-f]*\).*/\1/p' "$tmp/host.out")
got=$(sed -n 's/^recv-sum=\([0-9a-f]*\) size=\([0-9]*\).*/\1 \2/p' "$tmp/a.console")
if [ -n "$sent" ] && [ "$got" = "$sent $bytes" ]; then
	ok "host -> guest: $bytes bytes, same SHA-256"
else
	fail "host -> guest: host sent '$sent', guest got '$got'"
fi

# The offloads Linux takes (CSUM, GUEST_CSUM, MAC, GUEST_TSO4/6,
# HOST_TSO4/6, MRG_RXBUF, STATUS = 0x199a3) and used: frames beyond one
# 1514-byte Ethernet frame went each way (the debug line at exit).
acked=$(sed -n 's/.*virtio-net: driver ready, features \(0x[0-9a-f]*\).*/\1/p' "$tmp/a.err" | tail -1)
if [ -n "$acked" ] && [ $((acked & 0x199a3)) = $((0x199a3)) ]; then
	ok "the guest acked the offloads and mergeable buffers ($acked)"
else
	fail "features the guest acked: '$acked', want all of 0x199a3"
fi
stats=$(grep -o 'virtio-net: rx frames=.*' "$tmp/a.err")
echo "    $stats"
rx_max=$(sed -n 's/.*rx frames=[0-9]* bytes=[0-9]* max=\([0-9]*\).*/\1/p' <<<"$stats")
tx_max=$(sed -n 's/.*tx frames=[0-9]* bytes=[0-9]* max=\([0-9]*\).*/\1/p' <<<"$stats")
if [ "${rx_max:-0}" -gt 1514 ] && [ "${tx_max:-0}" -gt 1514 ]; then
	ok "GSO frames both ways (largest rx $rx_max, tx $tx_max bytes)"
else
	fail "no GSO frames: largest rx '${rx_max:-}', tx '${tx_max:-}' bytes"
fi
expect_grep "no frame dropped or refused" "rx .*dropped=0, tx .*dropped=0 bad=0" "$tmp/a.err"

# ---- fd=N: the parent opens the tap (as stage0 will), no MAC given
cat >"$tmp/withtap.py" <<'EOF'
import fcntl, os, struct, sys
TUNSETIFF, IFF_TAP, IFF_NO_PI, IFF_VNET_HDR = 0x400454CA, 0x2, 0x1000, 0x4000
fd = os.open("/dev/net/tun", os.O_RDWR)
flags = IFF_TAP | IFF_NO_PI | (IFF_VNET_HDR if sys.argv[2] == "vnet" else 0)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", sys.argv[1].encode(), flags))
os.dup2(fd, 7)
os.execvp(sys.argv[3], sys.argv[3:])
EOF
run_ns "$tmp/b" python3 "$tmp/withtap.py" "$tap" vnet -- \
	--kernel "$kernel" --initrd "$initrd_test" --mem 128 \
	--share "work=$share" --net fd=7 \
	--cmdline "quiet cocoon.exec=\"/bin/sh -c '${guest_cmd/SCRIPT/ping.sh}'\""
expect_status "fd=N: clean exit" 0 "$vm_status" "$tmp/b.err"
expect_grep "fd=N: the guest pings the host" "^ping=ok" "$tmp/b.console"
expect_grep "default MAC: locally administered unicast" \
	"^guest-mac=02(:[0-9a-f]{2}){5}([^:0-9a-f]|$)" "$tmp/b.console"

# ---- tap=NAME of a tap that is not there: the VMM makes it (and it goes
# with the VMM)
run_ns "$tmp/c" -- --kernel "$kernel" --initrd "$initrd_test" --mem 128 \
	--share "work=$share" --net "tap=cnn$$" \
	--cmdline "quiet cocoon.exec=\"/bin/sh -c '${guest_cmd/SCRIPT/mac.sh}'\""
expect_status "tap=NAME made by the VMM: clean exit" 0 "$vm_status" "$tmp/c.err"
expect_grep "... the guest has eth0" "^guest-mac=02:" "$tmp/c.console"
if ip -n "$ns" link show "cnn$$" >/dev/null 2>&1; then
	fail "the tap the VMM made outlived it"
else
	ok "the tap the VMM made went with it"
fi

# ---- errors
run_ns "$tmp/novnet" python3 "$tmp/withtap.py" "$tap" plain -- --kernel "$kernel" --initrd "$initrd_test" --net fd=7
expect_status "fd=N without IFF_VNET_HDR: VMM error" 1 "$vm_status" "$tmp/novnet.err"
expect_grep "... and says so" "IFF_VNET_HDR" "$tmp/novnet.err"
run_vm "$tmp/notap" --kernel "$kernel" --initrd "$initrd_test" --net fd=7 \
	7<"$share/ping.sh"
expect_status "fd=N not a tap: VMM error" 1 "$vm_status" "$tmp/notap.err"
expect_grep "... and says so" "not a tun/tap" "$tmp/notap.err"
run_vm "$tmp/badmac" --kernel "$kernel" --net "tap=$tap,mac=01:00:5e:00:00:01"
expect_status "multicast MAC: usage error" 2 "$vm_status" "$tmp/badmac.err"
run_vm "$tmp/both" --kernel "$kernel" --net "tap=$tap,fd=7"
expect_status "tap= and fd= together: usage error" 2 "$vm_status" "$tmp/both.err"

finish
