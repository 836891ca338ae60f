// SPDX-License-Identifier: Apache-2.0
/* stage0/duration.c: command-line durations. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "stage0/duration.h"

static int64_t parse_ok(const char *s)
{
	struct error *err = NULL;
	int64_t ms = -1;

	if (duration_parse(s, &ms, &err) < 0) {
		print_error("duration_parse(\"%s\"): %s\n", s, err->message);
		error_free(&err);
		fail();
	}
	return ms;
}

static int parse_err(const char *s)
{
	struct error *err = NULL;
	int64_t ms = 12345;
	int code;

	assert_int_equal(duration_parse(s, &ms, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "duration"));
	assert_int_equal(ms, 12345); /* untouched on error */
	code = err->code;
	error_free(&err);
	return code;
}

static void test_units(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("500ms"), 500);
	assert_int_equal(parse_ok("10s"), 10000);
	assert_int_equal(parse_ok("30m"), 30 * 60000);
	assert_int_equal(parse_ok("24h"), 24LL * 3600000);
	assert_int_equal(parse_ok("2d"), 48LL * 3600000);
	assert_int_equal(parse_ok("0s"), 0);
	assert_int_equal(parse_ok("0"), 0);
}

static void test_sequences(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1h30m"), 90 * 60000);
	assert_int_equal(parse_ok("1m30s"), 90000);
	assert_int_equal(parse_ok("1s500ms"), 1500);
	assert_int_equal(parse_ok("1h1m1s1ms"), 3661001);
}

static void test_plain_seconds(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("30"), 30000);
	assert_int_equal(parse_ok("1.5"), 1500);
}

static void test_fractions(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1.5h"), 90 * 60000);
	assert_int_equal(parse_ok("0.5s"), 500);
	assert_int_equal(parse_ok(".25s"), 250);
	assert_int_equal(parse_ok("2.0001s"), 2000); /* below 1 ms: dropped */
}

static void test_bad(void **state)
{
	(void)state;
	assert_int_equal(parse_err(""), EINVAL);
	assert_int_equal(parse_err("s"), EINVAL);
	assert_int_equal(parse_err("-5s"), EINVAL);
	assert_int_equal(parse_err("5x"), EINVAL);
	assert_int_equal(parse_err("1h30"), EINVAL);
	assert_int_equal(parse_err("10 s"), EINVAL);
	assert_int_equal(parse_err("1.2.3s"), EINVAL);
	assert_int_equal(parse_err("."), EINVAL);
	assert_int_equal(parse_err("5sec"), EINVAL);
}

static void test_range(void **state)
{
	(void)state;
	assert_int_equal(parse_err("99999999999999999999999s"), ERANGE);
	assert_int_equal(parse_err("1000000000h"), ERANGE);
	assert_int_equal(parse_err("36500d36500d"), ERANGE);
	assert_int_equal(parse_ok("36500d"), 36500LL * 24 * 3600000);
}

static void test_format(void **state)
{
	char buf[32];

	(void)state;
	duration_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "0s");
	duration_format(500, buf, sizeof(buf));
	assert_string_equal(buf, "500ms");
	duration_format(90 * 60000, buf, sizeof(buf));
	assert_string_equal(buf, "1h30m");
	duration_format(3661001, buf, sizeof(buf));
	assert_string_equal(buf, "1h1m1s1ms");
	duration_format(48LL * 3600000, buf, sizeof(buf));
	assert_string_equal(buf, "48h");
	/* Round trip. */
	assert_int_equal(parse_ok("1h1m1s1ms"), 3661001);
	/* Truncated, still terminated. */
	duration_format(3661001, buf, 4);
	assert_int_equal(strlen(buf), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_sequences),
		cmocka_unit_test(test_plain_seconds),
		cmocka_unit_test(test_fractions),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
