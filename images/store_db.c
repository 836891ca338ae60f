// SPDX-License-Identifier: Apache-2.0
/*
 * The store's SQLite index, its schema: the migrations, opening the index
 * (and migrating it), and the small SQL helpers the query files share
 * (store_db_sql.h). Images, labels and the remote cache are queried in
 * store_db_image.c; verify and gc walk the index in store_db_maint.c.
 */
#include "images/store.h"
#include "images/store_db_sql.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Schema migrations, applied in order inside one transaction each;
 * PRAGMA user_version is the number applied. Never edit a released step:
 * add one.
 */
static const char *const store_migrations[STORE_SCHEMA_VERSION] = {
	/* 1: the first schema */
	"CREATE TABLE images ("
	" id TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL,"
	" manifest TEXT NOT NULL, size INTEGER NOT NULL,"
	" import_time INTEGER NOT NULL, last_used INTEGER NOT NULL,"
	" key_fingerprint TEXT, source TEXT);"
	"CREATE TABLE labels ("
	" image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL, value TEXT NOT NULL,"
	" PRIMARY KEY (image_id, name));"
	"CREATE TABLE blobs (digest TEXT PRIMARY KEY, size INTEGER NOT NULL,"
	" media_type TEXT, created INTEGER NOT NULL);"
	"CREATE TABLE image_blobs ("
	" image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,"
	" position INTEGER NOT NULL,"
	" digest TEXT NOT NULL REFERENCES blobs(digest), role TEXT NOT NULL,"
	" PRIMARY KEY (image_id, position));"
	"CREATE TABLE remotes (url TEXT PRIMARY KEY, image_id TEXT NOT NULL,"
	" etag TEXT, fetched INTEGER NOT NULL);",
	/* 2: rendered trees are recorded; lookups by name are indexed */
	"CREATE TABLE trees ("
	" image_id TEXT PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,"
	" rendered INTEGER NOT NULL);"
	"CREATE INDEX images_name ON images(name);"
	"CREATE INDEX image_blobs_digest ON image_blobs(digest);",
};

int db_error(struct store *s, struct error **err, const char *what)
{
	return error_set(err, EIO, "%s: %s", what, sqlite3_errmsg(s->db));
}

int db_exec(struct store *s, const char *sql, struct error **err)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		error_set(err, EIO, "index: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

void stmt_finalize(sqlite3_stmt **st)
{
	sqlite3_finalize(*st);
}

int db_prepare(struct store *s, const char *sql, sqlite3_stmt **st,
	       struct error **err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return db_error(s, err, "index query");
	return 0;
}

char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}
int64_t db_now(void)
{
	return (int64_t)time(NULL);
}

void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

int step_done(struct store *s, sqlite3_stmt *st, struct error **err)
{
	int r = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (r != SQLITE_DONE)
		return db_error(s, err, "index update");
	return 0;
}

/* The index's schema version, -1 with *err when it cannot be read. */
static int store_schema_version(struct store *s, struct error **err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;

	if (db_prepare(s, "PRAGMA user_version", &st, err) < 0)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW)
		return db_error(s, err, "read the schema version");
	return sqlite3_column_int(st, 0);
}

static int store_migrate(struct store *s, struct error **err)
{
	int version;
	char sql[64];

	/*
	 * The common case, an index already at this schema, costs a read
	 * and no write transaction (which would sync the WAL every time).
	 */
	version = store_schema_version(s, err);
	if (version < 0)
		return error_wrap(err, "migrate index");
	if (version == STORE_SCHEMA_VERSION)
		return 0;
	if (db_exec(s, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	version = store_schema_version(s, err);
	if (version < 0)
		goto fail;
	if (version > STORE_SCHEMA_VERSION) {
		error_set(err, EPROTO,
			  "index schema %d is newer than this cocoon (%d)",
			  version, STORE_SCHEMA_VERSION);
		goto fail;
	}
	for (; version < STORE_SCHEMA_VERSION; version++) {
		if (db_exec(s, store_migrations[version], err) < 0)
			goto fail;
		log_debug("store: index migrated to schema %d", version + 1);
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version);
	if (db_exec(s, sql, err) < 0 || db_exec(s, "COMMIT", err) < 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return error_wrap(err, "migrate index");
}

int store_db_open(struct store *s, const char *path, struct error **err)
{
	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				    SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		return error_set(err, EIO, "open %s: %s", path,
				 s->db ? sqlite3_errmsg(s->db)
				       : "out of memory");
	sqlite3_busy_timeout(s->db, 60000);
	if (db_exec(s, "PRAGMA journal_mode=WAL", err) < 0 ||
	    db_exec(s, "PRAGMA synchronous=FULL", err) < 0 ||
	    db_exec(s, "PRAGMA foreign_keys=ON", err) < 0 ||
	    store_migrate(s, err) < 0)
		return error_wrap(err, "%s", path);
	return 0;
}

void store_db_close(struct store *s)
{
	if (s->db)
		sqlite3_close(s->db);
	s->db = NULL;
}
