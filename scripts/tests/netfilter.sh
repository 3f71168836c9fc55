#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vmtest: timeout=300
#
# netfilter.sh - nftables and iptables rules on the inner packets of a gwlbtun
# device, end to end through the GWLB stand-in of scripts/e2e/topology.sh:
#
#   client ns (203.0.113.10) -- GWLB stand-in: br-ext/vx-ext =External=> NVA ns: gwlb0
#   server ns (198.51.100.20) -- GWLB stand-in: br-int/vx-int <=Internal= (netfilter here)
#
# The NVA's gwlb0 marks what arrives on the External tunnel (the client's
# side) 0x1 and on the Internal one 0x2, within mark mask 0x3. The server
# listens on 8080 (HTTP) and 22, the client on 9000.
#
# Every ruleset loaded here is printed in README.md ("## Netfilter rules")
# with the same text; keep them in step.
#
# Checks (each "ok - ..." or "not ok - ..."; exit 1 if any failed):
#   0. without rules: curl to 8080, TCP to 22, server -> client TCP to 9000
#   1. nft by port: 8080 accepted, 22 dropped; the rule's counter equals the
#      device's netfilter drop counter
#   2. nft stateful: established/related, new only from the External tunnel
#      (direction mark): client -> server works, 22 dropped, server ->
#      client dropped; counters agree; conntrack saw both directions
#   3. the same policy with iptables(-nft): -m conntrack, -m mark, policy DROP
#   4. the NVA's own input policy and notrack for the tunnels' UDP ports: the
#      tunnels keep working and conntrack holds only inner flows
#   5. log prefix: dmesg has the prefix with IN=gwlb0 OUT=gwlb0; "gwlbctl set
#      gwlb0 hooks off" skips the rules (counters unchanged), "hooks on"
#      brings them back
#   6. REJECT (nft tcp reset, icmp and icmpv6 admin-prohibited, iptables
#      REJECT) on IPv4 and IPv6 inner packets: counted as netfilter drops,
#      nothing reaches the client; with a default route on the NVA the RST
#      and ICMP errors leave through the NVA's own NIC, not the tunnel
#   7. NAT: DNAT in prerouting, SNAT and masquerade in postrouting rewrite
#      the reflected inner packet and conntrack reverses it on the reply
# The VM harness fails the run on any kernel splat and checks that the
# module unloads afterwards.
#
# In the VM: scripts/vmtest netfilter
set -euo pipefail

# shellcheck source=scripts/e2e/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/checks.sh"
e2e_test_init
need_cmds nft iptables conntrack nc socat curl tcpdump jq
need_modules veth vxlan bridge nf_conntrack nf_tables nft_ct nft_reject_inet \
	nft_log nf_log_syslog nft_nat nft_chain_nat nft_masq nf_conntrack_netlink \
	ipt_REJECT xt_conntrack xt_mark
# shellcheck disable=SC2119 # no module parameters
gwlbtun_load

# shellcheck source=scripts/e2e/nftest.sh
. "$REPO/scripts/e2e/nftest.sh"

# ---------------------------------------------------------------------------
# Helpers

# nft_counters FAMILY TABLE CHAIN: the packet counts of the chain's counters,
# in rule order, on one line.
nft_counters() {
	nva nft -j list chain "$@" | jq -r '[.nftables[] | .rule? // empty
		| .expr[] | .counter? // empty | .packets]
		| map(tostring) | join(" ")'
}

# check_tcp EXPECTED DESCRIPTION NS ADDR PORT: a connection that should
# open gets more time, one that should not is given up after 2 s.
check_tcp() {
	local want=$1 desc=$2 got secs=2
	if [ "$want" = open ]; then
		secs=5
	fi
	got=$(tcp_try "$3" "$4" "$5" "$secs")
	if [ "$got" = "$want" ]; then
		ok "$desc: $got"
	else
		not_ok "$desc: expected $want, got $got"
	fi
}

# curl_ip NS URL: the address the echo server saw ("ip" of /api/ip), or
# nothing.
curl_ip() {
	local body
	body=$(ip netns exec "$1" curl -sS --noproxy '*' --connect-timeout 3 \
		--max-time 6 "$2/api/ip" 2>/dev/null) || return 0
	jq -r '.ip // empty' <<<"$body" 2>/dev/null || true
}

# check_curl EXPECTED_IP DESCRIPTION [URL]: curl from the client to the
# server's echo service; the server saw EXPECTED_IP ("" = must fail).
check_curl() {
	local want=$1 desc=$2 url=${3:-http://$SERVER_IP:$SERVER_PORT} got
	got=$(curl_ip "$NS_CLIENT" "$url")
	if [ "$got" = "$want" ]; then
		ok "$desc${got:+ (server saw $got)}"
	else
		not_ok "$desc: server saw '${got:-nothing}', expected '${want:-nothing}'"
	fi
}

# listen NS PORT: a TCP listener (IPv4 and IPv6) that accepts and closes.
listen() {
	topo_spawn "$1" "$TOPO_TMP/listen-$1-$2.log" socat \
		"TCP6-LISTEN:$2,ipv6only=0,reuseaddr,fork" SYSTEM:true
	topo_wait $(($(vm_ms 10000) / 1000)) listening "$1" "$2" || topo_die "no listener on $2 in $1"
}

reset_state() {
	nva nft flush ruleset
	nva conntrack -F >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------------------
# The topology

echo "# netfilter: NVA=gwlbtun OUTER=$OUTER"
topo_up --with-server
listen "$NS_SERVER" 22
listen "$NS_CLIENT" 9000
topo_server_start
topo_gwlbctl set "$GWLB_DEV" mark-external 0x1 mark-internal 0x2 mark-mask 0x3
# Log lines from the NVA's namespace, too (the kernel logs only the
# initial namespace's by default).
sysctl -qw net.netfilter.nf_log_all_netns=1

# ---------------------------------------------------------------------------
section "0. no rules"
check_curl "$CLIENT_IP" "no rules: curl client -> server:8080"
check_tcp open "no rules: TCP client -> server:22" "$NS_CLIENT" "$SERVER_IP" 22
check_tcp open "no rules: TCP server -> client:9000" "$NS_SERVER" "$CLIENT_IP" 9000

# ---------------------------------------------------------------------------
section "1. nft: accept tcp/8080, drop tcp/22"
reset_state
nft_load <<'EOF'
table inet filter {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "gwlb0" tcp dport 8080 counter accept
		iifname "gwlb0" tcp dport 22 counter drop
	}
}
EOF
d0=$(nf_drops)
check_curl "$CLIENT_IP" "nft by port: curl client -> server:8080 works"
check_tcp timeout "nft by port: TCP client -> server:22 times out" "$NS_CLIENT" "$SERVER_IP" 22
read -r c8080 c22 <<<"$(nft_counters inet filter forward)"
d1=$(nf_drops)
check "nft by port: the 8080 rule accepted packets ($c8080)" gt "$c8080" 0
check "nft by port: the 22 rule dropped $c22 packets, gwlb0 counted $((d1 - d0)) netfilter drops" \
	eq "$c22" $((d1 - d0))
check "nft by port: something was dropped ($c22)" gt "$c22" 0

# ---------------------------------------------------------------------------
section "2. nft: stateful, new connections only from the External tunnel"
reset_state
nft_load <<'EOF'
table inet filter {
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		iifname "gwlb0" tcp dport 22 counter drop
		iifname "gwlb0" meta mark & 0x3 == 0x1 ct state new accept
		counter drop
	}
}
EOF
d0=$(nf_drops)
check_curl "$CLIENT_IP" "nft stateful: curl client -> server:8080 works"
check_tcp timeout "nft stateful: TCP client -> server:22 times out" "$NS_CLIENT" "$SERVER_IP" 22
check_tcp timeout "nft stateful: TCP server -> client:9000 (new from Internal) times out" \
	"$NS_SERVER" "$CLIENT_IP" 9000
read -r c22 cdef <<<"$(nft_counters inet filter forward)"
d1=$(nf_drops)
check "nft stateful: the 22 rule dropped packets ($c22)" gt "$c22" 0
check "nft stateful: the final drop counted the server's new connection ($cdef)" gt "$cdef" 0
check "nft stateful: rules dropped $c22 + $cdef, gwlb0 counted $((d1 - d0)) netfilter drops" \
	eq $((c22 + cdef)) $((d1 - d0))
CT=$(nva conntrack -L -p tcp --dport "$SERVER_PORT" 2>/dev/null) || CT=""
check "nft stateful: conntrack saw both directions of the 8080 connection (ASSURED)" \
	topo_text_has "$CT" "src=$CLIENT_IP dst=$SERVER_IP .* dport=$SERVER_PORT src=$SERVER_IP dst=$CLIENT_IP .*ASSURED"
if ! topo_text_has "$CT" ASSURED; then
	diag "${CT:-<no conntrack entry>}"
fi

# ---------------------------------------------------------------------------
section "3. iptables-nft: the same policy"
reset_state
nva iptables -P FORWARD DROP
nva iptables -A FORWARD -i gwlb0 -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
nva iptables -A FORWARD -i gwlb0 -p tcp --dport 22 -j DROP
nva iptables -A FORWARD -i gwlb0 -m mark --mark 0x1/0x3 -m conntrack --ctstate NEW -j ACCEPT
d0=$(nf_drops)
check_curl "$CLIENT_IP" "iptables: curl client -> server:8080 works"
check_tcp timeout "iptables: TCP client -> server:22 times out" "$NS_CLIENT" "$SERVER_IP" 22
check_tcp timeout "iptables: TCP server -> client:9000 (new from Internal) times out" \
	"$NS_SERVER" "$CLIENT_IP" 9000
SAVE=$(nva iptables-save -c -t filter)
d1=$(nf_drops)
ipt_policy=$(sed -n 's/^:FORWARD DROP \[\([0-9]*\):.*/\1/p' <<<"$SAVE")
ipt_22=$(sed -n 's/^\[\([0-9]*\):[0-9]*\] -A FORWARD .*--dport 22 .*-j DROP$/\1/p' <<<"$SAVE")
check "iptables: the 22 rule dropped packets (${ipt_22:-?})" gt "${ipt_22:-x}" 0
check "iptables: the DROP policy dropped the server's new connection (${ipt_policy:-?})" \
	gt "${ipt_policy:-x}" 0
if is_uint "${ipt_22:-}" && is_uint "${ipt_policy:-}"; then
	check "iptables: rule + policy dropped $((ipt_22 + ipt_policy)), gwlb0 counted $((d1 - d0)) netfilter drops" \
		eq $((ipt_22 + ipt_policy)) $((d1 - d0))
else
	not_ok "iptables: read the counters from iptables-save -c"
	diag "$SAVE"
fi
nva iptables -P FORWARD ACCEPT
nva iptables -F FORWARD

# ---------------------------------------------------------------------------
section "4. the NVA's own input policy; no conntrack for the tunnels"
reset_state
nft_load <<'EOF'
table inet raw {
	chain prerouting {
		type filter hook prerouting priority raw; policy accept;
		iifname != "gwlb0" udp dport { 10800, 10801 } notrack
	}
	chain output {
		type filter hook output priority raw; policy accept;
		udp dport { 10800, 10801 } notrack
	}
}
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		ip saddr 10.99.0.1 udp dport { 10800, 10801 } accept
		ip6 saddr fd99::1 udp dport { 10800, 10801 } accept
		counter drop
	}
}
EOF
check_curl "$CLIENT_IP" "input policy drop + tunnel ports accepted: curl client -> server:8080 works"
CT=$(nva conntrack -L 2>/dev/null) || CT=""
if topo_text_has "$CT" "dport=(10800|10801) "; then
	not_ok "notrack: conntrack holds no entry for the tunnels' UDP ports"
	diag "$CT"
else
	ok "notrack: conntrack holds no entry for the tunnels' UDP ports"
fi
check "notrack: conntrack holds the inner 8080 connection" \
	topo_text_has "$CT" "src=$CLIENT_IP dst=$SERVER_IP .* dport=$SERVER_PORT "
read -r cin <<<"$(nft_counters inet filter input)"
check "input policy: nothing of the tunnels was dropped (${cin:-?})" eq "${cin:-x}" 0

# ---------------------------------------------------------------------------
section "5. log; the per-device switch hooks off/on"
reset_state
nft_load <<'EOF'
table inet filter {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "gwlb0" tcp dport 22 log prefix "gwlbtun-test: " counter drop
	}
}
EOF
d0=$(nf_drops)
check_tcp timeout "log: TCP client -> server:22 times out" "$NS_CLIENT" "$SERVER_IP" 22
LOG=$(dmesg)
n_log=$(grep -c "gwlbtun-test: IN=$GWLB_DEV OUT=$GWLB_DEV .*SRC=$CLIENT_IP DST=$SERVER_IP .*DPT=22 " <<<"$LOG") || true
read -r c22 <<<"$(nft_counters inet filter forward)"
d1=$(nf_drops)
check "log: dmesg has $n_log 'gwlbtun-test: IN=$GWLB_DEV OUT=$GWLB_DEV ... DPT=22' lines, one per dropped packet ($c22)" \
	eq "$n_log" "$c22"
check "log: gwlb0 counted the $c22 drops ($((d1 - d0)))" eq "$c22" $((d1 - d0))
if [ "${n_log:-0}" = 0 ]; then
	diag "$(grep 'gwlbtun-test' <<<"$LOG" || echo '<no gwlbtun-test lines in dmesg>')"
fi

topo_gwlbctl set "$GWLB_DEV" hooks off
check_tcp open "hooks off: TCP client -> server:22 passes the drop rule" "$NS_CLIENT" "$SERVER_IP" 22
read -r c22b <<<"$(nft_counters inet filter forward)"
d2=$(nf_drops)
LOG=$(dmesg)
n_log2=$(grep -c "gwlbtun-test: " <<<"$LOG") || true
check "hooks off: the rule's counter is unchanged ($c22 -> $c22b)" eq "$c22b" "$c22"
check "hooks off: gwlb0's netfilter drops are unchanged ($d1 -> $d2)" eq "$d2" "$d1"
check "hooks off: nothing more was logged ($n_log -> $n_log2)" eq "$n_log2" "$n_log"

topo_gwlbctl set "$GWLB_DEV" hooks on
check_tcp timeout "hooks on: TCP client -> server:22 is dropped again" "$NS_CLIENT" "$SERVER_IP" 22
read -r c22c <<<"$(nft_counters inet filter forward)"
d3=$(nf_drops)
check "hooks on: the rule counts again ($c22b -> $c22c) and gwlb0 with it (+$((d3 - d2)))" \
	eq $((c22c - c22b)) $((d3 - d2))
check "hooks on: something was dropped" gt "$c22c" "$c22b"

# ---------------------------------------------------------------------------
section "6. REJECT"

C6=2001:db8:c::10
S6=2001:db8:5::20
# Inner IPv6 for this part: addresses and static neighbours on the client
# and server (no router solicitations, no neighbour discovery to cross).
inner_ipv6_up() {
	local ns dev
	for ns in "$NS_CLIENT:c0" "$NS_SERVER:s0"; do
		dev=${ns#*:}
		ns=${ns%%:*}
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.router_solicitations=0" \
			"net.ipv6.conf.$dev.disable_ipv6=0"
	done
	ip -n "$NS_CLIENT" addr add "$C6/128" dev c0 nodad
	ip -n "$NS_SERVER" addr add "$S6/128" dev s0 nodad
	ip -n "$NS_CLIENT" route add "$S6/128" dev c0
	ip -n "$NS_SERVER" route add "$C6/128" dev s0
	ip -n "$NS_CLIENT" neigh replace "$S6" lladdr "$(topo_mac "$NS_SERVER" s0)" dev c0 nud permanent
	ip -n "$NS_SERVER" neigh replace "$C6" lladdr "$(topo_mac "$NS_CLIENT" c0)" dev s0 nud permanent
}
reset_state
inner_ipv6_up
check_tcp open "IPv6 inner, no rules: TCP client -> [$S6]:22" "$NS_CLIENT" "$S6" 22

# Port 22 has a listener; 23 and 24 have none, so a SYN that got through
# would be answered with the server's own RST ("refused"). A timeout means
# the NVA dropped it and nothing came back.
reset_state
nft_load <<'EOF'
table inet filter {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "gwlb0" tcp dport 22 counter reject with tcp reset
		iifname "gwlb0" tcp dport 23 counter reject with icmp type admin-prohibited
		iifname "gwlb0" tcp dport 24 counter reject with icmpv6 type admin-prohibited
	}
}
EOF

# reject_round LABEL: the four attempts, each one expected to time out.
reject_round() {
	check_tcp timeout "$1: reject with tcp reset, IPv4 inner: client -> server:22" \
		"$NS_CLIENT" "$SERVER_IP" 22
	check_tcp timeout "$1: reject with icmp admin-prohibited: client -> server:23" \
		"$NS_CLIENT" "$SERVER_IP" 23
	check_tcp timeout "$1: reject with tcp reset, IPv6 inner: client -> [$S6]:22" \
		"$NS_CLIENT" "$S6" 22
	check_tcp timeout "$1: reject with icmpv6 admin-prohibited: client -> [$S6]:24" \
		"$NS_CLIENT" "$S6" 24
}

# From the client's side: nothing at all comes back.
topo_capture_start "$NS_CLIENT" c0 "$TOPO_TMP/c0.pcap" tcp or icmp or icmp6
PID_C0=$TOPO_PID
# On the NVA's NIC: anything that is not the tunnels.
topo_capture_start "$NS_NVA" ul-nva "$TOPO_TMP/ul-nva.pcap" \
	not udp and '(' tcp or icmp or '(' icmp6 and 'ip6[40] < 128' ')' ')'
PID_UL=$TOPO_PID

d0=$(nf_drops)
reject_round "no route on the NVA"
read -r r22 r23 r24 <<<"$(nft_counters inet filter forward)"
d1=$(nf_drops)
check "reject: the rules rejected $r22 + $r23 + $r24 packets, gwlb0 counted $((d1 - d0)) netfilter drops" \
	eq $((r22 + r23 + r24)) $((d1 - d0))
UL_TEXT=$(topo_capture_text "$TOPO_TMP/ul-nva.pcap")
if [ -z "$UL_TEXT" ]; then
	ok "reject, no route to the client on the NVA: no RST or ICMP error is sent at all"
else
	not_ok "reject, no route to the client on the NVA: no RST or ICMP error is sent at all"
	diag "$UL_TEXT"
fi

# An NVA has a default route on its NIC; the stand-in's end is 10.99.0.1.
ip -n "$NS_NVA" route add default via "$GW_UL4"
ip -n "$NS_NVA" -6 route add default via "$GW_UL6"
reject_round "default route on the NVA"

# iptables REJECT: the default (icmp-port-unreachable) and tcp-reset.
nva nft flush ruleset
nva iptables -A FORWARD -i gwlb0 -p tcp --dport 22 -j REJECT --reject-with tcp-reset
nva iptables -A FORWARD -i gwlb0 -p tcp --dport 23 -j REJECT
d2=$(nf_drops)
check_tcp timeout "iptables REJECT --reject-with tcp-reset: client -> server:22" \
	"$NS_CLIENT" "$SERVER_IP" 22
check_tcp timeout "iptables REJECT (icmp-port-unreachable): client -> server:23" \
	"$NS_CLIENT" "$SERVER_IP" 23
SAVE=$(nva iptables-save -c -t filter)
d3=$(nf_drops)
ipt_counts=$(sed -n 's/^\[\([0-9]*\):[0-9]*\] -A FORWARD .*-j REJECT.*/\1/p' <<<"$SAVE")
ipt_sum=0
while read -r n; do
	if is_uint "$n"; then
		ipt_sum=$((ipt_sum + n))
	fi
done <<<"$ipt_counts"
check "iptables REJECT: rules rejected $ipt_sum, gwlb0 counted $((d3 - d2)) netfilter drops" \
	eq "$ipt_sum" $((d3 - d2))
check "iptables REJECT: something was rejected" gt "$ipt_sum" 0
nva iptables -F FORWARD

sleep 0.3
topo_capture_stop "$PID_C0"
topo_capture_stop "$PID_UL"
C0_TEXT=$(topo_capture_text "$TOPO_TMP/c0.pcap")
UL_TEXT=$(topo_capture_text "$TOPO_TMP/ul-nva.pcap")
echo "# what the NVA's NIC sent besides the tunnels (REJECT with a default route):"
diag "${UL_TEXT:-<nothing>}"
back=$(grep -Ec "> (${CLIENT_IP//./\\.}|$C6)[.:]" <<<"$C0_TEXT") || true
check "reject: the client received nothing back, no RST and no ICMP error ($back packets)" \
	eq "$back" 0
if [ "$back" != 0 ]; then
	diag "$C0_TEXT"
fi
c=${CLIENT_IP//./\\.}
s=${SERVER_IP//./\\.}
check "reject with tcp reset (nft, iptables): the RST leaves the NVA's NIC un-encapsulated, $SERVER_IP:22 > $CLIENT_IP" \
	topo_text_has "$UL_TEXT" "IP $s\.22 > $c\.[0-9]+: Flags \[R"
check "reject with tcp reset, IPv6 inner: the RST leaves the NIC un-encapsulated, [$S6]:22 > $C6" \
	topo_text_has "$UL_TEXT" "IP6 $S6\.22 > $C6\.[0-9]+: Flags \[R"
check "reject with icmp admin-prohibited: ICMP from the NVA's own $NVA_UL4 to $CLIENT_IP on its NIC" \
	topo_text_has "$UL_TEXT" "IP ${NVA_UL4//./\\.} > $c: ICMP host $s unreachable - admin prohibited"
check "iptables REJECT: ICMP port unreachable from the NVA's own $NVA_UL4 on its NIC" \
	topo_text_has "$UL_TEXT" "IP ${NVA_UL4//./\\.} > $c: ICMP $s tcp port 23 unreachable"
check "reject with icmpv6 admin-prohibited: ICMPv6 from the NVA's own $NVA_UL6 to $C6 on its NIC" \
	topo_text_has "$UL_TEXT" "IP6 $NVA_UL6 > $C6: ICMP6, destination unreachable, +unreachable prohibited"
ip -n "$NS_NVA" route del default
ip -n "$NS_NVA" -6 route del default

# ---------------------------------------------------------------------------
section "7. NAT"
# The stand-in bridges by MAC, so the server takes any frame addressed to
# it; for replies to a translated source it routes that address back to the
# client's MAC (through the NVA, which reverses the translation).
C_MAC=$(topo_mac "$NS_CLIENT" c0)
SNAT_IP=203.0.113.99
for a in "$SNAT_IP" "$NVA_UL4"; do
	ip -n "$NS_SERVER" route add "$a/32" dev s0
	ip -n "$NS_SERVER" neigh replace "$a" lladdr "$C_MAC" dev s0 nud permanent
done

reset_state
nft_load <<'EOF'
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "gwlb0" tcp dport 8081 counter dnat to 198.51.100.20:8080
	}
}
EOF
echo "# DNAT: client -> server:8081, translated to :8080 in the NVA"
check_curl "$CLIENT_IP" "DNAT: curl client -> server:8081 reaches the server's 8080" \
	"http://$SERVER_IP:8081"
CT=$(nva conntrack -L -p tcp --orig-port-dst 8081 2>/dev/null) || CT=""
check "DNAT: conntrack holds the translation (8081 -> 8080) and saw the reply" \
	topo_text_has "$CT" "dport=8081 src=$SERVER_IP dst=$CLIENT_IP sport=$SERVER_PORT .*ASSURED"

reset_state
nft_load <<'EOF'
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "gwlb0" ip saddr 203.0.113.10 counter snat to 203.0.113.99
	}
}
EOF
check_curl "$SNAT_IP" "SNAT: the server sees the client as $SNAT_IP, the reply reaches the client"

reset_state
nft_load <<'EOF'
table ip nat {
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "gwlb0" counter masquerade
	}
}
EOF
check_curl "$NVA_UL4" "masquerade: the server sees the client as the NVA's own NIC address $NVA_UL4"
reset_state

# ---------------------------------------------------------------------------
# Nothing the tests did may leave the device's other counters dirty.
STATS=$(topo_gwlbtun_stats)
other=$(jq -r '[.drops | to_entries[] | select(.key != "netfilter") | .value] | add' <<<"$STATS")
check "no drops but netfilter ones on gwlb0 (${other:-?})" eq "${other:-x}" 0
if [ "${other:-x}" != 0 ]; then
	diag "$STATS"
fi
splat_check

ELAPSED_MS=$(($(topo_now_ms) - START_MS))
printf '# netfilter: %d checks, %d failed, %d.%03d s\n' "$CHECKS" "$FAILS" \
	$((ELAPSED_MS / 1000)) $((ELAPSED_MS % 1000))
if [ "$FAILS" != 0 ]; then
	exit 1
fi
