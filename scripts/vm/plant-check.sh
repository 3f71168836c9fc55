#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM tests on the debug kernel catch bugs planted in gwlbtun itself: for
# each plant (scripts/vm/plants/NAME.patch, a use-after-free, a memory leak, a
# lock imbalance, a WARN), a copy of the module's sources is patched, built
# against the debug kernel and run through one existing VM test, which must
# FAIL, for the reason the plant names. A control run of the unpatched copy
# through the same test must PASS. /work/main/module is never modified.
#
#   scripts/vm/plant-check.sh [--keep-logs] [--no-control] [PLANT...]
#   scripts/vm/plant-check.sh --list
#
# PLANT is a name in scripts/vm/plants/ (without .patch); default: all.
# A plant's header (the comment lines before its diff) says, besides what it
# plants:
#   # plant-check: test=NAME    the test in scripts/tests/ that reaches it
#   # plant-check: want=REGEX   an extended regex that must match a line of
#                               the run's kernel log, kmemleak reports or
#                               verdict (repeatable: every one must match)
# and none of its REGEXes may match the control run's logs.
# Each run is one boot of scripts/vm/run --kernel debug, one at a time, with
# the test's "# vmtest:" header settings and a debug timeout of
# $PLANT_CHECK_TIMEOUT seconds (default 480).
# Prints "PASS control-TEST: clean run passed [Ns]", "PASS plant-NAME: caught
# (LINE) [Ns]" or "FAIL plant-NAME: not caught (WHY) [Ns]" per run, then
# "N passed, N failed"; exits non-zero if anything failed. Logs of failed runs
# (of every run with --keep-logs) are kept in /tmp/gwlbtun-vm-logs/.
# Slow (each run boots the debug kernel under TCG, about 2 minutes for
# lifecycle), so not part of make check.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
run=$top/scripts/vm/run
plantdir=$top/scripts/vm/plants
timeout=${PLANT_CHECK_TIMEOUT:-480}
keep=0 control=1 list=0
while [ $# -gt 0 ]; do
	case $1 in
	--keep-logs) keep=1 ;;
	--no-control) control=0 ;;
	--list) list=1 ;;
	-h | --help)
		sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
		exit 0
		;;
	-*) echo "plant-check: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
[[ $timeout =~ ^[1-9][0-9]*$ ]] || { echo "plant-check: PLANT_CHECK_TIMEOUT must be a number of seconds" >&2; exit 2; }

plants=("$@")
if [ ${#plants[@]} -eq 0 ]; then
	for p in "$plantdir"/*.patch; do
		[ -f "$p" ] && plants+=("$(basename "$p" .patch)")
	done
fi
if [ "$list" = 1 ]; then
	printf '%s\n' "${plants[@]}"
	exit 0
fi
[ ${#plants[@]} -gt 0 ] || { echo "plant-check: no plants in $plantdir" >&2; exit 2; }

# plant_keys PATCH: its "# plant-check:" key=value lines (before the diff)
plant_keys() { sed -n '/^diff --git /q;s/^#[[:space:]]*plant-check:[[:space:]]*//p' "$1"; }
plant_test() { plant_keys "$1" | sed -n 's/^test=//p' | tail -n 1; }
plant_wants() { plant_keys "$1" | sed -n 's/^want=//p'; }

tests=()
for p in "${plants[@]}"; do
	f=$plantdir/$p.patch
	[ -f "$f" ] || { echo "plant-check: no such plant: $p ($f)" >&2; exit 2; }
	t=$(plant_test "$f")
	if [ -z "$t" ] || [ ! -f "$top/scripts/tests/$t.sh" ]; then
		echo "plant-check: $f: no 'plant-check: test=' naming a test in scripts/tests/" >&2
		exit 2
	fi
	[ -n "$(plant_wants "$f")" ] || { echo "plant-check: $f: no 'plant-check: want='" >&2; exit 2; }
	[[ " ${tests[*]} " == *" $t "* ]] || tests+=("$t")
done

tmp=$(mktemp -d /tmp/gwlbtun-plant-check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
stamp=$(date +%Y%m%d-%H%M%S)
passed=0 failed=0

# build NAME [PATCH]: a copy of the module's sources (patched), built against
# the debug kernel by scripts/vm/debug-kernel.sh --module; prints the .ko
build() {
	local name=$1 patch=${2:-} src=$tmp/$1/src out
	mkdir -p "$src"
	for f in Kbuild Makefile module include kunit; do
		[ -e "$top/$f" ] && cp -a "$top/$f" "$src/"
	done
	if [ -n "$patch" ] && ! git -C "$src" apply --whitespace=nowarn "$patch" >"$tmp/$name/build.log" 2>&1; then
		echo "plant-check: $patch does not apply to the sources" >>"$tmp/$name/build.log"
		return 1
	fi
	out=$("$top/scripts/vm/debug-kernel.sh" --module "$src" "$tmp/$name/build" 2>>"$tmp/$name/build.log") || return 1
	tail -n 1 <<<"$out"
}

# built NAME [PATCH]: build, setting ko; on failure print the build log
built() {
	ko=$(build "$@") && return 0
	sed 's/^/  | /' "$tmp/$1/build.log"
	return 1
}

# boot NAME TEST KO: one run of scripts/tests/TEST.sh with KO on the debug
# kernel; its output in $tmp/NAME/run.out, logs in $tmp/NAME/logs; returns
# the runner's exit status
boot() {
	local name=$1 t=$top/scripts/tests/$2.sh ko=$3 hdr rc=0
	local -a args=()
	hdr=$("$top/scripts/vmtest" --header-args "$t") || return 2
	[ -z "$hdr" ] || mapfile -t args <<<"$hdr"
	(cd "$top" && "$run" --kernel debug --name "plant-check-$name" --logdir "$tmp/$name/logs" \
		--keep-logs --ko "$ko" "${args[@]}" --debug-timeout "$timeout" \
		-- bash "$t" </dev/null) >"$tmp/$name/run.out" 2>&1 || rc=$?
	sed 's/^/  | /' "$tmp/$name/run.out"
	return "$rc"
}

# evidence NAME: the files a want regex is matched against
evidence() {
	local d=$tmp/$1/logs
	printf '%s\n' "$d/dmesg" "$d/kmemleak-test" "$d/kmemleak-rmmod"
	# no dmesg (the guest died): the console has what it printed
	[ -f "$d/dmesg" ] || echo "$d/console.log"
	printf '%s\n' "$d/verdict" "$tmp/$1/run.out"
}

# first_match REGEX NAME: the first line of NAME's logs REGEX matches
first_match() {
	local f
	while IFS= read -r f; do
		if [ -f "$f" ] && grep -a -m 1 -h -E -e "$1" "$f" | tr -d '\r' | grep .; then return 0; fi
	done < <(evidence "$2")
	return 1
}

keep_logs() { # NAME ALWAYS
	if [ "$2" = 1 ] || [ "$keep" = 1 ]; then
		mkdir -p /tmp/gwlbtun-vm-logs
		cp -a "$tmp/$1/logs" "/tmp/gwlbtun-vm-logs/plant-check-$stamp-$1" 2>/dev/null &&
			echo "  logs: /tmp/gwlbtun-vm-logs/plant-check-$stamp-$1"
	fi
	return 0
}

controls_ok=()
if [ "$control" = 1 ]; then
	for t in "${tests[@]}"; do
		name=control-$t
		mkdir -p "$tmp/$name"
		echo "=== $name (unpatched sources, scripts/tests/$t.sh)"
		start=$SECONDS rc=0
		if ! built "$name"; then
			echo "FAIL $name: the unpatched module does not build [$((SECONDS - start))s]"
			failed=$((failed + 1))
			continue
		fi
		boot "$name" "$t" "$ko" || rc=$?
		secs=$((SECONDS - start))
		if [ "$rc" = 0 ]; then
			echo "PASS $name: clean run passed [${secs}s]"
			passed=$((passed + 1))
			controls_ok+=("$t")
			keep_logs "$name" 0
		else
			echo "FAIL $name: the unpatched module failed $t (exit $rc) [${secs}s]"
			failed=$((failed + 1))
			keep_logs "$name" 1
		fi
	done
fi

for p in "${plants[@]}"; do
	f=$plantdir/$p.patch
	name=plant-$p
	t=$(plant_test "$f")
	mapfile -t wants < <(plant_wants "$f")
	mkdir -p "$tmp/$name"
	echo "=== $name (scripts/tests/$t.sh)"
	start=$SECONDS rc=0
	if ! built "$name" "$f"; then
		echo "FAIL $name: not caught (the planted module does not build) [$((SECONDS - start))s]"
		failed=$((failed + 1))
		continue
	fi
	boot "$name" "$t" "$ko" || rc=$?
	secs=$((SECONDS - start))
	why='' first=''
	if [ "$rc" = 0 ]; then
		why="the run passed"
	else
		for w in "${wants[@]}"; do
			if line=$(first_match "$w" "$name"); then
				[ -n "$first" ] || first=$line
			else
				why="the run failed (exit $rc) but nothing matches /$w/"
				break
			fi
			# the control run must not show it: else it is not the plant's
			if [[ " ${controls_ok[*]} " == *" $t "* ]] && line=$(first_match "$w" "control-$t"); then
				why="/$w/ also matches the control run: $line"
				break
			fi
		done
	fi
	if [ -z "$why" ]; then
		# without dmesg's timestamp
		[[ $first =~ ^[[:space:]]*(\[[^]]*\][[:space:]]*)?(.*)$ ]] && first=${BASH_REMATCH[2]}
		first=${first//"$tmp/$name/build/"/}
		echo "PASS $name: caught ($first) [${secs}s]"
		passed=$((passed + 1))
		keep_logs "$name" 0
	else
		echo "FAIL $name: not caught ($why) [${secs}s]"
		failed=$((failed + 1))
		keep_logs "$name" 1
	fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
