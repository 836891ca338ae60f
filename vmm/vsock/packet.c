// SPDX-License-Identifier: Apache-2.0
#include "vmm/vsock/packet.h"

#include <errno.h>
#include <string.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "virtio-vsock headers are little-endian");

/* The wire layout (§5.10.6): packed, 44 bytes. */
struct vsock_wire_hdr {
	uint64_t src_cid;
	uint64_t dst_cid;
	uint32_t src_port;
	uint32_t dst_port;
	uint32_t len;
	uint16_t type;
	uint16_t op;
	uint32_t flags;
	uint32_t buf_alloc;
	uint32_t fwd_cnt;
} __attribute__((packed));
_Static_assert(sizeof(struct vsock_wire_hdr) == VSOCK_HDR_SIZE,
	       "header is 44 bytes");

int vsock_hdr_gather(const struct iovec *iov, unsigned int n,
		     struct vsock_hdr *hdr)
{
	struct vsock_wire_hdr w;
	uint8_t *dst = (uint8_t *)&w;
	size_t done = 0;

	/* guest: the header may be split across any number of buffers,
	 * each of any length; copied once, then only the copy is used */
	for (unsigned int i = 0; i < n && done < sizeof(w); i++) {
		size_t k = iov[i].iov_len;

		if (k > sizeof(w) - done)
			k = sizeof(w) - done;
		memcpy(dst + done, iov[i].iov_base, k);
		done += k;
	}
	if (done < sizeof(w))
		return -EINVAL;
	hdr->src_cid = w.src_cid;
	hdr->dst_cid = w.dst_cid;
	hdr->src_port = w.src_port;
	hdr->dst_port = w.dst_port;
	hdr->len = w.len;
	hdr->type = w.type;
	hdr->op = w.op;
	hdr->flags = w.flags;
	hdr->buf_alloc = w.buf_alloc;
	hdr->fwd_cnt = w.fwd_cnt;
	return 0;
}

int vsock_hdr_scatter(const struct iovec *iov, unsigned int n,
		      const struct vsock_hdr *hdr)
{
	const struct vsock_wire_hdr w = {
		.src_cid = hdr->src_cid,
		.dst_cid = hdr->dst_cid,
		.src_port = hdr->src_port,
		.dst_port = hdr->dst_port,
		.len = hdr->len,
		.type = hdr->type,
		.op = hdr->op,
		.flags = hdr->flags,
		.buf_alloc = hdr->buf_alloc,
		.fwd_cnt = hdr->fwd_cnt,
	};
	const uint8_t *src = (const uint8_t *)&w;
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < sizeof(w); i++) {
		size_t k = iov[i].iov_len;

		if (k > sizeof(w) - done)
			k = sizeof(w) - done;
		memcpy(iov[i].iov_base, src + done, k);
		done += k;
	}
	return done < sizeof(w) ? -ENOSPC : 0;
}

unsigned int vsock_iov_slice(const struct iovec *iov, unsigned int n,
			     size_t skip, size_t len, struct iovec *out,
			     unsigned int max, size_t *got)
{
	unsigned int used = 0;
	size_t total = 0;

	for (unsigned int i = 0; i < n && used < max && total < len; i++) {
		size_t k = iov[i].iov_len;
		uint8_t *base = iov[i].iov_base;

		if (skip >= k) {
			skip -= k;
			continue;
		}
		base += skip;
		k -= skip;
		skip = 0;
		if (k > len - total)
			k = len - total;
		out[used].iov_base = base;
		out[used].iov_len = k;
		used++;
		total += k;
	}
	*got = total;
	return used;
}

uint32_t vsock_credit_free(uint32_t buf_alloc, uint32_t fwd_cnt,
			   uint32_t tx_cnt)
{
	/* Counters wrap at 2^32 (§5.10.6.3 uses free-running u32s). */
	uint32_t in_flight = tx_cnt - fwd_cnt;

	if (in_flight > buf_alloc)
		return 0;
	return buf_alloc - in_flight;
}

int vsock_connect_line_parse(const char *buf, size_t len, uint32_t *port)
{
	static const char verb[] = "CONNECT ";
	const size_t verb_len = sizeof(verb) - 1;
	const char *nl = memchr(
		buf, '\n',
		len < VSOCK_CONNECT_LINE_MAX ? len : VSOCK_CONNECT_LINE_MAX);
	size_t end, digits = 0;
	uint64_t v = 0;

	/* A prefix that cannot become "CONNECT " fails at once. */
	if (memcmp(buf, verb, len < verb_len ? len : verb_len))
		return -EINVAL;
	if (!nl)
		return len >= VSOCK_CONNECT_LINE_MAX ? -EINVAL : -EAGAIN;
	end = (size_t)(nl - buf);
	if (end > verb_len && buf[end - 1] == '\r')
		end--;
	if (end < verb_len)
		return -EINVAL;
	for (size_t i = verb_len; i < end; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(buf[i] - '0');
		/* 10 digits at most: no overflow of v */
		if (++digits > 10)
			return -EINVAL;
	}
	if (digits == 0 || v >= UINT32_MAX)
		return -EINVAL;
	*port = (uint32_t)v;
	return (int)(nl - buf) + 1;
}
