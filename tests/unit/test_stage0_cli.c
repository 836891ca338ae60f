// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/error.h"
#include "stage0/cli.h"
#include "stage0/command.h"

static int test_run(int argc, char **argv, const struct global_options *g)
{
	(void)argc;
	(void)argv;
	(void)g;
	return 0;
}

COCOON_COMMAND(test_tgroup, .name = "tgroup", .run = test_run);
COCOON_COMMAND(test_tgroup_list, .name = "tgroup list", .run = test_run);
COCOON_COMMAND(test_tpod_rm, .name = "tpod rm", .run = test_run);
COCOON_COMMAND(test_tpod_list, .name = "tpod list", .run = test_run);

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})

static int parse(char **argv, int argc, struct global_options *g, bool *help,
		 bool *version, struct error **err)
{
	cli_defaults(g);
	return cli_parse_globals(argc, argv, g, help, version, err);
}

static void test_defaults(void **state)
{
	struct global_options g;
	struct error *err = NULL;
	bool help, version;
	char **argv = ARGV("cocoon", "fetch", "--dir=/x");

	(void)state;
	assert_int_equal(parse(argv, 3, &g, &help, &version, &err), 1);
	/* Flags after the command are the command's. */
	assert_string_equal(g.dir, COCOON_DEFAULT_DIR);
	assert_string_equal(g.config_dir, "/etc/cocoon");
	assert_string_equal(g.vendor_dir, "/usr/lib/cocoon");
	assert_int_equal(g.insecure, 0);
	assert_int_equal(g.debug, 0);
	assert_false(help);
	assert_false(version);
}

static void test_all_flags(void **state)
{
	struct global_options g;
	struct error *err = NULL;
	bool help, version;
	char **argv =
		ARGV("cocoon", "--dir=/d", "--debug",
		     "--insecure-options=image,http", "--local-config",
		     "/etc/x", "--system-config=/usr/lib/x", "run", "img");

	(void)state;
	assert_int_equal(parse(argv, 9, &g, &help, &version, &err), 7);
	assert_null(err);
	assert_string_equal(g.dir, "/d");
	assert_int_equal(g.debug, 1);
	assert_int_equal(g.insecure, INSECURE_IMAGE | INSECURE_HTTP);
	assert_string_equal(g.config_dir, "/etc/x");
	assert_string_equal(g.vendor_dir, "/usr/lib/x");
	assert_false(help);
}

static void test_separate_values_and_bools(void **state)
{
	struct global_options g;
	struct error *err = NULL;
	bool help, version;

	(void)state;
	assert_int_equal(
		parse(ARGV("cocoon", "--dir", "/d", "--insecure-options", "all",
			   "--debug=false", "x"),
		      7, &g, &help, &version, &err),
		6);
	assert_string_equal(g.dir, "/d");
	assert_int_equal(g.debug, 0);
	assert_int_equal(g.insecure, INSECURE_IMAGE | INSECURE_TLS |
					     INSECURE_HTTP | INSECURE_PUBKEY |
					     INSECURE_CAPABILITIES |
					     INSECURE_PATHS | INSECURE_SECCOMP);
	assert_int_equal(parse(ARGV("cocoon", "--debug=true"), 2, &g, &help,
			       &version, &err),
			 2);
	assert_int_equal(g.debug, 1);
	/* "--" ends the global flags; what follows is the command. */
	assert_int_equal(parse(ARGV("cocoon", "--debug", "--", "--odd"), 4, &g,
			       &help, &version, &err),
			 3);
}

static void test_help_version(void **state)
{
	struct global_options g;
	struct error *err = NULL;
	bool help, version;

	(void)state;
	assert_int_equal(parse(ARGV("cocoon", "--help", "fetch"), 3, &g, &help,
			       &version, &err),
			 2);
	assert_true(help);
	assert_int_equal(
		parse(ARGV("cocoon", "-h"), 2, &g, &help, &version, &err), 2);
	assert_true(help);
	assert_int_equal(parse(ARGV("cocoon", "--debug", "--version"), 3, &g,
			       &help, &version, &err),
			 3);
	assert_true(version);
	assert_false(help);
	assert_int_equal(parse(ARGV("cocoon"), 1, &g, &help, &version, &err),
			 1);
}

static void bad(char **argv, int argc, const char *want)
{
	struct global_options g;
	struct error *err = NULL;
	bool help, version;

	assert_int_equal(parse(argv, argc, &g, &help, &version, &err), -1);
	assert_non_null(err);
	if (!strstr(err->message, want))
		fail_msg("error \"%s\" lacks \"%s\"", err->message, want);
	error_free(&err);
}

static void test_bad_flags(void **state)
{
	(void)state;
	bad(ARGV("cocoon", "--bogus"), 2, "unknown flag --bogus");
	bad(ARGV("cocoon", "--di=/x"), 2, "unknown flag --di=/x");
	bad(ARGV("cocoon", "--dirx=/x"), 2, "unknown flag --dirx=/x");
	bad(ARGV("cocoon", "-d"), 2, "unknown flag -d");
	bad(ARGV("cocoon", "--dir"), 2, "--dir needs a value");
	bad(ARGV("cocoon", "--dir="), 2, "--dir needs a directory");
	bad(ARGV("cocoon", "--debug=yes"), 2,
	    "--debug=yes: want true or false");
	bad(ARGV("cocoon", "--insecure-options=image,nope"), 2,
	    "--insecure-options: unknown option \"nope\"");
	bad(ARGV("cocoon", "--insecure-options="), 2,
	    "--insecure-options: empty list");
}

static void find_ok(char **argv, int argc, const char *name, int words)
{
	struct error *err = NULL;
	int got_words = 0;
	const struct command *c =
		cli_find_command(argc, argv, &got_words, &err);

	assert_null(err);
	assert_non_null(c);
	assert_string_equal(c->name, name);
	assert_int_equal(got_words, words);
}

static void find_bad(char **argv, int argc, const char *want)
{
	struct error *err = NULL;
	int words = 0;

	assert_null(cli_find_command(argc, argv, &words, &err));
	assert_non_null(err);
	if (!strstr(err->message, want))
		fail_msg("error \"%s\" lacks \"%s\"", err->message, want);
	error_free(&err);
}

static void test_find_command(void **state)
{
	(void)state;
	find_ok(ARGV("version"), 1, "version", 1);
	find_ok(ARGV("version", "extra"), 2, "version", 1);
	/* Two words before one. */
	find_ok(ARGV("tgroup", "list"), 2, "tgroup list", 2);
	find_ok(ARGV("tgroup", "list", "--x"), 3, "tgroup list", 2);
	find_ok(ARGV("tgroup", "other"), 2, "tgroup", 1);
	find_ok(ARGV("tgroup"), 1, "tgroup", 1);
	/* A flag is never a subcommand word. */
	find_ok(ARGV("tgroup", "--list"), 2, "tgroup", 1);
	find_ok(ARGV("tpod", "rm", "abc"), 3, "tpod rm", 2);

	find_bad(ARGV("nope"), 1, "unknown command \"nope\"");
	find_bad(ARGV("tpod"), 1, "tpod needs a subcommand: list, rm");
	find_bad(ARGV("tpod", "frob"), 2,
		 "unknown command \"tpod frob\" (tpod has: list, rm)");
	find_bad(ARGV("frobnicate"), 1, "unknown command \"frobnicate\"");
	find_bad(ARGV(""), 1, "unknown command \"\"");
}

static void test_wants_help(void **state)
{
	(void)state;
	assert_true(cli_wants_help(1, ARGV("--help")));
	assert_true(cli_wants_help(3, ARGV("img", "--x", "--help")));
	assert_false(cli_wants_help(3, ARGV("img", "--", "--help")));
	assert_false(cli_wants_help(1, ARGV("-h")));
	assert_false(cli_wants_help(0, ARGV("--help")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_flags),
		cmocka_unit_test(test_separate_values_and_bools),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_bad_flags),
		cmocka_unit_test(test_find_command),
		cmocka_unit_test(test_wants_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
