// SPDX-License-Identifier: Apache-2.0
/*
 * ListPods/InspectPod and ListImages/InspectImage JSON on a temp --dir:
 * a pod directory written as stage0 writes it, and a store with one image
 * read through store_open_readonly() while a writer has it open and after
 * it closed (the index then has no -wal file).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "images/store_ro.h"
#include "stage0/api_images.h"
#include "stage0/api_pods.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UUID	 "5bc080ca-3a47-4c5e-9b1e-2d4f6a8b0c1e"
#define IMAGE_ID "sha512-0123456789abcdef0123456789abcdef"

static void write_file(const char *dir, const char *name, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	char *dir = malloc(64), p[256];

	assert_non_null(dir);
	strcpy(dir, "/tmp/cocoon-api-pods.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/pods", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/pods/prepared", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/pods/prepared/" UUID, dir);
	assert_int_equal(mkdir(p, 0755), 0);
	write_file(p, "stage0.json",
		   "{\"created\": \"2026-11-28T15:04:05.5Z\", \"apps\": "
		   "[{\"name\": \"web\", \"image\": \"" IMAGE_ID "\"}]}");
	write_file(p, "pod",
		   "{\"acKind\": \"PodManifest\", \"acVersion\": \"0.8.11\", "
		   "\"apps\": [{\"name\": \"web\", \"image\": {\"name\": "
		   "\"example.com/web\", \"id\": \"" IMAGE_ID "\", "
		   "\"labels\": [{\"name\": \"version\", \"value\": "
		   "\"2.1\"}]}}], \"annotations\": [{\"name\": \"team\", "
		   "\"value\": \"blue\"}]}");
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
	assert_int_equal(system(cmd), 0);
	free(*state);
	return 0;
}

static struct json_object *get(struct json_object *o, const char *path)
{
	char key[64];
	const char *dot;
	struct json_object *v = o;

	while (v && *path) {
		dot = strchr(path, '.');
		snprintf(key, sizeof(key), "%.*s",
			 (int)(dot ? dot - path : (long)strlen(path)), path);
		if (json_object_is_type(v, json_type_array))
			v = json_object_array_get_idx(v, (size_t)atoi(key));
		else if (!json_object_object_get_ex(v, key, &v))
			return NULL;
		path = dot ? dot + 1 : "";
	}
	return v;
}

static const char *str(struct json_object *o, const char *path)
{
	struct json_object *v = get(o, path);

	return v ? json_object_get_string(v) : NULL;
}

static void test_pods(void **state)
{
	const char *dir = *state;
	struct json_object *o = NULL;
	struct error *err = NULL;
	struct api_pod_filter f = {0};
	char *team = (char *)"team", *red = (char *)"red";
	struct api_kv kv = {team, red};

	assert_int_equal(api_pods_list(dir, NULL, false, &o, &err), 0);
	assert_int_equal(json_object_array_length(get(o, "pods")), 1);
	assert_string_equal(str(o, "pods.0.id"), UUID);
	assert_string_equal(str(o, "pods.0.name"), UUID);
	assert_string_equal(str(o, "pods.0.state"), "prepared");
	assert_string_equal(str(o, "pods.0.apps.0.name"), "web");
	assert_string_equal(str(o, "pods.0.apps.0.image_id"), IMAGE_ID);
	assert_string_equal(str(o, "pods.0.apps.0.image_name"),
			    "example.com/web:2.1");
	assert_string_equal(str(o, "pods.0.apps.0.state"), "undefined");
	assert_string_equal(str(o, "pods.0.annotations.0.value"), "blue");
	assert_int_equal(json_object_get_int64(get(o, "pods.0.created_at")),
			 1795878245500000000LL);
	assert_null(get(o, "pods.0.manifest"));
	assert_null(get(o, "pods.0.error"));
	json_object_put(o);
	/* An annotation the pod lacks filters it out. */
	f.annotations.v = &kv;
	f.annotations.n = 1;
	assert_int_equal(api_pods_list(dir, &f, true, &o, &err), 0);
	assert_int_equal(json_object_array_length(get(o, "pods")), 0);
	json_object_put(o);
	kv.value = (char *)"blue";
	assert_int_equal(api_pods_list(dir, &f, true, &o, &err), 0);
	assert_string_equal(str(o, "pods.0.manifest.acKind"), "PodManifest");
	json_object_put(o);
	/* InspectPod: a prefix; unknown and malformed ones. */
	assert_int_equal(api_pods_inspect(dir, "5bc0", &o, &err), 0);
	assert_string_equal(str(o, "pod.manifest.apps.0.name"), "web");
	json_object_put(o);
	assert_int_equal(api_pods_inspect(dir, "ffff", &o, &err), -1);
	assert_int_equal(err->code, 404);
	error_free(&err);
	assert_int_equal(api_pods_inspect(dir, "", &o, &err), -1);
	assert_int_equal(err->code, 400);
	error_free(&err);
}

static void test_broken_pod_listed(void **state)
{
	const char *dir = *state;
	struct json_object *o = NULL;
	struct error *err = NULL;
	char p[256];

	snprintf(p, sizeof(p), "%s/pods/prepared/" UUID, dir);
	write_file(p, "state.json", "not json");
	assert_int_equal(api_pods_list(dir, NULL, false, &o, &err), 0);
	assert_string_equal(str(o, "pods.0.id"), UUID);
	assert_non_null(strstr(str(o, "pods.0.error"), "state.json"));
	json_object_put(o);
}

static void add_image(struct store *s)
{
	struct store_image img = {
		.id = (char *)IMAGE_ID,
		.name = (char *)"example.com/web",
		.type = (char *)"aci",
		.manifest = (char *)"{\"acKind\": \"ImageManifest\", "
				    "\"annotations\": [{\"name\": \"authors\", "
				    "\"value\": \"x\"}]}",
		.size = 42,
	};
	struct store_label l = {"version", "2.1"};
	struct error *err = NULL;

	assert_int_equal(store_image_add(s, &img, &l, 1, NULL, 0, &err), 0);
}

static void check_images(const char *dir)
{
	struct json_object *o = NULL;
	struct api_image_filter f = {0};
	struct error *err = NULL;
	char *authors = (char *)"authors", *y = (char *)"y";
	struct api_kv kv = {authors, y};

	assert_int_equal(api_images_list(dir, NULL, false, &o, &err), 0);
	assert_int_equal(json_object_array_length(get(o, "images")), 1);
	assert_string_equal(str(o, "images.0.id"), IMAGE_ID);
	assert_string_equal(str(o, "images.0.name"), "example.com/web");
	assert_string_equal(str(o, "images.0.version"), "2.1");
	assert_string_equal(str(o, "images.0.baseFormat.type"), "appc");
	assert_string_equal(str(o, "images.0.labels.0.name"), "version");
	assert_string_equal(str(o, "images.0.annotations.0.value"), "x");
	assert_int_equal(json_object_get_int(get(o, "images.0.size")), 42);
	assert_null(get(o, "images.0.manifest"));
	json_object_put(o);
	f.annotations.v = &kv;
	f.annotations.n = 1;
	assert_int_equal(api_images_list(dir, &f, true, &o, &err), 0);
	assert_int_equal(json_object_array_length(get(o, "images")), 0);
	json_object_put(o);
	assert_int_equal(
		api_images_inspect(dir, "example.com/web:2.1", &o, &err), 0);
	assert_string_equal(str(o, "image.manifest.acKind"), "ImageManifest");
	json_object_put(o);
	assert_int_equal(api_images_inspect(dir, "sha512-ff", &o, &err), -1);
	assert_int_equal(err->code, 404);
	error_free(&err);
}

static void test_images(void **state)
{
	const char *dir = *state;
	struct json_object *o = NULL;
	struct error *err = NULL;
	struct store *s = NULL;
	char wal[256];

	/* No store yet: an empty list, and no store made. */
	assert_int_equal(api_images_list(dir, NULL, false, &o, &err), 0);
	assert_int_equal(json_object_array_length(get(o, "images")), 0);
	json_object_put(o);
	snprintf(wal, sizeof(wal), "%s/cas", dir);
	assert_int_equal(access(wal, F_OK), -1);
	assert_int_equal(store_open(dir, false, &s, &err), 0);
	add_image(s);
	/* While the writer has the index open... */
	check_images(dir);
	store_close(s);
	/* ...and once it closed it (no -wal: read as immutable). */
	snprintf(wal, sizeof(wal), "%s/cas/db.sqlite-wal", dir);
	assert_int_equal(access(wal, F_OK), -1);
	check_images(dir);
	assert_int_equal(access(wal, F_OK), -1);
	assert_true(store_readonly_stamp(dir) != 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_pod_listed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_images, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
