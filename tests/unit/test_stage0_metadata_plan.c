// SPDX-License-Identifier: Apache-2.0
/*
 * What `prepare` records for the metadata service (docs/metadata.md): the
 * runtime object carries the pod's UUID and each app's original image
 * manifest (a copy, equal to the store's), so the guest can serve
 * pod/uuid and apps/NAME/image/manifest.
 */
#include "stage0/pod_manifest.h"
#include "common/cleanup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <string.h>

#define UUID "1a2b3c4d-0000-4000-8000-000000000000"

static const char busybox[] =
	"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
	"\"name\":\"example.com/pod-busybox\","
	"\"labels\":[{\"name\":\"version\",\"value\":\"1.0\"}],"
	"\"annotations\":[{\"name\":\"authors\",\"value\":\"us\"}],"
	"\"app\":{\"exec\":[\"/bin/sh\"],\"user\":\"0\",\"group\":\"0\"}}";
static const char web[] =
	"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
	"\"name\":\"example.com/web\","
	"\"app\":{\"exec\":[\"/bin/httpd\"],\"user\":\"0\",\"group\":\"0\"}}";

static struct aci_manifest *manifest(const char *json)
{
	cleanup_error struct error *err = NULL;
	struct aci_manifest *m = NULL;

	if (aci_manifest_parse(json, strlen(json), &m, &err) < 0)
		fail_msg("manifest: %s", err->message);
	return m;
}

static void test_runtime_records(void **state)
{
	char *argv[] = {"run", "example.com/pod-busybox", "---",
			"example.com/web", NULL};
	cleanup_error struct error *err = NULL;
	struct run_options *o = NULL;
	struct aci_manifest *m[2] = {manifest(busybox), manifest(web)};
	struct pod_image images[2] = {
		{.id = "sha512-1111", .tree = "sha512-1111", .manifest = m[0]},
		{.id = "sha512-2222", .tree = "sha512-2222", .manifest = m[1]},
	};
	static const char *const host_env[] = {NULL};
	struct pod_plan plan;
	struct json_object *apps, *v;

	(void)state;
	if (run_options_parse(4, argv, true, &o, &err) < 0)
		fail_msg("parse: %s", err->message);
	struct pod_plan_input in = {
		.o = o,
		.images = images,
		.uuid = UUID,
		.created = "2026-11-28T15:04:05.123456789Z",
		.host_env = host_env,
	};
	if (pod_plan_build(&in, &plan, &err) < 0)
		fail_msg("build: %s", err->message);
	assert_true(json_object_object_get_ex(plan.runtime, "uuid", &v));
	assert_string_equal(json_object_get_string(v), UUID);
	assert_true(json_object_object_get_ex(plan.runtime, "apps", &apps));
	assert_int_equal(json_object_array_length(apps), 2);
	for (size_t i = 0; i < 2; i++) {
		struct json_object *app = json_object_array_get_idx(apps, i);

		assert_true(
			json_object_object_get_ex(app, "image_manifest", &v));
		/* Equal to the store's manifest, but a copy of its own. */
		assert_true(json_object_equal(v, m[i]->json));
		assert_ptr_not_equal(v, m[i]->json);
	}
	pod_plan_free(&plan);
	run_options_free(o);
	aci_manifest_free(m[0]);
	aci_manifest_free(m[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtime_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
