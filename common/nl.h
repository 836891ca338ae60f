/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small rtnetlink client (RFC 3549; the kernel's
 * Documentation/userspace-api/netlink/intro.rst), shared by stage0 (the
 * pod's netns and tap) and cocoon-init (the guest's eth0), which is static
 * and links libc only.
 *
 * A request is built into a caller's fixed buffer; a put that does not fit
 * marks the message as overflowed and fails, and sending an overflowed
 * message fails too, so a caller may check once at the end:
 *
 *	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
 *	struct nl_msg m;
 *	struct ifinfomsg *ifi;
 *
 *	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWLINK, 0);
 *	ifi = nl_msg_put_header(&m, sizeof(*ifi));
 *	...
 *	nl_put_u32(&m, IFLA_MTU, 1500);
 *	ret = nl_request(&nl, &m);	// 0, or -errno with nl.ext_msg
 *
 * Every function returns >= 0 or -errno.
 */
#ifndef COCOON_COMMON_NL_H
#define COCOON_COMMON_NL_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Enough for any request cocoon builds. */
#define NL_BUF_SIZE 4096
/* The kernel caps one dump skb at 32 KiB (netlink_recvmsg()). */
#define NL_RECV_SIZE 32768

struct nl_sock {
	int fd;
	uint32_t seq;
	/* The kernel's extended ACK message of the last error, or "". */
	char ext_msg[160];
};

struct nl_msg {
	uint8_t *buf;
	size_t cap;
	struct nlmsghdr *hdr; /* == buf */
	bool overflow;
};

/* A NETLINK_ROUTE socket (extended and capped ACKs where supported). */
int nl_open(struct nl_sock *nl);
void nl_close(struct nl_sock *nl);

/*
 * Starts a message of type with flags (NLM_F_REQUEST is always added) in
 * buf, which must be NLMSG_ALIGNTO-aligned (the headers are accessed as
 * structs) and at least NLMSG_HDRLEN long; otherwise the message starts
 * out overflowed and every put and send fails.
 */
void nl_msg_init(struct nl_msg *m, void *buf, size_t cap, uint16_t type,
		 uint16_t flags);
/* Appends a zeroed, aligned family header of len bytes; NULL if no room. */
void *nl_msg_put_header(struct nl_msg *m, size_t len);
/* Appends an attribute: 0, or -EMSGSIZE (and the message is overflowed). */
int nl_put(struct nl_msg *m, uint16_t type, const void *data, size_t len);
int nl_put_u8(struct nl_msg *m, uint16_t type, uint8_t v);
int nl_put_u16(struct nl_msg *m, uint16_t type, uint16_t v);
int nl_put_u32(struct nl_msg *m, uint16_t type, uint32_t v);
int nl_put_str(struct nl_msg *m, uint16_t type, const char *s);
/* Opens a nested attribute: its header, or NULL (overflowed). */
struct nlattr *nl_nest_start(struct nl_msg *m, uint16_t type);
/* Closes it: its length now covers everything put since the start. */
void nl_nest_end(struct nl_msg *m, struct nlattr *nest);

/*
 * Sends m with NLM_F_ACK and waits for its ACK: 0, -EMSGSIZE for an
 * overflowed message, or the kernel's -errno (the extended ACK message,
 * when there is one, in nl->ext_msg).
 */
int nl_request(struct nl_sock *nl, struct nl_msg *m);

/*
 * RTM_NEWLINK on ifindex: its flags under mask (IFF_UP, IFF_UP: bring it
 * up), and its MTU when mtu != 0. 0 or -errno as nl_request().
 */
int nl_link_set(struct nl_sock *nl, int ifindex, unsigned flags, unsigned mask,
		unsigned mtu);

/*
 * Sends m with NLM_F_DUMP and calls cb for each message of the
 * (multi-part) answer until NLMSG_DONE. A negative return of cb stops the
 * dump (the rest is still read) and is returned.
 */
typedef int (*nl_dump_cb)(const struct nlmsghdr *h, void *arg);
int nl_dump(struct nl_sock *nl, struct nl_msg *m, nl_dump_cb cb, void *arg);

/*
 * Parses an NLMSG_ERROR message h of len bytes (len as received, may be
 * more than h->nlmsg_len): the kernel's error (0 for an ACK, else
 * -errno), copying the extended ACK message (NLMSGERR_ATTR_MSG) into msg;
 * -EPROTO when the message is short or malformed.
 */
int nl_parse_error(const struct nlmsghdr *h, size_t len, char *msg,
		   size_t msg_size);

/*
 * Indexes the attributes in [attrs, attrs + len) by type into tb[0..max]
 * (later duplicates win; types above max are ignored; tb is zeroed
 * first): 0, or -EPROTO when an attribute's length runs past the end.
 */
int nl_parse_attrs(const void *attrs, size_t len, const struct nlattr **tb,
		   size_t max);
/* The same for the attributes after a message's hdr_len-byte header. */
int nl_parse_msg(const struct nlmsghdr *h, size_t hdr_len,
		 const struct nlattr **tb, size_t max);
/* The attributes nested in a. */
int nl_parse_nested(const struct nlattr *a, const struct nlattr **tb,
		    size_t max);

static inline const void *nl_attr_data(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_HDRLEN;
}

static inline size_t nl_attr_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

/* The attribute's u32 when it has at least 4 bytes, else def. */
uint32_t nl_attr_u32(const struct nlattr *a, uint32_t def);

#endif
