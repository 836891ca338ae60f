// SPDX-License-Identifier: Apache-2.0
/*
 * The metadata service's HTTP parser: complete and partial requests (every
 * prefix of a good request asks for more), bodies, bounds (head, header
 * count, body, path), malformed input of each kind, and form decoding.
 */
#include "guest/metadata_http.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long parse(const char *s, struct metadata_http_request *req)
{
	return metadata_http_parse(s, strlen(s), req);
}

static void test_get(void **state)
{
	static const char r[] = "GET /acMetadata/v1/pod/uuid?x=1 HTTP/1.1\r\n"
				"Host: 169.254.169.255\r\n"
				"User-Agent: test\r\n\r\n";
	struct metadata_http_request req;

	(void)state;
	assert_int_equal(parse(r, &req), strlen(r));
	assert_int_equal(req.method, METADATA_HTTP_GET);
	assert_string_equal(req.path, "/acMetadata/v1/pod/uuid");
	assert_int_equal(req.content_length, 0);
	assert_int_equal(req.head_len, strlen(r));
	/* Every shorter prefix is incomplete, never an error. */
	for (size_t i = 0; i < strlen(r); i++)
		assert_int_equal(metadata_http_parse(r, i, &req), 0);
	/* Bytes after the request (pipelining) are not part of it. */
	{
		char two[256];

		snprintf(two, sizeof(two), "%sGET / HTTP/1.1\r\n\r\n", r);
		assert_int_equal(parse(two, &req), strlen(r));
	}
	/* Bare LF, leading empty lines, HTTP/1.0, HEAD. */
	assert_int_equal(parse("\r\n\nHEAD /x HTTP/1.0\nA: b\n\n", &req), 26);
	assert_int_equal(req.method, METADATA_HTTP_HEAD);
	assert_string_equal(req.path, "/x");
	assert_true(parse("DELETE /x HTTP/1.1\r\n\r\n", &req) > 0);
	assert_int_equal(req.method, METADATA_HTTP_OTHER);
}

static void test_post(void **state)
{
	static const char r[] =
		"POST /acMetadata/v1/pod/hmac/sign HTTP/1.1\r\n"
		"content-length: 13\r\n"
		"Content-Type: application/x-www-form-urlencoded; charset=x\r\n"
		"Expect: 100-continue\r\n\r\n"
		"content=hello";
	struct metadata_http_request req;
	size_t head = strlen(r) - 13;

	(void)state;
	assert_int_equal(parse(r, &req), strlen(r));
	assert_int_equal(req.method, METADATA_HTTP_POST);
	assert_int_equal(req.content_length, 13);
	assert_true(req.form);
	assert_true(req.expect_continue);
	assert_memory_equal(req.body, "content=hello", 13);
	/* Head complete, body not yet: 0 with head_len set. */
	assert_int_equal(metadata_http_parse(r, head + 3, &req), 0);
	assert_int_equal(req.head_len, head);
	assert_true(req.expect_continue);
	assert_int_equal(metadata_http_parse(r, head - 1, &req), 0);
	assert_int_equal(req.head_len, 0);
	/* Another content type is not a form; none at all is. */
	assert_true(parse("POST / HTTP/1.1\r\nContent-Type: text/plain\r\n"
			  "Content-Length: 0\r\n\r\n",
			  &req) > 0);
	assert_false(req.form);
	assert_true(parse("POST / HTTP/1.1\r\n\r\n", &req) > 0);
	assert_true(req.form);
	/* The same Content-Length twice is fine. */
	assert_true(parse("POST / HTTP/1.1\r\nContent-Length: 1\r\n"
			  "Content-Length: 1\r\n\r\nx",
			  &req) > 0);
}

static void test_malformed(void **state)
{
	static const struct {
		const char *req;
		long status;
	} cases[] = {
		{"GET\r\n\r\n", -400},
		{"GET /\r\n\r\n", -400},
		{"GET  / HTTP/1.1\r\n\r\n", -400},
		{"GET / HTTP/1.1 \r\n\r\n", -400},
		{"G@T / HTTP/1.1\r\n\r\n", -400},
		{"GET x HTTP/1.1\r\n\r\n", -400},
		{"GET http://a/ HTTP/1.1\r\n\r\n", -400},
		{"GET / http/1.1\r\n\r\n", -400},
		{"GET / HTTP/2.0\r\n\r\n", -505},
		{"GET / HTTP/1.2\r\n\r\n", -505},
		{"GET /a%zz HTTP/1.1\r\n\r\n", -400},
		{"GET /a%0 HTTP/1.1\r\n\r\n", -400},
		{"GET /a%00b HTTP/1.1\r\n\r\n", -400},
		{"GET /\x80 HTTP/1.1\r\n\r\n", -400},
		{"GET / HTTP/1.1\r\nNoColon\r\n\r\n", -400},
		{"GET / HTTP/1.1\r\n: empty\r\n\r\n", -400},
		{"GET / HTTP/1.1\r\nA b: c\r\n\r\n", -400},
		{"GET / HTTP/1.1\r\nA : c\r\n\r\n", -400},
		{"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", -400},
		{"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", -400},
		{"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", -400},
		{"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", -400},
		{"GET / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", -400},
		{"GET / HTTP/1.1\r\nContent-Length:\r\n\r\n", -400},
		{"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
		 "\r\n",
		 -400},
		{"GET / HTTP/1.1\r\nContent-Length: "
		 "99999999999999999999\r\n\r\n",
		 -413},
		{"GET / HTTP/1.1\r\nContent-Length: 999999\r\n\r\n", -413},
		{"GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", -501},
		{"GET / HTTP/1.1\r\nExpect: magic\r\n\r\n", -501},
	};
	struct metadata_http_request req;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long r = parse(cases[i].req, &req);

		if (r != cases[i].status)
			fail_msg("case %zu: %ld, expected %ld", i, r,
				 cases[i].status);
	}
	/* A NUL anywhere in the head. */
	assert_int_equal(
		metadata_http_parse("GET /\0 HTTP/1.1\r\n\r\n", 20, &req),
		-400);
	assert_int_equal(metadata_http_parse("GET / HTTP/1.1\r\nA: \0\r\n\r\n",
					     24, &req),
			 -400);
}

static void test_bounds(void **state)
{
	struct metadata_http_request req;
	size_t big = METADATA_HTTP_HEAD_MAX + 100;
	char *buf = malloc(big + 64);
	size_t n;

	(void)state;
	/* A head that never ends: 431 once past the bound, 0 before. */
	n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nX: ");
	memset(buf + n, 'a', big - n);
	assert_int_equal(
		metadata_http_parse(buf, METADATA_HTTP_HEAD_MAX - 1, &req), 0);
	assert_int_equal(metadata_http_parse(buf, big, &req), -431);
	/* A request line alone over the bound. */
	memcpy(buf, "GET /", 5);
	memset(buf + 5, 'a', big - 5);
	assert_int_equal(metadata_http_parse(buf, big, &req), -431);
	/* Too many headers. */
	n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\n");
	for (int i = 0; i <= METADATA_HTTP_HEADERS_MAX; i++)
		n += (size_t)sprintf(buf + n, "H%d: v\r\n", i);
	n += (size_t)sprintf(buf + n, "\r\n");
	assert_int_equal(metadata_http_parse(buf, n, &req), -431);
	/* A path over METADATA_HTTP_PATH_MAX. */
	n = (size_t)sprintf(buf, "GET /");
	memset(buf + n, 'p', METADATA_HTTP_PATH_MAX + 1);
	n += METADATA_HTTP_PATH_MAX + 1;
	n += (size_t)sprintf(buf + n, " HTTP/1.1\r\n\r\n");
	assert_int_equal(metadata_http_parse(buf, n, &req), -414);
	/* The largest body allowed, and one byte more. */
	n = (size_t)sprintf(buf,
			    "POST / HTTP/1.1\r\nContent-Length: %u\r\n\r\n",
			    METADATA_HTTP_BODY_MAX);
	assert_int_equal(metadata_http_parse(buf, n, &req), 0);
	assert_int_equal(req.head_len, n);
	n = (size_t)sprintf(buf,
			    "POST / HTTP/1.1\r\nContent-Length: %u\r\n\r\n",
			    METADATA_HTTP_BODY_MAX + 1);
	assert_int_equal(metadata_http_parse(buf, n, &req), -413);
	free(buf);
}

static void test_path_decode(void **state)
{
	struct metadata_http_request req;

	(void)state;
	assert_true(parse("GET /acMetadata/v1/pod/annotations/example.com%2Fa"
			  "#frag HTTP/1.1\r\n\r\n",
			  &req) > 0);
	assert_string_equal(req.path,
			    "/acMetadata/v1/pod/annotations/example.com/a");
}

static int form(const char *body, const char *key, char *out, size_t *len)
{
	return metadata_form_get(body, strlen(body), key, out, 64, len);
}

static void test_form(void **state)
{
	char out[64];
	size_t len;

	(void)state;
	assert_int_equal(
		form("content=a+b%26c%3D&uuid=x", "content", out, &len), 1);
	assert_int_equal(len, 6);
	assert_memory_equal(out, "a b&c=", 6);
	assert_int_equal(form("content=a&uuid=x", "uuid", out, &len), 1);
	assert_memory_equal(out, "x", 1);
	/* Binary-safe: %00 and high bytes. */
	assert_int_equal(form("content=%00%ff", "content", out, &len), 1);
	assert_int_equal(len, 2);
	assert_int_equal((unsigned char)out[0], 0);
	assert_int_equal((unsigned char)out[1], 0xff);
	/* An encoded key matches; a key without '=' is an empty value. */
	assert_int_equal(form("c%6Fntent=z", "content", out, &len), 1);
	assert_int_equal(form("a=1&content", "content", out, &len), 1);
	assert_int_equal(len, 0);
	/* Absent, empty body, empty pairs. */
	assert_int_equal(form("a=1&&b=2", "content", out, &len), 0);
	assert_int_equal(form("", "content", out, &len), 0);
	/* A prefix of a key is not the key. */
	assert_int_equal(form("contents=1", "content", out, &len), 0);
	/* Twice, bad escapes anywhere, too long: refused. */
	assert_int_equal(form("content=1&content=2", "content", out, &len), -1);
	assert_int_equal(form("content=1&x=%zz", "content", out, &len), -1);
	assert_int_equal(form("content=%4", "content", out, &len), -1);
	{
		char body[200];

		memset(body, 'a', sizeof(body));
		memcpy(body, "content=", 8);
		body[sizeof(body) - 1] = '\0';
		assert_int_equal(form(body, "content", out, &len), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_post),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_path_decode),
		cmocka_unit_test(test_form),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
