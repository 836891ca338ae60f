// SPDX-License-Identifier: Apache-2.0
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
#include <sys/resource.h>

#include "guest/runtime.h"

/* A valid runtime object with one app; tests replace parts with @KEY@. */
static const char *const runtime_valid =
	"{\"hostname\":\"pod-1a2b\",\"share\":\"pod\",\"interactive\":false,"
	"\"apps\":[{\"name\":\"busybox\",\"rootfs\":\"apps/busybox/rootfs\","
	"\"exec\":[\"/bin/sh\",\"-c\",\"echo hi\"],"
	"\"env\":[[\"PATH\",\"/"
	"bin\"],[\"A\",\"1\"],[\"B\",\"2\"],[\"A\",\"3\"]],"
	"\"user\":\"user\",\"group\":\"100\",\"supplementary_gids\":[10,20],"
	"\"working_dir\":\"/home/user\",\"readonly_rootfs\":true,"
	"\"insecure_paths\":true,"
	"\"capabilities\":[\"CAP_CHOWN\",\"CAP_KILL\"],"
	"\"seccomp\":{\"mode\":\"remove\",\"syscalls\":[\"ptrace\"],"
	"\"errno\":\"ENOSYS\"},"
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1024,"
	"\"hard\":4096}],\"stdin\":true,\"tty\":false,"
	"\"mounts\":[{\"target\":\"/data\",\"kind\":\"host\","
	"\"source\":\"volumes/data\",\"readonly\":true},"
	"{\"target\":\"/scratch\",\"kind\":\"empty\",\"volume\":\"scratch\","
	"\"mode\":493,\"uid\":1,\"gid\":2}]}]}";

static int parse_text(const char *text, struct runtime *rt, char *err,
		      size_t size)
{
	struct json_object *obj = json_tokener_parse(text);
	int ret;

	assert_non_null(obj);
	ret = runtime_parse(obj, rt, err, size);
	json_object_put(obj);
	return ret;
}

static void test_valid(void **state)
{
	struct runtime rt;
	char err[256];
	const struct runtime_app *a;

	(void)state;
	assert_int_equal(parse_text(runtime_valid, &rt, err, sizeof(err)), 0);
	assert_string_equal(rt.hostname, "pod-1a2b");
	assert_string_equal(rt.share, "pod");
	assert_int_equal(rt.n_apps, 1);
	a = runtime_find_app(&rt, "busybox");
	assert_non_null(a);
	assert_null(runtime_find_app(&rt, "other"));
	assert_string_equal(a->rootfs, "apps/busybox/rootfs");
	assert_int_equal(a->n_exec, 3);
	assert_string_equal(a->exec[2], "echo hi");
	assert_null(a->exec[3]);
	/* Later A replaced the earlier one, in its place. */
	assert_int_equal(a->n_env, 3);
	assert_string_equal(a->env[0], "PATH=/bin");
	assert_string_equal(a->env[1], "A=3");
	assert_string_equal(a->env[2], "B=2");
	assert_null(a->env[3]);
	assert_string_equal(runtime_env_get(a->env, "A"), "3");
	assert_null(runtime_env_get(a->env, "C"));
	assert_string_equal(a->user, "user");
	assert_string_equal(a->group, "100");
	assert_int_equal(a->n_gids, 2);
	assert_int_equal(a->gids[1], 20);
	assert_string_equal(a->working_dir, "/home/user");
	assert_true(a->readonly_rootfs);
	assert_true(a->insecure_paths);
	assert_true(a->stdin_stream);
	assert_false(a->tty);
	assert_int_equal(a->capabilities, (1ull << 0) | (1ull << 5));
	assert_int_equal(a->seccomp.mode, RUNTIME_SECCOMP_REMOVE);
	assert_int_equal(a->seccomp.n_syscalls, 1);
	assert_string_equal(a->seccomp.syscalls[0], "ptrace");
	assert_int_equal(a->seccomp.errno_value, ENOSYS);
	assert_int_equal(a->n_rlimits, 1);
	assert_int_equal(a->rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(a->rlimits[0].soft, 1024);
	assert_int_equal(a->rlimits[0].hard, 4096);
	assert_int_equal(a->n_mounts, 2);
	assert_int_equal(a->mounts[0].kind, RUNTIME_MOUNT_HOST);
	assert_string_equal(a->mounts[0].source, "volumes/data");
	assert_true(a->mounts[0].readonly);
	assert_int_equal(a->mounts[1].kind, RUNTIME_MOUNT_EMPTY);
	assert_string_equal(a->mounts[1].volume, "scratch");
	assert_int_equal(a->mounts[1].mode, 0755);
	assert_int_equal(a->mounts[1].uid, 1);
	assert_int_equal(a->mounts[1].gid, 2);
	runtime_free(&rt);
}

/* Optional members take their defaults. */
static void test_minimal(void **state)
{
	struct runtime rt;
	char err[256];
	const struct runtime_app *a;

	(void)state;
	assert_int_equal(
		parse_text("{\"hostname\":\"h\",\"share\":\"pod\",\"apps\":[{"
			   "\"name\":\"a\",\"rootfs\":\"r\",\"exec\":[\"x\"],"
			   "\"user\":\"0\",\"group\":\"0\",\"capabilities\":"
			   "[],\"seccomp\":{\"mode\":\"none\"}}]}",
			   &rt, err, sizeof(err)),
		0);
	a = &rt.apps[0];
	assert_string_equal(a->working_dir, "/");
	assert_int_equal(a->n_env, 0);
	assert_null(a->env[0]);
	assert_int_equal(a->capabilities, 0);
	assert_int_equal(a->seccomp.mode, RUNTIME_SECCOMP_NONE);
	assert_int_equal(a->n_mounts, 0);
	assert_int_equal(a->n_gids, 0);
	assert_false(a->insecure_paths); /* masked unless said */
	assert_false(rt.interactive);
	runtime_free(&rt);
}

/* Replaces the first occurrence of from in runtime_valid by to. */
static char *edit(const char *from, const char *to)
{
	const char *at = strstr(runtime_valid, from);
	char *out;

	assert_non_null(at);
	assert_true(asprintf(&out, "%.*s%s%s", (int)(at - runtime_valid),
			     runtime_valid, to, at + strlen(from)) > 0);
	return out;
}

/* The edited object is refused with a message containing want. */
static void refused(const char *from, const char *to, const char *want)
{
	char *text = edit(from, to);
	struct runtime rt;
	char err[256];

	assert_int_equal(parse_text(text, &rt, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("error \"%s\" lacks \"%s\" for %s", err, want, to);
	assert_int_equal(rt.n_apps, 0);
	assert_null(rt.apps);
	free(text);
}

static void test_wrong_types(void **state)
{
	(void)state;
	refused("\"hostname\":\"pod-1a2b\"", "\"hostname\":5",
		"hostname: int instead of a string");
	refused("\"interactive\":false", "\"interactive\":\"no\"",
		"interactive: string instead of a boolean");
	refused("\"exec\":[\"/bin/sh\",", "\"exec\":[1,",
		"apps[0].exec[0]: int instead of a string");
	refused("\"supplementary_gids\":[10,20]",
		"\"supplementary_gids\":[\"10\"]",
		"apps[0].supplementary_gids[0]: string instead of an integer");
	refused("\"readonly_rootfs\":true", "\"readonly_rootfs\":1",
		"apps[0].readonly_rootfs: int instead of a boolean");
	refused("\"env\":[[\"PATH\",\"/bin\"]", "\"env\":[[\"PATH\"]",
		"apps[0].env[0]: not a [name, value] pair");
	refused("\"apps\":[{", "\"apps\":[5,{",
		"apps[0]: int instead of an object");
	refused("\"soft\":1024", "\"soft\":1.5",
		"soft: double instead of an integer");
	refused("\"user\":\"user\"", "\"user\":null", "apps[0].user: null");
}

static void test_missing(void **state)
{
	(void)state;
	refused("\"share\":\"pod\",", "", "share: missing");
	refused("\"name\":\"busybox\",", "", "apps[0].name: missing");
	refused("\"exec\":[\"/bin/sh\",\"-c\",\"echo hi\"],", "",
		"apps[0].exec: missing");
	refused("\"capabilities\":[\"CAP_CHOWN\",\"CAP_KILL\"],", "",
		"apps[0].capabilities: missing");
	refused("\"seccomp\":{\"mode\":\"remove\",\"syscalls\":[\"ptrace\"],"
		"\"errno\":\"ENOSYS\"},",
		"", "apps[0].seccomp: missing");
	refused("\"mode\":\"remove\",\"syscalls\":[\"ptrace\"],",
		"\"mode\":\"remove\",", "apps[0].seccomp.syscalls: missing");
	refused("\"target\":\"/data\",", "",
		"apps[0].mounts[0].target: missing");
	refused("\"volume\":\"scratch\",", "",
		"apps[0].mounts[1].volume: missing");
}

static void test_bad_values(void **state)
{
	(void)state;
	refused("\"CAP_KILL\"", "\"CAP_FOO\"",
		"apps[0].capabilities[1]: unknown capability \"CAP_FOO\"");
	refused("\"CAP_KILL\"", "\"kill\"", "unknown capability \"kill\"");
	refused("\"mode\":\"remove\"", "\"mode\":\"strict\"",
		"apps[0].seccomp.mode: unknown mode \"strict\"");
	refused("\"errno\":\"ENOSYS\"", "\"errno\":\"EWHAT\"",
		"unknown errno name \"EWHAT\"");
	refused("[\"ptrace\"]", "[\"ptr;ace\"]", "not a syscall name");
	refused("\"name\":\"busybox\"", "\"name\":\"Busy_Box\"",
		"is not an app name");
	refused("\"rootfs\":\"apps/busybox/rootfs\"", "\"rootfs\":\"../etc\"",
		"is not a path inside the share");
	refused("\"rootfs\":\"apps/busybox/rootfs\"", "\"rootfs\":\"/etc\"",
		"is not a path inside the share");
	refused("\"source\":\"volumes/data\"", "\"source\":\"volumes/../..\"",
		"is not a path inside the share");
	refused("\"target\":\"/data\"", "\"target\":\"data\"",
		"is not an absolute path");
	refused("\"target\":\"/data\"", "\"target\":\"/a/../b\"",
		"is not an absolute path");
	refused("\"working_dir\":\"/home/user\"", "\"working_dir\":\"home\"",
		"apps[0].working_dir");
	refused("\"hostname\":\"pod-1a2b\"", "\"hostname\":\"a b\"",
		"hostname: \"a b\" has characters");
	refused("\"share\":\"pod\"", "\"share\":\"a/b\"",
		"is not a 9p mount tag");
	refused("\"user\":\"user\"", "\"user\":\"a:b\"", "holds ':'");
	refused("\"exec\":[\"/bin/sh\",\"-c\",\"echo hi\"]", "\"exec\":[]",
		"apps[0].exec: no program to run");
	refused("\"exec\":[\"/bin/sh\",", "\"exec\":[\"\",",
		"apps[0].exec: no program to run");
	refused("\"exec\":[\"/bin/sh\",", "\"exec\":[\"/bin/s\\u0000h\",",
		"apps[0].exec[0]: contains a NUL byte");
	refused("\"type\":\"RLIMIT_NOFILE\"", "\"type\":\"RLIMIT_BOGUS\"",
		"unknown limit \"RLIMIT_BOGUS\"");
	refused("\"soft\":1024", "\"soft\":9999", "soft 9999 above hard 4096");
	refused("\"soft\":1024", "\"soft\":-1", "out of range");
	refused("\"mode\":493", "\"mode\":65536", "out of range");
	refused("\"uid\":1", "\"uid\":4294967295", "out of range");
	refused("\"kind\":\"host\"", "\"kind\":\"tmpfs\"",
		"unknown kind \"tmpfs\"");
	refused("\"apps\":[{\"name\":\"busybox\"",
		"\"apps\":[],\"x\":[{\"name\":\"busybox\"",
		"apps: no app to run");
	refused("[\"A\",\"1\"]", "[\"A=B\",\"1\"]", "name contains '='");
}

/* Two apps with one name, and an empty volume with two modes. */
static void test_pod_level(void **state)
{
	char *app = strstr(runtime_valid, "{\"name\":\"busybox\"");
	char *text;
	struct runtime rt;
	char err[256];
	size_t len;

	(void)state;
	assert_non_null(app);
	len = strlen(app) - 2; /* without "]}" */
	assert_true(asprintf(&text, "%.*s,%.*s]}",
			     (int)(strlen(runtime_valid) - 2), runtime_valid,
			     (int)len, app) > 0);
	assert_int_equal(parse_text(text, &rt, err, sizeof(err)), -EINVAL);
	assert_non_null(
		strstr(err, "apps[1].name: \"busybox\" also names apps[0]"));
	free(text);

	assert_true(
		asprintf(&text,
			 "{\"hostname\":\"h\",\"share\":\"pod\",\"apps\":["
			 "{\"name\":\"a\",\"rootfs\":\"r\",\"exec\":[\"x\"],"
			 "\"user\":\"0\",\"group\":\"0\",\"capabilities\":[],"
			 "\"seccomp\":{\"mode\":\"none\"},\"mounts\":[{"
			 "\"target\":\"/v\",\"kind\":\"empty\",\"volume\":"
			 "\"v\",\"mode\":448}]},"
			 "{\"name\":\"b\",\"rootfs\":\"r\",\"exec\":[\"x\"],"
			 "\"user\":\"0\",\"group\":\"0\",\"capabilities\":[],"
			 "\"seccomp\":{\"mode\":\"none\"},\"mounts\":[{"
			 "\"target\":\"/v\",\"kind\":\"empty\",\"volume\":"
			 "\"v\",\"mode\":511}]}]}") > 0);
	assert_int_equal(parse_text(text, &rt, err, sizeof(err)), -EINVAL);
	assert_non_null(
		strstr(err, "apps[1].mounts[0]: volume \"v\" has another"));
	free(text);
}

/* Arrays past their bound are refused before anything is allocated. */
static void test_oversized(void **state)
{
	size_t n = RUNTIME_GIDS_MAX + 1, len = 0;
	char *gids = malloc(n * 4 + 8), *text;
	char *big;

	(void)state;
	len += (size_t)sprintf(gids + len, "[");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(gids + len, "%s1", i ? "," : "");
	sprintf(gids + len, "]");
	text = edit("[10,20]", gids);
	{
		struct runtime rt;
		char err[256];

		assert_int_equal(parse_text(text, &rt, err, sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(
			err, "supplementary_gids: 65 entries, at most 64"));
	}
	free(text);
	free(gids);

	/* "aaa...": one byte past the bound, in quotes. */
	big = malloc(RUNTIME_HOSTNAME_MAX + 4);
	big[0] = '"';
	memset(big + 1, 'a', RUNTIME_HOSTNAME_MAX + 1);
	big[RUNTIME_HOSTNAME_MAX + 2] = '"';
	big[RUNTIME_HOSTNAME_MAX + 3] = '\0';
	refused("\"pod-1a2b\"", big, "hostname: 65 bytes, at most 64");
	free(big);
}

static void test_paths(void **state)
{
	(void)state;
	assert_true(runtime_relative_path_valid("a/b/c"));
	assert_true(runtime_relative_path_valid("a/b/"));
	assert_true(runtime_relative_path_valid("a..b/.c"));
	assert_false(runtime_relative_path_valid(""));
	assert_false(runtime_relative_path_valid("/a"));
	assert_false(runtime_relative_path_valid("a//b"));
	assert_false(runtime_relative_path_valid("./a"));
	assert_false(runtime_relative_path_valid("a/.."));
	assert_true(runtime_absolute_path_valid("/"));
	assert_true(runtime_absolute_path_valid("/a/b"));
	assert_false(runtime_absolute_path_valid("a"));
	assert_false(runtime_absolute_path_valid("/a/./b"));
	assert_false(runtime_absolute_path_valid("/.."));
	assert_int_equal(runtime_errno_from_name("EPERM"), EPERM);
	assert_int_equal(runtime_errno_from_name("eperm"), -1);
	assert_int_equal(runtime_rlimit_from_name("RLIMIT_STACK"),
			 RLIMIT_STACK);
	assert_int_equal(runtime_rlimit_from_name("NOFILE"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_pod_level),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
