// SPDX-License-Identifier: Apache-2.0
#include "stage0/cmd_help.h"
#include "stage0/cli.h"
#include "stage0/completion.h"
#include "stage0/manpage.h"
#include "common/cleanup.h"
#include "common/error.h"

#include <errno.h>
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

struct help_group {
	const char *name;
	size_t len;
	FILE *out; /* NULL: only count */
	size_t count;
};

static void help_group_command(const struct command *c, void *arg)
{
	struct help_group *g = arg;

	if (strncmp(c->name, g->name, g->len) || c->name[g->len] != ' ')
		return;
	g->count++;
	if (g->out)
		fprintf(g->out, "  %-16s %s\n", c->name + g->len + 1,
			c->summary ? c->summary : "");
}

/* `cocoon help image`: the group's commands; false if name is no group. */
static bool help_print_group(const char *name, FILE *out)
{
	struct help_group g = {.name = name, .len = strlen(name)};

	command_for_each(help_group_command, &g);
	if (!g.count)
		return false;
	fprintf(out,
		"cocoon %s: the %s commands\n\n"
		"Usage: cocoon %s COMMAND [ARGS...]\n\nCommands:\n",
		name, name, name);
	g.out = out;
	command_for_each(help_group_command, &g);
	fprintf(out,
		"\nRun 'cocoon help %s COMMAND' or 'cocoon %s COMMAND --help' "
		"for a command's usage.\n",
		name, name);
	return true;
}

/* The man page of the named command, group or (no name) cocoon(1). */
static int help_man(int argc, char **argv, struct error **err)
{
	const struct command *c;
	int words;

	if (argc == 0)
		return manpage_write_overview(stdout, err);
	if (argc == 1 && !command_find(argv[0])) {
		struct help_group g = {.name = argv[0], .len = strlen(argv[0])};

		command_for_each(help_group_command, &g);
		if (g.count)
			return manpage_write_group(argv[0], stdout, err);
	}
	c = cli_find_command(argc, argv, &words, err);
	if (!c)
		return -1;
	if (words != argc)
		return error_set(err, EINVAL, "unexpected argument %s",
				 argv[words]);
	return manpage_write_command(c, stdout, err);
}

/*
 * Hidden modes for the build: --man [COMMAND] (roff on stdout),
 * --man-dir=DIR (every page into DIR), --completion=bash.
 */
static int help_hidden(int argc, char **argv, struct error **err)
{
	const char *arg = argv[1];

	if (!strcmp(arg, "--man"))
		return help_man(argc - 2, argv + 2, err);
	if (!strncmp(arg, "--man-dir=", 10) && argc == 2)
		return manpage_write_all(arg + 10, err);
	if (!strncmp(arg, "--completion=", 13) && argc == 2) {
		if (strcmp(arg + 13, "bash"))
			return error_set(err, EINVAL,
					 "--completion=%s: only bash is "
					 "supported",
					 arg + 13);
		return completion_write_bash(stdout, err);
	}
	return error_set(err, EINVAL, "unknown option %s", arg);
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
	if (argv[1][0] == '-') {
		if (help_hidden(argc, argv, &err) < 0) {
			int usage = err && err->code == EINVAL;

			error_wrap(&err, "help");
			error_print(&err);
			return usage ? CLI_EXIT_USAGE : 1;
		}
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (argc == 2 && !command_find(argv[1]) &&
	    help_print_group(argv[1], stdout))
		return 0;
	c = cli_find_command(argc - 1, argv + 1, &words, &err);
	if (c && words != argc - 1)
		error_set(&err, EINVAL, "unexpected argument %s",
			  argv[1 + words]);
	if (err) {
		error_wrap(&err, "help");
		error_print(&err);
		fputs("Run 'cocoon help' for the list of commands.\n", stderr);
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
		 "Without COMMAND, lists the commands and global flags.\n"
		 "COMMAND may be two words (cocoon help image list); a group "
		 "alone\n"
		 "(cocoon help image) lists its commands. An unknown command "
		 "is a\n"
		 "usage error (exit status 2).\n"
		 "\n"
		 "Every command has a man page, cocoon-COMMAND(1), made from "
		 "the same\n"
		 "text as its --help.\n",
	.run = help_run);
