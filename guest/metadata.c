// SPDX-License-Identifier: Apache-2.0
/* What the metadata service serves, and routing (guest/metadata.h). */
#include "guest/metadata.h"
#include "guest/runtime.h"
#include "common/cleanup.h"
#include "common/ctl.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_ASCII "text/plain; charset=us-ascii"
#define JSON_TYPE  "application/json"
/* The host's answer: a signature or a short message. */
#define HOST_TEXT_MAX 512

bool metadata_ac_identifier_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 255)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && ((i == 0 || i == n - 1) || !strchr("-._~/", c)))
			return false;
	}
	return true;
}

/* ---- loading */

static struct json_object *member(struct json_object *o, const char *key,
				  enum json_type type)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

static const char *member_str(struct json_object *o, const char *key)
{
	struct json_object *v = member(o, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

/* The value of annotation name in array anns, or NULL. */
static struct json_object *annotation_find(struct json_object *anns,
					   const char *name)
{
	size_t n = anns ? json_object_array_length(anns) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(anns, i);
		const char *an = member_str(a, "name");

		if (an && !strcmp(an, name) && member_str(a, "value"))
			return a;
	}
	return NULL;
}

/* Adds from's well-formed annotations to into, a later name replacing. */
static int annotations_merge(struct json_object *into, struct json_object *from)
{
	size_t n = from ? json_object_array_length(from) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(from, i);
		const char *name = member_str(a, "name");
		const char *value = member_str(a, "value");
		struct json_object *old, *copy;

		if (!name || !value)
			continue;
		old = annotation_find(into, name);
		if (old) {
			json_object_object_add(old, "value",
					       json_object_new_string(value));
			continue;
		}
		copy = json_object_new_object();
		if (!copy || json_object_array_add(into, copy) < 0) {
			json_object_put(copy);
			return -ENOMEM;
		}
		json_object_object_add(copy, "name",
				       json_object_new_string(name));
		json_object_object_add(copy, "value",
				       json_object_new_string(value));
	}
	return 0;
}

static struct json_object *manifest_app(struct json_object *manifest,
					const char *name)
{
	struct json_object *apps = member(manifest, "apps", json_type_array);
	size_t n = apps ? json_object_array_length(apps) : 0;

	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(apps, i);
		const char *an = member_str(a, "name");

		if (an && !strcmp(an, name))
			return a;
	}
	return NULL;
}

static int load_app(struct json_object *manifest, struct json_object *rapp,
		    struct metadata_app *out, char *err, size_t err_size)
{
	const char *name = member_str(rapp, "name");
	struct json_object *mapp, *im;
	const char *id;

	if (!name || !(mapp = manifest_app(manifest, name))) {
		snprintf(err, err_size,
			 "metadata: app %.255s is not in the pod manifest",
			 name ? name : "(unnamed)");
		return -EINVAL;
	}
	id = member_str(member(mapp, "image", json_type_object), "id");
	im = member(rapp, "image_manifest", json_type_object);
	out->name = strdup(name);
	out->image_id = id ? strdup(id) : NULL;
	out->image_manifest = json_object_get(im);
	out->annotations = json_object_new_array();
	if (!out->name || (id && !out->image_id) || !out->annotations ||
	    annotations_merge(out->annotations,
			      member(im, "annotations", json_type_array)) < 0 ||
	    annotations_merge(out->annotations,
			      member(mapp, "annotations", json_type_array)) < 0)
		return -ENOMEM;
	return 0;
}

int metadata_pod_load(struct json_object *manifest, struct json_object *runtime,
		      struct metadata_pod *out, char *err, size_t err_size)
{
	struct json_object *rapps = member(runtime, "apps", json_type_array);
	const char *uuid = member_str(runtime, "uuid");
	size_t n = rapps ? json_object_array_length(rapps) : 0;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (!manifest || !json_object_is_type(manifest, json_type_object)) {
		snprintf(err, err_size, "metadata: no pod manifest");
		return -EINVAL;
	}
	out->manifest = json_object_get(manifest);
	out->uuid = uuid ? strdup(uuid) : NULL;
	out->annotations = json_object_new_array();
	out->apps = calloc(n ? n : 1, sizeof(*out->apps));
	if ((uuid && !out->uuid) || !out->annotations || !out->apps ||
	    annotations_merge(out->annotations, member(manifest, "annotations",
						       json_type_array)) < 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		out->n_apps++;
		ret = load_app(manifest, json_object_array_get_idx(rapps, i),
			       &out->apps[i], err, err_size);
		if (ret < 0)
			goto fail;
	}
	return 0;
fail:
	if (ret == -ENOMEM)
		snprintf(err, err_size, "metadata: out of memory");
	metadata_pod_free(out);
	return ret;
}

void metadata_pod_free(struct metadata_pod *pod)
{
	for (size_t i = 0; i < pod->n_apps; i++) {
		free(pod->apps[i].name);
		free(pod->apps[i].image_id);
		json_object_put(pod->apps[i].image_manifest);
		json_object_put(pod->apps[i].annotations);
	}
	free(pod->apps);
	free(pod->uuid);
	json_object_put(pod->manifest);
	json_object_put(pod->annotations);
	memset(pod, 0, sizeof(*pod));
}

/* ---- answers */

static void respond(struct metadata_response *r, int status, const char *type,
		    const char *body, size_t len)
{
	r->status = status;
	r->content_type = type;
	r->body = malloc(len ? len : 1);
	r->body_len = len;
	if (!r->body) {
		r->status = 500;
		r->content_type = NULL;
		r->body_len = 0;
		return;
	}
	memcpy(r->body, body, len);
}

void metadata_response_error(struct metadata_response *r, int status,
			     const char *text)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "%s\n", text);

	respond(r, status, "text/plain; charset=utf-8", line,
		(size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void respond_json(struct metadata_response *r, struct json_object *o)
{
	size_t len;
	const char *text = json_object_to_json_string_length(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		&len);

	if (!text) {
		metadata_response_error(r, 500, "out of memory");
		return;
	}
	respond(r, 200, JSON_TYPE, text, len);
}

static void respond_text(struct metadata_response *r, const char *text)
{
	respond(r, 200, TEXT_ASCII, text, strlen(text));
}

static void route_annotation(struct metadata_response *r,
			     struct json_object *anns, const char *name)
{
	struct json_object *a;

	if (!*name) {
		respond_json(r, anns);
		return;
	}
	if (!metadata_ac_identifier_valid(name)) {
		metadata_response_error(r, 400,
					"annotation name is not an AC "
					"Identifier");
		return;
	}
	a = annotation_find(anns, name);
	if (!a) {
		metadata_response_error(r, 404, "no such annotation");
		return;
	}
	respond_text(r, member_str(a, "value"));
}

static void route_pod(const struct metadata_pod *pod, const char *rest,
		      struct metadata_response *r)
{
	if (!pod->manifest) {
		/* The pod frame's manifest could not be loaded. */
		metadata_response_error(r, 404, "no pod manifest");
	} else if (!strcmp(rest, "manifest")) {
		respond_json(r, pod->manifest);
	} else if (!strcmp(rest, "uuid")) {
		if (pod->uuid)
			respond_text(r, pod->uuid);
		else
			metadata_response_error(r, 404, "no pod UUID");
	} else if (!strcmp(rest, "annotations")) {
		route_annotation(r, pod->annotations, "");
	} else if (!strncmp(rest, "annotations/", 12)) {
		route_annotation(r, pod->annotations, rest + 12);
	} else {
		metadata_response_error(r, 404, "no such metadata");
	}
}

static void route_app(const struct metadata_pod *pod, const char *rest,
		      struct metadata_response *r)
{
	const char *slash = strchr(rest, '/');
	const struct metadata_app *app = NULL;
	char name[CTL_APP_NAME_MAX + 1];
	size_t len = slash ? (size_t)(slash - rest) : strlen(rest);

	if (!slash || len > CTL_APP_NAME_MAX) {
		metadata_response_error(r, 404, "no such metadata");
		return;
	}
	memcpy(name, rest, len);
	name[len] = '\0';
	if (!ctl_app_name_valid(name)) {
		metadata_response_error(r, 400, "app name is not an AC Name");
		return;
	}
	for (size_t i = 0; i < pod->n_apps; i++)
		if (!strcmp(pod->apps[i].name, name))
			app = &pod->apps[i];
	if (!app) {
		metadata_response_error(r, 404, "no such app in this pod");
		return;
	}
	rest = slash + 1;
	if (!strcmp(rest, "annotations"))
		route_annotation(r, app->annotations, "");
	else if (!strncmp(rest, "annotations/", 12))
		route_annotation(r, app->annotations, rest + 12);
	else if (!strcmp(rest, "image/manifest") && app->image_manifest)
		respond_json(r, app->image_manifest);
	else if (!strcmp(rest, "image/id") && app->image_id)
		respond_text(r, app->image_id);
	else
		metadata_response_error(r, 404, "no such metadata");
}

static void hex_encode(const char *in, size_t len, char *out)
{
	static const char xd[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = xd[(unsigned char)in[i] >> 4];
		out[2 * i + 1] = xd[(unsigned char)in[i] & 15];
	}
	out[2 * len] = '\0';
}

/* The form's fields into a request for the host (stage0/metadata_hmac.h). */
static void route_hmac(const struct metadata_http_request *req, bool verify,
		       struct metadata_response *r)
{
	static const char *const fields[] = {"uuid", "signature"};
	cleanup_free char *content = NULL;
	cleanup_free char *hex = NULL;
	struct json_object *msg;
	size_t len;
	int got;

	if (!req->form) {
		metadata_response_error(
			r, 415,
			"POST a form (application/x-www-form-urlencoded)");
		return;
	}
	content = malloc(METADATA_FORM_VALUE_MAX);
	if (!content) {
		metadata_response_error(r, 500, "out of memory");
		return;
	}
	got = metadata_form_get(req->body, req->content_length, "content",
				content, METADATA_FORM_VALUE_MAX, &len);
	if (got <= 0 || len == 0) {
		metadata_response_error(
			r, 400,
			got < 0 ? "malformed form"
				: "content form value not found");
		return;
	}
	hex = malloc(2 * len + 1);
	if (!hex) {
		metadata_response_error(r, 500, "out of memory");
		return;
	}
	hex_encode(content, len, hex);
	msg = ctl_msg_new(verify ? "hmac-verify" : "hmac-sign");
	if (msg)
		json_object_object_add(msg, "content",
				       json_object_new_string(hex));
	for (size_t i = 0; verify && msg && i < ARRAY_SIZE(fields); i++) {
		char value[HOST_TEXT_MAX + 1];
		size_t vlen;

		got = metadata_form_get(req->body, req->content_length,
					fields[i], value, HOST_TEXT_MAX, &vlen);
		if (got <= 0 || memchr(value, '\0', vlen)) {
			char text[64];

			snprintf(text, sizeof(text), "%s form value %s",
				 fields[i],
				 got < 0 ? "malformed" : "not found");
			metadata_response_error(r, 400, text);
			json_object_put(msg);
			return;
		}
		value[vlen] = '\0';
		json_object_object_add(msg, fields[i],
				       json_object_new_string(value));
	}
	if (!msg || !(r->hmac_request = strdup(json_object_to_json_string_ext(
			      msg, JSON_C_TO_STRING_PLAIN))))
		metadata_response_error(r, 500, "out of memory");
	json_object_put(msg);
}

void metadata_route(const struct metadata_pod *pod,
		    const struct metadata_http_request *req,
		    struct metadata_response *r)
{
	const char *path = req->path;
	bool get = req->method == METADATA_HTTP_GET ||
		   req->method == METADATA_HTTP_HEAD;

	memset(r, 0, sizeof(*r));
	if (strncmp(path, METADATA_PREFIX, strlen(METADATA_PREFIX))) {
		metadata_response_error(r, 404, "no such metadata");
		return;
	}
	path += strlen(METADATA_PREFIX);
	if (!strcmp(path, "pod/hmac/sign") ||
	    !strcmp(path, "pod/hmac/verify")) {
		if (req->method != METADATA_HTTP_POST) {
			metadata_response_error(r, 405, "POST only");
			r->allow = "POST";
			return;
		}
		route_hmac(req, !strcmp(path, "pod/hmac/verify"), r);
		return;
	}
	if (!get) {
		metadata_response_error(r, 405, "GET only");
		r->allow = "GET, HEAD";
		return;
	}
	if (!strncmp(path, "pod/", 4))
		route_pod(pod, path + 4, r);
	else if (!strncmp(path, "apps/", 5))
		route_app(pod, path + 5, r);
	else
		metadata_response_error(r, 404, "no such metadata");
}

static bool base64_text(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > HOST_TEXT_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx"
			    "yz"
			    "0123456789+/=",
			    s[i]))
			return false;
	return true;
}

void metadata_hmac_reply(uint8_t kind, const uint8_t *payload, size_t len,
			 struct metadata_response *r)
{
	struct json_object *msg, *valid;
	const char *type, *text;

	memset(r, 0, sizeof(*r));
	if (kind != CTL_KIND_JSON ||
	    ctl_parse_json(payload, len, &msg, &type) < 0) {
		metadata_response_error(r, 502, "bad answer from the host");
		return;
	}
	if (!strcmp(type, "hmac-signed") &&
	    (text = member_str(msg, "signature")) && base64_text(text)) {
		respond_text(r, text);
	} else if (!strcmp(type, "hmac-verified") &&
		   (valid = member(msg, "valid", json_type_boolean))) {
		if (json_object_get_boolean(valid))
			respond_text(r, "");
		else
			metadata_response_error(r, 403,
						"signature check failed");
	} else if (!strcmp(type, "error") &&
		   (text = member_str(msg, "message"))) {
		char safe[HOST_TEXT_MAX];

		snprintf(safe, sizeof(safe), "%s", text);
		for (char *c = safe; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				*c = '?';
		metadata_response_error(r, 400, safe);
	} else {
		metadata_response_error(r, 502, "bad answer from the host");
	}
	json_object_put(msg);
}

int metadata_response_format(const struct metadata_response *r, bool head_only,
			     char **out, size_t *out_len)
{
	char head[512];
	int n;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\n%s%s%s%s%s%sContent-Length: %zu\r\n"
		     "Connection: close\r\n\r\n",
		     r->status, metadata_http_reason(r->status),
		     r->content_type ? "Content-Type: " : "",
		     r->content_type ? r->content_type : "",
		     r->content_type ? "\r\n" : "", r->allow ? "Allow: " : "",
		     r->allow ? r->allow : "", r->allow ? "\r\n" : "",
		     r->body_len);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -ENOMEM;
	*out_len = (size_t)n + (head_only ? 0 : r->body_len);
	*out = malloc(*out_len ? *out_len : 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, head, (size_t)n);
	if (!head_only && r->body_len)
		memcpy(*out + n, r->body, r->body_len);
	return 0;
}

void metadata_response_free(struct metadata_response *r)
{
	free(r->body);
	free(r->hmac_request);
	memset(r, 0, sizeof(*r));
}

int metadata_env_add(struct runtime *rt)
{
	static const char entry[] = "AC_METADATA_URL=" METADATA_URL;

	for (size_t i = 0; i < rt->n_apps; i++) {
		struct runtime_app *a = &rt->apps[i];
		char *value = strdup(entry);
		char **grown;
		size_t j;

		if (!value)
			return -ENOMEM;
		for (j = 0; j < a->n_env; j++)
			if (!strncmp(a->env[j], "AC_METADATA_URL=", 16))
				break;
		if (j < a->n_env) {
			free(a->env[j]);
			a->env[j] = value;
			continue;
		}
		grown = realloc(a->env, (a->n_env + 2) * sizeof(*grown));
		if (!grown) {
			free(value);
			return -ENOMEM;
		}
		a->env = grown;
		a->env[a->n_env++] = value;
		a->env[a->n_env] = NULL;
	}
	return 0;
}
