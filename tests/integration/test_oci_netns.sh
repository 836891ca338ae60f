#!/bin/bash
# cocoon-runtime in the engine's network namespace (docs/networking.md, "In
# an engine's namespace"; docs/oci.md): the test plays the engine that ran
# CNI: a namespace with a veth end (10.250.1.2/24, a default route), its
# peer (10.250.1.1/24) in a second namespace where busybox httpd serves.
# config.json's linux.namespaces names the first by path. The guest takes
# over the address, routes and MAC, fetches the page; while it runs, tap0
# and the tc redirect are in the engine's namespace; after delete they are
# gone and the namespace, its veth, address and route are as the engine
# made them. A second container in that namespace while the first runs,
# and a Kubernetes sandbox (pause) container, get loopback only and leave
# the first one's tap alone. A network namespace without a path, or one
# with lo only (what podman makes for --network none), gives loopback only.
# Only namespaces and veths this test creates are used; all are removed.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

runtime=$build/cocoon-runtime
oci_test_setup crun ip tc busybox jq podman conmon

R=$tmp/root
ENG=cocoon-it-eng-$$ # the engine's namespace (/run/netns/$ENG)
WEB=cocoon-it-web-$$ # the other end of the veth, with the server
EMPTY=cocoon-it-empty-$$
httpd_pid=
bg_pids=()
podman_used=
P=()
cleanup() {
	local d p
	for d in "$R"/*/; do
		[ -f "$d/oci.json" ] &&
			"$runtime" --root "$R" delete --force "$(basename "$d")" \
				>/dev/null 2>&1
	done
	[ -n "$httpd_pid" ] && kill "$httpd_pid" 2>/dev/null
	for p in "${bg_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	if [ -n "$podman_used" ]; then
		"${P[@]}" rm -a -f -t 0 >/dev/null 2>&1
		"${P[@]}" rmi -a -f >/dev/null 2>&1
		ip link del podman0 2>/dev/null
	fi
	wait 2>/dev/null
	for n in "$ENG" "$WEB" "$EMPTY"; do
		ip netns del "$n" 2>/dev/null
	done
	grep -q " $tmp" /proc/self/mountinfo &&
		awk -v t="$tmp" '$5 ~ "^"t {print $5}' /proc/self/mountinfo |
		sort -r | xargs -r -n1 umount -l
	rm -rf "$tmp"
}
trap cleanup EXIT

rt() { "$runtime" --root "$R" "$@"; }
state_of() { rt state "$1" 2>/dev/null | jq -r .status; }

# bundle NAME JQ-FILTER: $tmp/NAME with the image's rootfs and a
# config.json from `crun spec` edited by the filter.
bundle() {
	local b=$tmp/$1
	mkdir -p "$b"
	tar -xzf "$build/pod-fixtures/pod-busybox.aci" -C "$b" rootfs
	(cd "$b" && crun spec) || return 1
	jq --arg ns "/run/netns/$ENG" --arg empty "/run/netns/$EMPTY" \
		--arg get "$GET" "$2" "$b/config.json" >"$b/config.json.new" &&
		mv "$b/config.json.new" "$b/config.json"
}

# wait_for CMD...: until CMD succeeds, for up to 90 s.
wait_for() {
	for _ in $(seq 1 900); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
stopped() { [ "$(state_of "$1")" = stopped ]; }

# expect_lo_only WHAT FILE: FILE (a guest's `ip link show`) has lo and no
# Ethernet link (the guest kernel's sit0 is no NIC).
expect_lo_only() {
	if grep -q ': lo:' "$2" && ! grep -q 'link/ether' "$2"; then
		ok "$1"
	else
		fail "$1: links: $(cat "$2")"
	fi
}

# create NAME: `create` as an engine runs it, a child subreaper that
# reaps the container's process (reparented to it) when it ends; the
# container's stdio in $tmp/NAME.out and .err, create's exit status in
# $tmp/NAME.status.
create() {
	python3 -c '
import ctypes, os, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
rc = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    f.write("%d\n" % rc)
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
' "$tmp/$1.status.tmp" "$runtime" --root "$R" create --bundle "$tmp/$1" \
		--pid-file "$tmp/$1.pid" "$1" </dev/null >"$tmp/$1.out" \
		2>"$tmp/$1.err" &
	bg_pids+=($!)
	wait_for test -e "$tmp/$1.status.tmp"
	create_status=$(cat "$tmp/$1.status.tmp" 2>/dev/null)
}

# What the engine's namespace looks like, for the before/after compare.
eng_state() {
	# global scope: the kernel adds eth0's IPv6 link-local one on its own
	ip -n "$ENG" -o addr show dev eth0 scope global | awk '{print $3, $4}'
	ip -n "$ENG" route show
	ip -n "$ENG" -o link show | awk -F': ' '{print $2}' | sed 's/@.*//'
	ip -n "$ENG" link show dev eth0 | awk '/link\/ether/ {print $2}'
	tc -n "$ENG" qdisc show dev eth0 | grep -c ingress
}

# ---- the engine's network: two namespaces joined by a veth
ip netns add "$ENG" && ip netns add "$WEB" &&
	ip -n "$WEB" link add web0 type veth peer name eth0 netns "$ENG" &&
	ip -n "$WEB" addr add 10.250.1.1/24 dev web0 &&
	ip -n "$WEB" link set lo up && ip -n "$WEB" link set web0 up &&
	ip -n "$ENG" addr add 10.250.1.2/24 dev eth0 &&
	ip -n "$ENG" link set lo up && ip -n "$ENG" link set eth0 up &&
	ip -n "$ENG" route add default via 10.250.1.1 ||
	{
		fail "set up the engine's namespaces"
		finish
	}
eng_mac=$(ip -n "$ENG" link show dev eth0 | awk '/link\/ether/ {print $2}')
before=$(eng_state)
mkdir -p "$tmp/www"
echo "hello from the engine's network" >"$tmp/www/hello"
ip netns exec "$WEB" busybox httpd -f -p 10.250.1.1:8080 -h "$tmp/www" &
httpd_pid=$!

# In the guest, `get HOST PORT PATH` prints the body of an HTTP GET (nc:
# the image's static busybox wget cannot resolve the "http" service).
GET='get() { printf "GET %s HTTP/1.0\r\n\r\n" "$3" | nc -w 10 "$1" "$2" | sed "1,/^\r*$/d"; }'

# ---- a container in the engine's namespace
bundle joined '.process.terminal = false |
	.linux.namespaces = [.linux.namespaces[] | select(.type != "network")] + [{"type": "network", "path": $ns}] |
	.process.args = ["/bin/sh", "-c", $get + "
		ip -o addr show
		ip route
		ip link show | grep -i link/ether
		for i in 1 2 3 4 5; do get 10.250.1.1 8080 /hello | grep . && break; sleep 1; done
		echo fetched
		sleep 4"]' || fail "make the bundle"
create joined
expect_status "create in the engine's namespace" 0 "$create_status" \
	"$tmp/joined.err"
rt start joined 2>"$tmp/joined.start"
expect_status "start" 0 $? "$tmp/joined.start"
if wait_for grep -q '^fetched$' "$tmp/joined.out"; then
	ok "the app ran"
	ip -n "$ENG" link show tap0 >/dev/null 2>&1 &&
		ok "while it runs, tap0 is in the engine's namespace" ||
		fail "no tap0 in the engine's namespace"
	tc -n "$ENG" filter show dev eth0 ingress | grep -q 'Egress Redirect to device tap0' &&
		ok "... and eth0's ingress redirects to it" ||
		fail "eth0's ingress: $(tc -n "$ENG" filter show dev eth0 ingress 2>&1)"
else
	fail "the app did not get to the end: $(cat "$tmp/joined.out" "$tmp/joined.err")"
fi
wait_for stopped joined || fail "the container did not stop"
expect_grep "the guest has the engine's address" \
	'eth0 +inet 10\.250\.1\.2/24' "$tmp/joined.out"
expect_grep "... and its default route" '^default via 10\.250\.1\.1' \
	"$tmp/joined.out"
expect_grep "... and its MAC ($eng_mac)" "link/ether $eng_mac" \
	"$tmp/joined.out"
expect_grep "the app fetched the page from the engine's network" \
	"^hello from the engine's network$" "$tmp/joined.out"
rt delete joined 2>"$tmp/joined.delete"
expect_status "delete" 0 $? "$tmp/joined.delete"
same_as_before() { [ "$(eng_state)" = "$before" ]; }
if wait_for same_as_before; then
	ok "after delete the engine's namespace is as the engine made it"
else
	fail "the engine's namespace changed:"
	echo "$before" >"$tmp/eng.before"
	eng_state >"$tmp/eng.after"
	diff "$tmp/eng.before" "$tmp/eng.after" | sed 's/^/    | /'
	ls -l "$R"/cocoon/pods/*/*/net 2>&1 | sed 's/^/    | /'
fi
[ -e "/run/netns/$ENG" ] && ok "... and it is still there" ||
	fail "the engine's namespace is gone"

# ---- one interface serves one VM: a second container in the namespace,
# and a Kubernetes sandbox (pause) container, get loopback only and leave
# the first one's tap alone
bundle holder '.process.terminal = false |
	.linux.namespaces = [.linux.namespaces[] | select(.type != "network")] + [{"type": "network", "path": $ns}] |
	.process.args = ["/bin/sh", "-c", "echo up; sleep 600"]' ||
	fail "make the bundle"
create holder
expect_status "create a container that holds the namespace" 0 \
	"$create_status" "$tmp/holder.err"
rt start holder 2>"$tmp/holder.start"
if wait_for grep -q '^up$' "$tmp/holder.out" &&
	ip -n "$ENG" link show tap0 >/dev/null 2>&1; then
	for c in second pause; do
		if [ $c = pause ]; then
			ann='.annotations["io.kubernetes.cri.container-type"] = "sandbox" |'
		else
			ann=
		fi
		bundle $c "$ann"'.process.terminal = false |
			.linux.namespaces = [.linux.namespaces[] | select(.type != "network")] + [{"type": "network", "path": $ns}] |
			.process.args = ["/bin/sh", "-c", "ip -o link show; echo done"]' ||
			fail "make the bundle"
		create $c
		expect_status "create $c in the namespace another VM uses" 0 \
			"$create_status" "$tmp/$c.err"
		rt start $c 2>"$tmp/$c.start"
		wait_for stopped $c || fail "$c did not stop"
		expect_grep "... $c ran" '^done$' "$tmp/$c.out"
		expect_lo_only "... with loopback only" "$tmp/$c.out"
		if [ $c = second ]; then
			expect_grep "... saying why on its stderr" \
				"already another VM's .tap0 is there.: this pod has loopback only" "$tmp/$c.err"
		fi
		rt delete $c >/dev/null 2>&1
		ip -n "$ENG" link show tap0 >/dev/null 2>&1 &&
			tc -n "$ENG" filter show dev eth0 ingress | grep -q 'Redirect to device tap0' &&
			ok "... and after its delete the first VM's tap0 and redirect stay" ||
			fail "$c's delete took the first VM's tap0 or redirect"
	done
	[ "$(state_of holder)" = running ] &&
		ok "the first container still runs" ||
		fail "the first container is $(state_of holder)"
else
	fail "the holding container did not come up: $(cat "$tmp/holder.out" "$tmp/holder.err")"
fi
rt delete --force holder 2>"$tmp/holder.delete"
expect_status "delete --force of the holder" 0 $? "$tmp/holder.delete"
if wait_for same_as_before; then
	ok "... and the engine's namespace is as the engine made it again"
else
	fail "the engine's namespace changed: $(eng_state)"
fi

# ---- a new network namespace (no path): loopback only
bundle alone '.process.terminal = false |
	.linux.namespaces = [.linux.namespaces[] | select(.type != "network")] + [{"type": "network"}] |
	.process.args = ["/bin/sh", "-c", "ip -o link show; echo done"]' ||
	fail "make the bundle"
create alone
expect_status "create with a new network namespace" 0 "$create_status" \
	"$tmp/alone.err"
rt start alone 2>"$tmp/alone.start"
wait_for stopped alone || fail "the container did not stop"
expect_grep "it ran" '^done$' "$tmp/alone.out"
expect_lo_only "a network namespace without a path: loopback only" \
	"$tmp/alone.out"
rt delete alone >/dev/null 2>&1

# ---- a namespace with lo only (podman's --network none): loopback only
ip netns add "$EMPTY"
bundle empty '.process.terminal = false |
	.linux.namespaces = [.linux.namespaces[] | select(.type != "network")] + [{"type": "network", "path": $empty}] |
	.process.args = ["/bin/sh", "-c", "ip -o link show; echo done"]' ||
	fail "make the bundle"
create empty
expect_status "create in a namespace with lo only" 0 "$create_status" \
	"$tmp/empty.err"
rt start empty 2>"$tmp/empty.start"
wait_for stopped empty || fail "the container did not stop"
expect_grep "it ran" '^done$' "$tmp/empty.out"
expect_lo_only "a namespace with nothing to take over: loopback only" \
	"$tmp/empty.out"
rt delete empty >/dev/null 2>&1
[ -z "$(ip -n "$EMPTY" -o link show | grep -v ': lo:')" ] &&
	ok "... and nothing is left in that namespace" ||
	fail "left in the namespace: $(ip -n "$EMPTY" -o link show)"

# ---- podman's default network (netavark): a real engine's namespace
if [ -x /usr/lib/podman/netavark ]; then
	IMG=localhost/cocoon-busybox:1
	P=(podman --root "$tmp/storage" --runroot "$tmp/run" --tmpdir "$tmp/ptmp"
		--storage-driver vfs --cgroup-manager cgroupfs
		--events-backend file --runtime "$runtime")
	podman_used=1
	veths_before=$(ip -o link show type veth | wc -l)
	mkdir -p "$tmp/img"
	tar -xzf "$build/pod-fixtures/pod-busybox.aci" -C "$tmp/img" rootfs
	tar -C "$tmp/img/rootfs" -c . | "${P[@]}" import - "$IMG" \
		>"$tmp/import.log" 2>&1 || fail "podman import: $(tail -5 "$tmp/import.log")"
	# the server on the test host, reached through podman's bridge
	busybox httpd -f -p 18082 -h "$tmp/www" &
	bg_pids+=($!)
	"${P[@]}" run --rm --network bridge "$IMG" sh -c "$GET"'
		ip -o addr show
		ip route
		for i in 1 2 3 4 5; do get 10.88.0.1 18082 /hello | grep . && break; sleep 1; done
		exit 5' >"$tmp/podman.out" 2>"$tmp/podman.err"
	expect_status "podman run --network bridge: the app's exit code" 5 $? \
		"$tmp/podman.err"
	expect_grep "... the guest has netavark's address" \
		'eth0 +inet 10\.88\.[0-9]+\.[0-9]+/16' "$tmp/podman.out"
	expect_grep "... and its default route" '^default via 10\.88\.0\.1' \
		"$tmp/podman.out"
	expect_grep "... and reaches the host through the bridge" \
		"^hello from the engine's network$" "$tmp/podman.out"
	"${P[@]}" run --rm --network none "$IMG" sh -c 'ip -o link show' \
		>"$tmp/podman-none.out" 2>"$tmp/podman-none.err"
	expect_status "podman run --network none" 0 $? "$tmp/podman-none.err"
	expect_lo_only "... loopback only" "$tmp/podman-none.out"
	[ "$(ip -o link show type veth | wc -l)" = "$veths_before" ] &&
		ok "podman's veth is gone after run --rm" ||
		fail "veths left: $(ip -o link show type veth)"
else
	fail "netavark is not installed (bash tests/deps.sh): no podman checks"
fi

# ---- nothing of ours is left behind
wait_for test -z "$(find "$R" -mindepth 1 -maxdepth 1 ! -name cocoon)"
left=$(find "$R" -mindepth 1 -maxdepth 1 ! -name cocoon)
[ -z "$left" ] && ok "no container state left" || fail "left in $R: $left"
pods=$(find "$R/cocoon/pods" -mindepth 2 -maxdepth 2 2>/dev/null)
[ -z "$pods" ] && ok "no pods left" || fail "pods left: $pods"
grep -q " $R" /proc/self/mountinfo && fail "mounts left under $R" ||
	ok "no mount is left"

finish
