// SPDX-License-Identifier: Apache-2.0
/* The metadata service's HTTP parser (guest/metadata_http.h). */
#include "guest/metadata_http.h"
#include "common/hex.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

/* RFC 9110 §5.6.2 tchar. */
static bool http_tchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/*
 * The end of the line starting at p (before CRLF or LF), with *next past
 * it; NULL when no line end is in [p, end). A CR not followed by LF, or
 * any other control byte but HT, is malformed: *bad is set.
 */
static const char *http_line(const char *p, const char *end, const char **next,
			     bool *bad)
{
	for (const char *q = p; q < end; q++) {
		unsigned char c = (unsigned char)*q;

		if (c == '\n') {
			*next = q + 1;
			return q > p && q[-1] == '\r' ? q - 1 : q;
		}
		if (c == '\r' && q + 1 < end && q[1] != '\n') {
			*bad = true;
			return NULL;
		}
		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
			*bad = true;
			return NULL;
		}
	}
	return NULL;
}

/* %-decodes the target's path (up to '?' or the end) into req->path. */
static long http_path(const char *t, size_t len,
		      struct metadata_http_request *req)
{
	size_t n = 0;

	if (!len || t[0] != '/')
		return -400; /* origin-form only (RFC 9112 §3.2.1) */
	for (size_t i = 0; i < len && t[i] != '?' && t[i] != '#'; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c == '%') {
			int hi = i + 2 < len
					 ? hex_value((unsigned char)t[i + 1])
					 : -1;
			int lo = i + 2 < len
					 ? hex_value((unsigned char)t[i + 2])
					 : -1;

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -400;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		} else if (c <= 0x20 || c >= 0x7f) {
			return -400;
		}
		if (n == METADATA_HTTP_PATH_MAX)
			return -414;
		req->path[n++] = (char)c;
	}
	req->path[n] = '\0';
	return 0;
}

static long http_request_line(const char *p, const char *eol,
			      struct metadata_http_request *req)
{
	const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
	const char *sp2;
	size_t mlen;

	if (!sp1 || sp1 == p)
		return -400;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1)
		return -400;
	mlen = (size_t)(sp1 - p);
	for (size_t i = 0; i < mlen; i++)
		if (!http_tchar((unsigned char)p[i]))
			return -400;
	if (mlen == 3 && !memcmp(p, "GET", 3))
		req->method = METADATA_HTTP_GET;
	else if (mlen == 4 && !memcmp(p, "HEAD", 4))
		req->method = METADATA_HTTP_HEAD;
	else if (mlen == 4 && !memcmp(p, "POST", 4))
		req->method = METADATA_HTTP_POST;
	else
		req->method = METADATA_HTTP_OTHER;
	/* HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive. */
	if (eol - sp2 - 1 != 8 || memcmp(sp2 + 1, "HTTP/", 5) || sp2[6] < '0' ||
	    sp2[6] > '9' || sp2[7] != '.' || sp2[8] < '0' || sp2[8] > '9')
		return -400;
	if (sp2[6] != '1' || (sp2[8] != '0' && sp2[8] != '1'))
		return -505;
	return http_path(sp1 + 1, (size_t)(sp2 - sp1 - 1), req);
}

/* value [vs, ve) with optional whitespace trimmed */
static void http_trim(const char **vs, const char **ve)
{
	while (*vs < *ve && (**vs == ' ' || **vs == '\t'))
		(*vs)++;
	while (*ve > *vs && ((*ve)[-1] == ' ' || (*ve)[-1] == '\t'))
		(*ve)--;
}

static bool http_value_is(const char *vs, const char *ve, const char *want)
{
	return (size_t)(ve - vs) == strlen(want) &&
	       !strncasecmp(vs, want, (size_t)(ve - vs));
}

/* One "name: value" line; *have_length tracks Content-Length repeats. */
static long http_header(const char *p, const char *eol,
			struct metadata_http_request *req, bool *have_length)
{
	const char *colon = memchr(p, ':', (size_t)(eol - p));
	const char *vs, *ve;
	size_t nlen;

	if (!colon || colon == p)
		return -400;
	nlen = (size_t)(colon - p);
	/* No whitespace between name and colon (RFC 9112 §5.1). */
	for (size_t i = 0; i < nlen; i++)
		if (!http_tchar((unsigned char)p[i]))
			return -400;
	vs = colon + 1;
	ve = eol;
	http_trim(&vs, &ve);
	if (nlen == 14 && !strncasecmp(p, "Content-Length", 14)) {
		size_t v = 0;

		if (vs == ve)
			return -400;
		for (const char *q = vs; q < ve; q++)
			if (*q < '0' || *q > '9')
				return -400;
		if (ve - vs > 9)
			return -413; /* well past the bound, leading zeros aside */
		for (const char *q = vs; q < ve; q++)
			v = v * 10 + (size_t)(*q - '0');
		if (*have_length && v != req->content_length)
			return -400;
		if (v > METADATA_HTTP_BODY_MAX)
			return -413;
		req->content_length = v;
		*have_length = true;
	} else if (nlen == 17 && !strncasecmp(p, "Transfer-Encoding", 17)) {
		return -501;
	} else if (nlen == 6 && !strncasecmp(p, "Expect", 6)) {
		if (!http_value_is(vs, ve, "100-continue"))
			return -501;
		req->expect_continue = true;
	} else if (nlen == 12 && !strncasecmp(p, "Content-Type", 12)) {
		const char *semi = memchr(vs, ';', (size_t)(ve - vs));
		const char *te = semi ? semi : ve;

		http_trim(&vs, &te);
		req->form = http_value_is(vs, te,
					  "application/x-www-form-urlencoded");
	}
	return 0;
}

long metadata_http_parse(const char *buf, size_t len,
			 struct metadata_http_request *req)
{
	const char *p = buf, *end = buf + len, *eol, *next;
	size_t headers = 0, limit;
	bool have_length = false, bad = false;
	long r;

	memset(req, 0, sizeof(*req));
	req->form = true;
	limit = len < METADATA_HTTP_HEAD_MAX ? len : METADATA_HTTP_HEAD_MAX;
	end = buf + limit;
	/* RFC 9112 §2.2: ignore empty lines before the request line. */
	while (p < end &&
	       (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')))
		p += *p == '\n' ? 1 : 2;
	eol = http_line(p, end, &next, &bad);
	if (!eol)
		return bad ? -400 : len >= METADATA_HTTP_HEAD_MAX ? -431 : 0;
	r = http_request_line(p, eol, req);
	if (r < 0)
		return r;
	for (p = next;;) {
		eol = http_line(p, end, &next, &bad);
		if (!eol)
			return bad			       ? -400
			       : len >= METADATA_HTTP_HEAD_MAX ? -431
							       : 0;
		if (eol == p)
			break; /* the empty line: end of the head */
		if (*p == ' ' || *p == '\t')
			return -400; /* obs-fold (RFC 9112 §5.2) */
		if (++headers > METADATA_HTTP_HEADERS_MAX)
			return -431;
		r = http_header(p, eol, req, &have_length);
		if (r < 0)
			return r;
		p = next;
	}
	req->head_len = (size_t)(next - buf);
	if (len - req->head_len < req->content_length)
		return 0;
	req->body = buf + req->head_len;
	return (long)(req->head_len + req->content_length);
}

/* Decodes a form component [s, e) into out; -1 on a bad escape or size. */
static long form_decode(const char *s, const char *e, char *out,
			size_t out_size)
{
	size_t n = 0;

	for (; s < e; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi =
				e - s > 2 ? hex_value((unsigned char)s[1]) : -1;
			int lo =
				e - s > 2 ? hex_value((unsigned char)s[2]) : -1;

			if (hi < 0 || lo < 0)
				return -1;
			c = (unsigned char)(hi << 4 | lo);
			s += 2;
		}
		if (out) {
			if (n == out_size)
				return -1;
			out[n] = (char)c;
		}
		n++;
	}
	return (long)n;
}

int metadata_form_get(const char *body, size_t len, const char *key, char *out,
		      size_t out_size, size_t *out_len)
{
	const char *p = body, *end = body + len;
	size_t klen = strlen(key);
	int found = 0;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *pe = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(pe - p));
		const char *ne = eq ? eq : pe;
		char name[64];
		long n;

		n = form_decode(p, ne, NULL, 0);
		if (n < 0 || (eq && form_decode(eq + 1, pe, NULL, 0) < 0))
			return -1;
		if ((size_t)n == klen &&
		    form_decode(p, ne, name, sizeof(name)) == n &&
		    !memcmp(name, key, klen)) {
			if (found)
				return -1; /* one value, never a choice */
			n = eq ? form_decode(eq + 1, pe, out, out_size) : 0;
			if (n < 0)
				return -1;
			*out_len = (size_t)n;
			found = 1;
		}
		p = amp ? amp + 1 : end;
	}
	return found;
}

const char *metadata_http_reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Error";
	}
}
