#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmtest: timeout=600 smp=2
#
# churn.sh - configuration changes under traffic, through the GWLB topology
# of scripts/e2e/topology.sh with a gwlbtun NVA (configured with gwlbctl).
#
# Phase 1, changes that keep the data path valid: while iperf3 runs from the
# client to the server (one run, or several in a row until the changes are
# done), 1,000 "gwlbctl set gwlb0 ..." are applied in the NVA namespace, each
# replacing the configuration object: ttl inherit/64/255/1, udpcsum on/off,
# hooks on/off (an nftables forward chain counts what passes the hooks),
# marks and mark mask, peers [GWLB] / [GWLB, two other addresses].
# Asserts: every change succeeded; "gwlbctl monitor" saw exactly as many
# notifications; iperf3 finished every run with nonzero throughput; no drops
# of any reason; external rx == internal tx and internal rx == external tx;
# what reached the NVA's underlay port per tunnel equals what gwlbtun
# accepted, and what gwlbtun sent equals what reached the GWLB stand-in
# (nftables netdev ingress counters on both underlay veths); the forward
# chain saw some but not all packets (the hooks really were switched).
#
# Phase 2, changes that alter the data path: while pings flow both ways,
# "peers none" <-> "peers GWLB" and, with a forward rule dropping everything,
# "hooks on" <-> "hooks off", each state held 0.1 s. Asserts exact
# accounting, so a packet in flight is either reflected or counted as
# dropped, never lost uncounted:
#   arrived at the NVA's underlay == accepted (rx) + peer-not-allowed
#                                    + device-down + netns unmatched
#   accepted (rx) == reflected (tx) + netfilter + no-route + too-big
#                    + nomem + xmit
#   reflected (tx) == arrived back at the GWLB stand-in's underlay
# and that both drop reasons actually occurred; afterwards ping works again.
#
# Phase 1 runs its first half of the changes with the underlay veth handing
# the stand-in's vxlan GSO super-packets (up to 64 KB) to gwlbtun whole, the
# second half with the underlay segmenting them first, as a real wire does
# (topo_ul_segment): a few large packets, then many small ones.
# CHURN_UL_GSO=on or off keeps one mode throughout. No namespace may count a
# UDP or TCP checksum error (outer UDP at the GWLB and the NVA, inner TCP at
# client and server), whatever the udpcsum setting.
#
# Settings (environment): OUTER=4|6 (default 4), CHURN_N (default 1000;
# 50 on the debug kernel), IPERF_SECS (length of one iperf3 run, default
# 20; 10), PHASE2_CYCLES (default 20; 5), CHURN_UL_GSO=both|on|off
# (default both). Before phase 1, 50 changes (20 on the debug kernel) without
# traffic give the latency of a change on an idle device. In the VM: scripts/vmtest churn, or scripts/vm/run --ko
# gwlbtun.ko --timeout 600 --smp 2 [--env NAME=VALUE] -- bash
# scripts/tests/churn.sh

set -euo pipefail

# shellcheck source=scripts/e2e/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/checks.sh"
e2e_test_init
need_modules veth vxlan bridge nf_tables
need_cmds iperf3 nft jq ping ss ethtool
# shellcheck disable=SC2119 # no module parameters
gwlbtun_load

NVA=gwlbtun
: "${OUTER:=4}"
: "${CHURN_N:=$(vm_amount 1000 50)}"
: "${IPERF_SECS:=$(vm_amount 20 10)}"
: "${PHASE2_CYCLES:=$(vm_amount 20 5)}"
: "${CHURN_UL_GSO:=both}"
CALIBRATE_N=$(vm_amount 50 20)
IPERF_PORT=5201

# shellcheck source-path=SCRIPTDIR/../e2e source=topology.sh
. "$REPO/scripts/e2e/topology.sh"

e2e_traps

ms_fmt() {
	printf '%d.%03d s' $(($1 / 1000)) $(($1 % 1000))
}

# ---------------------------------------------------------------------------
# Counters

# nft_setup: counters of the underlay ports on both ends (netdev ingress sees
# every packet as it arrives, after any segmentation), and a forward chain in
# the NVA that counts what passes gwlbtun's hooks.
nft_setup() {
	local ns dev
	for ns in "$NS_NVA" "$NS_GWLB"; do
		dev="ul-nva"
		if [ "$ns" = "$NS_GWLB" ]; then dev="ul-gw"; fi
		ip netns exec "$ns" nft -f - <<-EOF
			table netdev churn_ul {
				counter ext { }
				counter int { }
				chain in {
					type filter hook ingress device "$dev" priority 0; policy accept;
					udp dport $EXT_PORT counter name "ext"
					udp dport $INT_PORT counter name "int"
				}
			}
		EOF
	done
	ip netns exec "$NS_NVA" nft -f - <<-EOF
		table inet churn {
			counter hooked { }
			chain forward_hook {
				type filter hook forward priority 0; policy accept;
				iifname "$GWLB_DEV" counter name "hooked"
			}
		}
	EOF
}

# nft_counters NS: "table_name=packets ..." of the named counters in NS
# (nft's text output read here: no jq process).
nft_counters() {
	local text table='' name='' out=''
	local -a w
	text=$(ip netns exec "$1" nft list counters) || return 1
	while read -r -a w; do
		case ${w[0]:-} in
		table) table=${w[2]} ;;
		counter) name=${w[1]} ;;
		packets) out+="${table}_${name}=${w[1]} " ;;
		esac
	done <<<"$text"
	echo "${out% }"
}

# csum_errors NS: UDP and TCP checksum errors counted in NS (IPv4 and IPv6),
# read from its /proc/net through the holder process (topo_procnet_hold).
csum_errors() {
	local d=${TOPO_PROCNET[$1]} key rest i c s=0
	local -A col=()
	local -a f
	while read -r key rest; do
		case $key in
		Udp: | Tcp:) key=${key%:} ;;
		*) continue ;;
		esac
		read -ra f <<<"$rest"
		c=${col[$key]:-}
		if [ -z "$c" ]; then
			col[$key]=-1
			for i in "${!f[@]}"; do
				if [ "${f[i]}" = InCsumErrors ]; then col[$key]=$i; fi
			done
		elif [ "$c" -ge 0 ]; then
			s=$((s + ${f[c]}))
		fi
	done <"$d/snmp" || { echo x; return; }
	while read -r key rest; do
		if [ "$key" = Udp6InCsumErrors ]; then s=$((s + rest)); fi
	done <"$d/snmp6" || { echo x; return; }
	echo "$s"
}

# link_drops: packets dropped by every other device of the topology (veths,
# bridges, vxlan), rx and tx (each namespace's /proc/net/dev); and softnet=:
# by full per-CPU backlogs.
link_drops() {
	local ns line dev sum=0 sn=0
	local -a f
	for ns in "$NS_CLIENT" "$NS_SERVER" "$NS_GWLB" "$NS_NVA"; do
		while read -r line; do
			case $line in
			*:*) ;;
			*) continue ;;
			esac
			dev=${line%%:*}
			[ "$dev" != "$GWLB_DEV" ] || continue
			read -ra f <<<"${line#*:}"
			# receive: bytes packets errs drop ...; transmit from the 9th
			sum=$((sum + f[3] + f[11]))
		done <"${TOPO_PROCNET[$ns]}/dev" || { sum=x; break; }
	done
	while read -r _ line _; do
		sn=$((sn + 16#$line))
	done </proc/net/softnet_stat
	echo "linkdrops=$sum softnet=$sn"
}

# snapshot: the counters as "key=value ..." (all keys always present; "x"
# where a value could not be read).
snapshot() {
	local g nva gw
	g=$(topo_gwlbctl -j stats | jq -r --arg dev "$GWLB_DEV" '
		(.[] | select(.ifname == $dev)) as $d
		| ([.[] | select(.netns_unmatched) | .netns_unmatched.drops[] | numbers] | add // 0) as $u
		| {er: $d.external.rx_packets, et: $d.external.tx_packets,
		   ir: $d.internal.rx_packets, it: $d.internal.tx_packets,
		   malformed: $d.drops.malformed, pna: $d.drops.peer_not_allowed,
		   down: $d.drops.device_down, nf: $d.drops.netfilter,
		   noroute: $d.drops.no_route, toobig: $d.drops.too_big,
		   nomem: $d.drops.nomem, xmit: $d.drops.xmit,
		   drops: ([$d.drops[] | numbers] | add // 0), unmatched: $u}
		| to_entries | map("\(.key)=\(.value // "x")") | join(" ")') || g=
	nva=$(nft_counters "$NS_NVA") || nva=
	gw=$(nft_counters "$NS_GWLB") || gw=
	echo "$g ${nva//churn_ul_/nva_} ${gw//churn_ul_/gw_}" \
		"csum_gw=$(csum_errors "$NS_GWLB") csum_nva=$(csum_errors "$NS_NVA")" \
		"csum_cli=$(csum_errors "$NS_CLIENT") csum_srv=$(csum_errors "$NS_SERVER")" \
		"$(link_drops)"
}

# delta BEFORE AFTER: the differences as "key=value ...", for eval-free use
# with get.
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

# get SNAPSHOT KEY: one value.
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

# settle: topo_settle on every namespace's device counters and the NVA's
# IP, UDP and TCP counters: they change while packets still move (a
# snapshot would cost five processes, about 5 s on the debug kernel).
settle() {
	topo_settle "${TOPO_PROCNET[$NS_CLIENT]}/dev" "${TOPO_PROCNET[$NS_SERVER]}/dev" \
		"${TOPO_PROCNET[$NS_GWLB]}/dev" "${TOPO_PROCNET[$NS_NVA]}"/{dev,snmp,snmp6}
}

# dev_rx VAR: sets VAR to the packets $GWLB_DEV received (both tunnels), from
# the NVA's /proc/net/dev: no process, where a snapshot starts five.
dev_rx() {
	topo_netdev_counter "$1" "$NS_NVA" "$GWLB_DEV" 1
	local -n _v=$1
	is_uint "$_v" || topo_die "cannot read $GWLB_DEV's rx_packets from the NVA's /proc/net/dev"
}

# check_ul_accounting DELTA PHASE: the underlay and gwlbtun agree, exactly.
check_ul_accounting() {
	local d=$1 ph=$2 er ir et it pre post arrived back mal csum
	er=$(get "$d" er) ir=$(get "$d" ir) et=$(get "$d" et) it=$(get "$d" it)
	mal=$(get "$d" malformed)
	arrived=$(($(get "$d" nva_ext) + $(get "$d" nva_int)))
	back=$(($(get "$d" gw_ext) + $(get "$d" gw_int)))
	pre=$(($(get "$d" pna) + $(get "$d" down) + $(get "$d" unmatched)))
	post=$(($(get "$d" nf) + $(get "$d" noroute) + $(get "$d" toobig) + $(get "$d" nomem) + $(get "$d" xmit)))
	check "$ph: arrived at the NVA's underlay ($arrived) == accepted rx ($((er + ir))) + dropped before acceptance ($pre: peer-not-allowed, device-down, netns unmatched)" \
		eq "$arrived" $((er + ir + pre))
	check "$ph: accepted rx ($((er + ir))) == reflected tx ($((et + it))) + dropped after acceptance ($post: netfilter, no-route, too-big, nomem, xmit)" \
		eq $((er + ir)) $((et + it + post))
	check "$ph: reflected tx ($((et + it))) == arrived back at the GWLB stand-in's underlay ($back)" \
		eq $((et + it)) "$back"
	check "$ph: no malformed drops ($mal)" eq "$mal" 0
	csum="GWLB $(get "$d" csum_gw), NVA $(get "$d" csum_nva), client $(get "$d" csum_cli), server $(get "$d" csum_srv)"
	check "$ph: no UDP/TCP checksum errors in any namespace ($csum)" \
		eq $(($(get "$d" csum_gw) + $(get "$d" csum_nva) + $(get "$d" csum_cli) + $(get "$d" csum_srv))) 0
}

# ---------------------------------------------------------------------------
# The changes, run inside the NVA namespace (one process for all of them:
# the only fork per change is gwlbctl's).

# churn_apply FIRST N GWLBCTL DEV GW OTHERS TIMES: changes number FIRST to
# FIRST+N-1, which keep the data path valid; prints how many succeeded, the
# failures on stderr, and appends each one's duration in microseconds to the
# file TIMES.
churn_apply() {
	local i=$1 end=$(($1 + $2)) ctl=$3 dev=$4 gw=$5 others=$6 ok=0 peers mask me mi t0 t1
	local ttls=(inherit 64 255 1) onoff=(on off)
	exec 3>>"$7"
	for (( ; i < end; i++)); do
		t0=${EPOCHREALTIME/./}
		peers=$gw
		if (((i / 3) % 2)); then peers=$gw,$others; fi
		mask=0xff00 me=$(((i % 16) << 8)) mi=$((((i + 5) % 16) << 8))
		if ((i % 5 == 4)); then mask=0 me=0 mi=0; fi
		if "$ctl" set "$dev" ttl "${ttls[i % 4]}" udpcsum "${onoff[i % 2]}" \
			hooks "${onoff[(i / 2) % 2]}" peers "$peers" \
			mark-mask "$mask" mark-external "$me" mark-internal "$mi"; then
			ok=$((ok + 1))
		else
			echo "change $i failed" >&2
		fi
		t1=${EPOCHREALTIME/./}
		echo $((t1 - t0)) >&3
	done
	exec 3>&-
	echo "$ok"
}

# phase2_apply CYCLES GWLBCTL DEV GW TIMES: changes that alter the data
# path, each state held 0.1 s; prints how many succeeded, durations to TIMES.
phase2_apply() {
	local n=$1 ctl=$2 dev=$3 gw=$4 i ok=0 s t0 t1 steps=()
	for ((i = 0; i < n; i++)); do steps+=("peers none" "peers $gw"); done
	for ((i = 0; i < n; i++)); do steps+=("hooks on" "hooks off"); done
	exec 3>>"$5"
	for s in "${steps[@]}"; do
		t0=${EPOCHREALTIME/./}
		# shellcheck disable=SC2086 # two words each
		if "$ctl" set "$dev" $s; then ok=$((ok + 1)); else echo "set $s failed" >&2; fi
		t1=${EPOCHREALTIME/./}
		echo $((t1 - t0)) >&3
		sleep 0.1
	done
	exec 3>&-
	echo "$ok"
}

# times_summary FILE: "min/median/p99/max ms" of the microsecond durations.
times_summary() {
	local v n
	mapfile -t v < <(sort -n "$1")
	n=${#v[@]}
	if ((n == 0)); then
		echo "no samples"
		return
	fi
	printf '%d changes: min %s, median %s, p99 %s, max %s ms' "$n" \
		"$(us_ms "${v[0]}")" "$(us_ms "${v[n / 2]}")" \
		"$(us_ms "${v[n * 99 / 100]}")" "$(us_ms "${v[n - 1]}")"
}

us_ms() {
	printf '%d.%d' $(($1 / 1000)) $((($1 % 1000) / 100))
}

# ---------------------------------------------------------------------------
# iperf3

iperf_listening() {
	local out
	out=$(ip netns exec "$NS_SERVER" ss -Hltn "sport = :$IPERF_PORT")
	[ -n "$out" ]
}

# iperf_loop: iperf3 runs of IPERF_SECS, one after the other, until the
# changes are done ($TOPO_TMP/churn.done); run N writes iperf-N.json and
# iperf-N.rc.
iperf_loop() {
	local n=0 rc
	while [ "$n" = 0 ] || [ ! -e "$TOPO_TMP/churn.done" ]; do
		rc=0
		ip netns exec "$NS_CLIENT" iperf3 -c "$SERVER_IP" -p "$IPERF_PORT" \
			-t "$IPERF_SECS" -J --connect-timeout 5000 \
			>"$TOPO_TMP/iperf-$n.json" 2>"$TOPO_TMP/iperf-$n.err" || rc=$?
		echo "$rc" >"$TOPO_TMP/iperf-$n.rc"
		n=$((n + 1))
	done
}

# between N LO HI: LO <= N <= HI
between() {
	ge "$1" "$2" && ge "$3" "$1"
}

same_nonempty() {
	[ -n "$1" ] && [ "$1" = "$2" ]
}

# deltas_readable DELTA: every value is a number (else say so and fail now:
# the arithmetic below needs them).
deltas_readable() {
	local kv bad=
	for kv in $1; do
		is_uint "${kv#*=}" || bad+=" ${kv%%=*}"
	done
	if [ -n "$bad" ]; then
		not_ok "counters readable (not:$bad)"
		diag "$1"
		diag "$(topo_gwlbctl -j stats 2>&1)"
		echo "$((CHECKS - FAILS)) passed, $FAILS failed"
		exit 1
	fi
}

rx_grown() {
	local rx
	dev_rx rx
	ge "$rx" $(($1 + 200))
}

monitor_has() {
	local n
	n=$(wc -l <"$1")
	ge "$n" "$2"
}

# monitor_ready: a change, and the monitor printed a notification.
monitor_ready() {
	topo_gwlbctl set "$GWLB_DEV" ttl inherit
	topo_wait 1 monitor_has "$TOPO_TMP/monitor.json" 1
}

# ---------------------------------------------------------------------------

echo "# churn: OUTER=$OUTER, $CHURN_N changes under iperf3, then $((PHASE2_CYCLES * 4)) data-path changes under ping (underlay GSO $CHURN_UL_GSO)"
# shellcheck disable=SC2119 # no ip-echo server needed
topo_up
if [ "$CHURN_UL_GSO" = off ]; then
	topo_ul_segment
fi
GW=$(topo_gw_ul)
OTHERS=10.99.0.77,fd99::77
# No ARP through the NVA: phase 2 blocks the path for a while.
topo_pin_neighbours
nft_setup
topo_procnet_hold "$NS_CLIENT" "$NS_SERVER" "$NS_GWLB" "$NS_NVA"

topo_spawn "$NS_SERVER" "$TOPO_TMP/iperf-server.log" iperf3 -s -p "$IPERF_PORT"
topo_wait 15 iperf_listening || topo_die "iperf3 server did not start: $(cat "$TOPO_TMP/iperf-server.log")"
# (not topo_spawn: the notifications and any complaint go to separate files)
ip netns exec "$NS_NVA" "$GWLBCTL" -j monitor >"$TOPO_TMP/monitor.json" \
	2>"$TOPO_TMP/monitor.err" </dev/null &
MON_PID=$!
TOPO_PIDS+=("$MON_PID")

# A first change, until the monitor is known to listen.
topo_wait 15 monitor_ready || topo_die "gwlbctl monitor shows no notification"

# For comparison: the same kind of changes without traffic.
CAL_OK=$(ip netns exec "$NS_NVA" bash -c "$(declare -f churn_apply); churn_apply \"\$@\"" \
	churn 0 "$CALIBRATE_N" "$GWLBCTL" "$GWLB_DEV" "$GW" "$OTHERS" "$TOPO_TMP/idle.us") || CAL_OK=x
check "$CALIBRATE_N changes without traffic succeeded ($CAL_OK)" eq "$CAL_OK" "$CALIBRATE_N"
echo "# without traffic: $(times_summary "$TOPO_TMP/idle.us")"
topo_wait 10 monitor_has "$TOPO_TMP/monitor.json" $((CALIBRATE_N + 1)) || true
MON0=$(wc -l <"$TOPO_TMP/monitor.json")

# ---------------------------------------------------------------------------
# Phase 1

BEFORE=$(snapshot)
dev_rx RX0
iperf_loop &
IPERF_LOOP_PID=$!
TOPO_PIDS+=("$IPERF_LOOP_PID")
topo_wait $(($(vm_ms 30000) / 1000)) rx_grown "$RX0" ||
	topo_die "no iperf3 traffic through the NVA ($(cat "$TOPO_TMP/iperf-0.err" 2>/dev/null))"

# churn FIRST N: apply changes FIRST.. in the NVA namespace; adds to CHURN_OK
# and CHURN_MS.
CHURN_OK=0 CHURN_MS=0
churn() {
	local t0 ok
	t0=$(topo_now_ms)
	ok=$(ip netns exec "$NS_NVA" bash -c "$(declare -f churn_apply); churn_apply \"\$@\"" \
		churn "$1" "$2" "$GWLBCTL" "$GWLB_DEV" "$GW" "$OTHERS" "$TOPO_TMP/churn.us" \
		2>>"$TOPO_TMP/churn.err") || ok=0
	CHURN_MS=$((CHURN_MS + $(topo_now_ms) - t0))
	CHURN_OK=$((CHURN_OK + ok))
}

dev_rx MID0
if [ "$CHURN_UL_GSO" = both ]; then
	HALF=$((CHURN_N / 2))
	churn 0 "$HALF"
	dev_rx RXH
	echo "# $HALF changes with GSO super-packets on the underlay ($GWLB_DEV rx so far: $((RXH - MID0)) packets); now segmenting them on the wire"
	topo_ul_segment
	churn "$HALF" $((CHURN_N - HALF))
else
	churn 0 "$CHURN_N"
fi
dev_rx MID1
touch "$TOPO_TMP/churn.done"
echo "# $CHURN_N changes under iperf3 took $(ms_fmt "$CHURN_MS") ($((CHURN_N * 1000 / (CHURN_MS + 1))) per second)"
echo "# under iperf3: $(times_summary "$TOPO_TMP/churn.us")"

check "all $CHURN_N configuration changes succeeded ($CHURN_OK)" eq "$CHURN_OK" "$CHURN_N"
if [ -s "$TOPO_TMP/churn.err" ]; then diag "$(head -n 20 "$TOPO_TMP/churn.err")"; fi
check "traffic flowed during the changes: $GWLB_DEV rx_packets grew by $((MID1 - MID0)) >= $CHURN_N" \
	ge $((MID1 - MID0)) "$CHURN_N"

wait "$IPERF_LOOP_PID" || true
topo_forget_pid "$IPERF_LOOP_PID"
RUNS=0 RUN_FAIL=0 BYTES=0 SECS=0 RETR=0
# one jq for every run's report (a process costs about a second on the debug
# kernel): "N BPS BYTES SECS RETRANSMITS ERROR" per run
declare -A IPERF=()
for json in "$TOPO_TMP"/iperf-*.json; do
	n=${json##*/iperf-}
	IPERF[${n%.json}]="0 0 0 ? unreadable"
done
while read -r n rest; do
	IPERF[$n]=$rest
done < <(jq -r '[(input_filename | capture("iperf-(?<n>[0-9]+)[.]json$").n),
	(.end.sum_received.bits_per_second // 0 | floor),
	(.end.sum_received.bytes // 0), (.end.sum_received.seconds // 0 | floor),
	(.end.sum_sent.retransmits // "?"), (.error // "-" | gsub(" "; "_"))]
	| map(tostring) | join(" ")' "$TOPO_TMP"/iperf-*.json 2>/dev/null)
for rcf in "$TOPO_TMP"/iperf-*.rc; do
	n=${rcf##*/iperf-}
	n=${n%.rc}
	RUNS=$((RUNS + 1))
	read -r bps bytes secs retr err <<<"${IPERF[$n]:-0 0 0 ? unreadable}"
	read -r rc <"$rcf" || rc='?'
	if [ "$rc" = 0 ] && [ "$err" = - ] && ge "$bps" 1; then
		echo "# iperf3 run $n: $((bps / 1000000)) Mbit/s, $((bytes / 1048576)) MiB in ${secs} s, $retr retransmits"
		BYTES=$((BYTES + bytes)) SECS=$((SECS + secs))
	else
		RUN_FAIL=$((RUN_FAIL + 1))
		echo "# iperf3 run $n: rc $rc, error '$err', $bps bit/s"
		diag "$(cat "$TOPO_TMP/iperf-$n.err")"
	fi
	if is_uint "$retr"; then RETR=$((RETR + retr)); fi
done
check "iperf3: $RUNS run(s) covering the changes, each completed with nonzero throughput ($RUN_FAIL failed; $((BYTES * 8 / (SECS > 0 ? SECS : 1) / 1000000)) Mbit/s overall, $((BYTES / 1048576)) MiB)" \
	eq "$RUN_FAIL" 0

settle || true
AFTER=$(snapshot)
D=$(delta "$BEFORE" "$AFTER")
echo "# phase 1 deltas: $D"
deltas_readable "$D"
ER=$(get "$D" er) ET=$(get "$D" et) IR=$(get "$D" ir) IT=$(get "$D" it)
DROPS=$(get "$D" drops) UNM=$(get "$D" unmatched)
check "phase 1: no drops of any reason on $GWLB_DEV ($DROPS) and none unmatched in the netns ($UNM)" \
	eq $((DROPS + UNM)) 0
check "phase 1: external rx_packets ($ER) == internal tx_packets ($IT) + 0 drops" eq "$ER" "$IT"
check "phase 1: internal rx_packets ($IR) == external tx_packets ($ET) + 0 drops" eq "$IR" "$ET"
check "phase 1: External tunnel: arrived at the NVA ($(get "$D" nva_ext)) == accepted ($ER); sent ($ET) == arrived at the GWLB ($(get "$D" gw_ext))" \
	eq $(($(get "$D" nva_ext) - ER + ET - $(get "$D" gw_ext))) 0
check "phase 1: Internal tunnel: arrived at the NVA ($(get "$D" nva_int)) == accepted ($IR); sent ($IT) == arrived at the GWLB ($(get "$D" gw_int))" \
	eq $(($(get "$D" nva_int) - IR + IT - $(get "$D" gw_int))) 0
check_ul_accounting "$D" "phase 1"
echo "# outside the NVA: $(get "$D" linkdrops) packets dropped by the other devices, $(get "$D" softnet) by full backlogs; iperf3 counted $RETR retransmissions (TCP also retransmits on reordering, which a veth causes with 2 CPUs)"
FWD=$(get "$D" churn_hooked)
check "phase 1: the forward chain saw some but not all of the $((ER + IR)) packets ($FWD): hooks were switched" \
	between "$FWD" 1 $((ER + IR - 1))

# Every change was announced, none lost.
topo_wait 10 monitor_has "$TOPO_TMP/monitor.json" $((MON0 + CHURN_N)) || true
MON_N=$(($(wc -l <"$TOPO_TMP/monitor.json") - MON0))
check "gwlbctl monitor: $MON_N notifications for $CHURN_N changes, none lost" eq "$MON_N" "$CHURN_N"
check "gwlbctl monitor reported no problem (lost notifications)" [ ! -s "$TOPO_TMP/monitor.err" ]
if [ -s "$TOPO_TMP/monitor.err" ]; then diag "$(head -n 5 "$TOPO_TMP/monitor.err")"; fi
LAST_MON=$(tail -n 1 "$TOPO_TMP/monitor.json" | jq -cS .) || LAST_MON=
SHOW=$(topo_gwlbctl -j show "$GWLB_DEV" | jq -cS '.[0]') || SHOW=
check "the last notification equals gwlbctl show ($SHOW)" same_nonempty "$LAST_MON" "$SHOW"
topo_stop "$MON_PID" INT

# ---------------------------------------------------------------------------
# Phase 2

ip netns exec "$NS_NVA" nft add rule inet churn forward_hook iifname "$GWLB_DEV" drop
topo_gwlbctl set "$GWLB_DEV" peers "$GW" hooks off ttl inherit udpcsum on mark-mask 0
settle || true
BEFORE=$(snapshot)
topo_spawn "$NS_CLIENT" "$TOPO_TMP/ping-c.log" ping -q -i 0.01 "$SERVER_IP"
PING_C=$TOPO_PID
topo_spawn "$NS_SERVER" "$TOPO_TMP/ping-s.log" ping -q -i 0.01 "$CLIENT_IP"
PING_S=$TOPO_PID
sleep 1
T0=$(topo_now_ms)
P2_OK=$(ip netns exec "$NS_NVA" bash -c "$(declare -f phase2_apply); phase2_apply \"\$@\"" \
	phase2 "$PHASE2_CYCLES" "$GWLBCTL" "$GWLB_DEV" "$GW" "$TOPO_TMP/phase2.us" \
	2>"$TOPO_TMP/phase2.err") || P2_OK=x
P2_MS=$(($(topo_now_ms) - T0))
sleep 1
topo_stop "$PING_C" INT
topo_stop "$PING_S" INT
settle || true
AFTER=$(snapshot)
D=$(delta "$BEFORE" "$AFTER")
echo "# phase 2: $((PHASE2_CYCLES * 4)) changes in $(ms_fmt "$P2_MS") (each followed by 0.1 s); $(times_summary "$TOPO_TMP/phase2.us")"
echo "# phase 2 deltas: $D"
deltas_readable "$D"
echo "# ping client->server: $(grep -E 'transmitted' "$TOPO_TMP/ping-c.log" || echo '?')"
echo "# ping server->client: $(grep -E 'transmitted' "$TOPO_TMP/ping-s.log" || echo '?')"
check "phase 2: all $((PHASE2_CYCLES * 4)) changes succeeded ($P2_OK)" eq "$P2_OK" $((PHASE2_CYCLES * 4))
if [ -s "$TOPO_TMP/phase2.err" ]; then diag "$(head -n 20 "$TOPO_TMP/phase2.err")"; fi
check_ul_accounting "$D" "phase 2"
check "phase 2: peers none dropped packets as peer-not-allowed ($(get "$D" pna))" ge "$(get "$D" pna)" 1
check "phase 2: hooks on with the drop rule dropped packets as netfilter ($(get "$D" nf))" ge "$(get "$D" nf)" 1
check "phase 2: packets were reflected in between (tx $(($(get "$D" et) + $(get "$D" it))))" \
	ge $(($(get "$D" et) + $(get "$D" it))) 1

check_ping "after phase 2 (peers $GW, hooks off) ping client -> server: 3 of 3 answered" 3

splat_check
echo "$((CHECKS - FAILS)) passed, $FAILS failed"
[ "$FAILS" = 0 ]
