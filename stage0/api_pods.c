// SPDX-License-Identifier: Apache-2.0
/* ListPods and InspectPod: see api_pods.h. */
#include "stage0/api_pods.h"
#include "stage0/api_events.h"
#include "stage0/pod_status.h"
#include "common/cleanup.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

static const char *api_json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The pod manifest as an object, or NULL when it is missing or broken. */
static struct json_object *api_pod_manifest(struct pod *p)
{
	cleanup_free char *text =
		pod_read_file(p, "pod", POD_STATUS_FILE_MAX, NULL, NULL);
	struct json_object *j;

	if (!text)
		return NULL;
	j = json_tokener_parse(text);
	if (j && !json_object_is_type(j, json_type_object)) {
		json_object_put(j);
		j = NULL;
	}
	return j;
}

/* [{"name": N, "value": V}] from an appc annotations array. */
static struct json_object *api_annotations(struct json_object *manifest)
{
	struct json_object *out = json_object_new_array(), *a;

	if (!out || !manifest ||
	    !json_object_object_get_ex(manifest, "annotations", &a) ||
	    !json_object_is_type(a, json_type_array))
		return out;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		struct json_object *e = json_object_array_get_idx(a, i), *o;
		const char *n = api_json_str(e, "name"),
			   *v = api_json_str(e, "value");

		if (!n || !v)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(n));
		json_object_object_add(o, "value", json_object_new_string(v));
		json_object_array_add(out, o);
	}
	return out;
}

int api_pod_status_read(struct pod *p, struct pod_status *st,
			struct error **err)
{
	bool was_locked = p->locked;
	int r;

	/* pod_lock_held_elsewhere() does not probe a pod we hold. */
	p->locked = true;
	r = pod_status_read(p, st, err);
	p->locked = was_locked;
	st->running = p->state == POD_RUN && api_pod_dir_locked(p->dirfd);
	st->state = pod_status_state_name(p->state, st->running);
	return r;
}

struct json_object *api_pod_json(struct pod *p, bool detail, struct error **err)
{
	cleanup_error struct error *local = NULL;
	struct json_object *o, *manifest, *apps;
	struct pod_status st;

	/* A pod with unreadable files is still shown, with the reason. */
	api_pod_status_read(p, &st, &local);
	o = pod_status_to_json(&st);
	if (!o) {
		pod_status_free(&st);
		error_set(err, 500, "out of memory");
		return NULL;
	}
	json_object_object_add(o, "id", json_object_new_string(st.uuid));
	if (json_object_object_get_ex(o, "apps", &apps))
		for (size_t i = 0;
		     i < st.napps && i < json_object_array_length(apps); i++) {
			const struct pod_app_status *a = &st.apps[i];
			const char *state = "undefined";

			if (a->has_status)
				state = "exited";
			else if (a->started && st.running)
				state = "running";
			json_object_object_add(
				json_object_array_get_idx(apps, i), "state",
				json_object_new_string(state));
		}
	manifest = api_pod_manifest(p);
	json_object_object_add(o, "annotations", api_annotations(manifest));
	if (detail)
		json_object_object_add(o, "manifest",
				       json_object_get(manifest));
	json_object_put(manifest);
	if (local)
		json_object_object_add(o, "error",
				       json_object_new_string(local->message));
	pod_status_free(&st);
	return o;
}

/* The strings of key in each object of array arr (at most max). */
static size_t api_collect(struct json_object *arr, const char *key,
			  const char **out, size_t max)
{
	size_t n = 0;

	if (!arr || !json_object_is_type(arr, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(arr) && n < max; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *s = key ? api_json_str(e, key)
				    : (json_object_is_type(e, json_type_string)
					       ? json_object_get_string(e)
					       : NULL);

		if (!s)
			continue;
		while (*s == ' ') /* pod_net_summary() joins with ", " */
			s++;
		out[n++] = s;
	}
	return n;
}

bool api_pod_json_match(const struct api_pod_filter *f, struct json_object *pod)
{
	enum { MAX = 256 };
	const char *apps[MAX], *images[MAX], *nets[MAX];
	struct api_kv annotations[MAX];
	struct json_object *a = NULL, *n = NULL, *an = NULL;
	struct api_pod_facts facts = {
		.uuid = api_json_str(pod, "id"),
		.state = api_json_str(pod, "state"),
		.apps = apps,
		.images = images,
		.networks = nets,
		.annotations = annotations,
	};

	if (!f)
		return true;
	if (!facts.uuid || !facts.state)
		return false;
	json_object_object_get_ex(pod, "apps", &a);
	json_object_object_get_ex(pod, "networks", &n);
	json_object_object_get_ex(pod, "annotations", &an);
	facts.napps = api_collect(a, "name", apps, MAX);
	facts.nimages = api_collect(a, "image_id", images, MAX);
	facts.nnetworks = api_collect(n, "netName", nets, MAX);
	for (size_t i = 0;
	     an && i < json_object_array_length(an) && facts.nannotations < MAX;
	     i++) {
		struct json_object *e = json_object_array_get_idx(an, i);

		/* Borrowed: the filter only compares. */
		annotations[facts.nannotations++] =
			(struct api_kv){(char *)api_json_str(e, "name"),
					(char *)api_json_str(e, "value")};
	}
	return api_pod_filter_match(f, &facts);
}

int api_pods_list(const char *dir, const struct api_pod_filter *f, bool detail,
		  struct json_object **out, struct error **err)
{
	struct json_object *arr = NULL, *o;
	struct pod **pods = NULL;
	size_t count = 0;

	*out = NULL;
	if (pod_list(dir, &pods, &count, err) < 0) {
		(*err)->code = 500;
		return -1;
	}
	arr = json_object_new_array();
	for (size_t i = 0; arr && i < count; i++) {
		struct json_object *pod = api_pod_json(pods[i], detail, err);

		if (!pod) {
			json_object_put(arr);
			arr = NULL;
			break;
		}
		if (api_pod_json_match(f, pod))
			json_object_array_add(arr, pod);
		else
			json_object_put(pod);
	}
	pod_list_free(pods, count);
	if (!arr)
		return *err ? -1 : error_set(err, 500, "out of memory");
	o = json_object_new_object();
	json_object_object_add(o, "pods", arr);
	*out = o;
	return 0;
}

int api_pods_inspect(const char *dir, const char *uuid,
		     struct json_object **out, struct error **err)
{
	cleanup_pod struct pod *p = NULL;
	struct json_object *pod;

	*out = NULL;
	if (pod_open(dir, uuid, &p, err) < 0) {
		(*err)->code = (*err)->code == ENOENT ? 404 : 400;
		return -1;
	}
	pod = api_pod_json(p, true, err);
	if (!pod)
		return -1;
	*out = json_object_new_object();
	json_object_object_add(*out, "pod", pod);
	return 0;
}
