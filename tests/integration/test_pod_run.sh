#!/bin/bash
# Running pods end to end (docs/pods.md "Running a pod"): exit statuses,
# stdout/stderr, a large output, status and list, enter, stop (graceful and
# --force), a SIGKILLed supervisor cleaned up by gc, five pods at once, and
# nothing left behind (mounts, processes, cgroups, sockets).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/podlib.sh
. "$(dirname "$0")/podlib.sh"

pod_vm_setup


# run_pod NAME ARGS...: `cocoon run --net=none` with a timeout; stdout in
# $tmp/NAME.out, stderr in $tmp/NAME.err, exit status in $st.
run_pod() {
	local name=$1
	shift
	timeout 300 "$cocoon" --dir="$S/data" --local-config="$S/etc" \
		--system-config="$S/vendor" run --net=none "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err"
	st=$?
}

# wait_running UUID_FILE: until the pod's status says running (60 s).
wait_running() {
	local u
	for _ in $(seq 1 600); do
		u=$(cat "$1" 2>/dev/null)
		if [ -n "$u" ] && c status "$u" 2>/dev/null |
			grep -qx 'state=running' &&
			c status "$u" 2>/dev/null | grep -q '^pid=[1-9]'; then
			echo "$u"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# app_running UUID: the guest reported the app started (state.json).
wait_app_started() {
	for _ in $(seq 1 600); do
		grep -q '"started"' "$S"/data/pods/run/"$1"/state.json \
			2>/dev/null &&
			grep -q '"pid":[0-9]' "$S"/data/pods/run/"$1"/state.json &&
			grep -q '"ready":true' "$S"/data/pods/run/"$1"/state.json &&
			return 0
		sleep 0.1
	done
	return 1
}

# ---- exit statuses
run_pod exit0 "$IMG" --exec /bin/guest-helper -- exit 0
expect_status "an app exiting 0 gives 0" 0 "$st" "$tmp/exit0.err"
run_pod exit3 "$IMG" --exec /bin/guest-helper -- exit 3
expect_status "an app exiting 3 gives 3" 3 "$st" "$tmp/exit3.err"
run_pod sig "$IMG" --exec /bin/guest-helper -- kill-self 10
expect_status "an app killed by SIGUSR1 gives 128+10" 138 "$st" "$tmp/sig.err"
state=$(cat "$S"/data/pods/run/*/state.json 2>/dev/null)
if grep -q '"signal":10' <<<"$state" && grep -q '"reason":"app failed: pod-busybox"' <<<"$state"; then
	ok "state.json records the signal and the failed app"
else
	fail "state.json lacks signal 10 or the reason: $state"
fi

# ---- two apps: one fails while the other runs, the pod is stopped and
# the failing app's status is the pod's (rkt's rule)
start=$(date +%s)
run_pod two --uuid-file-save="$tmp/two.uuid" \
	"$IMG" --exec /bin/sh -- -c 'sleep 1; exit 5' --- \
	"$IMG" --exec /bin/guest-helper -- sleep 120000
took=$(($(date +%s) - start))
expect_status "two apps: the failing app's status is the pod's" 5 "$st" \
	"$tmp/two.err"
if [ "$took" -lt 60 ]; then
	ok "two apps: the failure stopped the other app ($took s)"
else
	fail "two apps: the pod took $took s; the other app was not stopped"
fi
expect_grep "two apps: state.json names the failed app" \
	'"reason":"app failed: pod-busybox"' \
	"$S/data/pods/run/$(cat "$tmp/two.uuid")/state.json"
run_pod two-ok "$IMG" --exec /bin/guest-helper -- exit 0 --- \
	"$IMG" --exec /bin/guest-helper -- exit 0
expect_status "two apps that both exit 0 give 0" 0 "$st" "$tmp/two-ok.err"

# ---- the console: always in stage1/console.log, with --debug on stderr too
timeout 300 "$cocoon" --dir="$S/data" --local-config="$S/etc" \
	--system-config="$S/vendor" --debug run --net=none \
	--uuid-file-save="$tmp/dbg.uuid" "$IMG" --exec /bin/guest-helper -- \
	exit 0 >"$tmp/dbg.out" 2>"$tmp/dbg.err"
expect_status "--debug run exits 0" 0 $? "$tmp/dbg.err"
expect_grep "the console log holds the guest kernel's messages" \
	'Linux version' \
	"$S/data/pods/run/$(cat "$tmp/dbg.uuid")/stage1/console.log"
expect_grep "--debug shows the console on stderr" 'Linux version' \
	"$tmp/dbg.err"
if grep -q 'cocoon-init: ready' "$tmp/exit3.err"; then
	fail "the console shows on stderr without --debug"
else
	ok "without --debug the console stays in the log"
fi

# ---- an app the guest's OOM killer ends: its status and a message.
# 50 MB in one malloc passes the guest's overcommit check in a 64 MiB
# guest, and touching it all cannot fit.
run_pod oom --uuid-file-save="$tmp/oom.uuid" --memory=64M "$IMG" \
	--exec /bin/dd -- if=/dev/zero of=/dev/null bs=50M count=1
expect_status "an OOM-killed app gives 128+9" 137 "$st" "$tmp/oom.err"
expect_grep "the OOM kill is reported" 'killed by the guest.s OOM killer: out of memory' \
	"$tmp/oom.err"
expect_grep "state.json says out of memory" '"reason":"out of memory: pod-busybox"' \
	"$S/data/pods/run/$(cat "$tmp/oom.uuid")/state.json"

# ---- prepare, then run-prepared
c prepare --net=none "$IMG" --exec /bin/guest-helper -- exit 4 \
	>"$tmp/prep.out" 2>"$tmp/prep.err"
expect_status "prepare" 0 $? "$tmp/prep.err"
pu=$(tail -1 "$tmp/prep.out")
c run-prepared >/dev/null 2>&1
expect_status "run-prepared without a UUID is a usage error" 2 $?
c run-prepared --interactive "$pu" >/dev/null 2>"$tmp/rpi.err"
expect_status "run-prepared --interactive of a non-interactive pod fails" \
	1 $?
expect_grep "and says it was prepared without --interactive" \
	'prepared without --interactive' "$tmp/rpi.err"
mkdir -p "$tmp/stage1-partial"
cp "$build/cocoon-vmm" "$tmp/stage1-partial/"
COCOON_STAGE1_DIR=$tmp/stage1-partial c run-prepared "$pu" >/dev/null \
	2>"$tmp/rps1.err"
expect_status "run-prepared without a complete stage1 fails" 1 $?
expect_grep "and names what is missing where" \
	"vmlinux not found in $tmp/stage1-partial" "$tmp/rps1.err"
c status "$pu" >"$tmp/rps1.status" 2>&1
expect_grep "the pod is still prepared after that failure" \
	'^state=prepared$' "$tmp/rps1.status"
timeout 300 "$cocoon" --dir="$S/data" --local-config="$S/etc" \
	--system-config="$S/vendor" run-prepared "$pu" >"$tmp/rp.out" \
	2>"$tmp/rp.err"
expect_status "run-prepared runs the pod and exits with its app's status" \
	4 $? "$tmp/rp.err"
c run-prepared "$pu" >/dev/null 2>"$tmp/rp2.err"
expect_status "run-prepared of a pod that ran already fails" 1 $?
expect_grep "and says the pod is not prepared" 'not prepared' "$tmp/rp2.err"

# ---- stdout and stderr apart, byte-exact
run_pod split "$IMG" --exec /bin/sh -- -c \
	'echo to-out; echo to-err >&2; seq 1 20000; seq 5 9 >&2'
{
	echo to-out
	seq 1 20000
} >"$tmp/split.want-out"
{
	echo to-err
	seq 5 9
} >"$tmp/split.want-err"
expect_status "split: the pod exits 0" 0 "$st" "$tmp/split.err"
if cmp -s "$tmp/split.out" "$tmp/split.want-out"; then
	ok "the app's stdout is exactly the pod's stdout"
else
	fail "stdout differs: $(head -c 300 "$tmp/split.out")"
fi
if grep -vx -e 'to-err' -e '[5-9]' "$tmp/split.err" | grep -q . ||
	! grep -qx to-err "$tmp/split.err" || [ "$(grep -cx '[5-9]' "$tmp/split.err")" != 5 ]; then
	fail "stderr is not the app's stderr: $(head -c 300 "$tmp/split.err")"
else
	ok "the app's stderr is the pod's stderr, not mixed with stdout"
fi

# ---- a 50 MB output
timeout 300 "$cocoon" --dir="$S/data" --local-config="$S/etc" \
	--system-config="$S/vendor" run --net=none "$IMG" --exec /bin/sh -- \
	-c 'head -c 52428800 /dev/zero' 2>"$tmp/big.err" | wc -c >"$tmp/big.count"
st=${PIPESTATUS[0]}
expect_status "50 MB output: the pod exits 0" 0 "$st" "$tmp/big.err"
expect_status "50 MB output: every byte arrives" 52428800 \
	"$(tr -d ' ' <"$tmp/big.count")"

# ---- a running pod: status, list, enter, stop
"$cocoon" --dir="$S/data" --local-config="$S/etc" --system-config="$S/vendor" \
	run --net=none --uuid-file-save="$tmp/long.uuid" "$IMG" \
	--exec /bin/guest-helper -- sleep 120000 \
	>"$tmp/long.out" 2>"$tmp/long.err" &
long_pid=$!
bg_pids+=("$long_pid")
if u=$(wait_running "$tmp/long.uuid") && wait_app_started "$u"; then
	ok "status says running while the pod runs"
	# The VMM lives in the pod's cgroup, bounded as docs/pods.md says:
	# guest RAM (128 MiB by default) + 64 MiB, and one vCPU's worth.
	vmm_pid=$(cat "$S/data/pods/run/$u/pid" 2>/dev/null)
	cg=/sys/fs/cgroup/cocoon/$u
	if [ -n "$vmm_pid" ] && grep -qx "0::/cocoon/$u" "/proc/$vmm_pid/cgroup"; then
		ok "the VMM runs in the pod's cgroup"
	else
		fail "the VMM ($vmm_pid) is not in cocoon/$u: $(cat "/proc/$vmm_pid/cgroup" 2>&1)"
	fi
	expect_status "the pod's memory.max is guest RAM + 64 MiB" \
		$(((128 + 64) << 20)) "$(cat "$cg/memory.max" 2>&1)"
	if [ -e "$cg/cpu.max" ]; then
		expect_status "the pod's cpu.max is one vCPU" "100000 100000" \
			"$(cat "$cg/cpu.max" 2>&1)"
	else
		echo "note: no cpu.max here (kernel without CONFIG_CFS_BANDWIDTH): CPU bound not checked"
	fi
	# pids.max (stage0/cgroup.h CGROUP_VMM_PIDS): the VMM's threads, one
	# per vCPU and the device thread, + 3 spare for the workers KVM
	# attaches to the VM creator's cgroup (one here).
	if [ -e "$cg/pids.max" ]; then
		expect_status "the pod's pids.max is 1 vCPU + the device thread + 3" \
			5 "$(cat "$cg/pids.max" 2>&1)"
		expect_status "the VMM's threads: one per vCPU and the device thread" \
			2 "$(find "/proc/$vmm_pid/task" -mindepth 1 -maxdepth 1 | wc -l)"
		pids_now=$(cat "$cg/pids.current" 2>&1)
		if [ "$pids_now" -ge 2 ] 2>/dev/null && [ "$pids_now" -le 5 ]; then
			ok "the pod's cgroup holds $pids_now tasks, within pids.max"
		else
			fail "the pod's cgroup holds '$pids_now' tasks (2 to 5 expected): $(cat "$cg/cgroup.threads" 2>&1 | tr '\n' ' ')"
		fi
	else
		fail "no pids.max in the pod's cgroup: $(cat /sys/fs/cgroup/cgroup.controllers)"
	fi
	if c list --no-legend --full 2>"$tmp/list.err" | grep -q "^$u.*running"; then
		ok "list shows the running pod"
	else
		fail "list lacks the running pod: $(c list --full 2>&1)"
	fi
	c enter "$u" /bin/sh -c 'echo entered; echo ent-err >&2; exit 7' \
		>"$tmp/enter.out" 2>"$tmp/enter.err" </dev/null
	expect_status "enter returns the command's status" 7 $? "$tmp/enter.err"
	expect_grep "enter shows the command's stdout" '^entered$' "$tmp/enter.out"
	expect_grep "enter shows the command's stderr" '^ent-err$' "$tmp/enter.err"
	echo piped | c enter "$u" /bin/sh -c 'read x; echo "got $x"' \
		>"$tmp/enter2.out" 2>"$tmp/enter2.err"
	expect_grep "enter passes stdin" '^got piped$' "$tmp/enter2.out"
	c enter "$u" >"$tmp/enter3.out" 2>"$tmp/enter3.err" </dev/null
	expect_status "enter without a command runs /bin/sh (stdin empty: 0)" \
		0 $? "$tmp/enter3.err"
	c enter --app=nope "$u" true >/dev/null 2>"$tmp/enter4.err"
	expect_status "enter --app with an unknown app fails" 1 $?
	expect_grep "enter --app names the unknown app" 'no app named "nope"' \
		"$tmp/enter4.err"
	# --user, --cwd, --env, --groups (docs/protocol.md: uid, gid,
	# additional_gids, cwd and env of the enter request)
	c enter "$u" /bin/sh -c 'echo "$(id -u):$(id -g) $(id -G) $(pwd)"' \
		>"$tmp/enter6.out" 2>"$tmp/enter6.err" </dev/null
	expect_grep "enter runs as root without groups by default" '^0:0 0 /' \
		"$tmp/enter6.out"
	c enter --user 1000:100 --cwd /tmp --env A=b --env=C=d=e --groups=10,20 \
		"$u" /bin/sh -c 'echo "$(id -u):$(id -g) [$(id -G)] $(pwd) $A $C"' \
		>"$tmp/enter7.out" 2>"$tmp/enter7.err" </dev/null
	expect_status "enter --user --cwd --env --groups" 0 $? "$tmp/enter7.err"
	expect_grep "... runs as 1000:100 with groups 10 20, in /tmp, with A and C" \
		'^1000:100 \[100 10 20\] /tmp b d=e$' "$tmp/enter7.out"
	c enter --user=1000 "$u" /bin/sh -c 'echo "$(id -u):$(id -g) [$(id -G)]"' \
		>"$tmp/enter8.out" 2>"$tmp/enter8.err" </dev/null
	expect_grep "enter --user UID: gid 0, no groups" '^1000:0 \[0\]$' \
		"$tmp/enter8.out"
	c enter --cwd /nonexistent "$u" true >/dev/null 2>"$tmp/enter9.err"
	expect_status "enter --cwd of a missing directory fails" 1 $?
	expect_grep "... saying so" 'chdir to cwd /nonexistent: No such file' \
		"$tmp/enter9.err"
	c enter --user root "$u" true >/dev/null 2>"$tmp/enter10.err"
	expect_status "enter --user with a name is a usage error" 2 $?
	expect_grep "... naming the option" 'user needs UID' "$tmp/enter10.err"
	c enter --env =x "$u" true >/dev/null 2>"$tmp/enter11.err"
	expect_status "enter --env without a name is a usage error" 2 $?
	c enter --cwd tmp "$u" true >/dev/null 2>"$tmp/enter12.err"
	expect_status "enter --cwd with a relative path is a usage error" 2 $?
	start=$(date +%s)
	c stop "$u" >"$tmp/stop.out" 2>"$tmp/stop.err"
	expect_status "stop succeeds" 0 $? "$tmp/stop.err"
	wait "$long_pid"
	st=$?
	took=$(($(date +%s) - start))
	# The app dies of SIGTERM in the guest: 128+15.
	expect_status "a stopped pod's run exits with the app's SIGTERM status" \
		143 "$st" "$tmp/long.err"
	if [ "$took" -lt 10 ]; then
		ok "stop ended the pod within its 10 s timeout ($took s)"
	else
		fail "stop took $took s"
	fi
	c status "$u" >"$tmp/status.out" 2>&1
	expect_grep "status says exited after the stop" '^state=exited$' "$tmp/status.out"
	expect_grep "status shows the app's status" '^app-pod-busybox=143$' "$tmp/status.out"
	expect_grep "state.json says stopped" '"reason":"stopped"' \
		"$S/data/pods/run/$u/state.json"
else
	fail "the long pod never ran: $(cat "$tmp/long.err")"
fi
c enter "${u:-none}" true >/dev/null 2>"$tmp/enter5.err"
expect_status "enter into an exited pod fails" 1 $?
expect_grep "enter says the pod is not running" 'not running' "$tmp/enter5.err"

# ---- a signal forwarded to the app (supervisor_signal(): SIGRTMIN
# queued to the supervisor with the signal as its value, as
# cocoon-runtime kill sends it): SIGUSR1 kills guest-helper, 128+10
"$cocoon" --dir="$S/data" --local-config="$S/etc" --system-config="$S/vendor" \
	run --net=none --uuid-file-save="$tmp/sig.uuid" "$IMG" \
	--exec /bin/guest-helper -- sleep 120000 \
	>"$tmp/sig.out" 2>"$tmp/sig.err" &
sig_pid=$!
bg_pids+=("$sig_pid")
if u=$(wait_running "$tmp/sig.uuid") && wait_app_started "$u"; then
	python3 - "$sig_pid" <<-'EOF'
		import ctypes, signal, sys
		libc = ctypes.CDLL(None, use_errno=True)
		# union sigval by value: sival_int in the low bits of a register
		if libc.sigqueue(int(sys.argv[1]), int(signal.SIGRTMIN),
		                 ctypes.c_void_p(int(signal.SIGUSR1))) != 0:
		    sys.exit("sigqueue: errno %d" % ctypes.get_errno())
	EOF
	expect_status "sigqueue to the supervisor" 0 $?
	wait "$sig_pid"
	expect_status "the forwarded SIGUSR1 ended the app (128+10)" 138 $? \
		"$tmp/sig.err"
	c status "$u" >"$tmp/sigstatus.out" 2>&1
	expect_grep "status shows the app killed by SIGUSR1" \
		'^app-pod-busybox=138$' "$tmp/sigstatus.out"
else
	fail "the signal pod never ran: $(cat "$tmp/sig.err")"
fi

# ---- SIGTERM to the supervisor before the guest is up: still clean
"$cocoon" --dir="$S/data" --local-config="$S/etc" --system-config="$S/vendor" \
	run --net=none --uuid-file-save="$tmp/early.uuid" "$IMG" \
	--exec /bin/guest-helper -- sleep 120000 \
	>"$tmp/early.out" 2>"$tmp/early.err" &
early_pid=$!
bg_pids+=("$early_pid")
for _ in $(seq 1 100); do
	[ -s "$tmp/early.uuid" ] && [ -n "$(ls "$S"/data/pods/run/"$(cat "$tmp/early.uuid")"/pid 2>/dev/null)" ] && break
	sleep 0.05
done
kill -TERM "$early_pid"
wait "$early_pid"
st=$?
if [ "$st" != 0 ] && grep -q '"reason":"stopped"' "$S"/data/pods/run/"$(cat "$tmp/early.uuid")"/state.json; then
	ok "SIGTERM while booting stops the pod (status $st, reason stopped)"
else
	fail "SIGTERM while booting: status $st, $(cat "$S"/data/pods/run/*/state.json 2>&1 | grep reason)"
fi

# ---- stop --force
"$cocoon" --dir="$S/data" --local-config="$S/etc" --system-config="$S/vendor" \
	run --net=none --uuid-file-save="$tmp/force.uuid" "$IMG" \
	--exec /bin/guest-helper -- sleep 120000 \
	>"$tmp/force.out" 2>"$tmp/force.err" &
force_pid=$!
bg_pids+=("$force_pid")
if u=$(wait_running "$tmp/force.uuid"); then
	c stop --force "$u" >/dev/null 2>"$tmp/fstop.err"
	expect_status "stop --force succeeds" 0 $? "$tmp/fstop.err"
	wait "$force_pid"
	expect_status "a pod whose VMM was killed exits 1" 1 $? "$tmp/force.err"
	expect_grep "the killed VMM is reported" 'vmm killed' "$tmp/force.err"
	expect_grep "state.json says vmm killed" '"reason":"vmm killed' \
		"$S/data/pods/run/$u/state.json"
else
	fail "the --force pod never ran: $(cat "$tmp/force.err")"
fi

# ---- SIGKILL of the supervisor: the VMM follows, gc cleans up
"$cocoon" --dir="$S/data" --local-config="$S/etc" --system-config="$S/vendor" \
	run --net=none --uuid-file-save="$tmp/kill.uuid" "$IMG" \
	--exec /bin/guest-helper -- sleep 120000 \
	>"$tmp/kill.out" 2>"$tmp/kill.err" &
kill_pid=$!
bg_pids+=("$kill_pid")
if u=$(wait_running "$tmp/kill.uuid"); then
	vmm_pid=$(cat "$S/data/pods/run/$u/pid")
	kill -KILL "$kill_pid"
	wait "$kill_pid" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$vmm_pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$vmm_pid" 2>/dev/null; then
		fail "the VMM $vmm_pid outlived its SIGKILLed supervisor"
	else
		ok "the VMM dies with its SIGKILLed supervisor"
	fi
	if grep -q "$u" /proc/mounts; then
		ok "the SIGKILLed supervisor left its mounts (as expected)"
	else
		fail "no mounts of pod $u after SIGKILL: nothing for gc to test"
	fi
	c gc --grace-period=0s >"$tmp/gc.out" 2>"$tmp/gc.err"
	expect_status "gc after a SIGKILLed supervisor" 0 $? "$tmp/gc.err"
	if grep -q "$u" /proc/mounts; then
		fail "gc left the mounts of pod $u"
	else
		ok "gc unmounted what the SIGKILLed supervisor left"
	fi
	if [ -e "/sys/fs/cgroup/cocoon/$u" ]; then
		fail "gc left the cgroup of pod $u"
	else
		ok "gc removed the pod's cgroup"
	fi
else
	fail "the SIGKILL pod never ran: $(cat "$tmp/kill.err")"
fi

# ---- five pods at once
for i in 1 2 3 4 5; do
	"$cocoon" --dir="$S/data" --local-config="$S/etc" \
		--system-config="$S/vendor" run --net=none "$IMG" \
		--exec /bin/sh -- -c "echo pod-$i; exit $i" \
		>"$tmp/five$i.out" 2>"$tmp/five$i.err" &
	five[i]=$!
	bg_pids+=("${five[i]}")
done
five_ok=0
for i in 1 2 3 4 5; do
	wait "${five[i]}"
	st=$?
	if [ "$st" = "$i" ] && [ "$(cat "$tmp/five$i.out")" = "pod-$i" ]; then
		five_ok=$((five_ok + 1))
	else
		echo "    | pod $i: status $st, output '$(cat "$tmp/five$i.out")'" \
			"$(tail -3 "$tmp/five$i.err")"
	fi
done
expect_status "five pods at once each exit with their own status and output" \
	5 "$five_ok"

# ---- nothing left behind
if grep -q "$S/data" /proc/mounts; then
	fail "mounts left under $S/data: $(grep "$S/data" /proc/mounts)"
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
socks=$(find "$S/data/pods" -type s 2>/dev/null)
if [ -n "$socks" ]; then
	fail "sockets left: $socks"
else
	ok "no stage1 sockets left"
fi

finish
