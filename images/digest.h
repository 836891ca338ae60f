/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 and SHA-512 (FIPS 180-4) and the digest strings built on them.
 * Two spellings exist: OCI "sha256:<hex>" and appc "sha512-<hex>"; the
 * store keeps blobs under cas/blobs/<algo>/<hex> either way.
 */
#ifndef COCOON_IMAGES_DIGEST_H
#define COCOON_IMAGES_DIGEST_H

#include <stddef.h>
#include <stdint.h>

enum digest_algo { DIGEST_SHA256, DIGEST_SHA512 };

#define DIGEST_MAX_BYTES 64
#define DIGEST_MAX_HEX	 (DIGEST_MAX_BYTES * 2)
/* "sha512:" + hex + NUL */
#define DIGEST_STRING_MAX (7 + DIGEST_MAX_HEX + 1)

struct digest_ctx {
	enum digest_algo algo;
	uint64_t length; /* bytes hashed so far */
	union {
		uint32_t h32[8];
		uint64_t h64[8];
	} state;
	unsigned char block[128];
	size_t used;
};

void digest_init(struct digest_ctx *ctx, enum digest_algo algo);
void digest_update(struct digest_ctx *ctx, const void *data, size_t len);
/*
 * Writes the digest's bytes into out and returns how many (32 or 64).
 * The context is used up, as by digest_final_hex.
 */
size_t digest_final_raw(struct digest_ctx *ctx,
			unsigned char out[DIGEST_MAX_BYTES]);
/* Writes the lowercase hex digest (NUL-terminated) into hex. */
void digest_final_hex(struct digest_ctx *ctx, char hex[DIGEST_MAX_HEX + 1]);

const char *digest_algo_name(enum digest_algo algo);
size_t digest_hex_len(enum digest_algo algo);

/*
 * Parses "sha256:<hex>" or "sha512-<hex>" (either separator), checking the
 * hex length and alphabet. hex may be NULL.
 */
int digest_parse(const char *s, enum digest_algo *algo,
		 char hex[DIGEST_MAX_HEX + 1]);

#endif
