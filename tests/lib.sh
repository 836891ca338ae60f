#!/bin/bash
# Shared by the test runners: one result line per test, tallied by run-suite.
#
# Each result goes to stdout ("PASS name", "FAIL name: why", "SKIP name:
# why") and, when $COCOON_RESULTS names a file, into it as "pass name",
# so the suite can count across runners, including those run in the
# virtual test host (the working tree is shared with it read-write).

result() {
	local verdict=$1 name=$2 why=${3:-}
	case "$verdict" in
	pass) echo "PASS $name" ;;
	fail) echo "FAIL $name${why:+: $why}" ;;
	skip) echo "SKIP $name${why:+: $why}" ;;
	esac
	if [ -n "${COCOON_RESULTS:-}" ]; then
		echo "$verdict $name" >>"$COCOON_RESULTS"
	fi
}

# Whether this machine's /dev/kvm can run the tiny test guests directly.
host_kvm_usable() {
	[ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
		python3 -c 'import os; os.close(os.open("/dev/kvm", os.O_RDWR))' 2>/dev/null
}

# Whether this machine's /dev/kvm boots a stock Linux guest (not kvm_pvm).
host_kvm_boots_linux() {
	host_kvm_usable && [ ! -d /sys/module/kvm_pvm ] &&
		grep -qE '^flags.*\b(vmx|svm)\b' /proc/cpuinfo
}
