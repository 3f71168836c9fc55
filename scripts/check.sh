#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: every check and test of the project, in order, each counted;
# ends with one line "N passed, N failed" and fails when anything failed.
# CHECK_ONLY=REGEX limits it to the steps whose names match.
# Step logs are kept in $logdir (printed at the end).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$top" || exit 1
logdir=$(mktemp -d /tmp/gwlbtun-check.XXXXXX)
passed=0
failed=0
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
	shift
	log=$logdir/$name.log
	if "$@" >"$log" 2>&1; then pass "$name"; else fail "$name" 1 "$log"; fi
}

# counted NAME COMMAND...: a runner that ends with "N passed, N failed"
counted() {
	local name=$1 log p f rc
	selected "$name" || return 0
	shift
	log=$logdir/$name.log
	"$@" 2>&1 | tee "$log" | sed -u 's/^/    /'
	rc=${PIPESTATUS[0]}
	read -r p f < <(sed -n 's/^\([0-9]\+\) passed, \([0-9]\+\) failed.*/\1 \2/p' "$log" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	[ "$p" -gt 0 ] && pass "$name: $p" "$p"
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

kunit() {
	local out=$logdir/kunit.out line p f rc
	kunit/run.sh >"$out" 2>&1
	rc=$?
	cat "$out"
	# kunit.py: "Ran N tests: passed: P[, failed: F][, crashed: C][, errors: E]"
	line=$(grep -E 'Ran [0-9]+ tests?:' "$out" | tail -n 1)
	p=$(sed -n 's/.*passed: \([0-9]\+\).*/\1/p' <<<"$line")
	f=0
	for k in failed crashed errors; do
		n=$(sed -n "s/.*$k: \([0-9]\+\).*/\1/p" <<<"$line")
		f=$((f + ${n:-0}))
	done
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || f=1
	echo "${p:-0} passed, $f failed"
	return $rc
}

echo "== gwlbtun make check ($(date -u '+%Y-%m-%d %H:%M UTC'))"
step build-W=1 build_w1
step gwlbctl-build make -C scripts/gwlbctl
step sparse-C=2 sparse
step checkpatch-strict checkpatch
step shellcheck shellcheck_all
counted kunit kunit
counted gwlbctl-cli make -s -C scripts/gwlbctl check
counted vmtest scripts/vmtest
counted dkms scripts/host-tests/dkms.sh

echo "== logs: $logdir"
if [ ${#failures[@]} -gt 0 ]; then
	printf 'failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
