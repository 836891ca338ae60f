// SPDX-License-Identifier: Apache-2.0
/* common/nl: message building, attribute parsing, error ACKs, a dump. */
#include "common/nl.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#define CANARY 0xa5

/* A message whose buffer is cap bytes followed by canary bytes. */
struct bounded {
	uint8_t buf[256] __attribute__((aligned(8)));
	struct nl_msg m;
};

static void bounded_init(struct bounded *b, size_t cap)
{
	memset(b->buf, CANARY, sizeof(b->buf));
	nl_msg_init(&b->m, b->buf, cap, RTM_NEWLINK, 0);
}

static void assert_canary(const struct bounded *b, size_t cap)
{
	for (size_t i = cap; i < sizeof(b->buf); i++)
		assert_int_equal(b->buf[i], CANARY);
}

static void test_init_header(void **state)
{
	struct bounded b;

	(void)state;
	bounded_init(&b, 64);
	assert_false(b.m.overflow);
	assert_int_equal(b.m.hdr->nlmsg_len, NLMSG_HDRLEN);
	assert_int_equal(b.m.hdr->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(b.m.hdr->nlmsg_flags, NLM_F_REQUEST);
}

static void test_overflow_is_error(void **state)
{
	const size_t cap = NLMSG_HDRLEN + sizeof(struct ifinfomsg) + 12;
	uint8_t big[64];
	struct bounded b;
	uint32_t len;

	(void)state;
	memset(big, 'x', sizeof(big));
	bounded_init(&b, cap);
	assert_non_null(nl_msg_put_header(&b.m, sizeof(struct ifinfomsg)));
	/* 4 + 8 = 12 bytes: fits exactly. */
	assert_int_equal(nl_put(&b.m, IFLA_IFNAME, big, 8), 0);
	len = b.m.hdr->nlmsg_len;
	assert_int_equal(len, cap);
	/* Not even an empty attribute fits now. */
	assert_int_equal(nl_put(&b.m, IFLA_MTU, NULL, 0), -EMSGSIZE);
	assert_true(b.m.overflow);
	assert_int_equal(b.m.hdr->nlmsg_len, len);
	/* Once overflowed, every later put fails, even a small one. */
	assert_int_equal(nl_put_u8(&b.m, IFLA_OPERSTATE, 1), -EMSGSIZE);
	assert_null(nl_nest_start(&b.m, IFLA_LINKINFO));
	nl_nest_end(&b.m, NULL);
	assert_canary(&b, cap);
}

static void test_overflow_large_attr(void **state)
{
	const size_t cap = 128;
	uint8_t big[200];
	struct bounded b;

	(void)state;
	memset(big, 'y', sizeof(big));
	bounded_init(&b, cap);
	assert_int_equal(nl_put(&b.m, IFLA_IFNAME, big, sizeof(big)),
			 -EMSGSIZE);
	assert_int_equal(b.m.hdr->nlmsg_len, NLMSG_HDRLEN);
	assert_canary(&b, cap);
	/* A length beyond nla_len's 16 bits is refused before any copy. */
	bounded_init(&b, cap);
	assert_int_equal(nl_put(&b.m, IFLA_IFNAME, big, 70000), -EMSGSIZE);
	assert_canary(&b, cap);
	/* Padding counts: 125 bytes of attribute need 128. */
	bounded_init(&b, cap);
	assert_int_equal(nl_put(&b.m, 1, big, cap - NLMSG_HDRLEN - 4 - 3), 0);
	assert_int_equal(b.m.hdr->nlmsg_len, cap);
	assert_canary(&b, cap);
}

static void test_init_too_small(void **state)
{
	struct bounded b;
	struct nl_sock nl;

	(void)state;
	bounded_init(&b, NLMSG_HDRLEN - 1);
	assert_true(b.m.overflow);
	assert_null(nl_msg_put_header(&b.m, 4));
	assert_int_equal(nl_put_u32(&b.m, 1, 2), -EMSGSIZE);
	assert_canary(&b, 0);
	/* An overflowed message is never sent. */
	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_request(&nl, &b.m), -EMSGSIZE);
	nl_close(&nl);
}

static void test_unaligned_buffer(void **state)
{
	struct bounded b;
	struct nl_msg m;

	(void)state;
	nl_msg_init(&m, b.buf + 1, 64, RTM_NEWLINK, 0);
	assert_true(m.overflow);
}

static void test_nesting(void **state)
{
	const struct nlattr *tb[IFLA_MAX + 1], *info[IFLA_INFO_MAX + 1],
		*data[4];
	struct nlattr *li, *d;
	struct ifinfomsg *ifi;
	struct bounded b;

	(void)state;
	bounded_init(&b, 200);
	ifi = nl_msg_put_header(&b.m, sizeof(*ifi));
	assert_non_null(ifi);
	ifi->ifi_index = 7;
	assert_int_equal(nl_put_str(&b.m, IFLA_IFNAME, "eth0"), 0);
	li = nl_nest_start(&b.m, IFLA_LINKINFO);
	assert_non_null(li);
	assert_int_equal(nl_put_str(&b.m, IFLA_INFO_KIND, "veth"), 0);
	d = nl_nest_start(&b.m, IFLA_INFO_DATA);
	assert_int_equal(nl_put_u16(&b.m, 1, 0x1234), 0);
	assert_int_equal(nl_put_u32(&b.m, 2, 0xdeadbeef), 0);
	nl_nest_end(&b.m, d);
	nl_nest_end(&b.m, li);
	assert_int_equal(nl_put_u32(&b.m, IFLA_MTU, 1400), 0);
	assert_false(b.m.overflow);
	assert_canary(&b, 200);

	assert_true(li->nla_type & NLA_F_NESTED);
	/* The outer nest covers the kind (4+5 -> 12) and the inner nest. */
	assert_int_equal(d->nla_len, 4 + 8 + 8);
	assert_int_equal(li->nla_len, 4 + 12 + d->nla_len);

	assert_int_equal(nl_parse_msg(b.m.hdr, sizeof(*ifi), tb, IFLA_MAX), 0);
	assert_non_null(tb[IFLA_IFNAME]);
	assert_string_equal(nl_attr_data(tb[IFLA_IFNAME]), "eth0");
	assert_int_equal(nl_attr_u32(tb[IFLA_MTU], 0), 1400);
	assert_null(tb[IFLA_ADDRESS]);
	assert_non_null(tb[IFLA_LINKINFO]);
	assert_int_equal(
		nl_parse_nested(tb[IFLA_LINKINFO], info, IFLA_INFO_MAX), 0);
	assert_string_equal(nl_attr_data(info[IFLA_INFO_KIND]), "veth");
	assert_int_equal(nl_parse_nested(info[IFLA_INFO_DATA], data, 3), 0);
	assert_int_equal(nl_attr_len(data[1]), 2);
	assert_int_equal(*(const uint16_t *)nl_attr_data(data[1]), 0x1234);
	assert_int_equal(nl_attr_u32(data[2], 0), 0xdeadbeef);
	assert_null(data[3]);
}

static void test_parse_attrs_malformed(void **state)
{
	const struct nlattr *tb[8];
	uint8_t buf[32] __attribute__((aligned(4)));
	struct nlattr *a = (struct nlattr *)buf;

	(void)state;
	memset(buf, 0, sizeof(buf));
	a->nla_type = 1;
	a->nla_len = 40; /* runs past the 32 bytes */
	assert_int_equal(nl_parse_attrs(buf, sizeof(buf), tb, 7), -EPROTO);
	a->nla_len = 3; /* shorter than its own header */
	assert_int_equal(nl_parse_attrs(buf, sizeof(buf), tb, 7), -EPROTO);
	/* A type above max is skipped; a short u32 reads as the default. */
	a->nla_type = 9;
	a->nla_len = 8;
	a = (struct nlattr *)(buf + 8);
	a->nla_type = 2;
	a->nla_len = 6;
	assert_int_equal(nl_parse_attrs(buf, 16, tb, 7), 0);
	assert_non_null(tb[2]);
	assert_int_equal(nl_attr_u32(tb[2], 99), 99);
	for (int i = 0; i < 8; i++) {
		if (i != 2)
			assert_null(tb[i]);
	}
}

/* An NLMSG_ERROR message as the kernel builds it. */
static size_t build_error(uint8_t *buf, size_t size, int error, bool capped,
			  const char *ext_msg)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nlmsgerr *e;
	size_t len = NLMSG_HDRLEN + sizeof(*e);

	memset(buf, 0, size);
	h->nlmsg_type = NLMSG_ERROR;
	e = NLMSG_DATA(h);
	e->error = error;
	e->msg.nlmsg_type = RTM_NEWLINK;
	e->msg.nlmsg_len = NLMSG_HDRLEN + 16; /* the request had 16 bytes */
	if (capped)
		h->nlmsg_flags |= NLM_F_CAPPED;
	else
		len += 16; /* the echoed request body */
	if (ext_msg) {
		struct nlattr *a = (struct nlattr *)(buf + len);
		size_t n = strlen(ext_msg) + 1;

		h->nlmsg_flags |= NLM_F_ACK_TLVS;
		a->nla_type = NLMSGERR_ATTR_MSG;
		a->nla_len = (uint16_t)(NLA_HDRLEN + n);
		memcpy(buf + len + NLA_HDRLEN, ext_msg, n);
		len += NLA_ALIGN(NLA_HDRLEN + n);
	}
	h->nlmsg_len = (uint32_t)len;
	return len;
}

static void test_parse_error_ack(void **state)
{
	uint8_t buf[256] __attribute__((aligned(4)));
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	char msg[64];
	size_t len;

	(void)state;
	/* A plain ACK. */
	len = build_error(buf, sizeof(buf), 0, true, NULL);
	assert_int_equal(nl_parse_error(h, len, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
	/* An error with the kernel's reason, capped and not. */
	len = build_error(buf, sizeof(buf), -EINVAL, true,
			  "Invalid prefix for given prefix length");
	assert_int_equal(nl_parse_error(h, len, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "Invalid prefix for given prefix length");
	len = build_error(buf, sizeof(buf), -ENODEV, false, "no such device");
	assert_int_equal(nl_parse_error(h, len, msg, sizeof(msg)), -ENODEV);
	assert_string_equal(msg, "no such device");
	/* The message is cut to the caller's buffer. */
	assert_int_equal(nl_parse_error(h, len, msg, 5), -ENODEV);
	assert_string_equal(msg, "no s");
	/* Without TLVs: only the errno. */
	len = build_error(buf, sizeof(buf), -EEXIST, false, NULL);
	assert_int_equal(nl_parse_error(h, len, msg, sizeof(msg)), -EEXIST);
	assert_string_equal(msg, "");
}

static void test_parse_error_malformed(void **state)
{
	uint8_t buf[256] __attribute__((aligned(4)));
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = NLMSG_DATA(h);
	char msg[64];
	size_t len;

	(void)state;
	/* Shorter than an nlmsgerr. */
	len = build_error(buf, sizeof(buf), -EINVAL, true, NULL);
	assert_int_equal(nl_parse_error(h, len - 1, msg, sizeof(msg)), -EPROTO);
	h->nlmsg_len = NLMSG_HDRLEN + 4;
	assert_int_equal(nl_parse_error(h, len, msg, sizeof(msg)), -EPROTO);
	/* A positive or absurd error value. */
	len = build_error(buf, sizeof(buf), 5, true, NULL);
	assert_int_equal(nl_parse_error(h, len, msg, sizeof(msg)), -EPROTO);
	len = build_error(buf, sizeof(buf), -100000, true, NULL);
	assert_int_equal(nl_parse_error(h, len, msg, sizeof(msg)), -EPROTO);
	/* The echoed request claims more than is there: errno, no msg. */
	len = build_error(buf, sizeof(buf), -EPERM, false, "x");
	e->msg.nlmsg_len = 4000;
	assert_int_equal(nl_parse_error(h, len, msg, sizeof(msg)), -EPERM);
	assert_string_equal(msg, "");
	/* A TLV running past the message: errno, no msg. */
	len = build_error(buf, sizeof(buf), -EPERM, true, "abc");
	((struct nlattr *)(buf + NLMSG_HDRLEN + sizeof(*e)))->nla_len = 200;
	assert_int_equal(nl_parse_error(h, len, msg, sizeof(msg)), -EPERM);
	assert_string_equal(msg, "");
}

struct dump_count {
	int links;
	bool saw_lo;
};

static int count_link(const struct nlmsghdr *h, void *arg)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	struct dump_count *c = arg;

	assert_int_equal(h->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(
		nl_parse_msg(h, sizeof(struct ifinfomsg), tb, IFLA_MAX), 0);
	c->links++;
	if (tb[IFLA_IFNAME] && !strcmp(nl_attr_data(tb[IFLA_IFNAME]), "lo"))
		c->saw_lo = true;
	return 0;
}

static int stop_dump(const struct nlmsghdr *h, void *arg)
{
	(void)h;
	(*(int *)arg)++;
	return -ECANCELED;
}

/* Against the kernel: read-only requests, allowed without privileges. */
static void test_kernel_dump_and_error(void **state)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct dump_count c = {0};
	struct ifinfomsg *ifi;
	struct nl_sock nl;
	struct nl_msg m;
	int calls = 0;

	(void)state;
	assert_int_equal(nl_open(&nl), 0);
	nl_msg_init(&m, buf, sizeof(buf), RTM_GETLINK, 0);
	ifi = nl_msg_put_header(&m, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	assert_int_equal(nl_dump(&nl, &m, count_link, &c), 0);
	assert_true(c.links >= 1);
	assert_true(c.saw_lo);

	/* A callback's error stops the callbacks and is returned. */
	nl_msg_init(&m, buf, sizeof(buf), RTM_GETLINK, 0);
	nl_msg_put_header(&m, sizeof(*ifi));
	assert_int_equal(nl_dump(&nl, &m, stop_dump, &calls), -ECANCELED);
	assert_int_equal(calls, 1);

	/* The socket is still in step: a request gets its own answer. */
	nl_msg_init(&m, buf, sizeof(buf), RTM_GETLINK, 0);
	ifi = nl_msg_put_header(&m, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	nl_put_str(&m, IFLA_IFNAME, "cocoon-nonexis");
	assert_int_equal(nl_request(&nl, &m), -ENODEV);
	nl_close(&nl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_header),
		cmocka_unit_test(test_overflow_is_error),
		cmocka_unit_test(test_overflow_large_attr),
		cmocka_unit_test(test_init_too_small),
		cmocka_unit_test(test_unaligned_buffer),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_parse_attrs_malformed),
		cmocka_unit_test(test_parse_error_ack),
		cmocka_unit_test(test_parse_error_malformed),
		cmocka_unit_test(test_kernel_dump_and_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
