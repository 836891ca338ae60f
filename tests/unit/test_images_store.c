// SPDX-License-Identifier: Apache-2.0
/*
 * The store: schema creation and migration from version 1, blobs (digest
 * checked, temp name until commit), images by ID / prefix / name / labels,
 * removal and gc, and cleanup of temp files a killed process left.
 */
#include "images/beneath.h"
#include "images/store.h"
#include "common/cleanup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int setup(void **state)
{
	char *dir = strdup("/tmp/cocoon-test-store-XXXXXX");

	assert_non_null(mkdtemp(dir));
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	char *dir = *state;
	int top = open("/tmp", O_PATH | O_DIRECTORY);

	beneath_remove_tree(top, dir + 5);
	close(top);
	free(dir);
	return 0;
}

static int count_entries(const char *dir, const char *sub)
{
	char path[512];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int user_version(const char *dir)
{
	char path[512];
	sqlite3 *db;
	sqlite3_stmt *st;
	int v;

	snprintf(path, sizeof(path), "%s/cas/db.sqlite", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	sqlite3_step(st);
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void add_blob(struct store *s, const char *data, char *digest)
{
	cleanup_error struct error *err = NULL;
	struct blob_writer w;

	assert_int_equal(store_blob_begin(s, DIGEST_SHA256, 0, &w, &err), 0);
	assert_int_equal(store_blob_write(&w, data, strlen(data), &err), 0);
	assert_int_equal(store_blob_commit(&w, NULL, digest, &err), 0);
}

static void add_image(struct store *s, const char *id, const char *name,
		      const char *version, const char *digest)
{
	cleanup_error struct error *err = NULL;
	struct store_label l = {"version", version};
	struct store_blob_ref ref = {digest, "layer", NULL, 5};
	struct store_image img = {
		.id = (char *)id,
		.name = (char *)name,
		.type = (char *)"oci",
		.manifest = (char *)"{}",
		.size = 5,
	};

	assert_int_equal(store_image_add(s, &img, &l, 1, &ref, 1, &err), 0);
}

static void test_create_and_reopen(void **state)
{
	cleanup_error struct error *err = NULL;
	struct store *s = NULL;

	assert_int_equal(store_open(*state, false, &s, &err), 0);
	store_close(s);
	assert_int_equal(user_version(*state), STORE_SCHEMA_VERSION);
	assert_int_equal(store_open(*state, false, &s, &err), 0);
	store_close(s);
	assert_int_equal(count_entries(*state, "cas/blobs/sha256"), 0);
}

/* Opening an index already at this schema writes nothing to it. */
static void test_reopen_writes_nothing(void **state)
{
	cleanup_error struct error *err = NULL;
	struct store *s = NULL;
	struct stat before, after;
	char path[512];

	assert_int_equal(store_open(*state, false, &s, &err), 0);
	store_close(s);
	snprintf(path, sizeof(path), "%s/cas/db.sqlite", (char *)*state);
	assert_int_equal(stat(path, &before), 0);
	usleep(20000); /* a write now would move the mtime */
	assert_int_equal(store_open(*state, false, &s, &err), 0);
	store_close(s);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
	assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
	assert_int_equal(before.st_size, after.st_size);
}

/* A store made by schema 1 is migrated, keeping its rows. */
static void test_migrate_from_v1(void **state)
{
	cleanup_error struct error *err = NULL;
	cleanup_free char *id = NULL;
	struct store *s = NULL;
	char path[512];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/cas", (char *)*state);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/cas/db.sqlite", (char *)*state);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(
		sqlite3_exec(
			db,
			"CREATE TABLE images (id TEXT PRIMARY KEY,"
			" name TEXT NOT NULL, type TEXT NOT NULL,"
			" manifest TEXT NOT NULL, size INTEGER NOT NULL,"
			" import_time INTEGER NOT NULL,"
			" last_used INTEGER NOT NULL, key_fingerprint TEXT,"
			" source TEXT);"
			"CREATE TABLE labels (image_id TEXT, name TEXT,"
			" value TEXT, PRIMARY KEY (image_id, name));"
			"CREATE TABLE blobs (digest TEXT PRIMARY KEY,"
			" size INTEGER, media_type TEXT, created INTEGER);"
			"CREATE TABLE image_blobs (image_id TEXT,"
			" position INTEGER, digest TEXT, role TEXT,"
			" PRIMARY KEY (image_id, position));"
			"CREATE TABLE remotes (url TEXT PRIMARY KEY,"
			" image_id TEXT, etag TEXT, fetched INTEGER);"
			"INSERT INTO images VALUES ('sha256-ab', 'old/img',"
			" 'oci', '{}', 1, 1, 1, NULL, NULL);"
			"PRAGMA user_version = 1;",
			NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(*state, false, &s, &err), 0);
	assert_int_equal(user_version(*state), 2);
	assert_int_equal(store_image_resolve(s, "old/img", &id, &err), 0);
	assert_string_equal(id, "sha256-ab");
	store_close(s);
}

static void test_newer_schema_refused(void **state)
{
	cleanup_error struct error *err = NULL;
	struct store *s = NULL;
	char path[512];
	sqlite3 *db;

	assert_int_equal(store_open(*state, false, &s, &err), 0);
	store_close(s);
	snprintf(path, sizeof(path), "%s/cas/db.sqlite", (char *)*state);
	sqlite3_open(path, &db);
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	assert_int_equal(store_open(*state, false, &s, &err), -1);
	assert_non_null(strstr(err->message, "newer than this cocoon"));
}

static void test_blobs(void **state)
{
	cleanup_error struct error *err = NULL;
	struct store *s = NULL;
	struct blob_writer w;
	char digest[DIGEST_STRING_MAX];
	char bad[DIGEST_STRING_MAX];

	assert_int_equal(store_open(*state, false, &s, &err), 0);
	assert_int_equal(store_blob_begin(s, DIGEST_SHA256, 0, &w, &err), 0);
	assert_int_equal(store_blob_write(&w, "abc", 3, &err), 0);
	/* Until the commit the blob lives only under tmp/. */
	assert_int_equal(count_entries(*state, "cas/tmp"), 1);
	assert_int_equal(count_entries(*state, "cas/blobs/sha256"), 0);
	assert_int_equal(store_blob_commit(&w,
					   "sha256:"
					   "ba7816bf8f01cfea414140de5dae2223b00"
					   "361a396177a9cb410ff61f20015ad",
					   digest, &err),
			 0);
	assert_string_equal(digest, "sha256:"
				    "ba7816bf8f01cfea414140de5dae2223b00361a396"
				    "177a9cb410ff61f20015ad");
	assert_true(store_blob_exists(s, digest));
	assert_int_equal(count_entries(*state, "cas/tmp"), 0);

	/* Wrong expected digest: refused, nothing left behind. */
	snprintf(bad, sizeof(bad), "sha256:%064d", 0);
	assert_int_equal(store_blob_begin(s, DIGEST_SHA256, 0, &w, &err), 0);
	assert_int_equal(store_blob_write(&w, "abd", 3, &err), 0);
	assert_int_equal(store_blob_commit(&w, bad, digest, &err), -1);
	assert_non_null(strstr(err->message, "digest mismatch"));
	error_free(&err);
	assert_int_equal(count_entries(*state, "cas/tmp"), 0);
	assert_int_equal(count_entries(*state, "cas/blobs/sha256"), 1);

	/* Size limit. */
	assert_int_equal(store_blob_begin(s, DIGEST_SHA256, 2, &w, &err), 0);
	assert_int_equal(store_blob_write(&w, "abc", 3, &err), -1);
	store_blob_abort(&w);
	store_close(s);
}

static void test_images(void **state)
{
	cleanup_error struct error *err = NULL;
	struct store *s = NULL;
	char digest[DIGEST_STRING_MAX];
	char *id = NULL;
	struct store_label l = {"version", "2"};
	struct store_image *img = NULL;

	assert_int_equal(store_open(*state, false, &s, &err), 0);
	add_blob(s, "layer", digest);
	add_image(s, "sha256-aaaa1111", "example.com/a", "1", digest);
	add_image(s, "sha256-aaaa2222", "example.com/a", "2", digest);
	add_image(s, "sha256-bbbb", "example.com/b", "1", digest);

	assert_int_equal(store_image_resolve(s, "sha256-bbbb", &id, &err), 0);
	assert_string_equal(id, "sha256-bbbb");
	free(id);
	assert_int_equal(store_image_resolve(s, "sha256-b", &id, &err), 0);
	assert_string_equal(id, "sha256-bbbb");
	free(id);
	assert_int_equal(store_image_resolve(s, "sha256-aaaa", &id, &err), -1);
	assert_non_null(strstr(err->message, "ambiguous"));
	error_free(&err);
	assert_int_equal(store_image_resolve(s, "sha256-c", &id, &err), -1);
	assert_int_equal(err->code, ENOENT);
	error_free(&err);
	assert_int_equal(store_image_resolve(s, "example.com/a:1", &id, &err),
			 0);
	assert_string_equal(id, "sha256-aaaa1111");
	free(id);
	assert_int_equal(store_image_find(s, "example.com/a", &l, 1, &id, &err),
			 0);
	assert_string_equal(id, "sha256-aaaa2222");
	free(id);
	l.value = "3";
	assert_int_equal(store_image_find(s, "example.com/a", &l, 1, &id, &err),
			 0);
	assert_null(id);
	assert_int_equal(store_image_get(s, "sha256-bbbb", &img, &err), 0);
	assert_string_equal(img->name, "example.com/b");
	store_image_free(img);

	/* The blob stays while any image uses it. */
	assert_int_equal(store_image_remove(s, "sha256-aaaa1111", &err), 0);
	assert_int_equal(store_image_remove(s, "sha256-aaaa2222", &err), 0);
	{
		unsigned removed;

		assert_int_equal(store_gc(s, &removed, &err), 0);
		assert_true(store_blob_exists(s, digest));
		assert_int_equal(store_image_remove(s, "sha256-bbbb", &err), 0);
		assert_int_equal(store_gc(s, &removed, &err), 0);
		assert_false(store_blob_exists(s, digest));
	}
	store_close(s);
}

/* A temp file whose writer died (no lock) goes; a live one stays. */
static void test_tmp_cleanup(void **state)
{
	cleanup_error struct error *err = NULL;
	struct store *s = NULL, *s2 = NULL;
	struct blob_writer w;
	struct store_tmpdir t;
	char path[512];
	int fd;

	assert_int_equal(store_open(*state, false, &s, &err), 0);
	snprintf(path, sizeof(path), "%s/cas/tmp/dead.blob", (char *)*state);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	snprintf(path, sizeof(path), "%s/cas/tmp/orphan.d", (char *)*state);
	mkdir(path, 0700);
	assert_int_equal(store_blob_begin(s, DIGEST_SHA256, 0, &w, &err), 0);
	assert_int_equal(store_tmpdir_create(s, &t, &err), 0);
	assert_int_equal(count_entries(*state, "cas/tmp"), 5);
	/* Another process opening the store cleans only the dead ones. */
	assert_int_equal(store_open(*state, false, &s2, &err), 0);
	assert_int_equal(count_entries(*state, "cas/tmp"), 3);
	store_blob_abort(&w);
	store_tmpdir_remove(s, &t);
	assert_int_equal(count_entries(*state, "cas/tmp"), 0);
	store_close(s2);
	store_close(s);
}

static void test_remote_cache(void **state)
{
	cleanup_error struct error *err = NULL;
	struct store *s = NULL;
	char digest[DIGEST_STRING_MAX];
	char *id, *etag;

	assert_int_equal(store_open(*state, false, &s, &err), 0);
	add_blob(s, "x", digest);
	add_image(s, "sha256-cc", "example.com/c", "1", digest);
	assert_int_equal(store_remote_set(s, "https://h/c.aci", "sha256-cc",
					  "\"e1\"", &err),
			 0);
	assert_int_equal(
		store_remote_get(s, "https://h/c.aci", &id, &etag, &err), 0);
	assert_string_equal(id, "sha256-cc");
	assert_string_equal(etag, "\"e1\"");
	free(id);
	free(etag);
	assert_int_equal(
		store_remote_get(s, "https://h/other", &id, &etag, &err), 0);
	assert_null(id);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_and_reopen, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reopen_writes_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate_from_v1, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_blobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_images, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tmp_cleanup, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_remote_cache, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
