// SPDX-License-Identifier: Apache-2.0
/*
 * The metadata service's routing: each endpoint's status, type and body
 * for a pod loaded from a pod frame, annotations merged as the spec says
 * (the image's, then the pod manifest's app), 400/404/405/415, the
 * request sign/verify become for the host and the host's answers turned
 * into HTTP, the response on the wire, and AC_METADATA_URL.
 */
#include "guest/metadata.h"
#include "guest/runtime.h"
#include "common/ctl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UUID "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"

static const char manifest_json[] =
	"{\"acKind\":\"PodManifest\",\"acVersion\":\"0.8.11\","
	"\"annotations\":[{\"name\":\"ip-address\",\"value\":\"10.1.2.3\"},"
	"{\"name\":\"example.com/team\",\"value\":\"blue\"}],"
	"\"apps\":[{\"name\":\"web\",\"image\":{\"name\":\"example.com/web\","
	"\"id\":\"sha512-abc\"},\"annotations\":[{\"name\":\"role\","
	"\"value\":\"pod-side\"},{\"name\":\"extra\",\"value\":\"1\"}]},"
	"{\"name\":\"db\",\"image\":{\"name\":\"example.com/db\","
	"\"id\":\"sha512-def\"}}]}";
static const char runtime_json[] =
	"{\"uuid\":\"" UUID "\",\"apps\":["
	"{\"name\":\"web\",\"image_manifest\":{\"acKind\":\"ImageManifest\","
	"\"name\":\"example.com/web\",\"annotations\":[{\"name\":\"role\","
	"\"value\":\"image-side\"},{\"name\":\"authors\",\"value\":\"me\"}]}},"
	"{\"name\":\"db\"}]}";

static struct metadata_pod pod;

static int setup(void **state)
{
	struct json_object *m = json_tokener_parse(manifest_json);
	struct json_object *r = json_tokener_parse(runtime_json);
	char err[256];
	int ret;

	(void)state;
	assert_non_null(m);
	assert_non_null(r);
	ret = metadata_pod_load(m, r, &pod, err, sizeof(err));
	json_object_put(m);
	json_object_put(r);
	return ret;
}

static int teardown(void **state)
{
	(void)state;
	metadata_pod_free(&pod);
	return 0;
}

/* Routes method path (and a body); the caller frees resp. */
static void route(enum metadata_http_method method, const char *path,
		  const char *body, struct metadata_response *resp)
{
	struct metadata_http_request req = {.method = method, .form = true};

	snprintf(req.path, sizeof(req.path), "%s", path);
	req.body = body;
	req.content_length = body ? strlen(body) : 0;
	metadata_route(&pod, &req, resp);
}

/* GET path: expects status and, if given, the exact body. */
static void expect(const char *path, int status, const char *type,
		   const char *body)
{
	struct metadata_response r;

	route(METADATA_HTTP_GET, path, NULL, &r);
	if (r.status != status)
		fail_msg("%s: status %d, expected %d", path, r.status, status);
	assert_null(r.hmac_request);
	if (type)
		assert_string_equal(r.content_type, type);
	if (body) {
		assert_int_equal(r.body_len, strlen(body));
		assert_memory_equal(r.body, body, r.body_len);
	}
	metadata_response_free(&r);
}

/* GET path: a JSON body equal to want (compared as JSON). */
static void expect_json(const char *path, const char *want)
{
	struct metadata_response r;
	struct json_object *got, *exp = json_tokener_parse(want);
	char *text;

	route(METADATA_HTTP_GET, path, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "application/json");
	text = strndup(r.body, r.body_len);
	got = json_tokener_parse(text);
	assert_non_null(got);
	if (!json_object_equal(got, exp))
		fail_msg("%s: got %s, want %s", path, text, want);
	free(text);
	json_object_put(got);
	json_object_put(exp);
	metadata_response_free(&r);
}

static void test_pod(void **state)
{
	struct json_object *m = json_tokener_parse(manifest_json);

	(void)state;
	expect("/acMetadata/v1/pod/uuid", 200, "text/plain; charset=us-ascii",
	       UUID);
	expect_json("/acMetadata/v1/pod/manifest", manifest_json);
	expect_json("/acMetadata/v1/pod/annotations",
		    "[{\"name\":\"ip-address\",\"value\":\"10.1.2.3\"},"
		    "{\"name\":\"example.com/team\",\"value\":\"blue\"}]");
	expect_json("/acMetadata/v1/pod/annotations/",
		    json_object_to_json_string(
			    json_object_object_get(m, "annotations")));
	expect("/acMetadata/v1/pod/annotations/ip-address", 200,
	       "text/plain; charset=us-ascii", "10.1.2.3");
	expect("/acMetadata/v1/pod/annotations/example.com/team", 200, NULL,
	       "blue");
	expect("/acMetadata/v1/pod/annotations/nope", 404, NULL, NULL);
	expect("/acMetadata/v1/pod/annotations/Bad_Name", 400, NULL, NULL);
	expect("/acMetadata/v1/pod/annotations/-x", 400, NULL, NULL);
	expect("/acMetadata/v1/pod/nothing", 404, NULL, NULL);
	expect("/acMetadata/v1/pod", 404, NULL, NULL);
	expect("/acMetadata/v2/pod/uuid", 404, NULL, NULL);
	expect("/", 404, NULL, NULL);
	json_object_put(m);
}

static void test_apps(void **state)
{
	(void)state;
	expect("/acMetadata/v1/apps/web/image/id", 200,
	       "text/plain; charset=us-ascii", "sha512-abc");
	expect("/acMetadata/v1/apps/db/image/id", 200, NULL, "sha512-def");
	expect_json(
		"/acMetadata/v1/apps/web/image/manifest",
		"{\"acKind\":\"ImageManifest\",\"name\":\"example.com/web\","
		"\"annotations\":[{\"name\":\"role\",\"value\":"
		"\"image-side\"},{\"name\":\"authors\",\"value\":\"me\"}]}");
	/* The image's annotations, the pod manifest's app replacing. */
	expect_json("/acMetadata/v1/apps/web/annotations",
		    "[{\"name\":\"role\",\"value\":\"pod-side\"},"
		    "{\"name\":\"authors\",\"value\":\"me\"},"
		    "{\"name\":\"extra\",\"value\":\"1\"}]");
	expect("/acMetadata/v1/apps/web/annotations/role", 200, NULL,
	       "pod-side");
	expect("/acMetadata/v1/apps/web/annotations/authors", 200, NULL, "me");
	expect("/acMetadata/v1/apps/web/annotations/none", 404, NULL, NULL);
	expect_json("/acMetadata/v1/apps/db/annotations", "[]");
	/* db came without its image manifest: 404, not a crash. */
	expect("/acMetadata/v1/apps/db/image/manifest", 404, NULL, NULL);
	expect("/acMetadata/v1/apps/cache/image/id", 404, NULL, NULL);
	expect("/acMetadata/v1/apps/Web/image/id", 400, NULL, NULL);
	expect("/acMetadata/v1/apps/web/image/other", 404, NULL, NULL);
	expect("/acMetadata/v1/apps/web", 404, NULL, NULL);
	expect("/acMetadata/v1/apps/", 404, NULL, NULL);
}

static void test_methods(void **state)
{
	struct metadata_response r;

	(void)state;
	route(METADATA_HTTP_POST, "/acMetadata/v1/pod/uuid", "", &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(r.allow, "GET, HEAD");
	metadata_response_free(&r);
	route(METADATA_HTTP_OTHER, "/acMetadata/v1/pod/manifest", NULL, &r);
	assert_int_equal(r.status, 405);
	metadata_response_free(&r);
	route(METADATA_HTTP_GET, "/acMetadata/v1/pod/hmac/sign", NULL, &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(r.allow, "POST");
	metadata_response_free(&r);
	route(METADATA_HTTP_HEAD, "/acMetadata/v1/pod/uuid", NULL, &r);
	assert_int_equal(r.status, 200);
	metadata_response_free(&r);
}

static struct json_object *hmac_request(const char *path, const char *body)
{
	struct metadata_response r;
	struct json_object *o;

	route(METADATA_HTTP_POST, path, body, &r);
	assert_int_equal(r.status, 0);
	assert_non_null(r.hmac_request);
	o = json_tokener_parse(r.hmac_request);
	assert_non_null(o);
	metadata_response_free(&r);
	return o;
}

static const char *str(struct json_object *o, const char *key)
{
	return json_object_get_string(json_object_object_get(o, key));
}

static void test_hmac_requests(void **state)
{
	struct metadata_http_request req = {.method = METADATA_HTTP_POST};
	struct metadata_response r;
	struct json_object *o;

	(void)state;
	/* The content travels hex-encoded, binary-safe. */
	o = hmac_request("/acMetadata/v1/pod/hmac/sign",
			 "content=hi+%00%ff&uuid=ignored");
	assert_string_equal(str(o, "type"), "hmac-sign");
	assert_string_equal(str(o, "content"), "68692000ff");
	assert_null(json_object_object_get(o, "uuid"));
	json_object_put(o);
	o = hmac_request("/acMetadata/v1/pod/hmac/verify",
			 "uuid=" UUID "&content=x&signature=AB%2B%2F%3D");
	assert_string_equal(str(o, "type"), "hmac-verify");
	assert_string_equal(str(o, "content"), "78");
	assert_string_equal(str(o, "uuid"), UUID);
	assert_string_equal(str(o, "signature"), "AB+/=");
	json_object_put(o);

	static const struct {
		const char *path, *body;
		int status;
	} bad[] = {
		{"/acMetadata/v1/pod/hmac/sign", "", 400},
		{"/acMetadata/v1/pod/hmac/sign", "content=", 400},
		{"/acMetadata/v1/pod/hmac/sign", "other=1", 400},
		{"/acMetadata/v1/pod/hmac/sign", "content=%zz", 400},
		{"/acMetadata/v1/pod/hmac/sign", "content=1&content=2", 400},
		{"/acMetadata/v1/pod/hmac/verify",
		 "content=x&signature=AA==", 400},
		{"/acMetadata/v1/pod/hmac/verify", "content=x&uuid=" UUID, 400},
		{"/acMetadata/v1/pod/hmac/verify",
		 "content=x&uuid=a%00b&signature=AA==", 400},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		route(METADATA_HTTP_POST, bad[i].path, bad[i].body, &r);
		if (r.status != bad[i].status || r.hmac_request)
			fail_msg("%s %s: status %d", bad[i].path, bad[i].body,
				 r.status);
		metadata_response_free(&r);
	}
	/* Not a form: 415. */
	snprintf(req.path, sizeof(req.path), "/acMetadata/v1/pod/hmac/sign");
	req.body = "content=x";
	req.content_length = 9;
	req.form = false;
	metadata_route(&pod, &req, &r);
	assert_int_equal(r.status, 415);
	metadata_response_free(&r);
}

static void reply(const char *json, uint8_t kind, struct metadata_response *r)
{
	metadata_hmac_reply(kind, (const uint8_t *)json, strlen(json), r);
}

static void test_hmac_replies(void **state)
{
	struct metadata_response r;

	(void)state;
	reply("{\"type\":\"hmac-signed\",\"signature\":\"AB+/=\"}",
	      CTL_KIND_JSON, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "text/plain; charset=us-ascii");
	assert_memory_equal(r.body, "AB+/=", 5);
	metadata_response_free(&r);
	reply("{\"type\":\"hmac-verified\",\"valid\":true}", CTL_KIND_JSON, &r);
	assert_int_equal(r.status, 200);
	metadata_response_free(&r);
	reply("{\"type\":\"hmac-verified\",\"valid\":false}", CTL_KIND_JSON,
	      &r);
	assert_int_equal(r.status, 403);
	metadata_response_free(&r);
	reply("{\"type\":\"error\",\"message\":\"uuid: bad\\u0007\"}",
	      CTL_KIND_JSON, &r);
	assert_int_equal(r.status, 400);
	assert_memory_equal(r.body, "uuid: bad?\n", 11);
	metadata_response_free(&r);
	/* Anything else from the host: 502. */
	static const char *const bad[] = {
		"{\"type\":\"hmac-signed\",\"signature\":\"a b\"}",
		"{\"type\":\"hmac-signed\"}",
		"{\"type\":\"hmac-verified\",\"valid\":1}",
		"{\"type\":\"hello\"}",
		"not json",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reply(bad[i], CTL_KIND_JSON, &r);
		assert_int_equal(r.status, 502);
		metadata_response_free(&r);
	}
	reply("{\"type\":\"hmac-verified\",\"valid\":true}", CTL_KIND_STDOUT,
	      &r);
	assert_int_equal(r.status, 502);
	metadata_response_free(&r);
}

static void test_format(void **state)
{
	struct metadata_response r = {0};
	char *out;
	size_t len;
	static const char want[] = "HTTP/1.1 405 Method Not Allowed\r\n"
				   "Content-Type: text/plain; charset=utf-8\r\n"
				   "Allow: POST\r\n"
				   "Content-Length: 10\r\n"
				   "Connection: close\r\n\r\n"
				   "POST only\n";

	(void)state;
	metadata_response_error(&r, 405, "POST only");
	r.allow = "POST";
	assert_int_equal(metadata_response_format(&r, false, &out, &len), 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(out, want, len);
	free(out);
	/* HEAD: the same head, no body. */
	assert_int_equal(metadata_response_format(&r, true, &out, &len), 0);
	assert_int_equal(len, strlen(want) - 10);
	assert_memory_equal(out, want, len);
	free(out);
	metadata_response_free(&r);
}

static void test_env(void **state)
{
	struct runtime rt = {0};
	struct runtime_app apps[2] = {0};

	(void)state;
	rt.apps = apps;
	rt.n_apps = 2;
	apps[0].env = calloc(3, sizeof(char *));
	apps[0].env[0] = strdup("PATH=/bin");
	apps[0].env[1] = strdup("AC_METADATA_URL=http://evil");
	apps[0].n_env = 2;
	apps[1].env = calloc(1, sizeof(char *));
	assert_int_equal(metadata_env_add(&rt), 0);
	assert_int_equal(apps[0].n_env, 2);
	assert_string_equal(runtime_env_get(apps[0].env, "AC_METADATA_URL"),
			    "http://169.254.169.255:18112");
	assert_string_equal(apps[0].env[0], "PATH=/bin");
	assert_null(apps[0].env[2]);
	assert_int_equal(apps[1].n_env, 1);
	assert_string_equal(apps[1].env[0],
			    "AC_METADATA_URL=http://169.254.169.255:18112");
	assert_null(apps[1].env[1]);
	for (size_t i = 0; i < 2; i++) {
		for (size_t j = 0; j < apps[i].n_env; j++)
			free(apps[i].env[j]);
		free(apps[i].env);
	}
}

static void test_load_errors(void **state)
{
	struct metadata_pod p;
	struct json_object *m = json_tokener_parse(manifest_json);
	struct json_object *r = json_tokener_parse(
		"{\"apps\":[{\"name\":\"web\"},{\"name\":\"ghost\"}]}");
	struct json_object *arr = json_object_new_array();
	char err[256];

	(void)state;
	/* An app the manifest lacks. */
	assert_int_equal(metadata_pod_load(m, r, &p, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "ghost"));
	/* No manifest. */
	assert_int_equal(metadata_pod_load(arr, r, &p, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(metadata_pod_load(NULL, r, &p, err, sizeof(err)),
			 -EINVAL);
	/* A pod whose data did not load answers 404, never "null". */
	{
		struct metadata_pod empty = {0};
		struct metadata_http_request req = {.method =
							    METADATA_HTTP_GET};
		struct metadata_response resp;
		static const char *const paths[] = {
			"/acMetadata/v1/pod/manifest",
			"/acMetadata/v1/pod/annotations",
			"/acMetadata/v1/pod/uuid",
			"/acMetadata/v1/apps/web/image/id",
		};

		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			snprintf(req.path, sizeof(req.path), "%s", paths[i]);
			metadata_route(&empty, &req, &resp);
			assert_int_equal(resp.status, 404);
			metadata_response_free(&resp);
		}
	}
	/* No uuid, no apps: loads; uuid answers 404. */
	json_object_put(r);
	r = json_tokener_parse("{}");
	assert_int_equal(metadata_pod_load(m, r, &p, err, sizeof(err)), 0);
	assert_null(p.uuid);
	metadata_pod_free(&p);
	json_object_put(m);
	json_object_put(r);
	json_object_put(arr);
}

static void test_identifier(void **state)
{
	(void)state;
	assert_true(metadata_ac_identifier_valid("a"));
	assert_true(metadata_ac_identifier_valid("example.com/a_b~c-d"));
	assert_false(metadata_ac_identifier_valid(""));
	assert_false(metadata_ac_identifier_valid("A"));
	assert_false(metadata_ac_identifier_valid("a/"));
	assert_false(metadata_ac_identifier_valid("/a"));
	assert_false(metadata_ac_identifier_valid("a b"));
	assert_false(metadata_ac_identifier_valid("a%b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod),
		cmocka_unit_test(test_apps),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_hmac_requests),
		cmocka_unit_test(test_hmac_replies),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_env),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_identifier),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
