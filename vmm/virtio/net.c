// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-net (virtio 1.2 §5.1, device ID 1) over a tap; see net.h.
 * Present when the VM is configured with a network (cocoon-vmm --net).
 *
 * Transmit: each chain is one frame, header first (it may be split over
 * descriptors). The header is copied once, checked against the features
 * the driver acked, and that copy (not the guest's, which may change
 * under us) is written to the tap in front of the payload's buffers.
 *
 * Receive: a frame is read from the tap into a buffer here, then copied
 * into as many chains as it needs (§5.1.6.4: several with
 * VIRTIO_NET_F_MRG_RXBUF, num_buffers saying how many; else one). When
 * the queue runs dry part way, the chains taken are given back untouched
 * to the ring (last_avail rewound: they were never used) and the frame
 * waits for the driver's next notification; a frame that would not fit
 * even in a full queue is dropped and counted.
 */
#include "vmm/virtio/net.h"

#include "common/log.h"
#include "vmm/device.h"
#include "vmm/event_loop.h"
#include "vmm/net/tap.h"
#include "vmm/virtio/mmio.h"
#include "vmm/vm.h"

#include <errno.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define NET_F(bit) (1ull << (bit))
/* What we offer (§5.1.3). The driver must ack each offload with the
 * one it depends on (§5.1.3.1); net_hdr_allowed() enforces that per frame. */
#define NET_FEATURES                                                      \
	(NET_F(VIRTIO_NET_F_CSUM) | NET_F(VIRTIO_NET_F_GUEST_CSUM) |      \
	 NET_F(VIRTIO_NET_F_MAC) | NET_F(VIRTIO_NET_F_GUEST_TSO4) |       \
	 NET_F(VIRTIO_NET_F_GUEST_TSO6) | NET_F(VIRTIO_NET_F_HOST_TSO4) | \
	 NET_F(VIRTIO_NET_F_HOST_TSO6) | NET_F(VIRTIO_NET_F_MRG_RXBUF) |  \
	 NET_F(VIRTIO_NET_F_STATUS))
/* Writev with the header copy in front of at most this many buffers. */
#define NET_TX_IOV_MAX 1024u
/* §5.1.4: mac[6], le16 status; nothing else is offered. */
#define NET_CONFIG_LEN 8u

_Static_assert(sizeof(struct virtio_net_hdr_mrg_rxbuf) == NET_HDR_LEN,
	       "VERSION_1 header");
_Static_assert(TAP_VNET_HDR_LEN == NET_HDR_LEN, "tap header");

struct net_device {
	struct virtio_mmio dev;
	int fd;
	bool is_tap;
	int kick_fd; /* eventfd: more receive work to do */
	unsigned int offload;
	bool offload_set;
	bool io_error_logged;
	uint8_t config[NET_CONFIG_LEN];
	struct net_stats stats;
	uint32_t rx_len; /* bytes of the frame waiting in rx_buf, 0: none */
	uint8_t rx_buf[NET_HDR_LEN + NET_FRAME_MAX + 1];
	struct iovec tx_iov[NET_TX_IOV_MAX];
};

unsigned int net_tap_offload(uint64_t features)
{
	unsigned int flags = 0;

	/* §5.1.3.1: GUEST_TSO4/6 need GUEST_CSUM; the tap needs TUN_F_CSUM
	 * for any TSO too. No ECN, no UFO: never offered. */
	if (!(features & NET_F(VIRTIO_NET_F_GUEST_CSUM)))
		return 0;
	flags |= TUN_F_CSUM;
	if (features & NET_F(VIRTIO_NET_F_GUEST_TSO4))
		flags |= TUN_F_TSO4;
	if (features & NET_F(VIRTIO_NET_F_GUEST_TSO6))
		flags |= TUN_F_TSO6;
	return flags;
}

void net_default_mac(const char *ifname, uint64_t netns_ino, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 offset basis */

	for (const char *p = ifname; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	for (unsigned int i = 0; i < 8; i++)
		h = (h ^ (uint8_t)(netns_ino >> (8 * i))) * 0x100000001b3ull;
	/* Locally administered (bit 1), unicast (bit 0 clear). */
	mac[0] = 0x02;
	for (unsigned int i = 1; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * (i - 1)));
}

static struct net_device *net_of(struct virtio_mmio *dev)
{
	return dev->info.opaque;
}

static uint64_t net_features(const struct net_device *nd)
{
	if (!(nd->dev.status & VIRTIO_STATUS_FEATURES_OK))
		return 0;
	return virtio_mmio_features(&nd->dev);
}

/* The tap's offloads follow the acked features; until FEATURES_OK and
 * after a reset, none (the kernel then checksums and segments frames
 * before they reach us). Lock held. */
static void net_sync_offload(struct net_device *nd)
{
	unsigned int want = net_tap_offload(net_features(nd));
	int r;

	if (nd->offload_set && nd->offload == want)
		return;
	if (nd->is_tap) {
		r = tap_set_offload(nd->fd, want);
		/* Not retried (once per change is enough to log): frames
		 * with offloads the driver lacks are dropped on receive. */
		if (r < 0)
			log_error("%s: TUNSETOFFLOAD 0x%x: %s",
				  nd->dev.info.name, want, strerror(-r));
	}
	nd->offload = want;
	nd->offload_set = true;
}

/*
 * Whether a header (from the guest on transmit, from the tap on receive)
 * only uses offloads the driver acked: flags NEEDS_CSUM and TSO need csum,
 * tso4 and tso6 from the features of that direction.
 */
static bool net_hdr_allowed(const struct virtio_net_hdr *h, uint64_t f,
			    unsigned int csum, unsigned int tso4,
			    unsigned int tso6)
{
	bool has_csum = f & NET_F(csum);

	if (h->flags &
	    ~(VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID))
		return false;
	if ((h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && !has_csum)
		return false;
	switch (h->gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return true;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return has_csum && (f & NET_F(tso4)) && h->gso_size;
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return has_csum && (f & NET_F(tso6)) && h->gso_size;
	default:
		return false; /* UDP, ECN: never offered */
	}
}

/* ---- transmit */

/* Copies the first len readable bytes of chain to dst; the header may
 * span buffers. */
static void net_chain_gather(const struct vq_chain *chain, void *dst,
			     uint32_t len)
{
	uint8_t *d = dst;
	uint32_t done = 0;

	for (unsigned int i = 0; i < chain->nread && done < len; i++) {
		size_t n = chain->iov[i].iov_len;

		if (n > len - done)
			n = len - done;
		memcpy(d + done, chain->iov[i].iov_base, n);
		done += (uint32_t)n;
	}
}

/* One frame to the tap; a bad one is counted and not sent. Lock held. */
static void net_tx_frame(struct net_device *nd, const struct vq_chain *chain)
{
	struct virtio_net_hdr_mrg_rxbuf hdr;
	uint32_t skip = NET_HDR_LEN, frame;
	unsigned int n = 1;
	ssize_t w;

	/* guest: NET_HDR_LEN <= read_len <= NET_HDR_LEN + NET_FRAME_MAX;
	 * writable buffers in a transmit chain are ignored */
	if (chain->read_len < NET_HDR_LEN ||
	    chain->read_len - NET_HDR_LEN > NET_FRAME_MAX) {
		nd->stats.tx_errors++;
		log_msg(virtio_mmio_log_level(&nd->dev),
			"%s: transmit chain of %u bytes: want %u..%u",
			nd->dev.info.name, chain->read_len, NET_HDR_LEN,
			NET_HDR_LEN + NET_FRAME_MAX);
		return;
	}
	frame = chain->read_len - NET_HDR_LEN;
	net_chain_gather(chain, &hdr, NET_HDR_LEN);
	/* guest: only the offloads it acked (§5.1.6.2.1) */
	if (!net_hdr_allowed(&hdr.hdr, net_features(nd), VIRTIO_NET_F_CSUM,
			     VIRTIO_NET_F_HOST_TSO4, VIRTIO_NET_F_HOST_TSO6)) {
		nd->stats.tx_errors++;
		log_msg(virtio_mmio_log_level(&nd->dev),
			"%s: transmit header with flags 0x%x gso_type 0x%x "
			"the driver did not negotiate",
			nd->dev.info.name, hdr.hdr.flags, hdr.hdr.gso_type);
		return;
	}
	/* DATA_VALID means nothing to the tap on transmit */
	hdr.hdr.flags &= VIRTIO_NET_HDR_F_NEEDS_CSUM;
	hdr.num_buffers = 0;
	nd->tx_iov[0].iov_base = &hdr;
	nd->tx_iov[0].iov_len = NET_HDR_LEN;
	for (unsigned int i = 0; i < chain->nread; i++) {
		const struct iovec *v = &chain->iov[i];

		if (v->iov_len <= skip) {
			skip -= (uint32_t)v->iov_len;
			continue;
		}
		/* guest: at most NET_TX_IOV_MAX - 1 payload buffers */
		if (n >= NET_TX_IOV_MAX) {
			nd->stats.tx_errors++;
			log_msg(virtio_mmio_log_level(&nd->dev),
				"%s: transmit frame in more than %u buffers",
				nd->dev.info.name, NET_TX_IOV_MAX - 1);
			return;
		}
		nd->tx_iov[n].iov_base = (uint8_t *)v->iov_base + skip;
		nd->tx_iov[n].iov_len = v->iov_len - skip;
		skip = 0;
		n++;
	}
	do
		w = writev(nd->fd, nd->tx_iov, (int)n);
	while (w < 0 && errno == EINTR);
	if (w < 0) {
		/* EINVAL: the tap found the header inconsistent with the
		 * frame (the guest's doing); else the host's (link down,
		 * queue full): dropped as a wire would. */
		if (errno == EINVAL) {
			nd->stats.tx_errors++;
		} else {
			nd->stats.tx_dropped++;
			if (!nd->io_error_logged)
				log_error("%s: write to tap: %s (frames are "
					  "dropped)",
					  nd->dev.info.name, strerror(errno));
			nd->io_error_logged = true;
		}
		return;
	}
	nd->stats.tx_frames++;
	nd->stats.tx_bytes += frame;
	if (frame > nd->stats.tx_max)
		nd->stats.tx_max = frame;
}

static void net_tx(struct net_device *nd)
{
	struct vq *vq = &nd->dev.queues[NET_QUEUE_TX].vq;
	struct vq_chain *chain = nd->dev.chain;

	while (vq_pop(vq, chain) > 0) {
		net_tx_frame(nd, chain);
		/* §5.1.6.2: nothing written back for a transmit chain */
		vq_push(vq, chain->head, 0);
	}
	virtio_mmio_queue_done(&nd->dev, NET_QUEUE_TX);
}

/* ---- receive */

/* Host pointer to byte off of the writable part of chain (off < its
 * write_len). */
static uint8_t *net_chain_byte(const struct vq_chain *chain, uint32_t off)
{
	for (unsigned int i = chain->nread; i < chain->nread + chain->nwrite;
	     i++) {
		if (off < chain->iov[i].iov_len)
			return (uint8_t *)chain->iov[i].iov_base + off;
		off -= (uint32_t)chain->iov[i].iov_len;
	}
	return NULL;
}

/*
 * Copies the frame in rx_buf into the receive queue. Returns 1 when the
 * frame is gone (delivered, or dropped and counted), 0 when the queue has
 * too little room for now (nothing taken from it), -EPROTO when the ring
 * is broken. Lock held.
 */
static int net_rx_frame(struct net_device *nd)
{
	struct vq *vq = &nd->dev.queues[NET_QUEUE_RX].vq;
	struct vq_chain *chain = nd->dev.chain;
	uint64_t f = net_features(nd);
	bool merge = f & NET_F(VIRTIO_NET_F_MRG_RXBUF);
	struct virtio_net_hdr_mrg_rxbuf *hdr = (void *)nd->rx_buf;
	uint16_t heads[VQ_MAX_SIZE], start = vq->last_avail;
	uint32_t lens[VQ_MAX_SIZE], done = 0;
	uint8_t *num_buffers[2] = {NULL, NULL};
	unsigned int used = 0;
	int r;

	/* A frame made under offloads a reset since took away. */
	if (!net_hdr_allowed(&hdr->hdr, f, VIRTIO_NET_F_GUEST_CSUM,
			     VIRTIO_NET_F_GUEST_TSO4,
			     VIRTIO_NET_F_GUEST_TSO6)) {
		nd->stats.rx_dropped++;
		nd->rx_len = 0;
		return 1;
	}
	/* §5.1.6.4.1: without GUEST_CSUM, flags are zero */
	if (!(f & NET_F(VIRTIO_NET_F_GUEST_CSUM)))
		hdr->hdr.flags = 0;
	hdr->num_buffers = 1;
	while (done < nd->rx_len) {
		if (used == vq->size || (used && !merge)) {
			/* Too big for the whole queue (or, without
			 * MRG_RXBUF, for one chain): §5.1.6.3 asks the
			 * driver for room, a wire would drop it. */
			vq->last_avail = start;
			nd->stats.rx_dropped++;
			nd->rx_len = 0;
			return 1;
		}
		r = vq_pop(vq, chain);
		if (r < 0)
			return r;
		if (r == 0) {
			vq->last_avail = start;
			return 0;
		}
		/* guest: §5.1.6.3.1, every receive buffer holds at least
		 * the header */
		if (chain->write_len < NET_HDR_LEN) {
			log_msg(virtio_mmio_log_level(&nd->dev),
				"%s: receive buffer of %u bytes, less than "
				"the %u-byte header: device needs reset",
				nd->dev.info.name, chain->write_len,
				NET_HDR_LEN);
			vq->broken = true;
			return -EPROTO;
		}
		if (used == 0) {
			num_buffers[0] = net_chain_byte(chain, 10);
			num_buffers[1] = net_chain_byte(chain, 11);
		}
		heads[used] = chain->head;
		lens[used] = vq_chain_write(chain, nd->rx_buf + done,
					    nd->rx_len - done);
		done += lens[used];
		used++;
	}
	/* le16 num_buffers, in the first chain (§5.1.6.4) */
	*num_buffers[0] = (uint8_t)used;
	*num_buffers[1] = (uint8_t)(used >> 8);
	for (unsigned int i = 0; i < used; i++)
		vq_push(vq, heads[i], lens[i]);
	nd->stats.rx_frames++;
	nd->stats.rx_bytes += nd->rx_len - NET_HDR_LEN;
	if (nd->rx_len - NET_HDR_LEN > nd->stats.rx_max)
		nd->stats.rx_max = nd->rx_len - NET_HDR_LEN;
	nd->rx_len = 0;
	return 1;
}

/* Whether the driver has the receive queue running. Lock held. */
static bool net_rx_ready(struct net_device *nd)
{
	uint32_t s = nd->dev.status;

	return (s & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)) ==
		       VIRTIO_STATUS_DRIVER_OK &&
	       nd->dev.queues[NET_QUEUE_RX].ready;
}

/*
 * Reads the next frame into rx_buf: 1 when one was read (rx_len set, or
 * left 0 when it was dropped), 0 when the fd has none.
 */
static int net_rx_read(struct net_device *nd)
{
	ssize_t n;

	do
		n = read(nd->fd, nd->rx_buf, sizeof(nd->rx_buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno != EAGAIN && !nd->io_error_logged) {
			log_error("%s: read from tap: %s", nd->dev.info.name,
				  strerror(errno));
			nd->io_error_logged = true;
		}
		return 0;
	}
	/* host: NET_HDR_LEN < n <= NET_HDR_LEN + NET_FRAME_MAX */
	if ((size_t)n <= NET_HDR_LEN || (size_t)n > NET_HDR_LEN + NET_FRAME_MAX)
		nd->stats.rx_dropped++;
	else
		nd->rx_len = (uint32_t)n;
	return 1;
}

/* Lock held. */
static void net_rx(struct net_device *nd)
{
	unsigned int budget = NET_RX_BUDGET;
	struct vq *vq = &nd->dev.queues[NET_QUEUE_RX].vq;

	if (!net_rx_ready(nd))
		return;
	net_sync_offload(nd);
	while (!vq->broken) {
		int r;

		if (budget == 0) {
			uint64_t one = 1;

			/* Let the other devices run; go on after them. */
			if (write(nd->kick_fd, &one, sizeof(one)) < 0)
				log_error("%s: kick: %s", nd->dev.info.name,
					  strerror(errno));
			break;
		}
		budget--;
		if (!nd->rx_len) {
			if (!net_rx_read(nd))
				break;
			if (!nd->rx_len)
				continue; /* dropped */
		}
		r = net_rx_frame(nd);
		if (r <= 0)
			break;
	}
	virtio_mmio_queue_done(&nd->dev, NET_QUEUE_RX);
}

void net_device_rx(struct net_device *nd)
{
	pthread_mutex_lock(&nd->dev.lock);
	net_rx(nd);
	pthread_mutex_unlock(&nd->dev.lock);
}

void net_device_kick(struct net_device *nd)
{
	uint64_t count;

	if (read(nd->kick_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_error("%s: kick: %s", nd->dev.info.name, strerror(errno));
	net_device_rx(nd);
}

/* ---- the device */

static void net_queue_notify(struct virtio_mmio *dev, unsigned int queue)
{
	struct net_device *nd = net_of(dev);

	net_sync_offload(nd);
	if (queue == NET_QUEUE_TX)
		net_tx(nd);
	else
		net_rx(nd); /* new buffers: the waiting frame, then more */
}

static void net_reset(struct virtio_mmio *dev)
{
	struct net_device *nd = net_of(dev);

	if (nd->rx_len)
		nd->stats.rx_dropped++;
	nd->rx_len = 0;
	net_sync_offload(nd);
}

static const struct virtio_mmio_ops net_ops = {
	.queue_notify = net_queue_notify,
	.reset = net_reset,
};

int net_device_create(const struct guest_mem *mem, int fd, bool is_tap,
		      const uint8_t mac[6], struct net_device **out)
{
	struct virtio_mmio_info info = {
		.name = "virtio-net",
		.device_id = NET_DEVICE_ID,
		.features = NET_FEATURES,
		.num_queues = 2,
		.config_len = NET_CONFIG_LEN,
		.ops = &net_ops,
	};
	struct net_device *nd;
	int r;

	*out = NULL;
	nd = calloc(1, sizeof(*nd));
	if (!nd) {
		log_error("virtio-net: out of memory");
		return -ENOMEM;
	}
	nd->fd = fd;
	nd->is_tap = is_tap;
	memcpy(nd->config, mac, 6);
	nd->config[6] = VIRTIO_NET_S_LINK_UP; /* le16 status */
	nd->config[7] = 0;
	nd->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (nd->kick_fd < 0) {
		r = -errno;
		log_error("virtio-net: eventfd: %s", strerror(-r));
		free(nd);
		return r;
	}
	info.config = nd->config;
	info.opaque = nd;
	r = virtio_mmio_init(&nd->dev, mem, &info);
	if (r < 0) {
		close(nd->kick_fd);
		free(nd);
		return r;
	}
	*out = nd;
	return 0;
}

void net_device_destroy(struct net_device *nd)
{
	const struct net_stats *s;

	if (!nd)
		return;
	s = &nd->stats;
	log_debug("virtio-net: rx frames=%llu bytes=%llu max=%u dropped=%llu, "
		  "tx frames=%llu bytes=%llu max=%u dropped=%llu bad=%llu",
		  (unsigned long long)s->rx_frames,
		  (unsigned long long)s->rx_bytes, s->rx_max,
		  (unsigned long long)s->rx_dropped,
		  (unsigned long long)s->tx_frames,
		  (unsigned long long)s->tx_bytes, s->tx_max,
		  (unsigned long long)s->tx_dropped,
		  (unsigned long long)s->tx_errors);
	virtio_mmio_fini(&nd->dev);
	close(nd->kick_fd);
	close(nd->fd);
	free(nd);
}

struct virtio_mmio *net_device_mmio(struct net_device *nd)
{
	return &nd->dev;
}

int net_device_fd(const struct net_device *nd)
{
	return nd->fd;
}

int net_device_kick_fd(const struct net_device *nd)
{
	return nd->kick_fd;
}

const struct net_stats *net_device_stats(const struct net_device *nd)
{
	return &nd->stats;
}

unsigned int net_device_offload(const struct net_device *nd)
{
	return nd->offload;
}

/* ---- in a VM */

static void net_tap_event(void *opaque, uint32_t events)
{
	(void)events;
	net_device_rx(opaque);
}

static void net_kick_event(void *opaque, uint32_t events)
{
	(void)events;
	net_device_kick(opaque);
}

static int net_create(struct vm *vm, void **state)
{
	const struct vm_config *cfg = &vm->cfg;
	char ifname[IFNAMSIZ] = "";
	uint8_t mac[6];
	struct net_device *nd;
	struct stat st;
	int fd, r;

	*state = NULL;
	if (!cfg->net)
		return 0;
	if (cfg->net_tap) {
		fd = tap_open(cfg->net_tap);
		if (fd < 0)
			return fd;
		snprintf(ifname, sizeof(ifname), "%s", cfg->net_tap);
	} else {
		fd = cfg->net_fd;
		r = tap_adopt(fd, ifname);
		if (r < 0) {
			close(fd); /* ours, as vm.h says, even now */
			return r;
		}
	}
	if (cfg->net_mac_set) {
		memcpy(mac, cfg->net_mac, 6);
	} else {
		net_default_mac(ifname,
				stat("/proc/self/ns/net", &st) ? 0 : st.st_ino,
				mac);
	}
	r = net_device_create(&vm->mem, fd, true, mac, &nd);
	if (r < 0) {
		close(fd);
		return r;
	}
	r = virtio_mmio_attach(vm, &nd->dev);
	/* Edge-triggered: a frame the guest has no room for stays in the
	 * device (or the tap) without waking the loop again and again. */
	if (!r)
		r = event_loop_add(vm->loop, fd, EPOLLIN | EPOLLET,
				   net_tap_event, nd);
	if (!r)
		r = event_loop_add(vm->loop, nd->kick_fd, EPOLLIN,
				   net_kick_event, nd);
	if (r < 0) {
		net_device_destroy(nd);
		return r;
	}
	log_debug("virtio-net on tap %s, MAC %02x:%02x:%02x:%02x:%02x:%02x",
		  ifname, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	*state = nd;
	return 0;
}

static void net_destroy(void *state)
{
	net_device_destroy(state);
}

static const struct vm_device_type virtio_net_type = {
	.name = "virtio-net",
	.create = net_create,
	.destroy = net_destroy,
};
VM_DEVICE_REGISTER(virtio_net_type);
