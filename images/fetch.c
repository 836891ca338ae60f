// SPDX-License-Identifier: Apache-2.0
#include "images/fetch.h"
#include "images/aci.h"
#include "images/discovery.h"
#include "images/fetch_deps.h"
#include "images/http.h"
#include "images/oci.h"
#include "images/oci_layout.h"
#include "images/registry.h"
#include "images/render.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ACI_MEDIA_TYPE "application/vnd.appc.image+tar"

int fetch_split_tag(const char *s, char **path, char **tag, struct error **err)
{
	const char *colon = strrchr(s, ':');

	*tag = NULL;
	if (colon && !strchr(colon, '/')) {
		*path = strndup(s, (size_t)(colon - s));
		*tag = strdup(colon + 1);
	} else {
		*path = strdup(s);
	}
	if (!*path || (colon && !strchr(colon, '/') && !*tag))
		return error_set(err, ENOMEM, "out of memory");
	if (!**path || (*tag && !**tag))
		return error_set(err, EINVAL, "\"%s\": empty path or tag", s);
	return 0;
}

/* Adds to "signed by key K, which is not trusted for NAME" what to do. */
static void fetch_untrusted_advice(struct error **err, const char *name,
				   const struct fetch_opts *o)
{
	char *msg = NULL;
	int n;

	if (o->discovered && o->insecure_pubkey)
		n = asprintf(&msg,
			     "%s (nor by the keys its discovery "
			     "advertises); if you trust it, run 'cocoon "
			     "trust --prefix=%s KEYFILE'",
			     (*err)->message, name);
	else if (o->discovered)
		n = asprintf(&msg,
			     "%s; if you trust its publisher, run 'cocoon "
			     "trust --prefix=%s' to discover its keys and "
			     "review them (or fetch with "
			     "--insecure-options=pubkey to trust them "
			     "unreviewed)",
			     (*err)->message, name);
	else
		n = asprintf(&msg,
			     "%s; if you trust it, run 'cocoon trust "
			     "--prefix=%s KEYFILE'",
			     (*err)->message, name);
	if (n < 0)
		return;
	free((*err)->message);
	(*err)->message = msg;
}

int fetch_aci_fd(struct store *s, int fd, int sig_fd, const char *source,
		 const struct fetch_opts *o, char **id, struct error **err)
{
	struct aci_pending p;
	cleanup_free char *fpr = NULL;
	struct render_layer *layers = NULL;
	size_t nlayers = 0, i;
	uint64_t size;
	int tree, r = -1;

	if (aci_import_begin(s, fd, o->limits.max_bytes, &p, err) < 0)
		return -1;
	if (o->expect_name && strcmp(o->expect_name, p.manifest->name)) {
		error_set(err, EINVAL,
			  "the image found is named %s, not %s as asked",
			  p.manifest->name, o->expect_name);
		goto out;
	}
	if (!o->insecure_image) {
		if (sig_fd < 0) {
			error_set(err, EKEYREJECTED,
				  "image %s is not signed (no signature file "
				  "beside it); fetch with "
				  "--insecure-options=image to skip "
				  "verification",
				  p.manifest->name);
			goto out;
		}
		if (trust_verify(&o->roots, p.manifest->name, fd, sig_fd, &fpr,
				 err) < 0) {
			if ((*err)->code == ENOKEY)
				fetch_untrusted_advice(err, p.manifest->name,
						       o);
			error_wrap(err, "verify %s (%s)", p.manifest->name,
				   p.id);
			goto out;
		}
		if (o->progress)
			fprintf(stderr, "signature of %s verified: key %s\n",
				p.manifest->name, fpr);
	} else {
		log_warn("image %s: signature verification skipped "
			 "(--insecure-options=image)",
			 p.manifest->name);
	}
	size = p.blob.size;
	if (aci_import_commit(&p, err) < 0)
		goto out;
	tree = store_tree_open(s, p.id, NULL);
	if (tree >= 0) {
		close(tree);
	} else {
		if (fetch_deps(s, p.manifest, o, err) < 0 ||
		    render_aci_chain(s, p.manifest, p.digest, &layers, &nlayers,
				     err) < 0 ||
		    render_layers(s, p.id, layers, nlayers, p.manifest,
				  &o->limits, err) < 0)
			goto out;
	}
	{
		struct store_label *labels =
			calloc(p.manifest->nlabels + 1, sizeof(*labels));
		struct store_blob_ref ref = {p.digest, "aci", ACI_MEDIA_TYPE,
					     size};
		struct store_image img = {
			.id = p.id,
			.name = (char *)p.manifest->name,
			.type = (char *)"aci",
			.manifest = (char *)aci_manifest_json(p.manifest),
			.key = fpr,
			.source = (char *)source,
			.size = size,
			.has_tree = true,
		};

		if (!labels) {
			error_set(err, ENOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < p.manifest->nlabels; i++)
			labels[i] = (struct store_label){
				p.manifest->labels[i].name,
				p.manifest->labels[i].value};
		r = store_image_add(s, &img, labels, p.manifest->nlabels, &ref,
				    1, err);
		free(labels);
		if (r < 0)
			goto out;
	}
	*id = strdup(p.id);
	r = *id ? 0 : error_set(err, ENOMEM, "out of memory");
out:
	render_layers_free(layers, nlayers);
	aci_import_abort(&p);
	return r;
}

static int fetch_aci_file(struct store *s, const char *path, const char *source,
			  const struct fetch_opts *o, char **id,
			  struct error **err)
{
	cleanup_close int fd = -1, sig = -1;
	cleanup_free char *sigpath = NULL;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "open %s", path);
	if (asprintf(&sigpath, "%s.asc", path) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (!o->insecure_image) {
		sig = open(sigpath, O_RDONLY | O_CLOEXEC);
		if (sig < 0 && errno != ENOENT)
			return error_set_errno(err, "open %s", sigpath);
	}
	if (o->progress)
		fprintf(stderr, "importing %s\n", path);
	return fetch_aci_fd(s, fd, sig, source, o, id, err);
}

static int fetch_oci(struct store *s, const char *ref, bool archive,
		     const struct fetch_opts *o, char **id, struct error **err)
{
	cleanup_free char *path = NULL, *tag = NULL, *name = NULL;
	cleanup_close int fd = -1;
	struct oci_import_opts io = {0};
	const char *base;

	if (!o->insecure_image)
		return error_set(err, EKEYREJECTED,
				 "%s: OCI images cannot be signed; fetching "
				 "them needs --insecure-options=image",
				 ref);
	if (fetch_split_tag(ref + (archive ? 12 : 4), &path, &tag, err) < 0)
		return -1;
	base = strrchr(path, '/');
	base = base && base[1] ? base + 1 : path;
	name = oci_sanitize_name(base);
	if (!name)
		return error_set(err, ENOMEM, "out of memory");
	if (archive) {
		char *dot = strstr(name, ".tar");

		if (dot && dot != name)
			*dot = '\0';
	}
	io.tag = tag;
	io.name = name;
	io.source = ref;
	io.limits = o->limits;
	fd = open(path,
		  (archive ? O_RDONLY : O_PATH | O_DIRECTORY) | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "open %s", path);
	if (o->progress)
		fprintf(stderr, "importing %s\n", ref);
	if (archive)
		return oci_archive_import(s, fd, &io, id, err);
	return oci_layout_import(s, fd, &io, id, err);
}

int fetch_image(struct store *s, const char *source, const struct fetch_opts *o,
		char **id, struct error **err)
{
	struct stat st;
	int r;

	if (!strncmp(source, "oci:", 4))
		r = fetch_oci(s, source, false, o, id, err);
	else if (!strncmp(source, "oci-archive:", 12))
		r = fetch_oci(s, source, true, o, id, err);
	else if (!strncmp(source, "docker://", 9))
		r = registry_fetch(s, source, o, id, err);
	else if (!strncmp(source, "http://", 7) ||
		 !strncmp(source, "https://", 8))
		r = http_fetch_aci(s, source, o, id, err);
	else if (!strncmp(source, "file://", 7))
		r = fetch_aci_file(s, source + 7, source, o, id, err);
	else if (strchr(source, '/') && stat(source, &st) == 0)
		r = fetch_aci_file(s, source, source, o, id, err);
	else if (strstr(source, ".aci") && stat(source, &st) == 0)
		r = fetch_aci_file(s, source, source, o, id, err);
	else {
		/* An ID or a name: the store first, then discovery. */
		cleanup_error struct error *lookup = NULL;

		r = store_image_resolve(s, source, id, &lookup);
		if (r == 0 && o->pull != PULL_UPDATE) {
			store_image_touch(s, *id);
			return 0;
		}
		if (r < 0 && lookup->code != ENOENT) {
			*err = steal_pointer(&lookup);
			return -1;
		}
		if (o->pull == PULL_NEVER)
			return error_set(err, ENOENT,
					 "%s is not in the store and "
					 "--pull-policy=never",
					 source);
		free(*id);
		*id = NULL;
		{
			cleanup_free char *name = NULL, *version = NULL;

			if (aci_ref_split(source, &name, &version, err) < 0)
				return -1;
			r = discovery_fetch(s, name, version, o, id, err);
		}
	}
	if (r < 0)
		return error_wrap(err, "%s", source);
	return 0;
}
