// SPDX-License-Identifier: Apache-2.0
/*
 * guest/net against the kernel (root only). Each test body runs in a
 * forked child that unshare(CLONE_NEWNET)s, so it sees only the links it
 * made (a veth pair standing in for virtio-net) and everything goes with
 * the child. The child reports a failure as a message on a pipe.
 */
#include "guest/net.h"

#include "common/nl.h"
#include "guest/runtime_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#define GUEST_MAC "02:00:00:00:aa:01"

static int report_fd = -1;

static void child_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static void child_fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	ssize_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = write(report_fd, msg, strlen(msg));
	(void)n;
	_exit(1);
}

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond))                                                \
			child_fail("%s:%d: %s", __FILE__, __LINE__, #cond); \
	} while (0)

/* Runs body in a child in a new network namespace; fails with its report. */
static void run_in_netns(void (*body)(void))
{
	char msg[513];
	int p[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		if (unshare(CLONE_NEWNET) < 0)
			child_fail("unshare: %s", strerror(errno));
		body();
		_exit(0);
	}
	close(p[1]);
	n = read(p[0], msg, sizeof(msg) - 1);
	close(p[0]);
	msg[n > 0 ? n : 0] = '\0';
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child (status %#x): %s", (unsigned)status, msg);
}

static bool is_root(void)
{
	if (geteuid() == 0)
		return true;
	fprintf(stderr, "SKIP: needs root (a network namespace)\n");
	return false;
}

/* A veth pair: veth-a with the guest's MAC, veth-b up (for carrier). */
static void make_veth(void)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nlattr *linkinfo, *data, *peer;
	struct ifinfomsg *ifi;
	unsigned char mac[6];
	struct nl_sock nl;
	struct nl_msg m;
	int ret;

	CHECK(runtime_net_mac(GUEST_MAC, mac) == 0);
	CHECK(nl_open(&nl) == 0);
	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWLINK,
		    NLM_F_CREATE | NLM_F_EXCL);
	ifi = nl_msg_put_header(&m, sizeof(*ifi));
	CHECK(ifi);
	ifi->ifi_family = AF_UNSPEC;
	nl_put_str(&m, IFLA_IFNAME, "veth-a");
	nl_put(&m, IFLA_ADDRESS, mac, 6);
	linkinfo = nl_nest_start(&m, IFLA_LINKINFO);
	nl_put_str(&m, IFLA_INFO_KIND, "veth");
	data = nl_nest_start(&m, IFLA_INFO_DATA);
	peer = nl_nest_start(&m, VETH_INFO_PEER);
	ifi = nl_msg_put_header(&m, sizeof(*ifi));
	CHECK(ifi);
	ifi->ifi_family = AF_UNSPEC;
	nl_put_str(&m, IFLA_IFNAME, "veth-b");
	nl_nest_end(&m, peer);
	nl_nest_end(&m, data);
	nl_nest_end(&m, linkinfo);
	ret = nl_request(&nl, &m);
	if (ret < 0)
		child_fail("create veth: %s %s", strerror(-ret), nl.ext_msg);
	nl_close(&nl);
	/* veth-b up, so that veth-a has a carrier as a NIC would. */
	{
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		struct ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "veth-b");
		CHECK(ioctl(s, SIOCGIFFLAGS, &ifr) == 0);
		ifr.ifr_flags |= IFF_UP;
		CHECK(ioctl(s, SIOCSIFFLAGS, &ifr) == 0);
		close(s);
	}
}

static int link_flags(const char *name, int *mtu)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	int flags;

	CHECK(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	CHECK(ioctl(s, SIOCGIFFLAGS, &ifr) == 0);
	flags = ifr.ifr_flags;
	if (mtu) {
		CHECK(ioctl(s, SIOCGIFMTU, &ifr) == 0);
		*mtu = ifr.ifr_mtu;
	}
	close(s);
	return flags;
}

/* What a dump found: "index family addr/len" or "dst/len via gw dev N". */
struct seen {
	char lines[64][192];
	size_t n;
};

static void seen_add(struct seen *s, const char *line)
{
	if (s->n < 64)
		snprintf(s->lines[s->n++], sizeof(s->lines[0]), "%s", line);
}

static bool seen_has(const struct seen *s, const char *line)
{
	for (size_t i = 0; i < s->n; i++) {
		if (!strcmp(s->lines[i], line))
			return true;
	}
	return false;
}

static void seen_require(const struct seen *s, const char *line)
{
	char all[2048] = "";

	if (seen_has(s, line))
		return;
	for (size_t i = 0; i < s->n; i++) {
		strncat(all, s->lines[i], sizeof(all) - strlen(all) - 2);
		strncat(all, "; ", sizeof(all) - strlen(all) - 1);
	}
	child_fail("missing \"%s\" in: %s", line, all);
}

static int addr_cb(const struct nlmsghdr *h, void *arg)
{
	const struct nlattr *tb[IFA_MAX + 1];
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	char text[INET6_ADDRSTRLEN], line[128], name[IFNAMSIZ];
	const struct nlattr *a;

	if (h->nlmsg_type != RTM_NEWADDR ||
	    nl_parse_msg(h, sizeof(*ifa), tb, IFA_MAX) < 0)
		return 0;
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a ||
	    !inet_ntop(ifa->ifa_family, nl_attr_data(a), text, sizeof(text)))
		return 0;
	if (!if_indextoname(ifa->ifa_index, name))
		return 0;
	snprintf(line, sizeof(line), "%s %s/%u", name, text,
		 ifa->ifa_prefixlen);
	seen_add(arg, line);
	return 0;
}

static int route_cb(const struct nlmsghdr *h, void *arg)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rt = NLMSG_DATA(h);
	char dst[INET6_ADDRSTRLEN] = "default", gw[INET6_ADDRSTRLEN] = "",
	     line[192], name[IFNAMSIZ] = "?";

	if (h->nlmsg_type != RTM_NEWROUTE ||
	    nl_parse_msg(h, sizeof(*rt), tb, RTA_MAX) < 0 ||
	    rt->rtm_table != RT_TABLE_MAIN)
		return 0;
	if (tb[RTA_DST])
		inet_ntop(rt->rtm_family, nl_attr_data(tb[RTA_DST]), dst,
			  sizeof(dst));
	if (tb[RTA_GATEWAY])
		inet_ntop(rt->rtm_family, nl_attr_data(tb[RTA_GATEWAY]), gw,
			  sizeof(gw));
	if (tb[RTA_OIF])
		if_indextoname(nl_attr_u32(tb[RTA_OIF], 0), name);
	snprintf(line, sizeof(line), "%s/%u%s%s dev %s scope %s", dst,
		 rt->rtm_dst_len, gw[0] ? " via " : "", gw, name,
		 rt->rtm_scope == RT_SCOPE_LINK ? "link" : "global");
	seen_add(arg, line);
	return 0;
}

static void dump(uint16_t type, int family, nl_dump_cb cb, struct seen *s)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nl_sock nl;
	struct nl_msg m;
	struct rtmsg *rt;
	int ret;

	CHECK(nl_open(&nl) == 0);
	nl_msg_init(&m, buf, sizeof(buf), type, 0);
	/* rtmsg and ifaddrmsg both start with their family byte. */
	rt = nl_msg_put_header(&m, type == RTM_GETROUTE
					   ? sizeof(struct rtmsg)
					   : sizeof(struct ifaddrmsg));
	CHECK(rt);
	rt->rtm_family = (uint8_t)family;
	ret = nl_dump(&nl, &m, cb, s);
	if (ret < 0)
		child_fail("dump %u: %s", type, strerror(-ret));
	nl_close(&nl);
}

static const char *config_json =
	"[{\"mac\": \"" GUEST_MAC "\", \"mtu\": 1400,"
	" \"addresses\": [\"10.200.0.5/32\", \"172.31.7.9/24\","
	" \"fd00:c0c0::5/64\"],"
	" \"routes\": [{\"dst\": \"0.0.0.0/0\", \"gw\": \"10.200.0.1\"},"
	" {\"dst\": \"192.168.77.0/24\", \"gw\": \"172.31.7.1\"},"
	" {\"dst\": \"10.99.0.0/16\"},"
	" {\"dst\": \"fd00:beef::/48\", \"gw\": \"fd00:c0c0::1\"},"
	" {\"dst\": \"::/0\", \"gw\": \"fd00:dddd::1\"}]}]";

static void parse_config(const char *json, struct runtime_ifaces *ifs)
{
	struct json_object *o = json_tokener_parse(json);
	char err[256];

	CHECK(o);
	if (runtime_net_parse_msg(o, ifs, err, sizeof(err)) < 0)
		child_fail("parse: %s", err);
	json_object_put(o);
}

static void body_configure(void)
{
	struct runtime_ifaces ifs;
	struct seen addrs = {0}, routes = {0};
	char err[256];
	int mtu, ret;

	make_veth();
	CHECK(!(link_flags("lo", NULL) & IFF_UP));
	if (net_lo_up(err, sizeof(err)) < 0)
		child_fail("net_lo_up: %s", err);
	CHECK(link_flags("lo", NULL) & IFF_UP);

	parse_config(config_json, &ifs);
	ret = net_configure(&ifs, err, sizeof(err));
	if (ret < 0)
		child_fail("net_configure: %s", err);
	/* Again: everything is replaced, nothing fails as existing. */
	ret = net_configure(&ifs, err, sizeof(err));
	if (ret < 0)
		child_fail("net_configure again: %s", err);
	runtime_net_free(&ifs);

	CHECK(link_flags("veth-a", &mtu) & IFF_UP);
	CHECK(mtu == 1400);

	dump(RTM_GETADDR, AF_UNSPEC, addr_cb, &addrs);
	seen_require(&addrs, "lo 127.0.0.1/8");
	seen_require(&addrs, "veth-a 10.200.0.5/32");
	seen_require(&addrs, "veth-a 172.31.7.9/24");
	seen_require(&addrs, "veth-a fd00:c0c0::5/64");

	dump(RTM_GETROUTE, AF_INET, route_cb, &routes);
	dump(RTM_GETROUTE, AF_INET6, route_cb, &routes);
	/* The /32's gateway is off-link: a host route to it comes first. */
	seen_require(&routes, "10.200.0.1/32 dev veth-a scope link");
	seen_require(&routes, "default/0 via 10.200.0.1 dev veth-a "
			      "scope global");
	seen_require(&routes, "192.168.77.0/24 via 172.31.7.1 dev veth-a "
			      "scope global");
	/* On-link: no host route for 172.31.7.1. */
	CHECK(!seen_has(&routes, "172.31.7.1/32 dev veth-a scope link"));
	seen_require(&routes, "10.99.0.0/16 dev veth-a scope link");
	seen_require(&routes, "fd00:beef::/48 via fd00:c0c0::1 dev veth-a "
			      "scope global");
	CHECK(!seen_has(&routes, "fd00:c0c0::1/128 dev veth-a scope link"));
	seen_require(&routes, "fd00:dddd::1/128 dev veth-a scope global");
	seen_require(&routes, "default/0 via fd00:dddd::1 dev veth-a "
			      "scope global");
}

static void body_errors(void)
{
	struct runtime_ifaces ifs;
	char err[256];
	int ret;

	make_veth();
	parse_config("[{\"mac\": \"02:00:00:00:ff:ff\"}]", &ifs);
	ret = net_configure(&ifs, err, sizeof(err));
	CHECK(ret == -ENODEV);
	if (strcmp(err, "eth with MAC 02:00:00:00:ff:ff: not found"))
		child_fail("message: %s", err);
	runtime_net_free(&ifs);

	/* A gateway the kernel refuses (a local address): route error. */
	parse_config("[{\"mac\": \"" GUEST_MAC "\", \"addresses\":"
		     " [\"fd00:1::2/64\"], \"routes\": [{\"dst\": \"::/0\","
		     " \"gw\": \"fd00:1::2\"}]}]",
		     &ifs);
	ret = net_configure(&ifs, err, sizeof(err));
	CHECK(ret < 0);
	if (strncmp(err, "route ::/0 via fd00:1::2: ", 26))
		child_fail("message: %s", err);
	/* The kernel's extended ACK reason is passed on. */
	if (!strstr(err, "(") || !strstr(err, ")"))
		child_fail("no kernel reason in: %s", err);
	fprintf(stderr, "# %s\n", err);
	runtime_net_free(&ifs);

	/* No interface: nothing to do, nothing touched. */
	memset(&ifs, 0, sizeof(ifs));
	CHECK(net_configure(&ifs, err, sizeof(err)) == 0);
}

static void test_configure(void **state)
{
	(void)state;
	if (!is_root())
		skip();
	run_in_netns(body_configure);
}

static void test_errors(void **state)
{
	(void)state;
	if (!is_root())
		skip();
	run_in_netns(body_errors);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_configure),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
