/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An app's root file system, built inside the app's own mount namespace
 * by the app's process before it execs: the app rootfs from the pod
 * share, /proc (sensitive paths masked), /sys read-only, a small /dev,
 * the volumes, /etc/hostname and /etc/hosts. Paths inside the app's tree
 * are resolved with openat2(RESOLVE_IN_ROOT), so a symlink in an image
 * cannot point a mount outside it.
 */
#ifndef COCOON_GUEST_APPROOT_H
#define COCOON_GUEST_APPROOT_H

#include "guest/runtime.h"

#include <stddef.h>

/* Where PID 1 keeps the pod (a tmpfs, so the initramfs stays clean). */
#define APPROOT_RUN_DIR	    "/run"
#define APPROOT_SHARE_DIR   "/run/cocoon/share"
#define APPROOT_VOLUMES_DIR "/run/cocoon/volumes"
#define APPROOT_APPS_DIR    "/run/cocoon/apps"

struct approot_tty {
	int master; /* -1 when the app has no tty */
	int slave;
};

/*
 * In a fresh mount namespace (after unshare(CLONE_NEWNS)): builds the
 * app's root and makes it the process's root and cwd (MS_MOVE onto / and
 * chroot: the initramfs root cannot be pivot_root'ed), then detaches the
 * guest's own mounts (the share, volumes, /dev, /proc, /sys) from this
 * namespace. With app->tty, opens a pty of the app's own devpts and binds
 * its slave on /dev/console. 0, or -errno with err saying what failed.
 */
int approot_enter(const struct runtime *rt, const struct runtime_app *app,
		  struct approot_tty *tty, char *err, size_t err_size);

#endif
