// SPDX-License-Identifier: Apache-2.0
#include "images/discovery_keys.h"
#include "images/discovery.h"
#include "images/http.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Key files larger than this are not keys (as trust.c). */
#define DISCOVERY_KEY_MAX_BYTES (1u << 20)
/* Longer key URLs are ignored. */
#define DISCOVERY_KEY_URL_MAX 4096

struct keys_walk {
	const char *name;
	char *urls[DISCOVERY_MAX_KEYS];
	size_t n;
};

/* A URL from a hostile page: http(s), printable, bounded. */
static bool key_url_usable(const char *url)
{
	size_t n = strlen(url);

	if (n > DISCOVERY_KEY_URL_MAX ||
	    (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)))
		return false;
	for (const char *p = url; *p; p++)
		if (*p <= ' ' || *p > '~')
			return false;
	return true;
}

static int keys_tag(const char *prefix, const char *url, void *arg)
{
	struct keys_walk *w = arg;

	if (!discovery_prefix_covers(prefix, w->name))
		return 0;
	if (!key_url_usable(url)) {
		log_debug("discovery: %s: unusable key URL ignored", w->name);
		return 0;
	}
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->urls[i], url))
			return 0;
	if (w->n == DISCOVERY_MAX_KEYS)
		return 1;
	w->urls[w->n] = strdup(url);
	if (w->urls[w->n])
		w->n++;
	return 0;
}

static int keys_page(const char *html, size_t len, void *arg)
{
	struct keys_walk *w = arg;

	discovery_parse_pubkeys(html, len, keys_tag, w);
	/* The most specific page with keys for the name decides. */
	return w->n > 0;
}

void discovery_keys_free(struct discovery_keys *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->keys[i].url);
		free(k->keys[i].data);
		trust_key_info_free(&k->keys[i].info);
	}
	k->n = 0;
}

static int key_download(const char *url, const struct fetch_opts *o,
			struct discovery_key *k, struct error **err)
{
	struct fetch_opts lim = *o;

	lim.limits.max_bytes = DISCOVERY_KEY_MAX_BYTES;
	lim.progress = false;
	if (http_get_memory(url, &lim, &k->data, &k->len, err) < 0)
		return -1;
	if (trust_key_inspect(k->data, k->len, &k->info, err) < 0)
		return error_wrap(err, "key %s", url);
	return 0;
}

int discovery_keys_fetch(const char *name, const struct fetch_opts *o,
			 struct discovery_keys *out, struct error **err)
{
	struct keys_walk w = {.name = name};
	int r = 0;

	memset(out, 0, sizeof(*out));
	discovery_walk(name, o, keys_page, &w);
	if (!w.n)
		return error_set(err, ENOENT,
				 "%s: no ac-discovery-pubkeys found by appc "
				 "discovery%s",
				 name,
				 o->insecure_http
					 ? ""
					 : " (https only; plain http needs "
					   "--insecure-options=http)");
	for (size_t i = 0; i < w.n; i++) {
		struct discovery_key *k = &out->keys[out->n];

		if (!r) {
			memset(k, 0, sizeof(*k));
			k->url = steal_pointer(&w.urls[i]);
			out->n++;
			r = key_download(k->url, o, k, err);
		}
		free(w.urls[i]);
	}
	if (r < 0) {
		discovery_keys_free(out);
		return error_wrap(err, "%s", name);
	}
	return 0;
}

int discovery_keys_trust_unreviewed(const char *name,
				    const struct fetch_opts *o,
				    struct error **err)
{
	cleanup_error struct error *why = NULL;
	struct discovery_keys keys;
	int r = 0;

	if (discovery_keys_fetch(name, o, &keys, &why) < 0) {
		log_warn("--insecure-options=pubkey: no key trusted: %s",
			 why->message);
		return 0;
	}
	for (size_t i = 0; i < keys.n && !r; i++) {
		const struct discovery_key *k = &keys.keys[i];
		char uids[256];

		log_escape(uids, sizeof(uids), k->info.uids,
			   strlen(k->info.uids));
		log_warn("trusting key %s (%s) from %s for %s without review "
			 "(--insecure-options=pubkey)",
			 k->info.fingerprint, uids, k->url, name);
		r = trust_key_add(&o->roots, name, k->data, k->len,
				  k->info.fingerprint, err);
	}
	discovery_keys_free(&keys);
	return r;
}
