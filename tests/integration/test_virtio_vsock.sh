#!/bin/bash
# --vsock CID,PATH gives the guest a virtio-vsock device bridged to Unix
# sockets: guest connections to CID 2 port P reach PATH_P, host clients of
# PATH reach guest ports with "CONNECT P\n". Checked: both directions,
# many concurrent connections with checksummed payloads, refused ports,
# bad CONNECT lines, peers that vanish mid-stream, PATH removed at exit.
# The host side is tests/integration/vsock-host.py (python3).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

host_py=$top/tests/integration/vsock-host.py
conns=${VSOCK_CONNS:-50}
bytes=${VSOCK_BYTES:-3000000}
pids=()
cleanup_pids() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	pids=()
}
trap 'cleanup_pids; rm -rf "$tmp"' EXIT

# start_vm OUT_PREFIX VMM_ARGS...: run_vm in the background; the VMM's
# pid in $vm; end_vm sets $vm_status.
start_vm() {
	local out=$1
	shift
	timeout "${VM_TIMEOUT:-600}" "$vmm" --console "$out.console" "$@" \
		>"$out.out" 2>"$out.err" &
	vm=$!
}
end_vm() {
	wait "$vm"
	vm_status=$?
}

# wait_socket PATH: until the VMM listens there (or 60 s).
wait_socket() {
	for _ in $(seq 600); do
		[ -S "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

if ! command -v python3 >/dev/null; then
	echo "skip: python3 is needed for the host side"
	exit 77
fi

# ---- both directions, one guest
sock=$tmp/v.sock
python3 "$host_py" listen "${sock}_5000" &
pids+=($!)
wait_socket "${sock}_5000" || fail "the host listener did not start"
guest_a="guest-helper vsock-send 2 5000 1 $bytes; guest-helper vsock-send 2 5000 $conns $bytes; guest-helper vsock-send 2 5001 1 10; guest-helper vsock-echo 6000 $((conns + 1))"
start_vm "$tmp/a" --kernel "$kernel" --initrd "$initrd_test" \
	--mem 256 --vsock "3,$sock" ${VSOCK_VERBOSE:+--verbose} \
	--cmdline "quiet cocoon.exec=\"/bin/sh -c '$guest_a'\""
if wait_socket "$sock"; then
	ok "the VMM listens on PATH"
else
	fail "no socket at PATH"
fi
python3 "$host_py" handshake "$sock" 'HELLO 6000\n' >"$tmp/bad1"
expect_grep "bad verb: closed without OK" "^answer=closed" "$tmp/bad1"
python3 "$host_py" handshake "$sock" 'CONNECT 4294967295\n' >"$tmp/bad2"
expect_grep "port out of range: closed" "^answer=closed" "$tmp/bad2"
python3 "$host_py" handshake "$sock" "CONNECT $(printf '1%.0s' $(seq 40))\n" >"$tmp/bad3"
expect_grep "overlong line: closed" "^answer=closed" "$tmp/bad3"
python3 "$host_py" connect "$sock" 6000 1 "$bytes" 300 >"$tmp/h1"
expect_grep "host -> guest: one checked echo" "^connect ok=1 bad=0" "$tmp/h1"
python3 "$host_py" connect "$sock" 6000 "$conns" "$bytes" 30 >"$tmp/h50"
expect_grep "host -> guest: $conns concurrent checked echoes" "^connect ok=$conns bad=0" "$tmp/h50"
end_vm
cleanup_pids
expect_status "both ways: clean exit" 0 "$vm_status" "$tmp/a.err"
expect_grep "guest -> host: one checked echo" "^vsock-send ok=1 bad=0" "$tmp/a.console"
expect_grep "guest -> host: $conns concurrent checked echoes" "^vsock-send ok=$conns bad=0" "$tmp/a.console"
expect_grep "guest -> host: nobody on PATH_5001: reset" "^conn=0 connect=Connection reset by peer" "$tmp/a.console"
expect_grep "guest echo served all" "^echo-done=$((conns + 1)) failed=0" "$tmp/a.console"
if [ -e "$sock" ]; then
	fail "PATH still there after exit"
else
	ok "PATH removed at exit"
fi

# ---- peers that vanish mid-stream: the host listener on PATH_7000 closes
# after 100 kB (with the guest's bytes unread: a reset); the guest's echo
# on port 6001 exits after 200 kB. The other side sees the stream break,
# and the VMM goes on serving new connections.
sock=$tmp/w.sock
python3 "$host_py" listen "${sock}_7000" 100000 &
pids+=($!)
python3 "$host_py" listen "${sock}_5000" &
pids+=($!)
wait_socket "${sock}_7000" && wait_socket "${sock}_5000" ||
	fail "the host listeners did not start"
guest_b="guest-helper vsock-send 2 7000 1 8000000; guest-helper vsock-send 2 5000 1 100000; guest-helper vsock-echo 6001 1 200000; guest-helper vsock-echo 6002 1"
start_vm "$tmp/b" --kernel "$kernel" --initrd "$initrd_test" \
	--mem 256 --vsock "4,$sock" ${VSOCK_VERBOSE:+--verbose} \
	--cmdline "quiet cocoon.exec=\"/bin/sh -c '$guest_b'\""
wait_socket "$sock" || fail "no socket at PATH"
python3 "$host_py" connect "$sock" 6001 1 8000000 300 >"$tmp/die"
expect_grep "guest vanishes: the host client sees the stream break" "^connect ok=0 bad=1" "$tmp/die"
python3 "$host_py" connect "$sock" 6002 1 100000 60 >"$tmp/after"
expect_grep "guest vanished: the next host connection works" "^connect ok=1 bad=0" "$tmp/after"
end_vm
cleanup_pids
expect_status "vanishing peers: clean exit" 0 "$vm_status" "$tmp/b.err"
expect_grep "host vanishes: the guest sees the stream break" "^conn=0 broken=" "$tmp/b.console"
expect_grep "host vanished: the next guest connection works" "^vsock-send ok=1 bad=0" "$tmp/b.console"
expect_grep "guest echo child died mid-stream" "^echo-done=1 failed=1" "$tmp/b.console"
expect_grep "guest echo after that served" "^echo-done=1 failed=0" "$tmp/b.console"

# ---- option errors: usage error, no VM
run_vm "$tmp/cid" --kernel "$kernel" --vsock "2,$tmp/x.sock"
expect_status "--vsock CID 2: usage error" 2 "$vm_status" "$tmp/cid.err"
run_vm "$tmp/nopath" --kernel "$kernel" --vsock "3"
expect_status "--vsock without PATH: usage error" 2 "$vm_status" "$tmp/nopath.err"
run_vm "$tmp/baddir" --kernel "$kernel" --initrd "$initrd_test" \
	--vsock "3,$tmp/no/such/dir/v.sock"
expect_status "--vsock PATH in a missing directory: VMM error" 1 "$vm_status" "$tmp/baddir.err"
expect_grep "--vsock PATH error names the path" "no/such/dir" "$tmp/baddir.err"

finish
