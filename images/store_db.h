/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's SQLite index (cas/db.sqlite): schema versions and their
 * migrations, images with their labels and ordered blob references, the
 * remote cache, rendered trees; and the maintenance that walks it. Every
 * change is one transaction. Included by images/store.h.
 */
#ifndef COCOON_IMAGES_STORE_DB_H
#define COCOON_IMAGES_STORE_DB_H

#include "common/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_SCHEMA_VERSION 2

/* Opens (creating, migrating) the index at path into s->db. */
int store_db_open(struct store *s, const char *path, struct error **err);
void store_db_close(struct store *s);

/* ---- images */
struct store_blob_ref {
	const char *digest;	/* "sha256:<hex>" / "sha512:<hex>" */
	const char *role;	/* "aci", "manifest", "config", "layer" */
	const char *media_type; /* may be NULL */
	uint64_t size;
};

struct store_image {
	char *id;
	char *name;
	char *type;	/* "aci" or "oci" */
	char *manifest; /* appc image manifest JSON */
	char *key;	/* fingerprint that verified it, NULL = insecure */
	char *source;	/* what the user fetched */
	uint64_t size;
	int64_t import_time;
	int64_t last_used;
	bool has_tree;
};

struct store_label {
	const char *name;
	const char *value;
};

/* One transaction: image row, labels, blob rows and references. */
int store_image_add(struct store *s, const struct store_image *img,
		    const struct store_label *labels, size_t nlabels,
		    const struct store_blob_ref *blobs, size_t nblobs,
		    struct error **err);
int store_image_get(struct store *s, const char *id, struct store_image **out,
		    struct error **err);
void store_image_free(struct store_image *img);
/*
 * Resolves an ID, a unique ID prefix ("sha512-0123abcd"), or
 * name[:version] (newest import wins) into a full ID (malloc'd).
 * Returns 0, or -1 with ENOENT in (*err)->code when nothing matches.
 */
int store_image_resolve(struct store *s, const char *ref, char **id,
			struct error **err);
/* Finds an image by name and labels (all must match); NULL if none. */
int store_image_find(struct store *s, const char *name,
		     const struct store_label *labels, size_t nlabels,
		     char **id, struct error **err);
typedef int (*store_image_fn)(const struct store_image *img, void *arg);
int store_image_for_each(struct store *s, store_image_fn fn, void *arg,
			 struct error **err);
/* Blob refs of an image in order; the strings are malloc'd. */
int store_image_blobs(struct store *s, const char *id,
		      struct store_blob_ref **refs, size_t *n,
		      struct error **err);
void store_blob_refs_free(struct store_blob_ref *refs, size_t n);
int store_image_remove(struct store *s, const char *id, struct error **err);
int store_image_touch(struct store *s, const char *id);
int store_image_labels(struct store *s, const char *id,
		       struct store_label **labels, size_t *n,
		       struct error **err);
void store_labels_free(struct store_label *labels, size_t n);

/* ---- remote cache */
int store_remote_get(struct store *s, const char *url, char **image_id,
		     char **etag, struct error **err);
int store_remote_set(struct store *s, const char *url, const char *image_id,
		     const char *etag, struct error **err);

/* ---- maintenance */
struct store_verify_report {
	unsigned images, blobs, trees;
	unsigned bad;
};
/* Checks every indexed blob's digest and every recorded tree (only those
 * of image id, if not NULL); problems are logged and counted in bad. */
int store_verify(struct store *s, const char *id, struct store_verify_report *r,
		 struct error **err);
/* Removes blobs and trees no image references and stale temp files. */
int store_gc(struct store *s, unsigned *removed, struct error **err);

#endif
