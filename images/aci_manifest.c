// SPDX-License-Identifier: Apache-2.0
#include "images/aci_manifest.h"
#include "images/digest.h"
#include "common/cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool ident_char(char c, bool name_only)
{
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
		return true;
	return !name_only && (c == '.' || c == '_' || c == '~' || c == '/');
}

static bool ident_valid(const char *s, bool name_only)
{
	size_t n = strlen(s), i;

	if (!n || n > 512)
		return false;
	for (i = 0; i < n; i++)
		if (!ident_char(s[i], name_only))
			return false;
	return isalnum((unsigned char)s[0]) && isalnum((unsigned char)s[n - 1]);
}

bool aci_identifier_valid(const char *s)
{
	return ident_valid(s, false);
}

bool aci_name_valid(const char *s)
{
	return ident_valid(s, true);
}

/* Semantic versioning 2.0.0: MAJOR.MINOR.PATCH[-pre][+build]. */
static bool semver_valid(const char *s)
{
	int i;

	for (i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
		if (i < 2 && *s++ != '.')
			return false;
	}
	if (*s && *s != '-' && *s != '+')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-+.", *s))
			return false;
	return true;
}

static int field_error(struct error **err, const char *field, const char *why)
{
	return error_set(err, EINVAL, "%s: %s", field, why);
}

static const char *get_string(struct json_object *o, const char *key,
			      bool required, const char *field,
			      struct error **err, int *rc)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    json_object_is_type(v, json_type_null)) {
		if (required)
			*rc = field_error(err, field, "required");
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		*rc = field_error(err, field, "must be a string");
		return NULL;
	}
	return json_object_get_string(v);
}

static struct json_object *get_typed(struct json_object *o, const char *key,
				     enum json_type t, const char *field,
				     struct error **err, int *rc)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return NULL;
	if (!json_object_is_type(v, t)) {
		*rc = field_error(err, field,
				  t == json_type_array ? "must be an array"
						       : "must be an object");
		return NULL;
	}
	return v;
}

static int parse_labels(struct json_object *arr, const char *field,
			struct aci_label **out, size_t *nout,
			struct error **err)
{
	size_t n = json_object_array_length(arr), i, j;
	struct aci_label *l;
	char f[64];
	int rc = 0;

	l = calloc(n ? n : 1, sizeof(*l));
	if (!l)
		return error_set(err, ENOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		snprintf(f, sizeof(f), "%s[%zu]", field, i);
		if (!json_object_is_type(e, json_type_object)) {
			free(l);
			return field_error(err, f, "must be an object");
		}
		snprintf(f, sizeof(f), "%s[%zu].name", field, i);
		l[i].name = get_string(e, "name", true, f, err, &rc);
		if (rc < 0) {
			free(l);
			return -1;
		}
		if (!aci_identifier_valid(l[i].name)) {
			free(l);
			return field_error(err, f, "not a valid AC identifier");
		}
		snprintf(f, sizeof(f), "%s[%zu].value", field, i);
		l[i].value = get_string(e, "value", true, f, err, &rc);
		if (rc < 0) {
			free(l);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (!strcmp(l[j].name, l[i].name)) {
				snprintf(f, sizeof(f), "%s[%zu].name", field,
					 i);
				free(l);
				return field_error(err, f, "duplicate label");
			}
	}
	*out = l;
	*nout = n;
	return 0;
}

static int check_name_value_list(struct json_object *arr, const char *field,
				 bool ident, struct error **err)
{
	size_t n = json_object_array_length(arr), i;
	char f[64];
	int rc = 0;

	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *name;

		snprintf(f, sizeof(f), "%s[%zu]", field, i);
		if (!json_object_is_type(e, json_type_object))
			return field_error(err, f, "must be an object");
		snprintf(f, sizeof(f), "%s[%zu].name", field, i);
		name = get_string(e, "name", true, f, err, &rc);
		if (rc < 0)
			return -1;
		if (ident ? !aci_identifier_valid(name) : !*name)
			return field_error(err, f, "invalid name");
		snprintf(f, sizeof(f), "%s[%zu].value", field, i);
		get_string(e, "value", true, f, err, &rc);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int parse_app(struct json_object *app, struct error **err)
{
	struct json_object *v;
	const char *s;
	size_t i, n;
	char f[64];
	int rc = 0;

	v = get_typed(app, "exec", json_type_array, "app.exec", err, &rc);
	if (rc < 0)
		return -1;
	n = v ? json_object_array_length(v) : 0;
	for (i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(v, i);

		snprintf(f, sizeof(f), "app.exec[%zu]", i);
		if (!json_object_is_type(a, json_type_string))
			return field_error(err, f, "must be a string");
		if (i == 0 && json_object_get_string(a)[0] != '/')
			return field_error(err, f, "must be an absolute path");
	}
	s = get_string(app, "user", true, "app.user", err, &rc);
	if (rc < 0)
		return -1;
	if (!*s)
		return field_error(err, "app.user", "must not be empty");
	s = get_string(app, "group", true, "app.group", err, &rc);
	if (rc < 0)
		return -1;
	if (!*s)
		return field_error(err, "app.group", "must not be empty");
	s = get_string(app, "workingDirectory", false, "app.workingDirectory",
		       err, &rc);
	if (rc < 0)
		return -1;
	if (s && s[0] != '/')
		return field_error(err, "app.workingDirectory",
				   "must be an absolute path");
	v = get_typed(app, "environment", json_type_array, "app.environment",
		      err, &rc);
	if (rc < 0 ||
	    (v && check_name_value_list(v, "app.environment", false, err) < 0))
		return -1;
	v = get_typed(app, "mountPoints", json_type_array, "app.mountPoints",
		      err, &rc);
	if (rc < 0)
		return -1;
	n = v ? json_object_array_length(v) : 0;
	for (i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(v, i);

		snprintf(f, sizeof(f), "app.mountPoints[%zu]", i);
		if (!json_object_is_type(m, json_type_object))
			return field_error(err, f, "must be an object");
		snprintf(f, sizeof(f), "app.mountPoints[%zu].name", i);
		s = get_string(m, "name", true, f, err, &rc);
		if (rc < 0)
			return -1;
		if (!aci_name_valid(s))
			return field_error(err, f, "not a valid AC name");
		snprintf(f, sizeof(f), "app.mountPoints[%zu].path", i);
		s = get_string(m, "path", true, f, err, &rc);
		if (rc < 0)
			return -1;
		if (s[0] != '/')
			return field_error(err, f, "must be an absolute path");
	}
	v = get_typed(app, "ports", json_type_array, "app.ports", err, &rc);
	if (rc < 0)
		return -1;
	n = v ? json_object_array_length(v) : 0;
	for (i = 0; i < n; i++) {
		struct json_object *p = json_object_array_get_idx(v, i), *num;
		int64_t port;

		snprintf(f, sizeof(f), "app.ports[%zu]", i);
		if (!json_object_is_type(p, json_type_object))
			return field_error(err, f, "must be an object");
		snprintf(f, sizeof(f), "app.ports[%zu].name", i);
		s = get_string(p, "name", true, f, err, &rc);
		if (rc < 0)
			return -1;
		if (!aci_name_valid(s))
			return field_error(err, f, "not a valid AC name");
		snprintf(f, sizeof(f), "app.ports[%zu].protocol", i);
		s = get_string(p, "protocol", true, f, err, &rc);
		if (rc < 0)
			return -1;
		snprintf(f, sizeof(f), "app.ports[%zu].port", i);
		if (!json_object_object_get_ex(p, "port", &num) ||
		    !json_object_is_type(num, json_type_int))
			return field_error(err, f, "required integer");
		port = json_object_get_int64(num);
		if (port < 0 || port > 65535)
			return field_error(err, f, "out of range 0-65535");
	}
	return 0;
}

static int parse_deps(struct aci_manifest *m, struct json_object *arr,
		      struct error **err)
{
	size_t n = json_object_array_length(arr), i;
	char f[64];
	int rc = 0;

	m->deps = calloc(n ? n : 1, sizeof(*m->deps));
	if (!m->deps)
		return error_set(err, ENOMEM, "out of memory");
	m->ndeps = n;
	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(arr, i), *l;
		struct aci_dependency *dep = &m->deps[i];

		snprintf(f, sizeof(f), "dependencies[%zu]", i);
		if (!json_object_is_type(d, json_type_object))
			return field_error(err, f, "must be an object");
		snprintf(f, sizeof(f), "dependencies[%zu].imageName", i);
		dep->image_name = get_string(d, "imageName", true, f, err, &rc);
		if (rc < 0)
			return -1;
		if (!aci_identifier_valid(dep->image_name))
			return field_error(err, f, "not a valid AC identifier");
		snprintf(f, sizeof(f), "dependencies[%zu].imageID", i);
		dep->image_id = get_string(d, "imageID", false, f, err, &rc);
		if (rc < 0)
			return -1;
		if (dep->image_id && digest_parse(dep->image_id, NULL, NULL))
			return field_error(err, f, "not a valid image ID");
		snprintf(f, sizeof(f), "dependencies[%zu].labels", i);
		l = get_typed(d, "labels", json_type_array, f, err, &rc);
		if (rc < 0 || (l && parse_labels(l, f, &dep->labels,
						 &dep->nlabels, err) < 0))
			return -1;
	}
	return 0;
}

static int manifest_validate(struct aci_manifest *m, struct error **err)
{
	struct json_object *j = m->json, *v;
	const char *kind;
	int rc = 0;
	size_t i;

	if (!json_object_is_type(j, json_type_object))
		return error_set(err, EINVAL, "manifest: not a JSON object");
	kind = get_string(j, "acKind", true, "acKind", err, &rc);
	if (rc < 0)
		return -1;
	if (strcmp(kind, "ImageManifest"))
		return field_error(err, "acKind", "must be \"ImageManifest\"");
	m->ac_version = get_string(j, "acVersion", true, "acVersion", err, &rc);
	if (rc < 0)
		return -1;
	if (!semver_valid(m->ac_version))
		return field_error(err, "acVersion", "not a semantic version");
	m->name = get_string(j, "name", true, "name", err, &rc);
	if (rc < 0)
		return -1;
	if (!aci_identifier_valid(m->name))
		return field_error(err, "name", "not a valid AC identifier");
	v = get_typed(j, "labels", json_type_array, "labels", err, &rc);
	if (rc < 0 ||
	    (v && parse_labels(v, "labels", &m->labels, &m->nlabels, err) < 0))
		return -1;
	v = get_typed(j, "app", json_type_object, "app", err, &rc);
	if (rc < 0 || (v && parse_app(v, err) < 0))
		return -1;
	m->has_app = v != NULL;
	v = get_typed(j, "dependencies", json_type_array, "dependencies", err,
		      &rc);
	if (rc < 0 || (v && parse_deps(m, v, err) < 0))
		return -1;
	v = get_typed(j, "annotations", json_type_array, "annotations", err,
		      &rc);
	if (rc < 0 ||
	    (v && check_name_value_list(v, "annotations", true, err) < 0))
		return -1;
	v = get_typed(j, "pathWhitelist", json_type_array, "pathWhitelist", err,
		      &rc);
	if (rc < 0)
		return -1;
	if (v) {
		m->nwhitelist = json_object_array_length(v);
		m->path_whitelist = calloc(m->nwhitelist ? m->nwhitelist : 1,
					   sizeof(char *));
		if (!m->path_whitelist)
			return error_set(err, ENOMEM, "out of memory");
		for (i = 0; i < m->nwhitelist; i++) {
			struct json_object *p = json_object_array_get_idx(v, i);
			char f[48];

			snprintf(f, sizeof(f), "pathWhitelist[%zu]", i);
			if (!json_object_is_type(p, json_type_string) ||
			    json_object_get_string(p)[0] != '/')
				return field_error(err, f,
						   "must be an absolute path");
			m->path_whitelist[i] = json_object_get_string(p);
		}
	}
	return 0;
}

int aci_manifest_from_json(struct json_object *json, struct aci_manifest **out,
			   struct error **err)
{
	struct aci_manifest *m = calloc(1, sizeof(*m));

	if (!m) {
		json_object_put(json);
		return error_set(err, ENOMEM, "out of memory");
	}
	m->json = json;
	if (manifest_validate(m, err) < 0) {
		aci_manifest_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

int aci_manifest_parse(const char *buf, size_t len, struct aci_manifest **out,
		       struct error **err)
{
	struct json_tokener *tok;
	struct json_object *j;
	enum json_tokener_error jerr;

	if (len > ACI_MANIFEST_MAX_BYTES)
		return error_set(err, EFBIG, "manifest larger than %u bytes",
				 ACI_MANIFEST_MAX_BYTES);
	tok = json_tokener_new_ex(64);
	if (!tok)
		return error_set(err, ENOMEM, "out of memory");
	j = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue) {
		j = NULL;
		jerr = json_tokener_error_parse_eof;
	} else if (j && tok->char_offset < (int)len) {
		/* Only whitespace may follow the object. */
		for (size_t i = (size_t)tok->char_offset; i < len; i++)
			if (!isspace((unsigned char)buf[i])) {
				json_object_put(j);
				j = NULL;
				jerr = json_tokener_error_parse_unexpected;
				break;
			}
	}
	json_tokener_free(tok);
	if (!j)
		return error_set(err, EINVAL, "manifest: invalid JSON: %s",
				 json_tokener_error_desc(jerr));
	return aci_manifest_from_json(j, out, err);
}

void aci_manifest_free(struct aci_manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->ndeps; i++)
		free(m->deps[i].labels);
	free(m->deps);
	free(m->labels);
	free(m->path_whitelist);
	json_object_put(m->json);
	free(m);
}

const char *aci_manifest_label(const struct aci_manifest *m, const char *name)
{
	for (size_t i = 0; i < m->nlabels; i++)
		if (!strcmp(m->labels[i].name, name))
			return m->labels[i].value;
	return NULL;
}

const char *aci_manifest_json(const struct aci_manifest *m)
{
	return json_object_to_json_string_ext(m->json, JSON_C_TO_STRING_PLAIN);
}

int aci_ref_split(const char *ref, char **name, char **version,
		  struct error **err)
{
	const char *colon = strrchr(ref, ':');

	*version = NULL;
	if (colon && !strchr(colon, '/')) {
		*name = strndup(ref, (size_t)(colon - ref));
		*version = strdup(colon + 1);
		if (!*name || !*version) {
			free(*name);
			free(*version);
			*name = *version = NULL;
			return error_set(err, ENOMEM, "out of memory");
		}
	} else {
		*name = strdup(ref);
		if (!*name)
			return error_set(err, ENOMEM, "out of memory");
	}
	if (!aci_identifier_valid(*name) || (*version && !**version)) {
		free(*name);
		free(*version);
		/* callers free both on every path */
		*name = *version = NULL;
		return error_set(err, EINVAL,
				 "\"%s\" is not a valid image name", ref);
	}
	return 0;
}
