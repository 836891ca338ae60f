// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/boot.h"
#include "vmm/guest_mem.h"
#include "vmm/x86.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void test_gdt_entry_roundtrip(void **state)
{
	struct kvm_segment seg;

	(void)state;
	/* The classic flat 64-bit code descriptor. */
	assert_int_equal(x86_gdt_entry(0xa09b, 0, 0xfffff),
			 0x00af9b000000ffffull);
	assert_int_equal(x86_gdt_entry(0xc093, 0, 0xfffff),
			 0x00cf93000000ffffull);
	x86_segment_from_gdt(x86_gdt_entry(0xa09b, 0, 0xfffff), 0x10, &seg);
	assert_int_equal(seg.selector, 0x10);
	assert_int_equal(seg.base, 0);
	assert_int_equal(seg.limit, 0xffffffff);
	assert_int_equal(seg.type, 0xb);
	assert_int_equal(seg.present, 1);
	assert_int_equal(seg.s, 1);
	assert_int_equal(seg.l, 1);
	assert_int_equal(seg.db, 0);
	assert_int_equal(seg.g, 1);
	assert_int_equal(seg.unusable, 0);
	x86_segment_from_gdt(x86_gdt_entry(0x0089, 0x12345678, 0x67), 0x20,
			     &seg);
	assert_int_equal(seg.base, 0x12345678);
	assert_int_equal(seg.limit, 0x67);
	assert_int_equal(seg.g, 0);
	assert_int_equal(seg.s, 0);
}

static void test_gdt_in_memory(void **state)
{
	struct guest_mem mem;
	struct kvm_sregs sregs;
	uint64_t *gdt;

	(void)state;
	assert_int_equal(guest_mem_init(&mem, 2ull << 20), 0);
	assert_int_equal(x86_gdt_write(&mem), 0);
	gdt = guest_mem_ptr(&mem, BOOT_GDT_ADDR, 8 * X86_GDT_ENTRIES);
	assert_int_equal(gdt[0], 0);
	assert_int_equal(gdt[X86_GDT_CODE64 / 8], 0x00af9b000000ffffull);
	assert_int_equal(gdt[X86_GDT_DATA / 8], 0x00cf93000000ffffull);
	memset(&sregs, 0, sizeof(sregs));
	x86_sregs_long_mode(&sregs);
	/* What KVM is told matches what the guest will reload. */
	{
		struct kvm_segment cs;

		x86_segment_from_gdt(gdt[sregs.cs.selector / 8],
				     sregs.cs.selector, &cs);
		assert_memory_equal(&cs, &sregs.cs, sizeof(cs));
	}
	assert_int_equal(sregs.gdt.base, BOOT_GDT_ADDR);
	assert_int_equal(sregs.gdt.limit, 8 * X86_GDT_ENTRIES - 1);
	assert_int_equal(sregs.cs.selector, 0x10);
	assert_int_equal(sregs.ds.selector, 0x18);
	assert_int_equal(sregs.tr.type, 0xb);
	assert_true(sregs.cr0 & X86_CR0_PG);
	assert_true(sregs.cr0 & X86_CR0_PE);
	assert_true(sregs.cr4 & X86_CR4_PAE);
	assert_int_equal(sregs.efer, X86_EFER_LME | X86_EFER_LMA);
	assert_int_equal(sregs.cr3, BOOT_PML4_ADDR);
	guest_mem_free(&mem);
}

/* Walks the tables as the MMU would. */
static uint64_t translate(const struct guest_mem *mem, uint64_t va)
{
	uint64_t cr3 = BOOT_PML4_ADDR;
	uint64_t *pml4 = guest_mem_ptr(mem, cr3, 4096);
	uint64_t pml4e = pml4[(va >> 39) & 511], pdpte, pde;
	uint64_t *pdpt, *pd;

	if (!(pml4e & X86_PTE_PRESENT))
		return ~0ull;
	pdpt = guest_mem_ptr(mem, pml4e & ~0xfffull, 4096);
	pdpte = pdpt[(va >> 30) & 511];
	if (!(pdpte & X86_PTE_PRESENT))
		return ~0ull;
	pd = guest_mem_ptr(mem, pdpte & ~0xfffull, 4096);
	pde = pd[(va >> 21) & 511];
	if (!(pde & X86_PTE_PRESENT) || !(pde & X86_PTE_PS))
		return ~0ull;
	return (pde & ~0x1fffffull) | (va & 0x1fffff);
}

static void test_page_tables(void **state)
{
	struct guest_mem mem;
	const uint64_t probes[] = {0,	       0x7000,	   0x1000000,
				   0x1234567,  0x3fffffff, 0x40000000,
				   0xd0000000, 0xfffff000};

	(void)state;
	assert_int_equal(guest_mem_init(&mem, 2ull << 20), 0);
	assert_int_equal(x86_page_tables_write(&mem), 0);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		assert_int_equal(translate(&mem, probes[i]), probes[i]);
	assert_int_equal(translate(&mem, 0x100000000ull), ~0ull);
	/* The tables lie below the flat-binary area and above the GDT. */
	assert_true(BOOT_PD_ADDR + 4 * 4096 <= BOOT_FLAT_ADDR);
	guest_mem_free(&mem);
}

static void test_tables_need_memory(void **state)
{
	struct guest_mem mem = {0};

	(void)state;
	assert_int_not_equal(x86_page_tables_write(&mem), 0);
	assert_int_not_equal(x86_gdt_write(&mem), 0);
}

static void test_real_and_prot32(void **state)
{
	struct kvm_sregs s;

	(void)state;
	memset(&s, 0, sizeof(s));
	x86_sregs_real_mode(&s, 0x1000);
	assert_int_equal(s.cs.selector, 0x1000);
	assert_int_equal(s.cs.base, 0x10000);
	assert_int_equal(s.cs.limit, 0xffff);
	assert_int_equal(s.ss.base, 0);
	assert_false(s.cr0 & X86_CR0_PE);
	x86_sregs_prot32(&s);
	assert_true(s.cr0 & X86_CR0_PE);
	assert_false(s.cr0 & X86_CR0_PG);
	assert_int_equal(s.cs.db, 1);
	assert_int_equal(s.cs.l, 0);
	assert_int_equal(s.cs.limit, 0xffffffff);
	assert_int_equal(s.ds.base, 0);
}

static void test_cpuid_fixup(void **state)
{
	struct kvm_cpuid2 *c;
	const unsigned int n = 7;

	(void)state;
	c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	assert_non_null(c);
	c->nent = n;
	c->entries[0].function = 1;
	c->entries[0].ebx = 0xaabb0800; /* host APIC ID 0xaa */
	c->entries[1].function = 0xb;
	c->entries[1].index = 0;
	c->entries[2].function = 0xb;
	c->entries[2].index = 1;
	c->entries[3].function = 0x40000000;
	c->entries[4].function = 0x8000001e;
	c->entries[5].function = 0;
	c->entries[5].ebx = 0x756e6547;
	c->entries[6].function = 0x80000008;
	c->entries[6].ecx = 0x3001; /* host: 2 cores */
	x86_cpuid_fixup(c, 3, 4);
	assert_true(c->entries[0].ecx & (1u << 31));
	assert_int_equal(c->entries[0].ebx >> 24, 3);
	assert_int_equal((c->entries[0].ebx >> 16) & 0xff, 4);
	assert_int_equal(c->entries[0].ebx & 0xffff, 0x0800);
	assert_int_equal(c->entries[1].edx, 3);
	assert_int_equal(c->entries[1].ebx, 1);
	assert_int_equal(c->entries[2].edx, 3);
	assert_int_equal(c->entries[2].ebx, 4);
	assert_int_equal(c->entries[2].eax, 2); /* 4 CPUs: 2 ID bits */
	assert_int_equal((c->entries[2].ecx >> 8) & 0xff, 2);
	assert_memory_equal(&c->entries[3].ebx, "KVMK", 4);
	assert_memory_equal(&c->entries[3].ecx, "VMKV", 4);
	assert_memory_equal(&c->entries[3].edx, "M\0\0\0", 4);
	assert_int_equal(c->entries[4].eax, 3);
	assert_int_equal(c->entries[5].ebx, 0x756e6547); /* untouched */
	/* The TSC-deadline bit follows KVM's capability, leaf 1 only. */
	assert_false(c->entries[0].ecx & (1u << 24));
	x86_cpuid_set_tsc_deadline(c, true);
	assert_true(c->entries[0].ecx & (1u << 24));
	assert_true(c->entries[0].ecx & (1u << 31));
	assert_false(c->entries[5].ecx & (1u << 24));
	x86_cpuid_set_tsc_deadline(c, false);
	assert_false(c->entries[0].ecx & (1u << 24));
	assert_int_equal(c->entries[6].ecx, 0x2003); /* 4 cores, 2 bits */
	free(c);
}

static void test_msrs_and_lapic(void **state)
{
	struct kvm_msr_entry e[X86_BOOT_MSRS];
	struct kvm_lapic_state lapic;
	uint32_t lint0, lint1;
	bool misc = false, lstar = false;

	(void)state;
	assert_int_equal(x86_boot_msrs(e), X86_BOOT_MSRS);
	for (unsigned int i = 0; i < X86_BOOT_MSRS; i++) {
		if (e[i].index == 0x1a0) {
			misc = true;
			assert_int_equal(e[i].data & 1, 1); /* fast strings */
		}
		if (e[i].index == 0xc0000082)
			lstar = true;
	}
	assert_true(misc && lstar);
	memset(&lapic, 0, sizeof(lapic));
	lint0 = 0x10000; /* masked, as after reset */
	memcpy(&lapic.regs[0x350], &lint0, 4);
	x86_lapic_set_lints(&lapic);
	memcpy(&lint0, &lapic.regs[0x350], 4);
	memcpy(&lint1, &lapic.regs[0x360], 4);
	assert_int_equal(lint0, 0x700);
	assert_int_equal(lint1, 0x400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gdt_entry_roundtrip),
		cmocka_unit_test(test_gdt_in_memory),
		cmocka_unit_test(test_page_tables),
		cmocka_unit_test(test_tables_need_memory),
		cmocka_unit_test(test_real_and_prot32),
		cmocka_unit_test(test_cpuid_fixup),
		cmocka_unit_test(test_msrs_and_lapic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
