/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cocoon-runtime's commands (docs/oci.md), runc's CLI: each takes its own
 * argv (argv[0] = the command's name) and returns the exit status.
 */
#ifndef COCOON_STAGE0_OCI_COMMANDS_H
#define COCOON_STAGE0_OCI_COMMANDS_H

#include <stdbool.h>

#include "common/error.h"

struct oci_global {
	const char *root; /* --root, absolute */
	bool systemd_cgroup;
	int debug;
};

int oci_cmd_create(int argc, char **argv, const struct oci_global *g);
int oci_cmd_start(int argc, char **argv, const struct oci_global *g);
int oci_cmd_state(int argc, char **argv, const struct oci_global *g);
int oci_cmd_kill(int argc, char **argv, const struct oci_global *g);
int oci_cmd_delete(int argc, char **argv, const struct oci_global *g);
int oci_cmd_ps(int argc, char **argv, const struct oci_global *g);
int oci_cmd_features(int argc, char **argv, const struct oci_global *g);
int oci_cmd_exec(int argc, char **argv, const struct oci_global *g);
int oci_cmd_list(int argc, char **argv, const struct oci_global *g);

/* Writes text to path through a temp file and a rename. */
int oci_write_atomic(const char *path, const char *text, struct error **err);
/*
 * A new pty whose master is sent to the engine's console socket
 * (SCM_RIGHTS, one byte of payload, as runc does): 0 with *slave open
 * (O_CLOEXEC), or -1 with *err.
 */
int oci_console_send(const char *socket_path, int *slave, struct error **err);

/*
 * Runs config.json's hooks.<kind> of the bundle (stage0/oci_hooks.c) in
 * order with state on stdin: 0, or -1 with *err at the first failure.
 */
struct json_object;
int oci_hooks_run(const char *bundle, const char *kind,
		  struct json_object *state, struct error **err);

/* A signal by number or name ("9", "KILL", "SIGKILL"); 0 if unknown. */
int oci_signal_parse(const char *s);

#endif
