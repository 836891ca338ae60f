#!/bin/bash
# A hostile guest beside a bystander (docs/security.md "Hostile guests"):
# a VICTIM pod keeps running while a HOSTILE pod, root in its own guest,
# attacks what lies beyond its VM, one class at a time:
#   vsock  thousands of connections to ports nobody listens on and to the
#          control, stdio and metadata ports (1024, 1025, 1027):
#          connect-and-close loops, half-open requests closed before the
#          answer, hundreds held open at once;
#   9p     renames and symlink swaps racing walks out of its host volume
#          (".." and symlinks to "/"), many files, a write that fills the
#          host file system under the volume, an xattr flood;
#   devmem /dev/mem, iopl and ioperm on the UART, i8042 and PCI config
#          ports (random writes if any opens);
#   fork bomb: its guest stalls for a while;
#   console: an error-level kernel message (via /dev/kmsg), which a quiet
#          guest kernel still prints on the serial console;
#   memory hog: its guest's OOM killer ends it (and prints on the console).
# After each class: a canary file beside the volume and /etc/passwd keep
# their checksum and mtime, the hostile VMM still runs or has stopped with
# a reason in `cocoon status`, and the victim answers `cocoon enter` with
# the right output within 60 s. At the end the victim completes with its
# expected output, and gc leaves no VMM, supervisor, mount or cgroup.
#
# What root in a Linux guest cannot do, and where it is covered instead:
# * vsock credit lies: the guest kernel does the credit accounting, user
#   space cannot send a packet with a false buf_alloc/fwd_cnt. Malformed
#   and lying packets are sent raw by tests/unit/test_vmm_vsock_packet.c,
#   test_vmm_vsock_device.c and the fuzzer tests/fuzz/fuzz_vmm_vsock.c.
# * Oversized or truncated 9p messages: the guest kernel builds them;
#   tests/unit/test_vmm_p9_* and tests/fuzz/fuzz_vmm_p9.c send them raw.
# * Virtqueue scribbling and MMIO/PIO register hammering: the guest kernel
#   is built without CONFIG_DEVMEM and CONFIG_X86_IOPL_IOPERM
#   (kernel-config/guest.config via tinyconfig), so root in the guest has
#   no /dev/mem and no port access; the devmem class checks exactly that.
#   A guest *kernel* that does it is tests/kvm/test_virtio_garbage (a tiny
#   guest scribbling descriptors and device registers); it is its own VMM
#   in its own process (the test program links libvmm), so it cannot be a
#   cocoon pod, but it can run beside the victim pod on the same host:
#   this test does so when it is built (make check-kvm builds it).
# * Disk: nothing in cocoon bounds what a guest writes to a read-write
#   host volume (cocoon-vmm deliberately sets no RLIMIT_FSIZE, see
#   vmm/sandbox.c): the host file system's free space is the bound. The
#   hostile volume here is a 16 MiB tmpfs this test mounts, so the fill
#   stops there; it is reported as a "finding:" line, not a failure.
# * A VMM killed by seccomp while serving the hostile guest is a hole in
#   the allow-list a guest can reach: a failure, with the kernel's audit
#   line and the guest's last console lines. Found and fixed: any console
#   output after start-up (a guest OOM kill, a line written to /dev/kmsg)
#   armed the serial flush timer from a vCPU thread whose allow-list
#   lacked timerfd_settime (591861c).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=podlib.sh
. "$(dirname "$0")/podlib.sh"

pod_vm_setup
share=$tmp/share
victim_dir=$tmp/victim
outside=$tmp/outside
mkdir -p "$share" "$victim_dir" "$outside"
# The hostile volume: a small tmpfs of our own, so "fill the disk" is
# bounded and the host's own file systems are never at stake.
mount -t tmpfs -o size=16m,mode=0777 cocoon-hostile "$share" || {
	echo "not ok: mounting the tmpfs for the hostile volume"
	exit 1
}
hostile_cleanup() {
	umount -l "$share" 2>/dev/null
	pod_vm_cleanup
}
trap hostile_cleanup EXIT

secret="CANARY-$$-$RANDOM$RANDOM"
echo "$secret" >"$outside/outside-canary"
touch -d '2020-01-01 00:00:00' "$outside/outside-canary"
# The canary sits beside the volume: $share/../outside/outside-canary.
host_state() {
	stat -c '%s %Y %i %h %a' "$outside/outside-canary" /etc/passwd &&
		sha256sum "$outside/outside-canary" /etc/passwd && ls -a "$outside"
}
state_before=$(host_state)
start_all=$(date +%s)

# ---- the victim: runs until the host says stop, then does its work
"$cocoon" --dir="$S/data" --local-config="$S/etc" --system-config="$S/vendor" \
	run --net=none --uuid-file-save="$tmp/victim.uuid" \
	--volume data,kind=host,source="$victim_dir" "$IMG" --exec /bin/sh -- \
	-c 'while [ ! -e /data/stop ]; do sleep 0.2; done
	    seq 1 5000 | md5sum; echo victim-done' \
	>"$tmp/victim.out" 2>"$tmp/victim.err" &
victim_pid=$!
bg_pids+=("$victim_pid")

# ---- the hostile pod: every attack class in turn, a marker file after
# each (its volume is how the host follows it; its stdout has the counts)
hostile_sh='H=/bin/guest-helper
mark() { echo "$1" >/data/done-$1; echo "phase=$1"; }
$H vsock-flood 2 4242 1000 close
$H vsock-flood 2 4243 300 abort
$H vsock-flood 2 1024 200 hold
$H vsock-flood 2 1025 200 close
$H vsock-flood 2 1025 200 abort
$H vsock-flood 2 1027 100 hold
$H vsock-flood 2 1027 200 close
mark vsock
mkdir -p /data/race /data/many
$H race-escape /data/race outside-canary '"$secret"' 2000
$H race-escape /data/race ../outside/outside-canary '"$secret"' 1000
$H many-files /data/many 500
$H fill /data/big 64
rm -f /data/big
$H xattr-flood /data/race/real* 200 1024
echo >/xattr-target
$H xattr-flood /xattr-target 200 1024
mark 9p
$H devmem-probe
mark devmem
$H forkbomb 2000
mark forkbomb
k=/dev/kmsg; [ -c $k ] || { mknod /tmp/kmsg c 1 11 && k=/tmp/kmsg; }
echo "<3>hostile-guest: an error-level line for the console" >$k
echo "kmsg=$k status=$?"
sleep 1
mark console
$H memhog 512 0
echo memhog-status=$?
mark memhog'
"$cocoon" --dir="$S/data" --local-config="$S/etc" --system-config="$S/vendor" \
	run --net=none --uuid-file-save="$tmp/hostile.uuid" --memory=128M \
	--volume data,kind=host,source="$share" "$IMG" --exec /bin/sh -- \
	-c "$hostile_sh" >"$tmp/hostile.out" 2>"$tmp/hostile.err" &
hostile_pid=$!
bg_pids+=("$hostile_pid")

# The tiny hostile guest kernel beside the victim (see the header).
garbage=$build/tests/kvm/test_virtio_garbage
if [ -x "$garbage" ]; then
	timeout 120 "$garbage" >"$tmp/garbage.out" 2>&1 &
	garbage_pid=$!
	bg_pids+=("$garbage_pid")
else
	echo "note: $garbage not built (make check-kvm): the tiny hostile guest does not run beside the victim"
fi

# uuid_of FILE: the UUID once the pod is running (90 s).
uuid_of() {
	for _ in $(seq 1 900); do
		if [ -s "$1" ] && c status "$(cat "$1")" 2>/dev/null |
			grep -q '^pid=[1-9]'; then
			cat "$1"
			return 0
		fi
		sleep 0.1
	done
	return 1
}
victim=$(uuid_of "$tmp/victim.uuid") || {
	fail "the victim pod never ran: $(tail -5 "$tmp/victim.err")"
	finish
}
hostile=$(uuid_of "$tmp/hostile.uuid") || {
	fail "the hostile pod never ran: $(tail -5 "$tmp/hostile.err")"
	finish
}
hostile_vmm=$(cat "$S/data/pods/run/$hostile/pid")
want_md5=$(seq 1 2000 | md5sum | cut -d' ' -f1)

# seccomp_bug PHASE: a VMM killed by seccomp is a hole in its allow-list
# that a guest can reach: a failure, named with the kernel's audit line.
seccomp_reported=0
seccomp_bug() {
	[ "$seccomp_reported" = 1 ] && return
	local audit
	seccomp_reported=1
	audit=$(dmesg 2>/dev/null | grep 'type=1326' | tail -2 | tr '\n' ' ')
	fail "noticed at the $1 check (the host trails the guest): the hostile guest got its VMM killed by seccomp, i.e." \
		"the VMM made a syscall its allow-list lacks while serving this" \
		"guest (vmm/sandbox_rules.c); the kernel's audit log says: $audit"
	# 286 on x86-64: the serial console's partial-line flush timer.
	grep -q 'syscall=286 ' <<<"$audit" && echo "    | syscall 286 is" \
		"timerfd_settime: serial_output() (vmm/devices/serial.c) arms" \
		"its flush timer on the vCPU thread that wrote the UART, and the" \
		"allow-list grants timerfd_settime to the device thread only:" \
		"any console output after start-up (here an error-level kernel" \
		"line, which a quiet guest still prints) kills the VMM"
	# The line that kills it never reaches console.log: its first byte
	# is what arms the timer, before any flush.
	echo "    | the hostile guest's console.log ends with:" \
		"'$(tail -c 200 "$S/data/pods/run/$hostile/stage1/console.log" 2>&1 |
			tr '\n' ' ')'"
}

# hostile_gone PHASE: the hostile VMM has stopped; ok if status says why.
hostile_gone() {
	c status "$hostile" >"$tmp/hstatus" 2>&1
	if grep -q '^reason=.' "$tmp/hstatus"; then
		ok "$1: the hostile VMM stopped, status says why: $(grep '^reason=' "$tmp/hstatus")"
		grep -q '^reason=.*seccomp' "$tmp/hstatus" && seccomp_bug "$1"
	else
		fail "$1: the hostile VMM is gone without a reason: $(cat "$tmp/hstatus")"
	fi
}

# check_after PHASE: the checks every attack class is followed by.
check_after() {
	local phase=$1 t0 took out
	if [ "$(host_state)" = "$state_before" ]; then
		ok "$phase: the canary beside the volume and /etc/passwd are untouched"
	else
		fail "$phase: host files changed: $(diff <(echo "$state_before") <(host_state))"
	fi
	if kill -0 "$hostile_vmm" 2>/dev/null; then
		ok "$phase: the hostile pod's VMM still runs"
	else
		hostile_gone "$phase"
	fi
	t0=$(date +%s%N)
	out=$(timeout 60 "$cocoon" --dir="$S/data" --local-config="$S/etc" \
		--system-config="$S/vendor" enter "$victim" /bin/sh -c \
		'seq 1 2000 | md5sum' </dev/null 2>"$tmp/enter.err")
	took=$((($(date +%s%N) - t0) / 1000000))
	if [ "${out%% *}" = "$want_md5" ]; then
		ok "$phase: the victim answers correctly (enter took $took ms)"
	else
		fail "$phase: the victim's answer '$out' after $took ms: $(tail -3 "$tmp/enter.err")"
	fi
}

# wait_phase PHASE: until the hostile guest marks PHASE done (90 s), or
# its pod has ended.
wait_phase() {
	for _ in $(seq 1 900); do
		[ -e "$share/done-$1" ] && return 0
		kill -0 "$hostile_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

for phase in vsock 9p devmem forkbomb console memhog; do
	if wait_phase "$phase"; then
		ok "$phase: the hostile guest finished its attack ($(($(date +%s) - start_all)) s in)"
	elif ! kill -0 "$hostile_vmm" 2>/dev/null; then
		echo "note: $phase: the hostile pod has ended (in this attack or before): it did not complete"
	else
		fail "$phase: the hostile guest never finished it: $(tail -3 "$tmp/hostile.out")"
	fi
	check_after "$phase"
	case $phase in
	vsock)
		grep '^flood ' "$tmp/hostile.out" | sed 's/^/    | /'
		if [ "$(grep -c '^flood ' "$tmp/hostile.out")" = 7 ]; then
			ok "vsock: every flood ran to its end in the guest"
		else
			fail "vsock: $(grep -c '^flood ' "$tmp/hostile.out") of 7 floods reported"
		fi
		;;
	9p)
		grep -E '^(race|escaped|many-files|fill|xattr-flood)' "$tmp/hostile.out" |
			sed 's/^/    | /'
		if [ "$(grep -c '^race opens=[1-9][0-9]* escaped=0$' "$tmp/hostile.out")" = 2 ]; then
			ok "9p: no open in the races reached the canary"
		else
			fail "9p: the races: $(grep -E '^(race|escaped)' "$tmp/hostile.out")"
		fi
		fill=$(grep '^fill ' "$tmp/hostile.out")
		if grep -q 'error=No space left on device' <<<"$fill"; then
			ok "9p: filling the volume ends in ENOSPC in the guest, the VMM survives it"
			echo "finding: nothing in cocoon bounds a read-write host volume: the guest wrote" \
				"until the host file system (a 16 MiB tmpfs here) was full ($fill);" \
				"only the host file system's free space, or a quota the operator sets up, bounds it"
		else
			fail "9p: filling the 16 MiB volume: '$fill'"
		fi
		if [ -e "$share/big" ]; then
			fail "9p: the guest's rm of the big file did not reach the host"
		else
			ok "9p: the space came back (the big file is gone on the host)"
		fi
		;;
	devmem)
		grep -E '^(dev-mem|mknod-mem|iopl|ioperm-|devmem-reachable)' \
			"$tmp/hostile.out" | sed 's/^/    | /'
		if grep -qx 'devmem-reachable=0' "$tmp/hostile.out" &&
			! grep -q '^iopl=granted' "$tmp/hostile.out"; then
			ok "devmem: root in the guest reaches no /dev/mem and no I/O port"
		else
			fail "devmem: the guest reached device registers from user space; extend this test to hammer them"
		fi
		;;
	esac
done

# ---- the hostile pod ends (its last attack was the memory hog)
for _ in $(seq 1 300); do
	kill -0 "$hostile_pid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$hostile_pid" 2>/dev/null; then
	fail "the hostile pod still runs 30 s after its last attack"
	c stop --force "$hostile" >/dev/null 2>&1
fi
wait "$hostile_pid"
hostile_st=$?
grep -E '^(forkbomb|memhog)' "$tmp/hostile.out" | sed 's/^/    | /'
c status "$hostile" >"$tmp/hstatus" 2>&1
if [ "$hostile_st" = 0 ] && grep -q '^memhog-status=137$' "$tmp/hostile.out"; then
	ok "the hostile pod's memory hog was OOM-killed in its guest, the pod went on and exited 0"
else
	hostile_gone "the hostile pod ended with status $hostile_st"
fi

# ---- the tiny hostile guest beside the victim
if [ -n "${garbage_pid:-}" ]; then
	wait "$garbage_pid"
	expect_status "the tiny guest scribbling virtqueues and registers beside the victim passes" \
		0 $? "$tmp/garbage.out"
fi

# ---- the victim completes
touch "$victim_dir/stop"
wait "$victim_pid"
expect_status "the victim pod exits 0" 0 $? "$tmp/victim.err"
want=$(
	seq 1 5000 | md5sum
	echo victim-done
)
if [ "$(cat "$tmp/victim.out")" = "$want" ]; then
	ok "the victim pod's output is exactly what it computes alone"
else
	fail "the victim's output: $(head -c 300 "$tmp/victim.out")"
fi
if [ "$(host_state)" = "$state_before" ]; then
	ok "at the end: the canary and /etc/passwd are untouched"
else
	fail "at the end: host files changed"
fi

# ---- nothing left behind
c gc --grace-period=0s >"$tmp/gc.out" 2>"$tmp/gc.err"
expect_status "gc" 0 $? "$tmp/gc.err"
if grep -q "$S/data" /proc/mounts; then
	fail "mounts left: $(grep "$S/data" /proc/mounts)"
else
	ok "no mounts left under the pod dir"
fi
if pgrep -f "$S/data" >/dev/null; then
	fail "processes left: $(pgrep -af "$S/data")"
else
	ok "no VMM or supervisor left running"
fi
left=$(find /sys/fs/cgroup/cocoon -mindepth 1 -maxdepth 1 -type d 2>/dev/null)
if [ -n "$left" ]; then
	fail "cgroups left: $left"
else
	ok "no pod cgroups left under /sys/fs/cgroup/cocoon"
fi
echo "took $(($(date +%s) - start_all)) s from the first pod to the end"
finish
