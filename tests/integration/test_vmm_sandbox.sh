#!/bin/bash
# The VMM's sandbox seen from the host (docs/security.md): a running pod's
# cocoon-vmm has the capabilities of 9p file serving and nothing more,
# no_new_privs, a seccomp filter on every thread, namespaces of its own
# (PID 1 of its PID namespace), a root holding only the socket directory,
# read-only, with the host's files out of reach, no core dumps; the pod
# still works through it (9p, vsock, enter, a graceful stop). A VMM build
# that makes a forbidden syscall once running is killed, and the pod's
# status and cocoon's message say so.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/podlib.sh
. "$(dirname "$0")/podlib.sh"

violate=$build/tests/cocoon-vmm-violate
if [ ! -x "$violate" ]; then
	echo "skip: $violate missing (make $violate)"
	exit 77
fi
pod_vm_setup

# wait_running UUID_FILE: the pod's VMM pid once the guest says ready (60 s).
wait_ready() {
	local u
	for _ in $(seq 1 600); do
		u=$(cat "$1" 2>/dev/null)
		if [ -n "$u" ] && grep -q '"ready":true' \
			"$S/data/pods/run/$u/state.json" 2>/dev/null; then
			echo "$u"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# status_field PID FIELD: a line of /proc/PID/status, value only.
status_field() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print; exit }' \
		"/proc/$1/status"
}

# ---- a confined pod. The variable that turns the sandbox off is ignored
# without --debug.
COCOON_VMM_NO_SANDBOX=1 run_pod sleeper --net=none --cpu=2 \
	--uuid-file-save="$tmp/sleeper.uuid" \
	"$IMG" --exec /bin/guest-helper -- sleep 120000 &
sleeper=$!
bg_pids+=("$sleeper")
if ! u=$(wait_ready "$tmp/sleeper.uuid"); then
	fail "the pod did not become ready: $(cat "$tmp/sleeper.err")"
	finish
fi
pod=$S/data/pods/run/$u
vmm=$(cat "$pod/pid")
sup=$(status_field "$vmm" PPid)
ok "pod $u runs, VMM pid $vmm"

# Capabilities: CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID MKNOD.
want_caps=000000000800001f
for f in CapEff CapPrm CapBnd; do
	got=$(status_field "$vmm" "$f")
	if [ "$got" = "$want_caps" ]; then
		ok "$f is 9p's six capabilities ($got)"
	else
		fail "$f is $got, expected $want_caps"
	fi
done
for f in CapInh CapAmb; do
	got=$(status_field "$vmm" "$f")
	[ "$got" = 0000000000000000 ] && ok "$f empty" ||
		fail "$f is $got, expected none"
done
[ "$(status_field "$vmm" NoNewPrivs)" = 1 ] && ok "no_new_privs set" ||
	fail "NoNewPrivs is $(status_field "$vmm" NoNewPrivs)"

# Every thread filtered; the kinds are named.
threads=0 filtered=0
for t in /proc/"$vmm"/task/*; do
	threads=$((threads + 1))
	[ "$(awk '$1 == "Seccomp:" { print $2 }' "$t/status")" = 2 ] &&
		filtered=$((filtered + 1))
done
if [ "$threads" -ge 3 ] && [ "$filtered" = "$threads" ]; then
	ok "Seccomp: 2 on all $threads threads"
else
	fail "$filtered of $threads threads have a seccomp filter"
fi
names=$(cat /proc/"$vmm"/task/*/comm | sort | tr '\n' ' ')
case "$names" in
*cocoon-vmm*vmm-device*vmm-vcpu*) ok "threads: $names" ;;
*) fail "thread names: $names (want cocoon-vmm, vmm-device, vmm-vcpu)" ;;
esac

# Namespaces: all but the user namespace differ from the supervisor's.
for ns in mnt pid net ipc uts cgroup; do
	a=$(readlink "/proc/$vmm/ns/$ns") b=$(readlink "/proc/$sup/ns/$ns")
	if [ -n "$a" ] && [ "$a" != "$b" ]; then
		ok "own $ns namespace ($a)"
	else
		fail "$ns namespace $a, the supervisor's $b"
	fi
done
nspid=$(status_field "$vmm" NSpid)
[ "${nspid##* }" = 1 ] && ok "PID 1 of its PID namespace (NSpid $nspid)" ||
	fail "NSpid $nspid: not PID 1 of a namespace of its own"

# The root: read-only, holding the socket directory (and /proc on kernels
# without fchmodat2); the pod's files beyond it out of reach.
root=/proc/$vmm/root
top=$(find "$root/" -mindepth 1 -maxdepth 1 -printf '%f ' | tr ' ' '\n' |
	grep -vx proc | tr -d '\n')
[ "$top" = stage1 ] && ok "the root holds only stage1/" ||
	fail "the VMM's root holds: $(ls -A "$root/" | tr '\n' ' ')"
[ -S "$root/stage1/vsock_1024" ] && ok "the control socket is reachable" ||
	fail "stage1/vsock_1024 missing in the VMM's root"
if touch "$root/x" 2>/dev/null; then
	fail "the VMM's root is writable"
else
	ok "the root is read-only"
fi
rootfs=$(find "$pod/stage1/shared/apps" -mindepth 2 -maxdepth 2 -name rootfs |
	head -1)
rel=${rootfs#"$pod"/}
if [ -n "$rootfs" ] && [ -e "$rootfs/bin" ] && [ ! -e "$root/$rel/bin" ]; then
	ok "the app's rootfs is out of the VMM's reach by path"
else
	fail "the app's rootfs ($rel) is visible in the VMM's root"
fi
mounts=$(wc -l <"/proc/$vmm/mountinfo")
[ "$mounts" -le 3 ] && ok "$mounts mounts in the VMM's namespace" ||
	fail "$mounts mounts in the VMM's namespace: $(cat "/proc/$vmm/mountinfo")"
if grep -q '^Max core file size *0 *0 ' "/proc/$vmm/limits"; then
	ok "no core dumps"
else
	fail "core limit: $(grep core "/proc/$vmm/limits")"
fi

# The pod works through the sandbox: a host-initiated vsock connection
# (enter), 9p writes that land on the host, a graceful stop.
c enter "$u" /bin/sh -c 'mkdir /sbx && echo sandboxed >/sbx/f &&
	mkdir /sbx/d && ln -s x /sbx/d/l && mv /sbx/d /sbx/e &&
	chmod 600 /sbx/f && chown 1:1 /sbx/f && cat /sbx/f' \
	>"$tmp/enter.out" 2>"$tmp/enter.err" </dev/null
expect_grep "enter works; 9p writes read back" '^sandboxed$' "$tmp/enter.out"
if [ -n "$rootfs" ] && [ "$(cat "$rootfs/sbx/f" 2>/dev/null)" = sandboxed ] &&
	[ -L "$rootfs/sbx/e/l" ] &&
	[ "$(stat -c %u:%g:%a "$rootfs/sbx/f")" = 1:1:600 ]; then
	ok "the guest's files, owner and mode reached the host through 9p"
else
	fail "the guest's writes are not in $rootfs/sbx: $(ls -laR "$rootfs/sbx" 2>&1)"
fi
c stop "$u" >"$tmp/stop.out" 2>&1 || fail "cocoon stop: $(cat "$tmp/stop.out")"
wait "$sleeper"
st=$?
reason=$(c status "$u" 2>/dev/null | sed -n 's/^reason=//p')
if [ "$reason" = stopped ]; then
	ok "graceful stop (status $st)"
else
	fail "after stop: reason '$reason', status $st: $(tail -5 "$tmp/sleeper.err")"
fi

# ---- a VMM that breaks its allow-list is killed and reported
s1=$tmp/stage1-violate
mkdir -p "$s1"
ln -s "$violate" "$s1/cocoon-vmm"
ln -s "$(readlink -f "$kernel")" "$s1/vmlinux"
ln -s "$initrd" "$s1/initrd.cpio"
start=$(date +%s)
COCOON_STAGE1_DIR=$s1 run_pod violate --net=none \
	--uuid-file-save="$tmp/violate.uuid" \
	"$IMG" --exec /bin/guest-helper -- sleep 120000
took=$(($(date +%s) - start))
expect_status "the violating VMM's pod fails" 1 "$st" "$tmp/violate.err"
[ "$took" -lt 60 ] && ok "it ended in $took s" || fail "it took $took s"
expect_grep "cocoon says the VMM was killed by seccomp" \
	'vmm killed by seccomp \(SIGSYS\): forbidden syscall' "$tmp/violate.err"
vu=$(cat "$tmp/violate.uuid" 2>/dev/null)
c status "$vu" >"$tmp/violate.status" 2>&1
expect_grep "cocoon status gives the reason" \
	'^reason=vmm killed by seccomp \(SIGSYS\)' "$tmp/violate.status"
expect_grep "the console log has the VMM's last words" \
	'test build: calling ptrace' "$(find "$S/data/pods" -path "*$vu/stage1/console.log" | head -1)"

finish
