// SPDX-License-Identifier: Apache-2.0
#include "guest/net.h"

#include "common/nl.h"
#include "guest/runtime_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Links a guest may have; more are not looked at. */
#define NET_LINKS_MAX 64

struct net_link {
	int index;
	unsigned char mac[6];
	char name[IFNAMSIZ];
};

struct net_links {
	struct net_link v[NET_LINKS_MAX];
	size_t n;
};

/* An address or a prefix of either family. */
struct net_prefix {
	int family;
	unsigned char addr[16];
	unsigned len;
};

static int net_fail(char *err, size_t err_size, const struct nl_sock *nl,
		    int ret, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* "what: strerror (kernel's reason)" into err; returns ret. */
static int net_fail(char *err, size_t err_size, const struct nl_sock *nl,
		    int ret, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (nl && nl->ext_msg[0])
		snprintf(err, err_size, "%s: %s (%s)", what, strerror(-ret),
			 nl->ext_msg);
	else
		snprintf(err, err_size, "%s: %s", what, strerror(-ret));
	return ret;
}

int net_lo_up(char *err, size_t err_size)
{
	struct nl_sock nl;
	unsigned index;
	int ret;

	index = if_nametoindex("lo");
	if (!index)
		return net_fail(err, err_size, NULL, -errno, "find lo");
	ret = nl_open(&nl);
	if (ret < 0)
		return net_fail(err, err_size, NULL, ret, "open rtnetlink");
	ret = nl_link_set(&nl, (int)index, IFF_UP, IFF_UP, 0);
	if (ret < 0)
		net_fail(err, err_size, &nl, ret, "bring lo up");
	nl_close(&nl);
	return ret;
}

static int net_links_add(const struct nlmsghdr *h, void *arg)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	struct net_links *links = arg;
	const struct ifinfomsg *ifi;
	struct net_link *l;

	if (h->nlmsg_type != RTM_NEWLINK ||
	    nl_parse_msg(h, sizeof(*ifi), tb, IFLA_MAX) < 0)
		return 0;
	ifi = NLMSG_DATA(h);
	if (ifi->ifi_type != ARPHRD_ETHER || !tb[IFLA_ADDRESS] ||
	    nl_attr_len(tb[IFLA_ADDRESS]) != 6 || links->n == NET_LINKS_MAX)
		return 0;
	l = &links->v[links->n++];
	l->index = ifi->ifi_index;
	memcpy(l->mac, nl_attr_data(tb[IFLA_ADDRESS]), 6);
	l->name[0] = '\0';
	if (tb[IFLA_IFNAME]) {
		size_t n = strnlen(nl_attr_data(tb[IFLA_IFNAME]),
				   nl_attr_len(tb[IFLA_IFNAME]));

		if (n >= sizeof(l->name))
			n = sizeof(l->name) - 1;
		memcpy(l->name, nl_attr_data(tb[IFLA_IFNAME]), n);
		l->name[n] = '\0';
	}
	return 0;
}

static int net_links_dump(struct nl_sock *nl, struct net_links *links)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct ifinfomsg *ifi;
	struct nl_msg m;
	int ret, tries = 0;

	do {
		links->n = 0;
		nl_msg_init(&m, buf, sizeof(buf), RTM_GETLINK, 0);
		ifi = nl_msg_put_header(&m, sizeof(*ifi));
		if (!ifi)
			return -EMSGSIZE;
		ifi->ifi_family = AF_UNSPEC;
		ret = nl_dump(nl, &m, net_links_add, links);
		/* -EAGAIN: links changed during the dump; take it again. */
	} while (ret == -EAGAIN && ++tries < 5);
	return ret;
}

static bool net_parse_addr(const char *s, struct net_prefix *p)
{
	if (inet_pton(AF_INET, s, p->addr) == 1) {
		p->family = AF_INET;
		p->len = 32;
		return true;
	}
	if (inet_pton(AF_INET6, s, p->addr) == 1) {
		p->family = AF_INET6;
		p->len = 128;
		return true;
	}
	return false;
}

static size_t net_addr_size(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Whether the first bits bits of a and b are equal. */
static bool net_prefix_match(const unsigned char *a, const unsigned char *b,
			     unsigned bits)
{
	size_t bytes = bits / 8;
	unsigned rest = bits % 8;

	if (memcmp(a, b, bytes))
		return false;
	if (!rest)
		return true;
	return !((a[bytes] ^ b[bytes]) & (0xff00u >> rest));
}

/* Whether gw is in a subnet of one of ifc's addresses (or link-local). */
static bool net_gw_on_link(const struct runtime_iface *ifc,
			   const struct net_prefix *gw)
{
	static const unsigned char ll6[2] = {0xfe, 0x80};

	if (gw->family == AF_INET6 && net_prefix_match(gw->addr, ll6, 10))
		return true;
	for (size_t i = 0; i < ifc->n_addresses; i++) {
		struct net_prefix a;

		if (runtime_net_cidr(ifc->addresses[i], &a.family, a.addr,
				     &a.len) < 0 ||
		    a.family != gw->family)
			continue;
		/* A /32 or /128 holds only itself: nothing else is on-link. */
		if (a.len == 8 * net_addr_size(a.family))
			continue;
		if (net_prefix_match(a.addr, gw->addr, a.len))
			return true;
	}
	return false;
}

static int net_add_address(struct nl_sock *nl, int index, const char *cidr)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct net_prefix a;
	struct ifaddrmsg *ifa;
	struct nl_msg m;
	size_t size;

	if (runtime_net_cidr(cidr, &a.family, a.addr, &a.len) < 0)
		return -EINVAL;
	size = net_addr_size(a.family);
	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWADDR,
		    NLM_F_CREATE | NLM_F_REPLACE);
	ifa = nl_msg_put_header(&m, sizeof(*ifa));
	if (!ifa)
		return -EMSGSIZE;
	ifa->ifa_family = (uint8_t)a.family;
	ifa->ifa_prefixlen = (uint8_t)a.len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)index;
	/*
	 * The host's IPAM made the address unique; duplicate address
	 * detection would only keep it tentative (unusable) for a second.
	 */
	if (a.family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	nl_put(&m, IFA_LOCAL, a.addr, size);
	nl_put(&m, IFA_ADDRESS, a.addr, size);
	if (a.family == AF_INET && a.len <= 30) {
		unsigned char brd[4];

		/* What `ip addr add ... brd +` computes. */
		for (unsigned i = 0; i < 4; i++) {
			unsigned keep = a.len >= 8 * (i + 1) ? 8
					: a.len > 8 * i	     ? a.len - 8 * i
							     : 0;

			brd[i] = (unsigned char)(a.addr[i] | (0xffu >> keep));
		}
		nl_put(&m, IFA_BROADCAST, brd, sizeof(brd));
	}
	return nl_request(nl, &m);
}

/* dst (its address bytes) / dst_len, via gw when gw != NULL. */
static int net_add_route(struct nl_sock *nl, int index, int family,
			 const unsigned char *dst, unsigned dst_len,
			 const unsigned char *gw)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	size_t size = net_addr_size(family);
	struct rtmsg *rt;
	struct nl_msg m;

	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWROUTE,
		    NLM_F_CREATE | NLM_F_REPLACE);
	rt = nl_msg_put_header(&m, sizeof(*rt));
	if (!rt)
		return -EMSGSIZE;
	rt->rtm_family = (uint8_t)family;
	rt->rtm_dst_len = (uint8_t)dst_len;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rt->rtm_type = RTN_UNICAST;
	if (dst_len)
		nl_put(&m, RTA_DST, dst, size);
	if (gw)
		nl_put(&m, RTA_GATEWAY, gw, size);
	nl_put_u32(&m, RTA_OIF, (uint32_t)index);
	return nl_request(nl, &m);
}

static int net_route(struct nl_sock *nl, const struct runtime_iface *ifc,
		     int index, const struct runtime_route *r, char *err,
		     size_t err_size)
{
	struct net_prefix dst, gw;
	int ret;

	if (runtime_net_cidr(r->dst, &dst.family, dst.addr, &dst.len) < 0)
		return net_fail(err, err_size, NULL, -EINVAL, "route %s",
				r->dst);
	if (!r->gw[0]) {
		ret = net_add_route(nl, index, dst.family, dst.addr, dst.len,
				    NULL);
		if (ret < 0)
			return net_fail(err, err_size, nl, ret, "route %s",
					r->dst);
		return 0;
	}
	if (!net_parse_addr(r->gw, &gw) || gw.family != dst.family)
		return net_fail(err, err_size, NULL, -EINVAL, "route %s via %s",
				r->dst, r->gw);
	if (!net_gw_on_link(ifc, &gw)) {
		ret = net_add_route(nl, index, gw.family, gw.addr, gw.len,
				    NULL);
		if (ret < 0)
			return net_fail(err, err_size, nl, ret,
					"host route to gateway %s", r->gw);
	}
	ret = net_add_route(nl, index, dst.family, dst.addr, dst.len, gw.addr);
	if (ret < 0)
		return net_fail(err, err_size, nl, ret, "route %s via %s",
				r->dst, r->gw);
	return 0;
}

static int net_iface(struct nl_sock *nl, const struct net_links *links,
		     const struct runtime_iface *ifc, char *err,
		     size_t err_size)
{
	const struct net_link *link = NULL;
	unsigned char mac[6];
	char name[64];
	int ret;

	if (runtime_net_mac(ifc->mac, mac) < 0)
		return net_fail(err, err_size, NULL, -EINVAL, "eth with MAC %s",
				ifc->mac);
	for (size_t i = 0; i < links->n; i++) {
		if (!memcmp(links->v[i].mac, mac, 6)) {
			link = &links->v[i];
			break;
		}
	}
	if (!link) {
		snprintf(err, err_size, "eth with MAC %s: not found", ifc->mac);
		return -ENODEV;
	}
	snprintf(name, sizeof(name), "%s (MAC %s)", link->name, ifc->mac);
	ret = nl_link_set(nl, link->index, IFF_UP, IFF_UP, ifc->mtu);
	if (ret < 0)
		return net_fail(err, err_size, nl, ret,
				"%s: set MTU %u and bring up", name, ifc->mtu);
	for (size_t i = 0; i < ifc->n_addresses; i++) {
		ret = net_add_address(nl, link->index, ifc->addresses[i]);
		if (ret < 0)
			return net_fail(err, err_size, nl, ret,
					"%s: add address %s", name,
					ifc->addresses[i]);
	}
	for (size_t i = 0; i < ifc->n_routes; i++) {
		ret = net_route(nl, ifc, link->index, &ifc->routes[i], err,
				err_size);
		if (ret < 0)
			return ret;
	}
	return 0;
}

int net_configure(const struct runtime_ifaces *ifs, char *err, size_t err_size)
{
	struct net_links links;
	struct nl_sock nl;
	int ret;

	if (err_size)
		err[0] = '\0';
	if (ifs->n == 0)
		return 0;
	ret = nl_open(&nl);
	if (ret < 0)
		return net_fail(err, err_size, NULL, ret, "open rtnetlink");
	ret = net_links_dump(&nl, &links);
	if (ret < 0) {
		net_fail(err, err_size, &nl, ret, "list network links");
		goto out;
	}
	for (size_t i = 0; i < ifs->n && ret >= 0; i++)
		ret = net_iface(&nl, &links, &ifs->v[i], err, err_size);
out:
	nl_close(&nl);
	return ret;
}
