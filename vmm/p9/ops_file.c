// SPDX-License-Identifier: Apache-2.0
/*
 * 9P2000.L file I/O: Tlopen, Tlcreate, Tread, Twrite, Treaddir, Tfsync,
 * Tlock, Tgetlock, and the extended attributes (Txattrwalk, Txattrcreate
 * and the Tread/Twrite/Tclunk that follow them).
 */
#include "common/cleanup.h"
#include "vmm/p9/ops.h"
#include "vmm/p9/proto.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

/* The Tlopen/Tlcreate flags the server honours, as host O_* flags. */
static int host_open_flags(uint32_t flags)
{
	static const struct {
		uint32_t p9;
		int host;
	} map[] = {
		{P9_DOTL_TRUNC, O_TRUNC},
		{P9_DOTL_APPEND, O_APPEND},
		{P9_DOTL_NONBLOCK, O_NONBLOCK},
		{P9_DOTL_DSYNC, O_DSYNC},
		{P9_DOTL_SYNC, O_SYNC},
		{P9_DOTL_DIRECTORY, O_DIRECTORY},
	};
	int host = (int)(flags & P9_DOTL_ACCMODE); /* O_RDONLY.. O_RDWR */
	size_t i;

	/* O_DIRECT, O_NOATIME, O_CLOEXEC, O_ASYNC, O_NOCTTY are dropped */
	for (i = 0; i < ARRAY_SIZE(map); i++) {
		if (flags & map[i].p9)
			host |= map[i].host;
	}
	return host;
}

static bool opens_for_write(uint32_t flags)
{
	return (flags & P9_DOTL_ACCMODE) != 0 || (flags & P9_DOTL_TRUNC);
}

/* An open path fid, or NULL. */
static struct p9_fid *open_fid(struct p9_server *srv, uint32_t num)
{
	struct p9_fid *fid = p9_path_fid(srv, num);

	return fid && fid->open_fd >= 0 ? fid : NULL;
}

/* Tlopen: fid[4] flags[4] -> Rlopen qid[13] iounit[4] */
int p9_op_lopen(struct p9_server *srv, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r), flags = p9_get_u32(r);
	struct p9_fid *fid;
	struct p9_qid qid;
	struct stat st;
	int fd, err, host;

	if (r->bad)
		return -EPROTO;
	fid = p9_path_fid(srv, fidnum);
	if (!fid)
		return -EBADF;
	if (fid->open_fd >= 0)
		return -EBUSY;
	if ((flags & P9_DOTL_ACCMODE) == P9_DOTL_NOACCESS)
		return -EINVAL;
	if (srv->read_only && opens_for_write(flags))
		return -EROFS;
	err = p9_fd_stat(fid->fd, &st);
	if (err)
		return err;
	host = host_open_flags(flags);
	if (S_ISDIR(st.st_mode) && (host & O_ACCMODE) != O_RDONLY)
		return -EISDIR;
	fd = p9_fid_reopen(fid, host);
	if (fd < 0)
		return fd;
	fid->open_fd = fd;
	fid->open_flags = host;
	p9_qid_from_stat(&st, &qid);
	p9_put_qid(w, &qid);
	p9_put_u32(w, 0); /* iounit 0: the client uses msize - 24 */
	return 0;
}

/* Tlcreate: fid[4] name[s] flags[4] mode[4] gid[4] -> qid[13] iounit[4] */
int p9_op_lcreate(struct p9_server *srv, struct p9_reader *r,
		  struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r), flags, mode, gid;
	struct open_how how = {0};
	struct p9_name name;
	struct p9_str s;
	struct p9_fid *fid;
	cleanup_close int fd = -1, path_fd = -1;
	char *name_copy;
	struct p9_qid qid;
	struct stat st;
	int err;

	p9_get_str(r, &s);
	flags = p9_get_u32(r);
	mode = p9_get_u32(r);
	gid = p9_get_u32(r);
	if (r->bad)
		return -EPROTO;
	err = p9_name_take(&s, &name, false);
	if (err)
		return err;
	fid = p9_path_fid(srv, fidnum);
	if (!fid)
		return -EBADF;
	if (fid->open_fd >= 0)
		return -EBUSY;
	if ((flags & P9_DOTL_ACCMODE) == P9_DOTL_NOACCESS)
		return -EINVAL;
	/*
	 * O_EXCL always: Tlcreate is for a name the guest saw absent, and
	 * opening whatever appeared there meanwhile (a device node, a fifo)
	 * is not ours to do.
	 */
	how.flags = (unsigned)(host_open_flags(flags) | O_CREAT | O_EXCL |
			       O_NOFOLLOW | O_CLOEXEC);
	how.flags &= ~(unsigned)O_DIRECTORY;
	how.mode = mode & 07777;
	how.resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, fid->fd, name.s, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	p9_own_new(srv, fid->fd, name.s, fid->uid, gid, mode & 07777);
	how.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC;
	how.mode = 0;
	path_fd = (int)syscall(SYS_openat2, fid->fd, name.s, &how, sizeof(how));
	if (path_fd < 0)
		return -errno;
	err = p9_fd_stat(path_fd, &st);
	if (err)
		return err;
	name_copy = strdup(name.s);
	if (!name_copy)
		return -ENOMEM;
	/* the fid moves from the directory to the new, open file */
	free(fid->name);
	if (fid->parent_fd >= 0)
		close(fid->parent_fd);
	fid->parent_fd = fid->fd;
	fid->name = name_copy;
	fid->fd = steal_fd(&path_fd);
	fid->open_fd = steal_fd(&fd);
	fid->open_flags = host_open_flags(flags);
	p9_qid_from_stat(&st, &qid);
	p9_put_qid(w, &qid);
	p9_put_u32(w, 0);
	return 0;
}

/* guest: file offsets beyond off_t are refused */
static int check_offset(uint64_t offset)
{
	return offset > (uint64_t)INT64_MAX ? -EINVAL : 0;
}

/* Tread: fid[4] offset[8] count[4] -> Rread count[4] data[count] */
int p9_op_read(struct p9_server *srv, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r), count;
	uint64_t offset = p9_get_u64(r);
	struct p9_fid *fid;
	size_t room, count_pos;
	uint8_t *data;
	ssize_t n;

	count = p9_get_u32(r);
	if (r->bad)
		return -EPROTO;
	if (check_offset(offset))
		return -EINVAL;
	fid = p9_fid_lookup(&srv->fids, fidnum);
	if (!fid)
		return -EBADF;
	/* guest: count <= msize - 11 and <= its writable buffers */
	room = p9_writer_room(w) - 4;
	if (count > room)
		count = (uint32_t)room;
	if (fid->kind == P9_FID_XATTR_READ) {
		size_t avail = offset < fid->xattr_size
				       ? fid->xattr_size - (size_t)offset
				       : 0;

		if (count > avail)
			count = (uint32_t)avail;
		p9_put_u32(w, count);
		if (count)
			p9_put_bytes(w, fid->xattr_buf + offset, count);
		return 0;
	}
	if (fid->kind != P9_FID_PATH || fid->open_fd < 0 ||
	    (fid->open_flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	count_pos = w->pos;
	p9_put_u32(w, 0);
	data = p9_put_reserve(w, count);
	if (!data)
		return -EMSGSIZE;
	/* straight into the reply buffer */
	n = pread(fid->open_fd, data, count, (off_t)offset);
	if (n < 0)
		return -errno;
	w->pos = count_pos + 4 + (size_t)n;
	p9_patch_u32(w, count_pos, (uint32_t)n);
	return 0;
}

/* Twrite: fid[4] offset[8] count[4] data[count] -> Rwrite count[4] */
int p9_op_write(struct p9_server *srv, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r), count;
	uint64_t offset = p9_get_u64(r);
	const uint8_t *data;
	struct p9_fid *fid;
	ssize_t n;

	count = p9_get_u32(r);
	/* guest: count must lie within the message (<= msize - 23) */
	data = p9_get_bytes(r, count);
	if (r->bad)
		return -EPROTO;
	if (check_offset(offset))
		return -EINVAL;
	fid = p9_fid_lookup(&srv->fids, fidnum);
	if (!fid)
		return -EBADF;
	if (fid->kind == P9_FID_XATTR_WRITE) {
		/* guest: offset + count <= the size given in Txattrcreate */
		if (offset > fid->xattr_size ||
		    count > fid->xattr_size - (size_t)offset)
			return -ENOSPC;
		if (count)
			memcpy(fid->xattr_buf + offset, data, count);
		if (offset + count > fid->xattr_filled)
			fid->xattr_filled = (size_t)offset + count;
		p9_put_u32(w, count);
		return 0;
	}
	if (fid->kind != P9_FID_PATH || fid->open_fd < 0 ||
	    (fid->open_flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (srv->read_only)
		return -EROFS;
	n = pwrite(fid->open_fd, data, count, (off_t)offset);
	if (n < 0)
		return -errno;
	p9_put_u32(w, (uint32_t)n);
	return 0;
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/*
 * Treaddir: fid[4] offset[8] count[4] -> Rreaddir count[4] entries, each
 * qid[13] offset[8] type[1] name[s]. offset is 0 or the d_off the host's
 * directory stream gave for the previous entry (a cookie, not an index).
 */
int p9_op_readdir(struct p9_server *srv, struct p9_reader *r,
		  struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r), count;
	uint64_t offset = p9_get_u64(r);
	struct stat dir_st;
	struct p9_fid *fid;
	size_t room, start, bufsize, pos;
	bool is_root;
	long n;
	int err;

	count = p9_get_u32(r);
	if (r->bad)
		return -EPROTO;
	if (check_offset(offset))
		return -EINVAL;
	fid = open_fid(srv, fidnum);
	if (!fid)
		return -EBADF;
	err = p9_fd_stat(fid->open_fd, &dir_st);
	if (err)
		return err;
	if (!S_ISDIR(dir_st.st_mode))
		return -ENOTDIR;
	is_root = p9_stat_same(&dir_st, &srv->root_st);
	/* guest: count <= msize - 11 and <= its writable buffers */
	room = p9_writer_room(w) - 4;
	if (count > room)
		count = (uint32_t)room;
	if (lseek(fid->open_fd, (off_t)offset, SEEK_SET) < 0)
		return -errno;
	bufsize = count < 1024 ? 1024 : count;
	if (bufsize > srv->msize)
		bufsize = srv->msize;
	n = syscall(SYS_getdents64, fid->open_fd, srv->scratch, bufsize);
	if (n < 0)
		return -errno;
	p9_put_u32(w, 0);
	start = w->pos;
	for (pos = 0; pos < (size_t)n;) {
		struct linux_dirent64 *d =
			(struct linux_dirent64 *)(srv->scratch + pos);
		size_t len = strlen(d->d_name);
		struct p9_qid qid = {0};
		uint64_t ino = d->d_ino;

		if (w->pos - start + 24 + len > count)
			break;
		/* the share root's ".." is the root itself */
		if (is_root && !strcmp(d->d_name, ".."))
			ino = srv->root_st.st_ino;
		qid.type = d->d_type == DT_DIR	 ? P9_QTDIR
			   : d->d_type == DT_LNK ? P9_QTSYMLINK
						 : P9_QTFILE;
		qid.path = ino ^ ((uint64_t)dir_st.st_dev << 48);
		p9_put_qid(w, &qid);
		p9_put_u64(w, (uint64_t)d->d_off);
		p9_put_u8(w, d->d_type);
		p9_put_str(w, d->d_name, len);
		pos += d->d_reclen;
	}
	p9_patch_u32(w, start - 4, (uint32_t)(w->pos - start));
	return 0;
}

/* Tfsync: fid[4] datasync[4] -> Rfsync */
int p9_op_fsync(struct p9_server *srv, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r), datasync = p9_get_u32(r);
	struct p9_fid *fid;

	(void)w;
	if (r->bad)
		return -EPROTO;
	fid = open_fid(srv, fidnum);
	if (!fid)
		return -EBADF;
	if ((datasync ? fdatasync(fid->open_fd) : fsync(fid->open_fd)) < 0)
		return -errno;
	return 0;
}

static int lock_type(uint8_t type)
{
	switch (type) {
	case P9_LOCK_TYPE_RDLCK:
		return F_RDLCK;
	case P9_LOCK_TYPE_WRLCK:
		return F_WRLCK;
	case P9_LOCK_TYPE_UNLCK:
		return F_UNLCK;
	}
	return -1;
}

static uint8_t lock_type_p9(short type)
{
	return type == F_RDLCK	 ? P9_LOCK_TYPE_RDLCK
	       : type == F_WRLCK ? P9_LOCK_TYPE_WRLCK
				 : P9_LOCK_TYPE_UNLCK;
}

/*
 * Locks are open-file-description locks on the fid's open file: every
 * guest open is its own fid, so guest processes conflict with each other
 * as on a local fs (classic POSIX locks would all belong to the VMM).
 */
static int lock_prepare(struct p9_server *srv, uint32_t fidnum, uint8_t type,
			uint64_t start, uint64_t length, struct flock *fl,
			struct p9_fid **fid)
{
	int t = lock_type(type);

	if (t < 0 || check_offset(start) || check_offset(length))
		return -EINVAL;
	*fid = open_fid(srv, fidnum);
	if (!*fid)
		return -EBADF;
	memset(fl, 0, sizeof(*fl));
	fl->l_type = (short)t;
	fl->l_whence = SEEK_SET;
	fl->l_start = (off_t)start;
	fl->l_len = (off_t)length; /* 0: to the end of the file */
	return 0;
}

/*
 * Tlock: fid[4] type[1] flags[4] start[8] length[8] proc_id[4]
 * client_id[s] -> Rlock status[1]. Never waits: a conflict is BLOCKED,
 * and the client polls again for F_SETLKW.
 */
int p9_op_lock(struct p9_server *srv, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r);
	uint8_t type = p9_get_u8(r);
	uint64_t start, length;
	struct p9_fid *fid;
	struct p9_str client;
	struct flock fl;
	int err;

	(void)p9_get_u32(r); /* flags: BLOCK is answered by BLOCKED */
	start = p9_get_u64(r);
	length = p9_get_u64(r);
	(void)p9_get_u32(r); /* proc_id */
	p9_get_str(r, &client);
	if (r->bad)
		return -EPROTO;
	err = lock_prepare(srv, fidnum, type, start, length, &fl, &fid);
	if (err)
		return err;
	if (fcntl(fid->open_fd, F_OFD_SETLK, &fl) == 0)
		p9_put_u8(w, P9_LOCK_SUCCESS);
	else if (errno == EAGAIN || errno == EACCES)
		p9_put_u8(w, P9_LOCK_BLOCKED);
	else
		return -errno;
	return 0;
}

/*
 * Tgetlock: fid[4] type[1] start[8] length[8] proc_id[4] client_id[s]
 * -> Rgetlock the same fields: the first conflicting lock, or the
 * request with type UNLCK when there is none.
 */
int p9_op_getlock(struct p9_server *srv, struct p9_reader *r,
		  struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r), proc_id;
	uint8_t type = p9_get_u8(r);
	uint64_t start = p9_get_u64(r), length = p9_get_u64(r);
	struct p9_fid *fid;
	struct p9_str client;
	struct flock fl;
	int err;

	proc_id = p9_get_u32(r);
	p9_get_str(r, &client);
	if (r->bad)
		return -EPROTO;
	err = lock_prepare(srv, fidnum, type, start, length, &fl, &fid);
	if (err)
		return err;
	if (fcntl(fid->open_fd, F_OFD_GETLK, &fl) < 0)
		return -errno;
	if (fl.l_type == F_UNLCK) {
		p9_put_u8(w, P9_LOCK_TYPE_UNLCK);
		p9_put_u64(w, start);
		p9_put_u64(w, length);
	} else {
		p9_put_u8(w, lock_type_p9(fl.l_type));
		p9_put_u64(w, (uint64_t)fl.l_start);
		p9_put_u64(w, (uint64_t)fl.l_len);
	}
	p9_put_u32(w, proc_id);
	p9_put_str(w, client.p, client.len);
	return 0;
}

/* An xattr name: 1..255 bytes, no NUL (Linux XATTR_NAME_MAX). */
static int xattr_name_take(const struct p9_str *s, char **out)
{
	if (s->len == 0 || memchr(s->p, '\0', s->len))
		return -EINVAL;
	if (s->len > 255)
		return -ERANGE;
	*out = strndup(s->p, s->len);
	return *out ? 0 : -ENOMEM;
}

/*
 * An fd to reach a fid's xattrs: directories and regular files are
 * re-opened read-only (f*xattr do not take O_PATH fds). Symlinks and
 * special files have none through this server.
 */
static int xattr_fd(const struct p9_fid *fid)
{
	int fd = p9_fid_reopen(fid, O_RDONLY);

	return fd == -ELOOP || fd == -EPERM ? -EOPNOTSUPP : fd;
}

/* Txattrwalk: fid[4] newfid[4] name[s] -> Rxattrwalk size[8] */
int p9_op_xattrwalk(struct p9_server *srv, struct p9_reader *r,
		    struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r), newnum = p9_get_u32(r);
	cleanup_free char *name = NULL;
	cleanup_free uint8_t *buf = NULL;
	cleanup_close int fd = -1;
	struct p9_fid *fid, *newfid;
	struct p9_str s;
	ssize_t n;
	int err;

	p9_get_str(r, &s);
	if (r->bad)
		return -EPROTO;
	/* an empty name lists the names instead */
	if (s.len) {
		err = xattr_name_take(&s, &name);
		if (err)
			return err;
	}
	fid = p9_path_fid(srv, fidnum);
	if (!fid)
		return -EBADF;
	if (newnum == fidnum)
		return -EINVAL;
	if (p9_fid_lookup(&srv->fids, newnum))
		return -EEXIST;
	fd = xattr_fd(fid);
	if (fd == -EOPNOTSUPP)
		n = 0; /* no xattrs: an empty list, or ENODATA below */
	else if (fd < 0)
		return fd;
	else
		n = name ? fgetxattr(fd, name, NULL, 0)
			 : flistxattr(fd, NULL, 0);
	if (n < 0)
		return -errno;
	if (fd < 0 && name)
		return -ENODATA;
	if ((size_t)n > P9_XATTR_MAX)
		return -E2BIG;
	buf = malloc(n ? (size_t)n : 1);
	if (!buf)
		return -ENOMEM;
	if (n > 0) {
		/* ERANGE if it grew since: the client asks again */
		n = name ? fgetxattr(fd, name, buf, (size_t)n)
			 : flistxattr(fd, (char *)buf, (size_t)n);
		if (n < 0)
			return -errno;
	}
	err = p9_fid_add(&srv->fids, newnum, &newfid);
	if (err)
		return err;
	err = p9_fid_xattr_charge(&srv->fids, (size_t)n);
	if (err) {
		p9_fid_remove(&srv->fids, newfid);
		return err;
	}
	newfid->kind = P9_FID_XATTR_READ;
	newfid->uid = fid->uid;
	newfid->xattr_buf = steal_pointer(&buf);
	newfid->xattr_size = (size_t)n;
	p9_put_u64(w, (uint64_t)n);
	return 0;
}

/*
 * Txattrcreate: fid[4] name[s] attr_size[8] flags[4] -> Rxattrcreate.
 * The fid turns into an xattr fid; Twrites fill the value, Tclunk sets
 * it. Size 0 with XATTR_REPLACE is how v9fs removes an xattr.
 */
int p9_op_xattrcreate(struct p9_server *srv, struct p9_reader *r,
		      struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r), flags;
	cleanup_free char *name = NULL;
	struct p9_fid *fid;
	uint64_t size;
	struct p9_str s;
	uint8_t *buf;
	int err;

	(void)w;
	p9_get_str(r, &s);
	size = p9_get_u64(r);
	flags = p9_get_u32(r);
	if (r->bad)
		return -EPROTO;
	err = xattr_name_take(&s, &name);
	if (err)
		return err;
	/* guest: size <= XATTR_SIZE_MAX; flags only CREATE | REPLACE */
	if (size > P9_XATTR_MAX)
		return -E2BIG;
	if (flags & ~(uint32_t)(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	fid = p9_path_fid(srv, fidnum);
	if (!fid)
		return -EBADF;
	if (fid->open_fd >= 0)
		return -EBUSY;
	buf = calloc(1, size ? (size_t)size : 1);
	if (!buf)
		return -ENOMEM;
	err = p9_fid_xattr_charge(&srv->fids, (size_t)size);
	if (err) {
		free(buf);
		return err;
	}
	/* the path fid becomes an xattr fid; its fds stay for Tclunk */
	fid->kind = P9_FID_XATTR_WRITE;
	fid->xattr_name = steal_pointer(&name);
	fid->xattr_buf = buf;
	fid->xattr_size = (size_t)size;
	fid->xattr_filled = 0;
	fid->xattr_flags = (int)flags;
	return 0;
}

int p9_xattr_commit(struct p9_fid *fid)
{
	cleanup_close int fd = -1;

	/* guest: the whole promised value must have been written */
	if (fid->xattr_filled != fid->xattr_size)
		return -EINVAL;
	fd = xattr_fd(fid);
	if (fd < 0)
		return fd;
	if (fid->xattr_size == 0 && fid->xattr_flags == XATTR_REPLACE) {
		if (fremovexattr(fd, fid->xattr_name) < 0)
			return -errno;
		return 0;
	}
	if (fsetxattr(fd, fid->xattr_name, fid->xattr_buf, fid->xattr_size,
		      fid->xattr_flags) < 0)
		return -errno;
	return 0;
}
