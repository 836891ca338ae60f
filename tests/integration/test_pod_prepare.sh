#!/bin/bash
# `cocoon prepare` against a real store with the signed pod image: the pod
# directory it leaves (manifest, runtime.json, stage0.json, overlay and
# mount point directories, --no-overlay copy), and the clear errors for bad
# flags, bad volumes, missing and unsigned images. Needs no VM.
# cocoon-test: no-vm
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=podlib.sh
. "$(dirname "$0")/podlib.sh"

command -v jq >/dev/null || {
	echo "skip: jq is needed to read the pod's JSON"
	exit 77
}
[ "$(id -u)" = 0 ] || {
	echo "skip: prepare gives the overlay's upper dir the image's owner: needs root"
	exit 77
}
pod_setup

pods=$S/data/pods
# jqf WHAT FILE FILTER EXPECTED: one field of a pod file.
jqf() {
	local got
	got=$(jq -r "$3" "$2" 2>&1)
	if [ "$got" = "$4" ]; then
		ok "$1"
	else
		fail "$1: $3 is '$got', expected '$4'"
	fi
}
# no_pods_left WHAT: a failed preparation leaves no pod in any state.
no_pods_left() {
	local left
	left=$(find "$pods" -mindepth 2 -maxdepth 2 2>/dev/null | grep -v "/prepared/" || true)
	if [ -z "$left" ]; then
		ok "$1: no pod left behind"
	else
		fail "$1: left $left"
	fi
}
# bad WHAT STATUS PATTERN ARGS...: prepare fails with STATUS and a message.
bad() {
	local what=$1 want=$2 pattern=$3 before after
	shift 3
	before=$(find "$pods/prepared" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	c prepare "$@" >"$tmp/bad.out" 2>"$tmp/bad.err"
	expect_status "$what: exit status" "$want" "$?" "$tmp/bad.err"
	expect_grep "$what: message" "$pattern" "$tmp/bad.err"
	after=$(find "$pods/prepared" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	[ "$before" = "$after" ] || fail "$what: a prepared pod appeared"
	[ -s "$tmp/bad.out" ] && fail "$what: printed a UUID: $(cat "$tmp/bad.out")"
	no_pods_left "$what"
}

# ---- the image is not in the store yet: --pull-policy=never refuses
bad "--pull-policy=never, image not in the store" 1 \
	"example.com/pod-busybox:1.0 is not in the store and --pull-policy=never" \
	--pull-policy=never "$IMG"

# ---- an unsigned copy of the image is refused, then allowed insecurely
cp "$IMG_ACI" "$tmp/unsigned.aci"
bad "unsigned image" 1 "unsigned\.aci.*(signature|signed|\.asc)" "$tmp/unsigned.aci"
if uuid=$(c prepare --insecure-options=image "$tmp/unsigned.aci" 2>"$tmp/err"); then
	ok "unsigned image with --insecure-options=image on prepare"
	[ -d "$pods/prepared/$uuid" ] || fail "unsigned image: no prepared/$uuid"
else
	fail "unsigned image with --insecure-options=image: $(cat "$tmp/err")"
fi

# ---- a full preparation from the .aci path
mkdir -p "$tmp/host-data"
echo hi >"$tmp/host-file"
cat >"$tmp/envfile" <<'E'
# comment
FROM_FILE=file
OVER=file
E
OVER=host HOSTVAR=inherited c prepare --uuid-file-save="$tmp/uuid" \
	--volume "data,kind=host,source=$tmp/host-data,readOnly=true" \
	--volume "conf,kind=host,source=$tmp/host-file" \
	--volume "unused,kind=host,source=/tmp" \
	--volume scratch,kind=empty,mode=0700,uid=1000,gid=100 \
	--set-env-file="$tmp/envfile" --set-env OVER=set --inherit-env \
	--hostname=web-1 --memory=256Mi --cpu=1500m \
	"$IMG_ACI" --user=user --group=users --working-dir=/home/user \
	--mount volume=conf,target=/etc/app.conf \
	--mount volume=scratch,target=/scratch \
	--caps-remove=CAP_NET_RAW,CAP_MKNOD \
	--seccomp mode=remove,errno=EPERM,reboot,swapon \
	--exec /bin/guest-helper -- echo one two \
	>"$tmp/prepare.out" 2>"$tmp/prepare.err"
expect_status "prepare with every kind of flag" 0 "$?" "$tmp/prepare.err"
uuid=$(cat "$tmp/prepare.out")
if [[ "$uuid" =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]]; then
	ok "prints a version 4 UUID ($uuid)"
else
	fail "printed '$uuid', not a UUID"
fi
[ "$(cat "$tmp/uuid")" = "$uuid" ] && ok "--uuid-file-save has the UUID" ||
	fail "--uuid-file-save has '$(cat "$tmp/uuid")'"
P=$pods/prepared/$uuid
if [ -d "$P" ]; then
	ok "the pod is in prepared/"
else
	fail "no $P"
	finish
fi
if flock -n "$P" true; then
	ok "the prepared pod is not locked"
else
	fail "the prepared pod is still locked"
fi
for f in pod runtime.json stage0.json; do
	jq -e . "$P/$f" >/dev/null 2>&1 && ok "$f is JSON" || fail "$f is not JSON"
done

id=$(c image list --no-legend --full 2>/dev/null | awk '$2 ~ /pod-busybox/ {print $1; exit}')
# the appc pod manifest
jqf "manifest: acKind" "$P/pod" .acKind PodManifest
jqf "manifest: app name from the image name" "$P/pod" '.apps[0].name' pod-busybox
jqf "manifest: image name" "$P/pod" '.apps[0].image.name' example.com/pod-busybox
jqf "manifest: image id is the store's" "$P/pod" '.apps[0].image.id' "$id"
jqf "manifest: image labels" "$P/pod" \
	'[.apps[0].image.labels[] | select(.name=="version") | .value][0]' 1.0
jqf "manifest: exec is --exec plus the arguments" "$P/pod" \
	'.apps[0].app.exec | join(" ")' "/bin/guest-helper echo one two"
jqf "manifest: user" "$P/pod" '.apps[0].app.user' user
jqf "manifest: mounts" "$P/pod" '[.apps[0].mounts[] | .volume + ":" + .path] | join(" ")' \
	"conf:/etc/app.conf scratch:/scratch data:/data"
jqf "manifest: volumes" "$P/pod" '[.volumes[] | .name + "=" + .kind] | join(" ")' \
	"data=host conf=host unused=host scratch=empty"
jqf "manifest: empty volume mode" "$P/pod" '.volumes[3].mode' 0700
jqf "manifest: caps isolator" "$P/pod" \
	'[.apps[0].app.isolators[] | select(.name=="os/linux/capabilities-remove-set") | .value.set | join(",")][0]' \
	"CAP_NET_RAW,CAP_MKNOD"
jqf "manifest: ports" "$P/pod" '.ports | length' 0
# the runtime object
R=$P/runtime.json
jqf "runtime: hostname" "$R" .hostname web-1
jqf "runtime: share" "$R" .share pod
jqf "runtime: rootfs" "$R" '.apps[0].rootfs' apps/pod-busybox/rootfs
jqf "runtime: exec" "$R" '.apps[0].exec | join(" ")' "/bin/guest-helper echo one two"
jqf "runtime: user, group, working dir" "$R" \
	'.apps[0].user + " " + .apps[0].group + " " + .apps[0].working_dir' \
	"user users /home/user"
jqf "runtime: env: --set-env wins over the file and the host" "$R" \
	'[.apps[0].env[] | select(.[0]=="OVER") | .[1]][0]' set
jqf "runtime: env: from the file" "$R" \
	'[.apps[0].env[] | select(.[0]=="FROM_FILE") | .[1]][0]' file
jqf "runtime: env: inherited" "$R" \
	'[.apps[0].env[] | select(.[0]=="HOSTVAR") | .[1]][0]' inherited
jqf "runtime: env: the image's PATH wins over the host's" "$R" \
	'[.apps[0].env[] | select(.[0]=="PATH") | .[1]][0]' /bin
jqf "runtime: env: the image's" "$R" \
	'[.apps[0].env[] | select(.[0]=="FROM_IMAGE") | .[1]][0]' image
jqf "runtime: env: AC_APP_NAME" "$R" \
	'[.apps[0].env[] | select(.[0]=="AC_APP_NAME") | .[1]][0]' pod-busybox
jqf "runtime: capabilities: default minus removed" "$R" \
	'.apps[0].capabilities | length' 12
jqf "runtime: no CAP_NET_RAW" "$R" '.apps[0].capabilities | index("CAP_NET_RAW")' null
jqf "runtime: seccomp" "$R" \
	'.apps[0].seccomp.mode + " " + (.apps[0].seccomp.syscalls | join(",")) + " " + .apps[0].seccomp.errno' \
	"remove reboot,swapon EPERM"
jqf "runtime: mounts" "$R" \
	'[.apps[0].mounts[] | .target + "=" + .kind + ":" + (.source // .volume) + ":" + (.readonly|tostring)] | join(" ")' \
	"/etc/app.conf=host:volumes/conf:false /scratch=empty:scratch:false /data=host:volumes/data:true"
jqf "runtime: empty volume owner and mode" "$R" \
	'[.apps[0].mounts[1] | .mode, .uid, .gid] | map(tostring) | join(" ")' "448 1000 100"
jqf "runtime: not interactive" "$R" '.apps[0].tty' false
# stage0.json
jqf "stage0: memory" "$P/stage0.json" .memory_mib 256
jqf "stage0: cpus rounded up" "$P/stage0.json" .cpus 2
jqf "stage0: net" "$P/stage0.json" .net.spec default
jqf "stage0: overlay" "$P/stage0.json" .overlay true
jqf "stage0: stop timeout" "$P/stage0.json" .stop_timeout_ms 10000
jqf "stage0: app tree is the image's" "$P/stage0.json" '.apps[0].tree' "$id"
jqf "stage0: mounted host volumes only" "$P/stage0.json" \
	'[.volumes[] | .name + "=" + .source + ":" + (.readonly|tostring)] | join(" ")' \
	"conf=$tmp/host-file:false data=$tmp/host-data:true"
jqf "stage0: created is RFC 3339" "$P/stage0.json" \
	'.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\\.[0-9]+)?Z$")' true
# directories
for d in overlay/pod-busybox/upper overlay/pod-busybox/work \
	stage1/shared/apps/pod-busybox/rootfs stage1/shared/volumes/data; do
	[ -d "$P/$d" ] && ok "directory $d" || fail "no directory $d"
done
[ -f "$P/stage1/shared/volumes/conf" ] && ok "file mount point for a file volume" ||
	fail "no file mount point volumes/conf"
[ -e "$P/stage1/shared/volumes/unused" ] && fail "an unmounted volume got a mount point" ||
	ok "an unmounted host volume gets no mount point"
[ -z "$(ls -A "$P/stage1/shared/apps/pod-busybox/rootfs")" ] &&
	ok "rootfs mount point is empty (overlay mounted at run)" ||
	fail "rootfs mount point is not empty"
[ "$(stat -c %a "$P/overlay/pod-busybox/upper")" = 755 ] &&
	ok "upper dir has the image root's mode" ||
	fail "upper dir mode $(stat -c %a "$P/overlay/pod-busybox/upper")"

# ---- by name from the store, --pull-policy=never, two apps, ---, --no-overlay
uuid2=$(c prepare --pull-policy=never --no-overlay "$IMG" -- a --- "$IMG" \
	--name=second --readonly-rootfs 2>"$tmp/err")
expect_status "two apps by name, --pull-policy=never, --no-overlay" 0 "$?" "$tmp/err"
P2=$pods/prepared/$uuid2
jqf "two apps: names" "$P2/runtime.json" '[.apps[].name] | join(" ")' "pod-busybox second"
jqf "two apps: args end at ---" "$P2/runtime.json" '.apps[0].exec | length' 4
jqf "two apps: the second has the image's exec" "$P2/runtime.json" \
	'.apps[1].exec | join(" ")' "/bin/sh -c echo hello from the pod"
jqf "two apps: per-app --readonly-rootfs" "$P2/runtime.json" \
	'[.apps[].readonly_rootfs | tostring] | join(" ")' "false true"
jqf "/proc masked by default" "$P2/runtime.json" \
	'[.apps[].insecure_paths | tostring] | join(" ")' "false false"
uuid3=$(c prepare --pull-policy=never --insecure-options=paths "$IMG" 2>"$tmp/err")
expect_status "--insecure-options=paths" 0 "$?" "$tmp/err"
jqf "--insecure-options=paths: /proc unmasked" \
	"$pods/prepared/$uuid3/runtime.json" '.apps[0].insecure_paths' true
jqf "two apps: the image's mountPoint gets an empty volume" "$P2/pod" \
	'[.volumes[] | .name + "=" + .kind] | join(" ")' "data=empty"
jqf "two apps: memory 128 MiB each" "$P2/stage0.json" .memory_mib 256
jqf "--no-overlay in stage0.json" "$P2/stage0.json" .overlay false
jqf "default hostname" "$P2/runtime.json" .hostname "pod-${uuid2:0:8}"
tree=$S/data/cas/trees/$id/rootfs
for app in pod-busybox second; do
	copy=$P2/stage1/shared/apps/$app/rootfs
	if diff -r --no-dereference "$tree" "$copy" >"$tmp/diff" 2>&1; then
		ok "--no-overlay: $app's rootfs is a copy of the tree"
	else
		fail "--no-overlay: $app's copy differs: $(head -3 "$tmp/diff")"
	fi
	owners=$(cd "$copy" && find . -printf '%p %U:%G %m %y\n' | sort)
	[ "$owners" = "$(cd "$tree" && find . -printf '%p %U:%G %m %y\n' | sort)" ] &&
		ok "--no-overlay: $app's owners, modes and types are kept" ||
		fail "--no-overlay: $app's owners or modes differ"
done
[ -e "$P2/overlay/pod-busybox" ] && fail "--no-overlay made an overlay dir" ||
	ok "--no-overlay makes no overlay dirs"

# ---- --no-overlay keeps hard links, set-id bits, device nodes, FIFOs, xattrs
odd=$tmp/odd
mkdir -p "$odd/rootfs/bin" "$odd/rootfs/dev"
cp "$pod_fixtures/../guest-helper" "$odd/rootfs/bin/app" 2>/dev/null || cp /bin/true "$odd/rootfs/bin/app"
ln "$odd/rootfs/bin/app" "$odd/rootfs/bin/app-link"
echo secret >"$odd/rootfs/bin/suid"
chown 1000:100 "$odd/rootfs/bin/suid"
chmod 4755 "$odd/rootfs/bin/suid" # after chown, which clears it
mknod "$odd/rootfs/dev/null" c 1 3
mkfifo "$odd/rootfs/dev/fifo"
xattrs=no
# xattr: python, since the attr tools may be missing
getx() { python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.cocoon").decode())' "$1" 2>/dev/null; }
python3 -c 'import os,sys; os.setxattr(sys.argv[1], "trusted.cocoon", b"kept")' \
	"$odd/rootfs/bin/app" 2>/dev/null && xattrs=yes
cat >"$odd/manifest" <<'JSON'
{"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "example.com/odd",
 "app": {"exec": ["/bin/app"], "user": "0", "group": "0"}}
JSON
tar --format=posix --xattrs --xattrs-include='*' --numeric-owner -C "$odd" -cf "$tmp/odd.aci" manifest rootfs
if uuid3=$(c prepare --insecure-options=image --no-overlay "$tmp/odd.aci" 2>"$tmp/err"); then
	ok "--no-overlay prepare of an image with links, devices, set-id files"
	oid=$(jq -r '.apps[0].image' "$pods/prepared/$uuid3/stage0.json")
	otree=$S/data/cas/trees/$oid/rootfs
	ocopy=$pods/prepared/$uuid3/stage1/shared/apps/odd/rootfs
	listing() { (cd "$1" && find . -printf '%p %U:%G %m %y %n %s\n' | sort); }
	if [ "$(listing "$otree")" = "$(listing "$ocopy")" ]; then
		ok "--no-overlay copy: same names, owners, modes, types, link counts, sizes"
	else
		fail "--no-overlay copy differs:"
		diff <(listing "$otree") <(listing "$ocopy") | sed 's/^/    | /'
	fi
	[ "$(stat -c %i "$ocopy/bin/app")" = "$(stat -c %i "$ocopy/bin/app-link")" ] &&
		ok "--no-overlay copy: hard links stay linked" ||
		fail "--no-overlay copy: bin/app-link is not a link of bin/app"
	[ "$(stat -c '%a %U' "$ocopy/bin/suid")" = "4755 $(id -un 1000 2>/dev/null || echo 1000)" ] &&
		ok "--no-overlay copy: set-uid bit kept after chown" ||
		fail "--no-overlay copy: bin/suid is $(stat -c '%a %U' "$ocopy/bin/suid")"
	[ -c "$ocopy/dev/null" ] && [ "$(stat -c '%t:%T' "$ocopy/dev/null")" = "1:3" ] &&
		ok "--no-overlay copy: device node" || fail "--no-overlay copy: no char device 1:3"
	[ -p "$ocopy/dev/fifo" ] && ok "--no-overlay copy: FIFO" || fail "--no-overlay copy: no FIFO"
	if [ "$xattrs" = yes ] && [ "$(getx "$otree/bin/app")" = kept ]; then
		[ "$(getx "$ocopy/bin/app")" = kept ] &&
			ok "--no-overlay copy: xattrs" || fail "--no-overlay copy: xattr trusted.cocoon lost"
	else
		echo "note: no xattrs in the image tree on this file system; xattr copy not checked"
	fi
else
	fail "--no-overlay prepare of the odd image: $(cat "$tmp/err")"
fi

# ---- flags: each a usage error naming the flag (status 2), nothing left
bad "unknown flag" 2 "unknown flag --frobnicate" --frobnicate "$IMG"
bad "missing value" 2 "--hostname needs a value" "$IMG" --hostname
bad "no image" 2 "no image given" --net=none
bad "--exec before the image" 2 "--exec must follow the image" --exec /bin/sh "$IMG"
bad "relative --exec" 2 "--exec=sh: \"sh\" must be an absolute path" "$IMG" --exec sh
bad "--stage1=other" 2 "cocoon has one stage1, kvm" --stage1=coreos "$IMG"
bad "--net=host" 2 "--net=host: a pod is a virtual machine and cannot share the host's network; use --net=default or --net=none" \
	--net=host "$IMG"
bad "--net=a,a" 2 "--net=a,a: network a is named twice" --net=a,a "$IMG"
bad "--port without a network" 1 "--port needs a network" \
	--net=none --port=http:8080 "$IMG"
bad "--interactive with two apps" 2 "--interactive: only one app" --interactive "$IMG" "$IMG"
bad "two apps with one name" 2 "two apps are named \"x\"" "$IMG" --name=x "$IMG" --name=x
bad "--pull-policy=maybe" 2 "--pull-policy=maybe: \"maybe\": want new, update or never" \
	--pull-policy=maybe "$IMG"
bad "--memory=lots" 2 "--memory=lots: memory \"lots\": not a quantity" --memory=lots "$IMG"
bad "--memory too small" 1 "--memory: 16 MiB is too little" --memory=16Mi "$IMG"
bad "--cpu=abc" 2 "--cpu=abc" "$IMG" --cpu=abc
bad "--caps-retain unknown" 2 "unknown capability \"CAP_FLY\"" "$IMG" --caps-retain=CAP_FLY
bad "--seccomp without mode" 2 "--seccomp=read: missing mode=retain or mode=remove" "$IMG" --seccomp=read
bad "--seccomp unknown syscall" 2 "unknown syscall \"nosuchcall\"" "$IMG" --seccomp=mode=retain,nosuchcall
bad "--set-env without =" 2 "--set-env=FOO: \"FOO\": want NAME=VALUE" --set-env=FOO "$IMG"
bad "--set-env-file missing" 2 "open $tmp/nofile" --set-env-file="$tmp/nofile" "$IMG"
printf 'GOOD=1\nnot a pair\n' >"$tmp/badenv"
bad "--set-env-file bad line" 2 "badenv:2: \"not a pair\": want NAME=VALUE" --set-env-file="$tmp/badenv" "$IMG"
bad "-- before an image" 2 "\"--\" must follow an image" -- "$IMG"
# volumes and mounts
bad "volume without source" 2 "--volume=data,kind=host: a host volume needs source=PATH" \
	--volume=data,kind=host "$IMG"
bad "volume with a relative source" 2 "source \"rel/dir\" must be an absolute path" \
	--volume=data,kind=host,source=rel/dir "$IMG"
bad "volume source missing" 2 "source $tmp/nope: No such file or directory" \
	--volume="data,kind=host,source=$tmp/nope" "$IMG"
bad "volume of unknown kind" 2 "unknown kind \"nfs\" \(want host or empty\)" --volume=data,kind=nfs "$IMG"
bad "volume without kind" 2 "kind= is missing" --volume=data "$IMG"
bad "volume with a bad name" 2 "volume name \"Data\" is not an AC name" --volume=Data,kind=empty "$IMG"
bad "empty volume with a bad mode" 2 "mode=9: want an octal mode" --volume=d,kind=empty,mode=9 "$IMG"
bad "volume given twice" 2 "volume \"d\" is given twice" \
	--volume=d,kind=empty --volume=d,kind=empty "$IMG"
bad "mount of an unknown volume" 2 "--mount volume=nope,target=/x: no --volume nope was given" \
	"$IMG" --mount volume=nope,target=/x
bad "mount with a relative target" 2 "target \"x\" must be an absolute path" \
	--volume=d,kind=empty "$IMG" --mount volume=d,target=x
# images
bad "missing image file" 1 "image $tmp/none.aci: No such file or directory" "$tmp/none.aci"
bad "invalid image name" 1 "image Bad:Name: \"Bad:Name\" is not a valid image name" Bad:Name
bad "unknown image ID" 1 "sha512-0000.*(not in the store|no image)" --pull-policy=never sha512-0000
[ -z "$(ls -A "$pods/garbage")" ] && ok "failed preparations were removed from garbage/" ||
	fail "garbage/ has $(ls "$pods/garbage")"
finish
