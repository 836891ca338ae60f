// SPDX-License-Identifier: Apache-2.0
#include "stage0/cli.h"
#include "common/cleanup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cli_defaults(struct global_options *g)
{
	memset(g, 0, sizeof(*g));
	g->dir = COCOON_DEFAULT_DIR;
	g->config_dir = CLI_DEFAULT_CONFIG_DIR;
	g->vendor_dir = CLI_DEFAULT_VENDOR_DIR;
	g->insecure = INSECURE_NONE;
	g->debug = 0;
}

enum cli_flag_kind { CLI_DIR, CLI_CONFIG, CLI_VENDOR, CLI_INSECURE, CLI_DEBUG };

static const struct cli_flag {
	const char *name;
	enum cli_flag_kind kind;
	const char *metavar; /* NULL for a boolean flag */
	const char *help;    /* lines after the first start at column 28 */
} cli_flags[] = {
	{"dir", CLI_DIR, "DIR",
	 "cocoon data directory (default " COCOON_DEFAULT_DIR ")"},
	{"debug", CLI_DEBUG, NULL, "print debug messages on stderr"},
	{"insecure-options", CLI_INSECURE, "LIST",
	 "security features to disable, comma-separated:\n"
	 "none, image, tls, http, pubkey, capabilities,\n"
	 "paths, seccomp, all-fetch, all-run, all"},
	{"local-config", CLI_CONFIG, "DIR",
	 "local configuration directory\n(default " CLI_DEFAULT_CONFIG_DIR ")"},
	{"system-config", CLI_VENDOR, "DIR",
	 "system configuration directory\n(default " CLI_DEFAULT_VENDOR_DIR
	 ")"},
};

void cli_print_globals(FILE *out)
{
	fputs("Global flags:\n", out);
	for (size_t i = 0; i < ARRAY_SIZE(cli_flags); i++) {
		const struct cli_flag *f = &cli_flags[i];
		const char *line = f->help;
		char flag[64];

		snprintf(flag, sizeof(flag), "--%s%s%s", f->name,
			 f->metavar ? "=" : "", f->metavar ? f->metavar : "");
		fprintf(out, "  %-25s ", flag);
		for (;;) {
			size_t len = strcspn(line, "\n");

			fprintf(out, "%.*s\n", (int)len, line);
			if (!line[len])
				break;
			line += len + 1;
			fprintf(out, "%28s", "");
		}
	}
	fprintf(out, "  %-25s %s\n  %-25s %s\n", "--help, -h", "print help",
		"--version", "print the version");
}

static int cli_bool(const char *value, int *out)
{
	if (!strcmp(value, "true") || !strcmp(value, "1"))
		*out = 1;
	else if (!strcmp(value, "false") || !strcmp(value, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

int cli_parse_globals(int argc, char **argv, struct global_options *g,
		      bool *help, bool *version, struct error **err)
{
	int i;

	*help = false;
	*version = false;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *value;
		const struct cli_flag *flag = NULL;
		size_t len;

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			*help = true;
			return i + 1;
		}
		if (!strcmp(arg, "--version")) {
			*version = true;
			return i + 1;
		}
		if (!strcmp(arg, "--"))
			return i + 1;
		if (arg[0] != '-')
			return i;
		if (arg[1] != '-')
			return error_set(err, EINVAL, "unknown flag %s", arg);
		len = strcspn(arg + 2, "=");
		for (size_t f = 0; f < ARRAY_SIZE(cli_flags); f++) {
			if (strlen(cli_flags[f].name) == len &&
			    !strncmp(cli_flags[f].name, arg + 2, len))
				flag = &cli_flags[f];
		}
		if (!flag)
			return error_set(err, EINVAL, "unknown flag %s", arg);
		value = arg[2 + len] == '=' ? arg + 3 + len : NULL;
		if (flag->kind == CLI_DEBUG) {
			if (!value)
				g->debug = 1;
			else if (cli_bool(value, &g->debug) < 0)
				return error_set(
					err, EINVAL,
					"--debug=%s: want true or false",
					value);
			continue;
		}
		if (!value) {
			if (i + 1 >= argc)
				return error_set(err, EINVAL,
						 "--%s needs a value",
						 flag->name);
			value = argv[++i];
		}
		switch (flag->kind) {
		case CLI_DIR:
		case CLI_CONFIG:
		case CLI_VENDOR:
			if (!*value)
				return error_set(err, EINVAL,
						 "--%s needs a directory",
						 flag->name);
			if (flag->kind == CLI_DIR)
				g->dir = value;
			else if (flag->kind == CLI_CONFIG)
				g->config_dir = value;
			else
				g->vendor_dir = value;
			break;
		case CLI_INSECURE:
			if (insecure_options_parse(value, &g->insecure, err) <
			    0)
				return error_wrap(err, "--insecure-options");
			break;
		case CLI_DEBUG:
			break;
		}
	}
	return i;
}

struct cli_group {
	const char *group;
	size_t group_len;
	char *list; /* "a, b, c" of the group's subcommand words */
	size_t list_len;
	bool nomem;
};

static void cli_collect_group(const struct command *c, void *arg)
{
	struct cli_group *grp = arg;
	const char *sub;
	char *grown;
	size_t add;

	if (strncmp(c->name, grp->group, grp->group_len) ||
	    c->name[grp->group_len] != ' ')
		return;
	sub = c->name + grp->group_len + 1;
	add = strlen(sub) + 2;
	grown = realloc(grp->list, grp->list_len + add + 1);
	if (!grown) {
		grp->nomem = true;
		return;
	}
	grp->list = grown;
	grp->list_len += sprintf(grp->list + grp->list_len, "%s%s",
				 grp->list_len ? ", " : "", sub);
}

const struct command *cli_find_command(int argc, char **argv, int *words,
				       struct error **err)
{
	struct cli_group grp = {0};
	const struct command *c;

	if (argc < 1) {
		error_set(err, EINVAL, "missing command");
		return NULL;
	}
	if (argc >= 2 && argv[1][0] != '-') {
		char *two = NULL;

		if (asprintf(&two, "%s %s", argv[0], argv[1]) < 0) {
			error_set(err, ENOMEM, "out of memory");
			return NULL;
		}
		c = command_find(two);
		free(two);
		if (c) {
			*words = 2;
			return c;
		}
	}
	c = command_find(argv[0]);
	if (c) {
		*words = 1;
		return c;
	}
	grp.group = argv[0];
	grp.group_len = strlen(argv[0]);
	command_for_each(cli_collect_group, &grp);
	if (grp.list_len) {
		if (argc >= 2)
			error_set(err, EINVAL,
				  "unknown command \"%s %s\" (%s has: %s)",
				  argv[0], argv[1], argv[0], grp.list);
		else
			error_set(err, EINVAL, "%s needs a subcommand: %s",
				  argv[0], grp.list);
	} else {
		error_set(err, grp.nomem ? ENOMEM : EINVAL,
			  "unknown command \"%s\"", argv[0]);
	}
	free(grp.list);
	return NULL;
}

bool cli_wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return false;
		if (!strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}
