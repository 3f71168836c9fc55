#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmtest: timeout=480 mem=512
#
# genl-fuzz.sh - random generic netlink messages to the gwlbtun family
# (scripts/tests/lib/genlfuzz.py, seeded), with a configured device
# reflecting traffic in the GWLB topology of scripts/e2e/topology.sh:
#
#   client ns -- GWLB stand-in (gwlb ns) =External/Internal= nva ns: gwlb0
#   server ns --/                                             (configured, up)
#                                                            gwlb1 (unconfigured)
#                                                            genlfuzz.py runs here
#
#   1. as root in the NVA's namespace: thousands of random requests (random
#      commands incl. unknown ones, flags incl. NLM_F_DUMP, nests of random
#      types and lengths, truncated headers and attributes, wrong versions)
#      naming gwlb0, gwlb1 and devices that do not exist
#   2. the same as an unprivileged user (uid 65534) in a user namespace of
#      its own over the NVA's network namespace: no SET_DEVICE is accepted,
#      gwlb0 and gwlb1 unchanged
#   3. the same from "unshare -Urn" (a user and a network namespace of its
#      own, no gwlbtun device there): no SET_DEVICE is accepted
# Then: no splat; "gwlbctl show" parses and every device's configuration is
# a valid one (both tunnels or neither, different ports, at most 64 peers);
# a device no SET was acknowledged for is unchanged; gwlb0, given its
# configuration back, reflects (ping client -> server); "ip link del" of
# both devices and "rmmod gwlbtun" finish, within a bound.
set -euo pipefail

# shellcheck source=scripts/e2e/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/checks.sh"
e2e_test_init
need_modules veth vxlan bridge
need_cmds jq python3 setpriv unshare timeout
gwlbtun_load
export NVA=gwlbtun OUTER=4
# shellcheck source=scripts/e2e/topology.sh
. "$REPO/scripts/e2e/topology.sh"

GENLFUZZ=(/usr/bin/python3 "$REPO/scripts/tests/lib/genlfuzz.py")
: "${GENL_N1:=$(vm_amount 6000 3000)}" "${GENL_N2:=$(vm_amount 1500 800)}"
: "${GENL_N3:=$(vm_amount 800 400)}"

e2e_traps
START_MS=$(topo_now_ms)
topo_up
ip -n "$NS_NVA" link add gwlb1 type gwlbtun
check_ping "baseline: ping client -> server through gwlb0" 3
SHOW0=$(topo_gwlbctl -j show gwlb0)
SHOW1=$(topo_gwlbctl -j show gwlb1)

# valid_config: every gwlbtun device in the NVA's netns has a configuration
# gwlbctl parses and the API allows.
valid_config() {
	local out
	out=$(topo_gwlbctl -j show 2>&1) || { diag "gwlbctl show: $out"; return 1; }
	jq -e 'length >= 2 and all(.[];
		((.external == null) == (.internal == null))
		and (.external == null or (.external.port != .internal.port
			and .external.port > 0 and .internal.port > 0
			and .external.vni <= 16777215 and .internal.vni <= 16777215))
		and (.peers | length) <= 64
		and (.ttl >= 0 and .ttl <= 255))' <<<"$out" >/dev/null ||
		{ diag "$out"; return 1; }
}

# acked SUMMARY DEV: how many SET_DEVICE requests naming DEV (by name or
# index) the kernel acknowledged.
acked() {
	jq -r --arg d "$2" '.devs[$d] as $i | [.set_ok_devs | to_entries[]
		| select(.key == $d or .key == "ifindex:\($i)") | .value] | add // 0' <<<"$1"
}

echo "# --- 1. root in the NVA's netns"
t0=$(topo_now_ms)
S1=$(ip netns exec "$NS_NVA" timeout 300 "${GENLFUZZ[@]}" --seed 4401 --count "$GENL_N1" \
	--devs gwlb0,gwlb1,gwlb9,ul-nva) || S1='{}'
echo "# root: $S1"
echo "# root: $(($(topo_now_ms) - t0)) ms"
check "root: $(jq .messages <<<"$S1") messages sent, the kernel answered ($(jq '.acks_ok + ([.errors[]] | add // 0)' <<<"$S1") acks and errors, $(jq .dump_parts <<<"$S1") dump parts, $(jq .dumps_done <<<"$S1") dumps done)" \
	ge "$(jq '.messages // 0' <<<"$S1")" "$GENL_N1"
splat_check
check "root: gwlbctl show parses and every configuration is a valid one" valid_config
A0=$(acked "$S1" gwlb0)
A1=$(acked "$S1" gwlb1)
echo "# root: SET_DEVICE acknowledged: gwlb0 $A0, gwlb1 $A1 ($(jq -c .set_ok_devs <<<"$S1"))"
for dev in gwlb0 gwlb1; do
	if [ "$dev" = gwlb0 ]; then n=$A0 before=$SHOW0; else n=$A1 before=$SHOW1; fi
	if [ "$n" = 0 ]; then
		check "root: no SET acknowledged for $dev: its configuration is unchanged" \
			[ "$(topo_gwlbctl -j show "$dev")" = "$before" ]
	else
		echo "# root: $dev now: $(topo_gwlbctl -j show "$dev")"
	fi
done

# gwlb0 back to the topology's configuration (every setting a random SET
# may have changed), then the data path.
topo_gwlbctl set gwlb0 external "$EXT_VNI:$EXT_PORT" internal "$INT_VNI:$INT_PORT" \
	peers "$GW_UL4" ttl inherit udpcsum on hooks on mark-mask 0 mark-external 0 \
	mark-internal 0 non-ip drop udp6-zero-csum-rx off
topo_gwlbctl set gwlb1 peers none
check "root: gwlb0's configuration restored as before" [ "$(topo_gwlbctl -j show gwlb0)" = "$SHOW0" ]
topo_pin_neighbours
check_ping "after the fuzz: gwlb0 still reflects (ping client -> server)" 3
SHOW0=$(topo_gwlbctl -j show gwlb0)
SHOW1=$(topo_gwlbctl -j show gwlb1)

echo "# --- 2. uid 65534 in a user namespace over the NVA's netns"
S2=$(ip netns exec "$NS_NVA" setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=-all unshare --user --map-root-user timeout 200 "${GENLFUZZ[@]}" \
	--seed 4402 --count "$GENL_N2" --devs gwlb0,gwlb1) || S2='{}'
echo "# unprivileged: $S2"
check "unprivileged: $(jq '.messages // 0' <<<"$S2") messages sent" ge "$(jq '.messages // 0' <<<"$S2")" "$GENL_N2"
check "unprivileged: no SET_DEVICE accepted ($(jq '.set_ok // "x"' <<<"$S2"); EPERM $(jq '.errors.EPERM // 0' <<<"$S2") times)" \
	eq "$(jq '.set_ok // "x"' <<<"$S2")" 0
check "unprivileged: gwlb0 unchanged" [ "$(topo_gwlbctl -j show gwlb0)" = "$SHOW0" ]
check "unprivileged: gwlb1 unchanged" [ "$(topo_gwlbctl -j show gwlb1)" = "$SHOW1" ]
splat_check

echo "# --- 3. unshare -Urn"
S3=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	unshare -Urn timeout 200 "${GENLFUZZ[@]}" --seed 4403 --count "$GENL_N3" \
	--devs gwlb0,lo) || S3='{}'
echo "# unshare -Urn: $S3"
check "unshare -Urn: $(jq '.messages // 0' <<<"$S3") messages sent" ge "$(jq '.messages // 0' <<<"$S3")" "$GENL_N3"
check "unshare -Urn: no SET_DEVICE accepted ($(jq '.set_ok // "x"' <<<"$S3"))" \
	eq "$(jq '.set_ok // "x"' <<<"$S3")" 0
check "unshare -Urn: gwlb0 unchanged" [ "$(topo_gwlbctl -j show gwlb0)" = "$SHOW0" ]
check_ping "gwlb0 still reflects (ping client -> server)" 3
splat_check

echo "# --- teardown"
# bounded CMD...: "ELAPSED_MS EXIT" of CMD under timeout 20.
bounded() {
	local t rc=0
	t=$(topo_now_ms)
	timeout 20 "$@" >&2 || rc=$?
	echo "$(($(topo_now_ms) - t)) $rc"
}
for dev in gwlb0 gwlb1; do
	read -r ms rc <<<"$(bounded ip -n "$NS_NVA" link del "$dev")"
	check "ip link del $dev: exit $rc in $ms ms (bound 5000)" eval '[ "$rc" = 0 ] && [ "$ms" -lt 5000 ]'
done
topo_down
mod=$(gwlbtun_modname)
read -r ms rc <<<"$(bounded rmmod "$mod")"
check "rmmod $mod: exit $rc in $ms ms (bound 10000)" \
	eval '[ "$rc" = 0 ] && [ "$ms" -lt 10000 ] && [ ! -d "/sys/module/$mod" ]'
splat_check

ELAPSED_MS=$(($(topo_now_ms) - START_MS))
printf '# genl-fuzz: %d messages, %d checks, %d failed, %d.%03d s\n' \
	$(($(jq '.messages // 0' <<<"$S1") + $(jq '.messages // 0' <<<"$S2") + $(jq '.messages // 0' <<<"$S3"))) \
	"$CHECKS" "$FAILS" $((ELAPSED_MS / 1000)) $((ELAPSED_MS % 1000))
[ "$FAILS" = 0 ]
