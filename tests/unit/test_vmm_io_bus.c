// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/io_bus.h"

#include <errno.h>
#include <string.h>

struct recorder {
	uint64_t offset;
	uint32_t size;
	uint8_t data[8];
	int reads, writes;
};

static void rec_read(void *opaque, uint64_t offset, uint8_t *data,
		     uint32_t size)
{
	struct recorder *r = opaque;

	r->reads++;
	r->offset = offset;
	r->size = size;
	memset(data, 0x5a, size);
}

static void rec_write(void *opaque, uint64_t offset, const uint8_t *data,
		      uint32_t size)
{
	struct recorder *r = opaque;

	r->writes++;
	r->offset = offset;
	r->size = size;
	memcpy(r->data, data, size);
}

static const struct io_ops rec_ops = {.read = rec_read, .write = rec_write};

static void test_register_and_find(void **state)
{
	struct io_bus bus = {0};
	struct recorder a = {0}, b = {0}, c = {0};

	(void)state;
	assert_int_equal(io_bus_register(&bus, 0x3f8, 8, "a", &rec_ops, &a), 0);
	assert_int_equal(io_bus_register(&bus, 0x60, 1, "b", &rec_ops, &b), 0);
	assert_int_equal(io_bus_register(&bus, 0x64, 1, "c", &rec_ops, &c), 0);
	assert_int_equal(bus.count, 3);
	/* Kept sorted. */
	assert_int_equal(bus.ranges[0].base, 0x60);
	assert_int_equal(bus.ranges[1].base, 0x64);
	assert_int_equal(bus.ranges[2].base, 0x3f8);
	assert_ptr_equal(io_bus_find(&bus, 0x3f8, 1)->opaque, &a);
	assert_ptr_equal(io_bus_find(&bus, 0x3ff, 1)->opaque, &a);
	assert_ptr_equal(io_bus_find(&bus, 0x3fc, 4)->opaque, &a);
	assert_null(io_bus_find(&bus, 0x3fd, 4)); /* runs past the end */
	assert_null(io_bus_find(&bus, 0x400, 1));
	assert_null(io_bus_find(&bus, 0x61, 1));
	assert_ptr_equal(io_bus_find(&bus, 0x64, 1)->opaque, &c);
	assert_null(io_bus_find(&bus, UINT64_MAX, 8));
	io_bus_free(&bus);
}

static void test_overlaps_refused(void **state)
{
	struct io_bus bus = {0};
	struct recorder a = {0};

	(void)state;
	assert_int_equal(
		io_bus_register(&bus, 0x1000, 0x100, "a", &rec_ops, &a), 0);
	assert_int_equal(io_bus_register(&bus, 0x1000, 1, "x", &rec_ops, &a),
			 -EEXIST);
	assert_int_equal(io_bus_register(&bus, 0x10ff, 1, "x", &rec_ops, &a),
			 -EEXIST);
	assert_int_equal(io_bus_register(&bus, 0xfff, 2, "x", &rec_ops, &a),
			 -EEXIST);
	assert_int_equal(io_bus_register(&bus, 0x0, 0x10000, "x", &rec_ops, &a),
			 -EEXIST);
	assert_int_equal(io_bus_register(&bus, 0x1100, 1, "ok", &rec_ops, &a),
			 0);
	assert_int_equal(io_bus_register(&bus, 0xfff, 1, "ok", &rec_ops, &a),
			 0);
	assert_int_equal(io_bus_register(&bus, 0x2000, 0, "x", &rec_ops, &a),
			 -EINVAL);
	assert_int_equal(
		io_bus_register(&bus, UINT64_MAX, 2, "x", &rec_ops, &a),
		-EINVAL);
	assert_int_equal(bus.count, 3);
	io_bus_free(&bus);
}

static void test_many_ranges(void **state)
{
	struct io_bus bus = {0};
	struct recorder r = {0};

	(void)state;
	/* Registered out of order, past the initial capacity. */
	for (uint64_t i = 0; i < 100; i++)
		assert_int_equal(io_bus_register(&bus, ((i * 37) % 100) * 16, 8,
						 "r", &rec_ops, &r),
				 0);
	for (uint64_t i = 0; i < 100; i++) {
		assert_non_null(io_bus_find(&bus, i * 16 + 7, 1));
		assert_null(io_bus_find(&bus, i * 16 + 8, 1));
	}
	io_bus_free(&bus);
}

static void test_access(void **state)
{
	struct io_bus bus = {0};
	struct recorder a = {0};
	uint8_t data[4] = {1, 2, 3, 4};

	(void)state;
	assert_int_equal(
		io_bus_register(&bus, 0xd0000000, 0x200, "a", &rec_ops, &a), 0);
	assert_true(io_bus_access(&bus, 0xd0000010, data, 4, true));
	assert_int_equal(a.writes, 1);
	assert_int_equal(a.offset, 0x10);
	assert_int_equal(a.size, 4);
	assert_memory_equal(a.data, "\1\2\3\4", 4);
	assert_true(io_bus_access(&bus, 0xd00001ff, data, 1, false));
	assert_int_equal(a.reads, 1);
	assert_int_equal(data[0], 0x5a);
	/* Unclaimed: all ones on read, write dropped. */
	assert_false(io_bus_access(&bus, 0xd0000200, data, 4, false));
	assert_memory_equal(data, "\xff\xff\xff\xff", 4);
	assert_false(io_bus_access(&bus, 0xcfffffff, data, 2, true));
	assert_int_equal(a.writes, 1);
	io_bus_free(&bus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_and_find),
		cmocka_unit_test(test_overlaps_refused),
		cmocka_unit_test(test_many_ranges),
		cmocka_unit_test(test_access),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
