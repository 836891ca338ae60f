// SPDX-License-Identifier: Apache-2.0
/* ListImages and InspectImage: see api_images.h. */
#include "stage0/api_images.h"
#include "images/store_ro.h"
#include "common/cleanup.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

struct api_images_ctx {
	struct store *store;
	const struct api_image_filter *filter;
	bool detail;
	struct json_object *arr;
	struct error *err;
};

static struct json_object *api_kv_array(const struct api_kv *kv, size_t n)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "name",
				       json_object_new_string(kv[i].name));
		json_object_object_add(o, "value",
				       json_object_new_string(kv[i].value));
		json_object_array_add(a, o);
	}
	return a;
}

/* The manifest's annotations, borrowed from m (which must outlive them). */
static size_t api_image_annotations(struct json_object *m, struct api_kv *out,
				    size_t max)
{
	struct json_object *a, *n, *v;
	size_t count = 0;

	if (!m || !json_object_object_get_ex(m, "annotations", &a) ||
	    !json_object_is_type(a, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(a) && count < max;
	     i++) {
		struct json_object *e = json_object_array_get_idx(a, i);

		if (!json_object_object_get_ex(e, "name", &n) ||
		    !json_object_object_get_ex(e, "value", &v) ||
		    !json_object_is_type(n, json_type_string) ||
		    !json_object_is_type(v, json_type_string))
			continue;
		out[count++] =
			(struct api_kv){(char *)json_object_get_string(n),
					(char *)json_object_get_string(v)};
	}
	return count;
}

/* One image as JSON when it matches the filter; *o = NULL when not. */
static int api_image_json(struct store *s, const struct store_image *img,
			  const struct api_image_filter *f, bool detail,
			  struct json_object **o, struct error **err)
{
	enum { MAX = 256 };
	struct api_kv labels[MAX], annotations[MAX];
	struct store_label *sl = NULL;
	struct json_object *manifest, *j, *fmt;
	struct api_image_facts facts = {
		.id = img->id,
		.name = img->name,
		.import_time = img->import_time,
		.last_used = img->last_used,
		.labels = labels,
		.annotations = annotations,
	};
	const char *version = NULL;
	size_t nl = 0;

	*o = NULL;
	if (store_image_labels(s, img->id, &sl, &nl, err) < 0)
		return -1;
	for (size_t i = 0; i < nl && i < MAX; i++) {
		labels[i] = (struct api_kv){(char *)sl[i].name,
					    (char *)sl[i].value};
		if (!strcmp(sl[i].name, "version"))
			version = sl[i].value;
	}
	facts.nlabels = nl < MAX ? nl : MAX;
	manifest = img->manifest ? json_tokener_parse(img->manifest) : NULL;
	facts.nannotations = api_image_annotations(manifest, annotations, MAX);
	if (f && !api_image_filter_match(f, &facts)) {
		json_object_put(manifest);
		store_labels_free(sl, nl);
		return 0;
	}
	j = json_object_new_object();
	fmt = json_object_new_object();
	json_object_object_add(j, "id", json_object_new_string(img->id));
	json_object_object_add(j, "name", json_object_new_string(img->name));
	json_object_object_add(
		j, "version", version ? json_object_new_string(version) : NULL);
	json_object_object_add(j, "type", json_object_new_string(img->type));
	/* rkt's ImageFormat: what the image was before it became an ACI. */
	json_object_object_add(fmt, "type",
			       json_object_new_string(strcmp(img->type, "oci")
							      ? "appc"
							      : "oci"));
	json_object_object_add(j, "baseFormat", fmt);
	json_object_object_add(j, "size",
			       json_object_new_int64((int64_t)img->size));
	json_object_object_add(j, "importTime",
			       json_object_new_int64(img->import_time));
	json_object_object_add(j, "lastUsedTime",
			       json_object_new_int64(img->last_used));
	json_object_object_add(j, "verifiedBy",
			       img->key ? json_object_new_string(img->key)
					: NULL);
	json_object_object_add(j, "source",
			       img->source ? json_object_new_string(img->source)
					   : NULL);
	json_object_object_add(j, "labels",
			       api_kv_array(labels, facts.nlabels));
	json_object_object_add(j, "annotations",
			       api_kv_array(annotations, facts.nannotations));
	if (detail)
		json_object_object_add(j, "manifest",
				       json_object_get(manifest));
	json_object_put(manifest);
	store_labels_free(sl, nl);
	*o = j;
	return 0;
}

static int api_images_one(const struct store_image *img, void *arg)
{
	struct api_images_ctx *c = arg;
	struct json_object *o;

	if (api_image_json(c->store, img, c->filter, c->detail, &o, &c->err) <
	    0)
		return -1;
	if (o)
		json_object_array_add(c->arr, o);
	return 0;
}

/* Opens the index; 0 with *s = NULL when there is none yet. */
static int api_images_open(const char *dir, struct store **s,
			   struct error **err)
{
	if (store_open_readonly(dir, s, err) == 0)
		return 0;
	if ((*err)->code == ENOENT) {
		error_free(err);
		*s = NULL;
		return 0;
	}
	error_wrap(err, "read the image store");
	(*err)->code = 503;
	return -1;
}

int api_images_list(const char *dir, const struct api_image_filter *f,
		    bool detail, struct json_object **out, struct error **err)
{
	cleanup_store struct store *s = NULL;
	struct api_images_ctx c = {.filter = f, .detail = detail};

	*out = NULL;
	if (api_images_open(dir, &s, err) < 0)
		return -1;
	c.store = s;
	c.arr = json_object_new_array();
	if (!c.arr)
		return error_set(err, 500, "out of memory");
	if (s && store_image_for_each(s, api_images_one, &c, err) < 0) {
		json_object_put(c.arr);
		if (c.err) {
			error_free(err);
			*err = c.err;
		}
		(*err)->code = 503;
		return error_wrap(err, "list images");
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "images", c.arr);
	return 0;
}

int api_images_inspect(const char *dir, const char *ref,
		       struct json_object **out, struct error **err)
{
	cleanup_store struct store *s = NULL;
	cleanup_free char *id = NULL;
	struct store_image *img = NULL;
	struct json_object *o = NULL;
	int r;

	*out = NULL;
	if (api_images_open(dir, &s, err) < 0)
		return -1;
	if (!s)
		return error_set(err, 404, "no image matches \"%s\"", ref);
	if (store_image_resolve(s, ref, &id, err) < 0) {
		(*err)->code = (*err)->code == ENOENT ? 404 : 400;
		return -1;
	}
	if (store_image_get(s, id, &img, err) < 0) {
		(*err)->code = 404;
		return -1;
	}
	r = api_image_json(s, img, NULL, true, &o, err);
	store_image_free(img);
	if (r < 0) {
		(*err)->code = 503;
		return -1;
	}
	*out = json_object_new_object();
	json_object_object_add(*out, "image", o);
	return 0;
}
