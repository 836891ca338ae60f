// SPDX-License-Identifier: Apache-2.0
/* The device options of cocoon-vmm: --rng and --share TAG=DIR[,ro]. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/log.h"
#include "vmm/options.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PARSE(opts, ...)                                                   \
	({                                                                 \
		char *argv_[] = {"cocoon-vmm", __VA_ARGS__, NULL};         \
		options_parse((int)(sizeof(argv_) / sizeof(argv_[0])) - 1, \
			      argv_, (opts));                              \
	})

static struct options o; /* large: share paths */

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(PARSE(&o, "--kernel", "k"), 0);
	assert_false(o.rng);
	assert_int_equal(o.nshares, 0);
}

static void test_rng(void **state)
{
	(void)state;
	assert_int_equal(PARSE(&o, "--kernel", "k", "--rng"), 0);
	assert_true(o.rng);
	/* a flat guest has no devices */
	assert_int_equal(PARSE(&o, "--flat", "f", "--rng"), -EINVAL);
}

static void test_shares(void **state)
{
	(void)state;
	assert_int_equal(PARSE(&o, "--kernel", "k", "--share", "root=/srv/a",
			       "--share=vol-1.x_Y=/b,c,ro", "--share",
			       "w=/dir,rox"),
			 0);
	assert_int_equal(o.nshares, 3);
	assert_string_equal(o.shares[0].tag, "root");
	assert_string_equal(o.shares[0].dir, "/srv/a");
	assert_false(o.shares[0].read_only);
	assert_string_equal(o.shares[1].tag, "vol-1.x_Y");
	assert_string_equal(o.shares[1].dir, "/b,c");
	assert_true(o.shares[1].read_only);
	/* only an exact ",ro" suffix means read-only */
	assert_string_equal(o.shares[2].dir, "/dir,rox");
	assert_false(o.shares[2].read_only);
	/* '=' in the directory is the directory's */
	assert_int_equal(PARSE(&o, "--kernel", "k", "--share", "t=/a=b"), 0);
	assert_string_equal(o.shares[0].dir, "/a=b");
	/* a 31-byte tag is the longest */
	assert_int_equal(PARSE(&o, "--kernel", "k", "--share",
			       "abcdefghijklmnopqrstuvwxyz01234=/d"),
			 0);
	assert_int_equal(strlen(o.shares[0].tag), 31);
}

static void test_shares_refused(void **state)
{
	(void)state;
	assert_int_equal(PARSE(&o, "--kernel", "k", "--share", "nodir"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--share", "=/d"), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--share", "t="), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--share", "t=,ro"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--share",
			       "abcdefghijklmnopqrstuvwxyz012345=/d"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--share", "a b=/d"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--share", "a/b=/d"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--share", "t\xc3\xa9=/d"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--share", "a=/d",
			       "--share", "a=/e"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--share"), -EINVAL);
	assert_int_equal(PARSE(&o, "--flat", "f", "--share", "a=/d"), -EINVAL);
}

static void test_shares_limit(void **state)
{
	char *argv[2 + 2 * (OPTIONS_SHARES_MAX + 1) + 1];
	char args[OPTIONS_SHARES_MAX + 1][16];
	int argc = 0;

	(void)state;
	argv[argc++] = "cocoon-vmm";
	argv[argc++] = "--kernel=k";
	for (unsigned int i = 0; i < OPTIONS_SHARES_MAX; i++) {
		snprintf(args[i], sizeof(args[i]), "t%u=/d", i);
		argv[argc++] = "--share";
		argv[argc++] = args[i];
	}
	argv[argc] = NULL;
	assert_int_equal(options_parse(argc, argv, &o), 0);
	assert_int_equal(o.nshares, OPTIONS_SHARES_MAX);
	snprintf(args[OPTIONS_SHARES_MAX], 16, "t%u=/d", OPTIONS_SHARES_MAX);
	argv[argc++] = "--share";
	argv[argc++] = args[OPTIONS_SHARES_MAX];
	argv[argc] = NULL;
	assert_int_equal(options_parse(argc, argv, &o), -EINVAL);
}

static void test_share_dir_too_long(void **state)
{
	static char arg[OPTIONS_SHARE_DIR_MAX + 8];
	char *argv[] = {"cocoon-vmm", "--kernel", "k", "--share", arg, NULL};

	(void)state;
	memset(arg, 'x', sizeof(arg) - 1);
	arg[0] = 't';
	arg[1] = '=';
	arg[sizeof(arg) - 1] = '\0';
	assert_int_equal(options_parse(5, argv, &o), -EINVAL);
	arg[OPTIONS_SHARE_DIR_MAX + 1] = '\0'; /* 4095-byte directory */
	assert_int_equal(options_parse(5, argv, &o), 0);
	assert_int_equal(strlen(o.shares[0].dir), OPTIONS_SHARE_DIR_MAX - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_rng),
		cmocka_unit_test(test_shares),
		cmocka_unit_test(test_shares_refused),
		cmocka_unit_test(test_shares_limit),
		cmocka_unit_test(test_share_dir_too_long),
	};

	log_init("test_vmm_virtio_options");
	log_set_level(LOG_SILENT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
