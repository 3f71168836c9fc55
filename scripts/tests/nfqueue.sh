#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vmtest: timeout=300
#
# nfqueue.sh - NFQUEUE on the inner packets of a gwlbtun device, with
# scripts/nfq/gwlbtun-nfq (libnetfilter_queue) standing in for an IPS, end to
# end through the GWLB stand-in of scripts/e2e/topology.sh:
#
#   client ns (203.0.113.10) -- GWLB stand-in =External=> NVA ns: gwlb0,
#   server ns (198.51.100.20) -- GWLB stand-in <=Internal=  nft "queue num 0"
#                                                            -> gwlbtun-nfq
#
# The consumer drops TCP to port 22 and accepts everything else; SIGUSR1
# switches its dropping off and on, SIGUSR2 prints its counters. The server
# listens on 8080 (HTTP) and 22.
#
# The rulesets are printed in README.md ("## Netfilter rules") with the same
# text; keep them in step.
#
# Checks (each "ok - ..." or "not ok - ..."; exit 1 if any failed):
#   1. "queue num 0" with the consumer: curl to 8080 works, TCP to 22 is
#      dropped; every queued packet got a verdict; with dropping switched
#      off 22 opens
#   2. a verdict given late: with the consumer stopped (SIGSTOP) packets wait
#      in the queue, and the connection completes once it goes on (SIGCONT)
#   3. fail-closed: the consumer killed (kill -9) with packets in its queue:
#      the queue disappears and traffic stops
# Packets dropped at or behind a queue (by the consumer, waiting when it
# died, or finding no consumer) are not gwlb0 netfilter drops, as the uapi
# header documents for GWLBTUN_DROP_NETFILTER; checks 1 and 3 hold it to that.
#   4. fail-open: "queue num 0 bypass" without a consumer lets traffic
#      through uncounted; with a consumer it still filters; after kill -9
#      traffic goes on
#   5. nothing left: no queue in /proc/net/netfilter/nfnetlink_queue
#   6. teardown with packets held (the consumer stopped, queue_total > 0):
#      deleting gwlb0, then the namespaces, then rmmod each finish within a
#      bound, the held packets go with the device, and no splat
#
# In the VM: scripts/vmtest nfqueue
set -euo pipefail

# shellcheck source=scripts/e2e/checks.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/checks.sh"
e2e_test_init
need_cmds nft nc socat curl jq
need_modules veth vxlan bridge nf_conntrack nf_tables nft_queue nfnetlink_queue
# shellcheck disable=SC2119 # no module parameters
gwlbtun_load

# The consumer: the one built in scripts/nfq if it is up to date, else a
# fresh build in /tmp (the shared root is read-only in the VM).
NFQ_SRC=$REPO/scripts/nfq
NFQ=$NFQ_SRC/gwlbtun-nfq
if [ ! -x "$NFQ" ] || [ "$NFQ" -ot "$NFQ_SRC/gwlbtun-nfq.c" ]; then
	need_cmds cc make
	mkdir -p /tmp/nfq
	make -s -C /tmp/nfq -f "$NFQ_SRC/Makefile" || die "cannot build gwlbtun-nfq"
	NFQ=/tmp/nfq/gwlbtun-nfq
fi

# shellcheck source=scripts/e2e/nftest.sh
. "$REPO/scripts/e2e/nftest.sh"

# ---------------------------------------------------------------------------
# Helpers

# queued: packets the queue rule handed to the queue (its counter).
queued() {
	nva nft -j list chain inet ips forward | jq -r '[.nftables[] | .rule? // empty
		| .expr[] | .counter? // empty | .packets] | add // "x"'
}

# queue_line: queue 0's line in the NVA's namespace (topo_nfqueue_line: an
# "ip netns exec" per poll would cost about a second on the debug kernel).
queue_line() {
	topo_nfqueue_line "$NS_NVA" 0
}

# queue_total: packets waiting in queue 0 for a verdict (0 without a queue).
queue_total() {
	local total
	read -r _ _ total _ <<<"$(queue_line)"
	echo "${total:-0}"
}

queue_holds() {
	gt "$(queue_total)" $(($1 - 1))
}

queue_gone() {
	[ -z "$(queue_line)" ]
}

# check_tcp EXPECTED DESCRIPTION PORT: client -> server:PORT.
check_tcp() {
	local want=$1 desc=$2 got secs=2
	if [ "$want" = open ]; then
		secs=5
	fi
	got=$(tcp_try "$NS_CLIENT" "$SERVER_IP" "$3" "$secs")
	if [ "$got" = "$want" ]; then
		ok "$desc: $got"
	else
		not_ok "$desc: expected $want, got $got"
	fi
}

# check_curl WORKS|FAILS DESCRIPTION: curl client -> server:8080.
check_curl() {
	local body got=
	body=$(topo_curl /api/ip 2>/dev/null) || body=""
	got=$(jq -r '.ip // empty' <<<"$body" 2>/dev/null) || got=""
	if [ "$1" = WORKS ] && [ "$got" = "$CLIENT_IP" ]; then
		ok "$2: works"
	elif [ "$1" = FAILS ] && [ -z "$got" ]; then
		ok "$2: fails"
	else
		not_ok "$2: expected it to $1, server saw '${got:-nothing}'"
	fi
}

NFQ_PID=
NFQ_LOG=
NFQ_N=0

# nfq_start ARGS...: start the consumer in the NVA and wait until it has
# bound the queue.
nfq_start() {
	NFQ_N=$((NFQ_N + 1))
	NFQ_LOG=$TOPO_TMP/nfq-$NFQ_N.log
	topo_spawn "$NS_NVA" "$NFQ_LOG" "$NFQ" "$@"
	NFQ_PID=$TOPO_PID
	topo_wait 10 topo_file_has "queue 0 ready" "$NFQ_LOG" ||
		topo_die "gwlbtun-nfq did not start: $(cat "$NFQ_LOG")"
}

count_lines() {
	local n
	n=$(grep -c -- "$1" "$NFQ_LOG" 2>/dev/null) || true
	echo "${n:-0}"
}

lines_grew() {
	gt "$(count_lines "$1")" "$2"
}

# nfq_signal SIGNAL PATTERN: signal the consumer and wait for its answer, a
# new line matching PATTERN.
nfq_signal() {
	local n
	n=$(count_lines "$2")
	kill -s "$1" "$NFQ_PID"
	topo_wait 5 lines_grew "$2" "$n" || topo_die "gwlbtun-nfq did not answer $1"
}

# nfq_counts: "PACKETS ACCEPTED DROPPED" from the consumer, now.
nfq_counts() {
	local line
	nfq_signal USR2 "packets [0-9]* accepted"
	line=$(grep -- "packets [0-9]* accepted" "$NFQ_LOG")
	line=${line##*$'\n'}
	# gwlbtun-nfq: packets N accepted N dropped N
	read -r _ _ p _ a _ d <<<"$line"
	echo "$p $a $d"
}

# nfq_kill: kill -9 the consumer and reap it.
nfq_kill() {
	kill -s KILL "$NFQ_PID"
	wait "$NFQ_PID" 2>/dev/null || true
	topo_forget_pid "$NFQ_PID"
	NFQ_PID=
}

# ---------------------------------------------------------------------------
# The topology

echo "# nfqueue: NVA=gwlbtun OUTER=$OUTER, consumer $NFQ"
topo_up --with-server
topo_procnet_hold "$NS_NVA"
topo_spawn "$NS_SERVER" "$TOPO_TMP/listen-22.log" socat \
	TCP-LISTEN:22,reuseaddr,fork SYSTEM:true
topo_wait $(($(vm_ms 10000) / 1000)) listening "$NS_SERVER" 22 || topo_die "no listener on 22 in the server ns"
topo_server_start
check_curl WORKS "no rules: curl client -> server:8080"
check_tcp open "no rules: TCP client -> server:22" 22

# ---------------------------------------------------------------------------
section "1. queue num 0, the consumer gives the verdicts"
nft_load <<'EOF'
table inet ips {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "gwlb0" counter queue num 0
	}
}
EOF
nfq_start -q 0 -d 22
q0=$(queued)
d0=$(nf_drops)
check_curl WORKS "queue, consumer accepts: curl client -> server:8080"
check_tcp timeout "queue, consumer drops port 22: TCP client -> server:22" 22
read -r p a d <<<"$(nfq_counts)"
q1=$(queued)
d1=$(nf_drops)
check "queue: the consumer got every queued packet ($p of $((q1 - q0)))" eq "$p" $((q1 - q0))
check "queue: the consumer accepted packets ($a)" gt "$a" 0
check "queue: the consumer dropped the packets to 22 ($d)" gt "$d" 0
# Packets dropped at or behind a queue are freed by netfilter without a word
# to gwlbtun, so they are not among gwlb0's netfilter drops (uapi header,
# GWLBTUN_DROP_NETFILTER); the consumer and the queue rule count them.
check "queue: the consumer's $d drops are not gwlb0 netfilter drops (+$((d1 - d0)), as documented)" \
	eq "$d1" "$d0"
check "queue: nothing waits in the queue after the verdicts ($(queue_total))" eq "$(queue_total)" 0

nfq_signal USR1 "dropping off"
check_tcp open "queue, consumer switched to accept: TCP client -> server:22 resumes" 22
nfq_signal USR1 "dropping on"

# ---------------------------------------------------------------------------
section "2. a verdict given late"
kill -s STOP "$NFQ_PID"
CURL_OUT=$TOPO_TMP/curl-late.out
ip netns exec "$NS_CLIENT" curl -sS --noproxy '*' --connect-timeout 20 --max-time 30 \
	"http://$SERVER_IP:$SERVER_PORT/api/ip" >"$CURL_OUT" 2>&1 &
CURL_PID=$!
if topo_wait $(($(vm_ms 10000) / 1000)) queue_holds 1; then
	ok "consumer stopped: the SYN waits in the queue ($(queue_total) queued)"
else
	not_ok "consumer stopped: the SYN waits in the queue ($(queue_total) queued)"
fi
kill -s CONT "$NFQ_PID"
rc=0
wait "$CURL_PID" || rc=$?
got=$(jq -r '.ip // empty' "$CURL_OUT" 2>/dev/null) || got=""
if [ "$rc" = 0 ] && [ "$got" = "$CLIENT_IP" ]; then
	ok "consumer continued: the queued SYN was accepted late and curl completed"
else
	not_ok "consumer continued: the queued SYN was accepted late and curl completed (exit $rc)"
	diag "$(cat "$CURL_OUT")"
fi

# ---------------------------------------------------------------------------
section "3. fail-closed: the consumer dies with packets in its queue"
kill -s STOP "$NFQ_PID"
# The SYN and its retransmission wait in the queue; nc gives up after 2 s.
check_tcp timeout "consumer stopped: TCP client -> server:8080" "$SERVER_PORT"
held=$(queue_total)
check "consumer stopped: the SYNs wait in the queue ($held)" gt "$held" 0
q0=$(queued)
d0=$(nf_drops)
nfq_kill
if topo_wait 5 queue_gone; then
	ok "consumer killed: queue 0 is gone from /proc/net/netfilter/nfnetlink_queue"
else
	not_ok "consumer killed: queue 0 is gone from /proc/net/netfilter/nfnetlink_queue"
	diag "$(queue_line)"
fi
check_curl FAILS "fail-closed, no consumer: curl client -> server:8080"
q1=$(queued)
d1=$(nf_drops)
check "fail-closed: packets were queued in vain ($((q1 - q0)))" gt $((q1 - q0)) 0
check "fail-closed: the $held held and $((q1 - q0)) unqueued packets are not gwlb0 netfilter drops (+$((d1 - d0)), as documented)" \
	eq "$d1" "$d0"

# ---------------------------------------------------------------------------
section "4. fail-open: queue num 0 bypass"
nft_load <<'EOF'
table inet ips {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "gwlb0" counter queue num 0 bypass
	}
}
EOF
q0=$(queued)
d0=$(nf_drops)
check_curl WORKS "fail-open, no consumer: curl client -> server:8080"
check_tcp open "fail-open, no consumer: TCP client -> server:22" 22
q1=$(queued)
d1=$(nf_drops)
check "fail-open: the packets passed the queue rule ($((q1 - q0)))" gt $((q1 - q0)) 0
check "fail-open: no netfilter drops (+$((d1 - d0)))" eq "$d1" "$d0"

nfq_start -q 0 -d 22
check_curl WORKS "fail-open, consumer accepts: curl client -> server:8080"
check_tcp timeout "fail-open, consumer drops port 22: TCP client -> server:22" 22
read -r p _ d <<<"$(nfq_counts)"
check "fail-open: the consumer gave the verdicts ($p packets, $d dropped)" gt "$d" 0
nfq_kill
topo_wait 5 queue_gone || true
d0=$(nf_drops)
check_curl WORKS "fail-open, consumer killed: curl client -> server:8080"
check_tcp open "fail-open, consumer killed: TCP client -> server:22" 22
d1=$(nf_drops)
check "fail-open, consumer killed: no netfilter drops (+$((d1 - d0)))" eq "$d1" "$d0"

# ---------------------------------------------------------------------------
section "5. nothing left behind"
nva nft flush ruleset
check "no queue left in /proc/net/netfilter/nfnetlink_queue" queue_gone
check "nothing queued ($(queue_total))" eq "$(queue_total)" 0
STATS=$(topo_gwlbtun_stats)
other=$(jq -r '[.drops | to_entries[] | select(.key != "netfilter") | .value] | add' <<<"$STATS")
check "no drops but netfilter ones on gwlb0 (${other:-?})" eq "${other:-x}" 0
if [ "${other:-x}" != 0 ]; then
	diag "$STATS"
fi

# ---------------------------------------------------------------------------
section "6. teardown with packets held in the queue"
# Deleting the device, the namespace and the module must not wait for the
# references queued packets hold: with the consumer stopped, packets wait
# in queue 0 while gwlb0, the NVA's netns and gwlbtun go away, each within
# a bound (timeout), with no splat ("unregister_netdevice: waiting for").
nft_load <<'EOF'
table inet ips {
	chain forward {
		type filter hook forward priority filter; policy accept;
		iifname "gwlb0" counter queue num 0
	}
}
EOF
nfq_start -q 0
kill -s STOP "$NFQ_PID"
for i in 1 2 3 4; do
	topo_spawn "$NS_CLIENT" "$TOPO_TMP/held-$i.log" nc -z -w 30 "$SERVER_IP" "$SERVER_PORT"
done
topo_wait $(($(vm_ms 10000) / 1000)) queue_holds 4 || true
held=$(queue_total)
check "consumer stopped: $held packets wait in queue 0 (at least 4)" gt "$held" 3
# bounded CMD...: run CMD under timeout 20 (scaled: vm_ms); "ELAPSED_MS EXIT"
# on stdout.
bounded() {
	local t0 rc=0
	t0=$(topo_now_ms)
	timeout $(($(vm_ms 20000) / 1000)) "$@" >&2 || rc=$?
	echo "$(($(topo_now_ms) - t0)) $rc"
}
read -r ms rc <<<"$(bounded ip -n "$NS_NVA" link del "$GWLB_DEV")"
check "ip link del $GWLB_DEV with $held packets queued: exit $rc in $ms ms (bound $(vm_ms 10000))" \
	eval '[ "$rc" = 0 ] && [ "$ms" -lt $(vm_ms 10000) ]'
check "the held packets went with the device: $(queue_total) left in queue 0" eq "$(queue_total)" 0
t0=$(topo_now_ms)
topo_down
ms=$(($(topo_now_ms) - t0))
check "the namespaces are gone: topo_down in $ms ms (bound $(vm_ms 15000))" \
	eval '[ ! -e "/run/netns/$NS_NVA" ] && [ "$ms" -lt $(vm_ms 15000) ]'
mod=$(gwlbtun_modname)
read -r ms rc <<<"$(bounded rmmod "$mod")"
check "rmmod $mod after the netns went: exit $rc in $ms ms (bound $(vm_ms 10000))" \
	eval '[ "$rc" = 0 ] && [ "$ms" -lt $(vm_ms 10000) ] && [ ! -d "/sys/module/$mod" ]'
splat_check

ELAPSED_MS=$(($(topo_now_ms) - START_MS))
printf '# nfqueue: %d checks, %d failed, %d.%03d s\n' "$CHECKS" "$FAILS" \
	$((ELAPSED_MS / 1000)) $((ELAPSED_MS % 1000))
if [ "$FAILS" != 0 ]; then
	exit 1
fi
