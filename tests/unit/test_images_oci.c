// SPDX-License-Identifier: Apache-2.0
/* OCI documents: index selection, manifest validation, config mapping. */
#include "images/oci.h"
#include "common/cleanup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D1        \
	"sha256:" \
	"1111111111111111111111111111111111111111111111111111111111111111"
#define D2        \
	"sha256:" \
	"2222222222222222222222222222222222222222222222222222222222222222"
#define MT_MAN "application/vnd.oci.image.manifest.v1+json"

static const char index_json[] =
	"{\"schemaVersion\":2,\"manifests\":["
	"{\"mediaType\":\"" MT_MAN "\",\"digest\":\"" D1 "\",\"size\":10,"
	"\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}},"
	"{\"mediaType\":\"" MT_MAN "\",\"digest\":\"" D2 "\",\"size\":20,"
	"\"annotations\":{\"org.opencontainers.image.ref.name\":\"v2\"}}]}";

static const char list_json[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/"
	"vnd.docker.distribution.manifest.list.v2+json\","
	"\"manifests\":["
	"{\"mediaType\":\"application/"
	"vnd.docker.distribution.manifest.v2+json\","
	"\"digest\":\"" D1 "\",\"size\":10,"
	"\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
	"{\"mediaType\":\"application/"
	"vnd.docker.distribution.manifest.v2+json\","
	"\"digest\":\"" D2 "\",\"size\":20,"
	"\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}";

static void test_index_select(void **state)
{
	cleanup_error struct error *err = NULL;
	struct oci_descriptor d;

	(void)state;
	assert_int_equal(oci_index_select(index_json, strlen(index_json), "v2",
					  &d, &err),
			 0);
	assert_string_equal(d.digest, D2);
	assert_int_equal(d.size, 20);
	/* No tag and two manifests: "latest". */
	assert_int_equal(oci_index_select(index_json, strlen(index_json), NULL,
					  &d, &err),
			 0);
	assert_string_equal(d.digest, D1);
	assert_int_equal(oci_index_select(index_json, strlen(index_json), "v3",
					  &d, &err),
			 -1);
	assert_non_null(strstr(err->message, "no \"v3\" manifest"));
	error_free(&err);
	/* Manifest list: linux/amd64 is picked. */
	assert_int_equal(
		oci_index_select(list_json, strlen(list_json), NULL, &d, &err),
		0);
	assert_string_equal(d.digest, D2);
}

static void expect_manifest_error(const char *json, const char *want)
{
	cleanup_error struct error *err = NULL;
	struct oci_manifest m;

	assert_int_equal(oci_manifest_parse(json, strlen(json), &m, &err), -1);
	if (!strstr(err->message, want))
		fail_msg("\"%s\" lacks \"%s\"", err->message, want);
}

static void test_manifest(void **state)
{
	cleanup_error struct error *err = NULL;
	static struct oci_manifest m;
	const char *good =
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/"
		"vnd.oci.image.config.v1+json\",\"digest\":\"" D1
		"\",\"size\":3},"
		"\"layers\":[{\"mediaType\":\"application/"
		"vnd.oci.image.layer.v1."
		"tar+zstd\",\"digest\":\"" D2 "\",\"size\":7}]}";

	(void)state;
	assert_int_equal(oci_manifest_parse(good, strlen(good), &m, &err), 0);
	assert_int_equal(m.nlayers, 1);
	assert_string_equal(m.layers[0].digest, D2);
	expect_manifest_error("{\"schemaVersion\":1}", "schemaVersion");
	expect_manifest_error("{\"schemaVersion\":2}", "config");
	expect_manifest_error("{\"schemaVersion\":2,\"config\":{\"mediaType\":"
			      "\"x\",\"digest\":"
			      "\"sha256:12\",\"size\":3},\"layers\":[]}",
			      "config.digest: invalid");
	expect_manifest_error("{\"schemaVersion\":2,\"config\":{\"mediaType\":"
			      "\"x\",\"digest\":"
			      "\"" D1 "\",\"size\":-3},\"layers\":[]}",
			      "config.size: invalid");
	expect_manifest_error(
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\","
		"\"digest\":"
		"\"" D1
		"\",\"size\":3},\"layers\":[{\"mediaType\":\"text/plain\","
		"\"digest\":\"" D2 "\",\"size\":1}]}",
		"layers[0].mediaType: unsupported");
	expect_manifest_error(
		"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\","
		"\"digest\":"
		"\"" D1
		"\",\"size\":3},\"layers\":[{\"mediaType\":\"application/"
		"vnd.oci.image.layer.v1.tar\",\"digest\":\"" D2 "\",\"size\":1,"
		"\"urls\":[\"http://x\"]}]}",
		"foreign layers");
	expect_manifest_error("{\"schemaVersion\":2} trailing", "invalid JSON");
}

static void test_config(void **state)
{
	cleanup_error struct error *err = NULL;
	struct json_object *m = NULL, *app;
	const char *cfg =
		"{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{"
		"\"User\":\"nobody\",\"Entrypoint\":[\"/bin/"
		"a\"],\"Cmd\":[\"b\"],"
		"\"Env\":[\"X=1\",\"bad\"],\"WorkingDir\":\"/w\","
		"\"ExposedPorts\":{\"53/udp\":{},\"x/tcp\":{}},"
		"\"Volumes\":{\"/var//Data\":{}}}}";
	const char *s;

	(void)state;
	assert_int_equal(
		oci_config_to_appc(cfg, strlen(cfg), "img", "1.0", &m, &err),
		0);
	app = json_object_object_get(m, "app");
	s = json_object_to_json_string_ext(app, JSON_C_TO_STRING_PLAIN);
	assert_non_null(strstr(s, "\"exec\":[\"\\/bin\\/a\",\"b\"]"));
	assert_non_null(strstr(s, "\"user\":\"nobody\",\"group\":\"0\""));
	assert_non_null(strstr(s, "{\"name\":\"X\",\"value\":\"1\"}"));
	assert_null(strstr(s, "bad"));
	assert_non_null(strstr(
		s, "\"name\":\"53-udp\",\"protocol\":\"udp\",\"port\":53"));
	assert_non_null(strstr(s, "\"name\":\"volume-var-data\""));
	json_object_put(m);

	/* Found by fuzz_images_oci: no ExposedPorts/Volumes, or no config. */
	cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{}}";
	assert_int_equal(
		oci_config_to_appc(cfg, strlen(cfg), "img", "1", &m, &err), 0);
	json_object_put(m);
	cfg = "{}";
	assert_int_equal(
		oci_config_to_appc(cfg, strlen(cfg), "img", "1", &m, &err), 0);
	json_object_put(m);

	cfg = "{\"architecture\":\"arm64\",\"os\":\"linux\"}";
	assert_int_equal(
		oci_config_to_appc(cfg, strlen(cfg), "img", "1", &m, &err), -1);
	assert_non_null(strstr(err->message, "linux/arm64"));
}

static void test_sanitize(void **state)
{
	char *s;

	(void)state;
	s = oci_sanitize_name("My_Image:Tag!");
	assert_string_equal(s, "my_image-tag");
	free(s);
	s = oci_sanitize_name("..");
	assert_string_equal(s, "image");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_select),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_sanitize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
