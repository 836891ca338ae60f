// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "guest/iomem.h"

#define MIB (1024ULL * 1024)

/* What a 6.1 guest shows under `cocoon-vmm --mem 64`. */
static const char iomem_64m[] = "00000000-00000fff : Reserved\n"
				"00001000-0009fbff : System RAM\n"
				"0009fc00-000fffff : Reserved\n"
				"  000f0000-000fffff : System ROM\n"
				"00100000-03ffffff : System RAM\n"
				"  01000000-01a01e86 : Kernel code\n"
				"  01c00000-01d1dfff : Kernel rodata\n"
				"  01e00000-01e9c4ff : Kernel data\n"
				"  02000000-020fffff : Kernel bss\n"
				"d0000000-d0000fff : virtio-mmio.0\n";

static void test_vm_64m(void **state)
{
	uint64_t bytes = 0;

	(void)state;
	assert_int_equal(iomem_system_ram(iomem_64m, &bytes), 0);
	assert_int_equal(bytes, 0x9ec00 + 0x3f00000);
	/* 63.6 MiB: rounds to what --mem said. */
	assert_int_equal(iomem_round_mib(bytes), 64);
}

static void test_large_and_uppercase(void **state)
{
	uint64_t bytes = 0;

	(void)state;
	/* 4 GiB split around a 32-bit hole; no trailing newline. */
	assert_int_equal(
		iomem_system_ram("00100000-BFFFFFFF : System RAM\n"
				 "c0000000-fedfffff : PCI Bus 0000:00\n"
				 "100000000-1400fffff : System RAM",
				 &bytes),
		0);
	assert_int_equal(bytes, 0xbff00000ULL + 0x40100000ULL);
}

static void test_nested_ram_counted_once(void **state)
{
	uint64_t bytes = 0;

	(void)state;
	assert_int_equal(
		iomem_system_ram("00000000-00ffffff : System RAM\n"
				 "  00100000-001fffff : System RAM\n"
				 "    00100000-0010ffff : Kernel code\n"
				 "01000000-01ffffff : hotplug\n"
				 "  01000000-017fffff : System RAM\n",
				 &bytes),
		0);
	assert_int_equal(bytes, 16 * MIB + 8 * MIB);
}

static void test_errors(void **state)
{
	uint64_t bytes = 0;

	(void)state;
	assert_int_equal(iomem_system_ram("", &bytes), -ENOENT);
	assert_int_equal(
		iomem_system_ram("00000000-00000fff : Reserved\n", &bytes),
		-ENOENT);
	/* What a reader without CAP_SYS_ADMIN sees. */
	assert_int_equal(iomem_system_ram("00000000-00000000 : Reserved\n"
					  "00000000-00000000 : System RAM\n",
					  &bytes),
			 -EACCES);
	assert_int_equal(iomem_system_ram("garbage\n", &bytes), -EINVAL);
	assert_int_equal(iomem_system_ram("0-1 System RAM\n", &bytes), -EINVAL);
	assert_int_equal(iomem_system_ram("2-1 : System RAM\n", &bytes),
			 -EINVAL);
	assert_int_equal(iomem_system_ram("-1 : System RAM\n", &bytes),
			 -EINVAL);
	/* 17 hex digits do not fit 64 bits. */
	assert_int_equal(
		iomem_system_ram("0-10000000000000000 : System RAM\n", &bytes),
		-EINVAL);
	/* The whole address space would wrap the size to 0. */
	assert_int_equal(
		iomem_system_ram("0-ffffffffffffffff : System RAM\n", &bytes),
		-EINVAL);
	/* Two halves whose sum overflows. */
	assert_int_equal(
		iomem_system_ram(
			"0-8000000000000000 : System RAM\n"
			"8000000000000001-ffffffffffffffff : System RAM\n",
			&bytes),
		-EINVAL);
	/* A name that only starts like System RAM does not count. */
	assert_int_equal(iomem_system_ram("0-fff : System RAMX\n", &bytes),
			 -ENOENT);
}

static void test_round(void **state)
{
	(void)state;
	assert_int_equal(iomem_round_mib(0), 0);
	assert_int_equal(iomem_round_mib(MIB / 2 - 1), 0);
	assert_int_equal(iomem_round_mib(MIB / 2), 1);
	assert_int_equal(iomem_round_mib(64 * MIB - 400 * 1024), 64);
	assert_int_equal(iomem_round_mib(64 * MIB + MIB / 2 - 1), 64);
	assert_int_equal(iomem_round_mib(UINT64_MAX), UINT64_MAX / MIB + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vm_64m),
		cmocka_unit_test(test_large_and_uppercase),
		cmocka_unit_test(test_nested_ram_counted_once),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_round),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
