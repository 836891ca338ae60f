// SPDX-License-Identifier: Apache-2.0
/* Reading a pod's state for list and status: see pod_status.h. */
#include "stage0/pod_status.h"
#include "stage0/pod_net.h"
#include "common/cleanup.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pod_status_state_name(enum pod_state s, bool running)
{
	switch (s) {
	case POD_EMBRYO:
		return "embryo";
	case POD_PREPARE:
		return "preparing";
	case POD_PREPARED:
		return "prepared";
	case POD_RUN:
		return running ? "running" : "exited";
	case POD_EXITED_GARBAGE:
		return "exited garbage";
	case POD_GARBAGE:
		return "garbage";
	case POD_STATE_COUNT:
		break;
	}
	return "unknown";
}

int pod_time_parse(const char *s, struct timespec *out)
{
	struct tm tm = {0};
	long nsec = 0, scale = 100000000;
	int used = 0;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
		   &used) != 6 ||
	    used != 19)
		return -1;
	s += used;
	if (*s == '.') {
		if (s[1] < '0' || s[1] > '9')
			return -1;
		for (s++; *s >= '0' && *s <= '9'; s++) {
			nsec += (*s - '0') * scale;
			scale /= 10;
		}
	}
	if (strcmp(s, "Z") && strcmp(s, "+00:00"))
		return -1;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60 || tm.tm_year < 1970)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	out->tv_sec = t;
	out->tv_nsec = nsec;
	return 0;
}

void pod_time_format_rfc3339(const struct timespec *t, char *buf, size_t len)
{
	struct tm tm;
	time_t s = t->tv_sec;
	char date[32];

	gmtime_r(&s, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%09ldZ", date, t->tv_nsec);
}

void pod_time_format_human(const struct timespec *t, char *buf, size_t len)
{
	struct tm tm;
	time_t s = t->tv_sec;
	char date[32];

	if (!t->tv_sec) {
		snprintf(buf, len, "-");
		return;
	}
	gmtime_r(&s, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ld +0000 UTC", date, t->tv_nsec / 1000000);
}

void pod_status_free(struct pod_status *st)
{
	for (size_t i = 0; i < st->napps; i++) {
		free(st->apps[i].name);
		free(st->apps[i].image_id);
		free(st->apps[i].image_name);
	}
	free(st->apps);
	free(st->reason);
	free(st->networks);
	memset(st, 0, sizeof(*st));
}

/* Parses a JSON object file of the pod; 0 and NULL when it is missing. */
static int pod_status_json(struct pod *p, const char *name,
			   struct json_object **out, struct error **err)
{
	cleanup_error struct error *local = NULL;
	cleanup_free char *text = NULL;
	enum json_tokener_error jerr;
	size_t len = 0;

	*out = NULL;
	text = pod_read_file(p, name, POD_STATUS_FILE_MAX, &len, &local);
	if (!text) {
		if (local->code == ENOENT)
			return 0;
		*err = steal_pointer(&local);
		return -1;
	}
	*out = json_tokener_parse_verbose(text, &jerr);
	if (!*out || !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		return error_set(err, EINVAL, "%s/%s: not a JSON object%s%s",
				 p->path, name, jerr ? ": " : "",
				 jerr ? json_tokener_error_desc(jerr) : "");
	}
	return 0;
}

static const char *pod_json_string(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool pod_json_int(struct json_object *o, const char *key, int64_t *out)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return true;
}

static int pod_json_time(struct pod *p, const char *file, struct json_object *o,
			 const char *key, struct timespec *out,
			 struct error **err)
{
	const char *s = pod_json_string(o, key);

	if (s && pod_time_parse(s, out) < 0)
		return error_set(err, EINVAL,
				 "%s/%s: \"%s\" is not an RFC 3339 UTC time",
				 p->path, file, key);
	return 0;
}

static struct pod_app_status *pod_status_app(struct pod_status *st,
					     const char *name)
{
	struct pod_app_status *grown;

	for (size_t i = 0; i < st->napps; i++)
		if (!strcmp(st->apps[i].name, name))
			return &st->apps[i];
	grown = realloc(st->apps, (st->napps + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	st->apps = grown;
	memset(&grown[st->napps], 0, sizeof(*grown));
	grown[st->napps].name = strdup(name);
	if (!grown[st->napps].name)
		return NULL;
	return &grown[st->napps++];
}

/* stage0.json: created and the apps with their image IDs. */
static int pod_status_stage0(struct pod *p, struct pod_status *st,
			     struct error **err)
{
	struct json_object *j = NULL, *apps;
	int64_t v;
	int r = 0;

	if (pod_status_json(p, "stage0.json", &j, err) < 0)
		return -1;
	if (!j)
		return 0;
	r = pod_json_time(p, "stage0.json", j, "created", &st->created, err);
	if (pod_json_int(j, "stop_timeout_ms", &v) && v > 0 &&
	    v < 24LL * 3600 * 1000)
		st->stop_timeout_ms = v;
	if (json_object_object_get_ex(j, "apps", &apps) &&
	    json_object_is_type(apps, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(apps); i++) {
			struct json_object *a =
				json_object_array_get_idx(apps, i);
			const char *name = pod_json_string(a, "name");
			const char *image = pod_json_string(a, "image");
			struct pod_app_status *app;

			if (!name)
				continue;
			app = pod_status_app(st, name);
			if (!app || (image && !app->image_id &&
				     !(app->image_id = strdup(image)))) {
				r = error_set(err, ENOMEM, "out of memory");
				break;
			}
		}
	}
	json_object_put(j);
	return r;
}

/* `pod`: the image names (name:version) of the apps. */
static int pod_status_manifest(struct pod *p, struct pod_status *st,
			       struct error **err)
{
	struct json_object *j = NULL, *apps;

	if (pod_status_json(p, "pod", &j, err) < 0)
		return -1;
	if (!j)
		return 0;
	if (json_object_object_get_ex(j, "apps", &apps) &&
	    json_object_is_type(apps, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(apps); i++) {
			struct json_object *a = json_object_array_get_idx(apps,
									  i),
					   *img, *labels;
			const char *name = pod_json_string(a, "name"), *iname,
				   *version = NULL;
			struct pod_app_status *app;

			if (!name ||
			    !json_object_object_get_ex(a, "image", &img))
				continue;
			iname = pod_json_string(img, "name");
			if (!iname)
				continue;
			if (json_object_object_get_ex(img, "labels", &labels) &&
			    json_object_is_type(labels, json_type_array))
				for (size_t l = 0;
				     l < json_object_array_length(labels);
				     l++) {
					struct json_object *lab =
						json_object_array_get_idx(
							labels, l);
					const char *ln =
						pod_json_string(lab, "name");

					if (ln && !strcmp(ln, "version"))
						version = pod_json_string(
							lab, "value");
				}
			app = pod_status_app(st, name);
			if (!app) {
				json_object_put(j);
				return error_set(err, ENOMEM, "out of memory");
			}
			free(app->image_name);
			if (asprintf(&app->image_name, "%s%s%s", iname,
				     version ? ":" : "",
				     version ? version : "") < 0) {
				app->image_name = NULL;
				json_object_put(j);
				return error_set(err, ENOMEM, "out of memory");
			}
		}
	}
	json_object_put(j);
	return 0;
}

/* state.json: times, pids, the exit and each app's status. */
static int pod_status_state(struct pod *p, struct pod_status *st,
			    struct error **err)
{
	struct json_object *j = NULL, *apps, *ready;
	int64_t v;
	const char *reason;
	int r;

	if (pod_status_json(p, "state.json", &j, err) < 0)
		return -1;
	if (!j)
		return 0;
	r = pod_json_time(p, "state.json", j, "started", &st->started, err);
	if (r == 0)
		r = pod_json_time(p, "state.json", j, "exited", &st->exited,
				  err);
	if (pod_json_int(j, "pid", &v) && v > 0 && v < INT32_MAX)
		st->pid = (long)v;
	if (pod_json_int(j, "supervisor_pid", &v) && v > 0 && v < INT32_MAX)
		st->supervisor_pid = (long)v;
	if (pod_json_int(j, "exit_status", &v) && v >= 0 && v <= 255) {
		st->has_exit_status = true;
		st->exit_status = (int)v;
	}
	if (json_object_object_get_ex(j, "ready", &ready))
		st->ready = json_object_get_boolean(ready);
	reason = pod_json_string(j, "reason");
	if (reason && !(st->reason = strdup(reason)))
		r = error_set(err, ENOMEM, "out of memory");
	if (json_object_object_get_ex(j, "apps", &apps) &&
	    json_object_is_type(apps, json_type_object)) {
		json_object_object_foreach(apps, name, a)
		{
			struct pod_app_status *app = pod_status_app(st, name);
			struct json_object *oom, *ex = NULL;

			if (!app) {
				r = error_set(err, ENOMEM, "out of memory");
				break;
			}
			if (pod_json_int(a, "pid", &v) && v > 0)
				app->started = true;
			/* An app that has not exited has no status yet (or
			 * an explicit "exited": null). */
			if (pod_json_int(a, "status", &v) && v >= -1 &&
			    v <= 255 &&
			    (!json_object_object_get_ex(a, "exited", &ex) ||
			     ex)) {
				app->has_status = true;
				app->status = (int)v;
			}
			if (pod_json_int(a, "signal", &v) && v > 0 && v < 128)
				app->signal = (int)v;
			if (json_object_object_get_ex(a, "oom", &oom))
				app->oom = json_object_get_boolean(oom);
		}
	}
	json_object_put(j);
	return r;
}

/* The `pid` file: the VMM's pid as a decimal number. */
static void pod_status_pid_file(struct pod *p, struct pod_status *st)
{
	cleanup_free char *text = pod_read_file(p, "pid", 64, NULL, NULL);
	char *end;
	long v;

	if (!text)
		return;
	v = strtol(text, &end, 10);
	if (end != text && (*end == '\0' || *end == '\n') && v > 0 &&
	    v < INT32_MAX)
		st->pid = v;
}

int pod_status_read(struct pod *p, struct pod_status *st, struct error **err)
{
	int r = 0;

	memset(st, 0, sizeof(*st));
	snprintf(st->uuid, sizeof(st->uuid), "%s", p->uuid);
	st->dir_state = p->state;
	st->running = p->state == POD_RUN && pod_lock_held_elsewhere(p);
	st->state = pod_status_state_name(p->state, st->running);
	if (pod_status_stage0(p, st, err) < 0)
		r = -1;
	if (pod_status_manifest(p, st, r < 0 ? NULL : err) < 0)
		r = -1;
	if (pod_status_state(p, st, r < 0 ? NULL : err) < 0)
		r = -1;
	if (!st->pid)
		pod_status_pid_file(p, st);
	st->networks = pod_net_summary(p);
	if (r < 0)
		return error_wrap(err, "read status of pod %s", p->uuid);
	return 0;
}

/* "name:ip4=A,name2:ip6=B" -> [{"netName": name, "ip": A}, ...] */
static struct json_object *pod_networks_json(const char *summary)
{
	struct json_object *a = json_object_new_array();
	const char *p = summary ? summary : "";

	while (a && *p) {
		size_t len = strcspn(p, ",");
		const char *colon = memchr(p, ':', len);
		const char *eq = memchr(p, '=', len);
		struct json_object *j;

		if (colon && eq && eq > colon) {
			j = json_object_new_object();
			json_object_object_add(j, "netName",
					       json_object_new_string_len(
						       p, (int)(colon - p)));
			json_object_object_add(
				j, "ip",
				json_object_new_string_len(
					eq + 1,
					(int)(len - (size_t)(eq + 1 - p))));
			json_object_array_add(a, j);
		}
		p += len + (p[len] == ',');
	}
	return a;
}

static struct json_object *pod_json_time_ns(const struct timespec *t)
{
	if (!t->tv_sec)
		return NULL;
	return json_object_new_int64((int64_t)t->tv_sec * 1000000000 +
				     t->tv_nsec);
}

struct json_object *pod_status_to_json(const struct pod_status *st)
{
	struct json_object *o = json_object_new_object(),
			   *names = json_object_new_array(),
			   *apps = json_object_new_array();

	if (!o || !names || !apps) {
		json_object_put(o);
		json_object_put(names);
		json_object_put(apps);
		return NULL;
	}
	/* Member names follow rkt's v1 API pod object where one exists. */
	json_object_object_add(o, "name", json_object_new_string(st->uuid));
	json_object_object_add(o, "state", json_object_new_string(st->state));
	json_object_object_add(o, "created_at", pod_json_time_ns(&st->created));
	json_object_object_add(o, "started_at", pod_json_time_ns(&st->started));
	json_object_object_add(o, "exited_at", pod_json_time_ns(&st->exited));
	json_object_object_add(o, "pid", json_object_new_int64(st->pid));
	json_object_object_add(o, "supervisor_pid",
			       json_object_new_int64(st->supervisor_pid));
	json_object_object_add(o, "ready", json_object_new_boolean(st->ready));
	json_object_object_add(o, "exit_status",
			       st->has_exit_status
				       ? json_object_new_int(st->exit_status)
				       : NULL);
	json_object_object_add(o, "reason",
			       st->reason ? json_object_new_string(st->reason)
					  : NULL);
	for (size_t i = 0; i < st->napps; i++) {
		const struct pod_app_status *a = &st->apps[i];
		struct json_object *j = json_object_new_object();

		json_object_array_add(names, json_object_new_string(a->name));
		json_object_object_add(j, "name",
				       json_object_new_string(a->name));
		json_object_object_add(
			j, "image_id",
			a->image_id ? json_object_new_string(a->image_id)
				    : NULL);
		json_object_object_add(
			j, "image_name",
			a->image_name ? json_object_new_string(a->image_name)
				      : NULL);
		json_object_object_add(
			j, "exit_code",
			a->has_status ? json_object_new_int(a->status) : NULL);
		json_object_object_add(j, "signal",
				       json_object_new_int(a->signal));
		json_object_object_add(j, "oom",
				       json_object_new_boolean(a->oom));
		json_object_array_add(apps, j);
	}
	json_object_object_add(o, "app_names", names);
	json_object_object_add(o, "apps", apps);
	json_object_object_add(o, "networks", pod_networks_json(st->networks));
	return o;
}
