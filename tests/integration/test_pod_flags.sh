#!/bin/bash
# Every `cocoon run` flag end to end in real pods (docs/pod-commands.md
# "run and prepare"), each checked from inside the app: the environment and
# its precedence, users and groups, working dir, hostname, host and empty
# volumes and per-app mounts, the VM's memory and vCPUs, --uuid-file-save,
# capabilities, seccomp (errno and SIGSYS), a read-only root, an unsigned
# image with --insecure-options=image, the pull policy, the refused
# --net=host and --stage1 values, several apps with `---`, ARGS after `--`, --exec.
# Most checks share one pod of nine apps (each boot costs seconds).
# Run alone: tests/testhost/run -- tests/integration/test_pod_flags.sh
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/podlib.sh
. "$(dirname "$0")/podlib.sh"

pod_vm_setup

# expect_line WHAT FILE LINE: FILE has exactly LINE (a fixed string).
expect_line() {
	if grep -qxF -- "$3" "$2"; then
		ok "$1"
	else
		fail "$1: no line '$3' in $(basename "$2"):"
		sed 's/^/    | /' "$2" | tail -40
	fi
}

# ---- flags refused before any pod exists (no VM)
run_pod net-host --net=host "$IMG"
expect_status "--net=host is a usage error" 2 "$st" "$tmp/net-host.err"
expect_grep "--net=host says a pod cannot share the host's network" \
	"cannot share the host's network" "$tmp/net-host.err"
run_pod stage1 --stage1=other "$IMG"
expect_status "--stage1=other is refused" 2 "$st" "$tmp/stage1.err"
expect_grep "--stage1=other says there is one stage1, kvm" \
	'one stage1, kvm' "$tmp/stage1.err"
run_pod stage1-name --stage1-name=coreos.com/rkt/stage1-coreos "$IMG"
expect_status "--stage1-name is refused" 2 "$st" "$tmp/stage1-name.err"

# An unsigned copy of the image: refused without --insecure-options=image.
mkdir -p "$tmp/unsigned"
cp "$IMG_ACI" "$tmp/unsigned/pod-busybox.aci"
run_pod unsigned-refused "$tmp/unsigned/pod-busybox.aci"
expect_status "an unsigned image is refused without --insecure-options=image" \
	1 "$st" "$tmp/unsigned-refused.err"
expect_grep "and the error says it is not signed" 'not signed' \
	"$tmp/unsigned-refused.err"

# --pull-policy=never with the image not in a fresh store.
mkdir -p "$tmp/fresh"
timeout 120 "$cocoon" --dir="$tmp/fresh/data" --local-config="$S/etc" \
	--system-config="$S/vendor" run --pull-policy=never "$IMG" \
	>"$tmp/never.out" 2>"$tmp/never.err"
expect_status "--pull-policy=never without the image in the store fails" \
	1 $? "$tmp/never.err"
expect_grep "and says the image is not in the store" \
	'is not in the store and --pull-policy=never' "$tmp/never.err"
left=$("$cocoon" --dir="$tmp/fresh/data" list --no-legend 2>&1)
if [ -z "$left" ]; then
	ok "no pod is left behind by the failed pull"
else
	fail "a pod is left after --pull-policy=never failed: $left"
fi

# ---- one pod, nine apps
mkdir -p "$tmp/hostdir" "$tmp/rodir"
chmod 0777 "$tmp/hostdir"
echo from-host >"$tmp/rodir/hostfile"
printf '%s\n' '# a comment' '; another comment' '' 'FROM_IMAGE=file' \
	'ONLY_FILE=from-file' 'PATH=/bin:/usr/bin' >"$tmp/env.txt"
printf "SPACES=a b  'c'\r\n" >>"$tmp/env.txt"

main_sh=$(
	cat <<'EOF'
echo "main-name=$AC_APP_NAME"
echo "main-env-FROM_IMAGE=$FROM_IMAGE"
echo "main-env-PATH=$PATH"
echo "main-env-ONLY_FILE=$ONLY_FILE"
echo "main-env-ONLY_SETENV=$ONLY_SETENV"
echo "main-env-SPACES=$SPACES"
echo "main-env-HOSTVAR=$COCOON_FLAGS_HOSTVAR"
echo "main-env-APPVAR=$APPVAR"
echo "main-id=$(id)"
echo "main-pwd=$(pwd)"
echo "main-hostname=$(hostname)"
echo "main-etc-hostname=$(cat /etc/hostname)"
echo "main-nproc=$(nproc)"
echo "main-memtotal=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
echo written-in-pod >/hv/from-pod
echo "main-hv-write=$?"
echo "main-ro-read=$(cat /ro/hostfile)"
out=$(sh -c 'echo x >/ro/nope' 2>&1)
echo "main-ro-write=$? $out"
echo "main-ev=$(stat -c '%a %u %g' /ev)"
out=$(touch /rw-root 2>&1)
echo "main-root-write=$? $out"
out=$(chmod 600 /etc/motd 2>&1)
echo "main-chmod=$? $out"
exit 0
EOF
)
byname_sh=$(
	cat <<'EOF'
echo "byname-name=$AC_APP_NAME"
echo "byname-env-FROM_IMAGE=$FROM_IMAGE"
echo "byname-env-APPVAR=$APPVAR"
echo "byname-id=$(id)"
echo "byname-pwd=$(pwd)"
echo "byname-scratch=$(stat -c '%a %u %g' /scratch)"
out=$(touch /scratch/by-user 2>&1)
echo "byname-scratch-write=$? $out"
if [ -e /hv ]; then echo byname-hv=present; else echo byname-hv=absent; fi
exit 0
EOF
)
bynum_sh='echo "bynum-name=$AC_APP_NAME"; echo "bynum-id=$(id)"; echo "bynum-pwd=$(pwd)"'
rofs_sh='out=$(touch /rofile 2>&1); echo "rofs-touch=$? $out"; out=$(sh -c "echo x >/etc/motd" 2>&1); echo "rofs-etc=$? $out"; exit 0'
capret_sh='guest-helper caps | sed "s/^/capret-/"'
caprem_sh='guest-helper caps | sed "s/^/caprem-/"; out=$(chown 1000 /etc/motd 2>&1); echo "caprem-chown=$? $out"; exit 0'
secc_sh='out=$(chmod 600 /etc/motd 2>&1); echo "secc-chmod=$? $out"; guest-helper caps | grep "^Seccomp" | sed "s/^/secc-/"; exit 0'
# shellcheck disable=SC2016 # $AC_APP_NAME and $* are the guest shell's
args_sh='echo "args-name=$AC_APP_NAME args=$*"'

start=$(date +%s)
COCOON_FLAGS_HOSTVAR=inherited-$$ run_pod big \
	--pull-policy=never --insecure-options=image \
	--uuid-file-save="$tmp/big.uuid" --memory=256M --cpu=2 \
	--hostname=flags-pod.example --set-env-file="$tmp/env.txt" \
	--set-env FROM_IMAGE=setenv --set-env ONLY_SETENV=s1 --inherit-env \
	--volume hv,kind=host,source="$tmp/hostdir" \
	--volume ro,kind=host,source="$tmp/rodir",readOnly=true \
	--volume ev,kind=empty,mode=0710,uid=1000,gid=100 \
	"$IMG" --name main --working-dir=/etc --environment APPVAR=app \
	--mount volume=hv,target=/hv --mount volume=ro,target=/ro \
	--mount volume=ev,target=/ev --exec /bin/sh -- -c "$main_sh" --- \
	"$IMG" --name byname --user=user --group=wheel --working-dir=/home/user \
	--mount volume=ev,target=/scratch --exec /bin/sh -- -c "$byname_sh" --- \
	"$IMG" --name bynum --user=1000 --group=100 --exec /bin/sh -- \
	-c "$bynum_sh" --- \
	"$IMG" --name rofs --readonly-rootfs --exec /bin/sh -- -c "$rofs_sh" --- \
	"$IMG" --name capret --caps-retain=net_admin,CAP_SYS_TIME \
	--exec /bin/sh -- -c "$capret_sh" --- \
	"$IMG" --name caprem --caps-remove=CAP_CHOWN \
	--exec /bin/sh -- -c "$caprem_sh" --- \
	"$IMG" --name secc --seccomp mode=remove,errno=EPERM,chmod,fchmodat \
	--exec /bin/sh -- -c "$secc_sh" --- \
	"$tmp/unsigned/pod-busybox.aci" --name unsigned -- extra-arg --- \
	"$IMG" --name args --exec /bin/sh -- -c "$args_sh" argv0 --flag-like -x
echo "    (the nine-app pod took $(($(date +%s) - start)) s)"
out=$tmp/big.out
expect_status "the nine-app pod exits 0" 0 "$st" "$tmp/big.err"

# Environment: image < --set-env-file < --set-env < --environment.
expect_line "--set-env wins over the file and the image" "$out" \
	"main-env-FROM_IMAGE=setenv"
expect_line "--set-env-file wins over the image (PATH)" "$out" \
	"main-env-PATH=/bin:/usr/bin"
expect_line "--set-env-file sets its own variable" "$out" \
	"main-env-ONLY_FILE=from-file"
expect_line "--set-env-file: value verbatim, trailing CR dropped" "$out" \
	"main-env-SPACES=a b  'c'"
expect_line "--set-env sets its own variable" "$out" \
	"main-env-ONLY_SETENV=s1"
expect_line "--inherit-env: a host variable is visible" "$out" \
	"main-env-HOSTVAR=inherited-$$"
expect_line "--environment after the image reaches its app" "$out" \
	"main-env-APPVAR=app"
expect_line "--environment after one image stays out of another app" "$out" \
	"byname-env-APPVAR="
expect_line "pod-wide --set-env reaches every app" "$out" \
	"byname-env-FROM_IMAGE=setenv"
# Users, groups, working directories.
expect_grep "the default user is root" '^main-id=uid=0\(root\) gid=0\(root\)' "$out"
expect_grep "--user/--group by name (id)" \
	'^byname-id=uid=1000\(user\) gid=10\(wheel\)' "$out"
expect_grep "--user/--group by number (id)" \
	'^bynum-id=uid=1000\(user\) gid=100\(users\)' "$out"
expect_line "--working-dir (pwd)" "$out" "main-pwd=/etc"
expect_line "--working-dir for a named user (pwd)" "$out" \
	"byname-pwd=/home/user"
expect_line "the image's working dir without --working-dir" "$out" \
	"bynum-pwd=/"
# Hostname, VM size.
expect_line "--hostname (hostname)" "$out" "main-hostname=flags-pod.example"
expect_line "--hostname (/etc/hostname)" "$out" \
	"main-etc-hostname=flags-pod.example"
expect_line "--cpu=2 gives 2 vCPUs (nproc)" "$out" "main-nproc=2"
mem=$(sed -n 's/^main-memtotal=//p' "$out")
if [ -n "$mem" ] && [ "$mem" -gt $((200 * 1024)) ] &&
	[ "$mem" -lt $((245 * 1024)) ]; then
	ok "--memory=256M (245 MiB): MemTotal ${mem} kB"
else
	fail "--memory=256M: MemTotal '${mem}' kB, want 200-245 MiB"
fi
uuid=$(cat "$tmp/big.uuid" 2>/dev/null)
s0=$S/data/pods/run/$uuid/stage0.json
if grep -q '"memory_mib": *245' "$s0" 2>/dev/null &&
	grep -q '"cpus": *2' "$s0"; then
	ok "stage0.json records 245 MiB (256 * 10^6 B rounded up) and 2 vCPUs"
else
	fail "stage0.json: $(cat "$s0" 2>&1)"
fi
# --uuid-file-save
if [[ "$uuid" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] &&
	[ "$(wc -c <"$tmp/big.uuid")" = 36 ]; then
	ok "--uuid-file-save holds a bare v4 UUID"
else
	fail "--uuid-file-save holds '$(cat "$tmp/big.uuid" 2>&1)'"
fi
if c list --full --no-legend 2>&1 | awk '{print $1}' | grep -qxF "$uuid"; then
	ok "list --full shows the saved UUID"
else
	fail "list --full lacks '$uuid': $(c list --full 2>&1)"
fi
# Volumes and mounts.
expect_line "host volume rw: the write succeeds in the pod" "$out" \
	"main-hv-write=0"
if [ "$(cat "$tmp/hostdir/from-pod" 2>/dev/null)" = written-in-pod ]; then
	ok "host volume rw: the pod's file is on the host"
else
	fail "host volume rw: $tmp/hostdir/from-pod: $(cat "$tmp/hostdir/from-pod" 2>&1)"
fi
expect_line "host volume readOnly: the host's file is readable" "$out" \
	"main-ro-read=from-host"
expect_grep "host volume readOnly: a write is refused" \
	'^main-ro-write=[1-9].*Read-only file system' "$out"
if [ -e "$tmp/rodir/nope" ]; then
	fail "host volume readOnly: the refused file exists on the host"
else
	ok "host volume readOnly: nothing reached the host"
fi
expect_line "empty volume: mode, uid, gid (stat)" "$out" "main-ev=710 1000 100"
expect_line "the same empty volume at another app's own target" "$out" \
	"byname-scratch=710 1000 100"
expect_grep "the empty volume's owner can write it" \
	'^byname-scratch-write=0 ?$' "$out"
expect_line "--mount after an image is that app's only" "$out" \
	"byname-hv=absent"
# Read-only root.
expect_grep "without --readonly-rootfs, / is writable" '^main-root-write=0 ?$' "$out"
expect_grep "--readonly-rootfs: a write to / is refused" \
	'^rofs-touch=1 .*Read-only file system' "$out"
expect_grep "--readonly-rootfs: a write to /etc is refused" \
	'^rofs-etc=[1-9].*Read-only file system' "$out"
# Capabilities (bits: NET_ADMIN 12, SYS_TIME 25; the appc default set is
# 0xa80425fb, without CHOWN 0xa80425fa).
for set in CapEff CapPrm CapBnd; do
	expect_grep "--caps-retain: $set is exactly NET_ADMIN,SYS_TIME" \
		"^capret-$set:[[:space:]]+0000000002001000\$" "$out"
	expect_grep "--caps-remove=CAP_CHOWN: $set is the default set minus CHOWN" \
		"^caprem-$set:[[:space:]]+00000000a80425fa\$" "$out"
done
expect_grep "--caps-remove=CAP_CHOWN: chown is refused" \
	'^caprem-chown=1 .*Operation not permitted' "$out"
# Seccomp with errno.
expect_grep "without --seccomp, chmod works (default filter)" '^main-chmod=0 ?$' "$out"
expect_grep "--seccomp mode=remove,errno=EPERM: chmod fails with EPERM" \
	'^secc-chmod=1 .*Operation not permitted' "$out"
expect_grep "--seccomp: a filter is loaded" '^secc-Seccomp:[[:space:]]+2$' "$out"
# Apps, names, args, exec, images.
for app in main byname bynum; do
	expect_line "app $app sees its own AC_APP_NAME" "$out" "$app-name=$app"
done
expect_line "ARGS after -- (flag-like words too) reach --exec" "$out" \
	"args-name=args args=--flag-like -x"
expect_line "an unsigned image runs with --insecure-options=image (image exec + ARGS)" \
	"$out" "hello from the pod"
expect_status "the image's exec ran in one app only" 1 \
	"$(grep -cxF 'hello from the pod' "$out")"
if [ "$(grep -c . "$tmp/big.err")" -le 2 ] && ! grep -qi 'error' "$tmp/big.err"; then
	ok "the nine-app pod printed no errors"
else
	fail "the nine-app pod's stderr: $(head -c 600 "$tmp/big.err")"
fi
c status "$uuid" >"$tmp/big.status" 2>&1
for app in main byname bynum rofs capret caprem secc unsigned args; do
	expect_line "status: app $app exited 0" "$tmp/big.status" "app-$app=0"
done

# ---- seccomp without errno: the app is killed by SIGSYS (128+31)
run_pod sigsys --uuid-file-save="$tmp/sigsys.uuid" "$IMG" \
	--seccomp mode=remove,chmod,fchmodat --exec /bin/chmod -- 600 /etc/motd
expect_status "--seccomp mode=remove without errno: SIGSYS gives 159" \
	159 "$st" "$tmp/sigsys.err"
expect_grep "state.json records signal 31" '"signal":31' \
	"$S/data/pods/run/$(cat "$tmp/sigsys.uuid" 2>/dev/null)/state.json"

finish
