# shellcheck shell=bash
# Shared by the image-side integration tests: one PASS/FAIL/SKIP line per
# case, temp dirs removed on every exit path, fixtures built once per run
# (reused through COCOON_FIXTURES if set).

set -uo pipefail

IMAGES_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$IMAGES_TESTS/../.." && pwd)
COCOON=${COCOON:-$REPO/build/cocoon}
failures=0
T=$(mktemp -d /tmp/cocoon-imgtest.XXXXXX)
cleanup_pids=()

t_cleanup() {
	local pid
	for pid in "${cleanup_pids[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	rm -rf "$T"
}
trap t_cleanup EXIT

pass() { echo "PASS: $*"; }
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}
skip() { echo "SKIP: $*"; }
# skip_all REASON: the whole script cannot run here (exit 77, as
# tests/run-integration counts skips).
skip_all() {
	echo "SKIP: $*"
	exit 77
}
finish() { [ "$failures" -eq 0 ]; exit $?; }

# check NAME COMMAND...: PASS if the command succeeds.
check() {
	local name=$1
	shift
	if "$@" >"$T/out" 2>"$T/err"; then
		pass "$name"
	else
		fail "$name (rc=$?): $(head -c 600 "$T/err")"
	fi
}

# refuse NAME PATTERN COMMAND...: PASS if the command fails and its
# stderr matches PATTERN (grep -E).
refuse() {
	local name=$1 pattern=$2
	shift 2
	if "$@" >"$T/out" 2>"$T/err"; then
		fail "$name: succeeded but should have failed"
	elif grep -Eq -- "$pattern" "$T/err"; then
		pass "$name"
	else
		fail "$name: wrong error: $(head -c 600 "$T/err")"
	fi
}

if [ ! -x "$COCOON" ]; then
	skip_all "$COCOON not built (make build/cocoon)"
fi

fixtures() {
	if [ -n "${COCOON_FIXTURES:-}" ] && [ -f "$COCOON_FIXTURES/busybox.aci" ]; then
		F=$COCOON_FIXTURES
	else
		F=$T/fixtures
		"$IMAGES_TESTS/mkfixtures" "$F" >"$T/fixtures.log" 2>&1 || {
			echo "FAIL: building fixtures: $(tail -5 "$T/fixtures.log")"
			exit 1
		}
	fi
}

# http_get URL: prints the body, fails unless HTTP 200 (python3, so that
# the tests need no curl binary).
http_get() {
	python3 -c 'import sys, urllib.request as u; sys.stdout.write(u.urlopen(sys.argv[1], timeout=5).read().decode())' "$1" 2>/dev/null
}

# A fresh store and config roots; c runs cocoon on them.
new_store() {
	S=$T/store.$RANDOM
	mkdir -p "$S"
}
c() {
	"$COCOON" --dir="$S/data" --local-config="$S/etc" \
		--system-config="$S/vendor" "$@"
}
trust_good() {
	c trust --prefix="${1:-example.com}" --skip-fingerprint-review \
		"$F/keys/good.asc" >/dev/null
}

# serve80 DIR: python3 http.server for DIR on 127.0.0.1:80 (appc names
# cannot carry a port), stopped by PID on exit. Skips the whole script
# when the port cannot be bound. A marker file proves that the server
# answering is ours, not one left over on the port.
serve80() {
	local dir=$1 marker pid up=0
	marker=.cocoon-test-$$-$RANDOM
	echo "$marker" >"$dir/$marker"
	python3 -m http.server --bind 127.0.0.1 --directory "$dir" 80 \
		>"$T/http.log" 2>&1 &
	pid=$!
	cleanup_pids+=("$pid")
	for _ in $(seq 50); do
		if ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		if [ "$(http_get "http://127.0.0.1/$marker")" = "$marker" ]; then
			up=1
			break
		fi
		sleep 0.1
	done
	rm -f "$dir/$marker"
	if [ $up = 0 ]; then
		skip_all "cannot serve on 127.0.0.1:80: $(tail -1 "$T/http.log")"
	fi
}

# sign_good FILE: FILE.asc by the fixtures' trusted key.
sign_good() {
	if [ ! -d "$T/gnupg" ]; then
		cp -r "$F/gnupg" "$T/gnupg"
	fi
	GNUPGHOME=$T/gnupg gpg --batch --quiet --yes \
		--local-user good@example.com --armor --output "$1.asc" \
		--detach-sign "$1"
}

# fpr_of EMAIL: a fixture key's fingerprint, lowercase, as trust stores it.
fpr_of() {
	gpg --homedir "$F/gnupg" --with-colons --fingerprint "$1" 2>/dev/null |
		awk -F: '/^fpr/ {print tolower($10); exit}'
}
