// SPDX-License-Identifier: Apache-2.0
/* libFuzzer: the appc image manifest parser and validator. */
#include "images/aci_manifest.h"
#include "common/cleanup.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_error struct error *err = NULL;
	struct aci_manifest *m = NULL;

	if (aci_manifest_parse((const char *)data, size, &m, &err) == 0) {
		aci_manifest_label(m, "version");
		aci_manifest_json(m);
		aci_manifest_free(m);
	}
	return 0;
}
