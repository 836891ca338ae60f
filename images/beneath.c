// SPDX-License-Identifier: Apache-2.0
#include "images/beneath.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

bool beneath_no_openat2;

static int sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	return (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

/* Fallback: walk component by component, never following a symlink. */
static int beneath_walk(int root_fd, const char *path, int flags)
{
	char buf[PATH_MAX];
	char *save = NULL, *comp, *next;
	int fd, nfd;

	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	fd = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	comp = strtok_r(buf, "/", &save);
	while (comp) {
		next = strtok_r(NULL, "/", &save);
		if (!strcmp(comp, "..")) {
			close(fd);
			errno = EXDEV;
			return -1;
		}
		if (!next) {
			nfd = openat(fd, comp, flags | O_NOFOLLOW | O_CLOEXEC);
		} else {
			nfd = openat(fd, comp,
				     O_PATH | O_DIRECTORY | O_NOFOLLOW |
					     O_CLOEXEC);
		}
		close(fd);
		if (nfd < 0)
			return -1;
		fd = nfd;
		comp = next;
		if (!comp)
			return fd;
	}
	/* path was "" or "/": the root itself. */
	nfd = openat(fd, ".", flags | O_CLOEXEC);
	close(fd);
	return nfd;
}

int beneath_open(int root_fd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_XDEV,
	};
	int fd;

	if (!*path)
		path = ".";
	if (!beneath_no_openat2) {
		fd = sys_openat2(root_fd, path, &how);
		if (fd >= 0 || errno != ENOSYS)
			return fd;
	}
	return beneath_walk(root_fd, path, flags);
}

int beneath_parent(int root_fd, const char *path, bool create,
		   const char **base)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t len, i;
	int fd;

	*base = slash ? slash + 1 : path;
	if (!slash)
		return beneath_open(root_fd, ".", O_PATH | O_DIRECTORY);
	len = (size_t)(slash - path);
	if (len >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(dir, path, len);
	dir[len] = '\0';
	fd = beneath_open(root_fd, dir, O_PATH | O_DIRECTORY);
	if (fd >= 0 || errno != ENOENT || !create)
		return fd;

	/* Create the missing directories one level at a time. */
	for (i = 0; i <= len; i++) {
		const char *b;
		int pfd;

		if (i < len && dir[i] != '/')
			continue;
		dir[i] = '\0';
		pfd = beneath_parent(root_fd, dir, false, &b);
		if (pfd < 0) {
			if (i < len)
				dir[i] = '/';
			return -1;
		}
		if (mkdirat(pfd, b, 0755) < 0 && errno != EEXIST) {
			close(pfd);
			return -1;
		}
		close(pfd);
		if (i < len)
			dir[i] = '/';
	}
	return beneath_open(root_fd, dir, O_PATH | O_DIRECTORY);
}

int beneath_clear_dir(int dir_fd, bool (*keep)(const char *name, void *arg),
		      void *arg)
{
	DIR *d;
	struct dirent *de;
	int fd, ret = 0;

	fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (keep && keep(de->d_name, arg))
			continue;
		if (beneath_remove_tree(dirfd(d), de->d_name) < 0)
			ret = -1;
	}
	closedir(d);
	return ret;
}

int beneath_remove_tree(int dir_fd, const char *name)
{
	struct stat st;
	cleanup_close int fd = -1;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dir_fd, name, 0) < 0 && errno != ENOENT ? -1
									: 0;
	fd = openat(dir_fd, name,
		    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* A read-only directory (0555 in an image) must become writable. */
	if (!(st.st_mode & S_IWUSR) && fchmodat(dir_fd, name, 0700, 0) < 0)
		return -1;
	if (beneath_clear_dir(fd, NULL, NULL) < 0)
		return -1;
	return unlinkat(dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -1
									   : 0;
}
