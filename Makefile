# cocoon — top-level build. `make help` lists the targets.
#
# Layout: each module folder (common, vmm, guest, images, stage0, initrd)
# builds into build/lib<module>.a from every .c in it except main.c; a
# module's main.c is its program. Unit tests tests/unit/test_<module>_*.c
# link against lib<module>.a; KVM tests tests/kvm/test_*.c against libvmm.a;
# fuzz targets tests/fuzz/fuzz_<module>_*.c against clang builds of the
# module. Adding a file never needs an edit here.

MAKEFLAGS += --no-builtin-rules
.SUFFIXES:

PREFIX ?= /usr/local
BUILD ?= build
CC ?= gcc
CLANG ?= clang
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral \
	-Wstrict-prototypes -Wmissing-prototypes -Wvla -Wundef
BASE_CFLAGS := -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -I. -fno-strict-aliasing \
	-fstack-protector-strong -D_FORTIFY_SOURCE=2 -MMD -MP
ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -g -O1 \
	-fno-omit-frame-pointer

PKG_IMAGES := json-c libarchive gpgme libcurl sqlite3
LIBS_common := $(shell pkg-config --libs json-c 2>/dev/null)
# cocoon-vmm's sandbox: libseccomp for its per-thread filters.
LIBS_vmm := -lpthread -lseccomp
# cocoon-init is static: json-c for the control protocol, libseccomp for
# the apps' filters (Debian ships both as .a).
LIBS_guest := -ljson-c -lseccomp
LIBS_initrd :=
LIBS_images := $(shell pkg-config --libs $(PKG_IMAGES) 2>/dev/null)
# cocoon loads libcurl, libarchive and gpgme on first use
# (images/lazylib.h): a run from the store never pays for them.
LIBS_stage0 := $(shell pkg-config --libs json-c sqlite3 libseccomp \
	2>/dev/null)
CFLAGS_PKG := $(shell pkg-config --cflags $(PKG_IMAGES) 2>/dev/null)
# stage0 links images; everyone links common.
DEPLIBS_stage0 := images
MODULES := common vmm guest images stage0 initrd

srcs = $(filter-out $(1)/main.c $(1)/runtime_main.c,$(wildcard $(1)/*.c $(1)/*/*.c))
objs = $(patsubst %.c,$(BUILD)/$(2)/%.o,$(call srcs,$(1)))

KERNEL_DIR_GUEST = $(shell kernel-config/build-kernel guest)

.PHONY: all help deps test check-unit check-asan check-fuzz check-kvm \
	check-integration check-toolbox lint format install clean kernel \
	testhost-kernel demo bench man completion
.DEFAULT_GOAL := all

all: $(BUILD)/cocoon $(BUILD)/cocoon-vmm $(BUILD)/cocoon-init \
	$(BUILD)/initrd.cpio $(BUILD)/vmlinux $(BUILD)/man/stamp \
	$(BUILD)/completion/cocoon $(BUILD)/cocoon-runtime

help:
	@echo "make            build everything into $(BUILD)/ (kernel from the cache)"
	@echo "make deps       install the Debian packages the build and tests need"
	@echo "make test       the whole suite: unit (+ASan/UBSan), fuzz smoke, KVM, integration"
	@echo "make demo       boot a VM to cocoon-init and print the guest's greeting"
	@echo "make lint       clang-format check, cppcheck, shellcheck"
	@echo "make bench      run the benchmarks in bench/"
	@echo "make install    install into PREFIX=$(PREFIX)"
	@echo "make man        the man pages into $(BUILD)/man (also part of make)"
	@echo "make check-toolbox  man pages, completion, config, systemd units"

deps:
	tests/deps.sh

# ---- objects: normal, sanitized, fuzz (clang)
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CFLAGS_PKG) -c $< -o $@

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -O1 -g $(SAN_FLAGS) $(CFLAGS_PKG) -c $< -o $@

$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(BASE_CFLAGS) -Wno-unknown-warning-option $(FUZZ_FLAGS) \
		$(CFLAGS_PKG) -DCOCOON_FUZZ -c $< -o $@

define module_libs
$(BUILD)/lib$(1).a: $(call objs,$(1),obj)
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
$(BUILD)/asan/lib$(1).a: $(call objs,$(1),asan)
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
$(BUILD)/fuzzobj/lib$(1).a: $(call objs,$(1),fuzzobj)
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call module_libs,$(m))))

# ---- programs
# A module's own library is linked whole: its commands and devices register
# themselves through linker sections, which nothing else references.
WHOLE = -Wl,--whole-archive $(1) -Wl,--no-whole-archive
$(BUILD)/cocoon: $(BUILD)/obj/stage0/main.o $(BUILD)/libstage0.a \
		$(BUILD)/libimages.a $(BUILD)/libcommon.a
	$(CC) $(ALL_CFLAGS) -o $@ $< $(call WHOLE,$(BUILD)/libstage0.a) \
		$(BUILD)/libimages.a $(BUILD)/libcommon.a $(LIBS_stage0)

# The OCI runtime (docs/oci.md): its own main, the same stage0 library.
$(BUILD)/cocoon-runtime: $(BUILD)/obj/stage0/runtime_main.o \
		$(BUILD)/libstage0.a $(BUILD)/libimages.a $(BUILD)/libcommon.a
	$(CC) $(ALL_CFLAGS) -o $@ $< $(call WHOLE,$(BUILD)/libstage0.a) \
		$(BUILD)/libimages.a $(BUILD)/libcommon.a $(LIBS_stage0)

$(BUILD)/cocoon-vmm: $(BUILD)/obj/vmm/main.o $(BUILD)/libvmm.a \
		$(BUILD)/libcommon.a
	$(CC) $(ALL_CFLAGS) -o $@ $< $(call WHOLE,$(BUILD)/libvmm.a) \
		$(BUILD)/libcommon.a $(LIBS_vmm)

# A VMM that makes a forbidden syscall once running: the sandbox must kill
# it (tests/integration/test_vmm_sandbox.sh).
$(BUILD)/obj/tests/violate/vmm/main.o: vmm/main.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DCOCOON_VMM_TEST_VIOLATION -c $< -o $@

$(BUILD)/tests/cocoon-vmm-violate: $(BUILD)/obj/tests/violate/vmm/main.o \
		$(BUILD)/libvmm.a $(BUILD)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(call WHOLE,$(BUILD)/libvmm.a) \
		$(BUILD)/libcommon.a $(LIBS_vmm)

$(BUILD)/cocoon-init: $(BUILD)/obj/guest/main.o $(BUILD)/libguest.a \
		$(BUILD)/libcommon.a
	$(CC) $(ALL_CFLAGS) -static -o $@ $^ $(LIBS_guest)

$(BUILD)/mkcpio: $(BUILD)/obj/initrd/main.o $(BUILD)/libinitrd.a \
		$(BUILD)/libcommon.a
	$(CC) $(ALL_CFLAGS) -o $@ $^

$(BUILD)/initrd.cpio: $(BUILD)/mkcpio $(BUILD)/cocoon-init initrd/contents
	$(BUILD)/mkcpio -o $@.tmp -C $(BUILD) initrd/contents && mv $@.tmp $@

# The test initrd: the product one plus busybox and the guest-side test
# helper, for integration tests that run commands in the guest.
$(BUILD)/guest-helper: tests/integration/guest-helper.c
	$(CC) $(ALL_CFLAGS) -static -o $@ $<

$(BUILD)/initrd-test.cpio: $(BUILD)/mkcpio $(BUILD)/cocoon-init \
		$(BUILD)/guest-helper initrd/contents \
		tests/integration/initrd-test.contents \
		tests/integration/initrd-helper.contents
	$(BUILD)/mkcpio -o $@.tmp -C $(BUILD) initrd/contents \
		-C / tests/integration/initrd-test.contents \
		-C $(BUILD) tests/integration/initrd-helper.contents && \
		mv $@.tmp $@

# The signed test image for pods (tests/integration/podlib.sh).
$(BUILD)/pod-fixtures/stamp: tests/integration/mkpodimage $(BUILD)/guest-helper
	tests/integration/mkpodimage $(BUILD)/pod-fixtures

# The guest kernel is built once per config hash into /var/cache/cocoon.
$(BUILD)/vmlinux $(BUILD)/bzImage: kernel-config/guest.config \
		kernel-config/build-kernel
	@mkdir -p $(BUILD)
	d=$$(kernel-config/build-kernel guest) && \
		ln -sf $$d/vmlinux $(BUILD)/vmlinux && \
		ln -sf $$d/bzImage $(BUILD)/bzImage

kernel: $(BUILD)/vmlinux
testhost-kernel: $(BUILD)/mkcpio
	tests/testhost/kernel

# ---- man pages and bash completion: made by the built cocoon from the
# commands' usage texts, the text --help prints (docs/toolbox.md)
$(BUILD)/man/stamp: $(BUILD)/cocoon
	rm -rf $(BUILD)/man && mkdir -p $(BUILD)/man
	$(BUILD)/cocoon help --man-dir=$(BUILD)/man
	touch $@

$(BUILD)/completion/cocoon: $(BUILD)/cocoon
	@mkdir -p $(@D)
	$(BUILD)/cocoon help --completion=bash >$@.tmp && mv $@.tmp $@

man: $(BUILD)/man/stamp
completion: $(BUILD)/completion/cocoon

# ---- tests
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
ASAN_BINS := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/unit/%,$(UNIT_SRCS))
KVM_SRCS := $(wildcard tests/kvm/test_*.c)
KVM_BINS := $(patsubst tests/kvm/%.c,$(BUILD)/tests/kvm/%,$(KVM_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
unit_mod = $(word 2,$(subst _, ,$(notdir $(1))))
unit_libs = $(2)/lib$(call unit_mod,$(1)).a \
	$(foreach d,$(DEPLIBS_$(call unit_mod,$(1))),$(2)/lib$(d).a) \
	$(2)/libcommon.a
unit_ldlibs = $(LIBS_$(call unit_mod,$(1))) -lcmocka

.SECONDEXPANSION:
$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o \
		$$(call unit_libs,$$*,$(BUILD))
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(call WHOLE,$(word 2,$^)) \
		$(wordlist 3,9,$^) $(call unit_ldlibs,$*)

$(BUILD)/asan/tests/unit/%: $(BUILD)/asan/tests/unit/%.o \
		$$(call unit_libs,$$*,$(BUILD)/asan)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -o $@ $< $(call WHOLE,$(word 2,$^)) \
		$(wordlist 3,9,$^) $(call unit_ldlibs,$*)

$(BUILD)/tests/kvm/%: $(BUILD)/obj/tests/kvm/%.o $(BUILD)/libvmm.a \
		$(BUILD)/libcommon.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(call WHOLE,$(BUILD)/libvmm.a) \
		$(BUILD)/libcommon.a $(LIBS_vmm)

$(BUILD)/fuzz/%: $(BUILD)/fuzzobj/tests/fuzz/%.o \
		$$(call unit_libs,$$*,$(BUILD)/fuzzobj)
	@mkdir -p $(@D)
	$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $< \
		$(call WHOLE,$(word 2,$^)) $(wordlist 3,9,$^) \
		$(LIBS_$(call unit_mod,$*))

tests-build: all $(BUILD)/tests/cocoon-vmm-violate $(BUILD)/initrd-test.cpio $(BUILD)/pod-fixtures/stamp $(UNIT_BINS) $(ASAN_BINS) $(KVM_BINS)

check-unit: $(UNIT_BINS)
	tests/run-unit $(UNIT_BINS)

check-asan: $(ASAN_BINS)
	tests/run-unit $(ASAN_BINS)

check-fuzz: $(FUZZ_BINS)
	tests/run-fuzz $(FUZZ_BINS)

check-kvm: all $(KVM_BINS)
	tests/run-kvm $(KVM_BINS)

check-integration: all
	tests/run-integration

check-toolbox: all
	tests/run-toolbox

test: deps
	$(MAKE) -j$$(nproc) tests-build $(FUZZ_BINS)
	tests/run-suite

demo: deps
	$(MAKE) all $(BUILD)/pod-fixtures/stamp
	tests/demo

bench: all
	bench/run-all

lint:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
		--inline-suppr --suppress=missingIncludeSystem -I. \
		$$(git ls-files '*.c')
	shellcheck -x -S warning $$(git ls-files | xargs grep -l '^#!.*sh' 2>/dev/null)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/cocoon
	install -m 0755 $(BUILD)/cocoon $(DESTDIR)$(PREFIX)/bin/cocoon
	install -m 0755 $(BUILD)/cocoon-runtime $(DESTDIR)$(PREFIX)/bin/cocoon-runtime
	install -m 0755 $(BUILD)/cocoon-vmm $(DESTDIR)$(PREFIX)/lib/cocoon/
	install -m 0644 $(BUILD)/initrd.cpio $(DESTDIR)$(PREFIX)/lib/cocoon/
	install -m 0644 $$(readlink -f $(BUILD)/vmlinux) \
		$(DESTDIR)$(PREFIX)/lib/cocoon/vmlinux
	install -d $(DESTDIR)$(PREFIX)/lib/cocoon/net.d
	install -m 0644 stage0/net.d/*.conflist $(DESTDIR)$(PREFIX)/lib/cocoon/net.d/
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 $(BUILD)/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(BUILD)/completion/cocoon \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/cocoon
	# The units name /usr/bin/cocoon; installed, they name this PREFIX's.
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system \
		$(DESTDIR)$(PREFIX)/lib/tmpfiles.d
	for u in stage0/systemd/*.service stage0/systemd/*.timer; do \
		sed 's|/usr/bin/cocoon|$(PREFIX)/bin/cocoon|' $$u \
			>$(DESTDIR)$(PREFIX)/lib/systemd/system/$$(basename $$u) && \
		chmod 0644 $(DESTDIR)$(PREFIX)/lib/systemd/system/$$(basename $$u) || \
		exit 1; \
	done
	install -m 0644 stage0/systemd/tmpfiles.d/cocoon.conf \
		$(DESTDIR)$(PREFIX)/lib/tmpfiles.d/cocoon.conf

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
