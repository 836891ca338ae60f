// SPDX-License-Identifier: Apache-2.0
#include "vmm/virtio/queue.h"

#include "common/log.h"

#include <errno.h>
#include <linux/virtio_ring.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * The rings are little-endian (virtio 1.2 §2.7); so is every host this
 * VMM runs on (x86-64), so fields are used as they are.
 */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "virtio rings are little-endian");

/* §2.7: sizes of the three parts, with the event fields. */
static uint64_t vq_desc_bytes(uint16_t size)
{
	return 16ull * size;
}

static uint64_t vq_avail_bytes(uint16_t size)
{
	return 6ull + 2ull * size;
}

static uint64_t vq_used_bytes(uint16_t size)
{
	return 6ull + 8ull * size;
}

void vq_reset(struct vq *vq)
{
	const char *name = vq->name;
	bool logged = vq->logged;

	memset(vq, 0, sizeof(*vq));
	vq->name = name;
	vq->logged = logged;
}

int vq_setup(struct vq *vq, const struct guest_mem *mem, uint16_t size,
	     uint64_t desc, uint64_t avail, uint64_t used, bool event_idx,
	     bool indirect)
{
	const char *name = vq->name;
	bool logged = vq->logged;

	memset(vq, 0, sizeof(*vq));
	vq->name = name;
	vq->logged = logged;
	/* guest: size is a power of 2 in 1..VQ_MAX_SIZE */
	if (size == 0 || size > VQ_MAX_SIZE || (size & (size - 1)))
		return -EINVAL;
	/* guest: §2.7 alignments: descriptors 16, driver area 2, device 4 */
	if ((desc & 15) || (avail & 1) || (used & 3))
		return -EINVAL;
	/* guest: each ring lies wholly inside guest RAM */
	vq->desc = guest_mem_ptr(mem, desc, vq_desc_bytes(size));
	vq->avail = guest_mem_ptr(mem, avail, vq_avail_bytes(size));
	vq->used = guest_mem_ptr(mem, used, vq_used_bytes(size));
	if (!vq->desc || !vq->avail || !vq->used) {
		vq_reset(vq);
		return -EINVAL;
	}
	vq->mem = mem;
	vq->size = size;
	vq->event_idx = event_idx;
	vq->indirect = indirect;
	return 0;
}

static struct vring_avail *vq_avail(const struct vq *vq)
{
	return vq->avail;
}

static struct vring_used *vq_used(const struct vq *vq)
{
	return vq->used;
}

/* used_event sits after the avail ring, avail_event after the used ring. */
static uint16_t *vq_used_event(const struct vq *vq)
{
	return &vq_avail(vq)->ring[vq->size];
}

static uint16_t *vq_avail_event(const struct vq *vq)
{
	return (uint16_t *)&vq_used(vq)->ring[vq->size];
}

__attribute__((format(printf, 2, 3))) static int vq_fail(struct vq *vq,
							 const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* guest: a driver that breaks its rings again after each reset
	 * gets one error line, then debug ones */
	if (!vq->broken)
		log_msg(vq->logged ? LOG_DEBUG : LOG_ERROR,
			"%s: malformed ring, device needs reset: %s",
			vq->name ? vq->name : "virtqueue", msg);
	vq->broken = true;
	vq->logged = true;
	return -EPROTO;
}

/*
 * Walks the chain starting at head into chain->iov (§2.7.5, §2.7.5.3).
 * Termination: each table is walked at most its own length of steps, so a
 * loop ends as "too long"; an indirect table is entered at most once.
 */
static int vq_walk(struct vq *vq, uint16_t head, struct vq_chain *chain)
{
	const struct vring_desc *table = vq->desc;
	uint32_t table_size = vq->size, i = head, steps = 0;
	uint64_t read_len = 0, write_len = 0;
	unsigned int n = 0;
	bool in_indirect = false;

	chain->head = head;
	chain->nread = 0;
	chain->nwrite = 0;
	for (;;) {
		struct vring_desc d;
		void *p;

		if (steps++ >= table_size)
			return vq_fail(vq,
				       "chain at %u longer than its table "
				       "of %u (a loop?)",
				       head, table_size);
		/* Copied once: the guest may change it while we look. */
		memcpy(&d, &table[i], sizeof(d));
		if (d.flags & VRING_DESC_F_INDIRECT) {
			uint64_t entries = d.len / sizeof(struct vring_desc);

			if (!vq->indirect)
				return vq_fail(vq, "indirect descriptor "
						   "without the feature");
			if (in_indirect)
				return vq_fail(vq, "nested indirect table");
			if (d.flags & VRING_DESC_F_NEXT)
				return vq_fail(vq, "indirect descriptor with "
						   "NEXT set");
			/* guest: len a non-zero multiple of 16, at most
			 * VQ_CHAIN_MAX entries */
			if (d.len == 0 || d.len % sizeof(struct vring_desc) ||
			    entries > VQ_CHAIN_MAX)
				return vq_fail(vq, "indirect table of %u bytes",
					       d.len);
			/* guest: the table lies inside guest RAM */
			table = guest_mem_ptr(vq->mem, d.addr, d.len);
			if (!table)
				return vq_fail(vq,
					       "indirect table 0x%llx+%u "
					       "outside guest RAM",
					       (unsigned long long)d.addr,
					       d.len);
			table_size = (uint32_t)entries;
			i = 0;
			steps = 0;
			in_indirect = true;
			continue;
		}
		/* guest: at most VQ_CHAIN_MAX buffers in all */
		if (n >= VQ_CHAIN_MAX)
			return vq_fail(vq,
				       "chain at %u has more than %u "
				       "buffers",
				       head, VQ_CHAIN_MAX);
		/* guest: [addr, addr + len) inside guest RAM, no wrap */
		p = guest_mem_ptr(vq->mem, d.addr, d.len);
		if (!p)
			return vq_fail(vq, "buffer 0x%llx+%u outside guest RAM",
				       (unsigned long long)d.addr, d.len);
		if (d.flags & VRING_DESC_F_WRITE) {
			write_len += d.len;
			chain->nwrite++;
		} else {
			/* §2.7.4.2: readable ones all come first */
			if (chain->nwrite)
				return vq_fail(vq,
					       "readable buffer after a "
					       "writable one in chain %u",
					       head);
			read_len += d.len;
			chain->nread++;
		}
		/* guest: each part's total fits the 32-bit used length */
		if (read_len > UINT32_MAX || write_len > UINT32_MAX)
			return vq_fail(vq, "chain at %u longer than 4 GiB",
				       head);
		chain->iov[n].iov_base = p;
		chain->iov[n].iov_len = d.len;
		n++;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		/* guest: next < the table's size */
		i = d.next;
		if (i >= table_size)
			return vq_fail(vq, "next index %u beyond a table of %u",
				       i, table_size);
	}
	chain->read_len = (uint32_t)read_len;
	chain->write_len = (uint32_t)write_len;
	return 1;
}

int vq_pop(struct vq *vq, struct vq_chain *chain)
{
	struct vring_avail *avail;
	uint16_t avail_idx, head;

	if (vq->broken)
		return -EPROTO;
	if (!vq->size)
		return 0;
	avail = vq_avail(vq);
	/* Acquire: the ring entry and descriptors the driver wrote before
	 * publishing idx are visible after it (§2.7.13). */
	avail_idx = __atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE);
	if (avail_idx == vq->last_avail) {
		if (!vq->event_idx)
			return 0;
		/*
		 * §2.7.10: ask to be notified when the next buffer comes,
		 * then look again, since the driver may have added one
		 * before it could see our avail_event.
		 */
		__atomic_store_n(vq_avail_event(vq), vq->last_avail,
				 __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		avail_idx = __atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE);
		if (avail_idx == vq->last_avail)
			return 0;
	}
	/* guest: the driver is at most one queue's worth ahead of us */
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->size)
		return vq_fail(vq,
			       "available index jumped from %u to %u in "
			       "a queue of %u",
			       vq->last_avail, avail_idx, vq->size);
	head = __atomic_load_n(&avail->ring[vq->last_avail & (vq->size - 1)],
			       __ATOMIC_RELAXED);
	/* guest: head < queue size */
	if (head >= vq->size)
		return vq_fail(vq, "head %u beyond a queue of %u", head,
			       vq->size);
	if (vq_walk(vq, head, chain) < 0)
		return -EPROTO;
	vq->last_avail++;
	return 1;
}

void vq_push(struct vq *vq, uint16_t head, uint32_t len)
{
	struct vring_used *used = vq_used(vq);
	struct vring_used_elem *elem;

	if (!vq->size || vq->broken)
		return;
	elem = &used->ring[vq->used_idx & (vq->size - 1)];
	__atomic_store_n(&elem->id, head, __ATOMIC_RELAXED);
	__atomic_store_n(&elem->len, len, __ATOMIC_RELAXED);
	vq->used_idx++;
	/* Release: the element is visible before the index that covers it. */
	__atomic_store_n(&used->idx, vq->used_idx, __ATOMIC_RELEASE);
}

/* §2.7.10: has new_idx moved past event since old? (wrapping u16) */
static bool vq_need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

bool vq_should_notify(struct vq *vq)
{
	uint16_t old = vq->signalled_used, event;
	bool valid = vq->signalled_valid;

	if (!vq->size)
		return false;
	/* Nothing pushed since the last interrupt (or ever): none needed. */
	if (vq->used_idx == old && (valid || old == 0))
		return false;
	/* Our used->idx store comes before reading the driver's wishes. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq->signalled_used = vq->used_idx;
	vq->signalled_valid = true;
	if (!vq->event_idx) {
		uint16_t flags =
			__atomic_load_n(&vq_avail(vq)->flags, __ATOMIC_RELAXED);

		/* guest: any flags value; only NO_INTERRUPT is looked at */
		return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
	}
	event = __atomic_load_n(vq_used_event(vq), __ATOMIC_RELAXED);
	/* guest: event is any u16; need_event is defined for all */
	return !valid || vq_need_event(event, vq->used_idx, old);
}

uint32_t vq_chain_write(const struct vq_chain *chain, const void *src,
			uint32_t len)
{
	const uint8_t *s = src;
	uint32_t done = 0;

	for (unsigned int i = chain->nread;
	     i < chain->nread + chain->nwrite && done < len; i++) {
		size_t n = chain->iov[i].iov_len;

		if (n > len - done)
			n = len - done;
		memcpy(chain->iov[i].iov_base, s + done, n);
		done += (uint32_t)n;
	}
	return done;
}
