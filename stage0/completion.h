/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shell completion generated from the command table: the commands' names,
 * and each one's options and arguments as its usage text shows them
 * (manpage.h parses the text). Nothing is listed twice by hand, so a new
 * option or command completes once its --help mentions it.
 *
 * What a usage text tells:
 *	--flag                  in the synopsis or an option list: a flag
 *	--opt=VALUE, --opt[=V]  takes a value (optional with [=...])
 *	--opt=a|b|c             ... one of a, b, c
 *	--opt WORD              (in an option list's term) a value in the
 *	                        next word
 *	UUID, IMAGE, FILE, DIR  in the synopsis: the arguments, in order
 *	COMMAND                 (pods, images in the store, files, commands)
 */
#ifndef COCOON_STAGE0_COMPLETION_H
#define COCOON_STAGE0_COMPLETION_H

#include "common/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum completion_arg {
	COMPLETION_FLAG,     /* no value */
	COMPLETION_VALUE,    /* --opt=VALUE or --opt VALUE */
	COMPLETION_OPTIONAL, /* --opt or --opt=VALUE */
};

enum completion_kind {
	COMPLETION_ANY,	    /* a word nothing can guess */
	COMPLETION_CHOICE,  /* one of choices */
	COMPLETION_LIST,    /* comma-separated choices */
	COMPLETION_FILE,    /* a file name */
	COMPLETION_DIR,	    /* a directory name */
	COMPLETION_POD,	    /* a pod UUID */
	COMPLETION_IMAGE,   /* an image name from the store */
	COMPLETION_COMMAND, /* a cocoon command */
};

struct completion_option {
	char name[64]; /* "--format" */
	enum completion_arg arg;
	enum completion_kind kind;
	char choices[256]; /* space-separated, for CHOICE and LIST */
};

#define COMPLETION_ARGS_MAX 4

struct completion_spec {
	struct completion_option *opts;
	size_t nopts;
	/* The positional arguments' kinds in order; the last repeats. */
	enum completion_kind args[COMPLETION_ARGS_MAX];
	size_t nargs;
};

/* The values --insecure-options takes (space-separated). */
extern const char completion_insecure_names[];

/* Reads a command's options and arguments from its usage text. */
int completion_spec_parse(const char *usage, struct completion_spec *out,
			  struct error **err);
void completion_spec_free(struct completion_spec *s);

/* The bash completion script for every registered command. */
int completion_write_bash(FILE *out, struct error **err);

#endif
