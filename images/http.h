/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ACI fetch over http(s) with libcurl: the ACI and the signature beside it
 * (URL + ".asc") are downloaded into the store's temp dir; the ETag is kept
 * in the remote cache so --pull-policy=update can ask If-None-Match.
 * Plain http only with --insecure-options=http.
 */
#ifndef COCOON_IMAGES_HTTP_H
#define COCOON_IMAGES_HTTP_H

#include "images/fetch.h"

int http_fetch_aci(struct store *s, const char *url, const struct fetch_opts *o,
		   char **id, struct error **err);

/* Downloads url into fd; *status is the HTTP status. etag_in may be NULL;
 * *etag_out (malloc'd or NULL) receives the response's ETag. */
int http_get(const char *url, int fd, const struct fetch_opts *o,
	     const char *etag_in, char **etag_out, long *status,
	     struct error **err);

/* Downloads url (HTTP 200 required) into a malloc'd, NUL-terminated
 * buffer of at most o->limits.max_bytes. */
int http_get_memory(const char *url, const struct fetch_opts *o, char **buf,
		    size_t *len, struct error **err);

#endif
