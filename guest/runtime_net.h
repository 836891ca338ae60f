/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "interfaces" member of the pod frame's runtime object
 * (docs/protocol.md): what the CNI plugins gave the pod, for cocoon-init
 * to configure the guest's NICs with (guest/net.h).
 *
 *	"interfaces": [ { "mac": "aa:bb:cc:dd:ee:ff", "mtu": 1500,
 *	    "addresses": ["172.16.28.5/24", "fd00::5/64"],
 *	    "routes": [ {"dst": "0.0.0.0/0", "gw": "172.16.28.1"} ] } ]
 *
 * "mac" is required (a unicast Ethernet address, unique in the list);
 * "mtu" (68..65535; absent: the link's own), "addresses" (CIDRs, IPv4 or
 * IPv6) and "routes" are optional. A route's "dst" is a network (no host
 * bits set); its "gw" is optional (absent: the destination is on-link) and
 * of the same family.
 */
#ifndef COCOON_GUEST_RUNTIME_NET_H
#define COCOON_GUEST_RUNTIME_NET_H

#include <stddef.h>

struct json_object;
struct runtime_ctx;

#define RUNTIME_IFACES_MAX    8
#define RUNTIME_ADDRESSES_MAX 16
#define RUNTIME_ROUTES_MAX    64
#define RUNTIME_MTU_MIN	      68 /* IPv4's minimum (RFC 791) */
#define RUNTIME_MTU_MAX	      65535

struct runtime_route {
	char dst[50]; /* CIDR: INET6_ADDRSTRLEN - 1 + "/128" + NUL */
	char gw[46];  /* an address, or "" for an on-link route */
};

struct runtime_iface {
	char mac[18];	  /* "aa:bb:cc:dd:ee:ff", lower case */
	unsigned mtu;	  /* 0: leave the link's */
	char **addresses; /* NULL-terminated CIDR strings */
	size_t n_addresses;
	struct runtime_route *routes;
	size_t n_routes;
};

struct runtime_ifaces {
	struct runtime_iface *v;
	size_t n;
};

/*
 * Parses the value o of the "interfaces" member (NULL: absent, no
 * interface) into *out: 0, or -EINVAL with a message naming the member
 * ("interfaces[0].routes[2].gw: \"x\" is not an IP address") in c, or
 * -ENOMEM. *out is left empty on failure.
 */
int runtime_net_parse(struct runtime_ctx *c, struct json_object *o,
		      struct runtime_ifaces *out);
/* The same with a message buffer, for callers without a runtime_ctx. */
int runtime_net_parse_msg(struct json_object *o, struct runtime_ifaces *out,
			  char *err, size_t err_size);
void runtime_net_free(struct runtime_ifaces *ifs);

/* "a.b.c.d/n" or "x::y/n": 0 with the family, address and prefix, or -1. */
int runtime_net_cidr(const char *s, int *family, void *addr, unsigned *prefix);
/* "aa:bb:cc:dd:ee:ff" (either case): 0 and the 6 bytes, or -1. */
int runtime_net_mac(const char *s, unsigned char mac[6]);

#endif
