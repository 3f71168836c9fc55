#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs the gwlbtun KUnit suites under User Mode Linux.
#
# Debian's linux-source tarball is extracted once to $GWLBTUN_CACHE, the
# project's sources are linked into it as drivers/net/gwlbtun/, and
# kunit.py builds UML into a build directory kept beside it, so only the
# first run pays for a whole kernel build.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd -P)
cache=${GWLBTUN_CACHE:-/var/cache/gwlbtun}
tarball=$(ls -1 /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
[ -n "$tarball" ] || { echo "kunit: no /usr/src/linux-source-*.tar.xz; run 'make deps'" >&2; exit 1; }
name=$(basename "$tarball" .tar.xz)
pkgver=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || stat -c %Y "$tarball")
src=$cache/$name
build=$cache/uml-build

mkdir -p "$cache"
# One run at a time: the tree and the build directory are shared.
exec 9>"$cache/.kunit.lock"
flock 9
if [ "$(cat "$src/.gwlbtun-stamp" 2>/dev/null)" != "$pkgver" ]; then
	echo "kunit: extracting $tarball into $cache (once per package version)"
	rm -rf "$src" "$build"
	tar -C "$cache" -xf "$tarball"
	echo "$pkgver" >"$src/.gwlbtun-stamp"
fi

# Link this checkout into the tree; relinking is cheap and follows the
# checkout wherever it is.
dir=$src/drivers/net/gwlbtun
mkdir -p "$dir"
for f in Kbuild Kconfig module kunit include; do
	ln -sfn "$top/$f" "$dir/$f"
done
grep -q 'drivers/net/gwlbtun/Kconfig' "$src/drivers/net/Kconfig" ||
	sed -i '$i source "drivers/net/gwlbtun/Kconfig"' "$src/drivers/net/Kconfig"
grep -q 'CONFIG_GWLBTUN' "$src/drivers/net/Makefile" ||
	echo 'obj-$(CONFIG_GWLBTUN) += gwlbtun/' >>"$src/drivers/net/Makefile"

umldir=$(mktemp -d)
trap 'rm -rf "$umldir"' EXIT
cd "$src"
python3 tools/testing/kunit/kunit.py run \
	--arch=um \
	--kunitconfig="$top/kunit/.kunitconfig" \
	--build_dir="$build" \
	--jobs="$(nproc)" \
	--timeout=300 \
	--kernel_args="uml_dir=$umldir" \
	"$@"
