#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fresh-debian.sh - the README's two commands on a fresh Debian 12: a
# debootstrap'd minimal bookworm root (no make, no compiler, no qemu) in a
# chroot, with this repository cloned into it, runs
#     scripts/deps.sh && make demo
#     scripts/deps.sh && make check
# in that order, as a newcomer would. About 16 minutes here (the UML kernel
# is built cold inside the root). Not part of "make check": it downloads a
# few hundred MB from Debian's archive.
#
# usage (root): scripts/host-tests/fresh-debian.sh [ROOT]
#   ROOT  where to build the root (default /var/tmp/gwlbtun-fresh-<pid>);
#         unmounted and removed afterwards unless KEEP=1
# Needs (Debian): debootstrap, git.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
root=${1:-/var/tmp/gwlbtun-fresh-$$}
mirror=${MIRROR:-http://deb.debian.org/debian}

die() { echo "fresh-debian: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "run as root"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
[ ! -e "$root" ] || die "$root exists already"

cleanup() {
	local m
	for m in dev sys proc; do
		umount -R "$root/$m" 2>/dev/null || true
	done
	if [ "${KEEP:-0}" != 1 ] && ! grep -q " $root/" /proc/mounts; then
		rm -rf --one-file-system "$root"
	fi
}
trap cleanup EXIT

t0=$(date +%s)
elapsed() { echo "$(($(date +%s) - t0)) s"; }

debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 ||
	die "debootstrap failed: $(tail -n 3 "$root.debootstrap.log")"
rm -f "$root.debootstrap.log"
echo "fresh-debian: minimal bookworm root in $(elapsed); make in it:" \
	"$(chroot "$root" sh -c 'command -v make || echo absent')"
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
git clone -q "$repo" "$root/root/gwlbtun"

rc=0
for target in demo check; do
	echo "fresh-debian: == scripts/deps.sh && make $target"
	if chroot "$root" /bin/bash -c \
		"cd /root/gwlbtun && export CI=true && scripts/deps.sh && make $target" </dev/null; then
		echo "fresh-debian: make $target passed ($(elapsed))"
	else
		echo "fresh-debian: make $target FAILED ($(elapsed))"
		rc=1
	fi
done
exit "$rc"
