#!/bin/bash
# cocoon config: the effective configuration, as JSON, from the global
# flags, the stage1 search, trusted key dirs and net.d; it creates nothing.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || skip "jq is missing"

local_dir=$tmp/etc
system_dir=$tmp/lib
mkdir -p "$local_dir/net.d" "$system_dir/net.d" \
	"$local_dir/trustedkeys/prefix.d/example.com" "$system_dir/trustedkeys/root.d"
echo key >"$local_dir/trustedkeys/prefix.d/example.com/0123456789abcdef0123456789abcdef01234567"
cat >"$local_dir/net.d/10-mynet.conf" <<'NET'
{"cniVersion": "0.4.0", "name": "mynet", "type": "bridge"}
NET
# the same name in the system dir: the local file wins
cat >"$system_dir/net.d/10-mynet.conflist" <<'NET'
{"cniVersion": "0.4.0", "name": "mynet", "plugins": [{"type": "ptp"}]}
NET
cat >"$system_dir/net.d/20-other.conflist" <<'NET'
{"cniVersion": "0.4.0", "name": "other", "plugins": [{"type": "ptp"}]}
NET

c() { "$cocoon" --dir="$tmp/data" --local-config="$local_dir" --system-config="$system_dir" "$@"; }
c --insecure-options=image,http --debug config >"$tmp/out" 2>"$tmp/err"
check "config: exit 0" test $? = 0
check "config: one line of valid JSON" sh -c 'test "$(wc -l <"$1")" = 1 && jq -e . "$1" >/dev/null' - "$tmp/out"
j() { jq -r "$1" "$tmp/out"; }
check "paths.data is --dir" test "$(j .paths.data)" = "$tmp/data"
check "paths.local_config" test "$(j .paths.local_config)" = "$local_dir"
check "paths.system_config" test "$(j .paths.system_config)" = "$system_dir"
check "the data dir is not created" test ! -e "$tmp/data"
check "insecure_options" test "$(j '.insecure_options | join(",")')" = "image,http"
check "debug" test "$(j .debug)" = true
check "stage1: the build's cocoon-vmm" test "$(j .stage1.vmm)" = "$(cd "$build" && pwd -P)/cocoon-vmm" -o "$(j .stage1.vmm)" = "$build/cocoon-vmm"
check "stage1: kernel and initrd beside it" \
	test "$(j .stage1.kernel)" = "$(dirname "$(j .stage1.vmm)")/vmlinux" -a \
	"$(j .stage1.initrd)" = "$(dirname "$(j .stage1.vmm)")/initrd.cpio"
check "trusted_keys: local dir and its one key" \
	test "$(j '.trusted_keys[] | select(.origin == "local") | "\(.dir) \(.exists) \(.keys)"')" = "$local_dir/trustedkeys true 1"
check "trusted_keys: system dir, no key" \
	test "$(j '.trusted_keys[] | select(.origin == "system") | "\(.exists) \(.keys)"')" = "true 0"
check "cni.net_dirs" test "$(j '.cni.net_dirs | join(" ")')" = "$local_dir/net.d $system_dir/net.d"
check "cni.files: each file and its network" \
	test "$(j '[.cni.files[] | "\(.path)=\(.network)"] | join(" ")')" = \
	"$local_dir/net.d/10-mynet.conf=mynet $system_dir/net.d/10-mynet.conflist=mynet $system_dir/net.d/20-other.conflist=other"
net() { j ".networks[] | select(.name == \"$1\") | .source // .error"; }
check "networks: default is built-in" test "$(net default)" = built-in
check "networks: default-restricted is built-in" test "$(net default-restricted)" = built-in
check "networks: none" test "$(net none)" = built-in
check "networks: mynet from the local file, which wins" test "$(net mynet)" = "$local_dir/net.d/10-mynet.conf"
check "networks: other from the system dir" test "$(net other)" = "$system_dir/net.d/20-other.conflist"

# A broken file: named with its error, and every network says why it fails.
echo '{"name": "broken"' >"$local_dir/net.d/30-broken.conf"
c config >"$tmp/out"
check "a broken net.d file is reported" \
	test "$(j '.cni.files[] | select(.path | endswith("30-broken.conf")) | has("error")')" = true
check "networks then fail as run would" \
	sh -c 'jq -e ".networks[] | select(.name == \"default\") | .error | contains(\"30-broken.conf\")" "$1" >/dev/null' - "$tmp/out"
rm "$local_dir/net.d/30-broken.conf"

COCOON_STAGE1_DIR=$tmp/nowhere c config >"$tmp/out"
check "stage1: \$COCOON_STAGE1_DIR without the files is an error" \
	sh -c 'jq -e ".stage1.env == \"$2\" and (.stage1.error | contains(\"not found in $2\"))" "$1" >/dev/null' - "$tmp/out" "$tmp/nowhere"

c config --pretty >"$tmp/out"
check "config --pretty: indented, valid JSON" \
	sh -c 'test "$(wc -l <"$1")" -gt 20 && jq -e .paths "$1" >/dev/null' - "$tmp/out"
c config --bogus >/dev/null 2>&1
check "config --bogus: exit 2" test $? = 2
c config extra >/dev/null 2>&1
check "config extra: exit 2" test $? = 2
finish
