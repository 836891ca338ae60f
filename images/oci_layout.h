/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Import from an OCI image layout (image-spec image-layout.md): a
 * directory (`oci:DIR[:TAG]`) or a tar of one (`oci-archive:FILE[:TAG]`,
 * unpacked with the safe extractor into the store's temp dir first).
 * Every file of the layout is opened beneath the layout root; every blob is
 * checked against its digest and size as it is copied into the store.
 */
#ifndef COCOON_IMAGES_OCI_LAYOUT_H
#define COCOON_IMAGES_OCI_LAYOUT_H

#include "images/extract.h"
#include "images/oci.h"
#include "images/store.h"

#include <json-c/json.h>

struct oci_import_opts {
	const char *tag;    /* NULL: the only (or linux/amd64) manifest */
	const char *name;   /* appc name given to the image */
	const char *source; /* recorded in the index */
	struct extract_limits limits;
};

/*
 * Where the blobs of an image come from: a layout directory or a registry.
 * read_json() returns a small blob (manifest, config, index) checked
 * against d; store_layer() puts a layer into the store (digest-checked)
 * unless it is there already.
 */
struct oci_source_ops {
	int (*read_json)(void *ctx, const struct oci_descriptor *d, char **buf,
			 size_t *len, struct error **err);
	int (*store_layer)(void *ctx, struct store *s,
			   const struct oci_descriptor *d, uint64_t max,
			   struct error **err);
};

/*
 * From a descriptor of an index or manifest (desc) on: resolves nested
 * indexes to linux/amd64, copies config and layers, renders, converts and
 * records the image.
 */
int oci_import_from(struct store *s, const struct oci_source_ops *ops,
		    void *ctx, const struct oci_descriptor *desc,
		    const struct oci_import_opts *o, char **id,
		    struct error **err);

/* Checks buf against the descriptor's digest and size. */
int oci_check_digest(const struct oci_descriptor *d, const char *buf,
		     size_t len, struct error **err);

/* Imports and renders; *id (malloc'd) is "sha256-<manifest digest>". */
int oci_layout_import(struct store *s, int layout_fd,
		      const struct oci_import_opts *o, char **id,
		      struct error **err);
int oci_archive_import(struct store *s, int archive_fd,
		       const struct oci_import_opts *o, char **id,
		       struct error **err);

/*
 * Makes exec[0] of the appc manifest absolute by looking it up in the
 * image's PATH inside the rendered tree root_fd.
 */
int oci_resolve_exec(struct json_object *manifest, int root_fd,
		     struct error **err);

#endif
