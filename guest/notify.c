// SPDX-License-Identifier: Apache-2.0
/*
 * sd_notify inside the pod (guest/notify.h, docs/systemd.md): the filter
 * is pure and unit-tested; the sockets sit in a private epoll that PID 1
 * polls with its other fds.
 */
#include "guest/notify.h"
#include "guest/metadata.h"
#include "guest/runtime.h"
#include "guest/vsock.h"
#include "common/cleanup.h"
#include "common/ctl.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Datagrams read per app socket and wake-up: PID 1 is never held long. */
#define NOTIFY_READS_PER_WAKEUP 64
/* A host that does not read makes us give up the link, not block. */
#define NOTIFY_SEND_TIMEOUT_S 1

/* ---- the filter (pure) */

static bool notify_is(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len == n + 2 && !memcmp(line, name, n) && line[n] == '=' &&
	       line[n + 1] == '1';
}

int notify_parse(const char *buf, size_t len, struct notify_msg *out)
{
	const char *nul = memchr(buf, '\0', len);
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	if (nul)
		len = (size_t)(nul - buf);
	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		pos += n + (nl ? 1 : 0);
		if (n == 0)
			continue;
		if (notify_is(line, n, "READY")) {
			out->ready = true;
		} else if (notify_is(line, n, "RELOADING")) {
			out->reloading = true;
		} else if (notify_is(line, n, "STOPPING")) {
			out->stopping = true;
		} else if (notify_is(line, n, "WATCHDOG")) {
			out->watchdog = true;
		} else if (n >= 7 && !memcmp(line, "STATUS=", 7)) {
			size_t v = n - 7;

			if (v > NOTIFY_STATUS_MAX)
				v = NOTIFY_STATUS_MAX;
			for (size_t i = 0; i < v; i++) {
				unsigned char c = (unsigned char)line[7 + i];

				out->status[i] =
					c < 0x20 || c == 0x7f ? '?' : (char)c;
			}
			out->status[v] = '\0';
			out->has_status = true;
		} else {
			out->dropped++;
		}
	}
	return out->ready || out->reloading || out->stopping || out->watchdog ||
	       out->has_status;
}

char *notify_frame(const char *app, const struct notify_msg *m)
{
	struct json_object *o = ctl_msg_new("notify");
	char *s = NULL;

	if (!o)
		return NULL;
	json_object_object_add(o, "app", json_object_new_string(app));
	if (m->ready)
		json_object_object_add(o, "ready", json_object_new_boolean(1));
	if (m->has_status)
		json_object_object_add(o, "status",
				       json_object_new_string(m->status));
	if (m->reloading)
		json_object_object_add(o, "reloading",
				       json_object_new_boolean(1));
	if (m->stopping)
		json_object_object_add(o, "stopping",
				       json_object_new_boolean(1));
	if (m->watchdog)
		json_object_object_add(o, "watchdog",
				       json_object_new_boolean(1));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

bool notify_annotated(struct json_object *annotations)
{
	bool on = false;

	if (!json_object_is_type(annotations, json_type_array))
		return false;
	/* The last entry of the name wins, as annotation merging does. */
	for (size_t i = 0; i < json_object_array_length(annotations); i++) {
		struct json_object *a =
			json_object_array_get_idx(annotations, i);
		struct json_object *name, *value;

		if (!json_object_object_get_ex(a, "name", &name) ||
		    !json_object_object_get_ex(a, "value", &value) ||
		    !json_object_is_type(name, json_type_string) ||
		    strcmp(json_object_get_string(name), NOTIFY_ANNOTATION))
			continue;
		on = json_object_is_type(value, json_type_string) &&
		     !strcmp(json_object_get_string(value), "true");
	}
	return on;
}

bool notify_cgroup_matches(const char *proc_cgroup, size_t len, const char *app)
{
	char want[300];
	size_t wlen;
	size_t pos = 0;

	wlen = (size_t)snprintf(want, sizeof(want), "0::/apps/%s", app);
	if (wlen >= sizeof(want))
		return false;
	while (pos < len) {
		const char *line = proc_cgroup + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;

		pos += n + 1;
		if (n >= wlen && !memcmp(line, want, wlen) &&
		    (n == wlen || line[wlen] == '/'))
			return true;
	}
	return false;
}

bool notify_rate_take(struct notify_rate *r, uint64_t now_ms)
{
	const unsigned full = NOTIFY_RATE_BURST * 1000u;

	if (!r->started) {
		r->started = true;
		r->milli_tokens = full;
		r->last_ms = now_ms;
	}
	if (now_ms > r->last_ms) {
		uint64_t add = (now_ms - r->last_ms) * NOTIFY_RATE_PER_S;

		r->milli_tokens = add >= full - r->milli_tokens
					  ? full
					  : r->milli_tokens + (unsigned)add;
		r->last_ms = now_ms;
	}
	if (r->milli_tokens < 1000)
		return false;
	r->milli_tokens -= 1000;
	return true;
}

/* ---- the sockets */

struct notify_app {
	const char *name;
	int fd;
	struct notify_rate rate;
	bool warned;
};

struct notify_server {
	int epfd;
	bool check_sender; /* several apps: one must not speak for another */
	int host;	   /* vsock to CTL_PORT_NOTIFY, -1 when lost */
	struct notify_app *apps;
	size_t n_apps;
};

static int notify_fail(char *err, size_t size, int ret, const char *fmt,
		       const char *arg)
{
	char what[128];

	snprintf(what, sizeof(what), fmt, arg);
	snprintf(err, size, "sd_notify: %s: %s", what, strerror(-ret));
	return ret;
}

static int notify_env_set(struct runtime_app *a, const char *value)
{
	char *entry = malloc(strlen(value) + sizeof("NOTIFY_SOCKET="));
	char **grown;

	if (!entry)
		return -ENOMEM;
	sprintf(entry, "NOTIFY_SOCKET=%s", value);
	for (size_t j = 0; j < a->n_env; j++) {
		if (!strncmp(a->env[j], "NOTIFY_SOCKET=", 14)) {
			free(a->env[j]);
			a->env[j] = entry;
			return 0;
		}
	}
	grown = realloc(a->env, (a->n_env + 2) * sizeof(*grown));
	if (!grown) {
		free(entry);
		return -ENOMEM;
	}
	a->env = grown;
	a->env[a->n_env++] = entry;
	a->env[a->n_env] = NULL;
	return 0;
}

static void notify_env_remove(struct runtime_app *a)
{
	size_t j = 0;

	for (size_t i = 0; i < a->n_env; i++) {
		if (!strncmp(a->env[i], "NOTIFY_SOCKET=", 14))
			free(a->env[i]);
		else
			a->env[j++] = a->env[i];
	}
	a->n_env = j;
	a->env[j] = NULL;
}

static int notify_bind(size_t index)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int one = 1, len;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	/* abstract: sun_path[0] is NUL, the name follows without one */
	len = snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1,
		       NOTIFY_NAME_PREFIX "%zu", index);
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&addr,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			     (size_t)len)) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

int notify_server_start(const struct metadata_pod *pod, struct runtime *rt,
			struct notify_server **out, char *err, size_t err_size)
{
	struct notify_server *s;
	struct timeval tv = {.tv_sec = NOTIFY_SEND_TIMEOUT_S};
	int ret;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->apps = calloc(rt->n_apps, sizeof(*s->apps)))) {
		free(s);
		return notify_fail(err, err_size, -ENOMEM, "%s", "allocate");
	}
	s->epfd = s->host = -1;
	for (size_t i = 0; i < rt->n_apps; i++)
		s->apps[i].fd = -1;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		ret = -errno;
		notify_server_free(s);
		return notify_fail(err, err_size, ret, "%s", "epoll");
	}
	for (size_t i = 0; i < rt->n_apps; i++) {
		struct runtime_app *a = &rt->apps[i];
		struct epoll_event ev = {.events = EPOLLIN};
		char name[64];
		bool on = false;

		for (size_t j = 0; j < pod->n_apps; j++)
			if (!strcmp(pod->apps[j].name, a->name))
				on = notify_annotated(pod->apps[j].annotations);
		if (!on) {
			/* e.g. the host's, by --inherit-env: meaningless here */
			notify_env_remove(a);
			continue;
		}
		ret = notify_bind(i);
		if (ret < 0) {
			notify_server_free(s);
			return notify_fail(err, err_size, ret,
					   "bind the socket of app %s",
					   a->name);
		}
		s->apps[s->n_apps] =
			(struct notify_app){.name = a->name, .fd = ret};
		ev.data.u64 = s->n_apps++;
		snprintf(name, sizeof(name), "@" NOTIFY_NAME_PREFIX "%zu", i);
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, ret, &ev) < 0 ||
		    notify_env_set(a, name) < 0) {
			ret = errno ? -errno : -ENOMEM;
			notify_server_free(s);
			return notify_fail(err, err_size, ret,
					   "set up the socket of app %s",
					   a->name);
		}
		log_debug("app %s: NOTIFY_SOCKET=%s", a->name, name);
	}
	if (!s->n_apps) {
		notify_server_free(s);
		return 0;
	}
	/*
	 * With one app every sender is the app (or an enter session into
	 * it): the check would only add its race, a sender that exits (and
	 * is reaped) before PID 1 reads its datagram, as `systemd-notify
	 * --ready` does.
	 */
	s->check_sender = rt->n_apps > 1;
	s->host = vsock_connect_host(CTL_PORT_NOTIFY);
	if (s->host < 0) {
		/* The apps still get their sockets: they must not fail. */
		log_error("sd_notify: connect to the host's port %d: %s; "
			  "notifications are dropped",
			  CTL_PORT_NOTIFY, strerror(-s->host));
		s->host = -1;
	} else {
		setsockopt(s->host, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	*out = s;
	return 0;
}

int notify_server_fd(const struct notify_server *s)
{
	return s->epfd;
}

static uint64_t notify_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* True when pid's cgroup is the app's: another app cannot speak for it. */
static bool notify_sender_is_app(pid_t pid, const char *app)
{
	char path[64], buf[1024];
	cleanup_close int fd = -1;
	ssize_t n;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf));
	return n > 0 && notify_cgroup_matches(buf, (size_t)n, app);
}

static void notify_forward(struct notify_server *s, struct notify_app *a,
			   const struct notify_msg *m)
{
	cleanup_free char *frame = notify_frame(a->name, m);
	int ret;

	if (s->host < 0 || !frame)
		return;
	ret = ctl_write_frame(s->host, CTL_KIND_JSON, frame, strlen(frame));
	if (ret < 0) {
		log_error("sd_notify: write to the host: %s; notifications "
			  "are dropped from now on",
			  strerror(-ret));
		close(s->host);
		s->host = -1;
	}
}

/* Reads one datagram; false when the socket has none left. */
static bool notify_read_one(struct notify_server *s, struct notify_app *a)
{
	char buf[NOTIFY_DATAGRAM_MAX + 1];
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(struct ucred)) +
			   CMSG_SPACE(64 * sizeof(int))];
	} control;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = &control,
			    .msg_controllen = sizeof(control)};
	struct ucred cred = {0};
	struct notify_msg m;
	bool have_cred = false;
	ssize_t n;

	n = recvmsg(a->fd, &mh, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return errno == EINTR;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c;
	     c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS) {
			/* FDSTORE and friends: nothing of it leaves the VM */
			size_t nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int *fds = (int *)CMSG_DATA(c);

			for (size_t i = 0; i < nfds; i++)
				close(fds[i]);
		} else if (c->cmsg_type == SCM_CREDENTIALS &&
			   c->cmsg_len == CMSG_LEN(sizeof(cred))) {
			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			have_cred = true;
		}
	}
	/* app: datagram <= NOTIFY_DATAGRAM_MAX, else dropped whole */
	if ((size_t)n > NOTIFY_DATAGRAM_MAX || !have_cred ||
	    !notify_rate_take(&a->rate, notify_now_ms()) ||
	    (s->check_sender && !notify_sender_is_app(cred.pid, a->name))) {
		if (!a->warned)
			log_warn("sd_notify: app %s: dropped a datagram "
				 "(too long, too many, or not from the app); "
				 "further drops are not logged",
				 a->name);
		a->warned = true;
		return true;
	}
	if (notify_parse(buf, (size_t)n, &m))
		notify_forward(s, a, &m);
	return true;
}

void notify_server_process(struct notify_server *s)
{
	for (size_t i = 0; i < s->n_apps; i++) {
		struct notify_app *a = &s->apps[i];

		for (int k = 0; k < NOTIFY_READS_PER_WAKEUP; k++)
			if (a->fd < 0 || !notify_read_one(s, a))
				break;
	}
}

void notify_server_close_fds(struct notify_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_apps; i++) {
		if (s->apps[i].fd >= 0)
			close(s->apps[i].fd);
		s->apps[i].fd = -1;
	}
	if (s->host >= 0)
		close(s->host);
	if (s->epfd >= 0)
		close(s->epfd);
	s->host = s->epfd = -1;
}

void notify_server_free(struct notify_server *s)
{
	if (!s)
		return;
	notify_server_close_fds(s);
	free(s->apps);
	free(s);
}
