// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "guest/console.h"

static void test_active_name(void **state)
{
	char name[16];

	(void)state;
	assert_int_equal(console_active_name("ttyS0\n", name, sizeof(name)), 0);
	assert_string_equal(name, "ttyS0");
	/* console=tty0 console=ttyS0: /dev/console is the last one. */
	assert_int_equal(
		console_active_name("tty0 ttyS0\n", name, sizeof(name)), 0);
	assert_string_equal(name, "ttyS0");
	assert_int_equal(console_active_name("hvc0", name, sizeof(name)), 0);
	assert_string_equal(name, "hvc0");
}

static void test_active_name_rejects(void **state)
{
	char name[8];

	(void)state;
	assert_int_equal(console_active_name("", name, sizeof(name)), -EINVAL);
	assert_int_equal(console_active_name("\n", name, sizeof(name)),
			 -EINVAL);
	assert_int_equal(console_active_name("../x\n", name, sizeof(name)),
			 -EINVAL);
	assert_int_equal(console_active_name("tty/0\n", name, sizeof(name)),
			 -EINVAL);
	assert_int_equal(
		console_active_name("ttyVERYLONG0\n", name, sizeof(name)),
		-ENAMETOOLONG);
	assert_int_equal(console_active_name("ttyS0123", name, sizeof(name)),
			 -ENAMETOOLONG);
	assert_int_equal(console_active_name("ttyS01", name, sizeof(name)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_active_name),
		cmocka_unit_test(test_active_name_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
