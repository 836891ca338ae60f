// SPDX-License-Identifier: Apache-2.0
/* stage0/pod_cleanup.c: finding and undoing a pod's mounts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"
#include "stage0/pod_cleanup.h"

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cocoon-cleanup-test.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char mountinfo[] =
	"21 26 0:20 / /proc rw,relatime - proc proc rw\n"
	"30 26 0:40 / /var/lib/cocoon/pods/run/u1/stage1/shared/apps/a/rootfs "
	"rw - overlay overlay rw,lowerdir=/x\n"
	"31 26 0:41 / "
	"/var/lib/cocoon/pods/run/u1/stage1/shared/volumes/my\\040vol "
	"rw - tmpfs tmpfs rw\n"
	"32 26 0:42 / /var/lib/cocoon/pods/run/u10/stage1/shared rw - tmpfs "
	"tmpfs rw\n"
	"33 26 0:43 / /var/lib/cocoon/pods/run/u1 rw - tmpfs tmpfs rw\n"
	"34 26 0:44 / /var/lib/cocoon/pods/run/u1/back\\134slash rw - tmpfs "
	"tmpfs rw\n"
	"bad line\n";

static void test_mounts_below(void **state)
{
	struct error *err = NULL;
	char path[256], **paths = NULL;
	size_t n = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/mountinfo", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(mountinfo, f);
	fclose(f);
	assert_int_equal(pod_mounts_below(path, "/var/lib/cocoon/pods/run/u1",
					  &paths, &n, &err),
			 0);
	/* Not u10: a prefix of the name is not "below". In file order,
	 * escapes undone. */
	assert_int_equal(n, 4);
	assert_string_equal(
		paths[0],
		"/var/lib/cocoon/pods/run/u1/stage1/shared/apps/a/rootfs");
	assert_string_equal(
		paths[1],
		"/var/lib/cocoon/pods/run/u1/stage1/shared/volumes/my vol");
	assert_string_equal(paths[2], "/var/lib/cocoon/pods/run/u1");
	assert_string_equal(paths[3],
			    "/var/lib/cocoon/pods/run/u1/back\\slash");
	pod_mounts_free(paths, n);

	assert_int_equal(pod_mounts_below(path, "/nowhere", &paths, &n, &err),
			 0);
	assert_int_equal(n, 0);
	pod_mounts_free(paths, n);

	assert_int_equal(pod_mounts_below("/nonexistent/mountinfo", "/", &paths,
					  &n, &err),
			 -1);
	assert_int_equal(err->code, ENOENT);
	error_free(&err);
}

static void test_cgroup_path(void **state)
{
	char buf[128];
	struct error *err = NULL;

	(void)state;
	assert_int_equal(pod_cgroup_path("1a2b3c4d-1a2b-4c3d-8e9f-1a2b3c4d5e6f",
					 buf, sizeof(buf)),
			 0);
	assert_string_equal(
		buf,
		"/sys/fs/cgroup/cocoon/1a2b3c4d-1a2b-4c3d-8e9f-1a2b3c4d5e6f");
	assert_int_equal(pod_cgroup_path("x", buf, 10), -1);
	/* No such cgroup: nothing to do. */
	assert_int_equal(pod_cleanup_cgroup(
				 "00000000-0000-4000-8000-000000000000", &err),
			 0);
	/* Not a UUID: refused, never turned into a path. */
	assert_int_equal(pod_cleanup_cgroup("../../..", &err), -1);
	assert_int_equal(err->code, EINVAL);
	error_free(&err);
}

static void test_cleanup_missing_dir(void **state)
{
	struct error *err = NULL;
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/not-there", tmpdir);
	assert_int_equal(pod_cleanup_mounts(path, &err), 0);
	assert_null(err);
}

static int count_below(const char *root)
{
	char **paths = NULL;
	size_t n = 0;

	if (pod_mounts_below("/proc/self/mountinfo", root, &paths, &n, NULL) <
	    0)
		return -1;
	pod_mounts_free(paths, n);
	return (int)n;
}

/* Hides everything beneath pod under one more mount, then cleans up. */
static int child_unmount(const char *pod)
{
	struct error *err = NULL;

	if (mount("tmpfs", pod, "tmpfs", 0, NULL))
		return 13;
	if (count_below(pod) != 4)
		return 14;
	if (pod_cleanup_mounts(pod, &err) < 0) {
		fprintf(stderr, "%s\n", err->message);
		error_free(&err);
		return 15;
	}
	if (count_below(pod) != 0)
		return 16;
	return 0;
}

/*
 * Real mounts, in a private mount namespace of a child process: needs
 * root (CAP_SYS_ADMIN); skipped otherwise.
 */
static int child_mounts(void)
{
	char pod[256], a[300], b[300], c[300], bind[300], busy[300];
	FILE *open_file;
	int r;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 77;
	snprintf(pod, sizeof(pod), "%s/pod", tmpdir);
	snprintf(a, sizeof(a), "%s/a", pod);
	snprintf(b, sizeof(b), "%s/a/b", pod);
	snprintf(c, sizeof(c), "%s/c d", pod);
	snprintf(bind, sizeof(bind), "%s/pod-bind-src", tmpdir);
	snprintf(busy, sizeof(busy), "%s/c d/file", pod);
	if (mkdir(pod, 0700) || mkdir(a, 0700) || mkdir(c, 0700) ||
	    mkdir(bind, 0700))
		return 10;
	/* Nested: a, then b inside a; a bind on "c d"; then the pod dir
	 * itself gets mounted over, hiding everything. */
	if (mount("tmpfs", a, "tmpfs", 0, NULL) || mkdir(b, 0700) ||
	    mount("tmpfs", b, "tmpfs", 0, NULL) ||
	    mount(bind, c, NULL, MS_BIND, NULL))
		return 11;
	open_file = fopen(busy, "w"); /* keeps "c d" busy: detached */
	if (!open_file)
		return 12;
	r = child_unmount(pod);
	fclose(open_file);
	if (r)
		return r;
	/* The bind source is untouched: the file written through the
	 * (now detached) bind is still there. */
	snprintf(busy, sizeof(busy), "%s/pod-bind-src/file", tmpdir);
	if (access(busy, F_OK) != 0)
		return 17;
	return 0;
}

static void test_cleanup_real_mounts(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_mounts());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mounts_below, setup,
						teardown),
		cmocka_unit_test(test_cgroup_path),
		cmocka_unit_test_setup_teardown(test_cleanup_missing_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cleanup_real_mounts, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
