#!/bin/bash
# Ten boots in a row each exit cleanly and leave nothing behind: no VMM
# process, no open file of the VMM's in /tmp, and the host's free memory back.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

avail() { awk '/^MemAvailable/ { print $2 }' /proc/meminfo; }
before_files=$(ls -A /tmp | wc -l)
before_mem=$(avail)
for i in $(seq 1 10); do
	run_vm "$tmp/r" --kernel "$kernel" --initrd "$initrd" --mem 128 --cpus 2
	if [ "$vm_status" != 0 ] || ! grep -q '^cocoon-init: ready' "$tmp/r.console"; then
		fail "boot $i: status $vm_status"
		sed 's/^/    | /' "$tmp/r.err" | tail -10
	fi
done
[ "$failures" = 0 ] && ok "10 boots in a row, each to the greeting and a clean exit"
if pgrep -x cocoon-vmm >/dev/null; then
	fail "a cocoon-vmm process is still running: $(pgrep -x cocoon-vmm | tr '\n' ' ')"
else
	ok "no cocoon-vmm process left"
fi
after_files=$(ls -A /tmp | wc -l)
# Our own temporary directory is the only entry this test adds to /tmp.
[ "$after_files" -le "$before_files" ] && ok "nothing new in /tmp" ||
	fail "/tmp gained $((after_files - before_files)) entries: $(ls -At /tmp | head -5 | tr '\n' ' ')"
after_mem=$(avail)
# Guest memory is released when the VMM exits: allow 32 MiB of noise for
# the page cache, far below the 10 x 128 MiB the guests had.
drop=$(((before_mem - after_mem) / 1024))
[ "$drop" -lt 32 ] && ok "host memory back (available changed by ${drop} MiB)" ||
	fail "host available memory dropped by ${drop} MiB after 10 boots"
finish
