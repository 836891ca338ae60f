/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The metadata service's HTTP/1.1 (RFC 9112), only as much as the appc
 * metadata service needs: GET, HEAD and POST requests with a
 * Content-Length body (application/x-www-form-urlencoded), answered with
 * "Connection: close". Everything here is pure code over a buffer, so the
 * parser can be unit-tested and fuzzed: apps are untrusted, and every
 * byte they send is parsed as hostile.
 */
#ifndef COCOON_GUEST_METADATA_HTTP_H
#define COCOON_GUEST_METADATA_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* The request line and headers together. */
#define METADATA_HTTP_HEAD_MAX	  8192
#define METADATA_HTTP_HEADERS_MAX 64
/* A form whose content is METADATA_FORM_VALUE_MAX bytes, %-encoded. */
#define METADATA_HTTP_BODY_MAX (3 * (64u << 10) + 4096)
/* The target's path, %-decoded. */
#define METADATA_HTTP_PATH_MAX 1024
/* One decoded form value (the hmac content, as the host's bound). */
#define METADATA_FORM_VALUE_MAX (64u << 10)

enum metadata_http_method {
	METADATA_HTTP_GET,
	METADATA_HTTP_HEAD,
	METADATA_HTTP_POST,
	METADATA_HTTP_OTHER, /* a valid token we do not serve: 405 */
};

struct metadata_http_request {
	enum metadata_http_method method;
	char path[METADATA_HTTP_PATH_MAX + 1]; /* %-decoded, no query */
	size_t head_len;       /* bytes of request line + headers + CRLF */
	size_t content_length; /* 0 without the header */
	bool expect_continue;  /* "Expect: 100-continue" */
	bool form;	       /* no Content-Type, or a urlencoded form */
	const char *body;      /* into the buffer, content_length bytes */
};

/*
 * Parses the request at the start of buf[0..len).
 *
 * Returns the request's total length (head + body) once all of it is
 * there; 0 when more bytes are needed (req->head_len is non-zero once
 * the head is complete, so a caller can answer "100 Continue"); or
 * -status for a request that cannot be served: -400 (malformed: bad
 * request line, header syntax, obsolete line folding, NUL or control
 * bytes, a bad or conflicting Content-Length, a bad %-escape or "%00" in
 * the path), -413 (body over METADATA_HTTP_BODY_MAX), -414 (path over
 * METADATA_HTTP_PATH_MAX), -431 (head over METADATA_HTTP_HEAD_MAX or
 * more than METADATA_HTTP_HEADERS_MAX headers), -501 (Transfer-Encoding,
 * or an Expect other than 100-continue), -505 (not HTTP/1.0 or 1.1).
 * Line ends are CRLF; a bare LF is accepted too (RFC 9112 §2.2).
 */
long metadata_http_parse(const char *buf, size_t len,
			 struct metadata_http_request *req);

/*
 * Finds key in an application/x-www-form-urlencoded body (WHATWG URL
 * "application/x-www-form-urlencoded parsing": '&'-separated pairs, '+'
 * for space, %XX escapes) and decodes its value into out (binary-safe,
 * not terminated). Returns 1 and *out_len, 0 when the key is absent, -1
 * when the body is malformed (a bad escape), the key appears twice, or
 * the value exceeds out_size.
 */
int metadata_form_get(const char *body, size_t len, const char *key, char *out,
		      size_t out_size, size_t *out_len);

/* The reason phrase of a status this server sends ("Not Found"). */
const char *metadata_http_reason(int status);

#endif
