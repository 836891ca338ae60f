/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GetLogs: the apps' output as the supervisor's stdio relay saves it
 * (stage0/relay.h, docs/api.md "App logs"): <pod>/stage1/logs/<app>.log,
 * one record per line,
 *
 *	2026-11-28T15:04:05.123456789Z stdout F hello world
 *
 * time, stream (stdout, stderr or tty), F for a full line or P for the
 * part of a line the app had written so far, then the bytes. The file is
 * rotated to <app>.log.1 at a size cap. Those bytes came from the guest:
 * they are made valid UTF-8 before they become JSON.
 */
#ifndef COCOON_STAGE0_API_LOGS_H
#define COCOON_STAGE0_API_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/error.h"

struct json_object;

struct api_log_record {
	struct timespec time;
	char stream[8];
	bool partial;
	const char *text; /* borrowed from the parsed line */
	size_t text_len;
};

/* Parses one record line (without its '\n'); -1 if malformed. */
int api_log_parse(const char *line, size_t len, struct api_log_record *r);

/* s[0..len) as valid UTF-8: bad bytes become U+FFFD. malloc'd. */
char *api_utf8_clean(const char *s, size_t len);

/* {"app", "stream", "time", "partial", "line"} for one record. */
struct json_object *api_log_json(const char *app,
				 const struct api_log_record *r);

struct api_logs;

struct api_logs_query {
	const char *app;    /* NULL: every app of the pod */
	long lines;	    /* > 0: only the last N records */
	int64_t since_time; /* seconds; 0: not set */
	int64_t until_time; /* seconds; 0: not set */
	bool follow;
};

/*
 * Opens the logs of a pod (full UUID or unique prefix). err code 404 for
 * an unknown pod or app, 400 for a bad prefix.
 */
int api_logs_open(const char *dir, const char *uuid,
		  const struct api_logs_query *q, struct api_logs **out,
		  struct error **err);

/* The records there are now, as NDJSON text (malloc'd, *len set). */
int api_logs_read_all(struct api_logs *l, char **text, size_t *len,
		      struct error **err);

/*
 * Following: appends what the apps wrote since the last call (at most
 * max bytes of records) to *text. Returns 1 while the stream goes on,
 * 0 when it has ended (the pod is no longer running and everything was
 * read, or until_time passed).
 */
int api_logs_follow(struct api_logs *l, char **text, size_t *len, size_t max);

/* The directory to watch for changes, "/proc/self/fd/N/stage1/logs". */
const char *api_logs_watch_path(const struct api_logs *l);

void api_logs_free(struct api_logs *l);

#endif
