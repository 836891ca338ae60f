// SPDX-License-Identifier: Apache-2.0
/* libFuzzer: ac-discovery and ac-discovery-pubkeys meta tags in a hostile
 * HTML page, template expansion and prefix matching of what they hold. */
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

static int fuzz_pubkey(const char *prefix, const char *url, void *arg)
{
	(void)arg;
	discovery_prefix_covers(prefix, url);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	discovery_parse_meta((const char *)data, size, fuzz_expand, NULL);
	discovery_parse_pubkeys((const char *)data, size, fuzz_pubkey, NULL);
	return 0;
}
