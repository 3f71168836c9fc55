#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The control plane: gwlbctl set -> show round trip; every class of
# rejection says why (the kernel's extended ack) and changes nothing; route
# MTUs per GWLB, shown and warned about; dumps flag a change under them;
# permissions (CAP_NET_ADMIN over the device's netns, also from a user
# namespace); change notifications.
#
# vmtest: timeout=240
set -euo pipefail

# shellcheck source=scripts/vm/lib.sh
. "${GWLBTUN_VM_LIB:-$(dirname "$0")/../vm/lib.sh}"
require_vm
need_cmds jq setpriv unshare python3

gwlbctl=$PWD/scripts/gwlbctl/gwlbctl
raw=$PWD/scripts/tests/lib/genl-raw.py
dump=$PWD/scripts/tests/lib/genl-dump.py
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
notok() { failed=$((failed + 1)); echo "not ok - $*"; }

gwlbtun_load
ip link add gwlb0 type gwlbtun
ip link add gwlb1 type gwlbtun

# Round trip: everything set is shown back.
"$gwlbctl" set gwlb0 external 901:10801 internal 900:10800 \
	peers 192.168.0.5,fd00::5 ttl 17 udpcsum off hooks off \
	mark-external 0x10 mark-internal 0x20 mark-mask 0x30 \
	non-ip reflect udp6-zero-csum-rx on drain on
want='{"ifname":"gwlb0","external":{"vni":901,"port":10801},"internal":{"vni":900,"port":10800},"peers":["192.168.0.5","fd00::5"],"peers_any":false,"ttl":17,"udp_csum":false,"nf_hooks":false,"mark_external":16,"mark_internal":32,"mark_mask":48,"non_ip":"reflect","udp6_zero_csum_rx":true,"drain":true,"peer_route_mtu":{"192.168.0.5":0,"fd00::5":0}}'
got=$("$gwlbctl" -j show gwlb0 | jq -c '.[0] | del(.ifindex)')
if [ "$got" = "$want" ]; then ok "set -> show round trip"; else notok "set -> show round trip: $got"; fi
"$gwlbctl" set gwlb0 peers any ttl inherit udpcsum on hooks on
got=$("$gwlbctl" -j show gwlb0 | jq -c '.[0] | [.peers, .peers_any, .ttl, .udp_csum, .nf_hooks, .external.port]')
if [ "$got" = '[[],true,0,true,true,10801]' ]; then ok "a partial set keeps the rest"; else notok "partial set: $got"; fi
got=$("$gwlbctl" -j show gwlb0 | jq -c '.[0] | [.non_ip, .udp6_zero_csum_rx]')
if [ "$got" = '["reflect",true]' ]; then ok "a partial set keeps non-ip and udp6-zero-csum-rx"; else notok "partial set: $got"; fi
"$gwlbctl" set gwlb0 non-ip drop udp6-zero-csum-rx off
got=$("$gwlbctl" -j show gwlb0 | jq -c '.[0] | [.non_ip, .udp6_zero_csum_rx]')
if [ "$got" = '["drop",false]' ]; then ok "non-ip drop, udp6-zero-csum-rx off"; else notok "back to the defaults: $got"; fi
"$gwlbctl" set gwlb0 peers 192.168.0.5
ok_json=$("$gwlbctl" -j show gwlb0)

# expect_reject WHAT MESSAGE-REGEX COMMAND...: the command fails, prints the
# kernel's reason, and gwlb0's configuration is unchanged.
expect_reject() {
	local what=$1 re=$2 out rc after
	shift 2
	set +e
	out=$("$@" 2>&1)
	rc=$?
	set -e
	after=$("$gwlbctl" -j show gwlb0)
	if [ "$rc" -ne 0 ] && [[ $out =~ $re ]] && [ "$after" = "$ok_json" ]; then
		ok "rejected: $what: $out"
	else
		notok "rejected: $what: exit $rc, output '$out', unchanged: $([ "$after" = "$ok_json" ] && echo yes || echo no)"
	fi
}

# raw_reject DEV ATTR...: a raw request (genl-raw.py); fails, printing the
# kernel's reason, when the kernel rejects it
raw_reject() {
	local w e msg out
	out=$("$raw" "$@")
	read -r w e msg <<<"$out"
	echo "$msg (errno $e)"
	[ "$w" != error ]
}

expect_reject "equal ports" "different UDP ports" \
	"$gwlbctl" set gwlb0 external 901:10800
expect_reject "port 0" "UDP port 0" raw_reject gwlb0 ext=901:0 int=900:10800
expect_reject "VNI above 2^24-1" "VNI is above 16777215" raw_reject gwlb0 ext=16777216:10801 int=900:10800
expect_reject "a tunnel without a VNI" "needs both a VNI and a UDP port" raw_reject gwlb0 ext-novni=10801
expect_reject "only one tunnel on an unconfigured device" "must both be set" \
	"$gwlbctl" set gwlb1 external 901:10801
expect_reject "unknown device" "no such device" "$gwlbctl" set nosuchdev peers any
expect_reject "not a gwlbtun device" "not a gwlbtun device" "$gwlbctl" set lo peers any
python3 -c 'import socket,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("0.0.0.0",10900)); time.sleep(60)' &
holder=$!
for _ in $(seq 100); do ss -Hnlu | grep -q ':10900 ' && break; sleep 0.1; done
expect_reject "a UDP port bound by another socket" "already in use by another socket" \
	"$gwlbctl" set gwlb0 external 901:10900
kill "$holder"; wait "$holder" 2>/dev/null || true
# Policy rejections: lib/nlattr.c's messages (6.1), and the errno
expect_reject "an IPv4 peer of 5 bytes" '^binary attribute size out of range \(errno 34\)$' \
	raw_reject gwlb0 peer4=0a00000501
expect_reject "an IPv6 peer of 4 bytes" '^binary attribute size out of range \(errno 34\)$' \
	raw_reject gwlb0 peer6=0a000005
expect_reject "an unknown attribute in the peer list" '^Unknown attribute type \(errno 22\)$' \
	raw_reject gwlb0 peer-type=9:0a000005
expect_reject "an unknown top-level attribute" '^Unknown attribute type \(errno 22\)$' \
	raw_reject gwlb0 top-type=40:00000000
expect_reject "peers-any 2" '^integer out of range \(errno 34\)$' raw_reject gwlb0 any=2
expect_reject "udp-csum 2" '^integer out of range \(errno 34\)$' raw_reject gwlb0 csum=2
expect_reject "read-only statistics in a request (a nest, as GET returns them)" \
	'^NLA_F_NESTED not expected \(errno 22\)$' raw_reject gwlb0 stats
expect_reject "read-only statistics in a request (not nested: NLA_REJECT)" \
	'^Attribute failed policy validation \(errno 22\)$' raw_reject gwlb0 stats-flat
expect_reject "a route MTU (read only) in a request's peer list" '^read-only attribute \(errno 22\)$' \
	raw_reject gwlb0 peer4=c0a80005 peer-type=3:dc050000
expect_reject "non-ip 2" '^integer out of range \(errno 34\)$' raw_reject gwlb0 top-type=15:02
expect_reject "udp6-zero-csum-rx 2" '^integer out of range \(errno 34\)$' raw_reject gwlb0 top-type=16:02
expect_reject "a multicast peer" "not a unicast address" "$gwlbctl" set gwlb0 peers 224.0.0.5
expect_reject "a multicast IPv6 peer" "not a unicast address" "$gwlbctl" set gwlb0 peers ff02::1
expect_reject "a peer listed twice" "listed twice" raw_reject gwlb0 peer4=c0a80005 peer4=c0a80005
expect_reject "a direction mark outside the mask" "outside the mark mask" \
	"$gwlbctl" set gwlb0 mark-external 0x4 mark-mask 0x3
"$gwlbctl" set gwlb1 external 901:10801 internal 900:10800 peers 192.168.0.6
expect_reject "a peer another device already accepts on the same port and VNI" "another gwlbtun device" \
	"$gwlbctl" set gwlb0 peers 192.168.0.6
"$gwlbctl" set gwlb1 peers any
expect_reject "a second any-source device on the same port and VNI" "accepts any peer" \
	"$gwlbctl" set gwlb0 peers any
peers65=$(python3 -c 'print(",".join("10.1.0.%d" % i for i in range(1, 66)))')
expect_reject "65 peers (gwlbctl refuses to send them)" '^gwlbctl: set: peers: too many addresses \(65 given, at most 64\)' \
	"$gwlbctl" set gwlb0 peers "$peers65"
mapfile -t raw65 < <(for i in $(seq 1 65); do printf 'peer4=0a0100%02x\n' "$i"; done)
expect_reject "65 peers (sent raw, the kernel's own limit)" '^too many peers \(at most 64\) \(errno 7\)$' \
	raw_reject gwlb0 "${raw65[@]}"
mapfile -t raw64 < <(for i in $(seq 1 64); do printf 'peer4=0a0100%02x\n' "$i"; done)
if [ "$("$raw" gwlb0 "${raw64[@]}")" = ok ] &&
	[ "$("$gwlbctl" -j show gwlb0 | jq '.[0].peers | length')" = 64 ]; then
	ok "64 peers sent raw are accepted (the limit is exactly 64)"
else
	notok "64 peers sent raw: not accepted"
fi
"$gwlbctl" set gwlb0 peers 192.168.0.5

# Permissions: reading is open, changing needs CAP_NET_ADMIN over the netns.
if setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$gwlbctl" show gwlb0 >/dev/null; then
	ok "an unprivileged process can read the configuration"
else
	notok "an unprivileged process cannot read the configuration"
fi
expect_reject "a process without CAP_NET_ADMIN" "Operation not permitted" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$gwlbctl" set gwlb0 ttl 9
expect_reject "root of a user namespace over the initial netns" "Operation not permitted" \
	unshare --user --map-root-user "$gwlbctl" set gwlb0 ttl 9
# (set warns that there is no route to 10.0.0.5 in the new netns: not shown)
if out=$(unshare --user --map-root-user --net sh -c "
	ip link add g0 type gwlbtun &&
	$gwlbctl set g0 external 901:10801 internal 900:10800 peers 10.0.0.5 2>/dev/null &&
	$gwlbctl -j show g0" 2>&1) && [ "$(jq -r '.[0].external.port' <<<"$out")" = 10801 ]; then
	ok "root of a user namespace configures a device in its own netns (containers)"
else
	notok "user-namespaced container: $out"
fi

# Route MTUs: gwlb2 stands in for the underlay NIC, 192.0.2.9/24.
ip link add gwlb2 type gwlbtun
ip addr add 192.0.2.9/24 dev gwlb2
ip link set gwlb2 mtu 1400 up
out=$("$gwlbctl" set gwlb1 peers 192.0.2.5,198.51.100.5 2>&1) && rc=0 || rc=$?
want="gwlbctl: gwlb1: warning: the route to 192.0.2.5 has MTU 1400; a 1500-byte inner frame needs 1550 over IPv4
gwlbctl: gwlb1: warning: no route to 198.51.100.5: nothing can be sent back to it"
if [ "$rc" -eq 0 ] && [ "$out" = "$want" ]; then
	ok "set warns of a small route MTU and of a missing route, and succeeds"
else
	notok "set with small route MTUs: exit $rc, '$out'"
fi
got=$("$gwlbctl" show gwlb1 | grep '^  peers:')
if [ "$got" = "  peers: 192.0.2.5 (route mtu 1400), 198.51.100.5 (no route)" ]; then
	ok "show prints each peer's route MTU"
else
	notok "show: '$got'"
fi
ip link set gwlb2 mtu 1550
got=$("$gwlbctl" -j show gwlb1 | jq -c '.[0].peer_route_mtu')
out=$("$gwlbctl" set gwlb1 ttl 0 2>&1)
if [ "$got" = '{"192.0.2.5":1550,"198.51.100.5":0}' ] && [ "$out" = "${want#*$'\n'}" ]; then
	ok "the route MTU is the route's now (1550: no warning)"
else
	notok "after mtu 1550: $got, '$out'"
fi
"$gwlbctl" set gwlb1 peers 192.0.2.9 >/dev/null 2>&1
got=$("$gwlbctl" -j show gwlb1 | jq -c '.[0].peer_route_mtu')
"$gwlbctl" set gwlb1 peers any
if [ "$got" = '{"192.0.2.9":0}' ]; then
	ok "a peer at one of the host's own addresses has no route"
else
	notok "a peer at a local address: $got"
fi
"$gwlbctl" set gwlb2 external 801:2001 internal 800:2000 peers 192.0.2.5 >/dev/null 2>&1
got=$("$gwlbctl" -j show gwlb2 | jq -c '.[0].peer_route_mtu')
if [ "$got" = '{"192.0.2.5":0}' ]; then
	ok "a route out through the device itself counts as none"
else
	notok "a peer routed through the device itself: $got"
fi

# Dumps: a device added while a dump is read in parts shows as
# NLM_F_DUMP_INTR; gwlbctl then takes the listing again, whole.
for i in $(seq 100); do ip link add "gd$i" type gwlbtun; done
got=$("$dump" true)
if [[ $got =~ ^([0-9]+)\ 103\ clean$ ]] && [ "${BASH_REMATCH[1]}" -lt 103 ]; then
	ok "a dump of 103 devices in parts, nothing changed: clean ($got)"
else
	notok "an unchanged dump: $got"
fi
got=$("$dump" ip link add gdx type gwlbtun)
if [[ $got =~ \ intr$ ]]; then
	ok "a device added during a dump: NLM_F_DUMP_INTR ($got)"
else
	notok "a device added during a dump: $got"
fi
got=$("$dump" ip link del gd50)
if [[ $got =~ \ intr$ ]]; then
	ok "a device removed during a dump: NLM_F_DUMP_INTR ($got)"
else
	notok "a device removed during a dump: $got"
fi
got=$("$dump" "$gwlbctl" set gd99 ttl 5)
if [[ $got =~ \ intr$ ]]; then
	ok "a device reconfigured during a dump: NLM_F_DUMP_INTR ($got)"
else
	notok "a device reconfigured during a dump: $got"
fi
got=$("$gwlbctl" -j show | jq 'length')
if [ "$got" = 103 ]; then ok "gwlbctl show lists all 103 devices"; else notok "gwlbctl show: $got devices"; fi
for i in $(seq 100); do ip link del "gd$i" 2>/dev/null || true; done
ip link del gdx

# Notifications: a change is announced to the "config" group.
mon=$(vm_tmpdir)/monitor
"$gwlbctl" -j monitor >"$mon" &
monpid=$!
sleep 0.5
"$gwlbctl" set gwlb0 ttl 33
for _ in $(seq 50); do [ -s "$mon" ] && break; sleep 0.1; done
kill -INT "$monpid"; wait "$monpid" 2>/dev/null || true
if [ "$(jq -r 'select(.ifname == "gwlb0") | .ttl' "$mon" | tail -n 1)" = 33 ]; then
	ok "gwlbctl monitor sees the change (ttl 33)"
else
	notok "monitor output: $(cat "$mon")"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
