#!/bin/bash
# The systemd units and tmpfiles.d entry in stage0/systemd: they pass
# `systemd-analyze verify` (with the man pages they cite installed) and
# systemd-tmpfiles creates the directories with their modes.
. "$(dirname "$0")/lib.sh"
units=$top/stage0/systemd
command -v systemd-analyze >/dev/null ||
	skip "systemd-analyze is missing: the unit files were not verified"

# As `make install` writes them: ExecStart at the installed cocoon (here
# the built one, which must exist for verify).
mkdir -p "$tmp/units" "$tmp/man/man1"
"$cocoon" help --man-dir="$tmp/man/man1"
for u in "$units"/*.service "$units"/*.timer; do
	sed "s|/usr/bin/cocoon|$cocoon|" "$u" >"$tmp/units/$(basename "$u")"
done
check "the three units exist" test -f "$tmp/units/cocoon-gc.service" -a \
	-f "$tmp/units/cocoon-gc.timer" -a -f "$tmp/units/cocoon-api.service"
for u in "$tmp"/units/*; do
	name=$(basename "$u")
	out=$(cd "$tmp/units" && MANPATH=$tmp/man systemd-analyze verify "./$name" 2>&1)
	status=$?
	# Unknown keys are warnings with exit status 0: any output fails.
	if [ "$status" = 0 ] && [ -z "$out" ]; then
		ok "systemd-analyze verify $name"
	else
		fail "systemd-analyze verify $name (status $status): $out"
	fi
done
check "cocoon-gc.service runs gc with rkt's default grace period" \
	grep -qx "ExecStart=/usr/bin/cocoon gc --grace-period=30m" "$units/cocoon-gc.service"
check "cocoon-gc.service is a oneshot" grep -qx "Type=oneshot" "$units/cocoon-gc.service"
check "cocoon-gc.timer is wanted by timers.target" \
	grep -qx "WantedBy=timers.target" "$units/cocoon-gc.timer"
check "cocoon-api.service runs the API service" \
	grep -qx "ExecStart=/usr/bin/cocoon api-service" "$units/cocoon-api.service"
check "the grace period in the unit is one gc accepts" \
	"$cocoon" --dir="$tmp/data" gc --grace-period=30m --mark-only

if command -v systemd-tmpfiles >/dev/null; then
	mkdir -p "$tmp/root/etc/tmpfiles.d"
	cp "$units/tmpfiles.d/cocoon.conf" "$tmp/root/etc/tmpfiles.d/"
	out=$(systemd-tmpfiles --create --root="$tmp/root" 2>&1)
	check "systemd-tmpfiles --create: no complaint" test -z "$out"
	# Owned by root when run as root (tmpfiles cannot chown otherwise).
	owner=$([ "$(id -u)" = 0 ] && echo " root root")
	fmt=%a$([ "$(id -u)" = 0 ] && echo " %U %G")
	check "/var/lib/cocoon 0711$owner" \
		test "$(stat -c "$fmt" "$tmp/root/var/lib/cocoon")" = "711$owner"
	check "/run/cocoon 0755$owner" \
		test "$(stat -c "$fmt" "$tmp/root/run/cocoon")" = "755$owner"
else
	echo "systemd-tmpfiles is missing: tmpfiles.d/cocoon.conf not applied"
fi
finish
