// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "common/error.h"

static void test_set_and_wrap(void **state)
{
	struct error *err = NULL;

	(void)state;
	assert_int_equal(
		error_set(&err, EINVAL, "signature made by %s", "ABCD"), -1);
	assert_int_equal(err->code, EINVAL);
	assert_int_equal(error_wrap(&err, "verify %s", "example.com/app"), -1);
	assert_int_equal(error_wrap(&err, "fetch"), -1);
	assert_string_equal(
		err->message,
		"fetch: verify example.com/app: signature made by ABCD");
	error_free(&err);
	assert_null(err);
}

static void test_first_cause_wins(void **state)
{
	struct error *err = NULL;

	(void)state;
	error_set(&err, EIO, "first");
	error_set(&err, EINVAL, "second");
	assert_string_equal(err->message, "first");
	assert_int_equal(err->code, EIO);
	error_free(&err);
}

static void test_errno(void **state)
{
	struct error *err = NULL;

	(void)state;
	errno = ENOENT;
	error_set_errno(&err, "open %s", "/x");
	assert_int_equal(err->code, ENOENT);
	assert_string_equal(err->message, "open /x: No such file or directory");
	error_free(&err);
}

static void test_null_and_empty(void **state)
{
	struct error *err = NULL;

	(void)state;
	assert_int_equal(error_set(NULL, EINVAL, "dropped"), -1);
	assert_int_equal(error_wrap(&err, "nothing to wrap"), -1);
	assert_null(err);
	error_free(&err);
	error_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_and_wrap),
		cmocka_unit_test(test_first_cause_wins),
		cmocka_unit_test(test_errno),
		cmocka_unit_test(test_null_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
