// SPDX-License-Identifier: Apache-2.0
/*
 * The 9P2000.L server: one request in, one reply out. This file holds the
 * framing (size[4] type[1] tag[2], bounded by msize), the dispatch table
 * indexed by message type, and the session messages (Tversion, Tattach,
 * Twalk, Tclunk, Tflush, Tremove). File I/O is in ops_file.c, metadata
 * and namespace changes in ops_node.c.
 */
#include "vmm/p9/server.h"

#include "common/cleanup.h"
#include "common/log.h"
#include "vmm/p9/ops.h"
#include "vmm/p9/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

/* Until Tversion: enough for Tversion itself. */
#define P9_INITIAL_MSIZE 8192u
/* The smallest msize we agree to: a Twalk of 16 full names fits. */
#define P9_MIN_MSIZE 4096u

struct p9_op {
	p9_handler *handle;
	bool changes_share; /* refused with EROFS on a read-only share */
};

static const struct p9_op p9_ops[256] = {
	[P9_TSTATFS] = {p9_op_statfs, false},
	[P9_TLOPEN] = {p9_op_lopen, false}, /* checks its flags */
	[P9_TLCREATE] = {p9_op_lcreate, true},
	[P9_TSYMLINK] = {p9_op_symlink, true},
	[P9_TMKNOD] = {p9_op_mknod, true},
	[P9_TRENAME] = {p9_op_rename, true},
	[P9_TREADLINK] = {p9_op_readlink, false},
	[P9_TGETATTR] = {p9_op_getattr, false},
	[P9_TSETATTR] = {p9_op_setattr, true},
	[P9_TXATTRWALK] = {p9_op_xattrwalk, false},
	[P9_TXATTRCREATE] = {p9_op_xattrcreate, true},
	[P9_TREADDIR] = {p9_op_readdir, false},
	[P9_TFSYNC] = {p9_op_fsync, false},
	[P9_TLOCK] = {p9_op_lock, false},
	[P9_TGETLOCK] = {p9_op_getlock, false},
	[P9_TLINK] = {p9_op_link, true},
	[P9_TMKDIR] = {p9_op_mkdir, true},
	[P9_TRENAMEAT] = {p9_op_renameat, true},
	[P9_TUNLINKAT] = {p9_op_unlinkat, true},
	[P9_TVERSION] = {p9_op_version, false},
	[P9_TATTACH] = {p9_op_attach, false},
	[P9_TFLUSH] = {p9_op_flush, false},
	[P9_TWALK] = {p9_op_walk, false},
	[P9_TREAD] = {p9_op_read, false},
	[P9_TWRITE] = {p9_op_write, false}, /* only on fids opened for it */
	[P9_TCLUNK] = {p9_op_clunk, false},
	[P9_TREMOVE] = {p9_op_remove, false}, /* clunks even on EROFS */
};

static int server_buffers(struct p9_server *srv, uint32_t msize)
{
	uint8_t *req = malloc(msize), *rep = malloc(msize),
		*scratch = malloc(msize);

	if (!req || !rep || !scratch) {
		free(req);
		free(rep);
		free(scratch);
		return -ENOMEM;
	}
	free(srv->req);
	free(srv->rep);
	free(srv->scratch);
	srv->req = req;
	srv->rep = rep;
	srv->scratch = scratch;
	srv->msize = msize;
	return 0;
}

int p9_server_create(const char *root_dir, bool read_only,
		     struct p9_server **out)
{
	struct p9_server *srv = calloc(1, sizeof(*srv));
	int r;

	if (!srv)
		return -ENOMEM;
	srv->root_fd = open(root_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (srv->root_fd < 0) {
		r = -errno;
		log_error("9p: open share %s: %s", root_dir, strerror(-r));
		free(srv);
		return r;
	}
	r = fstat(srv->root_fd, &srv->root_st) < 0 ? -errno : 0;
	if (!r)
		r = server_buffers(srv, P9_INITIAL_MSIZE);
	if (r) {
		log_error("9p: set up share %s: %s", root_dir, strerror(-r));
		close(srv->root_fd);
		free(srv);
		return r;
	}
	srv->read_only = read_only;
	/* before any guest runs: the process umask, to undo on creation */
	srv->umask = umask(0);
	umask(srv->umask);
	p9_fid_table_init(&srv->fids);
	*out = srv;
	return 0;
}

void p9_server_reset(struct p9_server *srv)
{
	/* Closes every fd the old session held; until the next Tversion,
	 * requests are refused as before the first one. */
	p9_fid_table_clear(&srv->fids);
	srv->versioned = false;
}

void p9_server_destroy(struct p9_server *srv)
{
	if (!srv)
		return;
	p9_fid_table_clear(&srv->fids);
	close(srv->root_fd);
	free(srv->req);
	free(srv->rep);
	free(srv->scratch);
	free(srv);
}

static void reply_error(struct p9_writer *w, int err, uint16_t tag)
{
	w->pos = P9_HDR_SIZE;
	w->overflow = false;
	p9_put_u32(w, (uint32_t)err);
	p9_put_header(w, P9_RLERROR, tag);
}

ssize_t p9_server_handle(struct p9_server *srv, const struct iovec *in, int nin,
			 const struct iovec *out, int nout)
{
	ssize_t in_total = p9_iov_total(in, nin);
	ssize_t out_total = p9_iov_total(out, nout);
	uint8_t hdr[P9_HDR_SIZE], type;
	struct p9_reader r;
	struct p9_writer w;
	const struct p9_op *op;
	uint32_t size;
	uint16_t tag;
	int err;

	if (in_total < P9_HDR_SIZE)
		return -EPROTO;
	if (out_total < P9_HDR_SIZE + 4)
		return -EMSGSIZE;
	p9_iov_gather(in, nin, 0, hdr, sizeof(hdr));
	size = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 |
	       (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
	type = hdr[4];
	tag = (uint16_t)(hdr[5] | hdr[6] << 8);
	/* replies: never longer than msize nor than the guest's buffers */
	p9_writer_init(&w, srv->rep,
		       (size_t)out_total < srv->msize ? (size_t)out_total
						      : srv->msize);
	/* guest: 7 <= size <= msize and <= the bytes it actually gave */
	if (size < P9_HDR_SIZE || size > (size_t)in_total) {
		err = -EINVAL;
		goto fail;
	}
	if (size > srv->msize) {
		err = -EMSGSIZE;
		goto fail;
	}
	p9_iov_gather(in, nin, 0, srv->req, size);
	p9_reader_init(&r, srv->req, size);
	r.pos = P9_HDR_SIZE;
	w.pos = P9_HDR_SIZE;
	op = &p9_ops[type];
	if (!op->handle) {
		err = -EOPNOTSUPP;
		goto fail;
	}
	if (!srv->versioned && type != P9_TVERSION) {
		err = -EPROTO;
		goto fail;
	}
	if (srv->read_only && op->changes_share) {
		err = -EROFS;
		goto fail;
	}
	err = op->handle(srv, &r, &w);
	if (!err && w.overflow)
		err = -EMSGSIZE;
	if (err)
		goto fail;
	p9_put_header(&w, type + 1, tag);
	p9_iov_scatter(out, nout, w.buf, w.pos);
	return (ssize_t)w.pos;
fail:
	if (log_get_level() >= LOG_DEBUG)
		log_debug("9p: T%u tag %u: %s", type, tag, strerror(-err));
	p9_writer_init(&w, srv->rep, P9_HDR_SIZE + 4);
	reply_error(&w, -err, tag);
	p9_iov_scatter(out, nout, w.buf, w.pos);
	return (ssize_t)w.pos;
}

int p9_name_take(const struct p9_str *s, struct p9_name *out, bool allow_dots)
{
	if (s->len == 0)
		return -EINVAL;
	if (s->len > NAME_MAX)
		return -ENAMETOOLONG;
	if (memchr(s->p, '/', s->len) || memchr(s->p, '\0', s->len))
		return -EINVAL;
	memcpy(out->s, s->p, s->len);
	out->s[s->len] = '\0';
	if (!allow_dots && (!strcmp(out->s, ".") || !strcmp(out->s, "..")))
		return -EINVAL;
	return 0;
}

void p9_qid_from_stat(const struct stat *st, struct p9_qid *qid)
{
	if (S_ISDIR(st->st_mode))
		qid->type = P9_QTDIR;
	else if (S_ISLNK(st->st_mode))
		qid->type = P9_QTSYMLINK;
	else
		qid->type = P9_QTFILE;
	qid->version = 0;
	/* submounts inside a share could repeat inode numbers */
	qid->path = (uint64_t)st->st_ino ^ ((uint64_t)st->st_dev << 48);
}

struct p9_fid *p9_path_fid(struct p9_server *srv, uint32_t num)
{
	struct p9_fid *fid = p9_fid_lookup(&srv->fids, num);

	return fid && fid->kind == P9_FID_PATH ? fid : NULL;
}

int p9_chmod_fd(int fd, mode_t mode)
{
	cleanup_close int rfd = -1;
	struct stat st;

	if (syscall(SYS_fchmodat2, fd, "", mode, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return -errno;
	/*
	 * Kernels before 6.6 have no fchmodat2: chmod a directory through
	 * "." and a regular file through its magic link in /proc, which
	 * names the very inode fd holds (no path is looked up again, so no
	 * swapped name can redirect it); the reopened fd is checked to be
	 * that inode all the same. Other types are never opened.
	 */
	if (p9_fd_stat(fd, &st) < 0)
		return -EOPNOTSUPP;
	if (S_ISDIR(st.st_mode)) {
		rfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else if (S_ISREG(st.st_mode)) {
		char path[64];
		struct stat rst;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		rfd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
		if (rfd >= 0 &&
		    (fstat(rfd, &rst) < 0 || rst.st_ino != st.st_ino ||
		     rst.st_dev != st.st_dev))
			return -ESTALE;
	} else {
		return -EOPNOTSUPP;
	}
	if (rfd < 0 || fchmod(rfd, mode) < 0)
		return -errno;
	return 0;
}

void p9_own_new(struct p9_server *srv, int dirfd, const char *name,
		uint32_t uid, uint32_t gid, mode_t mode)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	cleanup_close int fd = -1;
	struct stat st;

	fd = (int)syscall(SYS_openat2, dirfd, name, &how, sizeof(how));
	if (fd < 0)
		return;
	/*
	 * Ownership as a local fs would give it: the creating guest user
	 * (n_uname of the attach) and the group the guest asked for. Only
	 * root may give files away; otherwise they stay ours.
	 */
	if (geteuid() == 0 &&
	    fchownat(fd, "", uid == P9_NONUNAME ? (uid_t)-1 : uid, gid,
		     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		log_debug("9p: chown new object: %s", strerror(errno));
	/* the guest applied its umask already; undo ours */
	if ((mode & srv->umask) && p9_fd_stat(fd, &st) == 0 &&
	    !S_ISLNK(st.st_mode))
		(void)p9_chmod_fd(fd, mode & 07777);
}

/* Tversion: msize[4] version[s] -> Rversion msize[4] version[s] */
int p9_op_version(struct p9_server *srv, struct p9_reader *r,
		  struct p9_writer *w)
{
	uint32_t msize = p9_get_u32(r);
	struct p9_str version;
	int err;

	p9_get_str(r, &version);
	if (r->bad)
		return -EPROTO;
	/* a new session: every fid of the old one is gone */
	p9_fid_table_clear(&srv->fids);
	srv->versioned = false;
	if (msize > P9_SERVER_MAX_MSIZE)
		msize = P9_SERVER_MAX_MSIZE;
	if (msize < P9_MIN_MSIZE)
		return -EINVAL;
	/* "9P2000.L", optionally followed by ".anything" (version(5)) */
	if (version.len < 8 || memcmp(version.p, "9P2000.L", 8) ||
	    (version.len > 8 && version.p[8] != '.')) {
		p9_put_u32(w, msize);
		p9_put_cstr(w, "unknown");
		return 0;
	}
	if (msize != srv->msize) {
		/* the reply moves to the new buffer */
		size_t cap = w->cap < msize ? w->cap : msize;

		err = server_buffers(srv, msize);
		if (err)
			return err;
		p9_writer_init(w, srv->rep, cap);
		w->pos = P9_HDR_SIZE;
	}
	srv->versioned = true;
	p9_put_u32(w, msize);
	p9_put_cstr(w, "9P2000.L");
	return 0;
}

/* Tattach: fid[4] afid[4] uname[s] aname[s] n_uname[4] -> Rattach qid */
int p9_op_attach(struct p9_server *srv, struct p9_reader *r,
		 struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r), afid = p9_get_u32(r), uid;
	struct p9_str uname, aname;
	struct p9_fid *fid;
	struct p9_qid qid;
	int fd, err;

	p9_get_str(r, &uname);
	p9_get_str(r, &aname);
	uid = p9_get_u32(r);
	if (r->bad)
		return -EPROTO;
	/* no Tauth: the share is the pod's; aname is ignored */
	if (afid != P9_NOFID)
		return -EINVAL;
	fd = fcntl(srv->root_fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = p9_fid_add(&srv->fids, fidnum, &fid);
	if (err) {
		close(fd);
		return err;
	}
	fid->fd = fd;
	fid->uid = uid;
	p9_qid_from_stat(&srv->root_st, &qid);
	p9_put_qid(w, &qid);
	return 0;
}

/* One walk position: all three owned. */
struct walk_pos {
	int fd;
	int parent_fd;
	char *name;
};

static void walk_pos_free(struct walk_pos *p)
{
	if (p->fd >= 0)
		close(p->fd);
	if (p->parent_fd >= 0)
		close(p->parent_fd);
	free(p->name);
	p->fd = p->parent_fd = -1;
	p->name = NULL;
}

static int walk_pos_dup(const struct p9_fid *fid, struct walk_pos *p)
{
	p->fd = fcntl(fid->fd, F_DUPFD_CLOEXEC, 0);
	p->parent_fd = fid->parent_fd >= 0
			       ? fcntl(fid->parent_fd, F_DUPFD_CLOEXEC, 0)
			       : -1;
	p->name = fid->name ? strdup(fid->name) : NULL;
	if (p->fd < 0 || (fid->parent_fd >= 0 && p->parent_fd < 0) ||
	    (fid->name && !p->name)) {
		walk_pos_free(p);
		return -EMFILE;
	}
	return 0;
}

/* One step from p by name; p is replaced on success. */
static int walk_step(struct p9_server *srv, struct walk_pos *p,
		     const char *name, struct stat *st)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		/* no symlink is followed; nothing above p->fd is reached */
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS,
	};
	struct walk_pos next = {-1, -1, NULL};
	int err;

	err = p9_fd_stat(p->fd, st);
	if (err)
		return err;
	if (!S_ISDIR(st->st_mode))
		return -ENOTDIR;
	if (!strcmp(name, "."))
		return 0;
	if (!strcmp(name, "..")) {
		/* the share root is its own parent */
		if (p9_stat_same(st, &srv->root_st))
			return 0;
		/*
		 * Any other directory a fid reaches lies beneath the root,
		 * and the guest can only rename within the share, so its
		 * parent does too. The name it has there is not known.
		 */
		next.fd = openat(p->fd, "..",
				 O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next.fd < 0)
			return -errno;
	} else {
		next.fd = (int)syscall(SYS_openat2, p->fd, name, &how,
				       sizeof(how));
		if (next.fd < 0)
			return -errno;
		next.name = strdup(name);
		if (!next.name) {
			walk_pos_free(&next);
			return -ENOMEM;
		}
		next.parent_fd = steal_fd(&p->fd);
	}
	err = p9_fd_stat(next.fd, st);
	if (err) {
		walk_pos_free(&next);
		return err;
	}
	walk_pos_free(p);
	*p = next;
	return 0;
}

/* Twalk: fid[4] newfid[4] nwname[2] nwname*(wname[s]) -> nwqid[2] qids */
int p9_op_walk(struct p9_server *srv, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r), newnum = p9_get_u32(r);
	uint16_t nwname = p9_get_u16(r), i;
	struct p9_name names[P9_MAXWELEM];
	struct p9_qid qids[P9_MAXWELEM];
	struct walk_pos pos = {-1, -1, NULL};
	struct p9_fid *fid, *newfid;
	struct stat st;
	int err = 0;

	if (r->bad)
		return -EPROTO;
	/* guest: at most 16 names per Twalk (9P2000 walk(5)) */
	if (nwname > P9_MAXWELEM)
		return -EINVAL;
	for (i = 0; i < nwname; i++) {
		struct p9_str s;

		p9_get_str(r, &s);
		if (r->bad)
			return -EPROTO;
		err = p9_name_take(&s, &names[i], true);
		if (err)
			return err;
	}
	fid = p9_path_fid(srv, fidnum);
	if (!fid)
		return -EBADF;
	if (newnum != fidnum && p9_fid_lookup(&srv->fids, newnum))
		return -EEXIST;
	if (newnum == fidnum && nwname == 0) {
		p9_put_u16(w, 0); /* walking nowhere onto itself */
		return 0;
	}
	if (newnum == fidnum && fid->open_fd >= 0)
		return -EBUSY;
	err = walk_pos_dup(fid, &pos);
	if (err)
		return err;
	for (i = 0; i < nwname; i++) {
		err = walk_step(srv, &pos, names[i].s, &st);
		if (err)
			break;
		p9_qid_from_stat(&st, &qids[i]);
	}
	if (i < nwname) {
		walk_pos_free(&pos);
		if (i == 0)
			return err;
		/* a partial walk: the qids walked, and no newfid */
		p9_put_u16(w, i);
		for (nwname = 0; nwname < i; nwname++)
			p9_put_qid(w, &qids[nwname]);
		return 0;
	}
	if (newnum == fidnum) {
		newfid = fid;
		p9_fid_release(newfid);
	} else {
		err = p9_fid_add(&srv->fids, newnum, &newfid);
		if (err) {
			walk_pos_free(&pos);
			return err;
		}
		newfid->uid = fid->uid;
	}
	newfid->fd = pos.fd;
	newfid->parent_fd = pos.parent_fd;
	newfid->name = pos.name;
	p9_put_u16(w, nwname);
	for (i = 0; i < nwname; i++)
		p9_put_qid(w, &qids[i]);
	return 0;
}

/* Tclunk: fid[4] -> Rclunk */
int p9_op_clunk(struct p9_server *srv, struct p9_reader *r, struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r);
	struct p9_fid *fid;
	int err = 0;

	(void)w;
	if (r->bad)
		return -EPROTO;
	fid = p9_fid_lookup(&srv->fids, fidnum);
	if (!fid)
		return -EBADF;
	if (fid->kind == P9_FID_XATTR_WRITE)
		err = p9_xattr_commit(fid);
	p9_fid_remove(&srv->fids, fid);
	return err;
}

/* Tflush: oldtag[2] -> Rflush. Requests finish before the next one. */
int p9_op_flush(struct p9_server *srv, struct p9_reader *r, struct p9_writer *w)
{
	(void)srv;
	(void)w;
	(void)p9_get_u16(r);
	return r->bad ? -EPROTO : 0;
}

/* Tremove: fid[4] -> Rremove; the fid is clunked whatever happens. */
int p9_op_remove(struct p9_server *srv, struct p9_reader *r,
		 struct p9_writer *w)
{
	uint32_t fidnum = p9_get_u32(r);
	struct p9_fid *fid;
	struct stat want, got;
	int err;

	(void)w;
	if (r->bad)
		return -EPROTO;
	fid = p9_fid_lookup(&srv->fids, fidnum);
	if (!fid)
		return -EBADF;
	if (srv->read_only)
		err = -EROFS;
	else if (fid->kind != P9_FID_PATH)
		err = -EINVAL;
	else if (fid->parent_fd < 0)
		err = -EBUSY; /* the root, or reached by ".." */
	else if ((err = p9_fd_stat(fid->fd, &want)) == 0 &&
		 (err = fstatat(fid->parent_fd, fid->name, &got,
				AT_SYMLINK_NOFOLLOW) < 0
				? -errno
				: 0) == 0) {
		/* remove the object the fid names, not what replaced it */
		if (!p9_stat_same(&want, &got))
			err = -ESTALE;
		else if (unlinkat(fid->parent_fd, fid->name,
				  S_ISDIR(want.st_mode) ? AT_REMOVEDIR : 0) < 0)
			err = -errno;
	}
	p9_fid_remove(&srv->fids, fid);
	return err;
}
