// SPDX-License-Identifier: Apache-2.0
/*
 * Deleting pods from disk (pod.h): the tree of a garbage pod, never
 * crossing into another file system, and what a dying pod_create() left.
 */
#include "stage0/pod.h"
#include "stage0/audit.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Removes everything in the directory fd (on device dev), then closes it. */
static int pod_remove_contents(int fd, dev_t dev, const char *where,
			       struct error **err)
{
	DIR *d = fdopendir(fd);
	struct dirent *e;
	int r = 0;

	if (!d) {
		close(fd);
		return error_set_errno(err, "read %s", where);
	}
	while ((e = readdir(d))) {
		struct stat st;
		int sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) <
		    0) {
			r = error_set_errno(err, "stat %s/%s", where,
					    e->d_name);
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (unlinkat(dirfd(d), e->d_name, 0) < 0) {
				r = error_set_errno(err, "remove %s/%s", where,
						    e->d_name);
				break;
			}
			continue;
		}
		if (st.st_dev != dev) {
			r = error_set(err, EBUSY,
				      "%s/%s is a mount point: not removing "
				      "what is mounted there",
				      where, e->d_name);
			break;
		}
		sub = openat(dirfd(d), e->d_name,
			     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			r = error_set_errno(err, "open %s/%s", where,
					    e->d_name);
			break;
		}
		{
			cleanup_free char *path = NULL;

			if (asprintf(&path, "%s/%s", where, e->d_name) < 0) {
				close(sub);
				r = error_set(err, ENOMEM, "out of memory");
				break;
			}
			/* A directory someone made unreadable: root can
			 * still chmod it back to empty it. */
			fchmod(sub, 0700);
			if (pod_remove_contents(sub, dev, path, err) < 0) {
				r = -1;
				break;
			}
		}
		if (unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) < 0) {
			r = error_set_errno(err, "remove %s/%s", where,
					    e->d_name);
			break;
		}
	}
	closedir(d);
	return r;
}

int pod_destroy(struct pod *p, struct error **err)
{
	struct stat st;
	int fd;

	if (!p->locked)
		return error_set(err, EPERM,
				 "remove pod %s: the pod is not locked",
				 p->uuid);
	if (p->state != POD_EXITED_GARBAGE && p->state != POD_GARBAGE)
		return error_set(err, EINVAL,
				 "remove pod %s: it is in %s, not garbage",
				 p->uuid, pod_state_dir(p->state));
	if (fstat(p->dirfd, &st) < 0)
		return error_set_errno(err, "remove pod %s", p->uuid);
	fd = openat(p->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "remove pod %s", p->uuid);
	if (pod_remove_contents(fd, st.st_dev, p->path, err) < 0)
		return error_wrap(err, "remove pod %s", p->uuid);
	if (rmdir(p->path) < 0)
		return error_set_errno(err, "remove pod %s: rmdir %s", p->uuid,
				       p->path);
	audit_pod_removed(p);
	return 0;
}

int pod_remove_stale_embryos(const char *dir, unsigned *removed,
			     struct error **err)
{
	cleanup_free char *path = NULL;
	time_t now = time(NULL);
	struct dirent *e;
	DIR *d;

	*removed = 0;
	if (asprintf(&path, "%s/pods/%s", dir, pod_state_dir(POD_EMBRYO)) < 0)
		return error_set(err, ENOMEM, "out of memory");
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0
				       : error_set_errno(err, "read %s", path);
	while ((e = readdir(d))) {
		cleanup_close int fd = -1;
		struct stat st;

		if (e->d_name[0] != '.' || !pod_uuid_valid(e->d_name + 1))
			continue;
		fd = openat(dirfd(d), e->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		/* A minute's margin: pod_create() locks right after mkdir. */
		if (fd < 0 || fstat(fd, &st) < 0 || now - st.st_mtime < 60 ||
		    flock(fd, LOCK_EX | LOCK_NB) < 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) == 0)
			(*removed)++;
	}
	closedir(d);
	return 0;
}
