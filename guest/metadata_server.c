// SPDX-License-Identifier: Apache-2.0
/* The metadata service's sockets (guest/metadata_server.h). */
#include "guest/metadata_server.h"
#include "common/cleanup.h"
#include "common/ctl.h"
#include "common/log.h"
#include "common/nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <linux/vm_sockets.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* The host's answer: a signature, a verdict or a short message. */
#define MD_HOST_REPLY_MAX 4096
#define MD_IN_MAX	  (METADATA_HTTP_HEAD_MAX + METADATA_HTTP_BODY_MAX)
/*
 * After the answer: how long and how much of what the client still sends
 * is read and dropped before the close, so that a close with unread
 * bytes (a TCP reset) does not destroy the answer on its way.
 */
#define MD_LINGER_MS	1000
#define MD_LINGER_BYTES (1u << 20)

enum md_kind { MD_LISTEN, MD_CLIENT, MD_HOST, MD_TIMER };
enum md_state { MD_FREE, MD_READ, MD_WAIT_HOST, MD_WRITE, MD_LINGER };

struct md_conn {
	enum md_state state;
	int fd, host_fd;
	uint64_t serial, deadline_ms;
	char *in; /* the request so far */
	size_t in_len, in_cap;
	bool continue_sent, head_only, host_connected;
	char *out; /* the answer, or the frame for the host */
	size_t out_len, out_off;
	uint8_t reply[5 + MD_HOST_REPLY_MAX];
	size_t reply_len, reply_need;
	size_t dropped; /* MD_LINGER */
};

struct metadata_server {
	struct metadata_pod pod;
	int epfd, listen_fd, timer_fd;
	bool timer_armed;
	uint64_t serial;
	struct md_conn conns[METADATA_CONNS_MAX];
};

static uint64_t md_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t md_tag(enum md_kind kind, size_t slot)
{
	return (uint64_t)slot << 2 | kind;
}

static void md_close(struct metadata_server *s, struct md_conn *c)
{
	if (c->state == MD_FREE)
		return;
	if (c->host_fd >= 0) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->host_fd, NULL);
		close(c->host_fd);
	}
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	/* A forked child may share the fd: the client still sees the end. */
	shutdown(c->fd, SHUT_WR);
	close(c->fd);
	free(c->in);
	free(c->out);
	*c = (struct md_conn){.state = MD_FREE, .fd = -1, .host_fd = -1};
}

static void md_watch(struct metadata_server *s, struct md_conn *c, int fd,
		     enum md_kind kind, uint32_t events)
{
	struct epoll_event ev = {
		.events = events,
		.data.u64 = md_tag(kind, (size_t)(c - s->conns)),
	};

	epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &ev);
}

static void md_write(struct metadata_server *s, struct md_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			md_close(s, c);
			return;
		}
		c->out_off += (size_t)n;
	}
	shutdown(c->fd, SHUT_WR);
	c->state = MD_LINGER;
	if (c->deadline_ms > md_now_ms() + MD_LINGER_MS)
		c->deadline_ms = md_now_ms() + MD_LINGER_MS;
	md_watch(s, c, c->fd, MD_CLIENT, EPOLLIN);
}

/* Drops what the client still sends; closes at its end. */
static void md_linger(struct metadata_server *s, struct md_conn *c)
{
	char buf[16384];

	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		c->dropped += n > 0 ? (size_t)n : 0;
		if (n <= 0 || c->dropped > MD_LINGER_BYTES) {
			md_close(s, c);
			return;
		}
	}
}

/* Sends resp (and frees it); the connection ends after it. */
static void md_respond(struct metadata_server *s, struct md_conn *c,
		       struct metadata_response *resp)
{
	int ret;

	free(c->out);
	c->out = NULL;
	ret = metadata_response_format(resp, c->head_only, &c->out,
				       &c->out_len);
	metadata_response_free(resp);
	if (ret < 0) {
		md_close(s, c);
		return;
	}
	if (c->host_fd >= 0) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->host_fd, NULL);
		close(c->host_fd);
		c->host_fd = -1;
	}
	c->out_off = 0;
	c->state = MD_WRITE;
	md_watch(s, c, c->fd, MD_CLIENT, EPOLLOUT);
	md_write(s, c);
}

static void md_respond_error(struct metadata_server *s, struct md_conn *c,
			     int status, const char *text)
{
	struct metadata_response resp = {0};

	metadata_response_error(&resp, status, text);
	md_respond(s, c, &resp);
}

/* Starts the request for the host: a non-blocking vsock connect. */
static void md_host_start(struct metadata_server *s, struct md_conn *c,
			  char *json)
{
	struct sockaddr_vm sa = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_HOST,
		.svm_port = CTL_PORT_METADATA,
	};
	struct epoll_event ev = {
		.events = EPOLLOUT,
		.data.u64 = md_tag(MD_HOST, (size_t)(c - s->conns)),
	};
	size_t len = strlen(json);

	free(c->out);
	c->out = malloc(5 + len);
	if (!c->out) {
		free(json);
		md_respond_error(s, c, 500, "out of memory");
		return;
	}
	c->out[0] = (char)((len + 1) >> 24);
	c->out[1] = (char)((len + 1) >> 16);
	c->out[2] = (char)((len + 1) >> 8);
	c->out[3] = (char)(len + 1);
	c->out[4] = CTL_KIND_JSON;
	memcpy(c->out + 5, json, len);
	free(json);
	c->out_len = 5 + len;
	c->out_off = 0;
	c->reply_len = 0;
	c->reply_need = 5;
	c->host_connected = false;
	c->state = MD_WAIT_HOST;
	md_watch(s, c, c->fd, MD_CLIENT, 0);
	c->host_fd =
		socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->host_fd < 0 ||
	    (connect(c->host_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	     errno != EINPROGRESS) ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, c->host_fd, &ev) < 0) {
		log_error("metadata: connect to the host's port %d: %s",
			  CTL_PORT_METADATA, strerror(errno));
		md_respond_error(s, c, 503, "the host is not reachable");
	}
}

static void md_host_read(struct metadata_server *s, struct md_conn *c)
{
	struct metadata_response resp;

	for (;;) {
		ssize_t n = recv(c->host_fd, c->reply + c->reply_len,
				 c->reply_need - c->reply_len, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			md_respond_error(s, c, 502, "no answer from the host");
			return;
		}
		c->reply_len += (size_t)n;
		if (c->reply_len < c->reply_need)
			continue;
		if (c->reply_need == 5) {
			size_t len = (size_t)c->reply[0] << 24 |
				     (size_t)c->reply[1] << 16 |
				     (size_t)c->reply[2] << 8 | c->reply[3];

			if (len < 1 || len > MD_HOST_REPLY_MAX) {
				md_respond_error(s, c, 502,
						 "bad answer from the host");
				return;
			}
			c->reply_need = 4 + len;
			if (c->reply_need > c->reply_len)
				continue;
		}
		metadata_hmac_reply(c->reply[4], c->reply + 5, c->reply_len - 5,
				    &resp);
		md_respond(s, c, &resp);
		return;
	}
}

static void md_host_event(struct metadata_server *s, struct md_conn *c,
			  uint32_t events)
{
	if (c->state != MD_WAIT_HOST)
		return;
	if (!c->host_connected) {
		int error = 0;
		socklen_t len = sizeof(error);

		if (getsockopt(c->host_fd, SOL_SOCKET, SO_ERROR, &error, &len) <
			    0 ||
		    error) {
			log_error("metadata: connect to the host's port %d: %s",
				  CTL_PORT_METADATA,
				  strerror(error ? error : errno));
			md_respond_error(s, c, 503,
					 "the host is not reachable");
			return;
		}
		c->host_connected = true;
	}
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->host_fd, c->out + c->out_off,
				 c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			md_respond_error(s, c, 503,
					 "the host is not reachable");
			return;
		}
		c->out_off += (size_t)n;
		if (c->out_off == c->out_len)
			md_watch(s, c, c->host_fd, MD_HOST, EPOLLIN);
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		md_host_read(s, c);
}

static void md_request(struct metadata_server *s, struct md_conn *c, bool eof)
{
	struct metadata_http_request req;
	struct metadata_response resp;
	long r = metadata_http_parse(c->in, c->in_len, &req);

	if (r < 0) {
		md_respond_error(s, c, (int)-r, metadata_http_reason((int)-r));
		return;
	}
	if (r == 0) {
		if (eof) {
			md_close(s, c);
		} else if (c->in_len >= MD_IN_MAX) {
			/* Cannot happen with the parser's bounds; never spin. */
			md_respond_error(s, c, 413, "request too large");
		} else if (req.head_len && req.expect_continue &&
			   !c->continue_sent) {
			static const char cont[] =
				"HTTP/1.1 100 Continue\r\n\r\n";

			c->continue_sent = true;
			send(c->fd, cont, sizeof(cont) - 1,
			     MSG_DONTWAIT | MSG_NOSIGNAL);
		}
		return;
	}
	c->head_only = req.method == METADATA_HTTP_HEAD;
	metadata_route(&s->pod, &req, &resp);
	if (resp.hmac_request) {
		char *json = resp.hmac_request;

		resp.hmac_request = NULL;
		metadata_response_free(&resp);
		md_host_start(s, c, json);
		return;
	}
	md_respond(s, c, &resp);
}

static void md_client_event(struct metadata_server *s, struct md_conn *c,
			    uint32_t events)
{
	bool eof = false;

	if (c->state == MD_WRITE) {
		md_write(s, c);
		return;
	}
	if (c->state == MD_LINGER) {
		md_linger(s, c);
		return;
	}
	if (c->state != MD_READ) {
		/* Waiting for the host, only a hangup or an error comes. */
		if (events & (EPOLLHUP | EPOLLERR))
			md_close(s, c);
		return;
	}
	for (;;) {
		ssize_t n;

		if (c->in_len == c->in_cap) {
			size_t cap = c->in_cap ? 2 * c->in_cap : 4096;
			char *grown;

			if (c->in_cap >= MD_IN_MAX)
				break; /* the parser says what is too big */
			if (cap > MD_IN_MAX)
				cap = MD_IN_MAX;
			grown = realloc(c->in, cap);
			if (!grown) {
				md_close(s, c);
				return;
			}
			c->in = grown;
			c->in_cap = cap;
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len,
			 MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			eof = true;
			break;
		}
		c->in_len += (size_t)n;
	}
	md_request(s, c, eof);
}

static void md_arm_timer(struct metadata_server *s, bool on)
{
	struct itimerspec its = {0};

	if (on == s->timer_armed)
		return;
	if (on)
		its.it_value.tv_sec = its.it_interval.tv_sec = 1;
	timerfd_settime(s->timer_fd, 0, &its, NULL);
	s->timer_armed = on;
}

static void md_accept(struct metadata_server *s)
{
	int fd;

	while ((fd = accept4(s->listen_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct md_conn *slot = NULL;
		struct epoll_event ev = {.events = EPOLLIN};

		for (size_t i = 0; i < METADATA_CONNS_MAX; i++) {
			struct md_conn *c = &s->conns[i];

			if (c->state == MD_FREE) {
				slot = c;
				break;
			}
			if (!slot || c->serial < slot->serial)
				slot = c;
		}
		/* Full: the oldest connection makes room. */
		md_close(s, slot);
		ev.data.u64 = md_tag(MD_CLIENT, (size_t)(slot - s->conns));
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			continue;
		}
		slot->state = MD_READ;
		slot->fd = fd;
		slot->serial = ++s->serial;
		slot->deadline_ms = md_now_ms() + METADATA_CONN_TIMEOUT_MS;
		md_arm_timer(s, true);
	}
}

static void md_tick(struct metadata_server *s)
{
	uint64_t ticks, now = md_now_ms();
	bool any = false;

	if (read(s->timer_fd, &ticks, sizeof(ticks)) < 0)
		return;
	for (size_t i = 0; i < METADATA_CONNS_MAX; i++) {
		struct md_conn *c = &s->conns[i];

		if (c->state == MD_FREE)
			continue;
		if (now < c->deadline_ms) {
			any = true;
			continue;
		}
		if (c->state == MD_READ) {
			/* One try at telling it; it gets no more time. */
			c->deadline_ms = now + MD_LINGER_MS;
			md_respond_error(s, c, 408, "request took too long");
			if (c->state == MD_WRITE)
				md_close(s, c);
			any |= c->state != MD_FREE;
		} else {
			md_close(s, c);
		}
	}
	md_arm_timer(s, any);
}

/* METADATA_ADDR/32 on lo (host scope: never a source for the outside). */
static int md_add_address(char *err, size_t err_size)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct in_addr addr;
	struct ifaddrmsg *ifa;
	struct nl_sock nl;
	struct nl_msg m;
	unsigned index = if_nametoindex("lo");
	int ret;

	if (!index) {
		ret = -errno;
		snprintf(err, err_size, "metadata: find lo: %s",
			 strerror(-ret));
		return ret;
	}
	inet_pton(AF_INET, METADATA_ADDR, &addr);
	ret = nl_open(&nl);
	if (ret < 0) {
		snprintf(err, err_size, "metadata: open rtnetlink: %s",
			 strerror(-ret));
		return ret;
	}
	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWADDR,
		    NLM_F_CREATE | NLM_F_REPLACE);
	ifa = nl_msg_put_header(&m, sizeof(*ifa));
	if (ifa) {
		ifa->ifa_family = AF_INET;
		ifa->ifa_prefixlen = 32;
		ifa->ifa_scope = RT_SCOPE_HOST;
		ifa->ifa_index = index;
	}
	nl_put(&m, IFA_LOCAL, &addr, sizeof(addr));
	nl_put(&m, IFA_ADDRESS, &addr, sizeof(addr));
	ret = nl_request(&nl, &m);
	if (ret < 0)
		snprintf(err, err_size, "metadata: add %s/32 to lo: %s%s%s",
			 METADATA_ADDR, strerror(-ret),
			 nl.ext_msg[0] ? ": " : "", nl.ext_msg);
	nl_close(&nl);
	return ret;
}

static int md_listen(char *err, size_t err_size)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(METADATA_PORT),
	};
	cleanup_close int fd =
		socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	inet_pton(AF_INET, METADATA_ADDR, &sa.sin_addr);
	/*
	 * Only connections that arrive on lo, i.e. from inside the guest:
	 * with weak-host routing a neighbour on eth0 could otherwise send
	 * to this address and sign as this pod.
	 */
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 64) < 0) {
		int ret = -errno;

		snprintf(err, err_size, "metadata: listen on %s:%d: %s",
			 METADATA_ADDR, METADATA_PORT, strerror(-ret));
		return ret;
	}
	return steal_fd(&fd);
}

static void md_free(struct metadata_server *s)
{
	for (size_t i = 0; i < METADATA_CONNS_MAX; i++)
		md_close(s, &s->conns[i]);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->timer_fd >= 0)
		close(s->timer_fd);
	if (s->epfd >= 0)
		close(s->epfd);
	metadata_pod_free(&s->pod);
	free(s);
}

int metadata_server_start(struct metadata_pod *pod,
			  struct metadata_server **out, char *err,
			  size_t err_size)
{
	struct metadata_server *s = calloc(1, sizeof(*s));
	struct epoll_event ev = {.events = EPOLLIN};
	int ret;

	if (!s) {
		snprintf(err, err_size, "metadata: out of memory");
		return -ENOMEM;
	}
	s->listen_fd = s->timer_fd = s->epfd = -1;
	for (size_t i = 0; i < METADATA_CONNS_MAX; i++)
		s->conns[i] = (struct md_conn){.fd = -1, .host_fd = -1};
	ret = md_add_address(err, err_size);
	if (ret >= 0)
		ret = s->listen_fd = md_listen(err, err_size);
	if (ret < 0) {
		md_free(s);
		return ret;
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->timer_fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	ev.data.u64 = md_tag(MD_LISTEN, 0);
	if (s->epfd < 0 || s->timer_fd < 0 ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listen_fd, &ev) < 0) {
		ret = -errno;
		snprintf(err, err_size, "metadata: set up epoll: %s",
			 strerror(-ret));
		md_free(s);
		return ret;
	}
	ev.data.u64 = md_tag(MD_TIMER, 0);
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->timer_fd, &ev) < 0) {
		ret = -errno;
		snprintf(err, err_size, "metadata: set up epoll: %s",
			 strerror(-ret));
		md_free(s);
		return ret;
	}
	s->pod = *pod;
	memset(pod, 0, sizeof(*pod));
	*out = s;
	return 0;
}

int metadata_server_fd(const struct metadata_server *s)
{
	return s->epfd;
}

void metadata_server_process(struct metadata_server *s)
{
	struct epoll_event evs[2 * METADATA_CONNS_MAX + 2];
	int n = epoll_wait(s->epfd, evs, (int)ARRAY_SIZE(evs), 0);

	for (int i = 0; i < n; i++) {
		enum md_kind kind = (enum md_kind)(evs[i].data.u64 & 3);
		struct md_conn *c = &s->conns[evs[i].data.u64 >> 2];

		switch (kind) {
		case MD_LISTEN:
			md_accept(s);
			break;
		case MD_TIMER:
			md_tick(s);
			break;
		case MD_CLIENT:
			/* An earlier event of this batch may have closed it. */
			if (c->state != MD_FREE)
				md_client_event(s, c, evs[i].events);
			break;
		case MD_HOST:
			if (c->host_fd >= 0)
				md_host_event(s, c, evs[i].events);
			break;
		}
	}
}

void metadata_server_close_fds(struct metadata_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < METADATA_CONNS_MAX; i++) {
		if (s->conns[i].state == MD_FREE)
			continue;
		close(s->conns[i].fd);
		if (s->conns[i].host_fd >= 0)
			close(s->conns[i].host_fd);
	}
	close(s->listen_fd);
	close(s->timer_fd);
	close(s->epfd);
}
