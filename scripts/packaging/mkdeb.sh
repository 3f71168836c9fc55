#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deb: the Debian packages gwlbtun-dkms (the module's source, for
# DKMS, with dh-dkms) and gwlbtun (gwlbctl, gwlbtun-probe, the systemd
# units, man pages, an example configuration), built with
# dpkg-buildpackage from a debian/ tree generated into a temporary copy of
# the sources (the templates are in scripts/packaging/debian.in/), as the
# kernel's scripts/package does. Nothing is written into the checkout.
#
#   scripts/packaging/mkdeb.sh [OUTDIR]    (default: the checkout's parent)
#
# Needs: debhelper, dh-dkms, libmnl-dev, pkg-config (scripts/deps.sh).
# The maintainer field: DEBFULLNAME and DEBEMAIL, else git's user.name/email.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd -P)
out=$(cd "${1:-$top/..}" && pwd -P)
version=$(sed -n 's/^#define GWLBTUN_VERSION[[:space:]]*"\(.*\)"/\1/p' "$top/module/gwlbtun.h")
[ -n "$version" ] || { echo "mkdeb: no GWLBTUN_VERSION in module/gwlbtun.h" >&2; exit 1; }
grep -q "^PACKAGE_VERSION=\"$version\"" "$top/dkms.conf" ||
	{ echo "mkdeb: dkms.conf's PACKAGE_VERSION is not $version" >&2; exit 1; }

tmp=$(mktemp -d /tmp/gwlbtun-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/gwlbtun-$version
mkdir -p "$src"

# The sources the two packages are made of, without build products.
cd "$top"
files=(Kbuild Makefile dkms.conf README.md include/uapi/linux/gwlbtun.h
	scripts/gwlbctl/Makefile scripts/gwlbctl/gwlbctl.8
	scripts/probe/gwlbtun-probe scripts/probe/gwlbtun-probe.8
	scripts/packaging/gwlbtun@.service scripts/packaging/gwlbtun-probe.service
	scripts/packaging/gwlbtun-probe.default scripts/packaging/gwlbtun.conf.example
	scripts/cluster/conntrackd.conf scripts/cluster/ruleset.nft)
files+=(module/*.c module/*.h scripts/gwlbctl/*.c scripts/gwlbctl/*.h)
for f in "${files[@]}"; do
	install -D -m "$(if [ -x "$f" ]; then echo 0755; else echo 0644; fi)" "$f" "$src/$f"
done

# debian/, from the templates
cp -r scripts/packaging/debian.in "$src/debian"
rev=$(git -C "$top" describe --always --dirty 2>/dev/null || echo unknown)
# The maintainer: DEBFULLNAME and DEBEMAIL, else git's user.
name=${DEBFULLNAME:-$(git -C "$top" config user.name || echo "gwlbtun developers")}
mail=${DEBEMAIL:-$(git -C "$top" config user.email || echo "gwlbtun@localhost")}
maint="$name <$mail>"
sed -i "s|@MAINTAINER@|$maint|" "$src/debian/control"
sed -e "s/@VERSION@/$version/" -e "s/@GITREV@/$rev/" -e "s|@MAINTAINER@|$maint|" \
	-e "s/@DATE@/$(date -R)/" "$src/debian/changelog.in" >"$src/debian/changelog"
rm "$src/debian/changelog.in"

cd "$src"
dpkg-buildpackage -b -us -uc --no-sign >"$tmp/build.log" 2>&1 || {
	tail -n 40 "$tmp/build.log" >&2
	echo "mkdeb: dpkg-buildpackage failed" >&2
	exit 1
}
arch=$(dpkg --print-architecture)
for deb in "gwlbtun-dkms_${version}_all.deb" "gwlbtun_${version}_${arch}.deb"; do
	cp "$tmp/$deb" "$out/"
	echo "$out/$deb"
done
