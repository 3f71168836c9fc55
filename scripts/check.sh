#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every check and test of the project, each counted (in order,
# but for the four host-only steps that run beside the VM tests: "beside");
# ends with one line "N passed, N failed, N skipped" and fails when anything
# failed, or when a full run executed fewer steps, KUnit suites or VM tests
# than the tree defines. Skipped tests are reported, never counted as passed.
# CHECK_ONLY=REGEX limits it to the steps whose names match (.ci/run
# ignores it: CI always runs everything).
# Step logs are kept in $logdir (printed at the end).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd -P)
self=$top/scripts/check.sh
cd "$top" || exit 1
logdir=$(mktemp -d /tmp/gwlbtun-check.XXXXXX)
passed=0
failed=0
skipped=0
steps_run=0
failures=()

pass() { passed=$((passed + ${2:-1})); printf 'PASS %s\n' "$1"; }
fail() {
	failed=$((failed + ${2:-1}))
	failures+=("$1")
	printf 'FAIL %s (log: %s)\n' "$1" "$3"
	tail -n 30 "$3" | sed 's/^/    /'
}

# CHECK_ONLY=REGEX runs only the steps whose name matches (e.g. "kunit|vmtest").
selected() { [[ $1 =~ ${CHECK_ONLY:-.} ]]; }

# step NAME COMMAND...: one test, passing when COMMAND exits 0
step() {
	local name=$1 log
	selected "$name" || return 0
	steps_run=$((steps_run + 1))
	shift
	log=$logdir/$name.log
	if "$@" >"$log" 2>&1; then pass "$name"; else fail "$name" 1 "$log"; fi
}

# counted NAME COMMAND...: a runner that ends with "N passed, N failed"
# (", N skipped" may follow: reported and totalled, never counted as passed)
counted() {
	local name=$1 log rc
	selected "$name" || return 0
	steps_run=$((steps_run + 1))
	shift
	log=$logdir/$name.log
	"$@" 2>&1 | tee "$log" | sed -u 's/^/    /'
	rc=${PIPESTATUS[0]}
	counted_verdict "$name" "$log" "$rc"
}

# beside step|counted NAME COMMAND...: a host-only step started now, in the
# background, at the lowest CPU priority (nice 19), and reported (its output,
# then its verdict, as step or counted would) by reap_beside, in the order
# started. For the steps that read nothing the VM tests write and write
# nothing they read: they run on the host CPU the guests leave idle, which
# is about an eighth of the VM phase (guests sleep; a two-CPU guest seldom
# keeps both busy).
beside_names=() beside_kinds=() beside_pids=()
beside() {
	local kind=$1 name=$2
	selected "$name" || return 0
	steps_run=$((steps_run + 1))
	shift 2
	# a subshell: COMMAND may be a function of this file
	(renice -n 19 -p "$BASHPID" >/dev/null && "$@") >"$logdir/$name.log" 2>&1 </dev/null &
	beside_names+=("$name")
	beside_kinds+=("$kind")
	beside_pids+=("$!")
}

reap_beside() {
	local i rc name log
	for i in "${!beside_pids[@]}"; do
		rc=0
		wait "${beside_pids[i]}" || rc=$?
		name=${beside_names[i]}
		log=$logdir/$name.log
		if [ "${beside_kinds[i]}" = counted ]; then
			sed 's/^/    /' "$log"
			counted_verdict "$name" "$log" "$rc"
		elif [ "$rc" = 0 ]; then
			pass "$name"
		else
			fail "$name" 1 "$log"
		fi
	done
}

# counted_verdict NAME LOG RC: count a runner's "N passed, N failed[, N
# skipped]" line; no such line, or a non-zero exit, is a failure
counted_verdict() {
	local name=$1 log=$2 rc=$3 p f s
	read -r p f s < <(sed -n 's/^\([0-9]\+\) passed, \([0-9]\+\) failed\(, \([0-9]\+\) skipped\)\{0,1\}.*/\1 \2 \4/p' "$log" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	s=${s:-0}
	[ "$p" -gt 0 ] && pass "$name: $p" "$p"
	if [ "$s" -gt 0 ]; then
		skipped=$((skipped + s))
		printf 'SKIP %s: %s (see %s)\n' "$name" "$s" "$log"
	fi
	if [ "$f" -gt 0 ]; then
		fail "$name: $f" "$f" "$log"
	elif [ "$rc" -ne 0 ] || [ "$p" -eq 0 ]; then
		fail "$name (exit $rc, $p passed)" 1 "$log"
	fi
}

no_warnings() { ! grep -E 'warning:|error:' "$1"; }

build_w1() {
	make -s clean >/dev/null 2>&1
	make module W=1 >"$logdir/build.out" 2>&1 || { cat "$logdir/build.out"; return 1; }
	cat "$logdir/build.out"
	no_warnings "$logdir/build.out" && test -f gwlbtun.ko
}

sparse() {
	touch module/*.c
	make sparse >"$logdir/sparse.out" 2>&1 || { cat "$logdir/sparse.out"; return 1; }
	cat "$logdir/sparse.out"
	no_warnings "$logdir/sparse.out"
}

# make style with checkpatch.pl extracted first (scripts/find-checkpatch.sh);
# fails when make style fails, when checkpatch reports anything, and when
# checkpatch does not run at all: it must first flag a known violation.
checkpatch() {
	local cp out=$logdir/checkpatch.out canary=$logdir/checkpatch-canary.c rc
	cp=$(scripts/find-checkpatch.sh) || { echo "checkpatch: no checkpatch.pl"; return 1; }
	[ -s "$cp" ] || { echo "checkpatch: $cp is missing or empty"; return 1; }
	printf 'int  main(void)\n{\n\treturn 0 ;\n}\n' >"$canary"
	if make -s style CHECKPATCH="$cp" SOURCES="$canary" >"$out" 2>&1 ||
		! grep -q 'space prohibited before semicolon' "$out"; then
		cat "$out"
		echo "checkpatch: $cp did not flag a known violation in $canary: it does not run"
		return 1
	fi
	make -s style CHECKPATCH="$cp" >"$out" 2>&1
	rc=$?
	cat "$out"
	[ "$rc" -eq 0 ] || { echo "checkpatch: make style exited $rc"; return 1; }
	! grep -E '(ERROR|WARNING|CHECK):' "$out"
}

shell_scripts() {
	git ls-files | while read -r f; do
		case $(head -n 1 "$f" 2>/dev/null) in
		'#!/bin/bash'* | '#!/bin/sh'* | '#!/usr/bin/env bash'*) echo "$f" ;;
		esac
	done
	echo scripts/vm/lib.sh
}

shellcheck_all() {
	# shellcheck disable=SC2046 # one word per file
	shellcheck -x -S warning $(shell_scripts)
}

# kunit_suites: the name of every suite kunit/*.c registers with
# kunit_test_suite(s)() ("?VAR" when its .name cannot be found)
kunit_suites() {
	local f v name
	for f in kunit/*.c; do
		for v in $(sed -n 's/^kunit_test_suites\{0,1\}(\(.*\));.*/\1/p' "$f" | tr -d '&' | tr ',' ' '); do
			name=$(awk -v v="$v" '
				$0 ~ "struct kunit_suite " v " = [{]" { in_suite = 1 }
				in_suite && match($0, /[.]name = "[^"]*"/) {
					s = substr($0, RSTART, RLENGTH); sub(/^[^"]*"/, "", s); sub(/"$/, "", s)
					print s; exit
				}
				in_suite && /^};/ { exit }' "$f")
			echo "${name:-?$v}"
		done
	done
}

# kunit_missing OUT: the suites of kunit_suites that kunit.py's output OUT
# does not report a suite result for ("==== [PASSED] name ====")
kunit_missing() {
	local name
	for name in $(kunit_suites); do
		grep -qE "=+ \[(PASSED|FAILED|SKIPPED|CRASHED)\] $name =+$" "$1" || echo "$name"
	done
}

kunit() {
	local out=$logdir/kunit.out line p f s rc missing name
	# beside the VM tests, at nice 19, the UML run may wait for the CPU
	kunit/run.sh --timeout=1200 >"$out" 2>&1
	rc=$?
	cat "$out"
	# kunit.py: "Ran N tests: passed: P[, failed: F][, crashed: C][, skipped: S][, errors: E]"
	line=$(grep -E 'Ran [0-9]+ tests?:' "$out" | tail -n 1)
	p=$(sed -n 's/.*passed: \([0-9]\+\).*/\1/p' <<<"$line")
	s=$(sed -n 's/.*skipped: \([0-9]\+\).*/\1/p' <<<"$line")
	f=0
	for k in failed crashed errors; do
		n=$(sed -n "s/.*$k: \([0-9]\+\).*/\1/p" <<<"$line")
		f=$((f + ${n:-0}))
	done
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || f=1
	missing=$(kunit_missing "$out")
	for name in $missing; do
		echo "kunit: suite $name (registered in kunit/*.c) did not run"
		f=$((f + 1))
	done
	echo "${p:-0} passed, $f failed, ${s:-0} skipped"
	[ "$rc" -eq 0 ] && [ -z "$missing" ]
}

# vm_missing OUT: the tests in scripts/tests/*.sh that the vmtest output OUT
# has no "PASS name (" or "FAIL name (" line for, and the debug-kernel runs
# (scripts/vmtest --list-debug) it has no "PASS name [debug] (" line for
vm_missing() {
	local t name debug
	for t in scripts/tests/*.sh; do
		name=$(basename "$t" .sh)
		grep -qE "^(PASS|FAIL) $name \(" "$1" || echo "$name"
	done
	debug=$(scripts/vmtest --list-debug) || { echo "(vmtest --list-debug failed)"; return; }
	for name in $debug; do
		grep -qE "^(PASS|FAIL) $name \[debug\] \(" "$1" || echo "$name [debug]"
	done
}

vmtests() {
	local out=$logdir/vmtest.out rc missing name p f
	scripts/vmtest >"$out" 2>&1
	rc=$?
	cat "$out"
	missing=$(vm_missing "$out")
	[ -n "$missing" ] || return $rc
	read -r p f < <(sed -n 's/^\([0-9]\+\) passed, \([0-9]\+\) failed.*/\1 \2/p' "$out" | tail -n 1)
	while IFS= read -r name; do
		echo "vmtest: scripts/tests/${name% \[debug\]}.sh did not run${name#"${name% \[debug\]}"} (no PASS/FAIL line)"
		f=$((${f:-0} + 1))
	done <<<"$missing"
	echo "${p:-0} passed, $f failed"
	return 1
}

# gwlbctl_cli: test-cli.sh's "SKIP: ..." lines become ", N skipped"
gwlbctl_cli() {
	local out=$logdir/gwlbctl-cli.out rc s
	make -s -C scripts/gwlbctl check >"$out" 2>&1
	rc=$?
	cat "$out"
	s=$(grep -c '^SKIP' "$out")
	sed -n 's/^\([0-9]\+ passed, [0-9]\+ failed\)$/\1, '"$s"' skipped/p' "$out" | tail -n 1
	return $rc
}

echo "== gwlbtun make check ($(date -u '+%Y-%m-%d %H:%M UTC'))"
step build-W=1 build_w1
step gwlbctl-build make -C scripts/gwlbctl
step sparse-C=2 sparse
step debug-kernel scripts/vm/debug-kernel.sh
# these four read the sources and write only their own build trees (KUnit's
# under /var/cache/gwlbtun, gwlbctl's test binaries): beside the VM tests
beside step checkpatch-strict checkpatch
beside step shellcheck shellcheck_all
beside counted kunit kunit
beside counted gwlbctl-cli gwlbctl_cli
counted vm-selftest scripts/vm/selftest.sh
counted vmtest vmtests
reap_beside
counted dkms scripts/host-tests/dkms.sh
counted deb scripts/host-tests/deb.sh

# A full run must have run every step this file defines.
steps_defined=$(grep -cE '^(step|counted|beside (step|counted)) ' "$self")
if [ -z "${CHECK_ONLY:-}" ] && [ "$steps_run" -ne "$steps_defined" ]; then
	failed=$((failed + 1))
	failures+=("steps: $steps_run of the $steps_defined steps in scripts/check.sh ran")
	echo "FAIL steps: only $steps_run of the $steps_defined steps in scripts/check.sh ran"
fi

echo "== logs: $logdir"
if [ ${#failures[@]} -gt 0 ]; then
	printf 'failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
