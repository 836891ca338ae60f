// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "guest/cpulist.h"

static void test_counts(void **state)
{
	(void)state;
	assert_int_equal(cpulist_count("0\n"), 1);
	assert_int_equal(cpulist_count("0"), 1);
	assert_int_equal(cpulist_count("0-3\n"), 4);
	assert_int_equal(cpulist_count("0-3,5\n"), 5);
	assert_int_equal(cpulist_count("0,2,4-7,9\n"), 7);
	assert_int_equal(cpulist_count("63\n"), 1);
}

static void test_malformed(void **state)
{
	(void)state;
	assert_int_equal(cpulist_count(""), -EINVAL);
	assert_int_equal(cpulist_count("\n"), -EINVAL);
	assert_int_equal(cpulist_count("0-"), -EINVAL);
	assert_int_equal(cpulist_count("3-1"), -EINVAL);
	assert_int_equal(cpulist_count("0,"), -EINVAL);
	assert_int_equal(cpulist_count("0\n\n"), -EINVAL);
	assert_int_equal(cpulist_count("a"), -EINVAL);
	assert_int_equal(cpulist_count("0 1"), -EINVAL);
	assert_int_equal(cpulist_count("-1"), -EINVAL);
	assert_int_equal(cpulist_count("99999999999999999999"), -EINVAL);
	assert_int_equal(cpulist_count("0-999999,0-999999"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
