#!/bin/bash
# `cocoon api-service` against a real store and prepared pods: every
# operation over a Unix socket and loopback TCP, answers checked against
# `cocoon list --format=json` and `cocoon image list --format=json`,
# filters, ListenEvents seeing a prepare and an rm, GetLogs on a log file
# in the relay's format, the limits, and the service run as an
# unprivileged user on a data dir it can only read. Needs no VM.
# cocoon-test: no-vm
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=podlib.sh
. "$(dirname "$0")/podlib.sh"

for tool in jq curl setpriv python3; do
	command -v "$tool" >/dev/null || {
		echo "skip: $tool is needed"
		exit 77
	}
done
[ "$(id -u)" = 0 ] || {
	echo "skip: prepare needs root (overlay upper dirs get the image's owner)"
	exit 77
}

svc_pids=()
# shellcheck disable=SC2317 # called by the EXIT trap
api_cleanup() {
	local p
	for p in "${svc_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap api_cleanup EXIT

pod_setup
c fetch "$IMG_ACI" >/dev/null 2>"$tmp/fetch.err" || {
	echo "not ok: fetch the pod image: $(cat "$tmp/fetch.err")"
	exit 1
}
uuid1=$(c prepare --pull-policy=never "$IMG" 2>"$tmp/p1.err") ||
	fail "prepare pod 1: $(cat "$tmp/p1.err")"
uuid2=$(c prepare --pull-policy=never "$IMG" --name other 2>"$tmp/p2.err") ||
	fail "prepare pod 2: $(cat "$tmp/p2.err")"

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=$(free_port)
sock=$tmp/api.sock
# Not through `c`: $! must be the service itself, not a subshell.
"$cocoon" --dir="$S/data" --local-config="$S/etc" --system-config="$S/vendor" \
	api-service --listen="unix:$sock" --listen="127.0.0.1:$port" \
	>"$tmp/svc.out" 2>"$tmp/svc.err" &
svc=$!
svc_pids+=("$svc")
for _ in $(seq 100); do
	[ -S "$sock" ] && break
	sleep 0.1
done
[ -S "$sock" ] || fail "service socket: $(cat "$tmp/svc.err")"

# get PATH [CURL ARGS...]: the body on stdout; the status in $tmp/code
# (read by `code`: get often runs in a command substitution).
get() {
	local path=$1
	shift
	curl -s -o "$tmp/body" -w '%{http_code}' --max-time 10 \
		--unix-socket "$sock" "$@" "http://cocoon$path" >"$tmp/code"
	cat "$tmp/body"
}
code() { cat "$tmp/code"; }
# check WHAT GOT EXPECTED
check() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1: got '$2', expected '$3'"
	fi
}

# ---- GetInfo, over both listeners
info=$(get /v1alpha/info)
check "GetInfo: status" "$(code)" 200
check "GetInfo: api_version" "$(jq -r .info.api_version <<<"$info")" "1.0.0-alpha"
check "GetInfo: dir" "$(jq -r .info.global_flags.dir <<<"$info")" "$S/data"
tcp=$(curl -s --max-time 10 "http://127.0.0.1:$port/v1alpha/info" | jq -r .info.api_version)
check "GetInfo over TCP" "$tcp" "1.0.0-alpha"

# ---- ListPods against cocoon list
c list --format=json >"$tmp/list.json"
want=$(jq -c '[.[] | {name, state, app_names}] | sort_by(.name)' "$tmp/list.json")
got=$(get /v1alpha/pods | jq -c '[.pods[] | {name, state, app_names}] | sort_by(.name)')
check "ListPods: status" "$(code)" 200
check "ListPods matches cocoon list" "$got" "$want"
check "ListPods: id is the UUID" \
	"$(get /v1alpha/pods | jq -r "[.pods[] | select(.id == \"$uuid2\")] | length")" 1
# filters: states and ids any, app names all
n() { get "$1" | jq "$2 | length"; }
check "state=prepared" "$(n '/v1alpha/pods?state=prepared' .pods)" 2
check "state=running" "$(n '/v1alpha/pods?state=running' .pods)" 0
check "state=running,prepared" "$(n '/v1alpha/pods?state=running,prepared' .pods)" 2
check "app=other" "$(get '/v1alpha/pods?app=other' | jq -r '.pods[0].id')" "$uuid2"
check "app=other&app=pod-busybox (all apps)" \
	"$(n '/v1alpha/pods?app=other&app=pod-busybox' .pods)" 0
check "id prefix" "$(get "/v1alpha/pods?id=${uuid1:0:8}" | jq -r '.pods[0].id')" "$uuid1"
check "id=a,b (any)" "$(n "/v1alpha/pods?id=$uuid1,$uuid2" .pods)" 2
check "AND across fields" "$(n "/v1alpha/pods?id=$uuid1&app=other" .pods)" 0
check "filters ORed" "$(n "/v1alpha/pods?id=$uuid1&app=other&or&app=other" .pods)" 1
check "filters ORed, both sides" \
	"$(n "/v1alpha/pods?id=$uuid1&or&id=$uuid2&detail=false" .pods)" 2
get '/v1alpha/pods?app=other&or' >/dev/null
check "an empty filter after or: 400" "$(code)" 400
imgid=$(c image list --format=json | jq -r '.[0].id')
check "image filter" "$(n "/v1alpha/pods?image=$imgid" .pods)" 2
check "network filter" "$(n '/v1alpha/pods?network=nosuchnet' .pods)" 0
check "annotation filter" "$(n '/v1alpha/pods?annotation=k=v' .pods)" 0
get '/v1alpha/pods?state=bogus' >/dev/null
check "bad state: 400" "$(code)" 400
get '/v1alpha/pods?colour=red' >/dev/null
check "unknown parameter: 400" "$(code)" 400
check "detail adds the manifest" \
	"$(get '/v1alpha/pods?detail=true' | jq -r '.pods[0].manifest.acKind')" PodManifest

# ---- InspectPod
check "InspectPod" "$(get "/v1alpha/pods/$uuid1" | jq -r '.pod.manifest.acKind, .pod.state, .pod.apps[0].name' | tr '\n' ' ')" \
	"PodManifest prepared pod-busybox "
get /v1alpha/pods/00000000-0000-4000-8000-000000000000 >/dev/null
check "InspectPod unknown: 404" "$(code)" 404

# ---- ListImages against cocoon image list
want=$(c image list --format=json | jq -c '[.[] | {id, name, size, importTime}]')
# image list shows name:version; the API has them apart, as rkt's Image.
got=$(get /v1alpha/images | jq -c '[.images[] |
	{id, name: (.name + (if .version then ":" + .version else "" end)),
	 size, importTime}]')
check "ListImages matches cocoon image list" "$got" "$want"
check "prefix=example.com" "$(n '/v1alpha/images?prefix=example.com' .images)" 1
check "prefix=example.org" "$(n '/v1alpha/images?prefix=example.org' .images)" 0
check "base_name=pod-busybox" "$(n '/v1alpha/images?base_name=pod-busybox' .images)" 1
check "base_name=busybox" "$(n '/v1alpha/images?base_name=busybox' .images)" 0
check "image filters ORed" "$(n '/v1alpha/images?base_name=busybox&or&keyword=busy' .images)" 1
check "keyword=busy" "$(n '/v1alpha/images?keyword=busy' .images)" 1
check "label=version=1.0" "$(n '/v1alpha/images?label=version=1.0' .images)" 1
check "label=version=2.0" "$(n '/v1alpha/images?label=version=2.0' .images)" 0
future=$(($(date +%s) + 3600))
check "imported_after=future" "$(n "/v1alpha/images?imported_after=$future" .images)" 0
check "imported_before=future" "$(n "/v1alpha/images?imported_before=$future" .images)" 1
check "id prefix" "$(n "/v1alpha/images?id=${imgid:0:20}" .images)" 1
check "InspectImage by ID" "$(get "/v1alpha/images/$imgid" | jq -r '.image.manifest.acKind')" ImageManifest
check "InspectImage by name" "$(get "/v1alpha/images/$IMG" | jq -r '.image.id')" "$imgid"
get /v1alpha/images/sha512-00 >/dev/null
check "InspectImage unknown: 404" "$(code)" 404

# ---- the wire: read-only, bounded
get /v1alpha/pods -X POST >/dev/null
check "POST: 405" "$(code)" 405
get /v1alpha/info -I >/dev/null
check "HEAD: 405" "$(code)" 405
get /v1alpha/nothing >/dev/null
check "unknown path: 404" "$(code)" 404
# A client that half-closes after its request still gets the answer.
half=$(python3 - "$sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"GET /v1alpha/info HTTP/1.1\r\nHost: x\r\n\r\n")
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
print(data.split(b"\r\n")[0].decode(), b"api_version" in data)
PY
)
check "half-closed client: whole answer" "$half" "HTTP/1.1 200 OK True"
big=$(head -c 9000 /dev/zero | tr '\0' a)
get /v1alpha/info -H "X-Big: $big" >/dev/null
check "9000-byte header: 431" "$(code)" 431

# ---- GetLogs, from a log file in the relay's format
logdir=$S/data/pods/prepared/$uuid1/stage1/logs
mkdir -p "$logdir"
printf '%s\n' \
	'2026-11-28T15:04:05.000000001Z stdout F hello' \
	'2026-11-28T15:04:06.000000001Z stderr P par' \
	'2026-11-28T15:04:07.000000001Z stderr F tial' \
	>"$logdir/pod-busybox.log"
printf '2026-11-28T15:04:04.5Z stdout F \xff old\n' >"$logdir/pod-busybox.log.1"
logs=$(get "/v1alpha/pods/$uuid1/logs")
check "GetLogs: status" "$(code)" 200
check "GetLogs: records in order, rotated file first" \
	"$(jq -r '.line' <<<"$logs" | tr '\n' '|')" "� old|hello|par|tial|"
check "GetLogs: stream and partial" \
	"$(jq -r 'select(.line == "par") | "\(.stream) \(.partial)"' <<<"$logs")" "stderr true"
check "GetLogs lines=1" "$(get "/v1alpha/pods/$uuid1/logs?lines=1" | jq -r .line)" tial
since=$(date -d 2026-11-28T15:04:06Z +%s)
check "GetLogs since_time" "$(get "/v1alpha/pods/$uuid1/logs?since_time=$since" | wc -l)" 2
get "/v1alpha/pods/$uuid1/logs?app=nope" >/dev/null
check "GetLogs unknown app: 404" "$(code)" 404
check "GetLogs follow on a pod that is not running ends" \
	"$(get "/v1alpha/pods/$uuid1/logs?follow=true" | wc -l)" 4

# ---- GetLogs follow: a pod whose lock is held is followed until the lock
# goes (the lock is what "running" means, docs/pods.md); appended and
# rotated files are both seen
python3 -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(120)' "$S/data/pods/prepared/$uuid1" >"$tmp/holder" &
holder=$!
svc_pids+=("$holder")
for _ in $(seq 100); do
	grep -q locked "$tmp/holder" && break
	sleep 0.1
done
curl -s -N --max-time 60 --unix-socket "$sock" \
	"http://cocoon/v1alpha/pods/$uuid1/logs?follow=true&lines=1" >"$tmp/follow" &
follower=$!
svc_pids+=("$follower")
for _ in $(seq 100); do
	grep -q tial "$tmp/follow" && break
	sleep 0.1
done
echo '2026-11-28T15:05:00Z stdout F live1' >>"$logdir/pod-busybox.log"
for _ in $(seq 50); do
	grep -q live1 "$tmp/follow" && break
	sleep 0.1
done
mv "$logdir/pod-busybox.log" "$logdir/pod-busybox.log.1"
echo '2026-11-28T15:05:01Z stderr F live2' >"$logdir/pod-busybox.log"
for _ in $(seq 50); do
	grep -q live2 "$tmp/follow" && break
	sleep 0.1
done
check "follow: last line, appended, after rotation" \
	"$(jq -r .line "$tmp/follow" | tr '\n' ' ')" "tial live1 live2 "
kill "$holder"
wait "$holder" 2>/dev/null
wait "$follower"
expect_status "follow ends once the pod's lock is free" 0 $?

# ---- ListenEvents sees a prepare and an rm
curl -s -N --max-time 60 --unix-socket "$sock" \
	"http://cocoon/v1alpha/events?type=pod-created,pod-prepared,pod-removed" \
	>"$tmp/events" &
ev=$!
svc_pids+=("$ev")
for _ in $(seq 100); do
	grep -q listening "$tmp/events" && break
	sleep 0.1
done
uuid3=$(c prepare --pull-policy=never "$IMG" 2>"$tmp/p3.err") ||
	fail "prepare pod 3: $(cat "$tmp/p3.err")"
c rm "$uuid3" >/dev/null 2>"$tmp/rm.err" || fail "rm pod 3: $(cat "$tmp/rm.err")"
for _ in $(seq 50); do
	grep -q "pod-removed" "$tmp/events" && break
	sleep 0.1
done
kill "$ev" 2>/dev/null
wait "$ev" 2>/dev/null
types=$(jq -r "select(.id == \"$uuid3\") | .type" "$tmp/events" | tr '\n' ' ')
check "ListenEvents: created, prepared, removed" "$types" "pod-created pod-prepared pod-removed "
check "ListenEvents: filtered by type" \
	"$(jq -r 'select(.type == "pod-garbage-collected")' "$tmp/events" | wc -l)" 0

# ---- and an image removed and imported again (the index is polled)
curl -s -N --max-time 60 --unix-socket "$sock" \
	"http://cocoon/v1alpha/events?type=image-removed,image-imported" \
	>"$tmp/ievents" &
ev=$!
svc_pids+=("$ev")
for _ in $(seq 100); do
	grep -q listening "$tmp/ievents" && break
	sleep 0.1
done
c image rm "$imgid" >/dev/null 2>"$tmp/irm.err" || fail "image rm: $(cat "$tmp/irm.err")"
c fetch "$IMG_ACI" >/dev/null 2>"$tmp/fetch2.err" || fail "fetch again: $(cat "$tmp/fetch2.err")"
for _ in $(seq 100); do
	grep -q image-imported "$tmp/ievents" && break
	sleep 0.1
done
kill "$ev" 2>/dev/null
wait "$ev" 2>/dev/null
check "ListenEvents: image removed, imported" \
	"$(jq -r "select(.id == \"$imgid\") | \"\(.type) \(.from)\"" "$tmp/ievents" | tr '\n' '|')" \
	"image-removed example.com/pod-busybox|image-imported example.com/pod-busybox|"

# ---- limits: a client that sends nothing is dropped after 10 s; past
# 64 connections the next is answered 503 at once
python3 - "$sock" >"$tmp/limits" 2>&1 <<'PY'
import socket, sys, time
def conn():
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    return s
idle = [conn() for _ in range(64)]
time.sleep(0.5)
extra = conn()
extra.settimeout(5)
print("extra:", extra.recv(100).split(b"\r\n")[0].decode())
start = time.time()
idle[0].settimeout(30)
print("idle closed:", idle[0].recv(100) == b"", round(time.time() - start))
PY
expect_grep "65th connection: 503" "extra: HTTP/1.1 503" "$tmp/limits"
expect_grep "idle client dropped after 10 s" "idle closed: True (9|10|11)$" "$tmp/limits"

# ---- image gc is not blocked while the service runs
timeout 30 "$cocoon" --dir="$S/data" image gc >/dev/null 2>"$tmp/gc.err"
expect_status "image gc while the service runs" 0 $? "$tmp/gc.err"

# ---- a non-loopback address is refused
"$cocoon" --dir="$S/data" api-service --listen=0.0.0.0:1 >/dev/null 2>"$tmp/remote.err"
expect_status "non-loopback --listen: usage error" 2 $? "$tmp/remote.err"
expect_grep "non-loopback --listen: says why" "not a loopback address" "$tmp/remote.err"

# ---- stopped by its PID: the socket goes, the pods stay
kill "$svc"
wait "$svc"
expect_status "service exits 0 on SIGTERM" 0 $? "$tmp/svc.err"
[ -e "$sock" ] && fail "the socket was left behind"
check "pods untouched" "$(c list --format=json | jq -c '[.[] | {name, state}] | sort_by(.name)')" \
	"$(jq -c '[.[] | {name, state}] | sort_by(.name)' "$tmp/list.json")"

# ---- as an unprivileged user on a data dir it can only read
user=nobody
chmod 755 "$tmp" "$S"
chmod -R a+rX "$S/data"
usock=$tmp/user/api.sock
mkdir "$tmp/user"
chown "$user" "$tmp/user"
before=$(find "$S/data" | sort | md5sum)
setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups \
	"$cocoon" --dir="$S/data" api-service --listen="unix:$usock" \
	>"$tmp/user.out" 2>"$tmp/user.err" &
usvc=$!
svc_pids+=("$usvc")
for _ in $(seq 100); do
	[ -S "$usock" ] && break
	sleep 0.1
done
sock=$usock
check "unprivileged: ListPods" "$(n /v1alpha/pods .pods)" 2
check "unprivileged: ListImages" "$(get /v1alpha/images | jq -r '.images[0].id')" "$imgid"
check "unprivileged: GetLogs" "$(get "/v1alpha/pods/$uuid1/logs?lines=1" | jq -r .line)" live2
kill "$usvc"
wait "$usvc"
expect_status "unprivileged service exits 0" 0 $? "$tmp/user.err"
[ -e "$usock" ] && fail "the unprivileged service left its socket"
# SIGKILLed, it leaves its socket; the next start replaces it
setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups \
	"$cocoon" --dir="$S/data" api-service --listen="unix:$usock" \
	>"$tmp/user.out" 2>"$tmp/user.err" &
usvc=$!
svc_pids+=("$usvc")
for _ in $(seq 100); do
	[ -S "$usock" ] && break
	sleep 0.1
done
kill -KILL "$usvc"
wait "$usvc" 2>/dev/null
[ -S "$usock" ] || fail "SIGKILL: expected the socket to stay behind"
setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups \
	"$cocoon" --dir="$S/data" api-service --listen="unix:$usock" \
	>"$tmp/user.out" 2>"$tmp/user.err" &
usvc=$!
svc_pids+=("$usvc")
for _ in $(seq 100); do
	get /v1alpha/info >/dev/null 2>&1
	[ "$(code)" = 200 ] && break
	sleep 0.1
done
check "restart after SIGKILL on the stale socket" "$(code)" 200
kill "$usvc"
wait "$usvc"
check "unprivileged service wrote nothing under --dir" \
	"$(find "$S/data" | sort | md5sum)" "$before"

finish
