// SPDX-License-Identifier: Apache-2.0
/* The audit log's events (stage0/audit.h, docs/audit.md). */
#include "stage0/audit.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "images/digest.h"
#include "images/store.h"
#include "stage0/audit_internal.h"
#include "stage0/pod.h"
#include "stage0/pod_status.h"

#include <errno.h>
#include <string.h>

/* The pod manifest is far smaller; a bigger `pod` is not ours. */
#define AUDIT_MANIFEST_MAX (16u << 20)

static struct json_object *audit_event_new(const char *kind,
					   const struct pod *p)
{
	struct json_object *e = json_object_new_object();

	if (e && (json_object_object_add(e, "event",
					 json_object_new_string(kind)) < 0 ||
		  json_object_object_add(
			  e, "pod", json_object_new_string(p->uuid)) < 0)) {
		json_object_put(e);
		return NULL;
	}
	return e;
}

static int audit_add_str(struct json_object *o, const char *key,
			 const char *value, struct error **err)
{
	struct json_object *v = json_object_new_string(value ? value : "");

	if (!v || json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

/* One app of the manifest: its image, and who verified that image. */
static int audit_app(struct store *s, struct json_object *app,
		     struct json_object *apps, struct error **err)
{
	struct json_object *name, *image, *id, *iname;
	struct json_object *o = json_object_new_object();
	struct store_image *img = NULL;
	int r;

	if (!o || json_object_array_add(apps, o) < 0) {
		json_object_put(o);
		return error_set(err, ENOMEM, "out of memory");
	}
	if (!json_object_object_get_ex(app, "name", &name) ||
	    !json_object_object_get_ex(app, "image", &image) ||
	    !json_object_object_get_ex(image, "id", &id) ||
	    !json_object_object_get_ex(image, "name", &iname))
		return error_set(err, EINVAL,
				 "the pod manifest has an app without a name "
				 "or image");
	if (store_image_get(s, json_object_get_string(id), &img, err) < 0)
		return -1;
	r = audit_add_str(o, "app", json_object_get_string(name), err) < 0 ||
			    audit_add_str(o, "image_id",
					  json_object_get_string(id),
					  err) < 0 ||
			    audit_add_str(o, "image_name",
					  json_object_get_string(iname),
					  err) < 0 ||
			    audit_add_str(o, "verified_by",
					  img->key ? img->key : "insecure",
					  err) < 0
		    ? -1
		    : 0;
	store_image_free(img);
	return r;
}

int audit_pod_prepared(struct store *s, struct pod *p, struct error **err)
{
	cleanup_json struct json_object *e = audit_event_new("pod-prepared", p);
	cleanup_json struct json_object *manifest = NULL;
	cleanup_free char *buf = NULL;
	struct json_object *apps, *japps;
	char hex[DIGEST_MAX_HEX + 1];
	struct digest_ctx ctx;
	size_t len = 0;

	if (!e || !(apps = json_object_new_array()) ||
	    json_object_object_add(e, "apps", apps) < 0)
		return error_set(err, ENOMEM, "audit log: out of memory");
	/* The manifest as written, byte for byte. */
	buf = pod_read_file(p, "pod", AUDIT_MANIFEST_MAX, &len, err);
	if (!buf)
		return error_wrap(err, "audit log");
	digest_init(&ctx, DIGEST_SHA512);
	digest_update(&ctx, buf, len);
	digest_final_hex(&ctx, hex);
	if (audit_add_str(e, "manifest_sha512", hex, err) < 0)
		return error_wrap(err, "audit log");
	manifest = json_tokener_parse(buf); /* NUL-terminated */
	if (!json_object_object_get_ex(manifest, "apps", &japps) ||
	    !json_object_is_type(japps, json_type_array))
		return error_set(err, EINVAL,
				 "audit log: the pod manifest has no apps");
	for (size_t i = 0; i < json_object_array_length(japps); i++)
		if (audit_app(s, json_object_array_get_idx(japps, i), apps,
			      err) < 0)
			return error_wrap(err, "audit log");
	return audit_append(p->dir, e, NULL, err);
}

int audit_pod_started(struct pod *p, struct error **err)
{
	cleanup_json struct json_object *e = audit_event_new("pod-started", p);

	if (!e)
		return error_set(err, ENOMEM, "audit log: out of memory");
	return audit_append(p->dir, e, NULL, err);
}

/* For the events whose failure cannot undo anything: logged. */
static void audit_append_or_log(struct pod *p, struct json_object *e)
{
	cleanup_error struct error *err = NULL;

	if (!e)
		error_set(&err, ENOMEM, "audit log: out of memory");
	else
		audit_append(p->dir, e, NULL, &err);
	if (err)
		log_error("pod %s: %s", p->uuid, err->message);
	json_object_put(e);
}

void audit_pod_ended(struct pod *p, int exit_status, const char *reason)
{
	struct json_object *e = audit_event_new("pod-ended", p);

	if (e &&
	    (json_object_object_add(e, "exit_status",
				    json_object_new_int(exit_status)) < 0 ||
	     audit_add_str(e, "reason", reason, NULL) < 0)) {
		json_object_put(e);
		e = NULL;
	}
	audit_append_or_log(p, e);
}

void audit_pod_collected(struct pod *p)
{
	struct pod_status st;
	bool ended;

	if (p->state != POD_EXITED_GARBAGE) /* gc could not move it */
		return;
	pod_status_read(p, &st, NULL);
	ended = st.exited.tv_sec != 0;
	pod_status_free(&st);
	if (!ended)
		audit_pod_ended(p, -1, "supervisor gone: collected by gc");
}

void audit_pod_removed(struct pod *p)
{
	struct json_object *e = audit_event_new("pod-removed", p);

	if (e && audit_add_str(e, "state", pod_state_dir(p->state), NULL) < 0) {
		json_object_put(e);
		e = NULL;
	}
	audit_append_or_log(p, e);
}
