// SPDX-License-Identifier: Apache-2.0
/*
 * exec_run() on the host, without a controlling tty: the same fork, exec
 * and reaping cocoon-init does as PID 1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>

#include "guest/exec.h"

static void test_exit_status(void **state)
{
	char *const argv[] = {"sh", "-c", "exit 3", NULL};
	int status;

	(void)state;
	status = exec_run(argv, false);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 3);
}

static void test_signal(void **state)
{
	char *const argv[] = {"sh", "-c", "kill -9 $$", NULL};
	int status;

	(void)state;
	status = exec_run(argv, false);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

static void test_not_found(void **state)
{
	char *const argv[] = {"/nonexistent/cocoon-test", NULL};
	int status;

	(void)state;
	status = exec_run(argv, false);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 127);
}

static void test_describe(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(exec_describe_status(0, buf, sizeof(buf)),
			    "exited status 0");
	assert_string_equal(exec_describe_status(42 << 8, buf, sizeof(buf)),
			    "exited status 42");
	assert_string_equal(exec_describe_status(SIGTERM, buf, sizeof(buf)),
			    "killed by signal 15");
	assert_string_equal(
		exec_describe_status(SIGSEGV | 0x80, buf, sizeof(buf)),
		"killed by signal 11");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
