# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# checks.sh - the checks of the GWLB end-to-end scenario, shared by
# scripts/tests/e2e-gwlb.sh (NVA in a namespace of its own, made by
# topology.sh) and scripts/tests/e2e-modparams.sh (a device made by the
# module parameters, in the initial netns). Its functions call topology.sh's,
# so source that before calling them:
#
#     . scripts/e2e/topology.sh
#     . scripts/e2e/checks.sh
#     e2e_scenario        # topo_up, then checks 1-5 (see e2e-gwlb.sh)
#     [ "$FAILS" = 0 ]
#
# ok/not_ok/check print TAP-like "ok - ..." / "not ok - ..." lines and count
# them in CHECKS and FAILS. The VM tests (churn, e2e-modparams, netfilter,
# nfqueue) source it first thing and call e2e_test_init.

CHECKS=0
FAILS=0

# e2e_test_init: the common start of a VM test: REPO (the repo top),
# scripts/vm/lib.sh (or $GWLBTUN_VM_LIB) sourced, and refuse to run outside
# the test VM.
e2e_test_init() {
	REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	# shellcheck source=scripts/vm/lib.sh
	. "${GWLBTUN_VM_LIB:-$REPO/scripts/vm/lib.sh}"
	set -euo pipefail
	require_vm
}

# vm_amount STOCK DEBUG: how much repetitive work (packets, messages,
# changes) to do: STOCK on the stock kernel, DEBUG on the debug kernel
# (GWLBTUN_VM_DEBUG=1). There the detectors (KASAN, kmemleak, lockdep) judge
# every path the test takes, not how often it takes it, and a repetition
# costs five to ten times as much; the smaller amount must still take every
# path, and no check may depend on which amount ran.
vm_amount() { if [ "${GWLBTUN_VM_DEBUG:-}" = 1 ]; then echo "$2"; else echo "$1"; fi; }

# e2e_cleanup: the default EXIT trap of e2e_traps: topo_down, then exit with
# the status the script was exiting with.
e2e_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	topo_down
	exit "$rc"
}

# e2e_traps [CLEANUP]: run CLEANUP (default e2e_cleanup) on exit, and exit
# 130 on SIGINT, 143 on SIGTERM (which runs it too).
e2e_traps() {
	# shellcheck disable=SC2064 # expand CLEANUP now
	trap "${1:-e2e_cleanup}" EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

ok() {
	CHECKS=$((CHECKS + 1))
	echo "ok - $*"
}

not_ok() {
	CHECKS=$((CHECKS + 1))
	FAILS=$((FAILS + 1))
	echo "not ok - $*"
}

# check DESCRIPTION CMD...: ok if CMD succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
	fi
}

skip() {
	echo "ok - $1 # SKIP $2"
}

# diag TEXT: indented diagnostic lines.
diag() {
	local line
	while IFS= read -r line; do
		printf '#   %s\n' "$line"
	done <<<"$1"
}

# check_ping WHAT N [PING-ARGS...]: N pings from the client to the server,
# every one answered.
check_ping() {
	local what=$1 n=$2 out
	shift 2
	out=$(ip netns exec "$NS_CLIENT" ping -c "$n" -i 0.2 -W 2 "$@" "$SERVER_IP" 2>&1) || true
	if topo_text_has "$out" " $n received"; then
		ok "$what"
	else
		not_ok "$what"
		diag "$out"
	fi
}

is_uint() {
	[[ "$1" =~ ^[0-9]+$ ]]
}

# ge A B: both are numbers and A >= B.
ge() {
	is_uint "$1" && is_uint "$2" && (($1 >= $2))
}

eq() {
	is_uint "$1" && is_uint "$2" && (($1 == $2))
}

# check_cap WHAT ERE: the NVA capture ($CAP_TEXT, on $CAP_DEV) has a line
# matching ERE; clears CAP_OK if not.
check_cap() {
	if topo_text_has "$CAP_TEXT" "$2"; then
		ok "capture on $CAP_DEV in the NVA has $1"
	else
		not_ok "capture on $CAP_DEV in the NVA has $1"
		CAP_OK=0
	fi
}

# ---------------------------------------------------------------------------
# Counters of the NVA implementations

# seed_counters: "ext_rx ext_tx int_rx int_tx" packets of the seed's vxlan
# devices (External = VNI 901 = nva-ext, Internal = VNI 900 = nva-int).
seed_counters() {
	topo_link_stats "$NS_NVA" nva-ext nva-int
}

# seed_grown BEFORE C2S S2C: the counters grew by at least the captured
# packets, in the right direction.
seed_grown() {
	local b_er b_et b_ir b_it er et ir it
	read -r b_er b_et b_ir b_it <<<"$1"
	read -r er et ir it <<<"$(seed_counters)"
	ge $((er - b_er)) "$2" && ge $((it - b_it)) "$2" &&
		ge $((ir - b_ir)) "$3" && ge $((et - b_et)) "$3"
}

# check_seed_counters BEFORE C2S S2C
check_seed_counters() {
	local before=$1 c2s=$2 s2c=$3
	local b_er b_et b_ir b_it er et ir it
	topo_wait 3 seed_grown "$before" "$c2s" "$s2c" || true
	read -r b_er b_et b_ir b_it <<<"$before"
	read -r er et ir it <<<"$(seed_counters)"
	check "seed: nva-ext (External) rx grew by $((er - b_er)) >= $c2s client->server packets captured" \
		ge $((er - b_er)) "$c2s"
	check "seed: nva-int (Internal) tx grew by $((it - b_it)) >= $c2s client->server packets captured" \
		ge $((it - b_it)) "$c2s"
	check "seed: nva-int (Internal) rx grew by $((ir - b_ir)) >= $s2c server->client packets captured" \
		ge $((ir - b_ir)) "$s2c"
	check "seed: nva-ext (External) tx grew by $((et - b_et)) >= $s2c server->client packets captured" \
		ge $((et - b_et)) "$s2c"
}

# gwlbtun_counters: "EXT_RX EXT_TX INT_RX INT_TX DROPS PEER_NOT_ALLOWED" from
# one "gwlbctl -j stats gwlb0" (DROPS: all reported reasons summed; "x" where
# the JSON lacks a field). Drop reasons are read as "peer-not-allowed" or
# "peer_not_allowed" (gwlbctl's JSON keys).
gwlbtun_counters() {
	topo_gwlbtun_stats | jq -r '[.external.rx_packets, .external.tx_packets,
		.internal.rx_packets, .internal.tx_packets,
		(if (.drops | type) == "object" then [.drops[] | numbers] | add // 0 else null end),
		(.drops["peer-not-allowed"]? // .drops.peer_not_allowed?)]
		| map(if . == null then "x" else tostring end) | join(" ")' 2>/dev/null
}

gwlbtun_settled() {
	local er et ir it
	read -r er et ir it _ <<<"$(gwlbtun_counters)"
	eq "$er" "$it" && eq "$ir" "$et"
}

# check_gwlbtun_counters C2S S2C: everything that arrived on one tunnel left
# on the other, and at least the captured packets were counted.
check_gwlbtun_counters() {
	local c2s=$1 s2c=$2 er et ir it drops
	topo_wait 3 gwlbtun_settled || true
	read -r er et ir it drops _ <<<"$(gwlbtun_counters)"
	if ! is_uint "${er:-}"; then
		not_ok "gwlbtun: read counters with gwlbctl -j stats $GWLB_DEV"
		diag "$(topo_gwlbctl -j stats "$GWLB_DEV" 2>&1)"
		return
	fi
	check "gwlbtun: external rx_packets ($er) == internal tx_packets ($it)" eq "$er" "$it"
	check "gwlbtun: internal rx_packets ($ir) == external tx_packets ($et)" eq "$ir" "$et"
	check "gwlbtun: external rx_packets ($er) >= $c2s client->server packets captured" ge "$er" "$c2s"
	check "gwlbtun: internal rx_packets ($ir) >= $s2c server->client packets captured" ge "$ir" "$s2c"
	check "gwlbtun: no drops on the legitimate path (${drops:-?})" eq "${drops:-x}" 0
	if [ "${drops:-x}" != 0 ]; then
		diag "$(topo_gwlbctl -j stats "$GWLB_DEV" 2>&1)"
	fi
}

# ---------------------------------------------------------------------------
# Check 4: a GWLB-like sender that is not on the allow-list

# rogue_dropped BEFORE N: peer-not-allowed reached BEFORE + N.
rogue_dropped() {
	local pna
	read -r _ _ _ _ _ pna <<<"$(gwlbtun_counters)"
	ge "$pna" $(($1 + $2))
}

check_not_allowed_source() {
	local pna0 pna1 er0 er1 gx0 gx1 gi0 gi1 tx0 tx1 rx rx_int sent pcap pid text n
	topo_rogue_up
	pcap=$TOPO_TMP/rogue-underlay.pcap
	# Anything UDP (a reflection) or an ICMP error addressed to the sender.
	topo_capture_start "$NS_ROGUE" ul-rogue "$pcap" dst host "$(topo_rogue_ul)" and \
		'(' udp or icmp or '(' icmp6 and 'ip6[40] < 128' ')' ')'
	pid=$TOPO_PID

	# The real GWLB's own traffic in the meantime (there should be none:
	# the neighbour entries are pinned) is told apart by its vxlan counters.
	read -r _ gx0 gi0 _ <<<"$(topo_link_stats "$NS_GWLB" vx-ext vx-int)"
	read -r er0 _ _ _ _ pna0 <<<"$(gwlbtun_counters)"
	read -r _ tx0 <<<"$(topo_link_stats "$NS_ROGUE" vx-rogue)"

	# Five echo requests; no answer is expected.
	ip netns exec "$NS_ROGUE" ping -c 5 -i 0.1 -W 0.3 -q "$SERVER_IP" >/dev/null 2>&1 || true

	read -r _ tx1 <<<"$(topo_link_stats "$NS_ROGUE" vx-rogue)"
	sent=$((tx1 - tx0))
	if is_uint "$pna0"; then
		topo_wait 3 rogue_dropped "$pna0" "$sent" || true
	fi
	read -r er1 _ _ _ _ pna1 <<<"$(gwlbtun_counters)"
	read -r _ gx1 gi1 _ <<<"$(topo_link_stats "$NS_GWLB" vx-ext vx-int)"
	read -r rx _ rx_int _ <<<"$(topo_link_stats "$NS_ROGUE" vx-rogue vx-rogue-int)"
	topo_capture_stop "$pid"
	text=$(topo_capture_text "$pcap")
	n=0
	if [ -n "$text" ]; then
		n=$(wc -l <<<"$text")
	fi

	check "not-allowed sender $(topo_rogue_ul) sent $sent VXLAN packets on the External tunnel" eq "$sent" 5
	if is_uint "$pna0" && is_uint "$pna1"; then
		check "gwlbtun: peer-not-allowed drops grew by $((pna1 - pna0)) == $sent sent" \
			eq $((pna1 - pna0)) "$sent"
	else
		not_ok "gwlbtun: peer-not-allowed drop counter readable (got '${pna0:-}' / '${pna1:-}')"
		diag "$(topo_gwlbctl -j stats "$GWLB_DEV" 2>&1)"
	fi
	if is_uint "$er0" && is_uint "$er1"; then
		check "gwlbtun: external rx_packets grew only by what the GWLB sent (+$((er1 - er0)), GWLB vx-ext tx +$((gx1 - gx0)))" \
			eq $((er1 - er0)) $((gx1 - gx0))
	else
		not_ok "gwlbtun: external rx_packets readable"
	fi
	check "nothing came back to the not-allowed sender: vx-rogue rx $rx, vx-rogue-int rx $rx_int" \
		eq $((rx + rx_int)) 0
	check "no UDP or ICMP error reached the not-allowed sender's underlay ($n packets)" eq "$n" 0
	if [ "$n" != 0 ]; then
		diag "$text"
	fi
	check "nothing from the not-allowed sender reached the GWLB's Internal tunnel (vx-int rx +$((gi1 - gi0)), GWLB vx-ext tx +$((gx1 - gx0)))" \
		eq $((gi1 - gi0)) $((gx1 - gx0))
}

# ---------------------------------------------------------------------------
# The scenario

# e2e_scenario: build the topology (NVA=$NVA, OUTER=$OUTER), start the
# server and run checks 1, 2, 3, 5 and (gwlbtun) 4.
e2e_scenario() {
	topo_up --with-server
	topo_server_start
	CAP_DEV=$(topo_nva_capture_dev)

	if [ "$NVA" = seed ]; then
		SEED_BEFORE=$(seed_counters)
	fi

	PCAP=$TOPO_TMP/nva.pcap
	topo_capture_start "$NS_NVA" "$CAP_DEV" "$PCAP" tcp port "$SERVER_PORT"
	CAP_PID=$TOPO_PID

	# Check 1: the client's address arrives at the server unchanged.
	CURL_ERR=$TOPO_TMP/curl.err
	BODY=$(topo_curl /api/ip 2>"$CURL_ERR") || BODY=""
	# The capture is complete once both FINs and the last ACK went through the NVA.
	topo_wait 5 topo_capture_closed "$PCAP" || true
	topo_capture_stop "$CAP_PID"

	GOT_IP=$(jq -r '.ip // empty' <<<"$BODY" 2>/dev/null) || GOT_IP=""
	GOT_PORT=$(jq -r '.port // empty' <<<"$BODY" 2>/dev/null) || GOT_PORT=""
	if [ "$GOT_IP" = "$CLIENT_IP" ] && is_uint "$GOT_PORT"; then
		ok "curl http://$SERVER_IP:$SERVER_PORT/api/ip from the client: server saw $GOT_IP:$GOT_PORT (client address preserved)"
	else
		not_ok "curl http://$SERVER_IP:$SERVER_PORT/api/ip from the client should answer {\"ip\": \"$CLIENT_IP\", ...}"
		diag "body: ${BODY:-<none>}"
		diag "$(cat "$CURL_ERR")"
	fi

	# Check 2: the NVA saw the whole exchange.
	CAP_TEXT=$(topo_capture_text "$PCAP")
	C_RE="IP ${CLIENT_IP//./\\.}\.[0-9]+"
	S_RE="IP ${SERVER_IP//./\\.}\.$SERVER_PORT"
	C2S_RE="$C_RE > ${SERVER_IP//./\\.}\.$SERVER_PORT: Flags"
	S2C_RE="$S_RE > ${CLIENT_IP//./\\.}\.[0-9]+: Flags"
	C2S=$(grep -Ec -- "$C2S_RE" <<<"$CAP_TEXT") || true
	S2C=$(grep -Ec -- "$S2C_RE" <<<"$CAP_TEXT") || true
	echo "# capture on $CAP_DEV in the NVA: $C2S client->server, $S2C server->client TCP packets"
	CAP_OK=1
	check_cap "the client's SYN" "$C2S_RE \[S\]"
	check_cap "the server's SYN-ACK" "$S2C_RE \[S\.\]"
	check_cap "the server's FIN" "$S2C_RE \[[^]]*F[^]]*\]"
	check_cap "the client's FIN" "$C2S_RE \[[^]]*F[^]]*\]"
	if [ "$CAP_OK" = 0 ]; then
		diag "${CAP_TEXT:-<empty capture>}"
		diag "$(cat "$PCAP.log")"
	fi

	# Check 3: counters account for the captured packets.
	if [ "$NVA" = seed ]; then
		check_seed_counters "$SEED_BEFORE" "$C2S" "$S2C"
	else
		check_gwlbtun_counters "$C2S" "$S2C"
	fi

	# Check 5: ping, with ARP crossing the NVA afresh.
	ip -n "$NS_CLIENT" neigh flush dev c0
	ip -n "$NS_SERVER" neigh flush dev s0
	check_ping "ping client -> server: 3 of 3 answered" 3
	C_MAC=$(topo_mac "$NS_CLIENT" c0)
	S_MAC=$(topo_mac "$NS_SERVER" s0)
	C_SEES=$(topo_neigh_mac "$NS_CLIENT" "$SERVER_IP" c0)
	S_SEES=$(topo_neigh_mac "$NS_SERVER" "$CLIENT_IP" s0)
	check "ARP across the NVA: client resolved the server to its MAC $S_MAC (got ${C_SEES:-none})" \
		[ "$C_SEES" = "$S_MAC" ]
	check "ARP across the NVA: server resolved the client to its MAC $C_MAC (got ${S_SEES:-none})" \
		[ "$S_SEES" = "$C_MAC" ]
	# From here on keep the inner segment quiet: pinned entries send no ARP
	# probes (which under TCG could land in the middle of check 4).
	topo_pin_neighbours
	check_ping "full-size inner packets (1500-byte IPv4, DF) cross in both directions" 2 \
		-M 'do' -s 1472

	# Check 4: a sender that is not an allowed GWLB.
	if [ "$NVA" = gwlbtun ]; then
		check_not_allowed_source
	else
		skip "not-allowed GWLB source is dropped" "NVA=seed has no allow-list"
	fi
}
