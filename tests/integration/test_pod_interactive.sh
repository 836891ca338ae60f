#!/bin/bash
# `cocoon run --interactive` on a terminal (tests/integration/pty-driver.py
# gives it one): the app gets a pty, input reaches it, the window size
# follows SIGWINCH, the exit status comes back, ^] three times stops the
# pod, and the terminal is restored from raw mode on each way out.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/podlib.sh
. "$(dirname "$0")/podlib.sh"

if [ "$(id -u)" != 0 ] || [ ! -c /dev/kvm ]; then
	echo "skip: pods need root and /dev/kvm; run in tests/testhost/run"
	exit 77
fi
command -v python3 >/dev/null || {
	echo "skip: python3 is needed to drive a pty"
	exit 77
}
trap 'c gc --grace-period=0s >/dev/null 2>&1; rm -rf "$tmp"' EXIT
pod_setup
c fetch "$IMG_ACI" >/dev/null 2>"$tmp/fetch.err" || {
	echo "not ok: fetch the pod image: $(cat "$tmp/fetch.err")"
	exit 1
}
driver=$top/tests/integration/pty-driver.py
run=("$cocoon" --dir="$S/data" --local-config="$S/etc"
	--system-config="$S/vendor" run --net=none --interactive "$IMG")

# A shell on the pod's tty: arithmetic proves the input was read, stty
# the window size, and `exit 5` the status.
python3 "$driver" 'expect:#;;raw;;send:echo $((6*7))x\r;;expect:42x;;winsize:33,97;;send:stty size\r;;expect:33 97;;send:[ -t 0 ] && echo on-a-tty\r;;expect:on-a-tty;;send:exit 5\r' \
	-- timeout 120 "${run[@]}" --exec /bin/sh >"$tmp/sh.log" 2>&1
expect_grep "the app reads the terminal's input" '^42x' "$tmp/sh.log"
expect_grep "the terminal is in raw mode while the pod runs" '^raw=yes' "$tmp/sh.log"
expect_grep "the app's stdin is a tty" '^on-a-tty' "$tmp/sh.log"
expect_grep "the window size reaches the app" '^33 97' "$tmp/sh.log"
expect_grep "the app's exit status is run's" '^exit=5$' "$tmp/sh.log"
expect_grep "the terminal is restored after the pod" '^cooked=yes$' "$tmp/sh.log"

# ^] three times within a second stops the pod.
python3 "$driver" 'expect:#;;send:echo up\r;;expect:up;;send:\x1d\x1d\x1d' \
	-- timeout 120 "${run[@]}" --exec /bin/sh >"$tmp/esc.log" 2>&1
if grep -q '^exit=[1-9]' "$tmp/esc.log"; then
	ok "^]^]^] stops the pod ($(grep '^exit=' "$tmp/esc.log"))"
else
	fail "^]^]^] did not stop the pod:"
	sed 's/^/    | /' "$tmp/esc.log" | tail -10
fi
expect_grep "the terminal is restored after ^]^]^]" '^cooked=yes$' "$tmp/esc.log"
cat "$S"/data/pods/run/*/state.json >"$tmp/states.json"
expect_grep "state.json says stopped after ^]^]^]" '"reason":"stopped"' \
	"$tmp/states.json"

# Two ^] then something else: no stop, the shell keeps going.
python3 "$driver" 'expect:#;;send:\x1d\x1d;;send:echo still-$((1+1))\r;;expect:still-2;;send:exit 0\r' \
	-- timeout 120 "${run[@]}" --exec /bin/sh >"$tmp/esc2.log" 2>&1
expect_grep "two ^] do not stop the pod" '^exit=0$' "$tmp/esc2.log"

finish
