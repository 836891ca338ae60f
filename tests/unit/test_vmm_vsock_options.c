// SPDX-License-Identifier: Apache-2.0
/* cocoon-vmm --vsock CID,PATH: the CID range, the path bound, repeats,
 * and flat mode refusing it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/log.h"
#include "vmm/options.h"

#include <errno.h>
#include <string.h>

#define PARSE(opts, ...)                                                   \
	({                                                                 \
		char *argv_[] = {"cocoon-vmm", __VA_ARGS__, NULL};         \
		options_parse((int)(sizeof(argv_) / sizeof(argv_[0])) - 1, \
			      argv_, (opts));                              \
	})

static void test_vsock_ok(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--kernel", "k"), 0);
	assert_int_equal(o.vsock_cid, 0);
	assert_null(o.vsock_path);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--vsock", "3,/run/v.sock"),
			 0);
	assert_int_equal(o.vsock_cid, 3);
	assert_string_equal(o.vsock_path, "/run/v.sock");
	assert_int_equal(
		PARSE(&o, "--kernel", "k", "--vsock", "4294967294,a,b"), 0);
	assert_int_equal(o.vsock_cid, 4294967294u);
	assert_string_equal(o.vsock_path, "a,b");
}

static void test_vsock_bad(void **state)
{
	char long_path[120];
	struct options o;

	(void)state;
	log_set_level(LOG_SILENT);
	/* reserved CIDs, VMADDR_CID_ANY, not numbers */
	assert_int_equal(PARSE(&o, "--kernel", "k", "--vsock", "0,p"), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--vsock", "2,p"), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--vsock", "4294967295,p"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--vsock", "99999999999,p"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--vsock", "-3,p"),
			 -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--vsock", ",p"), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--vsock", "0x3,p"),
			 -EINVAL);
	/* no path, an empty one, one too long for PATH_<port> */
	assert_int_equal(PARSE(&o, "--kernel", "k", "--vsock", "3"), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--vsock", "3,"), -EINVAL);
	memset(long_path, 'a', sizeof(long_path));
	memcpy(long_path, "3,", 2);
	long_path[2 + OPTIONS_VSOCK_PATH_MAX] = '\0';
	assert_int_equal(PARSE(&o, "--kernel", "k", "--vsock", long_path), 0);
	long_path[2 + OPTIONS_VSOCK_PATH_MAX] = 'a';
	long_path[3 + OPTIONS_VSOCK_PATH_MAX] = '\0';
	assert_int_equal(PARSE(&o, "--kernel", "k", "--vsock", long_path),
			 -EINVAL);
	/* twice; with --flat */
	assert_int_equal(
		PARSE(&o, "--kernel", "k", "--vsock", "3,a", "--vsock", "4,b"),
		-EINVAL);
	assert_int_equal(PARSE(&o, "--flat", "f", "--vsock", "3,a"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vsock_ok),
		cmocka_unit_test(test_vsock_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
