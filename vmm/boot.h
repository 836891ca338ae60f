/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fixed low-memory layout of a booting guest and the Linux zero page
 * (Documentation/x86/boot.rst, "64-bit boot protocol"; zero-page.rst).
 *
 *   0x00500  GDT
 *   0x07000  boot_params (zero page)
 *   0x08ff0  initial stack top (the kernel sets up its own at once)
 *   0x09000  page tables: PML4, PDPT, 4 PDs (identity map of 0..4 GiB)
 *   0x10000  flat binaries (--flat)
 *   0x20000  kernel command line
 *   0x9fc00  MP table (up to 1 KiB; larger tables at 0xf0000)
 *   1 MiB    bzImage protected-mode code; vmlinux at its p_paddr
 *   high     initrd, page aligned, as high as allowed
 */
#ifndef COCOON_VMM_BOOT_H
#define COCOON_VMM_BOOT_H

#include "vmm/guest_mem.h"

#include <asm/bootparam.h>
#include <stddef.h>
#include <stdint.h>

#define BOOT_GDT_ADDR		 0x500ull
#define BOOT_PARAMS_ADDR	 0x7000ull
#define BOOT_STACK_TOP		 0x8ff0ull
#define BOOT_PML4_ADDR		 0x9000ull
#define BOOT_PDPT_ADDR		 0xa000ull
#define BOOT_PD_ADDR		 0xb000ull
#define BOOT_FLAT_ADDR		 0x10000ull
#define BOOT_CMDLINE_ADDR	 0x20000ull
#define BOOT_CMDLINE_MAX	 4096u /* bytes including the NUL */
#define BOOT_CMDLINE_VMLINUX_MAX 2048u /* x86 COMMAND_LINE_SIZE */
#define BOOT_EBDA_START		 0x9fc00ull
#define BOOT_BIOS_START		 0xf0000ull
#define BOOT_HIGH_START		 0x100000ull
/* Linux's own default for initrd_addr_max before boot protocol 2.03. */
#define BOOT_INITRD_MAX_DEF 0x37ffffffull

#define E820_TYPE_RAM	   1
#define E820_TYPE_RESERVED 2

/* What the loaders found, for the zero page. */
struct boot_info {
	const struct setup_header *hdr; /* bzImage header, NULL for vmlinux */
	const char *cmdline;
	uint64_t initrd_addr;
	uint64_t initrd_size;
	int mptable_in_bios; /* the MP table lives at 0xf0000, not 0x9fc00 */
};

/*
 * The guest's memory map: RAM below the EBDA, RAM from 1 MiB to the hole,
 * RAM above 4 GiB; the MP table area is reserved. Returns the number of
 * entries (at most max) or -E2BIG.
 */
int boot_e820_build(const struct guest_mem *mem, int mptable_in_bios,
		    struct boot_e820_entry *out, unsigned int max);
/*
 * The kernel command line: user (may be NULL) plus the defaults it lacks
 * (console=ttyS0 reboot=k panic=-1; "quiet" too when user is NULL).
 * Returns the length or -ENAMETOOLONG when it does not fit in size.
 */
int boot_cmdline_build(const char *user, char *out, size_t size);
/*
 * Appends "virtio_mmio.device=<size>@<base>:<irq>" to the command line in
 * out (length len), which the guest's virtio_mmio driver reads
 * (CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES). Returns the new length or
 * -ENAMETOOLONG.
 */
int boot_cmdline_add_virtio_mmio(char *out, size_t size, size_t len,
				 uint64_t base, uint32_t mmio_size,
				 unsigned int irq);
/* Writes the zero page and the command line into guest memory. */
int boot_params_write(const struct guest_mem *mem,
		      const struct boot_info *info);

#endif
