// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/options.h"

#include <errno.h>

#define PARSE(opts, ...)                                                   \
	({                                                                 \
		char *argv_[] = {"cocoon-vmm", __VA_ARGS__, NULL};         \
		options_parse((int)(sizeof(argv_) / sizeof(argv_[0])) - 1, \
			      argv_, (opts));                              \
	})

static void test_defaults(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--kernel", "vmlinux"), 0);
	assert_string_equal(o.kernel, "vmlinux");
	assert_null(o.initrd);
	assert_null(o.cmdline);
	assert_null(o.console);
	assert_int_equal(o.mem_mib, 128);
	assert_int_equal(o.cpus, 1);
	assert_false(o.allow_pvm);
}

static void test_all_options(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--kernel", "k", "--initrd", "i",
			       "--cmdline", "a=b c", "--mem", "512", "--cpus",
			       "4", "--console", "out.txt", "--allow-pvm"),
			 0);
	assert_string_equal(o.initrd, "i");
	assert_string_equal(o.cmdline, "a=b c");
	assert_string_equal(o.console, "out.txt");
	assert_int_equal(o.mem_mib, 512);
	assert_int_equal(o.cpus, 4);
	assert_true(o.allow_pvm);
}

static void test_equals_form(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--kernel=k", "--mem=64", "--cpus=2"), 0);
	assert_int_equal(o.mem_mib, 64);
	assert_int_equal(o.cpus, 2);
}

static void test_mem_refused(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--kernel", "k", "--mem", "0"), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--mem", "10000000"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--mem", "99999999999"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--mem", "-5"), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--mem", "12M"), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--mem", ""), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--mem", " 5"), -EINVAL);
	/* A kernel needs more than a flat binary. */
	assert_int_equal(PARSE(&o, "--kernel", "k", "--mem", "8"), -EINVAL);
	assert_int_equal(PARSE(&o, "--flat", "f", "--mem", "2"), 0);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--mem", "1048576"), 0);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--mem", "1048577"),
			 -EINVAL);
}

static void test_cpus_refused(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--kernel", "k", "--cpus", "0"), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--cpus", "255"), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--cpus", "254"), 0);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--cpus", "two"), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--cpus", "0x2"), -EINVAL);
}

static void test_bad_combinations(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--mem", "64"), -EINVAL);
	assert_int_equal(PARSE(&o, "--flat", "f", "--kernel", "k"), -EINVAL);
	assert_int_equal(PARSE(&o, "--flat", "f", "--cmdline", "x"), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--kernel", "k2"), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", ""), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--bogus"), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "stray"), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel"), -EINVAL);
}

static void test_help(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--help"), 0);
	assert_true(o.help);
	assert_int_equal(PARSE(&o, "-h"), 0);
	assert_true(o.help);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_equals_form),
		cmocka_unit_test(test_mem_refused),
		cmocka_unit_test(test_cpus_refused),
		cmocka_unit_test(test_bad_combinations),
		cmocka_unit_test(test_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
