// SPDX-License-Identifier: Apache-2.0
/*
 * Safe extraction: each tar-safety rule on archives built in memory, with
 * openat2 and with the fallback walk; whiteouts and opaque directories;
 * limits. Every test checks that the sibling "outside" dir stays empty.
 */
#include "images/beneath.h"
#include "images/extract.h"
#include "common/cleanup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

struct tarbuf {
	struct archive *a;
	char *buf;
	size_t size, used;
};

static void tar_begin(struct tarbuf *t)
{
	t->size = 1 << 20;
	t->buf = calloc(1, t->size);
	t->a = archive_write_new();
	archive_write_set_format_pax_restricted(t->a);
	archive_write_set_bytes_in_last_block(t->a, 1);
	assert_int_equal(
		archive_write_open_memory(t->a, t->buf, t->size, &t->used),
		ARCHIVE_OK);
}

static void tar_add(struct tarbuf *t, const char *name, mode_t type,
		    const char *data, const char *link)
{
	struct archive_entry *e = archive_entry_new();
	size_t len = data ? strlen(data) : 0;

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, type == 0 ? AE_IFREG : type);
	archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
	if (type == AE_IFLNK)
		archive_entry_set_symlink(e, link);
	if (link && type == 0)
		archive_entry_set_hardlink(e, link);
	archive_entry_set_size(e, (la_int64_t)len);
	assert_int_equal(archive_write_header(t->a, e), ARCHIVE_OK);
	if (len)
		assert_int_equal(archive_write_data(t->a, data, len),
				 (la_ssize_t)len);
	archive_entry_free(e);
}

static void tar_end(struct tarbuf *t)
{
	archive_write_close(t->a);
	archive_write_free(t->a);
}

struct dirs {
	char top[64];
	char tree[96];
	char outside[96];
	int tree_fd;
};

static int setup(void **state)
{
	struct dirs *d = calloc(1, sizeof(*d));

	strcpy(d->top, "/tmp/cocoon-test-extract-XXXXXX");
	assert_non_null(mkdtemp(d->top));
	snprintf(d->tree, sizeof(d->tree), "%s/tree", d->top);
	snprintf(d->outside, sizeof(d->outside), "%s/outside", d->top);
	assert_int_equal(mkdir(d->tree, 0755), 0);
	assert_int_equal(mkdir(d->outside, 0755), 0);
	d->tree_fd = open(d->tree, O_PATH | O_DIRECTORY);
	assert_true(d->tree_fd >= 0);
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct dirs *d = *state;
	int top = open("/tmp", O_PATH | O_DIRECTORY);

	close(d->tree_fd);
	beneath_remove_tree(top, d->top + 5);
	close(top);
	free(d);
	beneath_no_openat2 = false;
	return 0;
}

static void assert_outside_empty(struct dirs *d)
{
	DIR *dir = opendir(d->outside);
	struct dirent *de;
	int n = 0;

	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(dir);
	assert_int_equal(n, 0);
}

/* Extracts t into the tree; returns the result, error message in msg. */
static int run(struct dirs *d, struct tarbuf *t, struct extract_opts *o,
	       char *msg, size_t msgsize)
{
	cleanup_error struct error *err = NULL;
	struct extract_usage u = {0};
	int r;

	r = extract_memory(t->buf, t->used, d->tree_fd, o, &u, &err);
	snprintf(msg, msgsize, "%s", err ? err->message : "");
	return r;
}

static void opts(struct extract_opts *o)
{
	extract_opts_default(o);
	o->refuse_duplicates = true;
}

static void expect_refused(struct dirs *d, struct tarbuf *t,
			   struct extract_opts *o, const char *want)
{
	char msg[512];

	if (run(d, t, o, msg, sizeof(msg)) == 0)
		fail_msg("archive accepted, wanted \"%s\"", want);
	if (!strstr(msg, want))
		fail_msg("error \"%s\" lacks \"%s\"", msg, want);
	assert_outside_empty(d);
}

static void test_clean_path(void **state)
{
	char out[64];
	const char *why;

	(void)state;
	assert_int_equal(
		extract_clean_path("./a//b/./c/", out, sizeof(out), 100, &why),
		0);
	assert_string_equal(out, "a/b/c");
	assert_int_equal(extract_clean_path("./", out, sizeof(out), 100, &why),
			 0);
	assert_string_equal(out, "");
	assert_int_equal(
		extract_clean_path("/etc", out, sizeof(out), 100, &why), -1);
	assert_string_equal(why, "absolute path");
	assert_int_equal(
		extract_clean_path("a/../b", out, sizeof(out), 100, &why), -1);
	assert_string_equal(why, "'..' component");
	assert_int_equal(extract_clean_path("..", out, sizeof(out), 100, &why),
			 -1);
	assert_int_equal(
		extract_clean_path("a..b/..c", out, sizeof(out), 100, &why), 0);
	assert_int_equal(
		extract_clean_path("abcdef", out, sizeof(out), 3, &why), -1);
	assert_string_equal(why, "path too long");
}

static void test_plain(void **state)
{
	struct dirs *d = *state;
	struct extract_opts o;
	struct tarbuf t;
	char msg[256];
	struct stat st;

	opts(&o);
	o.strip_prefix = "rootfs";
	tar_begin(&t);
	tar_add(&t, "manifest", 0, "{}", NULL);
	tar_add(&t, "rootfs", AE_IFDIR, NULL, NULL);
	tar_add(&t, "rootfs/a/b/file", 0, "hello",
		NULL); /* no parent entries */
	tar_add(&t, "rootfs/link", AE_IFLNK, NULL, "/a/b/file");
	tar_add(&t, "rootfs/hard", 0, NULL, "rootfs/a/b/file");
	tar_end(&t);
	assert_int_equal(run(d, &t, &o, msg, sizeof(msg)), 0);
	free(t.buf);
	assert_int_equal(fstatat(d->tree_fd, "a/b/file", &st, 0), 0);
	assert_int_equal(st.st_size, 5);
	assert_int_equal(st.st_nlink, 2);
	assert_int_equal(fstatat(d->tree_fd, "manifest", &st, 0), -1);
	assert_int_equal(fstatat(d->tree_fd, "link", &st, AT_SYMLINK_NOFOLLOW),
			 0);
	assert_true(S_ISLNK(st.st_mode));
}

static void test_traversal(void **state)
{
	struct dirs *d = *state;
	struct extract_opts o;
	struct tarbuf t;

	opts(&o);
	tar_begin(&t);
	tar_add(&t, "../outside/x", 0, "x", NULL);
	tar_end(&t);
	expect_refused(d, &t, &o, "'..' component");
	free(t.buf);
}

static void test_absolute(void **state)
{
	struct dirs *d = *state;
	struct extract_opts o;
	struct tarbuf t;
	char name[160];

	opts(&o);
	snprintf(name, sizeof(name), "%s/x", d->outside);
	tar_begin(&t);
	tar_add(&t, name, 0, "x", NULL);
	tar_end(&t);
	expect_refused(d, &t, &o, "absolute path");
	free(t.buf);
}

static void symlink_then_write(struct dirs *d)
{
	struct extract_opts o;
	struct tarbuf t;
	char rel[64];

	opts(&o);
	/* An absolute symlink and a relative one climbing out. */
	tar_begin(&t);
	tar_add(&t, "esc", AE_IFLNK, NULL, d->outside);
	tar_add(&t, "esc/x", 0, "x", NULL);
	tar_end(&t);
	expect_refused(d, &t, &o, "esc/x");
	free(t.buf);

	snprintf(rel, sizeof(rel), "../outside");
	tar_begin(&t);
	tar_add(&t, "up", AE_IFLNK, NULL, rel);
	tar_add(&t, "up/x", 0, "x", NULL);
	tar_end(&t);
	expect_refused(d, &t, &o, "up/x");
	free(t.buf);

	/* A symlink over a later file's name: the file replaces the link,
	 * never writes through it. */
	tar_begin(&t);
	tar_add(&t, "f", AE_IFLNK, NULL, "../outside/f");
	tar_end(&t);
	o.refuse_duplicates = false;
	{
		char msg[256];
		struct tarbuf t2;

		assert_int_equal(run(d, &t, &o, msg, sizeof(msg)), 0);
		tar_begin(&t2);
		tar_add(&t2, "f", 0, "data", NULL);
		tar_end(&t2);
		assert_int_equal(run(d, &t2, &o, msg, sizeof(msg)), 0);
		free(t2.buf);
	}
	free(t.buf);
	assert_outside_empty(d);
}

static void test_symlink_write(void **state)
{
	symlink_then_write(*state);
}

static void test_symlink_write_no_openat2(void **state)
{
	beneath_no_openat2 = true;
	symlink_then_write(*state);
}

static void test_hardlinks(void **state)
{
	struct dirs *d = *state;
	struct extract_opts o;
	struct tarbuf t;
	struct stat st;
	char msg[256];

	opts(&o);
	tar_begin(&t);
	tar_add(&t, "shadow", 0, NULL, "/etc/shadow");
	tar_end(&t);
	expect_refused(d, &t, &o, "absolute path");
	free(t.buf);

	tar_begin(&t);
	tar_add(&t, "shadow", 0, NULL, "../outside/s");
	tar_end(&t);
	expect_refused(d, &t, &o, "'..' component");
	free(t.buf);

	/* A hard link through a symlinked dir resolves inside the tree. */
	tar_begin(&t);
	tar_add(&t, "etc", AE_IFDIR, NULL, NULL);
	tar_add(&t, "etc/passwd", 0, "inside", NULL);
	tar_add(&t, "l", AE_IFLNK, NULL, "/etc");
	tar_add(&t, "h", 0, NULL, "l/passwd");
	tar_end(&t);
	assert_int_equal(run(d, &t, &o, msg, sizeof(msg)), 0);
	free(t.buf);
	assert_int_equal(fstatat(d->tree_fd, "h", &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(st.st_size, 6);
	assert_outside_empty(d);
}

static void test_duplicates(void **state)
{
	struct dirs *d = *state;
	struct extract_opts o;
	struct tarbuf t;
	char msg[256];

	opts(&o);
	tar_begin(&t);
	tar_add(&t, "a", 0, "1", NULL);
	tar_add(&t, "./a", 0, "2", NULL);
	tar_end(&t);
	expect_refused(d, &t, &o, "duplicate entry");
	o.refuse_duplicates = false;
	assert_int_equal(run(d, &t, &o, msg, sizeof(msg)), 0);
	free(t.buf);
}

static void test_limits(void **state)
{
	struct dirs *d = *state;
	struct extract_opts o;
	struct tarbuf t;
	char name[32];

	opts(&o);
	o.limits.max_bytes = 10;
	tar_begin(&t);
	tar_add(&t, "a", 0, "123456", NULL);
	tar_add(&t, "b", 0, "123456", NULL);
	tar_end(&t);
	expect_refused(d, &t, &o, "larger than the limit of 10 bytes");
	free(t.buf);

	opts(&o);
	o.limits.max_entries = 5;
	tar_begin(&t);
	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "e%d", i);
		tar_add(&t, name, 0, NULL, NULL);
	}
	tar_end(&t);
	expect_refused(d, &t, &o, "more than 5 entries");
	free(t.buf);

	opts(&o);
	o.limits.max_path = 8;
	tar_begin(&t);
	tar_add(&t, "abcdefghij", 0, NULL, NULL);
	tar_end(&t);
	expect_refused(d, &t, &o, "path too long");
	free(t.buf);
}

static void test_truncated(void **state)
{
	struct dirs *d = *state;
	struct extract_opts o;
	struct tarbuf t;
	char big[4000];

	opts(&o);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tar_begin(&t);
	tar_add(&t, "a", 0, big, NULL);
	tar_end(&t);
	t.used = 1024;
	expect_refused(d, &t, &o, "runcated");
	free(t.buf);
}

static void test_whiteouts(void **state)
{
	struct dirs *d = *state;
	struct extract_opts o;
	struct tarbuf lower, upper;
	struct stat st;
	char msg[256];

	extract_opts_default(&o);
	o.whiteouts = true;
	tar_begin(&lower);
	tar_add(&lower, "etc", AE_IFDIR, NULL, NULL);
	tar_add(&lower, "etc/motd", 0, "hi", NULL);
	tar_add(&lower, "etc/keep", 0, "k", NULL);
	tar_add(&lower, "opt", AE_IFDIR, NULL, NULL);
	tar_add(&lower, "opt/old", 0, "o", NULL);
	tar_add(&lower, "opt/sub", AE_IFDIR, NULL, NULL);
	tar_add(&lower, "opt/sub/deep", 0, "d", NULL);
	tar_end(&lower);
	assert_int_equal(run(d, &lower, &o, msg, sizeof(msg)), 0);
	free(lower.buf);

	tar_begin(&upper);
	tar_add(&upper, "etc/.wh.motd", 0, NULL, NULL);
	/* the new file comes before the opaque marker: it must survive */
	tar_add(&upper, "opt/new", 0, "n", NULL);
	tar_add(&upper, "opt/.wh..wh..opq", 0, NULL, NULL);
	tar_add(&upper, "etc/.wh.missing", 0, NULL, NULL);
	tar_end(&upper);
	assert_int_equal(run(d, &upper, &o, msg, sizeof(msg)), 0);
	assert_int_equal(fstatat(d->tree_fd, "etc/motd", &st, 0), -1);
	assert_int_equal(fstatat(d->tree_fd, "etc/keep", &st, 0), 0);
	assert_int_equal(fstatat(d->tree_fd, "opt/old", &st, 0), -1);
	assert_int_equal(fstatat(d->tree_fd, "opt/sub", &st, 0), -1);
	assert_int_equal(fstatat(d->tree_fd, "opt/new", &st, 0), 0);
	assert_int_equal(fstatat(d->tree_fd, "etc/.wh.motd", &st, 0), -1);
	free(upper.buf);

	tar_begin(&upper);
	tar_add(&upper, "etc/.wh...", 0, NULL, NULL);
	tar_end(&upper);
	expect_refused(d, &upper, &o, "bad whiteout");
	free(upper.buf);
}

static void test_setuid_kept(void **state)
{
	struct dirs *d = *state;
	struct extract_opts o;
	struct tarbuf t;
	struct archive_entry *e;
	struct stat st;
	char msg[256];

	opts(&o);
	tar_begin(&t);
	e = archive_entry_new();
	archive_entry_set_pathname(e, "su");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 04755);
	archive_entry_set_uid(e, geteuid());
	archive_entry_set_gid(e, getegid());
	archive_entry_set_size(e, 0);
	archive_write_header(t.a, e);
	archive_entry_free(e);
	tar_end(&t);
	assert_int_equal(run(d, &t, &o, msg, sizeof(msg)), 0);
	free(t.buf);
	assert_int_equal(fstatat(d->tree_fd, "su", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 04755);
}

/* Ownership, device nodes (root only) and xattrs are kept faithfully. */
static void test_owner_device_xattr(void **state)
{
	struct dirs *d = *state;
	struct extract_opts o;
	struct tarbuf t;
	struct archive_entry *e;
	struct stat st;
	char msg[256], val[16];
	ssize_t n;

	opts(&o);
	tar_begin(&t);
	e = archive_entry_new();
	archive_entry_set_pathname(e, "owned");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0640);
	archive_entry_set_uid(e, 1234);
	archive_entry_set_gid(e, 5678);
	archive_entry_xattr_add_entry(e, "user.cocoon", "v1", 2);
	archive_entry_set_size(e, 0);
	archive_write_header(t.a, e);
	archive_entry_free(e);
	e = archive_entry_new();
	archive_entry_set_pathname(e, "null");
	archive_entry_set_filetype(e, AE_IFCHR);
	archive_entry_set_perm(e, 0666);
	archive_entry_set_rdev(e, makedev(1, 3));
	archive_write_header(t.a, e);
	archive_entry_free(e);
	tar_end(&t);
	assert_int_equal(run(d, &t, &o, msg, sizeof(msg)), 0);
	free(t.buf);
	assert_int_equal(fstatat(d->tree_fd, "owned", &st, 0), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	if (geteuid() == 0) {
		assert_int_equal(st.st_uid, 1234);
		assert_int_equal(st.st_gid, 5678);
		assert_int_equal(fstatat(d->tree_fd, "null", &st, 0), 0);
		assert_true(S_ISCHR(st.st_mode));
		assert_int_equal(st.st_rdev, makedev(1, 3));
	} else {
		/* Not root: no device node, files owned by the caller. */
		assert_int_equal(fstatat(d->tree_fd, "null", &st, 0), -1);
	}
	{
		char path[160];

		snprintf(path, sizeof(path), "%s/owned", d->tree);
		n = getxattr(path, "user.cocoon", val, sizeof(val));
		if (n < 0 && errno == ENOTSUP)
			return; /* the temp fs has no user xattrs */
		assert_int_equal(n, 2);
		assert_memory_equal(val, "v1", 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_path),
		cmocka_unit_test_setup_teardown(test_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_traversal, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_absolute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_write, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlink_write_no_openat2,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hardlinks, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_duplicates, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_whiteouts, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_setuid_kept, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_owner_device_xattr, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
