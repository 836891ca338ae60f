// SPDX-License-Identifier: Apache-2.0
/* stage0/notify.c: the sd_notify writer on real sockets, the guest frame's
 * decoder, the readiness logic, and the guest connection's server. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/ctl.h"
#include "stage0/notify.h"

#define ANN "appc.io/executor/supports-systemd-notify"

struct fixture {
	char dir[64];
	char path[96];
	int fd; /* the stand-in for systemd */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_un addr = {.sun_family = AF_UNIX};

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test-notify.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/notify", f->dir);
	f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(f->fd >= 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", f->path);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&addr, sizeof(addr)),
			 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	close(f->fd);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* The next datagram, or "" when none is queued. */
static const char *next(struct fixture *f)
{
	static char buf[4096];
	ssize_t n = recv(f->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void test_send_path(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(notify_send(f->path, "READY=1\nSTATUS=hi"), 0);
	assert_string_equal(next(f), "READY=1\nSTATUS=hi");
	assert_string_equal(next(f), "");
}

static void test_send_abstract(void **state)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char name[64], buf[64];
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ssize_t n;
	int len;

	(void)state;
	assert_true(fd >= 0);
	len = snprintf(name, sizeof(name), "@test-notify-%d", (int)getpid());
	memcpy(addr.sun_path, name, (size_t)len);
	addr.sun_path[0] = '\0';
	assert_int_equal(
		bind(fd, (struct sockaddr *)&addr,
		     (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
				 (size_t)len)),
		0);
	assert_int_equal(notify_send(name, "READY=1"), 0);
	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	assert_int_equal(n, 7);
	assert_memory_equal(buf, "READY=1", 7);
	close(fd);
	/* nobody there */
	assert_int_equal(notify_send(name, "READY=1"), -ECONNREFUSED);
}

static void test_send_bad(void **state)
{
	char longp[200];

	(void)state;
	assert_int_equal(notify_send("", "READY=1"), -EINVAL);
	assert_int_equal(notify_send("@", "READY=1"), -EINVAL);
	assert_int_equal(notify_send("relative/path", "READY=1"), -EINVAL);
	assert_int_equal(notify_send("vsock:2:1234", "READY=1"), -EAFNOSUPPORT);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(notify_send(longp, "READY=1"), -EINVAL);
	assert_int_equal(notify_send("/nonexistent/notify", "READY=1"),
			 -ENOENT);
}

static void test_socket_take(void **state)
{
	char *s;

	(void)state;
	setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
	s = notify_socket_take();
	assert_string_equal(s, "/run/systemd/notify");
	assert_null(getenv("NOTIFY_SOCKET"));
	free(s);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_null(notify_socket_take());
	assert_null(getenv("NOTIFY_SOCKET"));
	assert_null(notify_socket_take());
}

static int decode(const char *json, struct notify_guest_msg *m)
{
	return notify_guest_msg_decode(CTL_KIND_JSON, (const uint8_t *)json,
				       strlen(json), m);
}

static void test_decode(void **state)
{
	struct notify_guest_msg m;
	static const char *const bad[] = {
		"{\"type\":\"ready\",\"app\":\"web\"}",
		"{\"type\":\"notify\"}",
		"{\"type\":\"notify\",\"app\":\"Web\"}",
		"{\"type\":\"notify\",\"app\":7}",
		"{\"type\":\"notify\",\"app\":\"web\",\"ready\":false}",
		"{\"type\":\"notify\",\"app\":\"web\",\"ready\":1}",
		"{\"type\":\"notify\",\"app\":\"web\",\"watchdog\":\"1\"}",
		"{\"type\":\"notify\",\"app\":\"web\",\"status\":5}",
		/* a newline would smuggle MAINPID= to systemd */
		"{\"type\":\"notify\",\"app\":\"web\",\"status\":\"a\\nMAINPID="
		"1\"}",
		"{\"type\":\"notify\",\"app\":\"web\",\"status\":"
		"\"a\\u0000b\"}",
		"{\"type\":\"notify\",\"app\":\"web\",\"status\":\"\\u007f\"}",
		"[1]",
		"not json",
	};
	char big[NOTIFY_STATUS_MAX + 100];

	(void)state;
	assert_int_equal(decode("{\"type\":\"notify\",\"app\":\"web\","
				"\"ready\":true,\"status\":\"up\","
				"\"reloading\":true,\"stopping\":true,"
				"\"watchdog\":true,\"future\":1}",
				&m),
			 0);
	assert_string_equal(m.app, "web");
	assert_true(m.ready && m.reloading && m.stopping && m.watchdog);
	assert_true(m.has_status);
	assert_string_equal(m.status, "up");
	assert_int_equal(decode("{\"type\":\"notify\",\"app\":\"web\"}", &m),
			 0);
	assert_false(m.ready || m.has_status);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (decode(bad[i], &m) != -EPROTO)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(notify_guest_msg_decode(CTL_KIND_STDOUT,
						 (const uint8_t *)"{}", 2, &m),
			 -EPROTO);
	/* a status of exactly the bound passes, one more byte does not */
	for (int extra = 0; extra < 2; extra++) {
		int len = snprintf(big, sizeof(big),
				   "{\"type\":\"notify\",\"app\":\"web\","
				   "\"status\":\"");

		memset(big + len, 's', NOTIFY_STATUS_MAX + (size_t)extra);
		strcpy(big + len + NOTIFY_STATUS_MAX + extra, "\"}");
		assert_int_equal(decode(big, &m), extra ? -EPROTO : 0);
	}
}

/* A pod frame: apps web (annotated by its image), db (not), and api
 * (annotated by its image, switched off by the pod manifest). */
static struct json_object *pod_frame(bool any)
{
	char json[2048];

	snprintf(json, sizeof(json),
		 "{\"type\":\"pod\",\"manifest\":{\"apps\":["
		 "{\"name\":\"web\"},{\"name\":\"db\",\"annotations\":[]},"
		 "{\"name\":\"api\",\"annotations\":[{\"name\":\"" ANN
		 "\",\"value\":\"false\"}]}]},"
		 "\"runtime\":{\"apps\":["
		 "{\"name\":\"web\",\"image_manifest\":{\"annotations\":["
		 "{\"name\":\"" ANN "\",\"value\":\"%s\"}]}},"
		 "{\"name\":\"db\",\"image_manifest\":{}},"
		 "{\"name\":\"api\",\"image_manifest\":{\"annotations\":["
		 "{\"name\":\"" ANN "\",\"value\":\"true\"}]}}]}}",
		 any ? "true" : "no");
	return json_tokener_parse(json);
}

static void host_init(struct notify_host *n, struct fixture *f, bool any)
{
	struct json_object *frame = pod_frame(any);
	struct error *err = NULL;

	assert_non_null(frame);
	if (notify_host_init(n, f ? f->path : NULL, frame, -1, &err) < 0)
		fail_msg("notify_host_init: %s", err->message);
	json_object_put(frame);
}

static struct notify_guest_msg msg(const char *app, bool ready,
				   const char *status)
{
	struct notify_guest_msg m = {.ready = ready};

	snprintf(m.app, sizeof(m.app), "%s", app);
	if (status) {
		m.has_status = true;
		snprintf(m.status, sizeof(m.status), "%s", status);
	}
	return m;
}

static void test_annotations_from_frame(void **state)
{
	struct notify_host n;
	struct notify_guest_msg m;

	(void)state;
	host_init(&n, NULL, true);
	assert_int_equal(n.n_apps, 3);
	assert_true(n.apps[0].annotated);
	assert_false(n.apps[1].annotated);
	assert_false(n.apps[2].annotated); /* the pod manifest's wins */
	assert_true(notify_host_any_annotated(&n));
	/* only annotated apps may speak; no socket: nothing is sent */
	m = msg("db", true, NULL);
	assert_int_equal(notify_host_guest_msg(&n, &m), -EPROTO);
	m = msg("api", true, NULL);
	assert_int_equal(notify_host_guest_msg(&n, &m), -EPROTO);
	m = msg("nosuch", true, NULL);
	assert_int_equal(notify_host_guest_msg(&n, &m), -EPROTO);
	m = msg("web", true, NULL);
	assert_int_equal(notify_host_guest_msg(&n, &m), 0);
	notify_host_free(&n);
	host_init(&n, NULL, false);
	assert_false(notify_host_any_annotated(&n));
	notify_host_free(&n);
}

static void test_ready_without_annotation(void **state)
{
	struct fixture *f = *state;
	struct notify_host n;

	host_init(&n, f, false);
	assert_string_equal(next(f), "");
	notify_host_pod_ready(&n);
	assert_string_equal(next(f), "READY=1\nSTATUS=all apps started");
	notify_host_pod_ready(&n); /* once */
	assert_string_equal(next(f), "");
	notify_host_stopping(&n);
	assert_string_equal(next(f), "STOPPING=1\nSTATUS=stopping the pod");
	notify_host_stopping(&n);
	assert_string_equal(next(f), "");
	notify_host_free(&n);
}

static void test_ready_waits_for_the_app(void **state)
{
	struct fixture *f = *state;
	struct notify_host n;
	struct notify_guest_msg m;

	/* pod ready first, then the app */
	host_init(&n, f, true);
	notify_host_pod_ready(&n);
	assert_string_equal(next(f), "");
	m = msg("web", false, "warming up");
	assert_int_equal(notify_host_guest_msg(&n, &m), 0);
	assert_string_equal(next(f), "STATUS=warming up");
	m = msg("web", true, "serving");
	assert_int_equal(notify_host_guest_msg(&n, &m), 0);
	assert_string_equal(next(f), "READY=1");
	assert_string_equal(next(f), "STATUS=serving");
	/* a reload and its end */
	m = msg("web", false, NULL);
	m.reloading = true;
	assert_int_equal(notify_host_guest_msg(&n, &m), 0);
	assert_string_equal(next(f), "RELOADING=1");
	m = msg("web", true, NULL);
	assert_int_equal(notify_host_guest_msg(&n, &m), 0);
	assert_string_equal(next(f), "READY=1");
	m = msg("web", false, NULL);
	m.watchdog = m.stopping = true;
	assert_int_equal(notify_host_guest_msg(&n, &m), 0);
	assert_string_equal(next(f), "STOPPING=1\nWATCHDOG=1");
	notify_host_free(&n);

	/* the app first: READY=1 only when the pod is ready too */
	host_init(&n, f, true);
	m = msg("web", true, NULL);
	assert_int_equal(notify_host_guest_msg(&n, &m), 0);
	assert_string_equal(next(f), "");
	notify_host_pod_ready(&n);
	assert_string_equal(next(f), "READY=1");
	assert_string_equal(next(f), "");
	notify_host_free(&n);
}

static void test_rate_limit(void **state)
{
	struct fixture *f = *state;
	struct notify_host n;
	struct notify_guest_msg m = msg("web", false, "x");
	int got = 0;

	host_init(&n, f, true);
	/* read as it goes: the kernel queues only a few datagrams */
	for (int i = 0; i < 200; i++) {
		assert_int_equal(notify_host_guest_msg(&n, &m), 0);
		got += next(f)[0] != '\0';
	}
	/* the burst, and what refilled while the loop ran */
	assert_true(got >= NOTIFY_HOST_BURST);
	assert_true(got <= NOTIFY_HOST_BURST + 2);
	notify_host_free(&n);
}

/* ---- the server on a real listener */

static int host_listen(struct fixture *f, char *path, size_t size)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	snprintf(path, size, "%s/vsock_1028", f->dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 8), 0);
	return fd;
}

static int guest_connect(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)),
			 0);
	return fd;
}

static void pump(struct notify_host *n, int epfd)
{
	struct epoll_event ev[4];

	while (epoll_wait(epfd, ev, 4, 100) > 0)
		notify_host_process(n, epfd);
}

static void frame(int fd, const char *json)
{
	assert_int_equal(ctl_write_frame(fd, CTL_KIND_JSON, json, strlen(json)),
			 0);
}

static void test_server(void **state)
{
	struct fixture *f = *state;
	struct json_object *fr = pod_frame(true);
	struct error *err = NULL;
	struct notify_host n;
	char path[100];
	int epfd = epoll_create1(EPOLL_CLOEXEC), g, g2;
	static const char split[] =
		"{\"type\":\"notify\",\"app\":\"web\",\"status\":\"split\"}";
	uint8_t hdr[5] = {0, 0, 0, sizeof(split), CTL_KIND_JSON};

	assert_int_equal(notify_host_init(&n, f->path, fr,
					  host_listen(f, path, sizeof(path)),
					  &err),
			 0);
	json_object_put(fr);
	assert_int_equal(notify_host_watch(&n, epfd, 7), 0);
	g = guest_connect(path);
	frame(g, "{\"type\":\"notify\",\"app\":\"web\",\"status\":\"one\"}");
	pump(&n, epfd);
	assert_string_equal(next(f), "STATUS=one");
	/* a frame in pieces */
	assert_int_equal(write(g, hdr, 3), 3);
	pump(&n, epfd);
	assert_int_equal(write(g, hdr + 3, 2), 2);
	assert_int_equal(write(g, split, 10), 10);
	pump(&n, epfd);
	assert_string_equal(next(f), "");
	assert_int_equal(write(g, split + 10, sizeof(split) - 11),
			 sizeof(split) - 11);
	pump(&n, epfd);
	assert_string_equal(next(f), "STATUS=split");
	/* a second connection replaces the first */
	g2 = guest_connect(path);
	frame(g2, "{\"type\":\"notify\",\"app\":\"web\",\"status\":\"two\"}");
	pump(&n, epfd);
	assert_string_equal(next(f), "STATUS=two");
	/* the host closed the old one */
	assert_int_equal(read(g, hdr, 1), 0);
	close(g);
	/* garbage: the connection and the listener are closed, nothing sent */
	frame(g2, "{\"type\":\"notify\",\"app\":\"db\",\"ready\":true}");
	pump(&n, epfd);
	assert_string_equal(next(f), "");
	assert_int_equal(n.conn_fd, -1);
	assert_int_equal(n.listen_fd, -1);
	close(g2);
	notify_host_free(&n);
	close(epfd);
	unlink(path);
}

static void test_server_oversized(void **state)
{
	struct fixture *f = *state;
	struct json_object *fr = pod_frame(true);
	struct error *err = NULL;
	struct notify_host n;
	char path[100];
	int epfd = epoll_create1(EPOLL_CLOEXEC), g;
	/* a length over NOTIFY_FRAME_MAX: refused before any buffering */
	uint8_t hdr[5] = {0, 0x10, 0, 0, CTL_KIND_JSON};

	assert_int_equal(notify_host_init(&n, f->path, fr,
					  host_listen(f, path, sizeof(path)),
					  &err),
			 0);
	json_object_put(fr);
	assert_int_equal(notify_host_watch(&n, epfd, 7), 0);
	g = guest_connect(path);
	assert_int_equal(write(g, hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	pump(&n, epfd);
	assert_int_equal(n.conn_fd, -1);
	assert_int_equal(n.listen_fd, -1);
	/* the pod's readiness still works */
	notify_host_pod_ready(&n);
	assert_string_equal(next(f), "");
	close(g);
	notify_host_free(&n);
	close(epfd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_send_path, setup,
						teardown),
		cmocka_unit_test(test_send_abstract),
		cmocka_unit_test(test_send_bad),
		cmocka_unit_test(test_socket_take),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_annotations_from_frame),
		cmocka_unit_test_setup_teardown(test_ready_without_annotation,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ready_waits_for_the_app,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_server, setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_oversized, setup,
						teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
