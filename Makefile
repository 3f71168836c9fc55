# SPDX-License-Identifier: GPL-2.0
#
# gwlbtun: build the module and gwlbctl, test, install.
#
#   make               the module (against KDIR) and gwlbctl
#   make deps          install every Debian package building, testing and the demo need
#   make check         everything: W=1 build, sparse, checkpatch, KUnit, VM tests, DKMS
#                      (CHECK_ONLY=REGEX: only the matching steps, e.g. kunit or vmtest)
#   make demo          the GWLB scenario end to end in a VM, printed as the seed's blog shows it
#   make kunit | vmtest | style | sparse | bench
#   make debug-kernel  the KASAN/KMEMLEAK/lockdep kernel the VM tests also run on (cached)
#   make vm-selftest   the VM runner shown failing on each kind of kernel splat (debug kernel)
#   make plant-check   bugs planted in the module, each caught by a debug-kernel VM run (slow,
#                      not part of check)
#   make install       module into /lib/modules/$(KVER)/extra, gwlbctl and its man page
#   make dkms-install  register, build and install the module with DKMS
#   make deb           Debian packages gwlbtun-dkms and gwlbtun (into DEB_OUTDIR, default ..)
#   make clean

VERSION := $(shell sed -n 's/^\#define GWLBTUN_VERSION[[:space:]]*"\(.*\)"/\1/p' module/gwlbtun.h)
KDIR ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then \
		echo /lib/modules/$$(uname -r)/build; \
	else \
		ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n 1; \
	fi)
KVER ?= $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
PREFIX ?= /usr/local
# checkpatch.pl from Debian's linux-source, extracted on first use (recursive: only `make style` runs it)
CHECKPATCH ?= $(shell scripts/find-checkpatch.sh)
SOURCES := $(wildcard module/*.c module/*.h kunit/*.c) include/uapi/linux/gwlbtun.h

all: module gwlbctl

module:
	@test -n "$(KDIR)" || { echo "no kernel headers found: run 'make deps' or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

gwlbctl:
	$(MAKE) -C scripts/gwlbctl

deps:
	@scripts/deps.sh

# check and demo install what they need first, then re-read KDIR in a sub-make.
check: deps
	@scripts/check.sh

kunit:
	kunit/run.sh

vmtest: all
	scripts/vmtest

debug-kernel:
	scripts/vm/debug-kernel.sh

vm-selftest:
	scripts/vm/selftest.sh

plant-check:
	scripts/vm/plant-check.sh

demo: deps
	@$(MAKE) -s all
	scripts/vm/run --ko $(CURDIR)/gwlbtun.ko --load --timeout 300 -- scripts/demo.sh

bench: all
	scripts/bench.sh

style:
	@test -n "$(CHECKPATCH)" || { echo "no checkpatch.pl: run 'make deps' (Debian's linux-source) or set CHECKPATCH" >&2; exit 1; }
	perl $(CHECKPATCH) --no-tree --strict --terse -f $(SOURCES)

sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 W=1 modules

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra CONFIG_MODULE_SIG_ALL= modules_install
	depmod -a $(KVER)
	$(MAKE) -C scripts/gwlbctl install PREFIX=$(PREFIX)

dkms-install:
	rm -rf /usr/src/gwlbtun-$(VERSION)
	mkdir -p /usr/src/gwlbtun-$(VERSION)
	cp -r Kbuild Makefile dkms.conf module include /usr/src/gwlbtun-$(VERSION)/
	dkms add gwlbtun/$(VERSION)
	dkms build gwlbtun/$(VERSION) -k $(KVER)
	dkms install gwlbtun/$(VERSION) -k $(KVER)

DEB_OUTDIR ?= ..
deb:
	scripts/packaging/mkdeb.sh $(DEB_OUTDIR)

dkms-uninstall:
	dkms remove gwlbtun/$(VERSION) --all
	rm -rf /usr/src/gwlbtun-$(VERSION)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C scripts/gwlbctl clean

.PHONY: all module gwlbctl deps check kunit vmtest debug-kernel vm-selftest plant-check demo bench style sparse \
	install dkms-install dkms-uninstall deb clean
