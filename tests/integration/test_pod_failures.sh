#!/bin/bash
# Pods that fail are reported as failures, never as success (docs/pods.md
# "Running a pod", docs/pod-commands.md "What run does"): a VMM that
# crashes (SIGSEGV), a guest kernel that panics, a VMM that its cgroup's
# OOM killer ends, an app whose exec is missing, an image that does not exist, a host volume whose source is
# missing (when the command line is parsed, and at run time). After each,
# status says why and gc leaves nothing behind.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/podlib.sh
. "$(dirname "$0")/podlib.sh"

pod_vm_setup


run_pod() {
	local name=$1
	shift
	timeout 300 "$cocoon" --dir="$S/data" --local-config="$S/etc" \
		--system-config="$S/vendor" run --net=none "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err"
	st=$?
}

# wait_app_started UUID: the guest reported every app started (60 s).
wait_app_started() {
	for _ in $(seq 1 600); do
		grep -q '"ready":true' "$S/data/pods/run/$1/state.json" \
			2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# nothing_left WHAT: no mounts, processes, cgroups or sockets of the store.
nothing_left() {
	local what=$1 bad=""
	grep -qF "$S/data" /proc/mounts && bad="$bad mounts:$(grep -F "$S/data" /proc/mounts | awk '{print $2}')"
	pgrep -f "$S/data" >/dev/null && bad="$bad processes:$(pgrep -af "$S/data")"
	[ -n "$(find /sys/fs/cgroup/cocoon -mindepth 1 -maxdepth 1 -type d 2>/dev/null)" ] &&
		bad="$bad cgroups:$(ls /sys/fs/cgroup/cocoon)"
	[ -n "$(find "$S/data/pods" -type s 2>/dev/null)" ] &&
		bad="$bad sockets:$(find "$S/data/pods" -type s)"
	if [ -z "$bad" ]; then
		ok "$what: nothing left (mounts, processes, cgroups, sockets)"
	else
		fail "$what: left behind:$bad"
	fi
}

# gc_empties WHAT: gc --grace-period=0s succeeds and list is empty after.
gc_empties() {
	c gc --grace-period=0s >"$tmp/gc.out" 2>"$tmp/gc.err"
	expect_status "$1: gc succeeds" 0 $? "$tmp/gc.err"
	if [ -z "$(c list --no-legend 2>&1)" ]; then
		ok "$1: list is empty after gc"
	else
		fail "$1: list after gc: $(c list --no-legend 2>&1)"
	fi
	if [ -z "$(find "$S/data/pods" -mindepth 2 -maxdepth 2 2>/dev/null)" ]; then
		ok "$1: no pod directory left after gc"
	else
		fail "$1: pod directories left: $(find "$S/data/pods" -mindepth 2 -maxdepth 2)"
	fi
}

# ---- the VMM crashes (SIGSEGV) under a running app
"$cocoon" --dir="$S/data" --local-config="$S/etc" --system-config="$S/vendor" \
	run --net=none --uuid-file-save="$tmp/crash.uuid" "$IMG" \
	--exec /bin/guest-helper -- sleep 120000 \
	>"$tmp/crash.out" 2>"$tmp/crash.err" &
crash_pid=$!
bg_pids+=("$crash_pid")
for _ in $(seq 1 600); do
	[ -s "$tmp/crash.uuid" ] && break
	sleep 0.1
done
u=$(cat "$tmp/crash.uuid" 2>/dev/null)
if [ -n "$u" ] && wait_app_started "$u"; then
	vmm_pid=$(cat "$S/data/pods/run/$u/pid")
	if tr '\0' ' ' <"/proc/$vmm_pid/cmdline" | grep -q "cocoon-vmm.*$u"; then
		ok "the pod's pid file names its VMM ($vmm_pid)"
	else
		fail "pid $vmm_pid is not the pod's VMM: $(tr '\0' ' ' <"/proc/$vmm_pid/cmdline")"
	fi
	kill -SEGV "$vmm_pid"
	timeout 60 tail --pid="$crash_pid" -f /dev/null
	wait "$crash_pid"
	st=$?
	if [ "$st" != 0 ]; then
		ok "a crashed VMM: run exits non-zero ($st)"
	else
		fail "a crashed VMM: run exits 0"
	fi
	expect_status "a crashed VMM: run exits 1 (a failed pod)" 1 "$st" \
		"$tmp/crash.err"
	expect_grep "a crashed VMM: run says the pod failed" \
		"pod $u failed: " "$tmp/crash.err"
	c status "$u" >"$tmp/crash.status" 2>&1
	expect_grep "a crashed VMM: status says exited" '^state=exited$' \
		"$tmp/crash.status"
	# docs/pods.md: reason `vmm crashed: <how>` (`vmm killed` is
	# cocoon's own kill: stop --force, a stop timeout).
	expect_grep "a crashed VMM: status gives reason 'vmm crashed...'" \
		'^reason=vmm crashed' "$tmp/crash.status"
	expect_grep "a crashed VMM: the reason names SIGSEGV" \
		'^reason=.*(signal 11|Segmentation fault|SIGSEGV)' "$tmp/crash.status"
	nothing_left "a crashed VMM"
	gc_empties "a crashed VMM"
else
	fail "the crash pod never started: $(cat "$tmp/crash.err")"
fi

# ---- a guest kernel panic. /proc/sysrq-trigger is read-only in an app
# and the guest kernel has no MAGIC_SYSRQ anyway; an app given every
# capability and no seccomp filter (--insecure-options=capabilities,
# seccomp) can mount a proc of its own, set vm.panic_on_oom=2 and run the
# guest out of memory: the kernel panics ("Kernel panic - not syncing:
# Out of memory: compulsory panic_on_oom is enabled"), panic=-1 resets.
panic_sh='mkdir -p /tmp/p && mount -t proc proc /tmp/p &&
echo 2 >/tmp/p/sys/vm/panic_on_oom && echo panic-armed &&
dd if=/dev/zero of=/dev/null bs=50M count=1; echo survived $?'
run_pod panic --uuid-file-save="$tmp/panic.uuid" --memory=64M \
	--insecure-options=capabilities,seccomp "$IMG" \
	--exec /bin/sh -- -c "$panic_sh"
u=$(cat "$tmp/panic.uuid" 2>/dev/null)
expect_grep "panic: the app armed vm.panic_on_oom" '^panic-armed$' "$tmp/panic.out"
expect_status "a guest kernel panic: run exits 1" 1 "$st" "$tmp/panic.err"
expect_grep "a guest kernel panic: run says so" \
	"pod $u failed: guest kernel panic" "$tmp/panic.err"
expect_grep "the console log holds the panic" 'Kernel panic - not syncing' \
	"$S/data/pods/run/$u/stage1/console.log"
c status "$u" >"$tmp/panic.status" 2>&1
expect_grep "a guest kernel panic: status gives the reason" \
	'^reason=guest kernel panic$' "$tmp/panic.status"
if grep -q '^survived' "$tmp/panic.out"; then
	fail "the app outlived the OOM: $(cat "$tmp/panic.out")"
fi
nothing_left "a guest kernel panic"
gc_empties "a guest kernel panic"

# ---- the pod's host memory limit: the cgroup's OOM killer ends the VMM.
# With --dir on tmpfs, what the guest writes to its root file system (the
# overlay's upper dir, through 9p) is shmem charged to the VMM's cgroup,
# whose memory.max is the guest's RAM + 64 MiB (stage0/cgroup.h): the
# kernel kills the VMM there, and status says why (not "signal 9").
S_main=$S
S=$tmp/oomstore
mkdir -p "$S"
if mount -t tmpfs -o size=768m cocoon-test-oom "$S"; then
	oom_cleanup() {
		c gc --grace-period=0s >/dev/null 2>&1
		umount "$tmp/oomstore" 2>/dev/null
	}
	trap 'oom_cleanup; pod_vm_cleanup' EXIT
	c trust --prefix=example.com --skip-fingerprint-review \
		"$pod_fixtures/keys/good.asc" >/dev/null 2>"$tmp/oomtrust.err"
	expect_status "oom: trust the key in a store on tmpfs" 0 $? \
		"$tmp/oomtrust.err"
	c fetch "$IMG_ACI" >/dev/null 2>"$tmp/oomfetch.err"
	expect_status "oom: fetch the image into it" 0 $? "$tmp/oomfetch.err"
	run_pod oom --uuid-file-save="$tmp/oom.uuid" --memory=128Mi "$IMG" \
		--exec /bin/sh -- -c \
		'echo writing; dd if=/dev/zero of=/fill bs=1M count=600; echo survived $?'
	u=$(cat "$tmp/oom.uuid" 2>/dev/null)
	expect_grep "oom: the app started writing" '^writing$' "$tmp/oom.out"
	expect_status "oom: run exits 1" 1 "$st" "$tmp/oom.err"
	oom_msg='vmm killed by the OOM killer: the pod.s host memory limit \(192 MiB: guest RAM \+ 64 MiB for the VMM\) was reached'
	expect_grep "oom: run names the OOM killer and the limit" \
		"pod $u failed: $oom_msg" "$tmp/oom.err"
	c status "$u" >"$tmp/oom.status" 2>&1
	expect_grep "oom: status gives the reason" "^reason=$oom_msg\$" \
		"$tmp/oom.status"
	if grep -q '^survived' "$tmp/oom.out"; then
		fail "oom: the app outlived its VMM: $(cat "$tmp/oom.out")"
	fi
	nothing_left "an OOM-killed VMM"
	gc_empties "an OOM-killed VMM"
	umount "$S" || fail "oom: unmount the tmpfs store"
	trap pod_vm_cleanup EXIT
else
	fail "oom: mount a tmpfs for the store"
fi
S=$S_main

# ---- the app's exec is missing
run_pod nope --uuid-file-save="$tmp/nope.uuid" "$IMG" --exec /nope
expect_status "--exec /nope: run exits 254" 254 "$st" "$tmp/nope.err"
expect_grep "--exec /nope: the error names the missing exec" \
	'exec /nope: No such file or directory' "$tmp/nope.err"
u=$(cat "$tmp/nope.uuid" 2>/dev/null)
c status "$u" >"$tmp/nope.status" 2>&1
expect_grep "--exec /nope: status shows app status 254" \
	'^app-pod-busybox=254$' "$tmp/nope.status"
if grep -q '^reason=apps exited$' "$tmp/nope.status"; then
	fail "--exec /nope: the reason calls it a success: $(grep reason "$tmp/nope.status")"
else
	ok "--exec /nope: the reason is not a success ($(grep '^reason=' "$tmp/nope.status"))"
fi
nothing_left "--exec /nope"
gc_empties "--exec /nope"

# ---- an image that does not exist
run_pod noimg example.com/does-not-exist:1.0
expect_status "an unknown image: run exits 1" 1 "$st" "$tmp/noimg.err"
expect_grep "an unknown image: the error names it" \
	'example.com/does-not-exist' "$tmp/noimg.err"
run_pod noimg2 --pull-policy=never example.com/does-not-exist:1.0
expect_status "an unknown image with --pull-policy=never: exits 1" 1 "$st" \
	"$tmp/noimg2.err"
expect_grep "an unknown image with --pull-policy=never: says it is not in the store" \
	'does-not-exist:1.0 is not in the store' "$tmp/noimg2.err"
run_pod noimg3 "$tmp/no-such.aci"
expect_status "a missing .aci path: run fails" 1 "$st" "$tmp/noimg3.err"
expect_grep "a missing .aci path: the error names it" 'no-such.aci' \
	"$tmp/noimg3.err"
if [ -z "$(c list --no-legend 2>&1)" ] &&
	[ -z "$(find "$S/data/pods" -mindepth 2 -maxdepth 2 2>/dev/null)" ]; then
	ok "an unknown image leaves no pod (list, pod dirs)"
else
	fail "pods left after unknown images: $(c list --no-legend 2>&1)"
fi

# ---- a bad volume: the source does not exist
run_pod novol --volume v,kind=host,source="$tmp/no-such-dir" "$IMG" \
	--mount volume=v,target=/v --exec /bin/true
expect_status "a missing volume source: a usage error" 2 "$st" "$tmp/novol.err"
expect_grep "a missing volume source: the error names it" \
	"$tmp/no-such-dir: No such file or directory" "$tmp/novol.err"
# ... and one that disappears between prepare and run-prepared.
mkdir "$tmp/gone"
c prepare --net=none --volume v,kind=host,source="$tmp/gone" "$IMG" \
	--mount volume=v,target=/v --exec /bin/true >"$tmp/prep.out" \
	2>"$tmp/prep.err"
expect_status "prepare with a host volume" 0 $? "$tmp/prep.err"
pu=$(tail -1 "$tmp/prep.out")
rmdir "$tmp/gone"
timeout 300 "$cocoon" --dir="$S/data" --local-config="$S/etc" \
	--system-config="$S/vendor" run-prepared "$pu" >"$tmp/gone.out" \
	2>"$tmp/gone.err"
expect_status "run-prepared with a vanished volume source fails" 1 $? \
	"$tmp/gone.err"
expect_grep "and the error names the source" "$tmp/gone" "$tmp/gone.err"
c status "$pu" >"$tmp/gone.status" 2>&1
# docs/pods.md: a pod that fails before its VM starts goes to garbage/.
expect_grep "the pod that failed before its VM started is garbage" \
	'^state=garbage$' "$tmp/gone.status"
nothing_left "a vanished volume source"
gc_empties "a vanished volume source"

finish
