/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A pod's host cgroup (docs/pods.md): /sys/fs/cgroup/cocoon/<uuid> on the
 * unified hierarchy (cgroup v2), holding the VMM process, with
 *
 *	memory.max = guest RAM + 64 MiB (the VMM's own memory, vsock and 9p
 *	             buffers on top of the guest's)
 *	cpu.max    = vCPUs x 100 ms per 100 ms period
 *
 * Without a cgroup v2 mount (or without the memory and cpu controllers) the
 * pod runs unbounded on the host: cgroup_pod_create() warns and reports
 * that no cgroup was made. Removal is pod_cleanup_cgroup()
 * (stage0/pod_cleanup.h).
 */
#ifndef COCOON_STAGE0_CGROUP_H
#define COCOON_STAGE0_CGROUP_H

#include "common/error.h"

#include <stdbool.h>

#define CGROUP_MOUNT  "/sys/fs/cgroup"
#define CGROUP_COCOON "cocoon"
/* What the VMM may use beyond the guest's RAM. */
#define CGROUP_VMM_OVERHEAD_MIB 64
#define CGROUP_CPU_PERIOD_US	100000u
/*
 * The VMM's tasks: one thread per vCPU (main() runs vCPU 0) and the
 * device thread; pids.max allows that plus this many more, for the
 * per-VM workers KVM attaches to the VM creator's cgroup (its NX huge
 * page recovery thread; kvm-pit on some kernels). The VMM's seccomp
 * filters forbid clone() once its threads run; pids.max bounds it before
 * that too.
 */
#define CGROUP_VMM_PIDS_SPARE 3u
#define CGROUP_VMM_PIDS(cpus) ((cpus) + 1u + CGROUP_VMM_PIDS_SPARE)

/*
 * Creates the pod's cgroup with its limits. 0 and *path_out (malloc'd), or
 * 0 and *path_out NULL when cgroup v2 is not usable here (a warning has
 * been logged), or -1 with *err.
 */
int cgroup_pod_create(const char *uuid, unsigned mem_mib, unsigned cpus,
		      char **path_out, struct error **err);

/*
 * Opens <path>/cgroup.procs for writing (O_CLOEXEC): a forked child joins
 * the cgroup with cgroup_join() before it execs.
 */
int cgroup_open_procs(const char *path, struct error **err);
/* Async-signal-safe: moves the calling process into the cgroup. */
int cgroup_join(int procs_fd);
/*
 * How many processes of the cgroup at path the kernel's OOM killer ended
 * for reaching memory.max ("oom_kill" of <path>/memory.events), or -1
 * when that cannot be read.
 */
long cgroup_oom_kills(const char *path);

#endif
