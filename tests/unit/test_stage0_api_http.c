// SPDX-License-Identifier: Apache-2.0
/*
 * The API service's HTTP wire against hostile clients: request heads
 * complete, cut short, malformed, oversized; percent-decoding; the
 * response head and error body shapes; --listen addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stage0/api_http.h"
#include "stage0/api_server.h"

#include <errno.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses s; returns the result, the status in *status when -1. */
static int parse(const char *s, struct api_request *req, int *status)
{
	struct error *err = NULL;
	int r = api_http_parse(s, strlen(s), req, &err);

	*status = 0;
	if (r < 0) {
		assert_non_null(err);
		*status = err->code;
		error_free(&err);
	} else {
		assert_null(err);
	}
	return r;
}

static void test_parse_get(void **state)
{
	struct api_request req;
	int status;

	(void)state;
	assert_int_equal(
		parse("GET /v1alpha/pods?state=running&app=web%20x&detail "
		      "HTTP/1.1\r\nHost: x\r\nUser-Agent: curl/8\r\n\r\n",
		      &req, &status),
		1);
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.path, "/v1alpha/pods");
	assert_int_equal(req.nparams, 3);
	assert_string_equal(api_param_get(&req, "state"), "running");
	assert_string_equal(api_param_get(&req, "app"), "web x");
	assert_string_equal(api_param_get(&req, "detail"), "");
	assert_null(api_param_get(&req, "id"));
	api_request_free(&req);
}

static void test_parse_incomplete(void **state)
{
	struct api_request req;
	int status;

	(void)state;
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: x\r\n", &req, &status),
			 0);
	assert_int_equal(parse("", &req, &status), 0);
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *head;
		int status;
	} cases[] = {
		{"POST /v1alpha/pods HTTP/1.1\r\n\r\n", 405},
		{"DELETE /v1alpha/pods/x HTTP/1.1\r\n\r\n", 405},
		{"GET /x HTTP/2.0\r\n\r\n", 505},
		{"GET /x\r\n\r\n", 400},
		{"GET  HTTP/1.1\r\n\r\n", 400},
		{"GET x HTTP/1.1\r\n\r\n", 400},
		{"GET /a%zz HTTP/1.1\r\n\r\n", 400},
		{"GET /a%0 HTTP/1.1\r\n\r\n", 400},
		{"GET /a%00b HTTP/1.1\r\n\r\n", 400},
		{"GET /a?x=%0a HTTP/1.1\r\n\r\n", 400},
		{"GET /a?=v HTTP/1.1\r\n\r\n", 400},
		{"GET /a#frag HTTP/1.1\r\n\r\n", 400},
		{"GET /a HTTP/1.1\r\nno colon\r\n\r\n", 400},
		{"GET /a HTTP/1.1\r\n: empty name\r\n\r\n", 400},
		{"GET /a HTTP/1.1\r\nBad Name: v\r\n\r\n", 400},
		{"VERYLONGMETHOD /a HTTP/1.1\r\n\r\n", 501},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct api_request req;
		int status;

		assert_int_equal(parse(cases[i].head, &req, &status), -1);
		if (status != cases[i].status)
			fail_msg("%s: status %d, expected %d", cases[i].head,
				 status, cases[i].status);
	}
}

static void test_parse_limits(void **state)
{
	char *big = malloc(API_HTTP_HEAD_MAX + 64);
	struct api_request req;
	struct error *err = NULL;
	size_t n;

	(void)state;
	assert_non_null(big);
	/* No end of head within the limit: refused, not waited for. */
	memset(big, 'a', API_HTTP_HEAD_MAX);
	assert_int_equal(api_http_parse(big, API_HTTP_HEAD_MAX, &req, &err),
			 -1);
	assert_int_equal(err->code, 431);
	error_free(&err);
	/* Too many parameters. */
	n = (size_t)sprintf(big, "GET /a?");
	for (int i = 0; i <= API_HTTP_PARAMS_MAX; i++)
		n += (size_t)sprintf(big + n, "p%d=1&", i);
	n += (size_t)sprintf(big + n, " HTTP/1.1\r\n\r\n");
	assert_int_equal(api_http_parse(big, n, &req, &err), -1);
	assert_int_equal(err->code, 414);
	error_free(&err);
	/* Too many headers. */
	n = (size_t)sprintf(big, "GET /a HTTP/1.1\r\n");
	for (int i = 0; i <= API_HTTP_HEADERS_MAX; i++)
		n += (size_t)sprintf(big + n, "H%d: v\r\n", i);
	n += (size_t)sprintf(big + n, "\r\n");
	assert_int_equal(api_http_parse(big, n, &req, &err), -1);
	assert_int_equal(err->code, 431);
	error_free(&err);
	free(big);
}

static void test_decode(void **state)
{
	char *s;

	(void)state;
	s = api_http_decode("a%2Fb+c%41", 10, true);
	assert_string_equal(s, "a/b cA");
	free(s);
	s = api_http_decode("a+b", 3, false);
	assert_string_equal(s, "a+b");
	free(s);
	assert_null(api_http_decode("%", 1, true));
	assert_null(api_http_decode("%4", 2, true));
	assert_null(api_http_decode("%7f", 3, true));
}

static void test_bool(void **state)
{
	(void)state;
	assert_int_equal(api_param_bool(""), 1);
	assert_int_equal(api_param_bool("true"), 1);
	assert_int_equal(api_param_bool("1"), 1);
	assert_int_equal(api_param_bool("false"), 0);
	assert_int_equal(api_param_bool("0"), 0);
	assert_int_equal(api_param_bool("yes"), -1);
}

static void test_head_and_error(void **state)
{
	char buf[512];
	char *body;
	struct json_object *j, *e, *v;

	(void)state;
	api_http_head(buf, sizeof(buf), 200, "application/json", 12);
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(buf, "Content-Length: 12\r\n"));
	assert_non_null(strstr(buf, "Connection: close\r\n"));
	assert_int_equal(strcmp(buf + strlen(buf) - 4, "\r\n\r\n"), 0);
	api_http_head(buf, sizeof(buf), 200, "application/x-ndjson", -1);
	assert_non_null(strstr(buf, "Transfer-Encoding: chunked\r\n"));
	assert_null(strstr(buf, "Content-Length"));
	body = api_http_error_body(404, "no \"pod\"");
	j = json_tokener_parse(body);
	assert_non_null(j);
	assert_true(json_object_object_get_ex(j, "error", &e));
	assert_true(json_object_object_get_ex(e, "code", &v));
	assert_int_equal(json_object_get_int(v), 404);
	assert_true(json_object_object_get_ex(e, "message", &v));
	assert_string_equal(json_object_get_string(v), "no \"pod\"");
	json_object_put(j);
	free(body);
}

static int listen_status(const char *spec, bool remote)
{
	struct api_listen_addr a;
	struct error *err = NULL;
	int r = api_listen_parse(spec, remote, &a, &err);

	if (r < 0) {
		r = err->code;
		error_free(&err);
	}
	return r;
}

static void test_listen(void **state)
{
	struct api_listen_addr a;
	struct error *err = NULL;

	(void)state;
	assert_int_equal(api_listen_parse("127.0.0.1:15441", false, &a, &err),
			 0);
	assert_int_equal(a.addr.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&a.addr)->sin_port),
			 15441);
	assert_int_equal(api_listen_parse("unix:/run/c.sock", false, &a, &err),
			 0);
	assert_true(a.is_unix);
	assert_string_equal(a.path, "/run/c.sock");
	assert_int_equal(listen_status("[::1]:80", false), 0);
	assert_int_equal(listen_status("localhost:80", false), 0);
	assert_int_equal(listen_status("127.1.2.3:80", false), 0);
	/* Not loopback: only with allow_remote. */
	assert_int_equal(listen_status("0.0.0.0:80", false), EPERM);
	assert_int_equal(listen_status("10.0.0.1:80", false), EPERM);
	assert_int_equal(listen_status("[::]:80", false), EPERM);
	assert_int_equal(listen_status("0.0.0.0:80", true), 0);
	/* Malformed */
	assert_int_equal(listen_status("127.0.0.1", false), EINVAL);
	assert_int_equal(listen_status("127.0.0.1:0", false), EINVAL);
	assert_int_equal(listen_status("127.0.0.1:65536", false), EINVAL);
	assert_int_equal(listen_status("example.com:80", false), EINVAL);
	assert_int_equal(listen_status("::1:80", false), EINVAL);
	assert_int_equal(listen_status("[::1]80", false), EINVAL);
	assert_int_equal(listen_status("unix:", false), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_get),
		cmocka_unit_test(test_parse_incomplete),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_head_and_error),
		cmocka_unit_test(test_listen),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
