// SPDX-License-Identifier: Apache-2.0
/*
 * SHA-2 after FIPS 180-4 §6.2 (SHA-256) and §6.4 (SHA-512). Written from
 * the standard; no crypto library is linked by the images module.
 */
#include "images/digest.h"

#include <string.h>

static const uint32_t k256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint64_t k512[80] = {
	0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL,
	0xe9b5dba58189dbbcULL, 0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL,
	0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL, 0xd807aa98a3030242ULL,
	0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
	0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL,
	0xc19bf174cf692694ULL, 0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL,
	0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL, 0x2de92c6f592b0275ULL,
	0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
	0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL,
	0xbf597fc7beef0ee4ULL, 0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL,
	0x06ca6351e003826fULL, 0x142929670a0e6e70ULL, 0x27b70a8546d22ffcULL,
	0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
	0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL,
	0x92722c851482353bULL, 0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL,
	0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL, 0xd192e819d6ef5218ULL,
	0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
	0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL,
	0x34b0bcb5e19b48a8ULL, 0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL,
	0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL, 0x748f82ee5defb2fcULL,
	0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
	0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL,
	0xc67178f2e372532bULL, 0xca273eceea26619cULL, 0xd186b8c721c0c207ULL,
	0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL, 0x06f067aa72176fbaULL,
	0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
	0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL,
	0x431d67c49c100d4cULL, 0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL,
	0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

static uint32_t ror32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static uint64_t ror64(uint64_t x, unsigned n)
{
	return (x >> n) | (x << (64 - n));
}

static void sha256_block(uint32_t h[8], const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^
			      (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3];
	e = h[4], f = h[5], g = h[6], hh = h[7];
	for (i = 0; i < 64; i++) {
		t1 = hh + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) +
		     ((e & f) ^ (~e & g)) + k256[i] + w[i];
		t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		hh = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

static void sha512_block(uint64_t h[8], const unsigned char *p)
{
	uint64_t w[80], a, b, c, d, e, f, g, hh, t1, t2;
	int i, j;

	for (i = 0; i < 16; i++) {
		w[i] = 0;
		for (j = 0; j < 8; j++)
			w[i] = w[i] << 8 | p[8 * i + j];
	}
	for (i = 16; i < 80; i++) {
		uint64_t s0 = ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^
			      (w[i - 15] >> 7);
		uint64_t s1 = ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^
			      (w[i - 2] >> 6);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = h[0], b = h[1], c = h[2], d = h[3];
	e = h[4], f = h[5], g = h[6], hh = h[7];
	for (i = 0; i < 80; i++) {
		t1 = hh + (ror64(e, 14) ^ ror64(e, 18) ^ ror64(e, 41)) +
		     ((e & f) ^ (~e & g)) + k512[i] + w[i];
		t2 = (ror64(a, 28) ^ ror64(a, 34) ^ ror64(a, 39)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		hh = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

static size_t block_size(enum digest_algo algo)
{
	return algo == DIGEST_SHA256 ? 64 : 128;
}

static void digest_block(struct digest_ctx *ctx, const unsigned char *p)
{
	if (ctx->algo == DIGEST_SHA256)
		sha256_block(ctx->state.h32, p);
	else
		sha512_block(ctx->state.h64, p);
}

void digest_init(struct digest_ctx *ctx, enum digest_algo algo)
{
	/* Initial hash values: FIPS 180-4 §5.3.3 and §5.3.5. */
	static const uint32_t iv256[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372,
					  0xa54ff53a, 0x510e527f, 0x9b05688c,
					  0x1f83d9ab, 0x5be0cd19};
	static const uint64_t iv512[8] = {
		0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL,
		0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
		0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
		0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
	};

	memset(ctx, 0, sizeof(*ctx));
	ctx->algo = algo;
	if (algo == DIGEST_SHA256)
		memcpy(ctx->state.h32, iv256, sizeof(iv256));
	else
		memcpy(ctx->state.h64, iv512, sizeof(iv512));
}

void digest_update(struct digest_ctx *ctx, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t bs = block_size(ctx->algo);

	ctx->length += len;
	if (ctx->used) {
		size_t n = bs - ctx->used;

		if (n > len)
			n = len;
		memcpy(ctx->block + ctx->used, p, n);
		ctx->used += n;
		p += n;
		len -= n;
		if (ctx->used < bs)
			return;
		digest_block(ctx, ctx->block);
		ctx->used = 0;
	}
	while (len >= bs) {
		digest_block(ctx, p);
		p += bs;
		len -= bs;
	}
	memcpy(ctx->block, p, len);
	ctx->used = len;
}

size_t digest_final_raw(struct digest_ctx *ctx,
			unsigned char out[DIGEST_MAX_BYTES])
{
	size_t bs = block_size(ctx->algo);
	size_t lenfield = ctx->algo == DIGEST_SHA256 ? 8 : 16;
	uint64_t bits = ctx->length * 8;
	size_t i;

	/* Padding: FIPS 180-4 §5.1. The high 64 bits of a SHA-512 length
	 * stay zero: no image is 2^61 bytes. */
	ctx->block[ctx->used++] = 0x80;
	if (ctx->used > bs - lenfield) {
		memset(ctx->block + ctx->used, 0, bs - ctx->used);
		digest_block(ctx, ctx->block);
		ctx->used = 0;
	}
	memset(ctx->block + ctx->used, 0, bs - ctx->used);
	for (i = 0; i < 8; i++)
		ctx->block[bs - 1 - i] = (unsigned char)(bits >> (8 * i));
	digest_block(ctx, ctx->block);

	if (ctx->algo == DIGEST_SHA256) {
		for (i = 0; i < 8; i++)
			for (size_t j = 0; j < 4; j++)
				out[4 * i + j] =
					(unsigned char)(ctx->state.h32[i] >>
							(24 - 8 * j));
		return 32;
	}
	for (i = 0; i < 8; i++)
		for (size_t j = 0; j < 8; j++)
			out[8 * i + j] = (unsigned char)(ctx->state.h64[i] >>
							 (56 - 8 * j));
	return 64;
}

void digest_final_hex(struct digest_ctx *ctx, char hex[DIGEST_MAX_HEX + 1])
{
	static const char xd[] = "0123456789abcdef";
	unsigned char out[DIGEST_MAX_BYTES];
	size_t nout = digest_final_raw(ctx, out);

	for (size_t i = 0; i < nout; i++) {
		hex[2 * i] = xd[out[i] >> 4];
		hex[2 * i + 1] = xd[out[i] & 15];
	}
	hex[2 * nout] = '\0';
}

const char *digest_algo_name(enum digest_algo algo)
{
	return algo == DIGEST_SHA256 ? "sha256" : "sha512";
}

size_t digest_hex_len(enum digest_algo algo)
{
	return algo == DIGEST_SHA256 ? 64 : 128;
}

int digest_parse(const char *s, enum digest_algo *algo,
		 char hex[DIGEST_MAX_HEX + 1])
{
	enum digest_algo a;
	size_t i, n;

	if (!strncmp(s, "sha256", 6))
		a = DIGEST_SHA256;
	else if (!strncmp(s, "sha512", 6))
		a = DIGEST_SHA512;
	else
		return -1;
	if (s[6] != ':' && s[6] != '-')
		return -1;
	s += 7;
	n = strlen(s);
	if (n != digest_hex_len(a))
		return -1;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return -1;
	if (algo)
		*algo = a;
	if (hex)
		memcpy(hex, s, n + 1);
	return 0;
}
