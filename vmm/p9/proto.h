/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 9P2000.L wire constants: message types, qid types, open and setattr
 * flags, getattr masks, lock types. Values are those of the protocol as
 * Linux's v9fs sends them (include/net/9p/9p.h, fs/9p/vfs_inode_dotl.c).
 */
#ifndef COCOON_VMM_P9_PROTO_H
#define COCOON_VMM_P9_PROTO_H

enum p9_msg_type {
	P9_TLERROR = 6,
	P9_RLERROR = 7,
	P9_TSTATFS = 8,
	P9_TLOPEN = 12,
	P9_TLCREATE = 14,
	P9_TSYMLINK = 16,
	P9_TMKNOD = 18,
	P9_TRENAME = 20,
	P9_TREADLINK = 22,
	P9_TGETATTR = 24,
	P9_TSETATTR = 26,
	P9_TXATTRWALK = 30,
	P9_TXATTRCREATE = 32,
	P9_TREADDIR = 40,
	P9_TFSYNC = 50,
	P9_TLOCK = 52,
	P9_TGETLOCK = 54,
	P9_TLINK = 70,
	P9_TMKDIR = 72,
	P9_TRENAMEAT = 74,
	P9_TUNLINKAT = 76,
	P9_TVERSION = 100,
	P9_TAUTH = 102,
	P9_TATTACH = 104,
	P9_TFLUSH = 108,
	P9_TWALK = 110,
	P9_TREAD = 116,
	P9_TWRITE = 118,
	P9_TCLUNK = 120,
	P9_TREMOVE = 122,
};

/* size[4] type[1] tag[2] */
#define P9_HDR_SIZE 7
#define P9_NOTAG    0xffffu
#define P9_NOFID    0xffffffffu
#define P9_NONUNAME 0xffffffffu
#define P9_MAXWELEM 16
#define P9_QID_SIZE 13

#define P9_QTDIR     0x80
#define P9_QTSYMLINK 0x02
#define P9_QTFILE    0x00

/* Tlopen / Tlcreate flags: the Linux generic O_* values. */
#define P9_DOTL_ACCMODE	  00000003
#define P9_DOTL_NOACCESS  00000003
#define P9_DOTL_CREATE	  00000100
#define P9_DOTL_EXCL	  00000200
#define P9_DOTL_TRUNC	  00001000
#define P9_DOTL_APPEND	  00002000
#define P9_DOTL_NONBLOCK  00004000
#define P9_DOTL_DSYNC	  00010000
#define P9_DOTL_DIRECTORY 00200000
#define P9_DOTL_SYNC	  04000000

#define P9_DOTL_AT_REMOVEDIR 0x200

/* Tgetattr request_mask / Rgetattr valid */
#define P9_STATS_BASIC 0x000007ffull
#define P9_STATS_BTIME 0x00000800ull

/* Tsetattr valid */
#define P9_ATTR_MODE	  (1u << 0)
#define P9_ATTR_UID	  (1u << 1)
#define P9_ATTR_GID	  (1u << 2)
#define P9_ATTR_SIZE	  (1u << 3)
#define P9_ATTR_ATIME	  (1u << 4)
#define P9_ATTR_MTIME	  (1u << 5)
#define P9_ATTR_CTIME	  (1u << 6)
#define P9_ATTR_ATIME_SET (1u << 7)
#define P9_ATTR_MTIME_SET (1u << 8)

#define P9_LOCK_TYPE_RDLCK 0
#define P9_LOCK_TYPE_WRLCK 1
#define P9_LOCK_TYPE_UNLCK 2
#define P9_LOCK_SUCCESS	   0
#define P9_LOCK_BLOCKED	   1
#define P9_LOCK_ERROR	   2

/* Rread / Rreaddir: size[4] type[1] tag[2] count[4] */
#define P9_IOHDR_SIZE 11

#endif
