// SPDX-License-Identifier: Apache-2.0
/* The API service's endpoints: see api_routes.h. */
#include "stage0/api_routes.h"
#include "stage0/api_filter.h"
#include "stage0/api_images.h"
#include "stage0/api_pods.h"
#include "stage0/cli.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>

#ifndef COCOON_VERSION
#define COCOON_VERSION "0.1.0-dev"
#endif
#define API_APPC_VERSION "0.8.11"

static bool api_param_detail(const struct api_request *req, bool *detail,
			     struct api_client *c)
{
	const char *v = api_param_get(req, "detail");
	int b = v ? api_param_bool(v) : 0;

	if (b < 0) {
		api_answer_error(c, 400, "detail: want true or false");
		return false;
	}
	*detail = b;
	return true;
}

static void api_get_info(struct api_server *s, struct api_client *c,
			 const struct api_request *req, const char *rest)
{
	struct json_object *o = json_object_new_object(),
			   *info = json_object_new_object(),
			   *flags = json_object_new_object(),
			   *insecure = json_object_new_array();

	if (*rest || req->nparams) {
		json_object_put(o);
		json_object_put(info);
		json_object_put(flags);
		json_object_put(insecure);
		api_answer_error(c, *rest ? 404 : 400,
				 *rest ? "no such endpoint"
				       : "GetInfo takes no parameters");
		return;
	}
	json_object_object_add(info, "cocoon_version",
			       json_object_new_string(COCOON_VERSION));
	json_object_object_add(info, "appc_version",
			       json_object_new_string(API_APPC_VERSION));
	json_object_object_add(info, "api_version",
			       json_object_new_string(API_VERSION));
	for (unsigned bit = 1; bit <= INSECURE_SECCOMP; bit <<= 1)
		if (s->g->insecure & bit)
			json_object_array_add(
				insecure, json_object_new_string(
						  insecure_option_name(bit)));
	json_object_object_add(flags, "dir", json_object_new_string(s->dir));
	json_object_object_add(
		flags, "local_config_dir",
		json_object_new_string(s->g->config_dir
					       ? s->g->config_dir
					       : CLI_DEFAULT_CONFIG_DIR));
	json_object_object_add(
		flags, "system_config_dir",
		json_object_new_string(s->g->vendor_dir
					       ? s->g->vendor_dir
					       : CLI_DEFAULT_VENDOR_DIR));
	json_object_object_add(flags, "insecure_options", insecure);
	json_object_object_add(flags, "debug",
			       json_object_new_boolean(s->g->debug));
	json_object_object_add(info, "global_flags", flags);
	json_object_object_add(o, "info", info);
	api_answer_json(c, o);
	json_object_put(o);
}

static void api_get_logs(struct api_server *s, struct api_client *c,
			 const struct api_request *req, const char *uuid)
{
	cleanup_error struct error *err = NULL;
	struct api_logs_query q = {0};
	cleanup_free char *text = NULL;
	size_t len = 0;

	for (size_t i = 0; i < req->nparams; i++) {
		const char *n = req->params[i].name, *v = req->params[i].value;
		char *end = NULL;
		long long x = 0;

		if (!strcmp(n, "app")) {
			q.app = v;
			continue;
		}
		if (!strcmp(n, "follow")) {
			int b = api_param_bool(v);

			if (b < 0) {
				api_answer_error(c, 400,
						 "follow: want true or false");
				return;
			}
			q.follow = b;
			continue;
		}
		errno = 0;
		x = strtoll(v, &end, 10);
		if (errno || end == v || *end || x <= 0 ||
		    (strcmp(n, "lines") && strcmp(n, "since_time") &&
		     strcmp(n, "until_time"))) {
			api_answer_error(c, 400,
					 "GetLogs takes app, lines, follow, "
					 "since_time and until_time (positive "
					 "numbers)");
			return;
		}
		if (!strcmp(n, "lines"))
			q.lines = (long)x;
		else if (!strcmp(n, "since_time"))
			q.since_time = x;
		else
			q.until_time = x;
	}
	if (api_logs_open(s->dir, uuid, &q, &c->logs, &err) < 0 ||
	    api_logs_read_all(c->logs, &text, &len, &err) < 0) {
		api_answer_fail(c, &err);
		return;
	}
	if (!q.follow) {
		api_answer(c, 200, "application/x-ndjson", text, len);
		return;
	}
	api_stream_start(c, CLIENT_LOGS, "application/x-ndjson");
	if (len)
		api_chunk(c, text, len);
	/* Best effort: the one-second tick follows without it. */
	if (s->inotify_fd >= 0)
		inotify_add_watch(s->inotify_fd, api_logs_watch_path(c->logs),
				  IN_MODIFY | IN_CREATE | IN_MOVED_TO);
}

static void api_get_pods(struct api_server *s, struct api_client *c,
			 const struct api_request *req, const char *rest)
{
	static const char *const also[] = {"detail", NULL};
	cleanup_error struct error *err = NULL;
	struct json_object *o = NULL;
	struct api_pod_filter f;
	bool detail = false;
	const char *slash;

	if (*rest) {
		slash = strchr(rest, '/');
		if (slash && !strcmp(slash, "/logs")) {
			char uuid[64];

			snprintf(uuid, sizeof(uuid), "%.*s",
				 (int)(slash - rest), rest);
			api_get_logs(s, c, req, uuid);
			return;
		}
		if (slash || req->nparams) {
			api_answer_error(c, slash ? 404 : 400,
					 slash ? "no such endpoint"
					       : "InspectPod takes no "
						 "parameters");
			return;
		}
		if (api_pods_inspect(s->dir, rest, &o, &err) < 0) {
			api_answer_fail(c, &err);
			return;
		}
		api_answer_json(c, o);
		json_object_put(o);
		return;
	}
	if (!api_param_detail(req, &detail, c))
		return;
	if (api_pod_filter_parse(req, also, &f, &err) < 0) {
		api_answer_fail(c, &err);
		return;
	}
	if (api_pods_list(s->dir, &f, detail, &o, &err) < 0)
		api_answer_fail(c, &err);
	else
		api_answer_json(c, o);
	json_object_put(o);
	api_pod_filter_free(&f);
}

static void api_get_images(struct api_server *s, struct api_client *c,
			   const struct api_request *req, const char *rest)
{
	static const char *const also[] = {"detail", NULL};
	cleanup_error struct error *err = NULL;
	struct json_object *o = NULL;
	struct api_image_filter f;
	bool detail = false;

	if (*rest) {
		if (req->nparams) {
			api_answer_error(c, 400,
					 "InspectImage takes no parameters");
			return;
		}
		if (api_images_inspect(s->dir, rest, &o, &err) < 0) {
			api_answer_fail(c, &err);
			return;
		}
		api_answer_json(c, o);
		json_object_put(o);
		return;
	}
	if (!api_param_detail(req, &detail, c))
		return;
	if (api_image_filter_parse(req, also, &f, &err) < 0) {
		api_answer_fail(c, &err);
		return;
	}
	if (api_images_list(s->dir, &f, detail, &o, &err) < 0)
		api_answer_fail(c, &err);
	else
		api_answer_json(c, o);
	json_object_put(o);
	api_image_filter_free(&f);
}

void api_emit(struct json_object *ev, void *arg)
{
	struct api_server *s = arg;
	const char *line =
		json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(line);

	for (size_t i = 0; i < API_CLIENTS_MAX; i++) {
		struct api_client *c = s->clients[i];
		char *buf;

		if (!c || c->kind != CLIENT_EVENTS || c->ending ||
		    !api_event_filter_match(&c->filter, ev))
			continue;
		if (api_pending(c) > API_STREAM_PENDING_MAX) {
			/* It does not read: events are not kept for it. */
			log_debug("api: dropping an events client that does "
				  "not read");
			c->ending = true;
			c->outlen = c->outoff = 0;
			continue;
		}
		buf = malloc(len + 1);
		if (!buf)
			continue;
		memcpy(buf, line, len);
		buf[len] = '\n';
		api_chunk(c, buf, len + 1);
		free(buf);
	}
	json_object_put(ev);
}

static void api_get_events(struct api_server *s, struct api_client *c,
			   const struct api_request *req, const char *rest)
{
	cleanup_error struct error *err = NULL;
	struct json_object *hello;
	const char *line;

	if (*rest) {
		api_answer_error(c, 404, "no such endpoint");
		return;
	}
	if (api_event_filter_parse(req, &c->filter, &err) < 0) {
		api_answer_fail(c, &err);
		return;
	}
	/* Events before this client came are for the others only. */
	if (s->events)
		api_events_scan(s->events, api_emit, s);
	else if (api_events_new(s->dir, s->inotify_fd, &s->events, &err) < 0) {
		api_answer_fail(c, &err);
		return;
	}
	s->nevents++;
	api_stream_start(c, CLIENT_EVENTS, "application/x-ndjson");
	hello = api_event_new("listening", "", "", (int64_t)time(NULL), NULL);
	line = json_object_to_json_string_ext(hello, JSON_C_TO_STRING_PLAIN);
	{
		cleanup_free char *buf = NULL;

		if (asprintf(&buf, "%s\n", line) >= 0)
			api_chunk(c, buf, strlen(buf));
		else
			buf = NULL;
	}
	json_object_put(hello);
}

static const struct {
	const char *prefix; /* matches the path exactly or before a '/' */
	void (*fn)(struct api_server *s, struct api_client *c,
		   const struct api_request *req, const char *rest);
} api_routes[] = {
	{"/v1alpha/info", api_get_info},
	{"/v1alpha/pods", api_get_pods},
	{"/v1alpha/images", api_get_images},
	{"/v1alpha/events", api_get_events},
};

void api_dispatch(struct api_server *s, struct api_client *c,
		  const struct api_request *req)
{
	for (size_t i = 0; i < ARRAY_SIZE(api_routes); i++) {
		size_t n = strlen(api_routes[i].prefix);

		if (strncmp(req->path, api_routes[i].prefix, n) ||
		    (req->path[n] && req->path[n] != '/'))
			continue;
		/* "/v1alpha/pods/" is the list, as "/v1alpha/pods". */
		api_routes[i].fn(s, c, req,
				 req->path[n] ? req->path + n + 1 : "");
		return;
	}
	api_answer_error(c, 404, "no such endpoint (see docs/api.md)");
}