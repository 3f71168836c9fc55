#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prints the path of the kernel's checkpatch.pl, extracting it first if need be.
#
# Only scripts/checkpatch.pl and the two data files it reads
# (scripts/spelling.txt, scripts/const_structs.checkpatch) are taken from
# Debian's linux-source tarball (the one kunit/run.sh uses), into
# $GWLBTUN_CACHE/checkpatch-<package version>/ (default /var/cache/gwlbtun,
# or ~/.cache/gwlbtun when that is not writable), so `make style` works on a
# fresh machine before KUnit ever extracted the whole tree. Exits non-zero,
# saying why on stderr, when there is no tarball to take it from.
set -euo pipefail

cache=${GWLBTUN_CACHE:-/var/cache/gwlbtun}
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
	cache=${XDG_CACHE_HOME:-$HOME/.cache}/gwlbtun
	mkdir -p "$cache"
fi

tarball=$(find /usr/src -maxdepth 1 -name 'linux-source-*.tar.xz' 2>/dev/null | sort -V | tail -n 1)
if [ -z "$tarball" ]; then
	echo "find-checkpatch: no /usr/src/linux-source-*.tar.xz; run 'make deps'" >&2
	exit 1
fi
name=$(basename "$tarball" .tar.xz)
pkgver=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || stat -c %Y "$tarball")
dir=$cache/checkpatch-$pkgver
files=(scripts/checkpatch.pl scripts/spelling.txt scripts/const_structs.checkpatch)

if [ ! -f "$dir/.complete" ]; then
	exec 9>"$cache/.checkpatch.lock"
	flock 9
	if [ ! -f "$dir/.complete" ]; then
		echo "find-checkpatch: extracting checkpatch.pl from $tarball into $dir" >&2
		tmp=$(mktemp -d "$cache/.checkpatch.XXXXXX")
		trap 'rm -rf "$tmp"' EXIT
		tar -C "$tmp" --strip-components=1 -xJf "$tarball" "${files[@]/#/$name/}"
		for f in "${files[@]}"; do
			[ -s "$tmp/$f" ] || { echo "find-checkpatch: $f missing from $tarball" >&2; exit 1; }
		done
		chmod 755 "$tmp"
		touch "$tmp/.complete"
		rm -rf "$dir"
		mv "$tmp" "$dir"
	fi
fi
echo "$dir/scripts/checkpatch.pl"
