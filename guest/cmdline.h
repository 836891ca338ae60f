/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel command line as cocoon-init reads it from /proc/cmdline.
 *
 * Parameters whose name has a dot (cocoon.exec=) are taken by the kernel as
 * module parameters and never reach init's argv or environment, so init
 * parses /proc/cmdline itself, with the kernel's own quoting rules.
 */
#ifndef COCOON_GUEST_CMDLINE_H
#define COCOON_GUEST_CMDLINE_H

/*
 * Finds the value of the last "key=value" parameter in cmdline, quoted the
 * way lib/cmdline.c next_arg() quotes it (key="a b" gives "a b"). A bare
 * "key" gives "". Parsing stops at "--", like the kernel's: what follows
 * belongs to init's argv. Returns 1 and a malloc'd *value when found, 0 when
 * absent, -ENOMEM.
 */
int cmdline_get(const char *cmdline, const char *key, char **value);

/*
 * Splits a command into a NULL-terminated, malloc'd argv with a small part
 * of the shell's rules: blanks separate words; '...' is literal; inside
 * "..." a backslash escapes only " and \; outside quotes a backslash escapes
 * any character. Returns argc (0 for an all-blank command), -EINVAL for an
 * unterminated quote or a trailing backslash, -ENOMEM.
 */
int cmdline_split(const char *command, char ***argv);
void cmdline_argv_free(char **argv);

#endif
