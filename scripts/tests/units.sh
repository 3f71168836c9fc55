#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vmtest: timeout=240 overlay=/lib/modules
#
# units.sh - what the systemd unit gwlbtun@.service runs
# (scripts/packaging/gwlbtun@.service), command by command as systemd would
# run them for the instance gwlbt0 (there is no systemd in the VM), and the
# showconf / setconf round trip on a real device:
#   1. ExecStartPre loads the module (the one under test, installed into
#      /lib/modules/$(uname -r)/extra, a tmpfs overlay here, as DKMS would),
#      ExecStart: the device exists, up, configured exactly as
#      /etc/gwlbtun/gwlbt0.conf says (every setting, defaults for the rest)
#   2. showconf | setconf reproduces the same show output, after every
#      setting was changed in between
#   3. ExecReload applies an edited file; ExecStop deletes the device;
#      ExecStopPost then fails harmlessly (its "-" prefix)
#   4. a file setconf refuses: ExecStart fails, and ExecStopPost removes
#      the half-made device
#   5. the conf file is applied atomically: a refused one changes nothing
#
# In the VM: scripts/vmtest units
set -euo pipefail

TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$TEST_DIR/../.." && pwd)
# shellcheck source=scripts/vm/lib.sh
. "${GWLBTUN_VM_LIB:-$REPO/scripts/vm/lib.sh}"
require_vm
need_cmds ip diff depmod modprobe
[ -f "${GWLBTUN_KO:-}" ] || die "GWLBTUN_KO is not set (module not built?)"
mod=$(gwlbtun_modname)

UNIT=$REPO/scripts/packaging/gwlbtun@.service
GWLBCTL=${GWLBCTL:-$REPO/scripts/gwlbctl/gwlbctl}
DEV=gwlbt0
CHECKS=0
FAILS=0
ok() { CHECKS=$((CHECKS + 1)); echo "ok - $*"; }
not_ok() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "not ok - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

# unit_cmds KEY: the command lines of KEY= in the unit, %i expanded, the
# installed gwlbctl replaced by the one under test.
unit_cmds() {
	sed -n "s/^$1=//p" "$UNIT" | sed -e "s/%i/$DEV/g" -e "s#/usr/sbin/gwlbctl#$GWLBCTL#g"
}

# run_key KEY: run KEY's commands in order as systemd does: stop at the first
# failure, unless the command starts with "-". Returns that failure.
run_key() {
	local line ignore
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		ignore=
		if [ "${line#-}" != "$line" ]; then
			ignore=1
			line=${line#-}
		fi
		echo "# $1: $line"
		# The unit's lines are plain words: no quoting, no variables.
		# shellcheck disable=SC2086
		if ! $line; then
			[ -n "$ignore" ] || return 1
		fi
	done < <(unit_cmds "$1")
}

mkdir -p /etc/gwlbtun
conf=/etc/gwlbtun/$DEV.conf
check "the unit reads /etc/gwlbtun/%i.conf" grep -q '^ConditionPathExists=/etc/gwlbtun/%i.conf$' "$UNIT"
check "the unit runs after network-online.target" grep -q '^After=network-online.target$' "$UNIT"

# ---------------------------------------------------------------------------
echo "# 1. start"
cat >"$conf" <<'EOF'
# every setting but drain off its default
external = 801:2001
internal = 800:2000
peers = 10.0.0.5, fd00::5
peers-any = on
ttl = 64
udpcsum = off
hooks = off
mark-external = 0x10
mark-internal = 0x20
mark-mask = 0xf0
non-ip = reflect
udp6-zero-csum-rx = on
EOF
# The module under test where modprobe finds it, as DKMS installs it.
mkdir -p "/lib/modules/$(uname -r)/extra"
cp "$GWLBTUN_KO" "/lib/modules/$(uname -r)/extra/"
depmod -a
check "gwlbtun is not loaded yet" test ! -d "/sys/module/$mod"
check "ExecStartPre (modprobe gwlbtun)" run_key ExecStartPre
check "it loaded the module" test -d "/sys/module/$mod"
check "ExecStart (ip link add, gwlbctl setconf, ip link set up)" run_key ExecStart
check "$DEV exists and is up" eval 'ip -o link show dev $DEV | grep -q "[<,]UP[,>]"'
"$GWLBCTL" show "$DEV" >/tmp/show-1.txt
sed 's/^/# /' /tmp/show-1.txt
cat >/tmp/show-want.txt <<EOF
$DEV:
  external: vni 801 port 2001
  internal: vni 800 port 2000
  peers: any (also listed: 10.0.0.5 (no route), fd00::5 (no route))
  ttl: 64   udpcsum: off   hooks: off
  non-ip: reflect   udp6-zero-csum-rx: on
  drain: off
  marks: external 0x10 internal 0x20 mask 0xf0
EOF
check "configured as the file says" diff -u /tmp/show-want.txt /tmp/show-1.txt

# ---------------------------------------------------------------------------
echo "# 2. showconf | setconf round trip"
"$GWLBCTL" showconf "$DEV" >/tmp/saved.conf
"$GWLBCTL" set "$DEV" external 1:1 internal 2:2 peers 10.9.9.9 ttl inherit \
	udpcsum on hooks on mark-external 0 mark-internal 0 mark-mask 0 \
	non-ip drop udp6-zero-csum-rx off drain on 2>/dev/null
check "everything changed in between" eval '! "$GWLBCTL" show "$DEV" | diff -q - /tmp/show-1.txt >/dev/null'
"$GWLBCTL" setconf "$DEV" /tmp/saved.conf 2>/dev/null
"$GWLBCTL" show "$DEV" >/tmp/show-2.txt
check "showconf, then setconf: the same show output" diff -u /tmp/show-1.txt /tmp/show-2.txt
"$GWLBCTL" showconf "$DEV" | "$GWLBCTL" setconf "$DEV" - 2>/dev/null
check "showconf | setconf DEV -: the same show output" \
	eval '"$GWLBCTL" show "$DEV" | diff -u /tmp/show-1.txt -'
check "showconf of the restored device is the saved file" \
	eval '"$GWLBCTL" showconf "$DEV" | diff -u /tmp/saved.conf -'

# ---------------------------------------------------------------------------
echo "# 3. reload, stop"
sed -i -e 's/^ttl = 64$/ttl = 9/' -e 's/^peers-any = on$/peers-any = off/' "$conf"
echo "drain = on" >>"$conf"
check "ExecReload" run_key ExecReload
check "reload applied the edited file (ttl 9, drain on, listed peers only)" \
	eval '"$GWLBCTL" -j show "$DEV" | grep -q "\"peers_any\":false,\"ttl\":9" &&
		"$GWLBCTL" -j show "$DEV" | grep -q "\"drain\":true"'
check "ExecStop (ip link del)" run_key ExecStop
check "$DEV is gone" eval '! ip link show dev $DEV >/dev/null 2>&1'
check "ExecStopPost after a stop: its failure is ignored" run_key ExecStopPost

# ---------------------------------------------------------------------------
echo "# 4. a refused file"
printf 'external = 1:2000\ninternal = 2:2000\n' >"$conf"
check "ExecStart fails on a file gwlbctl refuses (same ports)" eval '! run_key ExecStart'
check "it failed after creating $DEV" ip link show dev "$DEV"
check "ExecStopPost cleans up" run_key ExecStopPost
check "$DEV is gone after the failed start" eval '! ip link show dev $DEV >/dev/null 2>&1'

# ---------------------------------------------------------------------------
echo "# 5. atomic"
ip link add "$DEV" type gwlbtun
"$GWLBCTL" setconf "$DEV" /tmp/saved.conf 2>/dev/null
printf 'external = 5:5000\ninternal = 6:6000\npeers = 224.0.0.1\n' >/tmp/bad.conf
check "setconf with a multicast peer is refused" eval '! "$GWLBCTL" setconf "$DEV" /tmp/bad.conf 2>/dev/null'
check "and nothing changed: showconf is still the saved file" \
	eval '"$GWLBCTL" showconf "$DEV" | diff -u /tmp/saved.conf -'
ip link del "$DEV"

splat_check
echo "# units: $CHECKS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
