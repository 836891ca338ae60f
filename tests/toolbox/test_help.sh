#!/bin/bash
# cocoon help COMMAND: one- and two-word commands, groups, unknown names.
. "$(dirname "$0")/lib.sh"

"$cocoon" help image list >"$tmp/a" 2>&1
check "help image list: exit 0" test $? = 0
"$cocoon" image list --help >"$tmp/b" 2>&1
check "help image list = image list --help" cmp -s "$tmp/a" "$tmp/b"
check "help image list is the usage" grep -q '^Usage: cocoon image list ' "$tmp/a"
"$cocoon" help list >"$tmp/a"
"$cocoon" list --help >"$tmp/b"
check "help list = list --help" cmp -s "$tmp/a" "$tmp/b"

"$cocoon" help image >"$tmp/group" 2>&1
check "help image: exit 0" test $? = 0
missing=$(commands | sed -n 's/^image //p' | while read -r sub; do
	grep -qE "^  $sub +[a-z]" "$tmp/group" || echo "$sub"
done)
[ -z "$missing" ] && ok "help image lists every image command" ||
	fail "help image lacks: $missing"
check "help image says how to get a command's usage" \
	grep -q "cocoon help image COMMAND" "$tmp/group"

"$cocoon" help nosuch >"$tmp/out" 2>"$tmp/err"
check "help nosuch: exit 2" test $? = 2
check "help nosuch: says so" grep -q 'help: unknown command "nosuch"' "$tmp/err"
check "help nosuch: nothing on stdout" test ! -s "$tmp/out"
"$cocoon" help image nosuch >/dev/null 2>"$tmp/err"
check "help image nosuch: exit 2" test $? = 2
check "help image nosuch: lists the image commands" \
	grep -q 'unknown command "image nosuch" (image has: cat-manifest' "$tmp/err"
"$cocoon" help list extra >/dev/null 2>"$tmp/err"
check "help list extra: exit 2" test $? = 2
check "help list extra: names the extra word" grep -q 'unexpected argument extra' "$tmp/err"
"$cocoon" help --bogus >/dev/null 2>&1
check "help --bogus: exit 2" test $? = 2
"$cocoon" help >"$tmp/all"
check "help alone: the overview with config" grep -qE '^  config +print the effective' "$tmp/all"
"$cocoon" --help config >"$tmp/a"
"$cocoon" help config >"$tmp/b"
check "cocoon --help config = help config" cmp -s "$tmp/a" "$tmp/b"
finish
