#!/bin/bash
# Shared by the test runners: one result line per test on stdout ("PASS
# name", "FAIL name: why", "SKIP name: why"), which run-suite tallies, also
# from runners that ran inside the virtual test host.

result() {
	local verdict=$1 name=$2 why=${3:-}
	case "$verdict" in
	pass) echo "PASS $name" ;;
	fail) echo "FAIL $name${why:+: $why}" ;;
	skip) echo "SKIP $name${why:+: $why}" ;;
	esac
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
