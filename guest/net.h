/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's network: lo, and each NIC as the host's CNI result
 * describes it (guest/runtime_net.h), configured over rtnetlink.
 *
 * A NIC is found by its MAC: the VMM gives virtio-net the MAC of the CNI
 * veth on the host, so the guest answers for the address the host side
 * already knows.
 */
#ifndef COCOON_GUEST_NET_H
#define COCOON_GUEST_NET_H

#include <stddef.h>

struct runtime_ifaces;

/*
 * Brings lo up; Linux itself then gives it 127.0.0.1/8 and (with IPv6)
 * ::1. 0, or -errno with a message in err.
 */
int net_lo_up(char *err, size_t err_size);

/*
 * For each interface: finds the link with its MAC, sets its MTU, brings
 * it up, adds its addresses, then its routes. A gateway outside every
 * subnet of the interface's addresses (a /32 from the ptp plugin, say)
 * first gets a link-scope host route. 0, or -errno with a message naming
 * the interface and the step in err ("eth with MAC aa:..: not found",
 * "route 0.0.0.0/0 via 10.0.0.1: Network is unreachable"). Addresses and
 * routes that already exist are replaced, so a second run is harmless.
 */
int net_configure(const struct runtime_ifaces *ifs, char *err, size_t err_size);

#endif
