/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API service's HTTP/1.1 wire (RFC 9112), the small part it needs: a
 * GET request head parsed from a bounded buffer (request line, headers,
 * percent-decoded path and query), and response heads. Every connection
 * carries one request and is closed after the response, so there is no
 * keep-alive and no request body. Client bytes are hostile: every length
 * is bounded and a request that is not well-formed is refused.
 */
#ifndef COCOON_STAGE0_API_HTTP_H
#define COCOON_STAGE0_API_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* The whole request head (line and headers) must fit in this. */
#define API_HTTP_HEAD_MAX 8192
/* At most this many query parameters and headers. */
#define API_HTTP_PARAMS_MAX  64
#define API_HTTP_HEADERS_MAX 64

struct api_param {
	char *name;
	char *value; /* "" for a bare "name" */
};

struct api_request {
	char method[8];
	char *path; /* decoded, starts with '/' */
	struct api_param *params;
	size_t nparams;
};

/*
 * Parses the request head at the start of buf. Returns 1 when it is
 * complete (req filled), 0 when more bytes are needed (and len is still
 * below API_HTTP_HEAD_MAX), or -1 with *err whose code is the HTTP
 * status to answer (400, 405, 414, 431, 501, 505).
 */
int api_http_parse(const char *buf, size_t len, struct api_request *req,
		   struct error **err);
void api_request_free(struct api_request *req);

/*
 * Percent-decodes in[0..len) ('+' is a space in a query); NUL, control
 * characters after decoding and bad escapes are refused (NULL).
 */
char *api_http_decode(const char *in, size_t len, bool query);

/* The first value of parameter name, or NULL. */
const char *api_param_get(const struct api_request *req, const char *name);
/* "true"/"1"/"" -> true, "false"/"0" -> false, else -1. */
int api_param_bool(const char *v);

/* "OK", "Not Found"... for the statuses the service answers. */
const char *api_http_reason(int status);

/*
 * A response head with Connection: close; body_len < 0 means chunked
 * (for streams). Returns its length, written to buf (NUL-terminated).
 */
size_t api_http_head(char *buf, size_t size, int status,
		     const char *content_type, long long body_len);

/* An error body: {"error": {"code": status, "message": "..."}}\n. */
char *api_http_error_body(int status, const char *message);

#endif
