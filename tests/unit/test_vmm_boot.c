// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/boot.h"
#include "vmm/guest_mem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static void test_e820_small(void **state)
{
	struct boot_e820_entry e[8];
	struct guest_mem mem;

	(void)state;
	assert_int_equal(guest_mem_init(&mem, 128ull << 20), 0);
	assert_int_equal(boot_e820_build(&mem, 0, e, 8), 3);
	assert_int_equal(e[0].addr, 0);
	assert_int_equal(e[0].size, 0x9fc00);
	assert_int_equal(e[0].type, E820_TYPE_RAM);
	assert_int_equal(e[1].addr, 0x9fc00);
	assert_int_equal(e[1].size, 0x400);
	assert_int_equal(e[1].type, E820_TYPE_RESERVED);
	assert_int_equal(e[2].addr, 0x100000);
	assert_int_equal(e[2].size, (128ull << 20) - 0x100000);
	assert_int_equal(e[2].type, E820_TYPE_RAM);
	/* With the MP table in the BIOS area, that is reserved too. */
	assert_int_equal(boot_e820_build(&mem, 1, e, 8), 4);
	assert_int_equal(e[2].addr, 0xf0000);
	assert_int_equal(e[2].size, 0x10000);
	assert_int_equal(e[2].type, E820_TYPE_RESERVED);
	assert_int_equal(boot_e820_build(&mem, 0, e, 2), -E2BIG);
	guest_mem_free(&mem);
}

static void test_e820_high(void **state)
{
	struct boot_e820_entry e[8];
	struct guest_mem mem;
	uint64_t size = 6ull << 30;

	(void)state;
	assert_int_equal(guest_mem_init(&mem, size), 0);
	assert_int_equal(mem.low_size, GUEST_MMIO_HOLE_START);
	assert_int_equal(boot_e820_build(&mem, 0, e, 8), 4);
	assert_int_equal(e[2].addr, 0x100000);
	assert_int_equal(e[2].addr + e[2].size, GUEST_MMIO_HOLE_START);
	assert_int_equal(e[3].addr, GUEST_HIGH_MEM_START);
	assert_int_equal(e[3].size, size - GUEST_MMIO_HOLE_START);
	/* No RAM in the hole, and the high part maps past the low part. */
	assert_null(guest_mem_ptr(&mem, GUEST_MMIO_HOLE_START, 1));
	assert_null(guest_mem_ptr(&mem, GUEST_MMIO_HOLE_START - 1, 2));
	assert_ptr_equal(guest_mem_ptr(&mem, GUEST_HIGH_MEM_START, 1),
			 mem.host + GUEST_MMIO_HOLE_START);
	assert_non_null(guest_mem_ptr(
		&mem, GUEST_HIGH_MEM_START + size - GUEST_MMIO_HOLE_START - 1,
		1));
	assert_null(guest_mem_ptr(
		&mem, GUEST_HIGH_MEM_START + size - GUEST_MMIO_HOLE_START, 1));
	guest_mem_free(&mem);
}

static void test_guest_mem_bounds(void **state)
{
	struct guest_region r[2];
	struct guest_mem mem;

	(void)state;
	assert_int_equal(guest_mem_init(&mem, 4ull << 20), 0);
	assert_non_null(guest_mem_ptr(&mem, 0, 4ull << 20));
	assert_null(guest_mem_ptr(&mem, 0, (4ull << 20) + 1));
	assert_null(guest_mem_ptr(&mem, 1, UINT64_MAX));
	assert_null(guest_mem_ptr(&mem, UINT64_MAX, 2));
	assert_null(guest_mem_ptr(&mem, 4ull << 20, 0 + 1));
	assert_int_equal(guest_mem_regions(&mem, r), 1);
	assert_int_equal(r[0].size, 4ull << 20);
	guest_mem_free(&mem);
	assert_int_equal(guest_mem_init(&mem, 0), -EINVAL);
}

/* The VmFlags line of the mapping that holds addr, from smaps. */
static bool smaps_flags(const void *addr, char *flags, size_t size)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	bool in = false, found = false;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) && !found) {
		unsigned long lo, hi;

		/* a mapping's first line; the others are "Name: value" */
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
		else if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(flags, size, "%.200s", line + 8);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* RAM sits 2 MiB-aligned on the host (KVM's huge mappings need guest and
 * host addresses congruent mod 2 MiB), whatever its size, and takes the
 * huge page advice where the host kernel has THP. */
static void test_guest_mem_aligned(void **state)
{
	static const uint64_t sizes[] = {4ull << 20, (3ull << 20) + 4096,
					 128ull << 20};
	char flags[512];

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct guest_mem mem;
		int r;

		assert_int_equal(guest_mem_init(&mem, sizes[i]), 0);
		assert_int_equal((uintptr_t)mem.host % GUEST_MEM_ALIGN, 0);
		mem.host[0] = 1;
		mem.host[sizes[i] - 1] = 2;
		r = guest_mem_advise_huge(&mem);
		assert_true(r == 0 || r == -EINVAL);
		if (r == 0) {
			assert_true(
				smaps_flags(mem.host, flags, sizeof(flags)));
			if (!strstr(flags, " hg"))
				fail_msg("no hg in VmFlags:%s", flags);
		}
		assert_int_equal(mem.host[sizes[i] - 1], 2);
		guest_mem_free(&mem);
	}
}

static void test_cmdline_default(void **state)
{
	char buf[256];

	(void)state;
	assert_true(boot_cmdline_build(NULL, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "console=ttyS0 reboot=k panic=-1 quiet");
}

static void test_cmdline_user(void **state)
{
	char buf[256];

	(void)state;
	assert_true(boot_cmdline_build("root=/dev/x", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "root=/dev/x console=ttyS0 reboot=k panic=-1");
	/* What the user set stays, the rest is added. */
	assert_true(boot_cmdline_build("console=hvc0 panic=5", buf,
				       sizeof(buf)) > 0);
	assert_string_equal(buf, "console=hvc0 panic=5 reboot=k");
	/* A key is matched as a word, not inside another word. */
	assert_true(boot_cmdline_build("xconsole=1", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "xconsole=1 console=ttyS0 reboot=k panic=-1");
	/* Quoted values are not parameters of their own. */
	assert_true(boot_cmdline_build("x=\"a console=b\" panic=1", buf,
				       sizeof(buf)) > 0);
	assert_string_equal(buf, "x=\"a console=b\" panic=1 console=ttyS0 "
				 "reboot=k");
	assert_true(boot_cmdline_build("", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "console=ttyS0 reboot=k panic=-1");
}

static void test_cmdline_too_long(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(boot_cmdline_build(NULL, buf, sizeof(buf)),
			 -ENAMETOOLONG);
	assert_int_equal(
		boot_cmdline_build("0123456789abcdef", buf, sizeof(buf)),
		-ENAMETOOLONG);
}

static void test_boot_params_vmlinux(void **state)
{
	struct guest_mem mem;
	struct boot_params *bp;
	struct boot_info info = {
		.cmdline = "console=ttyS0",
		.initrd_addr = 0x7000000,
		.initrd_size = 12345,
	};

	(void)state;
	assert_int_equal(guest_mem_init(&mem, 128ull << 20), 0);
	assert_int_equal(boot_params_write(&mem, &info), 0);
	bp = guest_mem_ptr(&mem, BOOT_PARAMS_ADDR, sizeof(*bp));
	assert_int_equal(bp->hdr.boot_flag, 0xaa55);
	assert_memory_equal(&bp->hdr.header, "HdrS", 4);
	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	assert_true(bp->hdr.loadflags & LOADED_HIGH);
	assert_int_equal(bp->hdr.cmd_line_ptr, BOOT_CMDLINE_ADDR);
	assert_int_equal(bp->hdr.cmdline_size, strlen(info.cmdline));
	assert_string_equal((char *)mem.host + BOOT_CMDLINE_ADDR,
			    "console=ttyS0");
	assert_int_equal(bp->hdr.ramdisk_image, 0x7000000);
	assert_int_equal(bp->hdr.ramdisk_size, 12345);
	assert_int_equal(bp->e820_entries, 3);
	assert_int_equal(bp->e820_table[2].addr, 0x100000);
	/* vmlinux has no cmdline_size: the kernel keeps 2047 bytes. */
	{
		char long_line[2049];

		memset(long_line, 'a', sizeof(long_line) - 1);
		long_line[2048] = '\0';
		info.cmdline = long_line;
		assert_int_equal(boot_params_write(&mem, &info), -ENAMETOOLONG);
		long_line[2047] = '\0';
		assert_int_equal(boot_params_write(&mem, &info), 0);
	}
	guest_mem_free(&mem);
}

static void test_boot_params_bzimage(void **state)
{
	struct guest_mem mem;
	struct setup_header hdr;
	struct boot_params *bp;
	struct boot_info info = {.hdr = &hdr, .cmdline = "0123456789"};

	(void)state;
	memset(&hdr, 0, sizeof(hdr));
	hdr.boot_flag = 0xaa55;
	hdr.header = 0x53726448;
	hdr.version = 0x020f;
	hdr.setup_sects = 27;
	hdr.cmdline_size = 5; /* the kernel takes at most 5 bytes */
	assert_int_equal(guest_mem_init(&mem, 64ull << 20), 0);
	assert_int_equal(boot_params_write(&mem, &info), -ENAMETOOLONG);
	hdr.cmdline_size = 2048;
	assert_int_equal(boot_params_write(&mem, &info), 0);
	bp = guest_mem_ptr(&mem, BOOT_PARAMS_ADDR, sizeof(*bp));
	assert_int_equal(bp->hdr.setup_sects, 27); /* header copied */
	assert_int_equal(bp->hdr.version, 0x020f);
	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	guest_mem_free(&mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_e820_small),
		cmocka_unit_test(test_e820_high),
		cmocka_unit_test(test_guest_mem_bounds),
		cmocka_unit_test(test_guest_mem_aligned),
		cmocka_unit_test(test_cmdline_default),
		cmocka_unit_test(test_cmdline_user),
		cmocka_unit_test(test_cmdline_too_long),
		cmocka_unit_test(test_boot_params_vmlinux),
		cmocka_unit_test(test_boot_params_bzimage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
