/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sd_notify for apps inside the pod (docs/systemd.md): an app whose image
 * (or pod manifest app entry) has the annotation NOTIFY_ANNOTATION = "true"
 * gets NOTIFY_SOCKET=@cocoon-notify-<index> in its environment: an
 * abstract datagram socket that cocoon-init binds before the apps start.
 * Apps share the guest's network namespace (abstract sockets are scoped by
 * it), so no path has to be made visible in the app's mount namespace.
 *
 * Apps are untrusted: in a pod of several apps a datagram counts only
 * from a sender whose cgroup is the app's (SCM_CREDENTIALS, then
 * /proc/PID/cgroup); it is at most NOTIFY_DATAGRAM_MAX bytes, at
 * most NOTIFY_RATE_BURST at once and NOTIFY_RATE_PER_S per second per app
 * (the rest are read and dropped), passed file descriptors are closed,
 * and only READY=1, STATUS=, RELOADING=1, STOPPING=1 and WATCHDOG=1 go on
 * to the host, as one JSON frame on vsock port CTL_PORT_NOTIFY:
 *
 *	{"type": "notify", "app": NAME, "ready": true, "status": TEXT,
 *	 "reloading": true, "stopping": true, "watchdog": true}
 *
 * (members present only when set). MAINPID and everything else is dropped.
 */
#ifndef COCOON_GUEST_NOTIFY_H
#define COCOON_GUEST_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct metadata_pod;
struct runtime;

#define NOTIFY_ANNOTATION   "appc.io/executor/supports-systemd-notify"
#define NOTIFY_NAME_PREFIX  "cocoon-notify-"
#define NOTIFY_DATAGRAM_MAX 4096 /* a longer datagram is dropped whole */
#define NOTIFY_STATUS_MAX   256	 /* STATUS= is cut to this many bytes */
#define NOTIFY_RATE_BURST   16
#define NOTIFY_RATE_PER_S   8

/* What one datagram asks for, after the filter. */
struct notify_msg {
	bool ready, reloading, stopping, watchdog, has_status;
	char status[NOTIFY_STATUS_MAX + 1];
	unsigned dropped; /* assignments not forwarded (MAINPID=, ...) */
};

/*
 * Parses one datagram (sd_notify(3): newline-separated VAR=VALUE). READY,
 * RELOADING, STOPPING and WATCHDOG count only with the value "1"; STATUS
 * keeps its last value, cut at NOTIFY_STATUS_MAX bytes, every byte below
 * 0x20 and 0x7f replaced by '?'. A NUL byte ends the datagram. Returns 1
 * when something is to be forwarded, else 0.
 */
int notify_parse(const char *buf, size_t len, struct notify_msg *out);

/* The compact JSON payload of the frame above; malloc'd, NULL on ENOMEM. */
char *notify_frame(const char *app, const struct notify_msg *m);

/* True when annotations (appc: [{"name":..,"value":..}]) say "true". */
bool notify_annotated(struct json_object *annotations);

/*
 * True when /proc/PID/cgroup's content puts the process in app's cgroup
 * (the unified hierarchy line "0::/apps/<app>" or below it).
 */
bool notify_cgroup_matches(const char *proc_cgroup, size_t len,
			   const char *app);

/* A token bucket: NOTIFY_RATE_BURST tokens, NOTIFY_RATE_PER_S back a second. */
struct notify_rate {
	uint64_t last_ms;
	unsigned milli_tokens; /* tokens * 1000 */
	bool started;
};

bool notify_rate_take(struct notify_rate *r, uint64_t now_ms);

/* ---- the sockets */

struct notify_server;

/*
 * For each annotated app of pod (metadata_pod, whose annotations are the
 * image's merged with the pod's): binds its socket and sets NOTIFY_SOCKET
 * in its environment (replacing the image's); connects to the host's
 * CTL_PORT_NOTIFY. *out is NULL when no app is annotated. 0, or -errno
 * with a message in err (the pod then runs without notify).
 */
int notify_server_start(const struct metadata_pod *pod, struct runtime *rt,
			struct notify_server **out, char *err, size_t err_size);
/* An fd to poll for POLLIN. */
int notify_server_fd(const struct notify_server *s);
/* Reads what is ready (bounded per call); never blocks long. */
void notify_server_process(struct notify_server *s);
/* In a child forked from PID 1: closes every fd of the server. */
void notify_server_close_fds(struct notify_server *s);
/* Closes and frees (PID 1 never needs to; tests do). NULL is fine. */
void notify_server_free(struct notify_server *s);

#endif
