// SPDX-License-Identifier: Apache-2.0
/* The fid table and fid re-opening (see fid.h). */
#include "vmm/p9/fid.h"

#include "common/cleanup.h"
#include "vmm/p9/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void p9_fid_table_init(struct p9_fid_table *t)
{
	memset(t, 0, sizeof(*t));
	t->max = P9_MAX_FIDS;
}

static struct p9_fid **fid_slot(struct p9_fid_table *t, uint32_t num)
{
	struct p9_fid **pp = &t->bucket[num % P9_FID_BUCKETS];

	while (*pp && (*pp)->num != num)
		pp = &(*pp)->next;
	return pp;
}

struct p9_fid *p9_fid_lookup(struct p9_fid_table *t, uint32_t num)
{
	return *fid_slot(t, num);
}

int p9_fid_add(struct p9_fid_table *t, uint32_t num, struct p9_fid **out)
{
	struct p9_fid **pp, *fid;

	if (num == P9_NOFID)
		return -EBADF;
	pp = fid_slot(t, num);
	if (*pp)
		return -EEXIST;
	if (t->count >= t->max)
		return -ENFILE;
	fid = calloc(1, sizeof(*fid));
	if (!fid)
		return -ENOMEM;
	fid->num = num;
	fid->fd = -1;
	fid->parent_fd = -1;
	fid->open_fd = -1;
	*pp = fid;
	t->count++;
	*out = fid;
	return 0;
}

void p9_fid_release(struct p9_fid *fid)
{
	if (fid->fd >= 0)
		close(fid->fd);
	if (fid->parent_fd >= 0)
		close(fid->parent_fd);
	if (fid->open_fd >= 0)
		close(fid->open_fd);
	fid->fd = fid->parent_fd = fid->open_fd = -1;
	free(fid->name);
	free(fid->xattr_name);
	free(fid->xattr_buf);
	fid->name = fid->xattr_name = NULL;
	fid->xattr_buf = NULL;
}

int p9_fid_xattr_charge(struct p9_fid_table *t, size_t n)
{
	if (n > P9_XATTR_TOTAL_MAX - t->xattr_bytes)
		return -ENOMEM;
	t->xattr_bytes += n;
	return 0;
}

void p9_fid_remove(struct p9_fid_table *t, struct p9_fid *fid)
{
	struct p9_fid **pp = fid_slot(t, fid->num);

	if (fid->kind != P9_FID_PATH)
		t->xattr_bytes -= fid->xattr_size;
	if (*pp == fid) {
		*pp = fid->next;
		t->count--;
	}
	p9_fid_release(fid);
	free(fid);
}

void p9_fid_table_clear(struct p9_fid_table *t)
{
	size_t i;

	for (i = 0; i < P9_FID_BUCKETS; i++) {
		while (t->bucket[i])
			p9_fid_remove(t, t->bucket[i]);
	}
}

int p9_fd_stat(int fd, struct stat *st)
{
	if (fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

bool p9_stat_same(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

void p9_fid_table_renamed(struct p9_fid_table *t, const struct stat *olddir,
			  const char *oldname, int newdir_fd,
			  const char *newname)
{
	struct stat st;
	size_t i;

	for (i = 0; i < P9_FID_BUCKETS; i++) {
		struct p9_fid *fid;

		for (fid = t->bucket[i]; fid; fid = fid->next) {
			char *name;
			int fd;

			if (fid->parent_fd < 0 || strcmp(fid->name, oldname))
				continue;
			if (p9_fd_stat(fid->parent_fd, &st) < 0 ||
			    !p9_stat_same(&st, olddir))
				continue;
			name = strdup(newname);
			fd = fcntl(newdir_fd, F_DUPFD_CLOEXEC, 0);
			if (!name || fd < 0) {
				/* the fid keeps working for everything
				 * but re-opening, which then fails */
				free(name);
				if (fd >= 0)
					close(fd);
				continue;
			}
			close(fid->parent_fd);
			free(fid->name);
			fid->parent_fd = fd;
			fid->name = name;
		}
	}
}

int p9_fid_reopen(const struct p9_fid *fid, int flags)
{
	struct open_how how = {
		.flags = (unsigned)(flags | O_NOFOLLOW | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	struct stat want, got;
	cleanup_close int fd = -1;
	int r;

	if (fid->fd < 0)
		return -EBADF;
	r = p9_fd_stat(fid->fd, &want);
	if (r < 0)
		return r;
	if (S_ISDIR(want.st_mode)) {
		/* "." of the directory inode itself: no name involved */
		fd = openat(fid->fd, ".",
			    flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		return fd < 0 ? -errno : steal_fd(&fd);
	}
	if (S_ISLNK(want.st_mode))
		return -ELOOP;
	if (!S_ISREG(want.st_mode))
		return -EPERM;
	if (fid->parent_fd < 0 || !fid->name)
		return -ESTALE;
	/*
	 * O_NONBLOCK: should the name have been swapped for a fifo by some
	 * other writer of the directory, the open must not hang the device.
	 */
	how.flags |= O_NONBLOCK | O_NOCTTY;
	fd = (int)syscall(SYS_openat2, fid->parent_fd, fid->name, &how,
			  sizeof(how));
	if (fd < 0)
		return errno == ENOENT ? -ESTALE : -errno;
	r = p9_fd_stat(fd, &got);
	if (r < 0)
		return r;
	if (!p9_stat_same(&want, &got) || !S_ISREG(got.st_mode))
		return -ESTALE;
	/* the guest's O_NONBLOCK only, from here on */
	if (!(flags & O_NONBLOCK) &&
	    fcntl(fd, F_SETFL, (flags & ~O_NONBLOCK) & ~O_ACCMODE) < 0)
		return -errno;
	return steal_fd(&fd);
}
