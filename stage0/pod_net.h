/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A pod's networks on the host (docs/networking.md): a network namespace
 * at /run/cocoon/netns/<uuid>, the CNI plugins of each network of --net run
 * in it (stage0/cni.h, records in <pod>/net/), and for each network's
 * interface ethN a tap joined to it with tc redirect (stage0/netns.h),
 * whose fd goes to the VMM. The guest learns its addresses and routes from
 * the runtime object's "interfaces"; resolv.conf and extra /etc/hosts lines
 * are written by stage0 into each app's tree.
 */
#ifndef COCOON_STAGE0_POD_NET_H
#define COCOON_STAGE0_POD_NET_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "stage0/command.h"
#include "stage0/pod.h"
#include "stage0/stage1.h"

struct json_object;

struct pod_net {
	struct stage1_nic nics[STAGE1_NICS_MAX];
	size_t nnics;
	struct json_object *interfaces; /* the runtime object's "interfaces" */
	char *resolv_conf;		/* NULL: the image's stays */
	char *hosts_extra;		/* NULL: none */
};

/*
 * Sets up the networks stage0.json's "net" object (stage0/pod_plan_net.h)
 * asks for. With "netns": PATH (cocoon-runtime, stage0/oci_config.c) no
 * plugin runs and no namespace is made: tap0 joins the interface the
 * engine made in PATH and the guest takes over its MAC, addresses and
 * routes (lo only in PATH: loopback only). On failure nothing is left
 * (pod_net_cleanup done). *n is filled either way; pod_net_free() it.
 */
int pod_net_up(const struct global_options *g, struct pod *p,
	       struct json_object *net, struct pod_net *n, struct error **err);
/* Closes the tap fds (the VMM has its own copies once started). */
void pod_net_close_taps(struct pod_net *n);
void pod_net_free(struct pod_net *n);

/*
 * CNI DEL of what the pod's records say, then its network namespace
 * removed; in an engine's namespace only the tap and the tc filters go
 * (<pod>/net/engine-netns), the namespace and its interface stay. Works
 * from the pod dir alone (the supervisor, gc); nothing recorded is
 * success.
 */
int pod_net_cleanup(struct pod *p, struct error **err);

/*
 * "default:ip4=172.16.28.2" for each network with an address, joined by
 * ", " (rkt's list and status). malloc'd; "" when none.
 */
char *pod_net_summary(struct pod *p);

#endif
