/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ListenEvents: pod, app and image events found by comparing snapshots.
 * A snapshot is the pods under <dir>/pods (UUID, state folder, and for
 * those in run/ whether their lock is held: running, and which apps
 * state.json says started and exited) and the image IDs in the store's
 * index. A new snapshot is taken when inotify reports a change in
 * a pods/<state> folder, and every second otherwise (a pod's exit is the
 * release of an flock, which inotify does not see; the index is re-read
 * only when its files changed). Whether a pod is locked is read from
 * /proc/locks, never by taking the lock, so scanning can never make a
 * `run` or `gc` find its pod busy.
 */
#ifndef COCOON_STAGE0_API_EVENTS_H
#define COCOON_STAGE0_API_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "stage0/api_filter.h"

struct json_object;
struct api_events;

/* The event types, rkt's EventType in lower-case words. */
#define API_EVENT_TYPES                                                    \
	"pod-created, pod-prepared, pod-prepare-aborted, pod-started, "    \
	"pod-exited, pod-garbage-collected, pod-removed, image-imported, " \
	"image-removed, app-started, app-exited"

/* True when some process holds an flock on the directory dirfd is. */
bool api_pod_dir_locked(int dirfd);

/*
 * Starts watching dir (inotify_fd: the caller's, non-blocking, read by
 * the caller who then calls api_events_scan()) and takes the first
 * snapshot.
 */
int api_events_new(const char *dir, int inotify_fd, struct api_events **out,
		   struct error **err);
/*
 * Takes a new snapshot and calls emit for each event since the last
 * one; emit gets a new reference it must put.
 */
void api_events_scan(struct api_events *e,
		     void (*emit)(struct json_object *ev, void *arg),
		     void *arg);
void api_events_free(struct api_events *e);

/* ListenEvents' filter (rkt's EventFilter): fields combine by AND. */
struct api_event_filter {
	struct api_strings types;	/* any */
	struct api_strings ids;		/* any; prefixes */
	struct api_strings names;	/* any of "from" */
	int64_t since_time, until_time; /* seconds; 0: not set */
};
int api_event_filter_parse(const struct api_request *req,
			   struct api_event_filter *f, struct error **err);
void api_event_filter_free(struct api_event_filter *f);
bool api_event_filter_match(const struct api_event_filter *f,
			    struct json_object *ev);

/* Event object: {"type", "id", "from", "time", "data": {...}}. */
struct json_object *api_event_new(const char *type, const char *id,
				  const char *from, int64_t time,
				  const char *state);

#endif
