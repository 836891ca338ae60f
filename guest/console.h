/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest console: where cocoon-init's own lines go (/dev/console, shown
 * even when the kernel runs with `quiet`, which only silences printk) and
 * which tty an exec'd program gets as its controlling terminal.
 */
#ifndef COCOON_GUEST_CONSOLE_H
#define COCOON_GUEST_CONSOLE_H

#include <stddef.h>

/*
 * Picks the tty behind /dev/console from /sys/class/tty/console/active
 * text ("tty0 ttyS0\n": the last one is the one /dev/console writes to).
 * Accepts only names of [A-Za-z0-9_] so the result is safe under /dev/.
 * Returns 0, -EINVAL (empty or odd name) or -ENAMETOOLONG.
 */
int console_active_name(const char *text, char *name, size_t size);

/* Opens /dev/console onto fds 0, 1 and 2. Returns 0 or -errno. */
int console_attach_stdio(void);

/*
 * In a child about to exec: becomes a session leader and makes the real
 * console tty (ttyS0, not /dev/console, on which the kernel refuses job
 * control) its controlling terminal and its stdin, stdout and stderr.
 * Returns 0 or -errno; on failure stdio is left as it was.
 */
int console_make_controlling(void);

#endif
