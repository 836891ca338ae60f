// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the virtio-vsock device (vmm/vsock/) fed packets by a
 * hostile driver through fake guest memory, with real Unix sockets for the
 * host side (a listener on PATH_5000 that never accepts). The input is a
 * list of records:
 *
 *	u8 kind, u8 arg, le16 n, then n bytes (for kind 0)
 *
 *	kind % 4 == 0   a tx packet: the n bytes (< 64 KiB), split into two
 *	                descriptors
 *	                at byte arg (0: one descriptor)
 *	kind % 4 == 1   n % 16 rx buffers of arg * 64 bytes
 *	kind % 4 == 2   serve the host sockets (vsock_device_process)
 *	kind % 4 == 3   the driver resets the device and starts again
 *
 * Guest RAM is a malloc'd 2 MiB, so ASan sees any access beyond it; every
 * used rx entry must fit the buffer it was given.
 */
#include "common/log.h"
#include "vmm/virtio/mmio.h"
#include "vmm/vsock/device.h"

#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_path[64];
static uint32_t rx_given[QSIZE];

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

static void start(struct virtio_mmio *dev, uint8_t *mem)
{
	memset(mem, 0, 0x10000);
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

static void fuzz_once_setup(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *tmp = getenv("TMPDIR");
	char dir[48];
	int fd;

	if (fuzz_path[0])
		return;
	/* under $TMPDIR (tests/run-fuzz makes it a scratch directory) */
	if (!tmp || strlen(tmp) > 20)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/fuzz-vsock.XXXXXX", tmp);
	if (!mkdtemp(dir))
		abort();
	snprintf(fuzz_path, sizeof(fuzz_path), "%s/v", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_5000", fuzz_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4096) < 0)
		abort();
	/* kept open for the whole run; never accepted */
}

/* Each rx entry used since the last look fits the buffer it names. */
static void check_rx(uint8_t *mem, uint16_t *seen)
{
	struct vring_used *u = (struct vring_used *)(mem + RX_USED);

	for (; *seen != u->idx; (*seen)++) {
		const struct vring_used_elem *e = &u->ring[*seen % QSIZE];

		if (e->id >= QSIZE || e->len > rx_given[e->id] || e->len < 44)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_mem mem;
	struct vsock_device *vs;
	struct virtio_mmio *dev;
	uint16_t rx_next = 0, tx_next = 0, rx_seen = 0;

	log_set_level(LOG_SILENT);
	fuzz_once_setup();
	mem.host = calloc(1, FUZZ_MEM);
	if (!mem.host)
		abort();
	mem.size = FUZZ_MEM;
	mem.low_size = FUZZ_MEM;
	memset(rx_given, 0, sizeof(rx_given));
	if (vsock_device_create(&mem, 3, fuzz_path, &vs) < 0)
		abort();
	dev = vsock_device_mmio(vs);
	start(dev, mem.host);
	while (size >= 4) {
		uint8_t kind = data[0], arg = data[1];
		uint16_t n = (uint16_t)(data[2] | data[3] << 8);
		struct vring_desc *d;
		struct vring_avail *a;

		data += 4;
		size -= 4;
		switch (kind % 4) {
		case 0: {
			uint16_t k = (uint16_t)(tx_next++ % (QSIZE / 2)) * 2;

			if (n > size)
				n = (uint16_t)size;
			memcpy(mem.host + TX_BUF, data, n);
			data += n;
			size -= n;
			d = (struct vring_desc *)(mem.host + TX_DESC);
			a = (struct vring_avail *)(mem.host + TX_AVAIL);
			if (arg && arg < n) {
				d[k] = (struct vring_desc){
					.addr = TX_BUF,
					.len = arg,
					.flags = VRING_DESC_F_NEXT,
					.next = (uint16_t)(k + 1)};
				d[k + 1] = (struct vring_desc){
					.addr = TX_BUF + arg,
					.len = (uint32_t)(n - arg)};
			} else {
				d[k] = (struct vring_desc){.addr = TX_BUF,
							   .len = n};
			}
			a->ring[a->idx % QSIZE] = k;
			a->idx++;
			virtio_mmio_notify(dev, 1);
			break;
		}
		case 1:
			d = (struct vring_desc *)(mem.host + RX_DESC);
			a = (struct vring_avail *)(mem.host + RX_AVAIL);
			for (unsigned int i = 0; i < n % QSIZE; i++) {
				uint16_t k = rx_next++ % QSIZE;

				rx_given[k] = (uint32_t)arg * 64u;
				d[k] = (struct vring_desc){
					.addr = RX_BUF + k * RX_STRIDE,
					.len = rx_given[k],
					.flags = VRING_DESC_F_WRITE};
				a->ring[a->idx % QSIZE] = k;
				a->idx++;
			}
			virtio_mmio_notify(dev, 0);
			break;
		case 2:
			vsock_device_process(vs);
			break;
		default:
			start(dev, mem.host);
			rx_next = tx_next = rx_seen = 0;
			memset(rx_given, 0, sizeof(rx_given));
			break;
		}
		check_rx(mem.host, &rx_seen);
	}
	vsock_device_destroy(vs);
	free(mem.host);
	return 0;
}
