// SPDX-License-Identifier: Apache-2.0
/* Undoing a pod's host mounts and cgroup: see pod_cleanup.h. */
#include "stage0/pod_cleanup.h"
#include "stage0/pod_net.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "stage0/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Undoes the octal escapes the kernel puts in mountinfo paths (space, tab,
 * newline and backslash as \040, \011, \012, \134; see proc(5) and
 * seq_path() in fs/seq_file.c), in place.
 */
static void pod_unescape(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
					(s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

static bool pod_path_below(const char *path, const char *root)
{
	size_t len = strlen(root);

	if (strncmp(path, root, len))
		return false;
	return path[len] == '\0' || path[len] == '/' ||
	       (len == 1 && root[0] == '/');
}

void pod_mounts_free(char **paths, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(paths[i]);
	free(paths);
}

int pod_mounts_below(const char *mountinfo, const char *root, char ***paths,
		     size_t *count, struct error **err)
{
	cleanup_fclose FILE *f = fopen(mountinfo, "re");
	cleanup_free char *line = NULL;
	char **list = NULL;
	size_t n = 0, cap = 0, linecap = 0;

	if (!f)
		return error_set_errno(err, "read %s", mountinfo);
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ..." (proc(5)). */
	while (getline(&line, &linecap, f) > 0) {
		char *save = NULL, *field = strtok_r(line, " \n", &save);

		for (int i = 0; field && i < 4; i++)
			field = strtok_r(NULL, " \n", &save);
		if (!field)
			continue;
		pod_unescape(field);
		if (!pod_path_below(field, root))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			char **grown = realloc(list, ncap * sizeof(*grown));

			if (!grown)
				goto nomem;
			list = grown;
			cap = ncap;
		}
		list[n] = strdup(field);
		if (!list[n])
			goto nomem;
		n++;
	}
	*paths = list;
	*count = n;
	return 0;
nomem:
	pod_mounts_free(list, n);
	return error_set(err, ENOMEM, "out of memory");
}

struct pod_mount {
	const char *path;
	size_t depth, order;
};

/* Deepest first; among equals, the newest (listed last) first. */
static int pod_mount_cmp(const void *a, const void *b)
{
	const struct pod_mount *x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth < y->depth ? 1 : -1;
	return x->order < y->order ? 1 : -1;
}

/* One pass over what is mounted now: 1 if all gone, 0 progress, -1 none. */
static int pod_unmount_pass(const char *root, struct error **err)
{
	cleanup_free struct pod_mount *order = NULL;
	char **paths = NULL;
	size_t n = 0, done = 0;
	const char *failed = NULL;
	int failed_errno = 0, r;

	if (pod_mounts_below("/proc/self/mountinfo", root, &paths, &n, err) < 0)
		return -1;
	if (!n) {
		free(paths);
		return 1;
	}
	order = calloc(n, sizeof(*order));
	if (!order) {
		pod_mounts_free(paths, n);
		return error_set(err, ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		order[i].path = paths[i];
		order[i].order = i;
		for (const char *c = paths[i]; *c; c++)
			order[i].depth += *c == '/';
	}
	qsort(order, n, sizeof(*order), pod_mount_cmp);
	for (size_t i = 0; i < n; i++) {
		/*
		 * EINVAL: not a mount point from where the path leads now
		 * (hidden beneath a later mount); it comes free in a later
		 * pass. EBUSY: in use, so detach it lazily.
		 */
		if (umount2(order[i].path, UMOUNT_NOFOLLOW) == 0 ||
		    (errno == EBUSY &&
		     umount2(order[i].path, MNT_DETACH | UMOUNT_NOFOLLOW) ==
			     0)) {
			log_debug("unmounted %s", order[i].path);
			done++;
		} else {
			failed_errno = errno;
			failed = order[i].path;
		}
	}
	r = done ? 0 : -1;
	if (r < 0) {
		errno = failed_errno;
		error_set_errno(err, "unmount %s", failed);
	}
	pod_mounts_free(paths, n);
	return r;
}

int pod_cleanup_mounts(const char *pod_path, struct error **err)
{
	char root[PATH_MAX];

	if (!realpath(pod_path, root)) {
		if (errno == ENOENT)
			return 0;
		return error_set_errno(err, "unmount below %s", pod_path);
	}
	for (int pass = 0; pass < 32; pass++) {
		struct error *local = NULL;
		int r = pod_unmount_pass(root, &local);

		if (r == 1)
			return 0;
		if (r < 0) {
			error_set(err, local ? local->code : EBUSY, "%s",
				  local ? local->message : "unmount failed");
			error_free(&local);
			return error_wrap(err, "unmount below %s", root);
		}
	}
	return error_set(err, EBUSY,
			 "unmount below %s: mounts keep coming back", root);
}

int pod_cgroup_path(const char *uuid, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s/%s", CGROUP_MOUNT, CGROUP_COCOON,
			 uuid);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* SIGKILL to every process in path and in the cgroups below it. */
static void pod_cgroup_kill_tree(const char *path, int depth)
{
	cleanup_free char *procs = NULL;
	DIR *d;
	struct dirent *e;

	if (asprintf(&procs, "%s/cgroup.procs", path) >= 0) {
		cleanup_fclose FILE *f = fopen(procs, "re");
		long pid;

		while (f && fscanf(f, "%ld", &pid) == 1)
			if (pid > 1)
				kill((pid_t)pid, SIGKILL);
	}
	if (depth > 8)
		return;
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		cleanup_free char *sub = NULL;

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		if (asprintf(&sub, "%s/%s", path, e->d_name) >= 0)
			pod_cgroup_kill_tree(sub, depth + 1);
	}
	closedir(d);
}

/* Removes the cgroups below path, deepest first, then path itself. */
static int pod_cgroup_rmdir_tree(const char *path, int depth)
{
	DIR *d = depth > 8 ? NULL : opendir(path);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		cleanup_free char *sub = NULL;

		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		if (asprintf(&sub, "%s/%s", path, e->d_name) >= 0)
			pod_cgroup_rmdir_tree(sub, depth + 1);
	}
	if (d)
		closedir(d);
	return rmdir(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* cgroup.events says "populated 0" once no process is left below. */
static bool pod_cgroup_populated(const char *path)
{
	cleanup_free char *events = NULL;
	cleanup_fclose FILE *f = NULL;
	char key[32];
	int v;

	if (asprintf(&events, "%s/cgroup.events", path) < 0)
		return true;
	f = fopen(events, "re");
	if (!f)
		return errno != ENOENT;
	while (fscanf(f, "%31s %d", key, &v) == 2)
		if (!strcmp(key, "populated"))
			return v != 0;
	return true;
}

int pod_cleanup_cgroup(const char *uuid, struct error **err)
{
	const struct timespec pause = {.tv_nsec = 10 * 1000 * 1000};
	char path[PATH_MAX], kill_file[PATH_MAX + 16];
	struct stat st;
	bool killed_by_file = false;
	int fd;

	if (!pod_uuid_valid(uuid))
		return error_set(err, EINVAL,
				 "remove cgroup of pod \"%s\": "
				 "not a pod UUID",
				 uuid);
	if (pod_cgroup_path(uuid, path, sizeof(path)) < 0)
		return error_set(err, ENAMETOOLONG, "cgroup path too long");
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return error_set_errno(err, "remove cgroup %s", path);
	}
	/* cgroup.kill (Linux 5.14, cgroup-v2.rst): kills the whole subtree
	 * and whatever forks meanwhile. */
	snprintf(kill_file, sizeof(kill_file), "%s/cgroup.kill", path);
	fd = open(kill_file, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		killed_by_file = write(fd, "1", 1) == 1;
		close(fd);
	}
	/* Up to 5 s: killed processes leave the cgroup asynchronously. */
	for (int i = 0; i < 500; i++) {
		if (!killed_by_file)
			pod_cgroup_kill_tree(path, 0);
		if (!pod_cgroup_populated(path) &&
		    pod_cgroup_rmdir_tree(path, 0) == 0)
			return 0;
		nanosleep(&pause, NULL);
	}
	if (pod_cgroup_rmdir_tree(path, 0) == 0)
		return 0;
	return error_set_errno(err, "remove cgroup %s (processes left in it)",
			       path);
}

int pod_cleanup(struct pod *p, struct error **err)
{
	int r = 0;

	if (pod_cleanup_cgroup(p->uuid, err) < 0)
		r = error_wrap(err, "clean up pod %s", p->uuid);
	/* CNI DEL and the namespace once nothing of the pod runs. */
	if (r == 0 && pod_net_cleanup(p, err) < 0)
		r = error_wrap(err, "clean up pod %s", p->uuid);
	if (r < 0) {
		/* Still unmount; the first error is the one reported. */
		struct error *second = NULL;

		if (pod_cleanup_mounts(p->path, &second) < 0)
			log_warn("clean up pod %s: %s", p->uuid,
				 second->message);
		error_free(&second);
		return r;
	}
	if (pod_cleanup_mounts(p->path, err) < 0)
		return error_wrap(err, "clean up pod %s", p->uuid);
	return 0;
}
