// SPDX-License-Identifier: Apache-2.0
/* cocoon-vmm --net tap=NAME[,mac=MAC] | fd=N[,mac=MAC]: the two forms,
 * tap names, fds, MACs, repeats, and flat mode refusing it. */
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
#define NET_BAD(value) \
	assert_int_equal(PARSE(&o, "--kernel", "k", "--net", value), -EINVAL)

static void test_net_none(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--kernel", "k"), 0);
	assert_false(o.net);
	assert_int_equal(o.net_fd, -1);
	assert_string_equal(o.net_tap, "");
}

static void test_net_tap(void **state)
{
	static const uint8_t mac[6] = {0x02, 0xab, 0xcd, 0x00, 0x01, 0xff};
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--kernel", "k", "--net", "tap=tap0"), 0);
	assert_true(o.net);
	assert_string_equal(o.net_tap, "tap0");
	assert_int_equal(o.net_fd, -1);
	assert_false(o.net_mac_set);
	/* 15 bytes is IFNAMSIZ - 1; MAC hex in either case */
	assert_int_equal(PARSE(&o, "--kernel", "k", "--net",
			       "tap=a.b-c_d0123456,mac=02:AB:cd:00:01:Ff"),
			 0);
	assert_string_equal(o.net_tap, "a.b-c_d0123456");
	assert_true(o.net_mac_set);
	assert_memory_equal(o.net_mac, mac, 6);
	/* mac first */
	assert_int_equal(PARSE(&o, "--kernel", "k", "--net",
			       "mac=02:ab:cd:00:01:ff,tap=x"),
			 0);
	assert_string_equal(o.net_tap, "x");
	assert_memory_equal(o.net_mac, mac, 6);
}

static void test_net_fd(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--kernel", "k", "--net", "fd=3"), 0);
	assert_true(o.net);
	assert_int_equal(o.net_fd, 3);
	assert_string_equal(o.net_tap, "");
	assert_int_equal(PARSE(&o, "--kernel", "k", "--net",
			       "fd=2147483647,mac=06:00:00:00:00:00"),
			 0);
	assert_int_equal(o.net_fd, 2147483647);
	assert_true(o.net_mac_set);
	assert_int_equal(o.net_mac[0], 6);
}

static void test_net_bad(void **state)
{
	struct options o;

	(void)state;
	log_set_level(LOG_SILENT);
	/* no form, both forms, unknown and repeated keys, stray commas */
	NET_BAD("");
	NET_BAD("tap0");
	NET_BAD("tap=a,fd=3");
	NET_BAD("mac=02:00:00:00:00:01");
	NET_BAD("tap=a,tap=b");
	NET_BAD("fd=3,fd=4");
	NET_BAD("tap=a,mac=02:00:00:00:00:01,mac=02:00:00:00:00:02");
	NET_BAD("tap=a,vhost=on");
	NET_BAD("tap=a,");
	NET_BAD(",tap=a");
	NET_BAD("tap=a,,mac=02:00:00:00:00:01");
	NET_BAD("TAP=a");
	/* tap names: empty, too long, characters Linux or we refuse */
	NET_BAD("tap=");
	NET_BAD("tap=0123456789abcdef");
	NET_BAD("tap=a/b");
	NET_BAD("tap=a:b");
	NET_BAD("tap=a b");
	NET_BAD("tap=.");
	NET_BAD("tap=..");
	/* fds: stdio, negative, not decimal, too big */
	NET_BAD("fd=0");
	NET_BAD("fd=2");
	NET_BAD("fd=-1");
	NET_BAD("fd=");
	NET_BAD("fd=3x");
	NET_BAD("fd=0x10");
	NET_BAD("fd=2147483648");
	NET_BAD("fd=99999999999");
	/* MACs: group address, all zero, short, long, separators, digits */
	NET_BAD("tap=a,mac=01:00:5e:00:00:01");
	NET_BAD("tap=a,mac=ff:ff:ff:ff:ff:ff");
	NET_BAD("tap=a,mac=00:00:00:00:00:00");
	NET_BAD("tap=a,mac=02:00:00:00:00");
	NET_BAD("tap=a,mac=02:00:00:00:00:01:02");
	NET_BAD("tap=a,mac=02:00:00:00:00:1");
	NET_BAD("tap=a,mac=02-00-00-00-00-01");
	NET_BAD("tap=a,mac=02:00:00:00:00:0g");
	NET_BAD("tap=a,mac=");
	NET_BAD("tap=a,mac=020000000001");
	/* one NIC */
	assert_int_equal(
		PARSE(&o, "--kernel", "k", "--net", "tap=a", "--net", "tap=b"),
		-EINVAL);
	/* devices need a kernel */
	assert_int_equal(PARSE(&o, "--flat", "f", "--net", "tap=a"), -EINVAL);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--net"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_net_none),
		cmocka_unit_test(test_net_tap),
		cmocka_unit_test(test_net_fd),
		cmocka_unit_test(test_net_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
