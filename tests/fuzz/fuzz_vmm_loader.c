// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the kernel loader (ELF vmlinux and bzImage header
 * parsing, segment placement) on arbitrary files. A kernel file is the
 * host's, not the guest's, but a broken or hostile one must still fail
 * cleanly and never write outside guest memory.
 */
#include "common/log.h"
#include "vmm/guest_mem.h"
#include "vmm/loader.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct guest_mem mem;
	static int ready;
	struct kernel_image kernel;
	uint64_t initrd_addr, initrd_size;
	int fd;

	if (!ready) {
		log_set_level(LOG_SILENT);
		/* 64 MiB of lazily touched guest RAM, reused across inputs. */
		if (guest_mem_init(&mem, 64ull << 20) < 0)
			abort();
		ready = 1;
	}
	fd = memfd_create("fuzz-kernel", 0);
	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	if (loader_load_kernel(fd, "fuzz", &mem, &kernel) == 0) {
		/* A kernel that loads lies inside RAM, entry included. */
		if (kernel.end > mem.size || kernel.entry >= kernel.end)
			abort();
		lseek(fd, 0, SEEK_SET);
		(void)loader_load_initrd(fd, "fuzz-initrd", &mem, &kernel,
					 &initrd_addr, &initrd_size);
	}
	close(fd);
	return 0;
}
