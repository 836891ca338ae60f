/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fid table of one 9P session, and what a fid holds.
 *
 * A path fid holds an O_PATH | O_NOFOLLOW fd on its object (bound to the
 * inode, not to a name), plus the O_PATH fd of the directory it was
 * walked from and its name there: re-opening a regular file for I/O goes
 * through openat2(parent, name, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)
 * and is then checked to be the same inode, so a name swapped for a
 * symlink or another file is refused, never followed. Directories are
 * re-opened with openat(fd, ".").
 */
#ifndef COCOON_VMM_P9_FID_H
#define COCOON_VMM_P9_FID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Fids per session; one more Tattach/Twalk/Txattrwalk gets ENFILE. */
#define P9_MAX_FIDS    (64u * 1024u)
#define P9_FID_BUCKETS 4096u
/* Linux's XATTR_SIZE_MAX: the largest xattr value or list we move. */
#define P9_XATTR_MAX 65536u
/* xattr buffers held by all fids of a session: beyond, ENOMEM. */
#define P9_XATTR_TOTAL_MAX (16u << 20)

enum p9_fid_kind {
	P9_FID_PATH,
	P9_FID_XATTR_READ,  /* Txattrwalk: value (or name list) in xattr */
	P9_FID_XATTR_WRITE, /* Txattrcreate: value collected until Tclunk */
};

struct p9_fid {
	struct p9_fid *next; /* hash chain */
	uint32_t num;
	enum p9_fid_kind kind;
	uint32_t uid; /* n_uname of the Tattach it descends from */
	int fd;	      /* O_PATH | O_NOFOLLOW on the object; -1 for xattr read */
	int parent_fd; /* O_PATH of its directory, -1 at the root or after .. */
	char *name;    /* its name in parent_fd, NULL when parent_fd is -1 */
	int open_fd;   /* Tlopen/Tlcreate: the fd for I/O, else -1 */
	int open_flags; /* host O_* of open_fd */
	/* xattr fids */
	char *xattr_name;
	uint8_t *xattr_buf;
	size_t xattr_size;   /* value size (read: available, write: promised) */
	size_t xattr_filled; /* write: highest byte written */
	int xattr_flags;
};

struct p9_fid_table {
	struct p9_fid *bucket[P9_FID_BUCKETS];
	size_t count;
	size_t max;	    /* P9_MAX_FIDS; tests lower it */
	size_t xattr_bytes; /* sum of xattr_size over xattr fids */
};

void p9_fid_table_init(struct p9_fid_table *t);
/* Frees every fid (Tversion, destroy). */
void p9_fid_table_clear(struct p9_fid_table *t);
struct p9_fid *p9_fid_lookup(struct p9_fid_table *t, uint32_t num);
/*
 * Adds an empty fid (all fds -1): -EEXIST if num is in use, -ENFILE when
 * the table is full, -EBADF for NOFID.
 */
int p9_fid_add(struct p9_fid_table *t, uint32_t num, struct p9_fid **out);
/*
 * Accounts n more bytes of xattr buffer to the session: -ENOMEM beyond
 * P9_XATTR_TOTAL_MAX (64K fids of 64 KiB each would be 4 GiB).
 */
int p9_fid_xattr_charge(struct p9_fid_table *t, size_t n);
/* Unlinks and frees a fid, closing its fds. */
void p9_fid_remove(struct p9_fid_table *t, struct p9_fid *fid);
/* Closes the fds and frees the strings and buffers of a fid. */
void p9_fid_release(struct p9_fid *fid);

/*
 * After renameat(olddir, oldname, newdir, newname): fids that were named
 * oldname in olddir now live at newname in newdir.
 */
void p9_fid_table_renamed(struct p9_fid_table *t, const struct stat *olddir,
			  const char *oldname, int newdir_fd,
			  const char *newname);

/* lstat of an O_PATH fd. Returns 0 or -errno. */
int p9_fd_stat(int fd, struct stat *st);
bool p9_stat_same(const struct stat *a, const struct stat *b);

/*
 * Opens a path fid's object for I/O with host flags (O_NOFOLLOW and
 * O_CLOEXEC added): directories through ".", regular files through the
 * parent and name, checked to be the same inode. Anything else (devices,
 * fifos, sockets, symlinks) is refused: the guest kernel serves those
 * itself and opening them on the host could block or reach a host
 * device. Returns the fd or -errno.
 */
int p9_fid_reopen(const struct p9_fid *fid, int flags);

#endif
