/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host mounts of a running pod (docs/pods.md), all beneath
 * <pod>/stage1/shared, the root of the pod's 9p share:
 *
 *	apps/<app>/rootfs	overlayfs: lowerdir = the image tree in the
 *				store (<dir>/cas/trees/<tree>/rootfs, read-only),
 *				upperdir/workdir = <pod>/overlay/<app>/{upper,work}
 *	volumes/<name>		bind mount of a host volume; read-only ones are
 *				remounted MS_BIND|MS_RDONLY (not recursive, so
 *				no writable submount hides beneath)
 *
 * Mounts are made in the host's mount namespace, so pod_cleanup() (the
 * supervisor's teardown, or `gc` after a SIGKILLed supervisor) finds and
 * undoes them.
 */
#ifndef COCOON_STAGE0_MOUNTS_H
#define COCOON_STAGE0_MOUNTS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "stage0/pod.h"

struct mounts_app {
	const char *name; /* AC name, checked by the caller */
	const char *tree; /* store tree ID */
};

struct mounts_volume {
	const char *name;   /* AC name, checked by the caller */
	const char *source; /* absolute host path */
	bool readonly;
};

/*
 * Mounts every app's overlay (unless !overlay: then prepare copied the
 * rootfs into place) and every host volume. On failure, what was mounted
 * is unmounted again.
 */
int mounts_setup(struct pod *p, const struct mounts_app *apps, size_t napps,
		 const struct mounts_volume *vols, size_t nvols, bool overlay,
		 struct error **err);

/* What mounts_write_etc writes into an app's /etc. */
struct mounts_etc {
	const char *hostname;
	const char *hosts_extra; /* appended to /etc/hosts; NULL: nothing */
	const char *resolv_conf; /* NULL: the image's is left alone */
};

/*
 * Writes /etc/hostname, /etc/hosts (common/etchosts.h, then hosts_extra)
 * and, when given, /etc/resolv.conf into the tree of app
 * (stage1/shared/apps/<app>/rootfs, mounted or copied). The tree is the
 * image's and untrusted: paths resolve inside it, and whatever was at
 * those names is replaced, never opened. Done on the host because the
 * guest would need a dozen 9p round trips for it.
 */
int mounts_write_etc(struct pod *p, const char *app,
		     const struct mounts_etc *etc, struct error **err);

#endif
