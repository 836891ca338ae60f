// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer: OCI index, manifest and image config parsing; the first
 * byte picks the document kind, the rest is the document.
 */
#include "images/oci.h"
#include "common/cleanup.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_error struct error *err = NULL;
	const char *doc = (const char *)data + 1;
	struct oci_descriptor d;
	struct oci_manifest *m;
	struct json_object *j = NULL;

	if (size < 1)
		return 0;
	size--;
	switch (data[0] % 4) {
	case 0:
		oci_index_select(doc, size, NULL, &d, &err);
		break;
	case 1:
		oci_index_select(doc, size, "latest", &d, &err);
		break;
	case 2:
		m = malloc(sizeof(*m));
		if (m)
			oci_manifest_parse(doc, size, m, &err);
		free(m);
		break;
	default:
		if (oci_config_to_appc(doc, size, "fuzz", "1", &j, &err) == 0)
			json_object_put(j);
		break;
	}
	return 0;
}
