#!/bin/bash
# The man pages: one per command (and cocoon(1), cocoon-image(1)), each
# formats without a groff warning, renders with `man -l`, and names the
# same options as the command's --help.
. "$(dirname "$0")/lib.sh"
command -v groff >/dev/null || skip "groff is missing (Debian: groff-base)"
command -v man >/dev/null || skip "man is missing (Debian: man-db)"

mkdir -p "$tmp/man/man1"
check "cocoon help --man-dir writes the pages" \
	"$cocoon" help --man-dir="$tmp/man/man1"

# --help's options: every --name in the text, as the user reads it.
options() { grep -oE -- '(^|[^a-zA-Z0-9-])--[a-z][a-z0-9-]*' | sed 's/^[^-]*//' | sort -u; }

pages=0
while IFS= read -r cmd; do
	page=cocoon-${cmd// /-}
	f=$tmp/man/man1/$page.1
	pages=$((pages + 1))
	if [ ! -s "$f" ]; then
		fail "$page.1 was not written"
		continue
	fi
	warn=$(groff -man -Tutf8 -ww -z "$f" 2>&1)
	[ -z "$warn" ] && ok "$page: groff -ww reports nothing" ||
		fail "$page: groff -ww: $warn"
	if command -v mandoc >/dev/null; then
		warn=$(mandoc -Tlint -Wwarning "$f" 2>&1)
		[ -z "$warn" ] && ok "$page: mandoc -Tlint clean" ||
			fail "$page: mandoc: $warn"
	fi
	# man -l as a user reads it: rendered, overstriking removed.
	MANWIDTH=80 man -l "$f" 2>"$tmp/man.err" | col -b >"$tmp/page.txt"
	[ -s "$tmp/page.txt" ] && [ ! -s "$tmp/man.err" ] &&
		grep -q "^NAME" "$tmp/page.txt" &&
		grep -q "^SYNOPSIS" "$tmp/page.txt" &&
		grep -qE "^SEE ALSO" "$tmp/page.txt" &&
		ok "$page: man -l renders it" ||
		fail "$page: man -l: $(cat "$tmp/man.err")"
	# A hyphenated line end (U+2010) would split option names and paths.
	grep -q $'\u2010' "$tmp/page.txt" &&
		fail "$page: man -l hyphenates a word" ||
		ok "$page: no hyphenation"
	summary=$("$cocoon" help | awk -v c="$cmd" '
		{line = $0; sub(/^  /, "", line)}
		index(line, c " ") == 1 {sub(/^[^ ]+( [a-z-]+)? +/, "", line); print line; exit}')
	grep -qF -- "$page - ${summary:0:30}" <(tr -s ' \n' ' ' <"$tmp/page.txt") &&
		ok "$page: NAME has the summary" ||
		fail "$page: NAME lacks \"$summary\""
	# Rendered text wraps lines; an option name never breaks (.nh).
	"$cocoon" help $cmd | options >"$tmp/help.opts"
	options <"$tmp/page.txt" >"$tmp/man.opts"
	if diff -u "$tmp/help.opts" "$tmp/man.opts" >"$tmp/diff"; then
		ok "$page: the same $(wc -l <"$tmp/help.opts") options as --help"
	else
		fail "$page: options differ (- help, + man page): $(grep '^[-+]-' "$tmp/diff" | tr '\n' ' ')"
	fi
done < <(commands)
[ "$pages" -ge 20 ] && ok "$pages command pages" || fail "only $pages commands"

# cocoon(1): the global flags of `cocoon --help`, every command listed.
MANWIDTH=200 man -l "$tmp/man/man1/cocoon.1" 2>/dev/null | col -b >"$tmp/cocoon.txt"
"$cocoon" --help | options >"$tmp/help.opts"
options <"$tmp/cocoon.txt" >"$tmp/man.opts"
check "cocoon(1) has the global flags of cocoon --help" \
	diff -u "$tmp/help.opts" "$tmp/man.opts"
missing=$(commands | while IFS= read -r c; do
	grep -qE "^ +$c( |$)" "$tmp/cocoon.txt" || echo "$c"
done)
[ -z "$missing" ] && ok "cocoon(1) lists every command" ||
	fail "cocoon(1) lacks: $missing"
check "cocoon(1) formats without warnings" \
	test -z "$(groff -man -Tutf8 -ww -z "$tmp/man/man1/cocoon.1" 2>&1)"

# The group page, and the pages man finds by name.
check "cocoon-image(1) lists image list" \
	grep -q '^\\fBlist\\fR$' "$tmp/man/man1/cocoon-image.1"
check "man finds cocoon-image-list by name" \
	test "$(MANPATH=$tmp/man man -w cocoon-image-list)" = "$tmp/man/man1/cocoon-image-list.1"
groups=$(commands | awk 'NF == 2 {print $1}' | sort -u | wc -l)
check "no page beyond the commands, their groups ($groups) and cocoon(1)" \
	test "$(find "$tmp/man/man1" -name '*.1' | wc -l)" = "$((pages + groups + 1))"

# The build's pages are the same as a fresh rendering.
if [ -e "$build/man/stamp" ]; then
	# (but for the date in .TH, which is the day the pages were made)
	check "build/man matches cocoon help --man-dir" \
		diff -r -x stamp -I '^\.TH ' "$build/man" "$tmp/man/man1"
fi
# One page on stdout, and an unknown command refused.
"$cocoon" help --man image list >"$tmp/one.1"
check "cocoon help --man image list prints that page" \
	cmp -s "$tmp/one.1" "$tmp/man/man1/cocoon-image-list.1"
"$cocoon" help --man nosuch >/dev/null 2>"$tmp/err"
check "cocoon help --man nosuch: exit 2" test $? = 2
finish
