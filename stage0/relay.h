/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The apps' stdio on the host (docs/protocol.md, "Stdio connections"): the
 * guest opens one connection per app stream to stage1/vsock_1025, each
 * starting with a `stream` frame; after it come raw bytes. stdout and
 * stderr go to the supervisor's fd 1 and 2, our stdin goes to the first
 * `stdin` or `tty` stream. With --interactive on a terminal, the terminal
 * is put in raw mode for the pod's life (restored on every exit path that
 * runs code: relay_free() and an atexit handler) and ^] pressed three times
 * within a second asks the supervisor to stop the pod, as rkt and
 * systemd-nspawn do.
 *
 * When the listener is a pod's stage1/vsock_1025, each app's output is
 * also saved in stage1/logs/<app>.log for the API service's GetLogs
 * (docs/api.md, "App logs"): one record per line, "<time> <stream> <F|P>
 * <bytes>", stdout, stderr and tty interleaved in arrival order. A file
 * reaching RELAY_LOG_MAX bytes is renamed to <app>.log.1 (replacing the
 * previous one) and a new one is started.
 */
#ifndef COCOON_STAGE0_RELAY_H
#define COCOON_STAGE0_RELAY_H

#include <stdbool.h>

#include "common/error.h"

struct relay;

/* What relay_process() saw, besides bytes moved. */
enum relay_event {
	RELAY_ESCAPE = 1 << 0,	   /* ^] ^] ^] within a second */
	RELAY_TTY_OPENED = 1 << 1, /* a tty stream started: send a resize */
};

/* Log rotation size, and the apps whose output is logged. */
#define RELAY_LOG_MAX	   (1 << 20)
#define RELAY_LOG_APPS_MAX 64

/* At most this many stdio connections at once; more are closed. */
#define RELAY_CONN_MAX 256

/*
 * Takes listen_fd (the vsock_1025 listener, non-blocking; owned by the
 * relay from then on). interactive: put our terminal (if stdin is one)
 * in raw mode.
 */
int relay_new(int listen_fd, bool interactive, struct relay **out,
	      struct error **err);
/* An epoll fd: readable when relay_process() has something to do. */
int relay_fd(const struct relay *r);
/*
 * Moves what is ready. Returns enum relay_event bits, or -1 with *err when
 * the guest broke the protocol (a malformed stream header): the caller
 * stops the pod.
 */
int relay_process(struct relay *r, struct error **err);
/*
 * After the VMM ended: stops reading our stdin and copies what the guest
 * left in the stdio connections until each ends or timeout_ms passes.
 */
void relay_drain(struct relay *r, int timeout_ms);
/* The app whose tty we relay (NULL if none) and our terminal's size. */
const char *relay_tty_app(const struct relay *r);
bool relay_window_size(const struct relay *r, unsigned *rows, unsigned *cols);
/* Closes everything and restores the terminal; NULL is fine. */
void relay_free(struct relay *r);

#endif
