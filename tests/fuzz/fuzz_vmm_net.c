// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the virtio-net device (vmm/virtio/net.c) on guest-
 * written rings, both ways, with frames from a fake tap (a datagram
 * socketpair) whose headers come from the input too. The input:
 *
 *	byte 0     features acked: bit 0 MRG_RXBUF, 1 GUEST_CSUM,
 *		   2 GUEST_TSO4, 3 GUEST_TSO6, 4 CSUM, 5 HOST_TSO4,
 *		   6 EVENT_IDX, 7 INDIRECT_DESC
 *	byte 1     log2 of the queue size of both queues (mod 9)
 *	byte 2     frames the tap holds (mod 5), then per frame the le16
 *		   length after the header (0xffff: NET_FRAME_MAX + 1) and
 *		   the 12-byte header; the payload is a pattern
 *	then       rx descriptors at 0x0000, rx avail at 0x1000, tx
 *		   descriptors at 0x3000, tx avail at 0x4000 (each as long
 *		   as the queue size needs), the rest at 0x8000
 *
 * Guest RAM is a malloc'd 128 KiB so that ASan sees any access beyond it.
 * The driver brings the device up (DRIVER_OK serves both queues), then
 * the tap and kick events run as the event loop would run them.
 */
#include "common/log.h"
#include "vmm/guest_mem.h"
#include "vmm/virtio/mmio.h"
#include "vmm/virtio/net.h"

#include <linux/virtio_mmio.h>
#include <linux/virtio_net.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FUZZ_MEM      0x20000u
#define FUZZ_RX_DESC  0x0000u
#define FUZZ_RX_AVAIL 0x1000u
#define FUZZ_RX_USED  0x2000u
#define FUZZ_TX_DESC  0x3000u
#define FUZZ_TX_AVAIL 0x4000u
#define FUZZ_TX_USED  0x5000u
#define FUZZ_REST     0x8000u
#define FUZZ_FRAMES   5u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_copy(uint8_t *dst, size_t room, const uint8_t **data,
		      size_t *size)
{
	size_t n = *size < room ? *size : room;

	memcpy(dst, *data, n);
	*data += n;
	*size -= n;
}

static void fuzz_wr(struct virtio_mmio *dev, uint64_t off, uint32_t v)
{
	uint8_t b[4];

	memcpy(b, &v, 4);
	virtio_mmio_write(dev, off, b, 4);
}

static void fuzz_queue(struct virtio_mmio *dev, unsigned int q, uint16_t n,
		       uint64_t desc, uint64_t avail, uint64_t used)
{
	fuzz_wr(dev, VIRTIO_MMIO_QUEUE_SEL, q);
	fuzz_wr(dev, VIRTIO_MMIO_QUEUE_NUM, n);
	fuzz_wr(dev, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	fuzz_wr(dev, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
	fuzz_wr(dev, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
	fuzz_wr(dev, VIRTIO_MMIO_QUEUE_READY, 1);
}

/* Frames for the fake tap: a length (le16; 0xffff means one beyond
 * NET_FRAME_MAX) and a header each, payload a pattern. */
static void fuzz_frames(int peer, const uint8_t **data, size_t *size)
{
	static uint8_t frame[NET_HDR_LEN + NET_FRAME_MAX + 1];
	unsigned int n;

	if (*size < 1)
		return;
	n = **data % FUZZ_FRAMES;
	(*data)++;
	(*size)--;
	for (unsigned int i = 0; i < n && *size >= 2 + NET_HDR_LEN; i++) {
		uint32_t len = (uint32_t)((*data)[0] | (*data)[1] << 8);

		if (len == 0xffff)
			len = NET_FRAME_MAX + 1;
		len += NET_HDR_LEN;
		memcpy(frame, *data + 2, NET_HDR_LEN);
		for (uint32_t j = NET_HDR_LEN; j < len; j++)
			frame[j] = (uint8_t)j;
		*data += 2 + NET_HDR_LEN;
		*size -= 2 + NET_HDR_LEN;
		/* the socket may refuse when full: that frame is lost */
		if (send(peer, frame, len, MSG_DONTWAIT) < 0)
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
	static uint8_t sink[NET_HDR_LEN + NET_FRAME_MAX + 1];
	struct net_device *nd;
	struct virtio_mmio *dev;
	struct guest_mem mem;
	uint64_t features = VIRTIO_FEATURE_VERSION_1;
	uint16_t qsize;
	int sv[2];

	log_set_level(LOG_SILENT);
	if (size < 2)
		return 0;
	features |= (data[0] & 1 ? 1ull << VIRTIO_NET_F_MRG_RXBUF : 0) |
		    (data[0] & 2 ? 1ull << VIRTIO_NET_F_GUEST_CSUM : 0) |
		    (data[0] & 4 ? 1ull << VIRTIO_NET_F_GUEST_TSO4 : 0) |
		    (data[0] & 8 ? 1ull << VIRTIO_NET_F_GUEST_TSO6 : 0) |
		    (data[0] & 16 ? 1ull << VIRTIO_NET_F_CSUM : 0) |
		    (data[0] & 32 ? 1ull << VIRTIO_NET_F_HOST_TSO4 : 0) |
		    (data[0] & 64 ? VIRTIO_FEATURE_EVENT_IDX : 0) |
		    (data[0] & 128 ? VIRTIO_FEATURE_INDIRECT_DESC : 0);
	qsize = (uint16_t)(1u << (data[1] % 9));
	data += 2;
	size -= 2;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       sv) < 0)
		abort();
	mem.host = calloc(1, FUZZ_MEM);
	if (!mem.host)
		abort();
	mem.size = FUZZ_MEM;
	mem.low_size = FUZZ_MEM;
	fuzz_frames(sv[1], &data, &size);
	fuzz_copy(mem.host + FUZZ_RX_DESC, 16u * qsize, &data, &size);
	fuzz_copy(mem.host + FUZZ_RX_AVAIL, 6u + 2u * qsize, &data, &size);
	fuzz_copy(mem.host + FUZZ_TX_DESC, 16u * qsize, &data, &size);
	fuzz_copy(mem.host + FUZZ_TX_AVAIL, 6u + 2u * qsize, &data, &size);
	fuzz_copy(mem.host + FUZZ_REST, FUZZ_MEM - FUZZ_REST, &data, &size);

	if (net_device_create(&mem, sv[0], false, mac, &nd) < 0)
		abort();
	dev = net_device_mmio(nd);
	fuzz_wr(dev, VIRTIO_MMIO_STATUS,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	fuzz_wr(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	fuzz_wr(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	fuzz_wr(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	fuzz_wr(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	fuzz_wr(dev, VIRTIO_MMIO_STATUS,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			VIRTIO_STATUS_FEATURES_OK);
	fuzz_queue(dev, NET_QUEUE_RX, qsize, FUZZ_RX_DESC, FUZZ_RX_AVAIL,
		   FUZZ_RX_USED);
	fuzz_queue(dev, NET_QUEUE_TX, qsize, FUZZ_TX_DESC, FUZZ_TX_AVAIL,
		   FUZZ_TX_USED);
	/* DRIVER_OK serves both queues: tx frames out, tap frames in */
	fuzz_wr(dev, VIRTIO_MMIO_STATUS,
		VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	net_device_rx(nd);
	net_device_kick(nd);
	virtio_mmio_notify(dev, NET_QUEUE_TX);
	virtio_mmio_notify(dev, NET_QUEUE_RX);
	/* what was sent must be well formed: a header and at most a frame */
	for (;;) {
		ssize_t n = recv(sv[1], sink, sizeof(sink), MSG_DONTWAIT);

		if (n < 0)
			break;
		if (n < (ssize_t)NET_HDR_LEN ||
		    n > (ssize_t)(NET_HDR_LEN + NET_FRAME_MAX))
			abort();
	}
	/* a reset with a frame maybe waiting */
	fuzz_wr(dev, VIRTIO_MMIO_STATUS, 0);
	net_device_destroy(nd);
	close(sv[1]);
	free(mem.host);
	return 0;
}
