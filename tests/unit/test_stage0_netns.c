// SPDX-License-Identifier: Apache-2.0
/*
 * stage0/netns against the kernel (root only): namespaces bound in a temp
 * dir, and a tap joined to a veth whose peer sits in a second namespace
 * the test made. Frames written to the tap must come out of the peer and
 * back. Everything lives in namespaces the test created; destroying them
 * removes the veth pair and the tap.
 */
#include "stage0/netns.h"

#include "common/nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <cmocka.h>

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

#define TEST_ETHERTYPE 0x88b5 /* IEEE local experimental */
#define TEST_MTU       1400

static const uint8_t pod_mac[6] = {0x02, 0x00, 0x00, 0xaa, 0xbb, 0xcc};
static const uint8_t peer_mac[6] = {0x02, 0x00, 0x00, 0x11, 0x22, 0x33};

struct fixture {
	char dir[64];
	char pod[PATH_MAX];
	char peer[PATH_MAX];
	int self_ns; /* the test's own namespace, to come back to */
	int tap_fd;
	int packet_fd;
};

static bool is_root(void)
{
	if (geteuid() == 0)
		return true;
	fprintf(stderr, "SKIP: needs root (network namespaces, veth, tap)\n");
	return false;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/cocoon-netns-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->pod, sizeof(f->pod), "%s/run/netns/pod", f->dir);
	snprintf(f->peer, sizeof(f->peer), "%s/run/netns/peer", f->dir);
	f->self_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	f->tap_fd = -1;
	f->packet_fd = -1;
	*state = f;
	return f->self_ns < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct error *err = NULL;
	char path[PATH_MAX];

	if (f->tap_fd >= 0)
		close(f->tap_fd);
	if (f->packet_fd >= 0)
		close(f->packet_fd);
	/* Back home, should a failed assertion have left us elsewhere. */
	setns(f->self_ns, CLONE_NEWNET);
	if (netns_destroy(f->pod, &err) < 0 || netns_destroy(f->peer, &err) < 0)
		error_print(&err);
	snprintf(path, sizeof(path), "%s/run/netns", f->dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/run", f->dir);
	rmdir(path);
	rmdir(f->dir);
	close(f->self_ns);
	free(f);
	return 0;
}

static ino_t ns_inode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static bool is_mounted(const char *path)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		/* The fifth field is the mount point. */
		char *p = line;

		for (int i = 0; i < 4 && p; i++) {
			p = strchr(p, ' ');
			if (p)
				p++;
		}
		if (p && !strncmp(p, path, strlen(path)) &&
		    p[strlen(path)] == ' ')
			found = true;
	}
	fclose(f);
	return found;
}

static void enter(struct fixture *f, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(setns(fd, CLONE_NEWNET), 0);
	close(fd);
	(void)f;
}

static void leave(struct fixture *f)
{
	assert_int_equal(setns(f->self_ns, CLONE_NEWNET), 0);
}

/* In the current namespace: ifname's flags, or -1 when it is not there. */
static int link_flags(const char *ifname)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;
	int ret;

	assert_true(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ret = ioctl(s, SIOCGIFFLAGS, &ifr) < 0 ? -1 : ifr.ifr_flags;
	close(s);
	return ret;
}

static void link_up(const char *ifname)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;

	assert_true(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	assert_int_equal(ioctl(s, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	assert_int_equal(ioctl(s, SIOCSIFFLAGS, &ifr), 0);
	close(s);
}

static void test_create_destroy(void **state)
{
	struct fixture *f = *state;
	struct error *err = NULL;
	struct statfs sfs;
	int fd;

	if (!is_root())
		skip();
	assert_int_equal(netns_create(f->pod, &err), 0);
	assert_true(is_mounted(f->pod));
	fd = open(f->pod, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstatfs(fd, &sfs), 0);
	assert_int_equal(sfs.f_type, NSFS_MAGIC);
	close(fd);
	assert_int_not_equal(ns_inode(f->pod), ns_inode("/proc/self/ns/net"));

	/* lo is up inside, and the caller stayed where it was. */
	enter(f, f->pod);
	assert_true(link_flags("lo") & IFF_UP);
	leave(f);

	/* An existing path is refused and left alone. */
	assert_int_equal(netns_create(f->pod, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->code, EEXIST);
	assert_non_null(strstr(err->message, f->pod));
	error_free(&err);
	assert_true(is_mounted(f->pod));

	assert_int_equal(netns_destroy(f->pod, &err), 0);
	assert_false(is_mounted(f->pod));
	assert_int_equal(access(f->pod, F_OK), -1);
	assert_int_equal(errno, ENOENT);
	/* Again: nothing there is success. */
	assert_int_equal(netns_destroy(f->pod, &err), 0);
	assert_null(err);
}

/* eth0 (MAC pod_mac) in the pod namespace, peer0 in the peer's. */
static void make_veth(const char *pod, const char *peer)
{
	uint8_t buf[NL_BUF_SIZE] __attribute__((aligned(4)));
	struct nlattr *linkinfo, *data, *peer_attr;
	struct ifinfomsg *ifi, *peer_ifi;
	int pod_fd = open(pod, O_RDONLY | O_CLOEXEC);
	int peer_fd = open(peer, O_RDONLY | O_CLOEXEC);
	struct nl_sock nl;
	struct nl_msg m;

	assert_true(pod_fd >= 0 && peer_fd >= 0);
	assert_int_equal(nl_open(&nl), 0);
	nl_msg_init(&m, buf, sizeof(buf), RTM_NEWLINK,
		    NLM_F_CREATE | NLM_F_EXCL);
	ifi = nl_msg_put_header(&m, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	nl_put_str(&m, IFLA_IFNAME, "eth0");
	nl_put(&m, IFLA_ADDRESS, pod_mac, 6);
	nl_put_u32(&m, IFLA_MTU, TEST_MTU);
	nl_put_u32(&m, IFLA_NET_NS_FD, (uint32_t)pod_fd);
	linkinfo = nl_nest_start(&m, IFLA_LINKINFO);
	nl_put_str(&m, IFLA_INFO_KIND, "veth");
	data = nl_nest_start(&m, IFLA_INFO_DATA);
	peer_attr = nl_nest_start(&m, VETH_INFO_PEER);
	peer_ifi = nl_msg_put_header(&m, sizeof(*peer_ifi));
	assert_non_null(peer_ifi);
	peer_ifi->ifi_family = AF_UNSPEC;
	nl_put_str(&m, IFLA_IFNAME, "peer0");
	nl_put(&m, IFLA_ADDRESS, peer_mac, 6);
	nl_put_u32(&m, IFLA_MTU, TEST_MTU);
	nl_put_u32(&m, IFLA_NET_NS_FD, (uint32_t)peer_fd);
	nl_nest_end(&m, peer_attr);
	nl_nest_end(&m, data);
	nl_nest_end(&m, linkinfo);
	assert_false(m.overflow);
	if (nl_request(&nl, &m) != 0)
		fail_msg("create veth: %s", nl.ext_msg);
	nl_close(&nl);
	close(pod_fd);
	close(peer_fd);
}

static size_t build_frame(uint8_t *frame, const uint8_t *dst,
			  const uint8_t *src, const char *payload)
{
	size_t len = 60; /* the Ethernet minimum without FCS */

	memset(frame, 0, len);
	memcpy(frame, dst, 6);
	memcpy(frame + 6, src, 6);
	frame[12] = TEST_ETHERTYPE >> 8;
	frame[13] = TEST_ETHERTYPE & 0xff;
	memcpy(frame + 14, payload, strlen(payload));
	return len;
}

/* Waits up to 2 s for a frame carrying payload on fd, skipping skip bytes
 * in front of each (the vnet header) and other traffic (IPv6 chatter). */
static bool wait_frame(int fd, size_t skip, const char *payload)
{
	uint8_t buf[2048];

	for (int i = 0; i < 40; i++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 50) <= 0)
			continue;
		/* poll said readable: read() does not block (tap or socket) */
		n = read(fd, buf, sizeof(buf));
		if (n < (ssize_t)(skip + 14 + strlen(payload)))
			continue;
		if (buf[skip + 12] == TEST_ETHERTYPE >> 8 &&
		    buf[skip + 13] == (TEST_ETHERTYPE & 0xff) &&
		    !memcmp(buf + skip + 14, payload, strlen(payload)))
			return true;
	}
	return false;
}

static void test_tap_attach(void **state)
{
	struct netns_route routes[NETNS_ROUTES_MAX];
	size_t nroutes = 0;
	struct fixture *f = *state;
	struct sockaddr_ll sll = {.sll_family = AF_PACKET};
	uint8_t frame[NETNS_TAP_VNET_HDR_SIZE + 60];
	ino_t self = ns_inode("/proc/self/ns/net");
	struct error *err = NULL;
	uint8_t mac[6];
	unsigned mtu;
	size_t len;
	int fd;

	if (!is_root())
		skip();
	assert_int_equal(netns_create(f->pod, &err), 0);
	assert_int_equal(netns_create(f->peer, &err), 0);
	make_veth(f->pod, f->peer);
	enter(f, f->pod);
	link_up("eth0");
	/* What a plugin leaves: an address (the kernel adds its subnet
	 * route), a route through a gateway and a default route. */
	assert_int_equal(system("ip addr add 10.77.1.2/24 dev eth0 && "
				"ip route add default via 10.77.1.1 && "
				"ip route add 10.88.0.0/16 via 10.77.1.1"),
			 0);
	leave(f);
	enter(f, f->peer);
	link_up("peer0");
	f->packet_fd =
		socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	assert_true(f->packet_fd >= 0);
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex("peer0");
	assert_true(sll.sll_ifindex > 0);
	assert_int_equal(
		bind(f->packet_fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	leave(f);

	if (netns_tap_attach(f->pod, "eth0", "tap0", &f->tap_fd, mac, &mtu,
			     routes, &nroutes, &err) < 0) {
		fail_msg("%s", err->message);
	}
	assert_true(f->tap_fd >= 0);
	/* The plugin's routes, the kernel's subnet route left out, the
	 * default route last. */
	assert_int_equal(nroutes, 2);
	assert_string_equal(routes[0].dst, "10.88.0.0/16");
	assert_string_equal(routes[0].gw, "10.77.1.1");
	assert_string_equal(routes[1].dst, "0.0.0.0/0");
	assert_string_equal(routes[1].gw, "10.77.1.1");
	assert_memory_equal(mac, pod_mac, 6);
	assert_int_equal(mtu, TEST_MTU);
	assert_int_equal(ns_inode("/proc/self/ns/net"), self);
	assert_true(fcntl(f->tap_fd, F_GETFD) & FD_CLOEXEC);
	enter(f, f->pod);
	assert_true(link_flags("tap0") & IFF_UP);
	leave(f);

	/* Guest -> host: the tap's frame leaves through the veth. */
	memset(frame, 0, NETNS_TAP_VNET_HDR_SIZE);
	len = build_frame(frame + NETNS_TAP_VNET_HDR_SIZE, peer_mac, pod_mac,
			  "cocoon tap->veth");
	assert_int_equal(write(f->tap_fd, frame, NETNS_TAP_VNET_HDR_SIZE + len),
			 (ssize_t)(NETNS_TAP_VNET_HDR_SIZE + len));
	assert_true(wait_frame(f->packet_fd, 0, "cocoon tap->veth"));

	/* Host -> guest: the peer's frame comes out of the tap fd. */
	len = build_frame(frame, pod_mac, peer_mac, "cocoon veth->tap");
	assert_int_equal(send(f->packet_fd, frame, len, 0), (ssize_t)len);
	assert_true(wait_frame(f->tap_fd, NETNS_TAP_VNET_HDR_SIZE,
			       "cocoon veth->tap"));

	/* A second tap of the same name is refused (IFF_TUN_EXCL). */
	assert_int_equal(netns_tap_attach(f->pod, "eth0", "tap0", &fd, mac,
					  &mtu, NULL, NULL, &err),
			 -1);
	assert_non_null(strstr(err->message, "create tap tap0"));
	assert_int_equal(fd, -1);
	error_free(&err);

	/*
	 * A second tap on the same veth fails at the veth's ingress qdisc
	 * (it exists): tap1 is gone again and the first join still works.
	 */
	assert_int_equal(netns_tap_attach(f->pod, "eth0", "tap1", &fd, mac,
					  &mtu, NULL, NULL, &err),
			 -1);
	assert_int_equal(err->code, EEXIST);
	error_free(&err);
	enter(f, f->pod);
	assert_int_equal(link_flags("tap1"), -1);
	leave(f);
	len = build_frame(frame, pod_mac, peer_mac, "cocoon still joined");
	assert_int_equal(send(f->packet_fd, frame, len, 0), (ssize_t)len);
	assert_true(wait_frame(f->tap_fd, NETNS_TAP_VNET_HDR_SIZE,
			       "cocoon still joined"));

	/* Closing the fd removes the tap (it is not persistent). */
	close(f->tap_fd);
	f->tap_fd = -1;
	enter(f, f->pod);
	for (int i = 0; i < 100 && link_flags("tap0") != -1; i++)
		usleep(10000);
	assert_int_equal(link_flags("tap0"), -1);
	leave(f);
}

static void test_tap_attach_errors(void **state)
{
	struct fixture *f = *state;
	struct error *err = NULL;
	uint8_t mac[6];
	unsigned mtu;
	int fd;

	if (!is_root())
		skip();
	/* No such namespace. */
	assert_int_equal(netns_tap_attach(f->pod, "eth0", "tap0", &fd, mac,
					  &mtu, NULL, NULL, &err),
			 -1);
	assert_int_equal(err->code, ENOENT);
	error_free(&err);
	/* No such interface: nothing is left in the namespace. */
	assert_int_equal(netns_create(f->pod, &err), 0);
	assert_int_equal(netns_tap_attach(f->pod, "eth0", "tap0", &fd, mac,
					  &mtu, NULL, NULL, &err),
			 -1);
	assert_int_equal(err->code, ENODEV);
	{
		char want[PATH_MAX + 128];

		snprintf(want, sizeof(want),
			 "network namespace %s: tap tap0 for eth0: find "
			 "interface eth0: %s",
			 f->pod, strerror(ENODEV));
		assert_string_equal(err->message, want);
	}
	error_free(&err);
	/* lo is no Ethernet: refused before a tap is made. */
	assert_int_equal(netns_tap_attach(f->pod, "lo", "tap0", &fd, mac, &mtu,
					  NULL, NULL, &err),
			 -1);
	assert_non_null(strstr(err->message, "not an Ethernet interface"));
	error_free(&err);
	enter(f, f->pod);
	assert_int_equal(link_flags("tap0"), -1);
	leave(f);
	/* A name too long for an interface. */
	assert_int_equal(netns_tap_attach(f->pod, "eth0",
					  "a-very-long-tap-name", &fd, mac,
					  &mtu, NULL, NULL, &err),
			 -1);
	assert_int_equal(err->code, EINVAL);
	error_free(&err);
}

/* A namespace playing the engine's: its interface found by its address,
 * the tap joined and then undone, the interface left as it was. */
static void test_engine_netns(void **state)
{
	struct netns_addr addrs[NETNS_ADDRS_MAX];
	char ifname[NETNS_IFNAME_MAX] = "";
	struct fixture *f = *state;
	struct error *err = NULL;
	size_t naddrs = 0;
	uint8_t mac[6];
	unsigned mtu;
	int fd;

	if (!is_root())
		skip();
	assert_int_equal(netns_create(f->pod, &err), 0);
	/* Only lo: no interface to take over. */
	assert_int_equal(
		netns_iface_addrs(f->pod, ifname, addrs, &naddrs, &err), -1);
	assert_int_equal(err->code, EADDRNOTAVAIL);
	assert_int_equal(naddrs, 0);
	error_free(&err);

	assert_int_equal(netns_create(f->peer, &err), 0);
	make_veth(f->pod, f->peer);
	enter(f, f->pod);
	link_up("eth0");
	assert_int_equal(
		system("ip addr add 10.77.1.2/24 dev eth0 && "
		       "ip -6 addr add fd00:77::2/64 dev eth0 nodad && "
		       "ip route add default via 10.77.1.1"),
		0);
	leave(f);

	assert_int_equal(
		netns_iface_addrs(f->pod, ifname, addrs, &naddrs, &err), 0);
	assert_string_equal(ifname, "eth0");
	/* lo's and the IPv6 link-local address are left out. */
	assert_int_equal(naddrs, 2);
	assert_string_equal(addrs[0].cidr, "10.77.1.2/24");
	assert_string_equal(addrs[1].cidr, "fd00:77::2/64");
	/* By name too; a name that is not there is an error. */
	assert_int_equal(
		netns_iface_addrs(f->pod, ifname, addrs, &naddrs, &err), 0);
	assert_int_equal(naddrs, 2);
	snprintf(ifname, sizeof(ifname), "eth9");
	assert_int_equal(
		netns_iface_addrs(f->pod, ifname, addrs, &naddrs, &err), -1);
	assert_int_equal(err->code, ENODEV);
	error_free(&err);

	assert_int_equal(netns_tap_attach(f->pod, "eth0", "tap0", &f->tap_fd,
					  mac, &mtu, NULL, NULL, &err),
			 0);
	assert_int_equal(netns_tap_detach(f->pod, "eth0", "tap0", &err), 0);
	/* The tap is gone though its fd is open, and so is the veth's
	 * ingress qdisc: a new join is possible again. */
	enter(f, f->pod);
	assert_int_equal(link_flags("tap0"), -1);
	assert_true(link_flags("eth0") & IFF_UP);
	leave(f);
	if (netns_tap_attach(f->pod, "eth0", "tap1", &fd, mac, &mtu, NULL, NULL,
			     &err) < 0)
		fail_msg("%s", err->message);
	close(fd);
	assert_int_equal(netns_tap_detach(f->pod, "eth0", "tap1", &err), 0);
	/* Again, with nothing left to remove: success. */
	assert_int_equal(netns_tap_detach(f->pod, "eth0", "tap1", &err), 0);
	assert_null(err);
	/* The interface keeps its addresses and routes. */
	snprintf(ifname, sizeof(ifname), "eth0");
	assert_int_equal(
		netns_iface_addrs(f->pod, ifname, addrs, &naddrs, &err), 0);
	assert_int_equal(naddrs, 2);
	enter(f, f->pod);
	assert_int_equal(system("ip route show default | grep -q 10.77.1.1"),
			 0);
	leave(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_destroy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tap_attach, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tap_attach_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_engine_netns, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
