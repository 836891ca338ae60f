// SPDX-License-Identifier: Apache-2.0
/* cocoon-runtime's log (oci_log.h). */
#include "stage0/oci_log.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int oci_log_fd = -1;
static bool oci_log_json;
static bool oci_log_stderr = true;

int oci_log_open(const char *path, bool json, struct error **err)
{
	oci_log_json = json;
	if (!path)
		return 0;
	oci_log_fd =
		open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (oci_log_fd < 0)
		return error_set_errno(err, "open the log %s", path);
	return 0;
}

void oci_log_quiet_stderr(void)
{
	oci_log_stderr = false;
}

static void oci_log_write(const char *level, const char *msg)
{
	char when[40];
	struct timespec ts;
	struct tm tm;
	cleanup_free char *line = NULL;
	int n;

	if (oci_log_stderr)
		fprintf(stderr, "cocoon-runtime: %s\n", msg);
	if (oci_log_fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (oci_log_json) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "level",
				       json_object_new_string(level));
		json_object_object_add(j, "msg", json_object_new_string(msg));
		json_object_object_add(j, "time", json_object_new_string(when));
		n = asprintf(
			&line, "%s\n",
			json_object_to_json_string_ext(
				j, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	} else {
		n = asprintf(&line, "time=\"%s\" level=%s msg=\"%s\"\n", when,
			     level, msg);
	}
	if (n > 0 && write(oci_log_fd, line, (size_t)n) < 0)
		n = -1; /* nowhere left to report it */
}

void oci_log(const char *level, const char *fmt, ...)
{
	cleanup_free char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg)
		oci_log_write(level, msg);
}

void oci_log_error(struct error **err)
{
	if (*err)
		oci_log_write("error", (*err)->message);
	error_free(err);
}
