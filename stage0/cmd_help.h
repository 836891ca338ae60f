/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `cocoon help [COMMAND]`, also behind `cocoon --help` and
 * `cocoon COMMAND --help`.
 */
#ifndef COCOON_STAGE0_CMD_HELP_H
#define COCOON_STAGE0_CMD_HELP_H

#include "stage0/command.h"

#include <stdio.h>

/* The overview: synopsis, every command with its summary, global flags. */
void help_print_overview(FILE *out);

/* One command's usage text (its summary if it has no usage). */
void help_print_command(const struct command *c, FILE *out);

#endif
