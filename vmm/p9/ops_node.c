// SPDX-License-Identifier: Apache-2.0
/*
 * 9P2000.L metadata and namespace: Tgetattr, Tsetattr, Tstatfs, Tmkdir,
 * Tmknod, Tsymlink, Tlink, Treadlink, Trename, Trenameat, Tunlinkat.
 * Every name is one component checked by p9_name_take() and used with an
 * *at() call on a directory fid's O_PATH fd, never followed if a symlink.
 */
#include "common/cleanup.h"
#include "vmm/p9/ops.h"
#include "vmm/p9/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Linux's new_encode_dev(), which v9fs decodes st_rdev with. */
static uint64_t rdev_encode(dev_t dev)
{
	uint32_t ma = major(dev), mi = minor(dev);

	return (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
}

/*
 * Tgetattr: fid[4] request_mask[8] -> Rgetattr valid[8] qid[13] mode[4]
 * uid[4] gid[4] nlink[8] rdev[8] size[8] blksize[8] blocks[8]
 * atime/mtime/ctime/btime (sec[8] nsec[8]) gen[8] data_version[8].
 */
int p9_op_getattr(struct p9_server *srv, struct p9_reader *r,
		  struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r);
	uint64_t valid = P9_STATS_BASIC;
	struct p9_fid *fid;
	struct statx stx;
	struct p9_qid qid;
	struct stat st;
	int err;

	(void)p9_get_u64(r); /* request_mask: everything is cheap */
	if (r->bad)
		return -EPROTO;
	fid = p9_path_fid(srv, fidnum);
	if (!fid)
		return -EBADF;
	if (statx(fid->fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
		  STATX_BASIC_STATS | STATX_BTIME, &stx) < 0)
		return -errno;
	err = p9_fd_stat(fid->fd, &st);
	if (err)
		return err;
	if (stx.stx_mask & STATX_BTIME)
		valid |= P9_STATS_BTIME;
	else
		stx.stx_btime.tv_sec = stx.stx_btime.tv_nsec = 0;
	p9_qid_from_stat(&st, &qid);
	p9_put_u64(w, valid);
	p9_put_qid(w, &qid);
	p9_put_u32(w, st.st_mode);
	p9_put_u32(w, st.st_uid);
	p9_put_u32(w, st.st_gid);
	p9_put_u64(w, st.st_nlink);
	p9_put_u64(w, rdev_encode(st.st_rdev));
	p9_put_u64(w, (uint64_t)st.st_size);
	p9_put_u64(w, (uint64_t)st.st_blksize);
	p9_put_u64(w, (uint64_t)st.st_blocks);
	p9_put_u64(w, (uint64_t)st.st_atim.tv_sec);
	p9_put_u64(w, (uint64_t)st.st_atim.tv_nsec);
	p9_put_u64(w, (uint64_t)st.st_mtim.tv_sec);
	p9_put_u64(w, (uint64_t)st.st_mtim.tv_nsec);
	p9_put_u64(w, (uint64_t)st.st_ctim.tv_sec);
	p9_put_u64(w, (uint64_t)st.st_ctim.tv_nsec);
	p9_put_u64(w, (uint64_t)stx.stx_btime.tv_sec);
	p9_put_u64(w, (uint64_t)stx.stx_btime.tv_nsec);
	p9_put_u64(w, 0); /* gen */
	p9_put_u64(w, 0); /* data_version */
	return 0;
}

static int setattr_size(struct p9_fid *fid, uint64_t size)
{
	cleanup_close int fd = -1;

	if (size > (uint64_t)INT64_MAX)
		return -EINVAL;
	if (fid->open_fd >= 0 && (fid->open_flags & O_ACCMODE) != O_RDONLY)
		return ftruncate(fid->open_fd, (off_t)size) < 0 ? -errno : 0;
	fd = p9_fid_reopen(fid, O_WRONLY);
	if (fd == -EISDIR)
		return -EISDIR;
	if (fd < 0)
		return fd == -ELOOP || fd == -EPERM ? -EINVAL : fd;
	return ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
}

static struct timespec setattr_time(uint32_t valid, uint32_t is, uint32_t set,
				    uint64_t sec, uint64_t nsec)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = UTIME_OMIT};

	if (valid & set) {
		ts.tv_sec = (time_t)sec;
		/* guest: nsec out of range is refused by utimensat */
		ts.tv_nsec = nsec > 999999999u ? -1 : (long)nsec;
	} else if (valid & is) {
		ts.tv_nsec = UTIME_NOW;
	}
	return ts;
}

/*
 * Tsetattr: fid[4] valid[4] mode[4] uid[4] gid[4] size[8] atime_sec[8]
 * atime_nsec[8] mtime_sec[8] mtime_nsec[8] -> Rsetattr. Owner first (it
 * may clear set-id bits), then mode, size, and the times last.
 */
int p9_op_setattr(struct p9_server *srv, struct p9_reader *r,
		  struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r), valid = p9_get_u32(r);
	uint32_t mode = p9_get_u32(r), uid = p9_get_u32(r), gid = p9_get_u32(r);
	uint64_t size = p9_get_u64(r);
	uint64_t asec = p9_get_u64(r), ansec = p9_get_u64(r);
	uint64_t msec = p9_get_u64(r), mnsec = p9_get_u64(r);
	struct timespec ts[2];
	struct p9_fid *fid;
	int err;

	(void)w;
	if (r->bad)
		return -EPROTO;
	fid = p9_path_fid(srv, fidnum);
	if (!fid)
		return -EBADF;
	if ((valid & (P9_ATTR_UID | P9_ATTR_GID)) &&
	    fchownat(fid->fd, "", valid & P9_ATTR_UID ? uid : (uid_t)-1,
		     valid & P9_ATTR_GID ? gid : (gid_t)-1,
		     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (valid & P9_ATTR_MODE) {
		err = p9_chmod_fd(fid->fd, mode & 07777);
		if (err)
			return err;
	}
	if (valid & P9_ATTR_SIZE) {
		err = setattr_size(fid, size);
		if (err)
			return err;
	}
	if (valid & (P9_ATTR_ATIME | P9_ATTR_MTIME)) {
		ts[0] = setattr_time(valid, P9_ATTR_ATIME, P9_ATTR_ATIME_SET,
				     asec, ansec);
		ts[1] = setattr_time(valid, P9_ATTR_MTIME, P9_ATTR_MTIME_SET,
				     msec, mnsec);
		if (utimensat(fid->fd, "", ts,
			      AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	return 0;
}

/*
 * Tstatfs: fid[4] -> Rstatfs type[4] bsize[4] blocks[8] bfree[8]
 * bavail[8] files[8] ffree[8] fsid[8] namelen[4]
 */
int p9_op_statfs(struct p9_server *srv, struct p9_reader *r,
		 struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r);
	struct p9_fid *fid;
	struct statfs sf;
	uint64_t fsid;

	if (r->bad)
		return -EPROTO;
	fid = p9_path_fid(srv, fidnum);
	if (!fid)
		return -EBADF;
	if (fstatfs(fid->fd, &sf) < 0)
		return -errno;
	memcpy(&fsid, &sf.f_fsid, sizeof(fsid));
	p9_put_u32(w, (uint32_t)sf.f_type);
	p9_put_u32(w, (uint32_t)sf.f_bsize);
	p9_put_u64(w, sf.f_blocks);
	p9_put_u64(w, sf.f_bfree);
	p9_put_u64(w, sf.f_bavail);
	p9_put_u64(w, sf.f_files);
	p9_put_u64(w, sf.f_ffree);
	p9_put_u64(w, fsid);
	p9_put_u32(w, (uint32_t)sf.f_namelen);
	return 0;
}

/* The directory fid and new name of a creating request. */
static int create_target(struct p9_server *srv, uint32_t dfid,
			 const struct p9_str *s, struct p9_name *name,
			 struct p9_fid **dir)
{
	int err = p9_name_take(s, name, false);

	if (err)
		return err;
	*dir = p9_path_fid(srv, dfid);
	return *dir ? 0 : -EBADF;
}

/* The qid of what was just created as name in dirfd. */
static int created_qid(int dirfd, const char *name, struct p9_writer *w)
{
	struct p9_qid qid;
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	p9_qid_from_stat(&st, &qid);
	p9_put_qid(w, &qid);
	return 0;
}

/* Tmkdir: dfid[4] name[s] mode[4] gid[4] -> Rmkdir qid[13] */
int p9_op_mkdir(struct p9_server *srv, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t dfid = p9_get_u32(r), mode, gid;
	struct p9_name name;
	struct p9_fid *dir;
	struct p9_str s;
	int err;

	p9_get_str(r, &s);
	mode = p9_get_u32(r) & 07777;
	gid = p9_get_u32(r);
	if (r->bad)
		return -EPROTO;
	err = create_target(srv, dfid, &s, &name, &dir);
	if (err)
		return err;
	if (mkdirat(dir->fd, name.s, mode) < 0)
		return -errno;
	p9_own_new(srv, dir->fd, name.s, dir->uid, gid, mode);
	return created_qid(dir->fd, name.s, w);
}

/*
 * Tmknod: dfid[4] name[s] mode[4] major[4] minor[4] gid[4] -> qid[13].
 * Device nodes are made as on a local fs (root only) but never opened
 * by the server (see p9_fid_reopen).
 */
int p9_op_mknod(struct p9_server *srv, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t dfid = p9_get_u32(r), mode, ma, mi, gid;
	struct p9_name name;
	struct p9_fid *dir;
	struct p9_str s;
	int err;

	p9_get_str(r, &s);
	mode = p9_get_u32(r);
	ma = p9_get_u32(r);
	mi = p9_get_u32(r);
	gid = p9_get_u32(r);
	if (r->bad)
		return -EPROTO;
	err = create_target(srv, dfid, &s, &name, &dir);
	if (err)
		return err;
	switch (mode & S_IFMT) {
	case S_IFREG:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	default:
		return -EINVAL;
	}
	if (mknodat(dir->fd, name.s, mode & (S_IFMT | 07777), makedev(ma, mi)) <
	    0)
		return -errno;
	p9_own_new(srv, dir->fd, name.s, dir->uid, gid, mode & 07777);
	return created_qid(dir->fd, name.s, w);
}

/*
 * Tsymlink: dfid[4] name[s] symtgt[s] gid[4] -> Rsymlink qid[13]. The
 * target is only stored: the server never follows a symlink.
 */
int p9_op_symlink(struct p9_server *srv, struct p9_reader *r,
		  struct p9_writer *w)
{
	uint32_t dfid = p9_get_u32(r), gid;
	cleanup_free char *target = NULL;
	struct p9_str s, t;
	struct p9_name name;
	struct p9_fid *dir;
	int err;

	p9_get_str(r, &s);
	p9_get_str(r, &t);
	gid = p9_get_u32(r);
	if (r->bad)
		return -EPROTO;
	err = create_target(srv, dfid, &s, &name, &dir);
	if (err)
		return err;
	/* guest: 1..PATH_MAX-1 bytes, no NUL */
	if (t.len == 0 || memchr(t.p, '\0', t.len))
		return -EINVAL;
	if (t.len >= PATH_MAX)
		return -ENAMETOOLONG;
	target = strndup(t.p, t.len);
	if (!target)
		return -ENOMEM;
	if (symlinkat(target, dir->fd, name.s) < 0)
		return -errno;
	/* as p9_own_new(): the creator owns it; failure is not fatal */
	if (geteuid() == 0 &&
	    fchownat(dir->fd, name.s,
		     dir->uid == P9_NONUNAME ? (uid_t)-1 : dir->uid, gid,
		     AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	return created_qid(dir->fd, name.s, w);
}

/*
 * Tlink: dfid[4] fid[4] name[s] -> Rlink. The old fid was walked from
 * the root, so what it holds is inside the share; linkat() on its O_PATH
 * fd links that very inode (AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH;
 * without it the fid's parent and name are used and checked).
 */
int p9_op_link(struct p9_server *srv, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t dfid = p9_get_u32(r), oldnum = p9_get_u32(r);
	struct stat want, got, dir_st;
	struct p9_fid *dir, *old;
	struct p9_name name;
	struct p9_str s;
	int err;

	(void)w;
	p9_get_str(r, &s);
	if (r->bad)
		return -EPROTO;
	err = create_target(srv, dfid, &s, &name, &dir);
	if (err)
		return err;
	old = p9_path_fid(srv, oldnum);
	if (!old)
		return -EBADF;
	err = p9_fd_stat(old->fd, &want);
	if (!err)
		err = p9_fd_stat(dir->fd, &dir_st);
	if (err)
		return err;
	if (S_ISDIR(want.st_mode))
		return -EPERM;
	if (want.st_dev != dir_st.st_dev)
		return -EXDEV;
	if (linkat(old->fd, "", dir->fd, name.s, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOENT && errno != EPERM)
		return -errno;
	if (old->parent_fd < 0)
		return -EPERM;
	if (linkat(old->parent_fd, old->name, dir->fd, name.s, 0) < 0)
		return -errno;
	/* the name may have been swapped since the walk: undo if so */
	if (fstatat(dir->fd, name.s, &got, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !p9_stat_same(&want, &got)) {
		(void)unlinkat(dir->fd, name.s, 0);
		return -ESTALE;
	}
	return 0;
}

/* Treadlink: fid[4] -> Rreadlink target[s] */
int p9_op_readlink(struct p9_server *srv, struct p9_reader *r,
		   struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r);
	struct p9_fid *fid;
	char buf[PATH_MAX];
	ssize_t n;

	if (r->bad)
		return -EPROTO;
	fid = p9_path_fid(srv, fidnum);
	if (!fid)
		return -EBADF;
	n = readlinkat(fid->fd, "", buf, sizeof(buf));
	if (n < 0)
		return errno == ENOENT ? -EINVAL : -errno;
	if ((size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	p9_put_str(w, buf, (size_t)n);
	return 0;
}

/*
 * Renames and moves the fids that followed the old name. oldname may be
 * a fid's own name, which the fix-up replaces: it is copied first.
 */
static int do_rename(struct p9_server *srv, int olddir, const char *oldname,
		     int newdir, const char *newname)
{
	struct p9_name old;
	struct stat st;
	int err = p9_fd_stat(olddir, &st);

	if (err)
		return err;
	if (strlen(oldname) >= sizeof(old.s))
		return -ENAMETOOLONG;
	strcpy(old.s, oldname);
	if (renameat(olddir, old.s, newdir, newname) < 0)
		return -errno;
	p9_fid_table_renamed(&srv->fids, &st, old.s, newdir, newname);
	return 0;
}

/* Trename: fid[4] dfid[4] name[s] -> Rrename */
int p9_op_rename(struct p9_server *srv, struct p9_reader *r,
		 struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r), dfid = p9_get_u32(r);
	struct p9_fid *fid, *dir;
	struct stat want, got;
	struct p9_name name;
	struct p9_str s;
	int err;

	(void)w;
	p9_get_str(r, &s);
	if (r->bad)
		return -EPROTO;
	err = create_target(srv, dfid, &s, &name, &dir);
	if (err)
		return err;
	fid = p9_path_fid(srv, fidnum);
	if (!fid)
		return -EBADF;
	if (fid->parent_fd < 0)
		return -EBUSY;
	err = p9_fd_stat(fid->fd, &want);
	if (err)
		return err;
	if (fstatat(fid->parent_fd, fid->name, &got, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (!p9_stat_same(&want, &got))
		return -ESTALE;
	return do_rename(srv, fid->parent_fd, fid->name, dir->fd, name.s);
}

/* Trenameat: olddirfid[4] oldname[s] newdirfid[4] newname[s] -> Rrenameat */
int p9_op_renameat(struct p9_server *srv, struct p9_reader *r,
		   struct p9_writer *w)
{
	uint32_t oldnum = p9_get_u32(r), newnum;
	struct p9_name oldname, newname;
	struct p9_fid *olddir, *newdir;
	struct p9_str os, ns;
	int err;

	(void)w;
	p9_get_str(r, &os);
	newnum = p9_get_u32(r);
	p9_get_str(r, &ns);
	if (r->bad)
		return -EPROTO;
	err = create_target(srv, oldnum, &os, &oldname, &olddir);
	if (!err)
		err = create_target(srv, newnum, &ns, &newname, &newdir);
	if (err)
		return err;
	return do_rename(srv, olddir->fd, oldname.s, newdir->fd, newname.s);
}

/* Tunlinkat: dirfd[4] name[s] flags[4] -> Runlinkat */
int p9_op_unlinkat(struct p9_server *srv, struct p9_reader *r,
		   struct p9_writer *w)
{
	uint32_t dfid = p9_get_u32(r), flags;
	struct p9_name name;
	struct p9_fid *dir;
	struct p9_str s;
	int err;

	(void)w;
	p9_get_str(r, &s);
	flags = p9_get_u32(r);
	if (r->bad)
		return -EPROTO;
	err = create_target(srv, dfid, &s, &name, &dir);
	if (err)
		return err;
	if (flags & ~(uint32_t)P9_DOTL_AT_REMOVEDIR)
		return -EINVAL;
	if (unlinkat(dir->fd, name.s,
		     flags & P9_DOTL_AT_REMOVEDIR ? AT_REMOVEDIR : 0) < 0)
		return -errno;
	return 0;
}
