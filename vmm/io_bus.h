/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where guest port I/O and MMIO exits go: a sorted table of non-overlapping
 * ranges, each with the ops of the device that registered it. Ranges are
 * registered before the vCPUs run, so lookups need no lock.
 */
#ifndef COCOON_VMM_IO_BUS_H
#define COCOON_VMM_IO_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct io_ops {
	/* offset is from the start of the range; size is 1, 2, 4 or 8;
	 * data holds size bytes, little-endian. Called on vCPU threads. */
	void (*read)(void *opaque, uint64_t offset, uint8_t *data,
		     uint32_t size);
	void (*write)(void *opaque, uint64_t offset, const uint8_t *data,
		      uint32_t size);
};

struct io_range {
	uint64_t base;
	uint64_t len;
	const char *name;
	const struct io_ops *ops;
	void *opaque;
};

struct io_bus {
	struct io_range *ranges;
	size_t count;
	size_t capacity;
};

/* Returns 0, -EINVAL for an empty or wrapping range, -EEXIST on overlap. */
int io_bus_register(struct io_bus *bus, uint64_t base, uint64_t len,
		    const char *name, const struct io_ops *ops, void *opaque);
/* The range that holds all of [addr, addr + len), or NULL. */
const struct io_range *io_bus_find(const struct io_bus *bus, uint64_t addr,
				   uint64_t len);
/*
 * Hands an access to its device. Unclaimed reads return all ones, unclaimed
 * writes are dropped, as on a real bus. Returns whether a device took it.
 */
bool io_bus_access(const struct io_bus *bus, uint64_t addr, uint8_t *data,
		   uint32_t size, bool is_write);
void io_bus_free(struct io_bus *bus);

#endif
