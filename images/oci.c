// SPDX-License-Identifier: Apache-2.0
#include "images/oci.h"
#include "images/aci_manifest.h"
#include "common/cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *type;
	enum oci_kind kind;
} oci_media_types[] = {
	{"application/vnd.oci.image.index.v1+json", OCI_KIND_INDEX},
	{"application/vnd.docker.distribution.manifest.list.v2+json",
	 OCI_KIND_INDEX},
	{"application/vnd.oci.image.manifest.v1+json", OCI_KIND_MANIFEST},
	{"application/vnd.docker.distribution.manifest.v2+json",
	 OCI_KIND_MANIFEST},
	{"application/vnd.oci.image.layer.v1.tar", OCI_KIND_LAYER},
	{"application/vnd.oci.image.layer.v1.tar+gzip", OCI_KIND_LAYER},
	{"application/vnd.oci.image.layer.v1.tar+zstd", OCI_KIND_LAYER},
	{"application/vnd.docker.image.rootfs.diff.tar.gzip", OCI_KIND_LAYER},
};

int oci_media_kind(const char *media_type, enum oci_kind *kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(oci_media_types); i++)
		if (!strcmp(media_type, oci_media_types[i].type)) {
			*kind = oci_media_types[i].kind;
			return 0;
		}
	return -1;
}

struct json_object *oci_json_parse(const char *buf, size_t len,
				   struct error **err)
{
	struct json_tokener *tok;
	struct json_object *j;
	size_t i;

	if (len > OCI_JSON_MAX_BYTES) {
		error_set(err, EFBIG, "JSON document larger than %u bytes",
			  OCI_JSON_MAX_BYTES);
		return NULL;
	}
	tok = json_tokener_new_ex(64);
	if (!tok) {
		error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	j = json_tokener_parse_ex(tok, buf, (int)len);
	if (j && json_tokener_get_error(tok) == json_tokener_success) {
		for (i = (size_t)tok->char_offset; i < len; i++)
			if (!isspace((unsigned char)buf[i]))
				break;
		if (i < len) {
			json_object_put(j);
			j = NULL;
		}
	} else {
		json_object_put(j);
		j = NULL;
	}
	json_tokener_free(tok);
	if (!j || !json_object_is_type(j, json_type_object)) {
		json_object_put(j);
		error_set(err, EINVAL, "invalid JSON document");
		return NULL;
	}
	return j;
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *jget(struct json_object *o, const char *key,
				enum json_type t)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, t))
		return NULL;
	return v;
}

static int descriptor_parse(struct json_object *d, const char *field,
			    struct oci_descriptor *out, struct error **err)
{
	const char *mt = jstr(d, "mediaType"), *dg = jstr(d, "digest");
	struct json_object *sz = jget(d, "size", json_type_int);

	if (!json_object_is_type(d, json_type_object))
		return error_set(err, EINVAL, "%s: must be an object", field);
	if (!mt || strlen(mt) >= sizeof(out->media_type))
		return error_set(err, EINVAL, "%s.mediaType: required", field);
	if (!dg || digest_parse(dg, NULL, NULL) < 0 || dg[6] != ':')
		return error_set(err, EINVAL, "%s.digest: invalid", field);
	if (!sz || json_object_get_int64(sz) < 0)
		return error_set(err, EINVAL, "%s.size: invalid", field);
	if (jget(d, "urls", json_type_array))
		return error_set(err, EINVAL,
				 "%s: foreign layers (urls) are not fetched",
				 field);
	strcpy(out->media_type, mt);
	strcpy(out->digest, dg);
	out->size = json_object_get_int64(sz);
	return 0;
}

int oci_index_select(const char *buf, size_t len, const char *tag,
		     struct oci_descriptor *out, struct error **err)
{
	struct json_object *j, *ms;
	size_t n, i, found = 0;
	int r = -1;

	j = oci_json_parse(buf, len, err);
	if (!j)
		return error_wrap(err, "index");
	ms = jget(j, "manifests", json_type_array);
	if (!ms) {
		error_set(err, EINVAL, "index: manifests: required array");
		goto out;
	}
	n = json_object_array_length(ms);
	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(ms, i);
		struct json_object *plat =
			jget(d, "platform", json_type_object);
		const char *ref = jstr(jget(d, "annotations", json_type_object),
				       OCI_ANNOTATION_REF_NAME);
		const char *os = jstr(plat, "os"),
			   *arch = jstr(plat, "architecture");
		struct oci_descriptor cand;
		enum oci_kind kind;
		char field[48];
		bool match;

		snprintf(field, sizeof(field), "index: manifests[%zu]", i);
		if (descriptor_parse(d, field, &cand, err) < 0)
			goto out;
		if (oci_media_kind(cand.media_type, &kind) < 0 ||
		    kind == OCI_KIND_LAYER)
			continue;
		if (tag)
			match = ref && !strcmp(ref, tag);
		else
			match = !plat || ((!os || !strcmp(os, "linux")) &&
					  (!arch || !strcmp(arch, "amd64")));
		if (tag && plat && match)
			match = (!os || !strcmp(os, "linux")) &&
				(!arch || !strcmp(arch, "amd64"));
		if (!match)
			continue;
		if (!found++)
			*out = cand;
	}
	if (!found) {
		error_set(err, ENOENT,
			  "index: no %s%s%s manifest for linux/amd64",
			  tag ? "\"" : "", tag ? tag : "", tag ? "\"" : "");
		goto out;
	}
	if (found > 1 && !tag) {
		/* Several tags: "latest" is what a bare reference means. */
		json_object_put(j);
		if (oci_index_select(buf, len, "latest", out, NULL) == 0)
			return 0;
		j = NULL;
		error_set(err, EINVAL,
			  "index: %zu manifests match: name one with :TAG",
			  found);
		goto out;
	}
	r = 0;
out:
	json_object_put(j);
	return r;
}

int oci_manifest_parse(const char *buf, size_t len, struct oci_manifest *out,
		       struct error **err)
{
	struct json_object *j, *ls;
	const char *mt;
	enum oci_kind kind;
	size_t i;
	int r = -1;

	memset(out, 0, sizeof(*out));
	j = oci_json_parse(buf, len, err);
	if (!j)
		return error_wrap(err, "manifest");
	mt = jstr(j, "mediaType");
	if (mt &&
	    (oci_media_kind(mt, &kind) < 0 || kind != OCI_KIND_MANIFEST)) {
		error_set(err, EINVAL,
			  "manifest: mediaType %s is not a manifest", mt);
		goto out;
	}
	if (json_object_get_int(jget(j, "schemaVersion", json_type_int)) != 2) {
		error_set(err, EINVAL, "manifest: schemaVersion: must be 2");
		goto out;
	}
	if (descriptor_parse(jget(j, "config", json_type_object),
			     "manifest: config", &out->config, err) < 0)
		goto out;
	ls = jget(j, "layers", json_type_array);
	if (!ls) {
		error_set(err, EINVAL, "manifest: layers: required array");
		goto out;
	}
	out->nlayers = json_object_array_length(ls);
	if (out->nlayers > OCI_MAX_LAYERS) {
		error_set(err, E2BIG, "manifest: more than %d layers",
			  OCI_MAX_LAYERS);
		goto out;
	}
	for (i = 0; i < out->nlayers; i++) {
		char field[48];

		snprintf(field, sizeof(field), "manifest: layers[%zu]", i);
		if (descriptor_parse(json_object_array_get_idx(ls, i), field,
				     &out->layers[i], err) < 0)
			goto out;
		if (oci_media_kind(out->layers[i].media_type, &kind) < 0 ||
		    kind != OCI_KIND_LAYER) {
			error_set(err, EINVAL,
				  "%s.mediaType: unsupported layer type %s",
				  field, out->layers[i].media_type);
			goto out;
		}
	}
	r = 0;
out:
	json_object_put(j);
	return r;
}

char *oci_sanitize_name(const char *s)
{
	size_t n = strlen(s), i, o = 0;
	char *r = malloc(n + 8);

	if (!r)
		return NULL;
	for (i = 0; i < n && o < 200; i++) {
		char c = (char)tolower((unsigned char)s[i]);

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      strchr("-._~/", c)))
			c = '-';
		r[o++] = c;
	}
	r[o] = '\0';
	/* Trim to alphanumeric ends. */
	while (o && !isalnum((unsigned char)r[o - 1]))
		r[--o] = '\0';
	i = 0;
	while (r[i] && !isalnum((unsigned char)r[i]))
		i++;
	memmove(r, r + i, o - i + 1);
	if (!*r)
		strcpy(r, "image");
	return r;
}

static int add_name_value(struct json_object *arr, const char *name,
			  const char *value)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return -1;
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "value", json_object_new_string(value));
	return json_object_array_add(arr, o);
}

/* "uid[:gid]" or "name[:group]"; appc needs both, root by default. */
static void map_user(struct json_object *app, const char *user)
{
	cleanup_free char *u = strdup(user && *user ? user : "0");
	char *colon = u ? strchr(u, ':') : NULL;

	if (colon)
		*colon = '\0';
	json_object_object_add(app, "user",
			       json_object_new_string(u && *u ? u : "0"));
	json_object_object_add(
		app, "group",
		json_object_new_string(colon && colon[1] ? colon + 1 : "0"));
}

static void map_exec(struct json_object *app, struct json_object *cfg)
{
	struct json_object *exec = json_object_new_array();
	const char *keys[2] = {"Entrypoint", "Cmd"};

	for (int k = 0; k < 2; k++) {
		struct json_object *a = jget(cfg, keys[k], json_type_array);

		for (size_t i = 0; a && i < json_object_array_length(a); i++) {
			struct json_object *s = json_object_array_get_idx(a, i);

			if (json_object_is_type(s, json_type_string))
				json_object_array_add(
					exec,
					json_object_new_string(
						json_object_get_string(s)));
		}
	}
	/* appc wants an absolute exec[0]: a relative one is resolved in the
	 * rendered tree by oci_resolve_exec(). */
	if (json_object_array_length(exec))
		json_object_object_add(app, "exec", exec);
	else
		json_object_put(exec);
}

static void map_ports(struct json_object *app, struct json_object *cfg)
{
	struct json_object *ep = jget(cfg, "ExposedPorts", json_type_object);
	struct json_object *ports;

	if (!ep)
		return;
	ports = json_object_new_array();

	json_object_object_foreach(ep, key, val)
	{
		char proto[16] = "tcp", name[40];
		long port;
		char *end;

		(void)val;
		port = strtol(key, &end, 10);
		if (end == key || port < 0 || port > 65535)
			continue;
		if (*end == '/')
			snprintf(proto, sizeof(proto), "%s", end + 1);
		if (strcmp(proto, "tcp") && strcmp(proto, "udp"))
			continue;
		snprintf(name, sizeof(name), "%ld-%s", port, proto);
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "name", json_object_new_string(name));
		json_object_object_add(p, "protocol",
				       json_object_new_string(proto));
		json_object_object_add(p, "port",
				       json_object_new_int((int)port));
		json_object_array_add(ports, p);
	}
	if (json_object_array_length(ports))
		json_object_object_add(app, "ports", ports);
	else
		json_object_put(ports);
}

static void map_volumes(struct json_object *app, struct json_object *cfg)
{
	struct json_object *vols = jget(cfg, "Volumes", json_type_object);
	struct json_object *mps;

	if (!vols)
		return;
	mps = json_object_new_array();

	json_object_object_foreach(vols, key, val)
	{
		char name[128] = "volume";
		size_t o = 6;

		(void)val;
		if (key[0] != '/')
			continue;
		/* "/var/lib/data" -> "volume-var-lib-data" (an AC name). */
		for (const char *p = key; *p && o < sizeof(name) - 2; p++) {
			char c = (char)tolower((unsigned char)*p);

			if (!isalnum((unsigned char)c))
				c = '-';
			if (c == '-' && name[o - 1] == '-')
				continue;
			name[o++] = c;
		}
		while (name[o - 1] == '-')
			o--;
		name[o] = '\0';
		struct json_object *m = json_object_new_object();

		json_object_object_add(m, "name", json_object_new_string(name));
		json_object_object_add(m, "path", json_object_new_string(key));
		json_object_array_add(mps, m);
	}
	if (json_object_array_length(mps))
		json_object_object_add(app, "mountPoints", mps);
	else
		json_object_put(mps);
}

int oci_config_to_appc(const char *buf, size_t len, const char *name,
		       const char *version, struct json_object **out,
		       struct error **err)
{
	struct json_object *j, *cfg, *m, *labels, *app, *env;
	const char *os, *arch, *wd;

	j = oci_json_parse(buf, len, err);
	if (!j)
		return error_wrap(err, "image config");
	os = jstr(j, "os");
	arch = jstr(j, "architecture");
	if ((os && strcmp(os, "linux")) || (arch && strcmp(arch, "amd64"))) {
		error_set(err, EINVAL, "image config: %s/%s images cannot run",
			  os ? os : "?", arch ? arch : "?");
		json_object_put(j);
		return -1;
	}
	cfg = jget(j, "config", json_type_object);
	m = json_object_new_object();
	json_object_object_add(m, "acKind",
			       json_object_new_string("ImageManifest"));
	json_object_object_add(m, "acVersion",
			       json_object_new_string("0.8.11"));
	json_object_object_add(m, "name", json_object_new_string(name));
	labels = json_object_new_array();
	add_name_value(labels, "version", version);
	add_name_value(labels, "os", "linux");
	add_name_value(labels, "arch", "amd64");
	json_object_object_add(m, "labels", labels);

	app = json_object_new_object();
	map_exec(app, cfg);
	map_user(app, jstr(cfg, "User"));
	env = json_object_new_array();
	{
		struct json_object *e = jget(cfg, "Env", json_type_array);

		for (size_t i = 0; e && i < json_object_array_length(e); i++) {
			const char *kv = json_object_get_string(
				json_object_array_get_idx(e, i));
			const char *eq = kv ? strchr(kv, '=') : NULL;
			char key[256];

			if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof(key))
				continue;
			snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
			add_name_value(env, key, eq + 1);
		}
	}
	if (json_object_array_length(env))
		json_object_object_add(app, "environment", env);
	else
		json_object_put(env);
	wd = jstr(cfg, "WorkingDir");
	if (wd && wd[0] == '/')
		json_object_object_add(app, "workingDirectory",
				       json_object_new_string(wd));
	map_ports(app, cfg);
	map_volumes(app, cfg);
	json_object_object_add(m, "app", app);
	json_object_put(j);
	*out = m;
	return 0;
}
