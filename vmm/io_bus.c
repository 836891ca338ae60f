// SPDX-License-Identifier: Apache-2.0
#include "vmm/io_bus.h"

#include "common/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int io_bus_register(struct io_bus *bus, uint64_t base, uint64_t len,
		    const char *name, const struct io_ops *ops, void *opaque)
{
	size_t pos = 0;

	if (len == 0 || base + len < base || !ops) {
		log_error("I/O range for %s: invalid (0x%llx+0x%llx)", name,
			  (unsigned long long)base, (unsigned long long)len);
		return -EINVAL;
	}
	while (pos < bus->count && bus->ranges[pos].base < base)
		pos++;
	/* Sorted and disjoint: only the neighbours can overlap. */
	if ((pos > 0 &&
	     bus->ranges[pos - 1].base + bus->ranges[pos - 1].len > base) ||
	    (pos < bus->count && bus->ranges[pos].base < base + len)) {
		const struct io_range *o =
			pos > 0 && bus->ranges[pos - 1].base +
							bus->ranges[pos - 1]
								.len >
						base
				? &bus->ranges[pos - 1]
				: &bus->ranges[pos];

		log_error("I/O range 0x%llx+0x%llx for %s overlaps %s",
			  (unsigned long long)base, (unsigned long long)len,
			  name, o->name);
		return -EEXIST;
	}
	if (bus->count == bus->capacity) {
		size_t cap = bus->capacity ? bus->capacity * 2 : 8;
		struct io_range *r = realloc(bus->ranges, cap * sizeof(*r));

		if (!r) {
			log_error("I/O range for %s: out of memory", name);
			return -ENOMEM;
		}
		bus->ranges = r;
		bus->capacity = cap;
	}
	memmove(&bus->ranges[pos + 1], &bus->ranges[pos],
		(bus->count - pos) * sizeof(bus->ranges[0]));
	bus->ranges[pos] = (struct io_range){
		.base = base,
		.len = len,
		.name = name,
		.ops = ops,
		.opaque = opaque,
	};
	bus->count++;
	return 0;
}

const struct io_range *io_bus_find(const struct io_bus *bus, uint64_t addr,
				   uint64_t len)
{
	size_t lo = 0, hi = bus->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct io_range *r = &bus->ranges[mid];

		if (addr < r->base) {
			hi = mid;
		} else if (addr - r->base >= r->len) {
			lo = mid + 1;
		} else {
			/* guest: the access must not run past the range */
			if (len > r->len - (addr - r->base))
				return NULL;
			return r;
		}
	}
	return NULL;
}

bool io_bus_access(const struct io_bus *bus, uint64_t addr, uint8_t *data,
		   uint32_t size, bool is_write)
{
	const struct io_range *r = io_bus_find(bus, addr, size);

	if (!r) {
		if (!is_write)
			memset(data, 0xff, size);
		return false;
	}
	if (is_write) {
		if (r->ops->write)
			r->ops->write(r->opaque, addr - r->base, data, size);
	} else {
		if (r->ops->read)
			r->ops->read(r->opaque, addr - r->base, data, size);
		else
			memset(data, 0xff, size);
	}
	return true;
}

void io_bus_free(struct io_bus *bus)
{
	free(bus->ranges);
	memset(bus, 0, sizeof(*bus));
}
