/* SPDX-License-Identifier: Apache-2.0 */
/*
 * appc ACI import: the archive (tar, maybe gzip/bzip2/xz) is decompressed
 * into a store blob while hashed; its image ID is "sha512-" + the SHA-512
 * of the uncompressed tar (appc spec, "Image ID"). The manifest is read and
 * validated before the blob is committed, so a caller can still verify the
 * signature and back out.
 */
#ifndef COCOON_IMAGES_ACI_H
#define COCOON_IMAGES_ACI_H

#include "images/aci_manifest.h"
#include "images/store.h"

struct aci_pending {
	struct blob_writer blob;
	char id[STORE_ID_MAX];		/* "sha512-<hex>" */
	char digest[DIGEST_STRING_MAX]; /* "sha512:<hex>" */
	struct aci_manifest *manifest;
};

/* Reads the ACI from fd into a pending (uncommitted) blob. */
int aci_import_begin(struct store *s, int fd, uint64_t max_bytes,
		     struct aci_pending *p, struct error **err);
int aci_import_commit(struct aci_pending *p, struct error **err);
void aci_import_abort(struct aci_pending *p);

/* Reads and validates the manifest of an uncompressed ACI tar on fd
 * (from the current offset). */
int aci_read_manifest(int fd, struct aci_manifest **out, struct error **err);
int aci_read_manifest_memory(const void *buf, size_t len,
			     struct aci_manifest **out, struct error **err);

#endif
