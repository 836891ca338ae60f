#!/bin/bash
# cocoon-runtime under Debian's real containerd (docs/oci.md "Real
# engines"): the test starts its own containerd (its own root, state dir,
# gRPC and ttrpc sockets, the CRI plugin off), imports an oci-archive made
# from the pod image's busybox rootfs, and drives it with ctr through
# containerd-shim-runc-v2 with `--runc-binary` pointing at cocoon-runtime:
# `ctr run --rm` (stdout, exit code, a VM's kernel), `ctr run -d`, `ctr
# task ls`, `ctr task exec --exec-id`, `ctr task kill` (TERM, then KILL),
# and nothing left behind (tasks, pods, mounts, cgroups, VMMs). containerd
# is stopped by its pid and its directories removed, also on failure.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

runtime=$build/cocoon-runtime
oci_test_setup containerd ctr containerd-shim-runc-v2 podman

D=$tmp/containerd
RR=$tmp/runc-root # --runc-root: the shim adds /<namespace>
IMG=localhost/cocoon-busybox:1
ctd_pid=
cleanup() {
	local d
	if [ -n "$ctd_pid" ]; then
		# tasks first, while containerd still answers
		for d in $(ctr -a "$D/sock" task ls -q 2>/dev/null); do
			ctr -a "$D/sock" task kill -s KILL "$d" >/dev/null 2>&1
		done
		sleep 1
		for d in $(ctr -a "$D/sock" container ls -q 2>/dev/null); do
			ctr -a "$D/sock" task delete -f "$d" >/dev/null 2>&1
			ctr -a "$D/sock" container delete "$d" >/dev/null 2>&1
		done
		kill "$ctd_pid" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$ctd_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$ctd_pid" 2>/dev/null
		wait "$ctd_pid" 2>/dev/null
	fi
	for d in "$RR"/default/*/; do
		[ -f "$d/oci.json" ] &&
			"$runtime" --root "$RR/default" delete --force \
				"$(basename "$d")" >/dev/null 2>&1
	done
	grep -q " $tmp" /proc/self/mountinfo &&
		awk -v t="$tmp" '$5 ~ "^"t {print $5}' /proc/self/mountinfo |
		sort -r | xargs -r -n1 umount -l
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- the image: the pod image's rootfs, imported by podman, saved as an
# oci-archive (podman's own store is thrown away)
mkdir -p "$tmp/img"
tar -xzf "$build/pod-fixtures/pod-busybox.aci" -C "$tmp/img" rootfs
P=(podman --root "$tmp/podman/storage" --runroot "$tmp/podman/run"
	--tmpdir "$tmp/podman/tmp" --storage-driver vfs
	--cgroup-manager cgroupfs --events-backend file)
if tar -C "$tmp/img/rootfs" -c . | "${P[@]}" import - "$IMG" \
	>"$tmp/import.log" 2>&1 &&
	"${P[@]}" save --format oci-archive -o "$tmp/image.tar" "$IMG" \
		>>"$tmp/import.log" 2>&1; then
	ok "an oci-archive of the busybox rootfs"
else
	fail "make the oci-archive: $(tail -5 "$tmp/import.log")"
	finish
fi
"${P[@]}" rmi -a >/dev/null 2>&1
rm -rf "$tmp/podman" "$tmp/img"

# ---- containerd of our own
mkdir -p "$D"
cat >"$D/config.toml" <<EOF
version = 2
root = "$D/root"
state = "$D/state"
disabled_plugins = ["io.containerd.grpc.v1.cri",
	"io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
	"io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = "$D/sock"
[ttrpc]
  address = "$D/sock.ttrpc"
[debug]
  address = "$D/debug.sock"
EOF
containerd --config "$D/config.toml" >"$D/log" 2>&1 &
ctd_pid=$!
for _ in $(seq 1 300); do
	ctr -a "$D/sock" version >/dev/null 2>&1 && break
	kill -0 "$ctd_pid" 2>/dev/null || break
	sleep 0.1
done
C() { ctr -a "$D/sock" "$@"; }
if C version >/dev/null 2>&1; then
	ok "containerd $(C version 2>/dev/null | awk '/Version:/ {print $2; exit}') on $D/sock"
else
	fail "containerd did not start: $(tail -5 "$D/log")"
	finish
fi
C image import --snapshotter native "$tmp/image.tar" >"$tmp/ctr-import.log" 2>&1
expect_status "ctr image import of the oci-archive" 0 $? "$tmp/ctr-import.log"
C image ls -q | grep -qx "$IMG" && ok "... names the image $IMG" ||
	fail "images: $(C image ls -q 2>&1)"

# ctr_run ARGS...: ctr run through cocoon-runtime
ctr_run() {
	timeout 180 ctr -a "$D/sock" run --snapshotter native \
		--runc-binary "$runtime" --runc-root "$RR" "$@"
}

# ---- ctr run --rm: stdout, exit code, a VM
ctr_run --rm "$IMG" r1 /bin/sh -c 'echo hello-containerd; uname -r; exit 3' \
	</dev/null >"$tmp/r1.out" 2>"$tmp/r1.err"
expect_status "ctr run --rm: the app's exit code (3)" 3 $? "$tmp/r1.err"
expect_grep "... its stdout" '^hello-containerd$' "$tmp/r1.out"
guest_kernel=$(sed -n 2p "$tmp/r1.out")
if [ -n "$guest_kernel" ] && [ "$guest_kernel" != "$(uname -r)" ]; then
	ok "the app ran in a VM (kernel $guest_kernel, host $(uname -r))"
else
	fail "guest kernel '$guest_kernel' vs host $(uname -r)"
fi
C container ls -q | grep -qx r1 && fail "--rm left container r1" ||
	ok "--rm removed the container"
ctr_run --rm "$IMG" r0 /bin/true </dev/null >"$tmp/r0.out" 2>"$tmp/r0.err"
expect_status "ctr run --rm /bin/true exits 0" 0 $? "$tmp/r0.err"

# ---- a long-running task: ls, exec, kill
ctr_run -d "$IMG" svc /bin/sleep 1000 </dev/null >"$tmp/svc.out" 2>"$tmp/svc.err"
expect_status "ctr run -d" 0 $? "$tmp/svc.err"
for _ in $(seq 1 100); do
	C task ls 2>/dev/null | grep -q '^svc .*RUNNING' && break
	sleep 0.1
done
C task ls >"$tmp/tasks" 2>&1
expect_grep "ctr task ls: the task is RUNNING" '^svc +[0-9]+ +RUNNING' "$tmp/tasks"
svc_pid=$(awk '$1 == "svc" {print $2}' "$tmp/tasks")
[ -n "$svc_pid" ] && grep -qa cocoon-runtime "/proc/$svc_pid/cmdline" 2>/dev/null &&
	ok "the task's pid is cocoon-runtime's shim ($svc_pid)" ||
	fail "task pid '$svc_pid': $(tr '\0' ' ' <"/proc/$svc_pid/cmdline" 2>&1)"
# at once: exec waits for the guest to run the app (the VM boots at start)
timeout 180 ctr -a "$D/sock" task exec --exec-id e1 svc /bin/sh -c \
	'echo in-exec; exit 4' </dev/null >"$tmp/exec.out" 2>"$tmp/exec.err"
st=$?
expect_status "ctr task exec --exec-id: the command's exit code (4)" 4 "$st" \
	"$tmp/exec.err"
expect_grep "... and its stdout" '^in-exec$' "$tmp/exec.out"
timeout 120 ctr -a "$D/sock" task exec --exec-id e2 svc /bin/sh -c \
	'test -e /proc/1 && echo guest-proc; cat /proc/sys/kernel/osrelease' \
	</dev/null >"$tmp/exec2.out" 2>"$tmp/exec2.err"
expect_status "a second exec (another --exec-id)" 0 $? "$tmp/exec2.err"
[ "$(tail -1 "$tmp/exec2.out")" = "$guest_kernel" ] &&
	ok "... runs in the guest (kernel $guest_kernel)" ||
	fail "exec2 output: $(cat "$tmp/exec2.out")"
C task kill svc 2>"$tmp/kill.err"
expect_status "ctr task kill (TERM)" 0 $? "$tmp/kill.err"
for _ in $(seq 1 300); do
	C task ls 2>/dev/null | grep -q '^svc .*STOPPED' && break
	sleep 0.1
done
C task ls >"$tmp/tasks2" 2>&1
expect_grep "... the task stops" '^svc +[0-9]+ +STOPPED' "$tmp/tasks2"
C task delete svc >"$tmp/tdel.out" 2>&1
expect_status "ctr task delete" 0 $? "$tmp/tdel.out"
expect_grep "... reports the exit code of a TERMed sleep (143)" \
	'exit code 143' "$tmp/tdel.out"
C container delete svc 2>/dev/null || fail "container delete svc"

ctr_run -d "$IMG" k9 /bin/sleep 1000 </dev/null >/dev/null 2>"$tmp/k9.err" ||
	fail "ctr run -d k9: $(cat "$tmp/k9.err")"
for _ in $(seq 1 600); do
	C task ls 2>/dev/null | grep -q '^k9 .*RUNNING' && break
	sleep 0.1
done
C task kill -s KILL k9 2>"$tmp/kill9.err"
expect_status "ctr task kill -s KILL" 0 $? "$tmp/kill9.err"
for _ in $(seq 1 300); do
	C task ls 2>/dev/null | grep -q '^k9 .*STOPPED' && break
	sleep 0.1
done
C task delete k9 >"$tmp/k9del.out" 2>&1
expect_grep "... exit code 137" 'exit code 137' "$tmp/k9del.out"
C container delete k9 2>/dev/null || fail "container delete k9"

# ---- nothing left behind
C task ls -q >"$tmp/tasks3" 2>&1
[ ! -s "$tmp/tasks3" ] && ok "no tasks left" || fail "tasks: $(cat "$tmp/tasks3")"
left=$(find "$RR/default" -mindepth 1 -maxdepth 1 ! -name cocoon 2>/dev/null)
[ -z "$left" ] && ok "no container state left" || fail "left in $RR: $left"
pods=$(find "$RR/default/cocoon/pods" -mindepth 2 -maxdepth 2 2>/dev/null)
[ -z "$pods" ] && ok "no pods left" || fail "pods left: $pods"
grep -q " $RR" /proc/self/mountinfo && fail "mounts left under $RR" ||
	ok "no mounts left"
cgs=$(find /sys/fs/cgroup/cocoon -mindepth 1 -maxdepth 1 -type d 2>/dev/null)
[ -z "$cgs" ] && ok "no pod cgroups left" || fail "cgroups left: $cgs"
pgrep -f "cocoon-vmm.*$RR" >/dev/null && fail "a cocoon-vmm still runs" ||
	ok "no cocoon-vmm left"
finish
