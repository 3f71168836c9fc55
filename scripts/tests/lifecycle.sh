#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module and device lifecycle: the module loads and registers the link kind
# and the genl family; devices come and go in several namespaces (also with
# configured tunnels, whose UDP ports must be free again afterwards); a
# namespace dies with a configured device in it; devices cannot move between
# namespaces; rmmod with devices left in several namespaces unloads cleanly.
# The harness fails the run on any kernel splat.
#
# vmtest: timeout=240
set -euo pipefail

# shellcheck source=scripts/vm/lib.sh
. "${GWLBTUN_VM_LIB:-$(dirname "$0")/../vm/lib.sh}"
require_vm
gwlbctl=$PWD/scripts/gwlbctl/gwlbctl
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }

gwlbtun_load
[ -d /sys/module/gwlbtun ] || die "module not loaded"
ok "module loaded"

genl ctrl list >/tmp/genl
grep -q 'Name: gwlbtun' /tmp/genl || die "genl family gwlbtun not registered"
ok "generic netlink family gwlbtun is registered"

for ns in a b; do ip netns add "$ns"; done
ip link add gwlb0 type gwlbtun
ip -n a link add gwlb0 type gwlbtun
ip -n b link add gwlbA type gwlbtun
ip -n b link add gwlbB type gwlbtun
[ "$(ip -d -j link show gwlb0 | jq -r '.[0].linkinfo.info_kind')" = gwlbtun ] ||
	die "ip -d link does not show kind gwlbtun"
[ "$(ip -n b -j link show type gwlbtun | jq length)" = 2 ] || die "namespace b should hold 2 gwlbtun devices"
ok "ip link add type gwlbtun in the initial netns and in namespaces a and b"

ip link del gwlb0
ip link show gwlb0 >/dev/null 2>&1 && die "gwlb0 still exists after ip link del"
ok "ip link del"

# Configured devices hold UDP sockets; deleting the device frees the ports.
ip netns exec a "$gwlbctl" set gwlb0 external 901:10801 internal 900:10800 peers 10.0.0.5
ip netns exec a ss -Hnlu >/tmp/ss
[ "$(grep -c -E ':1080[01] ' /tmp/ss)" = 4 ] || { cat /tmp/ss; die "expected 4 UDP sockets (v4+v6 x 2 ports)"; }
ok "configuring opens the tunnel sockets (IPv4 and IPv6 on both ports)"
ip -n a link del gwlb0
ip netns exec a ss -Hnlu >/tmp/ss
grep -q -E ':1080[01] ' /tmp/ss && die "ports still bound after ip link del"
ok "deleting a configured device closes its sockets"

# Two devices sharing ports (different GWLBs) share the sockets.
ip netns exec b "$gwlbctl" set gwlbA external 901:10801 internal 900:10800 peers 10.0.0.5
ip netns exec b "$gwlbctl" set gwlbB external 901:10801 internal 900:10800 peers 10.0.0.6
[ "$(ip netns exec b ss -Hnlu | grep -c -E ':1080[01] ')" = 4 ] || die "shared ports should use 4 sockets in all"
ip -n b link del gwlbA
[ "$(ip netns exec b ss -Hnlu | grep -c -E ':1080[01] ')" = 4 ] || die "gwlbB lost its sockets when gwlbA went away"
ok "devices with different peers share the UDP sockets of a port"

# A device cannot change namespace: its sockets belong to its own.
if ip -n b link set gwlbB netns a 2>/dev/null; then
	die "a gwlbtun device moved to another namespace"
fi
ok "moving a device to another namespace is refused"

# A namespace dying with a configured device in it.
ip netns add c
ip -n c link add gwlb0 type gwlbtun
ip netns exec c "$gwlbctl" set gwlb0 external 901:10801 internal 900:10800 peers any
ip netns del c
sleep 1
ok "deleting a namespace with a configured device in it"

# Unload with devices still present in several namespaces.
ip link add gwlb1 type gwlbtun
ip -n a link add gwlb2 type gwlbtun
"$gwlbctl" set gwlb1 external 901:10801 internal 900:10800 peers 10.0.0.5
rmmod gwlbtun
[ -d /sys/module/gwlbtun ] && die "module still loaded after rmmod"
ip link show gwlb1 >/dev/null 2>&1 && die "gwlb1 survived rmmod"
ip -n b link show gwlbB >/dev/null 2>&1 && die "gwlbB survived rmmod"
ss -Hnlu | grep -q -E ':1080[01] ' && die "sockets survived rmmod"
ok "rmmod with devices in three namespaces removes them all and their sockets"

# And it comes back.
gwlbtun_load
ip link add gwlb0 type gwlbtun
"$gwlbctl" set gwlb0 external 901:10801 internal 900:10800 peers 10.0.0.5
ok "reload and reconfigure the same ports"
echo "$n passed, 0 failed"
