/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The metadata service's sockets in cocoon-init (docs/metadata.md): a TCP
 * listener on METADATA_ADDR:METADATA_PORT (the address put on lo), the
 * apps' connections, and for sign/verify one vsock connection per request
 * to the host's CTL_PORT_METADATA. Everything sits in a private epoll
 * whose fd PID 1's event loop polls; nothing blocks.
 *
 * Bounds, so that a hostile app costs PID 1 little and never stalls the
 * pod: METADATA_CONNS_MAX connections (a new one beyond closes the
 * oldest), METADATA_CONN_TIMEOUT_MS per connection from accept to the
 * last byte of the answer, the request sizes of guest/metadata_http.h.
 */
#ifndef COCOON_GUEST_METADATA_SERVER_H
#define COCOON_GUEST_METADATA_SERVER_H

#include "guest/metadata.h"

#define METADATA_CONNS_MAX	 16
#define METADATA_CONN_TIMEOUT_MS 10000

struct metadata_server;

/*
 * Adds METADATA_ADDR/32 to lo, listens, and takes over *pod (emptied).
 * 0, or -errno with a message in err.
 */
int metadata_server_start(struct metadata_pod *pod,
			  struct metadata_server **out, char *err,
			  size_t err_size);
/* The fd to poll for POLLIN. */
int metadata_server_fd(const struct metadata_server *s);
/* Serves whatever is ready; never blocks. */
void metadata_server_process(struct metadata_server *s);
/*
 * In a child forked from PID 1 (an enter session): closes every fd of
 * the service, so the child does not keep the apps' connections open.
 */
void metadata_server_close_fds(struct metadata_server *s);

#endif
