/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Registers a running pod with systemd-machined (docs/systemd.md), so
 * that `machinectl list` shows it: name cocoon-<uuid>, class vm, the
 * VMM as leader. Without libsystemd: through busctl(1). Skipped (with a
 * debug message) when machined does not run (no /run/systemd/machines)
 * or busctl is not installed; a failed call is a warning, never fatal.
 *
 * RegisterMachine, not CreateMachine: the VMM stays in the pod's own
 * cgroup (stage0/cgroup.h) instead of a new scope. machined takes the
 * leader's unit from its cgroup; when it refuses the VMM (outside any
 * unit), the supervisor (`cocoon run`, in the unit) is the leader. Teardown calls
 * UnregisterMachine (systemd >= 244), which forgets the machine without
 * killing anything; TerminateMachine would stop the unit `cocoon run`
 * runs in.
 */
#ifndef COCOON_STAGE0_MACHINED_H
#define COCOON_STAGE0_MACHINED_H

#include <stdbool.h>
#include <sys/types.h>

#define MACHINED_DIR	  "/run/systemd/machines"
#define MACHINED_ARGS_MAX 32

/* "cocoon-<uuid>": at most 64 bytes, a valid machine name. */
#define MACHINED_NAME_MAX 64

/* A busctl argument vector (argv[0] = "busctl", NULL-terminated) and the
 * storage its numbers and the machine name point into. */
struct machined_args {
	char *argv[MACHINED_ARGS_MAX];
	char store[1024];
};

/*
 * The arguments of RegisterMachine for pod uuid led by leader, or of
 * UnregisterMachine. 0, or -EINVAL for a uuid that is not one (or a
 * leader <= 0).
 */
int machined_register_args(const char *uuid, pid_t leader,
			   struct machined_args *out);
int machined_unregister_args(const char *uuid, struct machined_args *out);

/*
 * True when machined looks reachable: machines_dir (MACHINED_DIR) is a
 * directory and busctl is found in PATH (its path into busctl).
 */
bool machined_available(const char *machines_dir, char *busctl, size_t size);

/*
 * Registers / unregisters; machines_dir is MACHINED_DIR but for tests.
 * 1 when done, 0 when skipped, -1 when busctl failed (logged).
 */
int machined_register(const char *machines_dir, const char *uuid, pid_t leader);
int machined_unregister(const char *machines_dir, const char *uuid);

#endif
