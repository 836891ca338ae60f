/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-vsock packets (virtio 1.2 §5.10.6): the 44-byte header every
 * packet starts with, gathered from and scattered to descriptor chains
 * wherever the driver split it; the credit arithmetic of §5.10.6.3; and
 * the host side's `CONNECT <port>\n` line (the Firecracker convention for
 * host-initiated connections). Pure code, no I/O.
 */
#ifndef COCOON_VMM_VSOCK_PACKET_H
#define COCOON_VMM_VSOCK_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define VSOCK_HOST_CID	  2u
#define VSOCK_HDR_SIZE	  44u
#define VSOCK_TYPE_STREAM 1u
/* §5.10.6: operations */
enum vsock_op {
	VSOCK_OP_INVALID = 0,
	VSOCK_OP_REQUEST = 1,
	VSOCK_OP_RESPONSE = 2,
	VSOCK_OP_RST = 3,
	VSOCK_OP_SHUTDOWN = 4,
	VSOCK_OP_RW = 5,
	VSOCK_OP_CREDIT_UPDATE = 6,
	VSOCK_OP_CREDIT_REQUEST = 7,
};
/* SHUTDOWN flags: the sender will receive / send no more. */
#define VSOCK_SHUTDOWN_RCV  1u
#define VSOCK_SHUTDOWN_SEND 2u
/* The longest CONNECT line, newline included ("CONNECT 4294967294\n"
 * is 19 bytes; a little slack for a "\r"). */
#define VSOCK_CONNECT_LINE_MAX 32u

/* The header, in host order (the wire is little-endian, as is x86-64). */
struct vsock_hdr {
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
};

/*
 * Copies the header out of the first VSOCK_HDR_SIZE bytes of iov[0..n),
 * however they are split. Returns 0, or -EINVAL when the buffers hold
 * fewer bytes than a header.
 */
int vsock_hdr_gather(const struct iovec *iov, unsigned int n,
		     struct vsock_hdr *hdr);
/* Writes hdr into the first VSOCK_HDR_SIZE bytes of iov[0..n); returns
 * 0, or -ENOSPC when they are shorter than a header. */
int vsock_hdr_scatter(const struct iovec *iov, unsigned int n,
		      const struct vsock_hdr *hdr);
/*
 * Fills out[0..max) with the parts of iov[0..n) from byte offset skip on,
 * at most len bytes in all. Returns how many iovecs it used; *got is set
 * to the bytes they cover (less than len when the buffers are shorter).
 */
unsigned int vsock_iov_slice(const struct iovec *iov, unsigned int n,
			     size_t skip, size_t len, struct iovec *out,
			     unsigned int max, size_t *got);

/*
 * §5.10.6.3: the bytes a peer that advertised buf_alloc and fwd_cnt can
 * still take when tx_cnt bytes were sent to it. A peer that claims to have
 * forwarded more than it was sent, or that shrank its buffer below what is
 * in flight, gets 0 (never a wrapped, huge number).
 */
uint32_t vsock_credit_free(uint32_t buf_alloc, uint32_t fwd_cnt,
			   uint32_t tx_cnt);

/*
 * Looks for a complete `CONNECT <port>\n` (or "\r\n") line at the start of
 * buf[0..len). Returns the line's length (newline included) with *port
 * set; -EAGAIN when no newline has come yet and more may still fit;
 * -EINVAL for anything else: a wrong verb, a port that is not plain
 * decimal, or 4294967295 and above (VMADDR_PORT_ANY is no port), a line
 * longer than VSOCK_CONNECT_LINE_MAX.
 */
int vsock_connect_line_parse(const char *buf, size_t len, uint32_t *port);

#endif
