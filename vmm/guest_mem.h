/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest RAM: one anonymous mapping, touched lazily, shown to the guest as
 * up to two regions: [0, low_size) and, when RAM does not fit below the
 * 32-bit MMIO hole, [4 GiB, 4 GiB + size - low_size).
 */
#ifndef COCOON_VMM_GUEST_MEM_H
#define COCOON_VMM_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

/* Guest-physical space below 4 GiB kept free of RAM for device MMIO. */
#define GUEST_MMIO_HOLE_START 0xd0000000ull
#define GUEST_HIGH_MEM_START  0x100000000ull

struct guest_mem {
	uint8_t *host;	   /* host address of guest-physical 0 */
	uint64_t size;	   /* all RAM, bytes */
	uint64_t low_size; /* RAM below the MMIO hole, bytes */
};

struct guest_region {
	uint64_t gpa;
	uint64_t size;
	void *host;
};

/* Alignment of guest RAM on the host: one transparent huge page. */
#define GUEST_MEM_ALIGN (2ull << 20)

/*
 * Maps size bytes of RAM (MAP_NORESERVE, nothing touched) at a host
 * address aligned to GUEST_MEM_ALIGN, so that guest-physical and host
 * addresses agree modulo 2 MiB: KVM can then map a huge host page with one
 * huge entry of its own page tables.
 */
int guest_mem_init(struct guest_mem *mem, uint64_t size);
/*
 * Asks for transparent huge pages (MADV_HUGEPAGE) on the RAM: far fewer
 * page faults and second-level TLB misses for the guest, at the cost of
 * RAM touched in 2 MiB pieces where the host kernel can find them.
 * Returns 0 or -errno (EINVAL: the host kernel has no THP).
 */
int guest_mem_advise_huge(struct guest_mem *mem);
void guest_mem_free(struct guest_mem *mem);
/*
 * Host pointer to guest-physical [gpa, gpa + len) or NULL when any of it is
 * not RAM or the range crosses from one region into the other. Every guest
 * address the VMM uses goes through here.
 */
void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);
/* Fills out[0..2) with the RAM regions; returns how many (1 or 2). */
unsigned int guest_mem_regions(const struct guest_mem *mem,
			       struct guest_region out[2]);

#endif
