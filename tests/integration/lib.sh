#!/bin/bash
# Sourced by the integration tests: paths to the binaries, a VM runner with
# a timeout, and assertions that say what was expected.
# shellcheck disable=SC2034 # the variables are for the scripts sourcing this
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-$top/build}
vmm=$build/cocoon-vmm
kernel=$build/vmlinux
bzimage=$build/bzImage
initrd=$build/initrd.cpio
initrd_test=$build/initrd-test.cpio
tmp=$(mktemp -d /tmp/cocoon-it.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0

# run_vm OUT_PREFIX VMM_ARGS...: runs cocoon-vmm with a timeout; the
# console (the guest's serial output) lands in OUT_PREFIX.console, the
# VMM's own messages in OUT_PREFIX.err, its exit status in $vm_status.
run_vm() {
	local out=$1
	shift
	timeout "${VM_TIMEOUT:-120}" "$vmm" --console "$out.console" "$@" \
		>"$out.out" 2>"$out.err"
	vm_status=$?
}

fail() {
	echo "not ok: $*"
	failures=$((failures + 1))
}
ok() {
	echo "ok: $*"
}
# expect_grep WHAT PATTERN FILE
expect_grep() {
	if grep -qE -- "$2" "$3"; then
		ok "$1"
	else
		fail "$1: no line matching '$2' in $(basename "$3"):"
		sed 's/^/    | /' "$3" | tail -20
	fi
}
expect_status() { # WHAT EXPECTED ACTUAL [FILE-TO-SHOW]
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1: exit status $3, expected $2"
		[ -n "${4:-}" ] && sed 's/^/    | /' "$4" | tail -20
	fi
}
finish() {
	if [ "$failures" -gt 0 ]; then
		echo "$failures check(s) failed"
		exit 1
	fi
	exit 0
}

# oci_test_setup TOOL...: the preamble of the cocoon-runtime tests. Root
# and /dev/kvm (run in tests/testhost/run) or a skip; every TOOL installed
# (tests/deps.sh installs them: a missing one fails, it never skips); the
# pod image built.
oci_test_setup() {
	local t
	if [ "$(id -u)" != 0 ] || [ ! -c /dev/kvm ]; then
		echo "skip: cocoon-runtime needs root and /dev/kvm; run in tests/testhost/run"
		exit 77
	fi
	for t in "$@"; do
		command -v "$t" >/dev/null || {
			echo "not ok: $t is not installed (bash tests/deps.sh)"
			exit 1
		}
	done
	"$top/tests/integration/mkpodimage" "$build/pod-fixtures" \
		>"$tmp/mkpodimage.log" 2>&1 || {
		echo "not ok: building the pod image:"
		tail -20 "$tmp/mkpodimage.log"
		exit 1
	}
}
