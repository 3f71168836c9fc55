#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of the VM harness (scripts/vm/run): the guest runs Debian's
# installed kernel, / is the host's and read-only, /tmp is writable, network
# namespaces work, modules load from the shared /lib/modules, and a vxlan
# device can be made in a namespace. Needs no gwlbtun module.
#
# vmtest: timeout=120
set -euo pipefail

# shellcheck source=scripts/vm/lib.sh
. "${GWLBTUN_VM_LIB:-$(dirname "$0")/../vm/lib.sh}"
require_vm

kver=$(uname -r)
log "kernel $kver"
[ -d "/lib/modules/$kver/kernel" ] || die "no /lib/modules/$kver: not the host's Debian kernel"
[ -f "/boot/vmlinuz-$kver" ] || die "/boot/vmlinuz-$kver missing: not an installed Debian kernel"
case $(cat /proc/version) in
*Debian*) ;;
*) die "/proc/version does not name Debian: $(cat /proc/version)" ;;
esac

# the root is the host's, shared read-only; /tmp is a fresh tmpfs
[ "$(findmnt -n -o FSTYPE /)" = 9p ] || die "/ is not the 9p share"
[[ ,$(findmnt -n -o OPTIONS /), == *,ro,* ]] || die "/ is not mounted read-only"
if touch /gwlbtun-vm-probe 2>/dev/null; then
	rm -f /gwlbtun-vm-probe
	die "/ is writable"
fi
[ "$(findmnt -n -o FSTYPE /tmp)" = tmpfs ] || die "/tmp is not a tmpfs"
echo probe >/tmp/probe || die "/tmp is not writable"
[ "$(cat /tmp/probe)" = probe ] || die "/tmp does not read back"
for d in /etc /var /root; do
	[ "$(findmnt -n -o FSTYPE "$d")" = overlay ] || die "$d is not an overlay"
	touch "$d/.gwlbtun-vm-probe" || die "$d is not writable"
done
[ "$(pwd -P)" = "$(cd "$(dirname "$0")/../.." && pwd -P)" ] || log "cwd $(pwd -P) (not the repo top)"
[[ $(ip -br link show lo) == *UP* ]] || die "lo is down"

# network namespaces, modules, vxlan in a namespace
need_modules vxlan
grep -q '^vxlan ' /proc/modules || die "vxlan not loaded after modprobe"
netns_add smoke-a smoke-b
ip link add veth-a netns smoke-a type veth peer name veth-b netns smoke-b
ip -n smoke-a addr add 192.0.2.1/24 dev veth-a
ip -n smoke-b addr add 192.0.2.2/24 dev veth-b
ip -n smoke-a link set veth-a up
ip -n smoke-b link set veth-b up
ip -n smoke-a link add vx0 type vxlan id 900 remote 192.0.2.2 dstport 10800 srcport 0 0 nolearning udpcsum
ip -n smoke-a link set vx0 up
[[ $(ip -n smoke-a -d link show vx0) == *"vxlan id 900"* ]] || die "vxlan device not created"
ip netns exec smoke-a ping -c 1 -W 5 192.0.2.2 >/dev/null || die "no ping across veth between namespaces"
ip netns del smoke-a
ip netns del smoke-b

splat_check
log "smoke ok"
