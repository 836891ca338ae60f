/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What `list` and `status` show of a pod: its state as users see it
 * (docs/pods.md: embryo, preparing, prepared, running, exited, exited
 * garbage, garbage) and what stage0.json, the `pod` manifest and
 * state.json say about its times, pids and apps.
 */
#ifndef COCOON_STAGE0_POD_STATUS_H
#define COCOON_STAGE0_POD_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/error.h"
#include "stage0/pod.h"

struct json_object;

/* Upper bound for the JSON files read from a pod dir. */
#define POD_STATUS_FILE_MAX (1u << 20)

struct pod_app_status {
	char *name;
	char *image_id;	  /* stage0.json apps[].image, or NULL */
	char *image_name; /* `pod` apps[].image.name[:version], or NULL */
	bool has_status;  /* an app-exited was recorded */
	int status;	  /* 0..255, or -1 when killed by a signal */
	int signal;
	bool oom;
	bool started; /* state.json has an entry with a pid for it */
};

struct pod_status {
	char uuid[POD_UUID_LEN + 1];
	enum pod_state dir_state;
	const char *state; /* as shown to users; static string */
	bool running;	   /* in run/ and locked by its supervisor */
	/* tv_sec == 0: not known (yet). */
	struct timespec created, started, exited;
	long pid;	     /* the VMM, or 0 */
	long supervisor_pid; /* or 0 */
	bool has_exit_status;
	int exit_status;
	bool ready;		   /* the guest said all apps were started */
	long long stop_timeout_ms; /* stage0.json, 0 if not given */
	char *reason;
	struct pod_app_status *apps;
	size_t napps;
	/* "default:ip4=172.16.28.2,..." (stage0/pod_net.h); "" if none */
	char *networks;
};

/*
 * Fills st from p's directory (p need not be locked). Missing files are
 * fine (an embryo has none); a file that is not the JSON docs/pods.md
 * describes gives -1 with *err, and st still holds what could be read
 * (at least uuid and state). Free with pod_status_free() either way.
 */
int pod_status_read(struct pod *p, struct pod_status *st, struct error **err);
void pod_status_free(struct pod_status *st);

/* The user-facing state name for a pod in folder s (running: locked). */
const char *pod_status_state_name(enum pod_state s, bool running);

/*
 * RFC 3339 UTC times as pods.md writes them, "2026-11-28T15:04:05.5Z"
 * (fraction optional, up to 9 digits; "Z" or "+00:00"). -1 if malformed.
 */
int pod_time_parse(const char *s, struct timespec *out);
/* "2026-11-28T15:04:05.123456789Z" (for state.json writers). */
void pod_time_format_rfc3339(const struct timespec *t, char *buf, size_t len);
/* As rkt shows times: "2026-11-28 15:04:05.123 +0000 UTC"; "-" if unset. */
void pod_time_format_human(const struct timespec *t, char *buf, size_t len);

/* The status as a JSON object (list --format=json, status --format=json). */
struct json_object *pod_status_to_json(const struct pod_status *st);

#endif
