#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM runner proves itself on the debug kernel: tiny commands that must
# fail, each for its own reason, and one that must pass.
#
#   scripts/vm/selftest.sh [CASE...]
#
# Cases (each one boot of scripts/vm/run --kernel debug):
#   clean     netns + vxlan + modprobe of a built-in: must PASS
#   warn      a real WARN (lkdtm WARNING): "kernel splat ... WARNING:"
#   bug       a real BUG (lkdtm BUG; oops=panic): "guest kernel panic"
#   kasan     a use-after-free read (lkdtm READ_AFTER_FREE): "KASAN"
#   ubsan     an out-of-bounds index (lkdtm ARRAY_BOUNDS): "UBSAN"
#   kmemleak  a module that leaks on load (selftest/leaky.c): "kmemleak",
#             in the report after its rmmod
#   kmemleak-kept  the same, not unloaded (--no-rmmod): in the report after
#             the command
#   timeout   a command that never ends: exit 124
#   nodmesg   the kernel log wraps (flooded past its 8 MB): "incomplete kernel log"
# Each line says PASS (the runner decided as expected, for the expected
# reason) or FAIL; the last line is "N passed, N failed, N skipped".
#
# A full run that passes is remembered for that runner and that kernel (a hash
# of scripts/vm/run, init, lib.sh, this script, leaky.c and the debug kernel's
# key, in /var/cache/gwlbtun/vm/selftest-HASH): the next full run with the
# same hash runs only "clean" and reports the failure cases as skipped (never
# as passed). GWLBTUN_SELFTEST_FORCE=1 runs them all again.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
run=$top/scripts/vm/run
all=(clean warn bug kasan ubsan kmemleak kmemleak-kept timeout nodmesg)
cases=("$@")
[ ${#cases[@]} -gt 0 ] || cases=("${all[@]}")

tmp=$(mktemp -d /tmp/gwlbtun-vm-selftest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

dir=$("$top/scripts/vm/debug-kernel.sh" | tail -n 1)
proof=/var/cache/gwlbtun/vm/selftest-$({
	cat "$dir/.done"
	cd "$top/scripts/vm" && sha256sum run init lib.sh selftest.sh selftest/leaky.c
} | sha256sum | cut -c1-16)
full=0
[ $# -gt 0 ] || full=1
skip=()
if [ "$full" = 1 ] && [ -f "$proof" ] && [ "${GWLBTUN_SELFTEST_FORCE:-}" != 1 ]; then
	cases=(clean)
	skip=("${all[@]:1}")
fi
lkdtm() { echo "echo $1 >/sys/kernel/debug/provoke-crash/DIRECT; sleep 1; echo survived"; }

passed=0 failed=0
for c in "${cases[@]}"; do
	args=() cmd='' want_rc='' want=''
	case $c in
	clean)
		cmd='modprobe vxlan && ip netns add st && ip -n st link set lo up &&
			ip -n st link add vx0 type vxlan id 7 dstport 4789 local 127.0.0.1 &&
			ip -n st link set vx0 up && ip netns del st && sleep 1'
		want_rc=0 ;;
	warn) cmd=$(lkdtm WARNING) want_rc=1 want='WARNING:' ;;
	bug) cmd=$(lkdtm BUG) want_rc=125 want='guest kernel panic' ;;
	kasan) cmd=$(lkdtm READ_AFTER_FREE) want_rc=1 want='BUG: KASAN: use-after-free' ;;
	ubsan) cmd=$(lkdtm ARRAY_BOUNDS) want_rc=1 want='UBSAN: array-index-out-of-bounds' ;;
	kmemleak | kmemleak-kept)
		if [ ! -f leaky/leaky.ko ]; then
			mkdir -p leaky
			cp "$top/scripts/vm/selftest/leaky.c" "$top/scripts/vm/selftest/Kbuild" leaky/
			make -s -C "$dir/build" M="$tmp/leaky" modules >leaky/build.log 2>&1 ||
				{ cat leaky/build.log; echo "FAIL $c (cannot build leaky.ko)"; failed=$((failed + 1)); continue; }
		fi
		args=(--ko "$tmp/leaky/leaky.ko" --load)
		cmd='true' want_rc=1 want='kmemleak after the rmmod: 1 unreferenced object'
		if [ "$c" = kmemleak-kept ]; then
			args+=(--no-rmmod)
			want='kmemleak after the test: 1 unreferenced object'
		fi ;;
	timeout) args=(--debug-timeout 150) cmd='sleep 1000' want_rc=124 want='timeout' ;;
	nodmesg)
		cmd='echo on >/proc/sys/kernel/printk_devkmsg
			l=$(printf "<7>selftest flood %0900d" 0)
			for i in $(seq 12000); do echo "$l" ; done >/dev/kmsg'
		want_rc=1 want='incomplete kernel log' ;;
	*) echo "selftest: unknown case $c" >&2; exit 2 ;;
	esac
	logdir=$tmp/logs-$c
	echo "=== $c"
	rc=0
	start=$SECONDS
	"$run" --kernel debug --name "selftest-$c" --logdir "$logdir" --keep-logs "${args[@]}" \
		-- bash -c "$cmd" >"$tmp/$c.out" 2>&1 || rc=$?
	sed 's/^/  | /' "$tmp/$c.out"
	secs=$((SECONDS - start))
	if [ "$rc" = "$want_rc" ] && { [ -z "$want" ] || grep -qF -- "$want" "$tmp/$c.out"; }; then
		echo "PASS $c (${secs}s: exit $rc${want:+, \"$want\"})"
		passed=$((passed + 1))
	else
		echo "FAIL $c (${secs}s: exit $rc, wanted $want_rc${want:+ and \"$want\"})"
		failed=$((failed + 1))
		mkdir -p /tmp/gwlbtun-vm-logs
		cp -a "$logdir" "/tmp/gwlbtun-vm-logs/selftest-$(date +%Y%m%d-%H%M%S)-$c" 2>/dev/null || true
	fi
done
for c in "${skip[@]}"; do
	echo "SKIP $c (shown failing for this runner and kernel on $(date -r "$proof" '+%Y-%m-%d %H:%M'); GWLBTUN_SELFTEST_FORCE=1 reruns it)"
done
if [ "$full" = 1 ] && [ "$failed" = 0 ] && [ ${#skip[@]} = 0 ]; then
	mkdir -p "$(dirname "$proof")"
	date >"$proof"
fi
echo "$passed passed, $failed failed, ${#skip[@]} skipped"
[ "$failed" = 0 ]
