#!/bin/bash
# The audit log (docs/audit.md) through the CLI: `cocoon prepare` and
# `cocoon gc` record entries (images, the verifying key or "insecure", the
# manifest digest), `cocoon audit verify` finds each kind of tampering made
# with sed (edit, deletion in the middle, deletion of the last entries,
# reorder, garbage, a lost head), prepare refuses to run unrecorded, and
# parallel prepares keep the chain whole. Needs no VM.
# cocoon-test: no-vm
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=podlib.sh
. "$(dirname "$0")/podlib.sh"

command -v jq >/dev/null || {
	echo "skip: jq is needed to read the audit log"
	exit 77
}
[ "$(id -u)" = 0 ] || {
	echo "skip: prepare gives the overlay's upper dir the image's owner: needs root"
	exit 77
}
pod_setup
A=$S/data/audit
L=$A/log.jsonl

# verify_ok WHAT ENTRIES: `audit verify` passes with that many entries.
verify_ok() {
	local out
	out=$(c audit verify 2>"$tmp/verify.err")
	expect_status "$1: audit verify exits 0" 0 "$?" "$tmp/verify.err"
	if [ "$out" = "$2 entries, chain intact" ] || [ "$out" = "$2 entry, chain intact" ]; then
		ok "$1: $out"
	else
		fail "$1: audit verify printed '$out', expected $2 entries"
	fi
}
# verify_bad WHAT PATTERN: `audit verify` exits 1 and names the problem.
verify_bad() {
	c audit verify >"$tmp/verify.out" 2>"$tmp/verify.err"
	expect_status "$1: audit verify exits 1" 1 "$?" "$tmp/verify.err"
	expect_grep "$1: names the problem" "$2" "$tmp/verify.err"
}
# tamper WHAT PATTERN SED-SCRIPT: applies the script to a copy of the log,
# checks verify catches it, and puts the original back.
tamper() {
	cp -p "$L" "$tmp/log.orig"
	sed -i "$3" "$L"
	if cmp -s "$L" "$tmp/log.orig"; then
		fail "$1: sed '$3' changed nothing (test bug)"
	else
		verify_bad "$1" "$2"
	fi
	cp -p "$tmp/log.orig" "$L"
}

# ---- nothing logged yet
verify_ok "no log yet" 0
out=$(c audit list --no-legend)
[ -z "$out" ] && ok "audit list of an empty log prints nothing" || fail "audit list printed '$out'"

# ---- prepare records the pod, its image and the verifying key
fpr=$(gpg --show-keys --with-colons "$pod_fixtures/keys/good.asc" 2>/dev/null |
	awk -F: '$1 == "fpr" {print $10; exit}')
uuid1=$(c prepare "$IMG_ACI" 2>"$tmp/err")
expect_status "prepare a signed image" 0 "$?" "$tmp/err"
# another image (same bytes would be the same, verified, image)
mkdir -p "$tmp/other/rootfs/bin"
cp "$pod_fixtures/../guest-helper" "$tmp/other/rootfs/bin/app"
cat >"$tmp/other/manifest" <<'JSON'
{"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "example.com/unsigned",
 "app": {"exec": ["/bin/app"], "user": "0", "group": "0"}}
JSON
tar --numeric-owner -C "$tmp/other" -cf "$tmp/unsigned.aci" manifest rootfs
uuid2=$(c prepare --insecure-options=image "$tmp/unsigned.aci" 2>"$tmp/err")
expect_status "prepare an unsigned image insecurely" 0 "$?" "$tmp/err"
c prepare --insecure-options=image "$tmp/none.aci" >/dev/null 2>&1 &&
	fail "prepare of a missing image succeeded"
verify_ok "after two prepares" 2
c audit list --format=json >"$tmp/list.json"
jq -e . "$tmp/list.json" >/dev/null && ok "audit list --format=json is JSON" ||
	fail "audit list --format=json: $(head -c 300 "$tmp/list.json")"
e1() { jq -r ".[0]$1" "$tmp/list.json"; }
e2() { jq -r ".[1]$1" "$tmp/list.json"; }
[ "$(e1 .event)/$(e1 .pod)/$(e1 .seq)" = "pod-prepared/$uuid1/1" ] &&
	ok "entry 1: pod-prepared, pod $uuid1" || fail "entry 1 is $(jq -c '.[0]' "$tmp/list.json")"
id=$(c image list --no-legend --full | awk '$2 ~ /pod-busybox/ {print $1; exit}')
[ "$(e1 '.apps[0].image_id')" = "$id" ] && ok "entry 1: the image ID" ||
	fail "entry 1: image_id $(e1 '.apps[0].image_id'), expected $id"
[ "$(e1 '.apps[0].image_name') $(e1 '.apps[0].app') $(e2 '.apps[0].app')" = "example.com/pod-busybox pod-busybox unsigned" ] &&
	ok "entry 1: image and app names" || fail "entry 1: names $(e1 '.apps[0]')"
if [ -n "$fpr" ] && [ "$(e1 '.apps[0].verified_by')" = "$fpr" ]; then
	ok "entry 1: verified by the trusted key $fpr"
else
	fail "entry 1: verified_by '$(e1 '.apps[0].verified_by')', expected '$fpr'"
fi
sum=$(sha512sum "$S/data/pods/prepared/$uuid1/pod" | cut -d' ' -f1)
[ "$(e1 .manifest_sha512)" = "$sum" ] && ok "entry 1: SHA-512 of the pod manifest as written" ||
	fail "entry 1: manifest_sha512 $(e1 .manifest_sha512), the file's is $sum"
[ "$(e2 '.apps[0].verified_by')" = insecure ] && ok "entry 2: an unverified image is 'insecure'" ||
	fail "entry 2: verified_by '$(e2 '.apps[0].verified_by')'"
[ "$(e2 .prev)" = "$(e1 .hash)" ] && ok "entry 2 links to entry 1" || fail "entry 2's prev is not entry 1's hash"
[[ "$(e1 .time)" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z$ ]] &&
	ok "time is RFC 3339 UTC" || fail "time is '$(e1 .time)'"
c audit list >"$tmp/list.txt"
expect_grep "audit list: a table with the key" "^2	.*	pod-prepared	$uuid2	unsigned=sha512-.* key=insecure" "$tmp/list.txt"
[ "$(stat -c %a "$A") $(stat -c %a "$L")" = "700 600" ] && ok "audit dir 0700, log 0600" ||
	fail "modes $(stat -c %a "$A") $(stat -c %a "$L")"

# ---- gc records the removals
c gc --expire-prepared=0s --grace-period=0s >/dev/null 2>"$tmp/err"
expect_status "gc" 0 "$?" "$tmp/err"
verify_ok "after gc" 4
c audit list --format=json >"$tmp/list.json"
[ "$(jq -r '[.[2:][] | .event + ":" + .pod] | sort | join(" ")' "$tmp/list.json")" = \
	"$(printf 'pod-removed:%s\n' "$uuid1" "$uuid2" | sort | tr '\n' ' ' | sed 's/ $//')" ] &&
	ok "gc: one pod-removed entry per pod" || fail "gc entries: $(jq -c '.[2:]' "$tmp/list.json")"
c prepare "$IMG_ACI" >/dev/null 2>"$tmp/err"
expect_status "a third prepare" 0 "$?" "$tmp/err"
verify_ok "five entries" 5

# ---- tampering, each undone afterwards
tamper "an edited pod UUID" "edited: entry 2 \(line 2\) was edited" "2s/\"pod\":\"./\"pod\":\"X/"
tamper "an edited key" "edited: entry 1 " "1s/\"verified_by\":\"[0-9A-F]/\"verified_by\":\"0/"
tamper "an entry deleted in the middle" "missing: entry 3 is missing" "3d"
tamper "two entries deleted" "missing: entries 2 to 3 are missing" "2,3d"
tamper "the last entry deleted" "truncated: .*entries 5 to 5 are gone" '$d'
tamper "the last two entries deleted" "truncated: .*entries 4 to 5 are gone" '4,$d'
tamper "the last entry edited short" "garbage: line 5 is not an audit entry" '$s/,"time".*//'
tamper "two entries swapped" "reordered: entry 2 is out of order" '2{h;d};3{G}'
tamper "an entry repeated" "reordered: entry 3 is out of order: line 3 holds entry 2" '2p'
tamper "the last entry repeated" "reordered: entry 5 \(line 6\) comes again" '$p'
cp -p "$L" "$tmp/log.orig"
truncate -s -40 "$L"
verify_bad "the last entry cut short" "truncated: entry 5 \(line 5\) was cut off"
cp -p "$tmp/log.orig" "$L"
tamper "a garbage line" "garbage: line 3 is not an audit entry" '3i not json'
verify_ok "the original back" 5
cp -p "$A/head" "$tmp/head.orig"
rm "$A/head"
verify_bad "the head record deleted" "truncated: the head record is missing"
cp -p "$tmp/head.orig" "$A/head"

# ---- a cut log is not papered over: prepare refuses, and says why
cp -p "$L" "$tmp/log.orig"
sed -i '$d' "$L"
before=$(find "$S/data/pods" -mindepth 2 -maxdepth 2 | wc -l)
c prepare "$IMG_ACI" >"$tmp/out" 2>"$tmp/err"
expect_status "prepare with a truncated audit log fails" 1 "$?" "$tmp/err"
expect_grep "prepare: the audit log does not match its head" "audit log: .*/audit/log.jsonl does not match its head record" "$tmp/err"
[ ! -s "$tmp/out" ] && ok "no UUID printed" || fail "printed $(cat "$tmp/out")"
after=$(find "$S/data/pods" -mindepth 2 -maxdepth 2 | wc -l)
[ "$before" = "$after" ] && ok "the refused pod was discarded" || fail "pods before $before, after $after"
verify_bad "still reported after the refused prepare" "truncated"
cp -p "$tmp/log.orig" "$L"
verify_ok "the original back again" 5
# ... and a prepared pod does not start (refused before any mount or VM)
u=$(c prepare --pull-policy=never "$IMG" 2>"$tmp/err")
cp -p "$L" "$tmp/log.orig"
sed -i '$d' "$L"
timeout 60 "$cocoon" --dir="$S/data" --local-config="$S/etc" --system-config="$S/vendor" \
	run-prepared "$u" >"$tmp/out" 2>"$tmp/err"
expect_status "run-prepared with a truncated audit log fails" 1 "$?" "$tmp/err"
expect_grep "run-prepared: says why" "run pod $u: audit log: .* does not match its head record" "$tmp/err"
[ -d "$S/data/pods/garbage/$u" ] && [ ! -e "$S/data/pods/run/$u/pid" ] &&
	ok "the pod went to garbage/ without a VMM" || fail "pod $u: $(find "$S/data/pods" -maxdepth 2 -name "$u")"
cp -p "$tmp/log.orig" "$L"
verify_ok "the original back once more" 6

# ---- parallel prepares: every entry lands whole, in one chain
pids=()
for i in 1 2 3 4 5 6; do
	c prepare --pull-policy=never "$IMG" >"$tmp/par$i.out" 2>"$tmp/par$i.err" &
	pids+=($!)
done
par_failed=0
for i in "${!pids[@]}"; do
	wait "${pids[$i]}" || {
		par_failed=1
		fail "parallel prepare $((i + 1)): $(cat "$tmp/par$((i + 1)).err")"
	}
done
[ "$par_failed" = 0 ] && ok "six prepares in parallel"
verify_ok "after parallel prepares" 12
n=$(c audit list --format=json | jq '[.[] | select(.event == "pod-prepared")] | length')
[ "$n" = 10 ] && ok "ten pod-prepared entries" || fail "$n pod-prepared entries"

# ---- a pod whose supervisor died (SIGKILL) after the move to run/: gc
# collects it and records its end
u=$(c prepare --pull-policy=never "$IMG" 2>"$tmp/err")
mv "$S/data/pods/prepared/$u" "$S/data/pods/run/$u"
c gc --grace-period=0s >/dev/null 2>"$tmp/err"
expect_status "gc of a pod left in run/" 0 "$?" "$tmp/err"
c audit list --format=json >"$tmp/list.json"
[ "$(jq -r --arg u "$u" '[.[] | select(.pod == $u) | .event + ":" + (.reason // "")] | join(" ")' "$tmp/list.json")" = \
	"pod-prepared: pod-ended:supervisor gone: collected by gc pod-removed:" ] &&
	ok "gc records the end of a pod whose supervisor died" ||
	fail "entries for $u: $(jq -c --arg u "$u" '[.[] | select(.pod == $u)]' "$tmp/list.json")"
[ "$(jq --arg u "$u" '[.[] | select(.pod == $u and .event == "pod-ended")][0].exit_status' "$tmp/list.json")" = -1 ] &&
	ok "its exit status is unknown (-1)" || fail "exit status not -1"
verify_ok "after gc of a dead supervisor's pod" 16

# ---- --help
c audit verify --help >"$tmp/h" 2>&1 && expect_grep "audit verify --help" "Usage: cocoon audit verify" "$tmp/h" ||
	fail "audit verify --help failed"
c audit list --help >"$tmp/h" 2>&1 && expect_grep "audit list --help" "Usage: cocoon audit list" "$tmp/h" ||
	fail "audit list --help failed"
c audit list --format=yaml >/dev/null 2>"$tmp/err"
expect_status "audit list --format=yaml is a usage error" 2 "$?" "$tmp/err"
c gc --expire-prepared=0s --grace-period=0s >/dev/null 2>&1
finish
