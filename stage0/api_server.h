/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API service's server (docs/api.md): one thread, one poll() loop,
 * at most API_CLIENTS_MAX connections, one request each. A connection
 * gets API_HEAD_TIMEOUT_MS to send its request head and must take each
 * part of its answer within API_STALL_TIMEOUT_MS; stream answers (events,
 * followed logs) stop being fed while API_STREAM_PENDING_MAX bytes wait
 * for a client (logs: reading pauses; events: the client is dropped,
 * events are not kept for it). Nothing is locked or written under --dir.
 */
#ifndef COCOON_STAGE0_API_SERVER_H
#define COCOON_STAGE0_API_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common/error.h"
#include "stage0/command.h"

#define API_CLIENTS_MAX	       64
#define API_HEAD_TIMEOUT_MS    10000
#define API_STALL_TIMEOUT_MS   30000
#define API_STREAM_PENDING_MAX (1u << 20)
#define API_LISTEN_MAX	       4
#define API_DEFAULT_LISTEN     "127.0.0.1:15441"
#define API_VERSION	       "1.0.0-alpha"

struct api_listen_addr {
	struct sockaddr_storage addr;
	socklen_t len;
	bool is_unix;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/*
 * "unix:PATH", "HOST:PORT" or "[HOST]:PORT" with a numeric IPv4 or IPv6
 * address or "localhost". A TCP address that is not loopback (127/8,
 * ::1) is refused (err code EPERM) unless allow_remote.
 */
int api_listen_parse(const char *spec, bool allow_remote,
		     struct api_listen_addr *out, struct error **err);

struct api_server_opts {
	const struct global_options *g;
	struct api_listen_addr listen[API_LISTEN_MAX];
	size_t nlisten;
	bool allow_remote;
};

/* Serves until SIGTERM or SIGINT; 0 then, -1 with *err on a setup error. */
int api_server_run(const struct api_server_opts *o, struct error **err);

#endif
