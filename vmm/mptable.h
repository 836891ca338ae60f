/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Intel MultiProcessor Specification 1.4 tables that tell a guest
 * without ACPI how many CPUs it has, where its I/O APIC is and how the ISA
 * interrupts are wired (MP spec §4).
 */
#ifndef COCOON_VMM_MPTABLE_H
#define COCOON_VMM_MPTABLE_H

#include "vmm/guest_mem.h"

#include <stdint.h>

#define MPTABLE_LAPIC_ADDR  0xfee00000u
#define MPTABLE_IOAPIC_ADDR 0xfec00000u
#define MPTABLE_ISA_IRQS    16u

/* Bytes the floating pointer plus the configuration table take. */
uint64_t mptable_size(unsigned int ncpus);
/*
 * Writes the floating pointer at addr and the configuration table right
 * after it, for CPUs with APIC IDs 0..ncpus-1 (0 the bootstrap CPU).
 * Returns the bytes written or -errno.
 */
int mptable_write(const struct guest_mem *mem, uint64_t addr,
		  unsigned int ncpus);

#endif
