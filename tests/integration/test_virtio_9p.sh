#!/bin/bash
# --share TAG=DIR gives the guest a virtio-9p device: the guest mounts it
# by tag, reads what the host put there and writes files the host sees;
# ",ro" shares refuse writes; a missing directory is a VMM error.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

share=$tmp/share
mkdir -p "$share/sub"
echo "from-the-host" >"$share/hello.txt"
echo "nested" >"$share/sub/n.txt"

# One line, no quotes: it travels inside cocoon.exec="/bin/sh -c '...'".
# shellcheck disable=SC2016 # expanded in the guest
guest_rw='mkdir -p /mnt && mount -t 9p -o trans=virtio,version=9p2000.L work /mnt && echo mounted=yes && echo read=$(cat /mnt/hello.txt) && echo sub=$(cat /mnt/sub/n.txt) && echo from-the-guest > /mnt/out.txt && mkdir /mnt/newdir && echo listing=$(ls /mnt | tr -s [:space:] ,)'
run_vm "$tmp/rw" --kernel "$kernel" --initrd "$initrd_test" --mem 128 \
	--share "work=$share" \
	--cmdline "quiet cocoon.exec=\"/bin/sh -c '$guest_rw'\""
expect_status "rw share: clean exit" 0 "$vm_status" "$tmp/rw.err"
expect_grep "rw share: mounted by tag" "^mounted=yes" "$tmp/rw.console"
expect_grep "rw share: guest reads a host file" "^read=from-the-host" "$tmp/rw.console"
expect_grep "rw share: guest reads a nested file" "^sub=nested" "$tmp/rw.console"
expect_grep "rw share: guest lists the directory" "^listing=.*hello.txt" "$tmp/rw.console"
expect_grep "rw share: guest's command succeeded" "^cocoon-init: exec exited status 0" "$tmp/rw.console"
if [ "$(cat "$share/out.txt" 2>/dev/null)" = "from-the-guest" ]; then
	ok "rw share: the host sees the file the guest wrote"
else
	fail "rw share: out.txt on the host: '$(cat "$share/out.txt" 2>&1)'"
fi
if [ -d "$share/newdir" ]; then
	ok "rw share: the host sees the guest's new directory"
else
	fail "rw share: no newdir on the host"
fi

# Bulk data both ways (many requests: indirect tables, EVENT_IDX
# suppression, ring wrap-around): the checksums agree on both sides.
head -c $((4 << 20)) /dev/urandom >"$share/big-in"
# shellcheck disable=SC2016 # expanded in the guest
guest_bulk='mkdir -p /mnt && mount -t 9p -o trans=virtio,version=9p2000.L,msize=65536 work /mnt && echo in=$(sha256sum /mnt/big-in) && dd if=/dev/urandom of=/mnt/big-out bs=65536 count=64 2>/dev/null && sync && echo out=$(sha256sum /mnt/big-out)'
run_vm "$tmp/bulk" --kernel "$kernel" --initrd "$initrd_test" --mem 128 \
	--share "work=$share" \
	--cmdline "quiet cocoon.exec=\"/bin/sh -c '$guest_bulk'\""
expect_status "bulk: clean exit" 0 "$vm_status" "$tmp/bulk.err"
expect_grep "bulk: the guest reads 4 MiB intact" "^in=$(sha256sum <"$share/big-in" | cut -d' ' -f1) " "$tmp/bulk.console"
if [ -f "$share/big-out" ] && [ "$(stat -c %s "$share/big-out")" = $((4 << 20)) ]; then
	expect_grep "bulk: the host gets the guest's 4 MiB intact" "^out=$(sha256sum <"$share/big-out" | cut -d' ' -f1) " "$tmp/bulk.console"
else
	fail "bulk: big-out on the host is missing or short"
fi

# Read-only: reading works, writing fails with EROFS, nothing appears.
# shellcheck disable=SC2016 # expanded in the guest
guest_ro='mkdir -p /mnt && mount -t 9p -o trans=virtio,version=9p2000.L ro_share /mnt && echo read=$(cat /mnt/hello.txt) && if echo x > /mnt/ro-out.txt; then echo write=ok; else echo write=refused; fi'
run_vm "$tmp/ro" --kernel "$kernel" --initrd "$initrd_test" --mem 128 \
	--share "ro_share=$share,ro" \
	--cmdline "quiet cocoon.exec=\"/bin/sh -c '$guest_ro'\""
expect_status "ro share: clean exit" 0 "$vm_status" "$tmp/ro.err"
expect_grep "ro share: guest reads" "^read=from-the-host" "$tmp/ro.console"
expect_grep "ro share: guest cannot write" "^write=refused" "$tmp/ro.console"
if [ -e "$share/ro-out.txt" ]; then
	fail "ro share: the guest created a file"
else
	ok "ro share: no file on the host"
fi

# Two shares and an rng in one VM, each its own device.
mkdir -p "$tmp/second"
echo "second-share" >"$tmp/second/f"
# shellcheck disable=SC2016 # expanded in the guest
guest_two='mkdir -p /a /b && mount -t 9p -o trans=virtio work /a && mount -t 9p -o trans=virtio other /b && echo a=$(cat /a/hello.txt) b=$(cat /b/f)'
run_vm "$tmp/two" --kernel "$kernel" --initrd "$initrd_test" --mem 128 --rng \
	--share "work=$share" --share "other=$tmp/second" \
	--cmdline "quiet cocoon.exec=\"/bin/sh -c '$guest_two'\""
expect_status "two shares: clean exit" 0 "$vm_status" "$tmp/two.err"
expect_grep "two shares: both mounted" "^a=from-the-host b=second-share" "$tmp/two.console"

# The most shares there may be, with an rng: nine devices, every one of
# them on its own interrupt line, all answering.
args=()
mounts='true'
for i in 1 2 3 4 5 6 7 8; do
	mkdir -p "$tmp/s$i"
	echo "content-$i" >"$tmp/s$i/f"
	args+=(--share "s$i=$tmp/s$i")
	mounts+=" && mkdir -p /m$i && mount -t 9p -o trans=virtio s$i /m$i && cat /m$i/f"
done
run_vm "$tmp/eight" --kernel "$kernel" --initrd "$initrd_test" --mem 128 --rng \
	--verbose "${args[@]}" \
	--cmdline "quiet cocoon.exec=\"/bin/sh -c '$mounts'\""
expect_status "eight shares: clean exit" 0 "$vm_status" "$tmp/eight.err"
for i in 1 2 3 4 5 6 7 8; do
	expect_grep "eight shares: share $i read" "^content-$i" "$tmp/eight.console"
done
# Linux takes the ring features we offer (EVENT_IDX, INDIRECT_DESC).
expect_grep "eight shares: EVENT_IDX and INDIRECT_DESC negotiated" \
	"virtio-9p s1: driver ready, features 0x130000001" "$tmp/eight.err"
run_vm "$tmp/nine" --kernel "$kernel" --initrd "$initrd_test" "${args[@]}" \
	--share "s9=$tmp/s1"
expect_status "nine shares: usage error" 2 "$vm_status" "$tmp/nine.err"

# A share whose directory does not exist: the VMM refuses to start.
run_vm "$tmp/missing" --kernel "$kernel" --initrd "$initrd_test" --mem 128 \
	--share "x=$tmp/does-not-exist"
expect_status "missing directory: VMM error" 1 "$vm_status" "$tmp/missing.err"
expect_grep "missing directory: says which" "does-not-exist" "$tmp/missing.err"
finish
