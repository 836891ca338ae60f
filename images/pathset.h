/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A set of strings (open addressing, FNV-1a): the paths an archive has
 * already written, for duplicate detection and opaque-directory handling.
 */
#ifndef COCOON_IMAGES_PATHSET_H
#define COCOON_IMAGES_PATHSET_H

#include <stddef.h>

struct pathset {
	char **slots;
	size_t cap; /* power of two, 0 when empty */
	size_t count;
};

/* 1 if added, 0 if it was already present, -1 on allocation failure. */
int pathset_add(struct pathset *s, const char *path);
int pathset_contains(const struct pathset *s, const char *path);
void pathset_free(struct pathset *s);

#endif
