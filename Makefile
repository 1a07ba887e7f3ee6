# SPDX-License-Identifier: GPL-2.0
#
# Entry point of the IOMMU project: builds our files into Debian's Linux 6.12
# source, boots the result in QEMU virt behind an emulated SMMUv3, and tests
# and benchmarks it.  This file is not laid over the kernel tree; every
# other file of the repository is (see tools/testing/iommu/overlay.py).
#
#   make run      boot our kernel, show the IOMMU groups and verified disk I/O
#   make check    lint, KUnit and kselftests; prints "N passed, N failed"
#   make stress   iommu-stress for DURATION seconds (600), strict and lazy
#   make bench    our kernel against the unmodified base, side by side
#   make bench-cmdq  only make bench's section on our command queue, on
#                 the model SMMU (ours only)
#   make compare-iommufd  upstream's iommufd kselftests on our kernel and
#                 on the base, both with make check's configuration
#   make insn-count  guest instructions of a map and an unmap of 1 and of
#                 256 pages, ours and base, strict and lazy (single-stepped,
#                 needs gdb-multiarch; INSN_PAGES="1 16" for other sizes)
#   make kernel   just build build/Image (BENCH=1: build/Image-bench,
#                 BASE=1: build/Image-base, BASE=1 DEBUG=1: the base with
#                 make check's configuration, build/Image-base-debug)
#   make lint     checkpatch, kernel-doc, sparse and W=1 over our files
#   make series   the project as a git patch series against the base, in
#                 build/series/ with a cover letter
#   make series-check  git am of the series onto the base gives the tree
#                 make kernel builds, checkpatch --strict on every patch,
#                 the kernel built and booted after every patch, and make
#                 check's first boot of the fully applied series
#   make deps     install the Debian packages and the guest's busybox
#
# README.md has the details.

SHELL		:= /bin/bash
.SHELLFLAGS	:= -o pipefail -c

BUILD		:= $(CURDIR)/build
HARNESS		:= tools/testing/iommu
FRAGMENT	:= $(HARNESS)/iommu-qemu.config
# Debugging options for the kernel of make check and make run, not for the
# two kernels make bench compares.
DEBUG_FRAGMENT	:= $(HARNESS)/iommu-debug.config
CROSS		:= aarch64-linux-gnu-
JOBS		?= $(shell echo $$(( $$(nproc) + 1 )))

BASE_TARBALL	:= /usr/src/linux-source-6.12.tar.xz
BASE_SRC	:= $(BUILD)/base-src
OUR_SRC		:= $(BUILD)/src

# BASE=1 builds the unmodified base kernel, BENCH=1 ours, both with the
# benchmark configuration (no debugging options); by default, ours with
# them, for make check and make run.  BASE=1 DEBUG=1 builds the base with
# make check's configuration, for make compare-iommufd.
ifeq ($(SERIES),1)
# make series-check: the tree git am made of the series, make check's
# configuration.
SRC		:= $(BUILD)/series-am
OBJ		:= $(BUILD)/obj-series
IMAGE		:= $(BUILD)/Image-series
KCONFIG		:= $(FRAGMENT) $(DEBUG_FRAGMENT)
else ifeq ($(BASE)$(DEBUG),11)
SRC		:= $(BASE_SRC)
OBJ		:= $(BUILD)/obj-base-debug
IMAGE		:= $(BUILD)/Image-base-debug
KCONFIG		:= --lenient $(FRAGMENT) $(DEBUG_FRAGMENT)
else ifeq ($(BASE),1)
SRC		:= $(BASE_SRC)
OBJ		:= $(BUILD)/obj-base
IMAGE		:= $(BUILD)/Image-base
KCONFIG		:= --lenient $(FRAGMENT)
else ifeq ($(BENCH),1)
SRC		:= $(OUR_SRC)
OBJ		:= $(BUILD)/obj-bench
IMAGE		:= $(BUILD)/Image-bench
KCONFIG		:= $(FRAGMENT)
else
SRC		:= $(OUR_SRC)
OBJ		:= $(BUILD)/obj
IMAGE		:= $(BUILD)/Image
KCONFIG		:= $(FRAGMENT) $(DEBUG_FRAGMENT)
endif

# Fixed build identity, so that ccache can reuse objects across rebuilds.
KBUILD_ENV	:= KBUILD_BUILD_USER=kbuild KBUILD_BUILD_HOST=qemu \
		   KBUILD_BUILD_TIMESTAMP="2026-01-01"
KMAKE		= $(KBUILD_ENV) $(MAKE) -C $(SRC) O=$(OBJ) ARCH=arm64 \
		  CROSS_COMPILE=$(CROSS) CC="ccache $(CROSS)gcc"

INITRAMFS	:= $(BUILD)/initramfs.cpio.gz
SELFTESTS	:= $(BUILD)/selftests
KHDR		:= $(BUILD)/khdr
GUEST_BIN	:= $(BUILD)/guest-bin
GUEST_TOOLS	:= iommu-blk-verify iommu-dma-bench iommu-nvme-read iommu-stress
GUEST_MODULES	:= $(BUILD)/guest-modules
GUEST_CFLAGS	:= -static -O2 -Wall -Wextra -Werror -Wno-format-truncation \
		   -D_GNU_SOURCE \
		   -I$(CURDIR)/tools/testing/selftests/iommu

# Test selection for make check (README.md: "Running one test").
SELFTEST	?=
KUNIT		?=
TIMEOUT		?= 900
# Extra kernel command-line words for make run and make check.
APPEND		?=
# LAZY=0 skips make check's second boot, in lazy (DMA-FQ) mode; PLAIN=0
# skips its third, with the SMMUv3 driver's optional features off; PT=0
# its fourth, in passthrough mode with a few of the tests; ACPI=0 its
# fifth, through UEFI firmware and ACPI, and its sixth, on ACPI tables
# with an RMR and bad SMMUv3 input (FIRMWARE=0 skips only the sixth).
# make run boots through UEFI only when told, with ACPI=1 on the command
# line.
LAZY		?= 1
PLAIN		?= 1
PT		?= 1
ACPI		?= 1
FIRMWARE	?= $(ACPI)
RUN_ACPI	:= $(if $(filter command line,$(origin ACPI)),$(ACPI),0)
# Seconds of iommu-stress after the kselftests of make check's lazy boot;
# STRESS=0 leaves it out.
STRESS		?= 60
# make check's boots at once.
BOOT_JOBS	?= 2
# LINT=0 skips the lint step of make check.  (Not "?=": make has a
# built-in LINT variable.)
LINT		:= 1

PY		:= python3 $(HARNESS)/harness.py --build $(BUILD)
# No __pycache__ in the work tree: lint and the overlay take every file
# there that git does not ignore.
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: deps base-src overlay kernel guest initramfs run check stress bench \
	bench-cmdq \
	series series-results series-check \
	compare-iommufd insn-count iova-bench lint selftests clean distclean help
.DEFAULT_GOAL := help

help:
	@sed -n '/^#   make/s/^#  //p' Makefile

deps:
	@$(HARNESS)/deps.sh $(BUILD)

base-src: deps $(BASE_SRC)/.unpacked

$(BASE_SRC)/.unpacked: $(BASE_TARBALL)
	@echo "  UNPACK  $(BASE_TARBALL) (about 15 s)"
	@rm -rf $(BASE_SRC) $(BUILD)/linux-source-6.12
	@mkdir -p $(BUILD)
	@tar -xJf $(BASE_TARBALL) -C $(BUILD)
	@mv $(BUILD)/linux-source-6.12 $(BASE_SRC)
	@touch $@

overlay: base-src
	@$(HARNESS)/overlay.py $(BASE_SRC) $(CURDIR) $(OUR_SRC)

# The base kernel needs no overlay; ours does (also for SERIES=1, whose
# tree make series-check made from it).
kernel: base-src $(if $(filter 1,$(BASE)),,overlay)
	@$(HARNESS)/kconfig.sh $(SRC) $(OBJ) $(KCONFIG)
	@echo "  KERNEL  $(OBJ) (a full build takes about 5 minutes on 2 cores)"
	@# "modules" builds none (nothing is =m) but writes Module.symvers,
	@# which out-of-tree modules such as make bench's iova_bench link against.
	@$(KMAKE) -j$(JOBS) Image modules 2>&1 | $(HARNESS)/kbuild-progress.awk
	@cmp -s $(OBJ)/arch/arm64/boot/Image $(IMAGE) || \
		cp $(OBJ)/arch/arm64/boot/Image $(IMAGE)
	@echo "  IMAGE   $(IMAGE)"

# Guest user space: kselftests from the overlaid tree, the harness's guest
# tools, busybox and the init script, packed into one initramfs.  The
# kselftests build against the overlaid tree's uapi headers (iommufd's are
# newer than the cross compiler's), installed as kselftests expect.
selftests: overlay
	@echo "  HEADERS $(KHDR)"
	@$(KBUILD_ENV) $(MAKE) -s -C $(OUR_SRC) O=$(BUILD)/obj-headers \
		ARCH=arm64 INSTALL_HDR_PATH=$(KHDR) headers_install
	@echo "  SELFTEST tools/testing/selftests/iommu"
	@mkdir -p $(SELFTESTS)
	@$(MAKE) -s -C $(OUR_SRC)/tools/testing/selftests/iommu \
		ARCH=arm64 CROSS_COMPILE=$(CROSS) CC="$(CROSS)gcc -static" \
		KHDR_INCLUDES="-isystem $(KHDR)/include" OUTPUT=$(SELFTESTS) all

$(GUEST_BIN)/%: $(HARNESS)/guest/%.c $(wildcard $(HARNESS)/guest/*.h) \
		$(wildcard tools/testing/selftests/iommu/*.h) | deps
	@mkdir -p $(GUEST_BIN)
	@echo "  GUEST   $*"
	@$(CROSS)gcc $(GUEST_CFLAGS) -o $@ $<

# The kernel's own user-space DMA map benchmark.  Its header lives in the
# kernel's include/linux/, not in uapi; it includes nothing, so a copy of it
# beside the cross compiler's uapi headers is all the tool needs.  Its
# sources appear with the overlay, so it is simply rebuilt each time (well
# under a second).
DMA_TOOL_INC	:= $(BUILD)/dma-tool-include

$(GUEST_BIN)/dma_map_benchmark: overlay
	@mkdir -p $(GUEST_BIN) $(DMA_TOOL_INC)/linux
	@cp $(OUR_SRC)/include/linux/map_benchmark.h $(DMA_TOOL_INC)/linux/
	@$(CROSS)gcc -static -O2 -I$(DMA_TOOL_INC) -o $@ \
		$(OUR_SRC)/tools/testing/selftests/dma/dma_map_benchmark.c

# The initramfs also carries whatever modules make iova-bench left in
# $(GUEST_MODULES); only make bench builds them and loads them.
# kselftest iommu_fail_nth reads where the subsystem's code lies in make
# check's kernel from /usr/share/iommu/text-range.
GUEST_SHARE	:= $(BUILD)/guest-share
TEXT_OBJ	?= $(BUILD)/obj

initramfs: deps selftests $(addprefix $(GUEST_BIN)/,$(GUEST_TOOLS)) \
		$(GUEST_BIN)/dma_map_benchmark
	@if [ -f $(TEXT_OBJ)/System.map ]; then \
		$(HARNESS)/text-range.sh $(TEXT_OBJ) $(GUEST_SHARE)/text-range \
			$(GUEST_SHARE)/kmemleak-record; \
	fi
	@$(HARNESS)/mkinitramfs.sh $(BUILD) $(INITRAMFS) $(HARNESS)/init.sh \
		$(SELFTESTS) $(GUEST_BIN) $(GUEST_MODULES) $(GUEST_SHARE)

# make bench's IOVA allocator microbenchmark, a module built out of tree
# against each kernel's build directory, so that the same source runs in
# both with each kernel's own headers and vermagic.  M= builds in the
# module's directory, so each kernel gets a copy of the source of its own.
IOVA_BENCH	:= $(HARNESS)/iova-bench

# $(call iova-bench-module,KIND,SRC,OBJ)
define iova-bench-module
	@echo "  MODULE  iova_bench.ko for $(3)"
	@test -f $(3)/Module.symvers || { echo "iova-bench: build" \
		"$(3) first (make kernel $(if $(filter base,$(1)),BASE=1,BENCH=1))"; exit 1; }
	@mkdir -p $(BUILD)/iova-bench-$(1) $(GUEST_MODULES)
	@cp -p $(IOVA_BENCH)/Kbuild $(IOVA_BENCH)/*.c $(BUILD)/iova-bench-$(1)/
	@$(KBUILD_ENV) $(MAKE) -s -C $(2) O=$(3) M=$(BUILD)/iova-bench-$(1) \
		ARCH=arm64 CROSS_COMPILE=$(CROSS) CC="ccache $(CROSS)gcc" modules
	@cp $(BUILD)/iova-bench-$(1)/iova_bench.ko \
		$(GUEST_MODULES)/iova_bench-$(1).ko
endef

iova-bench: deps
	$(call iova-bench-module,ours,$(OUR_SRC),$(BUILD)/obj-bench)
	$(call iova-bench-module,base,$(BASE_SRC),$(BUILD)/obj-base)

guest: initramfs

run: kernel initramfs
	@$(PY) run --image $(IMAGE) --append "$(APPEND)" \
		$(if $(filter 1,$(RUN_ACPI)),--acpi)

# Lint runs beside the kernel build and the boots, which leave the CPUs
# idle much of the time (the guest waits for devices); the summary waits
# for it.  The overlay is laid first, so that the two never race on it.
# The harness's unit tests read KTAP with the base tree's KUnit parser.
check: base-src
	@rm -rf $(BUILD)/check && mkdir -p $(BUILD)/check
	@$(PY) unit $(BUILD)/check/harness.results
	@$(MAKE) --no-print-directory overlay
	@lint=; \
	if [ "$(LINT)" = 1 ]; then \
		{ $(MAKE) --no-print-directory lint-results || \
		  echo "FAIL lint.setup the lint build failed, see $(BUILD)/check/lint.out" \
			>> $(BUILD)/check/lint.results; } \
			> $(BUILD)/check/lint.out 2>&1 & lint=$$!; \
		echo "  LINT    in the background (output: $(BUILD)/check/lint.out)"; \
	fi; \
	{ $(MAKE) --no-print-directory series-results || \
	  echo "FAIL series.make see $(BUILD)/check/series.out" \
		>> $(BUILD)/check/series.results; } \
		> $(BUILD)/check/series.out 2>&1 & series=$$!; \
	echo "  SERIES  in the background (output: $(BUILD)/check/series.out)"; \
	$(HARNESS)/tree_check.py $(CURDIR) $(OUR_SRC) \
		$(BUILD)/check/tree.results || \
		echo "FAIL tree.drivers_iommu_ours no overlaid tree to check" \
			> $(BUILD)/check/tree.results; \
	if $(MAKE) --no-print-directory kernel initramfs; then \
		echo "PASS build.kernel_and_initramfs" > $(BUILD)/check/build.results; \
		$(PY) check --image $(IMAGE) --timeout $(TIMEOUT) \
			--selftest "$(SELFTEST)" --kunit "$(KUNIT)" \
			--append "$(APPEND)" --stress $(STRESS) --jobs $(BOOT_JOBS) \
			--output $(BUILD)/check/boots.results \
			$(if $(filter 0,$(LAZY)),,--lazy) \
			$(if $(filter 0,$(PLAIN)),,--plain) \
			$(if $(filter 0,$(PT)),,--pt) \
			$(if $(filter 1,$(ACPI)),--acpi) \
			$(if $(filter 1,$(FIRMWARE)),--firmware); \
	else \
		echo "FAIL build.kernel_and_initramfs see the build output above" \
			> $(BUILD)/check/build.results; \
	fi; \
	if [ -n "$$lint" ]; then \
		wait $$lint; \
		grep -v '^  ' $(BUILD)/check/lint.out || true; \
	fi; \
	wait $$series; \
	$(PY) summary $$(for r in harness lint series tree build boots; do \
		f=$(BUILD)/check/$$r.results; [ ! -f $$f ] || echo $$f; done) \
		| tee $(BUILD)/check/summary.out; rc=$${PIPESTATUS[0]}; \
	{ echo "$$(date -u '+%Y-%m-%d %H:%M') UTC, commit" \
		"$$(git rev-parse --short HEAD 2>/dev/null)$$(git diff \
		--quiet HEAD 2>/dev/null || echo ' with local changes'):"; \
	  grep -v '^PASS\|^SKIP' $(BUILD)/check/summary.out; } \
		> $(BUILD)/last-check.txt; \
	exit $$rc

# iommu-stress in boots of its own, strict and lazy (see README.md).
DURATION	?= 600
stress: deps
	@$(MAKE) --no-print-directory kernel initramfs
	@$(PY) stress --image $(IMAGE) --duration $(DURATION) \
		--append "$(APPEND)"

# Upstream's iommufd kselftests (the same binaries) on our kernel and on the
# unmodified base, both with make check's configuration; RUNS boots each.
RUNS		?= 3
compare-iommufd: deps
	@$(MAKE) --no-print-directory kernel initramfs
	@$(MAKE) --no-print-directory kernel BASE=1 DEBUG=1
	@$(PY) compare-iommufd --image $(IMAGE) \
		--base-image $(BUILD)/Image-base-debug --runs $(RUNS) \
		--append "$(APPEND)"

bench: deps
	@$(MAKE) --no-print-directory kernel BENCH=1
	@$(MAKE) --no-print-directory kernel BASE=1
	@$(MAKE) --no-print-directory iova-bench
	@$(MAKE) --no-print-directory initramfs
	@$(PY) bench --image $(BUILD)/Image-bench \
		--base-image $(BUILD)/Image-base

# make bench's section on our command queue alone: the model SMMU, ours only.
bench-cmdq: deps
	@$(MAKE) --no-print-directory kernel BENCH=1
	@$(MAKE) --no-print-directory initramfs
	@$(PY) bench --only cmdq --image $(BUILD)/Image-bench \
		--base-image $(BUILD)/Image-base

# Deterministic where make bench's wall-clock figures are not: the guest
# instructions of one map and one unmap, in both kernels and both modes.
INSN_PAGES	?= 1 256
insn-count: deps
	@$(MAKE) --no-print-directory kernel BENCH=1
	@$(MAKE) --no-print-directory kernel BASE=1
	@$(MAKE) --no-print-directory initramfs
	@command -v gdb-multiarch > /dev/null || \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdb-multiarch
	@mkdir -p $(BUILD)/insn-count
	@for pages in $(INSN_PAGES); do \
	for mode in strict lazy; do \
		words=; [ $$mode = lazy ] && words=iommu.strict=0; \
		for kind in ours base; do \
			if [ $$kind = ours ]; then img=Image-bench obj=obj-bench; \
			else img=Image-base obj=obj-base; fi; \
			echo "  INSN    $$kind kernel, $$mode mode, $$pages-page mappings"; \
			$(HARNESS)/insn-count/insn-count.sh $(BUILD) \
				$(BUILD)/$$img $(BUILD)/$$obj/vmlinux $$pages \
				$(BUILD)/insn-count/$$kind-$$mode-$$pages.txt \
				$$words | sed 's/^/        /' || exit 1; \
		done; \
	done; \
	done

# Lint writes one result per tool into build/check/; make lint prints them
# and fails on any finding, make check counts them with the other tests.
LINT_OBJ	:= $(BUILD)/obj-lint

# Lints the overlaid tree as it is: make lint lays the overlay first.
lint-results:
	@$(HARNESS)/kconfig.sh $(OUR_SRC) $(LINT_OBJ) $(FRAGMENT)
	@$(KBUILD_ENV) $(HARNESS)/lint.sh $(CURDIR) $(OUR_SRC) $(LINT_OBJ) \
		$(BUILD)/check/lint.results $(BASE_SRC)

# The patch series (README.md: "The patch series").  make check runs
# series-results, make series-check that and the rest.
SERIES_DIR	:= $(BUILD)/series
SERIES_CHECK	:= $(BUILD)/series-check

series: base-src
	@$(MAKE) --no-print-directory overlay
	@$(HARNESS)/series.py make $(BUILD) $(SERIES_DIR)

# The series and checks (a) and (b), after make overlay (make check runs
# it first).
SERIES_RESULTS	?= $(BUILD)/check/series.results
series-results:
	@$(HARNESS)/series.py make $(BUILD) $(SERIES_DIR)
	@$(HARNESS)/series.py check $(BUILD) $(SERIES_DIR) $(SERIES_RESULTS)

series-check: deps
	@rm -rf $(SERIES_CHECK) && mkdir -p $(SERIES_CHECK) $(BUILD)/check
	@$(MAKE) --no-print-directory overlay
	@$(MAKE) --no-print-directory series-results \
		SERIES_RESULTS=$(SERIES_CHECK)/series.results
	@$(MAKE) --no-print-directory initramfs
	@$(HARNESS)/series.py each $(BUILD) $(SERIES_DIR) \
		$(SERIES_CHECK)/each.results --jobs $(JOBS) --boot || true
	@if $(MAKE) --no-print-directory kernel SERIES=1 && \
	    $(MAKE) --no-print-directory initramfs \
		TEXT_OBJ=$(BUILD)/obj-series; then \
		$(PY) check --image $(BUILD)/Image-series --timeout $(TIMEOUT) \
			--selftest "$(SELFTEST)" --kunit "$(KUNIT)" \
			--append "$(APPEND)" --stress 0 --jobs 1 \
			--output $(SERIES_CHECK)/boot.results; \
	else \
		echo "FAIL series.boot the applied series' kernel did not build" \
			> $(SERIES_CHECK)/boot.results; \
	fi
	@$(PY) summary $(SERIES_CHECK)/series.results \
		$(SERIES_CHECK)/each.results $(SERIES_CHECK)/boot.results

lint: deps
	@mkdir -p $(BUILD)/check && rm -f $(BUILD)/check/lint.results
	@$(MAKE) --no-print-directory overlay
	@$(MAKE) --no-print-directory lint-results
	@$(PY) summary $(BUILD)/check/lint.results

clean:
	rm -rf $(BUILD)/obj $(BUILD)/obj-base $(BUILD)/obj-lint $(BUILD)/src \
		$(SELFTESTS) $(GUEST_BIN) $(GUEST_MODULES) $(GUEST_SHARE) \
		$(INITRAMFS) \
		$(BUILD)/iova-bench-ours $(BUILD)/iova-bench-base $(BUILD)/check \
		$(BUILD)/Image $(BUILD)/Image-base

distclean:
	rm -rf $(BUILD)
