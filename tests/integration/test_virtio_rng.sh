#!/bin/bash
# --rng gives the guest a virtio-rng device: the kernel picks it as its
# hardware RNG and /dev/hwrng returns bytes from the host. Without --rng
# there is no such device.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# One line, no quotes: it travels inside cocoon.exec="/bin/sh -c '...'".
# shellcheck disable=SC2016 # expanded in the guest
guest_script='echo rng_current=$(cat /sys/class/misc/hw_random/rng_current); for r in a b; do echo rng_$r=$(dd if=/dev/hwrng bs=64 count=1 2>/dev/null | od -An -tx1 -v | tr -dc 0-9a-f); done'
run_vm "$tmp/rng" --kernel "$kernel" --initrd "$initrd_test" --mem 128 --rng \
	--cmdline "quiet cocoon.exec=\"/bin/sh -c '$guest_script'\""
expect_status "--rng: clean exit" 0 "$vm_status" "$tmp/rng.err"
expect_grep "--rng: the kernel uses virtio-rng" "^rng_current=virtio_rng" "$tmp/rng.console"
expect_grep "--rng: 64 bytes read" "^rng_a=[0-9a-f]{128}[[:space:]]*$" "$tmp/rng.console"
a=$(sed -n 's/^rng_a=//p' "$tmp/rng.console" | tr -d '\r')
b=$(sed -n 's/^rng_b=//p' "$tmp/rng.console" | tr -d '\r')
if [ -n "$a" ] && [ "$a" != "$b" ] && [ "$a" != "$(printf '0%.0s' $(seq 128))" ]; then
	ok "--rng: two reads differ and are not zero"
else
	fail "--rng: reads '$a' and '$b'"
fi

run_vm "$tmp/norng" --kernel "$kernel" --initrd "$initrd_test" --mem 128 \
	--cmdline "quiet cocoon.exec=\"/bin/sh -c '$guest_script'\""
expect_status "no --rng: clean exit" 0 "$vm_status" "$tmp/norng.err"
if grep -q "^rng_current=virtio_rng" "$tmp/norng.console"; then
	fail "no --rng: the guest still has a virtio-rng"
else
	ok "no --rng: no virtio-rng in the guest"
fi

# --rng with a flat binary is a usage error.
run_vm "$tmp/flat" --flat /dev/null --rng
expect_status "--rng --flat: usage error" 2 "$vm_status" "$tmp/flat.err"
finish
