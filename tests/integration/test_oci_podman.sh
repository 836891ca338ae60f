#!/bin/bash
# cocoon-runtime under Debian's real podman (docs/oci.md "Real engines"):
# podman with its own storage (vfs) and run dirs under the test's tmp dir,
# cgroupfs, `--runtime` the absolute path of build/cocoon-runtime, and an
# image imported from the pod image's busybox rootfs (no registry). It
# checks `run --rm` printing to stdout from a VM (the guest's kernel is not
# the host's), exit codes (0, 3, a death by SIGKILL), -e, -w, -u, -v rw
# and ro, --memory sizing the VM, `run -d` with `ps`, `exec` (-i, -it, -e/-w/-u),
# `stop` and `kill`, `run -it` through tmux, and that COCOON_OCI_RUNS (20)
# runs in a row leave no containers, pods, mounts, cgroups, conmon or VMM
# behind.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

runtime=$build/cocoon-runtime
oci_test_setup podman conmon tmux

IMG=localhost/cocoon-busybox:1
# podman passes no --root to the runtime (and its cleanup process would
# not pass a --runtime-flag): containers live under cocoon-runtime's
# default root, so what was there before the test is the baseline.
RR=/run/cocoon-runtime
P=(podman --root "$tmp/storage" --runroot "$tmp/run" --tmpdir "$tmp/ptmp"
	--storage-driver vfs --cgroup-manager cgroupfs --events-backend file
	--runtime "$runtime")
TMUX_SOCK=$tmp/tmux.sock
cleanup() {
	tmux -S "$TMUX_SOCK" kill-server >/dev/null 2>&1
	"${P[@]}" rm -a -f -t 0 >/dev/null 2>&1
	"${P[@]}" rmi -a -f >/dev/null 2>&1
	grep -q " $tmp" /proc/self/mountinfo &&
		awk -v t="$tmp" '$5 ~ "^"t {print $5}' /proc/self/mountinfo |
		sort -r | xargs -r -n1 umount -l
	rm -rf "$tmp"
}
trap cleanup EXIT

# what leaks would show as, before and after
snapshot() {
	{
		echo "state: $(find "$RR" -mindepth 1 -maxdepth 1 ! -name cocoon 2>/dev/null | sort | tr '\n' ' ')"
		echo "pods: $(find "$RR/cocoon/pods" -mindepth 2 -maxdepth 2 2>/dev/null | sort | tr '\n' ' ')"
		echo "mounts: $(grep -c " $RR" /proc/self/mountinfo)"
		echo "cgroups: $(find /sys/fs/cgroup/cocoon -mindepth 1 -maxdepth 1 -type d 2>/dev/null | sort | tr '\n' ' ')"
		echo "vmm: $(pgrep -c -x cocoon-vmm)"
		echo "conmon: $(pgrep -c -x conmon)"
	} >"$1"
}
snapshot "$tmp/before"

mkdir -p "$tmp/img" "$tmp/rw" "$tmp/ro"
tar -xzf "$build/pod-fixtures/pod-busybox.aci" -C "$tmp/img" rootfs
if tar -C "$tmp/img/rootfs" -c . | "${P[@]}" import - "$IMG" \
	>"$tmp/import.log" 2>&1; then
	ok "podman import of the busybox rootfs ($(podman --version))"
else
	fail "podman import: $(tail -5 "$tmp/import.log")"
	finish
fi
rm -rf "$tmp/img"

pane() { tmux -S "$TMUX_SOCK" capture-pane -p -S -100 -t "$1" 2>/dev/null; }
wait_pane() { # WINDOW PATTERN SECONDS
	for _ in $(seq 1 $(($3 * 5))); do
		pane "$1" | grep -qE "$2" && return 0
		sleep 0.2
	done
	return 1
}

# prun NAME ARGS...: podman run; stdout/stderr in $tmp/NAME.{out,err},
# its exit status in $st
prun() {
	local name=$1
	shift
	timeout 240 "${P[@]}" run "$@" </dev/null >"$tmp/$name.out" \
		2>"$tmp/$name.err"
	st=$?
}

echo "# ${SECONDS}s"
# ---- run --rm: stdout, exit codes, a VM
prun hello --rm --network none "$IMG" /bin/sh -c 'echo hello-podman; uname -r'
expect_status "podman run --rm exits 0" 0 "$st" "$tmp/hello.err"
expect_grep "... and the app's stdout is podman's" '^hello-podman$' "$tmp/hello.out"
guest_kernel=$(sed -n 2p "$tmp/hello.out")
if [ -n "$guest_kernel" ] && [ "$guest_kernel" != "$(uname -r)" ]; then
	ok "the app ran in a VM (kernel $guest_kernel, host $(uname -r))"
else
	fail "guest kernel '$guest_kernel' vs host $(uname -r)"
fi
if grep -q 'cannot read stdin' "$tmp/hello.err"; then
	fail "a warning about stdin on the container's stderr: $(cat "$tmp/hello.err")"
else
	ok "no runtime noise on the container's stderr"
fi
prun three --rm --network none "$IMG" /bin/sh -c 'exit 3'
expect_status "exit 3 gives podman's exit status 3" 3 "$st" "$tmp/three.err"
prun sig --rm --network none "$IMG" /bin/sh -c 'kill -KILL $$'
expect_status "an app killed by SIGKILL gives 137" 137 "$st" "$tmp/sig.err"

echo "# ${SECONDS}s"
# ---- -e, -w, -u, -v rw and ro, --memory
echo from-host >"$tmp/ro/file"
chmod 0777 "$tmp/rw" # the app runs as uid 1000
prun opts --rm --network none -e V=from-podman -w /tmp -u 1000:100 \
	-v "$tmp/rw:/rw" -v "$tmp/ro:/ro:ro" --memory 192m "$IMG" /bin/sh -c \
	'echo "cwd=$(pwd) user=$(id -u):$(id -g) V=$V"; echo written >/rw/out
	cat /ro/file; touch /ro/x 2>/dev/null || echo ro-refused
	grep MemTotal /proc/meminfo'
expect_status "run with -e -w -u -v --memory" 0 "$st" "$tmp/opts.err"
expect_grep "-e, -w and -u reach the app" \
	'^cwd=/tmp user=1000:100 V=from-podman$' "$tmp/opts.out"
[ "$(cat "$tmp/rw/out" 2>/dev/null)" = written ] &&
	ok "-v rw: the app's write reaches the host" ||
	fail "-v rw: '$(cat "$tmp/rw/out" 2>/dev/null)'"
expect_grep "-v ro: the host's file is seen" '^from-host$' "$tmp/opts.out"
expect_grep "... and writes are refused" '^ro-refused$' "$tmp/opts.out"
[ ! -e "$tmp/ro/x" ] || fail "the ro volume was written"
mem_kb=$(awk '/^MemTotal:/ {print $2}' "$tmp/opts.out")
if [ -n "$mem_kb" ] && [ "$mem_kb" -gt 120000 ] && [ "$mem_kb" -le 196608 ]; then
	ok "--memory 192m is the VM's RAM (MemTotal $mem_kb kB)"
else
	fail "MemTotal '$mem_kb' kB for --memory 192m"
fi

echo "# ${SECONDS}s"
# ---- run -d, ps, exec, stop, kill
prun svc -d --name svc --network none "$IMG" /bin/sleep 1000
expect_status "podman run -d" 0 "$st" "$tmp/svc.err"
"${P[@]}" ps --format '{{.Names}} {{.Status}}' >"$tmp/ps1" 2>&1
expect_grep "podman ps: the container is Up" '^svc Up' "$tmp/ps1"
# at once: exec waits for the guest to run the app (the VM boots at start)
timeout 180 "${P[@]}" exec svc /bin/sh -c 'echo in-exec; uname -r; exit 5' \
	</dev/null >"$tmp/exec.out" 2>"$tmp/exec.err"
expect_status "podman exec: the command's exit status (5)" 5 $? "$tmp/exec.err"
expect_grep "... its stdout" '^in-exec$' "$tmp/exec.out"
[ "$(sed -n 2p "$tmp/exec.out")" = "$guest_kernel" ] &&
	ok "... from inside the guest" || fail "exec ran where? $(cat "$tmp/exec.out")"
# podman exec -e/-w/-u reach the guest through process.json
timeout 180 "${P[@]}" exec -e K=from-e -w /tmp -u 1000:100 svc \
	/bin/sh -c 'echo "$(id -u):$(id -g) $(pwd) $K"' \
	</dev/null >"$tmp/exec-u.out" 2>"$tmp/exec-u.err"
expect_status "podman exec -e -w -u" 0 $? "$tmp/exec-u.err"
expect_grep "... runs as 1000:100 in /tmp with K" '^1000:100 /tmp from-e$' \
	"$tmp/exec-u.out"
timeout 180 "${P[@]}" exec svc /bin/sh -c 'echo "$(id -u):$(id -g) $(pwd)"' \
	</dev/null >"$tmp/exec-r.out" 2>"$tmp/exec-r.err"
expect_grep "plain podman exec runs as root in the app's cwd" '^0:0 /$' \
	"$tmp/exec-r.out"
timeout 180 "${P[@]}" exec -w /nonexistent svc /bin/true \
	</dev/null >/dev/null 2>"$tmp/exec-w.err"
expect_status "podman exec -w of a missing directory fails" 1 $? "$tmp/exec-w.err"
expect_grep "... saying why" 'chdir to cwd /nonexistent' "$tmp/exec-w.err"
echo from-stdin | timeout 180 "${P[@]}" exec -i svc /bin/cat \
	>"$tmp/exec-i.out" 2>"$tmp/exec-i.err"
expect_status "podman exec -i" 0 $? "$tmp/exec-i.err"
expect_grep "... passes stdin" '^from-stdin$' "$tmp/exec-i.out"
tmux -S "$TMUX_SOCK" new-session -d -s ex -x 100 -y 30 \
	"$(printf '%q ' "${P[@]}") exec -it svc /bin/sh -c 'tty; stty size; exit 6'; echo exec-exit=\$? >$tmp/exec-it.rc; sleep 600"
for _ in $(seq 1 300); do
	[ -s "$tmp/exec-it.rc" ] && break
	sleep 0.2
done
[ "$(cat "$tmp/exec-it.rc" 2>/dev/null)" = exec-exit=6 ] &&
	ok "podman exec -it: the exit status (6)" ||
	fail "podman exec -it ended: '$(cat "$tmp/exec-it.rc" 2>/dev/null)'"
pane ex >"$tmp/exec-it.pane"
tmux -S "$TMUX_SOCK" kill-session -t ex >/dev/null 2>&1
expect_grep "... on a pty" '^/dev/pts/' "$tmp/exec-it.pane"
expect_grep "... with tmux's window size (30 100)" '^30 100$' "$tmp/exec-it.pane"
timeout 120 "${P[@]}" stop -t 5 svc >"$tmp/stop.out" 2>"$tmp/stop.err"
expect_status "podman stop" 0 $? "$tmp/stop.err"
"${P[@]}" ps -a --format '{{.Names}} {{.Status}}' >"$tmp/ps2" 2>&1
expect_grep "podman ps -a: stopped with SIGTERM's status" '^svc Exited \(143\)' \
	"$tmp/ps2"
"${P[@]}" ps --format '{{.Names}}' | grep -qx svc &&
	fail "podman ps still lists svc as running" ||
	ok "podman ps no longer lists it"
"${P[@]}" rm svc >/dev/null 2>"$tmp/rm.err"
expect_status "podman rm" 0 $? "$tmp/rm.err"

prun k -d --name k --network none "$IMG" /bin/sleep 1000
expect_status "podman run -d (k)" 0 "$st" "$tmp/k.err"
timeout 120 "${P[@]}" exec k /bin/true </dev/null >/dev/null 2>&1 # booted
timeout 60 "${P[@]}" kill k >/dev/null 2>"$tmp/kill.err"
expect_status "podman kill" 0 $? "$tmp/kill.err"
timeout 60 "${P[@]}" wait k >"$tmp/wait.out" 2>&1
[ "$(tail -1 "$tmp/wait.out")" = 137 ] &&
	ok "podman wait after kill: 137" ||
	fail "podman wait after kill: $(cat "$tmp/wait.out")"
"${P[@]}" ps -a --format '{{.Names}} {{.Status}}' >"$tmp/ps3" 2>&1
expect_grep "podman ps -a: Exited (137)" '^k Exited \(137\)' "$tmp/ps3"
"${P[@]}" rm k >/dev/null 2>&1 || fail "podman rm k"

echo "# ${SECONDS}s"
# ---- -it through tmux: a shell on the guest's pty
tmux -S "$TMUX_SOCK" new-session -d -s it -x 120 -y 40 \
	"$(printf '%q ' "${P[@]}") run -it --rm --network none $IMG /bin/sh; echo tmux-exit=\$? >$tmp/tmux.rc"
if wait_pane it '#$' 120; then
	ok "podman run -it: a shell prompt on the terminal"
else
	fail "no prompt from podman run -it: $(pane it | tail -5)"
fi
tmux -S "$TMUX_SOCK" send-keys -t it 'echo $((6*7)); tty; stty size' Enter
wait_pane it '^42$' 30 && ok "... the typed command runs (6*7 = 42)" ||
	fail "no 42: $(pane it | tail -5)"
wait_pane it '^/dev/pts/' 10 && ok "... on a pty" || fail "tty: $(pane it | tail -5)"
wait_pane it '^40 120$' 10 && ok "... with tmux's window size (40 120)" ||
	fail "stty size: $(pane it | tail -5)"
tmux -S "$TMUX_SOCK" send-keys -t it 'exit 4' Enter
for _ in $(seq 1 300); do
	[ -s "$tmp/tmux.rc" ] && break
	sleep 0.2
done
[ "$(cat "$tmp/tmux.rc" 2>/dev/null)" = tmux-exit=4 ] &&
	ok "... exit 4 ends podman run -it with 4" ||
	fail "podman run -it ended: '$(cat "$tmp/tmux.rc" 2>/dev/null)'"

echo "# ${SECONDS}s"
# ---- many runs in a row, then nothing left
runs=${COCOON_OCI_RUNS:-20}
bad=0
start_s=$(date +%s)
for i in $(seq 1 "$runs"); do
	prun loop --rm --network none "$IMG" /bin/sh -c "echo run-$i"
	if [ "$st" != 0 ] || ! grep -qx "run-$i" "$tmp/loop.out"; then
		bad=$((bad + 1))
		echo "    run $i: status $st, $(cat "$tmp/loop.out" "$tmp/loop.err" | tail -3)"
	fi
done
[ "$bad" = 0 ] &&
	ok "$runs podman run --rm in a row ($(($(date +%s) - start_s)) s)" ||
	fail "$bad of $runs runs failed"
"${P[@]}" ps -a -q >"$tmp/ps-left" 2>&1
[ ! -s "$tmp/ps-left" ] && ok "podman has no containers left" ||
	fail "containers left: $(cat "$tmp/ps-left")"
sleep 1 # conmon's cleanup process may still be deleting the last one
snapshot "$tmp/after"
echo "# ${SECONDS}s"
while IFS= read -r what; do
	key=${what%%:*}
	if grep -qxF "$what" "$tmp/before"; then
		ok "no $key left behind"
	else
		fail "$key: before '$(grep "^$key:" "$tmp/before")', after '$what'"
	fi
done <"$tmp/after"
finish
