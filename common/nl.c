// SPDX-License-Identifier: Apache-2.0
#include "common/nl.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int nl_open(struct nl_sock *nl)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0)
		return -errno;
	/*
	 * Extended ACKs carry the kernel's reason ("Invalid prefix for given
	 * prefix length"); capped ACKs leave out the echoed request. Both are
	 * optional: an older kernel just sends plain errors.
	 */
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int ret = -errno;

		close(nl->fd);
		nl->fd = -1;
		return ret;
	}
	/* Distinct sequence numbers per socket make a stale answer visible. */
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

void nl_close(struct nl_sock *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

void nl_msg_init(struct nl_msg *m, void *buf, size_t cap, uint16_t type,
		 uint16_t flags)
{
	m->buf = buf;
	m->cap = cap;
	m->hdr = NULL;
	/* The headers are read as structs: the buffer must be aligned. */
	m->overflow = cap < NLMSG_HDRLEN || cap > UINT32_MAX ||
		      ((uintptr_t)buf & (NLMSG_ALIGNTO - 1));
	if (m->overflow)
		return;
	memset(buf, 0, NLMSG_HDRLEN);
	m->hdr = buf;
	m->hdr->nlmsg_len = NLMSG_HDRLEN;
	m->hdr->nlmsg_type = type;
	m->hdr->nlmsg_flags = flags | NLM_F_REQUEST;
}

/* Room for len more bytes (aligned): their start, or NULL (overflowed). */
static void *nl_msg_reserve(struct nl_msg *m, size_t len)
{
	size_t used, need;
	void *p;

	if (m->overflow)
		return NULL;
	used = m->hdr->nlmsg_len;
	need = NLMSG_ALIGN(len);
	if (len > m->cap || need > m->cap - used) {
		m->overflow = true;
		return NULL;
	}
	p = m->buf + used;
	memset(p, 0, need);
	m->hdr->nlmsg_len = (uint32_t)(used + need);
	return p;
}

void *nl_msg_put_header(struct nl_msg *m, size_t len)
{
	return nl_msg_reserve(m, len);
}

int nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a;

	/* nla_len is 16 bits. */
	if (len > UINT16_MAX - NLA_HDRLEN) {
		m->overflow = true;
		return -EMSGSIZE;
	}
	a = nl_msg_reserve(m, NLA_HDRLEN + len);
	if (!a)
		return -EMSGSIZE;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len)
		memcpy((uint8_t *)a + NLA_HDRLEN, data, len);
	return 0;
}

int nl_put_u8(struct nl_msg *m, uint16_t type, uint8_t v)
{
	return nl_put(m, type, &v, sizeof(v));
}

int nl_put_u16(struct nl_msg *m, uint16_t type, uint16_t v)
{
	return nl_put(m, type, &v, sizeof(v));
}

int nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v)
{
	return nl_put(m, type, &v, sizeof(v));
}

int nl_put_str(struct nl_msg *m, uint16_t type, const char *s)
{
	return nl_put(m, type, s, strlen(s) + 1);
}

struct nlattr *nl_nest_start(struct nl_msg *m, uint16_t type)
{
	struct nlattr *a = nl_msg_reserve(m, NLA_HDRLEN);

	if (!a)
		return NULL;
	a->nla_type = type | NLA_F_NESTED;
	a->nla_len = NLA_HDRLEN;
	return a;
}

void nl_nest_end(struct nl_msg *m, struct nlattr *nest)
{
	size_t len;

	if (m->overflow || !nest)
		return;
	len = m->buf + m->hdr->nlmsg_len - (uint8_t *)nest;
	if (len > UINT16_MAX) {
		m->overflow = true;
		return;
	}
	nest->nla_len = (uint16_t)len;
}

int nl_parse_attrs(const void *attrs, size_t len, const struct nlattr **tb,
		   size_t max)
{
	const uint8_t *p = attrs;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		size_t step;
		uint16_t type;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			return -EPROTO;
		type = a->nla_type & NLA_TYPE_MASK;
		if (type <= max)
			tb[type] = a;
		step = NLA_ALIGN(a->nla_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

int nl_parse_msg(const struct nlmsghdr *h, size_t hdr_len,
		 const struct nlattr **tb, size_t max)
{
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(hdr_len);

	if (h->nlmsg_len < NLMSG_HDRLEN + hdr_len)
		return -EPROTO;
	if (h->nlmsg_len <= off)
		return nl_parse_attrs(NULL, 0, tb, max);
	return nl_parse_attrs((const uint8_t *)h + off, h->nlmsg_len - off, tb,
			      max);
}

int nl_parse_nested(const struct nlattr *a, const struct nlattr **tb,
		    size_t max)
{
	return nl_parse_attrs(nl_attr_data(a), nl_attr_len(a), tb, max);
}

uint32_t nl_attr_u32(const struct nlattr *a, uint32_t def)
{
	uint32_t v;

	if (!a || nl_attr_len(a) < sizeof(v))
		return def;
	memcpy(&v, nl_attr_data(a), sizeof(v));
	return v;
}

int nl_parse_error(const struct nlmsghdr *h, size_t len, char *msg,
		   size_t msg_size)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const struct nlmsgerr *e;
	size_t off, end;
	int error;

	if (msg_size)
		msg[0] = '\0';
	if (len < NLMSG_HDRLEN + sizeof(*e) || h->nlmsg_len > len ||
	    h->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return -EPROTO;
	end = h->nlmsg_len;
	e = NLMSG_DATA(h);
	error = e->error;
	if (error > 0 || error < -4095)
		return -EPROTO;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return error;
	/* The TLVs follow the echoed request, or only its header if capped. */
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN ||
		    e->msg.nlmsg_len - NLMSG_HDRLEN > end - off)
			return error;
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	}
	if (off >= end || nl_parse_attrs((const uint8_t *)h + off, end - off,
					 tb, NLMSGERR_ATTR_MAX) < 0)
		return error;
	if (tb[NLMSGERR_ATTR_MSG] && msg_size) {
		const char *s = nl_attr_data(tb[NLMSGERR_ATTR_MSG]);
		size_t n = strnlen(s, nl_attr_len(tb[NLMSGERR_ATTR_MSG]));

		if (n >= msg_size)
			n = msg_size - 1;
		memcpy(msg, s, n);
		msg[n] = '\0';
	}
	return error;
}

static int nl_send(struct nl_sock *nl, struct nl_msg *m)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	ssize_t n;

	if (m->overflow)
		return -EMSGSIZE;
	nl->ext_msg[0] = '\0';
	m->hdr->nlmsg_seq = ++nl->seq;
	m->hdr->nlmsg_pid = 0;
	do {
		n = sendto(nl->fd, m->buf, m->hdr->nlmsg_len, 0,
			   (struct sockaddr *)&sa, sizeof(sa));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == m->hdr->nlmsg_len ? 0 : -EIO;
}

/* One datagram from the kernel into buf: its length, or -errno. */
static ssize_t nl_recv(struct nl_sock *nl, void *buf, size_t size)
{
	struct sockaddr_nl sa;
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr mh = {
		.msg_name = &sa,
		.msg_namelen = sizeof(sa),
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t n;

	for (;;) {
		n = recvmsg(nl->fd, &mh, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (mh.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		/* Only the kernel (port 0) speaks to us. */
		if (mh.msg_namelen != sizeof(sa) || sa.nl_pid != 0)
			continue;
		return n;
	}
}

int nl_request(struct nl_sock *nl, struct nl_msg *m)
{
	uint8_t buf[NL_RECV_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	uint32_t seq;
	int ret;

	if (!m->overflow)
		m->hdr->nlmsg_flags |= NLM_F_ACK;
	ret = nl_send(nl, m);
	if (ret < 0)
		return ret;
	seq = m->hdr->nlmsg_seq;
	for (;;) {
		ssize_t n = nl_recv(nl, buf, sizeof(buf));
		size_t left;

		if (n < 0)
			return (int)n;
		left = (size_t)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf;
		     NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue; /* an answer to an earlier request */
			if (h->nlmsg_type == NLMSG_ERROR)
				return nl_parse_error(h, left, nl->ext_msg,
						      sizeof(nl->ext_msg));
		}
	}
}

int nl_dump(struct nl_sock *nl, struct nl_msg *m, nl_dump_cb cb, void *arg)
{
	uint8_t buf[NL_RECV_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	bool interrupted = false;
	uint32_t seq;
	int ret, cb_ret = 0;

	if (!m->overflow)
		m->hdr->nlmsg_flags |= NLM_F_DUMP;
	ret = nl_send(nl, m);
	if (ret < 0)
		return ret;
	seq = m->hdr->nlmsg_seq;
	for (;;) {
		ssize_t n = nl_recv(nl, buf, sizeof(buf));
		size_t left;

		if (n < 0)
			return (int)n;
		left = (size_t)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf;
		     NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				interrupted = true;
			switch (h->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_ERROR:
				ret = nl_parse_error(h, left, nl->ext_msg,
						     sizeof(nl->ext_msg));
				return ret < 0 ? ret : cb_ret;
			case NLMSG_DONE:
				/* DONE carries the dump's own error, if any. */
				if (h->nlmsg_len >=
				    NLMSG_HDRLEN + sizeof(int)) {
					int error;

					memcpy(&error, NLMSG_DATA(h),
					       sizeof(error));
					if (error < 0 && error >= -4095)
						return error;
				}
				if (cb_ret < 0)
					return cb_ret;
				/* The objects changed under the dump. */
				return interrupted ? -EAGAIN : 0;
			default:
				if (cb_ret >= 0)
					cb_ret = cb(h, arg);
			}
		}
	}
}

int nl_link_set(struct nl_sock *nl, int ifindex, unsigned flags, unsigned mask,
		unsigned mtu)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifi;
	struct nl_msg m;

	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWLINK, 0);
	ifi = nl_msg_put_header(&m, sizeof(*ifi));
	if (!ifi)
		return -EMSGSIZE;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	ifi->ifi_change = mask;
	if (mtu)
		nl_put_u32(&m, IFLA_MTU, mtu);
	return nl_request(nl, &m);
}
