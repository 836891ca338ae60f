#!/bin/bash
# Bash completion: the generated script loads, registers itself, and
# completes commands, options, their values, pods and images, driven the
# way bash drives it (COMP_WORDS split at '=' and ':', COMP_CWORD).
. "$(dirname "$0")/lib.sh"

script=$tmp/cocoon.bash
check "cocoon help --completion=bash" \
	sh -c '"$1" help --completion=bash >"$2"' - "$cocoon" "$script"
check "the script is valid bash" bash -n "$script"
if [ -e "$build/completion/cocoon" ]; then
	check "build/completion/cocoon is the same script" \
		cmp -s "$build/completion/cocoon" "$script"
fi
"$cocoon" help --completion=zsh >/dev/null 2>&1
check "--completion=zsh is a usage error" test $? = 2

# A stand-in cocoon for the pods and images: it logs its arguments.
stub=$tmp/bin/cocoon
mkdir -p "$tmp/bin" "$tmp/data/cas"
: >"$tmp/data/cas/db.sqlite"
cat >"$stub" <<STUB
#!/bin/bash
echo "\$*" >>"$tmp/stub.log"
case "\$*" in
*"list --no-legend --full")
	printf '%s\n' \
		'5bc080ca-3a47-4c5e-9b1e-2d4f6a8b0c1e  web  example.com/web:2.1  running' \
		'                                      db   example.com/db:1.0' \
		'9e1f0a77-0000-4c5e-9b1e-2d4f6a8b0c1e  app  example.com/app:1    exited' ;;
*"image list --no-legend")
	printf 'sha512-0123456789ab\texample.com/web:2.1\t1.0 MiB\tx\ty\n'
	printf 'sha512-abcdef012345\texample.com/db:1.0\t2.0 MiB\tx\ty\n' ;;
esac
STUB
chmod +x "$stub"

# complete WORD...: the replies, one line, for the words as bash splits them
# (the last word is the one being completed).
cat >"$tmp/drive.sh" <<'DRIVE'
. "$1"
shift
complete -p cocoon
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_WORDBREAKS=$' \t\n"\'><=;|&(:'
COMPREPLY=()
_cocoon
echo "${COMPREPLY[*]}"
DRIVE
complete_words() {
	bash "$tmp/drive.sh" "$script" "$@" 2>"$tmp/drive.err" | tail -1
}
expect() { # WHAT WANT WORD...
	local what=$1 want=$2 got
	shift 2
	got=$(complete_words "$@")
	if [ "$got" = "$want" ]; then
		ok "$what"
	else
		fail "$what: [$*] gave [$got], want [$want] $(cat "$tmp/drive.err")"
	fi
}

reg=$(bash -c '. "$1"; complete -p cocoon' - "$script")
check "complete -p cocoon: registered with -F _cocoon" \
	test "$reg" = "complete -F _cocoon cocoon"

expect "command names" "status stop" cocoon st
expect "image subcommands" "cat-manifest export extract gc list render rm verify" cocoon image ''
expect "a subcommand by prefix" "render rm" cocoon image r
expect "a group among the commands, once" "image" cocoon ima
expect "a command's options" "--full --format=" cocoon list --f
expect "two-word command's options" "--format= --full" cocoon image list --f
expect "--format=: json json-pretty (list)" "json json-pretty" cocoon list --format =
expect "--format=js (image list)" "json json-pretty" cocoon image list --format = js
expect "--format as the next word (status)" "json json-pretty" cocoon status --format ''
expect "--pull-policy= choices" "new update never" cocoon run --pull-policy = ''
expect "--pull-policy=u" "update" cocoon fetch --pull-policy = u
expect "--net= choices" "default default-restricted none" cocoon run --net = ''
expect "--net list: after a comma, each once" "default,default-restricted default,none" cocoon run --net = default,
expect "--insecure-options: after two" "image,http,pubkey" cocoon fetch --insecure-options = image,http,pu
expect "--insecure-options=all- (global)" "all-fetch all-run" cocoon --insecure-options = all-
expect "--insecure-options list (run)" "image,http" cocoon run --insecure-options = image,ht
expect "--stage1=" "kvm" cocoon prepare --stage1 = ''
expect "global flags" "--dir= --debug" cocoon --d
expect "command after global flags" "list" cocoon --dir /x --debug li
expect "--help offered" "--help" cocoon gc --h
expect "a file value (--set-env-file FILE)" "$tmp/bin" cocoon run --set-env-file "$tmp/b"
expect "the app's arguments after -- are files" "$tmp/bin/cocoon" cocoon run img -- "$tmp/bin/c"
expect "help completes commands" "image" cocoon help im
expect "help completes subcommands" "list" cocoon help image li

: >"$tmp/stub.log"
expect "pod UUIDs for stop (first lines only)" \
	"5bc080ca-3a47-4c5e-9b1e-2d4f6a8b0c1e 9e1f0a77-0000-4c5e-9b1e-2d4f6a8b0c1e" \
	"$stub" --dir "$tmp/data" stop ''
check "the pods were listed in the --dir given" \
	grep -qx -- "--dir $tmp/data list --no-legend --full" "$tmp/stub.log"
for c in status enter rm cat-manifest run-prepared; do
	expect "pod UUID prefix for $c" "9e1f0a77-0000-4c5e-9b1e-2d4f6a8b0c1e" \
		"$stub" --dir="$tmp/data" "$c" 9e
done
expect "image names for run" "example.com/web:2.1 example.com/db:1.0" \
	"$stub" --dir "$tmp/data" run ''
# bash splits at ':'; the reply is what follows it.
expect "an image name with a version (split at :)" "1.0" \
	"$stub" --dir "$tmp/data" prepare example.com/db : 1
expect "image names for image rm" "example.com/web:2.1" \
	"$stub" --dir "$tmp/data" image rm example.com/w
expect "the second argument of image export is a file" "$tmp/bin" \
	"$stub" --dir "$tmp/data" image export example.com/web "$tmp/b"
: >"$tmp/stub.log"
expect "no image listing without a store" "" "$stub" --dir "$tmp/none" run ''
check "a missing store is not created by listing it" \
	test ! -s "$tmp/stub.log"
# The real cocoon on an empty data dir: nothing, and nothing created.
expect "real cocoon, no pods" "" "$cocoon" --dir "$tmp/empty" stop ''
check "the data dir was not created" test ! -e "$tmp/empty"
finish
