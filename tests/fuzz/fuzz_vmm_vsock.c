// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the virtio-vsock device (vmm/vsock/) fed packets by a
 * hostile driver through fake guest memory, with real Unix sockets for the
 * host side: a listener on PATH_5000 (the host service a guest connects
 * to) and host clients of the device's own listener at PATH. The input is
 * a list of records:
 *
 *	u8 kind, u8 arg, le16 n, then n bytes (for kinds 0, 5 and 7)
 *
 *	kind % 8 == 0   a tx packet: the n bytes (< 64 KiB) and then
 *	                (kind / 8) * 4 KiB of zeros (so that a big packet
 *	                needs no big input), split into two descriptors at
 *	                byte arg (0: one descriptor)
 *	kind % 8 == 1   n % 16 rx buffers of arg * 64 bytes (as many as
 *	                there are descriptors the device does not hold)
 *	kind % 8 == 2   serve the host sockets (vsock_device_process)
 *	kind % 8 == 3   the driver resets the device and starts again
 *	kind % 8 == 4   the service on PATH_5000 accepts what is pending
 *	kind % 8 == 5   host peer arg % 8 writes the n bytes
 *	kind % 8 == 6   host peer arg % 8: (arg / 8) % 4 is 0 read what is
 *	                there, 1 shutdown(SHUT_WR), 2 close, 3 shutdown both
 *	kind % 8 == 7   a host client connects to PATH and writes the n
 *	                bytes (a CONNECT line, and stream bytes after it)
 *
 * The device, its sockets and the 2 MiB of guest RAM are made once per
 * process; between inputs every connection is dropped, every host socket
 * closed and every pending connection accepted and closed, the device's
 * queues of owed packets emptied and the driver resets the device, so
 * each input starts from the same state. Guest RAM is malloc'd, so ASan
 * sees any access beyond it; every used rx entry must name a buffer the
 * device held and fit it. (The driver never re-posts an rx descriptor the
 * device still holds: the size of such a buffer would be ambiguous.)
 */
#include "common/log.h"
#include "vmm/virtio/mmio.h"
#include "vmm/vsock/device.h"
#include "vmm/vsock/internal.h"

#include <errno.h>
#include <stdbool.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#define FUZZ_MEM  (2u << 20)
#define QSIZE	  16u
#define RX_DESC	  0x1000u
#define RX_AVAIL  0x2000u
#define RX_USED	  0x3000u
#define TX_DESC	  0x4000u
#define TX_AVAIL  0x5000u
#define TX_USED	  0x6000u
#define EV_DESC	  0x7000u
#define EV_AVAIL  0x8000u
#define EV_USED	  0x9000u
#define RX_BUF	  0x10000u
#define RX_STRIDE 0x4000u
#define TX_BUF	  0x80000u
#define PEERS	  8u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[48], fuzz_path[64], service_path[80];
static int service_fd = -1;
static int peers[PEERS] = {-1, -1, -1, -1, -1, -1, -1, -1};
static uint32_t rx_given[QSIZE];
static bool rx_out[QSIZE]; /* given to the device, not used yet */
static struct guest_mem mem;
static struct vsock_device *vs;

static void wr(struct virtio_mmio *dev, uint64_t off, uint32_t v)
{
	uint8_t b[4];

	memcpy(b, &v, 4);
	virtio_mmio_write(dev, off, b, 4);
}

static void queue(struct virtio_mmio *dev, unsigned int q, uint32_t desc,
		  uint32_t avail, uint32_t used)
{
	wr(dev, VIRTIO_MMIO_QUEUE_SEL, q);
	wr(dev, VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(dev, VIRTIO_MMIO_QUEUE_DESC_LOW, desc);
	wr(dev, VIRTIO_MMIO_QUEUE_AVAIL_LOW, avail);
	wr(dev, VIRTIO_MMIO_QUEUE_USED_LOW, used);
	wr(dev, VIRTIO_MMIO_QUEUE_READY, 1);
}

static void start(struct virtio_mmio *dev, uint8_t *ram)
{
	memset(ram, 0, 0x10000);
	wr(dev, VIRTIO_MMIO_STATUS, 0);
	wr(dev, VIRTIO_MMIO_STATUS, 3);
	wr(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(dev, VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	wr(dev, VIRTIO_MMIO_STATUS, 11);
	queue(dev, 0, RX_DESC, RX_AVAIL, RX_USED);
	queue(dev, 1, TX_DESC, TX_AVAIL, TX_USED);
	queue(dev, 2, EV_DESC, EV_AVAIL, EV_USED);
	wr(dev, VIRTIO_MMIO_STATUS, 15);
}

/* Accepts and closes everything waiting on listening socket fd. */
static void drain_listener(int fd)
{
	int c;

	while ((c = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		close(c);
}

static void fuzz_exit(void)
{
	vsock_device_destroy(vs); /* removes PATH */
	vs = NULL;
	for (unsigned int i = 0; i < PEERS; i++)
		if (peers[i] >= 0)
			close(peers[i]);
	if (service_fd >= 0)
		close(service_fd);
	unlink(service_path);
	rmdir(fuzz_dir);
	free(mem.host);
}

static void fuzz_setup(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *tmp = getenv("TMPDIR");

	log_set_level(LOG_SILENT);
	/* under $TMPDIR (tests/run-fuzz makes it a scratch directory) */
	if (!tmp || strlen(tmp) > 20)
		tmp = "/tmp";
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/fuzz-vsock.XXXXXX", tmp);
	if (!mkdtemp(fuzz_dir))
		abort();
	snprintf(fuzz_path, sizeof(fuzz_path), "%s/v", fuzz_dir);
	snprintf(service_path, sizeof(service_path), "%s_5000", fuzz_path);
	memcpy(sa.sun_path, service_path, strlen(service_path) + 1);
	service_fd =
		socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (service_fd < 0 ||
	    bind(service_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(service_fd, 64) < 0)
		abort();
	mem.host = malloc(FUZZ_MEM);
	if (!mem.host)
		abort();
	memset(mem.host, 0, FUZZ_MEM);
	mem.size = FUZZ_MEM;
	mem.low_size = FUZZ_MEM;
	if (vsock_device_create(&mem, 3, fuzz_path, &vs) < 0)
		abort();
	atexit(fuzz_exit);
}

/*
 * Back to the state of a new device: the driver's reset alone keeps
 * what outlives a driver (host clients in their handshake, connections
 * draining to the host, the fifos of owed packets), so that is dropped
 * here too, and every host socket of the last input is closed.
 */
static void fuzz_reset(void)
{
	struct itimerspec off = {0};
	uint64_t ticks;

	for (uint32_t i = 0; i < VSOCK_CONN_MAX; i++) {
		if (vs->conns[i].state != CONN_FREE)
			vsock_conn_free(vs, &vs->conns[i]);
		vs->conns[i].in_ctl_fifo = false;
		vs->conns[i].in_blocked_fifo = false;
		vs->conns[i].gen = 1;
	}
	vs->ctl_head = vs->ctl_count = 0;
	vs->blocked_head = vs->blocked_count = 0;
	vs->rst_head = vs->rst_count = 0;
	vs->rx_held = false;
	vs->rx_pushed = false;
	vs->next_local_port = VSOCK_LOCAL_PORT_BASE;
	timerfd_settime(vs->timer_fd, 0, &off, NULL);
	vs->timer_armed = false;
	if (read(vs->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		abort();
	for (unsigned int i = 0; i < PEERS; i++) {
		if (peers[i] >= 0)
			close(peers[i]);
		peers[i] = -1;
	}
	drain_listener(service_fd);
	drain_listener(vs->listen_fd);
	memset(rx_given, 0, sizeof(rx_given));
	memset(rx_out, 0, sizeof(rx_out));
	start(vsock_device_mmio(vs), mem.host);
}

static int peer_slot(void)
{
	for (unsigned int i = 0; i < PEERS; i++)
		if (peers[i] < 0)
			return (int)i;
	return -1;
}

static void host_client(const uint8_t *bytes, size_t n)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int k = peer_slot(), fd;

	if (k < 0)
		return;
	memcpy(sa.sun_path, fuzz_path, strlen(fuzz_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		abort();
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd); /* the device's backlog is full */
		return;
	}
	if (n)
		(void)send(fd, bytes, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	peers[k] = fd;
}

static void host_peer(uint8_t arg)
{
	int *fd = &peers[arg % PEERS];
	char sink[4096];

	if (*fd < 0)
		return;
	switch ((arg / PEERS) % 4) {
	case 0:
		while (recv(*fd, sink, sizeof(sink), MSG_DONTWAIT) > 0)
			;
		break;
	case 1:
		shutdown(*fd, SHUT_WR);
		break;
	case 2:
		close(*fd);
		*fd = -1;
		break;
	default:
		shutdown(*fd, SHUT_RDWR);
		break;
	}
}

/* Each rx entry used since the last look names a buffer the device held
 * and fits it. */
static void check_rx(uint8_t *ram, uint16_t *seen)
{
	struct vring_used *u = (struct vring_used *)(ram + RX_USED);

	for (; *seen != u->idx; (*seen)++) {
		const struct vring_used_elem *e = &u->ring[*seen % QSIZE];

		if (e->id >= QSIZE || !rx_out[e->id] ||
		    e->len > rx_given[e->id] || e->len < 44)
			abort();
		rx_out[e->id] = false;
	}
}

/* The next rx descriptor the device does not hold, or -1. */
static int rx_free(uint16_t *next)
{
	for (unsigned int i = 0; i < QSIZE; i++, (*next)++)
		if (!rx_out[*next % QSIZE])
			return (int)(*next % QSIZE);
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtio_mmio *dev;
	uint16_t rx_next = 0, tx_next = 0, rx_seen = 0;

	if (!vs)
		fuzz_setup();
	fuzz_reset();
	dev = vsock_device_mmio(vs);
	while (size >= 4) {
		uint8_t kind = data[0], arg = data[1];
		uint16_t n = (uint16_t)(data[2] | data[3] << 8);
		struct vring_desc *d;
		struct vring_avail *a;
		int k;

		data += 4;
		size -= 4;
		switch (kind % 8) {
		case 0: {
			uint16_t t = (uint16_t)(tx_next++ % (QSIZE / 2)) * 2;
			uint32_t pad = (uint32_t)(kind / 8) * 4096u;

			if (n > size)
				n = (uint16_t)size;
			memcpy(mem.host + TX_BUF, data, n);
			memset(mem.host + TX_BUF + n, 0, pad);
			data += n;
			size -= n;
			d = (struct vring_desc *)(mem.host + TX_DESC);
			a = (struct vring_avail *)(mem.host + TX_AVAIL);
			if (arg && arg < n) {
				d[t] = (struct vring_desc){
					.addr = TX_BUF,
					.len = arg,
					.flags = VRING_DESC_F_NEXT,
					.next = (uint16_t)(t + 1)};
				d[t + 1] = (struct vring_desc){
					.addr = TX_BUF + arg,
					.len = (uint32_t)(n - arg) + pad};
			} else {
				d[t] = (struct vring_desc){.addr = TX_BUF,
							   .len = n + pad};
			}
			a->ring[a->idx % QSIZE] = t;
			a->idx++;
			virtio_mmio_notify(dev, 1);
			break;
		}
		case 1:
			d = (struct vring_desc *)(mem.host + RX_DESC);
			a = (struct vring_avail *)(mem.host + RX_AVAIL);
			for (unsigned int i = 0; i < n % QSIZE; i++) {
				int r = rx_free(&rx_next);

				if (r < 0)
					break;
				rx_next++;
				rx_out[r] = true;
				rx_given[r] = (uint32_t)arg * 64u;
				d[r] = (struct vring_desc){
					.addr = RX_BUF + r * RX_STRIDE,
					.len = rx_given[r],
					.flags = VRING_DESC_F_WRITE};
				a->ring[a->idx % QSIZE] = (uint16_t)r;
				a->idx++;
			}
			virtio_mmio_notify(dev, 0);
			break;
		case 2:
			vsock_device_process(vs);
			break;
		case 3:
			start(dev, mem.host);
			rx_next = tx_next = rx_seen = 0;
			memset(rx_given, 0, sizeof(rx_given));
			memset(rx_out, 0, sizeof(rx_out));
			break;
		case 4:
			while ((k = peer_slot()) >= 0) {
				peers[k] =
					accept4(service_fd, NULL, NULL,
						SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (peers[k] < 0) {
					peers[k] = -1;
					break;
				}
			}
			break;
		case 5:
			if (n > size)
				n = (uint16_t)size;
			if (peers[arg % PEERS] >= 0 && n)
				(void)send(peers[arg % PEERS], data, n,
					   MSG_DONTWAIT | MSG_NOSIGNAL);
			data += n;
			size -= n;
			break;
		case 6:
			host_peer(arg);
			break;
		default:
			if (n > size)
				n = (uint16_t)size;
			host_client(data, n);
			data += n;
			size -= n;
			break;
		}
		check_rx(mem.host, &rx_seen);
	}
	return 0;
}
