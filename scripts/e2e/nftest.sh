# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# nftest.sh - the setup shared by scripts/tests/netfilter.sh and
# scripts/tests/nfqueue.sh: NVA=gwlbtun in topology.sh's topology, traps that
# tear it down (e2e_traps), and helpers for rules in the NVA's namespace.
# Source it after checks.sh (and e2e_test_init):
#
#     . scripts/e2e/checks.sh
#     e2e_test_init
#     . scripts/e2e/nftest.sh

NVA=gwlbtun
# shellcheck source=scripts/e2e/topology.sh
. "$REPO/scripts/e2e/topology.sh"

START_MS=$(topo_now_ms)

gt() {
	is_uint "$1" && is_uint "$2" && (($1 > $2))
}

section() {
	echo "# --- $* ($(($(topo_now_ms) - START_MS)) ms)"
}

e2e_traps

# ---------------------------------------------------------------------------
# Helpers

nva() {
	ip netns exec "$NS_NVA" "$@"
}

# nft_load: a ruleset from stdin into the NVA, replacing what was there.
nft_load() {
	local rules
	rules=$(cat)
	nva nft flush ruleset
	nva nft -f - <<<"$rules"
}

# nf_drops: gwlb0's netfilter drop counter.
nf_drops() {
	topo_gwlbtun_stats | jq -r '.drops.netfilter // "x"'
}

# tcp_try NS ADDR PORT [SECS]: "open", "refused" or "timeout" (after SECS,
# default 2: the SYN and one retransmission).
tcp_try() {
	local out
	if out=$(ip netns exec "$1" nc -v -z -w "${4:-2}" "$2" "$3" 2>&1); then
		echo open
	elif [[ "$out" == *refused* ]]; then
		echo refused
	else
		echo timeout
	fi
}

# listening NS PORT: something listens on TCP PORT in NS.
listening() {
	local out
	out=$(ip netns exec "$1" ss -Hltn "sport = :$2")
	[ -n "$out" ]
}
