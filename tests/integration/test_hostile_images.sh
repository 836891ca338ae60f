#!/bin/bash
# Hostile images through `cocoon prepare` (which makes every image check
# `cocoon run` makes, without a VM): manifests that ask for host paths,
# privileged isolators or absurd resources, and archives that try to
# escape (tests/images/mkhostile) or to abuse the host (device nodes,
# set-id files, hard links out, 100k files, huge sparse files; made by
# tests/integration/mkhostileimages). Each is refused with a clear error,
# or accepted and confined, and the confinement is checked: nothing written
# outside the store, nothing an unprivileged host user can reach, nothing
# the host side of a pod takes from the image.
#
# Three bugs this test found (a workingDirectory with "..", an image's
# memory beyond the host's RAM, --no-overlay copies writing out sparse
# holes) are fixed; their checks fail as "regression of a fixed bug".
# cocoon-test: no-vm
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=podlib.sh
. "$(dirname "$0")/podlib.sh"

command -v jq >/dev/null || {
	echo "skip: jq is needed to read the pod's JSON"
	exit 77
}
command -v python3 >/dev/null || {
	echo "skip: python3 is needed to write the hostile archives"
	exit 77
}
[ "$(id -u)" = 0 ] || {
	echo "skip: device nodes, set-id files and overlay owners need root"
	exit 77
}
pod_setup
pods=$S/data/pods
H=$tmp/hostile
outside=$tmp/outside
mkdir -p "$outside"
python3 "$top/tests/integration/mkhostileimages" "$H" >"$tmp/mk.log" 2>&1 &&
	python3 "$top/tests/images/mkhostile" "$H" "$outside/canary" >>"$tmp/mk.log" 2>&1 || {
	echo "not ok: writing the hostile images:"
	sed 's/^/    | /' "$tmp/mk.log" | tail -20
	exit 1
}
passwd_before=$(stat -c '%h %Y %s' /etc/passwd)
shadow_before=$(stat -c '%h %Y %s' /etc/shadow 2>/dev/null || echo none)
touch "$tmp/stamp"
sleep 1
# A regression of a bug that was fixed: a failure, named as such.
known_bug() {
	fail "regression of a fixed bug: $*"
}
accepted=0

# refused WHAT ACI PATTERN: prepare fails (1) naming the problem, prints no
# UUID and leaves no pod.
refused() {
	local before after
	before=$(find "$pods" -mindepth 2 -maxdepth 2 2>/dev/null | wc -l)
	c prepare --insecure-options=image "$2" >"$tmp/out" 2>"$tmp/err"
	expect_status "$1: refused" 1 "$?" "$tmp/err"
	expect_grep "$1: says why" "$3" "$tmp/err"
	[ -s "$tmp/out" ] && fail "$1: printed $(cat "$tmp/out")"
	after=$(find "$pods" -mindepth 2 -maxdepth 2 2>/dev/null | wc -l)
	[ "$before" = "$after" ] || fail "$1: a pod was left behind"
}
# accepted WHAT ACI [FLAGS...]: prepare succeeds; the pod dir is in $P.
accepted() {
	local what=$1 aci=$2 uuid
	shift 2
	uuid=$(c prepare --insecure-options=image "$@" "$aci" 2>"$tmp/err")
	expect_status "$what: prepared" 0 "$?" "$tmp/err"
	P=$pods/prepared/$uuid
	[ -n "$uuid" ] && [ -d "$P" ] || {
		fail "$what: no prepared pod"
		P=/nonexistent
		return 1
	}
	accepted=$((accepted + 1))
	tree=$S/data/cas/trees/$(jq -r '.apps[0].image' "$P/stage0.json")/rootfs
	app=$(jq -r '.apps[0].name' "$P/stage0.json")
}
# as_nobody CMD...: runs CMD as an unprivileged host user.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@" 2>/dev/null
}
# stage0.json and the pod manifest name no host path the image asked for
no_host_volumes() {
	[ "$(jq -c .volumes "$P/stage0.json")" = "[]" ] &&
		[ "$(jq '[.volumes[] | select(.kind == "host")] | length' "$P/pod")" = 0 ] &&
		ok "$1: no host volume in the pod" ||
		fail "$1: host volumes $(jq -c .volumes "$P/stage0.json")"
}

# ---- manifests asking for host paths
M=$H/manifest
refused "mountPoint with a relative path" "$M-mp-relative.aci" \
	"app.mountPoints\[0\].path: must be an absolute path"
refused "mountPoint climbing with .." "$M-mp-dotdot.aci" \
	'app.mountPoints\[0\]: path "/data/\.\./\.\./\.\./etc" must not contain "\.\."'
refused "relative workingDirectory" "$M-wd-relative.aci" \
	"app.workingDirectory: must be an absolute path"
refused "exec ../../bin/sh" "$M-exec-relative.aci" "app.exec\[0\]: must be an absolute path"
if accepted "a host volume asked for by the image" "$M-host-volume.aci"; then
	no_host_volumes "host volume"
	[ "$(jq -c '.apps[0].mounts[0] | [.kind, .target, .source]' "$P/runtime.json")" = '["empty","/host",null]' ] &&
		ok "host volume: the mountPoint gets an empty volume inside the VM" ||
		fail "host volume: mount $(jq -c '.apps[0].mounts' "$P/runtime.json")"
	[ ! -e "$P/stage1/shared/volumes/hostetc" ] && ok "host volume: no mount point on the host" ||
		fail "host volume: stage1/shared/volumes/hostetc exists"
fi
# An absolute exec path with .. is resolved by the guest inside the app's
# root (pivot_root), where / has no parent: nothing on the host is named
# (checked in a VM: `--exec /../../../bin/sh` runs the image's sh).
if accepted "exec /../../../../bin/sh" "$M-exec-outside.aci"; then
	no_host_volumes "exec-outside"
	[ "$(jq -r '.apps[0].exec[0]' "$P/runtime.json")" = /../../../../bin/sh ] &&
		ok "exec-outside: handed to the guest, to resolve in the app's root" ||
		fail "exec-outside: exec $(jq -c '.apps[0].exec' "$P/runtime.json")"
fi
# A workingDirectory with .. is refused by the guest (guest/: "bad runtime
# object: apps[0].working_dir: ... is not an absolute path without . or
# .."), so prepare should refuse it as it refuses mountPoints with ..
if c prepare --insecure-options=image "$M-wd-outside.aci" >"$tmp/out" 2>"$tmp/err"; then
	accepted=$((accepted + 1))
	known_bug "workingDirectory \"/../../../../etc\" is accepted by prepare; at run the guest refuses the runtime object and the pod fails as \"vmm crashed: the guest powered off before its apps ended\" after booting a VM (images/aci_manifest.c parse_app or stage0/pod_manifest.c plan_app should refuse .. as plan_mounts does)"
elif grep -q 'workingDirectory' "$tmp/err"; then
	ok "workingDirectory with ..: refused: $(grep -m1 error "$tmp/err")"
else
	fail "workingDirectory with ..: refused without naming it: $(cat "$tmp/err")"
fi

# ---- privileged isolators
refused "an unknown capability" "$M-caps-unknown.aci" 'unknown capability "CAP_GOD"'
refused "seccomp retain-set \"*\"" "$M-seccomp-star.aci" 'unknown syscall "\*"'
refused "seccomp syscall group" "$M-seccomp-two.aci" 'syscall group "@rkt/default-whitelist" is not supported'
default_caps=
if accepted "os/linux/privileged and friends" "$M-privileged.aci"; then
	default_caps=$(jq -c '.apps[0].capabilities' "$P/runtime.json")
	[ "$(jq '.apps[0].capabilities | length' "$P/runtime.json")" -le 14 ] &&
		jq -e '.apps[0].capabilities | index("CAP_SYS_ADMIN") == null' "$P/runtime.json" >/dev/null &&
		ok "privileged: unknown isolators grant nothing (the default capabilities)" ||
		fail "privileged: capabilities $default_caps"
	jq -e '.apps[0].seccomp.mode == "default"' "$P/runtime.json" >/dev/null &&
		ok "privileged: the default seccomp filter" ||
		fail "privileged: seccomp $(jq -c '.apps[0].seccomp' "$P/runtime.json")"
fi
if accepted "every capability in a retain-set" "$M-caps-all.aci"; then
	# appc lets an image ask; they are the app's inside its own VM
	# (guest/caps.c), and nothing on the host side gets any.
	jq -e '.apps[0].capabilities | index("CAP_SYS_ADMIN") != null' "$P/runtime.json" >/dev/null &&
		ok "caps-all: granted to the app inside the VM only" ||
		fail "caps-all: capabilities $(jq -c '.apps[0].capabilities' "$P/runtime.json")"
	[ "$(jq -c 'keys' "$P/stage0.json")" = '["apps","cpus","created","interactive","memory_mib","net","overlay","stop_timeout_ms","volumes"]' ] &&
		ok "caps-all: stage0.json (what the host side uses) has no capability field" ||
		fail "caps-all: stage0.json keys $(jq -c keys "$P/stage0.json")"
	caps_flag=$(c prepare --insecure-options=image "$M-caps-all.aci" --caps-retain=CAP_NET_BIND_SERVICE 2>"$tmp/err")
	[ "$(jq -c '.apps[0].capabilities' "$pods/prepared/$caps_flag/runtime.json" 2>/dev/null)" = '["CAP_NET_BIND_SERVICE"]' ] &&
		ok "caps-all: --caps-retain overrides what the image asks" ||
		fail "caps-all: --caps-retain gave $(jq -c '.apps[0].capabilities' "$pods/prepared/$caps_flag/runtime.json" 2>&1)"
fi

# ---- absurd resources
refused "memory beyond any quantity" "$M-memory-overflow.aci" 'memory "99999999999Ei": too large'
refused "100000 CPUs" "$M-cpu-100000.aci" "cpu: 100000 vCPUs is more than a pod can have \(255\)"
refused "10^6 ports" "$M-ports-1m.aci" "ACI manifest larger than 1048576 bytes"
host_mib=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo)
vmm_max_mib=$((1024 * 1024)) # vmm/options.h OPTIONS_MEM_MAX_MIB
for m in memory-1p memory-huge; do
	if c prepare --insecure-options=image "$M-$m.aci" >"$tmp/out" 2>"$tmp/err"; then
		accepted=$((accepted + 1))
		mib=$(jq -r .memory_mib "$pods/prepared/$(cat "$tmp/out")/stage0.json")
		if [ "$mib" -le "$host_mib" ]; then
			ok "$m: capped to the host's memory ($mib MiB)"
		else
			known_bug "$m: prepare accepts an image's resource/memory of $mib MiB (host: $host_mib MiB, VMM maximum: $vmm_max_mib MiB); the pod's cgroup memory.max follows it, so the image sets its own host memory limit (stage0/pod_manifest.c plan_size)"
		fi
	elif grep -qE "memory" "$tmp/err"; then
		ok "$m: refused: $(grep -m1 error "$tmp/err")"
	else
		fail "$m: refused without a memory message: $(cat "$tmp/err")"
	fi
done
# Prepared only when the pod frame (manifest + runtime object, one control
# frame of at most 1 MiB) fits; else refused at prepare, saying so.
for m in ports-15k annotations environment; do
	start=$(date +%s)
	if c prepare --insecure-options=image "$M-$m.aci" >"$tmp/out" 2>"$tmp/err"; then
		accepted=$((accepted + 1))
		P=$pods/prepared/$(cat "$tmp/out")
		secs=$(($(date +%s) - start))
		[ "$secs" -le 20 ] && ok "$m: prepared in ${secs}s" || fail "$m: took ${secs}s"
		size=$(($(stat -c %s "$P/runtime.json") + $(stat -c %s "$P/pod")))
		[ "$size" -lt $((1 << 20)) ] && ok "$m: manifest and runtime object fit a control frame ($size bytes)" ||
			fail "$m: manifest + runtime.json are $size bytes, over CTL_FRAME_MAX"
	elif grep -q "do not fit the control protocol's 1048576-byte frame" "$tmp/err"; then
		ok "$m: refused at prepare, too large for the control frame"
	else
		fail "$m: refused without saying why: $(cat "$tmp/err")"
	fi
done
[ "$(jq '.ports | length' "$pods"/prepared/*/pod | sort -u)" = 0 ] &&
	ok "no pod publishes an image's ports without --port" || fail "some pod has ports"

# ---- archives that escape (tests/images/mkhostile), now through prepare
refused "archive: ../ entry" "$H/traversal.aci" "'\.\.' component"
refused "archive: absolute entry" "$H/absolute.aci" "absolute path"
refused "archive: write through a symlink out" "$H/symlink-write.aci" "escape/canary.*(No such file|Too many levels)"
refused "archive: write through a climbing symlink" "$H/symlink-relative.aci" "up/canary.*(No such file|Too many levels)"
refused "archive: symlinked parent to /etc" "$H/symlink-absolute-parent.aci" "cocoon-canary-etc.*(No such file|Too many levels)"
refused "archive: hard link to /etc/shadow" "$H/hardlink-shadow.aci" "hard link.*absolute path"
refused "archive: hard link climbing out" "$H/hardlink-traversal.aci" "hard link.*'\.\.' component"
refused "archive: duplicate entries" "$H/duplicate.aci" "duplicate entry"
refused "archive: hard link to /etc/passwd" "$H/archive-hardlink-passwd.aci" "hard link.*absolute path"
refused "archive: hard link climbing to /etc/passwd" "$H/archive-hardlink-climb.aci" "hard link.*'\.\.' component"
refused "archive: hard link through a symlink out" "$H/archive-hardlink-via-symlink.aci" "hard link target: Too many levels of symbolic links"
refused "archive: a 1 TiB sparse file" "$H/archive-sparse.aci" "image larger than the limit of 17179869184 bytes"

# ---- archives that are accepted, and what confines them
if accepted "archive: absolute symlinks out" "$H/archive-abs-symlinks.aci" --no-overlay; then
	[ "$(readlink "$tree/shadow") $(readlink "$tree/hostroot")" = "/etc/shadow /" ] &&
		ok "abs symlinks: kept as symlinks (resolved inside the VM's root)" ||
		fail "abs symlinks: $(ls -l "$tree")"
	copy=$P/stage1/shared/apps/$app/rootfs
	[ -L "$copy/shadow" ] && [ -L "$copy/hostroot" ] && [ -L "$copy/up" ] &&
		ok "abs symlinks: the --no-overlay copy copies the links, not what they name" ||
		fail "abs symlinks: copy $(ls -l "$copy")"
fi
if accepted "archive: device nodes" "$H/archive-devices.aci" --no-overlay; then
	[ -b "$tree/dev/sda" ] && [ -c "$tree/dev/mem" ] &&
		ok "devices: kept in the tree for the guest (root extracts them)" ||
		fail "devices: $(ls -l "$tree/dev")"
	# Confinement on the host: unreachable by users (cas/ and the pod dir
	# are 0700), the overlay is mounted nodev (stage0/mounts.c), and the
	# VMM's 9p server opens only regular files and directories.
	for d in "$tree/dev/sda" "$P/stage1/shared/apps/$app/rootfs/dev/mem"; do
		if as_nobody head -c1 "$d" >/dev/null; then
			fail "devices: an unprivileged user can open $d"
		else
			ok "devices: an unprivileged host user cannot open ${d#"$S/data/"}"
		fi
	done
	[ "$(stat -c %a "$S/data/cas") $(stat -c %a "$P")" = "700 700" ] &&
		ok "devices: cas/ and the pod dir are 0700" ||
		fail "devices: modes $(stat -c %a "$S/data/cas") $(stat -c %a "$P")"
fi
if accepted "archive: set-id files" "$H/archive-setid.aci" --no-overlay; then
	[ "$(stat -c %a "$tree/bin/rootshell") $(stat -c %a "$tree/bin/groupshell")" = "4755 2755" ] &&
		ok "set-id: bits kept for the guest" ||
		fail "set-id: modes $(stat -c %a "$tree/bin/rootshell" "$tree/bin/groupshell")"
	for f in "$tree/bin/rootshell" "$P/stage1/shared/apps/$app/rootfs/bin/rootshell"; do
		if as_nobody test -x "$f"; then
			fail "set-id: an unprivileged user can reach $f"
		else
			ok "set-id: an unprivileged host user cannot reach ${f#"$S/data/"}"
		fi
	done
fi
start=$(date +%s)
if accepted "archive: 100k files" "$H/archive-100k.aci"; then
	secs=$(($(date +%s) - start))
	n=$(find "$tree/many" -type f | wc -l)
	[ "$n" = 100000 ] && ok "100k files: all extracted in ${secs}s" || fail "100k files: $n in the tree"
	[ "$secs" -le 300 ] || fail "100k files: took ${secs}s"
fi
if accepted "archive: a 2 GiB sparse file" "$H/archive-sparse-2g.aci"; then
	used=$(du -k "$tree/huge" | cut -f1)
	[ "$(stat -c %s "$tree/huge")" = $((2 << 30)) ] && [ "$used" -lt 1024 ] &&
		ok "sparse: 2 GiB in the tree, ${used} KiB on disk" ||
		fail "sparse: size $(stat -c %s "$tree/huge"), $used KiB on disk"
	uuid=$(c prepare --insecure-options=image --no-overlay "$H/archive-sparse-2g.aci" 2>"$tmp/err")
	copy=$pods/prepared/$uuid/stage1/shared/apps/$app/rootfs/huge
	used=$(du -k "$copy" 2>/dev/null | cut -f1)
	if [ -z "$used" ]; then
		fail "sparse: --no-overlay prepare failed: $(cat "$tmp/err")"
	elif [ "$used" -lt 1024 ]; then
		ok "sparse: the --no-overlay copy keeps the hole"
	else
		known_bug "sparse: the --no-overlay copy writes the holes out ($used KiB on disk for a 10 KiB image; up to the 16 GiB limit per pod): stage0/prepare.c copy_data does not skip holes"
	fi
	rm -f "$copy"
fi

# ---- nothing reached the host
[ ! -e "$outside/canary" ] && ok "no canary written outside" || fail "canary written"
[ ! -e /etc/cocoon-canary-etc ] && ok "nothing written into /etc" || fail "/etc/cocoon-canary-etc exists"
[ "$(stat -c '%h %Y %s' /etc/passwd)" = "$passwd_before" ] && ok "/etc/passwd untouched (links, mtime, size)" ||
	fail "/etc/passwd changed: $passwd_before -> $(stat -c '%h %Y %s' /etc/passwd)"
[ "$(stat -c '%h %Y %s' /etc/shadow 2>/dev/null || echo none)" = "$shadow_before" ] &&
	ok "/etc/shadow untouched" || fail "/etc/shadow changed"
new=$(find "$tmp" -newer "$tmp/stamp" -not -path "$S" -not -path "$S/*" \
	-not -path "$tmp" -not -name out -not -name err 2>/dev/null | head)
[ -z "$new" ] && ok "no new files outside the store" || fail "new files: $new"
[ -z "$(ls -A "$pods/garbage")" ] && ok "refused preparations left nothing in garbage/" ||
	fail "garbage/ has $(ls "$pods/garbage")"
# the audit log has one pod-prepared entry per accepted pod, no more
out=$(c audit verify 2>&1) && ok "audit log: $out" || fail "audit verify: $out"
n=$(c audit list --format=json | jq '[.[] | select(.event == "pod-prepared")] | length')
want=$((accepted + 2)) # + the --caps-retain and --no-overlay sparse pods
[ "$n" = "$want" ] && ok "audit log: $n pod-prepared entries, one per accepted pod" ||
	fail "audit log: $n pod-prepared entries, expected $want"

c gc --expire-prepared=0s --grace-period=0s >/dev/null 2>&1
finish
