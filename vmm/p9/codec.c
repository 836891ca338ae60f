// SPDX-License-Identifier: Apache-2.0
/* 9P wire codec (see codec.h): little-endian, bounds-checked. */
#include "vmm/p9/codec.h"

#include "vmm/p9/proto.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

void p9_reader_init(struct p9_reader *r, const void *buf, size_t len)
{
	r->buf = buf;
	r->len = len;
	r->pos = 0;
	r->bad = false;
}

size_t p9_reader_left(const struct p9_reader *r)
{
	return r->len - r->pos;
}

/* guest: every field is checked against the message's own size */
static const uint8_t *reader_take(struct p9_reader *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || n > r->len - r->pos) {
		r->bad = true;
		return NULL;
	}
	p = r->buf + r->pos;
	r->pos += n;
	return p;
}

static uint64_t le_read(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

uint8_t p9_get_u8(struct p9_reader *r)
{
	const uint8_t *p = reader_take(r, 1);

	return p ? p[0] : 0;
}

uint16_t p9_get_u16(struct p9_reader *r)
{
	const uint8_t *p = reader_take(r, 2);

	return p ? (uint16_t)le_read(p, 2) : 0;
}

uint32_t p9_get_u32(struct p9_reader *r)
{
	const uint8_t *p = reader_take(r, 4);

	return p ? (uint32_t)le_read(p, 4) : 0;
}

uint64_t p9_get_u64(struct p9_reader *r)
{
	const uint8_t *p = reader_take(r, 8);

	return p ? le_read(p, 8) : 0;
}

void p9_get_str(struct p9_reader *r, struct p9_str *s)
{
	/* guest: len <= 65535 and must lie within the message */
	size_t len = p9_get_u16(r);
	const uint8_t *p = reader_take(r, len);

	s->p = p ? (const char *)p : "";
	s->len = p ? len : 0;
}

const void *p9_get_bytes(struct p9_reader *r, size_t n)
{
	return reader_take(r, n);
}

void p9_writer_init(struct p9_writer *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->pos = 0;
	w->overflow = false;
}

size_t p9_writer_room(const struct p9_writer *w)
{
	return w->overflow ? 0 : w->cap - w->pos;
}

void *p9_put_reserve(struct p9_writer *w, size_t n)
{
	void *p;

	if (w->overflow || n > w->cap - w->pos) {
		w->overflow = true;
		return NULL;
	}
	p = w->buf + w->pos;
	w->pos += n;
	return p;
}

static void le_write(struct p9_writer *w, uint64_t v, int n)
{
	uint8_t *p = p9_put_reserve(w, (size_t)n);
	int i;

	if (!p)
		return;
	for (i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

void p9_put_u8(struct p9_writer *w, uint8_t v)
{
	le_write(w, v, 1);
}

void p9_put_u16(struct p9_writer *w, uint16_t v)
{
	le_write(w, v, 2);
}

void p9_put_u32(struct p9_writer *w, uint32_t v)
{
	le_write(w, v, 4);
}

void p9_put_u64(struct p9_writer *w, uint64_t v)
{
	le_write(w, v, 8);
}

void p9_put_bytes(struct p9_writer *w, const void *p, size_t n)
{
	void *dst = p9_put_reserve(w, n);

	if (dst && n)
		memcpy(dst, p, n);
}

void p9_put_str(struct p9_writer *w, const char *s, size_t len)
{
	if (len > UINT16_MAX) {
		w->overflow = true;
		return;
	}
	p9_put_u16(w, (uint16_t)len);
	p9_put_bytes(w, s, len);
}

void p9_put_cstr(struct p9_writer *w, const char *s)
{
	p9_put_str(w, s, strlen(s));
}

void p9_put_qid(struct p9_writer *w, const struct p9_qid *qid)
{
	p9_put_u8(w, qid->type);
	p9_put_u32(w, qid->version);
	p9_put_u64(w, qid->path);
}

void p9_patch_u32(struct p9_writer *w, size_t pos, uint32_t v)
{
	size_t i;

	if (pos > w->pos || w->pos - pos < 4)
		return;
	for (i = 0; i < 4; i++)
		w->buf[pos + i] = (uint8_t)(v >> (8 * i));
}

void p9_put_header(struct p9_writer *w, uint8_t type, uint16_t tag)
{
	size_t i, len = w->pos;
	uint8_t *p = w->buf;

	/* callers keep cap >= P9_HDR_SIZE; len <= cap <= msize < 4 GiB */
	for (i = 0; i < 4; i++)
		p[i] = (uint8_t)(len >> (8 * i));
	p[4] = type;
	p[5] = (uint8_t)tag;
	p[6] = (uint8_t)(tag >> 8);
}

ssize_t p9_iov_total(const struct iovec *iov, int n)
{
	size_t total = 0;
	int i;

	if (n < 0)
		return -EOVERFLOW;
	for (i = 0; i < n; i++) {
		if (iov[i].iov_len > (size_t)SSIZE_MAX - total)
			return -EOVERFLOW;
		total += iov[i].iov_len;
	}
	return (ssize_t)total;
}

void p9_iov_gather(const struct iovec *iov, int n, size_t off, void *dst,
		   size_t len)
{
	uint8_t *d = dst;
	int i;

	for (i = 0; i < n && len; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len)
			l = len;
		memcpy(d, (const uint8_t *)iov[i].iov_base + off, l);
		d += l;
		len -= l;
		off = 0;
	}
}

void p9_iov_scatter(const struct iovec *iov, int n, const void *src, size_t len)
{
	const uint8_t *s = src;
	int i;

	for (i = 0; i < n && len; i++) {
		size_t l = iov[i].iov_len < len ? iov[i].iov_len : len;

		if (l)
			memcpy(iov[i].iov_base, s, l);
		s += l;
		len -= l;
	}
}
