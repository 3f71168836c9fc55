#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vmtest: timeout=240
#
# early-rx.sh - the early_rx module parameter: with the module loaded with
# early_rx=1, the IPv4 tunnel packets are taken in PRE_ROUTING, before local
# delivery, through the GWLB stand-in of scripts/e2e/topology.sh.
#
# Checks (each "ok - ..." or "not ok - ..."; exit 1 if any failed):
#   1. early_rx=1: pings cross gwlb0 (reflection); the NVA namespace's
#      Ip InDelivers grows by fewer than the tunnel packets it received, and
#      an nft counter in its input chain for udp dport 10801 stays 0
#   2. an outer packet with a bad UDP checksum is dropped and counted
#      (Udp InCsumErrors +1) and not reflected; the same packet with a good
#      checksum, sent after it, is reflected (the crafting is right)
#   3. an outer packet with IP options and a fragmented one take the socket
#      path: each is reflected and the input counter sees it
#   4. an inner packet that is itself VXLAN to port 10801 of a local address
#      is reflected whole (one packet in, one out, the same bytes), not
#      decapsulated a second time
#   5. control, the module reloaded without early_rx: the same pings go
#      through local delivery, and the same input counter counts them
#   6. deleting the NVA's namespace with the device in it, then rmmod: the
#      module unloads (with early_rx=1 again, the hook registered)
#
# In the VM: scripts/vmtest early-rx
set -euo pipefail

# shellcheck source=scripts/e2e/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/checks.sh"
e2e_test_init
need_cmds nft jq python3
need_modules veth vxlan bridge nf_tables
gwlbtun_load early_rx=1
NVA=gwlbtun
OUTER=4
# shellcheck source=scripts/e2e/topology.sh
. "$REPO/scripts/e2e/topology.sh"
e2e_traps

VXSEND=(/usr/bin/python3 "$REPO/scripts/tests/lib/vxsend.py")
nva() { ip netns exec "$NS_NVA" "$@"; }
# snmp PROTO FIELD: the NVA namespace's /proc/net/snmp counter
snmp() {
	nva awk -v p="$1:" -v f="$2" '$1 == p { if (!h) { for (i = 2; i <= NF; i++) if ($i == f) c = i; h = 1 } else print $c }' /proc/net/snmp
}
# st FIELD...: gwlb0's counters (gwlbctl stats -j), space-separated
st() {
	local q
	q=$(printf '.%s, ' "$@")
	nva "$GWLBCTL" -j stats "$GWLB_DEV" | jq -r ".[0] | [${q%, }] | @tsv"
}
# input_count: packets of the input chain's counter for udp dport 10801
input_count() { nva nft -j list counter inet early c_in | jq '.nftables[] | select(.counter) | .counter.packets'; }
input_chain() {
	nva nft -f - <<-EOF
		table inet early {
			counter c_in { }
			chain input {
				type filter hook input priority 0; policy accept;
				udp dport $EXT_PORT counter name c_in
			}
		}
	EOF
}
# wait_rx N0: until External rx_packets exceeds N0 (3 s)
rx_above() { [ "$(st external.rx_packets)" -gt "$1" ]; }
wait_rx() { topo_wait 3 rx_above "$1" || true; }
# send [VXSEND-ARGS...]: a VXLAN packet from the stand-in to the External port
send() {
	ip netns exec "$NS_GWLB" "${VXSEND[@]}" --dst "$NVA_UL4" --src "$GW_UL4" \
		--port "$EXT_PORT" --vni "$EXT_VNI" "$@"
}

# pings_local WHAT: 5 pings through gwlb0; prints "delivers rx input" deltas
pings_local() {
	local d0 r0 r1 d1
	d0=$(snmp Ip InDelivers)
	r0=$(st external.rx_packets internal.rx_packets | awk '{ print $1 + $2 }')
	check_ping "$1: 5 pings through gwlb0" 5
	d1=$(snmp Ip InDelivers)
	r1=$(st external.rx_packets internal.rx_packets | awk '{ print $1 + $2 }')
	echo "$((d1 - d0)) $((r1 - r0))" >"$TOPO_TMP/pings"
}

topo_up
input_chain
mod=$(gwlbtun_modname)
check "early_rx is Y and read-only" \
	eval '[ "$(cat /sys/module/$mod/parameters/early_rx)" = Y ] && [ "$(stat -c %a /sys/module/$mod/parameters/early_rx)" = 444 ]'

# 1. reflection, no local delivery, INPUT does not see the tunnel packets
pings_local "early_rx=1"
read -r d r <"$TOPO_TMP/pings"
c=$(input_count)
check "early_rx=1: Ip InDelivers +$d for $r tunnel packets received (fewer)" \
	eval '[ "$r" -ge 10 ] && [ "$d" -lt "$r" ]'
check "early_rx=1: the input chain's udp dport $EXT_PORT counter is $c (0)" eq "$c" 0
# ARP crossed; none may cross during the exact counts below
topo_pin_neighbours

# 2. bad outer UDP checksum: dropped, counted, not reflected; then a good one
read -r erx itx <<<"$(st external.rx_packets internal.tx_packets)"
ce=$(snmp Udp InCsumErrors)
send --outer4 bad-csum
send
wait_rx "$erx"
read -r erx1 itx1 <<<"$(st external.rx_packets internal.tx_packets)"
ce1=$(snmp Udp InCsumErrors)
check "bad UDP checksum: Udp InCsumErrors +$((ce1 - ce)) (1)" eq "$((ce1 - ce))" 1
check "bad UDP checksum: not received or reflected, the good packet after it is: rx +$((erx1 - erx)), tx +$((itx1 - itx)) (1, 1)" \
	eval '[ $((erx1 - erx)) = 1 ] && [ $((itx1 - itx)) = 1 ]'

# 3. IP options and fragments: the socket path, seen by INPUT, reflected
for kind in ip-opts frag; do
	read -r erx itx <<<"$(st external.rx_packets internal.tx_packets)"
	c=$(input_count)
	send --outer4 "$kind"
	wait_rx "$erx"
	read -r erx1 itx1 <<<"$(st external.rx_packets internal.tx_packets)"
	c1=$(input_count)
	check "outer $kind: the socket path (input counter +$((c1 - c))), reflected (rx +$((erx1 - erx)), tx +$((itx1 - itx)))" \
		eval '[ $((c1 - c)) = 1 ] && [ $((erx1 - erx)) = 1 ] && [ $((itx1 - itx)) = 1 ]'
done

# 4. VXLAN inside VXLAN, to the NVA's own address and gwlb0's MAC: the
# hook must leave gwlb0's inner packets alone
mac=$(nva ip -j link show "$GWLB_DEV" | jq -r '.[0].address')
read -r erx itx erb itb <<<"$(st external.rx_packets internal.tx_packets external.rx_bytes internal.tx_bytes)"
send --inner vxlan4 --inner-dst "$NVA_UL4" --inner-dmac "$mac"
wait_rx "$erx"
sleep 0.5
read -r erx1 itx1 erb1 itb1 <<<"$(st external.rx_packets internal.tx_packets external.rx_bytes internal.tx_bytes)"
check "inner VXLAN to $NVA_UL4:$EXT_PORT: reflected whole (rx +$((erx1 - erx)), tx +$((itx1 - itx)), bytes $((erb1 - erb)) in, $((itb1 - itb)) out)" \
	eval '[ $((erx1 - erx)) = 1 ] && [ $((itx1 - itx)) = 1 ] && [ $((erb1 - erb)) = $((itb1 - itb)) ] && [ $((erb1 - erb)) -gt 100 ]'

# 5. control: early_rx=0, the same checks must now see local delivery
topo_nva_down
gwlbtun_unload
# shellcheck disable=SC2119 # early_rx defaults to 0
gwlbtun_load
topo_nva_up gwlbtun
nva nft reset counter inet early c_in >/dev/null
pings_local "early_rx=0"
read -r d r <"$TOPO_TMP/pings"
c=$(input_count)
check "early_rx=0 (control): Ip InDelivers +$d for $r tunnel packets received (as many)" \
	eval '[ "$r" -ge 10 ] && [ "$d" -ge "$r" ]'
check "early_rx=0 (control): the input chain's counter is $c (> 0)" ge "$c" 1

# 6. the namespace goes with the device in it, the hook registered; rmmod
topo_nva_down
gwlbtun_unload
gwlbtun_load early_rx=1
topo_nva_up gwlbtun
check_ping "early_rx=1 again: pings through gwlb0" 2
for pid in $(ip netns pids "$NS_NVA"); do kill -s KILL "$pid" 2>/dev/null || true; done
ip netns del "$NS_NVA"
unloaded=0
for _ in $(seq 20); do
	if rmmod "$mod" 2>/dev/null; then unloaded=1; break; fi
	sleep 0.5
done
check "rmmod after the NVA namespace was deleted" eq "$unloaded" 1
splat_check
# the runner unloads the module under test after the test: give it one
gwlbtun_load

echo "$((CHECKS - FAILS)) passed, $FAILS failed"
[ "$FAILS" = 0 ]
