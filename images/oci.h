/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI image-spec documents (index, manifest, config) and their Docker
 * schema2 twins, parsed from hostile bytes, and the mapping of an image
 * config onto the appc app (OCI image-spec config.md -> appc "app").
 */
#ifndef COCOON_IMAGES_OCI_H
#define COCOON_IMAGES_OCI_H

#include "images/digest.h"
#include "common/error.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* index.json, manifests and configs larger than this are refused. */
#define OCI_JSON_MAX_BYTES (4u << 20)
#define OCI_MAX_LAYERS	   256

#define OCI_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"

struct oci_descriptor {
	char media_type[128];
	char digest[DIGEST_STRING_MAX]; /* "sha256:<hex>" */
	int64_t size;
};

enum oci_kind { OCI_KIND_INDEX, OCI_KIND_MANIFEST, OCI_KIND_LAYER };

/* Classifies a media type; -1 if it is not one we take. */
int oci_media_kind(const char *media_type, enum oci_kind *kind);

/*
 * From an index (or Docker manifest list) picks the manifest named tag
 * (annotation org.opencontainers.image.ref.name; NULL: the only one, or the
 * linux/amd64 one).
 */
int oci_index_select(const char *buf, size_t len, const char *tag,
		     struct oci_descriptor *out, struct error **err);

struct oci_manifest {
	struct oci_descriptor config;
	struct oci_descriptor layers[OCI_MAX_LAYERS];
	size_t nlayers;
};

int oci_manifest_parse(const char *buf, size_t len, struct oci_manifest *out,
		       struct error **err);

/*
 * Builds an appc image manifest (JSON) named name with label
 * version=version from an image config.
 */
int oci_config_to_appc(const char *buf, size_t len, const char *name,
		       const char *version, struct json_object **out,
		       struct error **err);

/* Makes an AC identifier out of s (lowercase, others become '-'). */
char *oci_sanitize_name(const char *s);

/* Parses JSON with a size limit; trailing garbage is an error. */
struct json_object *oci_json_parse(const char *buf, size_t len,
				   struct error **err);

#endif
