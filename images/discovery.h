/* SPDX-License-Identifier: Apache-2.0 */
/*
 * appc meta discovery (appc spec, discovery.md): for an image name such as
 * example.com/app, GET https://example.com/app?ac-discovery=1 (then the
 * shorter prefixes), read <meta name="ac-discovery" content="PREFIX
 * TEMPLATE"> and expand TEMPLATE's {name} {version} {os} {arch} {ext} into
 * the ACI URL; the signature is the URL with {ext} = "aci.asc".
 */
#ifndef COCOON_IMAGES_DISCOVERY_H
#define COCOON_IMAGES_DISCOVERY_H

#include "images/fetch.h"

#include <stddef.h>

struct discovery_labels {
	const char *name;
	const char *version; /* "latest" when not given */
	const char *os;
	const char *arch;
	const char *ext;
};

/* Expands a template; -1 if a placeholder is unknown or the result does
 * not fit. */
int discovery_expand(const char *tmpl, const struct discovery_labels *l,
		     char *out, size_t size);

typedef int (*discovery_meta_fn)(const char *prefix, const char *tmpl,
				 void *arg);
/* Calls fn for each ac-discovery meta tag in html (bounded, hostile). */
int discovery_parse_meta(const char *html, size_t len, discovery_meta_fn fn,
			 void *arg);

/* Discovers name[:version] and fetches it (verified as any ACI URL). */
int discovery_fetch(struct store *s, const char *name, const char *version,
		    const struct fetch_opts *o, char **id, struct error **err);

#endif
