// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the split-virtqueue walker (vmm/virtio/queue.c) on a
 * guest-written ring. The input is laid out in fake guest memory:
 *
 *	byte 0     log2 of the queue size (mod 9: 1..256 entries)
 *	byte 1     bit 0 EVENT_IDX, bit 1 INDIRECT_DESC negotiated
 *	then       the descriptor table (16 * size bytes) at 0x0000
 *	then       the avail ring (6 + 2 * size bytes) at 0x1000
 *	the rest   at 0x8000: buffers and indirect tables
 *
 * Guest RAM is a malloc'd 64 KiB so that ASan sees any access beyond it;
 * every iovec of every chain popped is also checked to lie inside it.
 */
#include "common/log.h"
#include "vmm/guest_mem.h"
#include "vmm/virtio/queue.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MEM   0x10000u
#define FUZZ_DESC  0x0000u
#define FUZZ_AVAIL 0x1000u
#define FUZZ_USED  0x2000u
#define FUZZ_REST  0x8000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_copy(uint8_t *dst, size_t room, const uint8_t **data,
		      size_t *size)
{
	size_t n = *size < room ? *size : room;

	memcpy(dst, *data, n);
	*data += n;
	*size -= n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vq_chain chain;
	static uint8_t reply[FUZZ_MEM]; /* what the "device" writes back */
	struct guest_mem mem;
	struct vq vq = {.name = "fuzz"};
	uint16_t qsize;
	bool event_idx, indirect;
	int r;

	log_set_level(LOG_SILENT);
	if (size < 2)
		return 0;
	qsize = (uint16_t)(1u << (data[0] % 9));
	event_idx = data[1] & 1;
	indirect = data[1] & 2;
	data += 2;
	size -= 2;

	mem.host = calloc(1, FUZZ_MEM);
	if (!mem.host)
		abort();
	mem.size = FUZZ_MEM;
	mem.low_size = FUZZ_MEM;
	fuzz_copy(mem.host + FUZZ_DESC, 16u * qsize, &data, &size);
	fuzz_copy(mem.host + FUZZ_AVAIL, 6u + 2u * qsize, &data, &size);
	fuzz_copy(mem.host + FUZZ_REST, FUZZ_MEM - FUZZ_REST, &data, &size);

	if (vq_setup(&vq, &mem, qsize, FUZZ_DESC, FUZZ_AVAIL, FUZZ_USED,
		     event_idx, indirect) < 0)
		abort(); /* the fixed layout is always valid */
	/* At most one queue's worth can be available; try a little more. */
	for (unsigned int i = 0; i <= qsize; i++) {
		r = vq_pop(&vq, &chain);
		if (r <= 0)
			break;
		if (chain.nread + chain.nwrite > VQ_CHAIN_MAX ||
		    chain.head >= qsize)
			abort();
		for (unsigned int j = 0; j < chain.nread + chain.nwrite; j++) {
			const uint8_t *p = chain.iov[j].iov_base;

			if (p < mem.host || chain.iov[j].iov_len > FUZZ_MEM ||
			    p + chain.iov[j].iov_len > mem.host + FUZZ_MEM)
				abort();
		}
		vq_push(&vq, chain.head,
			vq_chain_write(&chain, reply, sizeof(reply)));
		vq_should_notify(&vq);
	}
	free(mem.host);
	return 0;
}
