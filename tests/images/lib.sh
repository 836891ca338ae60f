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
