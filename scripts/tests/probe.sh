#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vmtest: timeout=400
#
# probe.sh - gwlbtun-probe (scripts/probe/) tells the truth, end to end
# through the GWLB stand-in of scripts/e2e/topology.sh:
#
#   client ns (203.0.113.10) -- GWLB stand-in =External=> NVA ns: gwlb0
#   server ns (198.51.100.20) -- GWLB stand-in <=Internal=   gwlbtun-probe
#                                                            HTTP :8008, TCP :8009
#
# The probes are asked from inside the NVA's namespace (127.0.0.1), as the
# GWLB's 168.63.129.16 would ask the NVA's address.
#
# Checks (each "ok - ..." or "not ok - ..."; exit 1 if any failed):
#   1. configured and up: HTTP 200 "OK: ...", the TCP port accepts
#   2. ip link set gwlb0 down: 503 "device is down", TCP refused; up: 200
#   3. drain on while a TCP transfer through the NVA is established: 503
#      "draining", TCP refused, the transfer keeps flowing (and a new
#      connection still crosses: the data path ignores drain), show and
#      stats say so; drain off: 200
#   4. nft "queue num 3" without bypass in forward, no consumer: 503 naming
#      queue 3; the same rule for another interface only: 200; the rule
#      with bypass: 200
#   5. privileges: as an unprivileged user with CAP_NET_ADMIN and
#      CAP_DAC_READ_SEARCH (as gwlbtun-probe.service) the answer is the same;
#      with CAP_NET_ADMIN alone, the same without queue rules and 503
#      naming /proc/net/netfilter/nfnetlink_queue with one; without
#      capabilities 503 "cannot read the nftables ruleset"
#   6. peers none: 503; no route to the GWLB: 503
#
# In the VM: scripts/vmtest probe
set -euo pipefail

# shellcheck source=scripts/e2e/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/checks.sh"
e2e_test_init
need_cmds nft nc socat curl jq setpriv
need_modules veth vxlan bridge nf_conntrack nf_tables nft_queue nfnetlink_queue
# shellcheck disable=SC2119 # no module parameters
gwlbtun_load

# shellcheck source=scripts/e2e/nftest.sh
. "$REPO/scripts/e2e/nftest.sh"

PROBE=$REPO/scripts/probe/gwlbtun-probe
HTTP_PORT=8008
TCP_PORT=8009

# probe_http: "CODE BODY" of a GET to the HTTP probe, from the NVA's ns.
probe_http() {
	local out
	out=$(nva curl -s -m 3 -w ' %{http_code}' "http://127.0.0.1:$HTTP_PORT/" 2>/dev/null) || true
	echo "${out##* } ${out% *}"
}

# wait_http CODE: the HTTP probe answers CODE within 6 s (an Azure probe
# interval is at least 5 s).
http_is() { [ "$(probe_http | cut -d' ' -f1)" = "$1" ]; }
wait_http() { topo_wait 6 http_is "$1" || true; }

# check_http CODE REGEX DESCRIPTION
check_http() {
	local got
	wait_http "$1"
	got=$(probe_http)
	if [ "${got%% *}" = "$1" ] && grep -Eq -- "$2" <<<"${got#* }"; then
		ok "$3: HTTP ${got}"
	else
		not_ok "$3: expected $1 /$2/, got '$got'"
	fi
}

tcp_is() { [ "$(tcp_try "$NS_NVA" 127.0.0.1 "$TCP_PORT" 1)" = "$1" ]; }

# check_tcp_probe open|refused DESCRIPTION
check_tcp_probe() {
	topo_wait 6 tcp_is "$1" || true
	local got
	got=$(tcp_try "$NS_NVA" 127.0.0.1 "$TCP_PORT" 1)
	if [ "$got" = "$1" ]; then
		ok "$2: TCP probe $got"
	else
		not_ok "$2: TCP probe expected $1, got $got"
	fi
}

size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }
grows() {
	local a
	a=$(size_of "$1")
	sleep 1.5
	gt "$(size_of "$1")" "$a"
}

echo "# probe: NVA=gwlbtun OUTER=$OUTER, $PROBE"
topo_up --with-server
topo_server_start
topo_spawn "$NS_NVA" "$TOPO_TMP/probe-http.log" "$PROBE" --port "$HTTP_PORT" \
	--interval 0.5 --gwlbctl "$GWLBCTL"
topo_spawn "$NS_NVA" "$TOPO_TMP/probe-tcp.log" "$PROBE" --port "$TCP_PORT" \
	--mode tcp --interval 0.5 --gwlbctl "$GWLBCTL"
topo_wait 10 listening "$NS_NVA" "$HTTP_PORT" || topo_die "the HTTP probe does not listen: $(cat "$TOPO_TMP/probe-http.log")"

# ---------------------------------------------------------------------------
section "1. configured and up"
check_http 200 "^OK: gwlb0 up, 1 GWLB routed" "configured, up"
check_tcp_probe open "configured, up"

# ---------------------------------------------------------------------------
section "2. device down, up"
nva ip link set gwlb0 down
check_http 503 "^gwlb0: device is down$" "gwlb0 down"
check_tcp_probe refused "gwlb0 down"
nva ip link set gwlb0 up
check_http 200 "^OK: " "gwlb0 up again"
check_tcp_probe open "gwlb0 up again"

# ---------------------------------------------------------------------------
section "3. drain while a transfer is established"
topo_spawn "$NS_SERVER" "$TOPO_TMP/ticker.log" socat TCP-LISTEN:9000,reuseaddr \
	SYSTEM:'while sleep 0.1; do echo tick; done'
topo_wait 10 listening "$NS_SERVER" 9000 || topo_die "no ticker on 9000"
topo_spawn "$NS_CLIENT" "$TOPO_TMP/ticks.log" socat -u "TCP:$SERVER_IP:9000" STDOUT
TICKS_PID=$TOPO_PID
check "the transfer flows through the NVA before the drain" grows "$TOPO_TMP/ticks.log"
tx0=$(topo_gwlbtun_stats | jq '.internal.tx_packets + .external.tx_packets')
topo_gwlbctl set gwlb0 drain on
check_http 503 "^gwlb0: draining$" "drain on"
check_tcp_probe refused "drain on"
check "the established transfer keeps flowing while draining" grows "$TOPO_TMP/ticks.log"
tx1=$(topo_gwlbtun_stats | jq '.internal.tx_packets + .external.tx_packets')
check "gwlb0 keeps reflecting while draining (tx $tx0 -> $tx1)" gt "$tx1" "$tx0"
check "a new connection still crosses (the GWLB, not the NVA, stops new flows)" \
	eval '[ "$(tcp_try "$NS_CLIENT" "$SERVER_IP" "$SERVER_PORT" 5)" = open ]'
check "gwlbctl show says drain: on" eval 'topo_gwlbctl show gwlb0 | grep -q "^  drain: on"'
check "gwlbctl -j show: drain true" eval '[ "$(topo_gwlbctl -j show gwlb0 | jq .[0].drain)" = true ]'
check "gwlbctl stats marks it (draining)" eval 'topo_gwlbctl stats gwlb0 | grep -q "^gwlb0 (draining):"'
check "gwlbctl -j stats: drain true" eval '[ "$(topo_gwlbtun_stats | jq .drain)" = true ]'
topo_gwlbctl set gwlb0 drain off
check_http 200 "^OK: " "drain off"
check_tcp_probe open "drain off"
check "gwlbctl -j stats: drain false" eval '[ "$(topo_gwlbtun_stats | jq .drain)" = false ]'
topo_stop "$TICKS_PID"

# ---------------------------------------------------------------------------
section "4. a queue rule without a consumer"
nft_load <<'EOF'
table inet ips {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "gwlb0" queue num 3
	}
}
EOF
check_http 503 "^gwlb0: a queue rule without bypass in inet ips forward sends to queue 3, which has no consumer$" \
	"queue num 3, no consumer"
check_tcp_probe refused "queue num 3, no consumer"
check "and it really drops: TCP client -> server:8080 times out" \
	eval '[ "$(tcp_try "$NS_CLIENT" "$SERVER_IP" "$SERVER_PORT" 2)" = timeout ]'
nft_load <<'EOF'
table inet ips {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname { "eth7", "other0" } queue num 3
	}
}
EOF
check_http 200 "^OK: " "queue num 3 for other interfaces only (forward)"
nft_load <<'EOF'
table inet ips {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "gwlb0" queue num 3 bypass
	}
}
EOF
check_http 200 "^OK: " "queue num 3 bypass, no consumer"
check_tcp_probe open "queue num 3 bypass, no consumer"
check "and traffic flows: TCP client -> server:8080 open" \
	eval '[ "$(tcp_try "$NS_CLIENT" "$SERVER_IP" "$SERVER_PORT" 5)" = open ]'
nft_load <<'EOF'
table ip raw {
	chain pre {
		type filter hook prerouting priority raw; policy accept;
		udp dport 10801 queue num 4
	}
}
EOF
check_http 503 "queue 4, which has no consumer$" "queue num 4 on the outer packets (prerouting)"
nva nft flush ruleset
check_http 200 "^OK: " "no rules"

# ---------------------------------------------------------------------------
section "5. privileges"
# probe_as CAPS: the answer of --check as uid 65534 with the capabilities CAPS.
probe_as() {
	nva setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps="$1" --ambient-caps="$1" --bounding-set="$1" \
		"$PROBE" --check --gwlbctl "$GWLBCTL" 2>/dev/null || true
}
nft_load <<'EOF'
table inet ips {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "gwlb0" queue num 3
	}
}
EOF
out=$(probe_as +net_admin,+dac_read_search)
check "uid 65534 with the unit's two capabilities sees the queue rule: $out" \
	grep -q "^503 gwlb0: a queue rule without bypass" <<<"$out"
out=$(probe_as +net_admin)
check "uid 65534 with CAP_NET_ADMIN alone cannot read the queues: $out" \
	grep -q "^503 gwlb0: cannot read /proc/net/netfilter/nfnetlink_queue: Permission denied" <<<"$out"
nva nft flush ruleset
out=$(probe_as +net_admin,+dac_read_search)
check "uid 65534 with the unit's two capabilities: $out" grep -q "^200 OK: gwlb0 up" <<<"$out"
out=$(probe_as +net_admin)
check "uid 65534 with CAP_NET_ADMIN alone, no queue rules: $out" grep -q "^200 OK: gwlb0 up" <<<"$out"
out=$(probe_as -all)
check "uid 65534 without capabilities cannot read the ruleset: $out" \
	grep -q "^503 cannot read the nftables ruleset" <<<"$out"

# ---------------------------------------------------------------------------
section "6. peers none, no route"
topo_gwlbctl set gwlb0 peers none
check_http 503 "^gwlb0: no GWLB addresses" "peers none"
topo_gwlbctl set gwlb0 peers "$(topo_gw_ul)"
check_http 200 "^OK: " "peers again"
topo_gwlbctl set gwlb0 peers "$(topo_gw_ul),192.0.2.77" 2>/dev/null
check_http 503 "^gwlb0: no route to GWLB 192.0.2.77$" "a GWLB without a route"
topo_gwlbctl set gwlb0 peers "$(topo_gw_ul)"
check_http 200 "^OK: " "routed again"

check "the HTTP probe logged its changes" \
	grep -q "UNHEALTHY: gwlb0: draining" "$TOPO_TMP/probe-http.log"
diag "$(cat "$TOPO_TMP/probe-http.log")"

topo_down
splat_check

ELAPSED_MS=$(($(topo_now_ms) - START_MS))
printf '# probe: %d checks, %d failed, %d.%03d s\n' "$CHECKS" "$FAILS" \
	$((ELAPSED_MS / 1000)) $((ELAPSED_MS % 1000))
if [ "$FAILS" != 0 ]; then
	exit 1
fi
