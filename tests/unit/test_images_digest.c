// SPDX-License-Identifier: Apache-2.0
/* SHA-256/512 against the FIPS 180-4 example vectors, and digest strings. */
#include "images/digest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

static void hash(enum digest_algo a, const void *d, size_t n, char *hex)
{
	struct digest_ctx c;

	digest_init(&c, a);
	digest_update(&c, d, n);
	digest_final_hex(&c, hex);
}

static void test_sha256_vectors(void **state)
{
	char hex[DIGEST_MAX_HEX + 1];

	(void)state;
	hash(DIGEST_SHA256, "abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177"
				 "a9cb410ff61f20015ad");
	hash(DIGEST_SHA256, "", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b9"
				 "34ca495991b7852b855");
	hash(DIGEST_SHA256,
	     "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	     hex);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2"
				 "167f6ecedd419db06c1");
}

static void test_sha512_vectors(void **state)
{
	char hex[DIGEST_MAX_HEX + 1];

	(void)state;
	hash(DIGEST_SHA512, "abc", 3, hex);
	assert_string_equal(hex, "ddaf35a193617abacc417349ae20413112e6fa4e89a97"
				 "ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3"
				 "feebbd454d4423643ce80e2a9ac94fa54ca49f");
	hash(DIGEST_SHA512, "", 0, hex);
	assert_string_equal(hex, "cf83e1357eefb8bdf1542850d66d8007d620e4050b571"
				 "5dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d287"
				 "7eec2f63b931bd47417a81a538327af927da3e");
}

/* Split updates at every offset give the one-shot result. */
static void test_incremental(void **state)
{
	char buf[300], one[DIGEST_MAX_HEX + 1], two[DIGEST_MAX_HEX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	for (int a = 0; a < 2; a++) {
		hash(a ? DIGEST_SHA512 : DIGEST_SHA256, buf, sizeof(buf), one);
		for (size_t cut = 0; cut <= sizeof(buf); cut += 13) {
			struct digest_ctx c;

			digest_init(&c, a ? DIGEST_SHA512 : DIGEST_SHA256);
			digest_update(&c, buf, cut);
			digest_update(&c, buf + cut, sizeof(buf) - cut);
			digest_final_hex(&c, two);
			assert_string_equal(one, two);
		}
	}
}

static void test_parse(void **state)
{
	char hex[DIGEST_MAX_HEX + 1];
	enum digest_algo a;
	char s[200];

	(void)state;
	snprintf(s, sizeof(s), "sha256:%064d", 0);
	assert_int_equal(digest_parse(s, &a, hex), 0);
	assert_int_equal(a, DIGEST_SHA256);
	s[6] = '-';
	assert_int_equal(digest_parse(s, &a, hex), 0);
	assert_int_equal(digest_parse("sha256:abc", &a, hex), -1);
	assert_int_equal(digest_parse("md5:00", &a, hex), -1);
	snprintf(s, sizeof(s), "sha512-%0128d", 0);
	assert_int_equal(digest_parse(s, &a, NULL), 0);
	s[20] = 'G';
	assert_int_equal(digest_parse(s, &a, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_sha512_vectors),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
