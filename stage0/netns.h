/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host side of a pod's network (docs/networking.md): a persistent
 * network namespace per pod, bound at a path the way `ip netns add` does,
 * and in it the VMM's tap device joined to the CNI interface.
 *
 * The join is the one Kata Containers uses ("tcfilter" mode): an ingress
 * qdisc on both the CNI veth and the tap, and on each a u32 filter that
 * matches every frame with a mirred "egress redirect" action to the other
 * device. CNI plugins then never need to know a VM is behind the veth, and
 * the guest uses the veth's MAC so the host side's neighbour entries and
 * routes keep working.
 *
 * The namespace work runs in a forked child that setns()es; the caller's
 * own network namespace never changes.
 */
#ifndef COCOON_STAGE0_NETNS_H
#define COCOON_STAGE0_NETNS_H

#include "common/error.h"

#include <stddef.h>
#include <stdint.h>

/* Where stage0 binds pod namespaces: NETNS_DIR/<pod uuid>. */
#define NETNS_DIR "/run/cocoon/netns"

/* The virtio-net header the VMM uses on the tap (virtio 1.2 §5.1.6). */
#define NETNS_TAP_VNET_HDR_SIZE 12

/* An interface name with its NUL (IFNAMSIZ). */
#define NETNS_IFNAME_MAX 16

/* The addresses of an interface, as the guest should have them. */
#define NETNS_ADDRS_MAX 16
struct netns_addr {
	char cidr[50]; /* "10.88.0.5/16", "fd00::5/64" */
};

/* The routes of the plugin's interface, as the guest should have them. */
#define NETNS_ROUTES_MAX 32
struct netns_route {
	char dst[50]; /* CIDR: "0.0.0.0/0", "172.16.28.0/24", "fd00::/64" */
	char gw[46];  /* "" for an on-link route */
};

/*
 * Creates a new network namespace bound at path (an empty file is made
 * there, its parent directories too) with lo up: 0, or -1 with *err and
 * nothing left behind. Fails if path exists.
 */
int netns_create(const char *path, struct error **err);

/*
 * Unbinds and removes the namespace at path: 0 (also when nothing is
 * there), or -1 with *err. The namespace itself goes when its last user
 * (a tap fd, a process inside) does.
 */
int netns_destroy(const char *path, struct error **err);

/*
 * In the namespace at netns_path: creates tap device tap_name
 * (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, a NETNS_TAP_VNET_HDR_SIZE header,
 * not persistent: it goes when the fd is closed), gives it the MTU of
 * ifname (the CNI interface), brings it up and joins it to ifname in both
 * directions. 0 with *tap_fd (O_CLOEXEC, the caller's), ifname's MAC in
 * mac and its MTU in *mtu; or -1 with *err and everything undone.
 * routes (when not NULL, room for NETNS_ROUTES_MAX) gets the routes of
 * ifname in the main table that the plugins made (not the kernel's own
 * subnet routes): on-link ones first, the default route last. As Kata
 * Containers does, these, not the CNI result's routes, are what the guest
 * gets: plugins configure more than they report (ptp routes its whole
 * subnet through the gateway, which its result does not say).
 */
int netns_tap_attach(const char *netns_path, const char *ifname,
		     const char *tap_name, int *tap_fd, uint8_t mac[6],
		     unsigned *mtu, struct netns_route *routes, size_t *nroutes,
		     struct error **err);

/*
 * In the namespace at netns_path (one an engine made and ran CNI in): the
 * global addresses (not loopback's, not IPv6 link-local) of ifname, or
 * when ifname is "" on entry, of the first link that has one, whose name
 * goes into ifname. 0 with addrs (room for NETNS_ADDRS_MAX) and *naddrs,
 * or -1 with *err (EADDRNOTAVAIL: no link has an address).
 */
int netns_iface_addrs(const char *netns_path, char ifname[NETNS_IFNAME_MAX],
		      struct netns_addr *addrs, size_t *naddrs,
		      struct error **err);

/*
 * Whether the namespace at netns_path has a link called name: 1, 0, or
 * -1 with *err.
 */
int netns_link_exists(const char *netns_path, const char *name,
		      struct error **err);

/*
 * Undoes netns_tap_attach() in a namespace that stays (the engine's):
 * removes ifname's ingress qdisc, with the redirect filter in it, and the
 * tap tap_name if it is still there. Either being gone already is
 * success; ifname and its addresses and routes are left alone.
 */
int netns_tap_detach(const char *netns_path, const char *ifname,
		     const char *tap_name, struct error **err);

#endif
