#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vmtest: timeout=600 mem=768
#
# cluster3.sh - three gwlbtun NVAs behind one GWLB stand-in
# (scripts/e2e/cluster.sh), the strict ruleset on each, conntrackd syncing
# all three over a multicast group on the sync link (the UDP block of
# scripts/cluster/conntrackd.conf turned into a Multicast one, as the README
# says for more than two NVAs).
#
# Checks (each "ok - ..." or "not ok - ..."; exit 1 if any failed):
#   1. spread: 60 connections all succeed with the client's own address, each
#      NVA opened some
#   2. failover: a transfer through NVA A; A fails (the stand-in deals its
#      buckets over the other two): the transfer flows on through another
#      NVA and completes intact, no NVA dropped anything as unknown; the
#      stall is printed and bounded (3 s)
#   3. the two NVAs left take all new connections (20), A none
#
# In the VM: scripts/vmtest cluster3
set -euo pipefail

# shellcheck source=scripts/e2e/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/checks.sh"
e2e_test_init
# shellcheck source=scripts/e2e/topology.sh
. "$REPO/scripts/e2e/topology.sh"
# shellcheck source=scripts/e2e/cluster.sh
. "$REPO/scripts/e2e/cluster.sh"
cl_test_init

T0=$(topo_now_ms)
cl_up 3

sum_unknown() {
	local k n=0
	for k in 1 2 3; do n=$((n + $(cl_unknown "$k"))); done
	echo "$n"
}

# --- 1. spread -------------------------------------------------------------
out=$(ip netns exec cl-client python3 "$CL_FLOW" conns --host "$CL_SERVER" --port "$CL_PORT" -n 60)
s1=$(cl_syn 1) s2=$(cl_syn 2) s3=$(cl_syn 3)
check "spread: 60 connections succeeded ($(jq -c '{ok, failed}' <<<"$out"))" \
	eq "$(jq -r .ok <<<"$out")" 60
check "spread: the server saw the client's own address on all 60 ($(jq -c .addrs <<<"$out"))" \
	eq "$(jq -r --arg c "$CL_CLIENT" '.addrs[$c] // 0' <<<"$out")" 60
check "spread: each NVA opened connections (NVA 1: $s1, NVA 2: $s2, NVA 3: $s3)" \
	test "$s1" -gt 0 -a "$s2" -gt 0 -a "$s3" -gt 0 -a $((s1 + s2 + s3)) -ge 60

# --- 2. failover with conntrackd over multicast ------------------------------
for k in 1 2 3; do cl_ctd_start "$k"; done
cl_xfer_locate fail
others=()
for k in 1 2 3; do [ "$k" = "$A" ] || others+=("$k"); done
held=0
for k in "${others[@]}"; do
	topo_wait 5 cl_has_flow "$k" "$SPORT" && held=$((held + 1))
done
check "failover: both other NVAs hold the connection before the failure ($held of 2)" eq "$held" 2
u0=$(sum_unknown)
cl_buckets "${others[@]}"
cl_still_flows "failover of NVA $A"
now=$(cl_carrier)
check "failover: another NVA carries it now (NVA $now)" test "$now" != "$A"
cl_xfer_stop fail
cl_xfer_wait "$XPID"
res=$(cl_xfer_json fail)
u1=$(sum_unknown)
check "failover: the transfer completed intact ($(jq -c '{ok, sent, elapsed_s, error}' <<<"$res"))" \
	test "$(jq -r .ok <<<"$res")" = true
gap=$(jq -r '.server.max_gap_ms // "x"' <<<"$res")
cl_log "failover: longest stall the server saw: $gap ms"
check "failover: the stall is bounded ($gap ms <= 3000)" test "${gap/x/99999}" -le 3000
check "failover: no NVA dropped anything as unknown ($u0 -> $u1)" eq "$u1" "$u0"

# --- 3. new connections on the two left ----------------------------------------
sa0=$(cl_syn "$A")
out=$(ip netns exec cl-client python3 "$CL_FLOW" conns --host "$CL_SERVER" --port "$CL_PORT" -n 20)
sa1=$(cl_syn "$A")
check "after the failure: 20 new connections succeeded, none on NVA $A ($sa0 -> $sa1; $(jq -c '{ok, failed}' <<<"$out"))" \
	test "$(jq -r .ok <<<"$out")" = 20 -a "$sa1" = "$sa0"

echo "# cluster3: $CHECKS checks, $FAILS failed, $((($(topo_now_ms) - T0) / 1000)) s"
[ "$FAILS" = 0 ]
