// SPDX-License-Identifier: Apache-2.0
/* appc discovery: template expansion and ac-discovery meta tags. */
#include "images/discovery.h"
#include "images/fetch_deps.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
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

static void test_pubkeys(void **state)
{
	const char html[] =
		"<html><head>\n"
		"<meta name=\"ac-discovery\" content=\"example.com "
		"https://example.com/{name}.{ext}\">\n"
		"<meta name='ac-discovery-pubkeys' content='example.com "
		"https://example.com/pubkeys.gpg'>\n"
		"<META\tNAME=\"ac-discovery-pubkeys\"\n"
		"  CONTENT=\"  example.com/app   http://keys/app.asc  \" />\n"
		/* other tags whose names merely contain the pubkeys name */
		"<meta name=\"ac-discovery-pubkeysx\" content=\"a b\">\n"
		"<meta name=\"x-ac-discovery-pubkeys\" content=\"a b\">\n"
		"<meta name=\"ac-discovery-pubkeys\" content=\"no-url\">\n"
		"<meta name=\"ac-discovery-pubkeys\">\n"
		"<meta content=\"late.example https://late/k\" "
		"name=\"ac-discovery-pubkeys\">\n"
		"<meta name=\"ac-discovery-pubkeys\" content=\"cut https://";
	struct seen s = {0};

	(void)state;
	assert_int_equal(
		discovery_parse_pubkeys(html, strlen(html), collect, &s), 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.prefix[0], "example.com");
	assert_string_equal(s.tmpl[0], "https://example.com/pubkeys.gpg");
	assert_string_equal(s.prefix[1], "example.com/app");
	assert_string_equal(s.tmpl[1], "http://keys/app.asc");
	assert_string_equal(s.prefix[2], "late.example");
	assert_string_equal(s.tmpl[2], "https://late/k");

	/* The image tags are not taken for keys, nor the other way. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(discovery_parse_meta(html, strlen(html), collect, &s),
			 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.tmpl[0], "https://example.com/{name}.{ext}");
}

static int stop_at_first(const char *prefix, const char *value, void *arg)
{
	int *calls = arg;

	(void)prefix, (void)value;
	(*calls)++;
	return 1;
}

static void test_pubkeys_bounds(void **state)
{
	const char html[] = "<meta name=\"ac-discovery-pubkeys\" content=\"a "
			    "https://k\"><meta name=\"ac-discovery-pubkeys\" "
			    "content=\"a https://l\">";
	int calls = 0;
	struct seen s = {0};

	(void)state;
	/* A callback returning > 0 stops the parse. */
	assert_int_equal(discovery_parse_pubkeys(html, strlen(html),
						 stop_at_first, &calls),
			 1);
	assert_int_equal(calls, 1);
	/* len bounds the parse: a tag cut by it is not seen. */
	assert_int_equal(discovery_parse_pubkeys(html, 30, collect, &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(discovery_parse_pubkeys("", 0, collect, &s), 0);
	assert_int_equal(discovery_parse_pubkeys("<meta", 5, collect, &s), 0);
	assert_int_equal(s.n, 0);
}

static void test_prefix_covers(void **state)
{
	(void)state;
	assert_true(discovery_prefix_covers("example.com", "example.com"));
	assert_true(discovery_prefix_covers("example.com", "example.com/app"));
	assert_true(discovery_prefix_covers("example.com/app",
					    "example.com/app/sub"));
	assert_false(discovery_prefix_covers("example.com/app",
					     "example.com/apple"));
	assert_false(discovery_prefix_covers("example.com/app", "example.com"));
	assert_false(discovery_prefix_covers("", "example.com"));
}

static void test_dep_chain(void **state)
{
	unsigned fetched = 0;
	struct fetch_dep_chain top = {"a.com/top", NULL, 0, &fetched};
	struct fetch_dep_chain mid = {"a.com/mid", &top, 1, &fetched};
	char *s;

	(void)state;
	s = fetch_dep_chain_string(&mid, "a.com/base");
	assert_string_equal(s, "a.com/top -> a.com/mid -> a.com/base");
	free(s);
	s = fetch_dep_chain_string(&top, NULL);
	assert_string_equal(s, "a.com/top");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_meta),
		cmocka_unit_test(test_pubkeys),
		cmocka_unit_test(test_pubkeys_bounds),
		cmocka_unit_test(test_prefix_covers),
		cmocka_unit_test(test_dep_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
