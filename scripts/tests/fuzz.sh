#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmtest: timeout=600 mem=512
#
# fuzz.sh - a seeded corpus of mutated GWLB VXLAN packets replayed at a
# gwlbtun device (scripts/tests/lib/vxfuzz.py builds and sends it), with the
# netfilter hooks on (conntrack, a reject and a log rule) and off.
#
#   client ns              gwlb ns (GWLB stand-in)                       nva ns
#   c0 (down while         gw-c, gw-s down while fuzzing     ul-gw  ul-nva  gwlb0
#   fuzzing) ------------- br-ext/vx-ext, br-int/vx-int      =========  peers 10.99.0.1,
#   server ns s0 --------- vxfuzz.py (raw sockets):          10.99.0.1  fd99::1
#   (down while fuzzing)   the ALLOWED sender                fd99::1    nft inet: ct state,
#                          tcpdump + nft counter of what        |       reject, log
#                          comes back                           |       nft netdev ingress
#                                                               |       counters (ul-nva,
#   rogue ns: vxfuzz.py from 10.99.3.1 / fd99:3::1 ==== ul-nva-r (10.99.3.2)   ul-nva-r)
#   (NOT allowed); tcpdump on ul-rogue for anything from the NVA
#
# (scripts/e2e/topology.sh; the stand-in's client and server ports are down
# while fuzzing, so nothing but the corpus reaches the NVA and no reflected
# frame provokes an answer.)
#
# Phases, each a fixed seed:
#   1. hooks on, no inner fragments: the allowed sender (outer IPv4 and
#      IPv6, broadcast too) and the rogue one
#   2. hooks on, only inner fragments (in order, reversed, shuffled,
#      overlapping, duplicated, tiny, never completed, past 64 KiB) of both
#      families, from the allowed sender
#   3. hooks off, everything mixed, both senders
# After each: the UDP packets that reached the NVA's underlay ports (nft
# netdev ingress) == dropped by the UDP stack (Udp/Udp6 InErrors) + the
# device's netns-unmatched drops + peer-not-allowed + device-down + rx;
# rx == tx + every drop reason after acceptance (phase 2: see below); tx ==
# what reached the GWLB stand-in from the NVA (nft counter there) == what the
# capture there holds; every captured reflection carries, byte for byte, an
# inner frame the allowed sender sent on the other tunnel of the same
# family (vxfuzz.py check; reassembled-and-refragmented fragments are
# allowed in phase 2), to the GWLB's address, VXLAN flags 0x08, reserved
# bits 0; nothing UDP came back to the rogue sender (capture on ul-rogue).
# On the debug kernel (module loaded with early_rx=1): Ip InDelivers grew by
# less than Udp InDatagrams, i.e. the IPv4 packets took the early hook.
# Phase 2 cannot be exact: fragments held for reassembly that never
# complete (or that an overlap kills) are freed by the IP reassembly code,
# and a reassembled datagram is refragmented to the largest size that
# arrived; there the check is that nothing was sent beyond what arrived.
# Then: the valid flow (ping and an HTTP request client -> server), the
# configuration unchanged, no splat.
set -euo pipefail

# shellcheck source=scripts/e2e/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/checks.sh"
e2e_test_init
need_modules veth vxlan bridge nf_conntrack nf_tables nft_ct nft_reject_inet \
	nft_log nf_log_syslog nft_limit
need_cmds nft jq tcpdump python3 curl
# On the debug kernel the module takes the IPv4 outer packets in PRE_ROUTING
# (early_rx=1), so that KASAN and UBSAN judge both of its receive entries on
# the corpus: the early hook (IPv4) and the socket (IPv6). Debian's kernel
# runs the default, the socket for both.
EARLY=0
if [ "${GWLBTUN_VM_DEBUG:-}" = 1 ]; then
	EARLY=1
	gwlbtun_load early_rx=1
else
	gwlbtun_load
fi
# The log rule logs from the NVA's namespace too.
sysctl -qw net.netfilter.nf_log_all_netns=1
export NVA=gwlbtun OUTER=4
# shellcheck source=scripts/e2e/topology.sh
. "$REPO/scripts/e2e/topology.sh"

FUZZ=(/usr/bin/python3 "$REPO/scripts/tests/lib/vxfuzz.py")
: "${FUZZ_N1:=$(vm_amount 2000 600)}" "${FUZZ_NR:=$(vm_amount 600 200)}"
: "${FUZZ_N2:=$(vm_amount 700 300)}" "${FUZZ_N3:=$(vm_amount 1500 500)}"

nva() { ip netns exec "$NS_NVA" "$@"; }

e2e_traps
START_MS=$(topo_now_ms)
topo_up --with-server
topo_server_start
topo_rogue_up
topo_procnet_hold "$NS_NVA" "$NS_GWLB"
topo_gwlbctl set "$GWLB_DEV" peers "$GW_UL4,$GW_UL6"
CONFIG0=$(topo_gwlbctl -j show "$GWLB_DEV")

check_ping "baseline: ping client -> server through gwlb0" 3
body=$(topo_curl /api/ip 2>/dev/null) || body=
check "baseline: HTTP request client -> server ($(jq -r '.ip // "none"' <<<"$body" 2>/dev/null))" \
	[ "$(jq -r '.ip // empty' <<<"$body" 2>/dev/null)" = "$CLIENT_IP" ]

# The NVA's ruleset for the hooks-on phases: conntrack state, a reject, a
# (rate-limited) log rule.
nva nft -f - <<'EOF'
table inet fuzz {
	chain c_pre {
		type filter hook prerouting priority filter; policy accept;
		iifname "gwlb0" ct state invalid counter
	}
	chain c_fwd {
		type filter hook forward priority filter; policy accept;
		ct state established,related counter accept
		iifname "gwlb0" limit rate 20/second burst 20 packets log prefix "gwlbfuzz: " level debug flags all
		iifname "gwlb0" tcp dport 22 counter reject with tcp reset
		iifname "gwlb0" meta l4proto udp udp dport 9 counter reject
		iifname "gwlb0" meta l4proto icmpv6 icmpv6 type nd-router-solicit counter reject with icmpx admin-prohibited
		iifname "gwlb0" ct state invalid counter drop
		ct state new counter accept
	}
	chain c_post {
		type filter hook postrouting priority filter; policy accept;
		oifname "gwlb0" counter
	}
}
table netdev fuzzul {
	counter from_gwlb { }
	counter from_rogue { }
	chain in_gwlb {
		type filter hook ingress device "ul-nva" priority 0; policy accept;
		meta l4proto udp counter name "from_gwlb"
	}
	chain in_rogue {
		type filter hook ingress device "ul-nva-r" priority 0; policy accept;
		meta l4proto udp counter name "from_rogue"
	}
}
EOF
# What comes back to the GWLB stand-in from the NVA.
ip netns exec "$NS_GWLB" nft -f - <<EOF
table netdev back {
	counter reflected { }
	chain in_ul {
		type filter hook ingress device "ul-gw" priority 0; policy accept;
		ip saddr $NVA_UL4 meta l4proto udp counter name "reflected"
		ip6 saddr $NVA_UL6 meta l4proto udp counter name "reflected"
	}
}
EOF

# Quiet the inner segment: nothing but the corpus crosses the NVA, and no
# reflected frame reaches a host that could answer it.
ip -n "$NS_GWLB" link set gw-c down
ip -n "$NS_GWLB" link set gw-s down

# snapshot: "key=value ..." of every counter the checks use. Two namespace
# entries and one jq, about 6 s on the debug kernel: taken once before and
# once after each step, when settle (which starts no process) says it is quiet.
snapshot() {
	local nv gw
	# gwlbctl's stats, the netdev counters, Udp InErrors, Udp6InErrors,
	# Ip InDelivers and Udp InDatagrams
	nv=$(nva sh -c '"$1" -j stats -a && nft -j list table netdev fuzzul &&
		awk '\''$1 == "Udp:" && $4 ~ /^[0-9]+$/ {print $4}'\'' /proc/net/snmp &&
		awk '\''$1 == "Udp6InErrors" {print $2}'\'' /proc/net/snmp6 &&
		awk '\''$1 == "Ip:" && $10 ~ /^[0-9]+$/ {print $10} $1 == "Udp:" && $2 ~ /^[0-9]+$/ {print $2}'\'' /proc/net/snmp' sh "$GWLBCTL") || nv=
	gw=$(ip netns exec "$NS_GWLB" nft -j list counter netdev back reflected) || gw=
	printf '%s\n%s\n' "$nv" "$gw" | jq -rs --arg dev "$GWLB_DEV" '
		def ctr($o; $n): [$o.nftables[] | .counter? | select(. != null and .name == $n) | .packets][0];
		(.[0][] | select(.ifname == $dev)) as $d
		| ([.[0][] | select(.netns_unmatched) | .netns_unmatched.drops[] | numbers] | add // 0) as $u
		| ($d.drops | to_entries | map(select(.key != "peer_not_allowed" and .key != "device_down")
			| .value) | add) as $after
		| {er: $d.external.rx_packets, et: $d.external.tx_packets,
		   ir: $d.internal.rx_packets, it: $d.internal.tx_packets,
		   pna: $d.drops.peer_not_allowed, down: $d.drops.device_down,
		   after: $after, unmatched: $u}
		+ ($d.drops | with_entries(.key |= "d_" + .))
		+ {udperr: (.[2] + .[3]), ipdeliv: .[4], udpin: .[5], ul_gwlb: ctr(.[1]; "from_gwlb"),
		   ul_rogue: ctr(.[1]; "from_rogue"), back: ctr(.[6]; "reflected")}
		| to_entries | map("\(.key)=\(.value // "x")") | join(" ")' 2>/dev/null || echo "snapshot=x"
}

get() {
	local kv
	for kv in $1; do
		if [ "${kv%%=*}" = "$2" ]; then
			echo "${kv#*=}"
			return
		fi
	done
	echo x
}

delta() {
	local kv k v out=
	declare -A b=()
	for kv in $1; do b[${kv%%=*}]=${kv#*=}; done
	for kv in $2; do
		k=${kv%%=*}
		v=${kv#*=}
		if is_uint "$v" && is_uint "${b[$k]:-x}"; then
			out+="$k=$((v - b[$k])) "
		else
			out+="$k=x "
		fi
	done
	echo "$out"
}

# settle: topo_settle on the NVA's and the GWLB stand-in's device counters
# and the NVA's IP and UDP counters: they change while packets still cross
# the NVA.
settle() {
	topo_settle "${TOPO_PROCNET[$NS_NVA]}"/{dev,snmp,snmp6} "${TOPO_PROCNET[$NS_GWLB]}/dev"
}

# drops_text DELTA: the nonzero drop reasons, "name=N ...".
drops_text() {
	local kv out=
	for kv in $1; do
		case $kv in d_*=0) ;; d_*) out+="${kv#d_} " ;; esac
	done
	echo "${out:-none}"
}

# json_sent REPORT: the "sent" count of a vxfuzz.py send report (x if none)
json_sent() {
	if [[ $1 =~ \"sent\":\ ([0-9]+) ]]; then echo "${BASH_REMATCH[1]}"; else echo x; fi
}

# check_fields RESULT: R[field] for each count of a vxfuzz.py check result,
# from one jq; a field it lacks (or a result that is no JSON) is -1, which
# fails every check using it (each wants a count, or a sum of them, to be 0
# or to equal a count).
declare -A R=()
check_fields() {
	local k v f=(from_nva wrong_peer bad_vxlan matched refragmented unmatched atomic_stripped)
	R=()
	for k in "${f[@]}"; do R[$k]=-1; done
	while read -r k v; do
		if is_uint "$v"; then R[$k]=$v; fi
	done < <(jq -r --args '. as $r | $ARGS.positional[] | "\(.) \($r[.] // -1)"' "${f[@]}" <<<"$1" 2>/dev/null)
}

TOTAL_SENT=0
# fuzz_phase NAME FRAGS SEED N ROGUE_SEED ROGUE_N [--allow-refrag]
fuzz_phase() {
	local name=$1 frags=$2 seed=$3 n=$4 rseed=$5 rn=$6 refrag=${7:-}
	local pcap=$TOPO_TMP/$name-back.pcap rpcap=$TOPO_TMP/$name-rogue.pcap
	local rec=$TOPO_TMP/$name.rec cap_pid rcap_pid before after d t0 ms
	local sent rsent res arrived pre rx tx after_drops back rogue_udp
	: >"$rec"
	section "$name"
	topo_capture_start "$NS_GWLB" ul-gw "$pcap" -s 0 -B 8192 udp and \
		'(' src host "$NVA_UL4" or src host "$NVA_UL6" ')'
	cap_pid=$TOPO_PID
	topo_capture_start "$NS_ROGUE" ul-rogue "$rpcap" -s 0 \
		src host "$NVA_UL4" or src host "$NVA_UL6" or src host "$NVA_ROGUE_UL4" or \
		src host "$NVA_ROGUE_UL6"
	rcap_pid=$TOPO_PID
	settle || true
	trace_start
	before=$(snapshot)
	t0=$(topo_now_ms)
	sent=$(ip netns exec "$NS_GWLB" "${FUZZ[@]}" send --seed "$seed" --count "$n" \
		--frags "$frags" --src4 "$GW_UL4" --dst4 "$NVA_UL4" --src6 "$GW_UL6" \
		--dst6 "$NVA_UL6" --bcast4 10.99.0.255 --record "$rec")
	echo "# $name: allowed sender: $sent"
	rsent='{"sent": 0}'
	if [ "$rn" -gt 0 ]; then
		rsent=$(ip netns exec "$NS_ROGUE" "${FUZZ[@]}" send --seed "$rseed" --count "$rn" \
			--frags "$frags" --src4 "$ROGUE_UL4" --dst4 "$NVA_UL4" --src6 "$ROGUE_UL6" \
			--dst6 "$NVA_UL6" --bcast4 10.99.3.255)
		echo "# $name: rogue sender: $rsent"
	fi
	ms=$(($(topo_now_ms) - t0))
	settle || true
	after=$(snapshot)
	topo_capture_stop "$cap_pid"
	topo_capture_stop "$rcap_pid"
	d=$(delta "$before" "$after")
	sent=$(json_sent "$sent")
	rsent=$(json_sent "$rsent")
	TOTAL_SENT=$((TOTAL_SENT + sent + rsent))
	echo "# $name: $sent + $rsent packets in $ms ms; deltas: $d"
	echo "# $name: drops: $(drops_text "$d")"

	arrived=$(($(get "$d" ul_gwlb) + $(get "$d" ul_rogue)))
	pre=$(($(get "$d" unmatched) + $(get "$d" pna) + $(get "$d" down)))
	rx=$(($(get "$d" er) + $(get "$d" ir)))
	tx=$(($(get "$d" et) + $(get "$d" it)))
	after_drops=$(get "$d" after)
	back=$(get "$d" back)
	check "$name: every UDP packet sent reached the NVA's underlay ($arrived of $((sent + rsent)))" \
		eq "$arrived" $((sent + rsent))
	# Through the socket every IPv4 datagram is first an IP local delivery;
	# the early hook counts the datagram but delivers nothing.
	if [ "$EARLY" = 1 ]; then
		check "$name: early_rx took the IPv4 tunnel packets before local delivery (Ip InDelivers +$(get "$d" ipdeliv) < Udp InDatagrams +$(get "$d" udpin))" \
			test "$(get "$d" ipdeliv)" -lt "$(get "$d" udpin)"
	fi
	check "$name: arrived ($arrived) == UDP stack drops ($(get "$d" udperr)) + netns unmatched ($(get "$d" unmatched)) + peer-not-allowed ($(get "$d" pna)) + device-down ($(get "$d" down)) + rx ($rx)" \
		eq "$arrived" $(($(get "$d" udperr) + pre + rx))
	if [ "$frags" = only ]; then
		check "$name: nothing reflected beyond what arrived: tx ($tx) + drops after acceptance ($after_drops) <= rx ($rx); the rest ($((rx - tx - after_drops))) died in reassembly" \
			ge "$rx" $((tx + after_drops))
	else
		check "$name: rx ($rx) == tx ($tx) + drops after acceptance ($after_drops)" \
			eq "$rx" $((tx + after_drops))
	fi
	check "$name: the rogue sender's packets were all dropped before acceptance: peer-not-allowed ($(get "$d" pna)) + unmatched >= rogue packets that reached the socket" \
		ge $((pre + $(get "$d" udperr))) "$(get "$d" ul_rogue)"
	check "$name: tx ($tx) == UDP packets from the NVA at the GWLB stand-in ($back)" eq "$tx" "$back"
	res=$("${FUZZ[@]}" check --pcap "$pcap" --record "$rec" --nva4 "$NVA_UL4" \
		--nva6 "$NVA_UL6" --gwlb4 "$GW_UL4" --gwlb6 "$GW_UL6" $refrag)
	echo "# $name: reflections: $res"
	check_fields "$res"
	check "$name: the capture holds every reflection (${R[from_nva]} of $tx)" \
		eq "${R[from_nva]}" "$tx"
	check "$name: every reflection went to the GWLB that sent it, with a clean VXLAN header (wrong peer ${R[wrong_peer]}, bad header ${R[bad_vxlan]})" \
		eq $((R[wrong_peer] + R[bad_vxlan])) 0
	check "$name: every reflection carries an inner frame sent on the other tunnel, byte for byte (${R[matched]} matched, ${R[refragmented]} refragmented, ${R[unmatched]} unmatched)" \
		eq "${R[unmatched]}" 0
	# With the hooks on, conntrack's own IPv6 reassembly in PRE_ROUTING
	# takes an atomic fragment header out, as on any Linux router with
	# conntrack (README, "Between receive and reflect"); with the hooks
	# off nothing may.
	if [ "$(nva "$GWLBCTL" -j show "$GWLB_DEV" | jq -r '.[0].nf_hooks')" = true ]; then
		echo "# $name: ${R[atomic_stripped]} atomic fragment headers taken out by conntrack"
	else
		check "$name: no inner IPv6 packet lost its atomic fragment header on the way (${R[atomic_stripped]} did)" \
			eq "${R[atomic_stripped]}" 0
	fi
	if [ $((R[unmatched] + R[atomic_stripped] + R[wrong_peer] + R[bad_vxlan])) != 0 ]; then
		diag "$(jq -r '.examples[]' <<<"$res")"
	fi
	rogue_udp=$(topo_capture_text "$rpcap" udp | wc -l)
	check "$name: nothing UDP came back to the rogue sender ($rogue_udp packets; $(topo_capture_text "$rpcap" | wc -l) from the NVA at all)" \
		eq "$rogue_udp" 0
	if [ "$rogue_udp" != 0 ]; then diag "$(topo_capture_text "$rpcap" udp | head -n 5)"; fi
	trace_report "$name"
	splat_check
}

section() { echo "# --- $*"; }

# Where the kernel freed packets during a phase: a histogram of the
# skb:kfree_skb tracepoint by function and drop reason (a diagnosis aid;
# packets that vanish uncounted show up here).
TRACE=/sys/kernel/tracing
TRACE_HIST='hist:keys=location.sym,reason:sort=hitcount.descending:size=256'
TRACE_ON=
trace_start() {
	[ -d "$TRACE/events" ] || mount -t tracefs nodev "$TRACE" 2>/dev/null || return 0
	[ -w "$TRACE/events/skb/kfree_skb/trigger" ] || return 0
	echo "$TRACE_HIST" >"$TRACE/events/skb/kfree_skb/trigger" 2>/dev/null || return 0
	TRACE_ON=1
}
trace_report() {
	[ -n "$TRACE_ON" ] || return 0
	echo "# $1: kernel drops by function and reason (skb:kfree_skb; reasons: include/net/dropreason.h):"
	sed -n 's/.*location: *\[[0-9a-f]*\] *\([^ ,]*\).*reason: *\([0-9A-Za-z_]*\).*hitcount: *\([0-9]*\).*/\3 \1 reason \2/p' \
		"$TRACE/events/skb/kfree_skb/hist" | head -n 25 | sed 's/^/#   /'
	echo "!$TRACE_HIST" >"$TRACE/events/skb/kfree_skb/trigger"
	TRACE_ON=
}

# probe KIND WHAT: one packet (vxfuzz.py probe) on the External tunnel;
# it must be accounted for (rx == tx + drops) and, if reflected, unchanged.
probe() {
	local kind=$1 what=$2 pcap=$TOPO_TMP/probe-$1.pcap rec=$TOPO_TMP/probe-$1.rec
	local before after d rx tx dr res cap_pid
	: >"$rec"
	topo_capture_start "$NS_GWLB" ul-gw "$pcap" -s 0 udp and src host "$NVA_UL4"
	cap_pid=$TOPO_PID
	settle || true
	before=$(snapshot)
	ip netns exec "$NS_GWLB" "${FUZZ[@]}" probe --kind "$kind" --src4 "$GW_UL4" \
		--dst4 "$NVA_UL4" --record "$rec" >/dev/null
	settle || true
	after=$(snapshot)
	topo_capture_stop "$cap_pid"
	d=$(delta "$before" "$after")
	rx=$(($(get "$d" er) + $(get "$d" ir)))
	tx=$(($(get "$d" et) + $(get "$d" it)))
	dr=$(get "$d" after)
	res=$("${FUZZ[@]}" check --pcap "$pcap" --record "$rec" --nva4 "$NVA_UL4" \
		--nva6 "$NVA_UL6" --gwlb4 "$GW_UL4" --gwlb6 "$GW_UL6")
	echo "# probe $kind: rx $rx tx $tx drops $(drops_text "$d"); reflections $res"
	check "probe $kind ($what): accounted for: rx $rx == tx $tx + drops $dr" \
		eq "$rx" $((tx + dr))
	# The probes run with the hooks and conntrack on: an atomic fragment
	# may come back without its fragment header (conntrack's reassembly),
	# and nothing else about it may change.
	check_fields "$res"
	check "probe $kind ($what): what was reflected is the frame sent, or it without an atomic fragment header (${R[matched]} + ${R[atomic_stripped]} of $tx)" \
		eq $((R[matched] + R[atomic_stripped])) "$tx"
}

# 1. hooks on, no inner fragments
fuzz_phase hooks-on none 1101 "$FUZZ_N1" 1102 "$FUZZ_NR"
ct=$(nva nft -j list table inet fuzz | jq '[.nftables[].rule? // empty | .expr[] | .counter? // empty | .packets] | add')
echo "# nft rule counters (sum over the rules) after phase 1: $ct"
logged=$(dmesg | grep -c 'gwlbfuzz: ' || true)
check "the log rule logged fuzzed packets ($logged lines)" ge "$logged" 1

# Single packets the corpus holds a few of, each on its own.
section "probes"
probe atomic6 "inner IPv6 UDP behind an atomic fragment header"
probe atomic-frag6 "inner IPv6: an atomic fragment header, then a first fragment never completed"

# 2. hooks on, only inner fragments
nva sysctl -qw net.ipv4.ipfrag_time=3
nva sysctl -qw net.netfilter.nf_conntrack_frag6_timeout=3
fuzz_phase frags only 2201 "$FUZZ_N2" 0 0 --allow-refrag
sleep 4
echo "# after the reassembly timeout: $(nva nstat -saz IpReasmReqds IpReasmOKs IpReasmFails IpReasmTimeout Ip6ReasmReqds Ip6ReasmOKs Ip6ReasmFails Ip6ReasmTimeout 2>/dev/null | awk 'NR > 1 {printf "%s %s ", $1, $2}')"

# 3. hooks off, everything
topo_gwlbctl set "$GWLB_DEV" hooks off
fuzz_phase hooks-off mix 3301 "$FUZZ_N3" 3302 "$FUZZ_NR"
topo_gwlbctl set "$GWLB_DEV" hooks on

# ---- afterwards ---------------------------------------------------------------
section "afterwards"
CONFIG1=$(topo_gwlbctl -j show "$GWLB_DEV")
check "the configuration is what it was before the fuzz" [ "$CONFIG0" = "$CONFIG1" ]
ip -n "$NS_GWLB" link set gw-c up
ip -n "$NS_GWLB" link set gw-s up
topo_wait_links "$NS_GWLB" gw-c gw-s
check_ping "after the fuzz: ping client -> server through gwlb0" 3
body=$(topo_curl /api/ip 2>/dev/null) || body=
check "after the fuzz: HTTP request client -> server ($(jq -r '.ip // "none"' <<<"$body" 2>/dev/null))" \
	[ "$(jq -r '.ip // empty' <<<"$body" 2>/dev/null)" = "$CLIENT_IP" ]
echo "# final counters: $(topo_gwlbctl stats "$GWLB_DEV" | tr '\n' ' ')"
echo "# netns: $(topo_gwlbctl stats | sed -n '/netns/,$p' | tr '\n' ' ')"
splat_check

ELAPSED_MS=$(($(topo_now_ms) - START_MS))
printf '# fuzz: %d packets sent, %d checks, %d failed, %d.%03d s\n' "$TOTAL_SENT" \
	"$CHECKS" "$FAILS" $((ELAPSED_MS / 1000)) $((ELAPSED_MS % 1000))
[ "$FAILS" = 0 ]
