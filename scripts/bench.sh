#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh - the gwlbtun benchmark ("make bench"): one boot of Debian's kernel
# under qemu (scripts/vm/run) runs scripts/bench/run-in-vm.sh, which measures
# gwlbtun against the seed's bridge NVA, the same with br_netfilter and a
# ruleset, plain IPv4 forwarding (the floor), no NVA work at all (null: what
# the generator costs alone) and no NVA at all (the ceiling),
# variants interleaved round robin after a discarded warm-up round. Then the
# host turns the samples into a table (printed), results.json and chart.png.
# What the variants and loads are: the header of scripts/bench/run-in-vm.sh.
#
# A benchmark gates nothing: it prints figures and exits 0 unless the harness
# itself broke (the VM run failed, or no sample was taken).
#
# Environment:
#   BENCH_OUT=DIR        results directory (default
#                        /var/tmp/gwlbtun-bench/YYYYmmdd-HHMMSS)
#   BENCH_REPS=N         measured rounds (default 5; quick: 2)
#   BENCH_SECONDS=S      length of each packet-rate run (default 3; quick: 1.5)
#   BENCH_TCP_SECONDS=S  length of each iperf3 / connection run (default:
#                        BENCH_SECONDS)
#   BENCH_WARMUP_SECONDS=S  runs of the warm-up round (default 1.5; quick: 1)
#   BENCH_QUICK=1        1 warm-up + 2 rounds, shorter runs (development)
#   BENCH_SMP=N          guest CPUs (default 1, as the reference figures);
#                        trafgen then sends from N processes
#   BENCH_VARIANTS="..." subset, in this order by default: gwlbtun
#                        gwlbtun-nft seed seed-brnf floor null gwlbtun-64
#                        ceiling gwlbtun-strict gwlbtun-sync
#   BENCH_LOADS="..."    subset of: udp64 udp64x1024 udp1500 udp64spread tcp cps
#   BENCH_PROFILE="..."  after the rounds, perf record the udp64 load of these
#                        variants (needs linux-perf), top symbols in
#                        profile-VARIANT.txt
#   BENCH_UNDERLAY_GSO=on|off|gro  off: the underlay veths segment UDP-tunnel
#                        GSO packets, so the NVA only ever gets MTU-sized outer
#                        packets, as from a wire; gro: that, and the NVA's
#                        port does GRO as a NIC's driver would (topo_ul_gro);
#                        default on: the topology as is
#   BENCH_OUTER=4|6      the tunnels' outer family (default 4); the floor
#                        then forwards IPv6; gwlbtun-64 is IPv4 only
#   BENCH_MEM=MB         guest memory (default 768)
#   BENCH_TIMEOUT=S      host-side limit for the boot (default: estimated)
#
# Needs (Debian): qemu-system-x86 busybox-static linux-image-amd64 (the VM),
# netsniff-ng (trafgen), iperf3, nftables, iproute2, ethtool, jq, python3,
# gnuplot-nox (the chart; skipped without it), linux-perf (BENCH_PROFILE only).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)

msg() { echo "bench: $*" >&2; }

quick=${BENCH_QUICK:-0}
if [ "$quick" = 1 ]; then
	reps=${BENCH_REPS:-2}
	secs=${BENCH_SECONDS:-1.5}
	warm=${BENCH_WARMUP_SECONDS:-1}
else
	reps=${BENCH_REPS:-5}
	secs=${BENCH_SECONDS:-3}
	warm=${BENCH_WARMUP_SECONDS:-1.5}
fi
tcp_secs=${BENCH_TCP_SECONDS:-$secs}
smp=${BENCH_SMP:-1}
mem=${BENCH_MEM:-768}
gso=${BENCH_UNDERLAY_GSO:-on}
variants=${BENCH_VARIANTS:-gwlbtun gwlbtun-nft seed seed-brnf floor null gwlbtun-64 ceiling gwlbtun-strict gwlbtun-sync}
loads=${BENCH_LOADS:-udp64 udp64x1024 udp1500 udp64spread tcp cps}
profile=${BENCH_PROFILE:-}
variants=${variants//,/ }
loads=${loads//,/ }
profile=${profile//,/ }

isnum() { [[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]]; }
for n in "$reps" "$secs" "$tcp_secs" "$warm" "$smp" "$mem"; do
	isnum "$n" || { msg "not a number: $n"; exit 2; }
done
[[ $reps =~ ^[1-9][0-9]*$ ]] || { msg "BENCH_REPS must be a positive integer"; exit 2; }
case $gso in on | off | gro) ;; *) msg "BENCH_UNDERLAY_GSO must be on, off or gro"; exit 2 ;; esac
outer=${BENCH_OUTER:-4}
case $outer in 4 | 6) ;; *) msg "BENCH_OUTER must be 4 or 6"; exit 2 ;; esac
for v in $variants; do
	case $v in
	gwlbtun | gwlbtun-early | gwlbtun-nft | seed | seed-brnf | floor | null | gwlbtun-64 | ceiling | gwlbtun-strict | gwlbtun-sync) ;;
	*) msg "unknown variant: $v"; exit 2 ;;
	esac
done
for l in $loads; do
	case $l in
	udp64 | udp64x1024 | udp1500 | udp64spread | tcp | cps) ;;
	*) msg "unknown load: $l"; exit 2 ;;
	esac
done

[ "$(id -u)" = 0 ] || { msg "must run as root (the VM harness needs it)"; exit 2; }
missing=()
for c in qemu-system-x86_64 trafgen iperf3 nft tc ip ethtool jq; do
	command -v "$c" >/dev/null || missing+=("$c")
done
if [ -n "$profile" ] && ! command -v perf >/dev/null; then missing+=(perf); fi
if [ ${#missing[@]} -gt 0 ]; then
	msg "missing: ${missing[*]} (apt-get install netsniff-ng iperf3 nftables iproute2 ethtool jq qemu-system-x86 linux-perf)"
	exit 2
fi
py=/usr/bin/python3
[ -x "$py" ] || py=python3
ko=$repo/gwlbtun.ko
[ -f "$ko" ] || { msg "no $ko: run make first"; exit 2; }
[ -x "$repo/scripts/gwlbctl/gwlbctl" ] || { msg "no scripts/gwlbctl/gwlbctl: run make first"; exit 2; }

out=${BENCH_OUT:-/var/tmp/gwlbtun-bench/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(realpath "$out")
case $out/ in
"$repo"/*) msg "note: results go inside the repository ($out)" ;;
esac

# A generous limit: ~2.5 s of overhead per run, ~25 s of set-up per round.
if [ -n "${BENCH_TIMEOUT:-}" ]; then
	timeout=$BENCH_TIMEOUT
else
	timeout=$(awk -v r="$reps" -v s="$secs" -v t="$tcp_secs" -v w="$warm" 'BEGIN {
		round = 17 * (s + 2.5) + 10 * (t + 3) + 30
		warm = 17 * (w + 2.5) + 10 * (w + 3) + 30
		printf "%d", 2 * (r * round + warm) + 300 }')
fi

echo "bench: $reps rounds + warm-up, ${secs}s rate runs, ${tcp_secs}s TCP runs, smp $smp, underlay GSO $gso"
echo "bench: variants: $variants"
echo "bench: results in $out"
git_rev=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)
start=$(date +%s)
rc=0
(cd "$repo" && scripts/vm/run --ko "$ko" --mem "$mem" --smp "$smp" \
	--timeout "$timeout" --name bench --logdir "$out/vm" --keep-logs \
	--env "BENCH_REPS=$reps" --env "BENCH_SECONDS=$secs" \
	--env "BENCH_TCP_SECONDS=$tcp_secs" --env "BENCH_WARMUP_SECONDS=$warm" \
	--env "BENCH_VARIANTS=$variants" --env "BENCH_LOADS=$loads" \
	--env "BENCH_PROFILE=$profile" --env "BENCH_UNDERLAY_GSO=$gso" --env "BENCH_OUTER=$outer" \
	-- scripts/bench/run-in-vm.sh) || rc=$?
elapsed=$(($(date +%s) - start))

if [ -d "$out/vm/artifacts" ]; then
	cp -a "$out/vm/artifacts/." "$out/"
fi
{
	echo "git=$git_rev"
	echo "quick=$quick"
	echo "elapsed_s=$elapsed"
	echo "vm_exit=$rc"
	echo "host=$(uname -n)"
	echo "host_cpus=$(nproc)"
	echo "date=$(date -Iseconds)"
} >>"$out/meta.env"

if [ ! -s "$out/samples.tsv" ]; then
	msg "no samples taken (VM exit $rc); console: $out/vm/console.log"
	exit 1
fi
"$py" "$here/bench/report.py" --dir "$out" || { msg "report failed"; exit 1; }
if [ "$rc" != 0 ]; then
	msg "the VM run failed (exit $rc): the figures above are partial; see $out/vm/"
	exit 1
fi
echo "bench: ${elapsed}s; results: $out (results.json, table.txt, chart.png)"
