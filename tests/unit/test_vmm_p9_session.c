// SPDX-License-Identifier: Apache-2.0
/*
 * The p9 server in a whole session against a temp dir, as v9fs drives it:
 * version, attach, walk, open, read, write, readdir, create, mkdir,
 * rename, unlink, symlink, readlink, link, getattr, setattr, statfs,
 * xattrs, locks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/log.h"
#include "tests/unit/test_vmm_p9_client.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

struct fixture {
	struct p9t_share share;
	struct p9_server *srv;
	struct p9c c;
	int fds_before;
};

/* Open fds of this process, to catch fds a session leaves behind. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n++;
	closedir(d);
	return n;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	log_set_level(LOG_SILENT);
	f->fds_before = count_fds();
	umask(022); /* the server undoes the umask it starts with */
	assert_int_equal(p9t_share_make(&f->share), 0);
	assert_int_equal(p9_server_create(f->share.share, false, &f->srv), 0);
	p9c_init(&f->c, f->srv);
	assert_int_equal(p9c_version(&f->c, 65536), 0);
	assert_int_equal(p9c_attach(&f->c, 0), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	p9c_fini(&f->c);
	p9_server_destroy(f->srv);
	/* every fid's fds closed, open or not */
	assert_int_equal(count_fds(), f->fds_before);
	p9t_share_remove(&f->share);
	free(f);
	return 0;
}

static void test_version(void **state)
{
	struct fixture *f = *state;
	struct p9_str v;

	assert_int_equal(
		p9c_rpc(&f->c, P9_TVERSION, "ds", 1u << 30, "9P2000.L"),
		P9_TVERSION + 1);
	assert_int_equal(p9_get_u32(&f->c.r), P9_SERVER_MAX_MSIZE);
	p9_get_str(&f->c.r, &v);
	assert_int_equal(v.len, 8);
	assert_memory_equal(v.p, "9P2000.L", 8);
	/* the new session dropped fid 0 */
	assert_int_equal(p9c_clunk(&f->c, 0), -EBADF);

	assert_int_equal(p9c_rpc(&f->c, P9_TVERSION, "ds", 8192u, "9P2000.u"),
			 P9_TVERSION + 1);
	assert_int_equal(p9_get_u32(&f->c.r), 8192);
	p9_get_str(&f->c.r, &v);
	assert_int_equal(v.len, 7);
	assert_memory_equal(v.p, "unknown", 7);
	/* no session after "unknown" */
	assert_int_equal(p9c_attach(&f->c, 0), -EPROTO);
	assert_int_equal(p9c_rpc(&f->c, P9_TVERSION, "ds", 100u, "9P2000.L"),
			 -EINVAL);
	assert_int_equal(p9c_version(&f->c, 8192), 0);
	assert_int_equal(p9c_attach(&f->c, 0), 0);
	/* a fid in use cannot be attached again; afid must be NOFID */
	assert_int_equal(p9c_attach(&f->c, 0), -EEXIST);
	assert_int_equal(
		p9c_rpc(&f->c, P9_TATTACH, "ddssd", 5u, 1u, "u", "", 0u),
		-EINVAL);
}

static void test_reset(void **state)
{
	struct fixture *f = *state;
	const char *names[] = {"dir", "inner"};
	int fds;

	assert_int_equal(p9c_walk(&f->c, 0, 1, 2, names), 2);
	assert_int_equal(p9c_lopen(&f->c, 1, 0), 0);
	fds = count_fds();
	/* a device reset closes every fid's fds at once */
	p9_server_reset(f->srv);
	assert_true(count_fds() <= fds - 2);
	/* and the next session must start with Tversion */
	assert_int_equal(p9c_attach(&f->c, 0), -EPROTO);
	assert_int_equal(p9c_version(&f->c, 65536), 0);
	assert_int_equal(p9c_clunk(&f->c, 1), -EBADF);
	assert_int_equal(p9c_attach(&f->c, 0), 0);
}

static void test_walk_open_read(void **state)
{
	struct fixture *f = *state;
	const char *names[] = {"dir", "inner"};
	char buf[64];

	assert_int_equal(p9c_walk(&f->c, 0, 1, 2, names), 2);
	assert_int_equal(p9c_lopen(&f->c, 1, 0), 0);
	assert_int_equal(p9c_read(&f->c, 1, 0, sizeof(buf), buf), 6);
	assert_memory_equal(buf, "inner\n", 6);
	assert_int_equal(p9c_read(&f->c, 1, 2, 2, buf), 2);
	assert_memory_equal(buf, "ne", 2);
	assert_int_equal(p9c_read(&f->c, 1, 100, 10, buf), 0);
	/* opened read-only: no writes, and no second open */
	assert_int_equal(p9c_write(&f->c, 1, 0, "x", 1), -EBADF);
	assert_int_equal(p9c_lopen(&f->c, 1, 0), -EBUSY);
	assert_int_equal(p9c_clunk(&f->c, 1), 0);
	assert_int_equal(p9c_clunk(&f->c, 1), -EBADF);
	/* a partial walk answers the qids it got and makes no fid */
	{
		const char *bad[] = {"dir", "nope", "x"};

		assert_int_equal(p9c_walk(&f->c, 0, 2, 3, bad), 1);
		assert_int_equal(p9c_clunk(&f->c, 2), -EBADF);
		assert_int_equal(p9c_walk(&f->c, 0, 2, 1, &bad[1]), -ENOENT);
	}
	/* walking through a file */
	{
		const char *thru[] = {"hello", "x"};

		assert_int_equal(p9c_walk(&f->c, 0, 2, 2, thru), 1);
	}
	/* clone, then walk in place */
	assert_int_equal(p9c_walk(&f->c, 0, 3, 0, NULL), 0);
	assert_int_equal(p9c_walk1(&f->c, 3, 3, "dir"), 1);
	assert_int_equal(p9c_lopen(&f->c, 3, 1), -EISDIR);
	assert_int_equal(p9c_lopen(&f->c, 3, 0), 0);
	assert_int_equal(p9c_read(&f->c, 3, 0, 10, buf), -EISDIR);
	/* a walk of nothing onto itself leaves an open fid open */
	assert_int_equal(p9c_walk(&f->c, 3, 3, 0, NULL), 0);
	assert_int_equal(
		p9c_rpc(&f->c, P9_TREADDIR, "dqd", 3u, (uint64_t)0, 4096u),
		P9_TREADDIR + 1);
	assert_int_equal(p9c_walk1(&f->c, 3, 3, "inner"), -EBUSY);
}

/* Collects the names of one Rreaddir; returns the last offset. */
static uint64_t readdir_names(struct p9c *c, char *names, size_t size,
			      int *count)
{
	uint32_t n = p9_get_u32(&c->r);
	struct p9_reader r;
	uint64_t off = 0;

	p9_reader_init(&r, p9_get_bytes(&c->r, n), n);
	while (p9_reader_left(&r)) {
		struct p9_str s;

		(void)p9_get_bytes(&r, P9_QID_SIZE);
		off = p9_get_u64(&r);
		(void)p9_get_u8(&r);
		p9_get_str(&r, &s);
		assert_false(r.bad);
		strncat(names, "/", size - strlen(names) - 1);
		strncat(names, s.p,
			s.len < size - strlen(names) - 1
				? s.len
				: size - strlen(names) - 1);
		(*count)++;
	}
	return off;
}

static void test_readdir(void **state)
{
	struct fixture *f = *state;
	char names[1024] = "";
	uint64_t off = 0;
	int count = 0, rounds = 0, before;

	assert_int_equal(p9c_walk(&f->c, 0, 1, 0, NULL), 0);
	assert_int_equal(p9c_lopen(&f->c, 1, 0), 0);
	/* a small count forces several rounds, continued by cookie */
	do {
		assert_int_equal(
			p9c_rpc(&f->c, P9_TREADDIR, "dqd", 1u, off, 40u),
			P9_TREADDIR + 1);
		before = count;
		off = readdir_names(&f->c, names, sizeof(names), &count);
		rounds++;
	} while (count > before && rounds < 100);
	assert_int_equal(count, 7); /* . .. hello dir to-root up etc */
	assert_true(rounds > 2);
	assert_non_null(strstr(names, "/hello"));
	assert_non_null(strstr(names, "/dir"));
	assert_non_null(strstr(names, "/up"));
	/* not open: EBADF */
	assert_int_equal(
		p9c_rpc(&f->c, P9_TREADDIR, "dqd", 0u, (uint64_t)0, 4096u),
		-EBADF);
}

static void test_create_write(void **state)
{
	struct fixture *f = *state;
	char buf[64], path[256];
	struct stat st;

	assert_int_equal(p9c_walk(&f->c, 0, 1, 0, NULL), 0);
	assert_int_equal(p9c_lcreate(&f->c, 1, "new", 2, 0640), 0);
	assert_int_equal(p9c_write(&f->c, 1, 0, "abcdef", 6), 6);
	assert_int_equal(p9c_write(&f->c, 1, 3, "XY", 2), 2);
	assert_int_equal(p9c_read(&f->c, 1, 0, 64, buf), 6);
	assert_memory_equal(buf, "abcXYf", 6);
	assert_int_equal(p9c_rpc(&f->c, P9_TFSYNC, "dd", 1u, 0u),
			 P9_TFSYNC + 1);
	assert_int_equal(p9c_clunk(&f->c, 1), 0);
	assert_string_equal(
		p9t_slurp(p9t_path(&f->share, "share/new", path, sizeof(path)),
			  buf, sizeof(buf)),
		"abcXYf");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* the guest's mode, not narrowed by the VMM's umask */
	{
		assert_int_equal(p9c_walk(&f->c, 0, 3, 0, NULL), 0);
		assert_int_equal(p9c_lcreate(&f->c, 3, "wide", 0, 0666), 0);
		assert_int_equal(
			p9c_rpc(&f->c, P9_TMKDIR, "dsdd", 0u, "wd", 0777u, 0u),
			P9_TMKDIR + 1);
		assert_int_equal(stat(p9t_path(&f->share, "share/wide", path,
					       sizeof(path)),
				      &st),
				 0);
		assert_int_equal(st.st_mode & 07777, 0666);
		assert_int_equal(stat(p9t_path(&f->share, "share/wd", path,
					       sizeof(path)),
				      &st),
				 0);
		assert_int_equal(st.st_mode & 07777, 0777);
		p9t_path(&f->share, "share/new", path, sizeof(path));
	}
	/* it exists now */
	assert_int_equal(p9c_walk(&f->c, 0, 1, 0, NULL), 0);
	assert_int_equal(p9c_lcreate(&f->c, 1, "new", 2, 0640), -EEXIST);
	/* O_TRUNC on open */
	assert_int_equal(p9c_walk1(&f->c, 0, 2, "new"), 1);
	assert_int_equal(p9c_lopen(&f->c, 2, 01001), 0);
	assert_int_equal(p9c_clunk(&f->c, 2), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
}

static void test_namespace(void **state)
{
	struct fixture *f = *state;
	char path[256], buf[256];
	struct stat st, st2;
	struct p9_str s;

	/* mkdir, and a file in it */
	assert_int_equal(
		p9c_rpc(&f->c, P9_TMKDIR, "dsdd", 0u, "sub", 0750u, 0u),
		P9_TMKDIR + 1);
	assert_int_equal(p9_get_u8(&f->c.r), P9_QTDIR);
	assert_int_equal(
		stat(p9t_path(&f->share, "share/sub", path, sizeof(path)), &st),
		0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(p9c_walk1(&f->c, 0, 1, "sub"), 1);
	assert_int_equal(p9c_walk1(&f->c, 0, 9, "hello"), 1);

	/* symlink + readlink */
	assert_int_equal(
		p9c_rpc(&f->c, P9_TSYMLINK, "dssd", 1u, "ln", "../hello", 0u),
		P9_TSYMLINK + 1);
	assert_int_equal(p9_get_u8(&f->c.r), P9_QTSYMLINK);
	assert_int_equal(p9c_walk1(&f->c, 1, 2, "ln"), 1);
	assert_int_equal(p9c_rpc(&f->c, P9_TREADLINK, "d", 2u),
			 P9_TREADLINK + 1);
	p9_get_str(&f->c.r, &s);
	assert_int_equal(s.len, 8);
	assert_memory_equal(s.p, "../hello", 8);
	assert_int_equal(p9c_rpc(&f->c, P9_TREADLINK, "d", 9u), -EINVAL);
	assert_int_equal(p9c_lopen(&f->c, 2, 0), -ELOOP);

	/* hard link of hello into sub */
	assert_int_equal(p9c_rpc(&f->c, P9_TLINK, "dds", 1u, 9u, "hl"),
			 P9_TLINK + 1);
	assert_int_equal(
		stat(p9t_path(&f->share, "share/sub/hl", path, sizeof(path)),
		     &st),
		0);
	assert_int_equal(
		stat(p9t_path(&f->share, "share/hello", buf, sizeof(buf)),
		     &st2),
		0);
	assert_int_equal(st.st_ino, st2.st_ino);
	/* directories cannot be hard linked */
	assert_int_equal(p9c_rpc(&f->c, P9_TLINK, "dds", 0u, 1u, "dl"), -EPERM);

	/* renameat, then the fid follows the file */
	assert_int_equal(
		p9c_rpc(&f->c, P9_TRENAMEAT, "dsds", 0u, "hello", 1u, "moved"),
		P9_TRENAMEAT + 1);
	assert_int_equal(p9c_lopen(&f->c, 9, 0), 0);
	assert_int_equal(p9c_read(&f->c, 9, 0, 64, buf), 12);
	assert_memory_equal(buf, "hello world\n", 12);
	/* Trename moves a fid's file back */
	assert_int_equal(p9c_walk1(&f->c, 1, 3, "moved"), 1);
	assert_int_equal(p9c_rpc(&f->c, P9_TRENAME, "dds", 3u, 0u, "back"),
			 P9_TRENAME + 1);
	assert_int_equal(
		stat(p9t_path(&f->share, "share/back", path, sizeof(path)),
		     &st),
		0);
	assert_int_equal(p9c_lopen(&f->c, 3, 0), 0);

	/* unlinkat: files, then an empty directory */
	assert_int_equal(p9c_rpc(&f->c, P9_TUNLINKAT, "dsd", 1u, "hl", 0u),
			 P9_TUNLINKAT + 1);
	assert_int_equal(p9c_rpc(&f->c, P9_TUNLINKAT, "dsd", 1u, "ln", 0u),
			 P9_TUNLINKAT + 1);
	assert_int_equal(p9c_rpc(&f->c, P9_TUNLINKAT, "dsd", 0u, "sub", 0u),
			 -EISDIR);
	assert_int_equal(p9c_rpc(&f->c, P9_TUNLINKAT, "dsd", 0u, "sub",
				 (uint32_t)P9_DOTL_AT_REMOVEDIR),
			 P9_TUNLINKAT + 1);
	assert_int_equal(
		stat(p9t_path(&f->share, "share/sub", path, sizeof(path)), &st),
		-1);

	/* Tremove removes and clunks */
	assert_int_equal(p9c_walk1(&f->c, 0, 4, "back"), 1);
	assert_int_equal(p9c_rpc(&f->c, P9_TREMOVE, "d", 4u), P9_TREMOVE + 1);
	assert_int_equal(p9c_clunk(&f->c, 4), -EBADF);
	assert_int_equal(
		stat(p9t_path(&f->share, "share/back", path, sizeof(path)),
		     &st),
		-1);
	/* the root cannot be removed */
	assert_int_equal(p9c_walk(&f->c, 0, 5, 0, NULL), 0);
	assert_int_equal(p9c_rpc(&f->c, P9_TREMOVE, "d", 5u), -EBUSY);
}

static void test_mknod(void **state)
{
	struct fixture *f = *state;
	char path[256];
	struct stat st;

	assert_int_equal(p9c_rpc(&f->c, P9_TMKNOD, "dsdddd", 0u, "fifo",
				 (uint32_t)(S_IFIFO | 0600), 0u, 0u, 0u),
			 P9_TMKNOD + 1);
	assert_int_equal(
		stat(p9t_path(&f->share, "share/fifo", path, sizeof(path)),
		     &st),
		0);
	assert_true(S_ISFIFO(st.st_mode));
	/* the server never opens a fifo (nor a device) */
	assert_int_equal(p9c_walk1(&f->c, 0, 1, "fifo"), 1);
	assert_int_equal(p9c_lopen(&f->c, 1, 0), -EPERM);
	assert_int_equal(p9c_rpc(&f->c, P9_TMKNOD, "dsdddd", 0u, "d",
				 (uint32_t)(S_IFDIR | 0600), 0u, 0u, 0u),
			 -EINVAL);
	if (geteuid() != 0) {
		print_message("skip: making device nodes needs root\n");
		skip();
		return;
	}
	assert_int_equal(p9c_rpc(&f->c, P9_TMKNOD, "dsdddd", 0u, "null",
				 (uint32_t)(S_IFCHR | 0666), 1u, 3u, 0u),
			 P9_TMKNOD + 1);
	assert_int_equal(
		stat(p9t_path(&f->share, "share/null", path, sizeof(path)),
		     &st),
		0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(major(st.st_rdev), 1);
	assert_int_equal(minor(st.st_rdev), 3);
	assert_int_equal(p9c_walk1(&f->c, 0, 2, "null"), 1);
	assert_int_equal(p9c_lopen(&f->c, 2, 2), -EPERM);
	/* Rgetattr rdev in Linux's new_encode_dev form */
	assert_int_equal(
		p9c_rpc(&f->c, P9_TGETATTR, "dq", 2u, (uint64_t)P9_STATS_BASIC),
		P9_TGETATTR + 1);
	(void)p9_get_bytes(&f->c.r, 8 + 13 + 4 + 4 + 4 + 8);
	assert_int_equal(p9_get_u64(&f->c.r), (1u << 8) | 3u);
}

static void test_getattr_setattr(void **state)
{
	struct fixture *f = *state;
	uint64_t valid, size;
	uint32_t mode, uid;
	char path[256];
	struct stat st;

	assert_int_equal(p9c_walk1(&f->c, 0, 1, "hello"), 1);
	assert_int_equal(
		p9c_rpc(&f->c, P9_TGETATTR, "dq", 1u, (uint64_t)P9_STATS_BASIC),
		P9_TGETATTR + 1);
	valid = p9_get_u64(&f->c.r);
	assert_true((valid & P9_STATS_BASIC) == P9_STATS_BASIC);
	assert_int_equal(p9_get_u8(&f->c.r), P9_QTFILE);
	(void)p9_get_bytes(&f->c.r, 12);
	mode = p9_get_u32(&f->c.r);
	uid = p9_get_u32(&f->c.r);
	(void)p9_get_bytes(&f->c.r, 4 + 8 + 8);
	size = p9_get_u64(&f->c.r);
	assert_true(S_ISREG(mode));
	assert_int_equal(uid, geteuid());
	assert_int_equal(size, 12);

	/* mode, size, explicit times */
	assert_int_equal(p9c_rpc(&f->c, P9_TSETATTR,
				 "ddddd"
				 "qqqqq",
				 1u,
				 P9_ATTR_MODE | P9_ATTR_SIZE | P9_ATTR_ATIME |
					 P9_ATTR_MTIME | P9_ATTR_ATIME_SET |
					 P9_ATTR_MTIME_SET,
				 0604u, 0u, 0u, (uint64_t)5, (uint64_t)1000,
				 (uint64_t)7, (uint64_t)2000, (uint64_t)8),
			 P9_TSETATTR + 1);
	assert_int_equal(
		stat(p9t_path(&f->share, "share/hello", path, sizeof(path)),
		     &st),
		0);
	assert_int_equal(st.st_mode & 07777, 0604);
	assert_int_equal(st.st_size, 5);
	assert_int_equal(st.st_atim.tv_sec, 1000);
	assert_int_equal(st.st_atim.tv_nsec, 7);
	assert_int_equal(st.st_mtim.tv_sec, 2000);
	assert_int_equal(st.st_mtim.tv_nsec, 8);
	/* mtime "now" */
	assert_int_equal(p9c_rpc(&f->c, P9_TSETATTR,
				 "ddddd"
				 "qqqqq",
				 1u, P9_ATTR_MTIME, 0u, 0u, 0u, (uint64_t)0,
				 (uint64_t)0, (uint64_t)0, (uint64_t)0,
				 (uint64_t)0),
			 P9_TSETATTR + 1);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_mtim.tv_sec > 2000);
	assert_int_equal(st.st_atim.tv_sec, 1000);
	/* bad nsec */
	assert_int_equal(p9c_rpc(&f->c, P9_TSETATTR,
				 "ddddd"
				 "qqqqq",
				 1u, P9_ATTR_ATIME | P9_ATTR_ATIME_SET, 0u, 0u,
				 0u, (uint64_t)0, (uint64_t)1,
				 (uint64_t)2000000000, (uint64_t)0,
				 (uint64_t)0),
			 -EINVAL);
	/* owner: only root can give a file away */
	if (geteuid() == 0) {
		assert_int_equal(p9c_rpc(&f->c, P9_TSETATTR,
					 "ddddd"
					 "qqqqq",
					 1u, P9_ATTR_UID | P9_ATTR_GID, 0u,
					 1234u, 5678u, (uint64_t)0, (uint64_t)0,
					 (uint64_t)0, (uint64_t)0, (uint64_t)0),
				 P9_TSETATTR + 1);
		assert_int_equal(lstat(path, &st), 0);
		assert_int_equal(st.st_uid, 1234);
		assert_int_equal(st.st_gid, 5678);
	}
	/* statfs */
	assert_int_equal(p9c_rpc(&f->c, P9_TSTATFS, "d", 0u), P9_TSTATFS + 1);
	(void)p9_get_u32(&f->c.r);
	assert_true(p9_get_u32(&f->c.r) > 0); /* bsize */
	/* a symlink's attributes are its own */
	assert_int_equal(p9c_walk1(&f->c, 0, 2, "to-root"), 1);
	assert_int_equal(
		p9c_rpc(&f->c, P9_TGETATTR, "dq", 2u, (uint64_t)P9_STATS_BASIC),
		P9_TGETATTR + 1);
	(void)p9_get_u64(&f->c.r);
	assert_int_equal(p9_get_u8(&f->c.r), P9_QTSYMLINK);
	(void)p9_get_bytes(&f->c.r, 12);
	assert_true(S_ISLNK(p9_get_u32(&f->c.r)));
}

static void test_owner_of_new_files(void **state)
{
	struct fixture *f = *state;
	char path[256];
	struct stat st;

	if (geteuid() != 0) {
		print_message("skip: giving files to another uid needs root\n");
		skip();
		return;
	}
	assert_int_equal(p9c_rpc(&f->c, P9_TATTACH, "ddssd", 7u, P9_NOFID,
				 "user", "", 1000u),
			 P9_TATTACH + 1);
	assert_int_equal(
		p9c_rpc(&f->c, P9_TMKDIR, "dsdd", 7u, "mine", 0700u, 100u),
		P9_TMKDIR + 1);
	assert_int_equal(
		stat(p9t_path(&f->share, "share/mine", path, sizeof(path)),
		     &st),
		0);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_gid, 100);
}

static void test_xattr(void **state)
{
	struct fixture *f = *state;
	char path[256], buf[64];
	uint64_t size;
	ssize_t n;

	p9t_path(&f->share, "share/hello", path, sizeof(path));
	if (setxattr(path, "user.probe", "1", 1, 0) < 0) {
		print_message("skip: the temp fs has no user xattrs\n");
		skip();
		return;
	}
	/* set user.color = "blue" the way v9fs does */
	assert_int_equal(p9c_walk1(&f->c, 0, 1, "hello"), 1);
	assert_int_equal(p9c_rpc(&f->c, P9_TXATTRCREATE, "dsqd", 1u,
				 "user.color", (uint64_t)4, 0u),
			 P9_TXATTRCREATE + 1);
	assert_int_equal(p9c_write(&f->c, 1, 0, "blue", 4), 4);
	assert_int_equal(p9c_clunk(&f->c, 1), 0);
	n = getxattr(path, "user.color", buf, sizeof(buf));
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "blue", 4);
	/* get it back */
	assert_int_equal(p9c_walk1(&f->c, 0, 2, "hello"), 1);
	assert_int_equal(
		p9c_rpc(&f->c, P9_TXATTRWALK, "dds", 2u, 3u, "user.color"),
		P9_TXATTRWALK + 1);
	size = p9_get_u64(&f->c.r);
	assert_int_equal(size, 4);
	assert_int_equal(p9c_read(&f->c, 3, 0, 64, buf), 4);
	assert_memory_equal(buf, "blue", 4);
	assert_int_equal(p9c_read(&f->c, 3, 2, 64, buf), 2);
	assert_int_equal(p9c_clunk(&f->c, 3), 0);
	/* list */
	assert_int_equal(p9c_rpc(&f->c, P9_TXATTRWALK, "dds", 2u, 3u, ""),
			 P9_TXATTRWALK + 1);
	size = p9_get_u64(&f->c.r);
	assert_true(size >= sizeof("user.color"));
	n = p9c_read(&f->c, 3, 0, 64, buf);
	assert_int_equal(n, (ssize_t)size);
	assert_non_null(memmem(buf, (size_t)n, "user.color", 11));
	assert_int_equal(p9c_clunk(&f->c, 3), 0);
	/* missing */
	assert_int_equal(
		p9c_rpc(&f->c, P9_TXATTRWALK, "dds", 2u, 3u, "user.none"),
		-ENODATA);
	/* a short value is refused at clunk; remove is size 0 + REPLACE */
	assert_int_equal(
		p9c_walk(&f->c, 0, 4, 1, (const char *const[]){"hello"}), 1);
	assert_int_equal(p9c_rpc(&f->c, P9_TXATTRCREATE, "dsqd", 4u, "user.x",
				 (uint64_t)4, 0u),
			 P9_TXATTRCREATE + 1);
	assert_int_equal(p9c_write(&f->c, 4, 0, "ab", 2), 2);
	assert_int_equal(p9c_write(&f->c, 4, 3, "ab", 2), -ENOSPC);
	assert_int_equal(p9c_clunk(&f->c, 4), -EINVAL);
	assert_int_equal(p9c_walk1(&f->c, 0, 4, "hello"), 1);
	assert_int_equal(p9c_rpc(&f->c, P9_TXATTRCREATE, "dsqd", 4u,
				 "user.color", (uint64_t)0, 2u),
			 P9_TXATTRCREATE + 1);
	assert_int_equal(p9c_clunk(&f->c, 4), 0);
	assert_int_equal(getxattr(path, "user.color", buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENODATA);
	/* too big */
	assert_int_equal(p9c_walk1(&f->c, 0, 4, "hello"), 1);
	assert_int_equal(p9c_rpc(&f->c, P9_TXATTRCREATE, "dsqd", 4u, "user.y",
				 (uint64_t)1 << 20, 0u),
			 -E2BIG);
}

static void test_locks(void **state)
{
	struct fixture *f = *state;
	uint8_t type;

	assert_int_equal(p9c_walk1(&f->c, 0, 1, "hello"), 1);
	assert_int_equal(p9c_walk1(&f->c, 0, 2, "hello"), 1);
	assert_int_equal(p9c_lopen(&f->c, 1, 2), 0);
	assert_int_equal(p9c_lopen(&f->c, 2, 2), 0);
	/* fid 1 write-locks bytes 0..9 */
	assert_int_equal(p9c_rpc(&f->c, P9_TLOCK, "dbdqqds", 1u,
				 P9_LOCK_TYPE_WRLCK, 0u, (uint64_t)0,
				 (uint64_t)10, 11u, "guest"),
			 P9_TLOCK + 1);
	assert_int_equal(p9_get_u8(&f->c.r), P9_LOCK_SUCCESS);
	/* fid 2 conflicts: BLOCKED at once, even with the BLOCK flag */
	assert_int_equal(p9c_rpc(&f->c, P9_TLOCK, "dbdqqds", 2u,
				 P9_LOCK_TYPE_RDLCK, 1u, (uint64_t)5,
				 (uint64_t)1, 22u, "guest"),
			 P9_TLOCK + 1);
	assert_int_equal(p9_get_u8(&f->c.r), P9_LOCK_BLOCKED);
	assert_int_equal(p9c_rpc(&f->c, P9_TGETLOCK, "dbqqds", 2u,
				 P9_LOCK_TYPE_WRLCK, (uint64_t)0, (uint64_t)0,
				 22u, "guest"),
			 P9_TGETLOCK + 1);
	type = p9_get_u8(&f->c.r);
	assert_int_equal(type, P9_LOCK_TYPE_WRLCK);
	assert_int_equal(p9_get_u64(&f->c.r), 0);
	assert_int_equal(p9_get_u64(&f->c.r), 10);
	/* beyond the lock: no conflict */
	assert_int_equal(p9c_rpc(&f->c, P9_TLOCK, "dbdqqds", 2u,
				 P9_LOCK_TYPE_WRLCK, 0u, (uint64_t)10,
				 (uint64_t)0, 22u, "guest"),
			 P9_TLOCK + 1);
	assert_int_equal(p9_get_u8(&f->c.r), P9_LOCK_SUCCESS);
	/* unlock, then fid 2 gets it */
	assert_int_equal(p9c_rpc(&f->c, P9_TLOCK, "dbdqqds", 1u,
				 P9_LOCK_TYPE_UNLCK, 0u, (uint64_t)0,
				 (uint64_t)10, 11u, "guest"),
			 P9_TLOCK + 1);
	assert_int_equal(p9_get_u8(&f->c.r), P9_LOCK_SUCCESS);
	assert_int_equal(p9c_rpc(&f->c, P9_TLOCK, "dbdqqds", 2u,
				 P9_LOCK_TYPE_RDLCK, 0u, (uint64_t)5,
				 (uint64_t)1, 22u, "guest"),
			 P9_TLOCK + 1);
	assert_int_equal(p9_get_u8(&f->c.r), P9_LOCK_SUCCESS);
	/* bad type; unopened fid */
	assert_int_equal(p9c_rpc(&f->c, P9_TLOCK, "dbdqqds", 2u, 9, 0u,
				 (uint64_t)0, (uint64_t)0, 22u, "guest"),
			 -EINVAL);
	assert_int_equal(p9c_rpc(&f->c, P9_TLOCK, "dbdqqds", 0u,
				 P9_LOCK_TYPE_RDLCK, 0u, (uint64_t)0,
				 (uint64_t)0, 22u, "guest"),
			 -EBADF);
	/* Tflush just answers */
	assert_int_equal(p9c_rpc(&f->c, P9_TFLUSH, "w", 3), P9_TFLUSH + 1);
}

static void test_big_read_write(void **state)
{
	struct fixture *f = *state;
	uint8_t *data = malloc(P9_SERVER_MAX_MSIZE);
	uint8_t *back = malloc(P9_SERVER_MAX_MSIZE);
	uint32_t i, n;

	for (i = 0; i < P9_SERVER_MAX_MSIZE; i++)
		data[i] = (uint8_t)(i * 7 + i / 251);
	assert_int_equal(p9c_version(&f->c, P9_SERVER_MAX_MSIZE), 0);
	assert_int_equal(p9c_attach(&f->c, 0), 0);
	assert_int_equal(p9c_walk(&f->c, 0, 1, 0, NULL), 0);
	assert_int_equal(p9c_lcreate(&f->c, 1, "big", 2, 0600), 0);
	/* the largest write that fits msize: 23 bytes of header */
	n = P9_SERVER_MAX_MSIZE - 23;
	assert_int_equal(p9c_write(&f->c, 1, 0, data, n), (int)n);
	assert_int_equal(p9c_write(&f->c, 1, 0, data, n + 1), -EMSGSIZE);
	/* reads are capped to msize - 11 */
	assert_int_equal(p9c_read(&f->c, 1, 0, 0xffffffffu, back), (int)n);
	assert_memory_equal(back, data, n);
	assert_true(f->c.rep_len <= (ssize_t)P9_SERVER_MAX_MSIZE);
	/* and to the guest's buffers, split at odd sizes */
	f->c.out_len = 1000;
	f->c.out_split = 333;
	assert_int_equal(p9c_read(&f->c, 1, 5, 0xffffffffu, back), 1000 - 11);
	assert_memory_equal(back, data + 5, 1000 - 11);
	f->c.in_split = 4097;
	assert_int_equal(p9c_write(&f->c, 1, 0, data + 1, 100000), 100000);
	f->c.out_len = 0;
	f->c.out_split = 0;
	f->c.in_split = 0;
	assert_int_equal(p9c_read(&f->c, 1, 0, 100000, back), 100000);
	assert_memory_equal(back, data + 1, 100000);
	free(data);
	free(back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_open_read, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_readdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_write, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_namespace, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mknod, setup, teardown),
		cmocka_unit_test_setup_teardown(test_getattr_setattr, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_owner_of_new_files, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_xattr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big_read_write, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
