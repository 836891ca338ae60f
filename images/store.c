// SPDX-License-Identifier: Apache-2.0
#include "images/store.h"
#include "images/beneath.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static int random_name(char out[33])
{
	unsigned char r[16];
	static const char xd[] = "0123456789abcdef";

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		return -1;
	for (int i = 0; i < 16; i++) {
		out[2 * i] = xd[r[i] >> 4];
		out[2 * i + 1] = xd[r[i] & 15];
	}
	out[32] = '\0';
	return 0;
}

/*
 * Creates cas/tmp/<random><suffix> already flocked: the file is made with
 * O_TMPFILE, locked, then linked in, so a cleaner never sees it unlocked
 * while its writer lives.
 */
static int tmp_create_locked(struct store *s, const char *suffix, char name[64],
			     struct error **err)
{
	cleanup_close int tmp = -1;
	int fd;
	char rnd[33], proc[64];

	tmp = openat(s->dir_fd, "tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tmp < 0)
		return error_set_errno(err, "open %s/cas/tmp", s->dir);
	fd = openat(tmp, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set_errno(err, "create temp file in %s/cas/tmp",
				       s->dir);
	if (flock(fd, LOCK_EX) < 0 || random_name(rnd) < 0) {
		close(fd);
		return error_set_errno(err, "lock temp file");
	}
	snprintf(name, 64, "%s%s", rnd, suffix);
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, tmp, name, AT_SYMLINK_FOLLOW) < 0 &&
	    linkat(fd, "", tmp, name, AT_EMPTY_PATH) < 0) {
		close(fd);
		return error_set_errno(err, "link temp file");
	}
	return fd;
}

/* Removes what killed processes left in cas/tmp. */
void store_tmp_clean(struct store *s)
{
	cleanup_close int tmp = -1;
	DIR *d;
	struct dirent *de;

	tmp = openat(s->dir_fd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tmp < 0)
		return;
	d = fdopendir(dup(tmp));
	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char lockname[64];
		int fd;

		if (de->d_name[0] == '.')
			continue;
		if (n > 2 && !strcmp(de->d_name + n - 2, ".d")) {
			/* A directory lives only while its .lock does. */
			snprintf(lockname, sizeof(lockname), "%.*s.lock",
				 (int)(n - 2), de->d_name);
			if (faccessat(tmp, lockname, F_OK,
				      AT_SYMLINK_NOFOLLOW) &&
			    errno == ENOENT)
				beneath_remove_tree(tmp, de->d_name);
			continue;
		}
		fd = openat(tmp, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (n > 5 && !strcmp(de->d_name + n - 5, ".lock")) {
				char dname[64];

				snprintf(dname, sizeof(dname), "%.*s.d",
					 (int)(n - 5), de->d_name);
				beneath_remove_tree(tmp, dname);
			}
			log_debug("store: removing stale %s", de->d_name);
			unlinkat(tmp, de->d_name, 0);
		}
		close(fd);
	}
	closedir(d);
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(buf, mode) < 0 && errno != EEXIST ? -1 : 0;
}

/*
 * Opening the index may create it, switch it to WAL and migrate it.
 * SQLite answers "database is locked" at once, without waiting in its busy
 * handler, when two connections change the journal mode of a new database
 * together, so the set-up is serialized by a short flock on the cas
 * directory (not on cas/lock, which long-lived users hold shared).
 */
static int store_db_open_locked(struct store *s, const char *dbpath,
				struct error **err)
{
	cleanup_close int fd =
		openat(s->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		return error_set_errno(err, "lock %s/cas", s->dir);
	r = store_db_open(s, dbpath, err);
	flock(fd, LOCK_UN);
	return r;
}

int store_open(const char *dir, bool exclusive, struct store **out,
	       struct error **err)
{
	static const char *const subdirs[] = {"blobs", "blobs/sha256",
					      "blobs/sha512", "trees", "tmp"};
	struct store *s;
	char *dbpath = NULL;
	size_t i;

	s = calloc(1, sizeof(*s));
	if (!s)
		return error_set(err, ENOMEM, "out of memory");
	s->dir_fd = s->lock_fd = -1;
	s->dir = strdup(dir);
	if (!s->dir)
		goto nomem;
	if (mkdir_p(dir, 0755) < 0) {
		error_set_errno(err, "create %s", dir);
		goto fail;
	}
	{
		cleanup_close int top =
			open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (top < 0 ||
		    (mkdirat(top, "cas", 0700) < 0 && errno != EEXIST)) {
			error_set_errno(err, "create %s/cas", dir);
			goto fail;
		}
		s->dir_fd =
			openat(top, "cas", O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	if (s->dir_fd < 0) {
		error_set_errno(err, "open %s/cas", dir);
		goto fail;
	}
	for (i = 0; i < ARRAY_SIZE(subdirs); i++)
		if (mkdirat(s->dir_fd, subdirs[i], 0700) < 0 &&
		    errno != EEXIST) {
			error_set_errno(err, "create %s/cas/%s", dir,
					subdirs[i]);
			goto fail;
		}
	s->lock_fd =
		openat(s->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0 ||
	    flock(s->lock_fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		error_set_errno(err, "lock %s/cas/lock", dir);
		goto fail;
	}
	if (asprintf(&dbpath, "%s/cas/db.sqlite", dir) < 0)
		goto nomem;
	if (store_db_open_locked(s, dbpath, err) < 0)
		goto fail;
	free(dbpath);
	store_tmp_clean(s);
	*out = s;
	return 0;
nomem:
	error_set(err, ENOMEM, "out of memory");
fail:
	free(dbpath);
	store_close(s);
	return -1;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	store_db_close(s);
	if (s->dir_fd >= 0)
		close(s->dir_fd);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s->dir);
	free(s);
}

void store_closep(struct store **s)
{
	store_close(*s);
}

void store_digest_string(enum digest_algo algo, const char *hex, char sep,
			 char out[DIGEST_STRING_MAX])
{
	snprintf(out, DIGEST_STRING_MAX, "%s%c%s", digest_algo_name(algo), sep,
		 hex);
}

/* ---- blobs */

int store_blob_begin(struct store *s, enum digest_algo algo, uint64_t max_size,
		     struct blob_writer *w, struct error **err)
{
	memset(w, 0, sizeof(*w));
	w->store = s;
	w->max_size = max_size;
	digest_init(&w->ctx, algo);
	w->fd = tmp_create_locked(s, ".blob", w->tmpname, err);
	return w->fd < 0 ? -1 : 0;
}

int store_blob_write(struct blob_writer *w, const void *buf, size_t len,
		     struct error **err)
{
	const char *p = buf;

	if (w->max_size && w->size + len > w->max_size)
		return error_set(err, EFBIG,
				 "larger than the limit of %llu bytes",
				 (unsigned long long)w->max_size);
	digest_update(&w->ctx, buf, len);
	w->size += len;
	while (len) {
		ssize_t n = write(w->fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error_set_errno(err, "write blob");
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

void store_blob_abort(struct blob_writer *w)
{
	cleanup_close int tmp = -1;

	if (w->fd < 0)
		return;
	tmp = openat(w->store->dir_fd, "tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tmp >= 0)
		unlinkat(tmp, w->tmpname, 0);
	close(w->fd);
	w->fd = -1;
}

static int blob_dir_open(struct store *s, enum digest_algo algo)
{
	char path[32];

	snprintf(path, sizeof(path), "blobs/%s", digest_algo_name(algo));
	return openat(s->dir_fd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int store_blob_commit(struct blob_writer *w, const char *expect,
		      char digest[DIGEST_STRING_MAX], struct error **err)
{
	char hex[DIGEST_MAX_HEX + 1], ehex[DIGEST_MAX_HEX + 1];
	enum digest_algo ealgo;
	cleanup_close int tmp = -1, dst = -1, dsync = -1;
	int r = -1;

	digest_final_hex(&w->ctx, hex);
	store_digest_string(w->ctx.algo, hex, ':', digest);
	if (expect) {
		if (digest_parse(expect, &ealgo, ehex) < 0 ||
		    ealgo != w->ctx.algo || strcmp(ehex, hex)) {
			error_set(err, EBADMSG,
				  "digest mismatch: expected %s, got %s",
				  expect, digest);
			goto out;
		}
	}
	if (fsync(w->fd) < 0) {
		error_set_errno(err, "fsync blob");
		goto out;
	}
	tmp = openat(w->store->dir_fd, "tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	dst = blob_dir_open(w->store, w->ctx.algo);
	if (tmp < 0 || dst < 0 || renameat(tmp, w->tmpname, dst, hex) < 0) {
		error_set_errno(err, "store blob %s", digest);
		goto out;
	}
	/* The rename is durable once the directory is synced. */
	dsync = openat(dst, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dsync >= 0)
		fsync(dsync);
	close(w->fd);
	w->fd = -1;
	return 0;
out:
	store_blob_abort(w);
	return r;
}

int store_blob_open(struct store *s, const char *digest, struct error **err)
{
	enum digest_algo algo;
	char hex[DIGEST_MAX_HEX + 1];
	cleanup_close int dir = -1;
	int fd;

	if (digest_parse(digest, &algo, hex) < 0)
		return error_set(err, EINVAL, "invalid digest \"%s\"", digest);
	dir = blob_dir_open(s, algo);
	fd = dir < 0 ? -1 : openat(dir, hex, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "open blob %s", digest);
	return fd;
}

bool store_blob_exists(struct store *s, const char *digest)
{
	enum digest_algo algo;
	char hex[DIGEST_MAX_HEX + 1];
	cleanup_close int dir = -1;

	if (digest_parse(digest, &algo, hex) < 0)
		return false;
	dir = blob_dir_open(s, algo);
	return dir >= 0 && faccessat(dir, hex, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* ---- temp dirs */

int store_tmpdir_create(struct store *s, struct store_tmpdir *t,
			struct error **err)
{
	char dname[72];
	cleanup_close int tmp = -1;

	t->fd = -1;
	t->lock_fd = tmp_create_locked(s, ".lock", t->name, err);
	if (t->lock_fd < 0)
		return -1;
	/* name is "<random>.lock": the directory is "<random>.d". */
	t->name[strlen(t->name) - 5] = '\0';
	snprintf(dname, sizeof(dname), "%s.d", t->name);
	tmp = openat(s->dir_fd, "tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tmp < 0 || mkdirat(tmp, dname, 0700) < 0) {
		error_set_errno(err, "create temp dir");
		store_tmpdir_remove(s, t);
		return -1;
	}
	t->fd = openat(tmp, dname,
		       O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (t->fd < 0) {
		error_set_errno(err, "open temp dir");
		store_tmpdir_remove(s, t);
		return -1;
	}
	return 0;
}

void store_tmpdir_remove(struct store *s, struct store_tmpdir *t)
{
	cleanup_close int tmp = -1;
	char name[72];

	if (t->lock_fd < 0)
		return;
	tmp = openat(s->dir_fd, "tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (tmp >= 0) {
		snprintf(name, sizeof(name), "%s.d", t->name);
		beneath_remove_tree(tmp, name);
		snprintf(name, sizeof(name), "%s.lock", t->name);
		unlinkat(tmp, name, 0);
	}
	if (t->fd >= 0)
		close(t->fd);
	close(t->lock_fd);
	t->fd = t->lock_fd = -1;
}

int store_tree_commit(struct store *s, struct store_tmpdir *t, const char *id,
		      struct error **err)
{
	cleanup_close int tmp = -1, trees = -1, dsync = -1;
	char name[72];

	if (syncfs(t->fd) < 0)
		log_debug("store: syncfs: %s", strerror(errno));
	tmp = openat(s->dir_fd, "tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	trees = openat(s->dir_fd, "trees", O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(name, sizeof(name), "%s.d", t->name);
	if (tmp < 0 || trees < 0)
		return error_set_errno(err, "open %s/cas", s->dir);
	if (renameat(tmp, name, trees, id) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY)
			return error_set_errno(err, "store tree %s", id);
		log_debug("store: tree %s already rendered", id);
	}
	dsync = openat(trees, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dsync >= 0)
		fsync(dsync);
	store_tmpdir_remove(s, t);
	return 0;
}

int store_tree_open(struct store *s, const char *id, struct error **err)
{
	char path[STORE_ID_MAX + 16];
	int fd;

	if (digest_parse(id, NULL, NULL) < 0)
		return error_set(err, EINVAL, "invalid image ID \"%s\"", id);
	snprintf(path, sizeof(path), "trees/%s/rootfs", id);
	fd = openat(s->dir_fd, path,
		    O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "open tree of %s", id);
	return fd;
}

char *store_tree_path(struct store *s, const char *id)
{
	char *p = NULL;

	if (asprintf(&p, "%s/cas/trees/%s/rootfs", s->dir, id) < 0)
		return NULL;
	return p;
}
