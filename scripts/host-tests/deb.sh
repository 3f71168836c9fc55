#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages, for real: make deb, lintian, dpkg -i of gwlbtun-dkms
# and gwlbtun (DKMS builds the module for Debian's installed kernel
# headers), the module, tools, units and man pages in place, the units
# verified by systemd-analyze, then dpkg --purge leaves nothing behind.
# Runs on the host as root; nothing is loaded into the host kernel.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd -P)
cd "$top" || exit 1
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
notok() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else notok "$what"; fi; }

version=$(sed -n 's/^#define GWLBTUN_VERSION[[:space:]]*"\(.*\)"/\1/p' module/gwlbtun.h)
kdir=$(ls -d /usr/src/linux-headers-*-amd64 | sort -V | tail -n 1)
kver=${kdir#/usr/src/linux-headers-}
arch=$(dpkg --print-architecture)
echo "# gwlbtun $version, kernel headers $kver"
tmp=$(mktemp -d /tmp/gwlbtun-debtest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
for p in debhelper dh-dkms lintian dkms systemd; do
	check "build dependency $p is installed" installed "$p"
done

# Start from nothing, whatever an earlier run left.
dpkg --purge gwlbtun gwlbtun-dkms >/dev/null 2>&1 || true
dkms remove "gwlbtun/$version" --all >/dev/null 2>&1 || true
rm -rf "/usr/src/gwlbtun-$version"

check "make deb" make -s deb DEB_OUTDIR="$tmp"
dkms_deb=$tmp/gwlbtun-dkms_${version}_all.deb
tools_deb=$tmp/gwlbtun_${version}_${arch}.deb
check "make deb built $(basename "$dkms_deb") and $(basename "$tools_deb")" \
	test -f "$dkms_deb" -a -f "$tools_deb"

# lintian: no errors (warnings and notes are printed, not counted)
for deb in "$dkms_deb" "$tools_deb"; do
	out=$(lintian -I "$deb" 2>&1 | grep -v 'running with root privileges')
	sed 's/^/# lintian: /' <<<"$out"
	check "lintian: no errors on $(basename "$deb")" bash -c '! grep -q "^E:" <<<"$1"' _ "$out"
done
check "gwlbtun-dkms holds the module source and dkms.conf only" \
	bash -c 'dpkg -c "$1" | grep -q "usr/src/gwlbtun-$2/dkms.conf" &&
		dpkg -c "$1" | grep -q "usr/src/gwlbtun-$2/module/netlink.c" &&
		! dpkg -c "$1" | grep -qE "\.(o|ko)$"' _ "$dkms_deb" "$version"
check "gwlbtun has no module source" bash -c '! dpkg -c "$1" | grep -q usr/src' _ "$tools_deb"

out=$(dpkg -i "$dkms_deb" "$tools_deb" 2>&1)
rc=$?
sed 's/^/# dpkg -i: /' <<<"$out"
check "dpkg -i gwlbtun-dkms gwlbtun" test "$rc" -eq 0
status=$(dkms status gwlbtun 2>&1)
echo "# dkms status: $status"
check "DKMS built and installed the module for $kver" \
	grep -q "gwlbtun/$version, $kver, x86_64: installed" <<<"$status"
ko=$(ls /lib/modules/"$kver"/updates/dkms/gwlbtun.ko* 2>/dev/null | head -n 1)
check "the module is under /lib/modules/$kver/updates/dkms" test -n "$ko"
check "modinfo -k $kver gwlbtun finds it, version $version" \
	bash -c 'modinfo -k "$1" gwlbtun | grep -qE "^version: +$2\$"' _ "$kver" "$version"
check "modinfo -k $kver: filename under updates/dkms" \
	bash -c 'modinfo -k "$1" -F filename gwlbtun | grep -q "/updates/dkms/gwlbtun.ko"' _ "$kver"

for f in /usr/sbin/gwlbctl /usr/sbin/gwlbtun-probe; do
	check "$f is installed and executable" test -x "$f"
done
for f in /lib/systemd/system/gwlbtun@.service /lib/systemd/system/gwlbtun-probe.service \
	/usr/share/man/man8/gwlbctl.8.gz /usr/share/man/man8/gwlbtun-probe.8.gz \
	/etc/default/gwlbtun-probe /usr/share/doc/gwlbtun/examples/gwlb0.conf \
	/usr/share/doc/gwlbtun/examples/cluster/conntrackd.conf \
	/usr/share/doc/gwlbtun/examples/cluster/ruleset.nft; do
	check "$f is installed" test -f "$f"
done
check "/etc/gwlbtun exists" test -d /etc/gwlbtun
check "man -w finds gwlbctl(8) and gwlbtun-probe(8)" \
	bash -c 'man -w gwlbctl >/dev/null && man -w gwlbtun-probe >/dev/null'
check "gwlbctl --version runs" /usr/sbin/gwlbctl --version
check "gwlbtun-probe --help runs" bash -c '/usr/sbin/gwlbtun-probe --help >/dev/null'
check "the example configuration parses (gwlbctl setconf reads it; no module here)" \
	bash -c '/usr/sbin/gwlbctl setconf gwlb0 /usr/share/doc/gwlbtun/examples/gwlb0.conf; [ $? -eq 3 ]'
for u in gwlbtun@.service gwlbtun-probe.service; do
	out=$(systemd-analyze verify "/lib/systemd/system/$u" 2>&1)
	rc=$?
	[ -z "$out" ] || sed 's/^/# systemd-analyze: /' <<<"$out"
	check "systemd-analyze verify $u: clean" test "$rc" -eq 0 -a -z "$out"
done

out=$(dpkg --purge gwlbtun gwlbtun-dkms 2>&1)
rc=$?
sed 's/^/# dpkg --purge: /' <<<"$out"
check "dpkg --purge gwlbtun gwlbtun-dkms" test "$rc" -eq 0
check "dkms status is empty" test -z "$(dkms status gwlbtun 2>&1)"
check "no /usr/src/gwlbtun-*" bash -c '! ls -d /usr/src/gwlbtun-* >/dev/null 2>&1'
left=$(find /lib/modules/*/updates -type f 2>/dev/null)
[ -z "$left" ] || sed 's/^/# left: /' <<<"$left"
check "no files under /lib/modules/*/updates" test -z "$left"
check "no gwlbtun files left in /usr /etc /lib" \
	bash -c '! ls -d /usr/sbin/gwlbctl /usr/sbin/gwlbtun-probe /etc/gwlbtun /etc/default/gwlbtun-probe \
		/lib/systemd/system/gwlbtun@.service /lib/systemd/system/gwlbtun-probe.service \
		/usr/share/man/man8/gwlbctl.8.gz /usr/share/doc/gwlbtun /usr/share/doc/gwlbtun-dkms 2>/dev/null'
check "dpkg knows neither package" bash -c '! dpkg -s gwlbtun >/dev/null 2>&1 && ! dpkg -s gwlbtun-dkms >/dev/null 2>&1'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
