// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/boot.h"
#include "vmm/guest_mem.h"
#include "vmm/mptable.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Parses the table as a guest would and checks what it says. */
static void check_table(const struct guest_mem *mem, uint64_t addr,
			unsigned int ncpus)
{
	const uint8_t *mpf = guest_mem_ptr(mem, addr, 16);
	const uint8_t *mpc, *p;
	unsigned int count[5] = {0}, entries, bsp = 0;
	uint16_t len;

	assert_non_null(mpf);
	assert_memory_equal(mpf, "_MP_", 4);
	assert_int_equal(mpf[8], 1); /* length in paragraphs */
	assert_int_equal(mpf[9], 4); /* spec 1.4 */
	assert_int_equal(sum(mpf, 16), 0);
	assert_int_equal(mpf[11], 0); /* feature 1: table present */
	mpc = guest_mem_ptr(mem, le32(mpf + 4), 44);
	assert_non_null(mpc);
	assert_memory_equal(mpc, "PCMP", 4);
	len = le16(mpc + 4);
	assert_int_equal(sum(mpc, len), 0);
	assert_int_equal(le32(mpc + 36), MPTABLE_LAPIC_ADDR);
	entries = le16(mpc + 34);
	assert_int_equal(16 + len, mptable_size(ncpus));
	p = mpc + 44;
	for (unsigned int i = 0; i < entries; i++) {
		uint8_t type = p[0];

		assert_true(type <= 4);
		count[type]++;
		if (type == 0) {
			assert_int_equal(p[1], count[0] - 1); /* APIC IDs */
			assert_true(p[3] & 1);
			if (p[3] & 2)
				bsp++;
			p += 20;
		} else {
			if (type == 2) {
				assert_int_equal(p[1], ncpus);
				assert_int_equal(le32(p + 4),
						 MPTABLE_IOAPIC_ADDR);
			}
			if (type == 3) {
				assert_int_equal(p[5], p[7]); /* irq = pin */
				assert_int_equal(p[6], ncpus);
			}
			p += 8;
		}
	}
	assert_ptr_equal(p, mpc + len);
	assert_int_equal(count[0], ncpus);
	assert_int_equal(bsp, 1);
	assert_int_equal(count[1], 1);
	assert_int_equal(count[2], 1);
	assert_int_equal(count[3], 16);
	assert_int_equal(count[4], 2);
}

static void test_mptable_counts(void **state)
{
	static const unsigned int cpus[] = {1, 2, 8, 40};
	struct guest_mem mem;

	(void)state;
	assert_int_equal(guest_mem_init(&mem, 2ull << 20), 0);
	for (size_t i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++) {
		assert_true(mptable_size(cpus[i]) <= 0x400);
		assert_int_equal(mptable_write(&mem, BOOT_EBDA_START, cpus[i]),
				 (int)mptable_size(cpus[i]));
		check_table(&mem, BOOT_EBDA_START, cpus[i]);
	}
	guest_mem_free(&mem);
}

static void test_mptable_large(void **state)
{
	struct guest_mem mem;

	(void)state;
	assert_int_equal(guest_mem_init(&mem, 2ull << 20), 0);
	/* 41 CPUs no longer fit the EBDA kilobyte: the VM uses 0xf0000. */
	assert_true(mptable_size(41) > 0x400);
	assert_true(mptable_write(&mem, BOOT_BIOS_START, 254) > 0);
	check_table(&mem, BOOT_BIOS_START, 254);
	assert_int_equal(mptable_write(&mem, BOOT_BIOS_START, 0), -EINVAL);
	assert_int_equal(mptable_write(&mem, BOOT_BIOS_START, 255), -EINVAL);
	/* Must stay below 1 MiB where the guest scans. */
	assert_int_equal(mptable_write(&mem, 0xfff00, 4), -ENOSPC);
	guest_mem_free(&mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mptable_counts),
		cmocka_unit_test(test_mptable_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
