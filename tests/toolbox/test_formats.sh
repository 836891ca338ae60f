#!/bin/bash
# --format=json|json-pretty for list, status's usage and image list; no
# colour anywhere (NO_COLOR holds trivially); progress only on terminals.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq is missing"

c() { "$cocoon" --dir="$tmp/data" --local-config="$tmp/etc" --system-config="$tmp/lib" "$@"; }

# Empty: valid JSON arrays.
for cmd in "list" "image list"; do
	for f in json json-pretty; do
		# shellcheck disable=SC2086 # two-word commands
		c $cmd --format=$f >"$tmp/out" 2>"$tmp/err"
		check "$cmd --format=$f: exit 0 and an empty array" \
			jq -e 'type == "array" and length == 0' "$tmp/out"
	done
	# shellcheck disable=SC2086
	c $cmd --format=yaml >/dev/null 2>"$tmp/err"
	check "$cmd --format=yaml: usage error" test $? = 2
done
check "status documents --format=json|json-pretty" \
	sh -c '"$1" help status | grep -q -- "--format=json|json-pretty"' - "$cocoon"
check "image list documents --format=json|json-pretty" \
	sh -c '"$1" help image list | grep -q -- "--format=json|json-pretty"' - "$cocoon"

# One image: the JSON fields are the table's columns.
fix=${COCOON_FIXTURES:-$tmp/fixtures}
if [ ! -f "$fix/busybox.aci" ]; then
	"$top/tests/images/mkfixtures" "$fix" >"$tmp/fixtures.log" 2>&1 ||
		{
			fail "mkfixtures: $(tail -3 "$tmp/fixtures.log")"
			finish
		}
fi
c --insecure-options=image fetch "$fix/busybox.aci" >"$tmp/id" 2>"$tmp/fetch.err"
check "fetch the fixture" test -s "$tmp/id"
check "no progress when stderr is not a terminal" \
	sh -c '! grep -q -e "$(printf "\r")" -e "^importing " "$1"' - "$tmp/fetch.err"
if command -v script >/dev/null; then
	script -qec "$cocoon --dir=$tmp/data2 --insecure-options=image fetch $fix/busybox.aci" \
		/dev/null >"$tmp/tty" 2>&1
	check "progress on a terminal" grep -q "^importing $fix/busybox.aci" "$tmp/tty"
	script -qec "$cocoon --dir=$tmp/data3 --insecure-options=image fetch --no-progress $fix/busybox.aci" \
		/dev/null >"$tmp/tty" 2>&1
	check "none with --no-progress" sh -c '! grep -q "^importing " "$1"' - "$tmp/tty"
fi
c image list --format=json >"$tmp/plain"
c image list --format=json-pretty >"$tmp/pretty"
check "json: one line" test "$(wc -l <"$tmp/plain")" = 1
check "json-pretty: indented" test "$(wc -l <"$tmp/pretty")" -gt 5
check "json and json-pretty hold the same" \
	test "$(jq -S . "$tmp/plain")" = "$(jq -S . "$tmp/pretty")"
c image list --no-legend --full >"$tmp/table"
IFS=$'\t' read -r t_id t_name t_size _ <"$tmp/table"
check "id = the ID column" test "$(jq -r '.[0].id' "$tmp/plain")" = "$t_id"
check "id is the fetched image" test "$t_id" = "$(cat "$tmp/id")"
check "name = the NAME column" test "$(jq -r '.[0].name' "$tmp/plain")" = "$t_name"
check "size, importTime, lastUsedTime are numbers" \
	jq -e '.[0] | (.size | type) == "number" and (.importTime | type) == "number" and (.lastUsedTime | type) == "number"' "$tmp/plain"
check "SIZE column is size, human-readable" test -n "$t_size"

# No colour: nothing in the sources writes an escape sequence, and the
# output on a terminal has none, whatever NO_COLOR says.
if grep -rnE '\\(033|x1b|e)\[' "$top/stage0" "$top/images" "$top/common" --include='*.c' >"$tmp/esc"; then
	fail "escape sequences in the sources: $(head -3 "$tmp/esc")"
else
	ok "no escape sequence in stage0/, images/, common/"
fi
if command -v script >/dev/null; then
	for args in "help" "list" "image list" "config" "status nosuch"; do
		env -u NO_COLOR script -qec "$cocoon --dir=$tmp/data $args" /dev/null >"$tmp/tty" 2>&1
		if grep -q $'\033' "$tmp/tty"; then
			fail "cocoon $args on a terminal printed an escape sequence"
		else
			ok "cocoon $args on a terminal: no colour"
		fi
	done
else
	echo "script(1) is missing: terminal output not checked"
fi
finish
