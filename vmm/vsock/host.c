// SPDX-License-Identifier: Apache-2.0
/*
 * The virtio-vsock device's host side: the listening socket at PATH and
 * the `CONNECT <port>\n` handshake of its clients, events on the bridged
 * Unix sockets, connection timeouts, and the device's life cycle.
 */
#include "vmm/vsock/device.h"

#include "common/log.h"
#include "vmm/vsock/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- the host side */

static void vsock_accept(struct vsock_device *vs)
{
	for (int i = 0; i < VSOCK_EVENT_BATCH; i++) {
		int fd = accept4(vs->listen_fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct vsock_conn *c;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_debug("virtio-vsock: accept: %s",
					  strerror(errno));
			return;
		}
		c = vsock_conn_new(vs, fd);
		if (!c) {
			log_debug("virtio-vsock: connection table full: "
				  "host client refused");
			close(fd);
			continue;
		}
		c->state = CONN_HANDSHAKE;
		vsock_deadline(vs, c, VSOCK_HANDSHAKE_MS);
		vsock_update_interest(vs, c);
	}
}

static bool vsock_local_port_used(struct vsock_device *vs, uint32_t port)
{
	for (uint32_t i = 0; i < VSOCK_CONN_MAX; i++)
		if (vs->conns[i].state != CONN_FREE &&
		    vs->conns[i].local_port == port)
			return true;
	return false;
}

/* Reads the CONNECT line, never a byte past its newline (those are the
 * stream's first bytes). */
static void vsock_handshake(struct vsock_device *vs, struct vsock_conn *c)
{
	uint32_t port = 0;
	ssize_t n = recv(c->fd, c->line + c->line_len,
			 sizeof(c->line) - c->line_len, MSG_PEEK);
	const char *nl;
	int r;

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		vsock_conn_free(vs, c);
		return;
	}
	nl = memchr(c->line + c->line_len, '\n', (size_t)n);
	if (nl)
		n = nl - (c->line + c->line_len) + 1;
	if (recv(c->fd, c->line + c->line_len, (size_t)n, 0) != n) {
		vsock_conn_free(vs, c);
		return;
	}
	c->line_len += (uint32_t)n;
	r = vsock_connect_line_parse(c->line, c->line_len, &port);
	if (r == -EAGAIN)
		return;
	if (r < 0) {
		log_debug("virtio-vsock: host client: bad CONNECT line");
		vsock_conn_free(vs, c);
		return;
	}
	c->peer_port = port;
	do {
		port = vs->next_local_port++;
		if (vs->next_local_port < VSOCK_LOCAL_PORT_BASE ||
		    vs->next_local_port == UINT32_MAX)
			vs->next_local_port = VSOCK_LOCAL_PORT_BASE;
	} while (vsock_local_port_used(vs, port));
	c->local_port = port;
	c->state = CONN_CONNECTING;
	c->peer_buf_alloc = 0;
	vsock_deadline(vs, c, VSOCK_CONNECT_MS);
	vsock_ctl(vs, c, CTL_REQUEST);
	vsock_update_interest(vs, c);
}

static void vsock_conn_event(struct vsock_device *vs, struct vsock_conn *c,
			     uint32_t events)
{
	if (events & EPOLLERR) {
		int err = 0;
		socklen_t len = sizeof(err);

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		log_debug("virtio-vsock: port %u: host peer: %s", c->local_port,
			  strerror(err));
		vsock_conn_reset(vs, c);
		return;
	}
	switch (c->state) {
	case CONN_HANDSHAKE:
		vsock_handshake(vs, c);
		return;
	case CONN_CONNECTING:
		if (events & EPOLLHUP)
			vsock_conn_reset(vs, c);
		return;
	case CONN_DRAINING: {
		uint32_t before = c->buf_len;

		if ((events & EPOLLHUP) || vsock_flush(vs, c) < 0 ||
		    !c->buf_len) {
			vsock_conn_free(vs, c);
			return;
		}
		/* The limit is on a host reader that stopped, not on a slow
		 * one: every read it makes restarts the clock. */
		if (c->buf_len < before)
			vsock_deadline(vs, c, VSOCK_DRAIN_MS);
		vsock_update_interest(vs, c);
		return;
	}
	case CONN_ESTABLISHED:
		break;
	default:
		return;
	}
	if ((events & EPOLLOUT) && !(events & EPOLLHUP)) {
		if (vsock_flush(vs, c) < 0) {
			vsock_conn_reset(vs, c);
			return;
		}
		vsock_credit_maybe(vs, c);
	}
	if (events & EPOLLHUP) {
		/* Both ways closed (the peer went, or it and we both shut
		 * down writing): what it sent is still to be read, then the
		 * guest hears SHUTDOWN RCV|SEND. No more epoll for this fd
		 * (HUP would fire forever); reads are driven by credit and
		 * rx buffers from now on. */
		c->host_hup = true;
		epoll_ctl(vs->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
		c->in_epoll = false;
		free(c->buf);
		c->buf = NULL;
		c->buf_len = 0;
		if (c->host_eof || c->guest_shut_rcv) {
			c->host_eof = true;
			vsock_host_shut(vs, c);
			return;
		}
	}
	if (events & (EPOLLIN | EPOLLHUP))
		vsock_pump_read(vs, c);
	else
		vsock_update_interest(vs, c);
}

static void vsock_tick(struct vsock_device *vs)
{
	uint64_t now = vsock_now_ms(), count;
	bool pending = false;

	if (read(vs->timer_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		log_debug("virtio-vsock: timer: %s", strerror(errno));
	for (uint32_t i = 0; i < VSOCK_CONN_MAX; i++) {
		struct vsock_conn *c = &vs->conns[i];

		if (c->state == CONN_FREE || !c->deadline)
			continue;
		if (c->state == CONN_ESTABLISHED) {
			c->deadline = 0;
			continue;
		}
		if (c->deadline > now) {
			pending = true;
			continue;
		}
		log_debug("virtio-vsock: port %u: timed out (state %d)",
			  c->local_port, (int)c->state);
		if (c->state == CONN_HANDSHAKE || c->state == CONN_DRAINING)
			vsock_conn_free(vs, c);
		else
			vsock_conn_reset(vs, c);
	}
	if (!pending) {
		struct itimerspec off = {0};

		timerfd_settime(vs->timer_fd, 0, &off, NULL);
		vs->timer_armed = false;
	}
}

void vsock_device_process(struct vsock_device *vs)
{
	struct epoll_event evs[VSOCK_EVENT_BATCH];
	int n;

	pthread_mutex_lock(&vs->dev.lock);
	n = epoll_wait(vs->epoll_fd, evs, VSOCK_EVENT_BATCH, 0);
	for (int i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64;
		uint32_t slot = (uint32_t)tag;
		struct vsock_conn *c;

		if (tag == VSOCK_TAG_LISTEN) {
			vsock_accept(vs);
			continue;
		}
		if (tag == VSOCK_TAG_TIMER) {
			vsock_tick(vs);
			continue;
		}
		if (slot >= VSOCK_CONN_MAX)
			continue;
		c = &vs->conns[slot];
		/* an event for an earlier user of the slot, freed since */
		if (c->state == CONN_FREE || c->gen != (uint32_t)(tag >> 32) ||
		    c->fd < 0)
			continue;
		vsock_conn_event(vs, c, evs[i].events);
	}
	vsock_settle(vs);
	pthread_mutex_unlock(&vs->dev.lock);
}

/* ---- life cycle */

static int vsock_listen(struct vsock_device *vs)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;

	memcpy(sa.sun_path, vs->path, strlen(vs->path) + 1);
	/* A socket left by an earlier run is replaced; anything else at
	 * PATH is not ours to remove. */
	if (lstat(vs->path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(vs->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 128) < 0) {
		int e = errno;

		log_error("virtio-vsock: listen on %s: %s", vs->path,
			  strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	vs->listen_fd = fd;
	return 0;
}

static int vsock_watch(struct vsock_device *vs, int fd, uint64_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = tag};

	if (epoll_ctl(vs->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;

		log_error("virtio-vsock: epoll: %s", strerror(e));
		return -e;
	}
	return 0;
}

int vsock_device_create(const struct guest_mem *mem, uint64_t cid,
			const char *path, struct vsock_device **out)
{
	struct virtio_mmio_info info = {
		.name = "virtio-vsock",
		.device_id = VSOCK_DEVICE_ID,
		.features = VSOCK_FEATURE_STREAM,
		.num_queues = 3,
		.ops = &vsock_ops,
		.config_len = 8,
	};
	struct vsock_device *vs;
	int r;

	*out = NULL;
	if (cid < VSOCK_CID_MIN || cid > VSOCK_CID_MAX ||
	    strlen(path) > VSOCK_PATH_MAX || !*path) {
		log_error("virtio-vsock: CID %llu or path length %zu out of "
			  "range",
			  (unsigned long long)cid, strlen(path));
		return -EINVAL;
	}
	vs = calloc(1, sizeof(*vs));
	if (vs)
		vs->conns = calloc(VSOCK_CONN_MAX, sizeof(*vs->conns));
	if (vs && vs->conns)
		vs->rx_chain = malloc(sizeof(*vs->rx_chain));
	if (!vs || !vs->conns || !vs->rx_chain) {
		log_error("virtio-vsock: out of memory");
		if (vs) {
			free(vs->conns);
			free(vs);
		}
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < VSOCK_CONN_MAX; i++) {
		vs->conns[i].fd = -1;
		vs->conns[i].gen = 1;
	}
	vs->cid = cid;
	memcpy(vs->config, &cid, sizeof(vs->config)); /* little-endian */
	memcpy(vs->path, path, strlen(path) + 1);
	vs->next_local_port = VSOCK_LOCAL_PORT_BASE;
	vs->listen_fd = -1;
	vs->timer_fd = -1;
	vs->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	info.config = vs->config;
	info.opaque = vs;
	r = virtio_mmio_init(&vs->dev, mem, &info);
	if (r < 0) {
		if (vs->epoll_fd >= 0)
			close(vs->epoll_fd);
		free(vs->rx_chain);
		free(vs->conns);
		free(vs);
		return r;
	}
	vs->timer_fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (vs->epoll_fd < 0 || vs->timer_fd < 0) {
		r = -errno;
		log_error("virtio-vsock: %s", strerror(-r));
		vsock_device_destroy(vs);
		return r;
	}
	r = vsock_listen(vs);
	if (!r)
		r = vsock_watch(vs, vs->listen_fd, VSOCK_TAG_LISTEN);
	if (!r)
		r = vsock_watch(vs, vs->timer_fd, VSOCK_TAG_TIMER);
	if (r < 0) {
		vsock_device_destroy(vs);
		return r;
	}
	*out = vs;
	return 0;
}

void vsock_device_destroy(struct vsock_device *vs)
{
	if (!vs)
		return;
	for (uint32_t i = 0; i < VSOCK_CONN_MAX; i++)
		if (vs->conns[i].state != CONN_FREE)
			vsock_conn_free(vs, &vs->conns[i]);
	if (vs->listen_fd >= 0) {
		close(vs->listen_fd);
		unlink(vs->path);
	}
	if (vs->timer_fd >= 0)
		close(vs->timer_fd);
	if (vs->epoll_fd >= 0)
		close(vs->epoll_fd);
	virtio_mmio_fini(&vs->dev);
	free(vs->rx_chain);
	free(vs->conns);
	free(vs);
}

struct virtio_mmio *vsock_device_mmio(struct vsock_device *vs)
{
	return &vs->dev;
}

int vsock_device_fd(const struct vsock_device *vs)
{
	return vs->epoll_fd;
}

unsigned int vsock_device_conns(struct vsock_device *vs)
{
	unsigned int n;

	pthread_mutex_lock(&vs->dev.lock);
	n = vs->nconns;
	pthread_mutex_unlock(&vs->dev.lock);
	return n;
}
