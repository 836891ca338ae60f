// SPDX-License-Identifier: Apache-2.0
#include "vmm/virtio/mmio.h"

#include "common/log.h"
#include "vmm/event_loop.h"
#include "vmm/vm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <linux/virtio_mmio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

/*
 * ISA interrupt lines nobody else uses in our machine: 0 PIT, 1 keyboard
 * (no i8042 driver in the guest, but keep it), 2 cascade, 4 COM1, 8 RTC,
 * 13 FPU. The MP table lists 0-15 as ISA, edge-triggered, active high,
 * which suits an irqfd: KVM pulses the line for each interrupt, and the
 * driver reads InterruptStatus in its handler (§4.2.3.4).
 */
static const unsigned int virtio_mmio_irqs[VM_VIRTIO_MAX] = {
	5, 6, 7, 9, 10, 11, 12, 14, 15, 3,
};

static uint64_t virtio_mmio_offered(const struct virtio_mmio *dev)
{
	return dev->info.features | VIRTIO_FEATURE_VERSION_1 |
	       VIRTIO_FEATURE_INDIRECT_DESC | VIRTIO_FEATURE_EVENT_IDX;
}

uint64_t virtio_mmio_features(const struct virtio_mmio *dev)
{
	return dev->driver_features;
}

int virtio_mmio_init(struct virtio_mmio *dev, const struct guest_mem *mem,
		     const struct virtio_mmio_info *info)
{
	memset(dev, 0, sizeof(*dev));
	if (info->num_queues == 0 ||
	    info->num_queues > VIRTIO_MMIO_MAX_QUEUES ||
	    info->config_len > VIRTIO_MMIO_SLOT_SIZE - VIRTIO_MMIO_CONFIG) {
		log_error("%s: bad device description", info->name);
		return -EINVAL;
	}
	dev->chain = malloc(sizeof(*dev->chain));
	if (!dev->chain) {
		log_error("%s: out of memory", info->name);
		return -ENOMEM;
	}
	dev->info = *info;
	dev->mem = mem;
	dev->vm_fd = -1;
	dev->irq_fd = -1;
	pthread_mutex_init(&dev->lock, NULL);
	for (unsigned int i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
		struct virtio_mmio_queue *q = &dev->queues[i];

		q->dev = dev;
		q->index = i;
		q->notify_fd = -1;
		snprintf(q->name, sizeof(q->name), "%s queue %u", info->name,
			 i);
		q->vq.name = q->name;
	}
	return 0;
}

static void virtio_mmio_interrupt(struct virtio_mmio *dev, uint32_t cause)
{
	uint64_t one = 1;

	__atomic_fetch_or(&dev->interrupt_status, cause, __ATOMIC_SEQ_CST);
	dev->irq_count++;
	if (dev->irq_fd >= 0 &&
	    write(dev->irq_fd, &one, sizeof(one)) != sizeof(one))
		log_error("%s: interrupt: %s", dev->info.name, strerror(errno));
}

enum log_level virtio_mmio_log_level(struct virtio_mmio *dev)
{
	bool first = !dev->error_logged;

	dev->error_logged = true;
	return first ? LOG_ERROR : LOG_DEBUG;
}

void virtio_mmio_fail(struct virtio_mmio *dev)
{
	if (dev->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	dev->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (dev->status & VIRTIO_STATUS_DRIVER_OK)
		virtio_mmio_interrupt(dev, VIRTIO_MMIO_INT_CONFIG);
}

void virtio_mmio_queue_done(struct virtio_mmio *dev, unsigned int queue)
{
	struct vq *vq = &dev->queues[queue].vq;

	if (vq->broken) {
		virtio_mmio_fail(dev);
		return;
	}
	if (vq_should_notify(vq))
		virtio_mmio_interrupt(dev, VIRTIO_MMIO_INT_VRING);
}

/* §2.1.2, §3.1.1: the device consumes buffers only once DRIVER_OK is set
 * and stops once it needs a reset. Lock held. */
static void virtio_mmio_serve(struct virtio_mmio *dev, unsigned int queue)
{
	if (queue >= dev->info.num_queues || !dev->queues[queue].ready)
		return;
	if ((dev->status &
	     (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)) !=
	    VIRTIO_STATUS_DRIVER_OK)
		return;
	dev->info.ops->queue_notify(dev, queue);
}

void virtio_mmio_notify(struct virtio_mmio *dev, unsigned int queue)
{
	pthread_mutex_lock(&dev->lock);
	virtio_mmio_serve(dev, queue);
	pthread_mutex_unlock(&dev->lock);
}

/* Status 0 (§4.2.2.1): back to the state after power-on. Lock held. */
static void virtio_mmio_reset(struct virtio_mmio *dev)
{
	dev->status = 0;
	dev->device_features_sel = 0;
	dev->driver_features_sel = 0;
	dev->driver_features = 0;
	dev->queue_sel = 0;
	__atomic_store_n(&dev->interrupt_status, 0, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
		struct virtio_mmio_queue *q = &dev->queues[i];

		vq_reset(&q->vq);
		q->num = 0;
		q->ready = false;
		q->desc = 0;
		q->driver = 0;
		q->device = 0;
	}
	if (dev->info.ops->reset)
		dev->info.ops->reset(dev);
}

static void virtio_mmio_set_status(struct virtio_mmio *dev, uint32_t value)
{
	uint32_t old = dev->status;

	if (value == 0) {
		virtio_mmio_reset(dev);
		return;
	}
	/* guest: any bits; FEATURES_OK only sticks for a subset of what we
	 * offer that includes VERSION_1 (§2.2.2, §6.1) */
	if ((value & VIRTIO_STATUS_FEATURES_OK) &&
	    !(old & VIRTIO_STATUS_FEATURES_OK)) {
		uint64_t f = dev->driver_features;

		if ((f & ~virtio_mmio_offered(dev)) ||
		    !(f & VIRTIO_FEATURE_VERSION_1)) {
			log_debug("%s: refusing features 0x%llx",
				  dev->info.name, (unsigned long long)f);
			value &= ~VIRTIO_STATUS_FEATURES_OK;
		}
	}
	/* NEEDS_RESET is the device's to set; only a reset clears it. */
	dev->status = (value & ~VIRTIO_STATUS_NEEDS_RESET) |
		      (old & VIRTIO_STATUS_NEEDS_RESET);
	if ((dev->status & VIRTIO_STATUS_DRIVER_OK) &&
	    !(old & VIRTIO_STATUS_DRIVER_OK)) {
		log_debug("%s: driver ready, features 0x%llx", dev->info.name,
			  (unsigned long long)dev->driver_features);
		/* Buffers may have been made available before DRIVER_OK. */
		for (unsigned int i = 0; i < dev->info.num_queues; i++)
			virtio_mmio_serve(dev, i);
	}
}

static struct virtio_mmio_queue *virtio_mmio_sel(struct virtio_mmio *dev)
{
	/* guest: queue_sel < num_queues, else no queue */
	if (dev->queue_sel >= dev->info.num_queues)
		return NULL;
	return &dev->queues[dev->queue_sel];
}

static void virtio_mmio_set_ready(struct virtio_mmio *dev,
				  struct virtio_mmio_queue *q, uint32_t value)
{
	uint64_t f = dev->driver_features;
	int r;

	if (!value) {
		vq_reset(&q->vq);
		q->ready = false;
		return;
	}
	if (q->ready)
		return;
	/* guest: num and addresses are checked by vq_setup() */
	r = vq_setup(&q->vq, dev->mem, (uint16_t)(q->num > 0xffff ? 0 : q->num),
		     q->desc, q->driver, q->device,
		     f & VIRTIO_FEATURE_EVENT_IDX,
		     f & VIRTIO_FEATURE_INDIRECT_DESC);
	if (r < 0) {
		log_msg(virtio_mmio_log_level(dev),
			"%s: queue of %u at 0x%llx/0x%llx/0x%llx refused",
			q->name, q->num, (unsigned long long)q->desc,
			(unsigned long long)q->driver,
			(unsigned long long)q->device);
		virtio_mmio_fail(dev);
		return;
	}
	q->ready = true;
}

static uint32_t virtio_mmio_reg_read(struct virtio_mmio *dev, uint64_t offset)
{
	struct virtio_mmio_queue *q = virtio_mmio_sel(dev);
	uint64_t offered = virtio_mmio_offered(dev);

	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return dev->info.device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR_ID;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (dev->device_features_sel == 0)
			return (uint32_t)offered;
		if (dev->device_features_sel == 1)
			return (uint32_t)(offered >> 32);
		return 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? VQ_MAX_SIZE : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return __atomic_load_n(&dev->interrupt_status,
				       __ATOMIC_SEQ_CST);
	case VIRTIO_MMIO_STATUS:
		return dev->status;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
		return 0xffffffffu; /* no shared memory regions */
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return dev->config_generation;
	default:
		return 0;
	}
}

static void virtio_mmio_reg_write(struct virtio_mmio *dev, uint64_t offset,
				  uint32_t value)
{
	struct virtio_mmio_queue *q = virtio_mmio_sel(dev);
	bool queue_writable = q && !q->ready;

	switch (offset) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		dev->device_features_sel = value;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		dev->driver_features_sel = value;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		/* guest: banks 0 and 1 only, and only before FEATURES_OK */
		if (dev->status & VIRTIO_STATUS_FEATURES_OK)
			break;
		if (dev->driver_features_sel == 0)
			dev->driver_features =
				(dev->driver_features & ~0xffffffffull) | value;
		else if (dev->driver_features_sel == 1)
			dev->driver_features =
				(dev->driver_features & 0xffffffffull) |
				((uint64_t)value << 32);
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		dev->queue_sel = value;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (queue_writable)
			q->num = value;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (q)
			virtio_mmio_set_ready(dev, q, value);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* Without an ioeventfd, notifications come this way. */
		virtio_mmio_serve(dev, value);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		__atomic_fetch_and(&dev->interrupt_status, ~value,
				   __ATOMIC_SEQ_CST);
		break;
	case VIRTIO_MMIO_STATUS:
		virtio_mmio_set_status(dev, value);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		if (queue_writable)
			q->desc = (q->desc & ~0xffffffffull) | value;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		if (queue_writable)
			q->desc = (q->desc & 0xffffffffull) |
				  ((uint64_t)value << 32);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		if (queue_writable)
			q->driver = (q->driver & ~0xffffffffull) | value;
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		if (queue_writable)
			q->driver = (q->driver & 0xffffffffull) |
				    ((uint64_t)value << 32);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		if (queue_writable)
			q->device = (q->device & ~0xffffffffull) | value;
		break;
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		if (queue_writable)
			q->device = (q->device & 0xffffffffull) |
				    ((uint64_t)value << 32);
		break;
	default:
		break; /* read-only or unknown: ignored */
	}
}

void virtio_mmio_read(void *opaque, uint64_t offset, uint8_t *data,
		      uint32_t size)
{
	struct virtio_mmio *dev = opaque;

	memset(data, 0, size);
	pthread_mutex_lock(&dev->lock);
	if (offset >= VIRTIO_MMIO_CONFIG) {
		/* guest: offset and size within the config we have; any
		 * width (§4.2.2.2 lets the driver use the field's) */
		uint64_t off = offset - VIRTIO_MMIO_CONFIG;

		if (off < dev->info.config_len) {
			uint64_t n = dev->info.config_len - off;

			memcpy(data, (const uint8_t *)dev->info.config + off,
			       n < size ? n : size);
		}
	} else if (size == 4 && !(offset & 3)) {
		/* guest: registers are read as aligned 32-bit words */
		uint32_t v = virtio_mmio_reg_read(dev, offset);

		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&dev->lock);
}

void virtio_mmio_write(void *opaque, uint64_t offset, const uint8_t *data,
		       uint32_t size)
{
	struct virtio_mmio *dev = opaque;
	uint32_t v;

	/* guest: 32-bit aligned register writes only; config is read-only */
	if (offset >= VIRTIO_MMIO_CONFIG || size != 4 || (offset & 3))
		return;
	memcpy(&v, data, 4);
	pthread_mutex_lock(&dev->lock);
	virtio_mmio_reg_write(dev, offset, v);
	pthread_mutex_unlock(&dev->lock);
}

const struct io_ops virtio_mmio_io_ops = {
	.read = virtio_mmio_read,
	.write = virtio_mmio_write,
};

/* The event loop: an ioeventfd fired for one queue. */
static void virtio_mmio_notify_event(void *opaque, uint32_t events)
{
	struct virtio_mmio_queue *q = opaque;
	uint64_t count;

	(void)events;
	if (read(q->notify_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_error("%s: notification: %s", q->name, strerror(errno));
	virtio_mmio_notify(q->dev, q->index);
}

static int virtio_mmio_ioeventfd(struct virtio_mmio *dev,
				 struct virtio_mmio_queue *q, bool assign)
{
	struct kvm_ioeventfd io = {
		.datamatch = q->index,
		.addr = dev->base + VIRTIO_MMIO_QUEUE_NOTIFY,
		.len = 4,
		.fd = q->notify_fd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH |
			 (assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN),
	};

	return ioctl(dev->vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

static int virtio_mmio_irqfd(struct virtio_mmio *dev, bool assign)
{
	struct kvm_irqfd irqfd = {
		.fd = (uint32_t)dev->irq_fd,
		.gsi = dev->irq,
		.flags = assign ? 0 : KVM_IRQFD_FLAG_DEASSIGN,
	};

	return ioctl(dev->vm_fd, KVM_IRQFD, &irqfd) < 0 ? -errno : 0;
}

int virtio_mmio_attach(struct vm *vm, struct virtio_mmio *dev)
{
	unsigned int slot = vm->nvirtio;
	int r;

	if (slot >= VM_VIRTIO_MAX) {
		log_error("%s: no room: at most %u virtio devices",
			  dev->info.name, VM_VIRTIO_MAX);
		return -ENOSPC;
	}
	dev->base = VIRTIO_MMIO_BASE + (uint64_t)slot * VIRTIO_MMIO_SLOT_SIZE;
	dev->irq = virtio_mmio_irqs[slot];
	r = vm_io_register(vm, VM_IO_MMIO, dev->base, VIRTIO_MMIO_SLOT_SIZE,
			   dev->info.name, &virtio_mmio_io_ops, dev);
	if (r < 0)
		return r;
	dev->vm_fd = vm->vm_fd;
	dev->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (dev->irq_fd < 0 || (r = virtio_mmio_irqfd(dev, true)) < 0) {
		r = dev->irq_fd < 0 ? -errno : r;
		log_error("%s: irqfd for IRQ %u: %s", dev->info.name, dev->irq,
			  strerror(-r));
		if (dev->irq_fd >= 0)
			close(dev->irq_fd);
		dev->irq_fd = -1;
		return r;
	}
	for (unsigned int i = 0; i < dev->info.num_queues; i++) {
		struct virtio_mmio_queue *q = &dev->queues[i];

		q->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (q->notify_fd < 0) {
			r = -errno;
			log_error("%s: eventfd: %s", q->name, strerror(-r));
			return r;
		}
		r = virtio_mmio_ioeventfd(dev, q, true);
		if (r < 0) {
			/* The MMIO exit path still serves QueueNotify. */
			log_debug("%s: no ioeventfd (%s)", q->name,
				  strerror(-r));
			close(q->notify_fd);
			q->notify_fd = -1;
			continue;
		}
		r = event_loop_add(vm->loop, q->notify_fd, EPOLLIN,
				   virtio_mmio_notify_event, q);
		if (r < 0)
			return r;
	}
	vm->virtio[slot].base = dev->base;
	vm->virtio[slot].size = VIRTIO_MMIO_SLOT_SIZE;
	vm->virtio[slot].irq = dev->irq;
	vm->nvirtio = slot + 1;
	log_debug("%s at 0x%llx, IRQ %u", dev->info.name,
		  (unsigned long long)dev->base, dev->irq);
	return 0;
}

void virtio_mmio_fini(struct virtio_mmio *dev)
{
	if (!dev->chain)
		return; /* never initialised */
	for (unsigned int i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
		struct virtio_mmio_queue *q = &dev->queues[i];

		if (q->notify_fd < 0)
			continue;
		virtio_mmio_ioeventfd(dev, q, false);
		close(q->notify_fd);
		q->notify_fd = -1;
	}
	if (dev->irq_fd >= 0) {
		virtio_mmio_irqfd(dev, false);
		close(dev->irq_fd);
		dev->irq_fd = -1;
	}
	pthread_mutex_destroy(&dev->lock);
	free(dev->chain);
	dev->chain = NULL;
}
