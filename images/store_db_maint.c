// SPDX-License-Identifier: Apache-2.0
/*
 * The store's index, its maintenance: verify re-hashes every indexed blob
 * and checks every recorded tree; gc removes what no image references.
 */
#include "images/store.h"
#include "images/store_db_sql.h"
#include "images/beneath.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
