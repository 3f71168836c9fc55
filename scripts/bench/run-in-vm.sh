#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run-in-vm.sh - the gwlbtun benchmark, inside the test VM (scripts/bench.sh
# boots it: scripts/vm/run --ko gwlbtun.ko -- scripts/bench/run-in-vm.sh).
#
# One topology (scripts/e2e/topology.sh: client, server, the GWLB stand-in and
# the NVA namespace), then rounds: in every round each variant is set up in
# the NVA namespace, each of its loads runs once, and it is torn down again
# (round robin, the starting variant rotating from round to round). Round 0
# is a warm-up (shorter runs, recorded as rep 0, left out of the figures).
#
# Variants (NVA namespace):
#   gwlbtun       (a) one gwlbtun device, hooks on, no ruleset
#   gwlbtun-nft   (b) (a) + the 100-rule nftables ruleset (ruleset.nft below)
#   seed          (c) the seed's NVA: two kernel vxlan devices in a bridge
#   seed-brnf     (c') (c) + br_netfilter (bridge-nf-call-ip{,6}tables=1) +
#                 the same ruleset, whose forward chain then sees the bridged
#                 inner packets
#   floor         (d) no NVA: the same outer packets, sent to an address the
#                 NVA routes back to the stand-in (ip_forward=1): plain IPv4
#                 forwarding, the same veth hops as a reflection
#   gwlbtun-64    (a) + 63 more gwlbtun devices, each with its own GWLB peer
#                 address (10.99.1.N), on the same ports and VNIs
#   ceiling       no NVA: br-ext and br-int of the stand-in joined by a veth
#                 pair (TCP loads only)
#   gwlbtun-strict (f) (a) + the cluster's strict ruleset
#                 (scripts/cluster/ruleset.nft: only a SYN from External opens
#                 a connection, nf_conntrack_tcp_loose=0; TCP loads only, it
#                 drops the one-way UDP flows)
#   gwlbtun-sync  (f') (f) + conntrackd (scripts/cluster/conntrackd.conf,
#                 FTFW over UDP) in the NVA, syncing to a peer conntrackd in a
#                 namespace of its own over a dedicated veth: (f')/(f) is what
#                 state sync costs
#   null          (e) no NVA work at all: a tc ingress filter on ul-nva drops
#                 the outer packets as they arrive. Its rate (ul-nva's
#                 receive rate) is what the generator, the veth crossing and
#                 one tc drop cost alone; 1/rate(x) - 1/rate(null) is then
#                 the NVA's own cost per packet in variant x (the drop at
#                 the far side costs what this one does)
# Loads:
#   udp64         trafgen in the stand-in's namespace sends ready-made VXLAN
#                 packets (External, VNI 901, UDP 10801) at the NVA: 64-byte
#                 inner Ethernet frame (IPv4/UDP), one inner flow; what comes
#                 back is dropped by a tc ingress filter on ul-gw. Figure:
#                 ul-nva's transmit rate, packets/s.
#   udp64x1024    the same, 1024 inner flows (inner and outer UDP source port)
#   udp1500       the same, 1500-byte inner IP packet (1514-byte frame)
#   udp64spread   (gwlbtun-64 only) 64 bytes, one flow from each of 16 GWLB
#                 addresses, i.e. spread over 16 of the 64 devices
#   tcp           iperf3 client -> server through the whole stand-in, Mbit/s
#   cps           short TCP connections/s (bench/cps.py: connect, one request
#                 line, one answer line, close) client -> server
#
# Environment (set by scripts/bench.sh): BENCH_REPS, BENCH_SECONDS,
# BENCH_TCP_SECONDS, BENCH_WARMUP_SECONDS, BENCH_VARIANTS, BENCH_LOADS,
# BENCH_PROFILE (variants to profile with perf after the rounds), BENCH_SMP.
#
# Output, in $GWLBTUN_VM_ARTIFACTS (copied to the host): samples.tsv
# (variant, load, rep, value, unit, details), checks.tsv (sanity checks),
# meta.env, profile-*.txt, ruleset.nft.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_DIR/../.." && pwd)

# shellcheck source-path=SCRIPTDIR/../vm source=lib.sh
. "${GWLBTUN_VM_LIB:-$REPO/scripts/vm/lib.sh}"
set -euo pipefail
require_vm

REPS=${BENCH_REPS:-5}
RATE_S=${BENCH_SECONDS:-3}
TCP_S=${BENCH_TCP_SECONDS:-$RATE_S}
WARM_S=${BENCH_WARMUP_SECONDS:-2}
UL_GSO=${BENCH_UNDERLAY_GSO:-on}
# the tunnels' (outer) family; the inner packets are IPv4 either way
OUTER=${BENCH_OUTER:-4}
export OUTER
SMP=$(nproc)
ALL_VARIANTS=(gwlbtun gwlbtun-early gwlbtun-nft seed seed-brnf floor gwlbtun-64 ceiling gwlbtun-strict gwlbtun-sync)
ALL_LOADS=(udp64 udp64x1024 udp1500 udp64spread tcp cps)
read -r -a VARIANTS <<<"${BENCH_VARIANTS:-${ALL_VARIANTS[*]}}"
read -r -a LOADS <<<"${BENCH_LOADS:-${ALL_LOADS[*]}}"
read -r -a PROFILE <<<"${BENCH_PROFILE:-}"
OUT=${GWLBTUN_VM_ARTIFACTS:?not in the VM harness}
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

# Addresses beyond the topology's own.
FLOOR_DST4=10.99.5.1		# routed back to the stand-in by the floor
FLOOR_DST6=fd99:5::1
PEER_NET=10.99.1		# GWLB peers of the extra devices of gwlbtun-64
N_DEVS=64
SPREAD=16
IPERF_PORT=5201
CPS_PORT=9000
INNER_DPORT=9

need_modules veth vxlan bridge sch_ingress cls_u32 act_gact nf_tables \
	nf_conntrack
need_cmds trafgen iperf3 nft tc jq ip ethtool "$PY"
if [[ " ${VARIANTS[*]} " == *" gwlbtun-sync "* ]]; then
	need_cmds conntrackd conntrack
	need_modules nf_conntrack_netlink
fi
# Room for the connections cps leaves in TIME_WAIT (and their conntrack
# entries in the ruleset variants); the default scales with the guest's RAM.
sysctl -qw net.netfilter.nf_conntrack_max=131072
# trafgen's packet socket gets a large send buffer (it cannot raise it itself
# from a non-initial namespace, hence --no-sock-mem): with the default one,
# a non-blocking send into a full buffer fails (EAGAIN) and trafgen gives up.
sysctl -qw net.core.wmem_default=4194304 net.core.wmem_max=4194304

# shellcheck disable=SC2119 # no module parameters
gwlbtun_load
NVA=gwlbtun
# shellcheck source-path=SCRIPTDIR/../e2e source=topology.sh
. "$REPO/scripts/e2e/topology.sh"
# ctd_conf_make, for gwlbtun-sync
# shellcheck source-path=SCRIPTDIR/../e2e source=cluster.sh
. "$REPO/scripts/e2e/cluster.sh"

W=$(vm_tmpdir)		# tmpfs: trafgen mmaps a file in its cwd
EXTRA_DEVS=0
ACTIVE=''
TG_PID=''

cleanup() {
	local rc=$?
	trap - EXIT
	set +e
	trafgen_stop
	[ -z "$ACTIVE" ] || teardown "$ACTIVE" 2>/dev/null
	del_extra_devs 2>/dev/null
	topo_down
	exit "$rc"
}
trap cleanup EXIT

blog() { echo "[bench] $*"; }

# now: seconds since the epoch, microsecond resolution
now() { echo "$EPOCHREALTIME"; }

in_list() {
	local x=$1 y
	shift
	for y in "$@"; do [ "$x" = "$y" ] && return 0; done
	return 1
}

variant_loads() {
	case $1 in
	gwlbtun | gwlbtun-early | gwlbtun-nft | seed | seed-brnf) echo udp64 udp64x1024 udp1500 tcp cps ;;
	floor | null) echo udp64 udp64x1024 udp1500 ;;
	gwlbtun-64) echo udp64 udp64spread ;;
	ceiling | gwlbtun-strict | gwlbtun-sync) echo tcp cps ;;
	*) return 1 ;;
	esac
}

# selected_loads VARIANT: its loads that BENCH_LOADS selects
selected_loads() {
	local l out=()
	for l in $(variant_loads "$1"); do
		if in_list "$l" "${LOADS[@]}"; then out+=("$l"); fi
	done
	echo "${out[*]}"
}

sample() { # variant load rep value unit details
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$OUT/samples.tsv"
}

check_note() { # variant rep ok|warn text
	printf '%s\t%s\t%s\t%s\n' "$@" >>"$OUT/checks.tsv"
	if [ "$3" != ok ]; then blog "WARNING ($1, rep $2): $4"; fi
}

# --- the topology and what every variant shares -----------------------------

UL_GW=$(topo_gw_ul)
UL_NVA=$(topo_nva_ul)
if [ "$OUTER" = 6 ]; then
	FLOOR_DST=$FLOOR_DST6
	# the outer UDP packets on ul-gw, for tc: what the NVA sends back
	TC_UDP=(protocol ipv6 pref 1 u32 match ip6 protocol 17 0xff)
else
	FLOOR_DST=$FLOOR_DST4
	TC_UDP=(protocol ip pref 1 u32 match ip protocol 17 0xff)
fi

T0=$(now)
# shellcheck disable=SC2119 # no HTTP server: cps brings its own
topo_up
topo_nva_down
GW_MAC=$(topo_mac "$NS_GWLB" ul-gw)
NVA_MAC=$(topo_mac "$NS_NVA" ul-nva)
C_MAC=$(topo_mac "$NS_CLIENT" c0)
S_MAC=$(topo_mac "$NS_SERVER" s0)
# No ARP on any measured path: the underlay and the inner neighbours are
# pinned (a tc drop on ul-gw would also eat ARP replies).
ip -n "$NS_GWLB" neigh replace "$UL_NVA" lladdr "$NVA_MAC" dev ul-gw nud permanent
ip -n "$NS_NVA" neigh replace "$UL_GW" lladdr "$GW_MAC" dev ul-nva nud permanent
ip -n "$NS_CLIENT" neigh replace "$SERVER_IP" lladdr "$S_MAC" dev c0 nud permanent
ip -n "$NS_SERVER" neigh replace "$CLIENT_IP" lladdr "$C_MAC" dev s0 nud permanent
tc -n "$NS_GWLB" qdisc add dev ul-gw ingress
# BENCH_UNDERLAY_GSO=off: the underlay veths segment UDP-tunnel GSO packets
# before they cross, so every outer packet is MTU-sized, as from a wire.
# By default (on) the stand-in's vxlan hands TSO-sized encapsulated packets
# through the veth pair to the NVA, as the topology does in every test.
# gro: that, and GRO at the NVA's port (topo_ul_gro on).
if [ "$UL_GSO" = off ]; then
	topo_ul_segment >/dev/null
elif [ "$UL_GSO" = gro ]; then
	topo_ul_gro on >/dev/null
fi

if in_list tcp "${LOADS[@]}"; then
	topo_spawn "$NS_SERVER" "$W/iperf3-server.log" iperf3 -s -B "$SERVER_IP" -p "$IPERF_PORT"
fi
if in_list cps "${LOADS[@]}"; then
	topo_spawn "$NS_SERVER" "$W/cps-server.log" "$PY" -I "$BENCH_DIR/cps.py" \
		server --bind "$SERVER_IP" --port "$CPS_PORT"
	topo_wait 20 topo_file_has "listening on" "$W/cps-server.log" ||
		die "cps server did not start: $(cat "$W/cps-server.log")"
fi

# trafgen configurations: External tunnel packets for the NVA, and the same
# outer packets addressed past it for the floor.
mkpkt() { # name dst src frame flows
	"$PY" -I "$BENCH_DIR/mkpkt.py" --out "$W/$1.cfg" --smac "$GW_MAC" \
		--dmac "$NVA_MAC" --src "$3" --dst "$2" --vni "$EXT_VNI" \
		--port "$EXT_PORT" --inner-smac "$C_MAC" --inner-dmac "$S_MAC" \
		--inner-src "$CLIENT_IP" --inner-dst "$SERVER_IP" \
		--inner-dport "$INNER_DPORT" --frame "$4" --flows "$5"
}
spread_src=$(for i in $(seq 1 "$SPREAD"); do printf '%s.%d,' "$PEER_NET" "$i"; done)
mkpkt nva-udp64 "$UL_NVA" "$UL_GW" 64 1
mkpkt nva-udp64x1024 "$UL_NVA" "$UL_GW" 64 1024
mkpkt nva-udp1500 "$UL_NVA" "$UL_GW" 1514 1
if [ "$OUTER" = 4 ]; then
	mkpkt nva-udp64spread "$UL_NVA" "${spread_src%,}" 64 1
fi
mkpkt floor-udp64 "$FLOOR_DST" "$UL_GW" 64 1
mkpkt floor-udp64x1024 "$FLOOR_DST" "$UL_GW" 64 1024
mkpkt floor-udp1500 "$FLOOR_DST" "$UL_GW" 1514 1

# The 100-rule ruleset of (b) and (c'): a plausible NVA forward policy
# written as a flat list (no sets), so each packet of a new flow walks it:
#   1  ct state established,related accept
#   2  ct state invalid drop
#   3-34   32 blocked sources:        ip saddr 192.0.2.N drop
#   35-67  33 closed TCP services:    tcp dport 20000+N drop
#   68-99  32 closed UDP services:    udp dport 30000+N drop
#   100    counter accept             (the default: allow, counted)
# Nothing in 3-99 matches the benchmark's traffic, so a packet that conntrack
# does not already know as established (every trafgen packet: its flows are
# one-way, so they stay NEW) is checked against all 100 rules; an
# established TCP segment stops at rule 1.
{
	echo "table inet nva_bench {"
	echo "	chain forward {"
	echo "		type filter hook forward priority filter; policy accept;"
	echo "		ct state established,related accept"
	echo "		ct state invalid drop"
	for i in $(seq 1 32); do echo "		ip saddr 192.0.2.$i drop"; done
	for i in $(seq 1 33); do echo "		tcp dport $((20000 + i)) drop"; done
	for i in $(seq 1 32); do echo "		udp dport $((30000 + i)) drop"; done
	echo "		counter accept"
	echo "	}"
	echo "}"
} >"$W/ruleset.nft"
cp "$W/ruleset.nft" "$OUT/ruleset.nft"

{
	echo "kernel=$(uname -r)"
	echo "smp=$SMP"
	echo "mem_mb=$(awk '/MemTotal/ { printf "%d", $2 / 1024 }' /proc/meminfo)"
	echo "reps=$REPS"
	echo "rate_seconds=$RATE_S"
	echo "tcp_seconds=$TCP_S"
	echo "warmup_seconds=$WARM_S"
	echo "underlay_gso=$UL_GSO"
	echo "outer=$OUTER"
	echo "variants=${VARIANTS[*]}"
	echo "loads=${LOADS[*]}"
	echo "trafgen=$(trafgen -v 2>/dev/null | head -n 1 | tr -d '\n' || true)"
	echo "iperf3=$(iperf3 -v 2>/dev/null | head -n 1 | tr -d '\n' || true)"
	echo "nft_rules=$(grep -cE '^\s+(ct|ip|tcp|udp|counter) ' "$W/ruleset.nft")"
} >"$OUT/meta.env"
: >"$OUT/samples.tsv"
: >"$OUT/checks.tsv"
blog "topology and packet sets ready in $(awk -v a="$T0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s"

# --- variants ------------------------------------------------------------------

# flush_standin: forget learnt MACs in the stand-in's bridges (where the
# server is changes between an NVA and the ceiling's direct link).
flush_standin() {
	ip -n "$NS_GWLB" link set dev br-ext type bridge fdb_flush
	ip -n "$NS_GWLB" link set dev br-int type bridge fdb_flush
}

nft_final_hits() { # packets counted by the ruleset's last rule
	ip netns exec "$NS_NVA" nft -j list chain inet nva_bench forward 2>/dev/null |
		jq -r '[.nftables[] | .rule? // empty | .expr[] | .counter? // empty | .packets] | last // 0'
}

add_extra_devs() {
	local i batch=$W/devs.batch
	: >"$batch"
	for i in $(seq 1 $((N_DEVS - 1))); do echo "link add gwlb$i type gwlbtun" >>"$batch"; done
	ip -n "$NS_NVA" -batch "$batch" || return 1
	EXTRA_DEVS=1
	for i in $(seq 1 $((N_DEVS - 1))); do
		topo_gwlbctl set "gwlb$i" external "$EXT_VNI:$EXT_PORT" \
			internal "$INT_VNI:$INT_PORT" peers "$PEER_NET.$i" || return 1
	done
	: >"$batch"
	for i in $(seq 1 $((N_DEVS - 1))); do echo "link set gwlb$i up" >>"$batch"; done
	ip -n "$NS_NVA" -batch "$batch" || return 1
	ip -n "$NS_NVA" route add "$PEER_NET.0/24" via "$GW_UL4" dev ul-nva
}

del_extra_devs() {
	local i batch=$W/devs-del.batch
	[ "$EXTRA_DEVS" = 1 ] || return 0
	: >"$batch"
	for i in $(seq 1 $((N_DEVS - 1))); do echo "link del gwlb$i" >>"$batch"; done
	ip -n "$NS_NVA" -force -batch "$batch" 2>/dev/null || true
	ip -n "$NS_NVA" route del "$PEER_NET.0/24" 2>/dev/null || true
	EXTRA_DEVS=0
}

seed_static_fdb() {
	# the steady state a learning bridge reaches: client behind External,
	# server behind Internal
	bridge -n "$NS_NVA" fdb replace "$C_MAC" dev nva-ext master static &&
		bridge -n "$NS_NVA" fdb replace "$S_MAC" dev nva-int master static
}

brnf_on() {
	modprobe br_netfilter || return 1
	# the NVA's bridge calls the inet hooks; the stand-in's bridges do not
	ip netns exec "$NS_NVA" sysctl -qw net.bridge.bridge-nf-call-iptables=1 \
		net.bridge.bridge-nf-call-ip6tables=1 || return 1
	ip netns exec "$NS_GWLB" sysctl -qw net.bridge.bridge-nf-call-iptables=0 \
		net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-arptables=0
}

brnf_off() {
	# unloaded again, so that no other variant runs with its hooks around
	# (rmmod: modprobe -r would take the bridge module, and with it every
	# bridge of the stand-in, along)
	rmmod br_netfilter || blog "note: br_netfilter did not unload"
}

# The sync peer of gwlbtun-sync: a namespace with the other end of the sync
# link (NVA 10.98.0.1, peer 10.98.0.2), made once.
NS_PEER=${TOPO_PREFIX}syncpeer
sync_link_up() {
	[ -e "/run/netns/$NS_PEER" ] && return 0
	netns_add "$NS_PEER"
	ip -n "$NS_NVA" link add sync0 type veth peer name sync0 netns "$NS_PEER" || return 1
	ip -n "$NS_NVA" addr add 10.98.0.1/24 dev sync0
	ip -n "$NS_PEER" addr add 10.98.0.2/24 dev sync0
	ip -n "$NS_NVA" link set sync0 up
	ip -n "$NS_PEER" link set sync0 up
	ctd_conf_make 1 2 "$W" "$W/ctd1.conf"
	ctd_conf_make 2 1 "$W" "$W/ctd2.conf"
	topo_wait_links "$NS_NVA" sync0
}

CTD_PIDS=()
ctd_up() {
	local ns k=1
	for ns in "$NS_NVA" "$NS_PEER"; do
		rm -f "$W/ctd$k.lock" "$W/ctd$k.ctl"
		ip netns exec "$ns" conntrackd -C "$W/ctd$k.conf" >"$W/ctd$k.out" 2>&1 &
		CTD_PIDS+=($!)
		topo_wait 10 ip netns exec "$ns" conntrackd -C "$W/ctd$k.conf" -s >/dev/null 2>&1 ||
			return 1
		k=$((k + 1))
	done
}

ctd_down() {
	local pid
	for pid in "${CTD_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	CTD_PIDS=()
	ip netns exec "$NS_PEER" conntrack -F 2>/dev/null || true
}

strict_up() {
	topo_nva_up gwlbtun
	topo_gwlbctl set "$GWLB_DEV" mark-external 0x1 mark-internal 0x2 mark-mask 0x3 &&
		ip netns exec "$NS_NVA" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0 &&
		ip netns exec "$NS_NVA" nft -f "$REPO/scripts/cluster/ruleset.nft"
}

strict_down() {
	ip netns exec "$NS_NVA" nft flush ruleset || true
	ip netns exec "$NS_NVA" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=1 || true
	ip netns exec "$NS_NVA" conntrack -F 2>/dev/null || true
	topo_nva_down
}

setup() {
	case $1 in
	gwlbtun) topo_nva_up gwlbtun ;;
	gwlbtun-early)
		# early_rx is a load-time parameter: the module is reloaded with
		# it (no gwlbtun device is left by the previous variant's teardown)
		gwlbtun_unload && gwlbtun_load early_rx=1 || return 1
		topo_nva_up gwlbtun ;;
	gwlbtun-strict) strict_up ;;
	gwlbtun-sync)
		sync_link_up && strict_up && ctd_up ;;
	gwlbtun-nft)
		topo_nva_up gwlbtun
		ip netns exec "$NS_NVA" nft -f "$W/ruleset.nft" ;;
	seed)
		topo_nva_up seed
		seed_static_fdb ;;
	seed-brnf)
		brnf_on || return 1
		topo_nva_up seed
		seed_static_fdb || return 1
		ip netns exec "$NS_NVA" nft -f "$W/ruleset.nft" ;;
	floor)
		if [ "$OUTER" = 6 ]; then
			# (IPv6 has no switch for redirects; they are rate-limited)
			ip netns exec "$NS_NVA" sysctl -qw net.ipv6.conf.all.forwarding=1 || return 1
		else
			ip netns exec "$NS_NVA" sysctl -qw net.ipv4.ip_forward=1 \
				net.ipv4.conf.all.send_redirects=0 \
				net.ipv4.conf.ul-nva.send_redirects=0 || return 1
		fi
		ip -n "$NS_NVA" route add "$FLOOR_DST" via "$UL_GW" dev ul-nva ;;
	gwlbtun-64)
		# its extra GWLB addresses (10.99.1.N) are IPv4
		[ "$OUTER" = 4 ] || { blog "gwlbtun-64: IPv4 outer only"; return 1; }
		topo_nva_up gwlbtun
		add_extra_devs ;;
	null)
		tc -n "$NS_NVA" qdisc add dev ul-nva ingress &&
			tc -n "$NS_NVA" filter add dev ul-nva ingress "${TC_UDP[@]}" action drop ;;
	ceiling)
		ip -n "$NS_GWLB" link add j-ext type veth peer name j-int || return 1
		ip -n "$NS_GWLB" link set j-ext master br-ext up &&
			ip -n "$NS_GWLB" link set j-int master br-int up || return 1
		topo_wait_links "$NS_GWLB" j-ext j-int ;;
	esac
}

teardown() {
	case $1 in
	gwlbtun) topo_nva_down ;;
	gwlbtun-early)
		topo_nva_down
		# and back without it, for the other variants
		gwlbtun_unload && gwlbtun_load ;;
	gwlbtun-strict) strict_down ;;
	gwlbtun-sync)
		ctd_down
		strict_down ;;
	gwlbtun-nft)
		ip netns exec "$NS_NVA" nft delete table inet nva_bench || true
		topo_nva_down ;;
	seed) topo_nva_down ;;
	seed-brnf)
		ip netns exec "$NS_NVA" nft delete table inet nva_bench || true
		topo_nva_down
		brnf_off ;;
	floor)
		ip -n "$NS_NVA" route del "$FLOOR_DST" || true
		ip netns exec "$NS_NVA" sysctl -qw net.ipv4.ip_forward=0 \
			net.ipv6.conf.all.forwarding=0 || true ;;
	gwlbtun-64)
		del_extra_devs
		topo_nva_down ;;
	ceiling) ip -n "$NS_GWLB" link del j-ext || true ;;
	null) tc -n "$NS_NVA" qdisc del dev ul-nva ingress || true ;;
	esac
}

# --- loads ---------------------------------------------------------------------

# measure SECONDS: in the NVA's namespace, wait until packets arrive on
# ul-nva, let it settle, then count for SECONDS. Prints "RX TX ELAPSED"
# (deltas of ul-nva's rx and tx packet counters). The timestamps are taken
# next to the counter reads, in one process.
measure() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	timeout $((${1%.*} + 30)) ip netns exec "$NS_NVA" bash -c '
		f=/sys/class/net/ul-nva/statistics
		read -r r0 <$f/rx_packets
		n=0
		while read -r r <$f/rx_packets && ((r - r0 < 200)); do
			sleep 0.05
			n=$((n + 1))
			((n < 400)) || { echo "no packets arriving" >&2; exit 1; }
		done
		sleep 0.3
		read -r rx0 <$f/rx_packets; read -r tx0 <$f/tx_packets; t0=$EPOCHREALTIME
		sleep "$1"
		read -r rx1 <$f/rx_packets; read -r tx1 <$f/tx_packets; t1=$EPOCHREALTIME
		echo $((rx1 - rx0)) $((tx1 - tx0)) "$(awk -v a="$t0" -v b="$t1" "BEGIN { printf \"%.6f\", b - a }")"
	' measure "$1"
}

# trafgen_start CFG: trafgen on ul-gw in the stand-in's namespace, in a
# process group of its own (it forks one sender per CPU); cwd on tmpfs.
trafgen_start() {
	(cd "$W" && exec setsid ip netns exec "$NS_GWLB" trafgen --dev ul-gw \
		--conf "$1" --cpus "$SMP" --no-sock-mem >"$W/trafgen.log" 2>&1) &
	TG_PID=$!
}

# trafgen_stop: SIGKILL, as trafgen can take a long time over a SIGINT (it
# tries to flush its ring).
trafgen_stop() {
	[ -n "$TG_PID" ] || return 0
	kill -KILL -- "-$TG_PID" 2>/dev/null || kill -KILL "$TG_PID" 2>/dev/null || true
	wait "$TG_PID" 2>/dev/null || true
	TG_PID=''
}

rate_run() { # variant load rep seconds
	local v=$1 l=$2 rep=$3 s=$4 cfg res rx tx dt pps try n
	if [ "$v" = floor ]; then cfg=$W/floor-$l.cfg; else cfg=$W/nva-$l.cfg; fi
	for try in 1 2 3; do
		trafgen_start "$cfg"
		res=$(measure "$s") || res=''
		# a measurement counts only if trafgen sent all along
		kill -0 "$TG_PID" 2>/dev/null || res=''
		trafgen_stop
		[ -z "$res" ] || break
		blog "rep $rep $v $l: attempt $try failed (trafgen: $(tail -n 2 "$W/trafgen.log" | tr '\n' ' '))"
	done
	if [ -z "$res" ]; then
		check_note "$v" "$rep" warn "$l: no measurement in 3 attempts"
		return 0
	fi
	read -r rx tx dt <<<"$res"
	# null sends nothing back: its figure is what reached the NVA
	if [ "$v" = null ]; then n=$rx; else n=$tx; fi
	pps=$(awk -v n="$n" -v t="$dt" 'BEGIN { printf "%.1f", n / t }')
	sample "$v" "$l" "$rep" "$pps" pps "rx=$rx;tx=$tx;seconds=$dt"
	blog "rep $rep $v $l: $(awk -v p="$pps" 'BEGIN { printf "%.1f", p / 1000 }') kpps (rx $rx tx $tx in ${dt}s)"
	# Everything that arrived should have left again: one out per one in.
	if [ "$v" != null ] && ((rx > 0)) && ((tx * 100 < rx * 98)); then
		check_note "$v" "$rep" warn "$l: only $tx of $rx packets left the NVA"
	fi
}

path_ok() {
	ip netns exec "$NS_CLIENT" ping -c 1 -W 2 -q "$SERVER_IP" >/dev/null 2>&1 ||
		ip netns exec "$NS_CLIENT" ping -c 1 -W 2 -q "$SERVER_IP" >/dev/null 2>&1
}

tcp_run() { # variant rep seconds
	local v=$1 rep=$2 s=$3 json mbps err
	json=$(ip netns exec "$NS_CLIENT" timeout $((${s%.*} + 30)) iperf3 -c "$SERVER_IP" \
		-p "$IPERF_PORT" -t "$s" -J --connect-timeout 3000 2>&1) || true
	mbps=$(jq -r '(.end.sum_received.bits_per_second // empty) / 1e6 | . * 10 | round / 10' <<<"$json" 2>/dev/null) || mbps=''
	if [ -z "$mbps" ]; then
		err=$(jq -r '.error // empty' <<<"$json" 2>/dev/null) || err=''
		check_note "$v" "$rep" warn "tcp: iperf3 failed: ${err:-$(head -c 200 <<<"$json")}"
		return 0
	fi
	sample "$v" tcp "$rep" "$mbps" Mbit/s "retransmits=$(jq -r '.end.sum_sent.retransmits // 0' <<<"$json")"
	blog "rep $rep $v tcp: $mbps Mbit/s"
}

cps_run() { # variant rep seconds
	local v=$1 rep=$2 s=$3 json cps n errs saw
	json=$(ip netns exec "$NS_CLIENT" timeout $((${s%.*} + 30)) "$PY" -I "$BENCH_DIR/cps.py" \
		client --host "$SERVER_IP" --port "$CPS_PORT" --seconds "$s" 2>&1) || true
	read -r cps n errs saw <<<"$(jq -r '"\(.cps) \(.connections) \(.errors) \(.server_saw)"' <<<"$json" 2>/dev/null)" || cps=''
	if [ -z "${cps:-}" ] || [ "$cps" = null ]; then
		check_note "$v" "$rep" warn "cps: client failed: $(head -c 200 <<<"$json")"
		return 0
	fi
	sample "$v" cps "$rep" "$cps" conn/s "connections=$n;errors=$errs"
	blog "rep $rep $v cps: $cps conn/s ($n, $errs errors)"
	if [ "$saw" != "$CLIENT_IP" ]; then
		check_note "$v" "$rep" warn "cps: the server saw ${saw:-nothing}, not $CLIENT_IP"
	fi
}

# Ip InDelivers of the NVA's namespace, and what its underlay port received
ip_in_delivers() {
	ip netns exec "$NS_NVA" awk '/^Ip:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "InDelivers") c = i; h = 1 } else print $c }' /proc/net/snmp
}
ul_rx() { ip netns exec "$NS_NVA" cat /sys/class/net/ul-nva/statistics/rx_packets; }

# run_variant VARIANT REP: set up, every selected load once, checks, tear down.
run_variant() {
	local v=$1 rep=$2 s=$RATE_S ts=$TCP_S l loads hits rate=0 t IND0=0 IND1=0 ULRX0=0 ULRX1=0
	local -a ll
	if [ "$rep" = 0 ]; then s=$WARM_S; ts=$WARM_S; fi
	read -r -a ll <<<"$(selected_loads "$v")"
	[ ${#ll[@]} -gt 0 ] || return 0
	flush_standin
	ACTIVE=$v
	t=$(now)
	if ! setup "$v"; then
		check_note "$v" "$rep" warn "setup failed; loads skipped"
		teardown "$v" || true
		ACTIVE=''
		return 0
	fi
	blog "rep $rep $v: set up in $(awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s"
	loads=" ${ll[*]} "
	if [[ $loads == *" udp"* ]]; then
		rate=1
		IND0=$(ip_in_delivers)
		ULRX0=$(ul_rx)
		tc -n "$NS_GWLB" filter add dev ul-gw ingress "${TC_UDP[@]}" action drop
		for l in "${ll[@]}"; do
			case $l in udp*) rate_run "$v" "$l" "$rep" "$s" ;; esac
		done
		tc -n "$NS_GWLB" filter del dev ul-gw ingress "${TC_UDP[@]:0:5}"
		IND1=$(ip_in_delivers)
		ULRX1=$(ul_rx)
	fi
	if [[ $loads == *" tcp "* || $loads == *" cps "* ]]; then
		if path_ok; then
			if [[ $loads == *" tcp "* ]]; then tcp_run "$v" "$rep" "$ts"; fi
			if [[ $loads == *" cps "* ]]; then cps_run "$v" "$rep" "$ts"; fi
		else
			check_note "$v" "$rep" warn "no ping client -> server: TCP loads skipped"
		fi
	fi
	case $v in
	gwlbtun-nft | seed-brnf)
		hits=$(nft_final_hits) || hits=0
		if [ "$rate" = 1 ] && ! ((${hits:-0} > 0)); then
			check_note "$v" "$rep" warn "the ruleset's last rule counted no packets: it does not see the traffic"
		else
			check_note "$v" "$rep" ok "the ruleset's last rule counted ${hits:-0} packets"
		fi ;;
	esac
	case $v in
	gwlbtun | gwlbtun-early)
		# early_rx takes the outer packets before local delivery: the NVA's
		# Ip InDelivers then stays far below what it received
		if [ "$rate" = 1 ]; then
			local d r
			d=$((IND1 - IND0))
			r=$((ULRX1 - ULRX0))
			if [ "$v" = gwlbtun-early ] && ((d * 10 > r)); then
				check_note "$v" "$rep" warn "early_rx: $d of $r outer packets went through local delivery"
			elif [ "$v" = gwlbtun ] && ((d * 10 < r * 9)); then
				check_note "$v" "$rep" warn "only $d of $r outer packets went through local delivery"
			else
				check_note "$v" "$rep" ok "local deliveries $d of $r received"
			fi
		fi ;;
	esac
	case $v in
	gwlbtun*)
		local st
		st=$(topo_gwlbctl -j stats "$GWLB_DEV" 2>/dev/null | jq -c '.[0].drops // {}') || st='?'
		if [ "$(jq '[.[] | numbers] | add // 0' <<<"$st" 2>/dev/null)" = 0 ]; then
			check_note "$v" "$rep" ok "$GWLB_DEV: no drops"
		else
			check_note "$v" "$rep" warn "$GWLB_DEV drops: $st"
		fi ;;
	esac
	teardown "$v"
	ACTIVE=''
}

# --- rounds --------------------------------------------------------------------

n=${#VARIANTS[@]}
for rep in $(seq 0 "$REPS"); do
	blog "$(if [ "$rep" = 0 ]; then echo "warm-up round (discarded)"; else echo "round $rep of $REPS"; fi)," \
		"$(awk -v a="$T0" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s in"
	for i in $(seq 0 $((n - 1))); do
		run_variant "${VARIANTS[$(((i + rep) % n))]}" "$rep"
	done
done

# --- optional profile ----------------------------------------------------------

# Inclusive views worth a look: the generator, the NVA's receive, gwlbtun's
# stages, the seed's, and the drop on the far side.
PROFILE_STAGES='\] (packet_sendmsg|skb_copy_ubufs|__netif_receive_skb_core[.a-z0-9]*|ip_rcv|ip_forward|udp_queue_rcv_one_skb|gwlbtun_[a-z_0-9]+|nf_hook_slow|nf_conntrack_in|nft_do_chain[a-z_0-9]*|__skb_get_hash|ip_local_out|ip_finish_output2|vxlan_rcv|vxlan_xmit|br_handle_frame|br_forward|br_nf_[a-z_]+|tcf_classify|__ip_select_ident|dst_cache_get_ip4|fib_table_lookup|ip_route_input_noref) *$'

for v in "${PROFILE[@]}"; do
	command -v perf >/dev/null || { blog "perf not installed: no profile"; break; }
	[[ $v == ceiling ]] && continue
	blog "profiling $v (udp64, ${RATE_S}s)"
	flush_standin
	ACTIVE=$v
	setup "$v"
	tc -n "$NS_GWLB" filter add dev ul-gw ingress "${TC_UDP[@]}" action drop
	if [ "$v" = floor ]; then
		trafgen_start "$W/floor-udp64.cfg"
	else
		trafgen_start "$W/nva-udp64.cfg"
	fi
	sleep 1
	(cd "$W" && perf record -a -g -F 1999 -o "$W/perf-$v.data" -- sleep "$RATE_S") \
		>"$W/perf-record.log" 2>&1 || blog "perf record failed: $(tail -n 2 "$W/perf-record.log")"
	trafgen_stop
	tc -n "$NS_GWLB" filter del dev ul-gw ingress "${TC_UDP[@]:0:5}"
	teardown "$v"
	ACTIVE=''
	if [ -s "$W/perf-$v.data" ]; then
		{
			echo "# $v, udp64: where the CPU goes (self time per symbol)"
			perf report -i "$W/perf-$v.data" --stdio --no-children --sort sym \
				-g none --percent-limit 0.5 2>/dev/null | grep -v '^#' | grep -v '^$'
			echo
			echo "# $v, udp64: inclusive time of the stages (children included)"
			perf report -i "$W/perf-$v.data" --stdio --children --sort sym \
				-g none 2>/dev/null | grep -E "$PROFILE_STAGES" || true
			echo
			echo "# $v, udp64: who calls the hottest symbols (self >= 0.5%)"
			perf report -i "$W/perf-$v.data" --stdio --no-children --sort sym \
				-g caller,2,callee,function,percent --percent-limit 0.5 \
				2>/dev/null | grep -v '^#' | grep -v '^$' | awk 'NR <= 900'
		} >"$OUT/profile-$v.txt" 2>&1
	fi
done

blog "done in $(awk -v a="$T0" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s"
