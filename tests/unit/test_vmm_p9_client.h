/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny 9P2000.L client for the p9 server's unit tests: builds requests
 * with the server's own codec, hands them to p9_server_handle() split
 * into iovecs of a chosen size, and parses replies.
 *
 *	rc = p9c_rpc(&c, P9_TWALK, "ddwss", 0, 1, 2, "a", "b");
 *	rc: the reply type, or -errno from an Rlerror; c.r reads the body.
 *
 * Format letters: b u8, w u16, d u32, q u64, s C string, S (ptr, len)
 * counted string, D (u32 count, ptr) data.
 */
#ifndef COCOON_TEST_VMM_P9_CLIENT_H
#define COCOON_TEST_VMM_P9_CLIENT_H

#include "vmm/p9/codec.h"
#include "vmm/p9/proto.h"
#include "vmm/p9/server.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define P9C_BUF (P9_SERVER_MAX_MSIZE + 64)

struct p9c {
	struct p9_server *srv;
	uint16_t tag;
	size_t in_split;  /* request iovec size; 0: one iovec */
	size_t out_split; /* reply iovec size; 0: one iovec */
	size_t out_len;	  /* writable bytes offered; 0: P9C_BUF */
	uint8_t *req;
	size_t req_len;
	uint8_t *rep;
	ssize_t rep_len;
	struct p9_reader r;
};

static inline void p9c_init(struct p9c *c, struct p9_server *srv)
{
	memset(c, 0, sizeof(*c));
	c->srv = srv;
	c->req = calloc(1, P9C_BUF);
	c->rep = calloc(1, P9C_BUF);
}

static inline void p9c_fini(struct p9c *c)
{
	free(c->req);
	free(c->rep);
}

static inline int p9c_iov(struct iovec **iov, uint8_t *buf, size_t len,
			  size_t split)
{
	size_t n = split ? (len + split - 1) / split : 1, i;

	if (n == 0)
		n = 1;
	*iov = calloc(n, sizeof(**iov));
	for (i = 0; i < n; i++) {
		size_t off = split ? i * split : 0;

		(*iov)[i].iov_base = buf + off;
		(*iov)[i].iov_len =
			split ? (len - off < split ? len - off : split) : len;
	}
	return (int)n;
}

/* Sends c->req[0..len) as is (the size field is the caller's). */
static inline int p9c_send_raw(struct p9c *c, size_t len)
{
	struct iovec *in, *out;
	size_t out_len = c->out_len ? c->out_len : P9C_BUF;
	int nin = p9c_iov(&in, c->req, len, c->in_split);
	int nout = p9c_iov(&out, c->rep, out_len, c->out_split);

	memset(c->rep, 0xa5, 16);
	c->rep_len = p9_server_handle(c->srv, in, nin, out, nout);
	free(in);
	free(out);
	if (c->rep_len < 0)
		return (int)c->rep_len;
	p9_reader_init(&c->r, c->rep, (size_t)c->rep_len);
	if (c->rep_len < P9_HDR_SIZE)
		return -1000;
	/* the size field says what the return value says */
	if ((uint32_t)p9_get_u32(&c->r) != (uint32_t)c->rep_len)
		return -1001;
	{
		uint8_t type = p9_get_u8(&c->r);
		uint16_t tag = p9_get_u16(&c->r);

		if (len >= P9_HDR_SIZE && tag != c->tag)
			return -1002;
		if (type == P9_RLERROR)
			return -(int)p9_get_u32(&c->r);
		return type;
	}
}

static inline size_t p9c_vbuild(struct p9c *c, uint8_t type, const char *fmt,
				va_list ap)
{
	struct p9_writer w;

	p9_writer_init(&w, c->req, P9C_BUF);
	w.pos = P9_HDR_SIZE;
	for (; *fmt; fmt++) {
		switch (*fmt) {
		case 'b':
			p9_put_u8(&w, (uint8_t)va_arg(ap, int));
			break;
		case 'w':
			p9_put_u16(&w, (uint16_t)va_arg(ap, int));
			break;
		case 'd':
			p9_put_u32(&w, va_arg(ap, uint32_t));
			break;
		case 'q':
			p9_put_u64(&w, va_arg(ap, uint64_t));
			break;
		case 's':
			p9_put_cstr(&w, va_arg(ap, const char *));
			break;
		case 'S': {
			const char *p = va_arg(ap, const char *);

			p9_put_str(&w, p, va_arg(ap, size_t));
			break;
		}
		case 'D': {
			uint32_t n = va_arg(ap, uint32_t);

			p9_put_u32(&w, n);
			p9_put_bytes(&w, va_arg(ap, const void *), n);
			break;
		}
		}
	}
	c->tag++;
	p9_put_header(&w, type, c->tag);
	c->req_len = w.pos;
	return w.pos;
}

static inline size_t p9c_build(struct p9c *c, uint8_t type, const char *fmt,
			       ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = p9c_vbuild(c, type, fmt, ap);
	va_end(ap);
	return n;
}

static inline int p9c_rpc(struct p9c *c, uint8_t type, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = p9c_vbuild(c, type, fmt, ap);
	va_end(ap);
	return p9c_send_raw(c, n);
}

/* Common calls: 0 (or a count) on success, -errno on Rlerror. */
static inline int p9c_status(int rc, int want)
{
	return rc == want ? 0 : rc < 0 ? rc : -9999;
}

static inline int p9c_version(struct p9c *c, uint32_t msize)
{
	return p9c_status(p9c_rpc(c, P9_TVERSION, "ds", msize, "9P2000.L"),
			  P9_TVERSION + 1);
}

static inline int p9c_attach(struct p9c *c, uint32_t fid)
{
	return p9c_status(
		p9c_rpc(c, P9_TATTACH, "ddssd", fid, P9_NOFID, "root", "", 0u),
		P9_TATTACH + 1);
}

/* Walks one '/'-free name at a time; returns nwqid or -errno. */
static inline int p9c_walk(struct p9c *c, uint32_t fid, uint32_t newfid, int n,
			   const char *const *names)
{
	struct p9_writer w;
	int i, rc;

	p9_writer_init(&w, c->req, P9C_BUF);
	w.pos = P9_HDR_SIZE;
	p9_put_u32(&w, fid);
	p9_put_u32(&w, newfid);
	p9_put_u16(&w, (uint16_t)n);
	for (i = 0; i < n; i++)
		p9_put_cstr(&w, names[i]);
	c->tag++;
	p9_put_header(&w, P9_TWALK, c->tag);
	c->req_len = w.pos;
	rc = p9c_send_raw(c, w.pos);
	if (rc < 0)
		return rc;
	if (rc != P9_TWALK + 1)
		return -9999;
	return p9_get_u16(&c->r);
}

static inline int p9c_walk1(struct p9c *c, uint32_t fid, uint32_t newfid,
			    const char *name)
{
	return p9c_walk(c, fid, newfid, name ? 1 : 0, &name);
}

static inline int p9c_clunk(struct p9c *c, uint32_t fid)
{
	return p9c_status(p9c_rpc(c, P9_TCLUNK, "d", fid), P9_TCLUNK + 1);
}

static inline int p9c_lopen(struct p9c *c, uint32_t fid, uint32_t flags)
{
	return p9c_status(p9c_rpc(c, P9_TLOPEN, "dd", fid, flags),
			  P9_TLOPEN + 1);
}

static inline int p9c_lcreate(struct p9c *c, uint32_t fid, const char *name,
			      uint32_t flags, uint32_t mode)
{
	return p9c_status(
		p9c_rpc(c, P9_TLCREATE, "dsddd", fid, name, flags, mode, 0u),
		P9_TLCREATE + 1);
}

/* Reads up to count bytes into buf; returns the count or -errno. */
static inline int p9c_read(struct p9c *c, uint32_t fid, uint64_t off,
			   uint32_t count, void *buf)
{
	int rc = p9c_rpc(c, P9_TREAD, "dqd", fid, off, count);
	uint32_t n;
	const void *p;

	if (rc < 0)
		return rc;
	if (rc != P9_TREAD + 1)
		return -9999;
	n = p9_get_u32(&c->r);
	p = p9_get_bytes(&c->r, n);
	if (!p)
		return -9998;
	if (buf)
		memcpy(buf, p, n);
	return (int)n;
}

static inline int p9c_write(struct p9c *c, uint32_t fid, uint64_t off,
			    const void *buf, uint32_t count)
{
	int rc = p9c_rpc(c, P9_TWRITE, "dqD", fid, off, count, buf);

	if (rc < 0)
		return rc;
	return rc == P9_TWRITE + 1 ? (int)p9_get_u32(&c->r) : -9999;
}

/*
 * A test share: BASE/share with file "hello" ("hello world\n"), dir
 * "dir" holding "inner", symlinks "to-root" -> "/", "up" ->
 * "../outside" and "etc" -> "../../etc"; and BASE/outside/secret
 * ("secret\n") beyond it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

struct p9t_share {
	char base[64];
	char share[96];
	char outside[96];
};

static inline void p9t_put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static inline char *p9t_path(const struct p9t_share *s, const char *rel,
			     char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", s->base, rel);

	if (n < 0 || (size_t)n >= size)
		abort();
	return buf;
}

static inline int p9t_share_make(struct p9t_share *s)
{
	char p[256];

	snprintf(s->base, sizeof(s->base), "/tmp/p9test.XXXXXX");
	if (!mkdtemp(s->base))
		return -1;
	snprintf(s->share, sizeof(s->share), "%s/share", s->base);
	snprintf(s->outside, sizeof(s->outside), "%s/outside", s->base);
	if (mkdir(s->share, 0755) < 0 || mkdir(s->outside, 0755) < 0)
		return -1;
	p9t_put_file(p9t_path(s, "outside/secret", p, sizeof(p)), "secret\n");
	p9t_put_file(p9t_path(s, "share/hello", p, sizeof(p)), "hello world\n");
	mkdir(p9t_path(s, "share/dir", p, sizeof(p)), 0755);
	p9t_put_file(p9t_path(s, "share/dir/inner", p, sizeof(p)), "inner\n");
	if (symlink("/", p9t_path(s, "share/to-root", p, sizeof(p))) < 0 ||
	    symlink("../outside", p9t_path(s, "share/up", p, sizeof(p))) < 0 ||
	    symlink("../../etc", p9t_path(s, "share/etc", p, sizeof(p))) < 0)
		return -1;
	return 0;
}

static inline void p9t_share_remove(struct p9t_share *s)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->base);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", s->base);
}

/* The whole content of a host file (at most size-1 bytes), or "". */
static inline const char *p9t_slurp(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, size - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

#endif
