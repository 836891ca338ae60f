/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path resolution confined to a tree: every lookup goes through
 * openat2(RESOLVE_IN_ROOT) on an fd of the tree root, so neither `..` nor a
 * symlink can take it outside, and never through string joining. Where
 * openat2 is missing (ENOSYS) a component-by-component O_NOFOLLOW walk is
 * used instead, which refuses symlinks in the middle of a path.
 */
#ifndef COCOON_IMAGES_BENEATH_H
#define COCOON_IMAGES_BENEATH_H

#include <stdbool.h>

/* Tests set this to exercise the fallback walk. */
extern bool beneath_no_openat2;

/*
 * Opens path (relative, already cleaned) inside root_fd with flags
 * (O_PATH, O_DIRECTORY, O_RDONLY ... ; O_CREAT is not allowed).
 * Returns an fd or -1 with errno.
 */
int beneath_open(int root_fd, const char *path, int flags);

/*
 * Opens the parent directory of path inside root_fd, creating missing
 * directories (mode 0755) on the way; *base points into path at the last
 * component. Returns an O_PATH|O_DIRECTORY fd or -1 with errno.
 */
int beneath_parent(int root_fd, const char *path, bool create,
		   const char **base);

/* Removes dir_fd/name and, when it is a directory, everything below it,
 * without following symlinks. Missing is not an error. */
int beneath_remove_tree(int dir_fd, const char *name);

/* Removes every entry of the directory dir_fd for which keep() is false;
 * keep may be NULL (remove all). */
int beneath_clear_dir(int dir_fd, bool (*keep)(const char *name, void *arg),
		      void *arg);

#endif
