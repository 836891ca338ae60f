// SPDX-License-Identifier: Apache-2.0
#include "stage0/cgroup.h"

#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static bool cgroup_v2_mounted(void)
{
	struct statfs sf;

	return statfs(CGROUP_MOUNT, &sf) == 0 &&
	       sf.f_type == CGROUP2_SUPER_MAGIC;
}

static int cgroup_write(const char *dir, const char *file, const char *value,
			struct error **err)
{
	cleanup_free char *path = NULL;
	cleanup_close int fd = -1;
	size_t len = strlen(value);

	if (asprintf(&path, "%s/%s", dir, file) < 0)
		return error_set(err, ENOMEM, "out of memory");
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "open %s", path);
	if (write(fd, value, len) != (ssize_t)len)
		return error_set_errno(err, "write '%s' to %s", value, path);
	return 0;
}

/* True when every controller in want (space-separated) is listed. */
static bool cgroup_has_controllers(const char *dir, const char *file,
				   const char *want)
{
	char buf[512], path[256];
	cleanup_close int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return false;
	buf[n] = '\0';
	for (const char *w = want; *w;) {
		size_t len = strcspn(w, " ");
		bool found = false;

		for (const char *b = buf; *b;) {
			size_t blen = strcspn(b, " \n");

			if (blen == len && !strncmp(b, w, len))
				found = true;
			b += blen;
			b += strspn(b, " \n");
		}
		if (!found)
			return false;
		w += len;
		w += strspn(w, " ");
	}
	return true;
}

/*
 * cgroup v2 (Documentation/admin-guide/cgroup-v2.rst, "Enabling and
 * Disabling"): a controller works in a cgroup only when its parent lists
 * it in cgroup.subtree_control; the parent must have no processes of its
 * own (the root is exempt), which holds for cocoon/.
 */
static int cgroup_enable(const char *dir, struct error **err)
{
	/* pids where the kernel has it (CONFIG_CGROUP_PIDS): optional */
	bool pids = cgroup_has_controllers(dir, "cgroup.controllers", "pids");

	if (cgroup_has_controllers(dir, "cgroup.subtree_control",
				   pids ? "memory cpu pids" : "memory cpu"))
		return 0;
	return cgroup_write(dir, "cgroup.subtree_control",
			    pids ? "+memory +cpu +pids" : "+memory +cpu", err);
}

static bool cgroup_has_file(const char *dir, const char *file)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

int cgroup_pod_create(const char *uuid, unsigned mem_mib, unsigned cpus,
		      char **path_out, struct error **err)
{
	cleanup_free char *parent = NULL;
	cleanup_free char *path = NULL;
	char value[64];

	*path_out = NULL;
	if (!cgroup_v2_mounted()) {
		log_warn("no cgroup v2 at %s: the pod's memory and CPU are not "
			 "bounded on the host",
			 CGROUP_MOUNT);
		return 0;
	}
	if (!cgroup_has_controllers(CGROUP_MOUNT, "cgroup.controllers",
				    "memory cpu")) {
		log_warn("cgroup v2 at %s lacks the memory or cpu controller: "
			 "the pod's memory and CPU are not bounded on the host",
			 CGROUP_MOUNT);
		return 0;
	}
	if (asprintf(&parent, "%s/%s", CGROUP_MOUNT, CGROUP_COCOON) < 0 ||
	    asprintf(&path, "%s/%s", parent, uuid) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (cgroup_enable(CGROUP_MOUNT, err) < 0)
		return error_wrap(err, "create cgroup %s", path);
	if (mkdir(parent, 0755) < 0 && errno != EEXIST)
		return error_set_errno(err, "create cgroup %s", parent);
	if (cgroup_enable(parent, err) < 0)
		return error_wrap(err, "create cgroup %s", path);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return error_set_errno(err, "create cgroup %s", path);
	snprintf(value, sizeof(value), "%llu",
		 ((unsigned long long)mem_mib + CGROUP_VMM_OVERHEAD_MIB) << 20);
	if (cgroup_write(path, "memory.max", value, err) < 0)
		goto fail;
	snprintf(value, sizeof(value), "%llu %u",
		 (unsigned long long)cpus * CGROUP_CPU_PERIOD_US,
		 CGROUP_CPU_PERIOD_US);
	/* cpu.max needs CONFIG_CFS_BANDWIDTH; without it, no CPU bound. */
	if (cgroup_has_file(path, "cpu.max")) {
		if (cgroup_write(path, "cpu.max", value, err) < 0)
			goto fail;
	} else {
		log_debug("cgroup %s has no cpu.max (a kernel without "
			  "CONFIG_CFS_BANDWIDTH): the pod's CPU time is not "
			  "bounded on the host",
			  path);
	}
	if (cgroup_has_file(path, "pids.max")) {
		snprintf(value, sizeof(value), "%u", CGROUP_VMM_PIDS(cpus));
		if (cgroup_write(path, "pids.max", value, err) < 0)
			goto fail;
	} else {
		log_debug("cgroup %s has no pids.max (a kernel without "
			  "CONFIG_CGROUP_PIDS): the VMM's tasks are bounded by "
			  "its seccomp filters only",
			  path);
	}
	*path_out = steal_pointer(&path);
	return 0;
fail:
	rmdir(path);
	return error_wrap(err, "set the limits of cgroup %s", path);
}

int cgroup_open_procs(const char *path, struct error **err)
{
	cleanup_free char *procs = NULL;
	int fd;

	if (asprintf(&procs, "%s/cgroup.procs", path) < 0)
		return error_set(err, ENOMEM, "out of memory");
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "open %s", procs);
	return fd;
}

int cgroup_join(int procs_fd)
{
	/* "0" is the writing process itself (cgroup-v2.rst, cgroup.procs). */
	return write(procs_fd, "0", 1) == 1 ? 0 : -1;
}

long cgroup_oom_kills(const char *path)
{
	cleanup_free char *file = NULL;
	cleanup_fclose FILE *f = NULL;
	char key[32];
	long value, kills = -1;

	if (asprintf(&file, "%s/memory.events", path) < 0 ||
	    !(f = fopen(file, "re")))
		return -1;
	/* "low N", "high N", "max N", "oom N", "oom_kill N", ... */
	while (fscanf(f, "%31s %ld", key, &value) == 2)
		if (strcmp(key, "oom_kill") == 0)
			kills = value;
	return kills;
}
