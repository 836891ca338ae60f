/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trust store and signature verification (gpgme).
 *
 * Keys live as one armored file per key, named by lowercase fingerprint:
 *	<root>/trustedkeys/prefix.d/<image name prefix>/<fingerprint>
 *	<root>/trustedkeys/root.d/<fingerprint>	(trusted for every image)
 * with two roots: the admin's (--local-config, /etc/cocoon) and the
 * vendor's (--system-config, /usr/lib/cocoon). An image is checked against
 * the keys of the most specific prefix that has any, plus root.d.
 *
 * gpgme always runs on a throwaway engine home made for the call (the
 * keys above are imported into it): never the user's keyring.
 */
#ifndef COCOON_IMAGES_TRUST_H
#define COCOON_IMAGES_TRUST_H

#include "common/error.h"

#include <stdbool.h>
#include <stddef.h>

struct trust_roots {
	const char *config_dir; /* /etc/cocoon */
	const char *vendor_dir; /* /usr/lib/cocoon */
};

struct trust_key_info {
	char *fingerprint; /* uppercase hex, primary key */
	char *uids;	   /* "Name <mail>", comma separated */
};

/* Reads the one public key in buf (armored or binary). */
int trust_key_inspect(const void *buf, size_t len, struct trust_key_info *info,
		      struct error **err);
void trust_key_info_free(struct trust_key_info *info);

/* Writes the key under prefix.d/<prefix>/ (prefix NULL: root.d/). */
int trust_key_add(const struct trust_roots *roots, const char *prefix,
		  const void *buf, size_t len, const char *fingerprint,
		  struct error **err);

typedef int (*trust_key_fn)(const char *origin, const char *prefix,
			    const char *fingerprint, const char *path,
			    void *arg);
/* Calls fn for every trusted key file in both roots. prefix is NULL for
 * root.d; origin is "local" or "system". */
int trust_list(const struct trust_roots *roots, trust_key_fn fn, void *arg,
	       struct error **err);
/* Removes the key (fingerprint, any case) from every prefix of the admin
 * root; returns how many files went. */
int trust_key_remove(const struct trust_roots *roots, const char *fingerprint,
		     unsigned *removed, struct error **err);

/* True for a usable prefix: an AC identifier without "." or ".." parts. */
bool trust_prefix_valid(const char *prefix);

/* True if prefix.d of either root has a key for name or a prefix of it
 * (root.d keys do not count). */
bool trust_prefix_has_keys(const struct trust_roots *roots, const char *name);

/*
 * Verifies the detached signature sig_fd over data_fd for the image named
 * name. On success *fingerprint is the signing (primary) key. A signature
 * by a key not trusted for name fails with code ENOKEY and the message
 * "signed by key FPR, which is not trusted for NAME": the caller says what
 * to do about it.
 */
int trust_verify(const struct trust_roots *roots, const char *name, int data_fd,
		 int sig_fd, char **fingerprint, struct error **err);

#endif
