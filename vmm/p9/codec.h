/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 9P wire codec: little-endian integers, u16-counted strings and qids
 * read from and written to one linear message buffer, plus the copies
 * between a message buffer and the guest's scattered buffers.
 *
 * A reader never reads past its message: a field that does not fit sets
 * r->bad and reads as zero, so a handler parses every field and checks
 * r->bad once before acting. A writer never writes past its capacity: a
 * field that does not fit sets w->overflow.
 */
#ifndef COCOON_VMM_P9_CODEC_H
#define COCOON_VMM_P9_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct p9_reader {
	const uint8_t *buf;
	size_t len; /* the message's size field, <= msize */
	size_t pos;
	bool bad;
};

/* A string in the request: not NUL-terminated, may hold any byte. */
struct p9_str {
	const char *p;
	size_t len; /* <= 65535, within the message */
};

struct p9_writer {
	uint8_t *buf;
	size_t cap; /* min(msize, guest's writable bytes) */
	size_t pos;
	bool overflow;
};

struct p9_qid {
	uint8_t type;
	uint32_t version;
	uint64_t path;
};

void p9_reader_init(struct p9_reader *r, const void *buf, size_t len);
uint8_t p9_get_u8(struct p9_reader *r);
uint16_t p9_get_u16(struct p9_reader *r);
uint32_t p9_get_u32(struct p9_reader *r);
uint64_t p9_get_u64(struct p9_reader *r);
void p9_get_str(struct p9_reader *r, struct p9_str *s);
/* n bytes of payload in place; NULL (and r->bad) if they are not there. */
const void *p9_get_bytes(struct p9_reader *r, size_t n);
size_t p9_reader_left(const struct p9_reader *r);

void p9_writer_init(struct p9_writer *w, void *buf, size_t cap);
void p9_put_u8(struct p9_writer *w, uint8_t v);
void p9_put_u16(struct p9_writer *w, uint16_t v);
void p9_put_u32(struct p9_writer *w, uint32_t v);
void p9_put_u64(struct p9_writer *w, uint64_t v);
void p9_put_str(struct p9_writer *w, const char *s, size_t len);
void p9_put_cstr(struct p9_writer *w, const char *s);
void p9_put_qid(struct p9_writer *w, const struct p9_qid *qid);
void p9_put_bytes(struct p9_writer *w, const void *p, size_t n);
/* Room for n bytes the caller fills in; NULL (and overflow) if none. */
void *p9_put_reserve(struct p9_writer *w, size_t n);
size_t p9_writer_room(const struct p9_writer *w);
/* Overwrites 4 bytes already written at pos (a count known later). */
void p9_patch_u32(struct p9_writer *w, size_t pos, uint32_t v);
/* Fills size[4] type[1] tag[2] at the start from w->pos. */
void p9_put_header(struct p9_writer *w, uint8_t type, uint16_t tag);

/*
 * The sum of iov[0..n).iov_len, or -EOVERFLOW when it does not fit a
 * size_t or n is negative.
 */
ssize_t p9_iov_total(const struct iovec *iov, int n);
/* Copies len bytes from the iovecs (from byte off on) into dst. */
void p9_iov_gather(const struct iovec *iov, int n, size_t off, void *dst,
		   size_t len);
/* Copies len bytes of src into the iovecs from their start. */
void p9_iov_scatter(const struct iovec *iov, int n, const void *src,
		    size_t len);

#endif
