// SPDX-License-Identifier: Apache-2.0
#include "stage0/netns.h"
#include "stage0/netns_int.h"

#include "common/cleanup.h"
#include "common/nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* The u32 filters' priority; any value works, there is one per device. */
#define NETNS_FILTER_PRIO 1

int netns_fail(struct netns_reply *r, int error, const char *fmt, ...)
{
	char what[192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	r->error = error;
	snprintf(r->msg, sizeof(r->msg), "%s: %s", what, strerror(-error));
	return error;
}

int netns_fail_nl(struct netns_reply *r, const struct nl_sock *nl, int error,
		  const char *what)
{
	if (nl->ext_msg[0])
		return netns_fail(r, error, "%s (%s)", what, nl->ext_msg);
	return netns_fail(r, error, "%s", what);
}

static int netns_mkdirs(const char *dir, struct error **err)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(buf))
		return error_set(err, ENAMETOOLONG, "bad directory \"%s\"",
				 dir);
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1;; p++) {
		bool end = *p == '\0';

		if (*p != '/' && !end)
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return error_set_errno(err, "create directory %s", buf);
		if (end)
			return 0;
		*p = '/';
	}
}

/*
 * The child of netns_create() (arg: the path), not in a namespace yet: a
 * new network namespace, bound at the path, with lo up.
 */
static int netns_create_child(void *arg, struct netns_reply *r)
{
	const char *path = arg;
	struct nl_sock nl;
	int ret;

	if (unshare(CLONE_NEWNET) < 0)
		return netns_fail(r, -errno, "unshare(CLONE_NEWNET)");
	if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
		return netns_fail(r, -errno, "bind the namespace to %s", path);
	ret = nl_open(&nl);
	if (ret < 0)
		return netns_fail(r, ret, "open rtnetlink");
	/* lo is always ifindex 1 (LOOPBACK_IFINDEX) in a new namespace. */
	ret = nl_link_set(&nl, 1, IFF_UP, IFF_UP, 0);
	if (ret < 0)
		netns_fail_nl(r, &nl, ret, "bring lo up");
	nl_close(&nl);
	return -1; /* no fd to send */
}

/* Sends r (and fd when >= 0) to the parent. */
static void netns_reply_send(int sock, const struct netns_reply *r, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = {.iov_base = (void *)r, .iov_len = sizeof(*r)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	memset(&control, 0, sizeof(control));
	if (fd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/*
 * Waits for the child's reply and its exit: 0 with *r (and *fd when the
 * child sent one, else -1), or -1 with *err when the child failed.
 */
static int netns_reply_wait(int sock, pid_t pid, struct netns_reply *r, int *fd,
			    struct error **err)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = {.iov_base = r, .iov_len = sizeof(*r)};
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c;
	int status, ret;
	ssize_t n;

	*fd = -1;
	memset(r, 0, sizeof(*r));
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = error_set_errno(err, "read the namespace child's answer");
	else
		ret = 0;
	for (c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; c;
	     c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(c), sizeof(int));
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	if (ret < 0)
		goto fail;
	if (n != (ssize_t)sizeof(*r)) {
		ret = error_set(err, EPROTO,
				"the namespace child ended without an answer "
				"(wait status %#x)",
				(unsigned)status);
		goto fail;
	}
	r->msg[sizeof(r->msg) - 1] = '\0';
	if (r->error < 0) {
		ret = error_set(err, -r->error, "%s", r->msg);
		goto fail;
	}
	return 0;
fail:
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return ret;
}

int netns_create(const char *path, struct error **err)
{
	cleanup_free char *dir = strdup(path);
	struct netns_reply r;
	char *slash;
	int fd;

	if (!dir)
		return error_set(err, ENOMEM, "out of memory");
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (netns_mkdirs(dir, err) < 0)
			return error_wrap(err, "create network namespace %s",
					  path);
	}
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return error_set_errno(err, "create network namespace %s",
				       path);
	close(fd);
	if (netns_run_in(NULL, netns_create_child, (void *)path, &r, NULL,
			 err) == 0)
		return 0;
	umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
	unlink(path);
	return error_wrap(err, "create network namespace %s", path);
}

int netns_destroy(const char *path, struct error **err)
{
	if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 &&
	    errno != EINVAL && errno != ENOENT)
		return error_set_errno(err, "unmount network namespace %s",
				       path);
	if (unlink(path) < 0 && errno != ENOENT)
		return error_set_errno(err, "remove network namespace %s",
				       path);
	return 0;
}

/* Adds the ingress qdisc (handle ffff:) to a link. */
static int netns_add_ingress(struct nl_sock *nl, int ifindex)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct tcmsg *t;
	struct nl_msg m;

	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWQDISC,
		    NLM_F_CREATE | NLM_F_EXCL);
	t = nl_msg_put_header(&m, sizeof(*t));
	if (!t)
		return -EMSGSIZE;
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_handle = TC_H_MAKE(TC_H_INGRESS, 0);
	t->tcm_parent = TC_H_INGRESS;
	nl_put_str(&m, TCA_KIND, "ingress");
	return nl_request(nl, &m);
}

int netns_del_ingress(struct nl_sock *nl, int ifindex)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct tcmsg *t;
	struct nl_msg m;

	nl_msg_init(&m, buf, sizeof(buf), RTM_DELQDISC, 0);
	t = nl_msg_put_header(&m, sizeof(*t));
	if (!t)
		return -EMSGSIZE;
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_handle = TC_H_MAKE(TC_H_INGRESS, 0);
	t->tcm_parent = TC_H_INGRESS;
	return nl_request(nl, &m);
}

/*
 * On from's ingress qdisc: a u32 filter matching every frame of every
 * protocol (`u32 match u32 0 0`, one key with mask 0) whose action is
 * mirred egress redirect to `to`, the filter being terminal: what `tc
 * filter add dev FROM parent ffff: protocol all u32 match u32 0 0 action
 * mirred egress redirect dev TO` sends.
 */
static int netns_add_redirect(struct nl_sock *nl, int from, int to)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	uint8_t selbuf[sizeof(struct tc_u32_sel) + sizeof(struct tc_u32_key)];
	struct tc_u32_sel sel;
	struct tc_u32_key key;
	struct tc_mirred mirred;
	struct nlattr *opts, *acts, *act, *act_opts;
	struct tcmsg *t;
	struct nl_msg m;

	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWTFILTER,
		    NLM_F_CREATE | NLM_F_EXCL);
	t = nl_msg_put_header(&m, sizeof(*t));
	if (!t)
		return -EMSGSIZE;
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = from;
	t->tcm_handle = 0;
	t->tcm_parent = TC_H_MAKE(TC_H_INGRESS, 0);
	t->tcm_info =
		TC_H_MAKE((uint32_t)NETNS_FILTER_PRIO << 16, htons(ETH_P_ALL));
	nl_put_str(&m, TCA_KIND, "u32");
	opts = nl_nest_start(&m, TCA_OPTIONS);

	memset(&sel, 0, sizeof(sel));
	memset(&key, 0, sizeof(key));
	sel.flags = TC_U32_TERMINAL;
	sel.nkeys = 1;
	memcpy(selbuf, &sel, sizeof(sel));
	memcpy(selbuf + sizeof(sel), &key, sizeof(key));
	nl_put(&m, TCA_U32_SEL, selbuf, sizeof(selbuf));

	acts = nl_nest_start(&m, TCA_U32_ACT);
	act = nl_nest_start(&m, 1); /* the first action of the list */
	nl_put_str(&m, TCA_ACT_KIND, "mirred");
	act_opts = nl_nest_start(&m, TCA_ACT_OPTIONS);
	memset(&mirred, 0, sizeof(mirred));
	mirred.action = TC_ACT_STOLEN;
	mirred.eaction = TCA_EGRESS_REDIR;
	mirred.ifindex = (uint32_t)to;
	nl_put(&m, TCA_MIRRED_PARMS, &mirred, sizeof(mirred));
	nl_nest_end(&m, act_opts);
	nl_nest_end(&m, act);
	nl_nest_end(&m, acts);
	nl_nest_end(&m, opts);
	return nl_request(nl, &m);
}

/* ifname's index, MAC and MTU by ioctls on a socket of this namespace. */
static int netns_link_info(const char *ifname, int *ifindex, uint8_t mac[6],
			   unsigned *mtu, struct netns_reply *r)
{
	cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;

	if (s < 0)
		return netns_fail(r, -errno, "socket");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFINDEX, &ifr) < 0)
		return netns_fail(r, -errno, "find interface %s", ifname);
	*ifindex = ifr.ifr_ifindex;
	if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0)
		return netns_fail(r, -errno, "MAC address of %s", ifname);
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return netns_fail(r, -EPROTOTYPE,
				  "%s is not an Ethernet interface", ifname);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(s, SIOCGIFMTU, &ifr) < 0)
		return netns_fail(r, -errno, "MTU of %s", ifname);
	*mtu = (unsigned)ifr.ifr_mtu;
	return 0;
}

/* Creates the tap: its fd, with *ifindex; or -errno. */
static int netns_tap_open(const char *tap_name, int *ifindex,
			  struct netns_reply *r)
{
	cleanup_close int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	cleanup_close int s = -1;
	int hdr = NETNS_TAP_VNET_HDR_SIZE;
	struct ifreq ifr;

	if (fd < 0)
		return netns_fail(r, -errno, "open /dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", tap_name);
	/* IFF_TUN_EXCL: never attach to a tap someone else made. */
	/* ifr_flags is a short; IFF_TUN_EXCL is its top bit. */
	ifr.ifr_flags = (short)(uint16_t)(IFF_TAP | IFF_NO_PI | IFF_VNET_HDR |
					  IFF_TUN_EXCL);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return netns_fail(r, -errno, "create tap %s", tap_name);
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0)
		return netns_fail(r, -errno, "set the vnet header size of %s",
				  tap_name);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return netns_fail(r, -errno, "socket");
	if (ioctl(s, SIOCGIFINDEX, &ifr) < 0)
		return netns_fail(r, -errno, "find tap %s", tap_name);
	*ifindex = ifr.ifr_ifindex;
	return steal_fd(&fd);
}

struct netns_route_dump {
	int ifindex;
	struct netns_reply *r;
};

/* One RTM_NEWROUTE of the dump: kept when the plugins made it on ifindex. */
static int netns_route_cb(const struct nlmsghdr *h, void *arg)
{
	struct netns_route_dump *d = arg;
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm = NLMSG_DATA(h);
	struct netns_route *out;
	char addr[INET6_ADDRSTRLEN];
	uint32_t table;

	if (h->nlmsg_type != RTM_NEWROUTE ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)) ||
	    nl_parse_msg(h, sizeof(*rtm), tb, RTA_MAX) < 0)
		return 0;
	table = tb[RTA_TABLE] ? nl_attr_u32(tb[RTA_TABLE], 0) : rtm->rtm_table;
	if (table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST ||
	    rtm->rtm_protocol == RTPROT_KERNEL ||
	    (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    !tb[RTA_OIF] || (int)nl_attr_u32(tb[RTA_OIF], 0) != d->ifindex)
		return 0;
	if (d->r->nroutes >= NETNS_ROUTES_MAX)
		return -E2BIG;
	out = &d->r->routes[d->r->nroutes];
	memset(out, 0, sizeof(*out));
	if (tb[RTA_DST]) {
		if (!inet_ntop(rtm->rtm_family, nl_attr_data(tb[RTA_DST]), addr,
			       sizeof(addr)))
			return 0;
	} else {
		snprintf(addr, sizeof(addr), "%s",
			 rtm->rtm_family == AF_INET ? "0.0.0.0" : "::");
	}
	snprintf(out->dst, sizeof(out->dst), "%s/%u", addr, rtm->rtm_dst_len);
	if (tb[RTA_GATEWAY] &&
	    !inet_ntop(rtm->rtm_family, nl_attr_data(tb[RTA_GATEWAY]), out->gw,
		       sizeof(out->gw)))
		return 0;
	d->r->nroutes++;
	return 0;
}

/* On-link routes, then routes through a gateway, the default ones last. */
static int netns_route_rank(const struct netns_route *rt)
{
	size_t len = strlen(rt->dst);

	if (!rt->gw[0])
		return 0;
	return len >= 2 && !strcmp(rt->dst + len - 2, "/0") ? 2 : 1;
}

static int netns_routes_dump(struct nl_sock *nl, int ifindex,
			     struct netns_reply *r)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct netns_route_dump d = {.ifindex = ifindex, .r = r};
	struct netns_route sorted[NETNS_ROUTES_MAX];
	struct rtmsg *rtm;
	struct nl_msg m;
	size_t n = 0;
	int ret;

	nl_msg_init(&m, buf, sizeof(buf), RTM_GETROUTE, NLM_F_DUMP);
	rtm = nl_msg_put_header(&m, sizeof(*rtm));
	if (!rtm)
		return -EMSGSIZE;
	rtm->rtm_family = AF_UNSPEC;
	r->nroutes = 0;
	ret = nl_dump(nl, &m, netns_route_cb, &d);
	if (ret < 0)
		return ret;
	for (int rank = 0; rank <= 2; rank++)
		for (uint32_t i = 0; i < r->nroutes; i++)
			if (netns_route_rank(&r->routes[i]) == rank)
				sorted[n++] = r->routes[i];
	memcpy(r->routes, sorted, n * sizeof(sorted[0]));
	return 0;
}

/*
 * The child of netns_tap_attach(), inside the namespace: the tap fd, or
 * -errno with r filled. On failure everything it made is gone (the tap
 * with its fd, the veth's ingress qdisc with its filter).
 */
static int netns_tap_child(const char *ifname, const char *tap_name,
			   struct netns_reply *r)
{
	cleanup_close int tap = -1;
	struct nl_sock nl;
	int veth_index = 0, tap_index = 0, ret;
	unsigned mtu = 0;

	ret = netns_link_info(ifname, &veth_index, r->mac, &mtu, r);
	if (ret < 0)
		return ret;
	r->mtu = mtu;
	tap = netns_tap_open(tap_name, &tap_index, r);
	if (tap < 0)
		return tap;
	ret = nl_open(&nl);
	if (ret < 0)
		return netns_fail(r, ret, "open rtnetlink");
	ret = nl_link_set(&nl, tap_index, IFF_UP, IFF_UP, mtu);
	if (ret < 0) {
		netns_fail_nl(r, &nl, ret, "bring the tap up");
		goto out;
	}
	ret = netns_add_ingress(&nl, tap_index);
	if (ret < 0) {
		netns_fail_nl(r, &nl, ret, "add an ingress qdisc to the tap");
		goto out;
	}
	ret = netns_add_redirect(&nl, tap_index, veth_index);
	if (ret < 0) {
		netns_fail_nl(r, &nl, ret, "redirect the tap to the veth");
		goto out;
	}
	ret = netns_add_ingress(&nl, veth_index);
	if (ret < 0) {
		netns_fail_nl(r, &nl, ret, "add an ingress qdisc to the veth");
		goto out;
	}
	ret = netns_add_redirect(&nl, veth_index, tap_index);
	if (ret < 0) {
		netns_fail_nl(r, &nl, ret, "redirect the veth to the tap");
		netns_del_ingress(&nl, veth_index);
		goto out;
	}
	ret = netns_routes_dump(&nl, veth_index, r);
	if (ret < 0) {
		netns_fail_nl(r, &nl, ret, "read the routes of the veth");
		netns_del_ingress(&nl, veth_index);
		goto out;
	}
	ret = steal_fd(&tap);
out:
	nl_close(&nl);
	return ret;
}

int netns_run_in(const char *netns_path, netns_child_fn fn, void *arg,
		 struct netns_reply *r, int *fd, struct error **err)
{
	cleanup_close int ns = -1;
	cleanup_close int sv0 = -1;
	cleanup_close int sv1 = -1;
	int sv[2], got;
	pid_t pid;

	if (fd)
		*fd = -1;
	if (netns_path)
		ns = open(netns_path, O_RDONLY | O_CLOEXEC);
	if (netns_path && ns < 0)
		return error_set_errno(err, "open network namespace %s",
				       netns_path);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return error_set_errno(err, "socketpair");
	sv0 = sv[0];
	sv1 = sv[1];
	pid = fork();
	if (pid < 0)
		return error_set_errno(err, "fork");
	if (pid == 0) {
		int ret = -EINVAL;

		memset(r, 0, sizeof(*r));
		if (ns >= 0 && setns(ns, CLONE_NEWNET) < 0)
			ret = netns_fail(r, -errno, "enter the namespace");
		else
			ret = fn(arg, r);
		netns_reply_send(sv1, r, ret);
		_exit(r->error < 0 ? 1 : 0);
	}
	close(steal_fd(&sv1));
	if (netns_reply_wait(sv0, pid, r, &got, err) < 0)
		return -1;
	if (fd)
		*fd = got;
	else if (got >= 0)
		close(got);
	return 0;
}

static int netns_tap_child_fn(void *arg, struct netns_reply *r)
{
	const struct netns_tap_args *a = arg;

	return netns_tap_child(a->ifname, a->tap_name, r);
}

int netns_tap_attach(const char *netns_path, const char *ifname,
		     const char *tap_name, int *tap_fd, uint8_t mac[6],
		     unsigned *mtu, struct netns_route *routes, size_t *nroutes,
		     struct error **err)
{
	struct netns_tap_args a = {.ifname = ifname, .tap_name = tap_name};
	struct netns_reply r;
	int fd;

	*tap_fd = -1;
	if (strlen(ifname) >= IFNAMSIZ || strlen(tap_name) >= IFNAMSIZ ||
	    !ifname[0] || !tap_name[0])
		return error_set(err, EINVAL,
				 "attach tap \"%s\" to \"%s\": bad interface "
				 "name",
				 tap_name, ifname);
	if (netns_run_in(netns_path, netns_tap_child_fn, &a, &r, &fd, err) < 0)
		goto fail;
	if (fd < 0) {
		error_set(err, EPROTO, "no tap fd came back");
		goto fail;
	}
	*tap_fd = fd;
	memcpy(mac, r.mac, 6);
	*mtu = r.mtu;
	if (routes) {
		*nroutes = r.nroutes < NETNS_ROUTES_MAX ? r.nroutes
							: NETNS_ROUTES_MAX;
		memcpy(routes, r.routes, *nroutes * sizeof(*routes));
	}
	return 0;
fail:
	return error_wrap(err, "network namespace %s: tap %s for %s",
			  netns_path, tap_name, ifname);
}
