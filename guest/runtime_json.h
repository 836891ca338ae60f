/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Typed, bounded readers of JSON members for guest/runtime.c: each checks
 * the type and the bound and, on failure, writes one message naming the
 * member's path ("apps[1].mounts[0].target: int instead of a string")
 * and returns -EINVAL (-ENOMEM when out of memory).
 */
#ifndef COCOON_GUEST_RUNTIME_JSON_H
#define COCOON_GUEST_RUNTIME_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

/* Where the first error message goes. */
struct runtime_ctx {
	char *err;
	size_t err_size;
};

/* Formats the message into c->err; returns -EINVAL. */
int runtime_fail(struct runtime_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* snprintf for member paths: a long path is cut, which is fine there. */
void runtime_where(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *runtime_type_name(struct json_object *o);

/* obj[key]: 1 and *out, 0 when absent, -EINVAL when null. */
int runtime_member(struct runtime_ctx *c, struct json_object *obj,
		   const char *where, const char *key,
		   struct json_object **out);
/* obj[key], which must be there: 0 and *out, or -EINVAL. */
int runtime_required(struct runtime_ctx *c, struct json_object *obj,
		     const char *where, const char *key,
		     struct json_object **out);
/* A malloc'd copy of a string of at most max bytes without NULs. */
int runtime_string(struct runtime_ctx *c, struct json_object *o,
		   const char *what, size_t max, bool allow_empty, char **out);
int runtime_bool(struct runtime_ctx *c, struct json_object *o, const char *what,
		 bool *out);
int runtime_int(struct runtime_ctx *c, struct json_object *o, const char *what,
		int64_t min, int64_t max, int64_t *out);
/* An array of at most max entries; its length in *len. */
int runtime_array(struct runtime_ctx *c, struct json_object *o,
		  const char *what, size_t max, size_t *len);
/* A NULL-terminated, malloc'd array of strings. */
int runtime_strv(struct runtime_ctx *c, struct json_object *o, const char *what,
		 size_t max_entries, size_t max_len, bool allow_empty,
		 char ***out, size_t *n_out);
void runtime_strv_free(char **v);
/* An optional boolean member: *out is left as it was when absent. */
int runtime_opt_bool(struct runtime_ctx *c, struct json_object *o,
		     const char *prefix, const char *key, bool *out);

#endif
