#!/bin/bash
# Many pods in a row leave nothing behind (docs/pods.md "Running a pod",
# step 5): COCOON_POD_ROUNDS (default 10) runs of `cocoon run ... --exec
# /bin/true`, then no mounts under the store, no cocoon-vmm or supervisor
# of this store, no pod cgroups, no stage1 sockets, this shell's fd count
# unchanged; `cocoon gc --grace-period=0s` then removes every exited pod.
# (Five pods at once are test_pod_run.sh's.)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/podlib.sh
. "$(dirname "$0")/podlib.sh"

pod_vm_setup
rounds=${COCOON_POD_ROUNDS:-10}
case $rounds in
'' | *[!0-9]* | 0)
	echo "not ok: COCOON_POD_ROUNDS must be a positive number, not '$rounds'"
	exit 1
	;;
esac


fds() { find "/proc/$$/fd" -mindepth 1 -maxdepth 1 | wc -l; }
fds_before=$(fds)
cg_before=$(find /sys/fs/cgroup/cocoon -mindepth 1 -maxdepth 1 -type d \
	2>/dev/null | sort)

start=$(date +%s)
bad=0
uuids=()
for i in $(seq 1 "$rounds"); do
	rm -f "$tmp/uuid"
	timeout 300 "$cocoon" --dir="$S/data" --local-config="$S/etc" \
		--system-config="$S/vendor" run --net=none \
		--uuid-file-save="$tmp/uuid" "$IMG" --exec /bin/true \
		>"$tmp/round.out" 2>"$tmp/round.err"
	st=$?
	if [ "$st" != 0 ] || [ -s "$tmp/round.out" ]; then
		bad=$((bad + 1))
		echo "    | round $i: status $st, out '$(head -c 200 "$tmp/round.out")'," \
			"err: $(tail -3 "$tmp/round.err")"
	fi
	uuids+=("$(cat "$tmp/uuid" 2>/dev/null)")
done
took=$(($(date +%s) - start))
echo "    ($rounds pods in $took s)"
expect_status "$rounds pods in a row each exit 0 with no output" 0 "$bad"

# ---- nothing left behind
if grep -qF "$S" /proc/mounts; then
	fail "mounts left under the store: $(grep -F "$S" /proc/mounts | awk '{print $2}' | head)"
else
	ok "no mounts under the store in /proc/mounts"
fi
procs=$(pgrep -af "$S/data")
if [ -n "$procs" ]; then
	fail "processes of this store left: $procs"
else
	ok "no cocoon-vmm or supervisor of this store left"
fi
vmms=$(pgrep -ax cocoon-vmm | grep -F "$S/" || true)
if [ -n "$vmms" ]; then
	fail "cocoon-vmm processes left: $vmms"
else
	ok "no cocoon-vmm process names this store"
fi
cg_after=$(find /sys/fs/cgroup/cocoon -mindepth 1 -maxdepth 1 -type d \
	2>/dev/null | sort)
if [ "$cg_after" = "$cg_before" ] && [ -z "$cg_after" ]; then
	ok "no pod cgroups under /sys/fs/cgroup/cocoon"
else
	fail "cgroups under /sys/fs/cgroup/cocoon: $cg_after"
fi
socks=$(find "$S/data" -type s 2>/dev/null)
if [ -n "$socks" ]; then
	fail "sockets left: $(echo "$socks" | head)"
else
	ok "no stage1 sockets left"
fi
expect_status "this shell's fd count is unchanged" "$fds_before" "$(fds)"

# ---- every pod is listed as exited; gc removes them all
c list --full --no-legend >"$tmp/list.out" 2>"$tmp/list.err"
expect_status "list succeeds" 0 $? "$tmp/list.err"
n_exited=$(grep -c ' exited ' "$tmp/list.out")
expect_status "list shows the $rounds pods exited" "$rounds" "$n_exited" \
	"$tmp/list.out"
missing=0
for u in "${uuids[@]}"; do
	grep -q "^$u " "$tmp/list.out" || missing=$((missing + 1))
done
expect_status "every saved UUID is listed" 0 "$missing" "$tmp/list.out"
c gc --grace-period=0s >"$tmp/gc.out" 2>"$tmp/gc.err"
expect_status "gc --grace-period=0s succeeds" 0 $? "$tmp/gc.err"
expect_status "gc removed $rounds pods" "$rounds" \
	"$(grep -c '^removed pod ' "$tmp/gc.out")" "$tmp/gc.out"
if [ -z "$(c list --no-legend 2>&1)" ]; then
	ok "list --no-legend is empty after gc"
else
	fail "list after gc: $(c list --no-legend 2>&1 | head)"
fi
left=$(find "$S/data/pods" -mindepth 2 -maxdepth 2 2>/dev/null)
if [ -z "$left" ]; then
	ok "no pod directories left after gc"
else
	fail "pod directories left after gc: $(echo "$left" | head)"
fi
expect_status "this shell's fd count is still unchanged" "$fds_before" "$(fds)"

finish
