// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/capability.h>
#include <string.h>

#include "guest/caps.h"

static void test_names_match_kernel_numbers(void **state)
{
	(void)state;
	/* Spot checks against include/uapi/linux/capability.h. */
	assert_int_equal(caps_from_name("CAP_CHOWN"), CAP_CHOWN);
	assert_int_equal(caps_from_name("CAP_KILL"), CAP_KILL);
	assert_int_equal(caps_from_name("CAP_NET_BIND_SERVICE"),
			 CAP_NET_BIND_SERVICE);
	assert_int_equal(caps_from_name("CAP_SYS_ADMIN"), CAP_SYS_ADMIN);
	assert_int_equal(caps_from_name("CAP_SETFCAP"), CAP_SETFCAP);
	assert_int_equal(caps_from_name("CAP_AUDIT_READ"), CAP_AUDIT_READ);
	assert_int_equal(caps_from_name("CAP_CHECKPOINT_RESTORE"),
			 CAP_CHECKPOINT_RESTORE);
	assert_int_equal(CAPS_LAST, CAP_LAST_CAP);
}

static void test_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i <= CAPS_LAST; i++) {
		const char *name = caps_name(i);

		assert_non_null(name);
		assert_int_equal(strncmp(name, "CAP_", 4), 0);
		assert_int_equal(caps_from_name(name), i);
	}
	assert_null(caps_name(-1));
	assert_null(caps_name(CAPS_LAST + 1));
}

static void test_unknown(void **state)
{
	(void)state;
	assert_int_equal(caps_from_name(""), -EINVAL);
	assert_int_equal(caps_from_name("CAP_"), -EINVAL);
	assert_int_equal(caps_from_name("chown"), -EINVAL);
	assert_int_equal(caps_from_name("cap_chown"), -EINVAL);
	assert_int_equal(caps_from_name("CAP_CHOWN "), -EINVAL);
	assert_int_equal(caps_from_name("CAP_CHOWNX"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_match_kernel_numbers),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
