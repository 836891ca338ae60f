/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network flags of `cocoon run` and `cocoon prepare`, as rkt has them
 * (docs/networking.md): --net, --port, --dns, --dns-search, --dns-opt,
 * --dns-domain and --hosts-entry. Only their syntax is checked here; which
 * networks exist is known when the pod starts (stage0/pod_net.c), which
 * ports the apps have when the pod is planned (stage0/pod_manifest.c).
 */
#ifndef COCOON_STAGE0_RUN_NET_H
#define COCOON_STAGE0_RUN_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* --port=NAME:[HOSTIP:]HOSTPORT */
struct run_port {
	char *name;    /* an app's port name (AC name) */
	char *host_ip; /* NULL: every address */
	uint16_t host_port;
};

struct run_strings {
	char **v;
	size_t n;
};

struct run_net {
	char *spec; /* --net; NULL: "default" */
	struct run_port *ports;
	size_t nports;
	struct run_strings dns;	   /* addresses, or one "host" or "none" */
	struct run_strings search; /* --dns-search */
	struct run_strings opts;   /* --dns-opt */
	char *domain;		   /* --dns-domain */
	struct run_strings hosts;  /* "IP=NAME", or one "host" */
};

enum run_net_flag {
	RUN_NET_NET,
	RUN_NET_PORT,
	RUN_NET_DNS,
	RUN_NET_DNS_SEARCH,
	RUN_NET_DNS_OPT,
	RUN_NET_DNS_DOMAIN,
	RUN_NET_HOSTS_ENTRY,
};

/*
 * One flag's value (NULL for a bare --net, which means "default"). Lists
 * (--dns, --dns-search, --dns-opt) take commas and repeat.
 */
int run_net_flag(struct run_net *n, enum run_net_flag flag, const char *value,
		 struct error **err);
/* The --net spec in effect. */
const char *run_net_spec(const struct run_net *n);
/* True when the pod has networks besides loopback. */
bool run_net_enabled(const struct run_net *n);
void run_net_free(struct run_net *n);

#endif
