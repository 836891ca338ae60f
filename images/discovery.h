/* SPDX-License-Identifier: Apache-2.0 */
/*
 * appc meta discovery (appc spec, discovery.md): for an image name such as
 * example.com/app, GET https://example.com/app?ac-discovery=1 (then the
 * shorter prefixes), read <meta name="ac-discovery" content="PREFIX
 * TEMPLATE"> and expand TEMPLATE's {name} {version} {os} {arch} {ext} into
 * the ACI URL; the signature is the URL with {ext} = "aci.asc".
 * The same pages carry <meta name="ac-discovery-pubkeys" content="PREFIX
 * URL"> tags: where the publisher's keys are (discovery_keys.h).
 */
#ifndef COCOON_IMAGES_DISCOVERY_H
#define COCOON_IMAGES_DISCOVERY_H

#include "images/fetch.h"

#include <stdbool.h>
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

/* Called with a tag's two words; a return > 0 stops the parse. */
typedef int (*discovery_meta_fn)(const char *prefix, const char *value,
				 void *arg);
/*
 * Calls fn for each <meta name="META_NAME" content="PREFIX VALUE"> tag in
 * html (hostile: bounded by len, tags without both words skipped).
 * Returns 1 if fn stopped it, else 0.
 */
int discovery_parse_tags(const char *html, size_t len, const char *meta_name,
			 discovery_meta_fn fn, void *arg);
/* ac-discovery tags: VALUE is a URL template. */
int discovery_parse_meta(const char *html, size_t len, discovery_meta_fn fn,
			 void *arg);
/* ac-discovery-pubkeys tags: VALUE is the URL of a public key. */
int discovery_parse_pubkeys(const char *html, size_t len, discovery_meta_fn fn,
			    void *arg);
/* True if a tag's prefix covers name: equal, or name continues with '/'. */
bool discovery_prefix_covers(const char *prefix, const char *name);

/* Called with each discovery page found; a return > 0 stops the walk. */
typedef int (*discovery_page_fn)(const char *html, size_t len, void *arg);
/*
 * GETs https://NAME?ac-discovery=1 (then http:// with insecure_http), then
 * the same for each shorter prefix of name, calling fn for each page
 * found. Returns 1 if fn stopped the walk, else 0.
 */
int discovery_walk(const char *name, const struct fetch_opts *o,
		   discovery_page_fn fn, void *arg);

/*
 * Discovers name[:version] and fetches it (verified as any ACI URL). With
 * insecure_pubkey and no key trusted for name's prefixes, the discovered
 * keys are trusted (and stored) first, unreviewed.
 */
int discovery_fetch(struct store *s, const char *name, const char *version,
		    const struct fetch_opts *o, char **id, struct error **err);

#endif
