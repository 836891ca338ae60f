// SPDX-License-Identifier: Apache-2.0
#include "images/extract.h"
#include "images/beneath.h"
#include "images/pathset.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Last: it redirects the library calls above (images/lazylib.h). */
#include "images/lazylib.h"

struct deferred_dir {
	char *path;
	mode_t mode;
	struct timespec mtime;
};

struct extractor {
	struct archive *a;
	int root_fd;
	const struct extract_opts *o;
	struct extract_usage *usage;
	struct pathset written;
	struct deferred_dir *dirs;
	size_t ndirs, capdirs;
};

void extract_opts_default(struct extract_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->as_root = geteuid() == 0;
	o->limits.max_bytes = EXTRACT_DEFAULT_MAX_BYTES;
	o->limits.max_entries = EXTRACT_DEFAULT_MAX_ENTRIES;
	o->limits.max_path = EXTRACT_DEFAULT_MAX_PATH;
}

int extract_clean_path(const char *in, char *out, size_t out_size,
		       size_t max_path, const char **why)
{
	size_t n = 0;
	const char *p = in;

	if (*p == '/') {
		*why = "absolute path";
		return -1;
	}
	if (strlen(in) > max_path) {
		*why = "path too long";
		return -1;
	}
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);

		if (len == 0 || (len == 1 && p[0] == '.')) {
			/* empty or "." component: skip */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			*why = "'..' component";
			return -1;
		} else {
			if (n + len + 2 > out_size) {
				*why = "path too long";
				return -1;
			}
			if (n)
				out[n++] = '/';
			memcpy(out + n, p, len);
			n += len;
		}
		p = *end ? end + 1 : end;
	}
	if (!out_size) {
		*why = "path too long";
		return -1;
	}
	out[n] = '\0';
	return 0;
}

static const char *escaped(const char *s, char *buf, size_t size)
{
	log_escape(buf, size, s, strlen(s));
	return buf;
}

static int entry_error(struct error **err, const char *name, const char *why)
{
	char e[256];

	return error_set(err, EINVAL, "entry \"%s\": %s",
			 escaped(name, e, sizeof(e)), why);
}

static int entry_error_errno(struct error **err, const char *name,
			     const char *what)
{
	char e[256];

	return error_set_errno(err, "entry \"%s\": %s",
			       escaped(name, e, sizeof(e)), what);
}

/* Maps an archive name to a path inside the tree; 1 = skip the entry. */
static int entry_relpath(struct extractor *x, const char *name, char *rel,
			 size_t size, struct error **err)
{
	char clean[PATH_MAX];
	const char *why, *pfx = x->o->strip_prefix;
	size_t plen;

	if (x->o->relative_absolute)
		while (*name == '/')
			name++;
	if (extract_clean_path(name, clean, sizeof(clean),
			       x->o->limits.max_path, &why) < 0)
		return entry_error(err, name, why);
	if (!pfx) {
		strcpy(rel, clean);
		return clean[0] ? 0 : 1;
	}
	plen = strlen(pfx);
	if (strncmp(clean, pfx, plen) || (clean[plen] && clean[plen] != '/'))
		return 1;
	if (!clean[plen])
		return 1; /* the prefix directory itself is the tree root */
	if (strlen(clean + plen + 1) >= size)
		return entry_error(err, name, "path too long");
	strcpy(rel, clean + plen + 1);
	return 0;
}

static int apply_xattrs(struct extractor *x, struct archive_entry *e, int fd,
			const char *name, struct error **err)
{
	const char *xname;
	const void *val;
	size_t size;

	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &xname, &val, &size) == ARCHIVE_OK) {
		if (fsetxattr(fd, xname, val, size, 0) == 0)
			continue;
		if (x->o->as_root && errno != ENOTSUP)
			return entry_error_errno(err, name, "set xattr");
		log_debug("entry %s: xattr %s not kept: %s", name, xname,
			  strerror(errno));
	}
	return 0;
}

static int apply_owner_fd(struct extractor *x, struct archive_entry *e, int fd,
			  const char *name, struct error **err)
{
	if (!x->o->as_root)
		return 0;
	if (fchown(fd, (uid_t)archive_entry_uid(e),
		   (gid_t)archive_entry_gid(e)) < 0)
		return entry_error_errno(err, name, "chown");
	return 0;
}

static int check_bytes(struct extractor *x, uint64_t more, const char *name,
		       struct error **err)
{
	char msg[128];

	if (x->usage->bytes + more <= x->o->limits.max_bytes &&
	    x->usage->bytes + more >= x->usage->bytes)
		return 0;
	snprintf(msg, sizeof(msg),
		 "image larger than the limit of %llu bytes (decompression "
		 "bomb?)",
		 (unsigned long long)x->o->limits.max_bytes);
	return entry_error(err, name, msg);
}

static int write_file(struct extractor *x, struct archive_entry *e, int parent,
		      const char *base, const char *name, struct error **err)
{
	cleanup_close int fd = -1;
	int64_t size = archive_entry_size(e);
	int64_t end = 0;
	struct timespec ts[2];
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	if (size < 0)
		size = 0;
	if (check_bytes(x, (uint64_t)size, name, err) < 0)
		return -1;
	fd = openat(parent, base,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return entry_error_errno(err, name, "create");
	while ((r = archive_read_data_block(x->a, &buf, &len, &off)) ==
	       ARCHIVE_OK) {
		if (off < 0 || check_bytes(x, len, name, err) < 0)
			return off < 0 ? entry_error(err, name, "bad offset")
				       : -1;
		x->usage->bytes += len;
		for (size_t done = 0; done < len;) {
			ssize_t w = pwrite(fd, (const char *)buf + done,
					   len - done, off + (off_t)done);

			if (w < 0)
				return entry_error_errno(err, name, "write");
			done += (size_t)w;
		}
		if (off + (int64_t)len > end)
			end = off + (int64_t)len;
	}
	if (r != ARCHIVE_EOF)
		return entry_error(err, name, archive_error_string(x->a));
	if (end < size && ftruncate(fd, size) < 0)
		return entry_error_errno(err, name, "truncate");
	if (apply_owner_fd(x, e, fd, name, err) < 0)
		return -1;
	/* After chown, which clears setuid/setgid bits. */
	if (fchmod(fd, archive_entry_perm(e) & 07777) < 0)
		return entry_error_errno(err, name, "chmod");
	if (apply_xattrs(x, e, fd, name, err) < 0)
		return -1;
	ts[0].tv_sec = ts[1].tv_sec = archive_entry_mtime(e);
	ts[0].tv_nsec = ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	futimens(fd, ts);
	return 0;
}

static int make_dir(struct extractor *x, struct archive_entry *e, int parent,
		    const char *base, const char *rel, const char *name,
		    struct error **err)
{
	cleanup_close int fd = -1;
	struct deferred_dir *d;

	if (mkdirat(parent, base, 0700) < 0 && errno != EEXIST)
		return entry_error_errno(err, name, "mkdir");
	fd = openat(parent, base,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return entry_error_errno(err, name, "open directory");
	if (apply_owner_fd(x, e, fd, name, err) < 0 ||
	    apply_xattrs(x, e, fd, name, err) < 0)
		return -1;
	/* Mode and times last: a 0555 directory must still take entries. */
	if (x->ndirs == x->capdirs) {
		size_t ncap = x->capdirs ? x->capdirs * 2 : 64;
		void *n = realloc(x->dirs, ncap * sizeof(*x->dirs));

		if (!n)
			return error_set(err, ENOMEM, "out of memory");
		x->dirs = n;
		x->capdirs = ncap;
	}
	d = &x->dirs[x->ndirs];
	d->path = strdup(rel);
	if (!d->path)
		return error_set(err, ENOMEM, "out of memory");
	d->mode = archive_entry_perm(e) & 07777;
	d->mtime.tv_sec = archive_entry_mtime(e);
	d->mtime.tv_nsec = archive_entry_mtime_nsec(e);
	x->ndirs++;
	return 0;
}

static int make_link(struct extractor *x, struct archive_entry *e, int parent,
		     const char *base, const char *name, struct error **err)
{
	const char *target = archive_entry_hardlink(e);
	char trel[PATH_MAX];
	const char *tbase;
	cleanup_close int tparent = -1;
	int r;

	r = entry_relpath(x, target, trel, sizeof(trel), err);
	if (r < 0)
		return error_wrap(err, "hard link %s", name);
	if (r > 0)
		return entry_error(err, name,
				   "hard link target outside the image tree");
	tparent = beneath_parent(x->root_fd, trel, false, &tbase);
	if (tparent < 0)
		return entry_error_errno(err, name, "hard link target");
	/* Flags 0: a symlink target is linked itself, never followed. */
	if (linkat(tparent, tbase, parent, base, 0) < 0)
		return entry_error_errno(err, name, "hard link");
	return 0;
}

static int make_symlink(struct extractor *x, struct archive_entry *e,
			int parent, const char *base, const char *name,
			struct error **err)
{
	const char *target = archive_entry_symlink(e);
	struct timespec ts[2];

	if (!target || !*target)
		return entry_error(err, name, "symlink without target");
	if (strlen(target) > x->o->limits.max_path)
		return entry_error(err, name, "symlink target too long");
	/* The target is stored, never followed while extracting: every
	 * later lookup resolves in the tree root. */
	if (symlinkat(target, parent, base) < 0)
		return entry_error_errno(err, name, "symlink");
	if (x->o->as_root &&
	    fchownat(parent, base, (uid_t)archive_entry_uid(e),
		     (gid_t)archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
		return entry_error_errno(err, name, "chown symlink");
	ts[0].tv_sec = ts[1].tv_sec = archive_entry_mtime(e);
	ts[0].tv_nsec = ts[1].tv_nsec = archive_entry_mtime_nsec(e);
	utimensat(parent, base, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int make_node(struct extractor *x, struct archive_entry *e, int parent,
		     const char *base, const char *name, struct error **err)
{
	mode_t type = archive_entry_filetype(e);

	if (type != AE_IFIFO && !x->o->as_root) {
		log_debug("entry %s: device node skipped (not root)", name);
		return 0;
	}
	if (mknodat(parent, base, type | 0600, archive_entry_rdev(e)) < 0)
		return entry_error_errno(err, name, "mknod");
	if (x->o->as_root &&
	    fchownat(parent, base, (uid_t)archive_entry_uid(e),
		     (gid_t)archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
		return entry_error_errno(err, name, "chown node");
	/* Just created by mknodat with no symlink in the way. */
	if (fchmodat(parent, base, archive_entry_perm(e) & 07777, 0) < 0)
		return entry_error_errno(err, name, "chmod node");
	return 0;
}

struct opaque_ctx {
	struct extractor *x;
	const char *dir;
};

static bool opaque_keep(const char *child, void *arg)
{
	struct opaque_ctx *c = arg;
	char path[PATH_MAX];

	if (*c->dir)
		snprintf(path, sizeof(path), "%s/%s", c->dir, child);
	else
		snprintf(path, sizeof(path), "%s", child);
	return pathset_contains(&c->x->written, path);
}

/* OCI image-spec layer.md "Whiteouts". Returns 1 when rel was one. */
static int whiteout(struct extractor *x, const char *rel, const char *name,
		    struct error **err)
{
	const char *base = strrchr(rel, '/');
	cleanup_close int parent = -1;
	const char *b;
	char dir[PATH_MAX];

	base = base ? base + 1 : rel;
	if (strncmp(base, ".wh.", 4))
		return 0;
	/* The directory part of rel, without its trailing slash. */
	snprintf(dir, sizeof(dir), "%.*s",
		 base == rel ? 0 : (int)(base - rel - 1), rel);
	parent = beneath_parent(x->root_fd, rel, true, &b);
	if (parent < 0)
		return entry_error_errno(err, name, "whiteout parent");
	if (!strcmp(base, ".wh..wh..opq")) {
		struct opaque_ctx c = {x, dir};

		if (beneath_clear_dir(parent, opaque_keep, &c) < 0)
			return entry_error_errno(err, name, "opaque directory");
		return 1;
	}
	b = base + 4;
	if (!*b || !strcmp(b, ".") || !strcmp(b, ".."))
		return entry_error(err, name, "bad whiteout");
	if (beneath_remove_tree(parent, b) < 0)
		return entry_error_errno(err, name, "whiteout");
	return 1;
}

static int extract_entry(struct extractor *x, struct archive_entry *e,
			 const char *rel, const char *name, struct error **err)
{
	cleanup_close int parent = -1;
	const char *base;
	mode_t type = archive_entry_filetype(e);
	struct stat st;

	parent = beneath_parent(x->root_fd, rel, true, &base);
	if (parent < 0)
		return entry_error_errno(err, name, "parent directory");
	if (fstatat(parent, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		/* A later layer or image replaces what is there, except that
		 * a directory over a directory merges. */
		if (!(S_ISDIR(st.st_mode) && type == AE_IFDIR &&
		      !archive_entry_hardlink(e)) &&
		    beneath_remove_tree(parent, base) < 0)
			return entry_error_errno(err, name, "replace");
	}
	if (archive_entry_hardlink(e))
		return make_link(x, e, parent, base, name, err);
	switch (type) {
	case AE_IFREG:
		return write_file(x, e, parent, base, name, err);
	case AE_IFDIR:
		return make_dir(x, e, parent, base, rel, name, err);
	case AE_IFLNK:
		return make_symlink(x, e, parent, base, name, err);
	case AE_IFCHR:
	case AE_IFBLK:
	case AE_IFIFO:
		return make_node(x, e, parent, base, name, err);
	default:
		log_debug("entry %s: unsupported type %o skipped", name, type);
		return 0;
	}
}

static int finish_dirs(struct extractor *x)
{
	/* Deepest first, so a parent's mtime is set after its children. */
	for (size_t i = x->ndirs; i-- > 0;) {
		struct deferred_dir *d = &x->dirs[i];
		cleanup_close int fd =
			beneath_open(x->root_fd, d->path,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		struct timespec ts[2] = {d->mtime, d->mtime};

		if (fd < 0)
			continue; /* replaced by a later entry */
		fchmod(fd, d->mode);
		futimens(fd, ts);
	}
	return 0;
}

static void extractor_free(struct extractor *x)
{
	for (size_t i = 0; i < x->ndirs; i++)
		free(x->dirs[i].path);
	free(x->dirs);
	pathset_free(&x->written);
	if (x->a)
		archive_read_free(x->a);
}

static int extract_run(struct extractor *x, struct error **err)
{
	struct archive_entry *e;
	char rel[PATH_MAX];
	int r;

	for (;;) {
		const char *name;

		r = archive_read_next_header(x->a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return error_set(err, EINVAL, "read archive: %s",
					 archive_error_string(x->a));
		if (++x->usage->entries > x->o->limits.max_entries)
			return error_set(
				err, E2BIG,
				"more than %llu entries in the image",
				(unsigned long long)x->o->limits.max_entries);
		name = archive_entry_pathname(e);
		if (!name)
			return error_set(err, EINVAL, "entry without a name");
		r = entry_relpath(x, name, rel, sizeof(rel), err);
		if (r < 0)
			return -1;
		if (r > 0)
			continue;
		if (x->o->whiteouts) {
			r = whiteout(x, rel, name, err);
			if (r < 0)
				return -1;
			if (r > 0)
				continue;
		}
		r = pathset_add(&x->written, rel);
		if (r < 0)
			return error_set(err, ENOMEM, "out of memory");
		if (r == 0 && x->o->refuse_duplicates)
			return entry_error(err, name, "duplicate entry");
		if (extract_entry(x, e, rel, name, err) < 0)
			return -1;
	}
	return finish_dirs(x);
}

static struct archive *extract_reader(void)
{
	struct archive *a = archive_read_new();

	if (!a)
		return NULL;
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	return a;
}

int extract_fd(int archive_fd, int root_fd, const struct extract_opts *o,
	       struct extract_usage *usage, struct error **err)
{
	struct extractor x = {.root_fd = root_fd, .o = o, .usage = usage};
	int r;

	x.a = extract_reader();
	if (!x.a)
		return error_set(err, ENOMEM, "out of memory");
	if (archive_read_open_fd(x.a, archive_fd, 65536) != ARCHIVE_OK) {
		r = error_set(err, EINVAL, "open archive: %s",
			      archive_error_string(x.a));
	} else {
		r = extract_run(&x, err);
	}
	extractor_free(&x);
	return r;
}

int extract_memory(const void *buf, size_t len, int root_fd,
		   const struct extract_opts *o, struct extract_usage *usage,
		   struct error **err)
{
	struct extractor x = {.root_fd = root_fd, .o = o, .usage = usage};
	int r;

	x.a = extract_reader();
	if (!x.a)
		return error_set(err, ENOMEM, "out of memory");
	if (archive_read_open_memory(x.a, buf, len) != ARCHIVE_OK) {
		r = error_set(err, EINVAL, "open archive: %s",
			      archive_error_string(x.a));
	} else {
		r = extract_run(&x, err);
	}
	extractor_free(&x);
	return r;
}
