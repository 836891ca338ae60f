// SPDX-License-Identifier: Apache-2.0
/*
 * cgroup_oom_kills(): the "oom_kill" count of a cgroup's memory.events,
 * read from files shaped like the kernel's (cgroup-v2.rst), in a temp dir
 * standing for the cgroup.
 */
#include "stage0/cgroup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[] = "/tmp/cocoon-test-cgroup-XXXXXX";

static void write_events(const char *text)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/memory.events", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char path[64];

	(void)state;
	snprintf(path, sizeof(path), "%s/memory.events", dir);
	unlink(path);
	return rmdir(dir);
}

static void test_counts(void **state)
{
	(void)state;
	write_events("low 0\nhigh 0\nmax 17\noom 2\noom_kill 2\n"
		     "oom_group_kill 0\n");
	assert_int_equal(cgroup_oom_kills(dir), 2);
	write_events("low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
	assert_int_equal(cgroup_oom_kills(dir), 0);
	/* oom_group_kill is another key, not oom_kill */
	write_events("oom_group_kill 5\noom_kill 1\n");
	assert_int_equal(cgroup_oom_kills(dir), 1);
}

static void test_unreadable(void **state)
{
	(void)state;
	/* no such cgroup */
	assert_int_equal(cgroup_oom_kills("/nonexistent/cgroup"), -1);
	/* a kernel before 4.13 has no oom_kill line */
	write_events("low 0\nhigh 0\nmax 0\noom 3\n");
	assert_int_equal(cgroup_oom_kills(dir), -1);
	/* garbage stops the reading */
	write_events("oom kill\noom_kill 4\n");
	assert_int_equal(cgroup_oom_kills(dir), -1);
	write_events("");
	assert_int_equal(cgroup_oom_kills(dir), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_unreadable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
