/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The enter service (docs/protocol.md "Enter connections", port 1026):
 * runs a command inside a running app's mount namespace and root, with a
 * pty or pipes, relaying its stdio as stream frames. PID 1 accepts the
 * connection and forks; the child serves the whole session.
 */
#ifndef COCOON_GUEST_ENTER_H
#define COCOON_GUEST_ENTER_H

#include "guest/runtime.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct enter_target {
	const struct runtime_app *app;
	pid_t pid;    /* the app's main process */
	bool running; /* started and not yet exited */
};

/*
 * Serves one enter connection (the handshake, the request, the session)
 * and exits the process: it never returns. targets are the pod's apps as
 * PID 1 saw them when it forked.
 */
__attribute__((noreturn)) void
enter_serve(int conn, const struct enter_target *targets, size_t n_targets);

#endif
