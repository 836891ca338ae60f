/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Contents lists for mkcpio, in the style of the kernel's
 * usr/gen_init_cpio: one member per line, fields separated by blanks,
 * '#' starts a comment.
 *
 *	dir   <name> <mode> <uid> <gid>
 *	file  <name> <source> <mode> <uid> <gid>
 *	slink <name> <target> <mode> <uid> <gid>
 *	nod   <name> <mode> <uid> <gid> <c|b> <major> <minor>
 *	pipe  <name> <mode> <uid> <gid>
 *	sock  <name> <mode> <uid> <gid>
 *
 * <name> is an absolute path in the archive, without "." or ".." parts.
 * <source> is a host path: relative to mkcpio's -C directory, or absolute.
 * <mode> is octal permission bits (at most 07777), uid and gid decimal.
 */
#ifndef COCOON_INITRD_CONTENTS_LIST_H
#define COCOON_INITRD_CONTENTS_LIST_H

#include <stddef.h>
#include <stdint.h>

enum contents_type {
	CONTENTS_DIR,
	CONTENTS_FILE,
	CONTENTS_SLINK,
	CONTENTS_NOD,
	CONTENTS_PIPE,
	CONTENTS_SOCK,
};

#define CONTENTS_MAX_LINE 4096

struct contents_entry {
	enum contents_type type;
	/* Point into the caller's line buffer, which the parser cuts up. */
	const char *name;
	const char *source; /* file: host path; slink: link target */
	uint32_t mode;	    /* full st_mode: type bits | permissions */
	uint32_t uid, gid;
	uint32_t major, minor;
};

/*
 * Parses one line in place (it is cut into fields). Returns 1 with *e
 * filled, 0 for a blank or comment line, or -EINVAL with a reason in
 * why (e.g. "dir: mode 0999 is not octal").
 */
int contents_parse_line(char *line, struct contents_entry *e, char *why,
			size_t why_size);

#endif
