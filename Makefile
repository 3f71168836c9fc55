# SPDX-License-Identifier: GPL-2.0
KDIR ?= $(if $(wildcard /lib/modules/$(shell uname -r)/build),/lib/modules/$(shell uname -r)/build,$(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))
all: module
module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
.PHONY: all module clean
