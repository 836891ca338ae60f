/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker registry HTTP API v2 client (libcurl): docker://HOST[:PORT]/REPO
 * [:TAG|@DIGEST]. Manifest lists and OCI indexes resolve to linux/amd64;
 * schema2 and OCI manifests are taken; every manifest and blob is checked
 * against its digest; layers already in the store are not downloaded.
 * Bearer tokens are fetched from the realm a 401's WWW-Authenticate names.
 * https only, unless --insecure-options=http.
 */
#ifndef COCOON_IMAGES_REGISTRY_H
#define COCOON_IMAGES_REGISTRY_H

#include "images/fetch.h"

struct registry_ref {
	char *host; /* "host[:port]" */
	char *repo; /* "library/busybox" */
	char *tag;  /* NULL when digest is set */
	char *digest;
};

/* Parses what follows "docker://"; a missing tag is "latest". */
int registry_ref_parse(const char *s, struct registry_ref *r,
		       struct error **err);
void registry_ref_free(struct registry_ref *r);

struct registry_challenge {
	char *realm;
	char *service;
	char *scope;
};

/* Parses a `WWW-Authenticate: Bearer k="v",...` value; -1 if not Bearer. */
int registry_challenge_parse(const char *value, struct registry_challenge *c);
void registry_challenge_free(struct registry_challenge *c);

int registry_fetch(struct store *s, const char *source,
		   const struct fetch_opts *o, char **id, struct error **err);

#endif
