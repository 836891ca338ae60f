#!/bin/bash
# list, status, stop, rm, gc and cat-manifest against pods made by hand
# (docs/pods.md): no VM is booted. A running pod is a fake supervisor
# (fake-supervisor.py) that holds the pod's lock in its own process and
# runs a fake VMM (sleep) whose command line names the pod, exactly what
# `cocoon stop` checks before it signals anything. Needs root for the
# mount and cgroup cleanup cases (skipped, and said so, without).
# cocoon-test: no-vm
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

cocoon=$build/cocoon
fakesup=$top/tests/integration/fake-supervisor.py
D=$tmp/data
pids=()

cleanup() {
	local pid m
	for pid in "${pids[@]}"; do
		kill -KILL "$pid" 2>/dev/null
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	if [ "$(id -u)" = 0 ]; then
		grep -F " $tmp/" /proc/self/mountinfo | awk '{print $5}' |
			sort -r | while read -r m; do umount -l "$m"; done
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

[ -x "$cocoon" ] || {
	echo "$cocoon is not built (make build/cocoon)"
	exit 77
}
command -v python3 >/dev/null || {
	echo "python3 is missing (the fake supervisor needs it)"
	exit 77
}

c() { "$cocoon" --dir="$D" "$@"; }

# run_c NAME EXPECTED_STATUS ARGS...: runs cocoon, output in $tmp/out,
# $tmp/err; checks the exit status.
run_c() {
	local name=$1 want=$2
	shift 2
	c "$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [ "$got" = "$want" ]; then
		ok "$name"
	else
		fail "$name: exit status $got, expected $want"
		sed 's/^/    | /' "$tmp/out" "$tmp/err" | tail -20
	fi
}
# has WHAT PATTERN FILE / hasnt WHAT PATTERN FILE
has() { expect_grep "$@"; }
hasnt() {
	if grep -qE -- "$2" "$3"; then
		fail "$1: unexpected line matching '$2':"
		sed 's/^/    | /' "$3" | tail -20
	else
		ok "$1"
	fi
}

# mkpod STATE UUID [CREATED]: a prepared pod's files (pod, stage0.json).
mkpod() {
	local dir=$D/pods/$1/$2 created=${3:-$(date -u +%Y-%m-%dT%H:%M:%S.000000000Z)}
	mkdir -p "$dir/stage1/shared/apps/busybox/rootfs" \
		"$dir/stage1/shared/volumes/data" "$dir/overlay/busybox/upper"
	cat >"$dir/pod" <<-EOF
		{"acVersion":"0.8.11","acKind":"PodManifest","apps":[{"name":"busybox","image":{"name":"example.com/pod-busybox","id":"sha512-0123456789abcdef","labels":[{"name":"version","value":"1.0"}]},"app":{"exec":["/bin/sh"],"user":"0","group":"0"}}],"volumes":[],"isolators":[],"annotations":[],"ports":[]}
	EOF
	cat >"$dir/stage0.json" <<-EOF
		{"created": "$created", "memory_mib": 128, "cpus": 1, "net": "none", "interactive": false, "overlay": true, "stop_timeout_ms": 1000, "apps": [{"name": "busybox", "image": "sha512-0123456789abcdef", "tree": "deps-sha512-0123"}], "volumes": []}
	EOF
	echo "$dir"
}

# exited_state DIR STATUS: state.json of a pod whose app exited.
exited_state() {
	cat >"$1/state.json" <<-EOF
		{"started": "2026-11-28T15:04:06.5Z", "supervisor_pid": 999999, "pid": 999998, "exited": "2026-11-28T15:04:07.1Z", "exit_status": $2, "reason": "apps exited", "apps": {"busybox": {"pid": 31, "status": $2, "signal": 0, "oom": false, "started": "2026-11-28T15:04:06.6Z", "exited": "2026-11-28T15:04:07Z"}}}
	EOF
}

# start_sup DIR [MODE]: a fake supervisor on DIR; its pid in $sup.
start_sup() {
	local ready=$tmp/ready.$RANDOM
	python3 "$fakesup" "$1" "$ready" "${2:-normal}" &
	sup=$!
	pids+=("$sup")
	for _ in $(seq 200); do
		if [ -e "$ready" ]; then
			[ -s "$ready" ] && pids+=("$(cat "$ready")")
			return 0
		fi
		sleep 0.05
	done
	fail "fake supervisor on $1 did not start"
	return 1
}
lock_free() { flock -n -s "$1" true; }
# alive PID: running (a zombie nobody reaped yet counts as dead).
alive() {
	kill -0 "$1" 2>/dev/null &&
		[ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]
}

U_PREP=11111111-1111-4111-8111-111111111111
U_EXIT=22222222-2222-4222-8222-222222222222
U_RUN=33333333-3333-4333-8333-333333333333
U_EMB=44444444-4444-4444-8444-444444444444
U_HOLD=55555555-5555-4555-8555-555555555555
U_RUN2=33334444-3333-4333-8333-333333333333

# ---- empty
run_c "list with no pods" 0 list
has "list with no pods: just the legend" '^UUID +APP +IMAGE NAME +STATE +CREATED +STARTED +NETWORKS$' "$tmp/out"
[ "$(wc -l <"$tmp/out")" = 1 ] && ok "list with no pods: one line" ||
	fail "list with no pods printed $(wc -l <"$tmp/out") lines"

# ---- the pods
mkpod prepared $U_PREP >/dev/null
P_EXIT=$(mkpod run $U_EXIT 2026-11-28T15:04:05.123456789Z)
exited_state "$P_EXIT" 3
P_RUN=$(mkpod run $U_RUN)
P_RUN2=$(mkpod run $U_RUN2) # shares the prefix 3333 with U_RUN
mkdir -p "$D/pods/embryo/$U_EMB"
mkdir -p "$D/pods/prepare/$U_HOLD"
start_sup "$P_RUN" normal || finish
RUN_SUP=$sup
RUN_VMM=$(cat "$P_RUN/pid")
start_sup "$D/pods/prepare/$U_HOLD" hold || finish
HOLD_SUP=$sup

# ---- list
run_c "list" 0 list
for row in "11111111 +busybox +example.com/pod-busybox:1.0 +prepared" \
	"22222222 +busybox +example.com/pod-busybox:1.0 +exited " \
	"33333333 +busybox +example.com/pod-busybox:1.0 +running" \
	"33334444 +busybox +example.com/pod-busybox:1.0 +exited " \
	"44444444 +- +- +embryo" "55555555 +- +- +preparing"; do
	has "list: $row" "^$row" "$tmp/out"
done
hasnt "list: short UUIDs by default" "$U_EXIT" "$tmp/out"
run_c "list --full --no-legend" 0 list --full --no-legend
has "list --full: full UUID" "^$U_EXIT " "$tmp/out"
has "list --full: absolute times" "^$U_EXIT .*2026-11-28 15:04:05.123 \+0000 UTC" "$tmp/out"
hasnt "list --no-legend: no header" '^UUID' "$tmp/out"
run_c "list --format=json" 0 list --format=json
if python3 -c '
import json, sys
pods = {p["name"]: p for p in json.load(open(sys.argv[1]))}
assert pods[sys.argv[2]]["state"] == "exited", pods[sys.argv[2]]
assert pods[sys.argv[2]]["apps"][0]["exit_code"] == 3
assert pods[sys.argv[3]]["state"] == "running"
assert pods[sys.argv[3]]["pid"] == int(sys.argv[4])
assert len(pods) == 6
' "$tmp/out" $U_EXIT $U_RUN "$RUN_VMM"; then
	ok "list --format=json: states, exit code, pid"
else
	fail "list --format=json: $(head -c 600 "$tmp/out")"
fi
run_c "list --format=yaml is a usage error" 2 list --format=yaml
has "list --format=yaml: says what is allowed" 'json, json-pretty' "$tmp/err"

# ---- status
run_c "status of an exited pod" 0 status 2222
has "status: state=exited" '^state=exited$' "$tmp/out"
has "status: created=" '^created=2026-11-28 15:04:05.123 \+0000 UTC$' "$tmp/out"
has "status: started=" '^started=2026-11-28 15:04:06.500 \+0000 UTC$' "$tmp/out"
has "status: exited=true" '^exited=true$' "$tmp/out"
has "status: app exit code" '^app-busybox=3$' "$tmp/out"
run_c "status of a running pod" 0 status $U_RUN
has "status running: state" '^state=running$' "$tmp/out"
has "status running: pid is the VMM's" "^pid=$RUN_VMM\$" "$tmp/out"
has "status running: exited=false" '^exited=false$' "$tmp/out"
hasnt "status running: no app code yet" '^app-' "$tmp/out"
run_c "status --format=json" 0 status --format=json $U_EXIT
has "status --format=json: one object" '"state":"exited"' "$tmp/out"
run_c "status of an unknown pod fails" 1 status 99999999
has "status unknown: says so" 'no pod matches "99999999"' "$tmp/err"
run_c "status of an ambiguous prefix fails" 1 status 3333
has "status ambiguous: says so" 'ambiguous pod UUID prefix "3333"' "$tmp/err"
run_c "status of a bad UUID fails" 1 status ../../etc
has "status bad UUID: says so" 'not a pod UUID' "$tmp/err"
run_c "status --wait=300ms on a running pod times out" 1 status --wait=300ms $U_RUN
has "status --wait timeout: says so" 'did not exit within 300 ms' "$tmp/err"
run_c "status --wait-ready on a running ready pod" 0 status --wait-ready=5s $U_RUN
run_c "status --wait=1x is a usage error" 2 status --wait=1x $U_RUN
has "status --wait=1x: says why" 'bad duration "1x"' "$tmp/err"

# ---- cat-manifest
run_c "cat-manifest" 0 cat-manifest $U_PREP
has "cat-manifest: the pod file" '"acKind":"PodManifest"' "$tmp/out"
run_c "cat-manifest --pretty-print" 0 cat-manifest --pretty-print $U_PREP
has "cat-manifest --pretty-print: indented" '^  "acKind": "PodManifest",$' "$tmp/out"
run_c "cat-manifest of an embryo fails" 1 cat-manifest $U_EMB
has "cat-manifest embryo: says why" "pod $U_EMB has no manifest" "$tmp/err"

# ---- rm
run_c "rm of a running pod is refused" 1 rm $U_RUN
has "rm running: says to stop it" "pod $U_RUN is running: stop it first" "$tmp/err"
[ -d "$P_RUN" ] && alive "$RUN_SUP" && ok "rm running: pod untouched" ||
	fail "rm running: the running pod was harmed"
run_c "rm of a pod being prepared is refused" 1 rm $U_HOLD
has "rm preparing: says so" "is being prepared by another process" "$tmp/err"
run_c "rm of an exited pod and a failed embryo" 0 rm $U_EXIT $U_EMB
has "rm: prints the UUIDs" "^$U_EXIT\$" "$tmp/out"
[ ! -e "$D/pods/run/$U_EXIT" ] && [ ! -e "$D/pods/exited-garbage/$U_EXIT" ] &&
	[ ! -e "$D/pods/embryo/$U_EMB" ] && [ ! -e "$D/pods/garbage/$U_EMB" ] &&
	ok "rm: directories gone" || fail "rm: directories left: $(find "$D/pods" -maxdepth 2)"
run_c "rm of an unknown pod fails, others still removed" 1 rm 99999999 $U_PREP
[ ! -e "$D/pods/prepared/$U_PREP" ] && ok "rm: prepared pod removed despite an earlier bad argument" ||
	fail "rm: prepared pod left"
run_c "rm without arguments is a usage error" 2 rm

# ---- stop
start_sup "$P_RUN2" normal || finish
RUN2_SUP=$sup
RUN2_VMM=$(cat "$P_RUN2/pid")
run_c "stop (graceful)" 0 stop --timeout=10s $U_RUN
has "stop: prints the UUID" "^$U_RUN\$" "$tmp/out"
lock_free "$P_RUN" && ok "stop: the lock is free" || fail "stop: pod still locked"
! alive "$RUN_VMM" && ok "stop: the VMM is gone" || fail "stop: VMM $RUN_VMM still runs"
has "stop: the supervisor recorded a stop" '"reason": "stopped"' "$P_RUN/state.json"
run_c "status --wait after stop returns at once" 0 status --wait=2s $U_RUN
has "status after stop: exited" '^state=exited$' "$tmp/out"
run_c "stop of a stopped pod" 0 stop $U_RUN
has "stop stopped: says already stopped" "pod $U_RUN is already stopped" "$tmp/out"

run_c "stop --force" 0 stop --force $U_RUN2
! alive "$RUN2_VMM" && ok "stop --force: VMM killed" || fail "stop --force: VMM alive"
lock_free "$P_RUN2" && ok "stop --force: the lock is free" || fail "stop --force: pod still locked"
wait "$RUN2_SUP" 2>/dev/null
! alive "$RUN2_SUP" && ok "stop --force: the supervisor exited" || fail "stop --force: supervisor alive"
has "stop --force: the supervisor saw the VMM die" '"reason": "vmm killed"' "$P_RUN2/state.json"
run_c "status after --force: app killed by 9 gives 137" 0 status $U_RUN2
has "status after --force: app-busybox=137" '^app-busybox=137$' "$tmp/out"

# A pid that is not the pod's is never signalled.
U_LIE=66666666-6666-4666-8666-666666666666
P_LIE=$(mkpod run $U_LIE)
start_sup "$P_LIE" normal || finish
LIE_SUP=$sup
sleep 1000 &
decoy=$!
pids+=("$decoy")
python3 - "$P_LIE/state.json" "$decoy" <<-'EOF'
	import json, sys
	s = json.load(open(sys.argv[1]))
	s["supervisor_pid"] = int(sys.argv[2])
	json.dump(s, open(sys.argv[1], "w"))
EOF
run_c "stop refuses a supervisor_pid that does not hold the lock" 1 stop $U_LIE
has "stop decoy: says why" "names supervisor $decoy but process $LIE_SUP holds" "$tmp/err"
alive "$decoy" && alive "$LIE_SUP" && ok "stop decoy: nothing was signalled" ||
	fail "stop decoy: a process was killed"
echo "$decoy" >"$P_LIE/pid"
python3 - "$P_LIE/state.json" <<-'EOF'
	import json, sys
	s = json.load(open(sys.argv[1]))
	del s["pid"]
	json.dump(s, open(sys.argv[1], "w"))
EOF
run_c "stop --force refuses a VMM pid that is not the pod's" 1 stop --force $U_LIE
has "stop --force decoy: says why" "process $decoy is not its VMM" "$tmp/err"
alive "$decoy" && ok "stop --force decoy: the decoy lives" || fail "stop --force decoy: decoy killed"
# Naming the UUID as an argument is not enough either.
bash -c 'exec -a "cocoon status $1" sleep 1000' _ $U_LIE &
decoy2=$!
pids+=("$decoy2")
sleep 0.2
echo "$decoy2" >"$P_LIE/pid"
run_c "stop --force refuses a process that only has the UUID in its argv" 1 stop --force $U_LIE
alive "$decoy2" && ok "stop --force argv decoy: it lives" || fail "stop --force argv decoy: killed"

# A SIGKILLed supervisor leaves its VMM running: stop kills it.
U_ORPH=dddddddd-dddd-4ddd-8ddd-dddddddddddd
P_ORPH=$(mkpod run $U_ORPH)
start_sup "$P_ORPH" normal || finish
ORPH_VMM=$(cat "$P_ORPH/pid")
kill -KILL "$sup"
wait "$sup" 2>/dev/null
alive "$ORPH_VMM" && ok "orphan: the VMM outlives its supervisor" || fail "orphan: VMM died with the supervisor"
run_c "stop of a pod whose supervisor was killed" 0 stop $U_ORPH
has "stop orphan: says what it did" "supervisor is gone; killed its VMM \(pid $ORPH_VMM\)" "$tmp/out"
sleep 0.2
! alive "$ORPH_VMM" && ok "stop orphan: VMM killed" || fail "stop orphan: VMM $ORPH_VMM alive"

U_STUB=77777777-7777-4777-8777-777777777777
P_STUB=$(mkpod run $U_STUB)
start_sup "$P_STUB" stubborn || finish
STUB_SUP=$sup
run_c "stop of a supervisor that ignores SIGTERM times out" 1 stop --timeout=300ms $U_STUB
has "stop timeout: says so and suggests --force" "did not stop within 300 ms \(try --force\)" "$tmp/err"
run_c "stop --force of the stubborn pod" 0 stop --force --timeout=10s $U_STUB
! alive "$STUB_SUP" && ok "stop --force stubborn: supervisor exited" || fail "stop --force stubborn: supervisor alive"
run_c "stop of a prepared pod fails" 1 stop "$(basename "$(mkpod prepared 88888888-8888-4888-8888-888888888888)")"
has "stop prepared: says not running" 'is not running \(prepared\)' "$tmp/err"

# ---- gc
# Now: run/ has U_RUN, U_RUN2, U_STUB (exited) and U_LIE (running);
# prepared/ has 8888 (fresh); prepare/ has U_HOLD (locked).
U_OLDP=99999999-9999-4999-8999-999999999999
mkpod prepared $U_OLDP 2026-01-01T00:00:00Z >/dev/null
U_FAIL=aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa
mkdir -p "$D/pods/prepare/$U_FAIL"
run_c "gc --mark-only" 0 gc --mark-only
has "gc --mark-only: exited pod marked" "moved pod $U_RUN to exited-garbage" "$tmp/out"
has "gc --mark-only: failed preparation marked" "moved pod $U_FAIL to garbage" "$tmp/out"
has "gc --mark-only: expired prepared pod marked" "moved pod $U_OLDP to garbage" "$tmp/out"
hasnt "gc --mark-only: deletes nothing" "removed" "$tmp/out"
hasnt "gc: running pod untouched" "$U_LIE" "$tmp/out"
hasnt "gc: pod being prepared untouched" "$U_HOLD" "$tmp/out"
hasnt "gc: fresh prepared pod untouched" "88888888" "$tmp/out"
[ -d "$D/pods/exited-garbage/$U_RUN" ] && [ -d "$D/pods/garbage/$U_FAIL" ] &&
	ok "gc --mark-only: pods are in their new folders" || fail "gc --mark-only: $(find "$D/pods" -maxdepth 2)"
run_c "list shows exited garbage" 0 list
has "list: exited garbage" "^33333333 .*exited garbage" "$tmp/out"
# Marked 2 hours ago: past a 1h grace period; U_RUN2 marked now is not.
touch -d '2 hours ago' "$D/pods/exited-garbage/$U_RUN"
run_c "gc --grace-period=1h" 0 gc --grace-period=1h
has "gc: old exited garbage removed" "removed pod $U_RUN" "$tmp/out"
has "gc: garbage removed" "removed pod $U_FAIL" "$tmp/out"
hasnt "gc: recent exited garbage kept" "removed pod $U_RUN2" "$tmp/out"
[ -d "$D/pods/exited-garbage/$U_RUN2" ] && [ ! -e "$D/pods/exited-garbage/$U_RUN" ] &&
	[ -d "$D/pods/run/$U_LIE" ] && [ -d "$D/pods/prepare/$U_HOLD" ] &&
	ok "gc: the right pods are left" || fail "gc: left $(find "$D/pods" -maxdepth 2)"
alive "$LIE_SUP" && ok "gc: running supervisor untouched" || fail "gc: running supervisor died"
alive "$HOLD_SUP" && ok "gc: preparing process untouched" || fail "gc: preparing process died"
run_c "gc --grace-period=bad is a usage error" 2 gc --grace-period=bad
has "gc bad duration: says why" 'grace-period: bad duration "bad"' "$tmp/err"

# Cleanup after a SIGKILLed supervisor: its mounts (and cgroup) stay
# behind until gc. Needs root.
if [ "$(id -u)" != 0 ]; then
	echo "skip: gc of mounts and cgroups needs root"
else
	U_KILL=bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb
	P_KILL=$(mkpod run $U_KILL)
	mkdir -p "$tmp/volume"
	echo precious >"$tmp/volume/file"
	mount -t tmpfs tmpfs "$P_KILL/stage1/shared/apps/busybox/rootfs" &&
		mount --bind "$tmp/volume" "$P_KILL/stage1/shared/volumes/data" &&
		mount -t tmpfs tmpfs "$P_KILL/stage1/shared/apps/busybox/rootfs" ||
		fail "mounting the pod's fake mounts"
	cg=/sys/fs/cgroup/cocoon/$U_KILL
	cg_ok=false
	if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] &&
		mkdir -p "$cg" 2>/dev/null; then
		sleep 1000 &
		cg_pid=$!
		pids+=("$cg_pid")
		echo "$cg_pid" >"$cg/cgroup.procs" && cg_ok=true
	fi
	start_sup "$P_KILL" normal || finish
	KILL_SUP=$sup
	KILL_VMM=$(cat "$P_KILL/pid")
	kill -KILL "$KILL_SUP"
	wait "$KILL_SUP" 2>/dev/null
	kill -KILL "$KILL_VMM"
	run_c "gc after a SIGKILLed supervisor" 0 gc --grace-period=0s
	has "gc SIGKILL: pod marked" "moved pod $U_KILL to exited-garbage" "$tmp/out"
	has "gc SIGKILL: pod removed" "removed pod $U_KILL" "$tmp/out"
	hasnt "gc SIGKILL: no mounts left" "$U_KILL" /proc/self/mountinfo
	[ "$(cat "$tmp/volume/file" 2>/dev/null)" = precious ] &&
		ok "gc SIGKILL: the volume's data was not deleted through the bind" ||
		fail "gc SIGKILL: the host volume lost its file"
	if $cg_ok; then
		! alive "$cg_pid" && ok "gc SIGKILL: process left in the cgroup killed" ||
			fail "gc SIGKILL: process $cg_pid in the cgroup still alive"
		[ ! -d "$cg" ] && ok "gc SIGKILL: cgroup removed" || fail "gc SIGKILL: $cg left"
	else
		rmdir "$cg" 2>/dev/null
		echo "skip: no writable cgroup v2 here: cgroup cleanup not tested"
	fi

	# rm never deletes through a mount it could not undo.
	U_BUSY=cccccccc-cccc-4ccc-8ccc-cccccccccccc
	P_BUSY=$(mkpod run $U_BUSY)
	mount --bind "$tmp/volume" "$P_BUSY/stage1/shared/volumes/data"
	run_c "rm unmounts a stale bind and removes the pod" 0 rm $U_BUSY
	[ "$(cat "$tmp/volume/file" 2>/dev/null)" = precious ] &&
		ok "rm: the volume's data survived" || fail "rm: the host volume lost its file"
fi

finish
