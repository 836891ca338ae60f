// SPDX-License-Identifier: Apache-2.0
/* Capabilities, seccomp and isolators (stage0/pod_plan_security.h). */
#include "stage0/pod_plan_security.h"
#include "stage0/command.h"
#include "stage0/plan_json.h"
#include "common/capnames.h"
#include "common/cleanup.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct json_object *plan_caps_json(uint64_t mask)
{
	struct json_object *arr = json_object_new_array();

	for (int cap = 0; arr && cap <= CAPS_LAST; cap++)
		if ((mask & (1ull << cap)) &&
		    json_object_array_add(
			    arr, json_object_new_string(caps_name(cap))) < 0) {
			json_object_put(arr);
			return NULL;
		}
	return arr;
}

uint64_t plan_caps(const struct run_options *o, const struct run_app_flags *f,
		   const struct app_isolators *iso, unsigned insecure)
{
	uint64_t set = caps_default_set();

	if (insecure & INSECURE_CAPABILITIES)
		return caps_all();
	if (!f->has_caps_retain && !f->has_caps_remove)
		f = &o->all;
	if (f->has_caps_retain)
		return f->caps_retain;
	if (f->has_caps_remove)
		return set & ~f->caps_remove;
	if (iso->has_caps_retain)
		set = iso->caps_retain;
	if (iso->has_caps_remove)
		set &= ~iso->caps_remove;
	return set;
}

const struct seccomp_spec *plan_seccomp_spec(const struct run_options *o,
					     const struct run_app_flags *f,
					     const struct app_isolators *iso)
{
	if (f->seccomp.mode != SECCOMP_MODE_UNSET)
		return &f->seccomp;
	if (o->all.seccomp.mode != SECCOMP_MODE_UNSET)
		return &o->all.seccomp;
	if (iso->seccomp.mode != SECCOMP_MODE_UNSET)
		return &iso->seccomp;
	return NULL;
}

static struct json_object *seccomp_set_json(const struct seccomp_spec *s)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < s->nsyscalls; i++)
		if (json_object_array_add(
			    arr, json_object_new_string(s->syscalls[i])) < 0) {
			json_object_put(arr);
			return NULL;
		}
	return arr;
}

/* docs/protocol.md: {"mode": ...[, "syscalls": [...]][, "errno": E]} */
int plan_seccomp_json(const struct seccomp_spec *s, unsigned insecure,
		      struct json_object **out, struct error **err)
{
	cleanup_json struct json_object *j = json_object_new_object();

	if (!j)
		return JSON_OOM(err);
	if (insecure & INSECURE_SECCOMP) {
		if (jadd_str(j, "mode", "none", err) < 0)
			return -1;
	} else if (!s) {
		if (jadd_str(j, "mode", "default", err) < 0)
			return -1;
	} else {
		if (jadd_str(j, "mode",
			     s->mode == SECCOMP_MODE_RETAIN ? "retain"
							    : "remove",
			     err) < 0 ||
		    jadd(j, "syscalls", seccomp_set_json(s), err) < 0)
			return -1;
		if (s->errno_name &&
		    jadd_str(j, "errno", s->errno_name, err) < 0)
			return -1;
	}
	*out = steal_pointer(&j);
	return 0;
}

/* The image's isolators, minus those the flags replace, plus the flags'. */
int plan_isolators(struct json_object *image_app, const struct run_app_flags *f,
		   const struct run_app_flags *all, struct json_object **out,
		   struct error **err)
{
	cleanup_json struct json_object *arr = json_object_new_array();
	struct json_object *iiso = jget(image_app, "isolators");
	const struct run_app_flags *caps =
		f->has_caps_retain || f->has_caps_remove       ? f
		: all->has_caps_retain || all->has_caps_remove ? all
							       : NULL;
	const struct seccomp_spec *sc =
		f->seccomp.mode ? &f->seccomp
				: (all->seccomp.mode ? &all->seccomp : NULL);
	char buf[64];

	if (!arr)
		return JSON_OOM(err);
	for (size_t i = 0; iiso && i < json_object_array_length(iiso); i++) {
		struct json_object *iso = json_object_array_get_idx(iiso, i);
		const char *name = json_object_get_string(jget(iso, "name"));

		if (!name || (f->memory && !strcmp(name, "resource/memory")) ||
		    (f->cpu && !strcmp(name, "resource/cpu")) ||
		    (caps && !strncmp(name, "os/linux/capabilities-", 22)) ||
		    (sc && !strncmp(name, "os/linux/seccomp-", 17)))
			continue;
		if (jpush(arr, json_object_get(iso), err) < 0)
			return -1;
	}
	if (f->memory || f->cpu) {
		for (int k = 0; k < 2; k++) {
			struct json_object *iso, *value;

			if (!(k ? f->cpu : f->memory))
				continue;
			if (k)
				snprintf(buf, sizeof(buf), "%" PRIu64 "m",
					 f->cpu);
			else
				snprintf(buf, sizeof(buf), "%" PRIu64,
					 f->memory);
			iso = json_object_new_object();
			value = json_object_new_object();
			if (jpush(arr, iso, err) < 0) {
				json_object_put(value);
				return -1;
			}
			if (jadd_str(iso, "name",
				     k ? "resource/cpu" : "resource/memory",
				     err) < 0 ||
			    jadd(iso, "value", value, err) < 0 ||
			    jadd_str(value, "request", buf, err) < 0 ||
			    jadd_str(value, "limit", buf, err) < 0)
				return -1;
		}
	}
	if (caps) {
		struct json_object *iso = json_object_new_object(), *value;

		if (jpush(arr, iso, err) < 0 ||
		    jadd_str(iso, "name",
			     caps->has_caps_retain
				     ? "os/linux/capabilities-retain-set"
				     : "os/linux/capabilities-remove-set",
			     err) < 0)
			return -1;
		value = json_object_new_object();
		if (jadd(iso, "value", value, err) < 0 ||
		    jadd(value, "set",
			 plan_caps_json(caps->has_caps_retain
						? caps->caps_retain
						: caps->caps_remove),
			 err) < 0)
			return -1;
	}
	if (sc) {
		struct json_object *iso = json_object_new_object(), *value;

		if (jpush(arr, iso, err) < 0 ||
		    jadd_str(iso, "name",
			     sc->mode == SECCOMP_MODE_RETAIN
				     ? "os/linux/seccomp-retain-set"
				     : "os/linux/seccomp-remove-set",
			     err) < 0)
			return -1;
		value = json_object_new_object();
		if (jadd(iso, "value", value, err) < 0 ||
		    jadd(value, "set", seccomp_set_json(sc), err) < 0 ||
		    (sc->errno_name &&
		     jadd_str(value, "errno", sc->errno_name, err) < 0))
			return -1;
	}
	*out = steal_pointer(&arr);
	return 0;
}
