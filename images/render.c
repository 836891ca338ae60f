// SPDX-License-Identifier: Apache-2.0
#include "images/render.h"
#include "images/beneath.h"
#include "images/pathset.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Dependency chains deeper than this are refused (and catch cycles). */
#define RENDER_MAX_DEPTH 16

void render_layers_free(struct render_layer *layers, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)layers[i].digest);
	free(layers);
}

static int layers_push(struct render_layer **layers, size_t *n,
		       const char *digest, bool aci, struct error **err)
{
	void *nl = realloc(*layers, (*n + 1) * sizeof(**layers));

	if (!nl)
		return error_set(err, ENOMEM, "out of memory");
	*layers = nl;
	(*layers)[*n].digest = strdup(digest);
	(*layers)[*n].aci = aci;
	if (!(*layers)[*n].digest)
		return error_set(err, ENOMEM, "out of memory");
	(*n)++;
	return 0;
}

static int chain_collect(struct store *s, const struct aci_manifest *m,
			 int depth, struct render_layer **layers, size_t *n,
			 struct error **err)
{
	if (depth > RENDER_MAX_DEPTH)
		return error_set(err, ELOOP,
				 "dependencies nested deeper than %d",
				 RENDER_MAX_DEPTH);
	for (size_t i = 0; i < m->ndeps; i++) {
		const struct aci_dependency *d = &m->deps[i];
		cleanup_free char *id = NULL;
		struct store_image *img = NULL;
		struct aci_manifest *dm = NULL;
		struct store_label *want = NULL;
		char digest[DIGEST_STRING_MAX];
		int r;

		if (d->image_id) {
			if (store_image_resolve(s, d->image_id, &id, err) < 0)
				return error_wrap(err, "dependency %s",
						  d->image_name);
		} else {
			want = calloc(d->nlabels ? d->nlabels : 1,
				      sizeof(*want));
			if (!want)
				return error_set(err, ENOMEM, "out of memory");
			for (size_t j = 0; j < d->nlabels; j++) {
				want[j].name = d->labels[j].name;
				want[j].value = d->labels[j].value;
			}
			r = store_image_find(s, d->image_name, want, d->nlabels,
					     &id, err);
			free(want);
			if (r < 0)
				return -1;
			if (!id)
				return error_set(err, ENOENT,
						 "dependency %s is not in the "
						 "store: fetch it first",
						 d->image_name);
		}
		if (store_image_get(s, id, &img, err) < 0)
			return error_wrap(err, "dependency %s", d->image_name);
		if (strcmp(img->type, "aci")) {
			store_image_free(img);
			return error_set(err, EINVAL,
					 "dependency %s is not an ACI",
					 d->image_name);
		}
		r = aci_manifest_parse(img->manifest, strlen(img->manifest),
				       &dm, err);
		store_image_free(img);
		if (r < 0)
			return error_wrap(err, "dependency %s", d->image_name);
		r = chain_collect(s, dm, depth + 1, layers, n, err);
		aci_manifest_free(dm);
		if (r < 0)
			return -1;
		/* An ACI's ID is the digest of its blob. */
		snprintf(digest, sizeof(digest), "sha512:%s", id + 7);
		if (layers_push(layers, n, digest, true, err) < 0)
			return -1;
	}
	return 0;
}

int render_aci_chain(struct store *s, const struct aci_manifest *m,
		     const char *digest, struct render_layer **layers,
		     size_t *n, struct error **err)
{
	*layers = NULL;
	*n = 0;
	if (chain_collect(s, m, 0, layers, n, err) < 0 ||
	    layers_push(layers, n, digest, true, err) < 0) {
		render_layers_free(*layers, *n);
		*layers = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

struct whitelist_walk {
	struct pathset keep;
	char path[PATH_MAX];
};

static int whitelist_dir(struct whitelist_walk *w, int dir_fd,
			 struct error **err)
{
	DIR *d;
	struct dirent *de;
	size_t len = strlen(w->path);
	int fd, r = 0;

	fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return error_set_errno(err, "whitelist: read %s", w->path);
	}
	while (!r && (de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (len + 1 + strlen(de->d_name) >= sizeof(w->path)) {
			r = error_set(err, ENAMETOOLONG, "whitelist: path");
			break;
		}
		snprintf(w->path + len, sizeof(w->path) - len, "/%s",
			 de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name,
					 O_PATH | O_DIRECTORY | O_NOFOLLOW |
						 O_CLOEXEC);

			if (sub >= 0) {
				r = whitelist_dir(w, sub, err);
				close(sub);
			}
		} else if (!pathset_contains(&w->keep, w->path) &&
			   unlinkat(dirfd(d), de->d_name, 0) < 0) {
			r = error_set_errno(err, "whitelist: remove %s",
					    w->path);
		}
		w->path[len] = '\0';
	}
	closedir(d);
	return r;
}

int render_apply_whitelist(int root_fd, const char *const *paths, size_t n,
			   struct error **err)
{
	struct whitelist_walk *w;
	int r = 0;

	if (!n)
		return 0;
	w = calloc(1, sizeof(*w));
	if (!w)
		return error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n && !r; i++)
		if (pathset_add(&w->keep, paths[i]) < 0)
			r = error_set(err, ENOMEM, "out of memory");
	if (!r)
		r = whitelist_dir(w, root_fd, err);
	pathset_free(&w->keep);
	free(w);
	return r;
}

int render_layers(struct store *s, const char *id,
		  const struct render_layer *layers, size_t n,
		  const struct aci_manifest *top,
		  const struct extract_limits *lim, struct error **err)
{
	struct store_tmpdir t;
	struct extract_usage usage = {0};
	cleanup_close int root = -1;
	size_t i;

	if (store_tmpdir_create(s, &t, err) < 0)
		return error_wrap(err, "render %s", id);
	if (mkdirat(t.fd, "rootfs", 0755) < 0 ||
	    (root = openat(t.fd, "rootfs",
			   O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) <
		    0) {
		error_set_errno(err, "render %s: create rootfs", id);
		goto fail;
	}
	for (i = 0; i < n; i++) {
		struct extract_opts o;
		cleanup_close int fd = -1;

		extract_opts_default(&o);
		o.limits = *lim;
		if (layers[i].aci) {
			o.strip_prefix = "rootfs";
			o.refuse_duplicates = true;
		} else {
			o.whiteouts = true;
			o.relative_absolute = true;
		}
		fd = store_blob_open(s, layers[i].digest, err);
		if (fd < 0 || extract_fd(fd, root, &o, &usage, err) < 0) {
			/* IDs shortened as `image list` shows them. */
			if (n > 1)
				error_wrap(err, "layer %.19s",
					   layers[i].digest);
			error_wrap(err, "render %.19s", id);
			goto fail;
		}
	}
	if (top && render_apply_whitelist(root, top->path_whitelist,
					  top->nwhitelist, err) < 0) {
		error_wrap(err, "render %s", id);
		goto fail;
	}
	if (store_tree_commit(s, &t, id, err) < 0)
		goto fail;
	log_debug("rendered %s: %zu layers, %llu entries, %llu bytes", id, n,
		  (unsigned long long)usage.entries,
		  (unsigned long long)usage.bytes);
	return 0;
fail:
	store_tmpdir_remove(s, &t);
	return -1;
}

int render_image(struct store *s, const char *id,
		 const struct extract_limits *lim, struct error **err)
{
	struct store_image *img = NULL;
	struct aci_manifest *m = NULL;
	struct render_layer *layers = NULL;
	struct store_blob_ref *refs = NULL;
	struct extract_opts defaults;
	size_t n = 0, nrefs = 0;
	int fd, r = -1;

	if (!lim) {
		extract_opts_default(&defaults);
		lim = &defaults.limits;
	}
	fd = store_tree_open(s, id, NULL);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (store_image_get(s, id, &img, err) < 0)
		return -1;
	if (aci_manifest_parse(img->manifest, strlen(img->manifest), &m, err) <
	    0)
		goto out;
	if (store_image_blobs(s, id, &refs, &nrefs, err) < 0)
		goto out;
	if (!strcmp(img->type, "aci")) {
		if (!nrefs || render_aci_chain(s, m, refs[0].digest, &layers,
					       &n, err) < 0) {
			error_set(err, EINVAL, "image %s has no ACI blob", id);
			goto out;
		}
	} else {
		for (size_t i = 0; i < nrefs; i++)
			if (!strcmp(refs[i].role, "layer") &&
			    layers_push(&layers, &n, refs[i].digest, false,
					err) < 0)
				goto out;
	}
	if (render_layers(s, id, layers, n, m, lim, err) < 0)
		goto out;
	img->has_tree = true;
	{
		/* Record the tree: rewrite the same rows in one transaction. */
		struct store_label *labels = NULL;
		size_t nl = 0;

		if (store_image_labels(s, id, &labels, &nl, err) < 0)
			goto out;
		r = store_image_add(s, img, labels, nl, refs, nrefs, err);
		store_labels_free(labels, nl);
	}
out:
	render_layers_free(layers, n);
	store_blob_refs_free(refs, nrefs);
	aci_manifest_free(m);
	store_image_free(img);
	return r;
}
