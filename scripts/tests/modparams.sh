#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module parameters: every invalid value fails the load with a kernel log
# line naming the problem and leaves nothing behind (no module, no device,
# no socket); a valid set creates the configured device, up, as modinfo
# documents. (scripts/tests/e2e-modparams.sh runs the GWLB scenario through
# such a device.)
#
# vmtest: timeout=240
set -euo pipefail

# shellcheck source=scripts/vm/lib.sh
. "${GWLBTUN_VM_LIB:-$(dirname "$0")/../vm/lib.sh}"
require_vm
gwlbctl=$PWD/scripts/gwlbctl/gwlbctl
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
notok() { failed=$((failed + 1)); echo "not ok - $*"; }

deps=$(modinfo -F depends "$GWLBTUN_KO")
for d in ${deps//,/ }; do modprobe "$d"; done

# modinfo documents every parameter.
info=$(modinfo "$GWLBTUN_KO")
for p in ifname external_vni external_port internal_vni internal_port peers early_rx; do
	if grep -qE "^parm: +$p:.{20,}" <<<"$info"; then ok "modinfo documents $p"; else notok "modinfo lacks $p"; fi
done

# expect_load_fail WHAT LOG-REGEX PARAM...
expect_load_fail() {
	local what=$1 re=$2 msgs
	shift 2
	dmesg_mark
	if insmod "$GWLBTUN_KO" "$@" 2>/dev/null; then
		notok "$what: the load succeeded"
		rmmod gwlbtun
		return
	fi
	msgs=$(dmesg_since)
	if [[ $msgs =~ $re ]] && [ ! -d /sys/module/gwlbtun ] &&
		! ip link show gwlb0 >/dev/null 2>&1 && ! ss -Hnlu | grep -q ':108'; then
		ok "$what: load refused, log says: $(grep -E "$re" <<<"$msgs" | head -n 1 | sed 's/^\[[^]]*\] //')"
	else
		notok "$what: log '$msgs'"
	fi
}

expect_load_fail "VNI above 16777215" "gwlbtun: invalid parameters: VNI is above 16777215" \
	ifname=gwlb0 external_vni=16777216 peers=10.0.0.5
expect_load_fail "equal ports" "gwlbtun: invalid parameters: .*different UDP ports" \
	ifname=gwlb0 external_port=10800 internal_port=10800 peers=10.0.0.5
expect_load_fail "port 0" "gwlbtun: external_port and internal_port must not be 0" \
	ifname=gwlb0 internal_port=0
expect_load_fail "a port that is no 16-bit number" "external_port" \
	ifname=gwlb0 external_port=70000
expect_load_fail "a malformed peer" "gwlbtun: peers: '10.0.0.300' is not an IPv4 or IPv6 address" \
	ifname=gwlb0 peers=10.0.0.5,10.0.0.300
expect_load_fail "a trailing comma" "gwlbtun: peers: '' is not an IPv4 or IPv6 address" \
	ifname=gwlb0 peers=10.0.0.5,
expect_load_fail "a multicast peer" "gwlbtun: invalid parameters: peer is not a unicast address" \
	ifname=gwlb0 peers=224.0.0.1
expect_load_fail "an interface name too long" "gwlbtun: ifname: 'a-name-longer-than-15' is not a valid interface name" \
	ifname=a-name-longer-than-15 peers=10.0.0.5
expect_load_fail "an invalid interface name" "is not a valid interface name" \
	ifname=gw/0 peers=10.0.0.5
ip link add gwlb0 type dummy
dmesg_mark
if ! insmod "$GWLBTUN_KO" ifname=gwlb0 peers=10.0.0.5 2>/dev/null &&
	[ ! -d /sys/module/gwlbtun ] && grep -q "gwlbtun: ifname: cannot create gwlb0: error -17" <<<"$(dmesg_since)"; then
	ok "a name already taken: load refused, the log says error -17 (EEXIST)"
else
	notok "a name already taken: $(dmesg_since)"
fi
ip link del gwlb0
python3 -c 'import socket,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("0.0.0.0",10801)); time.sleep(60)' &
holder=$!
for _ in $(seq 100); do ss -Hnlu | grep -q ':10801 ' && break; sleep 0.1; done
dmesg_mark
if insmod "$GWLBTUN_KO" ifname=gwlb0 peers=10.0.0.5 2>/dev/null; then
	notok "a port in use: the load succeeded"
	rmmod gwlbtun
elif [ ! -d /sys/module/gwlbtun ] && ! ip link show gwlb0 >/dev/null 2>&1 &&
	[ "$(ss -Hnlu | grep -c ':1080')" = 1 ]; then
	ok "a port in use: load refused, nothing left: $(dmesg_since | grep gwlbtun: | tail -n 1 | sed 's/^\[[^]]*\] //')"
else
	notok "a port in use: $(dmesg_since)"
fi
kill "$holder"; wait "$holder" 2>/dev/null || true

# Parameters are checked even when no device is asked for.
expect_load_fail "a bad peer without ifname" "gwlbtun: peers: 'bogus'" peers=bogus

# Defaults: no ifname, no device.
insmod "$GWLBTUN_KO"
if [ "$(ip -j link show type gwlbtun | jq length)" = 0 ]; then ok "no ifname: no device"; else notok "a device appeared without ifname"; fi
rmmod gwlbtun

# The seed's NVA in one line.
insmod "$GWLBTUN_KO" ifname=gwlb0 peers=192.168.0.5,fd00::5
got=$("$gwlbctl" -j show gwlb0 | jq -c '.[0] | [.external, .internal, .peers, .peers_any]')
want='[{"vni":901,"port":10801},{"vni":900,"port":10800},["192.168.0.5","fd00::5"],false]'
if [ "$got" = "$want" ]; then ok "ifname=gwlb0 peers=...: the Azure defaults, configured"; else notok "modparam device: $got"; fi
if ip -j link show gwlb0 | jq -e '.[0].flags | index("UP")' >/dev/null; then ok "the device is up"; else notok "the device is down"; fi
rmmod gwlbtun
insmod "$GWLBTUN_KO" ifname=gwlb7 external_vni=801 external_port=2001 internal_vni=800 internal_port=2000 peers=any
got=$("$gwlbctl" -j show gwlb7 | jq -c '.[0] | [.external, .internal, .peers_any]')
if [ "$got" = '[{"vni":801,"port":2001},{"vni":800,"port":2000},true]' ]; then
	ok "every parameter is honoured (the Palo Alto ports, peers=any)"
else
	notok "parameters: $got"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
