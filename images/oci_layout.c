// SPDX-License-Identifier: Apache-2.0
#include "images/oci_layout.h"
#include "images/aci_manifest.h"
#include "images/beneath.h"
#include "images/oci.h"
#include "images/render.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads a small file (index.json, manifest, config) beneath the layout. */
static int layout_read(int layout_fd, const char *path, char **buf, size_t *len,
		       struct error **err)
{
	cleanup_close int fd =
		beneath_open(layout_fd, path, O_RDONLY | O_NOFOLLOW);
	struct stat st;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st) < 0)
		return error_set_errno(err, "open %s", path);
	if (!S_ISREG(st.st_mode) || st.st_size > OCI_JSON_MAX_BYTES)
		return error_set(err, EINVAL,
				 "%s: not a file of at most %u bytes", path,
				 OCI_JSON_MAX_BYTES);
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf)
		return error_set(err, ENOMEM, "out of memory");
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + got, (size_t)st.st_size - got);

		if (n <= 0) {
			free(*buf);
			*buf = NULL;
			return error_set_errno(err, "read %s", path);
		}
		got += (size_t)n;
	}
	(*buf)[got] = '\0';
	*len = got;
	return 0;
}

static void blob_path(const struct oci_descriptor *d, char *out, size_t size)
{
	/* digest is "algo:hex", checked by descriptor parsing. */
	snprintf(out, size, "blobs/%.6s/%s", d->digest, d->digest + 7);
}

int oci_check_digest(const struct oci_descriptor *d, const char *buf,
		     size_t len, struct error **err)
{
	struct digest_ctx ctx;
	enum digest_algo algo;
	char hex[DIGEST_MAX_HEX + 1], want[DIGEST_MAX_HEX + 1];

	if (digest_parse(d->digest, &algo, want) < 0)
		return error_set(err, EINVAL, "invalid digest %s", d->digest);
	digest_init(&ctx, algo);
	digest_update(&ctx, buf, len);
	digest_final_hex(&ctx, hex);
	if (strcmp(hex, want) || (int64_t)len != d->size)
		return error_set(err, EBADMSG,
				 "blob %s: digest or size mismatch", d->digest);
	return 0;
}

/* Reads a JSON blob and checks it against its descriptor. */
static int layout_read_blob(int layout_fd, const struct oci_descriptor *d,
			    char **buf, size_t *len, struct error **err)
{
	char path[DIGEST_STRING_MAX + 16];

	blob_path(d, path, sizeof(path));
	if (layout_read(layout_fd, path, buf, len, err) < 0)
		return -1;
	if (oci_check_digest(d, *buf, *len, err) < 0) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	return 0;
}

static int store_bytes(struct store *s, const struct oci_descriptor *d,
		       const char *buf, size_t len, struct error **err)
{
	struct blob_writer w;
	char got[DIGEST_STRING_MAX];

	if (store_blob_exists(s, d->digest))
		return 0;
	if (store_blob_begin(s, DIGEST_SHA256, 0, &w, err) < 0 ||
	    store_blob_write(&w, buf, len, err) < 0) {
		store_blob_abort(&w);
		return -1;
	}
	return store_blob_commit(&w, d->digest, got, err);
}

/* Copies a layer into the store unless it is there (layer dedupe). */
static int copy_layer(struct store *s, int layout_fd,
		      const struct oci_descriptor *d, uint64_t max,
		      struct error **err)
{
	char path[DIGEST_STRING_MAX + 16], got[DIGEST_STRING_MAX];
	cleanup_close int fd = -1;
	struct blob_writer w;
	char buf[65536];
	ssize_t n;

	if (store_blob_exists(s, d->digest)) {
		log_debug("layer %s already in the store", d->digest);
		return 0;
	}
	if ((uint64_t)d->size > max)
		return error_set(err, EFBIG, "layer %s larger than the limit",
				 d->digest);
	blob_path(d, path, sizeof(path));
	fd = beneath_open(layout_fd, path, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return error_set_errno(err, "open %s", path);
	if (store_blob_begin(s, DIGEST_SHA256, (uint64_t)d->size, &w, err) < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (store_blob_write(&w, buf, (size_t)n, err) < 0) {
			store_blob_abort(&w);
			return error_wrap(err, "layer %s", d->digest);
		}
	if (n < 0 || w.size != (uint64_t)d->size) {
		store_blob_abort(&w);
		return error_set(err, EBADMSG, "layer %s: size mismatch",
				 d->digest);
	}
	return store_blob_commit(&w, d->digest, got, err);
}

int oci_resolve_exec(struct json_object *manifest, int root_fd,
		     struct error **err)
{
	static const char default_path[] =
		"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	struct json_object *app, *exec, *env;
	const char *cmd, *path = default_path;
	char dirs[4096], cand[PATH_MAX];
	char *save = NULL;

	if (!json_object_object_get_ex(manifest, "app", &app) ||
	    !json_object_object_get_ex(app, "exec", &exec) ||
	    !json_object_array_length(exec))
		return 0;
	cmd = json_object_get_string(json_object_array_get_idx(exec, 0));
	if (cmd[0] == '/')
		return 0;
	if (strchr(cmd, '/')) {
		snprintf(cand, sizeof(cand), "/%s", cmd);
		goto found;
	}
	if (json_object_object_get_ex(app, "environment", &env))
		for (size_t i = 0; i < json_object_array_length(env); i++) {
			struct json_object *e =
				json_object_array_get_idx(env, i);
			struct json_object *n, *v;

			if (json_object_object_get_ex(e, "name", &n) &&
			    json_object_object_get_ex(e, "value", &v) &&
			    !strcmp(json_object_get_string(n), "PATH"))
				path = json_object_get_string(v);
		}
	snprintf(dirs, sizeof(dirs), "%s", path);
	for (char *d = strtok_r(dirs, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		struct stat st;
		int fd;

		if (d[0] != '/')
			continue;
		snprintf(cand, sizeof(cand), "%s/%s", d, cmd);
		/* Resolved inside the tree: symlinks such as busybox's stay
		 * in it. */
		fd = beneath_open(root_fd, cand + 1, O_PATH);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 0111)) {
			close(fd);
			goto found;
		}
		close(fd);
	}
	return error_set(err, ENOENT,
			 "exec \"%s\" not found in the image's PATH", cmd);
found:
	json_object_array_put_idx(exec, 0, json_object_new_string(cand));
	return 0;
}

static int layout_read_json(void *ctx, const struct oci_descriptor *d,
			    char **buf, size_t *len, struct error **err)
{
	return layout_read_blob(*(int *)ctx, d, buf, len, err);
}

static int layout_store_layer(void *ctx, struct store *s,
			      const struct oci_descriptor *d, uint64_t max,
			      struct error **err)
{
	return copy_layer(s, *(int *)ctx, d, max, err);
}

static const struct oci_source_ops layout_ops = {
	.read_json = layout_read_json,
	.store_layer = layout_store_layer,
};

int oci_import_from(struct store *s, const struct oci_source_ops *ops,
		    void *ctx, const struct oci_descriptor *top,
		    const struct oci_import_opts *o, char **id,
		    struct error **err)
{
	cleanup_free char *mbuf = NULL, *cbuf = NULL;
	cleanup_free struct oci_manifest *m = NULL;
	struct oci_descriptor desc = *top;
	struct store_blob_ref refs[2 + OCI_MAX_LAYERS];
	struct render_layer layers[OCI_MAX_LAYERS];
	struct json_object *appc = NULL;
	struct aci_manifest *am = NULL;
	size_t mlen, clen, i;
	enum oci_kind kind;
	char idbuf[STORE_ID_MAX + 8];
	cleanup_close int root = -1;
	int depth, r = -1;

	/* Nested indexes (a multi-platform image under a tag). */
	for (depth = 0;; depth++) {
		if (oci_media_kind(desc.media_type, &kind) < 0 ||
		    kind == OCI_KIND_LAYER)
			return error_set(err, EINVAL,
					 "unsupported media type %s",
					 desc.media_type);
		if (ops->read_json(ctx, &desc, &mbuf, &mlen, err) < 0)
			return -1;
		if (kind == OCI_KIND_MANIFEST)
			break;
		if (depth > 4)
			return error_set(err, ELOOP, "indexes nested too deep");
		if (oci_index_select(mbuf, mlen, NULL, &desc, err) < 0)
			return -1;
		free(mbuf);
		mbuf = NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return error_set(err, ENOMEM, "out of memory");
	if (oci_manifest_parse(mbuf, mlen, m, err) < 0 ||
	    ops->read_json(ctx, &m->config, &cbuf, &clen, err) < 0 ||
	    oci_config_to_appc(cbuf, clen, o->name, o->tag ? o->tag : "latest",
			       &appc, err) < 0)
		return -1;
	snprintf(idbuf, sizeof(idbuf), "sha256-%s", desc.digest + 7);

	if (store_bytes(s, &desc, mbuf, mlen, err) < 0 ||
	    store_bytes(s, &m->config, cbuf, clen, err) < 0)
		goto out;
	refs[0] = (struct store_blob_ref){desc.digest, "manifest",
					  desc.media_type, (uint64_t)mlen};
	refs[1] = (struct store_blob_ref){m->config.digest, "config",
					  m->config.media_type, (uint64_t)clen};
	for (i = 0; i < m->nlayers; i++) {
		if (store_blob_exists(s, m->layers[i].digest)) {
			log_debug("layer %s already in the store",
				  m->layers[i].digest);
		} else if (ops->store_layer(ctx, s, &m->layers[i],
					    o->limits.max_bytes, err) < 0) {
			goto out;
		}
		refs[2 + i] = (struct store_blob_ref){
			m->layers[i].digest, "layer", m->layers[i].media_type,
			(uint64_t)m->layers[i].size};
		layers[i] = (struct render_layer){m->layers[i].digest, false};
	}
	root = store_tree_open(s, idbuf, NULL);
	if (root < 0) {
		if (render_layers(s, idbuf, layers, m->nlayers, NULL,
				  &o->limits, err) < 0)
			goto out;
		root = store_tree_open(s, idbuf, err);
		if (root < 0)
			goto out;
	}
	if (oci_resolve_exec(appc, root, err) < 0)
		goto out;
	if (aci_manifest_from_json(appc, &am, err) < 0) {
		appc = NULL;
		error_wrap(err, "converted manifest");
		goto out;
	}
	appc = NULL;
	{
		uint64_t size = mlen + clen;
		struct store_label labels[16];
		size_t nl = 0;

		for (i = 0; i < m->nlayers; i++)
			size += (uint64_t)m->layers[i].size;
		for (i = 0; i < am->nlabels && nl < ARRAY_SIZE(labels); i++)
			labels[nl++] = (struct store_label){
				am->labels[i].name, am->labels[i].value};
		struct store_image img = {
			.id = idbuf,
			.name = (char *)am->name,
			.type = (char *)"oci",
			.manifest = (char *)aci_manifest_json(am),
			.source = (char *)o->source,
			.size = size,
			.has_tree = true,
		};
		if (store_image_add(s, &img, labels, nl, refs, 2 + m->nlayers,
				    err) < 0)
			goto out;
	}
	*id = strdup(idbuf);
	r = *id ? 0 : error_set(err, ENOMEM, "out of memory");
out:
	json_object_put(appc);
	aci_manifest_free(am);
	return r;
}

int oci_layout_import(struct store *s, int layout_fd,
		      const struct oci_import_opts *o, char **id,
		      struct error **err)
{
	cleanup_free char *index = NULL;
	struct oci_descriptor desc;
	size_t ilen;

	if (layout_read(layout_fd, "index.json", &index, &ilen, err) < 0 ||
	    oci_index_select(index, ilen, o->tag, &desc, err) < 0)
		return -1;
	return oci_import_from(s, &layout_ops, &layout_fd, &desc, o, id, err);
}

int oci_archive_import(struct store *s, int archive_fd,
		       const struct oci_import_opts *o, char **id,
		       struct error **err)
{
	struct store_tmpdir t;
	struct extract_opts eo;
	struct extract_usage usage = {0};
	int r;

	if (store_tmpdir_create(s, &t, err) < 0)
		return -1;
	extract_opts_default(&eo);
	eo.limits = o->limits;
	eo.as_root =
		false; /* a layout has no owners or devices worth keeping */
	r = extract_fd(archive_fd, t.fd, &eo, &usage, err);
	if (r < 0)
		error_wrap(err, "unpack OCI archive");
	else
		r = oci_layout_import(s, t.fd, o, id, err);
	store_tmpdir_remove(s, &t);
	return r;
}
