// SPDX-License-Identifier: Apache-2.0
/*
 * The virtio-vsock device logic: the connection table, the stream state
 * machine of §5.10.6 (as Linux's net/vmw_vsock/virtio_transport_common.c
 * plays the other end of it), credit accounting, and the bytes between
 * the queues and the bridged Unix sockets. host.c has the listening side,
 * socket events and timers; device.h the shape of it all.
 *
 * Packets to the guest go out through one rx chain at a time, taken from
 * the rx queue only when there is something to send. Control packets are
 * queued: per connection as flag bits (so at most one of each kind is
 * pending), and RSTs for connections that no longer exist in a small ring;
 * the tx queue is not read while that ring is full, so a guest that sends
 * garbage without giving rx buffers only stalls itself.
 */
#include "vmm/vsock/device.h"

#include "common/log.h"
#include "vmm/virtio/mmio.h"
#include "vmm/vsock/internal.h"
#include "vmm/vsock/packet.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

uint64_t vsock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint32_t vsock_slot(const struct vsock_device *vs,
			   const struct vsock_conn *c)
{
	return (uint32_t)(c - vs->conns);
}

static bool vsock_queue_live(struct vsock_device *vs, unsigned int q)
{
	const struct virtio_mmio *dev = &vs->dev;

	return (dev->status &
		(VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)) ==
		       VIRTIO_STATUS_DRIVER_OK &&
	       dev->queues[q].ready && !dev->queues[q].vq.broken;
}

/* ---- the rx queue: one chain in hand */

static struct vq_chain *vsock_rx_get(struct vsock_device *vs)
{
	struct vq *vq = &vs->dev.queues[VSOCK_QUEUE_RX].vq;

	if (vs->rx_held)
		return vs->rx_chain;
	if (!vsock_queue_live(vs, VSOCK_QUEUE_RX))
		return NULL;
	if (vq_pop(vq, vs->rx_chain) <= 0)
		return NULL;
	/* guest: rx buffers are device-writable and hold a header at
	 * least (§5.10.6.1); anything else is a broken queue */
	if (vs->rx_chain->nread || vs->rx_chain->write_len < VSOCK_HDR_SIZE) {
		log_msg(virtio_mmio_log_level(&vs->dev),
			"virtio-vsock: rx buffer of %u bytes (%u readable): "
			"device needs reset",
			vs->rx_chain->write_len, vs->rx_chain->read_len);
		vq->broken = true;
		return NULL;
	}
	vs->rx_held = true;
	return vs->rx_chain;
}

/* Fills the held chain with hdr (and len payload bytes already there). */
static void vsock_rx_put(struct vsock_device *vs, const struct vsock_hdr *hdr)
{
	struct vq_chain *ch = vs->rx_chain;
	struct vq *vq = &vs->dev.queues[VSOCK_QUEUE_RX].vq;

	vsock_hdr_scatter(ch->iov + ch->nread, ch->nwrite, hdr);
	vq_push(vq, ch->head, VSOCK_HDR_SIZE + hdr->len);
	vs->rx_held = false;
	vs->rx_pushed = true;
}

static void vsock_hdr_for(const struct vsock_device *vs, struct vsock_conn *c,
			  uint16_t op, struct vsock_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->src_cid = VSOCK_HOST_CID;
	h->dst_cid = vs->cid;
	h->src_port = c->local_port;
	h->dst_port = c->peer_port;
	h->type = VSOCK_TYPE_STREAM;
	h->op = op;
	h->buf_alloc = VSOCK_BUF_ALLOC;
	h->fwd_cnt = c->fwd_cnt;
	c->fwd_cnt_sent = c->fwd_cnt;
}

/* ---- connections */

static void vsock_timer_arm(struct vsock_device *vs)
{
	struct itimerspec its = {
		.it_interval = {0, VSOCK_TICK_MS * 1000000L},
		.it_value = {0, VSOCK_TICK_MS * 1000000L},
	};

	if (vs->timer_armed)
		return;
	if (timerfd_settime(vs->timer_fd, 0, &its, NULL) == 0)
		vs->timer_armed = true;
}

void vsock_deadline(struct vsock_device *vs, struct vsock_conn *c,
		    unsigned int ms)
{
	c->deadline = ms ? vsock_now_ms() + ms : 0;
	if (ms)
		vsock_timer_arm(vs);
}

void vsock_ctl(struct vsock_device *vs, struct vsock_conn *c, unsigned int bits)
{
	c->ctl |= bits;
	if (c->in_ctl_fifo)
		return;
	c->in_ctl_fifo = true;
	vs->ctl_fifo[(vs->ctl_head + vs->ctl_count) % VSOCK_CONN_MAX] =
		vsock_slot(vs, c);
	vs->ctl_count++;
}

static void vsock_rst_queue(struct vsock_device *vs, uint64_t src_cid,
			    uint32_t src_port, uint32_t dst_port)
{
	struct vsock_rst *r;

	if (vs->rst_count == VSOCK_RST_RING) {
		log_debug("virtio-vsock: RST ring full, RST to port %u dropped",
			  dst_port);
		return;
	}
	r = &vs->rst_ring[(vs->rst_head + vs->rst_count) % VSOCK_RST_RING];
	r->src_cid = src_cid;
	r->src_port = src_port;
	r->dst_port = dst_port;
	vs->rst_count++;
}

static uint32_t vsock_interest(const struct vsock_conn *c)
{
	uint32_t ev = 0;

	if (c->state == CONN_HANDSHAKE)
		ev |= EPOLLIN;
	if (c->state == CONN_ESTABLISHED && !c->host_eof &&
	    !c->guest_shut_rcv && !c->rx_blocked && !(c->ctl & CTL_RESPONSE) &&
	    vsock_credit_free(c->peer_buf_alloc, c->peer_fwd_cnt, c->tx_cnt))
		ev |= EPOLLIN;
	if (c->buf_len)
		ev |= EPOLLOUT;
	return ev;
}

void vsock_update_interest(struct vsock_device *vs, struct vsock_conn *c)
{
	struct epoll_event ev;
	uint32_t want;

	if (c->fd < 0 || !c->in_epoll)
		return;
	want = vsock_interest(c);
	if (want == c->events)
		return;
	ev.events = want;
	ev.data.u64 = (uint64_t)c->gen << 32 | vsock_slot(vs, c);
	if (epoll_ctl(vs->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = want;
	else
		log_error("virtio-vsock: epoll: %s", strerror(errno));
}

static void vsock_close_fd(struct vsock_device *vs, struct vsock_conn *c)
{
	if (c->fd < 0)
		return;
	if (c->in_epoll)
		epoll_ctl(vs->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	c->in_epoll = false;
	close(c->fd);
	c->fd = -1;
}

/* Forgets c. Its fifo memberships stay (a later user of the slot finds
 * itself there, or the fifo drops the stale entry). */
void vsock_conn_free(struct vsock_device *vs, struct vsock_conn *c)
{
	bool in_ctl = c->in_ctl_fifo, in_blocked = c->in_blocked_fifo;
	uint32_t gen = c->gen;

	vsock_close_fd(vs, c);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->gen = gen + 1;
	c->in_ctl_fifo = in_ctl;
	c->in_blocked_fifo = in_blocked;
	vs->nconns--;
}

/* Ends c at once: the guest gets a RST if it knows of c. */
void vsock_conn_reset(struct vsock_device *vs, struct vsock_conn *c)
{
	if (c->guest_knows)
		vsock_rst_queue(vs, VSOCK_HOST_CID, c->local_port,
				c->peer_port);
	vsock_conn_free(vs, c);
}

struct vsock_conn *vsock_conn_new(struct vsock_device *vs, int fd)
{
	for (uint32_t i = 0; i < VSOCK_CONN_MAX; i++) {
		struct vsock_conn *c = &vs->conns[i];
		struct epoll_event ev = {.events = 0};

		if (c->state != CONN_FREE)
			continue;
		ev.data.u64 = (uint64_t)c->gen << 32 | i;
		if (epoll_ctl(vs->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			log_error("virtio-vsock: epoll: %s", strerror(errno));
			return NULL;
		}
		c->fd = fd;
		c->in_epoll = true;
		c->events = 0;
		vs->nconns++;
		return c;
	}
	return NULL;
}

/* The live connection between host port local and guest port peer. */
static struct vsock_conn *vsock_conn_find(struct vsock_device *vs,
					  uint32_t local, uint32_t peer)
{
	for (uint32_t i = 0; i < VSOCK_CONN_MAX; i++) {
		struct vsock_conn *c = &vs->conns[i];

		if (c->state != CONN_FREE && c->state != CONN_HANDSHAKE &&
		    c->state != CONN_DRAINING && c->local_port == local &&
		    c->peer_port == peer)
			return c;
	}
	return NULL;
}

static void vsock_block(struct vsock_device *vs, struct vsock_conn *c)
{
	c->rx_blocked = true;
	if (c->in_blocked_fifo)
		return;
	c->in_blocked_fifo = true;
	vs->blocked_fifo[(vs->blocked_head + vs->blocked_count) %
			 VSOCK_CONN_MAX] = vsock_slot(vs, c);
	vs->blocked_count++;
}

/* Our side stopped sending (host EOF) or both ways (host gone). */
void vsock_host_shut(struct vsock_device *vs, struct vsock_conn *c)
{
	c->shut_flags |= VSOCK_SHUTDOWN_SEND;
	if (c->host_hup)
		c->shut_flags |= VSOCK_SHUTDOWN_RCV;
	vsock_ctl(vs, c, CTL_SHUTDOWN);
	if (c->host_hup) {
		vsock_close_fd(vs, c);
		free(c->buf);
		c->buf = NULL;
		c->buf_len = 0;
		c->state = CONN_CLOSING;
		vsock_deadline(vs, c, VSOCK_CLOSE_MS);
	}
}

/* Host socket -> guest, as far as credit and rx buffers allow. */
void vsock_pump_read(struct vsock_device *vs, struct vsock_conn *c)
{
	for (int i = 0; i < VSOCK_READS_PER_EVENT; i++) {
		struct vq_chain *ch;
		struct vsock_hdr h;
		uint32_t credit, room;
		unsigned int n;
		size_t got;
		ssize_t r;

		if (c->state != CONN_ESTABLISHED || c->fd < 0 || c->host_eof ||
		    c->guest_shut_rcv || (c->ctl & CTL_RESPONSE))
			break;
		credit = vsock_credit_free(c->peer_buf_alloc, c->peer_fwd_cnt,
					   c->tx_cnt);
		if (!credit) {
			if (!c->credit_requested) {
				c->credit_requested = true;
				vsock_ctl(vs, c, CTL_CREDIT_REQUEST);
			}
			break;
		}
		ch = vsock_rx_get(vs);
		if (!ch) {
			vsock_block(vs, c);
			break;
		}
		room = ch->write_len - VSOCK_HDR_SIZE;
		if (room > credit)
			room = credit;
		if (room > VSOCK_PKT_MAX)
			room = VSOCK_PKT_MAX;
		if (!room)
			break; /* a header-only buffer: wait for another */
		n = vsock_iov_slice(ch->iov + ch->nread, ch->nwrite,
				    VSOCK_HDR_SIZE, room, vs->slice,
				    VQ_CHAIN_MAX, &got);
		r = readv(c->fd, vs->slice, (int)n);
		if (r > 0) {
			vsock_hdr_for(vs, c, VSOCK_OP_RW, &h);
			h.len = (uint32_t)r;
			vsock_rx_put(vs, &h);
			c->tx_cnt += (uint32_t)r;
			continue;
		}
		if (r == 0) {
			c->host_eof = true;
			vsock_host_shut(vs, c);
			break;
		}
		if (errno == EAGAIN || errno == EINTR)
			break;
		log_debug("virtio-vsock: port %u: read: %s", c->local_port,
			  strerror(errno));
		vsock_conn_reset(vs, c);
		return;
	}
	vsock_update_interest(vs, c);
}

/* Buffered guest bytes -> host socket. Returns -errno when it broke. */
int vsock_flush(struct vsock_device *vs, struct vsock_conn *c)
{
	while (c->buf_len) {
		ssize_t n = send(c->fd, c->buf + c->buf_head, c->buf_len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return -errno;
		}
		c->buf_head += (uint32_t)n;
		c->buf_len -= (uint32_t)n;
		c->fwd_cnt += (uint32_t)n;
	}
	if (!c->buf_len) {
		free(c->buf);
		c->buf = NULL;
		c->buf_head = 0;
		if (c->guest_shut_send && !c->host_wr_shut) {
			shutdown(c->fd, SHUT_WR);
			c->host_wr_shut = true;
		}
	}
	(void)vs;
	return 0;
}

/* Tell the guest about room we made, before it runs out (§5.10.6.3). */
void vsock_credit_maybe(struct vsock_device *vs, struct vsock_conn *c)
{
	uint32_t unreported = c->fwd_cnt - c->fwd_cnt_sent;
	uint32_t seen_free =
		vsock_credit_free(VSOCK_BUF_ALLOC, c->fwd_cnt_sent, c->rx_cnt);

	if (unreported &&
	    (unreported >= VSOCK_BUF_ALLOC / 4 || seen_free < VSOCK_PKT_MAX))
		vsock_ctl(vs, c, CTL_CREDIT_UPDATE);
}

static void vsock_send_ok(struct vsock_device *vs, struct vsock_conn *c)
{
	char ok[32];
	int len = snprintf(ok, sizeof(ok), "OK %u\n", c->local_port);

	if (send(c->fd, ok, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT) != len) {
		log_debug("virtio-vsock: port %u: client gone before OK",
			  c->local_port);
		vsock_conn_reset(vs, c);
		return;
	}
	c->state = CONN_ESTABLISHED;
	vsock_deadline(vs, c, 0);
	vsock_pump_read(vs, c);
}

/* ---- control packets out */

static void vsock_send_ctl(struct vsock_device *vs, struct vsock_conn *c)
{
	static const struct {
		unsigned int bit;
		uint16_t op;
	} order[] = {
		{CTL_REQUEST, VSOCK_OP_REQUEST},
		{CTL_RESPONSE, VSOCK_OP_RESPONSE},
		{CTL_CREDIT_UPDATE, VSOCK_OP_CREDIT_UPDATE},
		{CTL_CREDIT_REQUEST, VSOCK_OP_CREDIT_REQUEST},
		{CTL_SHUTDOWN, VSOCK_OP_SHUTDOWN},
	};
	struct vsock_hdr h;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!(c->ctl & order[i].bit))
			continue;
		vsock_hdr_for(vs, c, order[i].op, &h);
		if (order[i].bit == CTL_SHUTDOWN)
			h.flags = c->shut_flags;
		vsock_rx_put(vs, &h);
		c->ctl &= ~order[i].bit;
		c->guest_knows = true;
		if (order[i].bit == CTL_RESPONSE)
			vsock_pump_read(vs, c);
		return;
	}
}

/* Sends what is owed while there are rx buffers. */
static void vsock_flush_ctl(struct vsock_device *vs)
{
	while (vs->rst_count) {
		const struct vsock_rst *r = &vs->rst_ring[vs->rst_head];
		struct vsock_hdr h = {
			.src_cid = r->src_cid,
			.dst_cid = vs->cid,
			.src_port = r->src_port,
			.dst_port = r->dst_port,
			.type = VSOCK_TYPE_STREAM,
			.op = VSOCK_OP_RST,
		};

		if (!vsock_rx_get(vs))
			return;
		vsock_rx_put(vs, &h);
		vs->rst_head = (vs->rst_head + 1) % VSOCK_RST_RING;
		vs->rst_count--;
	}
	while (vs->ctl_count) {
		struct vsock_conn *c = &vs->conns[vs->ctl_fifo[vs->ctl_head]];

		if (c->state == CONN_FREE || !c->ctl) {
			c->ctl = 0;
			c->in_ctl_fifo = false;
			vs->ctl_head = (vs->ctl_head + 1) % VSOCK_CONN_MAX;
			vs->ctl_count--;
			continue;
		}
		if (!vsock_rx_get(vs))
			return;
		vsock_send_ctl(vs, c);
	}
}

/* rx buffers came: owed packets first, then the blocked readers. */
static void vsock_rx_refill(struct vsock_device *vs)
{
	unsigned int n = vs->blocked_count;

	vsock_flush_ctl(vs);
	while (n-- && vs->blocked_count) {
		struct vsock_conn *c =
			&vs->conns[vs->blocked_fifo[vs->blocked_head]];

		if (c->state != CONN_FREE && c->rx_blocked && !vsock_rx_get(vs))
			return;
		vs->blocked_head = (vs->blocked_head + 1) % VSOCK_CONN_MAX;
		vs->blocked_count--;
		c->in_blocked_fifo = false;
		if (c->state == CONN_FREE || !c->rx_blocked)
			continue;
		c->rx_blocked = false;
		vsock_pump_read(vs, c);
	}
	/* what the readers owe now (SHUTDOWN at EOF, CREDIT_REQUEST) */
	vsock_flush_ctl(vs);
}

/* ---- packets from the guest */

/* A guest connects to CID 2 port h->dst_port: bridge to PATH_port. */
static void vsock_guest_connect(struct vsock_device *vs,
				const struct vsock_hdr *h)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct vsock_conn *c;
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u", vs->path,
		 h->dst_port);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_debug("virtio-vsock: guest port %u to host port %u: %s",
			  h->src_port, h->dst_port, strerror(errno));
		if (fd >= 0)
			close(fd);
		vsock_rst_queue(vs, VSOCK_HOST_CID, h->dst_port, h->src_port);
		return;
	}
	c = vsock_conn_new(vs, fd);
	if (!c) {
		log_debug("virtio-vsock: connection table full");
		close(fd);
		vsock_rst_queue(vs, VSOCK_HOST_CID, h->dst_port, h->src_port);
		return;
	}
	c->state = CONN_ESTABLISHED;
	c->local_port = h->dst_port;
	c->peer_port = h->src_port;
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	vsock_ctl(vs, c, CTL_RESPONSE);
}

/* RW: guest bytes to the host socket, the rest into our buffer. */
static void vsock_guest_data(struct vsock_device *vs, struct vsock_conn *c,
			     const struct vq_chain *ch,
			     const struct vsock_hdr *h)
{
	uint32_t len = h->len, done = 0;
	unsigned int n;
	size_t got;

	if (!len)
		return;
	if (c->state != CONN_ESTABLISHED || c->fd < 0 || c->guest_shut_send) {
		/* After our SHUTDOWN RCV|SEND: nobody reads it any more. */
		if (c->state != CONN_CLOSING)
			vsock_conn_reset(vs, c);
		return;
	}
	/* guest: len within the credit we gave; a guest that sends more
	 * than buf_alloc - in flight gets a RST, not a bigger buffer */
	if (len > VSOCK_BUF_ALLOC - c->buf_len) {
		log_msg(virtio_mmio_log_level(&vs->dev),
			"virtio-vsock: guest port %u sent %u bytes beyond its "
			"credit: connection reset",
			c->peer_port, len - (VSOCK_BUF_ALLOC - c->buf_len));
		vsock_conn_reset(vs, c);
		return;
	}
	/* guest: len <= read_len - header, checked by the caller */
	n = vsock_iov_slice(ch->iov, ch->nread, VSOCK_HDR_SIZE, len, vs->slice,
			    VQ_CHAIN_MAX, &got);
	if (!c->buf_len) {
		struct msghdr msg = {.msg_iov = vs->slice, .msg_iovlen = n};
		ssize_t w = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			log_debug("virtio-vsock: port %u: write: %s",
				  c->local_port, strerror(errno));
			vsock_conn_reset(vs, c);
			return;
		}
		done = w > 0 ? (uint32_t)w : 0;
	}
	if (done < len) {
		if (!c->buf) {
			c->buf = malloc(VSOCK_BUF_ALLOC);
			if (!c->buf) {
				log_error("virtio-vsock: out of memory");
				vsock_conn_reset(vs, c);
				return;
			}
			c->buf_head = 0;
		}
		if (c->buf_head + c->buf_len + (len - done) > VSOCK_BUF_ALLOC) {
			memmove(c->buf, c->buf + c->buf_head, c->buf_len);
			c->buf_head = 0;
		}
		/* copy the unsent tail of the slice */
		for (unsigned int i = 0, skip = done; i < n; i++) {
			size_t k = vs->slice[i].iov_len;

			if (skip >= k) {
				skip -= (unsigned int)k;
				continue;
			}
			memcpy(c->buf + c->buf_head + c->buf_len,
			       (uint8_t *)vs->slice[i].iov_base + skip,
			       k - skip);
			c->buf_len += (uint32_t)(k - skip);
			skip = 0;
		}
	}
	c->rx_cnt += len;
	c->fwd_cnt += done;
	vsock_credit_maybe(vs, c);
	vsock_update_interest(vs, c);
}

static void vsock_guest_shutdown(struct vsock_device *vs, struct vsock_conn *c,
				 uint32_t flags)
{
	/* guest: flags, only RCV and SEND mean anything */
	if (flags & VSOCK_SHUTDOWN_RCV)
		c->guest_shut_rcv = true;
	if (flags & VSOCK_SHUTDOWN_SEND)
		c->guest_shut_send = true;
	if (c->state == CONN_CLOSING ||
	    (c->guest_shut_rcv && c->guest_shut_send)) {
		/* Both ways closed: we answer RST (as Linux does) and the
		 * host still gets what we hold for it. */
		vsock_rst_queue(vs, VSOCK_HOST_CID, c->local_port,
				c->peer_port);
		if (c->fd >= 0 && c->buf_len && vsock_flush(vs, c) == 0 &&
		    c->buf_len) {
			c->state = CONN_DRAINING;
			c->ctl = 0;
			vsock_deadline(vs, c, VSOCK_DRAIN_MS);
			vsock_update_interest(vs, c);
			return;
		}
		vsock_conn_free(vs, c);
		return;
	}
	if (c->guest_shut_send && c->fd >= 0 && !c->buf_len &&
	    !c->host_wr_shut) {
		shutdown(c->fd, SHUT_WR);
		c->host_wr_shut = true;
	}
	vsock_update_interest(vs, c);
}

static void vsock_guest_packet(struct vsock_device *vs,
			       const struct vq_chain *ch)
{
	struct vsock_hdr h;
	struct vsock_conn *c;

	/* guest: a chain shorter than a header, or a header in writable
	 * buffers, is not a packet: the queue is broken (§5.10.6.2) */
	if (vsock_hdr_gather(ch->iov, ch->nread, &h) < 0) {
		log_msg(virtio_mmio_log_level(&vs->dev),
			"virtio-vsock: tx chain of %u readable bytes: device "
			"needs reset",
			ch->read_len);
		vs->dev.queues[VSOCK_QUEUE_TX].vq.broken = true;
		return;
	}
	/* guest: src_cid must be its own; a spoofed packet is dropped */
	if (h.src_cid != vs->cid) {
		log_debug("virtio-vsock: packet from CID %llu dropped",
			  (unsigned long long)h.src_cid);
		return;
	}
	if (h.op == VSOCK_OP_RST &&
	    !vsock_conn_find(vs, h.dst_port, h.src_port))
		return; /* never answer a RST */
	/* guest: dst_cid is the host's, type is stream (the only one we
	 * offer), len fits the chain: else RST, as Linux does for a packet
	 * it cannot take */
	if (h.dst_cid != VSOCK_HOST_CID || h.type != VSOCK_TYPE_STREAM ||
	    h.len > ch->read_len - VSOCK_HDR_SIZE) {
		log_debug("virtio-vsock: bad packet (cid %llu type %u len %u "
			  "of %u): RST",
			  (unsigned long long)h.dst_cid, h.type, h.len,
			  ch->read_len - VSOCK_HDR_SIZE);
		c = h.dst_cid == VSOCK_HOST_CID
			    ? vsock_conn_find(vs, h.dst_port, h.src_port)
			    : NULL;
		if (c && h.op == VSOCK_OP_RST) {
			vsock_conn_free(vs, c);
		} else if (c) {
			vsock_conn_reset(vs, c);
		} else if (h.op != VSOCK_OP_RST) {
			vsock_rst_queue(vs, h.dst_cid, h.dst_port, h.src_port);
		}
		return;
	}
	c = vsock_conn_find(vs, h.dst_port, h.src_port);
	if (!c) {
		if (h.op == VSOCK_OP_REQUEST)
			vsock_guest_connect(vs, &h);
		else if (h.op != VSOCK_OP_RST)
			vsock_rst_queue(vs, VSOCK_HOST_CID, h.dst_port,
					h.src_port);
		return;
	}
	/* guest: buf_alloc and fwd_cnt are any u32s; vsock_credit_free()
	 * makes a lie cost the liar only */
	c->peer_buf_alloc = h.buf_alloc;
	c->peer_fwd_cnt = h.fwd_cnt;
	switch (h.op) {
	case VSOCK_OP_RESPONSE:
		if (c->state != CONN_CONNECTING) {
			vsock_conn_reset(vs, c);
			break;
		}
		vsock_send_ok(vs, c);
		break;
	case VSOCK_OP_RST:
		/* A refused CONNECT: the client is closed without "OK". */
		vsock_conn_free(vs, c);
		break;
	case VSOCK_OP_SHUTDOWN:
		vsock_guest_shutdown(vs, c, h.flags);
		break;
	case VSOCK_OP_RW:
		vsock_guest_data(vs, c, ch, &h);
		break;
	case VSOCK_OP_CREDIT_UPDATE:
		c->credit_requested = false;
		vsock_pump_read(vs, c);
		break;
	case VSOCK_OP_CREDIT_REQUEST:
		vsock_ctl(vs, c, CTL_CREDIT_UPDATE);
		break;
	default:
		/* REQUEST on a live connection, or an unknown op */
		log_debug("virtio-vsock: op %u on port %u: RST", h.op,
			  c->local_port);
		vsock_conn_reset(vs, c);
		break;
	}
}

static void vsock_tx(struct vsock_device *vs)
{
	struct vq *vq = &vs->dev.queues[VSOCK_QUEUE_TX].vq;
	struct vq_chain *ch = vs->dev.chain;

	if (!vsock_queue_live(vs, VSOCK_QUEUE_TX))
		return;
	/* No room to answer: leave the rest for when rx buffers come. */
	while (vs->rst_count < VSOCK_RST_RING && vq_pop(vq, ch) > 0) {
		vsock_guest_packet(vs, ch);
		if (vq->broken)
			break;
		vq_push(vq, ch->head, 0);
	}
	virtio_mmio_queue_done(&vs->dev, VSOCK_QUEUE_TX);
}

/* After any event: answer what is owed, tell the guest. */
void vsock_settle(struct vsock_device *vs)
{
	bool was_full = vs->rst_count == VSOCK_RST_RING;

	vsock_rx_refill(vs);
	if (was_full && vs->rst_count < VSOCK_RST_RING) {
		vsock_tx(vs);
		vsock_flush_ctl(vs);
	}
	if (vs->rx_pushed || vs->dev.queues[VSOCK_QUEUE_RX].vq.broken) {
		vs->rx_pushed = false;
		virtio_mmio_queue_done(&vs->dev, VSOCK_QUEUE_RX);
	}
}

static void vsock_queue_notify(struct virtio_mmio *dev, unsigned int queue)
{
	struct vsock_device *vs = dev->info.opaque;

	if (queue == VSOCK_QUEUE_TX)
		vsock_tx(vs);
	/* The event queue's buffers are kept: we never need to send a
	 * transport reset event (there is no migration). */
	vsock_settle(vs);
}

/* The driver reset the device: the guest's connections are gone. Host
 * clients it never heard of keep waiting for the next driver. */
static void vsock_reset(struct virtio_mmio *dev)
{
	struct vsock_device *vs = dev->info.opaque;

	vs->rx_held = false;
	vs->rx_pushed = false;
	vs->rst_count = 0;
	for (uint32_t i = 0; i < VSOCK_CONN_MAX; i++) {
		struct vsock_conn *c = &vs->conns[i];

		if (c->state == CONN_FREE || c->state == CONN_HANDSHAKE ||
		    c->state == CONN_DRAINING)
			continue;
		if (c->state == CONN_CONNECTING && !c->guest_knows)
			continue;
		vsock_conn_free(vs, c);
	}
}

const struct virtio_mmio_ops vsock_ops = {
	.queue_notify = vsock_queue_notify,
	.reset = vsock_reset,
};
