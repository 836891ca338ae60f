#!/bin/bash
# `cocoon run` as a Type=notify unit's main process (docs/systemd.md),
# with a datagram socket of the test standing in for systemd's
# NOTIFY_SOCKET:
# * an app whose image has appc.io/executor/supports-systemd-notify=true
#   gets NOTIFY_SOCKET in the VM; its STATUS= reaches the host, READY=1
#   only once the app sent it; MAINPID= never does; garbage (noise, an
#   oversized datagram, a passed fd, control bytes) and a flood neither
#   break the pod nor pass the filters and the rate limit;
# * SIGTERM to `cocoon run` stops the pod gracefully (STOPPING=1, the app
#   gets SIGTERM) and its exit status is the app's; the VMM is gone;
# * without the annotation, READY=1 comes when every app started, the
#   app has no NOTIFY_SOCKET (not even with --inherit-env), and without
#   systemd-machined the registration is skipped;
# * SIGKILL to `cocoon run` (KillMode=mixed's last word) leaves no VMM.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/podlib.sh
. "$(dirname "$0")/podlib.sh"

pod_vm_setup

NIMG=example.com/pod-notify:1.0

# The app's sd_notify client, static for the busybox image.
sender=$build/notify-sender
src=$top/tests/integration/notify-sender.c
if [ ! -x "$sender" ] || [ "$src" -nt "$sender" ]; then
	sender=$tmp/notify-sender
	cc -O2 -static -o "$sender" "$src" 2>"$tmp/cc.err" || {
		echo "not ok: build notify-sender: $(cat "$tmp/cc.err")"
		exit 1
	}
fi

# The annotated image: the pod image, renamed, annotated, unsigned.
mkdir -p "$tmp/aci"
tar -C "$tmp/aci" --numeric-owner -xzf "$IMG_ACI"
cp "$sender" "$tmp/aci/rootfs/bin/notify-sender"
python3 - "$tmp/aci/manifest" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["name"] = "example.com/pod-notify"
m["annotations"] = [{"name": "appc.io/executor/supports-systemd-notify",
                     "value": "true"}]
json.dump(m, open(sys.argv[1], "w"))
PY
tar -C "$tmp/aci" --numeric-owner -czf "$tmp/pod-notify.aci" manifest rootfs
c --insecure-options=image fetch "$tmp/pod-notify.aci" >/dev/null \
	2>"$tmp/nfetch.err" || {
	echo "not ok: fetch the annotated image: $(cat "$tmp/nfetch.err")"
	exit 1
}

# listen SOCKET LOG: a stand-in for systemd, one line per datagram,
# newlines shown as '|', other bytes as Python escapes.
listen() {
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + ".up", "w").close()
with open(sys.argv[2], "a") as log:
    while True:
        d = s.recv(65536)
        log.write(repr(d)[2:-1].replace("\\n", "|") + "\n")
        log.flush()
' "$1" "$2" &
	bg_pids+=("$!")
	for _ in $(seq 50); do
		[ -e "$2.up" ] && return 0
		sleep 0.1
	done
	echo "not ok: the test's notify socket did not come up"
	exit 1
}

# wait_line LOG PATTERN SECONDS: true once a line matches.
wait_line() {
	for _ in $(seq $(($3 * 10))); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# ---- an annotated app
listen "$tmp/n1.sock" "$tmp/n1.log"
# shellcheck disable=SC2016 # expanded by the guest's shell
app='
trap "notify-sender STOPPING=1; exit 7" TERM
echo "socket=$NOTIFY_SOCKET"
notify-sender "STATUS=starting"
notify-sender --garbage
sleep 2
notify-sender --repeat 200 "STATUS=flood"
sleep 3
notify-sender "READY=1
STATUS=serving"
sleep 1000 &
wait $!
'
start=$(date +%s)
# No timeout(1) in between: the signals below are for cocoon itself.
NOTIFY_SOCKET=$tmp/n1.sock "$cocoon" --dir="$S/data" \
	--local-config="$S/etc" --system-config="$S/vendor" \
	--insecure-options=image run --net=none \
	--uuid-file-save="$tmp/n1.uuid" "$NIMG" --exec /bin/sh -- -c "$app" \
	>"$tmp/n1.out" 2>"$tmp/n1.err" &
n1=$!
bg_pids+=("$n1")
# Generous: a loaded machine makes the nested VM slow (about 15 s idle).
if wait_line "$tmp/n1.log" '(^|\|)READY=1(\||$)' 150; then
	ok "READY=1 reached NOTIFY_SOCKET ($(($(date +%s) - start)) s)"
else
	fail "no READY=1 from the annotated pod"
	sed 's/^/    | /' "$tmp/n1.err" | tail -20
fi
u1=$(cat "$tmp/n1.uuid" 2>/dev/null)
vmm1=$(cat "$S/data/pods/run/$u1/pid" 2>/dev/null)
kill -TERM "$n1"
wait "$n1"
st=$?
echo "    (n1 datagrams: $(tr '\n' ' ' <"$tmp/n1.log" | head -c 600))"
expect_status "SIGTERM: a graceful stop, the app's exit status (7)" 7 "$st" \
	"$tmp/n1.err"
if [ -n "$vmm1" ] && ! kill -0 "$vmm1" 2>/dev/null; then
	ok "SIGTERM: the VMM ($vmm1) is gone"
else
	fail "SIGTERM: the VMM ($vmm1) still runs or was never seen"
fi
expect_grep "the app got an abstract NOTIFY_SOCKET" '^socket=@cocoon-notify-0$' \
	"$tmp/n1.out"
expect_grep "the app's STATUS= arrived" '^STATUS=starting$' "$tmp/n1.log"
expect_grep "STATUS= with READY=1 arrived" '(^|\|)STATUS=serving(\||$)' \
	"$tmp/n1.log"
expect_grep "STOPPING=1 arrived at the stop" '(^|\|)STOPPING=1(\||$)' \
	"$tmp/n1.log"
expect_grep "a datagram that passed an fd was read (fd dropped)" \
	'^STATUS=with-fd$' "$tmp/n1.log"
expect_grep "control bytes in STATUS= became '?'" '^STATUS=x\?y\?z$' \
	"$tmp/n1.log"
if grep -q MAINPID "$tmp/n1.log"; then
	fail "MAINPID was forwarded: $(grep MAINPID "$tmp/n1.log")"
else
	expect_grep "STATUS= beside MAINPID= arrived, MAINPID= did not" \
		'^STATUS=no$' "$tmp/n1.log"
fi
if grep -qE 'AAAA|WATCHDOG|\\x' "$tmp/n1.log"; then
	fail "garbage passed the filter: $(grep -E 'AAAA|WATCHDOG|\\x' "$tmp/n1.log" | head -c 300)"
else
	ok "noise, an oversized datagram and WATCHDOG=2 were dropped"
fi
ready_line=$(grep -nE '(^|\|)READY=1(\||$)' "$tmp/n1.log" | head -1 | cut -d: -f1)
flood_line=$(grep -n '^STATUS=flood$' "$tmp/n1.log" | tail -1 | cut -d: -f1)
if [ -n "$ready_line" ] && [ -n "$flood_line" ] && [ "$ready_line" -gt "$flood_line" ]; then
	ok "READY=1 waited for the app's READY=1"
else
	fail "READY=1 (line $ready_line) came before the app was ready (last flood line $flood_line)"
fi
floods=$(grep -c '^STATUS=flood$' "$tmp/n1.log")
if [ "$floods" -ge 1 ] && [ "$floods" -le 24 ]; then
	ok "a flood of 200 datagrams was cut to $floods"
else
	fail "a flood of 200 datagrams gave $floods"
fi

# ---- no annotation: READY=1 when the apps started; no machined here
listen "$tmp/n2.sock" "$tmp/n2.log"
# shellcheck disable=SC2016 # expanded by the guest's shell
NOTIFY_SOCKET=$tmp/n2.sock timeout 120 "$cocoon" --dir="$S/data" \
	--local-config="$S/etc" --system-config="$S/vendor" --debug \
	run --net=none --inherit-env "$IMG" --exec /bin/sh -- \
	-c 'echo "ns=${NOTIFY_SOCKET:-unset}"; sleep 1; exit 3' \
	>"$tmp/n2.out" 2>"$tmp/n2.err"
st=$?
expect_status "without the annotation: the app's exit status" 3 "$st" \
	"$tmp/n2.err"
wait_line "$tmp/n2.log" 'READY=1' 5
expect_grep "without the annotation: READY=1 when every app started" \
	'^READY=1\|STATUS=all apps started$' "$tmp/n2.log"
expect_grep "without the annotation: no NOTIFY_SOCKET in the app" '^ns=unset$' \
	"$tmp/n2.out"
if [ -d /run/systemd/machines ]; then
	echo "skip: /run/systemd/machines exists here: the skip path is not tested"
else
	expect_grep "no systemd-machined: registration skipped" \
		'systemd-machined: not running or no busctl: register the pod skipped' \
		"$tmp/n2.err"
fi

# ---- SIGKILL to cocoon run: the VMM dies with it (PR_SET_PDEATHSIG)
"$cocoon" --dir="$S/data" --local-config="$S/etc" \
	--system-config="$S/vendor" run --net=none \
	--uuid-file-save="$tmp/n3.uuid" "$IMG" --exec /bin/sleep -- 1000 \
	>"$tmp/n3.out" 2>"$tmp/n3.err" &
n3=$!
bg_pids+=("$n3")
vmm3=
for _ in $(seq 300); do
	u3=$(cat "$tmp/n3.uuid" 2>/dev/null)
	[ -n "$u3" ] && vmm3=$(cat "$S/data/pods/run/$u3/pid" 2>/dev/null)
	[ -n "$vmm3" ] && break
	sleep 0.1
done
kill -KILL "$n3"
{ wait "$n3"; } 2>/dev/null
gone=
for _ in $(seq 50); do
	[ -n "$vmm3" ] && ! kill -0 "$vmm3" 2>/dev/null && { gone=1; break; }
	sleep 0.1
done
if [ -n "$gone" ]; then
	ok "SIGKILL to cocoon run: the VMM ($vmm3) died with it"
else
	fail "SIGKILL to cocoon run: the VMM ($vmm3) is left"
fi

finish
