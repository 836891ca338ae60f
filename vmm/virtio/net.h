/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-net (virtio 1.2 §5.1, device ID 1) over a tap: receive queue 0,
 * transmit queue 1, no control queue. Every frame on either queue and on
 * the tap carries the 12-byte VERSION_1 header (struct
 * virtio_net_hdr_mrg_rxbuf), so offloads (partial checksums, TSO) pass
 * through untouched; the tap's offloads follow the features the driver
 * acked (net_tap_offload()).
 *
 * The device is served on the VM's event loop: queue notifications come
 * from virtio-mmio, tap frames when net_device_fd() is readable (watched
 * edge-triggered: a frame the guest has no room for waits in the device
 * until the driver adds receive buffers), and net_device_kick_fd() when a
 * burst of frames was cut short to let other devices run.
 */
#ifndef COCOON_VMM_VIRTIO_NET_H
#define COCOON_VMM_VIRTIO_NET_H

#include "vmm/guest_mem.h"

#include <stdbool.h>
#include <stdint.h>

#define NET_DEVICE_ID 1u
#define NET_QUEUE_RX  0u
#define NET_QUEUE_TX  1u
/* The header in front of every frame (VERSION_1: num_buffers included). */
#define NET_HDR_LEN 12u
/* Largest frame after the header, either way: a 64 KiB GSO packet with
 * its Ethernet and VLAN headers. */
#define NET_FRAME_MAX 65550u
/* Frames delivered per tap event before the device yields the loop. */
#define NET_RX_BUDGET 256u

/* Counters, for tests and the debug line at exit. */
struct net_stats {
	uint64_t rx_frames, rx_bytes;
	uint64_t rx_dropped; /* no room in the whole queue, bad offload */
	uint64_t tx_frames, tx_bytes;
	uint64_t tx_errors;	 /* malformed frames from the guest */
	uint64_t tx_dropped;	 /* the tap refused a good frame */
	uint32_t rx_max, tx_max; /* largest frames: GSO at work? */
};

struct net_device;
struct virtio_mmio;

/*
 * Makes the device around fd (a tap set up by tap_open()/tap_adopt(), or
 * for tests any non-blocking datagram socket: then is_tap is false and no
 * tap ioctl is made). On success the device owns fd. Returns 0 or -errno
 * (logged).
 */
int net_device_create(const struct guest_mem *mem, int fd, bool is_tap,
		      const uint8_t mac[6], struct net_device **out);
/* Closes the fd and frees the device; nd may be NULL. */
void net_device_destroy(struct net_device *nd);
struct virtio_mmio *net_device_mmio(struct net_device *nd);
int net_device_fd(const struct net_device *nd);
int net_device_kick_fd(const struct net_device *nd);
/* Moves frames from the fd to the receive queue (takes the lock). */
void net_device_rx(struct net_device *nd);
/* The kick fd fired: drains it and goes on with net_device_rx(). */
void net_device_kick(struct net_device *nd);
const struct net_stats *net_device_stats(const struct net_device *nd);
/* The TUN_F_* offloads last set on the tap (or that would be). */
unsigned int net_device_offload(const struct net_device *nd);

/* The tap offloads a driver with these features can take (pure). */
unsigned int net_tap_offload(uint64_t features);
/*
 * The MAC used when none is given: locally administered unicast
 * (02:...), the other five bytes from a 64-bit FNV-1a hash of the tap's
 * name and the network namespace's inode number, so it is stable for a
 * pod's life and differs between pods whose taps share a name.
 */
void net_default_mac(const char *ifname, uint64_t netns_ino, uint8_t mac[6]);

#endif
