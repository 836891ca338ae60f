// SPDX-License-Identifier: Apache-2.0
/*
 * A virtio-rng device seen from guest code: the identification registers,
 * feature negotiation, queue setup, and one request that goes out through
 * the ioeventfd on QueueNotify, is served by the device thread, and comes
 * back in the used ring with the interrupt status set; then a looping
 * chain that puts the device in DEVICE_NEEDS_RESET, and a reset.
 */
#include "kvm_test.h"

#include <linux/virtio_ring.h>

#define RING_DESC  0x1000
#define RING_AVAIL 0x2000
#define RING_USED  0x3000
#define RING_BUF   0x4000

GUEST_CODE(guest_virtio, 32,
	   "mov $0xd0000000, %ebx\n"
	   "mov $0x500, %dx\n"
	   "mov (%ebx), %eax\n" /* MagicValue */
	   "out %eax, %dx\n"
	   "mov $0x504, %dx\n"
	   "mov 4(%ebx), %eax\n" /* Version */
	   "out %eax, %dx\n"
	   "mov $0x508, %dx\n"
	   "mov 8(%ebx), %eax\n" /* DeviceID */
	   "out %eax, %dx\n"
	   "movl $3, 0x70(%ebx)\n"   /* ACKNOWLEDGE | DRIVER */
	   "movl $1, 0x24(%ebx)\n"   /* DriverFeaturesSel 1 */
	   "movl $1, 0x20(%ebx)\n"   /* VERSION_1 */
	   "movl $0xb, 0x70(%ebx)\n" /* | FEATURES_OK */
	   "mov $0x50c, %dx\n"
	   "mov 0x70(%ebx), %eax\n" /* Status: FEATURES_OK kept? */
	   "out %eax, %dx\n"
	   "movl $0, 0x30(%ebx)\n" /* QueueSel 0 */
	   "movl $8, 0x38(%ebx)\n" /* QueueNum */
	   "movl $0x1000, 0x80(%ebx)\n"
	   "movl $0x2000, 0x90(%ebx)\n"
	   "movl $0x3000, 0xa0(%ebx)\n"
	   "movl $1, 0x44(%ebx)\n"   /* QueueReady */
	   "movl $0xf, 0x70(%ebx)\n" /* | DRIVER_OK */
	   "movw $1, 0x2002\n"	     /* avail idx: one request */
	   "movl $0, 0x50(%ebx)\n"   /* QueueNotify 0 */
	   "mov $200000000, %ecx\n"
	   "1: cmpw $1, 0x3002\n" /* used idx */
	   "je 2f\n"
	   "pause\n"
	   "dec %ecx\n"
	   "jnz 1b\n"
	   "2: mov $0x510, %dx\n"
	   "movzwl 0x3002, %eax\n"
	   "out %eax, %dx\n"
	   "mov $0x514, %dx\n"
	   "mov 0x3008, %eax\n" /* used ring[0].len */
	   "out %eax, %dx\n"
	   "mov $0x518, %dx\n"
	   "mov 0x60(%ebx), %eax\n" /* InterruptStatus */
	   "out %eax, %dx\n"
	   /* A descriptor that chains to itself: the device must stop
	    * with DEVICE_NEEDS_RESET and a config interrupt. */
	   "movl $0x4000, 0x1010\n"
	   "movl $0, 0x1014\n"
	   "movl $16, 0x1018\n"
	   "movw $3, 0x101c\n" /* NEXT | WRITE */
	   "movw $1, 0x101e\n" /* next: itself */
	   "movw $1, 0x2006\n" /* avail ring[1] = 1 */
	   "movw $2, 0x2002\n" /* avail idx 2 */
	   "movl $0, 0x50(%ebx)\n"
	   "mov $200000000, %ecx\n"
	   "4: testl $0x40, 0x70(%ebx)\n"
	   "jnz 5f\n"
	   "pause\n"
	   "dec %ecx\n"
	   "jnz 4b\n"
	   "5: mov $0x51c, %dx\n"
	   "mov 0x70(%ebx), %eax\n" /* Status */
	   "out %eax, %dx\n"
	   "mov $0x520, %dx\n"
	   "mov 0x60(%ebx), %eax\n" /* InterruptStatus */
	   "out %eax, %dx\n"
	   "movl $0, 0x70(%ebx)\n" /* reset */
	   "mov $0x524, %dx\n"
	   "mov 0x70(%ebx), %eax\n"
	   "out %eax, %dx\n"
	   "mov $0x528, %dx\n"
	   "mov 0x44(%ebx), %eax\n" /* QueueReady after reset */
	   "out %eax, %dx\n"
	   "mov $0x540, %dx\n"
	   "out %al, %dx\n" /* done */
	   "3: hlt\n"
	   "jmp 3b\n");

static uint32_t reported[16];
static struct vm *the_vm;

static void report_write(void *opaque, uint64_t offset, const uint8_t *data,
			 uint32_t size)
{
	uint32_t v = 0;

	(void)opaque;
	memcpy(&v, data, size < 4 ? size : 4);
	if (offset == 0x40)
		vm_stop(the_vm, VM_END_STOPPED);
	else if (offset / 4 < 16)
		reported[offset / 4] = v;
}

static const struct io_ops report_ops = {.write = report_write};

int main(void)
{
	struct vm_config cfg;
	struct vring_desc *desc;
	struct vring_avail *avail;
	const uint8_t *buf;
	int end, nonzero = 0;

	log_init("test_virtio_mmio");
	kvm_test_require_kvm();
	vm_config_init(&cfg);
	cfg.mode = VM_BOOT_FLAT_PROT32;
	cfg.mem_size = 2ull << 20;
	cfg.flat_code = guest_virtio_start;
	cfg.flat_size = GUEST_SIZE(guest_virtio);
	cfg.console_fd = -1;
	cfg.rng = true;
	if (vm_create(&cfg, &the_vm) < 0)
		TEST_FAIL("vm_create failed");
	TEST_ASSERT(the_vm->nvirtio == 1);
	TEST_ASSERT(the_vm->virtio[0].base == 0xd0000000);
	TEST_ASSERT(vm_io_register(the_vm, VM_IO_PIO, 0x500, 0x44, "report",
				   &report_ops, NULL) == 0);
	/* One device-writable buffer of 16 bytes, not yet made available. */
	desc = vm_guest_ptr(the_vm, RING_DESC, sizeof(*desc));
	avail = vm_guest_ptr(the_vm, RING_AVAIL, 4 + 2 * 8);
	TEST_ASSERT(desc && avail);
	desc->addr = RING_BUF;
	desc->len = 16;
	desc->flags = VRING_DESC_F_WRITE;
	avail->ring[0] = 0;
	end = vm_run(the_vm);
	buf = vm_guest_ptr(the_vm, RING_BUF, 16);
	for (int i = 0; i < 16; i++)
		nonzero |= buf[i];
	vm_destroy(the_vm);
	if (end != VM_END_STOPPED)
		TEST_FAIL("run ended with %s", vm_end_name(end));
	if (reported[0] != 0x74726976)
		TEST_FAIL("MagicValue 0x%x", reported[0]);
	if (reported[1] != 2)
		TEST_FAIL("Version %u, want 2", reported[1]);
	if (reported[2] != 4)
		TEST_FAIL("DeviceID %u, want 4 (rng)", reported[2]);
	if (reported[3] != 0xb)
		TEST_FAIL("Status 0x%x after FEATURES_OK, want 0xb",
			  reported[3]);
	if (reported[4] != 1)
		TEST_FAIL("used idx %u, want 1 (request not served)",
			  reported[4]);
	if (reported[5] != 16)
		TEST_FAIL("used len %u, want 16", reported[5]);
	if (reported[6] != 1)
		TEST_FAIL("InterruptStatus 0x%x, want 1", reported[6]);
	if (!nonzero)
		TEST_FAIL("the buffer is still zero");
	if (reported[7] != (0xf | 0x40))
		TEST_FAIL("Status 0x%x after a looping chain, want 0x4f",
			  reported[7]);
	if (!(reported[8] & 2))
		TEST_FAIL("InterruptStatus 0x%x: no config interrupt",
			  reported[8]);
	if (reported[9] != 0 || reported[10] != 0)
		TEST_FAIL("after reset: Status 0x%x, QueueReady %u",
			  reported[9], reported[10]);
	printf("PASS: guest code drives a virtio-mmio rng through its "
	       "ioeventfd; a looping chain needs a reset\n");
	return 0;
}
