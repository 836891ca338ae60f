// SPDX-License-Identifier: Apache-2.0
/*
 * A network namespace an engine made and ran CNI in (docs/networking.md,
 * "In an engine's namespace"): its interface's addresses, whether a VM
 * already joined it, and undoing a join without touching what the
 * engine made.
 */
#include "stage0/netns.h"
#include "stage0/netns_int.h"

#include "common/nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

struct netns_addr_dump {
	int ifindex; /* 0: the first link with an address */
	struct netns_reply *r;
};

/*
 * One RTM_NEWADDR of the dump: kept when it is a global address (not lo's,
 * not IPv6 link-local) of the link asked for, or of the first link that
 * has one when none was named.
 */
static int netns_addr_cb(const struct nlmsghdr *h, void *arg)
{
	struct netns_addr_dump *d = arg;
	const struct nlattr *tb[IFA_MAX + 1];
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	const struct nlattr *a;
	char addr[INET6_ADDRSTRLEN];

	if (h->nlmsg_type != RTM_NEWADDR ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    nl_parse_msg(h, sizeof(*ifa), tb, IFA_MAX) < 0)
		return 0;
	if (ifa->ifa_scope != RT_SCOPE_UNIVERSE ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return 0;
	if (d->ifindex && (int)ifa->ifa_index != d->ifindex)
		return 0;
	/* IFA_LOCAL is the local end where IFA_ADDRESS is a peer's. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || nl_attr_len(a) < (ifa->ifa_family == AF_INET ? 4u : 16u) ||
	    !inet_ntop(ifa->ifa_family, nl_attr_data(a), addr, sizeof(addr)))
		return 0;
	if (d->r->naddrs >= NETNS_ADDRS_MAX)
		return -E2BIG;
	d->ifindex = (int)ifa->ifa_index;
	snprintf(d->r->addrs[d->r->naddrs].cidr, sizeof(d->r->addrs[0].cidr),
		 "%s/%u", addr, ifa->ifa_prefixlen);
	d->r->naddrs++;
	return 0;
}

/* The child of netns_iface_addrs(): arg is the interface name or "". */
static int netns_addrs_child(void *arg, struct netns_reply *r)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	const char *ifname = arg;
	struct netns_addr_dump d = {.r = r};
	struct ifaddrmsg *ifa;
	struct nl_sock nl;
	struct nl_msg m;
	int ret;

	if (ifname[0]) {
		d.ifindex = (int)if_nametoindex(ifname);
		if (!d.ifindex)
			return netns_fail(r, -errno, "find interface %s",
					  ifname);
	}
	ret = nl_open(&nl);
	if (ret < 0)
		return netns_fail(r, ret, "open rtnetlink");
	nl_msg_init(&m, buf, sizeof(buf), RTM_GETADDR, NLM_F_DUMP);
	ifa = nl_msg_put_header(&m, sizeof(*ifa));
	if (!ifa) {
		nl_close(&nl);
		return netns_fail(r, -EMSGSIZE, "read the addresses");
	}
	ifa->ifa_family = AF_UNSPEC;
	ret = nl_dump(&nl, &m, netns_addr_cb, &d);
	if (ret < 0) {
		netns_fail_nl(r, &nl, ret, "read the addresses");
		nl_close(&nl);
		return ret;
	}
	nl_close(&nl);
	if (!d.ifindex)
		return netns_fail(r, -EADDRNOTAVAIL,
				  "no interface with an address");
	if (!if_indextoname((unsigned)d.ifindex, r->ifname))
		return netns_fail(r, -errno, "name of interface %d", d.ifindex);
	return -1; /* success, and no fd to send */
}

int netns_iface_addrs(const char *netns_path, char ifname[NETNS_IFNAME_MAX],
		      struct netns_addr *addrs, size_t *naddrs,
		      struct error **err)
{
	struct netns_reply r;

	*naddrs = 0;
	if (strlen(ifname) >= IFNAMSIZ)
		return error_set(err, EINVAL, "bad interface name \"%s\"",
				 ifname);
	if (netns_run_in(netns_path, netns_addrs_child, ifname, &r, NULL, err) <
	    0)
		return error_wrap(err, "network namespace %s", netns_path);
	r.ifname[sizeof(r.ifname) - 1] = '\0';
	snprintf(ifname, NETNS_IFNAME_MAX, "%s", r.ifname);
	*naddrs = r.naddrs < NETNS_ADDRS_MAX ? r.naddrs : NETNS_ADDRS_MAX;
	memcpy(addrs, r.addrs, *naddrs * sizeof(*addrs));
	return 0;
}

/* The child of netns_tap_detach(). */
static int netns_detach_child(void *arg, struct netns_reply *r)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	const struct netns_tap_args *a = arg;
	int ifindex = (int)if_nametoindex(a->ifname);
	int tap = (int)if_nametoindex(a->tap_name);
	struct ifinfomsg *ifi;
	struct nl_sock nl;
	struct nl_msg m;
	int ret;

	ret = nl_open(&nl);
	if (ret < 0)
		return netns_fail(r, ret, "open rtnetlink");
	if (ifindex) {
		/* Its ingress qdisc goes with the filter in it. */
		ret = netns_del_ingress(&nl, ifindex);
		if (ret < 0 && ret != -ENOENT && ret != -EINVAL) {
			netns_fail_nl(r, &nl, ret, "remove the ingress qdisc");
			goto out;
		}
	}
	if (tap) {
		nl_msg_init(&m, buf, sizeof(buf), RTM_DELLINK, 0);
		ifi = nl_msg_put_header(&m, sizeof(*ifi));
		if (!ifi) {
			ret = netns_fail(r, -EMSGSIZE, "remove the tap");
			goto out;
		}
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = tap;
		ret = nl_request(&nl, &m);
		if (ret < 0 && ret != -ENODEV) {
			netns_fail_nl(r, &nl, ret, "remove the tap");
			goto out;
		}
	}
	ret = -1; /* success, and no fd to send */
out:
	nl_close(&nl);
	return ret;
}

int netns_tap_detach(const char *netns_path, const char *ifname,
		     const char *tap_name, struct error **err)
{
	struct netns_tap_args a = {.ifname = ifname, .tap_name = tap_name};
	struct netns_reply r;

	if (strlen(ifname) >= IFNAMSIZ || strlen(tap_name) >= IFNAMSIZ ||
	    !ifname[0] || !tap_name[0])
		return error_set(err, EINVAL,
				 "detach tap \"%s\" from \"%s\": bad "
				 "interface name",
				 tap_name, ifname);
	if (netns_run_in(netns_path, netns_detach_child, &a, &r, NULL, err) < 0)
		return error_wrap(err,
				  "network namespace %s: detach tap %s "
				  "from %s",
				  netns_path, tap_name, ifname);
	return 0;
}

/* The child of netns_link_exists(): arg is the link's name. */
static int netns_exists_child(void *arg, struct netns_reply *r)
{
	r->found = if_nametoindex(arg) != 0;
	return -1; /* no fd to send */
}

int netns_link_exists(const char *netns_path, const char *name,
		      struct error **err)
{
	struct netns_reply r;

	if (!name[0] || strlen(name) >= IFNAMSIZ)
		return error_set(err, EINVAL, "bad interface name \"%s\"",
				 name);
	if (netns_run_in(netns_path, netns_exists_child, (void *)name, &r, NULL,
			 err) < 0)
		return error_wrap(err, "network namespace %s", netns_path);
	return r.found ? 1 : 0;
}
