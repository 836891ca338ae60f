// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/log.h"

static void test_escape(void **state)
{
	char out[64];

	(void)state;
	log_escape(out, sizeof(out), "plain text", 10);
	assert_string_equal(out, "plain text");
	log_escape(out, sizeof(out), "a\nb\\c\x7f\0", 7);
	assert_string_equal(out, "a\\x0ab\\x5cc\\x7f\\x00");
	log_escape(out, sizeof(out), "\xff", 1);
	assert_string_equal(out, "\\xff");
}

static void test_escape_truncates_whole(void **state)
{
	char out[6];

	(void)state;
	/* Never half an escape, always NUL-terminated. */
	log_escape(out, sizeof(out), "ab\ncd", 5);
	assert_string_equal(out, "ab");
	log_escape(out, sizeof(out), "abcdefgh", 8);
	assert_string_equal(out, "abcde");
	log_escape(out, 1, "abc", 3);
	assert_string_equal(out, "");
}

static void test_level(void **state)
{
	(void)state;
	assert_int_equal(log_get_level(), LOG_INFO);
	log_set_level(LOG_DEBUG);
	assert_int_equal(log_get_level(), LOG_DEBUG);
	log_set_level(LOG_INFO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_truncates_whole),
		cmocka_unit_test(test_level),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
