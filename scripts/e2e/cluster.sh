# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# cluster.sh - the topology of the cluster tests (scripts/tests/cluster.sh,
# cluster3.sh): N gwlbtun NVAs behind one GWLB stand-in that spreads the
# inner flows over them by a symmetric flow hash, as Azure's GWLB does, and
# a dedicated sync link between the NVAs for conntrackd.
#
#  cl-client 203.0.113.10                         cl-gw1 (tunnel end for NVA 1)
#     c0 --- gw-c ]  cl-gwlb: nft netdev   [ ext-1 --- ext  br-ext  vx-ext  VNI 901 :10801 \
#                 ]  ingress "dispatch":   [ int-1 --- int  br-int  vx-int  VNI 900 :10800  ul-gw 10.99.0.1
#     s0 --- gw-s ]  bucket = symhash % 16 [ ext-2, int-2 --- cl-gw2 ...                    ||
#  cl-server 198.51.100.20:8080           ]  NVA = @bucket[bucket]                   ul-nva 10.99.0.2
#                                                                                  cl-nva1: gwlb0, sync0 10.98.0.1
#                                               cl-sync: br-sync ---------------  cl-nva2: ...   sync0 10.98.0.2
#
# The dispatcher: a frame from the client enters gw-c, its bucket (the
# symmetric hash of its flow, modulo 16) names an NVA in the map @bucket, and
# "fwd" sends it to that NVA's tunnel end (cl-gwK), whose kernel vxlan devices
# are the single-NVA stand-in of topology.sh. The server's frames take the
# same bucket (the hash is symmetric), so both halves of a flow meet on one
# NVA. What an NVA reflects comes back on ext-K / int-K and is sent on to the
# client or the server. Moving flows (an NVA fails its probe, is drained,
# rejoins) is one atomic rewrite of @bucket, as the GWLB's own change of its
# healthy set; flows of the buckets that stay keep their NVA.
# (Why not the vxlan driver's FDB nexthop groups: they hash skb->hash, which a
# local TCP socket sets at random per socket, so the client's and the
# server's halves of one connection would land on different NVAs.)
#
# Every NVA is configured alike (a cloned image): gwlb0 with the tunnels of
# topology.sh, peers 10.99.0.1, marks external 0x1 / internal 0x2, the
# strict ruleset of scripts/cluster/ruleset.nft, nf_conntrack_tcp_loose=0;
# conntrackd (scripts/cluster/conntrackd.conf) runs when cl_ctd_start says.
#
# Use: . scripts/e2e/checks.sh; . scripts/e2e/cluster.sh; cl_up N; ...;
# cl_down (the EXIT trap of e2e_traps cl_cleanup).

CL_N=0
CL_PIDS=()
CL_NS=()
CL_TMP=
CL_PORT=8080
CL_CLIENT=203.0.113.10
CL_SERVER=198.51.100.20
CL_GW=10.99.0.1
CL_NVA_UL=10.99.0.2
CL_CTD_CONF=$REPO/scripts/cluster/conntrackd.conf
CL_RULESET=$REPO/scripts/cluster/ruleset.nft
CL_FLOW=$REPO/scripts/tests/lib/flowtool.py
GWLBCTL=${GWLBCTL:-$REPO/scripts/gwlbctl/gwlbctl}

cl_log() { printf '# %s\n' "$*"; }

# cl_test_init: what a cluster test needs in the VM (after e2e_test_init and
# sourcing topology.sh and this file): tools, modules, gwlbtun loaded, the
# EXIT trap that tears the topology down.
cl_test_init() {
	need_cmds nft conntrack conntrackd jq ss python3 curl
	need_modules veth vxlan bridge nf_conntrack nf_conntrack_netlink nf_tables \
		nft_fwd_netdev nft_hash
	# shellcheck disable=SC2119 # no module parameters
	gwlbtun_load
	e2e_traps cl_cleanup
}

cl_ns() {
	ip netns add "$1"
	CL_NS+=("$1")
	ip -n "$1" link set lo up
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
}

cl_bridge() {
	ip -n "$1" link add "$2" type bridge forward_delay 0 stp_state 0 mcast_snooping 0
}

# cl_bg LOG CMD...: start CMD in the background, remember its PID in CL_PID.
cl_bg() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	CL_PID=$!
	CL_PIDS+=("$CL_PID")
}

nva() {
	local k=$1
	shift
	ip netns exec "cl-nva$k" "$@"
}

# cl_up N: the whole topology with N NVAs, all in the buckets, the server
# listening.
cl_up() {
	CL_N=$1
	CL_TMP=$(mktemp -d /tmp/cluster.XXXXXX)
	local k
	cl_ns cl-client
	cl_ns cl-server
	cl_ns cl-gwlb
	cl_ns cl-sync
	cl_bridge cl-sync br-sync
	ip -n cl-sync link set br-sync up

	ip -n cl-gwlb link add gw-c type veth peer name c0 netns cl-client
	ip -n cl-gwlb link add gw-s type veth peer name s0 netns cl-server
	ip -n cl-client addr add "$CL_CLIENT/32" dev c0
	ip -n cl-server addr add "$CL_SERVER/32" dev s0
	ip -n cl-client link set c0 up
	ip -n cl-server link set s0 up
	ip -n cl-client route add "$CL_SERVER/32" dev c0
	ip -n cl-server route add "$CL_CLIENT/32" dev s0
	ip -n cl-gwlb link set gw-c up
	ip -n cl-gwlb link set gw-s up
	mkdir "$CL_TMP/rx"
	cl_bg "$CL_TMP/server.log" ip netns exec cl-server python3 "$CL_FLOW" serve \
		--port "$CL_PORT" --progress-dir "$CL_TMP/rx"

	for k in $(seq 1 "$CL_N"); do
		cl_ns "cl-gw$k"
		cl_ns "cl-nva$k"
		ip -n cl-gwlb link add "ext-$k" type veth peer name ext netns "cl-gw$k"
		ip -n cl-gwlb link add "int-$k" type veth peer name int netns "cl-gw$k"
		ip -n cl-gwlb link set "ext-$k" up
		ip -n cl-gwlb link set "int-$k" up
		ip -n "cl-gw$k" link add ul-gw mtu 1600 type veth peer name ul-nva mtu 1600 netns "cl-nva$k"
		ip -n "cl-gw$k" addr add "$CL_GW/24" dev ul-gw
		ip -n "cl-nva$k" addr add "$CL_NVA_UL/24" dev ul-nva
		ip -n "cl-gw$k" link set ul-gw up
		ip -n "cl-nva$k" link set ul-nva up
		cl_bridge "cl-gw$k" br-ext
		cl_bridge "cl-gw$k" br-int
		ip -n "cl-gw$k" link add vx-ext mtu 1500 type vxlan id 901 remote "$CL_NVA_UL" \
			local "$CL_GW" srcport 0 0 dstport 10801 nolearning udpcsum
		ip -n "cl-gw$k" link add vx-int mtu 1500 type vxlan id 900 remote "$CL_NVA_UL" \
			local "$CL_GW" srcport 0 0 dstport 10800 nolearning udpcsum
		ip -n "cl-gw$k" link set ext master br-ext
		ip -n "cl-gw$k" link set vx-ext master br-ext
		ip -n "cl-gw$k" link set int master br-int
		ip -n "cl-gw$k" link set vx-int master br-int
		local d
		for d in ext int vx-ext vx-int br-ext br-int; do
			ip -n "cl-gw$k" link set "$d" up
		done

		# The NVA, as its image would set it up.
		ip -n "cl-nva$k" link add sync0 type veth peer name "sync-$k" netns cl-sync
		ip -n cl-sync link set "sync-$k" master br-sync
		ip -n cl-sync link set "sync-$k" up
		ip -n "cl-nva$k" addr add "10.98.0.$k/24" dev sync0
		ip -n "cl-nva$k" link set sync0 up
		ip -n "cl-nva$k" link add gwlb0 type gwlbtun
		nva "$k" "$GWLBCTL" set gwlb0 external 901:10801 internal 900:10800 \
			peers "$CL_GW" mark-external 0x1 mark-internal 0x2 mark-mask 0x3
		ip -n "cl-nva$k" link set gwlb0 up
		nva "$k" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0
		nva "$k" nft -f "$CL_RULESET"
		# Test-only: count the connections this NVA let open.
		nva "$k" nft -f - <<-'EOF'
			table inet cltest {
				counter syn {
				}
				chain forward {
					type filter hook forward priority filter - 10; policy accept;
					iifname "gwlb0" tcp flags & (fin | syn | rst | ack) == syn counter name syn
				}
			}
		EOF
	done
	cl_dispatch_up
	local all=()
	for k in $(seq 1 "$CL_N"); do all+=("$k"); done
	cl_buckets "${all[@]}"
	topo_wait 20 grep -q listening "$CL_TMP/server.log" ||
		die "the flow server did not start: $(cat "$CL_TMP/server.log")"
	sleep 1 # veth carriers (linkwatch)
}

cl_dispatch_up() {
	local k ext='' int=''
	{
		echo 'table netdev dispatch {'
		echo '	map bucket { type mark : mark; }'
		for k in $(seq 1 "$CL_N"); do
			ext+="$k : jump ext$k, "
			int+="$k : jump int$k, "
			echo "	chain ext$k { fwd to \"ext-$k\"; }"
			echo "	chain int$k { fwd to \"int-$k\"; }"
			echo "	chain back_ext$k { type filter hook ingress device \"ext-$k\" priority 0; fwd to \"gw-c\"; }"
			echo "	chain back_int$k { type filter hook ingress device \"int-$k\" priority 0; fwd to \"gw-s\"; }"
		done
		echo '	chain client { type filter hook ingress device "gw-c" priority 0;'
		echo '		meta mark set symhash mod 16 meta mark set meta mark map @bucket'
		echo "		meta mark vmap { ${ext%, } }"
		echo '		counter drop; }'
		echo '	chain server { type filter hook ingress device "gw-s" priority 0;'
		echo '		meta mark set symhash mod 16 meta mark set meta mark map @bucket'
		echo "		meta mark vmap { ${int%, } }"
		echo '		counter drop; }'
		echo '}'
	} >"$CL_TMP/dispatch.nft"
	ip netns exec cl-gwlb nft -f "$CL_TMP/dispatch.nft" ||
		die "dispatcher ruleset refused: $(cat "$CL_TMP/dispatch.nft")"
}

# cl_buckets K...: the 16 buckets dealt round robin over NVAs K..., in one
# atomic transaction (the GWLB's new healthy set).
cl_buckets() {
	local b elems=''
	for b in $(seq 0 15); do
		elems+="$b : ${*:$((b % $# + 1)):1}, "
	done
	ip netns exec cl-gwlb nft -f - <<-EOF
		flush map netdev dispatch bucket
		add element netdev dispatch bucket { ${elems%, } }
	EOF
}

# cl_move FROM TO: the buckets of NVA FROM go to NVA TO, the others stay.
cl_move() {
	local elems
	elems=$(ip netns exec cl-gwlb nft -j list map netdev dispatch bucket |
		jq -r --argjson f "$1" --argjson t "$2" '.nftables[] | select(.map) | .map.elem[]
			| "\(.[0]) : \(if .[1] == $f then $t else .[1] end)"' | paste -sd, -)
	ip netns exec cl-gwlb nft -f - <<-EOF
		flush map netdev dispatch bucket
		add element netdev dispatch bucket { $elems }
	EOF
}

# cl_rx K: packets NVA K received on both tunnels.
cl_rx() {
	nva "$1" "$GWLBCTL" -j stats gwlb0 |
		jq -r '.[0] | .external.rx_packets + .internal.rx_packets'
}

# cl_syn K: connections NVA K let open (SYNs from External accepted).
cl_syn() {
	nva "$1" nft -j list counter inet cltest syn | jq -r '.nftables[] | select(.counter) | .counter.packets'
}

# cl_unknown K: packets the strict ruleset of NVA K dropped as unknown.
cl_unknown() {
	nva "$1" nft -j list counter inet gwlbtun_cluster unknown | jq -r '.nftables[] | select(.counter) | .counter.packets'
}

# cl_carrier: the NVA whose tunnels carry traffic now (the one whose
# counters grow most over 1 s), for finding a running transfer's NVA.
cl_carrier() {
	local k best=0 most=-1 a=() d
	for k in $(seq 1 "$CL_N"); do a[k]=$(cl_rx "$k"); done
	sleep 1
	for k in $(seq 1 "$CL_N"); do
		d=$(($(cl_rx "$k") - a[k]))
		if ((d > most)); then most=$d best=$k; fi
	done
	echo "$best"
}

# ctd_conf_make SELF PEER DIR OUT [multicast]: a conntrackd.conf (to OUT) from
# the shipped example for the NVA at 10.98.0.SELF on the sync link, syncing
# with 10.98.0.PEER over unicast UDP, or, with "multicast", with every NVA
# on a multicast group on the sync link (README, "Running a cluster"); its
# lock file, control socket and log in DIR (several instances share one /run
# in a test VM). Also used by the benchmark.
ctd_conf_make() {
	local self=$1 peer=$2 dir=$3 out=$4 mc=${5:-}
	sed -e "s|/var/lock/conntrack.lock|$dir/ctd$self.lock|" \
		-e "s|/var/run/conntrackd.ctl|$dir/ctd$self.ctl|" \
		-e "s|/var/log/conntrackd.log|$dir/ctd$self.log|" \
		-e "s|IPv4_address 10.98.0.1\t|IPv4_address 10.98.0.$self\t|" \
		-e "s|IPv4_Destination_Address 10.98.0.2|IPv4_Destination_Address 10.98.0.$peer|" \
		"$CL_CTD_CONF" >"$out"
	[ "$mc" = multicast ] || return 0
	awk -v k="$self" '
		/^\tUDP \{/ { skip = 1
			print "\tMulticast {"
			print "\t\tIPv4_address 225.0.0.50"
			print "\t\tGroup 3780"
			print "\t\tIPv4_interface 10.98.0." k
			print "\t\tInterface sync0"
			print "\t\tSndSocketBuffer 1249280"
			print "\t\tRcvSocketBuffer 1249280"
			print "\t\tChecksum on"
			print "\t}"
			next }
		skip && /^\t\}/ { skip = 0; next }
		!skip' "$out" >"$out.new"
	mv "$out.new" "$out"
}

# cl_ctd_conf K: conntrackd.conf for NVA K: unicast to the other NVA for two,
# the multicast group for more.
cl_ctd_conf() {
	local mc=''
	[ "$CL_N" -le 2 ] || mc=multicast
	ctd_conf_make "$1" $((3 - $1)) "$CL_TMP" "$CL_TMP/ctd$1.conf" $mc
}

ctd() {
	local k=$1
	shift
	nva "$k" conntrackd -C "$CL_TMP/ctd$k.conf" "$@"
}

# cl_ctd_start K: conntrackd on NVA K, in the foreground of a background job;
# returns once it answers on its control socket.
cl_ctd_start() {
	local k=$1
	[ -f "$CL_TMP/ctd$k.conf" ] || cl_ctd_conf "$k"
	rm -f "$CL_TMP/ctd$k.lock" "$CL_TMP/ctd$k.ctl"
	cl_bg "$CL_TMP/ctd$k.out" nva "$k" conntrackd -C "$CL_TMP/ctd$k.conf"
	eval "CL_CTD$k=$CL_PID"
	topo_wait 10 ctd "$k" -s >/dev/null 2>&1 ||
		die "conntrackd on NVA $k did not start: $(cat "$CL_TMP/ctd$k.out" "$CL_TMP/ctd$k.log" 2>/dev/null)"
}

# cl_ctd_stop K: stop NVA K's conntrackd (SIGTERM; as a crash or reboot
# would, it leaves the kernel table as it is).
cl_ctd_stop() {
	local pid_var="CL_CTD$1" pid
	pid=${!pid_var:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	eval "CL_CTD$1="
}

# cl_has_flow K SPORT: NVA K's kernel table has the connection from the
# client's port SPORT.
cl_has_flow() {
	nva "$1" conntrack -L -p tcp --orig-src "$CL_CLIENT" --sport "$2" --dport "$CL_PORT" 2>/dev/null |
		grep -q ESTABLISHED
}

# cl_xfer_start NAME RATE: a transfer from the client in the background, at
# RATE bytes/s until cl_xfer_stop NAME; its result JSON goes to
# $CL_TMP/NAME.json, its PID to CL_PID.
cl_xfer_start() {
	rm -f "$CL_TMP/$1.stop"
	cl_bg "$CL_TMP/$1.json" ip netns exec cl-client python3 "$CL_FLOW" xfer \
		--host "$CL_SERVER" --port "$CL_PORT" --bytes 100000000 --rate "$2" \
		--timeout "${CL_XFER_TIMEOUT:-12}" --until "$CL_TMP/$1.stop"
}

cl_xfer_stop() { touch "$CL_TMP/$1.stop"; }

# cl_rxd SPORT: bytes the server has received on the connection from SPORT;
# 0 before the server has written a count (no file yet, or one still empty).
cl_rxd() {
	local n=
	read -r n <"$CL_TMP/rx/$1" 2>/dev/null || true
	if [[ $n =~ ^[0-9]+$ ]]; then echo "$n"; else echo 0; fi
}
cl_rxd_ge() { (($(cl_rxd "$1") >= $2)); }

# cl_xfer_sport NAME: the client port of a running transfer.
cl_xfer_sport() {
	ip netns exec cl-client ss -Htn state established dst "$CL_SERVER:$CL_PORT" |
		awk '{ split($3, a, ":"); print a[2] }' | head -n 1
}

# cl_xfer_wait PID: wait for a transfer's process to end (at most 40 s).
cl_xfer_wait() {
	local pid=$1
	for _ in $(seq 1 400); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	wait "$pid" 2>/dev/null || true
}

cl_xfer_json() { cat "$CL_TMP/$1.json" 2>/dev/null; }
# cl_xfer_ok NAME: the transfer's JSON says it arrived whole.
cl_xfer_ok() { [ "$(cl_xfer_json "$1" | jq -r .ok 2>/dev/null)" = true ]; }

cl_sport_known() {
	SPORT=$(cl_xfer_sport)
	[ -n "$SPORT" ]
}

# cl_xfer_locate NAME: start a transfer at 200 kB/s, wait until the server
# has 200 kB of it; set XPID, SPORT (its client port) and A (its NVA).
cl_xfer_locate() {
	cl_xfer_start "$1" 200000
	# shellcheck disable=SC2034 # the tests wait for it
	XPID=$CL_PID
	SPORT=
	# 40 s: on a busy host the first connection through a cluster took over 15
	topo_wait 40 cl_sport_known || die "$1: the transfer did not connect: $(cl_xfer_json "$1")"
	topo_wait 40 cl_rxd_ge "$SPORT" 200000 || die "$1: the transfer did not start: $(cl_xfer_json "$1")"
	A=$(cl_carrier)
	cl_log "$1: client port $SPORT, carried by NVA $A ($(cl_rxd "$SPORT") bytes received)"
}

# cl_still_flows WHAT: after a move, the server receives 300 kB more of the
# transfer on SPORT within 5 s (1.5 s of it): it flows through its new NVA.
cl_still_flows() {
	local r0
	r0=$(cl_rxd "$SPORT")
	if topo_wait 5 cl_rxd_ge "$SPORT" $((r0 + 300000)); then
		ok "$1: the transfer flows on after the move ($r0 -> $(cl_rxd "$SPORT") bytes)"
	else
		not_ok "$1: the transfer flows on after the move ($r0 -> $(cl_rxd "$SPORT") bytes)"
	fi
}

cl_down() {
	local pid ns
	for pid in "${CL_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${CL_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	CL_PIDS=()
	for ns in "${CL_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	CL_NS=()
	[ -z "$CL_TMP" ] || rm -rf "$CL_TMP"
}

cl_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ "$rc" != 0 ] && [ -n "$CL_TMP" ]; then
		local f
		for f in "$CL_TMP"/ctd*.log "$CL_TMP"/*.out; do
			[ -s "$f" ] && diag "$f: $(tail -n 20 "$f")"
		done
	fi
	cl_down
	exit "$rc"
}
