// SPDX-License-Identifier: Apache-2.0
#include "vmm/x86.h"

#include "common/log.h"
#include "vmm/boot.h"

#include <errno.h>
#include <string.h>

uint64_t x86_gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
	return ((uint64_t)(base & 0xff000000u) << 32) |
	       ((uint64_t)(flags & 0xf0ffu) << 40) |
	       ((uint64_t)(limit & 0x000f0000u) << 32) |
	       ((uint64_t)(base & 0x00ffffffu) << 16) |
	       (uint64_t)(limit & 0x0000ffffu);
}

void x86_segment_from_gdt(uint64_t entry, uint16_t selector,
			  struct kvm_segment *seg)
{
	uint32_t limit =
		(uint32_t)((entry & 0xffff) | ((entry >> 32) & 0x000f0000));

	memset(seg, 0, sizeof(*seg));
	seg->base = ((entry >> 16) & 0x00ffffff) | ((entry >> 32) & 0xff000000);
	seg->selector = selector;
	seg->type = (entry >> 40) & 0xf;
	seg->s = (entry >> 44) & 1;
	seg->dpl = (entry >> 45) & 3;
	seg->present = (entry >> 47) & 1;
	seg->avl = (entry >> 52) & 1;
	seg->l = (entry >> 53) & 1;
	seg->db = (entry >> 54) & 1;
	seg->g = (entry >> 55) & 1;
	/* KVM wants the limit in bytes, scaled by the granularity bit. */
	seg->limit = seg->g ? (limit << 12) | 0xfff : limit;
	seg->unusable = !seg->present;
}

static void x86_gdt_table(uint64_t gdt[X86_GDT_ENTRIES])
{
	memset(gdt, 0, sizeof(uint64_t) * X86_GDT_ENTRIES);
	/* P, S, code execute/read accessed, L, G */
	gdt[X86_GDT_CODE64 / 8] = x86_gdt_entry(0xa09b, 0, 0xfffff);
	/* P, S, data read/write accessed, D/B, G */
	gdt[X86_GDT_DATA / 8] = x86_gdt_entry(0xc093, 0, 0xfffff);
	/* P, 64-bit TSS (busy); the upper half (entry 5) stays zero. */
	gdt[X86_GDT_TSS / 8] = x86_gdt_entry(0x008b, 0, 0x67);
	/* P, S, code execute/read accessed, D/B, G: 32-bit flat code */
	gdt[X86_GDT_CODE32 / 8] = x86_gdt_entry(0xc09b, 0, 0xfffff);
}

int x86_gdt_write(const struct guest_mem *mem)
{
	uint64_t gdt[X86_GDT_ENTRIES];
	void *dst = guest_mem_ptr(mem, BOOT_GDT_ADDR, sizeof(gdt));

	if (!dst) {
		log_error("boot: no guest memory for the GDT");
		return -ENOMEM;
	}
	x86_gdt_table(gdt);
	memcpy(dst, gdt, sizeof(gdt));
	return 0;
}

int x86_page_tables_write(const struct guest_mem *mem)
{
	uint64_t *pml4 = guest_mem_ptr(mem, BOOT_PML4_ADDR, 4096);
	uint64_t *pdpt = guest_mem_ptr(mem, BOOT_PDPT_ADDR, 4096);
	uint64_t *pd = guest_mem_ptr(mem, BOOT_PD_ADDR, 4 * 4096);

	if (!pml4 || !pdpt || !pd) {
		log_error("boot: no guest memory for the page tables");
		return -ENOMEM;
	}
	memset(pml4, 0, 4096);
	memset(pdpt, 0, 4096);
	pml4[0] = BOOT_PDPT_ADDR | X86_PTE_PRESENT | X86_PTE_RW;
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD_ADDR + i * 4096) | X86_PTE_PRESENT |
			  X86_PTE_RW;
	/* 2048 entries of 2 MiB: 0..4 GiB, the MMIO hole included. */
	for (uint64_t i = 0; i < 2048; i++)
		pd[i] = (i << 21) | X86_PTE_PRESENT | X86_PTE_RW | X86_PTE_PS;
	return 0;
}

/* Flat segments from our GDT: code from code_sel, data everywhere else. */
static void x86_sregs_flat_segments(struct kvm_sregs *sregs,
				    unsigned int code_sel)
{
	uint64_t gdt[X86_GDT_ENTRIES];
	struct kvm_segment data;

	x86_gdt_table(gdt);
	x86_segment_from_gdt(gdt[code_sel / 8], code_sel, &sregs->cs);
	x86_segment_from_gdt(gdt[X86_GDT_DATA / 8], X86_GDT_DATA, &data);
	sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = data;
	x86_segment_from_gdt(gdt[X86_GDT_TSS / 8], X86_GDT_TSS, &sregs->tr);
	sregs->gdt.base = BOOT_GDT_ADDR;
	sregs->gdt.limit = sizeof(gdt) - 1;
}

void x86_sregs_long_mode(struct kvm_sregs *sregs)
{
	x86_sregs_flat_segments(sregs, X86_GDT_CODE64);
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
	sregs->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		     X86_CR0_WP | X86_CR0_PG;
	sregs->cr3 = BOOT_PML4_ADDR;
	sregs->cr4 = X86_CR4_PAE;
	sregs->efer = X86_EFER_LME | X86_EFER_LMA;
}

void x86_sregs_prot32(struct kvm_sregs *sregs)
{
	x86_sregs_flat_segments(sregs, X86_GDT_CODE32);
	sregs->cr0 = X86_CR0_PE | X86_CR0_ET;
	sregs->cr3 = 0;
	sregs->cr4 = 0;
	sregs->efer = 0;
}

static void real_segment(struct kvm_segment *seg, uint16_t selector,
			 uint8_t type)
{
	memset(seg, 0, sizeof(*seg));
	seg->selector = selector;
	seg->base = (uint64_t)selector << 4;
	seg->limit = 0xffff;
	seg->type = type;
	seg->s = 1;
	seg->present = 1;
}

void x86_sregs_real_mode(struct kvm_sregs *sregs, uint16_t seg)
{
	real_segment(&sregs->cs, seg, 0xb);
	real_segment(&sregs->ds, seg, 0x3);
	sregs->es = sregs->fs = sregs->gs = sregs->ds;
	real_segment(&sregs->ss, 0, 0x3);
	sregs->cr0 = X86_CR0_ET;
	sregs->cr3 = 0;
	sregs->cr4 = 0;
	sregs->efer = 0;
}

#define CPUID_1_ECX_HYPERVISOR	 (1u << 31)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_1_EDX_HTT		 (1u << 28)

static unsigned int bits_for(unsigned int n)
{
	unsigned int b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

void x86_cpuid_set_tsc_deadline(struct kvm_cpuid2 *cpuid, bool on)
{
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != 1)
			continue;
		if (on)
			e->ecx |= CPUID_1_ECX_TSC_DEADLINE;
		else
			e->ecx &= ~CPUID_1_ECX_TSC_DEADLINE;
	}
}

void x86_cpuid_fixup(struct kvm_cpuid2 *cpuid, unsigned int cpu,
		     unsigned int ncpus)
{
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		switch (e->function) {
		case 1:
			e->ecx |= CPUID_1_ECX_HYPERVISOR;
			/* EBX: [31:24] initial APIC ID, [23:16] logical
			 * processors per package. */
			e->ebx = (e->ebx & 0xffff) | (cpu << 24) |
				 ((ncpus & 0xff) << 16);
			if (ncpus > 1)
				e->edx |= CPUID_1_EDX_HTT;
			else
				e->edx &= ~CPUID_1_EDX_HTT;
			break;
		case 0xb:
		case 0x1f:
			/* One core per CPU, one package: SMT level then
			 * core level, EDX the x2APIC ID everywhere. */
			if (e->index == 0) {
				e->eax = 0;
				e->ebx = 1;
				e->ecx = (1u << 8) | e->index;
			} else if (e->index == 1) {
				e->eax = bits_for(ncpus);
				e->ebx = ncpus;
				e->ecx = (2u << 8) | e->index;
			} else {
				e->eax = 0;
				e->ebx = 0;
				e->ecx = e->index;
			}
			e->edx = cpu;
			break;
		case 0x80000008:
			/* AMD: ECX[15:12] APIC ID bits for cores, [7:0]
			 * cores per package - 1. */
			e->ecx = (e->ecx & ~0xf0ffu) | (bits_for(ncpus) << 12) |
				 ((ncpus - 1) & 0xff);
			break;
		case 0x8000001e:
			e->eax = cpu; /* extended APIC ID */
			break;
		case 0x40000000:
			/* KVM paravirt signature; the kernel finds
			 * kvm-clock and friends through it. */
			memcpy(&e->ebx, "KVMK", 4);
			memcpy(&e->ecx, "VMKV", 4);
			memcpy(&e->edx, "M\0\0\0", 4);
			break;
		default:
			break;
		}
	}
}

#define MSR_IA32_TSC		0x10
#define MSR_IA32_SYSENTER_CS	0x174
#define MSR_IA32_SYSENTER_ESP	0x175
#define MSR_IA32_SYSENTER_EIP	0x176
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MISC_ENABLE_FAST_STRING 0x1ull

unsigned int x86_boot_msrs(struct kvm_msr_entry *entries)
{
	static const struct {
		uint32_t index;
		uint64_t data;
	} msrs[X86_BOOT_MSRS] = {
		{MSR_IA32_SYSENTER_CS, 0},
		{MSR_IA32_SYSENTER_ESP, 0},
		{MSR_IA32_SYSENTER_EIP, 0},
		{MSR_STAR, 0},
		{MSR_LSTAR, 0},
		{MSR_CSTAR, 0},
		{MSR_SYSCALL_MASK, 0},
		{MSR_KERNEL_GS_BASE, 0},
		{MSR_IA32_TSC, 0},
		{MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRING},
	};

	for (unsigned int i = 0; i < X86_BOOT_MSRS; i++) {
		memset(&entries[i], 0, sizeof(entries[i]));
		entries[i].index = msrs[i].index;
		entries[i].data = msrs[i].data;
	}
	return X86_BOOT_MSRS;
}

#define APIC_LVT_LINT0	 0x350
#define APIC_LVT_LINT1	 0x360
#define APIC_MODE_MASK	 0x700u
#define APIC_MODE_NMI	 0x400u
#define APIC_MODE_EXTINT 0x700u
#define APIC_LVT_MASKED	 0x10000u

static void lapic_set_mode(struct kvm_lapic_state *lapic, unsigned int reg,
			   uint32_t mode)
{
	uint32_t v;

	memcpy(&v, &lapic->regs[reg], sizeof(v));
	v = (v & ~(APIC_MODE_MASK | APIC_LVT_MASKED)) | mode;
	memcpy(&lapic->regs[reg], &v, sizeof(v));
}

void x86_lapic_set_lints(struct kvm_lapic_state *lapic)
{
	lapic_set_mode(lapic, APIC_LVT_LINT0, APIC_MODE_EXTINT);
	lapic_set_mode(lapic, APIC_LVT_LINT1, APIC_MODE_NMI);
}
