/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the 9P server: the session state and the request handlers,
 * one per T-message, dispatched from server.c by message type.
 *
 * A handler parses every field of its request from r, checks r->bad
 * once (-EPROTO), acts, and writes the R-message body to w (the header
 * is added by the dispatcher). It returns 0, or -errno for an Rlerror.
 */
#ifndef COCOON_VMM_P9_OPS_H
#define COCOON_VMM_P9_OPS_H

#include "vmm/p9/codec.h"
#include "vmm/p9/fid.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

struct p9_server {
	int root_fd; /* O_PATH | O_DIRECTORY on the share root */
	struct stat root_st;
	bool read_only;
	bool versioned;	  /* a Tversion was accepted */
	uint32_t msize;	  /* negotiated; bounds every message */
	uint8_t *req;	  /* msize bytes: the request, gathered */
	uint8_t *rep;	  /* msize bytes: the reply, then scattered */
	uint8_t *scratch; /* msize bytes: getdents buffer */
	mode_t umask;	  /* the process umask, undone on created objects */
	struct p9_fid_table fids;
};

typedef int p9_handler(struct p9_server *srv, struct p9_reader *r,
		       struct p9_writer *w);

/* A name for one directory entry: 1..NAME_MAX bytes, no '/' or NUL. */
struct p9_name {
	char s[NAME_MAX + 1];
};

/*
 * Checks a directory entry name from the guest and copies it out:
 * -EINVAL for "", ".", "..", '/' or NUL inside; -ENAMETOOLONG beyond
 * NAME_MAX. allow_dots lets "." and ".." through (Twalk).
 */
int p9_name_take(const struct p9_str *s, struct p9_name *out, bool allow_dots);
void p9_qid_from_stat(const struct stat *st, struct p9_qid *qid);
/* A path fid (not an xattr fid) or NULL. */
struct p9_fid *p9_path_fid(struct p9_server *srv, uint32_t num);
/* Gives a new object uid (the fid's) and gid, and the guest's mode. */
void p9_own_new(struct p9_server *srv, int dirfd, const char *name,
		uint32_t uid, uint32_t gid, mode_t mode);
int p9_chmod_fd(int fd, mode_t mode);

/* server.c: session */
p9_handler p9_op_version, p9_op_attach, p9_op_walk, p9_op_clunk, p9_op_flush,
	p9_op_remove;
/* ops_file.c: I/O */
p9_handler p9_op_lopen, p9_op_lcreate, p9_op_read, p9_op_write, p9_op_readdir,
	p9_op_fsync, p9_op_lock, p9_op_getlock, p9_op_xattrwalk,
	p9_op_xattrcreate;
/* ops_node.c: metadata and the namespace */
p9_handler p9_op_getattr, p9_op_setattr, p9_op_statfs, p9_op_mkdir, p9_op_mknod,
	p9_op_symlink, p9_op_link, p9_op_readlink, p9_op_rename, p9_op_renameat,
	p9_op_unlinkat;

/* Commits (or drops) an xattr-write fid at Tclunk; 0 or -errno. */
int p9_xattr_commit(struct p9_fid *fid);

#endif
