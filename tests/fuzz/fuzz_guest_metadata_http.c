// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: what cocoon-init's metadata service does with the
 * bytes an app sends (guest/metadata_http.h, guest/metadata.h). The input
 * is parsed as it arrives, one growing prefix at a time (the first byte
 * picks the step), the way the server re-parses after each read; a
 * complete request is routed against a small pod and its answer
 * formatted, and the form fields of its body are decoded. Checks: a
 * result never claims more bytes than there are, a complete request
 * stays complete as more bytes come, error statuses are the documented
 * ones, the path is %-decoded without NULs, and every answer has a
 * status (or a host request) and formats.
 */
#include "guest/metadata.h"
#include "guest/metadata_http.h"

#include <assert.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct metadata_pod pod;
static int pod_loaded;

static void load_pod(void)
{
	struct json_object *m = json_tokener_parse(
		"{\"annotations\":[{\"name\":\"a\",\"value\":\"b\"}],"
		"\"apps\":[{\"name\":\"web\",\"image\":{\"id\":\"sha512-x\"},"
		"\"annotations\":[{\"name\":\"c\",\"value\":\"d\"}]}]}");
	struct json_object *r = json_tokener_parse(
		"{\"uuid\":\"0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0\",\"apps\":"
		"[{\"name\":\"web\",\"image_manifest\":{\"name\":\"x\"}}]}");
	char err[128];

	assert(metadata_pod_load(m, r, &pod, err, sizeof(err)) == 0);
	json_object_put(m);
	json_object_put(r);
	pod_loaded = 1;
}

static int status_documented(long s)
{
	return s == 400 || s == 413 || s == 414 || s == 431 || s == 501 ||
	       s == 505;
}

static void serve(const struct metadata_http_request *req)
{
	struct metadata_response resp;
	char value[256];
	size_t n;
	char *out;
	size_t len;

	metadata_route(&pod, req, &resp);
	if (resp.hmac_request) {
		assert(resp.status == 0);
	} else {
		assert(resp.status >= 200 && resp.status < 600);
		assert(metadata_response_format(&resp, false, &out, &len) == 0);
		assert(len >= resp.body_len);
		free(out);
	}
	metadata_response_free(&resp);
	if (req->content_length &&
	    metadata_form_get(req->body, req->content_length, "content", value,
			      sizeof(value), &n) == 1)
		assert(n <= sizeof(value));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct metadata_http_request req;
	const char *buf;
	size_t step, have = 0;
	long done = 0;

	if (!pod_loaded)
		load_pod();
	if (size < 1)
		return 0;
	step = (size_t)data[0] * 16 + 1;
	buf = (const char *)data + 1;
	size--;
	while (have < size) {
		long r;

		have = size - have < step ? size : have + step;
		r = metadata_http_parse(buf, have, &req);
		if (done > 0) {
			/* More bytes never change a complete request. */
			assert(r == done);
			continue;
		}
		if (r < 0) {
			assert(status_documented(-r));
			return 0;
		}
		if (r == 0) {
			assert(req.head_len <= have);
			continue;
		}
		assert((size_t)r <= have);
		assert(req.head_len + req.content_length == (size_t)r);
		assert(strlen(req.path) <= METADATA_HTTP_PATH_MAX);
		assert(req.path[0] == '/');
		assert(req.body == buf + req.head_len);
		serve(&req);
		done = r;
	}
	return 0;
}
