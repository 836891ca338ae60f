/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AF_VSOCK sockets of cocoon-init (docs/protocol.md): connections to the
 * host (CID 2) and the enter listener. All fds are close-on-exec.
 */
#ifndef COCOON_GUEST_VSOCK_H
#define COCOON_GUEST_VSOCK_H

#include <stddef.h>

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

/*
 * Opens n stdio streams of an app at once: the connections are made in
 * parallel (one round trip through the VMM instead of n), then each gets
 * its header frame. On success fds[0..n) are the streams and 0 is
 * returned; on failure every fd is closed (fds[] set to -1) and -errno
 * is returned, with *failed the index of the stream that failed.
 */
int vsock_open_streams(const char *app, const char *const *streams, int *fds,
		       size_t n, size_t *failed);

#endif
