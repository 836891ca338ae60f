/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Undoing what a pod left on the host (docs/pods.md): its mounts beneath
 * the pod directory and its cgroup with whatever still runs in it. The
 * supervisor calls pod_cleanup() in its teardown; `gc` and `rm` call it
 * for pods whose supervisor died without doing so (SIGKILL, OOM, crash).
 */
#ifndef COCOON_STAGE0_POD_CLEANUP_H
#define COCOON_STAGE0_POD_CLEANUP_H

#include <stddef.h>

#include "common/error.h"
#include "stage0/pod.h"

/*
 * Unmounts everything mounted at or below pod_path in this mount
 * namespace (found in /proc/self/mountinfo), deepest and newest first; a
 * busy mount is detached (MNT_DETACH). A pod_path that does not exist has
 * nothing mounted. 0, or -1 with *err naming a mount that stayed.
 */
int pod_cleanup_mounts(const char *pod_path, struct error **err);

/*
 * The mount points at or below root (a canonical path) listed in the
 * mountinfo file, in file order (mount order), unescaped. For
 * pod_cleanup_mounts() and its tests.
 */
int pod_mounts_below(const char *mountinfo, const char *root, char ***paths,
		     size_t *count, struct error **err);
void pod_mounts_free(char **paths, size_t count);

/* /sys/fs/cgroup/cocoon/<uuid> into buf; -1 if it does not fit. */
int pod_cgroup_path(const char *uuid, char *buf, size_t len);

/*
 * Kills what is left in the pod's cgroup (cgroup.kill, or SIGKILL to each
 * process in cgroup.procs where the kernel has no cgroup.kill), waits up
 * to 5 s for it to empty and removes it. A missing cgroup is not an error.
 */
int pod_cleanup_cgroup(const char *uuid, struct error **err);

/*
 * All of it: processes first (so nothing writes to the overlays while they
 * are unmounted), then the pod's networks (stage0/pod_net.h), then the
 * mounts; the mounts are tried even if the rest failed. The first failure
 * is reported.
 */
int pod_cleanup(struct pod *p, struct error **err);

#endif
