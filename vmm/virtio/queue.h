/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Split virtqueues (virtio 1.2 §2.7), device side. The rings live in guest
 * RAM and the guest writes them while we read: every index and descriptor
 * is copied once, then validated, then used; addresses go through
 * guest_mem_ptr() so nothing outside guest RAM is ever touched.
 *
 *	struct vq_chain *chain = ...;	(one per queue, VQ_CHAIN_MAX iovecs)
 *	while ((r = vq_pop(vq, chain)) > 0) {
 *		... read chain->iov[0 .. nread), fill the writable ones ...
 *		vq_push(vq, chain->head, written);
 *	}
 *	if (r < 0) ... the ring is malformed: DEVICE_NEEDS_RESET ...
 *	if (vq_should_notify(vq)) ... interrupt ...
 *
 * Not thread-safe: one queue is served by one thread at a time.
 */
#ifndef COCOON_VMM_VIRTIO_QUEUE_H
#define COCOON_VMM_VIRTIO_QUEUE_H

#include "vmm/guest_mem.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

/* Largest queue we offer (QueueNumMax); split rings need a power of 2. */
#define VQ_MAX_SIZE 256u
/*
 * Most descriptors one chain may have, counting an indirect table's
 * entries (Linux puts more than the queue size in an indirect table).
 */
#define VQ_CHAIN_MAX 1024u

/* One descriptor chain: readable buffers first, then writable ones. */
struct vq_chain {
	uint16_t head;	    /* to give back to vq_push() */
	unsigned int nread; /* iov[0 .. nread): driver -> device */
	unsigned int
		nwrite;	    /* iov[nread .. nread + nwrite): device -> driver */
	uint32_t read_len;  /* bytes in the readable part */
	uint32_t write_len; /* bytes in the writable part */
	struct iovec iov[VQ_CHAIN_MAX];
};

struct vq {
	const char *name; /* for messages, e.g. "virtio-rng queue 0" */
	const struct guest_mem *mem;
	uint16_t size;	/* 0: not set up */
	bool event_idx; /* VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;	/* VIRTIO_F_INDIRECT_DESC negotiated */
	bool broken;	/* malformed ring seen; nothing more is done */
	bool logged;	/* said so once; kept across resets (no log floods) */
	/* host pointers into guest RAM, validated by vq_setup() */
	void *desc;
	void *avail;
	void *used;
	uint16_t last_avail;	 /* next avail ring entry to take */
	uint16_t used_idx;	 /* our copy of used->idx */
	uint16_t signalled_used; /* used_idx at the last interrupt */
	bool signalled_valid;
};

/*
 * Validates and maps the three rings of a queue of size entries (a power
 * of 2, 1..VQ_MAX_SIZE) at the guest-physical addresses the driver gave.
 * Returns 0, or -EINVAL when the size, an alignment (§2.7: 16, 2, 4) or a
 * ring's place in guest RAM is wrong; then vq stays unusable.
 */
int vq_setup(struct vq *vq, const struct guest_mem *mem, uint16_t size,
	     uint64_t desc, uint64_t avail, uint64_t used, bool event_idx,
	     bool indirect);
/* Forgets the queue (device reset). */
void vq_reset(struct vq *vq);
/*
 * Takes the next available chain. Returns 1 with *chain filled, 0 when the
 * driver has made nothing more available, -EPROTO when the ring is
 * malformed (logged once; vq->broken is set and later calls fail at once).
 */
int vq_pop(struct vq *vq, struct vq_chain *chain);
/* Returns the chain at head to the driver with len bytes written. */
void vq_push(struct vq *vq, uint16_t head, uint32_t len);
/*
 * Whether the driver wants an interrupt for what was pushed since the last
 * time this returned true (§2.7.7: flags or used_event).
 */
bool vq_should_notify(struct vq *vq);
/* Copies up to len bytes into the writable part of chain; returns the
 * bytes copied. */
uint32_t vq_chain_write(const struct vq_chain *chain, const void *src,
			uint32_t len);

#endif
