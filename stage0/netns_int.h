// SPDX-License-Identifier: Apache-2.0
/*
 * Inside stage0/netns.c and stage0/netns_engine.c: the child that does
 * the work in a namespace and what it sends back.
 */
#ifndef COCOON_STAGE0_NETNS_INT_H
#define COCOON_STAGE0_NETNS_INT_H

#include "stage0/netns.h"
#include "common/error.h"
#include "common/nl.h"

#include <stdint.h>

/* What a namespace child sends back, with the tap fd as SCM_RIGHTS. */
struct netns_reply {
	int error; /* 0, or -errno */
	uint8_t mac[6];
	uint32_t mtu;
	char msg[256];
	uint32_t nroutes;
	struct netns_route routes[NETNS_ROUTES_MAX];
	char ifname[NETNS_IFNAME_MAX];
	uint32_t naddrs;
	struct netns_addr addrs[NETNS_ADDRS_MAX];
	uint32_t found; /* netns_link_exists() */
};

/*
 * What runs in a namespace child (netns_run_in): an fd to send back, or
 * a negative value; r->error says whether it failed.
 */
typedef int (*netns_child_fn)(void *arg, struct netns_reply *r);

struct netns_tap_args {
	const char *ifname, *tap_name;
};

/* Records the child's failure in r; returns error (a -errno). */
int netns_fail(struct netns_reply *r, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* As netns_fail, with the kernel's extended ACK message when it sent one. */
int netns_fail_nl(struct netns_reply *r, const struct nl_sock *nl, int error,
		  const char *what);

/* Removes a link's ingress qdisc: 0 or -errno as nl_request(). */
int netns_del_ingress(struct nl_sock *nl, int ifindex);

/*
 * Runs fn in a child that entered the namespace at netns_path (NULL: the
 * caller's): 0 with *r (and *fd when fd is not NULL: what fn returned,
 * the caller's), or -1 with *err.
 */
int netns_run_in(const char *netns_path, netns_child_fn fn, void *arg,
		 struct netns_reply *r, int *fd, struct error **err);

#endif
