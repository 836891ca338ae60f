// SPDX-License-Identifier: Apache-2.0
/* Registry references and WWW-Authenticate Bearer challenges. */
#include "images/registry.h"
#include "common/cleanup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

static void test_ref(void **state)
{
	cleanup_error struct error *err = NULL;
	struct registry_ref r;
	char buf[200];

	(void)state;
	assert_int_equal(registry_ref_parse("127.0.0.1:5000/a/b:v1", &r, &err),
			 0);
	assert_string_equal(r.host, "127.0.0.1:5000");
	assert_string_equal(r.repo, "a/b");
	assert_string_equal(r.tag, "v1");
	assert_null(r.digest);
	registry_ref_free(&r);
	assert_int_equal(registry_ref_parse("quay.io/x", &r, &err), 0);
	assert_string_equal(r.tag, "latest");
	registry_ref_free(&r);
	snprintf(buf, sizeof(buf), "h/x@sha256:%064d", 7);
	assert_int_equal(registry_ref_parse(buf, &r, &err), 0);
	assert_null(r.tag);
	assert_non_null(r.digest);
	registry_ref_free(&r);
	assert_int_equal(registry_ref_parse("h/x@sha256:12", &r, &err), -1);
	error_free(&err);
	assert_int_equal(registry_ref_parse("nohost", &r, &err), -1);
	error_free(&err);
	assert_int_equal(registry_ref_parse("h/Upper", &r, &err), -1);
	error_free(&err);
	assert_int_equal(registry_ref_parse("h/x:", &r, &err), -1);
	error_free(&err);
	assert_int_equal(registry_ref_parse("h o/x", &r, &err), -1);
}

static void test_challenge(void **state)
{
	struct registry_challenge c;

	(void)state;
	assert_int_equal(registry_challenge_parse(
				 "Bearer realm=\"https://auth.example/token\","
				 "service=\"registry.example\","
				 "scope=\"repository:library/busybox:pull\"",
				 &c),
			 0);
	assert_string_equal(c.realm, "https://auth.example/token");
	assert_string_equal(c.service, "registry.example");
	assert_string_equal(c.scope, "repository:library/busybox:pull");
	registry_challenge_free(&c);
	assert_int_equal(registry_challenge_parse(" bearer realm=\"r\"", &c),
			 0);
	assert_null(c.service);
	registry_challenge_free(&c);
	assert_int_equal(registry_challenge_parse("Basic realm=\"r\"", &c), -1);
	assert_int_equal(registry_challenge_parse("Bearer service=\"s\"", &c),
			 -1);
	assert_int_equal(
		registry_challenge_parse("Bearer realm=\"unterminated", &c),
		-1);
	assert_int_equal(registry_challenge_parse("Bearer realm=noquotes", &c),
			 -1);
	assert_int_equal(registry_challenge_parse("Bearer", &c), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ref),
		cmocka_unit_test(test_challenge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
