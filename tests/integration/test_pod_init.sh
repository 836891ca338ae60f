#!/bin/bash
# cocoon-init in pod mode (cocoon.pod=1), driven directly: cocoon-vmm with
# the product initrd, one 9p share laid out as stage0 lays out a pod's
# stage1/shared, and tests/integration/pod-host.py as the host supervisor
# on the vsock bridge. Checked: stdout/stderr separate and byte-exact,
# exit statuses and signals, env/user/group/working dir, capabilities,
# no_new_privs and seccomp, masked /proc, a read-only rootfs, host volumes
# rw and ro, an empty volume shared by two apps, stdin, a missing exec,
# enter, stop with a timeout, OOM, a malformed host frame, VMM exit 0.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

host_py=$top/tests/integration/pod-host.py
fixtures=${POD_FIXTURES:-$build/pod-fixtures}
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	# Keep what explains a failure: consoles, guest frames, streams.
	if [ "$failures" -gt 0 ] && [ -n "${POD_KEEP:-}" ]; then
		mkdir -p "$POD_KEEP"
		cp -r "$tmp"/*.console "$tmp"/*.err "$tmp"/*.host "$tmp"/*.json \
			"$POD_KEEP"/ 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

if ! command -v python3 >/dev/null; then
	echo "skip: python3 is needed for the host side"
	exit 77
fi
"$top/tests/integration/mkpodimage" "$fixtures" >"$tmp/mkpodimage.log" 2>&1 || {
	echo "not ok: building the pod image:"
	sed 's/^/    | /' "$tmp/mkpodimage.log" | tail -20
	exit 1
}
mkdir -p "$tmp/image"
tar -xzf "$fixtures/pod-busybox.aci" -C "$tmp/image" rootfs

# add_app SHARE NAME: a private copy of the image's rootfs for NAME.
add_app() {
	mkdir -p "$1/apps/$2"
	cp -a "$tmp/image/rootfs" "$1/apps/$2/rootfs"
}

# run_pod NAME MEM HOST_ARGS...: boots the pod whose share is
# $tmp/NAME.share and runtime $tmp/NAME.json; pod-host.py's files land in
# $tmp/NAME.host, the console in $tmp/NAME.console; sets vm_status and
# host_status.
run_pod() {
	local name=$1 mem=$2
	shift 2
	python3 "$host_py" "$tmp/$name.sock" "$tmp/$name.json" \
		"$tmp/$name.host" --timeout 300 "$@" &
	local host=$!
	pids+=("$host")
	for _ in $(seq 100); do
		[ -S "$tmp/$name.sock_1024" ] && break
		sleep 0.05
	done
	VM_TIMEOUT=280 run_vm "$tmp/$name" --kernel "$kernel" \
		--initrd "$initrd" --mem "$mem" --rng \
		--share "pod=$tmp/$name.share" --vsock "3,$tmp/$name.sock" \
		--cmdline "console=ttyS0 quiet cocoon.pod=1 ${POD_DEBUG:+cocoon.debug=1}"
	wait "$host"
	host_status=$?
}

# event NAME JQ-ish: the guest frames of pod NAME of a type and app.
event() { # POD TYPE APP
	python3 - "$tmp/$1.host/events" "$2" "${3:-}" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m["type"] == sys.argv[2] and (not sys.argv[3] or m.get("app") == sys.argv[3]):
        print(" ".join("%s=%s" % (k, json.dumps(m[k])) for k in sorted(m) if k != "type"))
PY
}
expect_event() { # WHAT POD TYPE APP PATTERN
	event "$2" "$3" "$4" >"$tmp/ev"
	expect_grep "$1" "$5" "$tmp/ev"
}
expect_file() { # WHAT FILE EXPECTED-CONTENT
	if [ -f "$2" ] && [ "$(cat "$2")" = "$3" ]; then
		ok "$1"
	else
		fail "$1: expected '$3', got:"
		sed 's/^/    | /' "$2" 2>/dev/null | head -20
	fi
}

caps_default='["CAP_AUDIT_WRITE","CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_KILL","CAP_MKNOD","CAP_NET_RAW","CAP_NET_BIND_SERVICE","CAP_SETUID","CAP_SETGID","CAP_SETPCAP","CAP_SETFCAP","CAP_SYS_CHROOT"]'
# app NAME EXEC [EXTRA-MEMBERS]: one app of the runtime object.
app() {
	printf '{"name":"%s","rootfs":"apps/%s/rootfs","exec":%s,"env":[["PATH","/bin"]],"user":"0","group":"0","working_dir":"/","capabilities":%s,"seccomp":{"mode":"default"}%s}' \
		"$1" "$1" "$2" "$caps_default" "${3:+,$3}"
}

# ---- pod 1: many apps at once
s=$tmp/p1.share
for a in out sig ids env ro mask unmask vol1 vol2 missing stdin; do add_app "$s" "$a"; done
mkdir -p "$s/volumes/rw" "$s/volumes/ro"
echo "read-only data" >"$s/volumes/ro/data.txt"
head -c 200000 /dev/urandom >"$tmp/stdin.bin"
# shellcheck disable=SC2016 # $ in app commands is for the guest's shell
{
	printf '{"hostname":"pod-test","share":"pod","apps":['
	app out '["/bin/sh","-c","echo out-line; echo err-line >&2; head -c 300000 /dev/urandom >/tmp/big; md5sum </tmp/big >&2; cat /tmp/big; exit 7"]'
	printf ','
	app sig '["/bin/guest-helper","kill-self","9"]'
	printf ','
	printf '{"name":"ids","rootfs":"apps/ids/rootfs","exec":["/bin/sh","-c","guest-helper ids; echo cwd=$(pwd); guest-helper caps; echo nofile=$(ulimit -n); cat /etc/hostname; hostname"],"env":[["PATH","/bin"]],"user":"user","group":"users","supplementary_gids":[10],"working_dir":"/home/user","capabilities":["CAP_CHOWN","CAP_KILL"],"seccomp":{"mode":"default"},"rlimits":[{"type":"RLIMIT_NOFILE","soft":123,"hard":456}]}'
	printf ','
	app env '["/bin/guest-helper","env"]' '"env":[["PATH","/bin"],["FOO","first"],["BAR","x"],["FOO","second"]]'
	printf ','
	app ro '["/bin/sh","-c","echo x >/newfile && echo rootfs-writable || echo rootfs-refused; cat /ro/data.txt; echo y >/ro/new && echo ro-writable || echo ro-refused; echo from-guest >/rw/written && echo rw-ok"]' \
		'"readonly_rootfs":true,"mounts":[{"target":"/rw","kind":"host","source":"volumes/rw","readonly":false},{"target":"/ro","kind":"host","source":"volumes/ro","readonly":true}]'
	printf ','
	app mask '["/bin/sh","-c","for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/latency_stats; do [ -e $f ] && echo masked=$f:$(wc -c <$f); done; echo 1 >/proc/sysrq-trigger && echo sysrq-writable || echo sysrq-refused; mount -t tmpfs x /mnt && echo mount-ok || echo mount-refused; ls /dev | tr \"\\n\" \" \"; echo; guest-helper caps; echo procmounts=$(grep -c \" /proc/\" /proc/self/mountinfo)"]'
	printf ','
	app unmask '["/bin/sh","-c","echo procmounts=$(grep -c \" /proc/\" /proc/self/mountinfo)"]' '"insecure_paths":true'
	printf ','
	app vol1 '["/bin/sh","-c","echo hello-from-vol1 >/shared/msg"]' \
		'"mounts":[{"target":"/shared","kind":"empty","volume":"shared","mode":511,"uid":0,"gid":0}]'
	printf ','
	app vol2 '["/bin/sh","-c","i=0; while [ ! -s /mnt/s/msg ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; cat /mnt/s/msg; stat -c %a /mnt/s"]' \
		'"mounts":[{"target":"/mnt/s","kind":"empty","volume":"shared","mode":511,"uid":0,"gid":0}]'
	printf ','
	app missing '["/bin/nope"]'
	printf ','
	app stdin '["/bin/sh","-c","cat; echo stdin-done"]' '"stdin":true'
	printf ']}\n'
} >"$tmp/p1.json"
run_pod p1 256 --stdin "stdin:$tmp/stdin.bin"
o=$tmp/p1.host
expect_status "pod 1: the VMM exits 0" 0 "$vm_status" "$tmp/p1.err"
expect_status "pod 1: the host saw pod-exited" 0 "$host_status" "$o/host.log"
expect_event "the guest says hello version 1" p1 hello "" '^version=1$'
expect_event "app out: started with a pid" p1 app-started out '^app="out" pid=[0-9]+$'
expect_event "app out: exit status 7" p1 app-exited out 'oom=false signal=0 status=7$'
if [ "$(head -1 "$o/out.stdout")" = out-line ] &&
	[ "$(head -1 "$o/out.stderr")" = err-line ] &&
	[ "$(tail -c 300000 "$o/out.stdout" | md5sum | cut -d' ' -f1)" = \
		"$(sed -n 2p "$o/out.stderr" | cut -d' ' -f1)" ] &&
	[ "$(stat -c %s "$o/out.stdout")" = $((9 + 300000)) ]; then
	ok "app out: stdout and stderr separate, 300 kB byte-exact"
else
	fail "app out: stdout/stderr mixed up or not byte-exact"
	od -c "$o/out.stderr" | head -5
fi
expect_event "app sig: killed by signal 9" p1 app-exited sig 'signal=9 status=-1$'
expect_grep "ids: user 1000, group 100, groups 10" '^uid=1000$' "$o/ids.stdout"
expect_grep "ids: gid" '^gid=100$' "$o/ids.stdout"
expect_grep "ids: supplementary groups" '^groups=10$' "$o/ids.stdout"
expect_grep "ids: working dir" '^cwd=/home/user$' "$o/ids.stdout"
expect_grep "ids: effective caps exactly CHOWN+KILL" '^CapEff:[[:space:]]0000000000000021$' "$o/ids.stdout"
expect_grep "ids: bounding set exactly CHOWN+KILL" '^CapBnd:[[:space:]]0000000000000021$' "$o/ids.stdout"
expect_grep "ids: ambient set for the non-root user" '^CapAmb:[[:space:]]0000000000000021$' "$o/ids.stdout"
expect_grep "ids: no_new_privs" '^NoNewPrivs:[[:space:]]1$' "$o/ids.stdout"
expect_grep "ids: seccomp filter mode" '^Seccomp:[[:space:]]2$' "$o/ids.stdout"
expect_grep "ids: RLIMIT_NOFILE" '^nofile=123$' "$o/ids.stdout"
expect_grep "ids: /etc/hostname written" '^pod-test$' "$o/ids.stdout"
expect_file "env: exactly the runtime's, later FOO wins, and the metadata URL" \
	"$o/env.stdout" \
	"$(printf 'PATH=/bin\nFOO=second\nBAR=x\nAC_METADATA_URL=http://169.254.169.255:18112')"
expect_file "ro: rootfs and ro volume refuse writes, rw volume takes them" \
	"$o/ro.stdout" "$(printf 'rootfs-refused\nread-only data\nro-refused\nrw-ok')"
expect_file "ro: the guest's write reached the host volume" \
	"$s/volumes/rw/written" from-guest
[ -e "$s/apps/ro/rootfs/newfile" ] && fail "ro: a file appeared in the read-only rootfs"
expect_grep "mask: sensitive /proc files read as empty" '^masked=/proc/[a-z_]+:0$' "$o/mask.stdout"
if grep -q '^masked=.*:[1-9]' "$o/mask.stdout"; then
	fail "mask: a sensitive /proc file has content: $(grep '^masked=' "$o/mask.stdout")"
fi
expect_grep "mask: /proc/sysrq-trigger read-only" '^sysrq-refused$' "$o/mask.stdout"
expect_grep "mask: masks and read-only binds under /proc" '^procmounts=[1-9]' "$o/mask.stdout"
expect_grep "insecure_paths: nothing mounted under /proc" '^procmounts=0$' "$o/unmask.stdout"
expect_grep "mask: mount refused" '^mount-refused$' "$o/mask.stdout"
expect_grep "mask: /dev has the standard nodes" 'full.*null.*ptmx.*pts.*random.*shm.*stderr.*stdin.*stdout.*tty.*urandom.*zero' "$o/mask.stdout"
expect_grep "mask: root keeps the default caps only" '^CapBnd:[[:space:]]00000000a80425fb$' "$o/mask.stdout"
expect_file "empty volume shared by two apps, mode 777" "$o/vol2.stdout" \
	"$(printf 'hello-from-vol1\n777')"
expect_event "missing exec: an error frame that says why" p1 error missing \
	'message=".*exec /bin/nope: No such file or directory"'
expect_event "missing exec: app-exited 254" p1 app-exited missing 'signal=0 status=254$'
want=$(md5sum <"$tmp/stdin.bin" | cut -d' ' -f1)
got=$(head -c 200000 "$o/stdin.stdout" 2>/dev/null | md5sum | cut -d' ' -f1)
if [ "$want" = "$got" ] && [ "$(tail -c 11 "$o/stdin.stdout")" = stdin-done ]; then
	ok "stdin: 200 kB from the host arrive byte-exact, then EOF"
else
	fail "stdin: not byte-exact ($(stat -c %s "$o/stdin.stdout" 2>/dev/null) bytes, md5 $got, sent $want)"
	cp "$tmp/stdin.bin" "$o/" 2>/dev/null
fi
expect_event "pod-exited is sent" p1 pod-exited "" '.*'
[ -s "$tmp/ev" ] || fail "no pod-exited frame"

# ---- pod 2: enter and stop
s=$tmp/p2.share
add_app "$s" sleeper
add_app "$s" stubborn
add_app "$s" console
# shellcheck disable=SC2016
{
	printf '{"hostname":"pod-two","share":"pod","apps":['
	app sleeper '["/bin/guest-helper","sleep","600000"]' '"working_dir":"/etc","env":[["PATH","/bin"],["APPVAR","app"]]'
	printf ','
	app stubborn '["/bin/sh","-c","trap \"\" TERM; while :; do sleep 1; done"]'
	printf ','
	app console '["/bin/sh","-c","tty; guest-helper ctty; i=0; while [ \"$(stty size)\" != \"33 77\" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; echo size=$(stty size); exit 5"]' '"tty":true'
	printf ']}\n'
} >"$tmp/p2.json"
start=$(date +%s)
# shellcheck disable=SC2016
run_pod p2 256 --stop-after-ready 200:2000 --resize console:33:77 \
	--enter 'sleeper:["/bin/sh","-c","cat hostname; echo $APPVAR $ENTERED; guest-helper caps | grep CapBnd; echo e-err >&2; exit 3"]' \
	--enter 'nosuch:["/bin/true"]' \
	--enter 'sleeper:["/bin/nope"]' \
	--enter-tty 'sleeper:["/bin/sh","-c","tty; exit 4"]'
o=$tmp/p2.host
expect_status "pod 2: the VMM exits 0" 0 "$vm_status" "$tmp/p2.err"
expect_grep "enter: exit status 3" '"status": 3' "$o/enter-0.result"
expect_file "enter: in the app's root, cwd and env (+ request env)" "$o/enter-0.stdout" \
	"$(printf 'pod-two\napp yes\nCapBnd:\t00000000a80425fb')"
expect_file "enter: stderr separate" "$o/enter-0.stderr" e-err
expect_grep "enter: an unknown app is an error" '"type": "error"' "$o/enter-1.result"
expect_grep "enter: a missing program is an error that says so" 'exec /bin/nope: No such file' "$o/enter-2.result"
expect_grep "enter with a pty: exit status 4" '"status": 4' "$o/enter-3.result"
expect_grep "enter with a pty: stdin is a pty of the app's devpts" '^/dev/pts/[0-9]+' "$o/enter-3.stdout"
expect_event "tty app: exit status 5" p2 app-exited console 'signal=0 status=5$'
expect_grep "tty app: its stdin is a pty" '^/dev/(pts/[0-9]+|console)' "$o/console.tty"
expect_grep "tty app: the pty is its controlling tty, in the foreground" '^foreground=1' "$o/console.tty"
expect_grep "tty app: resize from the host reaches the pty" '^size=33 77' "$o/console.tty"
expect_event "stop: a sleeping app ends by SIGTERM" p2 app-exited sleeper 'signal=15 status=-1$'
expect_event "stop: an app ignoring SIGTERM is killed after the timeout" p2 app-exited stubborn 'signal=9 status=-1$'
if [ $(($(date +%s) - start)) -lt 200 ]; then
	ok "stop: the pod ended well before the test timeout"
else
	fail "stop: the pod took $(($(date +%s) - start)) s"
fi

# ---- pod 3: an app that eats the guest's memory
s=$tmp/p3.share
add_app "$s" hog
{
	printf '{"hostname":"pod-three","share":"pod","apps":['
	app hog '["/bin/sh","-c","for i in 1 2 3; do dd if=/dev/zero of=/dev/null bs=60M count=20 & done; wait"]'
	printf ']}\n'
} >"$tmp/p3.json"
run_pod p3 128
expect_status "pod 3: the VMM exits 0" 0 "$vm_status" "$tmp/p3.err"
expect_event "oom: reported as oom=true" p3 app-exited hog 'oom=true'

# ---- pod 4: a malformed frame from the host powers the guest off
s=$tmp/p4.share
add_app "$s" idle
{
	printf '{"hostname":"pod-four","share":"pod","apps":['
	app idle '["/bin/guest-helper","sleep","600000"]'
	printf ']}\n'
} >"$tmp/p4.json"
run_pod p4 128 --garbage-after-ready
expect_status "garbage: the VMM exits 0 (the guest powered off)" 0 "$vm_status" "$tmp/p4.err"
expect_grep "garbage: the console says why" 'malformed frame from the host' "$tmp/p4.console"
expect_status "garbage: no pod-exited" 1 "$host_status"

# ---- pod 5: a bad runtime object is refused with an error frame
mkdir -p "$tmp/p5.share"
echo '{"hostname":"x","share":"pod","apps":[{"name":"Bad_Name"}]}' >"$tmp/p5.json"
run_pod p5 128
expect_status "bad runtime: the VMM exits 0" 0 "$vm_status" "$tmp/p5.err"
expect_event "bad runtime: an error frame names the member" p5 error "" 'apps\[0\]\.name'

finish
