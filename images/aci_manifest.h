/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The appc image manifest (appc spec, "Image Manifest Schema"): cocoon's
 * internal image model. OCI images are converted into one. Parsing
 * validates every field the spec requires, and errors name the field
 * ("app.user: required").
 */
#ifndef COCOON_IMAGES_ACI_MANIFEST_H
#define COCOON_IMAGES_ACI_MANIFEST_H

#include "common/error.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aci_label {
	const char *name;
	const char *value;
};

struct aci_dependency {
	const char *image_name;
	const char *image_id; /* may be NULL */
	struct aci_label *labels;
	size_t nlabels;
};

struct aci_manifest {
	struct json_object *json; /* owns every string below */
	const char *ac_version;
	const char *name;
	struct aci_label *labels;
	size_t nlabels;
	struct aci_dependency *deps;
	size_t ndeps;
	const char **path_whitelist;
	size_t nwhitelist;
	bool has_app;
};

/* Manifests larger than this are refused before parsing. */
#define ACI_MANIFEST_MAX_BYTES (1u << 20)

int aci_manifest_parse(const char *buf, size_t len, struct aci_manifest **out,
		       struct error **err);
/* Takes ownership of json (a built manifest, e.g. converted from OCI). */
int aci_manifest_from_json(struct json_object *json, struct aci_manifest **out,
			   struct error **err);
void aci_manifest_free(struct aci_manifest *m);
const char *aci_manifest_label(const struct aci_manifest *m, const char *name);
/* The manifest as compact JSON (owned by m). */
const char *aci_manifest_json(const struct aci_manifest *m);

/* appc AC Identifier: [a-z0-9] and -._~/ , starting and ending with a-z0-9. */
bool aci_identifier_valid(const char *s);
/* appc AC Name: [a-z0-9] and -, starting and ending with a-z0-9. */
bool aci_name_valid(const char *s);

/*
 * Splits "name[:version]" into *name and *version (version NULL if absent);
 * both are malloc'd.
 */
int aci_ref_split(const char *ref, char **name, char **version,
		  struct error **err);

#endif
