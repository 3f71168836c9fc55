#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh - the Gateway Load Balancer scenario, shown the way the seed's blog
# shows it: a client curls a backend through the GWLB and the NVA, the backend
# answers with the client's own address (no NAT), and a tcpdump in the NVA
# shows the whole TCP exchange passing through it.
#
# It builds the topology of scripts/e2e/topology.sh (client, server, a GWLB
# stand-in made of kernel vxlan devices and bridges, the NVA) in network
# namespaces of its own, and removes it again at the end.
#
# Usage: [NVA=seed|gwlbtun] [OUTER=4|6] scripts/demo.sh
#   NVA defaults to gwlbtun when the gwlbtun module is loaded and gwlbctl is
#   available (scripts/gwlbctl/gwlbctl, $GWLBCTL or in PATH), else to seed,
#   the reference NVA: two vxlan devices in a bridge.

set -euo pipefail

DEMO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$DEMO_DIR/.." && pwd)

if [ -f "$REPO/scripts/vm/lib.sh" ]; then
	# shellcheck source=/dev/null
	. "$REPO/scripts/vm/lib.sh"
	set -euo pipefail
fi
if declare -F need_modules >/dev/null && [ -d "/lib/modules/$(uname -r)" ]; then
	need_modules veth vxlan bridge
fi

NVA_ASKED=${NVA:-}
# shellcheck source-path=SCRIPTDIR/e2e source=topology.sh
. "$REPO/scripts/e2e/topology.sh"
if [ -z "$NVA_ASKED" ]; then
	if [ -d /sys/module/gwlbtun ] && [ -n "$GWLBCTL" ] && [ -x "$GWLBCTL" ]; then
		NVA=gwlbtun
	else
		NVA=seed
	fi
fi

demo_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	topo_down
	exit "$rc"
}
trap demo_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

heading() {
	printf '\n== %s\n' "$*"
}

command -v curl >/dev/null || topo_die "missing command: curl"

topo_up --with-server
topo_server_start
CAP_DEV=$(topo_nva_capture_dev)
PCAP=$TOPO_TMP/nva.pcap
topo_capture_start "$NS_NVA" "$CAP_DEV" "$PCAP" tcp port "$SERVER_PORT"
CAP_PID=$TOPO_PID

BODY=$(topo_curl /api/ip) || BODY="(curl failed)"
topo_wait 5 topo_capture_closed "$PCAP" || true
topo_capture_stop "$CAP_PID"

if [ "$NVA" = gwlbtun ]; then
	heading "NVA: gwlbtun device $GWLB_DEV in namespace $NS_NVA"
else
	heading "NVA: the seed's bridge of two vxlan devices (nva-ext, nva-int) in namespace $NS_NVA"
fi
echo "   GWLB stand-in $(topo_gw_ul) <-> NVA $(topo_nva_ul) (outer IPv$OUTER)"
echo "   External tunnel VNI $EXT_VNI / UDP $EXT_PORT, Internal tunnel VNI $INT_VNI / UDP $INT_PORT"

heading "client $CLIENT_IP: curl http://$SERVER_IP:$SERVER_PORT/api/ip"
echo "$BODY"

heading "NVA: tcpdump -n -i $CAP_DEV tcp port $SERVER_PORT"
topo_capture_text "$PCAP"

if [ "$NVA" = gwlbtun ]; then
	heading "NVA: gwlbctl stats $GWLB_DEV"
	topo_gwlbctl stats "$GWLB_DEV" || true
fi
