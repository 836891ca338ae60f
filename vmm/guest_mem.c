// SPDX-License-Identifier: Apache-2.0
#include "vmm/guest_mem.h"

#include "common/log.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

int guest_mem_init(struct guest_mem *mem, uint64_t size)
{
	size_t head;
	void *p;

	memset(mem, 0, sizeof(*mem));
	if (size == 0 || size > (1ull << 46)) {
		log_error("guest memory: invalid size %llu bytes",
			  (unsigned long long)size);
		return -EINVAL;
	}
	/*
	 * MAP_NORESERVE and no MAP_POPULATE: the guest pays for the pages it
	 * touches, and an idle pod stays small.
	 */
	p = mmap(NULL, size + GUEST_MEM_ALIGN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		int e = errno;

		log_error("guest memory: mmap %llu MiB: %s",
			  (unsigned long long)(size >> 20), strerror(e));
		return -e;
	}
	/* Keep the aligned size bytes of the mapping, unmap the rest. */
	head = (GUEST_MEM_ALIGN - (uintptr_t)p % GUEST_MEM_ALIGN) %
	       GUEST_MEM_ALIGN;
	if (head)
		munmap(p, head);
	if (GUEST_MEM_ALIGN - head)
		munmap((uint8_t *)p + head + size, GUEST_MEM_ALIGN - head);
	p = (uint8_t *)p + head;
	madvise(p, size, MADV_DONTDUMP);
	mem->host = p;
	mem->size = size;
	mem->low_size =
		size < GUEST_MMIO_HOLE_START ? size : GUEST_MMIO_HOLE_START;
	return 0;
}

int guest_mem_advise_huge(struct guest_mem *mem)
{
	if (!mem->host)
		return -EINVAL;
	return madvise(mem->host, mem->size, MADV_HUGEPAGE) < 0 ? -errno : 0;
}

void guest_mem_free(struct guest_mem *mem)
{
	if (mem->host)
		munmap(mem->host, mem->size);
	memset(mem, 0, sizeof(*mem));
}

void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	uint64_t high_size = mem->size - mem->low_size;

	if (!mem->host)
		return NULL;
	/* Written so that no sum can overflow whatever gpa and len are. */
	if (gpa < mem->low_size) {
		if (len > mem->low_size - gpa)
			return NULL;
		return mem->host + gpa;
	}
	if (gpa >= GUEST_HIGH_MEM_START &&
	    gpa - GUEST_HIGH_MEM_START < high_size) {
		uint64_t off = gpa - GUEST_HIGH_MEM_START;

		if (len > high_size - off)
			return NULL;
		return mem->host + mem->low_size + off;
	}
	return NULL;
}

unsigned int guest_mem_regions(const struct guest_mem *mem,
			       struct guest_region out[2])
{
	out[0].gpa = 0;
	out[0].size = mem->low_size;
	out[0].host = mem->host;
	if (mem->size == mem->low_size)
		return 1;
	out[1].gpa = GUEST_HIGH_MEM_START;
	out[1].size = mem->size - mem->low_size;
	out[1].host = mem->host + mem->low_size;
	return 2;
}
