// SPDX-License-Identifier: Apache-2.0
/* The control protocol's framing and the host's guest-message decoder. */
#include "common/ctl.h"

#include <errno.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

/* Puts one frame into buf: be32 length, kind, payload. */
static size_t frame(uint8_t *buf, uint32_t length, uint8_t kind,
		    const char *payload)
{
	size_t n = payload ? strlen(payload) : 0;

	buf[0] = (uint8_t)(length >> 24);
	buf[1] = (uint8_t)(length >> 16);
	buf[2] = (uint8_t)(length >> 8);
	buf[3] = (uint8_t)length;
	buf[4] = kind;
	if (n)
		memcpy(buf + 5, payload, n);
	return 5 + n;
}

static void test_reader_byte_by_byte(void **state)
{
	(void)state;
	uint8_t buf[64];
	size_t n = frame(buf, 1 + 13, CTL_KIND_JSON, "{\"type\":\"a\"}x");
	struct ctl_reader r;
	const uint8_t *payload;
	size_t len;
	uint8_t kind;

	n += frame(buf + n, 1, CTL_KIND_STDOUT, NULL); /* empty payload */
	ctl_reader_init(&r);
	/* No frame until its last byte is in. */
	for (size_t i = 0; i < 17; i++) {
		assert_int_equal(ctl_reader_feed(&r, buf + i, 1), 0);
		assert_int_equal(ctl_reader_next(&r, &kind, &payload, &len), 0);
	}
	assert_int_equal(ctl_reader_feed(&r, buf + 17, 1), 0);
	assert_int_equal(ctl_reader_next(&r, &kind, &payload, &len), 1);
	assert_int_equal(kind, CTL_KIND_JSON);
	assert_int_equal(len, 13);
	assert_memory_equal(payload, "{\"type\":\"a\"}x", 13);
	assert_int_equal(ctl_reader_next(&r, &kind, &payload, &len), 0);
	assert_int_equal(ctl_reader_feed(&r, buf + 18, n - 18), 0);
	assert_int_equal(ctl_reader_next(&r, &kind, &payload, &len), 1);
	assert_int_equal(kind, CTL_KIND_STDOUT);
	assert_int_equal(len, 0);
	assert_int_equal(ctl_reader_next(&r, &kind, &payload, &len), 0);
	ctl_reader_free(&r);
}

static void test_reader_bad_headers(void **state)
{
	(void)state;
	struct {
		uint32_t length;
		uint8_t kind;
		int expect;
	} cases[] = {
		{0, CTL_KIND_JSON, -EPROTO},
		{CTL_FRAME_MAX + 1, CTL_KIND_JSON, -EMSGSIZE},
		{0xffffffffu, CTL_KIND_JSON, -EMSGSIZE},
		{2, 'X', -EPROTO},
		{2, 3, -EPROTO},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[16];
		size_t n = frame(buf, cases[i].length, cases[i].kind, "z");
		struct ctl_reader r;
		const uint8_t *payload;
		size_t len;
		uint8_t kind;

		ctl_reader_init(&r);
		assert_int_equal(ctl_reader_feed(&r, buf, n), 0);
		assert_int_equal(ctl_reader_next(&r, &kind, &payload, &len),
				 cases[i].expect);
		ctl_reader_free(&r);
	}
}

static void test_reader_oversized_rejected_early(void **state)
{
	(void)state;
	/* Only the length is in: a too-big frame fails before its bytes. */
	uint8_t buf[4] = {0x7f, 0xff, 0xff, 0xff};
	struct ctl_reader r;
	const uint8_t *payload;
	size_t len;
	uint8_t kind;

	ctl_reader_init(&r);
	assert_int_equal(ctl_reader_feed(&r, buf, 4), 0);
	assert_int_equal(ctl_reader_next(&r, &kind, &payload, &len), -EMSGSIZE);
	ctl_reader_free(&r);
}

static void test_socket_roundtrip(void **state)
{
	(void)state;
	int sv[2];
	struct json_object *msg = ctl_msg_new("app-started");
	uint8_t *payload = NULL;
	size_t len;
	uint8_t kind;
	struct ctl_guest_msg m;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	json_object_object_add(msg, "app", json_object_new_string("web"));
	json_object_object_add(msg, "pid", json_object_new_int(42));
	assert_int_equal(ctl_write_json(sv[0], msg), 0);
	assert_int_equal(ctl_write_frame(sv[0], CTL_KIND_STDERR, "ab", 2), 0);
	json_object_put(msg);
	close(sv[0]);

	assert_int_equal(ctl_read_frame(sv[1], &kind, &payload, &len), 1);
	assert_int_equal(ctl_guest_msg_decode(kind, payload, len, &m), 0);
	assert_int_equal(m.type, CTL_GUEST_APP_STARTED);
	assert_string_equal(m.app, "web");
	assert_int_equal(m.pid, 42);
	free(payload);
	assert_int_equal(ctl_read_frame(sv[1], &kind, &payload, &len), 1);
	assert_int_equal(kind, CTL_KIND_STDERR);
	assert_int_equal(len, 2);
	assert_string_equal((char *)payload, "ab");
	free(payload);
	/* Clean EOF at a frame boundary. */
	assert_int_equal(ctl_read_frame(sv[1], &kind, &payload, &len), 0);
	close(sv[1]);
}

static void test_read_truncated(void **state)
{
	(void)state;
	int sv[2];
	uint8_t buf[32];
	size_t n = frame(buf, 10, CTL_KIND_JSON, "{\"ty");
	uint8_t *payload = NULL;
	size_t len;
	uint8_t kind;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], buf, n), (ssize_t)n);
	close(sv[0]);
	assert_int_equal(ctl_read_frame(sv[1], &kind, &payload, &len), -EPROTO);
	close(sv[1]);
}

static void test_write_too_big(void **state)
{
	(void)state;
	assert_int_equal(ctl_write_frame(-1, CTL_KIND_JSON, "", CTL_FRAME_MAX),
			 -EMSGSIZE);
}

static int decode(const char *json, struct ctl_guest_msg *m)
{
	return ctl_guest_msg_decode(CTL_KIND_JSON, (const uint8_t *)json,
				    strlen(json), m);
}

static void test_decode_valid(void **state)
{
	(void)state;
	struct ctl_guest_msg m;

	assert_int_equal(decode("{\"type\":\"hello\",\"version\":1}", &m), 0);
	assert_int_equal(m.type, CTL_GUEST_HELLO);
	assert_int_equal(m.version, 1);
	assert_int_equal(decode("{\"type\":\"ready\",\"new\":[1]}", &m), 0);
	assert_int_equal(m.type, CTL_GUEST_READY);
	assert_int_equal(decode("{\"type\":\"app-exited\",\"app\":\"a-1\","
				"\"status\":-1,\"signal\":9,\"oom\":true}",
				&m),
			 0);
	assert_int_equal(m.type, CTL_GUEST_APP_EXITED);
	assert_int_equal(m.status, -1);
	assert_int_equal(m.signal, 9);
	assert_true(m.oom);
	assert_int_equal(decode("{\"type\":\"app-exited\",\"app\":\"a\","
				"\"status\":3,\"signal\":0}",
				&m),
			 0);
	assert_int_equal(m.status, 3);
	assert_false(m.oom);
	assert_int_equal(
		decode("{\"type\":\"error\",\"message\":\"no /bin\"}", &m), 0);
	assert_string_equal(m.message, "no /bin");
	assert_string_equal(m.app, "");
	assert_int_equal(decode("{\"type\":\"pod-exited\"}", &m), 0);
	assert_int_equal(m.type, CTL_GUEST_POD_EXITED);
}

static void test_decode_invalid(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"[]",
		"\"hello\"",
		"{}",
		"{\"type\":1}",
		"{\"type\":\"unknown\"}",
		"{\"type\":\"hello\"}",
		"{\"type\":\"hello\",\"version\":0}",
		"{\"type\":\"hello\",\"version\":\"1\"}",
		"{\"type\":\"ready\"} trailing",
		"{\"type\":\"ready\"}{}",
		"{\"type\":\"ready\",}",
		"{\"type\":\"app-started\",\"app\":\"a\"}",
		"{\"type\":\"app-started\",\"app\":\"a\",\"pid\":0}",
		"{\"type\":\"app-started\",\"app\":\"a\",\"pid\":2147483648}",
		"{\"type\":\"app-started\",\"app\":\"A\",\"pid\":1}",
		"{\"type\":\"app-started\",\"app\":\"a--\",\"pid\":1}",
		"{\"type\":\"app-started\",\"app\":\"../x\",\"pid\":1}",
		"{\"type\":\"app-started\",\"app\":\"\",\"pid\":1}",
		"{\"type\":\"app-started\",\"app\":\"a\\u0000b\",\"pid\":1}",
		"{\"type\":\"app-exited\",\"app\":\"a\",\"status\":256,"
		"\"signal\":0}",
		"{\"type\":\"app-exited\",\"app\":\"a\",\"status\":0,"
		"\"signal\":65}",
		"{\"type\":\"app-exited\",\"app\":\"a\",\"status\":1,"
		"\"signal\":9}",
		"{\"type\":\"app-exited\",\"app\":\"a\",\"status\":-1,"
		"\"signal\":0}",
		"{\"type\":\"app-exited\",\"app\":\"a\",\"status\":0,"
		"\"signal\":0,\"oom\":1}",
		"{\"type\":\"app-exited\",\"app\":\"a\",\"status\":1.5,"
		"\"signal\":0}",
		"{\"type\":\"error\"}",
		"{\"type\":\"error\",\"message\":7}",
		"{\"type\":\"error\",\"app\":\"B\",\"message\":\"m\"}",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]"
		"]]]"
		"]]]]]]]]]]]]",
	};
	struct ctl_guest_msg m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (decode(bad[i], &m) != -EPROTO)
			fail_msg("accepted: %s", bad[i]);
	}
	/* Not JSON kind; an embedded NUL; a too-long message. */
	assert_int_equal(ctl_guest_msg_decode(CTL_KIND_STDOUT,
					      (const uint8_t *)"{}", 2, &m),
			 -EPROTO);
	assert_int_equal(ctl_guest_msg_decode(CTL_KIND_JSON,
					      (const uint8_t *)"{\"type\":"
							       "\"ready\"}\0",
					      17, &m),
			 -EPROTO);
	{
		size_t n = CTL_MESSAGE_MAX + 64;
		char *big = malloc(n + 64);

		assert_non_null(big);
		strcpy(big, "{\"type\":\"error\",\"message\":\"");
		size_t at = strlen(big);
		memset(big + at, 'x', CTL_MESSAGE_MAX + 1);
		strcpy(big + at + CTL_MESSAGE_MAX + 1, "\"}");
		assert_int_equal(decode(big, &m), -EPROTO);
		free(big);
	}
}

static void test_app_names(void **state)
{
	(void)state;
	char long_name[CTL_APP_NAME_MAX + 2];

	assert_true(ctl_app_name_valid("busybox"));
	assert_true(ctl_app_name_valid("example.com/app-1"));
	assert_false(ctl_app_name_valid("-a"));
	assert_false(ctl_app_name_valid("a-"));
	assert_false(ctl_app_name_valid("a..b"));
	assert_false(ctl_app_name_valid("a b"));
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_false(ctl_app_name_valid(long_name));
	long_name[CTL_APP_NAME_MAX] = '\0';
	assert_true(ctl_app_name_valid(long_name));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_byte_by_byte),
		cmocka_unit_test(test_reader_bad_headers),
		cmocka_unit_test(test_reader_oversized_rejected_early),
		cmocka_unit_test(test_socket_roundtrip),
		cmocka_unit_test(test_read_truncated),
		cmocka_unit_test(test_write_too_big),
		cmocka_unit_test(test_decode_valid),
		cmocka_unit_test(test_decode_invalid),
		cmocka_unit_test(test_app_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
