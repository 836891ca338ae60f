#!/bin/bash
# docs/security.md's allow-list sizes (rules / distinct syscalls per
# thread kind) are those of the built cocoon-vmm: `--sandbox-rules`
# prints the rules active on this kernel, one per line ("KIND SYSCALL
# [ARGUMENT]"; a refusal reads "... -> EACCES" and is not an allow rule).
# The table once fell behind the rules it describes; this keeps it true.
. "$(dirname "$0")/lib.sh"

vmm=$build/cocoon-vmm
doc=$top/docs/security.md
[ -x "$vmm" ] || {
	echo "$vmm is missing: run make first"
	exit 1
}
"$vmm" --sandbox-rules >"$tmp/rules" 2>&1
check "cocoon-vmm --sandbox-rules: exit 0" test $? = 0
grep -v -- ' -> ' "$tmp/rules" >"$tmp/allow"

rules() { awk -v k="$1" '$1 == k' "$tmp/allow" | wc -l; }
syscalls() { awk -v k="$1" '$1 == k {print $2}' "$tmp/allow" | sort -u | wc -l; }
# The table row of a thread kind: its cocoon rules and syscalls cells.
row() { grep -E "^\| $1 \|" "$doc" | head -1 | awk -F'|' '{print $3 "|" $4}'; }

# The device thread has a second openat rule (/proc/self/fd) on kernels
# without fchmodat2 (before 6.6); the table gives both counts.
old_kernel=false
[ "$(awk '$1 == "device" && $2 == "openat"' "$tmp/allow" | wc -l)" -gt 1 ] &&
	old_kernel=true

for pair in vCPU:vcpu main:main device:device; do
	label=${pair%%:*} kind=${pair#*:}
	cells=$(row "$label")
	if [ -z "$cells" ]; then
		fail "docs/security.md has no \"| $label |\" row in the sizes table"
		continue
	fi
	want_rules=$(grep -oE '^ *[0-9]+' <<<"${cells%%|*}" | tr -d ' ')
	if $old_kernel; then
		before=$(grep -oE '\(([0-9]+) before' <<<"${cells%%|*}" | grep -oE '[0-9]+')
		[ -n "$before" ] && want_rules=$before
	fi
	want_calls=$(tr -d ' ' <<<"${cells#*|}")
	have_rules=$(rules "$kind") have_calls=$(syscalls "$kind")
	if [ "$want_rules" = "$have_rules" ]; then
		ok "$label: $have_rules rules, as documented"
	else
		fail "$label: docs/security.md says $want_rules rules, cocoon-vmm has $have_rules"
	fi
	if [ "$want_calls" = "$have_calls" ]; then
		ok "$label: $have_calls distinct syscalls, as documented"
	else
		fail "$label: docs/security.md says $want_calls syscalls, cocoon-vmm has $have_calls"
	fi
done
finish
