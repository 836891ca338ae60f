// SPDX-License-Identifier: Apache-2.0
/*
 * systemd readiness for `cocoon run` (stage0/notify.h, docs/systemd.md):
 * a tiny sd_notify(3) and the guest's notify connection.
 */
#include "stage0/notify.h"

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
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int notify_send(const char *socket_path, const char *state)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	size_t plen = strlen(socket_path);
	cleanup_close int fd = -1;
	socklen_t alen;
	ssize_t n;

	if (!strncmp(socket_path, "vsock:", 6))
		return -EAFNOSUPPORT;
	if ((socket_path[0] != '/' && socket_path[0] != '@') || plen < 2 ||
	    plen >= sizeof(addr.sun_path))
		return -EINVAL;
	memcpy(addr.sun_path, socket_path, plen);
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	if (socket_path[0] == '@')
		addr.sun_path[0] = '\0'; /* abstract: no trailing NUL */
	else
		alen++;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL | MSG_DONTWAIT,
		   (struct sockaddr *)&addr, alen);
	if (n < 0)
		return -errno;
	return (size_t)n == strlen(state) ? 0 : -EMSGSIZE;
}

char *notify_socket_take(void)
{
	const char *v = getenv("NOTIFY_SOCKET");
	char *copy = v && *v ? strdup(v) : NULL;

	unsetenv("NOTIFY_SOCKET");
	return copy;
}

bool notify_annotations_say(struct json_object *annotations, bool *value)
{
	bool found = false;

	if (!json_object_is_type(annotations, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(annotations); i++) {
		struct json_object *a =
			json_object_array_get_idx(annotations, i);
		struct json_object *name, *v;

		if (!json_object_object_get_ex(a, "name", &name) ||
		    !json_object_is_type(name, json_type_string) ||
		    strcmp(json_object_get_string(name), NOTIFY_ANNOTATION))
			continue;
		found = true;
		*value = json_object_object_get_ex(a, "value", &v) &&
			 json_object_is_type(v, json_type_string) &&
			 !strcmp(json_object_get_string(v), "true");
	}
	return found;
}

static int notify_flag(struct json_object *o, const char *key, bool *out)
{
	struct json_object *v;

	*out = false;
	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean) ||
	    !json_object_get_boolean(v))
		return -EPROTO;
	*out = true;
	return 0;
}

int notify_guest_msg_decode(uint8_t kind, const uint8_t *payload, size_t len,
			    struct notify_guest_msg *out)
{
	struct json_object *obj = NULL, *v;
	const char *type;
	int ret = -EPROTO;

	memset(out, 0, sizeof(*out));
	if (kind != CTL_KIND_JSON ||
	    ctl_parse_json(payload, len, &obj, &type) < 0)
		return -EPROTO;
	if (strcmp(type, "notify") ||
	    !json_object_object_get_ex(obj, "app", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    !ctl_app_name_valid(json_object_get_string(v)))
		goto out;
	snprintf(out->app, sizeof(out->app), "%s", json_object_get_string(v));
	if (notify_flag(obj, "ready", &out->ready) < 0 ||
	    notify_flag(obj, "reloading", &out->reloading) < 0 ||
	    notify_flag(obj, "stopping", &out->stopping) < 0 ||
	    notify_flag(obj, "watchdog", &out->watchdog) < 0)
		goto out;
	if (json_object_object_get_ex(obj, "status", &v)) {
		const char *s;
		size_t n;

		if (!json_object_is_type(v, json_type_string))
			goto out;
		s = json_object_get_string(v);
		n = (size_t)json_object_get_string_len(v);
		/* guest: status <= NOTIFY_STATUS_MAX, no control bytes: a
		 * newline would let it add MAINPID= or anything else */
		if (n > NOTIFY_STATUS_MAX || strlen(s) != n)
			goto out;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
				goto out;
		memcpy(out->status, s, n + 1);
		out->has_status = true;
	}
	ret = 0;
out:
	json_object_put(obj);
	return ret;
}

/* ---- the state */

static struct json_object *notify_member(struct json_object *o, const char *key,
					 json_type type)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
			       json_object_is_type(v, type)
		       ? v
		       : NULL;
}

/* The pod manifest's entry of app name, or NULL. */
static struct json_object *notify_manifest_app(struct json_object *manifest,
					       const char *name)
{
	struct json_object *apps =
		notify_member(manifest, "apps", json_type_array);

	for (size_t i = 0; apps && i < json_object_array_length(apps); i++) {
		struct json_object *a = json_object_array_get_idx(apps, i);
		struct json_object *nm =
			notify_member(a, "name", json_type_string);

		if (nm && !strcmp(json_object_get_string(nm), name))
			return a;
	}
	return NULL;
}

int notify_host_init(struct notify_host *n, const char *socket,
		     struct json_object *pod_frame, int listen_fd,
		     struct error **err)
{
	struct json_object *manifest, *runtime, *apps;

	memset(n, 0, sizeof(*n));
	n->listen_fd = listen_fd;
	n->conn_fd = -1;
	n->milli_tokens = NOTIFY_HOST_BURST * 1000u;
	if (socket && socket[0] && !(n->socket = strdup(socket)))
		return error_set(err, ENOMEM, "sd_notify: out of memory");
	manifest = notify_member(pod_frame, "manifest", json_type_object);
	runtime = notify_member(pod_frame, "runtime", json_type_object);
	apps = notify_member(runtime, "apps", json_type_array);
	if (!apps)
		return error_set(err, EINVAL, "sd_notify: the pod has no apps");
	for (size_t i = 0; i < json_object_array_length(apps); i++) {
		struct json_object *a = json_object_array_get_idx(apps, i);
		struct json_object *name =
			notify_member(a, "name", json_type_string);
		struct json_object *im =
			notify_member(a, "image_manifest", json_type_object);
		bool on = false;

		if (!name || n->n_apps >= NOTIFY_APPS_MAX)
			return error_set(err, EINVAL,
					 "sd_notify: bad app %zu in the pod",
					 i);
		/* The pod manifest's app annotations win (docs/metadata.md) */
		notify_annotations_say(
			notify_member(im, "annotations", json_type_array), &on);
		notify_annotations_say(
			notify_member(
				notify_manifest_app(
					manifest, json_object_get_string(name)),
				"annotations", json_type_array),
			&on);
		snprintf(n->apps[n->n_apps].name, sizeof(n->apps[0].name), "%s",
			 json_object_get_string(name));
		n->apps[n->n_apps++].annotated = on;
	}
	return 0;
}

static void notify_close_conn(struct notify_host *n)
{
	if (n->conn_fd >= 0)
		close(n->conn_fd);
	n->conn_fd = -1;
	n->buf_len = 0;
}

void notify_host_free(struct notify_host *n)
{
	notify_close_conn(n);
	if (n->listen_fd >= 0)
		close(n->listen_fd);
	n->listen_fd = -1;
	free(n->socket);
	n->socket = NULL;
}

bool notify_host_any_annotated(const struct notify_host *n)
{
	for (size_t i = 0; i < n->n_apps; i++)
		if (n->apps[i].annotated)
			return true;
	return false;
}

static void notify_write(struct notify_host *n, const char *state)
{
	int r;

	if (!n->socket)
		return;
	r = notify_send(n->socket, state);
	/* once: a guest's flood must not become one of warnings */
	if (r < 0 && !n->warned)
		log_warn("sd_notify to %s: %s", n->socket, strerror(-r));
	else if (r < 0)
		log_debug("sd_notify to %s: %s", n->socket, strerror(-r));
	n->warned |= r < 0;
}

static void notify_maybe_ready(struct notify_host *n)
{
	if (n->ready_sent || !n->pod_ready)
		return;
	for (size_t i = 0; i < n->n_apps; i++)
		if (n->apps[i].annotated && !n->apps[i].ready)
			return;
	n->ready_sent = true;
	log_debug("sd_notify: the pod is ready");
	notify_write(n, notify_host_any_annotated(n)
				? "READY=1"
				: "READY=1\nSTATUS=all apps started");
}

void notify_host_pod_ready(struct notify_host *n)
{
	n->pod_ready = true;
	notify_maybe_ready(n);
}

void notify_host_stopping(struct notify_host *n)
{
	if (n->stopping_sent)
		return;
	n->stopping_sent = true;
	notify_write(n, "STOPPING=1\nSTATUS=stopping the pod");
}

/* The guest's share of systemd's attention: a token bucket. */
static bool notify_rate_take(struct notify_host *n)
{
	const unsigned full = NOTIFY_HOST_BURST * 1000u;
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (now > n->last_ms) {
		uint64_t add = (now - n->last_ms) * NOTIFY_HOST_PER_S;

		n->milli_tokens = add >= full - n->milli_tokens
					  ? full
					  : n->milli_tokens + (unsigned)add;
		n->last_ms = now;
	}
	if (n->milli_tokens < 1000)
		return false;
	n->milli_tokens -= 1000;
	return true;
}

int notify_host_guest_msg(struct notify_host *n,
			  const struct notify_guest_msg *m)
{
	char state[NOTIFY_STATUS_MAX + 128];
	size_t i, len = 0;

	for (i = 0; i < n->n_apps; i++)
		if (!strcmp(n->apps[i].name, m->app))
			break;
	if (i == n->n_apps || !n->apps[i].annotated)
		return -EPROTO;
	if (m->ready && !n->apps[i].ready) {
		n->apps[i].ready = true;
		notify_maybe_ready(n);
	} else if (m->ready && n->ready_sent) {
		/* after RELOADING=1, say the reload is over */
		len += (size_t)snprintf(state + len, sizeof(state) - len,
					"READY=1\n");
	}
	if (m->reloading)
		len += (size_t)snprintf(state + len, sizeof(state) - len,
					"RELOADING=1\n");
	if (m->stopping)
		len += (size_t)snprintf(state + len, sizeof(state) - len,
					"STOPPING=1\n");
	if (m->watchdog)
		len += (size_t)snprintf(state + len, sizeof(state) - len,
					"WATCHDOG=1\n");
	if (m->has_status)
		len += (size_t)snprintf(state + len, sizeof(state) - len,
					"STATUS=%s\n", m->status);
	if (!len)
		return 0;
	state[len - 1] = '\0'; /* no trailing newline */
	if (!notify_rate_take(n)) {
		log_debug("sd_notify: app %s: rate limited", m->app);
		return 0;
	}
	notify_write(n, state);
	return 0;
}

/* ---- the guest's connection */

int notify_host_watch(struct notify_host *n, int epfd, uint32_t tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = tag};

	n->tag = tag;
	return n->listen_fd < 0
		       ? 0
		       : epoll_ctl(epfd, EPOLL_CTL_ADD, n->listen_fd, &ev);
}

static void notify_drop_conn(struct notify_host *n, int epfd)
{
	if (n->conn_fd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_DEL, n->conn_fd, NULL);
	notify_close_conn(n);
}

static void notify_accept(struct notify_host *n, int epfd)
{
	int fd;

	while (n->listen_fd >= 0 &&
	       (fd = accept4(n->listen_fd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		/* the tag of the listener: process() tries both */
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = n->tag};

		/* One connection: a new one replaces the old. */
		notify_drop_conn(n, epfd);
		n->conn_fd = fd;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			notify_close_conn(n);
	}
}

/* Takes the complete frames in n->buf; -EPROTO on a bad one. */
static int notify_frames(struct notify_host *n)
{
	size_t pos = 0;
	int ret = 0;

	while (n->buf_len - pos >= 4) {
		const uint8_t *h = n->buf + pos;
		uint32_t flen = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 |
				(uint32_t)h[2] << 8 | h[3];
		struct notify_guest_msg m;

		/* guest: 1 <= length <= NOTIFY_FRAME_MAX */
		if (flen == 0 || flen > NOTIFY_FRAME_MAX) {
			ret = -EPROTO;
			break;
		}
		if (n->buf_len - pos - 4 < flen)
			break;
		if (notify_guest_msg_decode(h[4], h + 5, flen - 1, &m) < 0 ||
		    notify_host_guest_msg(n, &m) < 0) {
			ret = -EPROTO;
			break;
		}
		pos += 4 + flen;
	}
	memmove(n->buf, n->buf + pos, n->buf_len - pos);
	n->buf_len -= pos;
	return ret;
}

void notify_host_process(struct notify_host *n, int epfd)
{
	notify_accept(n, epfd);
	/* Bounded: at most a few buffers per wake-up, the rest waits. */
	for (int k = 0; k < 16 && n->conn_fd >= 0; k++) {
		ssize_t got = recv(n->conn_fd, n->buf + n->buf_len,
				   sizeof(n->buf) - n->buf_len, MSG_DONTWAIT);

		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (got <= 0) {
			notify_drop_conn(n, epfd);
			return;
		}
		n->buf_len += (size_t)got;
		if (notify_frames(n) < 0) {
			log_warn("sd_notify: a malformed frame from the "
				 "guest; its notifications are ignored from "
				 "now on");
			notify_drop_conn(n, epfd);
			/* a hostile guest gets no second connection */
			epoll_ctl(epfd, EPOLL_CTL_DEL, n->listen_fd, NULL);
			close(n->listen_fd);
			n->listen_fd = -1;
			return;
		}
	}
}
