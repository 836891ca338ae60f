// SPDX-License-Identifier: Apache-2.0
#include "stage0/relay.h"

#include "common/cleanup.h"
#include "common/ctl.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* A stream header is one small JSON frame; more before it is hostile. */
#define RELAY_HEADER_MAX 4096
#define RELAY_CHUNK	 65536
/* ^] three times within a second stops the pod (rkt, systemd-nspawn). */
#define RELAY_ESCAPE_CHAR  0x1d
#define RELAY_ESCAPE_COUNT 3
#define RELAY_ESCAPE_NS	   1000000000LL

/* epoll tags below RELAY_TAG_CONN; a connection is RELAY_TAG_CONN + slot. */
enum {
	RELAY_TAG_LISTEN = 1,
	RELAY_TAG_STDIN,
	RELAY_TAG_STDIN_FILE,
	RELAY_TAG_CONN = 16,
};

enum relay_conn_state {
	CONN_HEADER, /* waiting for the stream frame */
	CONN_OUT,    /* guest -> our fd 1 or 2 */
	CONN_IN,     /* our stdin -> guest */
	CONN_TTY,    /* both ways */
};

struct relay_conn {
	int fd;
	enum relay_conn_state state;
	int out_fd;
	uint32_t events; /* registered with epoll */
	struct ctl_reader header;
	size_t header_bytes;
	char app[CTL_APP_NAME_MAX + 1];
};

/* One app's log file, stage1/logs/<app>.log (relay.h). */
struct relay_log {
	char app[CTL_APP_NAME_MAX + 1];
	int fd;
	off_t size;
};

struct relay {
	int epfd;
	int listen_fd;
	struct relay_conn *conns[RELAY_CONN_MAX];
	size_t nconns;
	/* our stdin, forwarded to in_conn */
	struct relay_conn *in_conn;
	bool stdin_is_file; /* not pollable: an eventfd stands in */
	int stdin_event;
	bool stdin_watched;
	bool stdin_eof;
	uint8_t in_buf[RELAY_CHUNK];
	size_t in_len, in_off;
	bool draining;
	/* the terminal */
	bool raw;
	unsigned escape_count;
	long long escape_first_ns;
	char tty_app[CTL_APP_NAME_MAX + 1];
	/* output we could not write (a closed pipe): say so once */
	bool out_broken[3];
	/* the apps' logs: stage1/logs, or -1 when not under a pod */
	int log_dirfd;
	struct relay_log logs[RELAY_LOG_APPS_MAX];
	size_t nlogs;
};

/* The terminal as we found it, for the atexit handler. */
static struct termios relay_saved_termios;
static bool relay_termios_saved;

static void relay_restore_terminal(void)
{
	if (relay_termios_saved) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &relay_saved_termios);
		relay_termios_saved = false;
	}
}

static int relay_make_raw(struct error **err)
{
	static bool atexit_done;
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &relay_saved_termios) < 0)
		return error_set_errno(err, "read the terminal's settings");
	raw = relay_saved_termios;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) < 0)
		return error_set_errno(err, "put the terminal in raw mode");
	relay_termios_saved = true;
	if (!atexit_done) {
		atexit(relay_restore_terminal);
		atexit_done = true;
	}
	return 0;
}

static long long relay_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int relay_epoll(struct relay *r, int op, int fd, uint32_t events,
		       uint64_t tag)
{
	struct epoll_event ev = {.events = events, .data.u64 = tag};

	return epoll_ctl(r->epfd, op, fd, &ev);
}

/*
 * stage1/logs of the pod whose stage1/vsock_1025 listen_fd is bound to
 * (the supervisor binds "/proc/self/fd/N/stage1/vsock_1025", which
 * follows the pod directory wherever it is moved), created if needed;
 * -1 for a listener elsewhere (tests) or on failure (logged: the pod
 * runs without logs rather than not at all).
 */
static int relay_log_dir(int listen_fd)
{
	static const char tail[] = "/stage1/vsock_1025";
	struct sockaddr_un addr;
	socklen_t len = sizeof(addr);
	cleanup_close int stage1 = -1;
	char dir[sizeof(addr.sun_path) + 1];
	size_t n;
	int fd;

	memset(&addr, 0, sizeof(addr));
	if (getsockname(listen_fd, (struct sockaddr *)&addr, &len) < 0 ||
	    addr.sun_family != AF_UNIX)
		return -1;
	n = strnlen(addr.sun_path, sizeof(addr.sun_path));
	if (n <= sizeof(tail) - 1 ||
	    memcmp(addr.sun_path + n - (sizeof(tail) - 1), tail,
		   sizeof(tail) - 1))
		return -1;
	/* up to and with "/stage1" */
	n -= sizeof("/vsock_1025") - 1;
	memcpy(dir, addr.sun_path, n);
	dir[n] = '\0';
	stage1 = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (stage1 < 0 ||
	    (mkdirat(stage1, "logs", 0755) < 0 && errno != EEXIST) ||
	    (fd = openat(stage1, "logs",
			 O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		log_warn("stdio relay: cannot keep the apps' logs in "
			 "stage1/logs: %s",
			 strerror(errno));
		return -1;
	}
	return fd;
}

/* The log of app, opened (and rotated) as needed; NULL without logs. */
static struct relay_log *relay_log_get(struct relay *r, const char *app,
				       size_t add)
{
	struct relay_log *l = NULL;
	char name[CTL_APP_NAME_MAX + 8], old[CTL_APP_NAME_MAX + 8];
	struct stat st;

	if (r->log_dirfd < 0)
		return NULL;
	for (size_t i = 0; i < r->nlogs && !l; i++)
		if (!strcmp(r->logs[i].app, app))
			l = &r->logs[i];
	if (!l) {
		if (r->nlogs == RELAY_LOG_APPS_MAX)
			return NULL;
		l = &r->logs[r->nlogs++];
		snprintf(l->app, sizeof(l->app), "%s", app);
		l->fd = -1;
	}
	snprintf(name, sizeof(name), "%s.log", app);
	if (l->fd >= 0 && l->size > 0 && l->size + (off_t)add > RELAY_LOG_MAX) {
		/* Keep one previous file: at most 2 x RELAY_LOG_MAX. */
		snprintf(old, sizeof(old), "%s.log.1", app);
		if (renameat(r->log_dirfd, name, r->log_dirfd, old) < 0)
			log_warn("rotate the log of app %s: %s", app,
				 strerror(errno));
		close(l->fd);
		l->fd = -1;
	}
	if (l->fd < 0) {
		/* The app name is checked (ctl_app_name_valid): no '/'. */
		l->fd = openat(r->log_dirfd, name,
			       O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
				       O_CLOEXEC,
			       0644);
		if (l->fd < 0)
			return NULL;
		l->size = fstat(l->fd, &st) == 0 ? st.st_size : 0;
	}
	return l;
}

/*
 * Appends what an app wrote to its log, one record per line:
 * "<RFC 3339 UTC time> <stdout|stderr|tty> <F|P> <bytes>\n", F for a
 * line that ended here, P for the rest of buf when it does not end in a
 * newline (the app's next write continues that line).
 */
/* Appends whole records (one write: a reader never sees half of one). */
static void relay_log_put(struct relay *r, const char *app,
			  const struct iovec *iov, int n)
{
	struct relay_log *l;
	size_t len = 0;
	ssize_t w;

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	l = relay_log_get(r, app, len);
	if (!l)
		return;
	w = writev(l->fd, iov, n);
	if (w > 0)
		l->size += w;
}

/*
 * One record per line (a piece without its newline is a P record), as
 * docs/api.md says. The records of one read are gathered and written
 * together: a pod printing short lines fast costs a write per read, not
 * one per line.
 */
static void relay_log_write(struct relay *r, const struct relay_conn *c,
			    const uint8_t *buf, size_t len)
{
	const char *stream = c->state == CONN_TTY ? "tty"
			     : c->out_fd == 1	  ? "stdout"
						  : "stderr";
	char out[16384], head[64], date[32];
	struct timespec now;
	struct tm tm;
	size_t used = 0;

	if (r->log_dirfd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	while (len > 0) {
		const uint8_t *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) + 1 : len;
		int hlen = snprintf(head, sizeof(head), "%s.%09ldZ %s %c ",
				    date, now.tv_nsec, stream, nl ? 'F' : 'P');
		size_t rec = (size_t)hlen + n + (nl ? 0 : 1);

		if (used && used + rec > sizeof(out)) {
			relay_log_put(r, c->app, &(struct iovec){out, used}, 1);
			used = 0;
		}
		if (rec > sizeof(out)) {
			struct iovec iov[3] = {
				{head, (size_t)hlen},
				{(void *)buf, n},
				{"\n", 1},
			};

			relay_log_put(r, c->app, iov, nl ? 2 : 3);
		} else {
			memcpy(out + used, head, (size_t)hlen);
			memcpy(out + used + hlen, buf, n);
			if (!nl)
				out[used + hlen + n] = '\n';
			used += rec;
		}
		buf += n;
		len -= n;
	}
	if (used)
		relay_log_put(r, c->app, &(struct iovec){out, used}, 1);
}

int relay_new(int listen_fd, bool interactive, struct relay **out,
	      struct error **err)
{
	struct relay *r = calloc(1, sizeof(*r));
	struct stat st;

	if (!r) {
		close(listen_fd);
		return error_set(err, ENOMEM, "out of memory");
	}
	r->listen_fd = listen_fd;
	r->stdin_event = -1;
	r->log_dirfd = relay_log_dir(listen_fd);
	r->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epfd < 0) {
		error_set_errno(err, "stdio relay: epoll_create1");
		goto fail;
	}
	if (relay_epoll(r, EPOLL_CTL_ADD, listen_fd, EPOLLIN,
			RELAY_TAG_LISTEN) < 0) {
		error_set_errno(err, "stdio relay: watch the listener");
		goto fail;
	}
	if (fstat(STDIN_FILENO, &st) == 0 &&
	    (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))) {
		/* epoll refuses regular files; they are always readable. */
		r->stdin_is_file = true;
		r->stdin_event = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
		if (r->stdin_event < 0) {
			error_set_errno(err, "stdio relay: eventfd");
			goto fail;
		}
	}
	if (interactive && isatty(STDIN_FILENO)) {
		if (relay_make_raw(err) < 0)
			goto fail;
		r->raw = true;
	}
	*out = r;
	return 0;
fail:
	relay_free(r);
	return -1;
}

int relay_fd(const struct relay *r)
{
	return r->epfd;
}

const char *relay_tty_app(const struct relay *r)
{
	return r->tty_app[0] ? r->tty_app : NULL;
}

bool relay_window_size(const struct relay *r, unsigned *rows, unsigned *cols)
{
	struct winsize ws;

	if (!r->raw || ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 ||
	    ws.ws_row == 0 || ws.ws_col == 0)
		return false;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return true;
}

/* Blocking write of guest output to our fd 1 or 2. */
static void relay_output(struct relay *r, int fd, const uint8_t *buf,
			 size_t len)
{
	while (len > 0 && !r->out_broken[fd]) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			/* Someone made our fd non-blocking: wait a little. */
			struct timespec t = {.tv_nsec = 1000000};

			nanosleep(&t, NULL);
			continue;
		}
		if (n <= 0) {
			/* Keep reading the guest so the app is not stuck. */
			log_warn("write the pod's %s: %s; dropping the rest",
				 fd == 1 ? "stdout" : "stderr",
				 n < 0 ? strerror(errno) : "short write");
			r->out_broken[fd] = true;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

static void relay_stdin_unwatch(struct relay *r)
{
	if (!r->stdin_watched)
		return;
	if (r->stdin_is_file)
		relay_epoll(r, EPOLL_CTL_DEL, r->stdin_event, 0, 0);
	else
		relay_epoll(r, EPOLL_CTL_DEL, STDIN_FILENO, 0, 0);
	r->stdin_watched = false;
}

static void relay_stdin_watch(struct relay *r)
{
	int fd = r->stdin_is_file ? r->stdin_event : STDIN_FILENO;
	uint64_t tag =
		r->stdin_is_file ? RELAY_TAG_STDIN_FILE : RELAY_TAG_STDIN;

	if (r->stdin_watched || r->stdin_eof || r->draining || !r->in_conn)
		return;
	if (relay_epoll(r, EPOLL_CTL_ADD, fd, EPOLLIN, tag) < 0) {
		log_warn("cannot read stdin for the pod: %s", strerror(errno));
		r->stdin_eof = true;
		return;
	}
	r->stdin_watched = true;
}

static void relay_conn_events(struct relay *r, struct relay_conn *c,
			      uint32_t events, size_t slot)
{
	if (c->events == events)
		return;
	relay_epoll(r, EPOLL_CTL_MOD, c->fd, events, RELAY_TAG_CONN + slot);
	c->events = events;
}

static void relay_conn_close(struct relay *r, size_t slot)
{
	struct relay_conn *c = r->conns[slot];

	if (!c)
		return;
	if (c == r->in_conn) {
		relay_stdin_unwatch(r);
		r->in_conn = NULL;
		r->in_len = r->in_off = 0;
	}
	relay_epoll(r, EPOLL_CTL_DEL, c->fd, 0, 0);
	close(c->fd);
	ctl_reader_free(&c->header);
	free(c);
	r->conns[slot] = NULL;
	r->nconns--;
}

static void relay_accept(struct relay *r)
{
	for (;;) {
		int fd = accept4(r->listen_fd, NULL, NULL,
				 SOCK_CLOEXEC | SOCK_NONBLOCK);
		struct relay_conn *c;
		size_t slot;

		if (fd < 0)
			return;
		for (slot = 0; slot < RELAY_CONN_MAX && r->conns[slot]; slot++)
			;
		c = slot < RELAY_CONN_MAX ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			log_warn("stdio relay: too many connections from the "
				 "guest; closing one");
			close(fd);
			continue;
		}
		c->fd = fd;
		c->state = CONN_HEADER;
		c->events = EPOLLIN;
		ctl_reader_init(&c->header);
		if (relay_epoll(r, EPOLL_CTL_ADD, fd, EPOLLIN,
				RELAY_TAG_CONN + slot) < 0) {
			close(fd);
			free(c);
			continue;
		}
		r->conns[slot] = c;
		r->nconns++;
	}
}

/* Checks the stream frame (docs/protocol.md) and sets the state. */
static int relay_header(struct relay *r, struct relay_conn *c, uint8_t kind,
			const uint8_t *payload, size_t len, struct error **err)
{
	struct json_object *obj = NULL, *v;
	const char *type, *app, *stream;
	int ret = -1;

	if (kind != CTL_KIND_JSON ||
	    ctl_parse_json(payload, len, &obj, &type) < 0)
		return error_set(err, EPROTO,
				 "stdio stream: the first frame is not a JSON "
				 "message");
	if (strcmp(type, "stream") ||
	    !json_object_object_get_ex(obj, "app", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    !ctl_app_name_valid(app = json_object_get_string(v)) ||
	    !json_object_object_get_ex(obj, "stream", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		error_set(err, EPROTO, "stdio stream: bad stream header");
		goto out;
	}
	stream = json_object_get_string(v);
	snprintf(c->app, sizeof(c->app), "%s", app);
	if (!strcmp(stream, "stdout") || !strcmp(stream, "stderr")) {
		c->state = CONN_OUT;
		c->out_fd = !strcmp(stream, "stdout") ? 1 : 2;
	} else if (!strcmp(stream, "stdin") || !strcmp(stream, "tty")) {
		bool tty = !strcmp(stream, "tty");

		c->state = tty ? CONN_TTY : CONN_IN;
		c->out_fd = 1;
		if (tty && !r->tty_app[0])
			snprintf(r->tty_app, sizeof(r->tty_app), "%s", app);
		if (!r->in_conn && !r->draining) {
			r->in_conn = c;
			relay_stdin_watch(r);
		} else {
			/* Only one app reads our stdin: the first. */
			shutdown(c->fd, SHUT_WR);
		}
	} else {
		error_set(err, EPROTO, "stdio stream: unknown stream kind");
		goto out;
	}
	ret = 0;
out:
	json_object_put(obj);
	return ret;
}

/* Reads from a connection; -1 with *err on a protocol error. */
static int relay_conn_read(struct relay *r, size_t slot, int *events,
			   struct error **err)
{
	struct relay_conn *c = r->conns[slot];
	uint8_t buf[RELAY_CHUNK];
	ssize_t n = read(c->fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		relay_conn_close(r, slot);
		return 0;
	}
	if (c->state == CONN_HEADER) {
		const uint8_t *payload;
		size_t len;
		uint8_t kind;
		int got;

		/* guest: at most RELAY_HEADER_MAX bytes before the frame */
		c->header_bytes += (size_t)n;
		if (ctl_reader_feed(&c->header, buf, (size_t)n) < 0)
			return error_set(err, ENOMEM, "out of memory");
		got = ctl_reader_next(&c->header, &kind, &payload, &len);
		if (got < 0 || (got == 0 && c->header_bytes > RELAY_HEADER_MAX))
			return error_set(
				err, EPROTO,
				"stdio stream: malformed header frame");
		if (got == 0)
			return 0;
		if (relay_header(r, c, kind, payload, len, err) < 0)
			return -1;
		if (c->state == CONN_TTY)
			*events |= RELAY_TTY_OPENED;
		/* Bytes after the frame are the stream's first. */
		if (c->state != CONN_IN) {
			relay_output(r, c->out_fd,
				     c->header.buf + c->header.start,
				     c->header.len - c->header.start);
			relay_log_write(r, c, c->header.buf + c->header.start,
					c->header.len - c->header.start);
		}
		ctl_reader_free(&c->header);
		return 0;
	}
	/* The guest has no business writing to a stdin stream: dropped. */
	if (c->state != CONN_IN) {
		relay_output(r, c->out_fd, buf, (size_t)n);
		relay_log_write(r, c, buf, (size_t)n);
	}
	return 0;
}

/* Our stdin became readable: fill the buffer, then wait for the guest. */
static void relay_stdin_read(struct relay *r, int *events)
{
	ssize_t n;

	if (!r->in_conn || r->in_len > r->in_off)
		return;
	n = read(STDIN_FILENO, r->in_buf, sizeof(r->in_buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		r->stdin_eof = true;
		relay_stdin_unwatch(r);
		/* EOF travels as a half-close (docs/protocol.md). */
		shutdown(r->in_conn->fd, SHUT_WR);
		return;
	}
	if (r->raw) {
		long long now = relay_now_ns();

		for (ssize_t i = 0; i < n; i++) {
			if (r->in_buf[i] != RELAY_ESCAPE_CHAR) {
				r->escape_count = 0;
				continue;
			}
			if (r->escape_count == 0 ||
			    now - r->escape_first_ns > RELAY_ESCAPE_NS) {
				r->escape_count = 0;
				r->escape_first_ns = now;
			}
			if (++r->escape_count >= RELAY_ESCAPE_COUNT)
				*events |= RELAY_ESCAPE;
		}
	}
	r->in_len = (size_t)n;
	r->in_off = 0;
	relay_stdin_unwatch(r);
	for (size_t s = 0; s < RELAY_CONN_MAX; s++)
		if (r->conns[s] == r->in_conn)
			relay_conn_events(r, r->in_conn, EPOLLIN | EPOLLOUT, s);
}

/* The stdin connection can take bytes. */
static void relay_stdin_flush(struct relay *r, size_t slot)
{
	struct relay_conn *c = r->conns[slot];

	while (r->in_off < r->in_len) {
		ssize_t n = send(c->fd, r->in_buf + r->in_off,
				 r->in_len - r->in_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* The app closed its stdin: stop feeding it. */
			if (c->state == CONN_TTY) {
				r->stdin_eof = true;
				r->in_len = r->in_off = 0;
				relay_conn_events(r, c, EPOLLIN, slot);
				return;
			}
			relay_conn_close(r, slot);
			return;
		}
		r->in_off += (size_t)n;
	}
	r->in_len = r->in_off = 0;
	relay_conn_events(r, c, EPOLLIN, slot);
	relay_stdin_watch(r);
}

int relay_process(struct relay *r, struct error **err)
{
	struct epoll_event evs[32];
	int n, events = 0;

	n = epoll_wait(r->epfd, evs, (int)ARRAY_SIZE(evs), 0);
	for (int i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64;

		if (tag == RELAY_TAG_LISTEN) {
			relay_accept(r);
		} else if (tag == RELAY_TAG_STDIN ||
			   tag == RELAY_TAG_STDIN_FILE) {
			relay_stdin_read(r, &events);
		} else if (tag >= RELAY_TAG_CONN &&
			   tag < RELAY_TAG_CONN + RELAY_CONN_MAX) {
			size_t slot = (size_t)(tag - RELAY_TAG_CONN);

			if (!r->conns[slot])
				continue; /* closed earlier in this batch */
			if ((evs[i].events & EPOLLOUT) &&
			    r->conns[slot] == r->in_conn)
				relay_stdin_flush(r, slot);
			if (r->conns[slot] &&
			    (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
			    relay_conn_read(r, slot, &events, err) < 0)
				return -1;
		}
	}
	return events;
}

void relay_drain(struct relay *r, int timeout_ms)
{
	long long deadline = relay_now_ns() + (long long)timeout_ms * 1000000;

	r->draining = true;
	if (r->in_conn) {
		for (size_t s = 0; s < RELAY_CONN_MAX; s++) {
			if (r->conns[s] != r->in_conn)
				continue;
			if (r->in_conn->state == CONN_IN)
				relay_conn_close(r, s);
			else
				relay_conn_events(r, r->conns[s], EPOLLIN, s);
		}
		relay_stdin_unwatch(r);
		r->in_conn = NULL;
	}
	/* The VMM is gone: whatever it accepted is queued or in flight. */
	relay_accept(r);
	while (r->nconns > 0) {
		long long left = (deadline - relay_now_ns()) / 1000000;
		struct epoll_event ev;

		if (left <= 0)
			break;
		if (epoll_wait(r->epfd, &ev, 1, (int)left) <= 0)
			continue;
		if (relay_process(r, NULL) < 0)
			break;
		relay_accept(r);
	}
	if (r->nconns > 0)
		log_warn("the pod's stdio did not end within %d ms; dropping "
			 "the rest",
			 timeout_ms);
}

void relay_free(struct relay *r)
{
	if (!r)
		return;
	for (size_t s = 0; s < RELAY_CONN_MAX; s++)
		relay_conn_close(r, s);
	if (r->raw)
		relay_restore_terminal();
	if (r->stdin_event >= 0)
		close(r->stdin_event);
	if (r->listen_fd >= 0)
		close(r->listen_fd);
	if (r->epfd >= 0)
		close(r->epfd);
	for (size_t i = 0; i < r->nlogs; i++)
		if (r->logs[i].fd >= 0)
			close(r->logs[i].fd);
	if (r->log_dirfd >= 0)
		close(r->log_dirfd);
	free(r);
}
