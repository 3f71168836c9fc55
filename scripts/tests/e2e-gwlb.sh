#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmtest: timeout=480
#
# e2e-gwlb.sh - end-to-end scenario: an internet client talks to a backend
# server through a stand-in for Azure's Gateway Load Balancer (the kernel's
# own vxlan devices and bridges) and the NVA under test, which must hand every
# frame back on the other tunnel, unchanged.
#
#   client ns                gwlb ns: GWLB stand-in (kernel vxlan + bridges)          nva ns
#  +---------------+       +---------------------------------------------+         +-----------------------------+
#  | c0            | veth  | gw-c --- br-ext --- vx-ext                  |         | NVA=seed (reference):       |
#  | 203.0.113.10  |-------|                     VNI 901, UDP 10801      |         |   nva-ext ---+              |
#  | curl, ping    |       |                     (External tunnel) \     |  veth   |   VNI 901    |              |
#  +---------------+       |                                      ul-gw =|=========|= ul-nva     nva-br          |
#  +---------------+       |                     (Internal tunnel) /     |MTU 1600 |   VNI 900    |              |
#  | s0            |-------| gw-s --- br-int --- vx-int                  |         |   nva-int ---+              |
#  | 198.51.100.20 | veth  |                     VNI 900, UDP 10800      |         | NVA=gwlbtun:                |
#  | :8080 ip-echo |       |          ul-gw: 10.99.0.1 / fd99::1         |         |   gwlb0 (type gwlbtun)      |
#  +---------------+       +---------------------------------------------+         | ul-nva: 10.99.0.2 / fd99::2 |
#   server ns                                                                      +-------------+---------------+
#                                                                                                | ul-nva-r
#   rogue ns (check 4, NVA=gwlbtun only): a GWLB-like sender the NVA does        veth          | 10.99.3.2
#   not allow: vx-rogue (VNI 901, UDP 10801), vx-rogue-int (VNI 900, UDP    -------------------+ fd99:3::2
#   10800) over ul-rogue 10.99.3.1 / fd99:3::1, sending to the NVA's 10.99.0.2 / fd99::2.
#
#   client -> br-ext -> vx-ext =[VNI 901/UDP 10801]=> NVA =[VNI 900/UDP 10800]=> vx-int -> br-int -> server
#   and back the same way reversed. Client and server keep public-looking
#   addresses and reach each other over on-link /32 routes; ARP crosses the NVA
#   like any frame. Details in scripts/e2e/topology.sh.
#
# Usage: [NVA=seed|gwlbtun] [OUTER=4|6] scripts/tests/e2e-gwlb.sh
#   NVA=seed     the seed's reference NVA (two vxlan devices in a bridge)
#   NVA=gwlbtun  a gwlbtun device configured with gwlbctl (scripts/gwlbctl/gwlbctl
#                or $GWLBCTL); the module must be loaded, or be offered by the
#                VM harness as $GWLBTUN_KO, which this test then loads
#   NVA unset    gwlbtun if the module is loaded or $GWLBTUN_KO is set, else seed
#   OUTER=4|6    underlay / outer header family (default 4)
#   NVA=both, OUTER=both  run every combination, one after the other
#   TOPO_KEEP_TMP=1 keeps the working directory (captures, logs)
# In the VM: scripts/vmtest e2e-gwlb, or scripts/vm/run [--ko M] [--env NVA=..]
# [--env OUTER=6] -- bash scripts/tests/e2e-gwlb.sh
#
# Checks (in scripts/e2e/checks.sh; each printed as "ok - ..." or "not ok - ...";
# exit 1 if any fails):
#   1. curl client -> http://server:8080/api/ip answers the client's own address
#   2. a capture in the NVA holds the whole TCP exchange, SYN to both FINs
#   3. the NVA's counters account for every captured packet
#   4. (gwlbtun) a sender that is not an allowed GWLB gets nothing back and is
#      counted as peer-not-allowed
#   5. ping client -> server works, ARP crossed the NVA with the MACs intact,
#      and a full 1500-byte inner packet crosses

set -euo pipefail

TEST_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$TEST_DIR/../.." && pwd)

# Inside the VM the harness's lib.sh provides need_modules. On a host whose
# kernel has everything built in (and no /lib/modules for it) skip it.
if [ -f "$REPO/scripts/vm/lib.sh" ]; then
	# shellcheck source=/dev/null
	. "$REPO/scripts/vm/lib.sh"
	set -euo pipefail
fi
if declare -F need_modules >/dev/null && [ -d "/lib/modules/$(uname -r)" ]; then
	need_modules veth vxlan bridge
fi

# Without NVA=, test gwlbtun when there is a module to test (loaded, or
# offered by the VM harness as $GWLBTUN_KO), else the seed's reference NVA.
# Under scripts/vmtest (make check) every combination runs: gwlbtun and the
# seed's NVA, which proves the stand-in faithful, over both outer families.
if [ -z "${NVA:-}" ] && [ "${GWLBTUN_VM:-}" = 1 ] && [ -n "${GWLBTUN_KO:-}" ]; then
	NVA=both
	OUTER=${OUTER:-both}
fi
if [ -z "${NVA:-}" ]; then
	if [ -d /sys/module/gwlbtun ] || [ -n "${GWLBTUN_KO:-}" ]; then
		NVA=gwlbtun
	else
		NVA=seed
	fi
fi
# NVA=both and/or OUTER=both: run each combination in turn.
if [ "$NVA" = both ] || [ "${OUTER:-4}" = both ]; then
	nvas=("$NVA")
	outers=("${OUTER:-4}")
	if [ "$NVA" = both ]; then nvas=(seed gwlbtun); fi
	if [ "${OUTER:-4}" = both ]; then outers=(4 6); fi
	rc=0
	for n in "${nvas[@]}"; do
		for o in "${outers[@]}"; do
			NVA=$n OUTER=$o bash "${BASH_SOURCE[0]}" || rc=1
		done
	done
	exit "$rc"
fi

# In the VM the module under test is ours to load.
if [ "$NVA" = gwlbtun ] && [ ! -d /sys/module/gwlbtun ] &&
	[ -n "${GWLBTUN_KO:-}" ] && declare -F gwlbtun_load >/dev/null; then
	gwlbtun_load
fi

# shellcheck source-path=SCRIPTDIR/../e2e source=topology.sh
. "$REPO/scripts/e2e/topology.sh"
# shellcheck source-path=SCRIPTDIR/../e2e source=checks.sh
. "$REPO/scripts/e2e/checks.sh"

START_MS=$(topo_now_ms)

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "${TOPO_KEEP_TMP:-}" ] && [ -n "${TOPO_TMP:-}" ]; then
		echo "# working directory kept: $TOPO_TMP"
	fi
	topo_down
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for c in curl ping tcpdump jq ip; do
	command -v "$c" >/dev/null || topo_die "missing command: $c"
done

echo "# e2e-gwlb: NVA=$NVA OUTER=$OUTER (External VNI $EXT_VNI/UDP $EXT_PORT, Internal VNI $INT_VNI/UDP $INT_PORT)"
e2e_scenario

ELAPSED_MS=$(($(topo_now_ms) - START_MS))
printf '# NVA=%s OUTER=%s: %d checks, %d failed, %d.%03d s\n' "$NVA" "$OUTER" \
	"$CHECKS" "$FAILS" $((ELAPSED_MS / 1000)) $((ELAPSED_MS % 1000))
if [ "$FAILS" != 0 ]; then
	exit 1
fi
