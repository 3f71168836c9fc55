#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmtest: timeout=600 smp=2 mem=512
#
# teardown.sh - tearing gwlbtun down under load: while a flood of VXLAN
# packets is reflected and while packets are held in an NFQUEUE whose
# consumer is stopped.
#
#   client ns -- GWLB stand-in (gwlb ns) ==External/Internal== nva ns: gwlb0
#   server ns --/   + flood: a vxsend.py loop on the            nft "tcp -> queue 0"
#                   External tunnel (VNI 901, UDP 10801)        gwlbtun-nfq, SIGSTOPped,
#                                                               holding client SYNs
# (scripts/e2e/topology.sh; round 2 puts the NVA in the initial netns, with
# the device made by the module parameters, as e2e-modparams.sh does.)
#
# Under that load, each of these, each bounded (timeout) and followed by a
# splat check (the runner also fails on "unregister_netdevice: waiting for"):
#   1. configuration changes in a tight loop (gwlbctl set peers / ttl /
#      hooks / marks alternating): all succeed, the flood is still
#      reflected meanwhile, and afterwards ping crosses
#   2. ip link del gwlb0: the held packets go with the device
#   3. rmmod gwlbtun with the device still there: the module's documented
#      behaviour (lifecycle.sh) is that it unloads, taking every device and
#      socket with it; it must do so cleanly, within the bound, also with
#      packets held in the queue; then it reloads and works
#   4. ip link del, then rmmod, with the flood still arriving at the ports
#   5. deleting the NVA's network namespace (its last process killed, so it
#      really goes): the device and its sockets go with it, rmmod afterwards
#   6. round 2: a device made by the module parameters in the initial netns,
#      rmmod under load
# Finally the module loads again and a new device can be made and configured.
set -euo pipefail

# shellcheck source=scripts/e2e/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/checks.sh"
e2e_test_init
need_modules veth vxlan bridge nf_conntrack nf_tables nft_queue nfnetlink_queue
need_cmds nft jq nc python3 timeout
gwlbtun_load
export NVA=gwlbtun OUTER=4
# shellcheck source=scripts/e2e/topology.sh
. "$REPO/scripts/e2e/topology.sh"

NFQ_SRC=$REPO/scripts/nfq
NFQ=$NFQ_SRC/gwlbtun-nfq
if [ ! -x "$NFQ" ] || [ "$NFQ" -ot "$NFQ_SRC/gwlbtun-nfq.c" ]; then
	mkdir -p /tmp/nfq
	make -s -C /tmp/nfq -f "$NFQ_SRC/Makefile" || die "cannot build gwlbtun-nfq"
	NFQ=/tmp/nfq/gwlbtun-nfq
fi
VXSEND=(/usr/bin/python3 "$REPO/scripts/tests/lib/vxsend.py")
MOD=$(gwlbtun_modname)

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	load_stop
	topo_down
	ip netns del nva-init 2>/dev/null || true
	exit "$rc"
}

nva() { ip netns exec "$NS_NVA" "$@"; }

# bounded SECS CMD...: run CMD under timeout SECS; "ELAPSED_MS EXIT".
bounded() {
	local secs=$1 t rc=0
	shift
	t=$(topo_now_ms)
	timeout "$secs" "$@" >&2 || rc=$?
	echo "$(($(topo_now_ms) - t)) $rc"
}

# The NVA namespace's counters are read through a holder process there
# (topo_procnet_hold): an "ip netns exec" per poll costs about a second on
# the debug kernel. An unreadable queue file gives x, which no check takes
# for a count.
queue_total() {
	local total
	read -r _ _ total _ <<<"$(topo_nfqueue_line "$NS_NVA" 0)"
	echo "${total:-0}"
}
queue_holds() { [ "$(queue_total)" -ge "$1" ]; }

tx_total() {
	local v
	topo_netdev_counter v "$NS_NVA" "$GWLB_DEV" 9 || v=
	echo "${v:-0}"
}
tx_grows() {
	local a
	a=$(tx_total)
	sleep 0.5
	[ "$(tx_total)" -gt "$a" ]
}

LOAD_PIDS=()
NFQ_PID=
# load_start: the queue rule, the consumer (stopped once it has bound the
# queue), four client SYNs held in the queue, and the flood (one sender: a
# second one only slows the emulated machine down).
load_start() {
	local i
	nva nft -f - <<'EOF'
table inet hold {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "gwlb0" meta l4proto tcp queue num 0
	}
}
EOF
	topo_spawn "$NS_NVA" "$TOPO_TMP/nfq.log" "$NFQ" -q 0
	NFQ_PID=$TOPO_PID
	topo_wait 10 topo_file_has "queue 0 ready" "$TOPO_TMP/nfq.log" ||
		topo_die "gwlbtun-nfq did not start: $(cat "$TOPO_TMP/nfq.log")"
	kill -s STOP "$NFQ_PID"
	for i in 1 2 3 4; do
		topo_spawn "$NS_CLIENT" "$TOPO_TMP/held-$i.log" nc -z -w 30 "$SERVER_IP" "$SERVER_PORT"
		LOAD_PIDS+=("$TOPO_PID")
	done
	topo_wait $(($(vm_ms 10000) / 1000)) queue_holds 2 || true
	HELD=$(queue_total)
	topo_spawn "$NS_GWLB" "$TOPO_TMP/flood-ext.log" "${VXSEND[@]}" --dst "$(topo_nva_ul)" \
		--src "$(topo_gw_ul)" --port "$EXT_PORT" --vni "$EXT_VNI" --count 100000000
	LOAD_PIDS+=("$TOPO_PID")
	topo_wait 10 tx_grows || true
}

# load_stop: the flood, the held connections and the consumer end.
load_stop() {
	local p
	for p in "${LOAD_PIDS[@]}"; do topo_stop "$p" KILL; done
	LOAD_PIDS=()
	if [ -n "$NFQ_PID" ]; then
		kill -s CONT "$NFQ_PID" 2>/dev/null || true
		topo_stop "$NFQ_PID" KILL
		NFQ_PID=
	fi
	if [ -e "/run/netns/$NS_NVA" ]; then
		nva nft delete table inet hold 2>/dev/null || true
	fi
}

tx_above() { [ "$(tx_total)" -gt "$1" ]; }

# loaded WHAT: say what load an action runs under: packets held, and the
# flood reflected (within 5 s, scaled: a busy host may starve the sender for
# a while; a flood that does not come is not a slow one).
loaded() {
	local t0 t1 ms
	t0=$(tx_total)
	ms=$(topo_now_ms)
	topo_wait $(($(vm_ms 5000) / 1000)) tx_above "$t0" || true
	ms=$(($(topo_now_ms) - ms))
	t1=$(tx_total)
	check "$1: under load: $HELD packets held in queue 0, the flood reflected (+$((t1 - t0)) in $ms ms)" \
		eval '[ "$HELD" -ge 1 ] && [ "$t1" -gt "$t0" ]'
}

# The bounds below tell a stuck teardown from a slow one: a deletion that
# waited for the held packets would never end while the consumer is stopped,
# so a bound well above the slowest seen (6.2 s for a debug ip link del on a
# busy host) still catches it. Scaled by the kernel's slowdown (vm_ms).
DEL_MS=$(vm_ms 10000)
RMMOD_MS=$(vm_ms 15000)
KILL_S=$((RMMOD_MS / 1000 + 10))

# module_gone: no module, no gwlbtun UDP socket in NS.
module_gone() {
	[ ! -d "/sys/module/$MOD" ] &&
		[ -z "$(ip netns exec "$1" ss -Hnlu 'sport = :10800 or sport = :10801')" ]
}

# nva_back: the device again (after a reload or a delete), and ping.
nva_back() {
	topo_nva_up gwlbtun
	check_ping "$1: gwlb0 made again reflects (ping client -> server)" 3
}

e2e_traps cleanup
START_MS=$(topo_now_ms)
topo_up --with-server
topo_server_start
topo_procnet_hold "$NS_NVA"
NVA_HOLDER=$TOPO_PID
check_ping "baseline: ping client -> server" 3

# ---- 1. configuration churn ---------------------------------------------------
echo "# --- 1. configuration changes in a tight loop"
load_start
loaded churn
CHURN_N=24
churn_loop() { # GWLBCTL DEV GW N: N set commands, each bounded; prints "OK FAIL MS"
	local ctl=$1 dev=$2 gw=$3 n=$4 i ok=0 fail=0 t=${EPOCHREALTIME/./}
	local sets=("peers $gw,10.99.0.77" "ttl 64" "hooks off" "mark-mask 0xff mark-external 0x1 mark-internal 0x2"
		"peers $gw" "ttl inherit" "hooks on" "mark-mask 0 mark-external 0 mark-internal 0"
		"peers none" "peers $gw ttl 2 hooks off" "udpcsum off" "udpcsum on ttl inherit hooks on")
	for ((i = 0; i < n; i++)); do
		# shellcheck disable=SC2086 # word splitting intended
		if timeout 5 "$ctl" set "$dev" ${sets[i % ${#sets[@]}]} 2>/dev/null; then
			ok=$((ok + 1))
		else
			fail=$((fail + 1))
		fi
	done
	echo "$ok $fail $(((${EPOCHREALTIME/./} - t) / 1000))"
}
t0=$(tx_total)
read -r cok cfail cms <<<"$(nva bash -c "$(declare -f churn_loop); churn_loop \"\$@\"" churn \
	"$GWLBCTL" "$GWLB_DEV" "$GW_UL4" "$CHURN_N")"
t1=$(tx_total)
check "churn: $CHURN_N changes under load in $cms ms, each within 5 s, all succeeded ($cok ok, $cfail failed)" \
	eval '[ "$cfail" = 0 ] && [ "$cok" = "$CHURN_N" ]'
check "churn: the flood was reflected meanwhile (+$((t1 - t0)))" [ "$t1" -gt "$t0" ]
topo_gwlbctl set "$GWLB_DEV" peers "$GW_UL4" ttl inherit hooks on udpcsum on mark-mask 0 \
	mark-external 0 mark-internal 0
load_stop
check_ping "churn: afterwards ping client -> server" 3
splat_check

# ---- 2. ip link del under load -------------------------------------------------
echo "# --- 2. ip link del gwlb0 under load"
load_start
loaded "link del"
read -r ms rc <<<"$(bounded "$KILL_S" ip -n "$NS_NVA" link del "$GWLB_DEV")"
check "link del: exit $rc in $ms ms (bound $DEL_MS)" eval '[ "$rc" = 0 ] && [ "$ms" -lt "$DEL_MS" ]'
check "link del: the $HELD held packets went with the device ($(queue_total) left)" eq "$(queue_total)" 0
load_stop
splat_check
nva_back "link del"

# ---- 3. rmmod with the device there, under load -----------------------------------
echo "# --- 3. rmmod $MOD with gwlb0 still there, under load"
load_start
loaded "rmmod with a device"
read -r ms rc <<<"$(bounded "$KILL_S" rmmod "$MOD")"
check "rmmod with a device: exit $rc in $ms ms (bound $RMMOD_MS)" eval '[ "$rc" = 0 ] && [ "$ms" -lt "$RMMOD_MS" ]'
check "rmmod with a device: module, device and sockets gone" \
	eval 'module_gone "$NS_NVA" && ! ip -n "$NS_NVA" link show "$GWLB_DEV" >/dev/null 2>&1'
check "rmmod with a device: the $HELD held packets went with it ($(queue_total) left)" eq "$(queue_total)" 0
load_stop
splat_check
gwlbtun_load
nva_back "reload after rmmod"

# ---- 4. ip link del, then rmmod, the flood still arriving -----------------------------
echo "# --- 4. ip link del, then rmmod, under the flood"
load_start
loaded "del + rmmod"
read -r ms rc <<<"$(bounded "$KILL_S" ip -n "$NS_NVA" link del "$GWLB_DEV")"
check "del + rmmod: ip link del: exit $rc in $ms ms (bound $DEL_MS)" eval '[ "$rc" = 0 ] && [ "$ms" -lt "$DEL_MS" ]'
read -r ms rc <<<"$(bounded "$KILL_S" rmmod "$MOD")"
check "del + rmmod: rmmod with the flood at its ports: exit $rc in $ms ms (bound $RMMOD_MS)" \
	eval '[ "$rc" = 0 ] && [ "$ms" -lt "$RMMOD_MS" ] && module_gone "$NS_NVA"'
load_stop
splat_check
gwlbtun_load
nva_back "reload after del + rmmod"

# ---- 5. the NVA's namespace deleted under load ----------------------------------------
echo "# --- 5. ip netns del $NS_NVA under load"
load_start
loaded "netns del"
# The stopped consumer lives in the namespace: the namespace only goes when
# it does, so kill it together with the name.
ns_gone_ms=
# The /proc/net holder would keep the namespace alive: it goes first.
topo_stop "$NVA_HOLDER" KILL
t0=$(topo_now_ms)
read -r ms rc <<<"$(bounded "$KILL_S" ip netns del "$NS_NVA")"
kill -s KILL "$NFQ_PID" 2>/dev/null || true
wait "$NFQ_PID" 2>/dev/null || true
topo_forget_pid "$NFQ_PID"
NFQ_PID=
check "netns del: exit $rc in $ms ms" eq "$rc" 0
# The namespace's cleanup runs in a workqueue; rmmod waits for nothing of
# it once it is done (gwlbtun's pernet exit deleted the device).
gone_in_netns() { ! grep -q "^$MOD " /proc/modules || rmmod "$MOD" 2>/dev/null; }
if topo_wait 15 gone_in_netns; then ns_gone_ms=$(($(topo_now_ms) - t0)); fi
check "netns del: the namespace's cleanup let rmmod through within 15 s (${ns_gone_ms:-not} ms)" \
	eval '[ -n "$ns_gone_ms" ] && [ ! -d "/sys/module/$MOD" ]'
for p in "${LOAD_PIDS[@]}"; do topo_stop "$p" KILL; done
LOAD_PIDS=()
# (A device stuck in unregistration would say "unregister_netdevice:
# waiting for" every 10 s from now on: the splat checks below and the
# runner's at the end, well over 10 s later, would see it.)
splat_check
TOPO_NS_MADE=("$NS_CLIENT" "$NS_SERVER" "$NS_GWLB")
topo_down

# ---- 6. round 2: a device of the module parameters, rmmod under load -------------------
echo "# --- 6. modprobe-made device in the initial netns, rmmod under load"
ip netns attach nva-init 1
gwlbtun_load ifname="$GWLB_DEV" peers="$GW_UL4"
TOPO_NVA_NS=nva-init TOPO_GWLB_EXISTING=1
export TOPO_NVA_NS TOPO_GWLB_EXISTING
NS_NVA=nva-init
topo_up --with-server
topo_server_start
topo_procnet_hold "$NS_NVA"
check_ping "modparams: ping client -> server through the module parameters' gwlb0" 3
load_start
loaded "modparams rmmod"
read -r ms rc <<<"$(bounded "$KILL_S" rmmod "$MOD")"
check "modparams: rmmod under load: exit $rc in $ms ms (bound $RMMOD_MS)" \
	eval '[ "$rc" = 0 ] && [ "$ms" -lt "$RMMOD_MS" ] && module_gone nva-init'
check "modparams: the device went with the module" eval '! ip link show "$GWLB_DEV" >/dev/null 2>&1'
check "modparams: the $HELD held packets went with it ($(queue_total) left)" eq "$(queue_total)" 0
load_stop
splat_check
topo_down
ip netns del nva-init
unset TOPO_NVA_NS TOPO_GWLB_EXISTING

# ---- the module works afterwards ---------------------------------------------------------
gwlbtun_load
ip link add gwlbT type gwlbtun
"$GWLBCTL" set gwlbT external "$EXT_VNI:$EXT_PORT" internal "$INT_VNI:$INT_PORT" peers 10.99.0.1 2>/dev/null
check "reloaded: a new device is made and configured ($("$GWLBCTL" -j show gwlbT | jq -c '.[0].external'))" \
	[ "$("$GWLBCTL" -j show gwlbT | jq -r '.[0].external.port')" = "$EXT_PORT" ]
ip link del gwlbT
sleep 1
splat_check

ELAPSED_MS=$(($(topo_now_ms) - START_MS))
printf '# teardown: %d checks, %d failed, %d.%03d s\n' "$CHECKS" "$FAILS" \
	$((ELAPSED_MS / 1000)) $((ELAPSED_MS % 1000))
[ "$FAILS" = 0 ]
