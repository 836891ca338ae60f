#!/bin/bash
# cocoon-vmm boots the guest kernel to cocoon-init, with the CPU count and
# memory size asked for, from a vmlinux and from a bzImage.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

for cpus in 1 2; do
	run_vm "$tmp/c$cpus" --kernel "$kernel" --initrd "$initrd" --mem 128 --cpus "$cpus"
	expect_status "--cpus $cpus: clean exit" 0 "$vm_status" "$tmp/c$cpus.err"
	expect_grep "--cpus $cpus: greeting shows cpus=$cpus" "^cocoon-init: ready [^ ]+ cpus=$cpus mem=128\b" "$tmp/c$cpus.console"
done

for mem in 64 512; do
	run_vm "$tmp/m$mem" --kernel "$kernel" --initrd "$initrd" --mem "$mem" --cpus 1
	expect_status "--mem $mem: clean exit" 0 "$vm_status" "$tmp/m$mem.err"
	expect_grep "--mem $mem: greeting shows mem=$mem" "^cocoon-init: ready [^ ]+ cpus=1 mem=$mem\b" "$tmp/m$mem.console"
done

run_vm "$tmp/bz" --kernel "$bzimage" --initrd "$initrd" --mem 128 --cpus 1
expect_status "bzImage: clean exit" 0 "$vm_status" "$tmp/bz.err"
expect_grep "bzImage: greeting" "^cocoon-init: ready [^ ]+ cpus=1 mem=128\b" "$tmp/bz.console"

# The guest's own program runs and its status is reported.
run_vm "$tmp/exec" --kernel "$kernel" --initrd "$initrd_test" --mem 128 --cpus 1 \
	--cmdline "quiet cocoon.exec=\"/bin/sh -c 'echo guest-says-hi; exit 7'\""
expect_status "cocoon.exec: clean exit" 0 "$vm_status" "$tmp/exec.err"
expect_grep "cocoon.exec: output" "^guest-says-hi" "$tmp/exec.console"
expect_grep "cocoon.exec: status" "^cocoon-init: exec exited status 7" "$tmp/exec.console"
finish
