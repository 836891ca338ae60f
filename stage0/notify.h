/* SPDX-License-Identifier: Apache-2.0 */
/*
 * systemd readiness for `cocoon run` as a unit's main process
 * (docs/systemd.md). When NOTIFY_SOCKET is set (Type=notify), the
 * supervisor tells systemd, with sd_notify(3) semantics:
 *
 * - READY=1 when the pod is ready (every app started), if no app has the
 *   annotation appc.io/executor/supports-systemd-notify = "true"; else
 *   once the pod is ready and every such app sent READY=1 itself;
 * - STATUS=, RELOADING=1, STOPPING=1, WATCHDOG=1 (and READY=1 after the
 *   first) as annotated apps send them, forwarded from the guest on vsock
 *   port CTL_PORT_NOTIFY (stage1/vsock_1028, guest/notify.h has the
 *   frame); MAINPID= never (the main process is `cocoon run`'s);
 * - STOPPING=1 when it starts stopping the pod.
 *
 * Which apps are annotated is decided here, from the pod frame (each
 * app's image manifest, overridden by the pod manifest app's
 * annotations), never from the guest. The guest is hostile: one
 * connection at a time, frames of at most NOTIFY_FRAME_MAX bytes, checked
 * strictly, and at most NOTIFY_HOST_BURST messages at once and
 * NOTIFY_HOST_PER_S a second to systemd; a malformed frame closes the
 * connection (the pod keeps running: readiness is not its life).
 */
#ifndef COCOON_STAGE0_NOTIFY_H
#define COCOON_STAGE0_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct json_object;

#define NOTIFY_ANNOTATION "appc.io/executor/supports-systemd-notify"
#define NOTIFY_APPS_MAX	  64
#define NOTIFY_STATUS_MAX 256  /* as the guest cuts it */
#define NOTIFY_FRAME_MAX  1024 /* kind + payload: room for one status */
#define NOTIFY_HOST_BURST 32
#define NOTIFY_HOST_PER_S 8

/*
 * sd_notify(3) without libsystemd: one datagram with state (e.g.
 * "READY=1\nSTATUS=up") to socket_path, a file system path or "@name"
 * for the abstract namespace. Never blocks. 0, or -errno (-EINVAL for an
 * address that is neither, or too long for sun_path; -EAFNOSUPPORT for
 * systemd's "vsock:" addresses, which this does not speak).
 */
int notify_send(const char *socket_path, const char *state);

/*
 * NOTIFY_SOCKET, malloc'd (NULL when unset or empty), and removed from
 * the environment, so that nothing the supervisor starts (CNI plugins,
 * the VMM, busctl) can speak for the unit.
 */
char *notify_socket_take(void);

/*
 * Looks for NOTIFY_ANNOTATION in an appc annotations array: true and
 * *value (its value is "true") when present; the last one wins.
 */
bool notify_annotations_say(struct json_object *annotations, bool *value);

/* One guest frame, checked (guest/notify.h has the format). */
struct notify_guest_msg {
	char app[256];
	bool ready, reloading, stopping, watchdog, has_status;
	char status[NOTIFY_STATUS_MAX + 1];
};

/*
 * Decodes a CTL_KIND_JSON payload of type "notify": 0, or -EPROTO for
 * anything else (unknown type, bad app name, a status over
 * NOTIFY_STATUS_MAX bytes or with a byte below 0x20 or 0x7f, a member of
 * the wrong type or a flag that is not true).
 */
int notify_guest_msg_decode(uint8_t kind, const uint8_t *payload, size_t len,
			    struct notify_guest_msg *out);

struct notify_host {
	char *socket; /* NULL: not under a Type=notify unit */
	size_t n_apps;
	struct {
		char name[256];
		bool annotated, ready;
	} apps[NOTIFY_APPS_MAX];
	bool pod_ready, ready_sent, stopping_sent, warned;
	unsigned milli_tokens;
	uint64_t last_ms;
	/* the guest's connection */
	int listen_fd, conn_fd;
	uint32_t tag;
	uint8_t buf[NOTIFY_FRAME_MAX + 4];
	size_t buf_len;
};

/*
 * socket is the NOTIFY_SOCKET the supervisor found (NULL: none; the host
 * then still drains the guest's frames and sends nothing). pod_frame is
 * the {"type": "pod", "manifest", "runtime"} frame. listen_fd (owned from
 * now on; -1: none) is the non-blocking listener on stage1/vsock_1028.
 */
int notify_host_init(struct notify_host *n, const char *socket,
		     struct json_object *pod_frame, int listen_fd,
		     struct error **err);
void notify_host_free(struct notify_host *n);
/* True when some app of the pod is annotated. */
bool notify_host_any_annotated(const struct notify_host *n);
/* The guest said `ready`. */
void notify_host_pod_ready(struct notify_host *n);
/* The supervisor starts to stop the pod. */
void notify_host_stopping(struct notify_host *n);
/* Acts on one decoded guest message; -EPROTO for an app not annotated. */
int notify_host_guest_msg(struct notify_host *n,
			  const struct notify_guest_msg *m);
/*
 * Serves the listener and the guest's connection, both registered in
 * epfd with data.u32 = tag by this module: accepts (one connection at a
 * time; a new one replaces the old), reads and acts on complete frames.
 * Never blocks.
 */
int notify_host_watch(struct notify_host *n, int epfd, uint32_t tag);
void notify_host_process(struct notify_host *n, int epfd);

#endif
