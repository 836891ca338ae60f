// SPDX-License-Identifier: Apache-2.0
/* Finding stage1 (stage0/stage1.c) through $COCOON_STAGE1_DIR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stage0/stage1.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void touch(const char *name, mode_t mode)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void rm(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/cocoon-stage1.XXXXXX");
	assert_non_null(mkdtemp(dir));
	setenv(STAGE1_DIR_ENV, dir, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm("cocoon-vmm");
	rm("vmlinux");
	rm("initrd.cpio");
	rmdir(dir);
	unsetenv(STAGE1_DIR_ENV);
	return 0;
}

static void test_complete(void **state)
{
	struct error *err = NULL;
	struct stage1 s;
	char want[128];

	(void)state;
	touch("cocoon-vmm", 0755);
	touch("vmlinux", 0644);
	touch("initrd.cpio", 0644);
	assert_int_equal(stage1_find(&s, &err), 0);
	assert_null(err);
	snprintf(want, sizeof(want), "%s/cocoon-vmm", dir);
	assert_string_equal(s.vmm, want);
	snprintf(want, sizeof(want), "%s/vmlinux", dir);
	assert_string_equal(s.kernel, want);
	snprintf(want, sizeof(want), "%s/initrd.cpio", dir);
	assert_string_equal(s.initrd, want);
	stage1_free(&s);
}

static void expect_missing(const char *what)
{
	struct error *err = NULL;
	struct stage1 s;
	char want[160];

	assert_int_equal(stage1_find(&s, &err), -1);
	assert_non_null(err);
	snprintf(want, sizeof(want), "%s not found in %s", what, dir);
	assert_non_null(strstr(err->message, want));
	assert_non_null(strstr(err->message, STAGE1_DIR_ENV));
	error_free(&err);
}

static void test_missing_initrd(void **state)
{
	(void)state;
	touch("cocoon-vmm", 0755);
	touch("vmlinux", 0644);
	expect_missing("initrd.cpio");
}

/* A VMM that cannot be executed is as good as none. */
static void test_vmm_not_executable(void **state)
{
	(void)state;
	/* access(X_OK) wants an x bit even for root. */
	touch("cocoon-vmm", 0644);
	touch("vmlinux", 0644);
	touch("initrd.cpio", 0644);
	expect_missing("cocoon-vmm");
}

static void test_empty_dir(void **state)
{
	(void)state;
	expect_missing("cocoon-vmm");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_initrd, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vmm_not_executable, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_empty_dir, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
