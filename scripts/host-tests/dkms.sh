#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS, for real: dkms add, build (against Debian's installed headers),
# install, then load the installed module in Debian's kernel in a VM, then
# dkms remove. Runs on the host as root; nothing is loaded into the host.
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
echo "# gwlbtun $version, kernel $kver"

check "dkms.conf PACKAGE_VERSION matches the module's version ($version)" \
	grep -qx "PACKAGE_VERSION=\"$version\"" dkms.conf

# Start from nothing, whatever an earlier run left.
dkms remove "gwlbtun/$version" --all >/dev/null 2>&1 || true
rm -rf "/usr/src/gwlbtun-$version"

check "make dkms-install (dkms add, build -k $kver, install)" \
	make -s dkms-install KVER="$kver"
status=$(dkms status gwlbtun 2>&1)
echo "# dkms status: $status"
check "dkms status says installed for $kver" grep -q "gwlbtun/$version, $kver, x86_64: installed" <<<"$status"

ko=$(ls /lib/modules/"$kver"/updates/dkms/gwlbtun.ko* 2>/dev/null | head -n 1)
check "the module is installed under updates/dkms" test -n "$ko"
if [ -n "$ko" ]; then
	info=$(modinfo "$ko")
	echo "$info" | sed 's/^/# /'
	check "modinfo: version $version" grep -qE "^version: +$version\$" <<<"$info"
	check "modinfo: license GPL" grep -qE '^license: +GPL$' <<<"$info"
	check "modinfo: description and author" \
		bash -c 'grep -q "^description: .*Gateway Load Balancer" <<<"$1" && grep -q "^author:" <<<"$1"' _ "$info"
	for p in ifname external_vni external_port internal_vni internal_port peers early_rx; do
		check "modinfo: parameter $p documented" grep -qE "^parm: +$p:.+" <<<"$info"
	done
	check "the DKMS-built module loads in Debian's $kver kernel (modprobe, link add, genl family, rmmod)" \
		scripts/vm/run --timeout 240 -- sh -c '
			set -e
			modprobe gwlbtun
			ip link add gwlb0 type gwlbtun
			ip -d link show gwlb0 | grep -q gwlbtun
			genl ctrl list | grep -q "Name: gwlbtun"
			ip link del gwlb0
			rmmod gwlbtun'
fi

check "dkms remove --all" dkms remove "gwlbtun/$version" --all
check "the module is gone from updates/dkms" \
	bash -c '! ls /lib/modules/"$1"/updates/dkms/gwlbtun.ko* >/dev/null 2>&1' _ "$kver"
rm -rf "/usr/src/gwlbtun-$version"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
