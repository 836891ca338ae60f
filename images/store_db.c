// SPDX-License-Identifier: Apache-2.0
/*
 * The store's SQLite index: schema and migrations, the image, label, blob
 * and remote rows, and the maintenance that walks them (verify, gc).
 */
#include "images/store.h"
#include "images/aci_manifest.h"
#include "images/beneath.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

static int db_error(struct store *s, struct error **err, const char *what)
{
	return error_set(err, EIO, "%s: %s", what, sqlite3_errmsg(s->db));
}

static int db_exec(struct store *s, const char *sql, struct error **err)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		error_set(err, EIO, "index: %s", msg ? msg : "error");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static void stmt_finalize(sqlite3_stmt **st)
{
	sqlite3_finalize(*st);
}
#define cleanup_stmt __attribute__((cleanup(stmt_finalize)))

static int db_prepare(struct store *s, const char *sql, sqlite3_stmt **st,
		      struct error **err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
		return db_error(s, err, "index query");
	return 0;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

static int store_migrate(struct store *s, struct error **err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	int version;
	char sql[64];

	if (db_exec(s, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (db_prepare(s, "PRAGMA user_version", &st, err) < 0 ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto fail;
	version = sqlite3_column_int(st, 0);
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

/* ---- images */

static int64_t now(void)
{
	return (int64_t)time(NULL);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static int step_done(struct store *s, sqlite3_stmt *st, struct error **err)
{
	int r = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (r != SQLITE_DONE)
		return db_error(s, err, "index update");
	return 0;
}

static int image_add_tx(struct store *s, const struct store_image *img,
			const struct store_label *labels, size_t nlabels,
			const struct store_blob_ref *blobs, size_t nblobs,
			struct error **err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	int64_t t = now();
	size_t i;

	if (db_prepare(s,
		       "INSERT INTO images (id, name, type, manifest, size,"
		       " import_time, last_used, key_fingerprint, source)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)"
		       " ON CONFLICT(id) DO UPDATE SET last_used = ?6,"
		       " key_fingerprint = COALESCE(?7, key_fingerprint)",
		       &st, err) < 0)
		return -1;
	bind_text(st, 1, img->id);
	bind_text(st, 2, img->name);
	bind_text(st, 3, img->type);
	bind_text(st, 4, img->manifest);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)img->size);
	sqlite3_bind_int64(st, 6, t);
	bind_text(st, 7, img->key);
	bind_text(st, 8, img->source);
	if (step_done(s, st, err) < 0)
		return -1;
	sqlite3_finalize(st);
	st = NULL;

	if (db_prepare(s, "DELETE FROM labels WHERE image_id = ?1", &st, err) <
	    0)
		return -1;
	bind_text(st, 1, img->id);
	if (step_done(s, st, err) < 0)
		return -1;
	sqlite3_finalize(st);
	st = NULL;
	if (db_prepare(s, "INSERT INTO labels VALUES (?1, ?2, ?3)", &st, err) <
	    0)
		return -1;
	for (i = 0; i < nlabels; i++) {
		bind_text(st, 1, img->id);
		bind_text(st, 2, labels[i].name);
		bind_text(st, 3, labels[i].value);
		if (step_done(s, st, err) < 0)
			return -1;
	}
	sqlite3_finalize(st);
	st = NULL;

	if (db_prepare(s, "INSERT OR IGNORE INTO blobs VALUES (?1, ?2, ?3, ?4)",
		       &st, err) < 0)
		return -1;
	for (i = 0; i < nblobs; i++) {
		bind_text(st, 1, blobs[i].digest);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)blobs[i].size);
		bind_text(st, 3, blobs[i].media_type);
		sqlite3_bind_int64(st, 4, t);
		if (step_done(s, st, err) < 0)
			return -1;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (db_prepare(s, "DELETE FROM image_blobs WHERE image_id = ?1", &st,
		       err) < 0)
		return -1;
	bind_text(st, 1, img->id);
	if (step_done(s, st, err) < 0)
		return -1;
	sqlite3_finalize(st);
	st = NULL;
	if (db_prepare(s, "INSERT INTO image_blobs VALUES (?1, ?2, ?3, ?4)",
		       &st, err) < 0)
		return -1;
	for (i = 0; i < nblobs; i++) {
		bind_text(st, 1, img->id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
		bind_text(st, 3, blobs[i].digest);
		bind_text(st, 4, blobs[i].role);
		if (step_done(s, st, err) < 0)
			return -1;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (img->has_tree) {
		if (db_prepare(s,
			       "INSERT OR REPLACE INTO trees VALUES (?1, ?2)",
			       &st, err) < 0)
			return -1;
		bind_text(st, 1, img->id);
		sqlite3_bind_int64(st, 2, t);
		if (step_done(s, st, err) < 0)
			return -1;
	}
	return 0;
}

int store_image_add(struct store *s, const struct store_image *img,
		    const struct store_label *labels, size_t nlabels,
		    const struct store_blob_ref *blobs, size_t nblobs,
		    struct error **err)
{
	if (db_exec(s, "BEGIN IMMEDIATE", err) < 0)
		return error_wrap(err, "record image %s", img->id);
	if (image_add_tx(s, img, labels, nlabels, blobs, nblobs, err) < 0 ||
	    db_exec(s, "COMMIT", err) < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return error_wrap(err, "record image %s", img->id);
	}
	return 0;
}

#define IMAGE_COLUMNS                                              \
	"i.id, i.name, i.type, i.manifest, i.size, i.import_time," \
	" i.last_used, i.key_fingerprint, i.source,"               \
	" EXISTS (SELECT 1 FROM trees t WHERE t.image_id = i.id)"

static struct store_image *image_from_row(sqlite3_stmt *st)
{
	struct store_image *img = calloc(1, sizeof(*img));

	if (!img)
		return NULL;
	img->id = col_dup(st, 0);
	img->name = col_dup(st, 1);
	img->type = col_dup(st, 2);
	img->manifest = col_dup(st, 3);
	img->size = (uint64_t)sqlite3_column_int64(st, 4);
	img->import_time = sqlite3_column_int64(st, 5);
	img->last_used = sqlite3_column_int64(st, 6);
	img->key = col_dup(st, 7);
	img->source = col_dup(st, 8);
	img->has_tree = sqlite3_column_int(st, 9);
	if (!img->id || !img->name || !img->type || !img->manifest) {
		store_image_free(img);
		return NULL;
	}
	return img;
}

void store_image_free(struct store_image *img)
{
	if (!img)
		return;
	free(img->id);
	free(img->name);
	free(img->type);
	free(img->manifest);
	free(img->key);
	free(img->source);
	free(img);
}

int store_image_get(struct store *s, const char *id, struct store_image **out,
		    struct error **err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	int r;

	if (db_prepare(s,
		       "SELECT " IMAGE_COLUMNS " FROM images i WHERE id = ?1",
		       &st, err) < 0)
		return -1;
	bind_text(st, 1, id);
	r = sqlite3_step(st);
	if (r == SQLITE_DONE)
		return error_set(err, ENOENT, "image %s not in the store", id);
	if (r != SQLITE_ROW)
		return db_error(s, err, "read image");
	*out = image_from_row(st);
	if (!*out)
		return error_set(err, ENOMEM, "out of memory");
	return 0;
}

int store_image_for_each(struct store *s, store_image_fn fn, void *arg,
			 struct error **err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	int r;

	if (db_prepare(s,
		       "SELECT " IMAGE_COLUMNS
		       " FROM images i ORDER BY import_time, id",
		       &st, err) < 0)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_image *img = image_from_row(st);

		if (!img)
			return error_set(err, ENOMEM, "out of memory");
		r = fn(img, arg);
		store_image_free(img);
		if (r < 0)
			return -1;
	}
	if (r != SQLITE_DONE)
		return db_error(s, err, "list images");
	return 0;
}

static bool is_hex(const char *s)
{
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

int store_image_resolve(struct store *s, const char *ref, char **id,
			struct error **err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_free char *name = NULL, *version = NULL;
	char pattern[STORE_ID_MAX + 2];
	int r;

	if ((!strncmp(ref, "sha512", 6) || !strncmp(ref, "sha256", 6)) &&
	    (ref[6] == '-' || ref[6] == ':')) {
		if (!is_hex(ref + 7) || strlen(ref) >= STORE_ID_MAX)
			return error_set(err, EINVAL,
					 "\"%s\" is not a valid image ID", ref);
		snprintf(pattern, sizeof(pattern), "%.6s-%s%%", ref, ref + 7);
		if (db_prepare(s,
			       "SELECT id FROM images WHERE id LIKE ?1 LIMIT 2",
			       &st, err) < 0)
			return -1;
		bind_text(st, 1, pattern);
		r = sqlite3_step(st);
		if (r == SQLITE_DONE)
			return error_set(err, ENOENT,
					 "no image %s in the store", ref);
		if (r != SQLITE_ROW)
			return db_error(s, err, "find image");
		*id = col_dup(st, 0);
		if (sqlite3_step(st) == SQLITE_ROW) {
			free(*id);
			*id = NULL;
			return error_set(err, EINVAL,
					 "image ID prefix %s is ambiguous",
					 ref);
		}
		return *id ? 0 : error_set(err, ENOMEM, "out of memory");
	}
	if (aci_ref_split(ref, &name, &version, err) < 0)
		return -1;
	if (version) {
		struct store_label l = {"version", version};

		r = store_image_find(s, name, &l, 1, id, err);
	} else {
		r = store_image_find(s, name, NULL, 0, id, err);
	}
	if (r < 0)
		return -1;
	if (!*id)
		return error_set(err, ENOENT, "no image %s in the store", ref);
	return 0;
}

int store_image_find(struct store *s, const char *name,
		     const struct store_label *labels, size_t nlabels,
		     char **id, struct error **err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	cleanup_stmt sqlite3_stmt *lst = NULL;
	int r;

	*id = NULL;
	if (db_prepare(s,
		       "SELECT id FROM images WHERE name = ?1"
		       " ORDER BY import_time DESC, id",
		       &st, err) < 0 ||
	    db_prepare(s,
		       "SELECT 1 FROM labels WHERE image_id = ?1 AND name = ?2"
		       " AND value = ?3",
		       &lst, err) < 0)
		return -1;
	bind_text(st, 1, name);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *cand = (const char *)sqlite3_column_text(st, 0);
		size_t i;

		for (i = 0; i < nlabels; i++) {
			int lr;

			bind_text(lst, 1, cand);
			bind_text(lst, 2, labels[i].name);
			bind_text(lst, 3, labels[i].value);
			lr = sqlite3_step(lst);
			sqlite3_reset(lst);
			if (lr != SQLITE_ROW)
				break;
		}
		if (i == nlabels) {
			*id = strdup(cand);
			return *id ? 0
				   : error_set(err, ENOMEM, "out of memory");
		}
	}
	if (r != SQLITE_DONE)
		return db_error(s, err, "find image");
	return 0;
}

int store_image_blobs(struct store *s, const char *id,
		      struct store_blob_ref **refs, size_t *n,
		      struct error **err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	struct store_blob_ref *r = NULL;
	size_t cnt = 0;
	int rc;

	if (db_prepare(s,
		       "SELECT ib.digest, ib.role, b.media_type, b.size"
		       " FROM image_blobs ib JOIN blobs b USING (digest)"
		       " WHERE ib.image_id = ?1 ORDER BY ib.position",
		       &st, err) < 0)
		return -1;
	bind_text(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		void *nr = realloc(r, (cnt + 1) * sizeof(*r));

		if (!nr) {
			store_blob_refs_free(r, cnt);
			return error_set(err, ENOMEM, "out of memory");
		}
		r = nr;
		r[cnt].digest = col_dup(st, 0);
		r[cnt].role = col_dup(st, 1);
		r[cnt].media_type = col_dup(st, 2);
		r[cnt].size = (uint64_t)sqlite3_column_int64(st, 3);
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		store_blob_refs_free(r, cnt);
		return db_error(s, err, "read image blobs");
	}
	*refs = r;
	*n = cnt;
	return 0;
}

void store_blob_refs_free(struct store_blob_ref *refs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)refs[i].digest);
		free((char *)refs[i].role);
		free((char *)refs[i].media_type);
	}
	free(refs);
}

int store_image_labels(struct store *s, const char *id,
		       struct store_label **labels, size_t *n,
		       struct error **err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	struct store_label *l = NULL;
	size_t cnt = 0;
	int rc;

	if (db_prepare(s,
		       "SELECT name, value FROM labels WHERE image_id = ?1"
		       " ORDER BY name",
		       &st, err) < 0)
		return -1;
	bind_text(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		void *nl = realloc(l, (cnt + 1) * sizeof(*l));

		if (!nl) {
			store_labels_free(l, cnt);
			return error_set(err, ENOMEM, "out of memory");
		}
		l = nl;
		l[cnt].name = col_dup(st, 0);
		l[cnt].value = col_dup(st, 1);
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		store_labels_free(l, cnt);
		return db_error(s, err, "read labels");
	}
	*labels = l;
	*n = cnt;
	return 0;
}

void store_labels_free(struct store_label *labels, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)labels[i].name);
		free((char *)labels[i].value);
	}
	free(labels);
}

int store_image_remove(struct store *s, const char *id, struct error **err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;

	if (db_exec(s, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (db_prepare(s, "DELETE FROM images WHERE id = ?1", &st, err) < 0)
		goto fail;
	bind_text(st, 1, id);
	if (step_done(s, st, err) < 0)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	if (db_prepare(s, "DELETE FROM remotes WHERE image_id = ?1", &st, err) <
	    0)
		goto fail;
	bind_text(st, 1, id);
	if (step_done(s, st, err) < 0 || db_exec(s, "COMMIT", err) < 0)
		goto fail;
	/* Files go with the next gc (or now, if this holds the lock). */
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return error_wrap(err, "remove image %s", id);
}

int store_image_touch(struct store *s, const char *id)
{
	cleanup_stmt sqlite3_stmt *st = NULL;

	if (db_prepare(s, "UPDATE images SET last_used = ?1 WHERE id = ?2", &st,
		       NULL) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, now());
	bind_text(st, 2, id);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

int store_remote_get(struct store *s, const char *url, char **image_id,
		     char **etag, struct error **err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	int r;

	*image_id = *etag = NULL;
	if (db_prepare(s,
		       "SELECT r.image_id, r.etag FROM remotes r JOIN images i"
		       " ON i.id = r.image_id WHERE r.url = ?1",
		       &st, err) < 0)
		return -1;
	bind_text(st, 1, url);
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*image_id = col_dup(st, 0);
		*etag = col_dup(st, 1);
	} else if (r != SQLITE_DONE) {
		return db_error(s, err, "read remote cache");
	}
	return 0;
}

int store_remote_set(struct store *s, const char *url, const char *image_id,
		     const char *etag, struct error **err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;

	if (db_prepare(s,
		       "INSERT OR REPLACE INTO remotes VALUES (?1, ?2, ?3, ?4)",
		       &st, err) < 0)
		return -1;
	bind_text(st, 1, url);
	bind_text(st, 2, image_id);
	bind_text(st, 3, etag);
	sqlite3_bind_int64(st, 4, now());
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(s, err, "record remote");
	return 0;
}

/* ---- maintenance */

static int blob_check(struct store *s, const char *digest, uint64_t size)
{
	enum digest_algo algo;
	char want[DIGEST_MAX_HEX + 1], got[DIGEST_MAX_HEX + 1];
	struct digest_ctx ctx;
	cleanup_close int fd = -1;
	char buf[65536];
	uint64_t total = 0;
	ssize_t n;

	if (digest_parse(digest, &algo, want) < 0) {
		log_error("verify: blob %s: invalid digest", digest);
		return -1;
	}
	fd = store_blob_open(s, digest, NULL);
	if (fd < 0) {
		log_error("verify: blob %s: missing", digest);
		return -1;
	}
	digest_init(&ctx, algo);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		digest_update(&ctx, buf, (size_t)n);
		total += (uint64_t)n;
	}
	digest_final_hex(&ctx, got);
	if (n < 0 || strcmp(want, got) || total != size) {
		log_error("verify: blob %s: content does not match its digest",
			  digest);
		return -1;
	}
	return 0;
}

int store_verify(struct store *s, const char *id,
		 struct store_verify_report *rep, struct error **err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	int r;

	memset(rep, 0, sizeof(*rep));
	if (db_prepare(s,
		       "SELECT digest, size FROM blobs WHERE ?1 IS NULL OR"
		       " digest IN (SELECT digest FROM image_blobs"
		       "  WHERE image_id = ?1)",
		       &st, err) < 0)
		return -1;
	bind_text(st, 1, id);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		rep->blobs++;
		if (blob_check(s, (const char *)sqlite3_column_text(st, 0),
			       (uint64_t)sqlite3_column_int64(st, 1)) < 0)
			rep->bad++;
	}
	if (r != SQLITE_DONE)
		return db_error(s, err, "verify blobs");
	sqlite3_finalize(st);
	st = NULL;
	if (db_prepare(s,
		       "SELECT i.id, EXISTS (SELECT 1 FROM trees t"
		       " WHERE t.image_id = i.id),"
		       " (SELECT COUNT(*) FROM image_blobs b"
		       "  WHERE b.image_id = i.id) FROM images i"
		       " WHERE ?1 IS NULL OR i.id = ?1",
		       &st, err) < 0)
		return -1;
	bind_text(st, 1, id);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *img = (const char *)sqlite3_column_text(st, 0);

		rep->images++;
		if (!sqlite3_column_int(st, 2)) {
			log_error("verify: image %s: no blobs", img);
			rep->bad++;
		}
		if (sqlite3_column_int(st, 1)) {
			int fd = store_tree_open(s, img, NULL);

			rep->trees++;
			if (fd < 0) {
				log_error("verify: image %s: tree missing",
					  img);
				rep->bad++;
			} else {
				close(fd);
			}
		}
	}
	if (r != SQLITE_DONE)
		return db_error(s, err, "verify images");
	return 0;
}

static int db_has(struct store *s, const char *sql, const char *key)
{
	cleanup_stmt sqlite3_stmt *st = NULL;

	if (db_prepare(s, sql, &st, NULL) < 0)
		return -1;
	bind_text(st, 1, key);
	return sqlite3_step(st) == SQLITE_ROW;
}

int store_gc(struct store *s, unsigned *removed, struct error **err)
{
	static const char *const algos[] = {"sha256", "sha512"};
	cleanup_close int trees = -1;
	DIR *d;
	struct dirent *de;
	size_t i;

	*removed = 0;
	if (db_exec(s,
		    "DELETE FROM blobs WHERE digest NOT IN"
		    " (SELECT digest FROM image_blobs)",
		    err) < 0)
		return error_wrap(err, "gc");
	for (i = 0; i < ARRAY_SIZE(algos); i++) {
		char path[32];
		int fd;

		snprintf(path, sizeof(path), "blobs/%s", algos[i]);
		fd = openat(s->dir_fd, path,
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || !(d = fdopendir(fd))) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((de = readdir(d))) {
			char dg[300];

			if (de->d_name[0] == '.')
				continue;
			snprintf(dg, sizeof(dg), "%s:%s", algos[i], de->d_name);
			if (db_has(s, "SELECT 1 FROM blobs WHERE digest = ?1",
				   dg) == 0 &&
			    unlinkat(dirfd(d), de->d_name, 0) == 0)
				(*removed)++;
		}
		closedir(d);
	}
	trees = openat(s->dir_fd, "trees", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (trees >= 0 && (d = fdopendir(dup(trees)))) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			if (db_has(s, "SELECT 1 FROM trees WHERE image_id = ?1",
				   de->d_name) == 0 &&
			    beneath_remove_tree(trees, de->d_name) == 0)
				(*removed)++;
		}
		closedir(d);
	}
	store_tmp_clean(s);
	return 0;
}
