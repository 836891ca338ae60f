/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command line of `cocoon`: global flags, then a command of one or two
 * words ("fetch", "image list"), then the command's own arguments.
 *
 *	cocoon [--dir=DIR] [--debug] [--insecure-options=LIST]
 *	       [--local-config=DIR] [--system-config=DIR] COMMAND [ARGS...]
 *
 * Global flags are taken before the command only; what follows the
 * command is the command's. As in rkt, --local-config is the admin's
 * directory (/etc/cocoon, global_options.config_dir) and --system-config
 * the vendor's (/usr/lib/cocoon, global_options.vendor_dir).
 */
#ifndef COCOON_STAGE0_CLI_H
#define COCOON_STAGE0_CLI_H

#include "common/error.h"
#include "stage0/command.h"

#include <stdbool.h>
#include <stdio.h>

#define CLI_DEFAULT_CONFIG_DIR "/etc/cocoon"
#define CLI_DEFAULT_VENDOR_DIR "/usr/lib/cocoon"

/* Exit status for usage errors (unknown command or flag), as rkt uses. */
#define CLI_EXIT_USAGE 2

/* Fills g with the defaults. */
void cli_defaults(struct global_options *g);

/*
 * Parses the global flags in argv[1..]. Flags take "--flag=value" or
 * "--flag value". Returns the index of the first argument that is not a
 * global flag (argc if none) or -1 with *err. *help is set by --help or -h,
 * *version by --version; parsing stops there.
 */
int cli_parse_globals(int argc, char **argv, struct global_options *g,
		      bool *help, bool *version, struct error **err);

/*
 * Finds the command named by argv[0] (and argv[1]): a two-word command
 * ("image list") is tried before a one-word one ("image"). Returns the
 * command and sets *words to 1 or 2, or NULL with *err saying what exists
 * ("unknown command", or the subcommands of a group such as "image").
 */
const struct command *cli_find_command(int argc, char **argv, int *words,
				       struct error **err);

/* True if a "--help" comes among args before any "--". */
bool cli_wants_help(int argc, char **argv);

/* Writes the global flags' help to out. */
void cli_print_globals(FILE *out);

#endif
