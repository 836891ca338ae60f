/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An ACI's dependencies (appc spec, "Image Manifest Schema",
 * dependencies; "Dependency Matching") that are not in the store are
 * found by appc discovery and fetched before the image is rendered:
 * imageName with the dependency's labels ("version" picks the version
 * discovered), checked afterwards against imageID when given, else
 * against every label. Each is verified like any fetch (same options),
 * and its own dependencies are fetched the same way, depth first.
 *
 * Bounds: a chain deeper than FETCH_DEPS_MAX_DEPTH, more than
 * FETCH_DEPS_MAX dependencies fetched for one image, or a name that
 * appears twice in one chain (a loop) is refused, naming the chain.
 */
#ifndef COCOON_IMAGES_FETCH_DEPS_H
#define COCOON_IMAGES_FETCH_DEPS_H

#include "images/aci_manifest.h"
#include "images/fetch.h"

#define FETCH_DEPS_MAX_DEPTH 16
#define FETCH_DEPS_MAX	     64

/* One link of "top -> dependency -> its dependency ...". */
struct fetch_dep_chain {
	const char *name;
	const struct fetch_dep_chain *parent; /* NULL: the image asked for */
	unsigned depth;			      /* 0 for the image asked for */
	unsigned *fetched; /* dependencies fetched so far, shared */
};

/* Makes sure every dependency of m is in the store (o->chain: who m is). */
int fetch_deps(struct store *s, const struct aci_manifest *m,
	       const struct fetch_opts *o, struct error **err);

/* "a -> b -> last" (malloc'd; NULL when out of memory). */
char *fetch_dep_chain_string(const struct fetch_dep_chain *c, const char *last);

#endif
