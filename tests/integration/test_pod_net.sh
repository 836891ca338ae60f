#!/bin/bash
# Pod networking end to end (docs/networking.md) with Debian's real CNI
# plugins: default (ptp + host-local 172.16.28.0/24 + masquerade + portmap)
# reaches a server on the host side and another pod; default-restricted
# reaches the host and nothing beyond; none has only lo; a network of our
# own from a config file (bridge plugin, its own subnet); --port publishes
# busybox httpd in the pod on 127.0.0.1; --dns/--dns-search/--hosts-entry
# land in the app's /etc; and after 30 pods in a row, 5 at once and one
# killed with SIGKILL (then gc), nothing is left: no veth, no netns, no
# iptables rule, no IPAM lease.
# Only the test host's loopback and the namespaces the pods made are used.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/podlib.sh
. "$(dirname "$0")/podlib.sh"

pod_vm_setup

# sh_pod NAME NET SCRIPT [FLAGS...]: run SCRIPT with the image's sh.
sh_pod() {
	local name=$1 net=$2 script=$3
	shift 3
	run_pod "$name" --net="$net" "$@" "$IMG" --exec /bin/sh -- -c "$script"
}
# In a pod, `get HOST PORT PATH` prints the body of an HTTP GET. busybox
# nc, not wget: the image's static busybox wget looks the "http" service up
# through glibc's NSS, which a static binary without NSS modules cannot do.
GET='get() { printf "GET %s HTTP/1.0\r\n\r\n" "$3" | nc -w 10 "$1" "$2" | sed "1,/^\r*$/d"; }'
# stop_pod NAME PID: a pod run in the background with
# --uuid-file-save=$tmp/NAME.uuid stopped gracefully, its `cocoon run` waited for.
stop_pod() {
	c stop "$(cat "$tmp/$1.uuid" 2>/dev/null)" >"$tmp/$1.stop" 2>&1 ||
		fail "cocoon stop $1: $(cat "$tmp/$1.stop")"
	wait "$2" 2>/dev/null
}
expect_pod_ok() { # WHAT NAME
	expect_status "$1" 0 "$st" "$tmp/$2.err"
}

# What a leak would leave: veths in the test host's namespace, network
# namespaces of ours, iptables rules of the plugins, IPAM leases.
leak_state() {
	{
		echo "veth: $(ip -o link show type veth 2>/dev/null | wc -l)"
		echo "netns: $(find /run/cocoon/netns -mindepth 1 2>/dev/null | wc -l)"
		# per-pod chains and rules (portmap keeps its shared
		# CNI-HOSTPORT-* chains after the last DEL, by design)
		echo "iptables: $(iptables-save 2>/dev/null |
			grep -c 'CNI-[0-9a-f]\{8,\}\|CNI-DN-\|CNI-SN-')"
		echo "leases: $(find "$S/data/net" -type f -name '*.*.*.*' 2>/dev/null | wc -l)"
	}
}
before=$(leak_state)

# ---- a server on the host side: busybox httpd on every address
mkdir -p "$tmp/www"
echo "hello from the host" >"$tmp/www/hello"
busybox httpd -f -p 18081 -h "$tmp/www" &
bg_pids+=("$!")

# ---- default: an address in 172.16.28.0/24, the host reachable
sh_pod default default "$GET"'
	ip -4 -o addr show dev eth0
	ip route
	get 172.16.28.1 18081 /hello
	cat /etc/resolv.conf 2>/dev/null; true'
expect_pod_ok "--net=default: the pod ran" default
expect_grep "--net=default: eth0 has an address in 172.16.28.0/24" \
	'eth0 +inet 172\.16\.28\.[0-9]+/' "$tmp/default.out"
expect_grep "--net=default: a default route" '^default via ' "$tmp/default.out"
expect_grep "--net=default: the host side's server answers" \
	'^hello from the host$' "$tmp/default.out"

# ---- two pods on the default network reach each other
run_pod server --net=default --uuid-file-save="$tmp/server.uuid" "$IMG" \
	--exec /bin/sh -- -c '
	mkdir -p /tmp/www && echo "hello from pod one" >/tmp/www/index.html
	ip -4 -o addr show dev eth0 >/tmp/www/addr
	busybox httpd -f -p 80 -h /tmp/www' &
server_pid=$!
bg_pids+=("$server_pid")
server_ip=
for _ in $(seq 1 120); do
	server_ip=$(c list --no-legend 2>/dev/null |
		grep -o 'default:ip4=172\.16\.28\.[0-9]*' | head -1 | cut -d= -f2)
	[ -n "$server_ip" ] && break
	sleep 1
done
if [ -n "$server_ip" ]; then
	ok "cocoon list shows the running pod's address ($server_ip)"
	sh_pod client default "$GET
		for i in \$(seq 1 30); do
			get $server_ip 80 / | grep . && exit 0
			sleep 1
		done
		exit 1"
	expect_pod_ok "a second pod reaches the first one's server" client
	expect_grep "... and gets its page" '^hello from pod one$' \
		"$tmp/client.out"
else
	fail "cocoon list never showed the server pod's address:"
	c list 2>&1 | sed 's/^/    | /'
fi
stop_pod server "$server_pid"

# ---- default-restricted: the host, nothing beyond
sh_pod restricted default-restricted "$GET"'
	ip -4 -o addr show dev eth0
	ip route
	get 172.17.0.1 18081 /hello
	get 192.0.2.1 18081 /hello | grep -q . && echo beyond-reached
	true'
expect_pod_ok "--net=default-restricted: the pod ran" restricted
expect_grep "--net=default-restricted: an address in 172.17.0.0/16" \
	'eth0 +inet 172\.17\.[0-9]+\.[0-9]+/' "$tmp/restricted.out"
expect_grep "--net=default-restricted: the host answers" \
	'^hello from the host$' "$tmp/restricted.out"
if grep -q '^default' "$tmp/restricted.out" ||
	grep -q beyond-reached "$tmp/restricted.out"; then
	fail "--net=default-restricted has a way out of the host:"
	sed 's/^/    | /' "$tmp/restricted.out"
else
	ok "--net=default-restricted: no default route, nothing beyond"
fi

# ---- none: loopback only, and it is up
sh_pod none none 'ip -o link; ping -c 1 -W 5 127.0.0.1 >/dev/null && echo lo-ok'
expect_pod_ok "--net=none: the pod ran" none
expect_grep "--net=none: lo is up and answers" '^lo-ok$' "$tmp/none.out"
# (the guest kernel's sit0 is there in every pod; it carries nothing)
if grep -q 'link/ether' "$tmp/none.out"; then
	fail "--net=none has a NIC:"
	sed 's/^/    | /' "$tmp/none.out"
else
	ok "--net=none: no NIC, only lo"
fi

# ---- a network of our own: the bridge plugin on 10.251.88.0/24
mkdir -p "$S/etc/net.d"
cat >"$S/etc/net.d/10-mynet.conf" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "mynet",
  "type": "bridge",
  "bridge": "cctest-br0",
  "isGateway": true,
  "ipMasq": false,
  "ipam": {
    "type": "host-local",
    "subnet": "10.251.88.0/24",
    "dataDir": "$S/data/net/mynet-ipam"
  }
}
EOF
sh_pod mynet mynet "$GET"'
	ip -4 -o addr show dev eth0
	get 10.251.88.1 18081 /hello'
expect_pod_ok "--net=mynet (bridge, from net.d): the pod ran" mynet
expect_grep "--net=mynet: an address in 10.251.88.0/24" \
	'eth0 +inet 10\.251\.88\.[0-9]+/24' "$tmp/mynet.out"
expect_grep "--net=mynet: the bridge's gateway answers" \
	'^hello from the host$' "$tmp/mynet.out"
ip link del cctest-br0 2>/dev/null
run_pod unknown --net=nosuchnet "$IMG"
expect_status "--net=nosuchnet is refused" 1 "$st" "$tmp/unknown.err"
expect_grep "... naming the networks that exist" 'mynet' "$tmp/unknown.err"

# ---- --port: httpd in the pod published on 127.0.0.1
run_pod port --net=default --port=http:127.0.0.1:18090 \
	--uuid-file-save="$tmp/port.uuid" "$IMG" \
	--exec /bin/sh -- -c '
	mkdir -p /tmp/www && echo "published from the pod" >/tmp/www/index.html
	busybox httpd -f -p 80 -h /tmp/www' &
port_pid=$!
bg_pids+=("$port_pid")
got=
for _ in $(seq 1 120); do
	got=$(python3 -c 'import sys, urllib.request as u
sys.stdout.write(u.urlopen(sys.argv[1], timeout=2).read().decode())' \
		http://127.0.0.1:18090/ 2>/dev/null) && break
	sleep 1
done
if [ "$got" = "published from the pod" ]; then
	ok "--port=http:127.0.0.1:18090 reaches httpd in the pod"
else
	fail "--port: 127.0.0.1:18090 never answered with the pod's page ($got)"
	sed 's/^/    | /' "$tmp/port.err" | tail -20
fi
stop_pod port "$port_pid"

# ---- DNS and hosts flags land in the app's /etc
sh_pod dns default 'cat /etc/resolv.conf; cat /etc/hosts' \
	--dns=192.0.2.53 --dns-search=corp.example --dns-opt=ndots:2 \
	--hosts-entry=10.9.8.7=db.example
expect_pod_ok "--dns: the pod ran" dns
expect_grep "--dns lands in resolv.conf" '^nameserver 192\.0\.2\.53$' "$tmp/dns.out"
expect_grep "--dns-search lands in resolv.conf" '^search corp\.example$' "$tmp/dns.out"
expect_grep "--dns-opt lands in resolv.conf" '^options ndots:2$' "$tmp/dns.out"
expect_grep "--hosts-entry lands in /etc/hosts" '^10\.9\.8\.7[[:space:]]+db\.example$' \
	"$tmp/dns.out"

# ---- nothing left behind: 30 in a row, 5 at once, one SIGKILLed
echo "# $(date +%T) 30 pods in a row"
failed_runs=0
for i in $(seq 1 30); do
	run_pod "row$i" --net=default "$IMG" --exec /bin/true
	[ "$st" = 0 ] || failed_runs=$((failed_runs + 1))
done
expect_status "30 pods in a row on the default network" 0 "$failed_runs"
pids=()
for i in 1 2 3 4 5; do
	run_pod "par$i" --net=default "$IMG" --exec /bin/true &
	pids+=("$!")
done
failed_runs=0
for p in "${pids[@]}"; do
	wait "$p" || failed_runs=$((failed_runs + 1))
done
expect_status "5 pods at once on the default network" 0 "$failed_runs"

echo "# $(date +%T) a pod killed with SIGKILL, then gc"
timeout 300 "$cocoon" --dir="$S/data" --local-config="$S/etc" \
	--system-config="$S/vendor" run --net=default "$IMG" \
	--exec /bin/sleep -- 600 >"$tmp/killed.out" 2>"$tmp/killed.err" &
killed=$!
bg_pids+=("$killed")
for _ in $(seq 1 120); do
	c list --no-legend 2>/dev/null | grep -q 'default:ip4=' && break
	sleep 1
done
# The supervisor (cocoon run itself) and its VMM, as a crash would.
pkill -KILL -P "$killed" 2>/dev/null
kill -KILL "$killed" 2>/dev/null
wait "$killed" 2>/dev/null
sleep 1
c gc --grace-period=0s >"$tmp/gc.out" 2>&1
expect_status "gc after a SIGKILLed pod" 0 "$?" "$tmp/gc.out"
after=$(leak_state)
if [ "$before" = "$after" ]; then
	ok "nothing left behind ($(echo "$after" | tr '\n' ' '))"
else
	fail "left behind: before [$(echo "$before" | tr '\n' ' ')] after [$(echo "$after" | tr '\n' ' ')]"
	ip -o link show type veth | sed 's/^/    | /'
	ls /run/cocoon/netns 2>&1 | sed 's/^/    | /'
	iptables-save | grep -i cni | sed 's/^/    | /'
fi

finish
