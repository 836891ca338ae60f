// SPDX-License-Identifier: Apache-2.0
#include "stage0/supervisor_config.h"

#include "common/cleanup.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Bounds on the files prepare wrote (the pod frame must fit a frame). */
#define CONFIG_FILE_MAX	    (256u << 10)
#define CONFIG_MANIFEST_MAX (CTL_FRAME_MAX / 2)
#define CONFIG_JSON_DEPTH   32

void supervisor_now(char out[SUPERVISOR_TIME_MAX])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(out, SUPERVISOR_TIME_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, SUPERVISOR_TIME_MAX - n, ".%09ldZ",
		 ts.tv_nsec % 1000000000);
}

int supervisor_app_code(const struct supervisor_app *a)
{
	if (a->signal > 0)
		return 128 + a->signal;
	return a->status >= 0 ? a->status : 1;
}

bool supervisor_app_failed(const struct supervisor_app *a)
{
	return a->exited && (a->signal > 0 || a->status != 0);
}

static struct json_object *config_parse_json(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(CONFIG_JSON_DEPTH);
	struct json_object *obj;

	if (!tok)
		return NULL;
	obj = json_tokener_parse_ex(tok, text, (int)len);
	if (obj && (json_tokener_get_error(tok) != json_tokener_success ||
		    tok->char_offset != (int)len ||
		    !json_object_is_type(obj, json_type_object))) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

static struct json_object *config_read_json(struct pod *p, const char *name,
					    size_t max, struct error **err)
{
	cleanup_free char *text = NULL;
	struct json_object *obj;
	size_t len;

	text = pod_read_file(p, name, max, &len, err);
	if (!text)
		return NULL;
	obj = config_parse_json(text, len);
	if (!obj)
		error_set(err, EINVAL, "%s: not a JSON object", name);
	return obj;
}

static int config_get_uint(struct json_object *o, const char *key, unsigned min,
			   unsigned max, unsigned *out, struct error **err)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return error_set(err, EINVAL,
				 "stage0.json: \"%s\" is missing or not a "
				 "number",
				 key);
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return error_set(err, ERANGE,
				 "stage0.json: \"%s\" %lld is out of range "
				 "%u..%u",
				 key, (long long)n, min, max);
	*out = (unsigned)n;
	return 0;
}

static int config_get_bool(struct json_object *o, const char *key, bool dflt,
			   bool *out, struct error **err)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v)) {
		*out = dflt;
		return 0;
	}
	if (!json_object_is_type(v, json_type_boolean))
		return error_set(err, EINVAL,
				 "stage0.json: \"%s\" is not a boolean", key);
	*out = json_object_get_boolean(v);
	return 0;
}

static const char *config_get_string(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int config_load_apps(struct supervisor_config *s,
			    struct json_object *cfg, struct error **err)
{
	struct json_object *arr;

	if (!json_object_object_get_ex(cfg, "apps", &arr) ||
	    !json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) == 0)
		return error_set(err, EINVAL,
				 "stage0.json: \"apps\" is missing or empty");
	if (json_object_array_length(arr) > SUPERVISOR_APPS_MAX)
		return error_set(err, E2BIG, "stage0.json: more than %d apps",
				 SUPERVISOR_APPS_MAX);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *a = json_object_array_get_idx(arr, i);
		const char *name = config_get_string(a, "name");
		const char *tree = config_get_string(a, "tree");
		struct supervisor_app *app = &s->apps[s->napps];

		if (!name || !ctl_app_name_valid(name))
			return error_set(err, EINVAL,
					 "stage0.json: app %zu has no valid "
					 "name",
					 i);
		if (s->overlay && (!tree || strlen(tree) >= sizeof(app->tree)))
			return error_set(err, EINVAL,
					 "stage0.json: app %s has no valid "
					 "tree",
					 name);
		for (size_t j = 0; j < s->napps; j++)
			if (!strcmp(s->apps[j].name, name))
				return error_set(err, EINVAL,
						 "stage0.json: app %s listed "
						 "twice",
						 name);
		snprintf(app->name, sizeof(app->name), "%s", name);
		snprintf(app->tree, sizeof(app->tree), "%s", tree ? tree : "");
		s->napps++;
	}
	return 0;
}

static int config_load_volumes(struct supervisor_config *s,
			       struct json_object *cfg, struct error **err)
{
	struct json_object *arr;

	if (!json_object_object_get_ex(cfg, "volumes", &arr))
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return error_set(err, EINVAL,
				 "stage0.json: \"volumes\" is not an array");
	if (json_object_array_length(arr) > SUPERVISOR_VOLUMES_MAX)
		return error_set(err, E2BIG,
				 "stage0.json: more than %d volumes",
				 SUPERVISOR_VOLUMES_MAX);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		const char *name = config_get_string(v, "name");
		const char *source = config_get_string(v, "source");
		struct supervisor_volume *vol = &s->vols[s->nvols];

		if (!name || !ctl_app_name_valid(name) || !source ||
		    source[0] != '/')
			return error_set(err, EINVAL,
					 "stage0.json: volume %zu needs a "
					 "valid name and an absolute source",
					 i);
		snprintf(vol->name, sizeof(vol->name), "%s", name);
		vol->source = strdup(source);
		if (!vol->source)
			return error_set(err, ENOMEM, "out of memory");
		s->nvols++;
		if (config_get_bool(v, "readonly", false, &vol->readonly, err) <
		    0)
			return -1;
	}
	return 0;
}

int supervisor_config_load(struct pod *p, struct supervisor_config *s,
			   struct error **err)
{
	struct json_object *cfg, *manifest = NULL, *runtime = NULL;
	int r = -1;

	cfg = config_read_json(p, "stage0.json", CONFIG_FILE_MAX, err);
	if (!cfg)
		return -1;
	/* vmm/options.c: --mem 16.. for a kernel, --cpus 1..254. */
	if (config_get_uint(cfg, "memory_mib", 16, 1048576, &s->memory_mib,
			    err) < 0 ||
	    config_get_uint(cfg, "cpus", 1, 254, &s->cpus, err) < 0 ||
	    config_get_uint(cfg, "stop_timeout_ms", 0, 3600000,
			    &s->stop_timeout_ms, err) < 0 ||
	    config_get_bool(cfg, "interactive", false, &s->interactive, err) <
		    0 ||
	    config_get_bool(cfg, "overlay", true, &s->overlay, err) < 0 ||
	    config_load_apps(s, cfg, err) < 0 ||
	    config_load_volumes(s, cfg, err) < 0)
		goto out;
	if (json_object_object_get_ex(cfg, "net", &s->net)) {
		if (!json_object_is_type(s->net, json_type_object)) {
			s->net = NULL;
			error_set(err, EINVAL,
				  "stage0.json: net is not an object");
			goto out;
		}
		json_object_get(s->net);
	}
	manifest = config_read_json(p, "pod", CONFIG_MANIFEST_MAX, err);
	if (!manifest)
		goto out;
	runtime = config_read_json(p, "runtime.json", CONFIG_MANIFEST_MAX, err);
	if (!runtime)
		goto out;
	s->pod_frame = ctl_msg_new("pod");
	if (!s->pod_frame) {
		error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	json_object_object_add(s->pod_frame, "manifest",
			       steal_pointer(&manifest));
	json_object_object_add(s->pod_frame, "runtime",
			       steal_pointer(&runtime));
	if (strlen(json_object_to_json_string_ext(s->pod_frame,
						  JSON_C_TO_STRING_PLAIN)) +
		    1 >
	    CTL_FRAME_MAX) {
		error_set(err, E2BIG,
			  "the pod manifest and runtime.json together exceed "
			  "the %u-byte frame limit",
			  CTL_FRAME_MAX);
		goto out;
	}
	r = 0;
out:
	json_object_put(manifest);
	json_object_put(runtime);
	json_object_put(cfg);
	return r;
}

void supervisor_config_free(struct supervisor_config *c)
{
	for (size_t i = 0; i < c->nvols; i++)
		free(c->vols[i].source);
	json_object_put(c->pod_frame);
	c->pod_frame = NULL;
	json_object_put(c->net);
	c->net = NULL;
	c->nvols = 0;
}

int supervisor_state_write(struct pod *p, const struct supervisor_config *c,
			   const struct supervisor_state *st,
			   struct error **err)
{
	struct json_object *o = json_object_new_object();
	struct json_object *apps = json_object_new_object();
	const char *text;
	int r;

	if (!o || !apps) {
		json_object_put(o);
		json_object_put(apps);
		return error_set(err, ENOMEM, "out of memory");
	}
	json_object_object_add(o, "started",
			       json_object_new_string(st->started));
	json_object_object_add(o, "supervisor_pid",
			       json_object_new_int(st->supervisor_pid));
	if (st->vmm_pid > 0)
		json_object_object_add(o, "pid",
				       json_object_new_int(st->vmm_pid));
	if (st->ready)
		json_object_object_add(o, "ready", json_object_new_boolean(1));
	if (st->exited) {
		json_object_object_add(o, "exited",
				       json_object_new_string(st->exited));
		json_object_object_add(o, "exit_status",
				       json_object_new_int(st->exit_status));
		json_object_object_add(o, "reason",
				       json_object_new_string(st->reason));
	}
	for (size_t i = 0; i < c->napps; i++) {
		const struct supervisor_app *a = &c->apps[i];
		struct json_object *ao = json_object_new_object();

		if (!ao)
			continue;
		if (a->started) {
			json_object_object_add(ao, "pid",
					       json_object_new_int(a->pid));
			json_object_object_add(
				ao, "started",
				json_object_new_string(a->started_at));
		}
		if (a->exited) {
			json_object_object_add(ao, "status",
					       json_object_new_int(a->status));
			json_object_object_add(ao, "signal",
					       json_object_new_int(a->signal));
			json_object_object_add(ao, "oom",
					       json_object_new_boolean(a->oom));
			json_object_object_add(
				ao, "exited",
				json_object_new_string(a->exited_at));
		}
		json_object_object_add(apps, a->name, ao);
	}
	json_object_object_add(o, "apps", apps);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);
	/* Only the final state (the exit) is worth a disk flush. */
	r = st->exited
		    ? pod_write_file(p, "state.json", text, strlen(text), err)
		    : pod_write_file_volatile(p, "state.json", text,
					      strlen(text), err);
	json_object_put(o);
	return r;
}
