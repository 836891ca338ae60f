/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running the cocoon.exec= program and reaping as PID 1 must.
 */
#ifndef COCOON_GUEST_EXEC_H
#define COCOON_GUEST_EXEC_H

#include <stdbool.h>
#include <stddef.h>

/* What init puts in PATH unless the kernel command line set one. */
#define EXEC_DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * Forks and execs argv (searched in PATH) and waits for it, reaping every
 * other child that exits meanwhile (orphans are re-parented to PID 1).
 * With controlling_tty the child gets its own session with the console tty
 * as controlling terminal. Returns the wait status (>= 0) or -errno.
 */
int exec_run(char *const argv[], bool controlling_tty);

/* Reaps every child that has already exited; never blocks. */
void exec_reap_zombies(void);

/*
 * "exited status N" or "killed by signal S" for a wait status, into buf.
 * Returns buf.
 */
const char *exec_describe_status(int status, char *buf, size_t size);

#endif
