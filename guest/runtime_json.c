// SPDX-License-Identifier: Apache-2.0
#include "guest/runtime_json.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int runtime_fail(struct runtime_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, c->err_size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void runtime_where(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

const char *runtime_type_name(struct json_object *o)
{
	return json_type_to_name(json_object_get_type(o));
}

/* The member key of obj: 1 and *out, 0 when absent, -EINVAL on null. */
int runtime_member(struct runtime_ctx *c, struct json_object *obj,
		   const char *where, const char *key, struct json_object **out)
{
	if (!json_object_object_get_ex(obj, key, out))
		return 0;
	if (!*out)
		return runtime_fail(c, "%s%s: null", where, key);
	return 1;
}

int runtime_required(struct runtime_ctx *c, struct json_object *obj,
		     const char *where, const char *key,
		     struct json_object **out)
{
	int ret = runtime_member(c, obj, where, key, out);

	if (ret == 0)
		return runtime_fail(c, "%s%s: missing", where, key);
	return ret < 0 ? ret : 0;
}

/*
 * A copy of a JSON string of 1..max bytes without NULs (json-c keeps
 * embedded NULs, which would cut a C string short).
 */
int runtime_string(struct runtime_ctx *c, struct json_object *o,
		   const char *what, size_t max, bool allow_empty, char **out)
{
	const char *s;
	size_t len;

	if (!json_object_is_type(o, json_type_string))
		return runtime_fail(c, "%s: %s instead of a string", what,
				    runtime_type_name(o));
	s = json_object_get_string(o);
	len = (size_t)json_object_get_string_len(o);
	if (strlen(s) != len)
		return runtime_fail(c, "%s: contains a NUL byte", what);
	if (!len && !allow_empty)
		return runtime_fail(c, "%s: empty", what);
	if (len > max)
		return runtime_fail(c, "%s: %zu bytes, at most %zu", what, len,
				    max);
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

int runtime_bool(struct runtime_ctx *c, struct json_object *o, const char *what,
		 bool *out)
{
	if (!json_object_is_type(o, json_type_boolean))
		return runtime_fail(c, "%s: %s instead of a boolean", what,
				    runtime_type_name(o));
	*out = json_object_get_boolean(o);
	return 0;
}

int runtime_int(struct runtime_ctx *c, struct json_object *o, const char *what,
		int64_t min, int64_t max, int64_t *out)
{
	int64_t v;

	if (!json_object_is_type(o, json_type_int))
		return runtime_fail(c, "%s: %s instead of an integer", what,
				    runtime_type_name(o));
	/* json-c clamps values beyond int64 to INT64_MIN/MAX. */
	errno = 0;
	v = json_object_get_int64(o);
	if (errno || v < min || v > max)
		return runtime_fail(c, "%s: %s out of range %lld..%lld", what,
				    json_object_to_json_string(o),
				    (long long)min, (long long)max);
	*out = v;
	return 0;
}

int runtime_array(struct runtime_ctx *c, struct json_object *o,
		  const char *what, size_t max, size_t *len)
{
	if (!json_object_is_type(o, json_type_array))
		return runtime_fail(c, "%s: %s instead of an array", what,
				    runtime_type_name(o));
	*len = json_object_array_length(o);
	if (*len > max)
		return runtime_fail(c, "%s: %zu entries, at most %zu", what,
				    *len, max);
	return 0;
}

void runtime_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

/* A NULL-terminated array of strings: exec and seccomp syscall lists. */
int runtime_strv(struct runtime_ctx *c, struct json_object *o, const char *what,
		 size_t max_entries, size_t max_len, bool allow_empty,
		 char ***out, size_t *n_out)
{
	char **v;
	size_t n;
	char where[96];
	int ret;

	ret = runtime_array(c, o, what, max_entries, &n);
	if (ret < 0)
		return ret;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		runtime_where(where, sizeof(where), "%s[%zu]", what, i);
		ret = runtime_string(c, json_object_array_get_idx(o, i), where,
				     max_len, allow_empty, &v[i]);
		if (ret < 0) {
			runtime_strv_free(v);
			return ret;
		}
	}
	*out = v;
	*n_out = n;
	return 0;
}

/* An optional boolean member. */
int runtime_opt_bool(struct runtime_ctx *c, struct json_object *o,
		     const char *prefix, const char *key, bool *out)
{
	struct json_object *m;
	char where[128];
	int ret = runtime_member(c, o, prefix, key, &m);

	if (ret <= 0)
		return ret;
	runtime_where(where, sizeof(where), "%s%s", prefix, key);
	return runtime_bool(c, m, where, out);
}
