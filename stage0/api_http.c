// SPDX-License-Identifier: Apache-2.0
/* The API service's HTTP/1.1 requests and responses: see api_http.h. */
#include "stage0/api_http.h"
#include "common/hex.h"
#include "common/cleanup.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *api_http_decode(const char *in, size_t len, bool query)
{
	char *out = malloc(len + 1);
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				goto bad;
			hi = hex_value(in[i + 1]);
			lo = hex_value(in[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad;
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && query) {
			c = ' ';
		}
		/* No NUL or control characters in names, paths, values. */
		if (c < 0x20 || c == 0x7f)
			goto bad;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

void api_request_free(struct api_request *req)
{
	for (size_t i = 0; i < req->nparams; i++) {
		free(req->params[i].name);
		free(req->params[i].value);
	}
	free(req->params);
	free(req->path);
	memset(req, 0, sizeof(*req));
}

static int api_http_query(const char *q, size_t len, struct api_request *req,
			  struct error **err)
{
	while (len > 0) {
		size_t n = 0, eq;
		struct api_param *p;

		while (n < len && q[n] != '&')
			n++;
		if (n > 0) {
			if (req->nparams >= API_HTTP_PARAMS_MAX)
				return error_set(
					err, 414,
					"more than %d query parameters",
					API_HTTP_PARAMS_MAX);
			p = realloc(req->params,
				    (req->nparams + 1) * sizeof(*p));
			if (!p)
				return error_set(err, 500, "out of memory");
			req->params = p;
			p = &req->params[req->nparams];
			for (eq = 0; eq < n && q[eq] != '='; eq++)
				;
			p->name = api_http_decode(q, eq, true);
			p->value = eq < n ? api_http_decode(q + eq + 1,
							    n - eq - 1, true)
					  : strdup("");
			if (!p->name || !p->value || !p->name[0]) {
				free(p->name);
				free(p->value);
				return error_set(err, 400,
						 "malformed query parameter");
			}
			req->nparams++;
		}
		q += n;
		len -= n;
		if (len > 0) {
			q++;
			len--;
		}
	}
	return 0;
}

/* A header line "Name: value"; only its shape is checked. */
static bool api_http_header_ok(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && line[i] != ':') {
		unsigned char c = (unsigned char)line[i];

		/* RFC 9110 token characters (roughly): no space, no ctl */
		if (c <= 0x20 || c >= 0x7f || strchr("\"(),/;<=>?@[\\]{}", c))
			return false;
		i++;
	}
	if (i == 0 || i == len)
		return false;
	for (i++; i < len; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
			return false;
	return true;
}

int api_http_parse(const char *buf, size_t len, struct api_request *req,
		   struct error **err)
{
	const char *end = NULL, *line_end, *sp1, *sp2, *target, *q, *p;
	size_t head_len, nheaders = 0;

	memset(req, 0, sizeof(*req));
	for (size_t i = 0; i + 3 < len; i++)
		if (!memcmp(buf + i, "\r\n\r\n", 4)) {
			end = buf + i;
			break;
		}
	if (!end) {
		if (len >= API_HTTP_HEAD_MAX)
			return error_set(err, 431,
					 "request head larger than %d bytes",
					 API_HTTP_HEAD_MAX);
		return 0;
	}
	head_len = (size_t)(end - buf);
	if (head_len + 4 > API_HTTP_HEAD_MAX)
		return error_set(err, 431, "request head larger than %d bytes",
				 API_HTTP_HEAD_MAX);
	line_end = memmem(buf, head_len + 2, "\r\n", 2);
	sp1 = memchr(buf, ' ', (size_t)(line_end - buf));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || sp1 == buf || sp2 == sp1 + 1)
		return error_set(err, 400, "malformed request line");
	if ((size_t)(line_end - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7))
		return error_set(err, 505, "only HTTP/1.x is spoken here");
	if ((size_t)(sp1 - buf) >= sizeof(req->method))
		return error_set(err, 501, "unknown method");
	memcpy(req->method, buf, (size_t)(sp1 - buf));
	req->method[sp1 - buf] = '\0';
	if (strcmp(req->method, "GET"))
		return error_set(err, 405,
				 "method %s not allowed: the API is read-only "
				 "(GET)",
				 !strcmp(req->method, "POST") ||
						 !strcmp(req->method, "PUT") ||
						 !strcmp(req->method, "DELETE")
					 ? req->method
					 : "other than GET");
	target = sp1 + 1;
	if (*target != '/')
		return error_set(err, 400, "request target must be a path");
	q = memchr(target, '?', (size_t)(sp2 - target));
	p = q ? q : sp2;
	/* Fragments never reach a server; '#' here is malformed. */
	if (memchr(target, '#', (size_t)(sp2 - target)))
		return error_set(err, 400, "malformed request target");
	req->path = api_http_decode(target, (size_t)(p - target), false);
	if (!req->path) {
		api_request_free(req);
		return error_set(err, 400, "malformed path");
	}
	if (q && api_http_query(q + 1, (size_t)(sp2 - q - 1), req, err) < 0) {
		api_request_free(req);
		return -1;
	}
	/* Headers: checked for shape and count, otherwise unused. */
	for (const char *h = line_end + 2; h < end;) {
		const char *e = memmem(h, (size_t)(end - h) + 2, "\r\n", 2);

		if (!e || !api_http_header_ok(h, (size_t)(e - h)) ||
		    ++nheaders > API_HTTP_HEADERS_MAX) {
			api_request_free(req);
			return error_set(err,
					 nheaders > API_HTTP_HEADERS_MAX ? 431
									 : 400,
					 "malformed or too many headers");
		}
		h = e + 2;
	}
	return 1;
}

const char *api_param_get(const struct api_request *req, const char *name)
{
	for (size_t i = 0; i < req->nparams; i++)
		if (!strcmp(req->params[i].name, name))
			return req->params[i].value;
	return NULL;
}

int api_param_bool(const char *v)
{
	if (!strcmp(v, "") || !strcmp(v, "true") || !strcmp(v, "1"))
		return 1;
	if (!strcmp(v, "false") || !strcmp(v, "0"))
		return 0;
	return -1;
}

const char *api_http_reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return status >= 500 ? "Internal Server Error" : "Error";
	}
}

size_t api_http_head(char *buf, size_t size, int status,
		     const char *content_type, long long body_len)
{
	char length[64];
	int n;

	if (body_len >= 0)
		snprintf(length, sizeof(length), "Content-Length: %lld\r\n",
			 body_len);
	else
		snprintf(length, sizeof(length),
			 "Transfer-Encoding: chunked\r\n");
	n = snprintf(buf, size,
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: %s\r\n"
		     "%s"
		     "Cache-Control: no-store\r\n"
		     "Connection: close\r\n"
		     "\r\n",
		     status, api_http_reason(status), content_type, length);
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

char *api_http_error_body(int status, const char *message)
{
	struct json_object *o = json_object_new_object(),
			   *e = json_object_new_object();
	char *out = NULL;

	if (!o || !e) {
		json_object_put(o);
		json_object_put(e);
		return NULL;
	}
	json_object_object_add(e, "code", json_object_new_int(status));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_object_add(o, "error", e);
	if (asprintf(&out, "%s\n",
		     json_object_to_json_string_ext(
			     o, JSON_C_TO_STRING_PLAIN)) < 0)
		out = NULL;
	json_object_put(o);
	return out;
}
