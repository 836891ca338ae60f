/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-vsock (virtio 1.2 §5.10, device ID 19): stream sockets between
 * the guest (its CID from --vsock) and the host (CID 2), bridged to Unix
 * sockets the way Firecracker does it:
 *
 *   guest connects to CID 2 port P  ->  the VMM connects to "PATH_P"
 *   host connects to PATH, writes "CONNECT P\n"  ->  the VMM asks the
 *   guest's port P; once it accepts, the host reads "OK <hostport>\n"
 *
 * and then bytes flow both ways with the credit flow control of §5.10.6.3:
 * never more to the guest than it has room for, never more buffered here
 * than VSOCK_BUF_ALLOC per connection (a guest that sends beyond the
 * credit we gave gets its connection reset).
 *
 * All state sits under the virtio-mmio device lock. The Unix sockets are
 * watched by a private epoll whose fd (vsock_device_fd()) the VM's event
 * loop watches; vsock_device_process() serves what is ready.
 */
#ifndef COCOON_VMM_VSOCK_DEVICE_H
#define COCOON_VMM_VSOCK_DEVICE_H

#include "vmm/guest_mem.h"

#include <stdint.h>

#define VSOCK_DEVICE_ID 19u
/* Queues (§5.10.2). */
#define VSOCK_QUEUE_RX	  0u
#define VSOCK_QUEUE_TX	  1u
#define VSOCK_QUEUE_EVENT 2u
/* Most connections at once, both directions together. */
#define VSOCK_CONN_MAX 1024u
/* Our receive buffer per connection, as advertised in buf_alloc. */
#define VSOCK_BUF_ALLOC (256u * 1024u)
/* Largest payload of one packet to the guest (Linux's own limit). */
#define VSOCK_PKT_MAX (64u * 1024u)
/* The guest's CIDs: 0-2 are reserved, 2^32-1 is VMADDR_CID_ANY. */
#define VSOCK_CID_MIN 3ull
#define VSOCK_CID_MAX 0xfffffffeull
/* Longest PATH: "PATH_4294967295" must fit sockaddr_un.sun_path. */
#define VSOCK_PATH_MAX 96u
/* Host-side ports for host-initiated connections start here. */
#define VSOCK_LOCAL_PORT_BASE (1u << 30)
/* Milliseconds: for a CONNECT line, for the guest's RESPONSE, for the
 * guest's RST after our SHUTDOWN, for a slow host reader to take the
 * bytes a closed guest connection left behind. */
#define VSOCK_HANDSHAKE_MS 5000
#define VSOCK_CONNECT_MS   5000
#define VSOCK_CLOSE_MS	   3000
#define VSOCK_DRAIN_MS	   30000

struct vsock_device;
struct virtio_mmio;

/*
 * Makes the device (not attached to a VM: virtio_mmio_attach() its
 * vsock_device_mmio() for that) and listens on path (a stale socket there
 * is replaced). Returns 0 or -errno (logged).
 */
int vsock_device_create(const struct guest_mem *mem, uint64_t cid,
			const char *path, struct vsock_device **out);
/* Closes every connection, removes the listening socket, frees. */
void vsock_device_destroy(struct vsock_device *vs);
struct virtio_mmio *vsock_device_mmio(struct vsock_device *vs);
/* The fd to watch for EPOLLIN: then call vsock_device_process(). */
int vsock_device_fd(const struct vsock_device *vs);
/* Serves the ready host sockets and timers (takes the device lock). */
void vsock_device_process(struct vsock_device *vs);
/* Live connections (tests). */
unsigned int vsock_device_conns(struct vsock_device *vs);

#endif
