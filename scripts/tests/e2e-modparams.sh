#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmtest: timeout=300
#
# e2e-modparams.sh - the GWLB end-to-end scenario of e2e-gwlb.sh through a
# gwlbtun device made by the module parameters alone ("modprobe gwlbtun
# ifname=gwlb0 peers=<GWLB address>", the README's one-line NVA), no gwlbctl
# set and no ip link add.
#
# Such a device lives in the initial network namespace, so there the NVA is:
# "ip netns attach nva-init 1" names the initial netns, and topology.sh
# (TOPO_NVA_NS=nva-init TOPO_GWLB_EXISTING=1) builds client, server and the
# GWLB stand-in around it without creating or deleting it or the device.
#
# Two rounds, each a fresh load of the module:
#   1. ifname=gwlb0 peers=10.99.0.1: the defaults (External 901/10801,
#      Internal 900/10800), IPv4 outer headers
#   2. every parameter away from its default (ifname, both VNIs and ports,
#      an IPv6 peer), IPv6 outer headers
# Each round checks the load's log line and the device (up, configuration as
# given), then runs checks 1-5 of scripts/e2e/checks.sh: curl answers the
# client's own address, the TCP exchange is seen on the device, the
# per-tunnel counters match and there are no drops, a not-allowed sender is
# dropped and counted, ping/ARP/full-size frames cross.
#
# In the VM: scripts/vmtest e2e-modparams

set -euo pipefail

# shellcheck source=scripts/e2e/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/checks.sh"
e2e_test_init
need_modules veth vxlan bridge

# The initial netns, by name, as the NVA's namespace.
NVA_NETNS=nva-init
NVA=gwlbtun
OUTER=4
TOPO_NVA_NS=$NVA_NETNS
TOPO_GWLB_EXISTING=1

# shellcheck source-path=SCRIPTDIR/../e2e source=topology.sh
. "$REPO/scripts/e2e/topology.sh"

for c in curl ping tcpdump jq ip; do
	command -v "$c" >/dev/null || topo_die "missing command: $c"
done

NETNS_ATTACHED=
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	topo_down
	if [ -n "$NETNS_ATTACHED" ]; then
		# Only the name goes; the initial netns lives on.
		ip netns del "$NVA_NETNS" 2>/dev/null || true
	fi
	exit "$rc"
}
e2e_traps cleanup

[ ! -e "/run/netns/$NVA_NETNS" ] || topo_die "/run/netns/$NVA_NETNS exists already"
ip netns attach "$NVA_NETNS" 1
NETNS_ATTACHED=1
read -r INIT_NS _ < <(stat -L -c '%i' /proc/1/ns/net)
read -r NAMED_NS _ < <(stat -L -c '%i' "/run/netns/$NVA_NETNS")
check "ip netns attach $NVA_NETNS 1 names the initial netns (inode $NAMED_NS == $INIT_NS)" \
	eq "$NAMED_NS" "$INIT_NS"

# dev_gone DEV: DEV no longer exists in the initial netns.
dev_gone() {
	! ip link show dev "$1" >/dev/null 2>&1
}

# device_summary: "EXT_VNI:EXT_PORT INT_VNI:INT_PORT PEERS ANY TTL CSUM HOOKS
# MARK_MASK" of $GWLB_DEV, from gwlbctl show.
device_summary() {
	topo_gwlbctl -j show "$GWLB_DEV" | jq -r '.[0] |
		"\(.external.vni):\(.external.port) \(.internal.vni):\(.internal.port) \(.peers | join(",")) \(.peers_any) \(.ttl) \(.udp_csum) \(.nf_hooks) \(.mark_mask)"'
}

# run_round OUTER EXT_VNI EXT_PORT INT_VNI INT_PORT IFNAME PARAM=VALUE...:
# load the module with the parameters, check the device, run the scenario,
# tear down and unload.
run_round() {
	local want got flags msgs start
	OUTER=$1 EXT_VNI=$2 EXT_PORT=$3 INT_VNI=$4 INT_PORT=$5 GWLB_DEV=$6
	shift 6
	start=$(topo_now_ms)
	echo "# e2e-modparams: insmod gwlbtun $*; NVA in the initial netns, OUTER=$OUTER"
	# (dmesg is never cleared: the harness scans all of it for splats)
	gwlbtun_load "$@"

	msgs=$(dmesg)
	if topo_text_has "$msgs" "gwlbtun: $GWLB_DEV: external vni $EXT_VNI port $EXT_PORT, internal vni $INT_VNI port $INT_PORT, peers '$(topo_gw_ul)'"; then
		ok "load logged the device made from the parameters"
	else
		not_ok "load logged the device made from the parameters"
		diag "$msgs"
	fi
	flags=$(ip -j link show dev "$GWLB_DEV" | jq -r '.[0].flags | join(",")') || flags=
	check "$GWLB_DEV exists in the initial netns and is up (flags $flags)" \
		topo_text_has ",$flags," ',UP,'
	want="$EXT_VNI:$EXT_PORT $INT_VNI:$INT_PORT $(topo_gw_ul) false 0 true true 0"
	got=$(device_summary) || got=
	check "gwlbctl show $GWLB_DEV: '$got' (want '$want')" [ "$got" = "$want" ]

	e2e_scenario
	topo_down
	splat_check
	# The underlay veths in the initial netns go with their peers'
	# namespaces, asynchronously: wait, so the next round can make them anew.
	topo_wait 10 dev_gone ul-nva || topo_die "ul-nva still exists after topo_down"
	topo_wait 10 dev_gone ul-nva-r || topo_die "ul-nva-r still exists after topo_down"
	start=$(($(topo_now_ms) - start))
	printf '# round OUTER=%s: %d.%03d s\n' "$OUTER" $((start / 1000)) $((start % 1000))
}

run_round 4 901 10801 900 10800 gwlb0 ifname=gwlb0 "peers=$GW_UL4"
gwlbtun_unload
check "unload removed $GWLB_DEV" dev_gone "$GWLB_DEV"

# The module stays loaded: the harness unloads it with the device present.
run_round 6 7001 20801 7000 20800 gwlbmp1 ifname=gwlbmp1 \
	external_vni=7001 external_port=20801 internal_vni=7000 internal_port=20800 \
	"peers=$GW_UL6"

echo "$((CHECKS - FAILS)) passed, $FAILS failed"
[ "$FAILS" = 0 ]
