// SPDX-License-Identifier: Apache-2.0
/* The API service's connections and answers: see api_conn.h. */
#include "stage0/api_conn.h"
#include "common/cleanup.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

long long api_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}
/* ---- output */

int api_out(struct api_client *c, const char *data, size_t len)
{
	char *grown;

	if (c->outoff && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	grown = realloc(c->out, c->outlen + len + 1);
	if (!grown)
		return -1;
	memcpy(grown + c->outlen, data, len);
	c->out = grown;
	c->outlen += len;
	return 0;
}

size_t api_pending(const struct api_client *c)
{
	return c->outlen - c->outoff;
}

/* One chunk of a chunked answer (RFC 9112 §7.1); len 0 ends it. */
int api_chunk(struct api_client *c, const char *data, size_t len)
{
	char size[32];
	int n = snprintf(size, sizeof(size), "%zx\r\n", len);

	if (api_out(c, size, (size_t)n) < 0 ||
	    (len && api_out(c, data, len) < 0) || api_out(c, "\r\n", 2) < 0)
		return -1;
	return 0;
}

void api_answer(struct api_client *c, int status, const char *type,
		const char *body, size_t len)
{
	char head[512];
	size_t n =
		api_http_head(head, sizeof(head), status, type, (long long)len);

	c->kind = CLIENT_ANSWER;
	c->ending = true;
	c->deadline = api_now_ms() + API_STALL_TIMEOUT_MS;
	if (api_out(c, head, n) < 0)
		return;
	api_out(c, body, len);
}

void api_answer_error(struct api_client *c, int status, const char *message)
{
	cleanup_free char *body = api_http_error_body(status, message);

	if (status < 400 || status > 599)
		status = 500;
	api_answer(c, status, "application/json", body ? body : "",
		   body ? strlen(body) : 0);
}

void api_answer_json(struct api_client *c, struct json_object *o)
{
	const char *s =
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	cleanup_free char *body = NULL;

	if (asprintf(&body, "%s\n", s) < 0) {
		body = NULL;
		api_answer_error(c, 500, "out of memory");
		return;
	}
	api_answer(c, 200, "application/json", body, strlen(body));
}

void api_answer_fail(struct api_client *c, struct error **err)
{
	int status = *err ? (*err)->code : 500;

	api_answer_error(c, status >= 400 && status <= 599 ? status : 500,
			 *err ? (*err)->message : "failed");
	error_free(err);
}

void api_stream_start(struct api_client *c, enum api_client_kind kind,
		      const char *type)
{
	char head[512];
	size_t n = api_http_head(head, sizeof(head), 200, type, -1);

	c->kind = kind;
	c->deadline = api_now_ms() + API_STALL_TIMEOUT_MS;
	api_out(c, head, n);
}

/* ---- routes */