// SPDX-License-Identifier: Apache-2.0
/*
 * The p9 server keeps the guest inside its share: "..", symlinks
 * (absolute, relative, swapped in between walk and open), names with
 * '/', read-only shares, and the fid table's bound. Every escape attempt
 * also checks that the host file outside is unchanged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/log.h"
#include "tests/unit/test_vmm_p9_client.h"
#include "vmm/p9/ops.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

struct fixture {
	struct p9t_share share;
	struct p9_server *srv;
	struct p9c c;
};

static int setup_mode(void **state, bool read_only)
{
	struct fixture *f = calloc(1, sizeof(*f));

	log_set_level(LOG_SILENT);
	assert_int_equal(p9t_share_make(&f->share), 0);
	assert_int_equal(p9_server_create(f->share.share, read_only, &f->srv),
			 0);
	p9c_init(&f->c, f->srv);
	assert_int_equal(p9c_version(&f->c, 65536), 0);
	assert_int_equal(p9c_attach(&f->c, 0), 0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_mode(state, false);
}

static int setup_ro(void **state)
{
	return setup_mode(state, true);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[256], buf[64];

	/* whatever the test did, the file beyond the share is intact */
	assert_string_equal(p9t_slurp(p9t_path(&f->share, "outside/secret",
					       path, sizeof(path)),
				      buf, sizeof(buf)),
			    "secret\n");
	p9c_fini(&f->c);
	p9_server_destroy(f->srv);
	p9t_share_remove(&f->share);
	free(f);
	return 0;
}

/* The qid path of what fid names, from Tgetattr. */
static uint64_t qid_path(struct p9c *c, uint32_t fid)
{
	assert_int_equal(
		p9c_rpc(c, P9_TGETATTR, "dq", fid, (uint64_t)P9_STATS_BASIC),
		P9_TGETATTR + 1);
	(void)p9_get_u64(&c->r);
	(void)p9_get_u8(&c->r);
	(void)p9_get_u32(&c->r);
	return p9_get_u64(&c->r);
}

static void test_dotdot_stays_at_root(void **state)
{
	struct fixture *f = *state;
	const char *up[] = {"..", "..", "..", "..", "..", "..", "..", ".."};
	const char *out[] = {"..", "outside", "secret"};
	const char *down_up[] = {"dir", "..", "..", "hello"};
	uint64_t root = qid_path(&f->c, 0);

	assert_int_equal(p9c_walk(&f->c, 0, 1, 8, up), 8);
	assert_int_equal(qid_path(&f->c, 1), root);
	/* the root's parent is the root: "outside" is not there */
	assert_int_equal(p9c_walk(&f->c, 0, 2, 3, out), 1);
	assert_int_equal(p9c_clunk(&f->c, 2), -EBADF);
	assert_int_equal(p9c_walk(&f->c, 0, 2, 4, down_up), 4);
	assert_int_equal(p9c_lopen(&f->c, 2, 0), 0);
	/* "." is the same place */
	assert_int_equal(p9c_walk1(&f->c, 0, 3, "."), 1);
	assert_int_equal(qid_path(&f->c, 3), root);
	/* readdir of the root shows the root as its own ".." */
	assert_int_equal(p9c_lopen(&f->c, 3, 0), 0);
	assert_int_equal(
		p9c_rpc(&f->c, P9_TREADDIR, "dqd", 3u, (uint64_t)0, 4096u),
		P9_TREADDIR + 1);
	{
		uint32_t n = p9_get_u32(&f->c.r);
		struct p9_reader r;
		bool seen = false;

		p9_reader_init(&r, p9_get_bytes(&f->c.r, n), n);
		while (p9_reader_left(&r)) {
			struct p9_str s;
			uint64_t path;

			(void)p9_get_u8(&r);
			(void)p9_get_u32(&r);
			path = p9_get_u64(&r);
			(void)p9_get_u64(&r);
			(void)p9_get_u8(&r);
			p9_get_str(&r, &s);
			if (s.len == 2 && !memcmp(s.p, "..", 2)) {
				assert_int_equal(path, root);
				seen = true;
			}
		}
		assert_true(seen);
	}
}

static void test_symlinks_not_followed(void **state)
{
	struct fixture *f = *state;
	const char *abs[] = {"to-root", "etc"};
	const char *rel[] = {"up", "secret"};

	/* walking through a symlink fails at it */
	assert_int_equal(p9c_walk(&f->c, 0, 1, 2, abs), 1);
	assert_int_equal(p9c_walk(&f->c, 0, 1, 2, rel), 1);
	assert_int_equal(p9c_walk(&f->c, 0, 1, 1, &rel[1]), -ENOENT);
	{
		const char *etc[] = {"etc", "passwd"};

		assert_int_equal(p9c_walk(&f->c, 0, 1, 2, etc), 1);
		assert_int_equal(p9c_walk1(&f->c, 0, 4, "etc"), 1);
		assert_int_equal(p9c_lopen(&f->c, 4, 0), -ELOOP);
		assert_int_equal(p9c_rpc(&f->c, P9_TREADDIR, "dqd", 4u,
					 (uint64_t)0, 4096u),
				 -EBADF);
	}
	/* the symlink itself can be walked to, never opened */
	assert_int_equal(p9c_walk1(&f->c, 0, 2, "up"), 1);
	assert_int_equal(p9c_lopen(&f->c, 2, 0), -ELOOP);
	assert_int_equal(p9c_lopen(&f->c, 2, 01002), -ELOOP);
	assert_int_equal(p9c_walk1(&f->c, 0, 3, "to-root"), 1);
	assert_int_equal(p9c_lopen(&f->c, 3, 0), -ELOOP);
	/* nor created through, nor made a directory under */
	assert_int_equal(p9c_lcreate(&f->c, 0, "up", 2, 0600), -EEXIST);
	assert_int_equal(p9c_rpc(&f->c, P9_TMKDIR, "dsdd", 2u, "x", 0755u, 0u),
			 -ENOTDIR);
	/* setattr size on a symlink does not truncate its target */
	assert_int_equal(p9c_rpc(&f->c, P9_TSETATTR,
				 "ddddd"
				 "qqqqq",
				 2u, P9_ATTR_SIZE, 0u, 0u, 0u, (uint64_t)0,
				 (uint64_t)0, (uint64_t)0, (uint64_t)0,
				 (uint64_t)0),
			 -EINVAL);
	/* nor are its xattrs its target's */
	assert_int_equal(p9c_rpc(&f->c, P9_TXATTRCREATE, "dsqd", 2u, "user.a",
				 (uint64_t)1, 0u),
			 P9_TXATTRCREATE + 1);
	assert_int_equal(p9c_write(&f->c, 2, 0, "a", 1), 1);
	assert_int_equal(p9c_clunk(&f->c, 2), -EOPNOTSUPP);
}

static void test_names_with_slash_refused(void **state)
{
	struct fixture *f = *state;
	const char *slash[] = {"dir/inner"};
	const char *dotdot_slash[] = {"../outside"};
	const char *empty[] = {""};

	assert_int_equal(p9c_walk(&f->c, 0, 1, 1, slash), -EINVAL);
	assert_int_equal(p9c_walk(&f->c, 0, 1, 1, dotdot_slash), -EINVAL);
	assert_int_equal(p9c_walk(&f->c, 0, 1, 1, empty), -EINVAL);
	assert_int_equal(p9c_walk1(&f->c, 0, 9, "hello"), 1);
	assert_int_equal(p9c_walk1(&f->c, 0, 8, "dir"), 1);
	assert_int_equal(
		p9c_rpc(&f->c, P9_TLINK, "dds", 0u, 9u, "../outside/x"),
		-EINVAL);
	assert_int_equal(p9c_rpc(&f->c, P9_TLINK, "dds", 0u, 9u, ".."),
			 -EINVAL);
	assert_int_equal(p9c_rpc(&f->c, P9_TRENAMEAT, "dsds", 0u, "hello", 0u,
				 "../outside/secret"),
			 -EINVAL);
	assert_int_equal(p9c_rpc(&f->c, P9_TRENAMEAT, "dsds", 0u,
				 "../outside/secret", 0u, "stolen"),
			 -EINVAL);
	assert_int_equal(
		p9c_rpc(&f->c, P9_TRENAMEAT, "dsds", 0u, "..", 0u, "x"),
		-EINVAL);
	assert_int_equal(
		p9c_rpc(&f->c, P9_TRENAME, "dds", 9u, 0u, "../outside/secret"),
		-EINVAL);
	assert_int_equal(p9c_rpc(&f->c, P9_TUNLINKAT, "dsd", 0u,
				 "../outside/secret", 0u),
			 -EINVAL);
	assert_int_equal(
		p9c_rpc(&f->c, P9_TUNLINKAT, "dsd", 0u, "up/secret", 0u),
		-EINVAL);
	assert_int_equal(p9c_lcreate(&f->c, 8, "a/b", 2, 0600), -EINVAL);
	assert_int_equal(p9c_lcreate(&f->c, 8, ".", 2, 0600), -EINVAL);
	assert_int_equal(
		p9c_rpc(&f->c, P9_TSYMLINK, "dssd", 0u, "x/y", "/", 0u),
		-EINVAL);
	assert_int_equal(p9c_rpc(&f->c, P9_TMKDIR, "dsdd", 0u, "..", 0755u, 0u),
			 -EINVAL);
	/* NUL inside a name */
	assert_int_equal(p9c_rpc(&f->c, P9_TMKDIR, "dSdd", 0u, "a\0b",
				 (size_t)3, 0755u, 0u),
			 -EINVAL);
	/* a name of 256 bytes */
	{
		char longname[300];

		memset(longname, 'a', 256);
		longname[256] = '\0';
		assert_int_equal(p9c_rpc(&f->c, P9_TMKDIR, "dsdd", 0u, longname,
					 0755u, 0u),
				 -ENAMETOOLONG);
	}
	/* a link through a symlinked directory is refused */
	assert_int_equal(p9c_walk1(&f->c, 0, 7, "up"), 1);
	assert_int_equal(p9c_rpc(&f->c, P9_TLINK, "dds", 7u, 9u, "x"),
			 -ENOTDIR);
}

/*
 * A directory walked to is replaced by a symlink to the outside before
 * the file under it is opened: the open stays on the walked inodes.
 */
static void test_swapped_directory(void **state)
{
	struct fixture *f = *state;
	const char *names[] = {"dir", "inner"};
	char a[256], b[256], buf[64];

	p9t_put_file(p9t_path(&f->share, "outside/inner", a, sizeof(a)),
		     "outside inner\n");
	assert_int_equal(p9c_walk(&f->c, 0, 1, 2, names), 2);
	assert_int_equal(p9c_walk1(&f->c, 0, 2, "dir"), 1);
	/* the swap, by someone else on the host */
	assert_int_equal(
		rename(p9t_path(&f->share, "share/dir", a, sizeof(a)),
		       p9t_path(&f->share, "share/dir.old", b, sizeof(b))),
		0);
	assert_int_equal(symlink("../outside", p9t_path(&f->share, "share/dir",
							a, sizeof(a))),
			 0);
	assert_int_equal(p9c_lopen(&f->c, 1, 01002), 0); /* RDWR|TRUNC */
	assert_int_equal(p9c_write(&f->c, 1, 0, "pwned\n", 6), 6);
	assert_int_equal(p9c_clunk(&f->c, 1), 0);
	assert_string_equal(
		p9t_slurp(p9t_path(&f->share, "outside/inner", a, sizeof(a)),
			  buf, sizeof(buf)),
		"outside inner\n");
	assert_string_equal(p9t_slurp(p9t_path(&f->share, "share/dir.old/inner",
					       a, sizeof(a)),
				      buf, sizeof(buf)),
			    "pwned\n");
	/* the directory fid still is the old directory */
	assert_int_equal(p9c_lcreate(&f->c, 2, "made", 2, 0600), 0);
	assert_int_equal(
		access(p9t_path(&f->share, "share/dir.old/made", a, sizeof(a)),
		       F_OK),
		0);
	assert_int_equal(
		access(p9t_path(&f->share, "outside/made", a, sizeof(a)), F_OK),
		-1);
	/* a fresh walk does not go through the symlink */
	assert_int_equal(p9c_walk(&f->c, 0, 3, 2, names), 1);
}

/* The walked file itself is replaced by a symlink to a host file. */
static void test_swapped_file(void **state)
{
	struct fixture *f = *state;
	char a[256], b[256];
	int rc;

	assert_int_equal(p9c_walk1(&f->c, 0, 1, "hello"), 1);
	assert_int_equal(
		unlink(p9t_path(&f->share, "share/hello", a, sizeof(a))), 0);
	assert_int_equal(
		symlink(p9t_path(&f->share, "outside/secret", b, sizeof(b)), a),
		0);
	/* ELOOP from openat2, or ESTALE from the inode check */
	rc = p9c_lopen(&f->c, 1, 01001);
	assert_true(rc == -ELOOP || rc == -ESTALE);
	/* nor any other file put in its place */
	assert_int_equal(unlink(a), 0);
	p9t_put_file(a, "other\n");
	assert_int_equal(p9c_lopen(&f->c, 1, 0), -ESTALE);
	assert_int_equal(p9c_rpc(&f->c, P9_TREMOVE, "d", 1u), -ESTALE);
	assert_int_equal(access(a, F_OK), 0);
}

static void test_read_only(void **state)
{
	struct fixture *f = *state;
	char buf[64], path[256];

	assert_int_equal(p9c_walk1(&f->c, 0, 1, "hello"), 1);
	assert_int_equal(p9c_walk1(&f->c, 0, 2, "dir"), 1);
	assert_int_equal(p9c_lopen(&f->c, 1, 1), -EROFS);
	assert_int_equal(p9c_lopen(&f->c, 1, 2), -EROFS);
	assert_int_equal(p9c_lopen(&f->c, 1, 01000), -EROFS);
	assert_int_equal(p9c_lcreate(&f->c, 2, "n", 0, 0600), -EROFS);
	assert_int_equal(p9c_rpc(&f->c, P9_TMKDIR, "dsdd", 0u, "d", 0755u, 0u),
			 -EROFS);
	assert_int_equal(p9c_rpc(&f->c, P9_TMKNOD, "dsdddd", 0u, "p",
				 (uint32_t)(S_IFIFO | 0600), 0u, 0u, 0u),
			 -EROFS);
	assert_int_equal(p9c_rpc(&f->c, P9_TSYMLINK, "dssd", 0u, "s", "x", 0u),
			 -EROFS);
	assert_int_equal(p9c_rpc(&f->c, P9_TLINK, "dds", 0u, 1u, "l"), -EROFS);
	assert_int_equal(p9c_rpc(&f->c, P9_TRENAME, "dds", 1u, 0u, "r"),
			 -EROFS);
	assert_int_equal(
		p9c_rpc(&f->c, P9_TRENAMEAT, "dsds", 0u, "hello", 0u, "r"),
		-EROFS);
	assert_int_equal(p9c_rpc(&f->c, P9_TUNLINKAT, "dsd", 0u, "hello", 0u),
			 -EROFS);
	assert_int_equal(p9c_rpc(&f->c, P9_TSETATTR,
				 "ddddd"
				 "qqqqq",
				 1u, P9_ATTR_MODE, 0777u, 0u, 0u, (uint64_t)0,
				 (uint64_t)0, (uint64_t)0, (uint64_t)0,
				 (uint64_t)0),
			 -EROFS);
	assert_int_equal(p9c_rpc(&f->c, P9_TXATTRCREATE, "dsqd", 1u, "user.a",
				 (uint64_t)1, 0u),
			 -EROFS);
	/* Tremove refuses, and still clunks */
	assert_int_equal(p9c_walk1(&f->c, 0, 3, "hello"), 1);
	assert_int_equal(p9c_rpc(&f->c, P9_TREMOVE, "d", 3u), -EROFS);
	assert_int_equal(p9c_clunk(&f->c, 3), -EBADF);
	/* reading still works */
	assert_int_equal(p9c_lopen(&f->c, 1, 0), 0);
	assert_int_equal(p9c_read(&f->c, 1, 0, 64, buf), 12);
	assert_int_equal(p9c_write(&f->c, 1, 0, "x", 1), -EBADF);
	assert_string_equal(p9t_slurp(p9t_path(&f->share, "share/hello", path,
					       sizeof(path)),
				      buf, sizeof(buf)),
			    "hello world\n");
}

/* Fills the fid table to max: the next fid is refused with ENFILE. */
static void fill_fids(struct fixture *f, uint32_t max)
{
	uint32_t i;

	/* fid 0 is attached already */
	for (i = 1; i < max; i++) {
		if (p9c_attach(&f->c, i) != 0)
			break;
	}
	assert_int_equal(i, max);
	assert_int_equal(p9c_attach(&f->c, i), -ENFILE);
	assert_int_equal(p9c_walk(&f->c, 0, i, 0, NULL), -ENFILE);
	assert_int_equal(p9c_rpc(&f->c, P9_TXATTRWALK, "dds", 0u, i, ""),
			 -ENFILE);
	assert_int_equal(p9c_clunk(&f->c, 5), 0);
	assert_int_equal(p9c_walk(&f->c, 0, i, 0, NULL), 0);
	/* a new session frees them all */
	assert_int_equal(p9c_version(&f->c, 8192), 0);
	assert_int_equal(p9c_attach(&f->c, 0), 0);
	assert_int_equal(f->srv->fids.count, 1);
}

static void test_fid_exhaustion_small(void **state)
{
	struct fixture *f = *state;

	f->srv->fids.max = 300;
	fill_fids(f, 300);
}

/*
 * The full 64K table. Txattrwalk fids hold no fd, so this needs no
 * RLIMIT_NOFILE beyond the default.
 */
static void test_fid_exhaustion(void **state)
{
	struct fixture *f = *state;
	uint32_t i;

	assert_int_equal(f->srv->fids.max, P9_MAX_FIDS);
	for (i = 1; i < P9_MAX_FIDS; i++) {
		if (p9c_rpc(&f->c, P9_TXATTRWALK, "dds", 0u, i, "") !=
		    P9_TXATTRWALK + 1)
			break;
	}
	assert_int_equal(i, P9_MAX_FIDS);
	assert_int_equal(f->srv->fids.count, P9_MAX_FIDS);
	assert_int_equal(p9c_attach(&f->c, i), -ENFILE);
	assert_int_equal(p9c_walk(&f->c, 0, i, 0, NULL), -ENFILE);
	assert_int_equal(p9c_rpc(&f->c, P9_TXATTRWALK, "dds", 0u, i, ""),
			 -ENFILE);
	assert_int_equal(p9c_clunk(&f->c, 77), 0);
	assert_int_equal(p9c_walk1(&f->c, 0, i, "hello"), 1);
	assert_int_equal(p9c_lopen(&f->c, i, 0), 0);
}

/* xattr buffers are bounded per session, not only per fid */
static void test_xattr_memory_bound(void **state)
{
	struct fixture *f = *state;
	uint32_t i;
	int rc = 0;

	for (i = 1; i < 300; i++) {
		assert_int_equal(p9c_walk(&f->c, 0, i, 0, NULL), 0);
		rc = p9c_rpc(&f->c, P9_TXATTRCREATE, "dsqd", i, "user.x",
			     (uint64_t)P9_XATTR_MAX, 0u);
		if (rc < 0)
			break;
	}
	assert_int_equal(rc, -ENOMEM);
	assert_int_equal(i, P9_XATTR_TOTAL_MAX / P9_XATTR_MAX + 1);
	/* a value never written is not set, and frees its share */
	assert_int_equal(p9c_clunk(&f->c, 1), -EINVAL);
	assert_int_equal(p9c_rpc(&f->c, P9_TXATTRCREATE, "dsqd", i, "user.x",
				 (uint64_t)P9_XATTR_MAX, 0u),
			 P9_TXATTRCREATE + 1);
	assert_int_equal(p9c_version(&f->c, 8192), 0);
	assert_int_equal(f->srv->fids.xattr_bytes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dotdot_stays_at_root,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks_not_followed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_with_slash_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_swapped_directory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_swapped_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_read_only, setup_ro,
						teardown),
		cmocka_unit_test_setup_teardown(test_fid_exhaustion_small,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fid_exhaustion, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_xattr_memory_bound, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
