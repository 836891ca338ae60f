#!/bin/bash
# Sourced by the toolbox tests: the built cocoon, a temp dir removed on
# exit, and checks that say what was expected.
# shellcheck disable=SC2034 # the variables are for the scripts sourcing this
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-$top/build}
cocoon=$build/cocoon
tmp=$(mktemp -d /tmp/cocoon-toolbox.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0

ok() { echo "ok: $*"; }
fail() {
	echo "not ok: $*"
	failures=$((failures + 1))
}
# check WHAT COMMAND...: passes when the command succeeds
check() {
	local what=$1
	shift
	if "$@" >/dev/null; then ok "$what"; else fail "$what"; fi
}
# skip WHY: ends the script as skipped
skip() {
	echo "skip: $*"
	exit 77
}
finish() {
	[ "$failures" = 0 ] || echo "$failures check(s) failed"
	[ "$failures" = 0 ]
	exit
}
[ -x "$cocoon" ] || {
	echo "$cocoon is missing: run make first"
	exit 1
}
# The commands, one per line ("image list" for a two-word one).
commands() {
	"$cocoon" help | awk '/^Commands:/ {on = 1; next} /^$/ {on = 0}
		on {sub(/^  /, ""); sub(/  +.*/, ""); print}'
}
