/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Builds a newc cpio archive from contents lists
 * (initrd/contents_list.h).
 *
 * Members are written in list order. The output is deterministic: inode
 * numbers count up from 1, every mtime is the one given (0 by default),
 * nothing is taken from the host but a file's bytes. A name may appear
 * once, and its parent must be "/" or a dir listed before it, so the
 * kernel can create it while unpacking.
 */
#ifndef COCOON_INITRD_MKCPIO_H
#define COCOON_INITRD_MKCPIO_H

#include "common/error.h"
#include "initrd/cpio.h"

#include <stdbool.h>
#include <stdio.h>

struct mkcpio {
	struct cpio_writer writer;
	uint32_t mtime;
	struct mkcpio_name *names; /* every member so far */
	size_t names_len, names_cap;
};

void mkcpio_init(struct mkcpio *m, FILE *out, uint32_t mtime);
void mkcpio_free(struct mkcpio *m);

/*
 * Adds the members listed in list (named list_name in errors), taking
 * relative file sources from source_dir (NULL: the current directory).
 * Errors name the list and line: "initrd/contents:3: nod: ...".
 */
int mkcpio_add_list(struct mkcpio *m, FILE *list, const char *list_name,
		    const char *source_dir, struct error **err);

/* Opens path and adds it with mkcpio_add_list(). */
int mkcpio_add_list_file(struct mkcpio *m, const char *path,
			 const char *source_dir, struct error **err);

/* Writes the trailer and flushes. */
int mkcpio_finish(struct mkcpio *m, struct error **err);

#endif
