#!/bin/bash
# cocoon-runtime driven as an engine drives an OCI runtime (docs/oci.md):
# a bundle made from the pod image's rootfs and `crun spec`, then create,
# state (created), start, state (running), the app's stdout, its exit code
# through the pid-file's process, kill (TERM, KILL, a signal that cannot be
# forwarded), exec (foreground, --process with env, cwd and user, runc's
# --env/--cwd/--user/--additional-gids, a missing cwd, --detach), delete (refused
# while running, --force), a container deleted before start, a terminal
# through --console-socket, bind (rw/ro) and tmpfs mounts, memory and CPU
# sizing the VM, the errors an engine must see (bad config.json, a taken
# ID, unknown flags and commands), and nothing left behind (mounts, pods,
# cgroups). The app runs in a VM: its kernel release is not the host's.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

runtime=$build/cocoon-runtime
oci_test_setup crun jq

R=$tmp/root
engine_pids=()
cleanup() {
	local p d
	for p in "${engine_pids[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	for d in "$R"/*/; do
		[ -f "$d/oci.json" ] &&
			"$runtime" --root "$R" delete --force "$(basename "$d")" \
				>/dev/null 2>&1
	done
	wait 2>/dev/null
	grep -q " $tmp" /proc/self/mountinfo &&
		awk -v t="$tmp" '$5 ~ "^"t {print $5}' /proc/self/mountinfo |
		sort -r | xargs -r -n1 umount -l
	rm -rf "$tmp"
}
trap cleanup EXIT

rt() { "$runtime" --root "$R" "$@"; }

# The engine half (subreaper + wait), as containerd's shim or conmon.
cat >"$tmp/engine.py" <<'PY'
#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A minimal container engine for tests/integration/test_oci_runtime.sh.

Does what containerd's shim and conmon do around an OCI runtime's
`create`: becomes a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so the
container's process (the pid the runtime writes to --pid-file) is
reparented to it when `create` exits, and waits for it to get the
container's exit status.

  oci-engine.py RUNTIME ROOT BUNDLE ID DIR [--console]

Runs `RUNTIME --root ROOT create --bundle BUNDLE --pid-file DIR/pid ID`
with stdin /dev/null and stdout/stderr to DIR/out and DIR/err (the
container's stdio); writes create's own exit status to DIR/create.status
and, after the container's process ended, its exit status (128+N for a
signal) to DIR/status. With --console it listens on DIR/console.sock,
passes --console-socket, receives the pty master over SCM_RIGHTS and
copies what the container writes to its terminal into DIR/tty.
"""
import array
import ctypes
import os
import socket
import subprocess
import sys
import threading

PR_SET_CHILD_SUBREAPER = 36


def receive_pty(listener, out_path):
    conn, _ = listener.accept()
    fds = array.array("i")
    _, anc, _, _ = conn.recvmsg(1, socket.CMSG_LEN(fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: fds.itemsize])
    conn.close()
    if not fds:
        return
    master = fds[0]
    with open(out_path, "wb", buffering=0) as out:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO: the last slave fd closed
                break
            if not data:
                break
            out.write(data)


def main():
    runtime, root, bundle, cid, work = sys.argv[1:6]
    console = "--console" in sys.argv[6:]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
    cmd = [runtime, "--root", root, "--log", work + "/runtime.log",
           "--log-format", "json", "create", "--bundle", bundle,
           "--pid-file", work + "/pid"]
    reader = None
    if console:
        path = work + "/console.sock"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(1)
        cmd += ["--console-socket", path]
        reader = threading.Thread(target=receive_pty,
                                  args=(listener, work + "/tty"))
        reader.start()
    cmd.append(cid)
    with open("/dev/null", "rb") as null, \
            open(work + "/out", "wb") as out, \
            open(work + "/err", "wb") as err:
        rc = subprocess.call(cmd, stdin=null, stdout=out, stderr=err)
    with open(work + "/create.status", "w") as f:
        f.write("%d\n" % rc)
    if rc != 0:
        if reader:
            socket.socket(socket.AF_UNIX).connect(work + "/console.sock")
            reader.join()
        return
    with open(work + "/pid") as f:
        pid = int(f.read().strip())
    # Our only child now is the container's process, reparented to us.
    _, status = os.waitpid(pid, 0)
    code = (os.WEXITSTATUS(status) if os.WIFEXITED(status)
            else 128 + os.WTERMSIG(status))
    if reader:
        reader.join(timeout=10)
    with open(work + "/status.tmp", "w") as f:
        f.write("%d\n" % code)
    os.rename(work + "/status.tmp", work + "/status")


if __name__ == "__main__":
    main()
PY

# bundle NAME JQ-FILTER: $tmp/NAME with the image's rootfs and a
# config.json from `crun spec` edited by the filter.
bundle() {
	local b=$tmp/$1
	mkdir -p "$b"
	tar -xzf "$build/pod-fixtures/pod-busybox.aci" -C "$b" rootfs
	(cd "$b" && crun spec) || return 1
	jq --arg rw "$tmp/rw" --arg ro "$tmp/ro" --arg hooks "$tmp/hooks" \
		"$2" "$b/config.json" \
		>"$b/config.json.new" &&
		mv "$b/config.json.new" "$b/config.json"
}

# engine NAME [--console]: creates container NAME from bundle NAME in the
# background; its files land in $tmp/NAME.w (engine.py says which).
engine() {
	local w=$tmp/$1.w
	mkdir -p "$w"
	python3 "$tmp/engine.py" "$runtime" "$R" "$tmp/$1" "$1" "$w" "${@:2}" &
	engine_pids+=($!)
}

# wait_file FILE [SECONDS]: until FILE exists (default 60 s).
wait_file() {
	for _ in $(seq 1 $((${2:-60} * 10))); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

state_of() { rt state "$1" 2>/dev/null | jq -r .status; }

# wait_ready ID: the guest reported the app started (the pod's state.json).
wait_ready() {
	local u
	u=$(jq -r .uuid "$R/$1/oci.json")
	for _ in $(seq 1 600); do
		grep -q '"ready":true' "$R/cocoon/pods/run/$u/state.json" \
			2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# ---- the lifecycle: create, state, start, state, output, exit code
mkdir -p "$tmp/rw" "$tmp/ro" "$tmp/hooks"
echo from-host >"$tmp/ro/file"
chmod 0777 "$tmp/rw" # the app runs as uid 1000
bundle life '.process.terminal = false |
	.process.args = ["/bin/sh", "-c", "echo hello-oci; echo to-stderr >&2; uname -r; echo \"cwd=$(pwd) user=$(id -u):$(id -g) groups=$(id -G) V=$V\"; echo written >/rw/out; cat /ro/file; touch /ro/x 2>/dev/null || echo ro-refused; grep -q \" /scratch tmpfs \" /proc/mounts && echo scratch-tmpfs; echo cpus=$(nproc); echo host=$(hostname); grep MemTotal /proc/meminfo; exit 7"] |
	.mounts += [{"destination": "/rw", "type": "bind", "source": $rw, "options": ["rbind", "rw"]},
		{"destination": "/ro", "type": "bind", "source": $ro, "options": ["rbind", "ro"]},
		{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["mode=1777"]}] |
	.process.env += ["V=from-config"] | .process.cwd = "/tmp" |
	.process.user = {"uid": 1000, "gid": 100, "additionalGids": [10]} |
	.hostname = "oci-host" |
	.linux.resources = {"memory": {"limit": 201326592}, "cpu": {"quota": 200000, "period": 100000}} |
	.annotations = {"org.example.note": "kept"} |
	.hooks = {"prestart": [{"path": "/bin/sh", "args": ["sh", "-c", "cat >\"$0\"", $hooks + "/prestart.json"]}],
		"poststart": [{"path": "/bin/sh", "args": ["sh", "-c", "cat >\"$0\"", $hooks + "/poststart.json"]}],
		"poststop": [{"path": "/bin/sh", "args": ["sh", "-c", "cat >\"$0\"", $hooks + "/poststop.json"]}]}' ||
	fail "make the bundle"
engine life
w=$tmp/life.w
if wait_file "$w/create.status" 30 && [ "$(cat "$w/create.status")" = 0 ]; then
	ok "create exits 0"
else
	fail "create failed: $(cat "$w/err" "$w/runtime.log" 2>/dev/null)"
fi
pid=$(cat "$w/pid" 2>/dev/null)
[ -n "$pid" ] && [ -d "/proc/$pid" ] && ok "--pid-file names a live process" ||
	fail "--pid-file: '$pid'"
rt state life >"$tmp/state1.json"
[ "$(jq -r .status "$tmp/state1.json")" = created ] &&
	[ "$(jq -r .pid "$tmp/state1.json")" = "$pid" ] &&
	[ "$(jq -r .id "$tmp/state1.json")" = life ] &&
	[ "$(jq -r .bundle "$tmp/state1.json")" = "$tmp/life" ] &&
	[ "$(jq -r '.annotations["org.example.note"]' "$tmp/state1.json")" = kept ] &&
	jq -e .ociVersion "$tmp/state1.json" >/dev/null &&
	ok "state after create: created, with pid, bundle, annotations" ||
	fail "state after create: $(cat "$tmp/state1.json")"
[ "$(jq -r '.status + " " + .id + " " + (.pid|tostring)' "$tmp/hooks/prestart.json" 2>/dev/null)" = "created life $pid" ] &&
	ok "the prestart hook ran at create with the state on stdin" ||
	fail "prestart hook: $(cat "$tmp/hooks/prestart.json" 2>&1)"
[ ! -e "$tmp/hooks/poststart.json" ] || fail "poststart ran before start"
sleep 1
[ -n "$pid" ] && [ ! -s "$w/out" ] && ok "nothing runs before start" ||
	fail "output before start: $(cat "$w/out")"
rt start life 2>"$tmp/start.err"
expect_status "start exits 0" 0 $? "$tmp/start.err"
[ "$(jq -r .status "$tmp/hooks/poststart.json" 2>/dev/null)" = running ] &&
	ok "the poststart hook ran at start" ||
	fail "poststart hook: $(cat "$tmp/hooks/poststart.json" 2>&1)"
[ "$(state_of life)" = running ] && ok "state after start: running" ||
	fail "state after start: $(rt state life 2>&1)"
rt start life 2>"$tmp/start2.err" && fail "a second start succeeded" ||
	expect_grep "a second start is an error" 'is running, not created' \
		"$tmp/start2.err"
rt ps --format json life >"$tmp/ps.json"
[ -n "$pid" ] && [ "$(jq -r '.[0]' "$tmp/ps.json")" = "$pid" ] &&
	ok "ps reports the shim's pid" || fail "ps: $(cat "$tmp/ps.json")"
wait_file "$w/status" 90 || fail "the container did not end"
expect_status "the pid-file's process exits with the app's code" 7 \
	"$(cat "$w/status" 2>/dev/null)" "$w/runtime.log"
expect_grep "the app's stdout is the container's stdout" '^hello-oci$' "$w/out"
expect_grep "the app's stderr is the container's stderr" '^to-stderr$' "$w/err"
expect_grep "process.cwd, user, additionalGids, env" \
	'^cwd=/tmp user=1000:100 groups=100 10 V=from-config$' "$w/out"
[ "$(cat "$tmp/rw/out" 2>/dev/null)" = written ] &&
	ok "a rw bind mount: the app's write reaches the host" ||
	fail "rw bind: '$(cat "$tmp/rw/out" 2>/dev/null)'"
expect_grep "a ro bind mount shows the host's file" '^from-host$' "$w/out"
expect_grep "... and refuses writes" '^ro-refused$' "$w/out"
[ ! -e "$tmp/ro/x" ] || fail "the ro bind was written"
expect_grep "a tmpfs mount is made in the guest" '^scratch-tmpfs$' "$w/out"
expect_grep "config.json's hostname" '^host=oci-host$' "$w/out"
expect_grep "cpu quota 2x period gives 2 vCPUs" '^cpus=2$' "$w/out"
mem_kb=$(awk '/^MemTotal:/ {print $2}' "$w/out")
if [ -n "$mem_kb" ] && [ "$mem_kb" -gt 120000 ] && [ "$mem_kb" -le 196608 ]; then
	ok "a 192 MiB memory limit sizes the VM (MemTotal ${mem_kb} kB)"
else
	fail "MemTotal '$mem_kb' kB for a 192 MiB limit"
fi
guest_kernel=$(sed -n 2p "$w/out")
if [ -n "$guest_kernel" ] && [ "$guest_kernel" != "$(uname -r)" ]; then
	ok "the app runs in a VM (kernel $guest_kernel, host $(uname -r))"
else
	fail "guest kernel '$guest_kernel' vs host $(uname -r)"
fi
[ "$(state_of life)" = stopped ] && ok "state after the app ended: stopped" ||
	fail "state after the end: $(rt state life 2>&1)"
rt state life >"$tmp/state3.json"
jq -e 'has("pid") | not' "$tmp/state3.json" >/dev/null &&
	ok "a stopped container has no pid" || fail "stopped state has a pid"
rt delete life 2>"$tmp/delete.err"
expect_status "delete of a stopped container" 0 $? "$tmp/delete.err"
[ ! -e "$R/life" ] && ok "delete removes the container's state" ||
	fail "$R/life is still there"
[ "$(jq -r .status "$tmp/hooks/poststop.json" 2>/dev/null)" = stopped ] &&
	ok "the poststop hook ran at delete" ||
	fail "poststop hook: $(cat "$tmp/hooks/poststop.json" 2>&1)"
rt state life >/dev/null 2>"$tmp/state4.err" &&
	fail "state of a deleted container" ||
	expect_grep "state of a deleted container is an error" 'does not exist' \
		"$tmp/state4.err"
rt delete --force life 2>/dev/null
expect_status "delete --force of a container that is gone" 0 $?

# ---- kill: TERM stops the app, KILL kills the VM, others go to the app
bundle k '.process.terminal = false | .process.args = ["/bin/sleep", "1000"] |
	.annotations = {"io.cocoon.stop_timeout_ms": "3000"}' || fail "bundle k"
cp -r "$tmp/k" "$tmp/k9"
bundle ku '.process.terminal = false | .process.args = ["/bin/sh", "-c",
	"trap \"echo got-usr1; exit 5\" USR1; echo trap-set; while :; do sleep 1; done"]' ||
	fail "bundle ku"
engine k
engine k9
engine ku
wait_file "$tmp/k.w/create.status" 30 && wait_file "$tmp/k9.w/create.status" 30
rt kill k TERM 2>"$tmp/kill-created.err"
[ "$(cat "$tmp/k.w/status" 2>/dev/null)" = "" ] || true
rt start k9 && wait_ready k9 || fail "k9 did not start"
# USR1 crosses into the guest (supervisor_signal(), a `signal` frame):
# the app's trap runs and ends it with its own status
wait_file "$tmp/ku.w/create.status" 30
rt start ku && wait_ready ku || fail "ku did not start"
for _ in $(seq 100); do
	grep -q trap-set "$tmp/ku.w/out" 2>/dev/null && break
	sleep 0.1
done
rt kill ku USR1 2>"$tmp/kill-usr1.err"
expect_status "kill USR1 of a running container" 0 $? "$tmp/kill-usr1.err"
wait_file "$tmp/ku.w/status" 60
expect_status "the app's USR1 trap ran and ended it (status 5)" 5 \
	"$(cat "$tmp/ku.w/status" 2>/dev/null)" "$tmp/ku.w/err"
expect_grep "the app saw USR1" '^got-usr1$' "$tmp/ku.w/out"
rt delete ku || fail "delete ku"
rt delete k9 2>"$tmp/delete-running.err" && fail "delete of a running container" ||
	expect_grep "delete refuses a running container" 'use --force' \
		"$tmp/delete-running.err"
rt kill k9 KILL 2>"$tmp/kill9.err"
expect_status "kill KILL" 0 $? "$tmp/kill9.err"
wait_file "$tmp/k9.w/status" 30
expect_status "a container killed with KILL exits 137" 137 \
	"$(cat "$tmp/k9.w/status" 2>/dev/null)" "$tmp/k9.w/err"
wait_file "$tmp/k.w/status" 30
[ -n "$(cat "$tmp/k.w/status" 2>/dev/null)" ] &&
	ok "kill before start ends the container ($(cat "$tmp/k.w/status"))" ||
	fail "kill before start did not end it"
[ "$(state_of k)" = stopped ] && ok "a container killed before start is stopped" ||
	fail "state of k: $(rt state k 2>&1)"
rt delete k && rt delete k9 && ok "delete after kill" || fail "delete after kill"

bundle t '.process.terminal = false | .process.args = ["/bin/sleep", "1000"]' ||
	fail "bundle t"
engine t
wait_file "$tmp/t.w/create.status" 30
rt start t && wait_ready t || fail "t did not start"
# ---- exec into the running container (cocoon enter's machinery)
rt exec t /bin/sh -c 'echo in-exec; cat /proc/1/comm >/dev/null; exit 5' \
	</dev/null >"$tmp/exec.out" 2>"$tmp/exec.err"
expect_status "exec gives the command's exit status" 5 $? "$tmp/exec.err"
expect_grep "exec's stdout" '^in-exec$' "$tmp/exec.out"
echo '{"args": ["/bin/sh", "-c", "echo from-process-json"], "cwd": "/"}' \
	>"$tmp/process.json"
rt exec --process "$tmp/process.json" t </dev/null >"$tmp/exec2.out" \
	2>"$tmp/exec2.err"
expect_status "exec --process" 0 $? "$tmp/exec2.err"
expect_grep "... runs process.json's args" '^from-process-json$' "$tmp/exec2.out"
# process.json's env, cwd and user (podman exec -e -w -u --group-add)
cat >"$tmp/process-user.json" <<'JSON'
{"args": ["/bin/sh", "-c", "echo \"$(id -u):$(id -g) [$(id -G)] $(pwd) $K\""],
 "env": ["PATH=/usr/bin:/bin", "K=from-env"], "cwd": "/tmp",
 "user": {"uid": 1000, "gid": 100, "additionalGids": [10, 20]}}
JSON
rt exec --process "$tmp/process-user.json" t </dev/null \
	>"$tmp/exec-user.out" 2>"$tmp/exec-user.err"
expect_status "exec --process with env, cwd, user" 0 $? "$tmp/exec-user.err"
expect_grep "... as uid 1000, gid 100, groups 10 20, in /tmp, with K" \
	'^1000:100 \[100 10 20\] /tmp from-env$' "$tmp/exec-user.out"
if grep -q 'ignored' "$tmp/exec-user.err"; then
	fail "exec still warns about ignored fields: $(cat "$tmp/exec-user.err")"
else
	ok "... without an 'ignored' warning"
fi
rt exec t /bin/sh -c 'echo "$(id -u):$(id -g) $(pwd)"' </dev/null \
	>"$tmp/exec-root.out" 2>"$tmp/exec-root.err"
expect_grep "exec without a user runs as root in the app's cwd" '^0:0 /$' \
	"$tmp/exec-root.out"
# runc's own flags: --env, --cwd, --user, --additional-gids
rt exec --env K=flag -e L=2 --cwd /tmp --user 1000:100 --additional-gids 30 t \
	/bin/sh -c 'echo "$(id -u):$(id -g) [$(id -G)] $(pwd) $K $L"' \
	</dev/null >"$tmp/exec-flags.out" 2>"$tmp/exec-flags.err"
expect_status "exec --env --cwd --user --additional-gids" 0 $? "$tmp/exec-flags.err"
expect_grep "... all applied" '^1000:100 \[100 30\] /tmp flag 2$' \
	"$tmp/exec-flags.out"
echo '{"args": ["true"], "cwd": "/nonexistent", "env": ["PATH=/bin"]}' \
	>"$tmp/process-nocwd.json"
rt exec --process "$tmp/process-nocwd.json" t </dev/null \
	>/dev/null 2>"$tmp/exec-nocwd.err"
expect_status "exec with a missing cwd fails" 1 $?
expect_grep "... saying which" 'chdir to cwd /nonexistent: No such file' \
	"$tmp/exec-nocwd.err"
echo '{"args": ["/bin/sh", "-c", "echo \"cwd=$(pwd)\""], "cwd": ""}' \
	>"$tmp/process-emptycwd.json"
rt exec --process "$tmp/process-emptycwd.json" t </dev/null \
	>"$tmp/exec-emptycwd.out" 2>"$tmp/exec-emptycwd.err"
expect_grep "exec with cwd \"\" (as runc allows) runs in the app's cwd" \
	'^cwd=/$' "$tmp/exec-emptycwd.out"
echo '{"args": ["true"], "cwd": 5}' >"$tmp/process-badcwd.json"
rt exec --process "$tmp/process-badcwd.json" t </dev/null \
	>/dev/null 2>"$tmp/exec-badcwd.err"
expect_status "exec with a cwd that is not a string fails" 1 $?
echo '{"args": ["true"], "cwd": "/", "user": {"uid": -1, "gid": 0}}' \
	>"$tmp/process-baduser.json"
rt exec --process "$tmp/process-baduser.json" t </dev/null \
	>/dev/null 2>"$tmp/exec-baduser.err"
expect_status "exec with a negative uid fails" 1 $?
expect_grep "... naming process.user" 'process.user' "$tmp/exec-baduser.err"
rt exec --detach --pid-file "$tmp/exec.pid" t /bin/sh -c 'echo detached' \
	</dev/null >"$tmp/exec3.out" 2>"$tmp/exec3.err"
expect_status "exec --detach" 0 $? "$tmp/exec3.err"
[ -s "$tmp/exec.pid" ] && ok "... writes --pid-file" || fail "no exec pid file"
wait_file_grep() { for _ in $(seq 1 300); do grep -q "$1" "$2" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
wait_file_grep '^detached$' "$tmp/exec3.out" &&
	ok "... and the detached command runs" ||
	fail "detached exec output: $(cat "$tmp/exec3.out" "$tmp/exec3.err")"
start_ns=$(date +%s%N)
rt kill t 2>"$tmp/killt.err" # default: TERM
wait_file "$tmp/t.w/status" 30
st=$(cat "$tmp/t.w/status" 2>/dev/null)
if [ "$st" = 143 ] || [ "$st" = 137 ]; then
	ok "kill (TERM) stops the app: status $st after $((($(date +%s%N) - start_ns) / 1000000)) ms"
else
	fail "kill TERM: status '$st'"
fi
rt delete t || fail "delete t"

# ---- delete --force of a running container; delete of a created one
bundle f '.process.terminal = false | .process.args = ["/bin/sleep", "1000"]' || fail "bundle f"
cp -r "$tmp/f" "$tmp/c"
engine f
engine c
wait_file "$tmp/f.w/create.status" 30 && wait_file "$tmp/c.w/create.status" 30
rt start f && wait_ready f || fail "f did not start"
[ "$(state_of f)" = running ] || fail "f is not running: $(rt state f 2>&1)"
rt delete --force f 2>"$tmp/delf.err"
expect_status "delete --force of a running container" 0 $? "$tmp/delf.err"
[ ! -e "$R/f" ] && ok "... and its state is gone" || fail "$R/f remains"
[ "$(state_of c)" = created ] || fail "c is not created: $(rt state c 2>&1)"
rt delete c 2>"$tmp/delc.err"
expect_status "delete of a created container" 0 $? "$tmp/delc.err"
wait_file "$tmp/c.w/status" 10 && ok "its process ended" || fail "c's shim lives"

# ---- a terminal through --console-socket
bundle tty '.process.terminal = true |
	.process.args = ["/bin/sh", "-c", "tty; test -t 0 && echo stdin-is-a-tty; exit 3"]' ||
	fail "bundle tty"
engine tty --console
wait_file "$tmp/tty.w/create.status" 30
expect_status "create with a terminal" 0 "$(cat "$tmp/tty.w/create.status")" \
	"$tmp/tty.w/runtime.log"
rt start tty
wait_file "$tmp/tty.w/status" 90
expect_status "the terminal app's exit code" 3 "$(cat "$tmp/tty.w/status" 2>/dev/null)"
expect_grep "the app's terminal is a pty" '^/dev/pts/' "$tmp/tty.w/tty"
expect_grep "its stdin is the terminal" 'stdin-is-a-tty' "$tmp/tty.w/tty"
rt delete tty || fail "delete tty"

# ---- errors an engine must see
bundle bad '.process.terminal = false | .hooks = {"createContainer": [{"path": "/bin/true"}]}' ||
	fail "bundle bad"
engine bad
wait_file "$tmp/bad.w/create.status" 30
expect_status "create with a createContainer hook fails" 1 \
	"$(cat "$tmp/bad.w/create.status")"
expect_grep "... saying why, in the json log" \
	'"level":"error".*hooks.createContainer' "$tmp/bad.w/runtime.log"
[ ! -e "$R/bad" ] && ok "... and leaves no state" || fail "$R/bad remains"
bundle badhook '.process.terminal = false |
	.hooks = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "exit 3"]}]}' ||
	fail "bundle badhook"
engine badhook
wait_file "$tmp/badhook.w/create.status" 30
expect_status "a failing createRuntime hook fails create" 1 \
	"$(cat "$tmp/badhook.w/create.status")"
expect_grep "... naming the hook" 'hooks.createRuntime\[0\] /bin/sh failed \(exit status 3\)' \
	"$tmp/badhook.w/runtime.log"
bpid=$(cat "$tmp/badhook.w/pid" 2>/dev/null)
[ -n "$bpid" ] && [ ! -d "/proc/$bpid" ] && ok "... and its shim ended" ||
	fail "badhook's shim: '$bpid'"
[ ! -e "$R/badhook" ] && ok "... and leaves no state" || fail "$R/badhook remains"
bundle dup '.process.terminal = false | .process.args = ["/bin/true"]' || fail "bundle dup"
engine dup
wait_file "$tmp/dup.w/create.status" 30
rt create --bundle "$tmp/dup" dup </dev/null >/dev/null 2>"$tmp/dup2.err" &&
	fail "a second create with the same ID succeeded" ||
	expect_grep "a taken ID is refused" 'already exists' "$tmp/dup2.err"
rt delete dup || fail "delete dup"
"$runtime" --root "$R" --no-such-flag state x 2>"$tmp/flag.err"
expect_status "an unknown global flag exits 2" 2 $? "$tmp/flag.err"
rt create --no-such-flag x 2>"$tmp/flag2.err"
expect_status "an unknown create flag exits 1" 1 $? "$tmp/flag2.err"
expect_grep "... naming it" 'no-such-flag' "$tmp/flag2.err"
rt exec x true 2>"$tmp/exec4.err"
expect_status "exec into a container that does not exist" 1 $? "$tmp/exec4.err"
rt pause x 2>"$tmp/pause.err"
expect_status "an unsupported command (pause) exits 2" 2 $? "$tmp/pause.err"
rt features | jq -e '.ociVersionMax' >/dev/null && ok "features is JSON" ||
	fail "features"

# ---- nothing left behind
wait
left=$(find "$R" -mindepth 1 -maxdepth 1 ! -name cocoon)
[ -z "$left" ] && ok "no container state left" || fail "left in $R: $left"
pods=$(find "$R/cocoon/pods" -mindepth 2 -maxdepth 2 2>/dev/null)
[ -z "$pods" ] && ok "no pods left" || fail "pods left: $pods"
grep -q " $R" /proc/self/mountinfo && fail "mounts left under $R" ||
	ok "no mounts left"
cgs=$(find /sys/fs/cgroup/cocoon -mindepth 1 -maxdepth 1 -type d 2>/dev/null)
[ -z "$cgs" ] && ok "no pod cgroups left" || fail "cgroups left: $cgs"
finish
