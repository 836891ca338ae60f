// SPDX-License-Identifier: Apache-2.0
/* libFuzzer: ac-discovery meta tags in a hostile HTML page, and template
 * expansion of what they hold. */
#include "images/discovery.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_expand(const char *prefix, const char *tmpl, void *arg)
{
	struct discovery_labels l = {prefix, "1.0", "linux", "amd64", "aci"};
	char out[512];

	(void)arg;
	discovery_expand(tmpl, &l, out, sizeof(out));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	discovery_parse_meta((const char *)data, size, fuzz_expand, NULL);
	return 0;
}
