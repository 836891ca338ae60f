// SPDX-License-Identifier: Apache-2.0
/*
 * Isolators: Kubernetes quantities for --memory and --cpu, capability
 * names and sets, rkt's --seccomp syntax, and the appc isolators of an
 * image manifest (hostile input: every malformed one is an error).
 */
#include "stage0/isolators.h"
#include "common/cleanup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <string.h>

static uint64_t memory_ok(const char *s)
{
	cleanup_error struct error *err = NULL;
	uint64_t v = 0;

	if (isolator_parse_memory(s, &v, &err) < 0)
		fail_msg("memory %s: %s", s, err->message);
	return v;
}

static void memory_bad(const char *s, const char *expect)
{
	cleanup_error struct error *err = NULL;
	uint64_t v = 0;

	if (isolator_parse_memory(s, &v, &err) == 0)
		fail_msg("memory \"%s\" was accepted as %llu", s,
			 (unsigned long long)v);
	if (!strstr(err->message, expect))
		fail_msg("memory \"%s\": \"%s\" lacks \"%s\"", s, err->message,
			 expect);
}

static void test_memory(void **state)
{
	(void)state;
	assert_int_equal(memory_ok("1000"), 1000);
	/* Decimal SI, as Kubernetes and rkt: M is 10^6, Mi is 2^20. */
	assert_int_equal(memory_ok("128M"), 128000000);
	assert_int_equal(memory_ok("1G"), 1000000000);
	assert_int_equal(memory_ok("512Mi"), 512ull << 20);
	assert_int_equal(memory_ok("1Gi"), 1ull << 30);
	assert_int_equal(memory_ok("1.5Gi"), 3ull << 29);
	assert_int_equal(memory_ok("64k"), 64000);
	assert_int_equal(memory_ok("2Ki"), 2048);
	assert_int_equal(memory_ok("1e9"), 1000000000);
	assert_int_equal(memory_ok("8Ei"), 8ull << 60);
	/* A fraction of a byte rounds up. */
	assert_int_equal(memory_ok("0.5"), 1);
	assert_int_equal(isolator_memory_mib(memory_ok("128M")), 123);
	assert_int_equal(isolator_memory_mib(memory_ok("128Mi")), 128);
	assert_int_equal(isolator_memory_mib(1), 1);

	memory_bad("", "not a quantity");
	memory_bad("M", "not a quantity");
	memory_bad("-1M", "not a quantity");
	memory_bad("12X", "not a quantity");
	memory_bad("12 M", "not a quantity");
	memory_bad("1.M", "not a quantity");
	memory_bad("500m", "not a quantity"); /* milli-bytes */
	memory_bad("1mi", "not a quantity");
	memory_bad("0", "more than 0");
	memory_bad("0Gi", "more than 0");
	memory_bad("16Ei", "too large");
	memory_bad("99999999999999999999", "not a quantity");
	memory_bad("1e19", "not a quantity");
}

static void test_cpu(void **state)
{
	cleanup_error struct error *err = NULL;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(isolator_parse_cpu("750m", &v, &err), 0);
	assert_int_equal(v, 750);
	assert_int_equal(isolator_cpu_vcpus(v), 1);
	assert_int_equal(isolator_parse_cpu("2", &v, &err), 0);
	assert_int_equal(v, 2000);
	assert_int_equal(isolator_cpu_vcpus(v), 2);
	assert_int_equal(isolator_parse_cpu("1500m", &v, &err), 0);
	assert_int_equal(isolator_cpu_vcpus(v), 2);
	assert_int_equal(isolator_parse_cpu("0.5", &v, &err), 0);
	assert_int_equal(v, 500);
	assert_int_equal(isolator_parse_cpu("2001m", &v, &err), 0);
	assert_int_equal(isolator_cpu_vcpus(v), 3);
	assert_int_equal(isolator_parse_cpu("1m", &v, &err), 0);
	assert_int_equal(isolator_cpu_vcpus(v), 1);
	assert_null(err);

	assert_int_equal(isolator_parse_cpu("2Gi", &v, &err), -1);
	assert_non_null(strstr(err->message, "cpu \"2Gi\""));
	error_free(&err);
	assert_int_equal(isolator_parse_cpu("0m", &v, &err), -1);
	assert_non_null(strstr(err->message, "more than 0"));
	error_free(&err);
	assert_int_equal(isolator_parse_cpu("two", &v, &err), -1);
	error_free(&err);
	assert_int_equal(isolator_parse_cpu("", &v, &err), -1);
}

static void test_caps(void **state)
{
	cleanup_error struct error *err = NULL;
	uint64_t m = 0;

	(void)state;
	assert_int_equal(caps_from_name_loose("CAP_CHOWN"), 0);
	assert_int_equal(caps_from_name_loose("cap_sys_admin"), 21);
	assert_int_equal(caps_from_name_loose("NET_ADMIN"), 12);
	assert_int_equal(caps_from_name_loose("CAP_CHECKPOINT_RESTORE"),
			 CAPS_LAST);
	assert_int_equal(caps_from_name_loose("CAP_NOPE"), -EINVAL);
	assert_int_equal(caps_from_name_loose("CAP_"), -EINVAL);
	assert_string_equal(caps_name(13), "CAP_NET_RAW");
	assert_null(caps_name(CAPS_LAST + 1));
	assert_null(caps_name(-1));

	/* appc's default set: exactly these 14. */
	m = caps_default_set();
	assert_int_equal(__builtin_popcountll(m), 14);
	{
		static const char *const names[] = {
			"CAP_AUDIT_WRITE",
			"CAP_CHOWN",
			"CAP_DAC_OVERRIDE",
			"CAP_FSETID",
			"CAP_FOWNER",
			"CAP_KILL",
			"CAP_MKNOD",
			"CAP_NET_RAW",
			"CAP_NET_BIND_SERVICE",
			"CAP_SETUID",
			"CAP_SETGID",
			"CAP_SETPCAP",
			"CAP_SETFCAP",
			"CAP_SYS_CHROOT",
		};

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			assert_true(m &
				    (1ull << caps_from_name_loose(names[i])));
	}
	assert_false(m & (1ull << caps_from_name_loose("CAP_SYS_ADMIN")));
	assert_int_equal(__builtin_popcountll(caps_all()), CAPS_LAST + 1);

	assert_int_equal(
		caps_parse_list("CAP_NET_ADMIN,CAP_SYS_TIME", &m, &err), 0);
	assert_int_equal(m, (1ull << 12) | (1ull << 25));
	assert_int_equal(caps_parse_list("CAP_NET_ADMIN,CAP_BOGUS", &m, &err),
			 -1);
	assert_string_equal(err->message, "unknown capability \"CAP_BOGUS\"");
	error_free(&err);
	assert_int_equal(caps_parse_list("CAP_KILL,,CAP_CHOWN", &m, &err), -1);
	assert_non_null(strstr(err->message, "empty capability"));
	error_free(&err);
	assert_int_equal(caps_parse_list("", &m, &err), -1);
	error_free(&err);
	assert_int_equal(caps_parse_list("CAP_KILL,", &m, &err), -1);
}

static void test_seccomp_flag(void **state)
{
	cleanup_error struct error *err = NULL;
	struct seccomp_spec s = {0}, copy = {0};

	(void)state;
	assert_int_equal(
		seccomp_spec_parse("mode=retain,errno=ENOSYS,read,write,exit",
				   &s, &err),
		0);
	assert_int_equal(s.mode, SECCOMP_MODE_RETAIN);
	assert_string_equal(s.errno_name, "ENOSYS");
	assert_int_equal(s.nsyscalls, 3);
	assert_string_equal(s.syscalls[0], "read");
	assert_string_equal(s.syscalls[2], "exit");
	assert_int_equal(seccomp_spec_copy(&copy, &s, &err), 0);
	assert_int_equal(copy.nsyscalls, 3);
	assert_string_equal(copy.errno_name, "ENOSYS");
	seccomp_spec_free(&copy);
	seccomp_spec_free(&s);

	/* Without errno= a violation kills the app (appc): no errno. */
	assert_int_equal(seccomp_spec_parse("read,mode=remove,read", &s, &err),
			 0);
	assert_int_equal(s.mode, SECCOMP_MODE_REMOVE);
	assert_null(s.errno_name);
	assert_int_equal(s.nsyscalls, 1); /* duplicates collapse */
	seccomp_spec_free(&s);

	static const struct {
		const char *in, *msg;
	} bad[] = {
		{"read,write", "missing mode=retain"},
		{"mode=keep,read", "mode \"keep\""},
		{"mode=retain", "no syscalls"},
		{"mode=retain,errno=EWHAT,read", "unknown errno \"EWHAT\""},
		{"mode=retain,not_a_syscall", "unknown syscall"},
		{"mode=remove,@rkt/default-blacklist", "syscall group"},
		{"mode=remove,level=3,read", "unknown option \"level=3\""},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (seccomp_spec_parse(bad[i].in, &s, &err) == 0)
			fail_msg("--seccomp %s was accepted", bad[i].in);
		if (!strstr(err->message, bad[i].msg))
			fail_msg("--seccomp %s: \"%s\" lacks \"%s\"", bad[i].in,
				 err->message, bad[i].msg);
		error_free(&err);
	}
	assert_true(isolator_errno_valid("EPERM"));
	assert_false(isolator_errno_valid("eperm"));
	assert_true(isolator_syscall_valid("openat"));
}

static struct json_object *json(const char *s)
{
	struct json_object *j = json_tokener_parse(s);

	assert_non_null(j);
	return j;
}

static void test_image_isolators(void **state)
{
	cleanup_error struct error *err = NULL;
	struct app_isolators iso;
	struct json_object *j = json(
		"[{\"name\":\"resource/memory\",\"value\":{\"request\":\"1G\","
		"\"limit\":\"2Gi\"}},"
		"{\"name\":\"resource/cpu\",\"value\":{\"limit\":\"250m\"}},"
		"{\"name\":\"os/linux/capabilities-retain-set\","
		"\"value\":{\"set\":[\"CAP_NET_ADMIN\",\"CAP_KILL\"]}},"
		"{\"name\":\"os/linux/capabilities-remove-set\","
		"\"value\":{\"set\":[\"CAP_KILL\"]}},"
		"{\"name\":\"os/linux/seccomp-remove-set\","
		"\"value\":{\"set\":[\"reboot\",\"kexec_load\"],"
		"\"errno\":\"EACCES\"}},"
		"{\"name\":\"os/linux/no-new-privileges\",\"value\":true},"
		"{\"name\":\"example.com/unknown\",\"value\":42}]");

	(void)state;
	assert_int_equal(isolators_from_json(j, &iso, &err), 0);
	assert_true(iso.has_memory);
	assert_int_equal(iso.memory_limit, 2ull << 30); /* the limit */
	assert_true(iso.has_cpu);
	assert_int_equal(iso.cpu_limit, 250);
	assert_true(iso.has_caps_retain);
	assert_int_equal(iso.caps_retain, (1ull << 12) | (1ull << 5));
	assert_true(iso.has_caps_remove);
	assert_int_equal(iso.caps_remove, 1ull << 5);
	assert_int_equal(iso.seccomp.mode, SECCOMP_MODE_REMOVE);
	assert_int_equal(iso.seccomp.nsyscalls, 2);
	assert_string_equal(iso.seccomp.errno_name, "EACCES");
	assert_true(iso.no_new_privileges);
	app_isolators_free(&iso);
	json_object_put(j);

	assert_int_equal(isolators_from_json(NULL, &iso, &err), 0);
	assert_false(iso.has_memory);
	assert_int_equal(iso.seccomp.mode, SECCOMP_MODE_UNSET);
}

static void test_image_isolators_bad(void **state)
{
	static const struct {
		const char *json, *msg;
	} bad[] = {
		{"{}", "must be an array"},
		{"[42]", "app.isolators[0]: needs a string name"},
		{"[{\"name\":\"resource/"
		 "memory\",\"value\":{\"limit\":\"lots\"}}]",
		 "resource/memory: memory \"lots\""},
		{"[{\"name\":\"resource/memory\",\"value\":{\"limit\":5}}]",
		 "value.limit: must be a quantity"},
		{"[{\"name\":\"resource/cpu\",\"value\":\"1\"}]",
		 "value.limit: must be a quantity"},
		{"[{\"name\":\"os/linux/capabilities-retain-set\","
		 "\"value\":{\"set\":[\"CAP_FLY\"]}}]",
		 "unknown capability \"CAP_FLY\""},
		{"[{\"name\":\"os/linux/capabilities-retain-set\","
		 "\"value\":{\"set\":[\"KILL\"]}}]",
		 "unknown capability \"KILL\""},
		{"[{\"name\":\"os/linux/capabilities-remove-set\","
		 "\"value\":{\"set\":[]}}]",
		 "is empty"},
		{"[{\"name\":\"os/linux/capabilities-remove-set\","
		 "\"value\":{\"set\":[1]}}]",
		 "must be a string"},
		{"[{\"name\":\"os/linux/seccomp-retain-set\","
		 "\"value\":{\"set\":[\"read\"],\"errno\":\"ENOPE\"}}]",
		 "unknown errno"},
		{"[{\"name\":\"os/linux/seccomp-retain-set\","
		 "\"value\":{\"set\":[\"read\"]}},"
		 "{\"name\":\"os/linux/seccomp-remove-set\","
		 "\"value\":{\"set\":[\"read\"]}}]",
		 "a second seccomp isolator"},
		{"[{\"name\":\"os/linux/"
		 "no-new-privileges\",\"value\":\"yes\"}]",
		 "must be true or false"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cleanup_error struct error *err = NULL;
		struct json_object *j = json(bad[i].json);
		struct app_isolators iso;

		if (isolators_from_json(j, &iso, &err) == 0)
			fail_msg("accepted %s", bad[i].json);
		if (!strstr(err->message, bad[i].msg))
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].json,
				 err->message, bad[i].msg);
		json_object_put(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_seccomp_flag),
		cmocka_unit_test(test_image_isolators),
		cmocka_unit_test(test_image_isolators_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
