/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fetching an image into the store from what the user typed:
 *	PATH.aci, file://PATH.aci	a local ACI (+ PATH.aci.asc)
 *	http(s)://HOST/PATH.aci		an ACI URL (+ .asc beside it)
 *	oci:DIR[:TAG]			an OCI image layout
 *	oci-archive:FILE[:TAG]		a tar of one
 *	sha512-ID, name[:version]	an image already in the store
 * ACIs are verified against the trust store unless insecure_image; OCI
 * images cannot be signed and so need insecure_image (as rkt).
 */
#ifndef COCOON_IMAGES_FETCH_H
#define COCOON_IMAGES_FETCH_H

#include "images/extract.h"
#include "images/store.h"
#include "images/trust.h"

struct fetch_dep_chain;

enum pull_policy { PULL_NEW, PULL_UPDATE, PULL_NEVER };

struct fetch_opts {
	struct trust_roots roots;
	bool insecure_image; /* skip signature verification */
	bool insecure_http;  /* allow http:// */
	bool insecure_tls;   /* accept any TLS certificate */
	/* trust keys found by ac-discovery-pubkeys unreviewed (and keep them) */
	bool insecure_pubkey;
	enum pull_policy pull;
	struct extract_limits limits;
	bool progress; /* progress lines on stderr */
	/* An ACI must carry this name (discovery), NULL: any. */
	const char *expect_name;
	/* The image was found by discovery: its keys can be too. */
	bool discovered;
	/* The dependency being fetched and who needs it (fetch_deps.h). */
	const struct fetch_dep_chain *chain;
};

int fetch_image(struct store *s, const char *source, const struct fetch_opts *o,
		char **id, struct error **err);

/* Imports a local ACI (sig_fd < 0: unsigned) and renders it. */
int fetch_aci_fd(struct store *s, int fd, int sig_fd, const char *source,
		 const struct fetch_opts *o, char **id, struct error **err);

/* Splits "PATH[:TAG]" where TAG has no '/'; both malloc'd. */
int fetch_split_tag(const char *s, char **path, char **tag, struct error **err);

#endif
