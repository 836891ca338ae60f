/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A 9P2000.L file server for one share: the part of virtio-9p that knows
 * nothing of virtqueues. vmm/virtio/9p.c hands it each request as the
 * guest's scattered buffers and gets the reply written into the guest's
 * writable buffers. Every byte of a request is hostile; every path is
 * resolved beneath the share root on O_PATH fids (openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), never by joining strings.
 *
 *	struct p9_server *srv;
 *	if (p9_server_create("/var/lib/cocoon/pods/run/X/rootfs", false,
 *			     &srv) < 0) ...
 *	n = p9_server_handle(srv, in, nin, out, nout);
 *	... vq_push(vq, head, n) ...
 *	p9_server_destroy(srv);
 *
 * One server is used from one thread at a time (the device event loop);
 * requests are answered synchronously, so Tflush only has to answer.
 */
#ifndef COCOON_VMM_P9_SERVER_H
#define COCOON_VMM_P9_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/* The largest msize the server agrees to in Rversion (bytes). */
#define P9_SERVER_MAX_MSIZE (512u * 1024u)

struct p9_server;

/*
 * Opens root_dir (O_PATH | O_DIRECTORY) as the share root. read_only
 * refuses every request that would change the share with EROFS.
 * Returns 0 or -errno (logged).
 */
int p9_server_create(const char *root_dir, bool read_only,
		     struct p9_server **out);
void p9_server_destroy(struct p9_server *srv);
/* Forgets the session (device reset): every fid is clunked, and the next
 * request must be Tversion. */
void p9_server_reset(struct p9_server *srv);

/*
 * Handles one request: the message (size[4] type[1] tag[2] ...) is read
 * from the in iovecs, the reply written to the out iovecs. Returns the
 * reply's length in bytes (an Rlerror when the request was refused), or
 * -EPROTO / -EMSGSIZE when the request is too broken or the out buffers
 * too small to carry even an Rlerror; the device then treats the queue as
 * broken.
 */
ssize_t p9_server_handle(struct p9_server *srv, const struct iovec *in, int nin,
			 const struct iovec *out, int nout);

#endif
