/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting one app (docs/protocol.md; docs/guest.md "An app's process"):
 * PID 1 forks, the child builds the app's world (cgroup, stdio streams,
 * mount namespace and root, user, limits, capabilities, seccomp) and
 * execs. A close-on-exec SOCK_SEQPACKET pair tells PID 1 what happened:
 * EOF without a message means the exec succeeded; an error message means
 * setup failed (the child then exits 254); a tty message hands PID 1 the
 * pty master and the "tty" stream to relay.
 */
#ifndef COCOON_GUEST_APP_H
#define COCOON_GUEST_APP_H

#include "common/ctl.h"
#include "guest/runtime.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The exit status PID 1 reports for an app whose setup failed. */
#define APP_SETUP_FAILED 254

/* /sys/fs/cgroup/apps/<name>: per-app memory accounting and OOM kills. */
#define APP_CGROUP_ROOT "/sys/fs/cgroup/apps"

/*
 * Forks the app's process. Returns its pid and the parent's end of the
 * sync pair in *sync_fd (non-blocking, close-on-exec), or -errno.
 */
pid_t app_spawn(const struct runtime *rt, const struct runtime_app *app,
		int *sync_fd);

struct app_sync_msg {
	bool failed;			 /* an error message */
	char error[CTL_MESSAGE_MAX + 1]; /* when failed */
	int tty_master, tty_stream;	 /* a tty message; else -1 */
};

/* One message: 1 and *msg, 0 on EOF, -EAGAIN when none is ready, -errno. */
int app_sync_read(int fd, struct app_sync_msg *msg);

/* Hands 1 or 2 fds (a pty master, a stream) to the reader. 0 or -errno. */
int app_sync_send_fds(int fd, const int *fds, size_t n);

/* In a child about to exec: report a setup error to PID 1. */
void app_sync_error(int fd, const char *message);

/*
 * The steps an app's process and an `enter` process share, in order:
 * rlimits, then app_become (bounding set, groups, uid/gid, exactly the
 * app's capabilities), app_find_program, app_lock (no_new_privs and the
 * seccomp filter). Each returns 0 or -errno with err filled.
 */
int app_set_rlimits(const struct runtime_app *app, char *err, size_t size);
int app_become(const struct runtime_app *app, uid_t uid, gid_t gid,
	       const gid_t *gids, size_t n_gids, char *err, size_t size);
int app_find_program(const char *name, char *const *env, char *out, size_t size,
		     char *err, size_t err_size);
int app_lock(const struct runtime_app *app, char *err, size_t size);

/* Writes "0" to the app's cgroup.procs: moves the caller there. */
int app_join_cgroup(const char *name);

#endif
