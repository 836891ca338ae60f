/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest system under a pod (docs/guest.md "Start-up"): /run and
 * cgroup2, the pod share and empty volumes, one cgroup per app and what
 * PID 1 reads from and writes to it.
 */
#ifndef COCOON_GUEST_PODSYS_H
#define COCOON_GUEST_PODSYS_H

#include "guest/runtime.h"

#include <stdbool.h>
#include <stddef.h>

/*
 * A tmpfs on /run with /run/cocoon/{share,volumes,apps}, cgroup2 on
 * /sys/fs/cgroup with the memory and pids controllers for
 * /sys/fs/cgroup/apps. 0, or -1 with err saying what failed.
 */
int podsys_mount(char *err, size_t size);

/*
 * For the pod rt: the hostname, the 9p share (cache mode chosen for it),
 * one tmpfs per empty volume name, one cgroup per app. 0, or -1 with err.
 */
int podsys_prepare(const struct runtime *rt, char *err, size_t size);

/* True when the app's cgroup counted an OOM kill (memory.events). */
bool podsys_app_oom(const char *name);
/* Kills every process left in the app's cgroup (cgroup.kill). */
void podsys_app_kill(const char *name);

/* Writes text to an existing file (cgroup and proc files). 0 or -errno. */
int podsys_write_file(const char *path, const char *text);

#endif
