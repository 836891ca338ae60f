// SPDX-License-Identifier: Apache-2.0
#include "stage0/cmd_help.h"
#include "stage0/cli.h"
#include "common/cleanup.h"
#include "common/error.h"

#include <stdlib.h>
#include <string.h>

static void help_print_summary(const struct command *c, void *arg)
{
	FILE *out = arg;

	fprintf(out, "  %-20s %s\n", c->name, c->summary ? c->summary : "");
}

void help_print_overview(FILE *out)
{
	fputs("cocoon: run container images as pods, each in its own KVM "
	      "virtual machine\n"
	      "\n"
	      "Usage: cocoon [global flags] COMMAND [ARGS...]\n"
	      "\n"
	      "Commands:\n",
	      out);
	command_for_each(help_print_summary, out);
	fputc('\n', out);
	cli_print_globals(out);
	fputs("\nRun 'cocoon help COMMAND' or 'cocoon COMMAND --help' for a "
	      "command's usage.\n",
	      out);
}

void help_print_command(const struct command *c, FILE *out)
{
	const char *text = c->usage ? c->usage : c->summary;
	size_t len = text ? strlen(text) : 0;

	fprintf(out, "cocoon %s: %s\n\n", c->name,
		c->summary ? c->summary : "");
	if (c->usage) {
		fputs(c->usage, out);
		if (len && c->usage[len - 1] != '\n')
			fputc('\n', out);
	}
}

static int help_run(int argc, char **argv,
		    const struct global_options *g __attribute__((unused)))
{
	cleanup_error struct error *err = NULL;
	const struct command *c;
	int words;

	if (argc < 2) {
		help_print_overview(stdout);
		return 0;
	}
	c = cli_find_command(argc - 1, argv + 1, &words, &err);
	if (!c) {
		error_wrap(&err, "help");
		error_print(&err);
		return CLI_EXIT_USAGE;
	}
	help_print_command(c, stdout);
	return 0;
}

COCOON_COMMAND(
	help, .name = "help",
	.summary = "print help on cocoon or one of its commands",
	.usage = "Usage: cocoon help [COMMAND]\n"
		 "\n"
		 "Without COMMAND, lists the commands and global flags.\n",
	.run = help_run);
