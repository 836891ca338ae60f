// SPDX-License-Identifier: Apache-2.0
/* Port I/O and MMIO exits reach the handler that registered the range,
 * with the right offset, size, direction and data. */
#include "kvm_test.h"

#include <stdint.h>

GUEST_CODE(guest_io, 32,
	   "mov $0x12345678, %eax\n"
	   "mov $0x500, %dx\n"
	   "out %eax, %dx\n" /* port 0x500, 4 bytes */
	   "mov $0x504, %dx\n"
	   "in %dx, %eax\n"	    /* -> 0xcafef00d */
	   "mov %eax, 0xd0000000\n" /* MMIO write, 4 bytes */
	   "mov 0xd0000008, %eax\n" /* MMIO read -> 0x1122334455667788 */
	   "mov $0x508, %dx\n"
	   "out %eax, %dx\n"		/* report what the read gave */
	   "movw $0xbeef, 0xd0000ffe\n" /* last two bytes of the range */
	   "mov $0x600, %dx\n"
	   "out %al, %dx\n" /* nobody's port: dropped */
	   "mov $0x50f, %dx\n"
	   "out %al, %dx\n" /* done */
	   "1: hlt\n"
	   "jmp 1b\n");

struct access {
	char space; /* 'p' or 'm' */
	char dir;   /* 'r' or 'w' */
	uint64_t offset;
	uint32_t size;
	uint64_t value;
};

static struct access log_[16];
static unsigned int nlog;
static struct vm *the_vm;

static void record(char space, char dir, uint64_t offset, uint32_t size,
		   uint64_t value)
{
	if (nlog < sizeof(log_) / sizeof(log_[0]))
		log_[nlog] = (struct access){space, dir, offset, size, value};
	nlog++;
}

static uint64_t le(const uint8_t *d, uint32_t size)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < size; i++)
		v |= (uint64_t)d[i] << (8 * i);
	return v;
}

static void put(uint8_t *d, uint32_t size, uint64_t v)
{
	for (uint32_t i = 0; i < size; i++)
		d[i] = (uint8_t)(v >> (8 * i));
}

static void pio_read(void *opaque, uint64_t offset, uint8_t *data,
		     uint32_t size)
{
	(void)opaque;
	record('p', 'r', offset, size, 0);
	put(data, size, 0xcafef00d);
}

static void pio_write(void *opaque, uint64_t offset, const uint8_t *data,
		      uint32_t size)
{
	(void)opaque;
	record('p', 'w', offset, size, le(data, size));
	if (offset == 0xf)
		vm_stop(the_vm, VM_END_STOPPED);
}

static void mmio_read(void *opaque, uint64_t offset, uint8_t *data,
		      uint32_t size)
{
	(void)opaque;
	record('m', 'r', offset, size, 0);
	put(data, size, 0x1122334455667788ull);
}

static void mmio_write(void *opaque, uint64_t offset, const uint8_t *data,
		       uint32_t size)
{
	(void)opaque;
	record('m', 'w', offset, size, le(data, size));
}

static void other_write(void *opaque, uint64_t offset, const uint8_t *data,
			uint32_t size)
{
	(void)opaque;
	(void)offset;
	(void)data;
	(void)size;
	TEST_FAIL("an access reached the wrong device");
}

static const struct io_ops pio_ops = {.read = pio_read, .write = pio_write};
static const struct io_ops mmio_ops = {.read = mmio_read, .write = mmio_write};
static const struct io_ops other_ops = {.write = other_write};

static void expect(unsigned int i, char space, char dir, uint64_t offset,
		   uint32_t size, uint64_t value)
{
	const struct access *a = &log_[i];

	if (a->space != space || a->dir != dir || a->offset != offset ||
	    a->size != size || a->value != value)
		TEST_FAIL("access %u: got %c%c off 0x%llx size %u value "
			  "0x%llx, want %c%c off 0x%llx size %u value 0x%llx",
			  i, a->space, a->dir, (unsigned long long)a->offset,
			  a->size, (unsigned long long)a->value, space, dir,
			  (unsigned long long)offset, size,
			  (unsigned long long)value);
}

int main(void)
{
	int end;

	log_init("test_pio_mmio");
	kvm_test_require_kvm();
	the_vm = kvm_test_vm(VM_BOOT_FLAT_PROT32, guest_io_start,
			     GUEST_SIZE(guest_io), 1, -1);
	TEST_ASSERT(vm_io_register(the_vm, VM_IO_PIO, 0x500, 16, "test",
				   &pio_ops, NULL) == 0);
	TEST_ASSERT(vm_io_register(the_vm, VM_IO_PIO, 0x510, 16, "other",
				   &other_ops, NULL) == 0);
	TEST_ASSERT(vm_io_register(the_vm, VM_IO_MMIO, 0xd0000000, 0x1000,
				   "test", &mmio_ops, NULL) == 0);
	TEST_ASSERT(vm_io_register(the_vm, VM_IO_MMIO, 0xd0001000, 0x1000,
				   "other", &other_ops, NULL) == 0);
	/* Overlaps are refused at registration. */
	TEST_ASSERT(vm_io_register(the_vm, VM_IO_PIO, 0x508, 4, "dup", &pio_ops,
				   NULL) == -EEXIST);
	/* MMIO over RAM would never exit: refused. */
	TEST_ASSERT(vm_io_register(the_vm, VM_IO_MMIO, 0x100000, 0x1000, "ram",
				   &mmio_ops, NULL) == -EINVAL);
	end = vm_run(the_vm);
	vm_destroy(the_vm);
	if (end != VM_END_STOPPED)
		TEST_FAIL("run ended with %s", vm_end_name(end));
	if (nlog != 7)
		TEST_FAIL("%u accesses, want 7", nlog);
	expect(0, 'p', 'w', 0x0, 4, 0x12345678);
	expect(1, 'p', 'r', 0x4, 4, 0);
	expect(2, 'm', 'w', 0x0, 4, 0xcafef00d);
	expect(3, 'm', 'r', 0x8, 4, 0);
	expect(4, 'p', 'w', 0x8, 4, 0x55667788);
	expect(5, 'm', 'w', 0xffe, 2, 0xbeef);
	expect(6, 'p', 'w', 0xf, 1, 0x88);
	printf("PASS: port I/O and MMIO exits reach their handlers\n");
	return 0;
}
