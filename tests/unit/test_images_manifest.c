// SPDX-License-Identifier: Apache-2.0
/*
 * appc image manifest parsing: a full manifest, then each required field
 * missing or malformed, checking that the error names the field; name
 * and label helpers.
 */
#include "images/aci_manifest.h"
#include "common/cleanup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char good[] =
	"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
	"\"name\":\"example.com/app\","
	"\"labels\":[{\"name\":\"version\",\"value\":\"1.0\"},"
	"{\"name\":\"os\",\"value\":\"linux\"}],"
	"\"app\":{\"exec\":[\"/bin/"
	"app\",\"-v\"],\"user\":\"0\",\"group\":\"0\","
	"\"workingDirectory\":\"/srv\","
	"\"environment\":[{\"name\":\"A\",\"value\":\"b\"}],"
	"\"mountPoints\":[{\"name\":\"data\",\"path\":\"/data\"}],"
	"\"ports\":[{\"name\":\"http\",\"protocol\":\"tcp\",\"port\":80}]},"
	"\"dependencies\":[{\"imageName\":\"example.com/base\","
	"\"labels\":[{\"name\":\"version\",\"value\":\"2\"}]}],"
	"\"annotations\":[{\"name\":\"authors\",\"value\":\"x\"}],"
	"\"pathWhitelist\":[\"/bin/app\"]}";

static void test_good_manifest(void **state)
{
	cleanup_error struct error *err = NULL;
	struct aci_manifest *m = NULL;

	(void)state;
	assert_int_equal(aci_manifest_parse(good, strlen(good), &m, &err), 0);
	assert_string_equal(m->name, "example.com/app");
	assert_string_equal(aci_manifest_label(m, "version"), "1.0");
	assert_null(aci_manifest_label(m, "arch"));
	assert_int_equal(m->ndeps, 1);
	assert_string_equal(m->deps[0].image_name, "example.com/base");
	assert_int_equal(m->deps[0].nlabels, 1);
	assert_int_equal(m->nwhitelist, 1);
	assert_true(m->has_app);
	aci_manifest_free(m);
}

/* Replaces the first occurrence of from in good by to, parses, and checks
 * that parsing fails with an error containing want. */
static void expect_error(const char *from, const char *to, const char *want)
{
	cleanup_error struct error *err = NULL;
	struct aci_manifest *m = NULL;
	char buf[4096];
	const char *at = strstr(good, from);

	assert_non_null(at);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - good), good, to,
		 at + strlen(from));
	if (aci_manifest_parse(buf, strlen(buf), &m, &err) == 0) {
		aci_manifest_free(m);
		fail_msg("accepted: %s", buf);
	}
	assert_non_null(err);
	if (!strstr(err->message, want))
		fail_msg("error \"%s\" does not contain \"%s\"", err->message,
			 want);
}

static void test_required_fields(void **state)
{
	(void)state;
	expect_error("\"acKind\":\"ImageManifest\",", "", "acKind: required");
	expect_error("\"ImageManifest\"", "\"PodManifest\"", "acKind: must be");
	expect_error("\"acVersion\":\"0.8.11\",", "", "acVersion: required");
	expect_error("\"0.8.11\"", "\"eleven\"", "acVersion: not a semantic");
	expect_error("\"name\":\"example.com/app\",", "", "name: required");
	expect_error("\"example.com/app\"", "\"Example.com/App\"",
		     "name: not a valid AC identifier");
	expect_error("\"example.com/app\"", "42", "name: must be a string");
	expect_error("\"user\":\"0\",", "", "app.user: required");
	expect_error("\"user\":\"0\"", "\"user\":\"\"",
		     "app.user: must not be empty");
	expect_error("\"group\":\"0\",", "", "app.group: required");
	expect_error("\"/bin/app\",\"-v\"", "\"bin/app\"",
		     "app.exec[0]: must be an absolute path");
	expect_error("[\"/bin/app\",\"-v\"]", "\"/bin/app\"",
		     "app.exec: must be an array");
	expect_error("\"/srv\"", "\"srv\"", "app.workingDirectory");
	expect_error("{\"name\":\"A\",\"value\":\"b\"}", "{\"name\":\"A\"}",
		     "app.environment[0].value: required");
	expect_error("{\"name\":\"data\",\"path\":\"/data\"}",
		     "{\"name\":\"data\"}",
		     "app.mountPoints[0].path: required");
	expect_error("{\"name\":\"data\",", "{\"name\":\"Da_ta\",",
		     "app.mountPoints[0].name: not a valid AC name");
	expect_error("\"port\":80", "\"port\":70000",
		     "app.ports[0].port: out of range");
	expect_error("\"protocol\":\"tcp\",", "",
		     "app.ports[0].protocol: required");
	expect_error("{\"name\":\"os\",\"value\":\"linux\"}",
		     "{\"name\":\"version\",\"value\":\"2\"}",
		     "labels[1].name: duplicate label");
	expect_error("{\"name\":\"os\",\"value\":\"linux\"}",
		     "{\"name\":\"os\"}", "labels[1].value: required");
	expect_error("\"imageName\":\"example.com/base\",", "",
		     "dependencies[0].imageName: required");
	expect_error(
		"\"imageName\":\"example.com/base\",",
		"\"imageName\":\"example.com/base\",\"imageID\":\"md5-1\",",
		"dependencies[0].imageID: not a valid image ID");
	expect_error("[\"/bin/app\"]}", "[\"bin/app\"]}",
		     "pathWhitelist[0]: must be an absolute path");
	expect_error("\"annotations\":[{\"name\":\"authors\",",
		     "\"annotations\":[{\"name\":\"AUTH\",",
		     "annotations[0].name: invalid name");
	expect_error("\"labels\":[{", "\"labels\":{\"x\":[{", "invalid JSON");
}

static void test_bad_json(void **state)
{
	cleanup_error struct error *err = NULL;
	struct aci_manifest *m = NULL;
	char big[64];

	(void)state;
	assert_int_equal(aci_manifest_parse("{", 1, &m, &err), -1);
	assert_non_null(strstr(err->message, "invalid JSON"));
	error_free(&err);
	assert_int_equal(aci_manifest_parse("{} x", 4, &m, &err), -1);
	assert_non_null(strstr(err->message, "invalid JSON"));
	error_free(&err);
	assert_int_equal(aci_manifest_parse("[]", 2, &m, &err), -1);
	assert_non_null(strstr(err->message, "not a JSON object"));
	error_free(&err);
	snprintf(big, sizeof(big), "{}");
	assert_int_equal(
		aci_manifest_parse(big, ACI_MANIFEST_MAX_BYTES + 1, &m, &err),
		-1);
	assert_non_null(strstr(err->message, "larger than"));
}

static void test_identifiers(void **state)
{
	(void)state;
	assert_true(aci_identifier_valid("example.com/app-1_2~3"));
	assert_false(aci_identifier_valid(""));
	assert_false(aci_identifier_valid("-app"));
	assert_false(aci_identifier_valid("app/"));
	assert_false(aci_identifier_valid("App"));
	assert_false(aci_identifier_valid("a b"));
	assert_true(aci_name_valid("data-1"));
	assert_false(aci_name_valid("data.1"));
}

static void test_ref_split(void **state)
{
	cleanup_error struct error *err = NULL;
	char *name, *version;

	(void)state;
	assert_int_equal(
		aci_ref_split("example.com/app:1.0", &name, &version, &err), 0);
	assert_string_equal(name, "example.com/app");
	assert_string_equal(version, "1.0");
	free(name);
	free(version);
	assert_int_equal(
		aci_ref_split("example.com/app", &name, &version, &err), 0);
	assert_null(version);
	free(name);
	assert_int_equal(
		aci_ref_split("example.com/app:", &name, &version, &err), -1);
	/* on failure both are NULL: callers may free them again */
	assert_null(name);
	assert_null(version);
	error_free(&err);
	assert_int_equal(aci_ref_split("Bad Name", &name, &version, &err), -1);
	assert_null(name);
	assert_null(version);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_manifest),
		cmocka_unit_test(test_required_fields),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_identifiers),
		cmocka_unit_test(test_ref_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
