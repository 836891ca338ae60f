// SPDX-License-Identifier: Apache-2.0
/*
 * The virtio-vsock device without KVM: a fake driver puts packets on the
 * tx queue and rx buffers in fake guest memory; real Unix sockets in a
 * temporary directory play the host. Covers the connection state machine
 * both ways, credit accounting (and guests that lie about it), malformed
 * packets, the CONNECT handshake and device reset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/log.h"
#include "vmm/virtio/mmio.h"
#include "vmm/vsock/device.h"
#include "vmm/vsock/packet.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MEM_SIZE  (4ull << 20)
#define QSIZE	  16u
#define RX_DESC	  0x1000ull
#define RX_AVAIL  0x2000ull
#define RX_USED	  0x3000ull
#define TX_DESC	  0x4000ull
#define TX_AVAIL  0x5000ull
#define TX_USED	  0x6000ull
#define EV_DESC	  0x7000ull
#define EV_AVAIL  0x8000ull
#define EV_USED	  0x9000ull
#define RX_BUF	  0x10000ull /* QSIZE buffers of RX_STRIDE */
#define RX_STRIDE 0x2000ull
#define TX_BUF	  0x100000ull /* QSIZE buffers of TX_STRIDE */
#define TX_STRIDE 0x11000ull
#define GUEST_CID 3u
#define GPORT	  40000u

struct fixture {
	char dir[64];
	char path[80];
	struct guest_mem mem;
	struct vsock_device *vs;
	struct virtio_mmio *dev;
	uint16_t rx_next; /* next rx descriptor to offer */
	uint16_t rx_seen; /* used entries consumed */
	uint16_t tx_next;
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

static void driver_start(struct fixture *f)
{
	uint64_t features = VIRTIO_FEATURE_VERSION_1;

	memset(f->mem.host, 0, 0x10000);
	f->rx_next = f->rx_seen = f->tx_next = 0;
	wr(f, VIRTIO_MMIO_STATUS, 0);
	wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(f, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	wr(f, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		   VIRTIO_STATUS_FEATURES_OK);
	setup_queue(f, VSOCK_QUEUE_RX, RX_DESC, RX_AVAIL, RX_USED);
	setup_queue(f, VSOCK_QUEUE_TX, TX_DESC, TX_AVAIL, TX_USED);
	setup_queue(f, VSOCK_QUEUE_EVENT, EV_DESC, EV_AVAIL, EV_USED);
	wr(f, VIRTIO_MMIO_STATUS,
	   VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		   VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	log_set_level(LOG_SILENT);
	strcpy(f->dir, "/tmp/vsock-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/v.sock", f->dir);
	assert_int_equal(guest_mem_init(&f->mem, MEM_SIZE), 0);
	assert_int_equal(
		vsock_device_create(&f->mem, GUEST_CID, f->path, &f->vs), 0);
	f->dev = vsock_device_mmio(f->vs);
	driver_start(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[160];

	vsock_device_destroy(f->vs);
	/* PATH is removed with the device */
	assert_int_equal(access(f->path, F_OK), -1);
	snprintf(p, sizeof(p), "%s/v.sock_5000", f->dir);
	unlink(p);
	rmdir(f->dir);
	guest_mem_free(&f->mem);
	free(f);
	return 0;
}

/* Offers n rx buffers of len bytes each. */
static void rx_give(struct fixture *f, unsigned int n, uint32_t len)
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
	virtio_mmio_notify(f->dev, VSOCK_QUEUE_RX);
}

/* The next packet the device put in an rx buffer; false when none. */
static bool rx_take(struct fixture *f, struct vsock_hdr *h, uint8_t *data,
		    uint32_t max)
{
	struct vring_used *u = (struct vring_used *)(f->mem.host + RX_USED);
	struct vring_used_elem e;
	struct iovec iov;

	if (__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE) == f->rx_seen)
		return false;
	e = u->ring[f->rx_seen++ % QSIZE];
	assert_true(e.len >= VSOCK_HDR_SIZE);
	iov.iov_base = f->mem.host + RX_BUF + e.id * RX_STRIDE;
	iov.iov_len = e.len;
	assert_int_equal(vsock_hdr_gather(&iov, 1, h), 0);
	assert_int_equal(h->len, e.len - VSOCK_HDR_SIZE);
	if (data) {
		assert_true(h->len <= max);
		memcpy(data, (uint8_t *)iov.iov_base + VSOCK_HDR_SIZE, h->len);
	}
	return true;
}

/* Puts one packet on the tx queue: header (split at cut bytes into two
 * descriptors when cut is not 0) and payload, then notifies. */
static void tx_put(struct fixture *f, const struct vsock_hdr *h,
		   const void *payload, uint32_t len, uint32_t cut)
{
	struct vring_desc *d = (struct vring_desc *)(f->mem.host + TX_DESC);
	struct vring_avail *a = (struct vring_avail *)(f->mem.host + TX_AVAIL);
	uint16_t k = (uint16_t)(f->tx_next++ % (QSIZE / 2)) * 2;
	uint64_t buf = TX_BUF + (k / 2) * TX_STRIDE;
	uint8_t *p = f->mem.host + buf;
	struct iovec iov = {p, VSOCK_HDR_SIZE};

	assert_int_equal(vsock_hdr_scatter(&iov, 1, h), 0);
	if (len)
		memcpy(p + VSOCK_HDR_SIZE, payload, len);
	if (cut) {
		d[k] = (struct vring_desc){.addr = buf,
					   .len = cut,
					   .flags = VRING_DESC_F_NEXT,
					   .next = (uint16_t)(k + 1)};
		d[k + 1] = (struct vring_desc){
			.addr = buf + cut, .len = VSOCK_HDR_SIZE + len - cut};
	} else {
		d[k] = (struct vring_desc){.addr = buf,
					   .len = VSOCK_HDR_SIZE + len};
	}
	a->ring[a->idx % QSIZE] = k;
	__atomic_store_n(&a->idx, (uint16_t)(a->idx + 1), __ATOMIC_RELEASE);
	virtio_mmio_notify(f->dev, VSOCK_QUEUE_TX);
}

static struct vsock_hdr ghdr(uint16_t op, uint32_t dst_port, uint32_t len)
{
	return (struct vsock_hdr){
		.src_cid = GUEST_CID,
		.dst_cid = VSOCK_HOST_CID,
		.src_port = GPORT,
		.dst_port = dst_port,
		.len = len,
		.type = VSOCK_TYPE_STREAM,
		.op = op,
		.buf_alloc = 262144,
	};
}

static int host_listen(struct fixture *f, unsigned int port)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u", f->path, port);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

static int host_client(struct fixture *f)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Lets the device serve its sockets until nothing more happens. */
static void settle(struct fixture *f)
{
	for (int i = 0; i < 8; i++) {
		struct pollfd p = {.fd = vsock_device_fd(f->vs),
				   .events = POLLIN};

		if (poll(&p, 1, 20) <= 0)
			break;
		vsock_device_process(f->vs);
	}
}

static ssize_t read_some(int fd, void *buf, size_t len)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	if (poll(&p, 1, 1000) <= 0)
		return -ETIMEDOUT;
	return read(fd, buf, len);
}

/* Guest connects to host port 5000 with credit buf_alloc; returns the
 * host end. */
static int open_guest_conn(struct fixture *f, int lfd, uint32_t buf_alloc)
{
	struct vsock_hdr h = ghdr(VSOCK_OP_REQUEST, 5000, 0);
	int hfd;

	h.buf_alloc = buf_alloc;
	rx_give(f, 1, 4096);
	tx_put(f, &h, NULL, 0, 0);
	hfd = accept(lfd, NULL, NULL);
	assert_true(hfd >= 0);
	assert_true(rx_take(f, &h, NULL, 0));
	assert_int_equal(h.op, VSOCK_OP_RESPONSE);
	assert_int_equal(h.src_port, 5000);
	assert_int_equal(h.dst_port, GPORT);
	assert_int_equal(h.dst_cid, GUEST_CID);
	assert_int_equal(h.buf_alloc, VSOCK_BUF_ALLOC);
	return hfd;
}

static void test_config_space(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, VIRTIO_MMIO_DEVICE_ID), VSOCK_DEVICE_ID);
	assert_int_equal(rd(f, 0x100), GUEST_CID);
	assert_int_equal(rd(f, 0x104), 0);
}

static void test_request_refused(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr h = ghdr(VSOCK_OP_REQUEST, 1234, 0);

	rx_give(f, 2, 4096);
	tx_put(f, &h, NULL, 0, 0);
	assert_true(rx_take(f, &h, NULL, 0));
	assert_int_equal(h.op, VSOCK_OP_RST);
	assert_int_equal(h.src_cid, VSOCK_HOST_CID);
	assert_int_equal(h.src_port, 1234);
	assert_int_equal(h.dst_port, GPORT);
	assert_false(rx_take(f, &h, NULL, 0));
	assert_int_equal(vsock_device_conns(f->vs), 0);
}

static void test_stream_and_credit(void **state)
{
	struct fixture *f = *state;
	int lfd = host_listen(f, 5000), hfd;
	struct vsock_hdr h;
	uint8_t buf[4096], big[1000];
	ssize_t n;

	hfd = open_guest_conn(f, lfd, 100);
	/* guest -> host (every packet restates the guest's buf_alloc) */
	h = ghdr(VSOCK_OP_RW, 5000, 5);
	h.buf_alloc = 100;
	tx_put(f, &h, "hello", 5, 0);
	n = read_some(hfd, buf, sizeof(buf));
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "hello", 5);
	/* host -> guest: no more than the 100 bytes of credit it gave */
	memset(big, 'x', sizeof(big));
	assert_int_equal(write(hfd, big, sizeof(big)), sizeof(big));
	rx_give(f, 4, 4096);
	settle(f);
	assert_true(rx_take(f, &h, buf, sizeof(buf)));
	assert_int_equal(h.op, VSOCK_OP_RW);
	assert_int_equal(h.len, 100);
	/* out of credit: the device asks for an update, and sends no data */
	assert_true(rx_take(f, &h, NULL, 0));
	assert_int_equal(h.op, VSOCK_OP_CREDIT_REQUEST);
	assert_false(rx_take(f, &h, NULL, 0));
	/* a liar: fwd_cnt beyond what it was sent buys nothing */
	h = ghdr(VSOCK_OP_CREDIT_UPDATE, 5000, 0);
	h.buf_alloc = 100;
	h.fwd_cnt = 5000;
	tx_put(f, &h, NULL, 0, 0);
	settle(f);
	/* (at most it is asked again: one answer per update it sends) */
	if (rx_take(f, &h, NULL, 0))
		assert_int_equal(h.op, VSOCK_OP_CREDIT_REQUEST);
	assert_false(rx_take(f, &h, NULL, 0));
	rx_give(f, 4, 4096);
	/* an honest update: 100 more bytes */
	h = ghdr(VSOCK_OP_CREDIT_UPDATE, 5000, 0);
	h.buf_alloc = 100;
	h.fwd_cnt = 100;
	tx_put(f, &h, NULL, 0, 0);
	settle(f);
	assert_true(rx_take(f, &h, buf, sizeof(buf)));
	assert_int_equal(h.op, VSOCK_OP_RW);
	assert_int_equal(h.len, 100);
	/* CREDIT_REQUEST is answered with our counters */
	h = ghdr(VSOCK_OP_CREDIT_REQUEST, 5000, 0);
	h.buf_alloc = 100;
	h.fwd_cnt = 100;
	tx_put(f, &h, NULL, 0, 0);
	settle(f);
	while (rx_take(f, &h, NULL, 0) && h.op == VSOCK_OP_CREDIT_REQUEST)
		;
	assert_int_equal(h.op, VSOCK_OP_CREDIT_UPDATE);
	assert_int_equal(h.fwd_cnt, 5);
	assert_int_equal(h.buf_alloc, VSOCK_BUF_ALLOC);
	/* the guest closes both ways: RST back; the host sees the end (a
	 * reset, as 700 of its bytes were never read) */
	h = ghdr(VSOCK_OP_SHUTDOWN, 5000, 0);
	h.flags = VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND;
	rx_give(f, 1, 4096);
	tx_put(f, &h, NULL, 0, 0);
	assert_true(rx_take(f, &h, NULL, 0));
	assert_int_equal(h.op, VSOCK_OP_RST);
	assert_int_equal(vsock_device_conns(f->vs), 0);
	do
		n = read_some(hfd, buf, sizeof(buf));
	while (n > 0);
	assert_true(n == 0 || (n == -1 && errno == ECONNRESET));
	close(hfd);
	close(lfd);
}

/* A guest that sends beyond the credit we gave gets a RST. */
static void test_guest_overruns_credit(void **state)
{
	struct fixture *f = *state;
	int lfd = host_listen(f, 5000), hfd;
	static uint8_t chunk[65536];
	struct vsock_hdr h;
	bool reset = false;

	hfd = open_guest_conn(f, lfd, 262144);
	/* the host never reads: the socket fills, then our buffer */
	for (int i = 0; i < 64 && !reset; i++) {
		h = ghdr(VSOCK_OP_RW, 5000, sizeof(chunk));
		rx_give(f, 1, 4096);
		tx_put(f, &h, chunk, sizeof(chunk), 0);
		while (rx_take(f, &h, NULL, 0))
			if (h.op == VSOCK_OP_RST)
				reset = true;
	}
	assert_true(reset);
	assert_int_equal(vsock_device_conns(f->vs), 0);
	close(hfd);
	close(lfd);
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr h;
	struct vring_desc *d = (struct vring_desc *)(f->mem.host + TX_DESC);
	struct vring_avail *a = (struct vring_avail *)(f->mem.host + TX_AVAIL);

	rx_give(f, 8, 4096);
	/* header split oddly across descriptors: still parsed (RST, as
	 * nobody listens) */
	h = ghdr(VSOCK_OP_REQUEST, 1234, 0);
	tx_put(f, &h, NULL, 0, 7);
	assert_true(rx_take(f, &h, NULL, 0));
	assert_int_equal(h.op, VSOCK_OP_RST);
	/* wrong destination CID: RST from that CID */
	h = ghdr(VSOCK_OP_REQUEST, 1234, 0);
	h.dst_cid = 7;
	tx_put(f, &h, NULL, 0, 0);
	assert_true(rx_take(f, &h, NULL, 0));
	assert_int_equal(h.op, VSOCK_OP_RST);
	assert_int_equal(h.src_cid, 7);
	/* spoofed source CID: dropped */
	h = ghdr(VSOCK_OP_REQUEST, 1234, 0);
	h.src_cid = 99;
	tx_put(f, &h, NULL, 0, 0);
	assert_false(rx_take(f, &h, NULL, 0));
	/* not a stream (SEQPACKET was not offered): RST */
	h = ghdr(VSOCK_OP_REQUEST, 1234, 0);
	h.type = 2;
	tx_put(f, &h, NULL, 0, 0);
	assert_true(rx_take(f, &h, NULL, 0));
	assert_int_equal(h.op, VSOCK_OP_RST);
	/* len beyond the chain: RST */
	h = ghdr(VSOCK_OP_RW, 1234, 4000);
	tx_put(f, &h, "abc", 3, 0);
	h.len = 4000;
	assert_true(rx_take(f, &h, NULL, 0));
	assert_int_equal(h.op, VSOCK_OP_RST);
	/* unknown op, no connection: RST; a RST is never answered */
	h = ghdr(99, 1234, 0);
	tx_put(f, &h, NULL, 0, 0);
	assert_true(rx_take(f, &h, NULL, 0));
	assert_int_equal(h.op, VSOCK_OP_RST);
	h = ghdr(VSOCK_OP_RST, 1234, 0);
	tx_put(f, &h, NULL, 0, 0);
	assert_false(rx_take(f, &h, NULL, 0));
	assert_false(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	/* a chain shorter than a header: the device needs a reset */
	d[0] = (struct vring_desc){.addr = TX_BUF, .len = 20};
	a->ring[a->idx % QSIZE] = 0;
	__atomic_store_n(&a->idx, (uint16_t)(a->idx + 1), __ATOMIC_RELEASE);
	virtio_mmio_notify(f->dev, VSOCK_QUEUE_TX);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	/* and works again after one */
	driver_start(f);
	rx_give(f, 1, 4096);
	h = ghdr(VSOCK_OP_REQUEST, 1234, 0);
	tx_put(f, &h, NULL, 0, 0);
	assert_true(rx_take(f, &h, NULL, 0));
	assert_int_equal(h.op, VSOCK_OP_RST);
}

/* A guest rx buffer too small for a header breaks the queue. */
static void test_tiny_rx_buffer(void **state)
{
	struct fixture *f = *state;
	struct vsock_hdr h = ghdr(VSOCK_OP_REQUEST, 1234, 0);

	rx_give(f, 1, 10);
	tx_put(f, &h, NULL, 0, 0);
	assert_true(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
}

static void test_host_connect(void **state)
{
	struct fixture *f = *state;
	int cfd = host_client(f);
	struct vsock_hdr h, req;
	char buf[64];
	ssize_t n;

	/* the line and the stream's first bytes in one write */
	assert_int_equal(write(cfd, "CONNECT 1234\nxyz", 16), 16);
	rx_give(f, 4, 4096);
	settle(f);
	assert_true(rx_take(f, &req, NULL, 0));
	assert_int_equal(req.op, VSOCK_OP_REQUEST);
	assert_int_equal(req.dst_port, 1234);
	assert_int_equal(req.src_port, VSOCK_LOCAL_PORT_BASE);
	assert_int_equal(req.dst_cid, GUEST_CID);
	/* the guest accepts */
	h = ghdr(VSOCK_OP_RESPONSE, req.src_port, 0);
	h.src_port = 1234;
	tx_put(f, &h, NULL, 0, 0);
	n = read_some(cfd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "OK 1073741824\n");
	settle(f);
	assert_true(rx_take(f, &h, (uint8_t *)buf, sizeof(buf)));
	assert_int_equal(h.op, VSOCK_OP_RW);
	assert_int_equal(h.len, 3);
	assert_memory_equal(buf, "xyz", 3);
	/* the host client vanishes: the guest hears SHUTDOWN both ways */
	close(cfd);
	settle(f);
	assert_true(rx_take(f, &h, NULL, 0));
	assert_int_equal(h.op, VSOCK_OP_SHUTDOWN);
	assert_int_equal(h.flags, VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND);
	/* it answers RST: the connection is gone */
	h = ghdr(VSOCK_OP_RST, req.src_port, 0);
	h.src_port = 1234;
	tx_put(f, &h, NULL, 0, 0);
	assert_int_equal(vsock_device_conns(f->vs), 0);
}

static void test_host_connect_refused(void **state)
{
	struct fixture *f = *state;
	int cfd = host_client(f), bad = host_client(f);
	struct vsock_hdr h, req;
	char buf[64];

	assert_int_equal(write(cfd, "CONNECT 77\n", 11), 11);
	assert_int_equal(write(bad, "CONNECT 4294967295\n", 19), 19);
	rx_give(f, 4, 4096);
	settle(f);
	/* the bad line: closed without a word */
	assert_int_equal(read_some(bad, buf, sizeof(buf)), 0);
	assert_true(rx_take(f, &req, NULL, 0));
	assert_int_equal(req.op, VSOCK_OP_REQUEST);
	assert_false(rx_take(f, &h, NULL, 0));
	/* nobody listens on the guest's port 77 */
	h = ghdr(VSOCK_OP_RST, req.src_port, 0);
	h.src_port = 77;
	tx_put(f, &h, NULL, 0, 0);
	assert_int_equal(read_some(cfd, buf, sizeof(buf)), 0);
	assert_int_equal(vsock_device_conns(f->vs), 0);
	close(cfd);
	close(bad);
}

/* A driver reset ends the guest's connections: their host ends see EOF. */
static void test_reset_closes(void **state)
{
	struct fixture *f = *state;
	int lfd = host_listen(f, 5000), hfd;
	char buf[16];

	hfd = open_guest_conn(f, lfd, 4096);
	assert_int_equal(vsock_device_conns(f->vs), 1);
	driver_start(f);
	assert_int_equal(vsock_device_conns(f->vs), 0);
	assert_int_equal(read_some(hfd, buf, sizeof(buf)), 0);
	close(hfd);
	close(lfd);
}

static void test_create_errors(void **state)
{
	struct fixture *f = *state;
	struct vsock_device *vs;

	(void)f;
	assert_int_equal(vsock_device_create(&f->mem, 2, "/tmp/x", &vs),
			 -EINVAL);
	assert_int_equal(
		vsock_device_create(&f->mem, 1ull << 32, "/tmp/x", &vs),
		-EINVAL);
	assert_true(vsock_device_create(&f->mem, 5, "/nonexistent-dir/v.sock",
					&vs) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_space, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_request_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stream_and_credit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_guest_overruns_credit,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tiny_rx_buffer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_host_connect, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_host_connect_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_closes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_create_errors, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
