#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# topology.sh - the network-namespace topology of the gwlbtun end-to-end tests,
# benchmark and demo: an internet client, a backend server, a stand-in for
# Azure's Gateway Load Balancer (GWLB) built only from the kernel's own vxlan
# devices and bridges, and the NVA under test.
#
#   client ns                gwlb ns: GWLB stand-in (kernel vxlan + bridges)          nva ns
#  +---------------+       +---------------------------------------------+         +-----------------------------+
#  | c0            | veth  | gw-c --- br-ext --- vx-ext                  |         | NVA=seed (reference):       |
#  | 203.0.113.10  |-------|                     VNI 901, UDP 10801      |         |   nva-ext ---+              |
#  +---------------+       |                     (External tunnel) \     |  veth   |   VNI 901    |              |
#                          |                                      ul-gw =|=========|= ul-nva     nva-br          |
#  +---------------+       |                     (Internal tunnel) /     |MTU 1600 |   VNI 900    |              |
#  | s0            |-------| gw-s --- br-int --- vx-int                  |         |   nva-int ---+              |
#  | 198.51.100.20 | veth  |                     VNI 900, UDP 10800      |         | NVA=gwlbtun:                |
#  | :8080 ip-echo |       |          ul-gw: 10.99.0.1 / fd99::1         |         |   gwlb0 (type gwlbtun)      |
#  +---------------+       +---------------------------------------------+         | ul-nva: 10.99.0.2 / fd99::2 |
#   server ns                                                                      +-------------+---------------+
#                                                                                                | ul-nva-r
#   rogue ns (only when topo_rogue_up is called): a second, not allowed,           veth          | 10.99.3.2
#   GWLB-like sender: vx-rogue (VNI 901, UDP 10801) and vx-rogue-int   ------------------------+ fd99:3::2
#   (VNI 900, UDP 10800) over ul-rogue 10.99.3.1 / fd99:3::1, sending to the NVA's 10.99.0.2 / fd99::2.
#
# Packet path: client -> br-ext -> vx-ext =[VNI 901 / UDP 10801]=> NVA
#              =[VNI 900 / UDP 10800]=> vx-int -> br-int -> server, and the reverse.
#
# Inner addressing: client and server keep public-looking (documentation)
# addresses in different subnets, as on the internet, and reach each other
# through on-link /32 routes ("ip route add <peer>/32 dev <veth>"). Both sit on
# one inner Ethernet segment stretched through the GWLB stand-in and the NVA, so
# ARP crosses the NVA like every other ethertype and no static neighbours are
# needed. IPv6 is disabled on every inner-path device (veths, bridges, vxlan,
# gwlb0) so that nothing but the test's own traffic (and ARP) crosses the NVA,
# which keeps the counters exact. The underlay veths carry IPv4 and IPv6
# (addresses added with nodad); OUTER=4|6 selects which one the tunnels use.
#
# MTU: inner devices keep 1500; the underlay veths get 1600, enough for a
# 1500-byte inner IP packet plus 50 (outer IPv4) or 70 (outer IPv6) bytes.
#
# Use it sourced:
#     . scripts/e2e/topology.sh
#     NVA=seed OUTER=4 topo_up --with-server  # namespaces, stand-in, NVA, server
#     topo_server_start                       # returns once the server listens
#     ...          # topo_curl, topo_capture_start, topo_link_stats, topo_gwlbctl, ...
#     topo_down    # kills what was started, deletes the namespaces
# topo_nva_down / topo_nva_up IMPL swap the NVA inside a running topology.
# topo_ul_segment keeps GSO super-packets off the underlay, as on a real wire.
# Or run it: "topology.sh up" leaves a topology up to poke at, "topology.sh
# down" removes it (and kills processes left in its namespaces).
#
# Variables (set before sourcing or before topo_up):
#   NVA=seed|gwlbtun  OUTER=4|6  TOPO_PREFIX (prefix for the namespace names)
#   GWLBCTL (path of gwlbctl)  PYTHON (python3 to run the server)
#   TOPO_TMP (working directory; made by topo_up when unset)  TOPO_KEEP_TMP=1
#   TOPO_NVA_NS=NAME  use this existing namespace as the NVA's instead of
#     making ${TOPO_PREFIX}nva, e.g. the initial netns after "ip netns attach
#     NAME 1" (a gwlbtun device made by the module parameters lives there).
#     topo_up only sets its lo up (its sysctls are left alone); topo_down
#     neither deletes it nor kills processes in it, also with "all".
#   TOPO_GWLB_EXISTING=1  with NVA=gwlbtun: $GWLB_DEV already exists in the
#     NVA namespace, configured (e.g. by the module parameters); topo_nva_up
#     only turns IPv6 off on it and sets it up, and neither topo_nva_down nor
#     topo_down deletes it.

: "${NVA:=seed}"
: "${OUTER:=4}"
: "${TOPO_PREFIX:=}"

TOPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOPO_REPO=$(cd "$TOPO_DIR/../.." && pwd)

NS_CLIENT=${TOPO_PREFIX}client
NS_SERVER=${TOPO_PREFIX}server
NS_GWLB=${TOPO_PREFIX}gwlb
NS_NVA=${TOPO_NVA_NS:-${TOPO_PREFIX}nva}
NS_ROGUE=${TOPO_PREFIX}rogue

# Inner (tunnelled) addresses: RFC 5737 documentation ranges.
CLIENT_IP=203.0.113.10
SERVER_IP=198.51.100.20
ROGUE_INNER_IP=203.0.113.66
SERVER_PORT=8080

# Underlay addresses (only ever on the veths between our namespaces).
GW_UL4=10.99.0.1
NVA_UL4=10.99.0.2
GW_UL6=fd99::1
NVA_UL6=fd99::2
ROGUE_UL4=10.99.3.1
NVA_ROGUE_UL4=10.99.3.2
ROGUE_UL6=fd99:3::1
NVA_ROGUE_UL6=fd99:3::2
UL_MTU=1600

# The tunnels, as in the az CLI default and the seed.
EXT_VNI=901
EXT_PORT=10801
INT_VNI=900
INT_PORT=10800

# gwlbtun device name.
GWLB_DEV=gwlb0

if [ -z "${GWLBCTL:-}" ]; then
	if [ -x "$TOPO_REPO/scripts/gwlbctl/gwlbctl" ]; then
		GWLBCTL=$TOPO_REPO/scripts/gwlbctl/gwlbctl
	else
		GWLBCTL=$(command -v gwlbctl || true)
	fi
fi
if [ -z "${PYTHON:-}" ]; then
	# Prefer the distribution's interpreter over shims in PATH (pyenv & co.).
	if [ -x /usr/bin/python3 ]; then
		PYTHON=/usr/bin/python3
	else
		PYTHON=python3
	fi
fi

TOPO_PIDS=()
TOPO_NS_MADE=()
TOPO_SERVER_PID=
TOPO_PID=
TOPO_TMP_MADE=
TOPO_NVA_RUNNING=
declare -gA TOPO_PROCNET=()

topo_die() {
	printf 'topology: %s\n' "$*" >&2
	exit 1
}

topo_log() {
	printf '# %s\n' "$*"
}

# topo_now_ms: milliseconds since the epoch, without forking.
topo_now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# topo_wait SECONDS CMD...: run CMD every 0.1 s until it succeeds; return 1
# if it has not succeeded within SECONDS.
topo_wait() {
	local deadline
	deadline=$(($(topo_now_ms) + $1 * 1000))
	shift
	until "$@"; do
		if (($(topo_now_ms) >= deadline)); then
			return 1
		fi
		sleep 0.1
	done
}

# The outer (underlay) addresses the tunnels use, by OUTER.
topo_gw_ul() { if [ "$OUTER" = 6 ]; then echo "$GW_UL6"; else echo "$GW_UL4"; fi; }
topo_nva_ul() { if [ "$OUTER" = 6 ]; then echo "$NVA_UL6"; else echo "$NVA_UL4"; fi; }
topo_rogue_ul() { if [ "$OUTER" = 6 ]; then echo "$ROGUE_UL6"; else echo "$ROGUE_UL4"; fi; }

topo_check_config() {
	case "$NVA" in
	seed | gwlbtun) ;;
	*) topo_die "NVA must be seed or gwlbtun, not '$NVA'" ;;
	esac
	case "$OUTER" in
	4 | 6) ;;
	*) topo_die "OUTER must be 4 or 6, not '$OUTER'" ;;
	esac
	[ "$(id -u)" = 0 ] || topo_die "must run as root"
	local c
	for c in ip jq tcpdump; do
		command -v "$c" >/dev/null || topo_die "missing command: $c"
	done
}

# topo_ip NS: the ip commands on stdin (one per line, without "ip") run in NS
# by one ip process, which stops at the first that fails. Each process a
# test starts costs about a second on the debug kernel under TCG, and a
# topology is dozens of commands.
topo_ip() {
	ip -n "$1" -batch - || topo_die "ip -n $1 -batch: a command failed (see above)"
}

# topo_ns_add NS...: fresh namespaces with IPv6 off for new devices; the
# caller brings lo up in its first topo_ip batch there.
topo_ns_add() {
	local ns
	for ns in "$@"; do
		if [ -e "/run/netns/$ns" ]; then
			topo_die "namespace $ns already exists (left over from an earlier run? remove it with: $TOPO_DIR/topology.sh down)"
		fi
	done
	TOPO_NS_MADE+=("$@")
	printf 'netns add %s\n' "$@" | ip -batch - || topo_die "cannot add namespaces $*"
	for ns in "$@"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	done
}

# topo_ipv6_on NS DEV: re-enable IPv6 on an underlay device.
topo_ipv6_on() {
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=0"
}

# topo_mac NS DEV: the device's MAC address. (The helpers here parse ip's
# brief output rather than starting jq: each process costs under TCG.)
topo_mac() {
	local mac
	read -r _ _ mac _ <<<"$(ip -n "$1" -br link show dev "$2")"
	echo "$mac"
}

# topo_neigh_mac NS ADDR DEV: the MAC the neighbour table holds for ADDR on
# DEV, or nothing.
topo_neigh_mac() {
	local key mac
	read -r _ key mac _ <<<"$(ip -n "$1" neigh show "$2" dev "$3")"
	if [ "$key" = lladdr ]; then
		echo "$mac"
	fi
}

# topo_pin_neighbours: the client's and the server's entries for each other
# made permanent, with the MACs they really have: no ARP probe crosses the
# NVA from then on (a stale entry in use is probed 5 s later, and that pair
# would land in the middle of an exact count).
topo_pin_neighbours() {
	ip -n "$NS_CLIENT" neigh replace "$SERVER_IP" lladdr "$(topo_mac "$NS_SERVER" s0)" \
		dev c0 nud permanent
	ip -n "$NS_SERVER" neigh replace "$CLIENT_IP" lladdr "$(topo_mac "$NS_CLIENT" c0)" \
		dev s0 nud permanent
}

# topo_link_stats NS DEV...: "RX TX" packet counters of each DEV, all on one
# line, from a single ip call (forks are slow under TCG).
topo_link_stats() {
	local ns=$1
	shift
	ip -n "$ns" -s -j link show | jq -r --args '. as $l
		| [$ARGS.positional[] as $d | $l[] | select(.ifname == $d)
		   | .stats64.rx.packets, .stats64.tx.packets]
		| map(tostring) | join(" ")' "$@"
}

# topo_link_stat NS DEV rx|tx [packets|bytes|dropped...]: a 64-bit counter.
topo_link_stat() {
	ip -n "$1" -s -j link show dev "$2" | jq -r ".[0].stats64.$3.${4:-packets}"
}

# topo_vxlan_cmd NAME VNI PORT REMOTE [LOCAL]: the ip command (for
# topo_ip) that makes a kernel vxlan device the way the seed makes them (no
# learning, fixed remote, hashed source port, UDP checksums), MTU 1500.
topo_vxlan_cmd() {
	echo "link add $1 mtu 1500 type vxlan id $2 remote $4${5:+ local $5}" \
		"srcport 0 0 dstport $3 nolearning udpcsum"
}

# topo_vxlan NS NAME VNI PORT REMOTE [LOCAL]: that device in NS.
topo_vxlan() {
	local ns=$1
	shift
	topo_vxlan_cmd "$@" | topo_ip "$ns"
}

# topo_links_up NS DEV...: each DEV is operationally up (one ip call).
topo_links_up() {
	local ns=$1 dev state
	shift
	local -A up=()
	while read -r dev state _; do
		up[${dev%%@*}]=$state
	done <<<"$(ip -n "$ns" -br link show)"
	for dev in "$@"; do
		[ "${up[$dev]:-}" = UP ] || return 1
	done
}

# topo_wait_links NS DEV...: wait until each device is operationally up.
# Until the kernel's linkwatch has processed a new carrier (up to about a
# second) a veth still drops what it is given, which would lose the first ARP.
topo_wait_links() {
	topo_wait 5 topo_links_up "$@" ||
		topo_die "not all of ${*:2} in $1 came up: $(ip -n "$1" -br link show)"
}

# topo_bridge_cmd NAME: the ip command of a bridge that forwards at once.
topo_bridge_cmd() {
	echo "link add $1 type bridge forward_delay 0 stp_state 0 mcast_snooping 0"
}

topo_bridge() {
	topo_bridge_cmd "$2" | topo_ip "$1"
}

# topo_end_host NS DEV ADDR PEER: the client or the server: ADDR on DEV (its
# veth to the stand-in), the other end host's address routed over it.
topo_end_host() {
	topo_ip "$1" <<-EOF
		link set lo up
		addr add $3/32 dev $2
		link set $2 up
		route add $4/32 dev $2
	EOF
}

# topo_up [--with-server]: build the whole topology with the NVA chosen by
# $NVA. --with-server starts ip-echo-server.py as soon as the server ns
# exists, so its start-up overlaps the rest (slow under TCG); topo_server_start
# then only waits for it.
# shellcheck disable=SC2120 # the scripts that source us pass the argument
topo_up() {
	topo_check_config
	if [ -z "${TOPO_TMP:-}" ]; then
		TOPO_TMP=$(mktemp -d "${TMPDIR:-/tmp}/gwlb-e2e.XXXXXX")
		TOPO_TMP_MADE=1
	fi

	local gw_ul nva_ul
	if [ -n "${TOPO_NVA_NS:-}" ]; then
		NS_NVA=$TOPO_NVA_NS
		[ -e "/run/netns/$NS_NVA" ] ||
			topo_die "TOPO_NVA_NS: no namespace $NS_NVA (ip netns add/attach it first)"
		topo_ns_add "$NS_CLIENT" "$NS_SERVER" "$NS_GWLB"
	else
		topo_ns_add "$NS_CLIENT" "$NS_SERVER" "$NS_GWLB" "$NS_NVA"
	fi
	if [ "${1:-}" = --with-server ]; then
		topo_server_spawn
	fi
	gw_ul=$(topo_gw_ul)
	nva_ul=$(topo_nva_ul)

	# Client and server, each on a veth into the GWLB stand-in; the
	# underlay between the stand-in and the NVA. The GWLB stand-in: the
	# client side goes out on the External tunnel, the server side on the
	# Internal one, both to the NVA.
	topo_ip "$NS_GWLB" <<-EOF
		link set lo up
		link add gw-c type veth peer name c0 netns $NS_CLIENT
		link add gw-s type veth peer name s0 netns $NS_SERVER
		link add ul-gw mtu $UL_MTU type veth peer name ul-nva mtu $UL_MTU netns $NS_NVA
	EOF
	topo_ipv6_on "$NS_GWLB" ul-gw
	topo_ipv6_on "$NS_NVA" ul-nva
	topo_end_host "$NS_CLIENT" c0 "$CLIENT_IP" "$SERVER_IP"
	topo_end_host "$NS_SERVER" s0 "$SERVER_IP" "$CLIENT_IP"
	topo_ip "$NS_GWLB" <<-EOF
		addr add $GW_UL4/24 dev ul-gw
		addr add $GW_UL6/64 dev ul-gw nodad
		link set ul-gw up
		$(topo_bridge_cmd br-ext)
		$(topo_bridge_cmd br-int)
		$(topo_vxlan_cmd vx-ext "$EXT_VNI" "$EXT_PORT" "$nva_ul" "$gw_ul")
		$(topo_vxlan_cmd vx-int "$INT_VNI" "$INT_PORT" "$nva_ul" "$gw_ul")
		link set gw-c master br-ext
		link set vx-ext master br-ext
		link set gw-s master br-int
		link set vx-int master br-int
		link set gw-c up
		link set gw-s up
		link set vx-ext up
		link set vx-int up
		link set br-ext up
		link set br-int up
	EOF
	topo_ip "$NS_NVA" <<-EOF
		link set lo up
		addr add $NVA_UL4/24 dev ul-nva
		addr add $NVA_UL6/64 dev ul-nva nodad
		link set ul-nva up
	EOF

	topo_nva_up "$NVA"

	topo_wait_links "$NS_CLIENT" c0
	topo_wait_links "$NS_SERVER" s0
	topo_wait_links "$NS_GWLB" gw-c gw-s ul-gw br-ext br-int
	topo_wait_links "$NS_NVA" ul-nva
}

# topo_ul_segment: make both ends of the GWLB <-> NVA underlay veth segment
# UDP-tunnel GSO packets before they cross, as a real wire only ever carries
# packets up to its MTU. By default a veth hands a vxlan device's GSO packet
# (a TCP super-packet of the client, encapsulated, up to 64 KB) whole to the
# other namespace, which no GWLB in Azure would send. Call it after topo_up.
topo_ul_segment() {
	local feat=(tx-udp_tnl-segmentation off tx-udp_tnl-csum-segmentation off)
	command -v ethtool >/dev/null || topo_die "missing command: ethtool"
	ip netns exec "$NS_GWLB" ethtool -K ul-gw "${feat[@]}"
	ip netns exec "$NS_NVA" ethtool -K ul-nva "${feat[@]}"
}

# topo_ul_gro on|off: on, the underlay carries only MTU-sized packets (as
# topo_ul_segment, and no TSO at all on the GWLB's side) and the NVA's port
# does GRO, as a NIC's driver would: a veth takes its NAPI path, where GRO
# is, only when GRO is on at the receiver and the sender has no TSO. Off
# puts the default back (GSO packets cross whole, no GRO).
topo_ul_gro() {
	local v=off g=on
	command -v ethtool >/dev/null || topo_die "missing command: ethtool"
	if [ "$1" = on ]; then v=on g=off; fi
	ip netns exec "$NS_GWLB" ethtool -K ul-gw tx-udp_tnl-segmentation "$g" \
		tx-udp_tnl-csum-segmentation "$g" tso "$g"
	ip netns exec "$NS_NVA" ethtool -K ul-nva tx-udp_tnl-segmentation "$g" \
		tx-udp_tnl-csum-segmentation "$g" gro "$v"
}

# topo_nva_up [seed|gwlbtun]: start an NVA implementation in the nva ns.
topo_nva_up() {
	local impl=${1:-$NVA}
	case "$impl" in
	seed) nva_seed_up ;;
	gwlbtun) nva_gwlbtun_up ;;
	*) topo_die "unknown NVA '$impl'" ;;
	esac
	TOPO_NVA_RUNNING=$impl
}

# topo_nva_down: remove the running NVA implementation (the topology stays).
topo_nva_down() {
	case "${TOPO_NVA_RUNNING:-}" in
	seed) nva_seed_down ;;
	gwlbtun) nva_gwlbtun_down ;;
	esac
	TOPO_NVA_RUNNING=
}

# The seed's reference NVA: two kernel vxlan devices in one bridge, which
# flips every frame from one tunnel to the other.
nva_seed_up() {
	local gw
	gw=$(topo_gw_ul)
	topo_bridge "$NS_NVA" nva-br
	topo_vxlan "$NS_NVA" nva-ext "$EXT_VNI" "$EXT_PORT" "$gw"
	topo_vxlan "$NS_NVA" nva-int "$INT_VNI" "$INT_PORT" "$gw"
	ip -n "$NS_NVA" link set nva-ext master nva-br
	ip -n "$NS_NVA" link set nva-int master nva-br
	ip -n "$NS_NVA" link set nva-ext up
	ip -n "$NS_NVA" link set nva-int up
	ip -n "$NS_NVA" link set nva-br up
	topo_wait_links "$NS_NVA" nva-br
}

nva_seed_down() {
	local dev
	for dev in nva-ext nva-int nva-br; do
		ip -n "$NS_NVA" link del "$dev" 2>/dev/null || true
	done
}

# gwlbtun: one device terminating both tunnels, allowing only the stand-in.
# The module is loaded by whoever runs us (the VM harness). With
# TOPO_GWLB_EXISTING=1 the device is there already, configured.
nva_gwlbtun_up() {
	if [ "${TOPO_GWLB_EXISTING:-}" = 1 ]; then
		ip -n "$NS_NVA" link show dev "$GWLB_DEV" >/dev/null ||
			topo_die "TOPO_GWLB_EXISTING: no device $GWLB_DEV in $NS_NVA"
		# Devices made in a namespace of topo_ns_add have IPv6 off
		# from the start; this one predates the topology.
		ip netns exec "$NS_NVA" sysctl -qw "net.ipv6.conf.$GWLB_DEV.disable_ipv6=1"
		ip -n "$NS_NVA" link set "$GWLB_DEV" up
		return
	fi
	if [ -z "$GWLBCTL" ] || [ ! -x "$GWLBCTL" ]; then
		topo_die "gwlbctl not found (build scripts/gwlbctl or set GWLBCTL)"
	fi
	ip -n "$NS_NVA" link add "$GWLB_DEV" type gwlbtun ||
		topo_die "cannot create a gwlbtun device (is the gwlbtun module loaded?)"
	ip netns exec "$NS_NVA" "$GWLBCTL" set "$GWLB_DEV" \
		external "$EXT_VNI:$EXT_PORT" internal "$INT_VNI:$INT_PORT" \
		peers "$(topo_gw_ul)" ||
		topo_die "gwlbctl set $GWLB_DEV failed"
	ip -n "$NS_NVA" link set "$GWLB_DEV" up
}

nva_gwlbtun_down() {
	if [ "${TOPO_GWLB_EXISTING:-}" = 1 ]; then
		return
	fi
	ip -n "$NS_NVA" link del "$GWLB_DEV" 2>/dev/null || true
}

# topo_nva_capture_dev: where a capture in the NVA sees every inner frame.
# On the seed's bridge this works because tcpdump puts it in promiscuous mode,
# and a promiscuous bridge passes a copy of each forwarded frame up.
topo_nva_capture_dev() {
	case "${TOPO_NVA_RUNNING:-$NVA}" in
	gwlbtun) echo "$GWLB_DEV" ;;
	*) echo nva-br ;;
	esac
}

# topo_gwlbctl ARGS...: gwlbctl in the nva namespace.
topo_gwlbctl() {
	ip netns exec "$NS_NVA" "$GWLBCTL" "$@"
}

# topo_gwlbtun_stats: the JSON object of gwlb0's counters (from
# "gwlbctl -j stats gwlb0", which prints an array).
topo_gwlbtun_stats() {
	topo_gwlbctl -j stats "$GWLB_DEV" | jq -c '.[0]'
}

# topo_rogue_up: a second GWLB-like sender with an underlay address the NVA
# does not allow. It has its own namespace because a second kernel vxlan
# device with the same VNI and port as vx-ext cannot exist in the gwlb ns
# ("A VXLAN device with the specified VNI already exists"). vx-rogue sends
# on the External tunnel; vx-rogue-int listens on the Internal one, where a
# wrongly reflected packet would arrive. Inner traffic: ping to the server
# from ROGUE_INNER_IP with a static neighbour entry, so no ARP is sent.
topo_rogue_up() {
	local ul nva_ul
	ul=$(topo_rogue_ul)
	nva_ul=$(topo_nva_ul)
	topo_ns_add "$NS_ROGUE"
	topo_ip "$NS_ROGUE" <<-EOF
		link set lo up
		link add ul-rogue mtu $UL_MTU type veth peer name ul-nva-r mtu $UL_MTU netns $NS_NVA
	EOF
	topo_ipv6_on "$NS_ROGUE" ul-rogue
	topo_ipv6_on "$NS_NVA" ul-nva-r
	topo_ip "$NS_NVA" <<-EOF
		addr add $NVA_ROGUE_UL4/24 dev ul-nva-r
		addr add $NVA_ROGUE_UL6/64 dev ul-nva-r nodad
		link set ul-nva-r up
	EOF
	topo_ip "$NS_ROGUE" <<-EOF
		addr add $ROGUE_UL4/24 dev ul-rogue
		addr add $ROGUE_UL6/64 dev ul-rogue nodad
		link set ul-rogue up
		route add $NVA_UL4/32 via $NVA_ROGUE_UL4
		route add $NVA_UL6/128 via $NVA_ROGUE_UL6
		$(topo_vxlan_cmd vx-rogue "$EXT_VNI" "$EXT_PORT" "$nva_ul" "$ul")
		$(topo_vxlan_cmd vx-rogue-int "$INT_VNI" "$INT_PORT" "$nva_ul" "$ul")
		addr add $ROGUE_INNER_IP/32 dev vx-rogue
		link set vx-rogue up
		link set vx-rogue-int up
		route add $SERVER_IP/32 dev vx-rogue
		neigh replace $SERVER_IP lladdr $(topo_mac "$NS_SERVER" s0) dev vx-rogue nud permanent
	EOF
	topo_wait_links "$NS_ROGUE" ul-rogue
	topo_wait_links "$NS_NVA" ul-nva-r
}

# topo_spawn NS LOG CMD...: start CMD in NS in the background, stdout and
# stderr to LOG. Its PID is left in TOPO_PID and remembered for topo_down.
topo_spawn() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null &
	TOPO_PID=$!
	TOPO_PIDS+=("$TOPO_PID")
}

# topo_comm_is PID NAME: the process runs the program NAME.
topo_comm_is() {
	local c
	read -r c <"/proc/$1/comm" 2>/dev/null && [ "$c" = "$2" ]
}

# topo_procnet_hold NS...: a sleeping process in each NS, so that NS's
# /proc/net files (snmp, dev...) can be read as ${TOPO_PROCNET[NS]}/FILE by
# the test itself, without starting a process (ip netns exec) per read.
# shellcheck disable=SC2034 # TOPO_PROCNET is for the tests
topo_procnet_hold() {
	local ns
	for ns in "$@"; do
		topo_spawn "$ns" /dev/null sleep infinity
		# /proc/PID/net is NS's only once ip netns exec has become sleep
		topo_wait 10 topo_comm_is "$TOPO_PID" sleep ||
			topo_die "the /proc/net holder in $ns did not start"
		TOPO_PROCNET[$ns]=/proc/$TOPO_PID/net
	done
}

# topo_settle FILE...: wait (up to 10 s) until none of FILE (/proc/net files
# read through the holders of topo_procnet_hold) changed in 0.5 s, so that a
# count taken next holds every packet of the step before it. Starts no
# process. Returns 1 if they kept changing or one could not be read.
topo_settle() {
	local a b f n=0
	local -a lines
	for ((n = 0; n <= 20; n++)); do
		((n == 0)) || sleep 0.5
		b=
		for f in "$@"; do
			mapfile -t lines <"$f" || return 1
			b+="${lines[*]}"
		done
		if ((n > 0)) && [ "$a" = "$b" ]; then return 0; fi
		a=$b
	done
	return 1
}

# topo_netdev_counter VAR NS DEV INDEX: sets VAR to counter INDEX of DEV in
# NS's /proc/net/dev (0 rx bytes, 1 rx packets, 3 rx drops, 8 tx bytes, 9 tx
# packets, 11 tx drops), read through NS's holder (topo_procnet_hold); to ""
# when DEV is not there. No process is started, not even a subshell.
topo_netdev_counter() {
	local -n _out=$1
	local _line _dev
	local -a _f
	_out=
	while read -r _line; do
		case $_line in
		*:*) ;;
		*) continue ;;
		esac
		_dev=${_line%%:*}
		[ "$_dev" = "$3" ] || continue
		# "%6s:%8llu ...": no blank after the colon once bytes have 9 digits
		read -ra _f <<<"${_line#*:}"
		_out=${_f[$4]}
		return 0
	done <"${TOPO_PROCNET[$2]:?no /proc/net holder in $2}/dev"
}

# topo_nfqueue_line NS NUM: queue NUM's line of NS's
# /proc/net/netfilter/nfnetlink_queue ("num portid total mode range dropped
# user_dropped id 1"), read through NS's holder (topo_procnet_hold); nothing
# when no consumer has it bound; "x x x (...)" when the file cannot be read,
# which is neither a count nor "not bound".
topo_nfqueue_line() {
	local line f=${TOPO_PROCNET[$1]:-}/netfilter/nfnetlink_queue
	if [ ! -r "$f" ]; then
		echo "x x x (cannot read $f)"
		return
	fi
	while read -r line; do
		if [ "${line%% *}" = "$2" ]; then
			echo "$line"
		fi
	done <"$f"
}

topo_forget_pid() {
	local p keep=()
	for p in "${TOPO_PIDS[@]}"; do
		if [ "$p" != "$1" ]; then
			keep+=("$p")
		fi
	done
	TOPO_PIDS=("${keep[@]}")
}

# topo_stop PID [SIGNAL]: signal a process we started (TERM by default) and
# reap it; KILL it if it has not gone within 5 s.
topo_stop() {
	local pid=$1 sig=${2:-TERM}
	kill -s "$sig" "$pid" 2>/dev/null || true
	if ! topo_wait 5 topo_gone "$pid"; then
		kill -s KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
	topo_forget_pid "$pid"
}

topo_gone() {
	! kill -0 "$1" 2>/dev/null
}

topo_file_has() {
	grep -q -- "$1" "$2" 2>/dev/null
}

# topo_server_spawn: start ip-echo-server.py on SERVER_PORT in the server ns
# (it binds the wildcard address, so the ns only has to exist). PID in
# TOPO_SERVER_PID.
topo_server_spawn() {
	topo_spawn "$NS_SERVER" "$TOPO_TMP/ip-echo-server.log" "$PYTHON" -I \
		"$TOPO_DIR/ip-echo-server.py" --bind 0.0.0.0 --port "$SERVER_PORT" --verbose
	TOPO_SERVER_PID=$TOPO_PID
}

# topo_server_start: start the server unless topo_up --with-server did, and
# return once it listens.
topo_server_start() {
	local log=$TOPO_TMP/ip-echo-server.log
	if [ -z "$TOPO_SERVER_PID" ]; then
		topo_server_spawn
	fi
	topo_wait 15 topo_file_has "listening on" "$log" ||
		topo_die "ip-echo-server did not start: $(cat "$log")"
}

# topo_capture_start NS DEV PCAP [FILTER...]: tcpdump on DEV into PCAP,
# returning once it is really capturing. PID in TOPO_PID.
topo_capture_start() {
	local ns=$1 dev=$2 pcap=$3
	shift 3
	topo_spawn "$ns" "$pcap.log" tcpdump -i "$dev" -n -l -U --immediate-mode \
		-s 256 -Z root -w "$pcap" "$@"
	topo_wait 10 topo_file_has "listening on" "$pcap.log" ||
		topo_die "tcpdump on $dev in $ns did not start: $(cat "$pcap.log")"
}

# topo_capture_stop PID: stop a capture cleanly (SIGINT flushes the file).
topo_capture_stop() {
	topo_stop "$1" INT
}

# topo_capture_text PCAP [FILTER...]: the capture as tcpdump -n text. Works
# on a file still being written (a torn last record is ignored).
topo_capture_text() {
	local pcap=$1
	shift
	tcpdump -r "$pcap" -n "$@" 2>/dev/null || true
}

# topo_capture_has_fins PCAP: both FINs of the client <-> server:port
# exchange are in the capture.
topo_capture_has_fins() {
	local text
	local c=${CLIENT_IP//./\\.} s=${SERVER_IP//./\\.}
	text=$(topo_capture_text "$1")
	topo_text_has "$text" "IP $c\.[0-9]+ > $s\.$SERVER_PORT: Flags \[[^]]*F" &&
		topo_text_has "$text" "IP $s\.$SERVER_PORT > $c\.[0-9]+: Flags \[[^]]*F"
}

# topo_capture_closed PCAP: the exchange is over: both FINs are in the
# capture and the last packet is a pure ACK (the one for the second FIN).
topo_capture_closed() {
	local text last
	topo_capture_has_fins "$1" || return 1
	text=$(topo_capture_text "$1")
	last=${text##*$'\n'}
	[[ "$last" == *"Flags [.],"* ]]
}

# topo_text_has TEXT ERE: TEXT has a line matching ERE (no pipes, so no
# SIGPIPE under pipefail).
topo_text_has() {
	grep -Eq -- "$2" <<<"$1"
}

# topo_curl PATH: curl from the client to the server; prints the body.
topo_curl() {
	ip netns exec "$NS_CLIENT" curl -sS --noproxy '*' --connect-timeout 5 \
		--max-time 10 "http://$SERVER_IP:$SERVER_PORT$1"
}

# topo_down [all]: kill the processes we started, delete the namespaces this
# shell made (with "all": every namespace of the topology that exists) and the
# working directory. Safe to call more than once, and without topo_up.
topo_down() {
	local pid ns list=("${TOPO_NS_MADE[@]}")
	if [ "${1:-}" = all ]; then
		list=("$NS_ROGUE" "$NS_NVA" "$NS_GWLB" "$NS_SERVER" "$NS_CLIENT")
		if [ -n "${TOPO_NVA_NS:-}" ]; then
			# Not ours: never delete it or kill what runs in it.
			list=("$NS_ROGUE" "$NS_GWLB" "$NS_SERVER" "$NS_CLIENT")
		fi
	fi
	for pid in "${TOPO_PIDS[@]}"; do
		kill -s TERM "$pid" 2>/dev/null || true
	done
	for pid in "${TOPO_PIDS[@]}"; do
		topo_wait 3 topo_gone "$pid" || kill -s KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	TOPO_PIDS=()
	TOPO_SERVER_PID=
	# Delete a gwlbtun device synchronously (namespace teardown is
	# asynchronous, and the module may be unloaded right after us).
	for ns in "${list[@]}"; do
		if [ "$ns" = "$NS_NVA" ] && [ -e "/run/netns/$ns" ] &&
			[ "${TOPO_GWLB_EXISTING:-}" != 1 ]; then
			ip -n "$ns" link del "$GWLB_DEV" 2>/dev/null || true
		fi
	done
	for ns in "${list[@]}"; do
		[ -e "/run/netns/$ns" ] || continue
		# Anything still running in our namespaces was started by us
		# (e.g. by an earlier, killed run): end it by its PID.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -s KILL "$pid" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done
	TOPO_NS_MADE=()
	TOPO_NVA_RUNNING=
	if [ -n "$TOPO_TMP_MADE" ] && [ -z "${TOPO_KEEP_TMP:-}" ] && [ -n "${TOPO_TMP:-}" ]; then
		rm -rf -- "$TOPO_TMP"
		TOPO_TMP=
		TOPO_TMP_MADE=
	fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	case "${1:-}" in
	up)
		# On failure remove what was made; on success keep the namespaces.
		trap 'if [ $? = 0 ]; then rm -rf -- "$TOPO_TMP"; else topo_down; fi' EXIT
		# shellcheck disable=SC2119 # no server: nothing would stop it
		topo_up
		topo_log "topology up (NVA=$NVA OUTER=$OUTER); remove it with: $0 down"
		;;
	down)
		topo_down all
		;;
	*)
		echo "usage: [NVA=seed|gwlbtun] [OUTER=4|6] $0 up|down" >&2
		exit 2
		;;
	esac
fi
