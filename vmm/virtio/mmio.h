/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The virtio-mmio transport (virtio 1.2 §4.2.2), modern interface only
 * (Version 2; VIRTIO_F_VERSION_1 is required of the driver). A device
 * (rng.c, 9p.c...) embeds a struct virtio_mmio, fills a
 * struct virtio_mmio_info and gets its queue notifications through its
 * ops, on the device event-loop thread, with the device lock held.
 *
 * Each device takes one 4 KiB slot of the MMIO hole, from
 * VIRTIO_MMIO_BASE up, and one free ISA interrupt line; vm.c announces
 * them on the kernel command line (virtio_mmio.device=4K@ADDR:IRQ).
 * Queue notifications arrive through ioeventfds (datamatch = queue index)
 * and interrupts leave through an irqfd; without KVM (unit tests) the
 * registers work the same and interrupts are only counted.
 */
#ifndef COCOON_VMM_VIRTIO_MMIO_H
#define COCOON_VMM_VIRTIO_MMIO_H

#include "common/log.h"
#include "vmm/guest_mem.h"
#include "vmm/io_bus.h"
#include "vmm/virtio/queue.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTIO_MMIO_BASE       GUEST_MMIO_HOLE_START
#define VIRTIO_MMIO_SLOT_SIZE  0x1000u
#define VIRTIO_MMIO_CONFIG     0x100u /* device-specific config space */
#define VIRTIO_MMIO_MAX_QUEUES 8u
/* "virt" read as a little-endian word (§4.2.2.1 MagicValue). */
#define VIRTIO_MMIO_MAGIC     0x74726976u
#define VIRTIO_MMIO_VENDOR_ID 0x4e434f43u /* "COCN" */
/* Device status bits (§2.1) and interrupt causes (§4.2.2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER	  2u
#define VIRTIO_STATUS_DRIVER_OK	  4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED	  128u
#define VIRTIO_MMIO_INT_VRING	  1u
#define VIRTIO_MMIO_INT_CONFIG	  2u
/* Transport features we offer with every device (§6). */
#define VIRTIO_FEATURE_INDIRECT_DESC (1ull << 28)
#define VIRTIO_FEATURE_EVENT_IDX     (1ull << 29)
#define VIRTIO_FEATURE_VERSION_1     (1ull << 32)

struct vm;
struct virtio_mmio;

struct virtio_mmio_ops {
	/* The driver notified queue (or DRIVER_OK was set with it ready):
	 * pop, serve, push, then virtio_mmio_queue_done(). Lock held. */
	void (*queue_notify)(struct virtio_mmio *dev, unsigned int queue);
	/* The driver reset the device: drop per-driver state. Lock held.
	 * May be NULL. */
	void (*reset)(struct virtio_mmio *dev);
};

/* What a device is: fixed when it is created. */
struct virtio_mmio_info {
	const char *name; /* "virtio-rng", for messages */
	uint32_t device_id;
	uint64_t features;	 /* device-specific feature bits offered */
	unsigned int num_queues; /* 1..VIRTIO_MMIO_MAX_QUEUES */
	const void *config;	 /* device-specific config, read-only */
	size_t config_len;	 /* at most VIRTIO_MMIO_SLOT_SIZE - 0x100 */
	const struct virtio_mmio_ops *ops;
	void *opaque; /* for the device's own use */
};

struct virtio_mmio_queue {
	struct virtio_mmio *dev;
	unsigned int index;
	struct vq vq;
	char name[48];
	uint32_t num; /* QueueNum as written */
	bool ready;
	uint64_t desc, driver, device; /* ring addresses as written */
	int notify_fd;		       /* ioeventfd, -1 without */
};

struct virtio_mmio {
	struct virtio_mmio_info info;
	const struct guest_mem *mem;
	pthread_mutex_t lock; /* registers, queues, device state */
	uint64_t base;
	unsigned int irq;
	int vm_fd;		 /* -1 when not attached to a VM */
	int irq_fd;		 /* irqfd, -1 without */
	unsigned long irq_count; /* interrupts raised (tests) */
	bool error_logged;	 /* see virtio_mmio_log_level() */
	/* registers */
	uint32_t status;
	uint32_t device_features_sel;
	uint32_t driver_features_sel;
	uint64_t driver_features;
	uint32_t queue_sel;
	uint32_t interrupt_status;
	uint32_t config_generation;
	struct virtio_mmio_queue queues[VIRTIO_MMIO_MAX_QUEUES];
	struct vq_chain *chain; /* scratch for the device's vq_pop() */
};

/*
 * Sets up dev (registers reset, no KVM): returns 0 or -errno. Pair with
 * virtio_mmio_fini().
 */
int virtio_mmio_init(struct virtio_mmio *dev, const struct guest_mem *mem,
		     const struct virtio_mmio_info *info);
/*
 * Gives dev the next free slot and interrupt line of vm, claims the MMIO
 * range, wires its ioeventfds into vm's event loop and its irqfd, and
 * lists it for the kernel command line. Returns 0 or -errno (logged).
 */
int virtio_mmio_attach(struct vm *vm, struct virtio_mmio *dev);
/* Undoes attach and init. */
void virtio_mmio_fini(struct virtio_mmio *dev);

/* The register file, as io_ops (opaque is the struct virtio_mmio). */
void virtio_mmio_read(void *opaque, uint64_t offset, uint8_t *data,
		      uint32_t size);
void virtio_mmio_write(void *opaque, uint64_t offset, const uint8_t *data,
		       uint32_t size);
extern const struct io_ops virtio_mmio_io_ops;

/* The negotiated features (valid once FEATURES_OK is set). */
uint64_t virtio_mmio_features(const struct virtio_mmio *dev);
/* After pushing to a queue: interrupts the driver if it wants one. */
void virtio_mmio_queue_done(struct virtio_mmio *dev, unsigned int queue);
/*
 * The driver broke the device's rules (a malformed ring): set
 * DEVICE_NEEDS_RESET and tell the driver (§2.1.2). Lock held.
 */
void virtio_mmio_fail(struct virtio_mmio *dev);
/* LOG_ERROR the first time a device reports a guest error, LOG_DEBUG
 * after that, so a guest cannot flood the log by resetting. */
enum log_level virtio_mmio_log_level(struct virtio_mmio *dev);
/* Serves a notification of queue as the ioeventfd would (lock taken). */
void virtio_mmio_notify(struct virtio_mmio *dev, unsigned int queue);

#endif
