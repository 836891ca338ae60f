/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AF_VSOCK sockets of cocoon-init (docs/protocol.md): connections to the
 * host (CID 2) and the enter listener. All fds are close-on-exec.
 */
#ifndef COCOON_GUEST_VSOCK_H
#define COCOON_GUEST_VSOCK_H

/* Connects to the host's port; the fd or -errno. */
int vsock_connect_host(unsigned int port);

/*
 * vsock_connect_host, retried every 20 ms for up to timeout_ms while the
 * device is not ready or nobody listens yet (ENODEV, ECONNRESET...).
 */
int vsock_connect_host_retry(unsigned int port, int timeout_ms);

/* Listens on port for any CID; the fd or -errno. */
int vsock_listen(unsigned int port);

/*
 * Opens one stdio stream of an app to the host's stdio port and sends
 * its header frame ({"type":"stream","app":...,"stream":...}).
 * The fd or -errno.
 */
int vsock_open_stream(const char *app, const char *stream);

#endif
