# shellcheck shell=bash
# Sourced after lib.sh by the pod tests: the signed pod image
# (tests/integration/mkpodimage, built once into build/pod-fixtures), a
# fresh store under $tmp that trusts its key, and `c`, the cocoon CLI on
# that store.
# shellcheck disable=SC2034,SC2154 # sets variables for the tests; uses lib.sh's
cocoon=$build/cocoon
pod_fixtures=${POD_FIXTURES:-$build/pod-fixtures}
IMG=example.com/pod-busybox:1.0
IMG_ACI=$pod_fixtures/pod-busybox.aci

c() {
	"$cocoon" --dir="$S/data" --local-config="$S/etc" \
		--system-config="$S/vendor" "$@"
}

# run_pod NAME ARGS...: `cocoon run` with a timeout; stdout in
# $tmp/NAME.out, stderr in $tmp/NAME.err, exit status in $st.
run_pod() {
	local name=$1
	shift
	timeout 300 "$cocoon" --dir="$S/data" --local-config="$S/etc" \
		--system-config="$S/vendor" run "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err"
	st=$?
}

# pod_setup: fixture, store, trusted key. Fails the test if any is missing.
pod_setup() {
	"$top/tests/integration/mkpodimage" "$pod_fixtures" \
		>"$tmp/mkpodimage.log" 2>&1 || {
		echo "not ok: building the pod image:"
		sed 's/^/    | /' "$tmp/mkpodimage.log" | tail -20
		exit 1
	}
	S=$tmp/store
	mkdir -p "$S"
	c trust --prefix=example.com --skip-fingerprint-review \
		"$pod_fixtures/keys/good.asc" >/dev/null 2>"$tmp/trust.err" || {
		echo "not ok: trusting the pod image key: $(cat "$tmp/trust.err")"
		exit 1
	}
}

# pod_vm_setup: what a test that boots pods needs. Skips (77) without
# root or /dev/kvm; on any exit kills the background processes listed in
# bg_pids, collects the store's exited pods and removes $tmp; then
# pod_setup and the image fetched into the store.
bg_pids=()
pod_vm_cleanup() {
	local p
	for p in "${bg_pids[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -n "${S:-}" ] && [ -d "$S/data" ] && c gc --grace-period=0s \
		>/dev/null 2>&1
	rm -rf "$tmp"
}
pod_vm_setup() {
	if [ "$(id -u)" != 0 ]; then
		echo "skip: pods need root (mounts, cgroups); run in tests/testhost/run"
		exit 77
	fi
	if [ ! -c /dev/kvm ]; then
		echo "skip: no /dev/kvm; run in tests/testhost/run"
		exit 77
	fi
	trap pod_vm_cleanup EXIT
	pod_setup
	c fetch "$IMG_ACI" >/dev/null 2>"$tmp/fetch.err" || {
		echo "not ok: fetch the pod image: $(cat "$tmp/fetch.err")"
		exit 1
	}
}
