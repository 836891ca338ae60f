// SPDX-License-Identifier: Apache-2.0
/*
 * ListPods', ListImages' and ListenEvents' filters: query parameters to
 * filters (and the refusals), and rkt's semantics: AND across fields;
 * any of ids, states, prefixes, base names, keywords; all of app names,
 * image IDs, networks, labels, annotations; several filters ORed with
 * `or`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stage0/api_events.h"
#include "stage0/api_filter.h"
#include "stage0/api_http.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A request for "GET /x?QUERY". */
static void request(const char *query, struct api_request *req)
{
	char head[2048];
	struct error *err = NULL;
	int n = snprintf(head, sizeof(head), "GET /x?%s HTTP/1.1\r\n\r\n",
			 query);

	assert_int_equal(api_http_parse(head, (size_t)n, req, &err), 1);
}

static int pod_filter(const char *query, struct api_pod_filter *f)
{
	static const char *const also[] = {"detail", NULL};
	struct api_request req;
	struct error *err = NULL;
	int r;

	request(query, &req);
	r = api_pod_filter_parse(&req, also, f, &err);
	api_request_free(&req);
	if (r < 0) {
		r = err->code;
		error_free(&err);
	}
	return r;
}

static const char *const apps_web_db[] = {"web", "db"};
static const char *const images_web_db[] = {"sha512-aaaa", "sha512-bbbb"};
static const char *const nets_default[] = {"default"};
static const struct api_kv pod_annotations[] = {{"team", "blue"},
						{"tier", "front"}};
static const struct api_pod_facts pod = {
	.uuid = "5bc080ca-3a47-4c5e-9b1e-2d4f6a8b0c1e",
	.state = "exited garbage",
	.apps = apps_web_db,
	.napps = 2,
	.images = images_web_db,
	.nimages = 2,
	.networks = nets_default,
	.nnetworks = 1,
	.annotations = pod_annotations,
	.nannotations = 2,
};

static bool pod_matches(const char *query)
{
	struct api_pod_filter f;
	bool m;

	assert_int_equal(pod_filter(query, &f), 0);
	m = api_pod_filter_match(&f, &pod);
	api_pod_filter_free(&f);
	return m;
}

static void test_pod_filter(void **state)
{
	(void)state;
	assert_true(pod_matches("detail=true"));
	/* ids and states: any, by prefix for ids */
	assert_true(pod_matches("id=5bc0"));
	assert_true(pod_matches("id=ffff,5bc080ca"));
	assert_false(pod_matches("id=ffff"));
	assert_true(pod_matches("state=running&state=exited-garbage"));
	assert_true(pod_matches("state=exited+garbage"));
	assert_false(pod_matches("state=exited"));
	/* app names, images, networks, annotations: all */
	assert_true(pod_matches("app=web,db"));
	assert_true(pod_matches("app=db"));
	assert_false(pod_matches("app=web&app=cache"));
	assert_true(pod_matches("image=sha512-aa&image=sha512-bbbb"));
	assert_false(pod_matches("image=sha512-cc"));
	assert_true(pod_matches("network=default"));
	assert_false(pod_matches("network=default,other"));
	assert_true(pod_matches("annotation=team=blue&annotation=tier=front"));
	assert_false(pod_matches("annotation=team=red"));
	assert_false(pod_matches("annotation=team=blue&annotation=x=y"));
	/* AND across fields */
	assert_true(pod_matches("id=5bc0&app=web&state=exited-garbage"));
	assert_false(pod_matches("id=5bc0&app=cache"));
}

static void test_pod_filter_errors(void **state)
{
	struct api_pod_filter f;
	char query[1024];
	size_t n = 0;

	(void)state;
	assert_int_equal(pod_filter("state=sleeping", &f), 400);
	assert_int_equal(pod_filter("colour=red", &f), 400);
	assert_int_equal(pod_filter("app=", &f), 400);
	assert_int_equal(pod_filter("app=a,,b", &f), 400);
	assert_int_equal(pod_filter("annotation=novalue", &f), 400);
	assert_int_equal(pod_filter("annotation==v", &f), 400);
	/* More values than API_FILTER_VALUES_MAX in one filter. */
	for (int i = 0; i <= API_FILTER_VALUES_MAX / 2; i++)
		n += (size_t)snprintf(query + n, sizeof(query) - n,
				      "%sapp=a%d,b", i ? "&" : "", i);
	assert_int_equal(pod_filter(query, &f), 400);
}

/* Filters separated by `or`: any one of them matching is enough. */
static void test_pod_filter_or(void **state)
{
	struct api_pod_filter f;
	char query[1024];
	size_t n = 0;

	(void)state;
	assert_true(pod_matches("app=cache&or&app=web"));
	assert_true(pod_matches("app=web&or&app=cache"));
	assert_false(pod_matches("app=cache&or&state=running"));
	assert_true(pod_matches("state=running&or&id=5bc0&app=db"));
	/* AND still holds within each alternative */
	assert_false(pod_matches("id=5bc0&app=cache&or&id=ffff&app=web"));
	assert_true(
		pod_matches("id=ffff&or&state=exited&or&annotation=team=blue"));
	/* detail may sit anywhere */
	assert_true(pod_matches("app=cache&detail=true&or&app=db"));
	/* no empty alternative, no value, not too many */
	assert_int_equal(pod_filter("or&app=web", &f), 400);
	assert_int_equal(pod_filter("app=web&or", &f), 400);
	assert_int_equal(pod_filter("app=web&or&or&app=db", &f), 400);
	assert_int_equal(pod_filter("app=web&or&detail=true", &f), 400);
	assert_int_equal(pod_filter("app=web&or=1&app=db", &f), 400);
	assert_int_equal(pod_filter("app=web&or&state=sleeping", &f), 400);
	for (int i = 0; i <= API_FILTER_ALTERNATIVES_MAX; i++)
		n += (size_t)snprintf(query + n, sizeof(query) - n, "%sapp=a%d",
				      i ? "&or&" : "", i);
	assert_int_equal(pod_filter(query, &f), 400);
	/* one alternative fewer is fine */
	n = 0;
	for (int i = 0; i < API_FILTER_ALTERNATIVES_MAX; i++)
		n += (size_t)snprintf(query + n, sizeof(query) - n, "%sapp=a%d",
				      i ? "&or&" : "", i);
	assert_int_equal(pod_filter(query, &f), 0);
	api_pod_filter_free(&f);
}

static const struct api_kv image_labels[] = {{"version", "1.0"},
					     {"arch", "amd64"}};
static const struct api_kv image_annotations[] = {{"authors", "x"}};
static const struct api_image_facts image = {
	.id = "sha512-0123456789abcdef",
	.name = "example.com/pod-busybox",
	.import_time = 1000,
	.last_used = 2000,
	.labels = image_labels,
	.nlabels = 2,
	.annotations = image_annotations,
	.nannotations = 1,
};

static int image_filter(const char *query, bool *match)
{
	struct api_image_filter f;
	struct api_request req;
	struct error *err = NULL;
	int r;

	request(query, &req);
	r = api_image_filter_parse(&req, NULL, &f, &err);
	api_request_free(&req);
	if (r < 0) {
		r = err->code;
		error_free(&err);
		return r;
	}
	*match = api_image_filter_match(&f, &image);
	api_image_filter_free(&f);
	return 0;
}

static bool image_matches(const char *query)
{
	bool m = false;

	assert_int_equal(image_filter(query, &m), 0);
	return m;
}

static void test_image_filter(void **state)
{
	bool m;

	(void)state;
	assert_true(image_matches("id=sha512-0123"));
	assert_false(image_matches("id=sha512-9"));
	assert_true(image_matches("prefix=example.org,example.com"));
	assert_false(image_matches("prefix=example.org"));
	assert_true(image_matches("base_name=pod-busybox"));
	assert_false(image_matches("base_name=busybox"));
	assert_true(image_matches("keyword=busy"));
	assert_false(image_matches("keyword=etcd"));
	assert_true(image_matches("label=version=1.0&label=arch=amd64"));
	assert_false(image_matches("label=version=1.0&label=arch=arm64"));
	assert_true(image_matches("annotation=authors=x"));
	assert_false(image_matches("annotation=authors=y"));
	/* times: strictly after / before */
	assert_true(image_matches("imported_after=999&imported_before=1001"));
	assert_false(image_matches("imported_after=1000"));
	assert_false(image_matches("imported_before=1000"));
	assert_true(image_matches("last_used_after=1999"));
	assert_false(image_matches("last_used_before=2000"));
	/* AND across fields */
	assert_false(image_matches("keyword=busy&label=version=2.0"));
	assert_int_equal(image_filter("imported_after=yesterday", &m), 400);
	assert_int_equal(image_filter("imported_after=-5", &m), 400);
	assert_int_equal(image_filter("detail=true", &m), 400);
}

static bool event_matches(const char *query, struct json_object *ev)
{
	struct api_event_filter f;
	struct api_request req;
	struct error *err = NULL;
	bool m;

	request(query, &req);
	assert_int_equal(api_event_filter_parse(&req, &f, &err), 0);
	api_request_free(&req);
	m = api_event_filter_match(&f, ev);
	api_event_filter_free(&f);
	return m;
}

static void test_image_filter_or(void **state)
{
	bool m;

	(void)state;
	assert_true(image_matches("keyword=nginx&or&base_name=pod-busybox"));
	assert_false(image_matches("keyword=nginx&or&base_name=busybox"));
	/* times count as fields of their alternative */
	assert_true(
		image_matches("imported_after=5000&or&imported_before=1001"));
	assert_false(
		image_matches("imported_after=5000&or&last_used_after=2000"));
	assert_true(image_matches("label=arch=arm64&or&label=arch=amd64"));
	assert_int_equal(image_filter("or&id=sha512", &m), 400);
	assert_int_equal(image_filter("id=sha512&or", &m), 400);
	assert_int_equal(image_filter("id=x&or&imported_after=x", &m), 400);
}

static void test_event_filter(void **state)
{
	struct json_object *ev = api_event_new(
		"pod-started", "5bc080ca-3a47-4c5e-9b1e-2d4f6a8b0c1e", "web,db",
		1000, "running");
	struct api_event_filter f;
	struct api_request req;
	struct error *err = NULL;

	(void)state;
	assert_true(event_matches("type=pod-exited,pod-started", ev));
	assert_false(event_matches("type=pod-exited", ev));
	assert_true(event_matches("id=5bc0", ev));
	assert_false(event_matches("id=6", ev));
	assert_true(event_matches("name=db", ev));
	assert_true(event_matches("name=web", ev));
	assert_false(event_matches("name=we", ev));
	assert_true(event_matches("since_time=1000&until_time=1001", ev));
	assert_false(event_matches("since_time=1001", ev));
	assert_false(event_matches("until_time=1000", ev));
	assert_false(event_matches("type=pod-started&name=cache", ev));
	request("type=pod", &req);
	assert_int_equal(api_event_filter_parse(&req, &f, &err), -1);
	assert_int_equal(err->code, 400);
	error_free(&err);
	api_request_free(&req);
	json_object_put(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_filter),
		cmocka_unit_test(test_pod_filter_errors),
		cmocka_unit_test(test_pod_filter_or),
		cmocka_unit_test(test_image_filter),
		cmocka_unit_test(test_image_filter_or),
		cmocka_unit_test(test_event_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
