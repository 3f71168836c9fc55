#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Installs every Debian package that building, testing, the demo and the
# benchmark need. Idempotent: does nothing when all are present.
set -euo pipefail

packages=(
	# build the module against Debian's kernel, and gwlbctl
	build-essential kmod libelf-dev linux-headers-amd64 pkg-config libmnl-dev
	# static checks and KUnit under UML (kernel tree, checkpatch, sparse)
	linux-source-6.1 flex bison bc libc6-dev python3 sparse xz-utils
	# Debian's kernel in qemu, and the tools tests run inside it
	linux-image-amd64 qemu-system-x86 busybox-static cpio binutils util-linux
	iproute2 iputils-ping nftables iptables tcpdump iperf3 curl ethtool jq socat
	netsniff-ng libnetfilter-queue-dev conntrack conntrackd netcat-openbsd
	# DKMS, and the Debian packages of make deb (dh_dkms is its own package in bookworm)
	dkms debhelper dh-dkms lintian
	# shell script lint
	shellcheck
)

missing=()
for p in "${packages[@]}"; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ] ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#packages[@]} packages are installed"
	exit 0
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
echo "deps: done"
