// SPDX-License-Identifier: Apache-2.0
/* stage0/pod_status.c: what list and status read from a pod dir. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "stage0/pod.h"
#include "stage0/pod_status.h"

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cocoon-status-test.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void put(struct pod *p, const char *name, const char *text)
{
	struct error *err = NULL;

	assert_int_equal(pod_write_file(p, name, text, strlen(text), &err), 0);
}

static void test_time(void **state)
{
	struct timespec t;
	char buf[64];

	(void)state;
	assert_int_equal(pod_time_parse("2026-11-28T15:04:05.123456789Z", &t),
			 0);
	assert_int_equal(t.tv_sec, 1795878245);
	assert_int_equal(t.tv_nsec, 123456789);
	assert_int_equal(pod_time_parse("2026-11-28T15:04:05.5Z", &t), 0);
	assert_int_equal(t.tv_nsec, 500000000);
	assert_int_equal(pod_time_parse("2026-11-28T15:04:05+00:00", &t), 0);
	assert_int_equal(t.tv_nsec, 0);
	pod_time_format_rfc3339(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-28T15:04:05.000000000Z");
	t.tv_nsec = 123456789;
	pod_time_format_human(&t, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-28 15:04:05.123 +0000 UTC");
	t.tv_sec = 0;
	pod_time_format_human(&t, buf, sizeof(buf));
	assert_string_equal(buf, "-");

	assert_int_equal(pod_time_parse("2026-11-28T15:04:05", &t), -1);
	assert_int_equal(pod_time_parse("2026-11-28T15:04:05+01:00", &t), -1);
	assert_int_equal(pod_time_parse("2026-13-28T15:04:05Z", &t), -1);
	assert_int_equal(pod_time_parse("2026-11-28T15:04:05.Z", &t), -1);
	assert_int_equal(pod_time_parse("yesterday", &t), -1);
	assert_int_equal(pod_time_parse("", &t), -1);
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(pod_status_state_name(POD_EMBRYO, false), "embryo");
	assert_string_equal(pod_status_state_name(POD_PREPARE, false),
			    "preparing");
	assert_string_equal(pod_status_state_name(POD_PREPARED, false),
			    "prepared");
	assert_string_equal(pod_status_state_name(POD_RUN, true), "running");
	assert_string_equal(pod_status_state_name(POD_RUN, false), "exited");
	assert_string_equal(pod_status_state_name(POD_EXITED_GARBAGE, false),
			    "exited garbage");
	assert_string_equal(pod_status_state_name(POD_GARBAGE, false),
			    "garbage");
}

static void test_embryo(void **state)
{
	cleanup_pod struct pod *p = NULL;
	struct error *err = NULL;
	struct pod_status st;

	(void)state;
	assert_int_equal(pod_create(tmpdir, &p, &err), 0);
	assert_int_equal(pod_status_read(p, &st, &err), 0);
	assert_string_equal(st.state, "embryo");
	assert_string_equal(st.uuid, p->uuid);
	assert_int_equal(st.napps, 0);
	assert_int_equal(st.created.tv_sec, 0);
	assert_int_equal(st.pid, 0);
	pod_status_free(&st);
}

static void test_exited(void **state)
{
	cleanup_pod struct pod *p = NULL;
	struct error *err = NULL;
	struct pod_status st;
	struct json_object *j, *v;

	(void)state;
	assert_int_equal(pod_create(tmpdir, &p, &err), 0);
	put(p, "stage0.json",
	    "{\"created\": \"2026-11-28T15:04:05.123456789Z\", "
	    "\"stop_timeout_ms\": 7000, \"apps\": [{\"name\": \"web\", "
	    "\"image\": \"sha512-aa\"}, {\"name\": \"db\", \"image\": "
	    "\"sha512-bb\"}]}");
	put(p, "pod",
	    "{\"acKind\": \"PodManifest\", \"apps\": [{\"name\": \"web\", "
	    "\"image\": {\"name\": \"example.com/web\", \"id\": "
	    "\"sha512-aa\", \"labels\": [{\"name\": \"version\", \"value\": "
	    "\"2.1\"}]}}]}");
	put(p, "state.json",
	    "{\"started\": \"2026-11-28T15:04:06.5Z\", \"supervisor_pid\": "
	    "1234, \"pid\": 1240, \"exited\": \"2026-11-28T15:04:07.1Z\", "
	    "\"exit_status\": 137, \"reason\": \"app failed: db\", "
	    "\"ready\": true, \"apps\": {\"web\": {\"pid\": 31, \"status\": "
	    "0, \"signal\": 0, \"oom\": false, \"exited\": \"x\"}, \"db\": "
	    "{\"pid\": 32, \"status\": -1, \"signal\": 9, \"oom\": true, "
	    "\"exited\": \"x\"}}}");
	assert_int_equal(pod_move(p, POD_RUN, &err), 0);
	pod_unlock(p);
	assert_int_equal(pod_status_read(p, &st, &err), 0);
	assert_null(err);
	assert_string_equal(st.state, "exited");
	assert_false(st.running);
	assert_int_equal(st.created.tv_nsec, 123456789);
	assert_int_equal(st.started.tv_nsec, 500000000);
	assert_int_equal(st.exited.tv_nsec, 100000000);
	assert_int_equal(st.pid, 1240);
	assert_int_equal(st.supervisor_pid, 1234);
	assert_true(st.has_exit_status);
	assert_int_equal(st.exit_status, 137);
	assert_true(st.ready);
	assert_int_equal(st.stop_timeout_ms, 7000);
	assert_string_equal(st.reason, "app failed: db");
	assert_int_equal(st.napps, 2);
	assert_string_equal(st.apps[0].name, "web");
	assert_string_equal(st.apps[0].image_id, "sha512-aa");
	assert_string_equal(st.apps[0].image_name, "example.com/web:2.1");
	assert_true(st.apps[0].has_status);
	assert_int_equal(st.apps[0].status, 0);
	assert_string_equal(st.apps[1].name, "db");
	assert_null(st.apps[1].image_name);
	assert_int_equal(st.apps[1].status, -1);
	assert_int_equal(st.apps[1].signal, 9);
	assert_true(st.apps[1].oom);

	j = pod_status_to_json(&st);
	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "state", &v));
	assert_string_equal(json_object_get_string(v), "exited");
	assert_true(json_object_object_get_ex(j, "created_at", &v));
	assert_int_equal(json_object_get_int64(v), 1795878245123456789LL);
	assert_true(json_object_object_get_ex(j, "app_names", &v));
	assert_int_equal(json_object_array_length(v), 2);
	json_object_put(j);
	pod_status_free(&st);
}

static void test_running_app_has_no_status(void **state)
{
	cleanup_pod struct pod *p = NULL;
	struct error *err = NULL;
	struct pod_status st;

	(void)state;
	assert_int_equal(pod_create(tmpdir, &p, &err), 0);
	put(p, "state.json",
	    "{\"apps\": {\"a\": {\"pid\": 5}, \"b\": {\"pid\": 6, "
	    "\"status\": 0, \"exited\": null}}}");
	put(p, "pid", "4321\n");
	assert_int_equal(pod_status_read(p, &st, &err), 0);
	assert_int_equal(st.napps, 2);
	assert_false(st.apps[0].has_status);
	assert_true(st.apps[0].started);
	assert_false(st.apps[1].has_status);
	assert_false(st.ready);
	/* No pid in state.json: the `pid` file. */
	assert_int_equal(st.pid, 4321);
	pod_status_free(&st);
}

static void test_malformed(void **state)
{
	cleanup_pod struct pod *p = NULL;
	struct error *err = NULL;
	struct pod_status st;

	(void)state;
	assert_int_equal(pod_create(tmpdir, &p, &err), 0);
	put(p, "stage0.json", "{\"created\": \"2026-11-28T15:04:05Z\"}");
	put(p, "state.json", "{\"started\": ");
	assert_int_equal(pod_status_read(p, &st, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "state.json"));
	assert_non_null(strstr(err->message, p->uuid));
	error_free(&err);
	/* What could be read is there. */
	assert_string_equal(st.state, "embryo");
	assert_int_not_equal(st.created.tv_sec, 0);
	pod_status_free(&st);

	put(p, "state.json", "{\"started\": \"last tuesday\"}");
	assert_int_equal(pod_status_read(p, &st, &err), -1);
	assert_non_null(strstr(err->message, "RFC 3339"));
	error_free(&err);
	pod_status_free(&st);

	/* Wrong types and out-of-range values are ignored, not trusted. */
	put(p, "state.json",
	    "{\"pid\": \"12\", \"supervisor_pid\": -5, \"exit_status\": 999, "
	    "\"apps\": [1, 2]}");
	assert_int_equal(pod_status_read(p, &st, &err), 0);
	assert_int_equal(st.pid, 0);
	assert_int_equal(st.supervisor_pid, 0);
	assert_false(st.has_exit_status);
	pod_status_free(&st);

	put(p, "state.json", "[]");
	assert_int_equal(pod_status_read(p, &st, &err), -1);
	error_free(&err);
	pod_status_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test_setup_teardown(test_embryo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_app_has_no_status,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
