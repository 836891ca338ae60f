#!/bin/bash
# Bad input to cocoon-vmm fails clearly, at once, and leaves nothing.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

run_vm "$tmp/missing" --kernel "$tmp/no-such-kernel" --initrd "$initrd" --mem 64
expect_status "missing kernel fails" 1 "$vm_status"
expect_grep "missing kernel: says which file" "no-such-kernel.*(No such file|not found|does not exist)" "$tmp/missing.err"

head -c 100000 /dev/urandom >"$tmp/garbage"
run_vm "$tmp/garbage" --kernel "$tmp/garbage" --initrd "$initrd" --mem 64
expect_status "non-kernel file fails" 1 "$vm_status"
expect_grep "non-kernel file: says it is not a kernel" "garbage.*(not an? |neither|unrecognised|unrecognized|ELF|bzImage)" "$tmp/garbage.err"

cp /bin/true "$tmp/elf-not-kernel"
run_vm "$tmp/elf" --kernel "$tmp/elf-not-kernel" --initrd "$initrd" --mem 64
if [ "$vm_status" != 0 ] && [ "$vm_status" != 124 ]; then
	ok "an ELF program that is no kernel is refused (status $vm_status)"
else
	fail "an ELF program that is no kernel: exit status $vm_status"
fi
[ -s "$tmp/elf.err" ] && ok "ELF non-kernel: message given" || fail "ELF non-kernel: no message"

for mem in 0 -5 99999999999 abc; do
	run_vm "$tmp/mem" --kernel "$kernel" --initrd "$initrd" --mem "$mem"
	if [ "$vm_status" != 0 ] && [ "$vm_status" != 124 ] && grep -qi "mem" "$tmp/mem.err"; then
		ok "--mem $mem refused: $(head -1 "$tmp/mem.err")"
	else
		fail "--mem $mem: status $vm_status, message: $(head -1 "$tmp/mem.err")"
	fi
done

run_vm "$tmp/noinitrd" --kernel "$kernel" --initrd "$tmp/no-such-initrd" --mem 64
expect_status "missing initrd fails" 1 "$vm_status"
expect_grep "missing initrd: says which file" "no-such-initrd" "$tmp/noinitrd.err"
finish
