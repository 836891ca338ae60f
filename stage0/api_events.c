// SPDX-License-Identifier: Apache-2.0
/* ListenEvents: pod and image events from snapshots; see api_events.h. */
#include "stage0/api_events.h"
#include "stage0/api_pods.h"
#include "stage0/pod.h"
#include "stage0/pod_status.h"
#include "images/store_ro.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/* Snapshots hold at most this many pods and images each. */
#define API_EVENTS_MAX 4096

/* Where a pod is in its life, in the order it gets there. */
enum api_phase {
	PHASE_CREATED,	/* embryo/, prepare/ */
	PHASE_PREPARED, /* prepared/ */
	PHASE_RUNNING,	/* run/, locked */
	PHASE_EXITED,	/* run/, unlocked */
	PHASE_GARBAGE,	/* exited-garbage/, garbage/ */
};

/* Apps whose starts and exits are told (stage0.json's first ones). */
#define API_APPS_TRACKED 64

struct api_snap_pod {
	char uuid[POD_UUID_LEN + 1];
	enum api_phase phase;
	enum pod_state state;
	/* in run/: bit i, app i started / exited (state.json) */
	uint64_t app_started, app_exited;
};

/* An image is the same one while its ID and import time are: removed
 * and fetched again between two looks, it has a new import time. */
struct api_snap_image {
	char *id;
	char *name;
	int64_t import_time;
};

struct api_events {
	char *dir;
	int inotify_fd;
	int wd[POD_STATE_COUNT];
	struct api_snap_pod *pods;
	size_t npods;
	struct api_snap_image *images;
	size_t nimages;
	unsigned long long stamp;
};

bool api_pod_dir_locked(int dirfd)
{
	cleanup_fclose FILE *f = fopen("/proc/locks", "re");
	char line[256];
	struct stat st;

	if (!f || fstat(dirfd, &st) < 0)
		return false;
	/* "1: FLOCK  ADVISORY  WRITE 1234 fd:00:5678 0 EOF"; waiters "->" */
	while (fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		unsigned long long ino;
		char *p = strstr(line, "FLOCK");

		if (!p || strstr(line, "->"))
			continue;
		/* the pid, then MAJ:MIN:INODE */
		if (sscanf(p, "FLOCK %*s %*s %*d %x:%x:%llu", &maj, &min,
			   &ino) == 3 &&
		    ino == (unsigned long long)st.st_ino &&
		    maj == major(st.st_dev) && min == minor(st.st_dev))
			return true;
	}
	return false;
}

static void api_events_watch(struct api_events *e)
{
	for (int s = 0; s < POD_STATE_COUNT; s++) {
		char path[4096];

		if (e->wd[s] >= 0 || e->inotify_fd < 0)
			continue;
		snprintf(path, sizeof(path), "%s/pods/%s", e->dir,
			 pod_state_dir(s));
		e->wd[s] = inotify_add_watch(e->inotify_fd, path,
					     IN_CREATE | IN_DELETE |
						     IN_MOVED_FROM |
						     IN_MOVED_TO | IN_ONLYDIR);
	}
}

/* Reads p's apps from its files; st is filled (free it) even on error. */
static void api_pod_status(const char *dir, const char *uuid,
			   struct pod_status *st)
{
	cleanup_pod struct pod *pod = NULL;
	struct error *err = NULL;

	memset(st, 0, sizeof(*st));
	if (pod_open(dir, uuid, &pod, &err) == 0)
		api_pod_status_read(pod, st, &err);
	error_free(&err);
}

/* The app bits of a pod in run/ (the supervisor records starts and exits
 * in state.json as the guest reports them). */
static void api_snap_apps(const char *dir, struct api_snap_pod *p)
{
	struct pod_status st;

	api_pod_status(dir, p->uuid, &st);
	for (size_t i = 0; i < st.napps && i < API_APPS_TRACKED; i++) {
		if (st.apps[i].started || st.apps[i].has_status)
			p->app_started |= 1ull << i;
		if (st.apps[i].has_status)
			p->app_exited |= 1ull << i;
	}
	pod_status_free(&st);
}

static int api_snap_pod_cmp(const void *a, const void *b)
{
	return strcmp(((const struct api_snap_pod *)a)->uuid,
		      ((const struct api_snap_pod *)b)->uuid);
}

static enum api_phase api_phase_of(enum pod_state s, int dirfd)
{
	switch (s) {
	case POD_PREPARED:
		return PHASE_PREPARED;
	case POD_RUN:
		return api_pod_dir_locked(dirfd) ? PHASE_RUNNING : PHASE_EXITED;
	case POD_EXITED_GARBAGE:
	case POD_GARBAGE:
		return PHASE_GARBAGE;
	default:
		return PHASE_CREATED;
	}
}

/* The pods now; sorted by UUID. A pod seen in two folders (mid-move)
 * keeps the later state. */
static int api_snap_pods(const char *dir, struct api_snap_pod **out,
			 size_t *count)
{
	struct api_snap_pod *pods = calloc(API_EVENTS_MAX, sizeof(*pods));
	size_t n = 0;

	if (!pods)
		return -1;
	for (int s = 0; s < POD_STATE_COUNT; s++) {
		char path[4096];
		DIR *d;
		struct dirent *de;

		snprintf(path, sizeof(path), "%s/pods/%s", dir,
			 pod_state_dir(s));
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d)) && n < API_EVENTS_MAX) {
			cleanup_close int fd = -1;

			if (!pod_uuid_valid(de->d_name))
				continue;
			fd = openat(dirfd(d), de->d_name,
				    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0)
				continue;
			/* pod_uuid_valid(): exactly POD_UUID_LEN long */
			memcpy(pods[n].uuid, de->d_name, POD_UUID_LEN);
			pods[n].uuid[POD_UUID_LEN] = '\0';
			pods[n].state = s;
			pods[n].phase = api_phase_of(s, fd);
			if (s == POD_RUN)
				api_snap_apps(dir, &pods[n]);
			n++;
		}
		closedir(d);
	}
	qsort(pods, n, sizeof(*pods), api_snap_pod_cmp);
	/* Keep one entry per UUID: the furthest along. */
	size_t w = 0;

	for (size_t i = 0; i < n; i++) {
		if (w && !strcmp(pods[w - 1].uuid, pods[i].uuid)) {
			if (pods[i].phase > pods[w - 1].phase)
				pods[w - 1] = pods[i];
			continue;
		}
		pods[w++] = pods[i];
	}
	*out = pods;
	*count = w;
	return 0;
}

static void api_snap_images_free(struct api_snap_image *im, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(im[i].id);
		free(im[i].name);
	}
	free(im);
}

struct api_image_collect {
	struct api_snap_image *v;
	size_t n;
};

static int api_image_collect_one(const struct store_image *img, void *arg)
{
	struct api_image_collect *c = arg;

	if (c->n >= API_EVENTS_MAX)
		return 0;
	c->v[c->n].id = strdup(img->id);
	c->v[c->n].name = strdup(img->name);
	c->v[c->n].import_time = img->import_time;
	if (!c->v[c->n].id || !c->v[c->n].name) {
		free(c->v[c->n].id);
		free(c->v[c->n].name);
		return -1;
	}
	c->n++;
	return 0;
}

/* The images now, or -1 when the index cannot be read (keep the old). */
static int api_snap_images(const char *dir, struct api_snap_image **out,
			   size_t *count)
{
	cleanup_error struct error *err = NULL;
	struct api_image_collect c = {0};
	struct store *s = NULL;

	c.v = calloc(API_EVENTS_MAX, sizeof(*c.v));
	if (!c.v)
		return -1;
	if (store_open_readonly(dir, &s, &err) < 0) {
		if (err->code != ENOENT) {
			log_debug("api: events: %s", err->message);
			free(c.v);
			return -1;
		}
	} else if (store_image_for_each(s, api_image_collect_one, &c, &err) <
		   0) {
		log_debug("api: events: list images: %s",
			  err ? err->message : "out of memory");
		store_close(s);
		api_snap_images_free(c.v, c.n);
		return -1;
	}
	store_close(s);
	*out = c.v;
	*count = c.n;
	return 0;
}

struct json_object *api_event_new(const char *type, const char *id,
				  const char *from, int64_t time,
				  const char *state)
{
	struct json_object *o = json_object_new_object(),
			   *data = json_object_new_object();

	if (!o || !data) {
		json_object_put(o);
		json_object_put(data);
		return NULL;
	}
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "from", json_object_new_string(from));
	json_object_object_add(o, "time", json_object_new_int64(time));
	if (state)
		json_object_object_add(data, "state",
				       json_object_new_string(state));
	json_object_object_add(o, "data", data);
	return o;
}

/* The pod's app names, comma-separated, from its stage0.json. */
static void api_pod_from(const char *dir, const struct api_snap_pod *p,
			 char *out, size_t size)
{
	char path[4096];
	struct json_object *j = NULL, *apps;
	size_t used = 0;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/pods/%s/%s/stage0.json", dir,
		 pod_state_dir(p->state), p->uuid);
	/* stage0.json is small and written by cocoon itself. */
	j = json_object_from_file(path);
	if (!j || !json_object_object_get_ex(j, "apps", &apps) ||
	    !json_object_is_type(apps, json_type_array)) {
		json_object_put(j);
		return;
	}
	for (size_t i = 0; i < json_object_array_length(apps); i++) {
		struct json_object *a = json_object_array_get_idx(apps, i), *n;
		int w;

		if (!json_object_object_get_ex(a, "name", &n) ||
		    !json_object_is_type(n, json_type_string))
			continue;
		w = snprintf(out + used, size - used, "%s%s", used ? "," : "",
			     json_object_get_string(n));
		if (w < 0 || (size_t)w >= size - used)
			break;
		used += (size_t)w;
	}
	json_object_put(j);
}

static void api_emit_pod(struct api_events *e, const struct api_snap_pod *p,
			 const char *type,
			 void (*emit)(struct json_object *, void *), void *arg)
{
	char from[512];
	struct json_object *ev;

	api_pod_from(e->dir, p, from, sizeof(from));
	ev = api_event_new(
		type, p->uuid, from, (int64_t)time(NULL),
		pod_status_state_name(p->state, p->phase == PHASE_RUNNING));
	if (ev)
		emit(ev, arg);
}

/*
 * app-started and app-exited for the apps whose bits are in started and
 * exited: "from" is the app, data has the pod's state and, on exit, the
 * app's "status" (0-255, -1 for a signal), "signal" and "oom".
 */
static void api_app_events(struct api_events *e, const struct api_snap_pod *p,
			   uint64_t started, uint64_t exited,
			   void (*emit)(struct json_object *, void *),
			   void *arg)
{
	struct pod_status st;

	if (!started && !exited)
		return;
	api_pod_status(e->dir, p->uuid, &st);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < st.napps && i < API_APPS_TRACKED; i++) {
			const struct pod_app_status *a = &st.apps[i];
			struct json_object *ev, *data;

			if (!((pass ? exited : started) & (1ull << i)))
				continue;
			ev = api_event_new(pass ? "app-exited" : "app-started",
					   p->uuid, a->name,
					   (int64_t)time(NULL), st.state);
			if (!ev)
				continue;
			if (pass &&
			    json_object_object_get_ex(ev, "data", &data)) {
				json_object_object_add(
					data, "status",
					json_object_new_int(a->status));
				json_object_object_add(
					data, "signal",
					json_object_new_int(a->signal));
				json_object_object_add(
					data, "oom",
					json_object_new_boolean(a->oom));
			}
			emit(ev, arg);
		}
	pod_status_free(&st);
}

/*
 * The events that take a pod from o's phase (o NULL: new) to p's, its
 * apps' new starts and exits in between.
 */
static void api_pod_events(struct api_events *e, const struct api_snap_pod *o,
			   const struct api_snap_pod *p,
			   void (*emit)(struct json_object *, void *),
			   void *arg)
{
	int old = o ? (int)o->phase : -1, now = (int)p->phase;
	/* only what is new: a pod that left run/ has no bits */
	uint64_t started = p->app_started & ~(o ? o->app_started : 0),
		 exited = p->app_exited & ~(o ? o->app_exited : 0);

	if (old == now) {
		api_app_events(e, p, started, exited, emit, arg);
		return;
	}
	if (old < 0)
		api_emit_pod(e, p, "pod-created", emit, arg);
	if (now == PHASE_PREPARED)
		api_emit_pod(e, p, "pod-prepared", emit, arg);
	if ((now == PHASE_RUNNING || now == PHASE_EXITED) &&
	    old < PHASE_RUNNING)
		api_emit_pod(e, p, "pod-started", emit, arg);
	api_app_events(e, p, started, exited, emit, arg);
	if (now == PHASE_EXITED ||
	    (now == PHASE_GARBAGE && old == PHASE_RUNNING))
		api_emit_pod(e, p, "pod-exited", emit, arg);
	if (now == PHASE_GARBAGE)
		api_emit_pod(e, p,
			     old <= PHASE_CREATED ? "pod-prepare-aborted"
						  : "pod-garbage-collected",
			     emit, arg);
}

static void api_diff_pods(struct api_events *e, struct api_snap_pod *now,
			  size_t n, void (*emit)(struct json_object *, void *),
			  void *arg)
{
	size_t i = 0, j = 0;

	while (i < e->npods || j < n) {
		int c = i == e->npods ? 1
			: j == n      ? -1
				      : strcmp(e->pods[i].uuid, now[j].uuid);

		if (c < 0) { /* gone */
			struct json_object *ev =
				api_event_new("pod-removed", e->pods[i].uuid,
					      "", (int64_t)time(NULL), NULL);

			if (ev)
				emit(ev, arg);
			i++;
		} else if (c > 0) {
			api_pod_events(e, NULL, &now[j], emit, arg);
			j++;
		} else {
			api_pod_events(e, &e->pods[i], &now[j], emit, arg);
			i++;
			j++;
		}
	}
}

static bool api_image_in(const struct api_snap_image *v, size_t n,
			 const struct api_snap_image *img)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].id, img->id) &&
		    v[i].import_time == img->import_time)
			return true;
	return false;
}

static void api_diff_images(struct api_events *e, struct api_snap_image *now,
			    size_t n,
			    void (*emit)(struct json_object *, void *),
			    void *arg)
{
	int64_t t = (int64_t)time(NULL);

	/* Removals first: an image fetched again is removed, then new. */
	for (size_t i = 0; i < e->nimages; i++)
		if (!api_image_in(now, n, &e->images[i])) {
			struct json_object *ev =
				api_event_new("image-removed", e->images[i].id,
					      e->images[i].name, t, NULL);

			if (ev)
				emit(ev, arg);
		}
	for (size_t i = 0; i < n; i++)
		if (!api_image_in(e->images, e->nimages, &now[i])) {
			struct json_object *ev =
				api_event_new("image-imported", now[i].id,
					      now[i].name, t, NULL);

			if (ev)
				emit(ev, arg);
		}
}

void api_events_scan(struct api_events *e,
		     void (*emit)(struct json_object *ev, void *arg), void *arg)
{
	struct api_snap_pod *pods;
	struct api_snap_image *images;
	unsigned long long stamp;
	size_t n;

	api_events_watch(e);
	if (api_snap_pods(e->dir, &pods, &n) == 0) {
		api_diff_pods(e, pods, n, emit, arg);
		free(e->pods);
		e->pods = pods;
		e->npods = n;
	}
	stamp = store_readonly_stamp(e->dir);
	if (stamp != e->stamp && api_snap_images(e->dir, &images, &n) == 0) {
		api_diff_images(e, images, n, emit, arg);
		api_snap_images_free(e->images, e->nimages);
		e->images = images;
		e->nimages = n;
		e->stamp = stamp;
	}
}

static void api_emit_nothing(struct json_object *ev, void *arg)
{
	(void)arg;
	json_object_put(ev);
}

int api_events_new(const char *dir, int inotify_fd, struct api_events **out,
		   struct error **err)
{
	struct api_events *e = calloc(1, sizeof(*e));

	if (!e || !(e->dir = strdup(dir))) {
		free(e);
		return error_set(err, ENOMEM, "out of memory");
	}
	e->inotify_fd = inotify_fd;
	for (int s = 0; s < POD_STATE_COUNT; s++)
		e->wd[s] = -1;
	api_events_scan(e, api_emit_nothing, NULL);
	*out = e;
	return 0;
}

void api_events_free(struct api_events *e)
{
	if (!e)
		return;
	for (int s = 0; s < POD_STATE_COUNT; s++)
		if (e->wd[s] >= 0)
			inotify_rm_watch(e->inotify_fd, e->wd[s]);
	free(e->pods);
	api_snap_images_free(e->images, e->nimages);
	free(e->dir);
	free(e);
}

static bool api_event_type_valid(const char *type)
{
	static const char *const types[] = {
		"pod-created", "pod-prepared",	 "pod-prepare-aborted",
		"pod-started", "pod-exited",	 "pod-garbage-collected",
		"pod-removed", "image-imported", "image-removed",
		"app-started", "app-exited",
	};

	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		if (!strcmp(type, types[i]))
			return true;
	return false;
}

int api_event_filter_parse(const struct api_request *req,
			   struct api_event_filter *f, struct error **err)
{
	size_t count = 0;
	int r = 0;

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < req->nparams && r == 0; i++) {
		const char *n = req->params[i].name, *v = req->params[i].value;
		int64_t *t = !strcmp(n, "since_time")	? &f->since_time
			     : !strcmp(n, "until_time") ? &f->until_time
							: NULL;

		if (t) {
			char *end;

			errno = 0;
			*t = strtoll(v, &end, 10);
			if (errno || end == v || *end || *t <= 0)
				r = error_set(err, 400,
					      "%s=%s: want seconds since the "
					      "epoch",
					      n, v);
		} else if (!strcmp(n, "type")) {
			r = api_strings_add(&f->types, n, v, &count, err);
		} else if (!strcmp(n, "id")) {
			r = api_strings_add(&f->ids, n, v, &count, err);
		} else if (!strcmp(n, "name")) {
			r = api_strings_add(&f->names, n, v, &count, err);
		} else {
			r = error_set(err, 400, "unknown parameter \"%s\"", n);
		}
	}
	for (size_t i = 0; r == 0 && i < f->types.n; i++)
		if (!api_event_type_valid(f->types.v[i]))
			r = error_set(err, 400, "type=%s: want one of %s",
				      f->types.v[i], API_EVENT_TYPES);
	if (r < 0)
		api_event_filter_free(f);
	return r;
}

void api_event_filter_free(struct api_event_filter *f)
{
	api_strings_free(&f->types);
	api_strings_free(&f->ids);
	api_strings_free(&f->names);
}

static const char *api_ev_str(struct json_object *ev, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(ev, key, &v)
		       ? json_object_get_string(v)
		       : "";
}

bool api_event_filter_match(const struct api_event_filter *f,
			    struct json_object *ev)
{
	const char *type = api_ev_str(ev, "type"), *id = api_ev_str(ev, "id"),
		   *from = api_ev_str(ev, "from");
	struct json_object *t;
	int64_t when = json_object_object_get_ex(ev, "time", &t)
			       ? json_object_get_int64(t)
			       : 0;
	bool ok;

	if (f->since_time && when < f->since_time)
		return false;
	if (f->until_time && when >= f->until_time)
		return false;
	ok = !f->types.n;
	for (size_t i = 0; !ok && i < f->types.n; i++)
		ok = !strcmp(type, f->types.v[i]);
	if (!ok)
		return false;
	ok = !f->ids.n;
	for (size_t i = 0; !ok && i < f->ids.n; i++)
		ok = !strncmp(id, f->ids.v[i], strlen(f->ids.v[i]));
	if (!ok)
		return false;
	/* "from" may list several app names: any of them matches. */
	ok = !f->names.n;
	for (size_t i = 0; !ok && i < f->names.n; i++) {
		size_t len = strlen(f->names.v[i]);

		for (const char *p = from; *p && !ok;
		     p += strcspn(p, ","), p += *p == ',')
			ok = !strncmp(p, f->names.v[i], len) &&
			     (p[len] == ',' || p[len] == '\0');
	}
	return ok;
}
