/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Man pages made from the commands' usage texts (struct command.usage),
 * so that `cocoon COMMAND --help` and cocoon-COMMAND(1) never disagree.
 *
 * A usage text is laid out as every command's is:
 *
 *	Usage: cocoon NAME [OPTIONS] ARGS     synopsis; indented lines
 *	       cocoon NAME --other ...        continue it, "cocoon ..." starts
 *	                                      another form
 *	<blank>
 *	Prose at column 0.                    paragraphs, blank-separated
 *	  TERM    description                 indented: a list; a line indented
 *	          continued                   deeper continues the item; TERM
 *	  * bullet                            and description are split at the
 *	                                      first run of two spaces
 *	Options:                              a heading at column 0 ending in
 *	  --flag=VALUE   what it does         ':' ("Options:", "... flags
 *	                                      (...):") starts the option lists
 *	Exit status: ...                      the EXIT STATUS section
 *
 * manpage_usage_parse() turns that into blocks; the completion generator
 * (completion.h) reads the same model for the options.
 */
#ifndef COCOON_STAGE0_MANPAGE_H
#define COCOON_STAGE0_MANPAGE_H

#include "common/error.h"
#include "stage0/command.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum manpage_section {
	MANPAGE_DESCRIPTION,
	MANPAGE_OPTIONS,
	MANPAGE_EXIT_STATUS,
};

struct manpage_item {
	char *term; /* "--full", "state=running"; NULL for a bullet */
	char *desc; /* the description, lines joined; "" if none */
};

struct manpage_block {
	enum manpage_section section;
	/* A paragraph: its lines, '\n'-separated (trimmed); NULL for a list. */
	char *text;
	/* A list's items; its heading when it is an option list with one
	 * ("Pod flags (anywhere on the line)", not "Options"), else NULL. */
	struct manpage_item *items;
	size_t nitems;
	char *heading;
};

struct manpage_usage {
	char **synopsis; /* each form, continuation lines joined */
	size_t nsynopsis;
	struct manpage_block *blocks;
	size_t nblocks;
};

/* Parses a usage text (NULL or "" gives an empty model). */
int manpage_usage_parse(const char *usage, struct manpage_usage *out,
			struct error **err);
void manpage_usage_free(struct manpage_usage *u);

/* The page name of a command: "cocoon-image-list" for "image list". */
void manpage_page_name(const char *command, char *buf, size_t size);

/* cocoon(1): the commands, the global options, files, environment. */
int manpage_write_overview(FILE *out, struct error **err);
/* cocoon-GROUP(1) for a group of two-word commands ("image"). */
int manpage_write_group(const char *group, FILE *out, struct error **err);
/* cocoon-COMMAND(1). */
int manpage_write_command(const struct command *c, FILE *out,
			  struct error **err);
/* Writes every page (overview, groups, commands) as DIR/<page>.1. */
int manpage_write_all(const char *dir, struct error **err);

/* Calls fn for each group of two-word commands ("image"), once each. */
void manpage_for_each_group(void (*fn)(const char *group, void *arg),
			    void *arg);

#endif
