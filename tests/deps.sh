#!/bin/bash
# Installs every Debian 12 package cocoon's build, tests and benchmarks
# need. Idempotent: does nothing when all are present.
set -euo pipefail
packages=(
	# build
	build-essential pkg-config clang lld libclang-rt-14-dev
	libjson-c-dev libarchive-dev libgpgme-dev libcurl4-openssl-dev
	libsqlite3-dev libseccomp-dev libcmocka-dev
	# the guest kernel; depmod for the test host's (Debian's, downloaded)
	linux-source-6.1 flex bison bc libelf-dev libssl-dev cpio xz-utils lz4
	kmod
	# the virtual test host, baselines and test tools
	qemu-system-x86 busybox-static iproute2 python3 procps psmisc time bc
	gnupg skopeo umoci docker-registry crun hyperfine jq attr file
	# pod networking: real CNI plugins, their iptables, bench/net
	containernetworking-plugins iptables iperf3
	# real engines driving cocoon-runtime (test_oci_podman, test_oci_containerd,
	# test_oci_netns, bench/oci); conmon and containerd-shim-runc-v2 come
	# with them; netavark is podman's default network (only recommended)
	podman containerd tmux netavark
	# man pages (rendered and linted by tests/toolbox), syscall tracing
	groff-base man-db mandoc strace
	# lint
	clang-format cppcheck shellcheck
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
