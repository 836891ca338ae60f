// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest/cmdline.h"

static char *get(const char *cmdline, const char *key)
{
	char *value = NULL;
	int ret = cmdline_get(cmdline, key, &value);

	assert_true(ret == 0 || ret == 1);
	if (ret == 0)
		assert_null(value);
	return value;
}

static void check_value(const char *cmdline, const char *key, const char *want)
{
	char *value = get(cmdline, key);

	if (!want) {
		assert_null(value);
		return;
	}
	assert_non_null(value);
	assert_string_equal(value, want);
	free(value);
}

static void test_get_plain(void **state)
{
	(void)state;
	check_value("console=ttyS0 reboot=k cocoon.exec=/bin/true quiet\n",
		    "cocoon.exec", "/bin/true");
	check_value("cocoon.exec=/bin/true", "cocoon.exec", "/bin/true");
	check_value("console=ttyS0 quiet\n", "cocoon.exec", NULL);
	check_value("", "cocoon.exec", NULL);
	check_value("   \n", "cocoon.exec", NULL);
}

static void test_get_quoted(void **state)
{
	(void)state;
	/* The brief's example: the value keeps its inner single quotes. */
	check_value(
		"quiet cocoon.exec=\"/bin/busybox sh -c 'echo hi'\" reboot=k",
		"cocoon.exec", "/bin/busybox sh -c 'echo hi'");
	/* Quotes around the whole parameter, as next_arg() allows. */
	check_value("\"cocoon.exec=/bin/sh -c true\" quiet", "cocoon.exec",
		    "/bin/sh -c true");
	/* A quote in the middle protects blanks but stays in the value. */
	check_value("cocoon.exec=a\"b c\"d x", "cocoon.exec", "a\"b c\"d");
	/* Unterminated quote: the rest of the line is the value. */
	check_value("cocoon.exec=\"a b", "cocoon.exec", "a b");
	check_value("cocoon.exec=\"\"", "cocoon.exec", "");
}

static void test_get_exact_name(void **state)
{
	(void)state;
	check_value("cocoon.execx=1 xcocoon.exec=2", "cocoon.exec", NULL);
	check_value("cocoon.exec", "cocoon.exec", "");
	check_value("cocoon.exec=", "cocoon.exec", "");
	/* The value may itself contain '='. */
	check_value("cocoon.exec=env A=B true", "cocoon.exec", "env");
	check_value("cocoon.exec=\"env A=B true\"", "cocoon.exec",
		    "env A=B true");
}

static void test_get_last_wins_and_dashdash(void **state)
{
	(void)state;
	check_value("cocoon.exec=a cocoon.exec=b", "cocoon.exec", "b");
	/* After "--" the words are init's argv, not kernel parameters. */
	check_value("cocoon.exec=a -- cocoon.exec=b", "cocoon.exec", "a");
	check_value("quiet -- cocoon.exec=b", "cocoon.exec", NULL);
	check_value("\tcocoon.exec=x\t\tquiet", "cocoon.exec", "x");
}

static void check_argv(const char *command, const char *const *want)
{
	char **argv = NULL;
	int n = 0, ret;

	while (want[n])
		n++;
	ret = cmdline_split(command, &argv);
	assert_int_equal(ret, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(argv[i], want[i]);
	assert_null(argv[n]);
	cmdline_argv_free(argv);
}

static void test_split(void **state)
{
	(void)state;
	check_argv("/bin/true", (const char *[]){"/bin/true", NULL});
	check_argv("  a   b\tc ", (const char *[]){"a", "b", "c", NULL});
	check_argv(
		"/bin/busybox sh -c 'echo hi'",
		(const char *[]){"/bin/busybox", "sh", "-c", "echo hi", NULL});
	check_argv("sh -c \"echo \\\"x\\\" \\\\ \\$y\"",
		   (const char *[]){"sh", "-c", "echo \"x\" \\ \\$y", NULL});
	check_argv("a\\ b c", (const char *[]){"a b", "c", NULL});
	check_argv("'' x", (const char *[]){"", "x", NULL});
	check_argv("a'b c'd", (const char *[]){"ab cd", NULL});
	check_argv("", (const char *[]){NULL});
	check_argv("   ", (const char *[]){NULL});
}

static void test_split_invalid(void **state)
{
	char **argv = (char **)0x1;

	(void)state;
	assert_int_equal(cmdline_split("sh -c 'echo", &argv), -EINVAL);
	assert_int_equal(cmdline_split("sh -c \"echo", &argv), -EINVAL);
	assert_int_equal(cmdline_split("trailing\\", &argv), -EINVAL);
	assert_ptr_equal(argv, (char **)0x1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_plain),
		cmocka_unit_test(test_get_quoted),
		cmocka_unit_test(test_get_exact_name),
		cmocka_unit_test(test_get_last_wins_and_dashdash),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
