// SPDX-License-Identifier: Apache-2.0
/*
 * The store's index, its rows: images with their labels and ordered blob
 * references (one transaction per change), lookups by ID, ID prefix and
 * name, and the remote cache (URL -> image, ETag).
 */
#include "images/store.h"
#include "images/store_db_sql.h"
#include "images/aci_manifest.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int image_add_tx(struct store *s, const struct store_image *img,
			const struct store_label *labels, size_t nlabels,
			const struct store_blob_ref *blobs, size_t nblobs,
			struct error **err)
{
	cleanup_stmt sqlite3_stmt *st = NULL;
	int64_t t = db_now();
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
	sqlite3_bind_int64(st, 1, db_now());
	bind_text(st, 2, id);
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

/* ---- remote cache */

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
	sqlite3_bind_int64(st, 4, db_now());
	if (sqlite3_step(st) != SQLITE_DONE)
		return db_error(s, err, "record remote");
	return 0;
}
