// SPDX-License-Identifier: Apache-2.0
/* The virtio-mmio register state machine without KVM: identification,
 * feature negotiation, queue setup, notifications, malformed rings and
 * reset; and the kernel command line entry for a device. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/log.h"
#include "vmm/boot.h"
#include "vmm/virtio/mmio.h"

#include <errno.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>

#define MEM_SIZE (1ull << 20)
#define DESC	 0x1000ull
#define AVAIL	 0x2000ull
#define USED	 0x3000ull
#define BUF	 0x10000ull

struct fixture {
	struct guest_mem mem;
	struct virtio_mmio dev;
	unsigned int notified[2];
	unsigned int resets;
	unsigned int served;
};

static const uint8_t test_config[] = {5, 0, 'h', 'e', 'l', 'l', 'o'};

/* Serves like a device: pops, writes "ok", pushes. */
static void test_queue_notify(struct virtio_mmio *dev, unsigned int queue)
{
	struct fixture *f = dev->info.opaque;
	struct vq *vq = &dev->queues[queue].vq;
	int r;

	f->notified[queue]++;
	while ((r = vq_pop(vq, dev->chain)) > 0) {
		vq_push(vq, dev->chain->head,
			vq_chain_write(dev->chain, "ok", 2));
		f->served++;
	}
	virtio_mmio_queue_done(dev, queue);
}

static void test_reset_op(struct virtio_mmio *dev)
{
	struct fixture *f = dev->info.opaque;

	f->resets++;
}

static const struct virtio_mmio_ops test_ops = {
	.queue_notify = test_queue_notify,
	.reset = test_reset_op,
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct virtio_mmio_info info = {
		.name = "virtio-test",
		.device_id = 42,
		.features = 1ull << 0 | 1ull << 40,
		.num_queues = 2,
		.config = test_config,
		.config_len = sizeof(test_config),
		.ops = &test_ops,
	};

	assert_non_null(f);
	info.opaque = f;
	assert_int_equal(guest_mem_init(&f->mem, MEM_SIZE), 0);
	assert_int_equal(virtio_mmio_init(&f->dev, &f->mem, &info), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	virtio_mmio_fini(&f->dev);
	guest_mem_free(&f->mem);
	free(f);
	return 0;
}

static uint32_t rd(struct fixture *f, uint64_t off)
{
	uint8_t b[4];
	uint32_t v;

	virtio_mmio_read(&f->dev, off, b, 4);
	memcpy(&v, b, 4);
	return v;
}

static void wr(struct fixture *f, uint64_t off, uint32_t v)
{
	uint8_t b[4];

	memcpy(b, &v, 4);
	virtio_mmio_write(&f->dev, off, b, 4);
}

static void negotiate(struct fixture *f, uint64_t features)
{
	wr(f, VIRTIO_MMIO_STATUS, 0);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(f, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	wr(f, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		   VIRTIO_STATUS_FEATURES_OK);
}

static void setup_queue(struct fixture *f, unsigned int q, uint32_t num,
			uint64_t desc, uint64_t avail, uint64_t used)
{
	wr(f, VIRTIO_MMIO_QUEUE_SEL, q);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, num);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	wr(f, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
	wr(f, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
	wr(f, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
	wr(f, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
}

/* One device-writable buffer made available on the queue at DESC. */
static void offer_buffer(struct fixture *f, uint16_t flags, uint16_t next)
{
	struct vring_desc *d = (struct vring_desc *)(f->mem.host + DESC);
	struct vring_avail *a = (struct vring_avail *)(f->mem.host + AVAIL);

	d[0] = (struct vring_desc){
		.addr = BUF, .len = 16, .flags = flags, .next = next};
	a->ring[a->idx % 8] = 0;
	a->idx++;
}

static void test_identification(void **state)
{
	struct fixture *f = *state;
	uint8_t b[4];

	assert_int_equal(rd(f, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(f, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_ID), 42);
	assert_int_equal(rd(f, VIRTIO_MMIO_VENDOR_ID), VIRTIO_MMIO_VENDOR_ID);
	assert_int_equal(rd(f, VIRTIO_MMIO_CONFIG_GENERATION), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffffu);
	/* registers are 32-bit: narrower or misaligned reads give 0 */
	b[0] = 0xaa;
	virtio_mmio_read(&f->dev, VIRTIO_MMIO_MAGIC_VALUE, b, 1);
	assert_int_equal(b[0], 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_MAGIC_VALUE + 2), 0);
	/* the config space, at any width, zero beyond its end */
	virtio_mmio_read(&f->dev, 0x100, b, 2);
	assert_int_equal(b[0], 5);
	assert_int_equal(b[1], 0);
	virtio_mmio_read(&f->dev, 0x102, b, 1);
	assert_int_equal(b[0], 'h');
	assert_int_equal(rd(f, 0x104), 'l' | 'l' << 8 | 'o' << 16);
	assert_int_equal(rd(f, 0x108), 0);
	assert_int_equal(rd(f, 0xffc), 0);
	/* config writes go nowhere */
	wr(f, 0x100, 0xffffffff);
	assert_int_equal(rd(f, 0x100), 5 | 'h' << 16 | 'e' << 24);
}

static void test_features(void **state)
{
	struct fixture *f = *state;

	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES),
			 1u << 0 | 1u << 28 | 1u << 29);
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), 1u << 0 | 1u << 8);
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES), 0);

	/* no VERSION_1: FEATURES_OK does not stick (legacy refused) */
	negotiate(f, 1ull << 0);
	assert_false(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	/* a feature not offered */
	negotiate(f, VIRTIO_FEATURE_VERSION_1 | 1ull << 1);
	assert_false(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	/* a subset with VERSION_1 */
	negotiate(f, VIRTIO_FEATURE_VERSION_1 | 1ull << 40 |
			     VIRTIO_FEATURE_EVENT_IDX);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(virtio_mmio_features(&f->dev),
			 VIRTIO_FEATURE_VERSION_1 | 1ull << 40 |
				 VIRTIO_FEATURE_EVENT_IDX);
	/* frozen after FEATURES_OK */
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	assert_int_equal(virtio_mmio_features(&f->dev),
			 VIRTIO_FEATURE_VERSION_1 | 1ull << 40 |
				 VIRTIO_FEATURE_EVENT_IDX);
	/* other banks are ignored */
	wr(f, VIRTIO_MMIO_STATUS, 0);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 7);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffff);
	assert_int_equal(virtio_mmio_features(&f->dev), 0);
}

static void test_queue_setup(void **state)
{
	struct fixture *f = *state;

	negotiate(f, VIRTIO_FEATURE_VERSION_1);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), VQ_MAX_SIZE);
	/* no queue 2: max 0, writes ignored */
	wr(f, VIRTIO_MMIO_QUEUE_SEL, 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);

	setup_queue(f, 0, 8, DESC, AVAIL, USED);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 1);
	assert_int_equal(f->dev.queues[0].vq.size, 8);
	/* the addresses are frozen while it is ready */
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x5000);
	assert_int_equal(f->dev.queues[0].desc, DESC);
	/* ready 0 takes it down */
	wr(f, VIRTIO_MMIO_QUEUE_READY, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(f->dev.queues[0].vq.size, 0);
}

static void test_queue_setup_refused(void **state)
{
	struct fixture *f = *state;

	negotiate(f, VIRTIO_FEATURE_VERSION_1);
	/* a ring beyond guest RAM: refused, the device needs a reset */
	setup_queue(f, 1, 8, DESC, AVAIL, MEM_SIZE);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	/* size not a power of 2; a size above the max */
	negotiate(f, VIRTIO_FEATURE_VERSION_1);
	setup_queue(f, 1, 6, DESC, AVAIL, USED);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	negotiate(f, VIRTIO_FEATURE_VERSION_1);
	setup_queue(f, 1, 0x10000 + 8, DESC, AVAIL, USED);
	assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
}

static void test_notify_and_interrupt(void **state)
{
	struct fixture *f = *state;
	uint32_t ok_status;

	negotiate(f, VIRTIO_FEATURE_VERSION_1);
	setup_queue(f, 0, 8, DESC, AVAIL, USED);
	offer_buffer(f, VRING_DESC_F_WRITE, 0);
	/* not before DRIVER_OK */
	virtio_mmio_notify(&f->dev, 0);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(f->notified[0], 0);
	/* DRIVER_OK serves what was already made available */
	ok_status = rd(f, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK;
	wr(f, VIRTIO_MMIO_STATUS, ok_status);
	assert_int_equal(f->notified[0], 1);
	assert_int_equal(f->served, 1);
	assert_memory_equal(f->mem.host + BUF, "ok", 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_MMIO_INT_VRING);
	assert_int_equal(f->dev.irq_count, 1);
	wr(f, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);

	/* QueueNotify (no ioeventfd) and the ioeventfd path */
	offer_buffer(f, VRING_DESC_F_WRITE, 0);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(f->served, 2);
	offer_buffer(f, VRING_DESC_F_WRITE, 0);
	virtio_mmio_notify(&f->dev, 0);
	assert_int_equal(f->served, 3);
	assert_int_equal(f->dev.irq_count, 3);
	/* queue 1 is not ready; queue 9 does not exist */
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 9);
	virtio_mmio_notify(&f->dev, 9);
	assert_int_equal(f->notified[1], 0);
}

static void test_malformed_ring(void **state)
{
	struct fixture *f = *state;

	negotiate(f, VIRTIO_FEATURE_VERSION_1);
	setup_queue(f, 0, 8, DESC, AVAIL, USED);
	wr(f, VIRTIO_MMIO_STATUS,
	   rd(f, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	/* a descriptor pointing at itself */
	offer_buffer(f, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 0);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS),
			 VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(f->dev.irq_count, 1);
	/* the driver cannot clear NEEDS_RESET; nothing more is served */
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(f->notified[0], 2); /* DRIVER_OK, first notify */
	assert_int_equal(f->served, 0);
	/* a reset brings it back */
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	negotiate(f, VIRTIO_FEATURE_VERSION_1);
	memset(f->mem.host + AVAIL, 0, 0x1000);
	memset(f->mem.host + USED, 0, 0x1000);
	setup_queue(f, 0, 8, DESC, AVAIL, USED);
	wr(f, VIRTIO_MMIO_STATUS,
	   rd(f, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	offer_buffer(f, VRING_DESC_F_WRITE, 0);
	wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(f->served, 1);
}

static void test_reset(void **state)
{
	struct fixture *f = *state;

	negotiate(f, VIRTIO_FEATURE_VERSION_1 | VIRTIO_FEATURE_EVENT_IDX);
	setup_queue(f, 0, 8, DESC, AVAIL, USED);
	setup_queue(f, 1, 4, DESC + 0x800, AVAIL + 0x800, USED + 0x800);
	wr(f, VIRTIO_MMIO_STATUS,
	   rd(f, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(f->resets, 1); /* negotiate() resets first */
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(f->resets, 2);
	assert_int_equal(rd(f, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(virtio_mmio_features(&f->dev), 0);
	assert_int_equal(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	for (unsigned int q = 0; q < 2; q++) {
		wr(f, VIRTIO_MMIO_QUEUE_SEL, q);
		assert_int_equal(rd(f, VIRTIO_MMIO_QUEUE_READY), 0);
		assert_int_equal(f->dev.queues[q].vq.size, 0);
		assert_int_equal(f->dev.queues[q].desc, 0);
		assert_int_equal(f->dev.queues[q].num, 0);
	}
	/* the selector went back to bank 0 */
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_FEATURES),
			 1u << 0 | 1u << 28 | 1u << 29);
}

static void test_bad_info(void **state)
{
	struct virtio_mmio dev;
	struct guest_mem mem = {0};
	struct virtio_mmio_info info = {
		.name = "bad", .num_queues = 0, .ops = &test_ops};

	(void)state;
	assert_int_equal(virtio_mmio_init(&dev, &mem, &info), -EINVAL);
	info.num_queues = VIRTIO_MMIO_MAX_QUEUES + 1;
	assert_int_equal(virtio_mmio_init(&dev, &mem, &info), -EINVAL);
	info.num_queues = 1;
	info.config_len = VIRTIO_MMIO_SLOT_SIZE;
	assert_int_equal(virtio_mmio_init(&dev, &mem, &info), -EINVAL);
	virtio_mmio_fini(&dev); /* harmless on a failed init */
}

static void test_cmdline(void **state)
{
	char buf[128] = "console=ttyS0";
	int n;

	(void)state;
	n = boot_cmdline_add_virtio_mmio(buf, sizeof(buf), strlen(buf),
					 0xd0000000, 0x1000, 5);
	assert_true(n > 0);
	assert_string_equal(buf,
			    "console=ttyS0 virtio_mmio.device=4K@0xd0000000:5");
	n = boot_cmdline_add_virtio_mmio(buf, sizeof(buf), (size_t)n,
					 0xd0001000, 0x1000, 6);
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf,
			    "console=ttyS0 virtio_mmio.device=4K@0xd0000000:5"
			    " virtio_mmio.device=4K@0xd0001000:6");
	/* too long: refused, the line left as it was */
	buf[0] = '\0';
	assert_int_equal(
		boot_cmdline_add_virtio_mmio(buf, 20, 0, 0xd0000000, 0x1000, 5),
		-ENAMETOOLONG);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identification, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_features, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_setup, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_queue_setup_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_notify_and_interrupt,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_ring, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
		cmocka_unit_test(test_bad_info),
		cmocka_unit_test(test_cmdline),
	};

	log_init("test_vmm_virtio_mmio");
	log_set_level(LOG_SILENT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
