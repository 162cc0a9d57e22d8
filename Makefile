# SPDX-License-Identifier: GPL-2.0
#
# nlb: build, test and demonstrate.
#
#   make            build kmod/nlb.ko and tools/nlbctl/nlbctl (nothing else)
#   make check      unit tests, fuzzers, then the selftests in QEMU guests
#                   booting Debian's 6.1 and 6.12 kernels
#   make demo       boot a guest and show a 4-node cluster at work
#   make bench      benchmarks (Documentation/bench.md): prints tables and
#                   writes bench/results.json
#   make clean      remove every build product
#
# KDIR selects the kernel build tree (default: the running kernel's, else
# the newest Debian linux-headers tree installed).

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64))))

.PHONY: all kmod nlbctl check check-debug demo bench clean deps

all: kmod nlbctl

kmod:
	@test -n "$(KDIR)" || { echo "nlb: no kernel headers found; install linux-headers or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

nlbctl:
	$(MAKE) -C tools/nlbctl

deps:
	tools/testing/install-deps --check || tools/testing/install-deps

check: deps
	tools/testing/check

check-debug: deps
	tools/testing/check --kernel nlbdbg

demo: deps
	tools/testing/demo

bench: deps
	bench/run

clean:
	-$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	$(MAKE) -C tools/nlbctl clean
	$(MAKE) -C kmod/core/tests clean
	$(MAKE) -C bench clean
	rm -rf build
