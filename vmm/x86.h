/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x86 CPU state for booting: GDT, identity page tables, segment registers
 * for long, 32-bit protected and real mode, CPUID, MSRs and local APIC
 * setup. Pure functions over guest memory and KVM structures, so they are
 * unit-tested without /dev/kvm.
 */
#ifndef COCOON_VMM_X86_H
#define COCOON_VMM_X86_H

#include "vmm/guest_mem.h"

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

/* Selectors of the boot GDT; Linux's boot protocol wants __BOOT_CS 0x10
 * and __BOOT_DS 0x18. */
#define X86_GDT_CODE64	0x10
#define X86_GDT_DATA	0x18
#define X86_GDT_TSS	0x20
#define X86_GDT_CODE32	0x30
#define X86_GDT_ENTRIES 7

#define X86_CR0_PE   0x1ull
#define X86_CR0_MP   0x2ull
#define X86_CR0_ET   0x10ull
#define X86_CR0_NE   0x20ull
#define X86_CR0_WP   0x10000ull
#define X86_CR0_PG   0x80000000ull
#define X86_CR4_PAE  0x20ull
#define X86_EFER_LME 0x100ull
#define X86_EFER_LMA 0x400ull

#define X86_PTE_PRESENT 0x1ull
#define X86_PTE_RW	0x2ull
#define X86_PTE_PS	0x80ull

/* A GDT descriptor from its parts (Intel SDM vol. 3 §3.4.5). */
uint64_t x86_gdt_entry(uint16_t flags, uint32_t base, uint32_t limit);
/* The hidden segment state KVM wants for a GDT descriptor. */
void x86_segment_from_gdt(uint64_t entry, uint16_t selector,
			  struct kvm_segment *seg);
/* Writes the boot GDT at BOOT_GDT_ADDR. */
int x86_gdt_write(const struct guest_mem *mem);
/* Writes PML4, PDPT and PDs identity-mapping 0..4 GiB with 2 MiB pages. */
int x86_page_tables_write(const struct guest_mem *mem);
/* Segment and control registers for 64-bit mode with the tables above. */
void x86_sregs_long_mode(struct kvm_sregs *sregs);
/* Flat 4 GiB 32-bit protected mode, paging off. */
void x86_sregs_prot32(struct kvm_sregs *sregs);
/* Real mode with every data segment and CS at segment seg, SS at 0. */
void x86_sregs_real_mode(struct kvm_sregs *sregs, uint16_t seg);

/*
 * Adjusts KVM's supported CPUID for vCPU cpu of ncpus: hypervisor bit,
 * APIC ID (leaf 1 EBX, 0xb/0x1f EDX, 0x8000001e EAX), topology, the KVM
 * signature leaf.
 */
/* Sets or clears the TSC-deadline timer bit (leaf 1 ECX[24]), which KVM
 * announces by KVM_CAP_TSC_DEADLINE_TIMER rather than in its CPUID. */
void x86_cpuid_set_tsc_deadline(struct kvm_cpuid2 *cpuid, bool on);
void x86_cpuid_fixup(struct kvm_cpuid2 *cpuid, unsigned int cpu,
		     unsigned int ncpus);

#define X86_BOOT_MSRS 10
/* Fills the MSRs every vCPU starts with; returns how many (X86_BOOT_MSRS). */
unsigned int x86_boot_msrs(struct kvm_msr_entry *entries);
/* LINT0 = ExtINT (the 8259), LINT1 = NMI, as a BIOS would leave them. */
void x86_lapic_set_lints(struct kvm_lapic_state *lapic);

#endif
