// SPDX-License-Identifier: Apache-2.0
/*
 * The virtio-net device without KVM or a tap: a fake driver builds rings
 * in real guest memory (guest_mem_init), and a datagram socketpair plays
 * the tap (one datagram per frame, header first, as a tap with
 * IFF_VNET_HDR gives them). Covers feature negotiation and the offloads
 * that follow from it, transmit header handling on hand-built chains,
 * receive into mergeable and single buffers (num_buffers, waiting for
 * room, drops), malformed chains and reset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/log.h"
#include "vmm/virtio/mmio.h"
#include "vmm/virtio/net.h"

#include <errno.h>
#include <linux/if_tun.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MEM_SIZE  (4ull << 20)
#define QSIZE	  16u
#define RX_DESC	  0x1000ull
#define RX_AVAIL  0x2000ull
#define RX_USED	  0x3000ull
#define TX_DESC	  0x4000ull
#define TX_AVAIL  0x5000ull
#define TX_USED	  0x6000ull
#define RX_BUF	  0x10000ull /* QSIZE buffers of RX_STRIDE */
#define RX_STRIDE 0x2000ull
#define TX_BUF	  0x100000ull /* frames to send, TX_STRIDE apart */
#define TX_STRIDE 0x11000ull
#define F(bit)	  (1ull << (bit))
#define ALL_NET                                                   \
	(F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_GUEST_CSUM) |      \
	 F(VIRTIO_NET_F_MAC) | F(VIRTIO_NET_F_GUEST_TSO4) |       \
	 F(VIRTIO_NET_F_GUEST_TSO6) | F(VIRTIO_NET_F_HOST_TSO4) | \
	 F(VIRTIO_NET_F_HOST_TSO6) | F(VIRTIO_NET_F_MRG_RXBUF) |  \
	 F(VIRTIO_NET_F_STATUS))

static const uint8_t test_mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};

struct fixture {
	struct guest_mem mem;
	struct net_device *nd;
	struct virtio_mmio *dev;
	int peer; /* the "tap" side the test holds */
	uint16_t rx_next, rx_seen, tx_next, tx_seen;
	uint8_t frame[NET_HDR_LEN + NET_FRAME_MAX + 64];
};

static void wr(struct fixture *f, uint64_t off, uint32_t v)
{
	uint8_t b[4];

	memcpy(b, &v, 4);
	virtio_mmio_write(f->dev, off, b, 4);
}

static uint32_t rd(struct fixture *f, uint64_t off)
{
	uint8_t b[4];
	uint32_t v;

	virtio_mmio_read(f->dev, off, b, 4);
	memcpy(&v, b, 4);
	return v;
}

static void setup_queue(struct fixture *f, unsigned int q, uint64_t desc,
			uint64_t avail, uint64_t used)
{
	wr(f, VIRTIO_MMIO_QUEUE_SEL, q);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(f, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
	wr(f, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
}

/* Resets the device and brings it up with features (VERSION_1 added). */
static void driver_start(struct fixture *f, uint64_t features)
{
	features |= VIRTIO_FEATURE_VERSION_1;
	memset(f->mem.host, 0, 0x10000);
	f->rx_next = f->rx_seen = f->tx_next = f->tx_seen = 0;
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
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	setup_queue(f, NET_QUEUE_RX, RX_DESC, RX_AVAIL, RX_USED);
	setup_queue(f, NET_QUEUE_TX, TX_DESC, TX_AVAIL, TX_USED);
	wr(f, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		   VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int sv[2];

	assert_non_null(f);
	log_set_level(LOG_SILENT);
	assert_int_equal(guest_mem_init(&f->mem, MEM_SIZE), 0);
	assert_int_equal(socketpair(AF_UNIX,
				    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				    0, sv),
			 0);
	f->peer = sv[1];
	assert_int_equal(
		net_device_create(&f->mem, sv[0], false, test_mac, &f->nd), 0);
	f->dev = net_device_mmio(f->nd);
	driver_start(f, ALL_NET);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	net_device_destroy(f->nd);
	close(f->peer);
	guest_mem_free(&f->mem);
	free(f);
	return 0;
}

static bool needs_reset(struct fixture *f)
{
	return rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET;
}

/* ---- the tap side */

/* A frame from the "tap": header hdr, then len bytes i*7+seed. */
static void tap_send(struct fixture *f, const struct virtio_net_hdr *hdr,
		     uint32_t len, uint8_t seed)
{
	memset(f->frame, 0, NET_HDR_LEN);
	if (hdr)
		memcpy(f->frame, hdr, sizeof(*hdr));
	for (uint32_t i = 0; i < len; i++)
		f->frame[NET_HDR_LEN + i] = (uint8_t)(i * 7 + seed);
	assert_int_equal(send(f->peer, f->frame, NET_HDR_LEN + len, 0),
			 (ssize_t)(NET_HDR_LEN + len));
}

/* What the device wrote to the "tap": its length, -1 when nothing. */
static ssize_t tap_recv(struct fixture *f, void *buf, size_t max)
{
	struct pollfd p = {.fd = f->peer, .events = POLLIN};

	if (poll(&p, 1, 0) <= 0)
		return -1;
	return recv(f->peer, buf, max, 0);
}

/* ---- the receive queue */

/* Offers n buffers of len bytes each. */
static void rx_offer(struct fixture *f, unsigned int n, uint32_t len)
{
	struct vring_desc *d = (struct vring_desc *)(f->mem.host + RX_DESC);
	struct vring_avail *a = (struct vring_avail *)(f->mem.host + RX_AVAIL);

	for (unsigned int i = 0; i < n; i++) {
		uint16_t k = f->rx_next++ % QSIZE;

		d[k] = (struct vring_desc){.addr = RX_BUF + k * RX_STRIDE,
					   .len = len,
					   .flags = VRING_DESC_F_WRITE};
		a->ring[a->idx % QSIZE] = k;
		__atomic_store_n(&a->idx, (uint16_t)(a->idx + 1),
				 __ATOMIC_RELEASE);
	}
}

static void rx_give(struct fixture *f, unsigned int n, uint32_t len)
{
	rx_offer(f, n, len);
	virtio_mmio_notify(f->dev, NET_QUEUE_RX);
}

static unsigned int rx_pending_used(struct fixture *f)
{
	struct vring_used *u = (struct vring_used *)(f->mem.host + RX_USED);

	return (uint16_t)(__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) -
			  f->rx_seen);
}

/*
 * Takes the next received frame: checks num_buffers against the used
 * entries, gathers header and data into out; returns the frame's bytes
 * after the header, -1 when nothing was used.
 */
static long rx_take(struct fixture *f, struct virtio_net_hdr_mrg_rxbuf *hdr,
		    uint8_t *out, unsigned int *nbufs)
{
	struct vring_used *u = (struct vring_used *)(f->mem.host + RX_USED);
	uint8_t *all = malloc(QSIZE * RX_STRIDE);
	size_t total = 0;
	uint16_t n;

	assert_non_null(all);
	if (!rx_pending_used(f)) {
		free(all);
		return -1;
	}
	for (unsigned int i = 0;; i++) {
		struct vring_used_elem e = u->ring[f->rx_seen++ % QSIZE];

		assert_true(e.id < QSIZE);
		assert_true(e.len <= RX_STRIDE);
		memcpy(all + total, f->mem.host + RX_BUF + e.id * RX_STRIDE,
		       e.len);
		total += e.len;
		if (i == 0) {
			assert_true(e.len >= NET_HDR_LEN);
			memcpy(hdr, all, NET_HDR_LEN);
		}
		n = hdr->num_buffers;
		assert_true(n >= 1);
		if (i + 1 == n)
			break;
		assert_true(rx_pending_used(f) > 0);
	}
	*nbufs = n;
	memcpy(out, all + NET_HDR_LEN, total - NET_HDR_LEN);
	free(all);
	return (long)(total - NET_HDR_LEN);
}

static void check_pattern(const uint8_t *p, uint32_t len, uint8_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(i * 7 + seed))
			fail_msg("byte %u is %u, want %u", i, p[i],
				 (uint8_t)(i * 7 + seed));
}

/* ---- the transmit queue */

/*
 * Puts frame[0 .. len) on the transmit queue cut into pieces at the given
 * offsets (each piece one descriptor), then notifies. Returns the used
 * length the device gave back.
 */
static uint32_t tx_put(struct fixture *f, const uint8_t *frame, uint32_t len,
		       const uint32_t *cuts, unsigned int ncuts)
{
	struct vring_desc *d = (struct vring_desc *)(f->mem.host + TX_DESC);
	struct vring_avail *a = (struct vring_avail *)(f->mem.host + TX_AVAIL);
	struct vring_used *u = (struct vring_used *)(f->mem.host + TX_USED);
	uint64_t buf = TX_BUF;
	uint32_t from = 0;
	uint16_t head = 0;

	assert_true(len <= 8 * TX_STRIDE);
	memcpy(f->mem.host + buf, frame, len);
	for (unsigned int i = 0; i <= ncuts; i++) {
		uint32_t to = cuts && i < ncuts ? cuts[i] : len;

		d[i] = (struct vring_desc){
			.addr = buf + from,
			.len = to - from,
			.flags = i < ncuts ? VRING_DESC_F_NEXT : 0,
			.next = (uint16_t)(i + 1),
		};
		from = to;
	}
	a->ring[a->idx % QSIZE] = head;
	__atomic_store_n(&a->idx, (uint16_t)(a->idx + 1), __ATOMIC_RELEASE);
	virtio_mmio_notify(f->dev, NET_QUEUE_TX);
	if (needs_reset(f))
		return UINT32_MAX;
	assert_int_equal(u->idx, (uint16_t)(f->tx_seen + 1));
	assert_int_equal(u->ring[f->tx_seen % QSIZE].id, head);
	return u->ring[f->tx_seen++ % QSIZE].len;
}

/* A frame of len bytes after header hdr, in f->frame. */
static void make_frame(struct fixture *f, const struct virtio_net_hdr *hdr,
		       uint32_t len, uint8_t seed)
{
	memset(f->frame, 0, NET_HDR_LEN);
	memcpy(f->frame, hdr, sizeof(*hdr));
	for (uint32_t i = 0; i < len; i++)
		f->frame[NET_HDR_LEN + i] = (uint8_t)(i * 7 + seed);
}

/* ---- tests */

static void test_features_and_config(void **state)
{
	struct fixture *f = *state;
	uint64_t offered;
	uint8_t cfg[8];

	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	offered = rd(f, VIRTIO_MMIO_DEVICE_FEATURES);
	wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	offered |= (uint64_t)rd(f, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_ID), NET_DEVICE_ID);
	assert_int_equal(offered & ~(VIRTIO_FEATURE_VERSION_1 |
				     VIRTIO_FEATURE_INDIRECT_DESC |
				     VIRTIO_FEATURE_EVENT_IDX),
			 ALL_NET);
	/* §5.1.4: mac, then le16 status with LINK_UP */
	for (unsigned int i = 0; i < 8; i++)
		virtio_mmio_read(f->dev, VIRTIO_MMIO_CONFIG + i, &cfg[i], 1);
	assert_memory_equal(cfg, test_mac, 6);
	assert_int_equal(cfg[6] | cfg[7] << 8, VIRTIO_NET_S_LINK_UP);
	/* offloads follow what was acked: all of them here */
	assert_int_equal(net_device_offload(f->nd),
			 TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6);
	/* a reset takes them away; fewer features give fewer */
	wr(f, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(net_device_offload(f->nd), 0);
	driver_start(f, F(VIRTIO_NET_F_GUEST_CSUM) | F(VIRTIO_NET_F_MAC));
	assert_int_equal(net_device_offload(f->nd), TUN_F_CSUM);
	driver_start(f, F(VIRTIO_NET_F_MAC));
	assert_int_equal(net_device_offload(f->nd), 0);
}

static void test_offload_table(void **state)
{
	(void)state;
	assert_int_equal(net_tap_offload(0), 0);
	assert_int_equal(net_tap_offload(F(VIRTIO_NET_F_CSUM)), 0);
	assert_int_equal(net_tap_offload(F(VIRTIO_NET_F_GUEST_CSUM)),
			 TUN_F_CSUM);
	assert_int_equal(net_tap_offload(F(VIRTIO_NET_F_GUEST_CSUM) |
					 F(VIRTIO_NET_F_GUEST_TSO4)),
			 TUN_F_CSUM | TUN_F_TSO4);
	assert_int_equal(net_tap_offload(F(VIRTIO_NET_F_GUEST_CSUM) |
					 F(VIRTIO_NET_F_GUEST_TSO6)),
			 TUN_F_CSUM | TUN_F_TSO6);
	/* §5.1.3.1: TSO without GUEST_CSUM is not a valid set: none */
	assert_int_equal(net_tap_offload(F(VIRTIO_NET_F_GUEST_TSO4) |
					 F(VIRTIO_NET_F_GUEST_TSO6)),
			 0);
	/* host-side offloads are about the other direction */
	assert_int_equal(net_tap_offload(F(VIRTIO_NET_F_HOST_TSO4) |
					 F(VIRTIO_NET_F_CSUM)),
			 0);
	/* never UFO or ECN, whatever is asked */
	assert_int_equal(net_tap_offload(~0ull),
			 TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6);
}

static void test_default_mac(void **state)
{
	uint8_t a[6], b[6], c[6];

	(void)state;
	net_default_mac("tap0", 4026531840u, a);
	net_default_mac("tap0", 4026531840u, b);
	assert_memory_equal(a, b, 6);
	assert_int_equal(a[0], 0x02);
	net_default_mac("tap0", 4026532000u, c);
	assert_memory_not_equal(a, c, 6);
	net_default_mac("tap1", 4026531840u, c);
	assert_memory_not_equal(a, c, 6);
	assert_int_equal(c[0], 0x02);
}

static void test_tx_chains(void **state)
{
	struct fixture *f = *state;
	struct virtio_net_hdr hdr = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				     .csum_start = 34,
				     .csum_offset = 16};
	uint8_t *got = malloc(sizeof(f->frame));
	const uint32_t split_hdr[] = {5, 12, 100, 101, 1000};
	const uint32_t whole_hdr[] = {12};
	uint32_t len = 1400;

	assert_non_null(got);
	/* header alone in the first descriptor */
	make_frame(f, &hdr, len, 1);
	f->frame[10] = 0xaa; /* num_buffers from the guest: not passed on */
	assert_int_equal(tx_put(f, f->frame, NET_HDR_LEN + len, whole_hdr, 1),
			 0);
	assert_int_equal(tap_recv(f, got, sizeof(f->frame)), NET_HDR_LEN + len);
	assert_memory_equal(got, f->frame, 10);
	assert_int_equal(got[10] | got[11], 0);
	check_pattern(got + NET_HDR_LEN, len, 1);
	/* header split 5 + 7, payload in four pieces, one empty */
	make_frame(f, &hdr, len, 2);
	assert_int_equal(tx_put(f, f->frame, NET_HDR_LEN + len, split_hdr, 5),
			 0);
	assert_int_equal(tap_recv(f, got, sizeof(f->frame)), NET_HDR_LEN + len);
	assert_memory_equal(got, f->frame, 10);
	check_pattern(got + NET_HDR_LEN, len, 2);
	/* header and frame in one descriptor; an empty frame; the largest */
	make_frame(f, &hdr, 60, 3);
	assert_int_equal(tx_put(f, f->frame, NET_HDR_LEN + 60, NULL, 0), 0);
	assert_int_equal(tap_recv(f, got, sizeof(f->frame)), NET_HDR_LEN + 60);
	check_pattern(got + NET_HDR_LEN, 60, 3);
	assert_int_equal(tx_put(f, f->frame, NET_HDR_LEN, NULL, 0), 0);
	assert_int_equal(tap_recv(f, got, sizeof(f->frame)), NET_HDR_LEN);
	hdr = (struct virtio_net_hdr){.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				      .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
				      .hdr_len = 54,
				      .gso_size = 1448,
				      .csum_start = 34,
				      .csum_offset = 16};
	make_frame(f, &hdr, NET_FRAME_MAX, 4);
	assert_int_equal(
		tx_put(f, f->frame, NET_HDR_LEN + NET_FRAME_MAX, whole_hdr, 1),
		0);
	assert_int_equal(tap_recv(f, got, sizeof(f->frame)),
			 NET_HDR_LEN + NET_FRAME_MAX);
	check_pattern(got + NET_HDR_LEN, NET_FRAME_MAX, 4);
	assert_int_equal(net_device_stats(f->nd)->tx_frames, 5);
	assert_int_equal(net_device_stats(f->nd)->tx_bytes,
			 2 * len + 60 + NET_FRAME_MAX);
	assert_int_equal(net_device_stats(f->nd)->tx_errors, 0);
	assert_int_equal(net_device_stats(f->nd)->tx_max, NET_FRAME_MAX);
	assert_false(needs_reset(f));
	free(got);
}

static void test_tx_bad_frames(void **state)
{
	struct fixture *f = *state;
	struct virtio_net_hdr hdr = {0};
	uint8_t got[64];
	const uint32_t cut[] = {4};

	/* shorter than the header, even split */
	make_frame(f, &hdr, 0, 0);
	assert_int_equal(tx_put(f, f->frame, 11, NULL, 0), 0);
	assert_int_equal(tx_put(f, f->frame, 11, cut, 1), 0);
	assert_int_equal(tx_put(f, f->frame, 0, NULL, 0), 0);
	/* one byte too long */
	make_frame(f, &hdr, NET_FRAME_MAX + 1, 0);
	assert_int_equal(
		tx_put(f, f->frame, NET_HDR_LEN + NET_FRAME_MAX + 1, NULL, 0),
		0);
	/* offloads not offered (UDP, ECN) or unknown flags */
	hdr.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	hdr.gso_size = 1000;
	hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	make_frame(f, &hdr, 100, 0);
	assert_int_equal(tx_put(f, f->frame, NET_HDR_LEN + 100, NULL, 0), 0);
	hdr.gso_type = VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN;
	make_frame(f, &hdr, 100, 0);
	assert_int_equal(tx_put(f, f->frame, NET_HDR_LEN + 100, NULL, 0), 0);
	hdr.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	hdr.gso_size = 0;
	make_frame(f, &hdr, 100, 0);
	assert_int_equal(tx_put(f, f->frame, NET_HDR_LEN + 100, NULL, 0), 0);
	hdr = (struct virtio_net_hdr){.flags = 0x40};
	make_frame(f, &hdr, 100, 0);
	assert_int_equal(tx_put(f, f->frame, NET_HDR_LEN + 100, NULL, 0), 0);
	assert_int_equal(net_device_stats(f->nd)->tx_errors, 8);
	assert_int_equal(tap_recv(f, got, sizeof(got)), -1);
	/* offloads the driver did not ack: CSUM, HOST_TSO4 */
	driver_start(f, F(VIRTIO_NET_F_MRG_RXBUF));
	hdr = (struct virtio_net_hdr){.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM};
	make_frame(f, &hdr, 100, 0);
	assert_int_equal(tx_put(f, f->frame, NET_HDR_LEN + 100, NULL, 0), 0);
	driver_start(f, F(VIRTIO_NET_F_CSUM));
	hdr = (struct virtio_net_hdr){.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				      .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
				      .gso_size = 1448};
	make_frame(f, &hdr, 100, 0);
	assert_int_equal(tx_put(f, f->frame, NET_HDR_LEN + 100, NULL, 0), 0);
	assert_int_equal(net_device_stats(f->nd)->tx_errors, 10);
	assert_int_equal(tap_recv(f, got, sizeof(got)), -1);
	assert_int_equal(net_device_stats(f->nd)->tx_frames, 0);
	/* none of this needed a reset; a good frame still goes */
	assert_false(needs_reset(f));
	hdr = (struct virtio_net_hdr){.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM};
	make_frame(f, &hdr, 20, 0);
	assert_int_equal(tx_put(f, f->frame, NET_HDR_LEN + 20, NULL, 0), 0);
	assert_int_equal(tap_recv(f, got, sizeof(got)), NET_HDR_LEN + 20);
}

/* A descriptor outside guest RAM: the ring is broken, the device needs a
 * reset, nothing is sent; after a reset it works again. */
static void test_tx_outside_ram(void **state)
{
	struct fixture *f = *state;
	struct vring_desc *d = (struct vring_desc *)(f->mem.host + TX_DESC);
	struct vring_avail *a = (struct vring_avail *)(f->mem.host + TX_AVAIL);
	struct virtio_net_hdr hdr = {0};
	uint8_t got[64];

	d[0] = (struct vring_desc){.addr = MEM_SIZE - 8, .len = 64};
	a->ring[0] = 0;
	__atomic_store_n(&a->idx, 1, __ATOMIC_RELEASE);
	virtio_mmio_notify(f->dev, NET_QUEUE_TX);
	assert_true(needs_reset(f));
	assert_int_equal(tap_recv(f, got, sizeof(got)), -1);
	driver_start(f, ALL_NET);
	make_frame(f, &hdr, 20, 0);
	assert_int_equal(tx_put(f, f->frame, NET_HDR_LEN + 20, NULL, 0), 0);
	assert_int_equal(tap_recv(f, got, sizeof(got)), NET_HDR_LEN + 20);
}

static void test_rx_mergeable(void **state)
{
	struct fixture *f = *state;
	struct virtio_net_hdr_mrg_rxbuf hdr;
	struct virtio_net_hdr th = {.flags = VIRTIO_NET_HDR_F_DATA_VALID};
	uint8_t *out = malloc(QSIZE * RX_STRIDE);
	unsigned int nbufs;

	assert_non_null(out);
	/* small frame, one buffer */
	rx_give(f, 4, 1536);
	tap_send(f, &th, 100, 5);
	net_device_rx(f->nd);
	assert_int_equal(rx_take(f, &hdr, out, &nbufs), 100);
	assert_int_equal(nbufs, 1);
	assert_int_equal(hdr.hdr.flags, VIRTIO_NET_HDR_F_DATA_VALID);
	check_pattern(out, 100, 5);
	/* 4000 bytes over 1536-byte buffers: 12 + 4000 = 3 buffers */
	tap_send(f, NULL, 4000, 6);
	net_device_rx(f->nd);
	assert_int_equal(rx_take(f, &hdr, out, &nbufs), 4000);
	assert_int_equal(nbufs, 3);
	check_pattern(out, 4000, 6);
	/* a whole GSO frame over 8 KiB buffers */
	th = (struct virtio_net_hdr){.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				     .gso_type = VIRTIO_NET_HDR_GSO_TCPV6,
				     .gso_size = 1428};
	rx_give(f, QSIZE - 4, RX_STRIDE);
	tap_send(f, &th, NET_FRAME_MAX, 7);
	net_device_rx(f->nd);
	assert_int_equal(rx_take(f, &hdr, out, &nbufs), NET_FRAME_MAX);
	assert_int_equal(nbufs, (NET_HDR_LEN + NET_FRAME_MAX + RX_STRIDE - 1) /
					RX_STRIDE);
	assert_int_equal(hdr.hdr.gso_type, VIRTIO_NET_HDR_GSO_TCPV6);
	assert_int_equal(hdr.hdr.gso_size, 1428);
	check_pattern(out, NET_FRAME_MAX, 7);
	assert_int_equal(net_device_stats(f->nd)->rx_frames, 3);
	assert_int_equal(net_device_stats(f->nd)->rx_bytes,
			 100 + 4000 + NET_FRAME_MAX);
	assert_int_equal(net_device_stats(f->nd)->rx_dropped, 0);
	assert_int_equal(net_device_stats(f->nd)->rx_max, NET_FRAME_MAX);
	free(out);
}

/* Frames wait while the queue has too little room, and go when the
 * driver adds buffers; the device does not read further meanwhile. */
static void test_rx_waits_for_room(void **state)
{
	struct fixture *f = *state;
	struct virtio_net_hdr_mrg_rxbuf hdr;
	uint8_t *out = malloc(QSIZE * RX_STRIDE);
	unsigned int nbufs;

	assert_non_null(out);
	/* no buffers at all */
	tap_send(f, NULL, 500, 1);
	tap_send(f, NULL, 3100, 2);
	net_device_rx(f->nd);
	assert_int_equal(rx_pending_used(f), 0);
	/* one: the first frame goes, the second (3 buffers: 12 + 3100 > 2 * 1536) waits and
	 * leaves the ring as it was */
	rx_give(f, 1, 1536);
	assert_int_equal(rx_take(f, &hdr, out, &nbufs), 500);
	check_pattern(out, 500, 1);
	rx_give(f, 1, 1536);
	rx_give(f, 1, 1536);
	assert_int_equal(rx_pending_used(f), 0);
	rx_give(f, 1, 1536);
	assert_int_equal(rx_take(f, &hdr, out, &nbufs), 3100);
	assert_int_equal(nbufs, 3);
	check_pattern(out, 3100, 2);
	assert_int_equal(net_device_stats(f->nd)->rx_dropped, 0);
	/* a tap event with the queue empty reads nothing new */
	tap_send(f, NULL, 10, 3);
	net_device_rx(f->nd);
	assert_int_equal(rx_pending_used(f), 0);
	/* a reset drops what waits, counted */
	driver_start(f, ALL_NET);
	assert_int_equal(net_device_stats(f->nd)->rx_dropped, 1);
	free(out);
}

static void test_rx_drops(void **state)
{
	struct fixture *f = *state;
	struct virtio_net_hdr_mrg_rxbuf hdr;
	struct virtio_net_hdr th = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM};
	uint8_t *out = malloc(QSIZE * RX_STRIDE);
	unsigned int nbufs;

	assert_non_null(out);
	/* bigger than the whole queue can hold: dropped, the buffers are
	 * used for the next frame */
	rx_offer(f, QSIZE, 100);
	tap_send(f, NULL, QSIZE * 100, 1);
	tap_send(f, NULL, 150, 2);
	net_device_rx(f->nd);
	assert_int_equal(net_device_stats(f->nd)->rx_dropped, 1);
	assert_int_equal(rx_take(f, &hdr, out, &nbufs), 150);
	assert_int_equal(nbufs, 2);
	check_pattern(out, 150, 2);
	/* runts and frames beyond NET_FRAME_MAX from the "tap" */
	assert_int_equal(send(f->peer, f->frame, NET_HDR_LEN, 0), NET_HDR_LEN);
	tap_send(f, NULL, NET_FRAME_MAX + 1, 0);
	net_device_rx(f->nd);
	assert_int_equal(net_device_stats(f->nd)->rx_dropped, 3);
	assert_int_equal(rx_pending_used(f), 0);
	/* without MRG_RXBUF: one chain per frame, num_buffers 1; a frame
	 * bigger than the chain is dropped and the chain reused */
	driver_start(f, F(VIRTIO_NET_F_MAC));
	rx_offer(f, 2, 1526);
	tap_send(f, NULL, 1600, 3);
	tap_send(f, NULL, 1514, 4);
	net_device_rx(f->nd);
	assert_int_equal(rx_take(f, &hdr, out, &nbufs), 1514);
	assert_int_equal(nbufs, 1);
	check_pattern(out, 1514, 4);
	/* checksum offload from the tap without GUEST_CSUM: dropped */
	tap_send(f, &th, 100, 5);
	net_device_rx(f->nd);
	assert_int_equal(rx_pending_used(f), 0);
	/* DATA_VALID is cleared (§5.1.6.4.1: flags zero) */
	th.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	tap_send(f, &th, 100, 6);
	net_device_rx(f->nd);
	assert_int_equal(rx_take(f, &hdr, out, &nbufs), 100);
	assert_int_equal(hdr.hdr.flags, 0);
	assert_int_equal(hdr.num_buffers, 1);
	assert_int_equal(net_device_stats(f->nd)->rx_dropped, 5);
	assert_false(needs_reset(f));
	free(out);
}

/* §5.1.6.3.1: a receive buffer smaller than the header breaks the
 * device; a reset brings it back. */
static void test_rx_short_buffer(void **state)
{
	struct fixture *f = *state;
	struct virtio_net_hdr_mrg_rxbuf hdr;
	uint8_t out[256];
	unsigned int nbufs;

	rx_give(f, 1, 11);
	tap_send(f, NULL, 60, 1);
	net_device_rx(f->nd);
	assert_true(needs_reset(f));
	assert_int_equal(rx_pending_used(f), 0);
	driver_start(f, ALL_NET);
	rx_give(f, 1, 1536);
	tap_send(f, NULL, 60, 2);
	net_device_rx(f->nd);
	assert_int_equal(rx_take(f, &hdr, out, &nbufs), 60);
	check_pattern(out, 60, 2);
}

/* Before DRIVER_OK nothing is read; afterwards the frame arrives. */
static void test_rx_before_driver_ok(void **state)
{
	struct fixture *f = *state;
	struct virtio_net_hdr_mrg_rxbuf hdr;
	uint8_t out[256];
	unsigned int nbufs;

	wr(f, VIRTIO_MMIO_STATUS, 0);
	tap_send(f, NULL, 60, 9);
	net_device_rx(f->nd);
	driver_start(f, ALL_NET);
	rx_give(f, 2, 1536);
	assert_int_equal(rx_take(f, &hdr, out, &nbufs), 60);
	check_pattern(out, 60, 9);
	assert_int_equal(net_device_stats(f->nd)->rx_dropped, 0);
}

/* More frames than the budget: the device yields after NET_RX_BUDGET,
 * and its kick fd says to go on. A 256-entry receive queue of its own,
 * so the budget, not the queue, is what stops the device. */
static void test_rx_budget(void **state)
{
	struct fixture *f = *state;
	const uint64_t desc = 0x200000, avail = 0x201000, used = 0x202000,
		       bufs = 0x210000;
	struct vring_desc *d = (struct vring_desc *)(f->mem.host + desc);
	struct vring_avail *a = (struct vring_avail *)(f->mem.host + avail);
	struct vring_used *u = (struct vring_used *)(f->mem.host + used);
	struct pollfd p = {.fd = net_device_kick_fd(f->nd), .events = POLLIN};
	const unsigned int frames = NET_RX_BUDGET + 3;
	int sndbuf = 1 << 20;

	assert_int_equal(setsockopt(f->peer, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				    sizeof(sndbuf)),
			 0);
	wr(f, VIRTIO_MMIO_STATUS, 0);
	wr(f, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	wr(f, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		   VIRTIO_STATUS_FEATURES_OK);
	wr(f, VIRTIO_MMIO_QUEUE_SEL, NET_QUEUE_RX);
	wr(f, VIRTIO_MMIO_QUEUE_NUM, 256);
	wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	wr(f, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
	wr(f, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
	wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
	wr(f, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		   VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	for (unsigned int i = 0; i < frames; i++)
		tap_send(f, NULL, 1, (uint8_t)i);
	for (unsigned int k = 0; k < 256; k++) {
		d[k] = (struct vring_desc){.addr = bufs + k * 64,
					   .len = 64,
					   .flags = VRING_DESC_F_WRITE};
		a->ring[k] = (uint16_t)k;
	}
	__atomic_store_n(&a->idx, 256, __ATOMIC_RELEASE);
	net_device_rx(f->nd);
	assert_int_equal(u->idx, NET_RX_BUDGET);
	assert_int_equal(net_device_stats(f->nd)->rx_frames, NET_RX_BUDGET);
	assert_int_equal(poll(&p, 1, 0), 1);
	/* the driver hands three back; the kick delivers the rest */
	for (unsigned int k = 0; k < 3; k++)
		a->ring[(256 + k) % 256] = (uint16_t)k;
	__atomic_store_n(&a->idx, 259, __ATOMIC_RELEASE);
	net_device_kick(f->nd);
	assert_int_equal(u->idx, frames);
	assert_int_equal(net_device_stats(f->nd)->rx_frames, frames);
	assert_int_equal(poll(&p, 1, 0), 0);
	for (unsigned int i = 0; i < frames; i++) {
		struct vring_used_elem e = u->ring[i % 256];

		assert_int_equal(e.len, NET_HDR_LEN + 1);
		assert_int_equal(f->mem.host[bufs + e.id * 64 + NET_HDR_LEN],
				 (uint8_t)i);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_features_and_config, setup,
						teardown),
		cmocka_unit_test(test_offload_table),
		cmocka_unit_test(test_default_mac),
		cmocka_unit_test_setup_teardown(test_tx_chains, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_bad_frames, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tx_outside_ram, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_mergeable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_waits_for_room, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_short_buffer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_before_driver_ok, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rx_budget, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
