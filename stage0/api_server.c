// SPDX-License-Identifier: Apache-2.0
/* The API service's listeners and poll loop: see api_server.h. */
#include "stage0/api_server.h"
#include "stage0/api_conn.h"
#include "stage0/api_routes.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The loop wakes this often; events are rescanned each API_SCAN_MS. */
#define API_TICK_MS 250
#define API_SCAN_MS 1000

static volatile sig_atomic_t api_stop;

static void api_on_signal(int sig)
{
	(void)sig;
	api_stop = 1;
}

int api_listen_parse(const char *spec, bool allow_remote,
		     struct api_listen_addr *out, struct error **err)
{
	char host[256];
	const char *colon, *h = spec;
	size_t hlen;
	char *end;
	long port;

	memset(out, 0, sizeof(*out));
	if (!strncmp(spec, "unix:", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)&out->addr;

		if (!spec[5] || strlen(spec + 5) >= sizeof(un->sun_path))
			return error_set(err, EINVAL,
					 "--listen=%s: a Unix socket path of "
					 "1 to %zu bytes",
					 spec, sizeof(un->sun_path) - 1);
		un->sun_family = AF_UNIX;
		snprintf(un->sun_path, sizeof(un->sun_path), "%s", spec + 5);
		snprintf(out->path, sizeof(out->path), "%s", spec + 5);
		out->len = sizeof(*un);
		out->is_unix = true;
		return 0;
	}
	if (*spec == '[') {
		const char *rb = strchr(spec, ']');

		if (!rb || rb[1] != ':')
			return error_set(err, EINVAL,
					 "--listen=%s: want [ADDRESS]:PORT",
					 spec);
		h = spec + 1;
		hlen = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon || strchr(spec, ':') != colon)
			return error_set(err, EINVAL,
					 "--listen=%s: want ADDRESS:PORT, "
					 "[ADDRESS]:PORT or unix:PATH",
					 spec);
		hlen = (size_t)(colon - spec);
	}
	if (hlen >= sizeof(host))
		return error_set(err, EINVAL, "--listen=%s: address too long",
				 spec);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port < 1 || port > 65535)
		return error_set(err, EINVAL,
				 "--listen=%s: port must be 1 to 65535", spec);
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	if (strchr(host, ':')) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&out->addr;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return error_set(err, EINVAL,
					 "--listen=%s: \"%s\" is not a numeric "
					 "IPv6 address",
					 spec, host);
		out->len = sizeof(*a);
		if (!IN6_IS_ADDR_LOOPBACK(&a->sin6_addr) && !allow_remote)
			return error_set(err, EPERM,
					 "--listen=%s: not a loopback address; "
					 "the API has no authentication "
					 "(--allow-remote to insist)",
					 spec);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&out->addr;

		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return error_set(err, EINVAL,
					 "--listen=%s: \"%s\" is not a numeric "
					 "IPv4 address or localhost",
					 spec, host);
		out->len = sizeof(*a);
		if ((ntohl(a->sin_addr.s_addr) >> 24) != 127 && !allow_remote)
			return error_set(err, EPERM,
					 "--listen=%s: not a loopback address; "
					 "the API has no authentication "
					 "(--allow-remote to insist)",
					 spec);
	}
	return 0;
}

static int api_listen_open(const struct api_listen_addr *a, struct error **err)
{
	cleanup_close int fd =
		socket(a->addr.ss_family,
		       SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int one = 1;

	if (fd < 0)
		return error_set_errno(err, "socket");
	if (a->is_unix) {
		struct stat st;
		int probe;

		/* A socket left by a dead service is replaced; a live one or
		 * anything that is not a socket is not. */
		if (lstat(a->path, &st) == 0) {
			if (!S_ISSOCK(st.st_mode))
				return error_set(err, EEXIST,
						 "%s exists and is not a "
						 "socket",
						 a->path);
			probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (probe >= 0 &&
			    connect(probe, (const struct sockaddr *)&a->addr,
				    a->len) == 0) {
				close(probe);
				return error_set(err, EADDRINUSE,
						 "%s: a service already "
						 "listens there",
						 a->path);
			}
			if (probe >= 0)
				close(probe);
			unlink(a->path);
		}
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	}
	if (bind(fd, (const struct sockaddr *)&a->addr, a->len) < 0)
		return error_set_errno(err, "bind %s",
				       a->is_unix ? a->path : "the address");
	if (listen(fd, 64) < 0)
		return error_set_errno(err, "listen");
	return steal_fd(&fd);
}

/* ---- output */
/* ---- connections */

static void api_client_close(struct api_server *s, size_t slot)
{
	struct api_client *c = s->clients[slot];

	if (!c)
		return;
	if (c->kind == CLIENT_EVENTS && s->nevents && --s->nevents == 0) {
		api_events_free(s->events);
		s->events = NULL;
	}
	api_event_filter_free(&c->filter);
	api_logs_free(c->logs);
	close(c->fd);
	free(c->out);
	free(c);
	s->clients[slot] = NULL;
}

static void api_accept(struct api_server *s, int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct api_client *c;
		size_t slot;

		if (fd < 0)
			return;
		for (slot = 0; slot < API_CLIENTS_MAX && s->clients[slot];
		     slot++)
			;
		c = slot < API_CLIENTS_MAX ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			static const char busy[] =
				"HTTP/1.1 503 Service Unavailable\r\n"
				"Content-Length: 0\r\nConnection: "
				"close\r\n\r\n";

			/* Best effort: the socket buffer takes it. */
			if (send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL) < 0)
				log_debug("api: too many clients");
			close(fd);
			continue;
		}
		c->fd = fd;
		c->kind = CLIENT_HEAD;
		c->deadline = api_now_ms() + API_HEAD_TIMEOUT_MS;
		s->clients[slot] = c;
	}
}

static void api_client_read(struct api_server *s, size_t slot)
{
	struct api_client *c = s->clients[slot];
	cleanup_error struct error *err = NULL;
	struct api_request req;
	ssize_t n;
	int r;

	if (c->kind != CLIENT_HEAD) {
		char sink[512];

		/*
		 * Nothing more is expected. A client that half-closes after
		 * its request still gets a whole answer; for a stream, EOF
		 * means the client left.
		 */
		n = read(c->fd, sink, sizeof(sink));
		if (n == 0 && c->kind == CLIENT_ANSWER)
			c->read_eof = true;
		else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			api_client_close(s, slot);
		return;
	}
	n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		api_client_close(s, slot);
		return;
	}
	c->inlen += (size_t)n;
	r = api_http_parse(c->in, c->inlen, &req, &err);
	if (r == 0)
		return;
	if (r < 0) {
		api_answer_fail(c, &err);
		return;
	}
	log_debug("api: %s %s", req.method, req.path);
	api_dispatch(s, c, &req);
	api_request_free(&req);
}

static void api_client_write(struct api_server *s, size_t slot)
{
	struct api_client *c = s->clients[slot];

	while (api_pending(c) > 0) {
		ssize_t n = send(c->fd, c->out + c->outoff, api_pending(c),
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			api_client_close(s, slot);
			return;
		}
		c->outoff += (size_t)n;
		c->deadline = api_now_ms() + API_STALL_TIMEOUT_MS;
	}
	if (c->ending)
		api_client_close(s, slot);
}

/* Feeds followed logs from what the apps wrote since. */
static void api_follow_logs(struct api_server *s)
{
	for (size_t i = 0; i < API_CLIENTS_MAX; i++) {
		struct api_client *c = s->clients[i];
		char *text = NULL;
		size_t len = 0;
		int r;

		if (!c || c->kind != CLIENT_LOGS || c->ending ||
		    api_pending(c) >= API_STREAM_PENDING_MAX / 4)
			continue;
		r = api_logs_follow(c->logs, &text, &len,
				    API_STREAM_PENDING_MAX / 4);
		if (len)
			api_chunk(c, text, len);
		free(text);
		if (r == 0) {
			api_chunk(c, NULL, 0);
			c->ending = true;
		}
	}
}

static void api_tick(struct api_server *s, bool changed, bool scan)
{
	long long now = api_now_ms();
	time_t wall = time(NULL);

	if (s->events && (changed || scan))
		api_events_scan(s->events, api_emit, s);
	api_follow_logs(s);
	for (size_t i = 0; i < API_CLIENTS_MAX; i++) {
		struct api_client *c = s->clients[i];

		if (!c)
			continue;
		if (c->kind == CLIENT_EVENTS && !c->ending &&
		    c->filter.until_time && wall >= c->filter.until_time) {
			api_chunk(c, NULL, 0);
			c->ending = true;
		}
		/* Idle or not reading (streams with nothing to send are
		 * not idle: they wait for us). */
		if ((c->kind == CLIENT_HEAD || api_pending(c) > 0) &&
		    now > c->deadline) {
			log_debug("api: closing a client that timed out");
			api_client_close(s, i);
			continue;
		}
		if (c->ending && api_pending(c) == 0)
			api_client_close(s, i);
	}
}

static bool api_drain_inotify(int fd)
{
	char buf[4096]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	bool any = false;

	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		any = true;
	return any;
}

static int api_serve(struct api_server *s)
{
	long long last_scan = api_now_ms();

	while (!api_stop) {
		struct pollfd pfd[API_LISTEN_MAX + 1 + API_CLIENTS_MAX];
		size_t slot_of[API_LISTEN_MAX + 1 + API_CLIENTS_MAX];
		size_t n = 0, first_client;
		bool changed = false, scan;
		int r;

		for (size_t i = 0; i < s->nlisten; i++)
			pfd[n++] = (struct pollfd){s->listen_fd[i], POLLIN, 0};
		pfd[n++] = (struct pollfd){s->inotify_fd, POLLIN, 0};
		first_client = n;
		for (size_t i = 0; i < API_CLIENTS_MAX; i++) {
			struct api_client *c = s->clients[i];

			if (!c)
				continue;
			slot_of[n] = i;
			pfd[n++] = (struct pollfd){
				c->fd,
				(short)((c->read_eof ? 0 : POLLIN) |
					(api_pending(c) ? POLLOUT : 0)),
				0};
		}
		r = poll(pfd, (nfds_t)n, API_TICK_MS);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0) {
			for (size_t i = 0; i < s->nlisten; i++)
				if (pfd[i].revents & POLLIN)
					api_accept(s, s->listen_fd[i]);
			if (pfd[s->nlisten].revents & POLLIN)
				changed = api_drain_inotify(s->inotify_fd);
			for (size_t i = first_client; i < n; i++) {
				size_t slot = slot_of[i];

				if (s->clients[slot] &&
				    (pfd[i].revents &
				     (POLLIN | POLLHUP | POLLERR)))
					api_client_read(s, slot);
				if (s->clients[slot] &&
				    (pfd[i].revents & POLLOUT))
					api_client_write(s, slot);
			}
		}
		scan = api_now_ms() - last_scan >= API_SCAN_MS;
		if (scan)
			last_scan = api_now_ms();
		api_tick(s, changed, scan);
		/* Write what the tick produced without waiting a round. */
		for (size_t i = 0; i < API_CLIENTS_MAX; i++)
			if (s->clients[i] && api_pending(s->clients[i]))
				api_client_write(s, i);
	}
	return 0;
}

int api_server_run(const struct api_server_opts *o, struct error **err)
{
	struct api_server s = {.g = o->g, .inotify_fd = -1};
	struct sigaction sa = {.sa_handler = api_on_signal};
	int r = -1;

	s.dir = o->g->dir ? o->g->dir : COCOON_DEFAULT_DIR;
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (size_t i = 0; i < o->nlisten; i++) {
		s.listen_fd[i] = api_listen_open(&o->listen[i], err);
		if (s.listen_fd[i] < 0)
			goto out;
		s.nlisten++;
	}
	s.inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (s.inotify_fd < 0)
		log_warn("api-service: inotify: %s; events and logs are "
			 "polled every second",
			 strerror(errno));
	r = api_serve(&s);
	if (r < 0)
		error_set_errno(err, "poll");
out:
	for (size_t i = 0; i < API_CLIENTS_MAX; i++)
		api_client_close(&s, i);
	api_events_free(s.events);
	for (size_t i = 0; i < s.nlisten; i++) {
		close(s.listen_fd[i]);
		if (o->listen[i].is_unix)
			unlink(o->listen[i].path);
	}
	if (s.inotify_fd >= 0)
		close(s.inotify_fd);
	return r;
}
