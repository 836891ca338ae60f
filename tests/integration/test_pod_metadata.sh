#!/bin/bash
# The appc metadata service (docs/metadata.md), end to end: an app in a
# --net=none pod reads every endpoint over HTTP with busybox nc and the
# answers are compared with what the host knows (the pod's UUID, `cocoon
# cat-manifest`, `cocoon image cat-manifest`, the image ID); sign then
# verify succeeds; a tampered content, another pod's UUID and a forged
# signature fail verification; wrong methods, bad names and garbage get
# their status codes; a slow client gets 408; a flood of idle
# connections does not keep an app from an answer. A second pod, with a
# CNI network this time, verifies the first pod's signature under the
# first pod's UUID (the key is the host's) and not under its own, and
# its own signature of the same content differs.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/podlib.sh
. "$(dirname "$0")/podlib.sh"

pod_vm_setup

out=$tmp/out
mkdir -p "$out"
forged=$(head -c 64 /dev/zero | base64 -w0)

# The app's side: raw responses land in the host volume, one file each.
# shellcheck disable=SC2016 # expanded by the guest's shell
common='
A=169.254.169.255 P=18112 M=/acMetadata/v1 O=/data
req() { nc -w 20 $A $P >"$O/$1"; }
get() { printf "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" "$2" "$A" | req "$1"; }
post() {
	printf "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s" \
		"$2" "${#3}" "$3" | req "$1"
}
body() { sed "1,/^\r*$/d" "$O/$1"; }
enc() { sed "s/+/%2B/g; s|/|%2F|g; s/=/%3D/g"; }
'
cat >"$out/pod1.sh" <<EOF
$common
forged=$forged
EOF
# shellcheck disable=SC2016 # expanded by the guest's shell
cat >>"$out/pod1.sh" <<'EOF'
echo "$AC_METADATA_URL" >$O/url
# A client that never finishes its request gets 408 after the 10 s
# timeout; the other checks run meanwhile. The server looks at its
# deadlines once a second, so the 408 comes 10 to 11 s after accept: the
# client stays 15 s (with 11, a busy guest let it leave first: no 408).
(printf "GET $M/pod/uuid HTTP/1.1\r\n"; sleep 15) | nc -w 20 $A $P >$O/slow &
slow=$!
get uuid $M/pod/uuid
get manifest $M/pod/manifest
printf "HEAD $M/pod/uuid HTTP/1.1\r\n\r\n" | req head_uuid
get pod_annotations $M/pod/annotations
get pod_annotation_missing $M/pod/annotations/no-such
get app_annotations $M/apps/$AC_APP_NAME/annotations
get image_manifest $M/apps/$AC_APP_NAME/image/manifest
get image_id $M/apps/$AC_APP_NAME/image/id
get unknown_app $M/apps/no-such-app/image/id
get bad_app $M/apps/Bad_Name/image/id
get unknown_path $M/pod/nothing
get sign_by_get $M/pod/hmac/sign
post uuid_by_post $M/pod/uuid "x=1"
uuid=$(body uuid)
post sign $M/pod/hmac/sign "content=hello+metadata"
sig=$(body sign)
printf %s "$sig" >$O/sig
sige=$(printf %s "$sig" | enc)
post verify_ok $M/pod/hmac/verify "content=hello+metadata&uuid=$uuid&signature=$sige"
post verify_tampered $M/pod/hmac/verify "content=hello+metadatA&uuid=$uuid&signature=$sige"
post verify_other_uuid $M/pod/hmac/verify "content=hello+metadata&uuid=00000000-0000-4000-8000-000000000000&signature=$sige"
post verify_forged $M/pod/hmac/verify "content=hello+metadata&uuid=$uuid&signature=$(printf %s "$forged" | enc)"
post verify_not_base64 $M/pod/hmac/verify "content=hello+metadata&uuid=$uuid&signature=@@@@"
post sign_empty $M/pod/hmac/sign "content="
# Garbage, oversized heads and bodies, binary noise.
printf "garbage\r\n\r\n" | req garbage
(printf "GET / HTTP/1.1\r\nX: "; head -c 20000 /dev/zero | tr "\000" a; printf "\r\n\r\n") | req huge_head
printf "POST $M/pod/hmac/sign HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n" | req huge_body
printf "GET $M/pod/uuid HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" | req chunked
head -c 65536 /dev/urandom | req noise
wait $slow
# A flood of idle connections, then a request: still answered.
for i in $(seq 1 40); do sleep 3 | nc -w 20 $A $P >/dev/null 2>&1 & done
sleep 1
get after_flood $M/pod/uuid
echo done >$O/done
EOF

cat >"$out/pod2.sh" <<EOF
$common
EOF
# shellcheck disable=SC2016 # expanded by the guest's shell
cat >>"$out/pod2.sh" <<'EOF'
uuid1=$(cat $O/uuid1) sige=$(enc <$O/sig)
get uuid2 $M/pod/uuid
uuid2=$(body uuid2)
post verify_pod1 $M/pod/hmac/verify "content=hello+metadata&uuid=$uuid1&signature=$sige"
post verify_as_pod2 $M/pod/hmac/verify "content=hello+metadata&uuid=$uuid2&signature=$sige"
post sign2 $M/pod/hmac/sign "content=hello+metadata"
echo done >$O/done2
EOF

status_of() { head -1 "$out/$1" 2>/dev/null | tr -d '\r'; }
body_of() { sed '1,/^\r*$/d' "$out/$1"; }
expect_http() { # WHAT FILE STATUS-LINE-PREFIX
	local got
	got=$(status_of "$2")
	case "$got" in
	"$3"*) ok "$1 ($got)" ;;
	*) fail "$1: status line '$got', expected '$3'" ;;
	esac
}
json_equal() { # FILE-A FILE-B
	python3 -c 'import json,sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
sys.exit(0 if a == b else 1)' "$1" "$2" 2>/dev/null
}

# ---- pod 1: no network at all
start=$(date +%s)
run_pod pod1 --net=none --uuid-file-save="$tmp/pod1.uuid" \
	--volume data,kind=host,source="$out" \
	"$IMG" --exec /bin/sh -- /data/pod1.sh
echo "    (pod 1 took $(($(date +%s) - start)) s)"
expect_status "pod 1 ran its script" 0 "$st" "$tmp/pod1.err"
[ -f "$out/done" ] || fail "pod 1 did not finish its script"
uuid1=$(cat "$tmp/pod1.uuid")

if [ "$(cat "$out/url" 2>/dev/null)" = "http://169.254.169.255:18112" ]; then
	ok "AC_METADATA_URL is set (--net=none)"
else
	fail "AC_METADATA_URL is '$(cat "$out/url" 2>/dev/null)'"
fi
expect_http "pod/uuid" uuid "HTTP/1.1 200 OK"
if [ "$(body_of uuid)" = "$uuid1" ]; then
	ok "pod/uuid is the pod's UUID"
else
	fail "pod/uuid is '$(body_of uuid)', the pod is $uuid1"
fi
if grep -q $'^Content-Type: text/plain; charset=us-ascii\r$' "$out/uuid"; then
	ok "pod/uuid is text/plain; charset=us-ascii"
else
	fail "pod/uuid content type: $(grep -i content-type "$out/uuid")"
fi
expect_http "HEAD pod/uuid" head_uuid "HTTP/1.1 200 OK"
if [ -z "$(body_of head_uuid)" ] &&
	grep -q $'^Content-Length: 36\r$' "$out/head_uuid"; then
	ok "HEAD: the GET's headers, no body"
else
	fail "HEAD answer: $(cat -A "$out/head_uuid" | head -8)"
fi
expect_http "pod/manifest" manifest "HTTP/1.1 200 OK"
body_of manifest >"$tmp/manifest.guest"
c cat-manifest "$uuid1" >"$tmp/manifest.host" 2>"$tmp/cat.err"
if json_equal "$tmp/manifest.guest" "$tmp/manifest.host"; then
	ok "pod/manifest equals cocoon cat-manifest"
else
	fail "pod/manifest differs from cocoon cat-manifest"
	diff <(python3 -m json.tool "$tmp/manifest.guest" 2>&1) \
		<(python3 -m json.tool "$tmp/manifest.host" 2>&1) | head -20
fi
expect_http "pod/annotations" pod_annotations "HTTP/1.1 200 OK"
body_of pod_annotations >"$tmp/pa.guest"
python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1])).get("annotations", [])))' \
	"$tmp/manifest.host" >"$tmp/pa.host"
json_equal "$tmp/pa.guest" "$tmp/pa.host" &&
	ok "pod/annotations are the manifest's" ||
	fail "pod/annotations: $(cat "$tmp/pa.guest") vs $(cat "$tmp/pa.host")"
expect_http "a missing pod annotation is 404" pod_annotation_missing \
	"HTTP/1.1 404"
expect_http "apps/NAME/annotations" app_annotations "HTTP/1.1 200 OK"
body_of app_annotations >"$tmp/aa.guest"
echo '[]' >"$tmp/aa.host"
json_equal "$tmp/aa.guest" "$tmp/aa.host" &&
	ok "apps/NAME/annotations: none in image or pod" ||
	fail "apps/NAME/annotations: $(cat "$tmp/aa.guest")"
expect_http "apps/NAME/image/manifest" image_manifest "HTTP/1.1 200 OK"
body_of image_manifest >"$tmp/im.guest"
c image cat-manifest "$IMG" >"$tmp/im.host" 2>"$tmp/imcat.err"
if json_equal "$tmp/im.guest" "$tmp/im.host"; then
	ok "apps/NAME/image/manifest equals cocoon image cat-manifest"
else
	fail "apps/NAME/image/manifest differs: $(head -c 300 "$tmp/im.guest")"
fi
expect_http "apps/NAME/image/id" image_id "HTTP/1.1 200 OK"
id_host=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["apps"][0]["image"]["id"])' \
	"$tmp/manifest.host" 2>/dev/null)
if [ -n "$id_host" ] && [ "$(body_of image_id)" = "$id_host" ]; then
	ok "apps/NAME/image/id is the image's ID"
else
	fail "apps/NAME/image/id '$(body_of image_id)', host says '$id_host'"
fi
expect_http "an unknown app is 404" unknown_app "HTTP/1.1 404"
expect_http "an app name that is no AC name is 400" bad_app "HTTP/1.1 400"
expect_http "an unknown path is 404" unknown_path "HTTP/1.1 404"
expect_http "GET on hmac/sign is 405" sign_by_get "HTTP/1.1 405"
grep -q $'^Allow: POST\r$' "$out/sign_by_get" &&
	ok "405 says Allow: POST" || fail "405 without Allow: POST"
expect_http "POST on pod/uuid is 405" uuid_by_post "HTTP/1.1 405"

expect_http "sign" sign "HTTP/1.1 200 OK"
sig=$(cat "$out/sig" 2>/dev/null)
if [ "$(printf %s "$sig" | base64 -d 2>/dev/null | wc -c)" = 64 ]; then
	ok "the signature is base64 of 64 bytes (HMAC-SHA512)"
else
	fail "the signature is '$sig'"
fi
expect_http "verify of the pod's own signature succeeds" verify_ok \
	"HTTP/1.1 200 OK"
expect_http "verify of a tampered content fails" verify_tampered \
	"HTTP/1.1 403"
expect_http "verify under another pod's UUID fails" verify_other_uuid \
	"HTTP/1.1 403"
expect_http "verify of a forged signature fails" verify_forged "HTTP/1.1 403"
expect_http "a signature that is not base64 is 400" verify_not_base64 \
	"HTTP/1.1 400"
expect_http "sign without content is 400" sign_empty "HTTP/1.1 400"

expect_http "garbage is 400" garbage "HTTP/1.1 400"
expect_http "a 20 kB header is 431" huge_head "HTTP/1.1 431"
expect_http "a body over the bound is 413" huge_body "HTTP/1.1 413"
expect_http "chunked is 501" chunked "HTTP/1.1 501"
expect_http "binary noise is a 4xx" noise "HTTP/1.1 4"
expect_http "after garbage, a slow client and 40 idle connections, a request is answered" \
	after_flood "HTTP/1.1 200 OK"
expect_http "a request that never ends gets 408" slow "HTTP/1.1 408"

key=$S/data/metadata/hmac.key
if [ "$(stat -c '%s %a' "$key" 2>/dev/null)" = "64 600" ]; then
	ok "the key is <dir>/metadata/hmac.key, 64 bytes, mode 0600"
else
	fail "the key file: $(stat -c '%s %a' "$key" 2>&1)"
fi

# ---- pod 2: a CNI network; the first pod's signature
printf %s "$uuid1" >"$out/uuid1"
start=$(date +%s)
run_pod pod2 --net=default --uuid-file-save="$tmp/pod2.uuid" \
	--volume data,kind=host,source="$out" \
	"$IMG" --exec /bin/sh -- /data/pod2.sh
echo "    (pod 2 took $(($(date +%s) - start)) s)"
expect_status "pod 2 ran its script" 0 "$st" "$tmp/pod2.err"
[ -f "$out/done2" ] || fail "pod 2 did not finish its script"
if [ "$(body_of uuid2)" = "$(cat "$tmp/pod2.uuid")" ] &&
	[ "$(body_of uuid2)" != "$uuid1" ]; then
	ok "pod 2's pod/uuid is its own (--net=default)"
else
	fail "pod 2's pod/uuid is '$(body_of uuid2)'"
fi
expect_http "pod 2 verifies pod 1's signature under pod 1's UUID" \
	verify_pod1 "HTTP/1.1 200 OK"
expect_http "pod 2 cannot pass pod 1's signature off as its own" \
	verify_as_pod2 "HTTP/1.1 403"
expect_http "pod 2 signs" sign2 "HTTP/1.1 200 OK"
if [ -n "$(body_of sign2)" ] && [ "$(body_of sign2)" != "$sig" ]; then
	ok "pod 2's signature of the same content differs from pod 1's"
else
	fail "pod 2's signature '$(body_of sign2)' vs pod 1's '$sig'"
fi
finish
