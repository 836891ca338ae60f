/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Public keys by appc discovery (appc spec, discovery.md): the pages that
 * discover an image may carry <meta name="ac-discovery-pubkeys"
 * content="PREFIX URL">; URL is an armored OpenPGP public key of the
 * publisher of the images named PREFIX[/...]. The pages are walked as for
 * images (the name, then each shorter prefix, https unless insecure_http)
 * and the first page with tags covering the name gives the keys.
 */
#ifndef COCOON_IMAGES_DISCOVERY_KEYS_H
#define COCOON_IMAGES_DISCOVERY_KEYS_H

#include "images/fetch.h"
#include "images/trust.h"

/* At most this many keys are taken from one page. */
#define DISCOVERY_MAX_KEYS 8

struct discovery_key {
	char *url;
	char *data; /* the key file as downloaded */
	size_t len;
	struct trust_key_info info;
};

struct discovery_keys {
	struct discovery_key keys[DISCOVERY_MAX_KEYS];
	size_t n;
};

/* Discovers and downloads the keys for name; ENOENT if none is found. */
int discovery_keys_fetch(const char *name, const struct fetch_opts *o,
			 struct discovery_keys *out, struct error **err);
void discovery_keys_free(struct discovery_keys *k);

/*
 * --insecure-options=pubkey: discovers the keys for name and trusts them
 * for name (stored under prefix.d/<name>) without asking, with a warning
 * naming each fingerprint. Finding no key is only a warning: verification
 * then says what to do.
 */
int discovery_keys_trust_unreviewed(const char *name,
				    const struct fetch_opts *o,
				    struct error **err);

#endif
