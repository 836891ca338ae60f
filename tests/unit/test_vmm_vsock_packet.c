// SPDX-License-Identifier: Apache-2.0
/* virtio-vsock packet helpers: the header however the driver splits it,
 * payload slices, credit arithmetic with lying peers, and the host side's
 * CONNECT line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/vsock/packet.h"

#include <errno.h>
#include <string.h>

static const struct vsock_hdr sample = {
	.src_cid = 3,
	.dst_cid = 2,
	.src_port = 0x11223344,
	.dst_port = 5000,
	.len = 77,
	.type = VSOCK_TYPE_STREAM,
	.op = VSOCK_OP_RW,
	.flags = 3,
	.buf_alloc = 262144,
	.fwd_cnt = 0xfffffff0u,
};

static void test_hdr_roundtrip_split(void **state)
{
	uint8_t raw[VSOCK_HDR_SIZE + 8];
	struct vsock_hdr h;
	(void)state;

	/* one buffer */
	struct iovec one = {raw, sizeof(raw)};
	assert_int_equal(vsock_hdr_scatter(&one, 1, &sample), 0);
	/* the wire: little-endian, packed; dst_port at byte 20, op at 30 */
	assert_int_equal(raw[0], 3);
	assert_int_equal(raw[8], 2);
	assert_int_equal(raw[20], 5000 & 0xff);
	assert_int_equal(raw[30], VSOCK_OP_RW);
	/* gathered back through every split into 1-byte, odd and empty
	 * buffers */
	for (size_t cut = 0; cut <= VSOCK_HDR_SIZE; cut++) {
		struct iovec parts[4] = {
			{raw, cut / 2},
			{raw + cut / 2, 0},
			{raw + cut / 2, cut - cut / 2},
			{raw + cut, sizeof(raw) - cut},
		};

		memset(&h, 0, sizeof(h));
		assert_int_equal(vsock_hdr_gather(parts, 4, &h), 0);
		assert_memory_equal(&h, &sample, sizeof(h));
	}
	/* too short in all: refused */
	struct iovec short_iov[2] = {{raw, 20}, {raw + 20, 23}};
	assert_int_equal(vsock_hdr_gather(short_iov, 2, &h), -EINVAL);
	assert_int_equal(vsock_hdr_gather(short_iov, 0, &h), -EINVAL);
	assert_int_equal(vsock_hdr_scatter(short_iov, 2, &sample), -ENOSPC);
}

static void test_iov_slice(void **state)
{
	uint8_t a[10], b[50], c[5];
	struct iovec in[3] = {{a, 10}, {b, 50}, {c, 5}}, out[3];
	size_t got;
	unsigned int n;
	(void)state;

	/* skip the header part (44 = all of a and 34 of b) */
	n = vsock_iov_slice(in, 3, 44, 100, out, 3, &got);
	assert_int_equal(n, 2);
	assert_int_equal(got, 21);
	assert_ptr_equal(out[0].iov_base, b + 34);
	assert_int_equal(out[0].iov_len, 16);
	assert_ptr_equal(out[1].iov_base, c);
	/* limited by len */
	n = vsock_iov_slice(in, 3, 5, 7, out, 3, &got);
	assert_int_equal(n, 2);
	assert_int_equal(got, 7);
	assert_int_equal(out[0].iov_len, 5);
	assert_int_equal(out[1].iov_len, 2);
	/* limited by the room for iovecs */
	n = vsock_iov_slice(in, 3, 0, 65, out, 1, &got);
	assert_int_equal(n, 1);
	assert_int_equal(got, 10);
	/* skip past everything */
	n = vsock_iov_slice(in, 3, 100, 10, out, 3, &got);
	assert_int_equal(n, 0);
	assert_int_equal(got, 0);
}

static void test_credit(void **state)
{
	(void)state;
	/* honest peers */
	assert_int_equal(vsock_credit_free(1000, 0, 0), 1000);
	assert_int_equal(vsock_credit_free(1000, 0, 400), 600);
	assert_int_equal(vsock_credit_free(1000, 400, 400), 1000);
	assert_int_equal(vsock_credit_free(1000, 0, 1000), 0);
	/* counters wrap at 2^32 */
	assert_int_equal(vsock_credit_free(1000, 0xffffff00u, 0x100), 488);
	/* liars: forwarded more than was sent, or shrank the buffer below
	 * what is in flight: no credit, never a wrapped huge one */
	assert_int_equal(vsock_credit_free(1000, 500, 100), 0);
	assert_int_equal(vsock_credit_free(100, 0, 400), 0);
	assert_int_equal(vsock_credit_free(0, 0, 0), 0);
	/* with a 4 GiB buffer a lie cannot be told from wrapping; it buys
	 * no more than an honest huge buf_alloc would, and the credit only
	 * ever limits what goes into the guest's own rx buffers */
	assert_int_equal(vsock_credit_free(UINT32_MAX, 5, 0), 4);
}

static int parse(const char *s, uint32_t *port)
{
	return vsock_connect_line_parse(s, strlen(s), port);
}

static void test_connect_line(void **state)
{
	uint32_t port = 0;
	(void)state;

	assert_int_equal(parse("CONNECT 5000\n", &port), 13);
	assert_int_equal(port, 5000);
	assert_int_equal(parse("CONNECT 0\n", &port), 10);
	assert_int_equal(port, 0);
	assert_int_equal(parse("CONNECT 4294967294\n", &port), 19);
	assert_int_equal(port, 4294967294u);
	assert_int_equal(parse("CONNECT 52\r\n", &port), 12);
	assert_int_equal(port, 52);
	/* the line ends at its newline; what follows is stream data */
	assert_int_equal(parse("CONNECT 7\nhello", &port), 10);
	assert_int_equal(port, 7);
	/* not yet complete */
	assert_int_equal(parse("", &port), -EAGAIN);
	assert_int_equal(parse("CONN", &port), -EAGAIN);
	assert_int_equal(parse("CONNECT 12", &port), -EAGAIN);
	/* bad lines */
	assert_int_equal(parse("HELLO\n", &port), -EINVAL);
	assert_int_equal(parse("connect 5\n", &port), -EINVAL);
	assert_int_equal(parse("X", &port), -EINVAL);
	assert_int_equal(parse("CONNECT\n", &port), -EINVAL);
	assert_int_equal(parse("CONNECT \n", &port), -EINVAL);
	assert_int_equal(parse("CONNECT  5\n", &port), -EINVAL);
	assert_int_equal(parse("CONNECT +5\n", &port), -EINVAL);
	assert_int_equal(parse("CONNECT -5\n", &port), -EINVAL);
	assert_int_equal(parse("CONNECT 5 \n", &port), -EINVAL);
	assert_int_equal(parse("CONNECT 0x10\n", &port), -EINVAL);
	assert_int_equal(parse("CONNECT 5\r\r\n", &port), -EINVAL);
	assert_int_equal(parse("CONNECT 5\0\n", &port), -EAGAIN);
	assert_int_equal(vsock_connect_line_parse("CONNECT 5\0\n", 11, &port),
			 -EINVAL);
	/* ports out of range: VMADDR_PORT_ANY and beyond, 11 digits */
	assert_int_equal(parse("CONNECT 4294967295\n", &port), -EINVAL);
	assert_int_equal(parse("CONNECT 4294967296\n", &port), -EINVAL);
	assert_int_equal(parse("CONNECT 99999999999\n", &port), -EINVAL);
	assert_int_equal(parse("CONNECT 00000000005\n", &port), -EINVAL);
	/* overlong: no newline within VSOCK_CONNECT_LINE_MAX bytes */
	assert_int_equal(
		parse("CONNECT 0000000000000000000000000000000\n", &port),
		-EINVAL);
	assert_int_equal(parse("CONNECT 000000000000000000000000", &port),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_roundtrip_split),
		cmocka_unit_test(test_iov_slice),
		cmocka_unit_test(test_credit),
		cmocka_unit_test(test_connect_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
