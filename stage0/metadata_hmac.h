/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host half of the appc metadata service's identity endpoint
 * (docs/metadata.md; appc spec, ace.md "Identity Endpoint"): cocoon-init
 * serves the metadata inside the VM, but the HMAC key never enters the
 * guest. The guest forwards each sign/verify to the supervisor on vsock
 * port CTL_PORT_METADATA (the Unix socket stage1/vsock_1027), and the
 * supervisor answers with the key kept under --dir.
 *
 * A signature is HMAC-SHA512 (RFC 2104) keyed by <dir>/metadata/hmac.key
 * over the pod UUID's 16 bytes followed by the content, as rkt computed
 * it. Sign always uses the UUID of the pod the supervisor runs, so a
 * guest cannot sign for another pod; verify takes the UUID from the
 * request, so any pod of the host can check another pod's signature.
 *
 * One request per connection, one ctl frame each way (common/ctl.h):
 *
 *	{"type": "hmac-sign", "content": HEX}
 *	  -> {"type": "hmac-signed", "signature": BASE64}
 *	{"type": "hmac-verify", "uuid": UUID, "content": HEX,
 *	 "signature": BASE64}
 *	  -> {"type": "hmac-verified", "valid": BOOL}
 *	anything malformed -> {"type": "error", "message": TEXT}
 */
#ifndef COCOON_STAGE0_METADATA_HMAC_H
#define COCOON_STAGE0_METADATA_HMAC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "images/digest.h"

struct json_object;

#define METADATA_HMAC_KEY_BYTES 64 /* the key file's exact size */
#define METADATA_HMAC_BYTES	64 /* SHA-512's output */
/* The largest content the guest may send (its HTTP body bound, decoded). */
#define METADATA_CONTENT_MAX (64u << 10)
/* A request frame: the content in hex plus room for the other members. */
#define METADATA_REQUEST_MAX (2 * METADATA_CONTENT_MAX + 1024)
/* Connections from one guest at once; a new one beyond closes the oldest. */
#define METADATA_CONNS_MAX 16

/* ---- HMAC-SHA512 (RFC 2104 over images/digest.h) */

struct metadata_hmac_ctx {
	struct digest_ctx inner;
	unsigned char okey[128]; /* the key XOR opad, one SHA-512 block */
};

void metadata_hmac_init(struct metadata_hmac_ctx *h, const void *key,
			size_t key_len);
void metadata_hmac_update(struct metadata_hmac_ctx *h, const void *data,
			  size_t len);
void metadata_hmac_final(struct metadata_hmac_ctx *h,
			 unsigned char out[METADATA_HMAC_BYTES]);

/* The pod's signature of content: HMAC(key, uuid[16] || content). */
void metadata_hmac_sign(const unsigned char key[METADATA_HMAC_KEY_BYTES],
			const unsigned char uuid[16], const void *content,
			size_t len, unsigned char out[METADATA_HMAC_BYTES]);
/* True when sig is that signature; compares in constant time. */
bool metadata_hmac_verify(const unsigned char key[METADATA_HMAC_KEY_BYTES],
			  const unsigned char uuid[16], const void *content,
			  size_t len, const unsigned char *sig, size_t sig_len);

/* ---- encodings */

/* Standard base64 (RFC 4648 §4) with padding; out needs 4*ceil(len/3)+1. */
void metadata_base64_encode(const unsigned char *in, size_t len, char *out);
/*
 * Strict standard base64: length a multiple of 4, padding only at the
 * end, unused bits zero, no whitespace. 0 and *out_len, or -1 when in is
 * not that or decodes to more than out_size bytes.
 */
int metadata_base64_decode(const char *in, size_t len, unsigned char *out,
			   size_t out_size, size_t *out_len);
/* An RFC 4122 UUID in its 8-4-4-4-12 hex form (either case): 0 or -1. */
int metadata_uuid_parse(const char *s, unsigned char out[16]);

/* ---- the key */

/*
 * Reads <dir>/metadata/hmac.key, creating it first if missing: 64 bytes
 * from getrandom(), mode 0600, written to a temporary file, synced and
 * linked into place, so concurrent supervisors agree on one key and none
 * ever reads half a key. A key file of the wrong size, type or owner is
 * an error (nothing is overwritten).
 */
int metadata_hmac_key_load(const char *dir,
			   unsigned char key[METADATA_HMAC_KEY_BYTES],
			   struct error **err);

/* ---- requests */

/*
 * Answers one request frame from the guest of pod pod_uuid: the reply
 * message (see above), never NULL but on out of memory.
 */
struct json_object *
metadata_hmac_answer(const unsigned char key[METADATA_HMAC_KEY_BYTES],
		     const char *pod_uuid, uint8_t kind, const uint8_t *payload,
		     size_t len);

/*
 * The supervisor's listener on stage1/vsock_1027: takes listen_fd (a
 * non-blocking listening socket), loads the key, and serves requests
 * from its own epoll; the supervisor watches metadata_hmac_server_fd()
 * and calls metadata_hmac_server_process() when it is readable. Sizes
 * are bounded (METADATA_REQUEST_MAX, METADATA_CONNS_MAX) and a reply
 * that cannot be written at once closes the connection, so a guest can
 * neither exhaust the supervisor nor block it.
 */
struct metadata_hmac_server;

int metadata_hmac_server_new(const char *dir, const char *pod_uuid,
			     int listen_fd, struct metadata_hmac_server **out,
			     struct error **err);
int metadata_hmac_server_fd(const struct metadata_hmac_server *s);
void metadata_hmac_server_process(struct metadata_hmac_server *s);
/* Closes every connection and the listener. NULL is fine. */
void metadata_hmac_server_free(struct metadata_hmac_server *s);

#endif
