/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json-c helpers for building a pod's plan (stage0/pod_manifest.c,
 * stage0/pod_plan_net.c) and reading it back (stage0/pod_net.c): adding
 * that reports a failed allocation and drops the value, and a lookup that
 * tolerates a missing or non-object parent.
 */
#ifndef COCOON_STAGE0_PLAN_JSON_H
#define COCOON_STAGE0_PLAN_JSON_H

#include <errno.h>
#include <json-c/json.h>

#include "common/error.h"

#define JSON_OOM(err) error_set(err, ENOMEM, "out of memory")

static inline void plan_json_putp(struct json_object **j)
{
	json_object_put(*j);
}
/* A json_object reference dropped when the variable goes out of scope. */
#define cleanup_json __attribute__((cleanup(plan_json_putp)))

/* json_object_object_add that reports a failure to allocate. */
static inline int jadd(struct json_object *obj, const char *key,
		       struct json_object *val, struct error **err)
{
	if (!val || json_object_object_add(obj, key, val) < 0) {
		json_object_put(val);
		return JSON_OOM(err);
	}
	return 0;
}

static inline int jpush(struct json_object *arr, struct json_object *val,
			struct error **err)
{
	if (!val || json_object_array_add(arr, val) < 0) {
		json_object_put(val);
		return JSON_OOM(err);
	}
	return 0;
}

static inline int jadd_str(struct json_object *obj, const char *key,
			   const char *s, struct error **err)
{
	return jadd(obj, key, json_object_new_string(s), err);
}

/* obj[key], or NULL when obj is not an object or has no key. */
static inline struct json_object *jget(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (!obj || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

#endif
