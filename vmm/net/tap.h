/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tap device behind virtio-net (Documentation/networking/tuntap.rst):
 * IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, so every frame read or written is
 * preceded by a 12-byte virtio-net header (TUNSETVNETHDRSZ; the VERSION_1
 * header, struct virtio_net_hdr_mrg_rxbuf, whose num_buffers the tap
 * leaves alone), and the fd is non-blocking.
 */
#ifndef COCOON_VMM_NET_TAP_H
#define COCOON_VMM_NET_TAP_H

#include <net/if.h>

/* Bytes of the virtio-net header in front of each frame on the tap. */
#define TAP_VNET_HDR_LEN 12

/*
 * Opens /dev/net/tun and attaches to the tap called name, creating it
 * (not persistent: it goes with the fd) when there is none. Returns the
 * fd or -errno (logged).
 */
int tap_open(const char *name);
/*
 * Checks that fd, handed over by our parent, is a tap with IFF_NO_PI and
 * IFF_VNET_HDR, and sets it up like tap_open() does. Its interface name
 * goes to ifname. Returns 0 or -errno (logged).
 */
int tap_adopt(int fd, char ifname[IFNAMSIZ]);
/* TUNSETOFFLOAD: which offloads (TUN_F_*) frames read from fd may use.
 * Returns 0 or -errno (not logged). */
int tap_set_offload(int fd, unsigned int flags);

#endif
