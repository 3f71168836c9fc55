#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds (once) the debug kernel the VM tests also run on: Debian's
# linux-source-6.1 for x86_64, tinyconfig + scripts/vm/debug.config (KASAN,
# KMEMLEAK, lockdep, UBSAN, DEBUG_NET, ...; everything the tests use built in).
#
#   scripts/vm/debug-kernel.sh [--module SRCDIR OUTDIR]
#
# Prints the cache directory on its last line of stdout (progress on stderr):
#   DIR/vmlinux DIR/bzImage   the kernel (vmlinux boots through PVH)
#   DIR/build                 the O= build directory (build modules against it)
#   DIR/modules/lib/modules/KVER   modules_install output (modules.builtin,
#                             for modprobe in the guest)
#   DIR/kver                  the kernel release (uname -r)
#   DIR/build-seconds         how long the last (re)build took
# DIR is /var/cache/gwlbtun/debug-kernel-PKGVERSION; DIR/key is the hash of the
# fragment and the build recipe below it was built from. A new linux-source
# package builds from scratch (older directories are removed); a changed
# fragment or recipe rebuilds in the same build directory, so only the objects
# the change touches are compiled again (the build directory must keep its
# path: objtool, which every object depends on, records absolute paths).
#
# With --module SRCDIR OUTDIR it also builds the gwlbtun module against that
# kernel from a copy of SRCDIR (Kbuild Makefile module include kunit) in OUTDIR
# (the objects of the normal build in SRCDIR are not touched) and prints the
# .ko's path after the directory.
#
# The source tree is the one kunit/run.sh extracts to /var/cache/gwlbtun
# (shared, kept clean: the build is O=, never in the tree). Its lock
# (.kunit.lock) is held only while the tree is extracted or relinked.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
fragment=$top/scripts/vm/debug.config
cache=${GWLBTUN_CACHE:-/var/cache/gwlbtun}
msg() { echo "debug-kernel: $*" >&2; }
die() { msg "$*"; exit 1; }

modsrc='' modout=''
case ${1:-} in
--module) modsrc=${2:?--module SRCDIR OUTDIR}; modout=${3:?--module SRCDIR OUTDIR} ;;
-h | --help) sed -n '4,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
'') ;;
*) die "unknown argument: $1" ;;
esac
[ "$(id -u)" = 0 ] || die "must run as root (cache in $cache)"

tarball=$(ls -1 /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
[ -n "$tarball" ] || die "no /usr/src/linux-source-*.tar.xz; run 'make deps'"
name=$(basename "$tarball" .tar.xz)
pkgver=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || stat -c %Y "$tarball")
src=$cache/$name

# The recipe: the lines between the markers are hashed with the fragment.
# --- recipe begin
recipe() { # build dir
	local b=$1
	make -s -C "$src" O="$b" ARCH=x86_64 tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$b" "$b/.config" "$fragment" >/dev/null
	make -s -C "$src" O="$b" ARCH=x86_64 olddefconfig
	check_config "$b/.config"
	make -C "$src" O="$b" ARCH=x86_64 -j"$(nproc)" all
	make -s -C "$src" O="$b" ARCH=x86_64 INSTALL_MOD_PATH="$dir/modules.tmp" modules_install
}
# --- recipe end
[ -f "$fragment" ] || die "no config fragment $fragment"
key=$({
	echo "$pkgver"
	cat "$fragment"
	sed -n '/^# --- recipe begin/,/^# --- recipe end/p' "${BASH_SOURCE[0]}"
} | sha256sum | cut -c1-12)
dir=$cache/debug-kernel-$pkgver

# every symbol of the fragment must have its value in the final config
check_config() {
	local cfg=$1 bad=0 sym val line
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			grep -qxF "$line" "$cfg" || { msg "config: wanted $line, got: $(grep -E "(^|# )${BASH_REMATCH[1]}[= ]" "$cfg" || echo unset)"; bad=1; }
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			sym=${BASH_REMATCH[1]}
			if val=$(grep -E "^$sym=" "$cfg"); then msg "config: wanted $sym unset, got $val"; bad=1; fi
		fi
	done <"$fragment"
	[ "$bad" = 0 ] || die "the fragment does not apply cleanly (see above)"
}

mkdir -p "$cache"
exec 8>"$cache/.debug-kernel.lock"
flock 8
if [ "$(cat "$dir/.done" 2>/dev/null)" != "$key" ]; then
	# the shared source tree: extracted (and the checkout linked in, since
	# drivers/net/Kconfig may source it) exactly as kunit/run.sh does it,
	# under its lock, only if that is needed (kunit/run.sh holds the lock for
	# its whole build)
	tree_ready() {
		[ "$(cat "$src/.gwlbtun-stamp" 2>/dev/null)" = "$pkgver" ] || return 1
		! grep -q 'drivers/net/gwlbtun/Kconfig' "$src/drivers/net/Kconfig" ||
			[ -e "$src/drivers/net/gwlbtun/Kconfig" ]
	}
	tree_ready || (
		flock 9
		if [ "$(cat "$src/.gwlbtun-stamp" 2>/dev/null)" != "$pkgver" ]; then
			msg "extracting $tarball into $cache (once per package version)"
			rm -rf "$src" "$cache/uml-build"
			tar -C "$cache" -xf "$tarball"
			echo "$pkgver" >"$src/.gwlbtun-stamp"
		fi
		if grep -q 'drivers/net/gwlbtun/Kconfig' "$src/drivers/net/Kconfig"; then
			for f in Kbuild Kconfig module kunit include; do
				[ -e "$src/drivers/net/gwlbtun/$f" ] || ln -sfn "$top/$f" "$src/drivers/net/gwlbtun/$f"
			done
		fi
	) 9>"$cache/.kunit.lock"
	[ ! -e "$src/.config" ] || die "$src has a .config: the shared tree must stay clean (make mrproper there)"
	if [ -d "$dir/build" ]; then
		msg "rebuilding the debug kernel in $dir/build for key $key (incremental; log $dir/build.log)"
	else
		msg "building the debug kernel in $dir/build (cold: tens of minutes; log $dir/build.log)"
	fi
	rm -f "$dir/.done"
	rm -rf "$dir/modules.tmp"
	mkdir -p "$dir"
	t0=$SECONDS
	# not in an if or ||: bash ignores set -e in a function called from a
	# condition, and a failed merge or olddefconfig would then go unnoticed
	set +e
	(set -e; recipe "$dir/build") >"$dir/build.log" 2>&1
	rc=$?
	set -e
	if [ "$rc" != 0 ]; then
		tail -n 40 "$dir/build.log" >&2
		die "build failed (status $rc); log: $dir/build.log"
	fi
	secs=$((SECONDS - t0))
	kver=$(cat "$dir/build/include/config/kernel.release")
	[ -f "$dir/modules.tmp/lib/modules/$kver/modules.builtin" ] || die "modules_install left no modules.builtin"
	rm -f "$dir/modules.tmp/lib/modules/$kver/build" "$dir/modules.tmp/lib/modules/$kver/source"
	rm -rf "$dir/modules"
	mv "$dir/modules.tmp" "$dir/modules"
	cp "$dir/build/vmlinux" "$dir/vmlinux"
	cp "$dir/build/arch/x86/boot/bzImage" "$dir/bzImage"
	echo "$kver" >"$dir/kver"
	echo "$secs" >"$dir/build-seconds"
	echo "$key" >"$dir/.done"
	msg "built $kver in $((secs / 60)) min $((secs % 60)) s ($(nproc) CPUs)"
	# debug kernels of other package versions
	for old in "$cache"/debug-kernel-*; do
		[ "$old" = "$dir" ] || [ "$(realpath "$old")" = "$(realpath "$dir")" ] || rm -rf "$old"
	done
fi
flock -u 8

echo "$dir"
if [ -n "$modsrc" ]; then
	# the module from a copy of its sources, against the debug build
	mkdir -p "$modout"
	for f in Kbuild Makefile module include kunit; do
		[ -e "$modsrc/$f" ] && cp -a "$modsrc/$f" "$modout/"
	done
	# only sources: objects of the normal build must not be linked in
	find "$modout" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
		-o -name '*.a' -o -name '.*.cmd' -o -name '.*.d' -o -name '*.symvers' \
		-o -name '*.order' \) -delete
	make -s -C "$dir/build" M="$(realpath "$modout")" modules >&2 ||
		die "building the module from $modsrc against $dir/build failed"
	ko=$(ls "$modout"/*.ko 2>/dev/null | head -n 1)
	[ -n "$ko" ] || die "no .ko in $modout after the build"
	echo "$ko"
fi
