// SPDX-License-Identifier: Apache-2.0
/* guest/notify.c: the sd_notify filter, frame, annotation, cgroup check,
 * rate limit, and the sockets (an abstract socket in this namespace). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "guest/metadata.h"
#include "guest/notify.h"
#include "guest/runtime.h"

static int parse(const char *s, struct notify_msg *m)
{
	return notify_parse(s, strlen(s), m);
}

static void test_parse_allowed(void **state)
{
	struct notify_msg m;

	(void)state;
	assert_int_equal(parse("READY=1", &m), 1);
	assert_true(m.ready);
	assert_false(m.has_status || m.reloading || m.stopping || m.watchdog);
	assert_int_equal(parse("READY=1\nSTATUS=up and running\n", &m), 1);
	assert_true(m.ready);
	assert_true(m.has_status);
	assert_string_equal(m.status, "up and running");
	assert_int_equal(parse("RELOADING=1\nSTOPPING=1\nWATCHDOG=1", &m), 1);
	assert_true(m.reloading && m.stopping && m.watchdog);
	assert_false(m.ready);
	/* the last STATUS wins; an empty one is a status too */
	assert_int_equal(parse("STATUS=a\nSTATUS=b", &m), 1);
	assert_string_equal(m.status, "b");
	assert_int_equal(parse("STATUS=", &m), 1);
	assert_true(m.has_status);
	assert_string_equal(m.status, "");
}

static void test_parse_dropped(void **state)
{
	struct notify_msg m;

	(void)state;
	/* MAINPID never passes, whatever it is next to */
	assert_int_equal(parse("MAINPID=1", &m), 0);
	assert_int_equal(m.dropped, 1);
	assert_int_equal(parse("MAINPID=1\nREADY=1\nMAINPID=2", &m), 1);
	assert_true(m.ready);
	assert_int_equal(m.dropped, 2);
	/* only the value "1" counts; no prefixes, no spaces */
	assert_int_equal(
		parse("READY=0\nREADY=11\nREADY\nREADY= 1\n"
		      " READY=1\nREADYX=1\nWATCHDOG=trigger\n"
		      "FDSTORE=1\nERRNO=2\nBUSERROR=x\nEXTEND_TIMEOUT_USEC=1",
		      &m),
		0);
	assert_false(m.ready || m.watchdog);
	assert_int_equal(m.dropped, 11);
	assert_int_equal(parse("", &m), 0);
	assert_int_equal(parse("\n\n\n", &m), 0);
	assert_int_equal(m.dropped, 0);
	assert_int_equal(parse("status=lower", &m), 0);
}

static void test_parse_status_sanitized(void **state)
{
	struct notify_msg m;
	char big[NOTIFY_STATUS_MAX * 2 + 16];
	static const char ctl[] = "STATUS=a\x01"
				  "b\x7f"
				  "c\td\x1b[31m";

	(void)state;
	assert_int_equal(notify_parse(ctl, sizeof(ctl) - 1, &m), 1);
	assert_string_equal(m.status, "a?b?c?d?[31m");
	/* cut, never overflowing */
	memcpy(big, "STATUS=", 7);
	memset(big + 7, 'x', sizeof(big) - 8);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse(big, &m), 1);
	assert_int_equal(strlen(m.status), NOTIFY_STATUS_MAX);
	/* UTF-8 is kept as it is */
	assert_int_equal(parse("STATUS=caf\xc3\xa9", &m), 1);
	assert_string_equal(m.status, "caf\xc3\xa9");
}

static void test_parse_nul(void **state)
{
	static const char with_nul[] = "STATUS=a\0\nREADY=1";
	struct notify_msg m;

	(void)state;
	/* a NUL ends the datagram: what follows is not read */
	assert_int_equal(notify_parse(with_nul, sizeof(with_nul) - 1, &m), 1);
	assert_string_equal(m.status, "a");
	assert_false(m.ready);
	/* a buffer with no terminator at all is fine (len bounds it) */
	assert_int_equal(notify_parse("READY=1READY=1", 7, &m), 1);
	assert_true(m.ready);
}

static void test_frame(void **state)
{
	struct notify_msg m;
	struct json_object *o, *v;
	char *s;

	(void)state;
	assert_int_equal(parse("READY=1\nSTATUS=say \"hi\"\nMAINPID=3", &m), 1);
	s = notify_frame("web", &m);
	assert_non_null(s);
	o = json_tokener_parse(s);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "type", &v));
	assert_string_equal(json_object_get_string(v), "notify");
	assert_true(json_object_object_get_ex(o, "app", &v));
	assert_string_equal(json_object_get_string(v), "web");
	assert_true(json_object_object_get_ex(o, "ready", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "status", &v));
	assert_string_equal(json_object_get_string(v), "say \"hi\"");
	assert_false(json_object_object_get_ex(o, "reloading", &v));
	assert_false(json_object_object_get_ex(o, "watchdog", &v));
	assert_null(strstr(s, "MAINPID"));
	json_object_put(o);
	free(s);
}

static struct json_object *annotations(const char *json)
{
	struct json_object *o = json_tokener_parse(json);

	assert_non_null(o);
	return o;
}

static void test_annotated(void **state)
{
	static const struct {
		const char *json;
		bool want;
	} cases[] = {
		{"[]", false},
		{"[{\"name\":\"appc.io/executor/supports-systemd-notify\","
		 "\"value\":\"true\"}]",
		 true},
		{"[{\"name\":\"appc.io/executor/supports-systemd-notify\","
		 "\"value\":\"false\"}]",
		 false},
		{"[{\"name\":\"appc.io/executor/supports-systemd-notify\","
		 "\"value\":\"TRUE\"}]",
		 false},
		{"[{\"name\":\"appc.io/executor/supports-systemd-notify\","
		 "\"value\":true}]",
		 false},
		{"[{\"name\":\"other\",\"value\":\"true\"}]", false},
		/* the last one wins (the pod's come after the image's) */
		{"[{\"name\":\"appc.io/executor/supports-systemd-notify\","
		 "\"value\":\"true\"},"
		 "{\"name\":\"appc.io/executor/supports-systemd-notify\","
		 "\"value\":\"false\"}]",
		 false},
		{"[{\"name\":\"appc.io/executor/supports-systemd-notify\","
		 "\"value\":\"false\"},"
		 "{\"name\":\"appc.io/executor/supports-systemd-notify\","
		 "\"value\":\"true\"}]",
		 true},
		{"{\"name\":\"appc.io/executor/supports-systemd-notify\"}",
		 false},
		{"[1, \"x\", null]", false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *a = annotations(cases[i].json);

		if (notify_annotated(a) != cases[i].want)
			fail_msg("case %zu: %s", i, cases[i].json);
		json_object_put(a);
	}
	assert_false(notify_annotated(NULL));
}

static void test_cgroup(void **state)
{
	static const char mine[] = "0::/apps/web\n";
	static const char below[] = "0::/apps/web/sub\n";
	static const char other[] = "0::/apps/web2\n";
	static const char prefix[] = "0::/apps/we\n";
	static const char v1[] = "1:name=systemd:/apps/web\n";
	static const char mixed[] = "1:cpu:/x\n0::/apps/web\n";
	static const char no_nl[] = "0::/apps/web";

	(void)state;
	assert_true(notify_cgroup_matches(mine, strlen(mine), "web"));
	assert_true(notify_cgroup_matches(below, strlen(below), "web"));
	assert_true(notify_cgroup_matches(mixed, strlen(mixed), "web"));
	assert_true(notify_cgroup_matches(no_nl, strlen(no_nl), "web"));
	assert_false(notify_cgroup_matches(other, strlen(other), "web"));
	assert_false(notify_cgroup_matches(prefix, strlen(prefix), "web"));
	assert_false(notify_cgroup_matches(v1, strlen(v1), "web"));
	assert_false(notify_cgroup_matches("", 0, "web"));
	/* a length shorter than the content is respected */
	assert_false(notify_cgroup_matches(mine, 8, "web"));
}

static void test_rate(void **state)
{
	struct notify_rate r = {0};
	int got = 0;

	(void)state;
	for (int i = 0; i < 100; i++)
		got += notify_rate_take(&r, 1000);
	assert_int_equal(got, NOTIFY_RATE_BURST);
	/* a second later: NOTIFY_RATE_PER_S more */
	got = 0;
	for (int i = 0; i < 100; i++)
		got += notify_rate_take(&r, 2000);
	assert_int_equal(got, NOTIFY_RATE_PER_S);
	/* a long pause refills to the burst, no more */
	got = 0;
	for (int i = 0; i < 100; i++)
		got += notify_rate_take(&r, 1000000);
	assert_int_equal(got, NOTIFY_RATE_BURST);
	/* a clock that goes back costs nothing and gives nothing */
	assert_false(notify_rate_take(&r, 5));
}

/* ---- the sockets */

static int send_abstract(const char *name, const char *msg)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ssize_t r;

	assert_true(fd >= 0);
	memcpy(addr.sun_path, name, n);
	addr.sun_path[0] = '\0';
	r = sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&addr,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
	close(fd);
	return r < 0 ? -errno : 0;
}

static void test_server(void **state)
{
	struct runtime rt = {0};
	struct runtime_app apps[2] = {0};
	struct metadata_app mapps[2] = {0};
	struct metadata_pod pod = {.apps = mapps, .n_apps = 2};
	struct notify_server *s = NULL;
	char *env0[] = {strdup("PATH=/bin"), strdup("NOTIFY_SOCKET=/image"),
			NULL};
	char *env1[] = {strdup("NOTIFY_SOCKET=/host/run/notify"), strdup("A=b"),
			NULL};
	char err[256];
	struct pollfd pfd;

	(void)state;
	apps[0] = (struct runtime_app){.name = "web", .env = NULL, .n_env = 2};
	apps[1] = (struct runtime_app){.name = "db", .env = NULL, .n_env = 2};
	apps[0].env = malloc(sizeof(env0));
	apps[1].env = malloc(sizeof(env1));
	memcpy(apps[0].env, env0, sizeof(env0));
	memcpy(apps[1].env, env1, sizeof(env1));
	rt.apps = apps;
	rt.n_apps = 2;
	mapps[0] = (struct metadata_app){
		.name = "web",
		.annotations = annotations("[{\"name\":\"appc.io/executor/"
					   "supports-systemd-notify\","
					   "\"value\":\"true\"}]")};
	mapps[1] = (struct metadata_app){.name = "db",
					 .annotations = annotations("[]")};

	if (notify_server_start(&pod, &rt, &s, err, sizeof(err)) < 0)
		fail_msg("notify_server_start: %s", err);
	assert_non_null(s);
	/* the annotated app's NOTIFY_SOCKET replaces the image's */
	assert_int_equal(apps[0].n_env, 2);
	assert_string_equal(apps[0].env[1], "NOTIFY_SOCKET=@cocoon-notify-0");
	assert_null(apps[0].env[2]);
	/* the other loses any it had (--inherit-env from the host) */
	assert_int_equal(apps[1].n_env, 1);
	assert_string_equal(apps[1].env[0], "A=b");
	assert_null(apps[1].env[1]);
	/* the socket exists; a datagram from outside the app's cgroup (this
	 * test) is read and dropped without blocking */
	assert_int_equal(send_abstract("@cocoon-notify-0", "READY=1"), 0);
	assert_int_equal(send_abstract("@cocoon-notify-1", "READY=1"),
			 -ECONNREFUSED);
	pfd = (struct pollfd){.fd = notify_server_fd(s), .events = POLLIN};
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	notify_server_process(s);
	pfd.revents = 0;
	assert_int_equal(poll(&pfd, 1, 0), 0);
	notify_server_close_fds(s);
	/* closed: the name is free again */
	assert_int_equal(send_abstract("@cocoon-notify-0", "READY=1"),
			 -ECONNREFUSED);
	notify_server_free(s);
	for (int i = 0; i < 2; i++) {
		for (size_t j = 0; j < apps[i].n_env; j++)
			free(apps[i].env[j]);
		free(apps[i].env);
		json_object_put(mapps[i].annotations);
	}
}

static void test_server_none(void **state)
{
	struct runtime_app app = {.name = "web"};
	struct runtime rt = {.apps = &app, .n_apps = 1};
	struct metadata_app mapp = {.name = "web"};
	struct metadata_pod pod = {.apps = &mapp, .n_apps = 1};
	struct notify_server *s = (struct notify_server *)&rt;
	char *env[] = {NULL};
	char err[256];

	(void)state;
	app.env = env;
	assert_int_equal(notify_server_start(&pod, &rt, &s, err, sizeof(err)),
			 0);
	assert_null(s);
	assert_int_equal(app.n_env, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_allowed),
		cmocka_unit_test(test_parse_dropped),
		cmocka_unit_test(test_parse_status_sanitized),
		cmocka_unit_test(test_parse_nul),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_annotated),
		cmocka_unit_test(test_cgroup),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_server),
		cmocka_unit_test(test_server_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
