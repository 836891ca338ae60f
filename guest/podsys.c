// SPDX-License-Identifier: Apache-2.0
#include "guest/podsys.h"
#include "guest/net.h"
#include "guest/app.h"
#include "guest/approot.h"
#include "guest/system.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * 9p options for the pod share (docs/guest.md "The 9p cache mode"). An app
 * rootfs is an overlay the host does not touch while the pod runs, so the
 * guest may cache it (cache=loose: exec from the share measured about 4x
 * faster). Host volumes live in the same share and the host may change
 * them under the pod, so when there are any the whole share is mounted
 * cache=mmap: coherent reads and writes, and mmap still works.
 */
#define PODSYS_9P_OPTIONS "trans=virtio,version=9p2000.L,msize=262144,cache="

/* "what: strerror(errno)" into err; returns -1. */
static int podsys_fail(char *err, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int podsys_fail(char *err, size_t size, const char *fmt, ...)
{
	int saved = errno;
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	len = strlen(err);
	if (len < size)
		snprintf(err + len, size - len, ": %s", strerror(saved));
	return -1;
}

int podsys_write_file(const char *path, const char *text)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);

	if (fd < 0)
		return -errno;
	return write(fd, text, len) == (ssize_t)len ? 0 : -errno;
}

/* mkdir that accepts an existing directory; errno is kept for the caller. */
static int podsys_mkdir(const char *path, mode_t mode)
{
	return mkdir(path, mode) < 0 && errno != EEXIST ? -1 : 0;
}

/* /run (a tmpfs for the pod's own directories) and cgroup2. */
int podsys_mount(char *err, size_t size)
{
	int ret;

	if (podsys_mkdir("/run", 0755) < 0 ||
	    mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") <
		    0)
		return podsys_fail(err, size, "mount a tmpfs on /run");
	if (podsys_mkdir("/run/cocoon", 0700) < 0 ||
	    podsys_mkdir(APPROOT_SHARE_DIR, 0755) < 0 ||
	    podsys_mkdir(APPROOT_VOLUMES_DIR, 0755) < 0 ||
	    podsys_mkdir(APPROOT_APPS_DIR, 0755) < 0)
		return podsys_fail(err, size, "prepare /run/cocoon");
	if (podsys_mkdir("/sys/fs/cgroup", 0755) < 0 ||
	    mount("cgroup2", "/sys/fs/cgroup", "cgroup2",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return podsys_fail(err, size,
				   "mount cgroup2 on /sys/fs/cgroup");
	/* memory.events of each app (oom_kill) needs the memory controller. */
	ret = podsys_write_file("/sys/fs/cgroup/cgroup.subtree_control",
				"+memory +pids");
	if (ret < 0)
		log_error("enable the memory controller: %s", strerror(-ret));
	if (podsys_mkdir(APP_CGROUP_ROOT, 0755) < 0)
		return podsys_fail(err, size, "create " APP_CGROUP_ROOT);
	ret = podsys_write_file(APP_CGROUP_ROOT "/cgroup.subtree_control",
				"+memory +pids");
	if (ret < 0)
		log_error("enable the memory controller for apps: %s",
			  strerror(-ret));
	return 0;
}

static bool podsys_has_host_volumes(const struct runtime *rt)
{
	for (size_t i = 0; i < rt->n_apps; i++) {
		for (size_t j = 0; j < rt->apps[i].n_mounts; j++) {
			if (rt->apps[i].mounts[j].kind == RUNTIME_MOUNT_HOST)
				return true;
		}
	}
	return false;
}

/* Hostname, the share, empty volumes, cgroups: what all apps share. */
int podsys_prepare(const struct runtime *rt, char *err, size_t size)
{
	char path[512], data[128];

	if (sethostname(rt->hostname, strlen(rt->hostname)) < 0)
		return podsys_fail(err, size, "set hostname %s", rt->hostname);
	/* Loopback in every pod; the NICs stage0 gave it, as it said. */
	if (net_lo_up(err, size) < 0 ||
	    net_configure(&rt->interfaces, err, size) < 0)
		return -1;
	snprintf(data, sizeof(data), PODSYS_9P_OPTIONS "%s",
		 podsys_has_host_volumes(rt) ? "mmap" : "loose");
	log_debug("mount the share: %s", data);
	if (mount(rt->share, APPROOT_SHARE_DIR, "9p", 0, data) < 0)
		return podsys_fail(err, size, "mount the pod share (9p tag %s)",
				   rt->share);
	for (size_t i = 0; i < rt->n_apps; i++) {
		const struct runtime_app *a = &rt->apps[i];

		for (size_t j = 0; j < a->n_mounts; j++) {
			const struct runtime_mount *m = &a->mounts[j];

			if (m->kind != RUNTIME_MOUNT_EMPTY)
				continue;
			snprintf(path, sizeof(path), APPROOT_VOLUMES_DIR "/%s",
				 m->volume);
			if (mkdir(path, 0755) < 0) {
				if (errno == EEXIST)
					continue; /* made for an earlier app */
				return podsys_fail(err, size,
						   "create empty volume %s",
						   m->volume);
			}
			snprintf(data, sizeof(data), "mode=%o,uid=%u,gid=%u",
				 (unsigned)m->mode, (unsigned)m->uid,
				 (unsigned)m->gid);
			if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV,
				  data) < 0)
				return podsys_fail(err, size,
						   "mount empty volume %s",
						   m->volume);
		}
		snprintf(path, sizeof(path), APP_CGROUP_ROOT "/%s", a->name);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return podsys_fail(err, size, "create cgroup %s", path);
	}
	return 0;
}

bool podsys_app_oom(const char *name)
{
	cleanup_free char *text = NULL;
	char path[512];
	const char *line;

	snprintf(path, sizeof(path), APP_CGROUP_ROOT "/%s/memory.events", name);
	if (system_read_file(path, &text) < 0)
		return false;
	for (line = text; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, "oom_kill ", 9))
			return strtoull(line + 9, NULL, 10) > 0;
	}
	return false;
}

void podsys_app_kill(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), APP_CGROUP_ROOT "/%s/cgroup.kill", name);
	podsys_write_file(path, "1");
}
