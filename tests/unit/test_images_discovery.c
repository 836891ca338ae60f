// SPDX-License-Identifier: Apache-2.0
/* appc discovery: template expansion and ac-discovery meta tags. */
#include "images/discovery.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

static void test_expand(void **state)
{
	struct discovery_labels l = {"example.com/app", "1.0", "linux", "amd64",
				     "aci"};
	char out[256];

	(void)state;
	assert_int_equal(
		discovery_expand("https://example.com/{name}-{version}-{os}-"
				 "{arch}.{ext}",
				 &l, out, sizeof(out)),
		0);
	assert_string_equal(
		out, "https://example.com/example.com/app-1.0-linux-amd64.aci");
	l.ext = "aci.asc";
	assert_int_equal(
		discovery_expand("x/{name}.{ext}", &l, out, sizeof(out)), 0);
	assert_string_equal(out, "x/example.com/app.aci.asc");
	assert_int_equal(discovery_expand("x/{nope}", &l, out, sizeof(out)),
			 -1);
	assert_int_equal(discovery_expand("x/{name", &l, out, sizeof(out)), -1);
	assert_int_equal(discovery_expand("{name}{name}", &l, out, 20), -1);
}

struct seen {
	char prefix[8][128];
	char tmpl[8][256];
	int n;
};

static int collect(const char *prefix, const char *tmpl, void *arg)
{
	struct seen *s = arg;

	if (s->n < 8) {
		snprintf(s->prefix[s->n], 128, "%s", prefix);
		snprintf(s->tmpl[s->n], 256, "%s", tmpl);
		s->n++;
	}
	return 0;
}

static void test_meta(void **state)
{
	const char html[] =
		"<html><head>\n"
		"<META name=\"ac-discovery\" content=\"example.com "
		"https://example.com/{name}-{version}.{ext}\">\n"
		"<meta name='ac-discovery-pubkeys' content='example.com "
		"https://example.com/pubkeys.gpg'>\n"
		"<meta content=\"example.com/app http://mirror/{name}.{ext}\" "
		"name=\"ac-discovery\"/>\n"
		"<meta name=\"ac-discovery\">\n"
		"<meta name=\"ac-discovery\" content=\"only-prefix\">\n"
		"<metadata name=\"ac-discovery\" content=\"a b\">\n"
		"<meta name=\"ac-discovery\" content=\"unterminated";
	struct seen s = {0};

	(void)state;
	assert_int_equal(discovery_parse_meta(html, strlen(html), collect, &s),
			 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.prefix[0], "example.com");
	assert_string_equal(s.tmpl[0],
			    "https://example.com/{name}-{version}.{ext}");
	assert_string_equal(s.prefix[1], "example.com/app");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_meta),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
