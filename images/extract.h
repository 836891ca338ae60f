/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Safe extraction of hostile tar archives (libarchive) into a tree.
 *
 * Every entry name is cleaned (no absolute paths, no `..`), every file is
 * created through a parent fd resolved with beneath_parent() and
 * O_CREAT|O_EXCL|O_NOFOLLOW, and hard link targets are resolved the same
 * way, so nothing an archive says can make a write land outside the tree.
 * Limits on total bytes, entries and path length turn a decompression bomb
 * into a clear error.
 */
#ifndef COCOON_IMAGES_EXTRACT_H
#define COCOON_IMAGES_EXTRACT_H

#include "common/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct extract_limits {
	uint64_t max_bytes;   /* total file data written */
	uint64_t max_entries; /* archive entries read */
	size_t max_path;      /* bytes in an entry name or link target */
};

/* Running totals, shared by every archive rendered into one tree. */
struct extract_usage {
	uint64_t bytes;
	uint64_t entries;
};

struct extract_opts {
	/* Only entries beneath this archive directory ("rootfs" for an ACI)
	 * are written, with the prefix removed; NULL: all entries. */
	const char *strip_prefix;
	/* ACI: an entry named twice is an error. */
	bool refuse_duplicates;
	/* OCI layers: .wh.NAME deletes NAME, .wh..wh..opq empties the dir. */
	bool whiteouts;
	/* OCI layers: a leading "/" is dropped rather than refused (umoci
	 * writes "/" for the root); the path still resolves in the tree. */
	bool relative_absolute;
	/* Keep ownership (only possible as root) and device nodes. */
	bool as_root;
	struct extract_limits limits;
};

#define EXTRACT_DEFAULT_MAX_BYTES   (16ULL << 30)
#define EXTRACT_DEFAULT_MAX_ENTRIES 1000000ULL
#define EXTRACT_DEFAULT_MAX_PATH    4096

void extract_opts_default(struct extract_opts *o);

/*
 * Cleans an archive entry name into out: strips leading "./", collapses
 * "//" and "." components, drops a trailing "/". Returns 0, or -1 with a
 * reason in *why for an absolute path, a ".." component, an empty result
 * or one longer than max_path.
 */
int extract_clean_path(const char *in, char *out, size_t out_size,
		       size_t max_path, const char **why);

/* Extracts the archive read from fd (any compression libarchive knows). */
int extract_fd(int archive_fd, int root_fd, const struct extract_opts *o,
	       struct extract_usage *usage, struct error **err);
int extract_memory(const void *buf, size_t len, int root_fd,
		   const struct extract_opts *o, struct extract_usage *usage,
		   struct error **err);

#endif
