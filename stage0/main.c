// SPDX-License-Identifier: Apache-2.0
/*
 * cocoon: the stage0 command line. Parses the global flags, finds the
 * command (each one a file that registers itself with COCOON_COMMAND()),
 * and hands it the rest of argv.
 */
#include "common/cleanup.h"
#include "common/error.h"
#include "common/log.h"
#include "stage0/cli.h"
#include "stage0/cmd_help.h"
#include "stage0/command.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static int main_usage_error(struct error **err)
{
	error_print(err);
	fputs("Run 'cocoon help' for usage.\n", stderr);
	return CLI_EXIT_USAGE;
}

/* Runs c with argv[0] = its name and then the n arguments in rest. */
static int main_run(const struct command *c, int n, char **rest,
		    const struct global_options *g)
{
	cleanup_free char **args = calloc(n + 2, sizeof(*args));

	if (!args) {
		log_error("out of memory");
		return 1;
	}
	args[0] = (char *)c->name;
	for (int i = 0; i < n; i++)
		args[i + 1] = rest[i];
	return c->run(n + 1, args, g);
}

/* A command every build has; its absence is a build error. */
static const struct command *main_builtin(const char *name)
{
	const struct command *c = command_find(name);

	if (!c) {
		log_error("the %s command is missing from this build", name);
		exit(1);
	}
	return c;
}

int main(int argc, char **argv)
{
	cleanup_error struct error *err = NULL;
	struct global_options g;
	const struct command *c;
	bool help, version;
	int first, words;

	log_init("cocoon");
	cli_defaults(&g);
	first = cli_parse_globals(argc, argv, &g, &help, &version, &err);
	if (first < 0)
		return main_usage_error(&err);
	if (g.debug)
		log_set_level(LOG_DEBUG);
	if (version)
		return main_run(main_builtin("version"), 0, NULL, &g);
	/* `cocoon --help [COMMAND]` is `cocoon help [COMMAND]`. */
	if (help)
		return main_run(main_builtin("help"), argc - first,
				argv + first, &g);
	if (first >= argc) {
		/* `cocoon` alone: the overview, as a usage error. */
		help_print_overview(stderr);
		return CLI_EXIT_USAGE;
	}
	c = cli_find_command(argc - first, argv + first, &words, &err);
	if (!c)
		return main_usage_error(&err);
	first += words;
	if (cli_wants_help(argc - first, argv + first)) {
		help_print_command(c, stdout);
		return 0;
	}
	return main_run(c, argc - first, argv + first, &g);
}
