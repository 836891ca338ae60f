// SPDX-License-Identifier: Apache-2.0
/* Read-only access to the store's index: see store_ro.h. */
#include "images/store_ro.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int store_ro_schema(struct store *s, const char *path,
			   struct error **err)
{
	sqlite3_stmt *st = NULL;
	int version = -1, r;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return error_set(err, EIO, "read %s: %s", path,
				 sqlite3_errmsg(s->db));
	r = sqlite3_step(st);
	if (r == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (r != SQLITE_ROW)
		return error_set(err, EIO, "read %s: %s", path,
				 sqlite3_errmsg(s->db));
	if (version != STORE_SCHEMA_VERSION)
		return error_set(err, EPROTO,
				 "%s: index schema %d, this cocoon reads %d "
				 "(any cocoon image command run by the "
				 "store's owner migrates it)",
				 path, version, STORE_SCHEMA_VERSION);
	return 0;
}

/* Opens uri read-only and checks the schema; -1 with *err otherwise. */
static int store_ro_try(struct store *s, const char *uri, const char *path,
			struct error **err)
{
	if (sqlite3_open_v2(uri, &s->db,
			    SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
				    SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		error_set(err, EIO, "open %s: %s", path,
			  s->db ? sqlite3_errmsg(s->db) : "out of memory");
		store_db_close(s);
		return -1;
	}
	/* Writers hold their transactions briefly; wait for them. */
	sqlite3_busy_timeout(s->db, 5000);
	if (store_ro_schema(s, path, err) < 0) {
		store_db_close(s);
		return -1;
	}
	return 0;
}

int store_open_readonly(const char *dir, struct store **out, struct error **err)
{
	cleanup_free char *path = NULL, *wal = NULL, *uri = NULL;
	struct store *s;
	int r;

	*out = NULL;
	if (asprintf(&path, "%s/cas/db.sqlite", dir) < 0 ||
	    asprintf(&wal, "%s-wal", path) < 0) {
		path = wal = NULL;
		return error_set(err, ENOMEM, "out of memory");
	}
	if (access(path, F_OK) < 0)
		return error_set_errno(err, "open %s", path);
	s = calloc(1, sizeof(*s));
	if (!s || !(s->dir = strdup(dir))) {
		free(s);
		return error_set(err, ENOMEM, "out of memory");
	}
	s->dir_fd = s->lock_fd = -1;
	/* A path in a URI: '?' and '#' would end it, '%' would escape. */
	if (strpbrk(path, "?#%")) {
		store_close(s);
		return error_set(err, EINVAL,
				 "%s: '?', '#' and '%%' are not supported in "
				 "--dir for read-only access",
				 path);
	}
	if (asprintf(&uri, "file:%s?mode=ro", path) < 0) {
		uri = NULL;
		store_close(s);
		return error_set(err, ENOMEM, "out of memory");
	}
	/*
	 * Without a -wal file nobody has the index open: the main file is
	 * complete, and a plain read-only open would create -wal and -shm
	 * (when it may) and leave them behind, so it is read as immutable.
	 */
	if (access(wal, F_OK) < 0 && errno == ENOENT) {
		free(uri);
		if (asprintf(&uri, "file:%s?mode=ro&immutable=1", path) < 0) {
			uri = NULL;
			store_close(s);
			return error_set(err, ENOMEM, "out of memory");
		}
	}
	r = store_ro_try(s, uri, path, err);
	if (r < 0) {
		store_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

unsigned long long store_readonly_stamp(const char *dir)
{
	static const char *const names[] = {"db.sqlite", "db.sqlite-wal"};
	unsigned long long h = 1469598103934665603ULL; /* FNV-1a basis */

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char path[4096];
		struct stat st;
		unsigned long long v[4] = {0};

		snprintf(path, sizeof(path), "%s/cas/%s", dir, names[i]);
		if (stat(path, &st) == 0) {
			v[0] = (unsigned long long)st.st_size;
			v[1] = (unsigned long long)st.st_mtim.tv_sec;
			v[2] = (unsigned long long)st.st_mtim.tv_nsec;
			v[3] = (unsigned long long)st.st_ino;
		} else if (i == 0) {
			return 0;
		}
		for (size_t k = 0; k < ARRAY_SIZE(v); k++) {
			h ^= v[k];
			h *= 1099511628211ULL;
		}
	}
	return h;
}
