/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The image store under --dir:
 *
 *	cas/db.sqlite		index (images, labels, blobs, remotes, trees)
 *	cas/blobs/<algo>/<hex>	content-addressed blobs
 *	cas/trees/<id>/rootfs	rendered trees, never modified once renamed in
 *	cas/tmp/		in-progress blobs and trees, each flocked by
 *				its writer; unlocked leftovers of a killed
 *				process are removed by the next store_open()
 *	cas/lock		shared by every user, exclusive for gc and rm
 *
 * Files reach their final name only complete and fsynced (temp name, fsync,
 * rename); the index refers to them only after that, in one transaction per
 * change. So a process killed anywhere leaves at worst unreferenced files,
 * which `image gc` removes.
 */
#ifndef COCOON_IMAGES_STORE_H
#define COCOON_IMAGES_STORE_H

#include "images/digest.h"
#include "common/error.h"

#include <stdbool.h>
#include <stdint.h>

struct sqlite3;

struct store {
	char *dir;
	int dir_fd;  /* <dir>/cas */
	int lock_fd; /* cas/lock */
	struct sqlite3 *db;
};

#define STORE_ID_MAX DIGEST_STRING_MAX

/* Opens (creating if needed) the store; exclusive = for gc and rm. */
int store_open(const char *dir, bool exclusive, struct store **out,
	       struct error **err);
void store_close(struct store *s);
#define cleanup_store __attribute__((cleanup(store_closep)))
void store_closep(struct store **s);

/* ---- blobs */
struct blob_writer {
	struct store *store;
	int fd;
	char tmpname[64];
	struct digest_ctx ctx;
	uint64_t size;
	uint64_t max_size;
};

int store_blob_begin(struct store *s, enum digest_algo algo, uint64_t max_size,
		     struct blob_writer *w, struct error **err);
int store_blob_write(struct blob_writer *w, const void *buf, size_t len,
		     struct error **err);
/*
 * fsyncs, checks the digest against expect ("sha256:<hex>" or
 * "sha512-<hex>", NULL = any), renames into place; the digest lands in
 * digest as "<algo>:<hex>". The index row is added by store_image_add().
 */
int store_blob_commit(struct blob_writer *w, const char *expect,
		      char digest[DIGEST_STRING_MAX], struct error **err);
void store_blob_abort(struct blob_writer *w);
/* Opens a blob for reading ("sha256:<hex>" or "sha512-<hex>"). */
int store_blob_open(struct store *s, const char *digest, struct error **err);
bool store_blob_exists(struct store *s, const char *digest);

/* Removes what killed processes left in cas/tmp (their locks are free). */
void store_tmp_clean(struct store *s);

/* ---- temp dirs (trees being rendered, archives being unpacked) */
struct store_tmpdir {
	int fd;	       /* O_PATH fd of cas/tmp/<name>.d */
	int lock_fd;   /* cas/tmp/<name>.lock, flocked while in use */
	char name[64]; /* random; .lock exists whenever .d does */
};
int store_tmpdir_create(struct store *s, struct store_tmpdir *t,
			struct error **err);
void store_tmpdir_remove(struct store *s, struct store_tmpdir *t);

/* ---- trees */
/* Moves a finished tmpdir into cas/trees/<id> and records it. If another
 * process got there first, ours is discarded: one copy remains. */
int store_tree_commit(struct store *s, struct store_tmpdir *t, const char *id,
		      struct error **err);
/* O_PATH fd of cas/trees/<id>/rootfs, or -1 (ENOENT if not rendered). */
int store_tree_open(struct store *s, const char *id, struct error **err);
/* Full path of cas/trees/<id>/rootfs (malloc'd). */
char *store_tree_path(struct store *s, const char *id);

/* Helpers shared with the format modules. */
/* "sha512-<hex>" for an ID, "sha256:<hex>" for a blob digest. */
void store_digest_string(enum digest_algo algo, const char *hex, char sep,
			 char out[DIGEST_STRING_MAX]);

/* The index: images, labels, remotes, verify, gc. */
#include "images/store_db.h"

#endif
