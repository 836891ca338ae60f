// SPDX-License-Identifier: Apache-2.0
/*
 * Preparing a pod (stage0/prepare.h, docs/pods.md): images into the store
 * and rendered, then `pod`, `runtime.json`, `stage0.json` and the
 * directories the supervisor mounts on.
 */
#include "stage0/prepare.h"
#include "stage0/audit.h"
#include "images/beneath.h"
#include "images/render.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "stage0/cmd_image_common.h"
#include "stage0/pod_cleanup.h"
#include "stage0/pod_manifest.h"
#include "stage0/pod_status.h"
#include "stage0/run_options.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- --no-overlay: a copy of the tree */

/* Hard links seen so far: (dev, ino) -> path of the first copy. */
struct copy_links {
	struct copy_link {
		dev_t dev;
		ino_t ino;
		char *path;
	} * v;
	size_t n;
};

struct copy_ctx {
	int dst_root; /* the copy's root, for linkat() */
	struct copy_links links;
	char path[PATH_MAX]; /* current path, relative to the roots */
	size_t len;
	unsigned depth;
};

#define COPY_MAX_DEPTH 512

static int copy_xattrs(int src, int dst, const char *what, struct error **err)
{
	cleanup_free char *names = NULL;
	ssize_t n = flistxattr(src, NULL, 0);

	if (n < 0)
		return errno == ENOTSUP
			       ? 0
			       : error_set_errno(err, "xattrs of %s", what);
	if (!n)
		return 0;
	names = malloc((size_t)n);
	if (!names)
		return error_set(err, ENOMEM, "out of memory");
	n = flistxattr(src, names, (size_t)n);
	if (n < 0)
		return error_set_errno(err, "xattrs of %s", what);
	for (char *k = names; k < names + n; k += strlen(k) + 1) {
		char value[65536];
		ssize_t vlen = fgetxattr(src, k, value, sizeof(value));

		if (vlen < 0)
			return error_set_errno(err, "xattr %s of %s", k, what);
		if (fsetxattr(dst, k, value, (size_t)vlen, 0) < 0 &&
		    errno != ENOTSUP)
			return error_set_errno(err, "set xattr %s on %s", k,
					       what);
	}
	return 0;
}

/* Owner, then mode (chown clears set-id bits), xattrs, times. */
static int copy_attrs(int src, int dst, const struct stat *st, const char *what,
		      struct error **err)
{
	struct timespec times[2] = {st->st_atim, st->st_mtim};

	if (fchown(dst, st->st_uid, st->st_gid) < 0 ||
	    fchmod(dst, st->st_mode & 07777) < 0)
		return error_set_errno(err, "set owner and mode of %s", what);
	if (copy_xattrs(src, dst, what, err) < 0)
		return -1;
	if (futimens(dst, times) < 0)
		return error_set_errno(err, "set times of %s", what);
	return 0;
}

/* Copies [off, end) of src to the same offsets of dst. */
static int copy_range(int src, int dst, off_t off, off_t end, const char *what,
		      struct error **err)
{
	char buf[65536];
	bool plain = false;

	while (off < end) {
		loff_t in = off, out = off;
		ssize_t n = -1, done = 0;
		size_t want = (size_t)(end - off);

		if (!plain) {
			n = copy_file_range(src, &in, dst, &out, want, 0);
			if (n < 0 && (errno == EXDEV || errno == EINVAL ||
				      errno == ENOSYS || errno == EOPNOTSUPP)) {
				plain = true;
				continue;
			}
		} else {
			n = pread(src, buf,
				  want < sizeof(buf) ? want : sizeof(buf), off);
			while (n > 0 && done < n) {
				ssize_t w =
					pwrite(dst, buf + done,
					       (size_t)(n - done), off + done);

				if (w < 0 && errno == EINTR)
					continue;
				if (w < 0)
					return error_set_errno(err, "write %s",
							       what);
				done += w;
			}
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set_errno(err, "copy %s", what);
		if (n == 0)
			break; /* the file shrank under us */
		off += n;
	}
	return 0;
}

/*
 * Copies a regular file's data, leaving its holes holes: a sparse file in
 * an image costs the pod only what it holds (test_hostile_images made a
 * 10 KiB image whose copy took 2 GiB on disk).
 */
static int copy_data(int src, int dst, const char *what, struct error **err)
{
	struct stat st;
	off_t pos = 0;

	if (fstat(src, &st) < 0)
		return error_set_errno(err, "stat %s", what);
	while (pos < st.st_size) {
		off_t data = lseek(src, pos, SEEK_DATA), hole;

		if (data < 0 && errno == ENXIO)
			break; /* a hole to the end */
		if (data < 0) {
			/* No SEEK_DATA here: all of it is data. */
			data = pos;
			hole = st.st_size;
		} else {
			hole = lseek(src, data, SEEK_HOLE);
			if (hole < 0 || hole > st.st_size)
				hole = st.st_size;
		}
		if (copy_range(src, dst, data, hole, what, err) < 0)
			return -1;
		pos = hole;
	}
	if (ftruncate(dst, st.st_size) < 0)
		return error_set_errno(err, "size %s", what);
	return 0;
}

static int copy_dir(struct copy_ctx *c, int src, int dst, struct error **err);

static int copy_link_remember(struct copy_ctx *c, const struct stat *st,
			      struct error **err)
{
	struct copy_link *grown;

	grown = realloc(c->links.v, (c->links.n + 1) * sizeof(*grown));
	if (!grown)
		return error_set(err, ENOMEM, "out of memory");
	c->links.v = grown;
	grown[c->links.n].dev = st->st_dev;
	grown[c->links.n].ino = st->st_ino;
	grown[c->links.n].path = strdup(c->path);
	if (!grown[c->links.n].path)
		return error_set(err, ENOMEM, "out of memory");
	c->links.n++;
	return 0;
}

static int copy_entry(struct copy_ctx *c, int src, int dst, const char *name,
		      struct error **err)
{
	struct stat st;
	const char *what = c->path;

	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return error_set_errno(err, "stat %s", what);
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		for (size_t i = 0; i < c->links.n; i++)
			if (c->links.v[i].dev == st.st_dev &&
			    c->links.v[i].ino == st.st_ino) {
				if (linkat(c->dst_root, c->links.v[i].path, dst,
					   name, 0) < 0)
					return error_set_errno(err, "link %s",
							       what);
				return 0;
			}
		if (copy_link_remember(c, &st, err) < 0)
			return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		cleanup_close int s = -1, d = -1;

		if (++c->depth > COPY_MAX_DEPTH)
			return error_set(err, ELOOP, "%s: nested too deep",
					 what);
		if (mkdirat(dst, name, 0700) < 0)
			return error_set_errno(err, "mkdir %s", what);
		s = openat(src, name,
			   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(dst, name,
			   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return error_set_errno(err, "open %s", what);
		if (copy_dir(c, s, d, err) < 0)
			return -1;
		c->depth--;
		return copy_attrs(s, d, &st, what, err);
	}
	if (S_ISREG(st.st_mode)) {
		cleanup_close int s = -1, d = -1;

		s = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0)
			return error_set_errno(err, "open %s", what);
		d = openat(dst, name,
			   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			   0600);
		if (d < 0)
			return error_set_errno(err, "create %s", what);
		if (copy_data(s, d, what, err) < 0)
			return -1;
		return copy_attrs(s, d, &st, what, err);
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		struct timespec times[2] = {st.st_atim, st.st_mtim};
		ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);

		if (n < 0)
			return error_set_errno(err, "readlink %s", what);
		target[n] = '\0';
		if (symlinkat(target, dst, name) < 0 ||
		    fchownat(dst, name, st.st_uid, st.st_gid,
			     AT_SYMLINK_NOFOLLOW) < 0 ||
		    utimensat(dst, name, times, AT_SYMLINK_NOFOLLOW) < 0)
			return error_set_errno(err, "symlink %s", what);
		return 0;
	}
	/* Device nodes, FIFOs, sockets: the node itself. */
	if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0 ||
	    fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) <
		    0 ||
	    fchmodat(dst, name, st.st_mode & 07777, 0) < 0)
		return error_set_errno(err, "mknod %s", what);
	return 0;
}

static int copy_dir(struct copy_ctx *c, int src, int dst, struct error **err)
{
	int fd = dup(src);
	DIR *d;
	struct dirent *e;
	int r = 0;

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return error_set_errno(err, "read directory %s",
				       c->len ? c->path : "/");
	}
	while (r == 0 && (errno = 0, e = readdir(d)) != NULL) {
		size_t saved = c->len, add = strlen(e->d_name);

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (c->len + add + 2 > sizeof(c->path)) {
			r = error_set(err, ENAMETOOLONG, "%s/%s: too long",
				      c->path, e->d_name);
			break;
		}
		c->len += (size_t)sprintf(c->path + c->len, "%s%s",
					  c->len ? "/" : "", e->d_name);
		r = copy_entry(c, src, dst, e->d_name, err);
		c->len = saved;
		c->path[c->len] = '\0';
	}
	if (!r && errno)
		r = error_set_errno(err, "read directory %s", c->path);
	closedir(d);
	return r;
}

/* Copies the tree at src_path into the (empty) directory dst_fd. */
static int prepare_copy_tree(const char *src_path, int dst_fd,
			     struct error **err)
{
	struct copy_ctx c = {.dst_root = dst_fd};
	cleanup_close int src =
		open(src_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	int r;

	if (src < 0 || fstat(src, &st) < 0)
		return error_set_errno(err, "open %s", src_path);
	r = copy_dir(&c, src, dst_fd, err);
	if (r == 0)
		r = copy_attrs(src, dst_fd, &st, "/", err);
	for (size_t i = 0; i < c.links.n; i++)
		free(c.links.v[i].path);
	free(c.links.v);
	if (r < 0)
		return error_wrap(err, "copy %s", src_path);
	return 0;
}

/* ---- the pod directory */
static int prepare_mkdir(struct pod *p, const char *path, mode_t mode,
			 struct error **err)
{
	if (mkdirat(p->dirfd, path, mode) < 0 && errno != EEXIST)
		return error_set_errno(err, "mkdir %s/%s", p->path, path);
	return 0;
}

/*
 * overlay/<app>/{upper,work} and the empty mount point
 * stage1/shared/apps/<app>/rootfs; with --no-overlay, the copy there. The
 * upper dir takes the tree root's owner and mode: overlayfs shows the
 * upper dir's as the root's.
 */
static int prepare_app_dirs(struct pod *p, struct store *s, const char *app,
			    const char *tree, bool overlay, struct error **err)
{
	cleanup_free char *tree_path = store_tree_path(s, tree);
	char path[512];
	struct stat st;

	if (!tree_path)
		return error_set(err, ENOMEM, "out of memory");
	if (stat(tree_path, &st) < 0)
		return error_set_errno(err, "stat %s", tree_path);
	snprintf(path, sizeof(path), "stage1/shared/apps/%s", app);
	if (prepare_mkdir(p, path, 0755, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "stage1/shared/apps/%s/rootfs", app);
	if (prepare_mkdir(p, path, 0755, err) < 0)
		return -1;
	if (!overlay) {
		cleanup_close int fd =
			openat(p->dirfd, path,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (fd < 0)
			return error_set_errno(err, "open %s/%s", p->path,
					       path);
		return prepare_copy_tree(tree_path, fd, err);
	}
	snprintf(path, sizeof(path), "overlay/%s", app);
	if (prepare_mkdir(p, path, 0700, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "overlay/%s/work", app);
	if (prepare_mkdir(p, path, 0700, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "overlay/%s/upper", app);
	if (prepare_mkdir(p, path, 0755, err) < 0)
		return -1;
	if (fchownat(p->dirfd, path, st.st_uid, st.st_gid,
		     AT_SYMLINK_NOFOLLOW) < 0 ||
	    fchmodat(p->dirfd, path, st.st_mode & 07777, 0) < 0)
		return error_set_errno(err, "set owner and mode of %s/%s",
				       p->path, path);
	return 0;
}

static int prepare_volume_dirs(struct pod *p, const struct pod_plan *plan,
			       struct error **err)
{
	char path[512];

	if (prepare_mkdir(p, "stage1/shared/volumes", 0755, err) < 0)
		return -1;
	for (size_t i = 0; i < plan->nhost_volumes; i++) {
		const struct pod_plan_volume *v = &plan->host_volumes[i];

		snprintf(path, sizeof(path), "stage1/shared/volumes/%s",
			 v->name);
		if (v->is_dir) {
			if (prepare_mkdir(p, path, 0755, err) < 0)
				return -1;
		} else {
			/* A file volume is bound onto a file. */
			int fd = openat(p->dirfd, path,
					O_WRONLY | O_CREAT | O_EXCL |
						O_NOFOLLOW | O_CLOEXEC,
					0644);

			if (fd < 0)
				return error_set_errno(err, "create %s/%s",
						       p->path, path);
			close(fd);
		}
	}
	return 0;
}

static int prepare_write_json(struct pod *p, const char *name,
			      struct json_object *j, int flags,
			      struct error **err)
{
	size_t len;
	const char *s = json_object_to_json_string_length(j, flags, &len);
	cleanup_free char *buf = NULL;

	if (!s || asprintf(&buf, "%s\n", s) < 0)
		return error_set(err, ENOMEM, "out of memory");
	return pod_write_file(p, name, buf, len + 1, err);
}

/* ---- images */
struct prepare_images {
	struct pod_image *v;
	struct aci_manifest **manifests;
	char **ids;
	size_t n;
};

static void prepare_images_free(struct prepare_images *im)
{
	for (size_t i = 0; i < im->n; i++) {
		aci_manifest_free(im->manifests[i]);
		free(im->ids[i]);
	}
	free(im->v);
	free(im->manifests);
	free(im->ids);
}

/* A path to a local ACI rather than a name: say so when it is missing
 * instead of looking it up as a name. */
static bool prepare_looks_like_file(const char *ref)
{
	size_t n = strlen(ref);

	if (strstr(ref, "://") || !strncmp(ref, "oci:", 4) ||
	    !strncmp(ref, "oci-archive:", 12))
		return false;
	return ref[0] == '/' || !strncmp(ref, "./", 2) ||
	       !strncmp(ref, "../", 3) ||
	       (n > 4 && !strcmp(ref + n - 4, ".aci"));
}

/*
 * A name[:version] (not a path, URL, OCI reference or image ID) must be an
 * AC identifier; checked here so a bad one is refused before any lookup.
 */
static int prepare_check_name(const char *ref, struct error **err)
{
	char *name = NULL, *version = NULL;

	if (strchr(ref, '/') && access(ref, F_OK) == 0)
		return 0;
	if (strstr(ref, "://") || !strncmp(ref, "oci:", 4) ||
	    !strncmp(ref, "oci-archive:", 12) || !strncmp(ref, "file:", 5) ||
	    !strncmp(ref, "sha512-", 7) || !strncmp(ref, "sha256-", 7) ||
	    !strncmp(ref, "sha256:", 7) || !strncmp(ref, "sha512:", 7))
		return 0;
	/* On failure aci_ref_split has freed name and version itself. */
	if (aci_ref_split(ref, &name, &version, err) < 0)
		return -1;
	free(name);
	free(version);
	return 0;
}

/* Resolves, fetches (as the pull policy says), renders, reads manifests. */
static int prepare_resolve_images(struct store *s,
				  const struct global_options *g,
				  const struct run_options *o,
				  struct prepare_images *im, struct error **err)
{
	struct fetch_opts fo;

	image_cmd_fetch_opts(g, &fo);
	fo.pull = o->pull;
	im->v = calloc(o->napps, sizeof(*im->v));
	im->manifests = calloc(o->napps, sizeof(*im->manifests));
	im->ids = calloc(o->napps, sizeof(*im->ids));
	if (!im->v || !im->manifests || !im->ids)
		return error_set(err, ENOMEM, "out of memory");
	im->n = o->napps;
	for (size_t i = 0; i < o->napps; i++) {
		const char *ref = o->apps[i].image;
		struct store_image *img = NULL;
		int r;

		if (prepare_looks_like_file(ref) && access(ref, F_OK) < 0)
			return error_set_errno(err, "image %s", ref);
		if (prepare_check_name(ref, err) < 0)
			return error_wrap(err, "image %s", ref);
		if (fetch_image(s, ref, &fo, &im->ids[i], err) < 0)
			return error_wrap(err, "image %s", ref);
		if (render_image(s, im->ids[i], &fo.limits, err) < 0)
			return error_wrap(err, "render image %s", ref);
		if (store_image_get(s, im->ids[i], &img, err) < 0)
			return error_wrap(err, "image %s", ref);
		r = aci_manifest_parse(img->manifest, strlen(img->manifest),
				       &im->manifests[i], err);
		store_image_free(img);
		if (r < 0)
			return error_wrap(err, "image %s: manifest", ref);
		im->v[i] = (struct pod_image){
			.id = im->ids[i],
			.tree = im->ids[i], /* cas/trees/<image ID> */
			.manifest = im->manifests[i],
		};
		log_debug("prepare: %s is %s", ref, im->ids[i]);
	}
	return 0;
}

int pod_prepare(const struct global_options *g, const struct run_options *o,
		struct pod *p, struct error **err)
{
	struct global_options gg = *g;
	cleanup_store struct store *s = NULL;
	struct prepare_images im = {0};
	struct pod_plan plan = {0};
	struct timespec now;
	char created[64];
	int r = -1;

	gg.insecure |= o->insecure;
	if (pod_move(p, POD_PREPARE, err) < 0)
		return -1;
	if (image_cmd_open_store(&gg, false, &s, err) < 0 ||
	    prepare_resolve_images(s, &gg, o, &im, err) < 0)
		goto out;
	clock_gettime(CLOCK_REALTIME, &now);
	pod_time_format_rfc3339(&now, created, sizeof(created));
	{
		struct pod_plan_input in = {
			.o = o,
			.insecure = gg.insecure,
			.images = im.v,
			.uuid = p->uuid,
			.created = created,
			.host_env = (const char *const *)environ,
		};

		if (pod_plan_build(&in, &plan, err) < 0)
			goto out;
	}
	if (prepare_write_json(p, "pod", plan.manifest,
			       JSON_C_TO_STRING_PRETTY |
				       JSON_C_TO_STRING_SPACED |
				       JSON_C_TO_STRING_NOSLASHESCAPE,
			       err) < 0 ||
	    prepare_write_json(p, "runtime.json", plan.runtime,
			       JSON_C_TO_STRING_PLAIN |
				       JSON_C_TO_STRING_NOSLASHESCAPE,
			       err) < 0 ||
	    prepare_write_json(p, "stage0.json", plan.stage0,
			       JSON_C_TO_STRING_PRETTY |
				       JSON_C_TO_STRING_SPACED |
				       JSON_C_TO_STRING_NOSLASHESCAPE,
			       err) < 0)
		goto out;
	if (prepare_mkdir(p, "overlay", 0700, err) < 0 ||
	    prepare_mkdir(p, "stage1", 0755, err) < 0 ||
	    prepare_mkdir(p, "stage1/shared", 0755, err) < 0 ||
	    prepare_mkdir(p, "stage1/shared/apps", 0755, err) < 0 ||
	    prepare_volume_dirs(p, &plan, err) < 0)
		goto out;
	for (size_t i = 0; i < plan.napps; i++)
		if (prepare_app_dirs(p, s, plan.app_names[i], im.v[i].tree,
				     !o->no_overlay, err) < 0) {
			error_wrap(err, "app %s", plan.app_names[i]);
			goto out;
		}
	if (audit_pod_prepared(s, p, err) < 0) /* unrecorded: not run */
		goto out;
	r = 0;
out:
	pod_plan_free(&plan);
	prepare_images_free(&im);
	if (r < 0)
		error_wrap(err, "prepare pod %s", p->uuid);
	return r;
}

int run_options_save_uuid(const struct run_options *o, const struct pod *p,
			  struct error **err)
{
	cleanup_close int fd = -1;
	size_t len = strlen(p->uuid);

	if (!o->uuid_file_save)
		return 0;
	/* As rkt: the bare UUID, no newline. */
	fd = open(o->uuid_file_save, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  0644);
	if (fd < 0)
		return error_set_errno(err, "--uuid-file-save %s",
				       o->uuid_file_save);
	if (write(fd, p->uuid, len) != (ssize_t)len || close(steal_fd(&fd)))
		return error_set_errno(err, "--uuid-file-save: write %s",
				       o->uuid_file_save);
	return 0;
}

int pod_prepare_discard(struct pod *p, struct error **err)
{
	cleanup_error struct error *cleanup_err = NULL;

	/* Preparation mounts nothing, but a half-run pod may have. */
	if (pod_cleanup(p, &cleanup_err) < 0)
		log_warn("discard pod %s: %s", p->uuid, cleanup_err->message);
	if (p->state != POD_GARBAGE && pod_move(p, POD_GARBAGE, err) < 0)
		return error_wrap(err, "discard pod %s", p->uuid);
	if (beneath_remove_tree(AT_FDCWD, p->path) < 0)
		return error_set_errno(err, "discard pod %s: remove %s",
				       p->uuid, p->path);
	return 0;
}
