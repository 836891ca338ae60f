// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "common/error.h"
#include "stage0/command.h"

static int test_run(int argc, char **argv, const struct global_options *g)
{
	(void)argc;
	(void)argv;
	(void)g;
	return 0;
}

/* Registered beside the built-in help and version, like a real command. */
COCOON_COMMAND(test_zeta, .name = "zeta", .summary = "z", .run = test_run);
COCOON_COMMAND(test_tgroup_show, .name = "tgroup show", .summary = "l",
	       .run = test_run);

static void test_find(void **state)
{
	const struct command *c;

	(void)state;
	c = command_find("zeta");
	assert_non_null(c);
	assert_string_equal(c->summary, "z");
	assert_non_null(command_find("tgroup show"));
	assert_non_null(command_find("version"));
	assert_non_null(command_find("help"));
	assert_null(command_find("tgroup"));
	assert_null(command_find("zet"));
	assert_null(command_find(""));
}

struct collected {
	const char *names[256];
	size_t n;
};

static void collect(const struct command *c, void *arg)
{
	struct collected *all = arg;

	assert_true(all->n < 256);
	all->names[all->n++] = c->name;
}

static bool collected_has(const struct collected *all, const char *name)
{
	for (size_t i = 0; i < all->n; i++)
		if (!strcmp(all->names[i], name))
			return true;
	return false;
}

static void test_for_each_sorted(void **state)
{
	struct collected all = {.n = 0};

	(void)state;
	command_for_each(collect, &all);
	/* Every registered command once, in strictly ascending order. */
	for (size_t i = 1; i < all.n; i++)
		assert_true(strcmp(all.names[i - 1], all.names[i]) < 0);
	assert_true(collected_has(&all, "help"));
	assert_true(collected_has(&all, "version"));
	assert_true(collected_has(&all, "tgroup show"));
	assert_true(collected_has(&all, "zeta"));
	assert_false(collected_has(&all, "tgroup"));
}

static unsigned parse_ok(const char *list)
{
	struct error *err = NULL;
	unsigned bits = 0xdead;

	assert_int_equal(insecure_options_parse(list, &bits, &err), 0);
	assert_null(err);
	return bits;
}

static void parse_bad(const char *list, const char *want)
{
	struct error *err = NULL;
	unsigned bits = 0xdead;

	assert_int_equal(insecure_options_parse(list, &bits, &err), -1);
	assert_non_null(err);
	assert_int_equal(bits, 0xdead);
	if (!strstr(err->message, want))
		fail_msg("\"%s\": error \"%s\" lacks \"%s\"", list,
			 err->message, want);
	error_free(&err);
}

static void test_insecure_names(void **state)
{
	const unsigned fetch = INSECURE_IMAGE | INSECURE_TLS | INSECURE_HTTP;
	const unsigned run =
		INSECURE_CAPABILITIES | INSECURE_PATHS | INSECURE_SECCOMP;

	(void)state;
	assert_int_equal(parse_ok("none"), INSECURE_NONE);
	assert_int_equal(parse_ok("image"), INSECURE_IMAGE);
	assert_int_equal(parse_ok("tls"), INSECURE_TLS);
	assert_int_equal(parse_ok("http"), INSECURE_HTTP);
	assert_int_equal(parse_ok("pubkey"), INSECURE_PUBKEY);
	assert_int_equal(parse_ok("capabilities"), INSECURE_CAPABILITIES);
	assert_int_equal(parse_ok("paths"), INSECURE_PATHS);
	assert_int_equal(parse_ok("seccomp"), INSECURE_SECCOMP);
	assert_int_equal(parse_ok("all-fetch"), fetch);
	assert_int_equal(parse_ok("all-run"), run);
	assert_int_equal(parse_ok("all"), fetch | run | INSECURE_PUBKEY);
	assert_int_equal(parse_ok("image,http"),
			 INSECURE_IMAGE | INSECURE_HTTP);
	assert_int_equal(parse_ok("none,tls"), INSECURE_TLS);
	assert_int_equal(parse_ok("all-fetch,pubkey"), fetch | INSECURE_PUBKEY);
	assert_int_equal(parse_ok("image,image"), INSECURE_IMAGE);
}

static void test_insecure_bad(void **state)
{
	(void)state;
	parse_bad("", "empty list");
	parse_bad("bogus", "unknown option \"bogus\"");
	parse_bad("image,bogus", "unknown option \"bogus\"");
	parse_bad("image,", "unknown option \"\"");
	parse_bad(",image", "unknown option \"\"");
	parse_bad("image,,http", "unknown option \"\"");
	parse_bad("IMAGE", "unknown option \"IMAGE\"");
	parse_bad("image http", "unknown option \"image http\"");
	parse_bad("ondisk", "unknown option \"ondisk\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_for_each_sorted),
		cmocka_unit_test(test_insecure_names),
		cmocka_unit_test(test_insecure_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
