/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading guest images into guest memory: an ELF vmlinux (PT_LOAD segments
 * at p_paddr), a bzImage (boot.rst: setup header, protected-mode code at
 * 1 MiB, 64-bit entry at +0x200), an initrd, and flat test binaries.
 * Files are read straight into guest memory; nothing else is touched, and
 * bss needs no clearing because fresh guest memory is zero.
 */
#ifndef COCOON_VMM_LOADER_H
#define COCOON_VMM_LOADER_H

#include "vmm/guest_mem.h"

#include <asm/bootparam.h>
#include <stdbool.h>
#include <stdint.h>

#define LOADER_MAX_PHDRS 64

struct kernel_image {
	uint64_t entry; /* guest-physical 64-bit entry point */
	uint64_t end;	/* first byte above everything the kernel uses */
	uint64_t initrd_addr_max;
	bool is_bzimage;
	struct setup_header hdr; /* bzImage only */
};

/* Either format, told apart by magic. name is for messages. */
int loader_load_kernel(int fd, const char *name, const struct guest_mem *mem,
		       struct kernel_image *kernel);
int loader_load_elf(int fd, const char *name, const struct guest_mem *mem,
		    struct kernel_image *kernel);
int loader_load_bzimage(int fd, const char *name, const struct guest_mem *mem,
			struct kernel_image *kernel);
/*
 * Places the initrd page aligned as high as possible below both
 * kernel->initrd_addr_max and the RAM under 4 GiB, above kernel->end.
 */
int loader_load_initrd(int fd, const char *name, const struct guest_mem *mem,
		       const struct kernel_image *kernel, uint64_t *addr,
		       uint64_t *size);
/* Copies a flat binary from a file or from memory to addr. */
int loader_load_flat_file(int fd, const char *name, const struct guest_mem *mem,
			  uint64_t addr, uint64_t max_size);
int loader_load_flat(const void *code, uint64_t size,
		     const struct guest_mem *mem, uint64_t addr,
		     uint64_t max_size);

#endif
