// SPDX-License-Identifier: Apache-2.0
/*
 * stage0/mounts.c: mounts_write_etc on trees an image could have made
 * hostile (symlinks out of the tree, a FIFO, a directory, no /etc).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "stage0/mounts.h"

static char tmpdir[64];
static char outside[128];
static char root[160];
static struct pod pod;
static const struct mounts_etc etc_x = {.hostname = "pod-x"};

static int setup(void **state)
{
	char path[256];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cocoon-mounts-test.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	/* <tmp>/pod/stage1/shared/apps/a/rootfs, and <tmp>/outside. */
	snprintf(root, sizeof(root), "%s/pod/stage1/shared/apps/a/rootfs",
		 tmpdir);
	snprintf(path, sizeof(path), "mkdir -p '%s' '%s/outside'", root,
		 tmpdir);
	if (system(path) != 0)
		return -1;
	snprintf(outside, sizeof(outside), "%s/outside", tmpdir);
	snprintf(path, sizeof(path), "%s/pod", tmpdir);
	pod.path = strdup(path);
	pod.dirfd = open(path, O_DIRECTORY | O_CLOEXEC);
	return pod.path && pod.dirfd >= 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	close(pod.dirfd);
	free(pod.path);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, size - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
}

static void at_root(char *buf, size_t size, const char *rel)
{
	snprintf(buf, size, "%s/%s", root, rel);
}

static void expect_written(const char *etc)
{
	char path[512], text[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/hostname", etc);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	read_file(path, text, sizeof(text));
	assert_string_equal(text, "pod-x\n");
	snprintf(path, sizeof(path), "%s/hosts", etc);
	read_file(path, text, sizeof(text));
	assert_non_null(strstr(text, "127.0.0.1\tlocalhost\n"));
	assert_non_null(strstr(text, "127.0.1.1\tpod-x\n"));
}

static void test_no_etc(void **state)
{
	struct error *err = NULL;
	char etc[512];

	(void)state;
	assert_int_equal(mounts_write_etc(&pod, "a", &etc_x, &err), 0);
	at_root(etc, sizeof(etc), "etc");
	expect_written(etc);
}

static void test_existing_files_replaced(void **state)
{
	struct error *err = NULL;
	char etc[512], path[600];
	int fd;

	(void)state;
	at_root(etc, sizeof(etc), "etc");
	assert_int_equal(mkdir(etc, 0755), 0);
	snprintf(path, sizeof(path), "%s/hostname", etc);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "old-name-longer-than-new\n", 25), 25);
	close(fd);
	/* A FIFO: opening it for writing on the host would block. */
	snprintf(path, sizeof(path), "%s/hosts", etc);
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_int_equal(mounts_write_etc(&pod, "a", &etc_x, &err), 0);
	expect_written(etc);
}

/* Symlinks to the outside, absolute and relative: nothing leaves. */
static void test_symlinks_stay_inside(void **state)
{
	struct error *err = NULL;
	char etc[512], path[600], text[256];
	struct stat st;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/secret", outside);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "secret\n", 7), 7);
	close(fd);
	/* /etc -> the outside dir by absolute host path and by "..". */
	at_root(etc, sizeof(etc), "etc");
	assert_int_equal(symlink("../../../../../../outside", etc), 0);
	/* Dangling inside the tree: refused, nothing made outside. */
	assert_int_equal(mounts_write_etc(&pod, "a", &etc_x, &err), -1);
	error_free(&err);
	at_root(path, sizeof(path), "outside");
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(mounts_write_etc(&pod, "a", &etc_x, &err), 0);
	/* "../.." from the tree root is the tree root: etc -> <root>/outside. */
	at_root(path, sizeof(path), "outside");
	expect_written(path);
	snprintf(path, sizeof(path), "%s/hostname", outside);
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);

	/* etc/hostname -> the secret, by absolute host path. */
	assert_int_equal(unlink(etc), 0);
	assert_int_equal(mkdir(etc, 0755), 0);
	snprintf(text, sizeof(text), "%s/secret", outside);
	snprintf(path, sizeof(path), "%s/hostname", etc);
	assert_int_equal(symlink(text, path), 0);
	assert_int_equal(mounts_write_etc(&pod, "a", &etc_x, &err), 0);
	expect_written(etc);
	read_file(text, path, sizeof(path));
	assert_string_equal(path, "secret\n");
}

/* Network pods: extra hosts lines and resolv.conf, through a symlink. */
static void test_hosts_extra_and_resolv_conf(void **state)
{
	const struct mounts_etc etc_net = {
		.hostname = "pod-x",
		.hosts_extra = "10.1.2.3\tdb.example\n",
		.resolv_conf = "nameserver 172.16.28.1\nsearch example\n",
	};
	struct error *err = NULL;
	char etc[512], path[600], text[512];
	struct stat st;

	(void)state;
	at_root(etc, sizeof(etc), "etc");
	assert_int_equal(mkdir(etc, 0755), 0);
	/* The image's resolv.conf points out of the tree. */
	snprintf(path, sizeof(path), "%s/resolv.conf", etc);
	snprintf(text, sizeof(text), "%s/resolv", outside);
	assert_int_equal(symlink(text, path), 0);
	assert_int_equal(mounts_write_etc(&pod, "a", &etc_net, &err), 0);
	expect_written(etc);
	snprintf(path, sizeof(path), "%s/hosts", etc);
	read_file(path, text, sizeof(text));
	assert_non_null(
		strstr(text, "127.0.1.1\tpod-x\n10.1.2.3\tdb.example\n"));
	snprintf(path, sizeof(path), "%s/resolv.conf", etc);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	read_file(path, text, sizeof(text));
	assert_string_equal(text, etc_net.resolv_conf);
	snprintf(path, sizeof(path), "%s/resolv", outside);
	assert_int_equal(lstat(path, &st), -1);

	/* No resolv_conf: the image's own stays as it was. */
	snprintf(path, sizeof(path), "%s/resolv.conf", etc);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("kept", path), 0);
	assert_int_equal(mounts_write_etc(&pod, "a", &etc_x, &err), 0);
	assert_int_equal(readlink(path, text, sizeof(text)), 4);
}

static void test_directory_refused(void **state)
{
	struct error *err = NULL;
	char path[512];

	(void)state;
	at_root(path, sizeof(path), "etc");
	assert_int_equal(mkdir(path, 0755), 0);
	at_root(path, sizeof(path), "etc/hostname");
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(mounts_write_etc(&pod, "a", &etc_x, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "app a: replace /etc/hostname"));
	error_free(&err);
}

static void test_missing_tree(void **state)
{
	struct error *err = NULL;

	(void)state;
	assert_int_equal(mounts_write_etc(&pod, "nope", &etc_x, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "app nope: open"));
	error_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_no_etc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_existing_files_replaced,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinks_stay_inside,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_hosts_extra_and_resolv_conf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missing_tree, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
