// SPDX-License-Identifier: Apache-2.0
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *log_progname = "cocoon";
static enum log_level log_level = LOG_INFO;

void log_init(const char *progname)
{
	const char *slash = strrchr(progname, '/');

	log_progname = slash ? slash + 1 : progname;
}

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warning", "info",
					    "debug"};
	char line[2048];
	va_list ap;
	int n;

	if (level > log_level)
		return;
	if (level == LOG_DEBUG) {
		/*
		 * Debug lines carry the monotonic clock (ms) so a run can be
		 * profiled from its --debug output; within one machine (host
		 * or guest) the stamps of every program compare.
		 */
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		n = snprintf(line, sizeof(line), "%s: debug: [%lld.%03ld] ",
			     log_progname, (long long)ts.tv_sec,
			     ts.tv_nsec / 1000000);
	} else {
		n = snprintf(line, sizeof(line), "%s: %s%s", log_progname,
			     level == LOG_INFO ? "" : names[level],
			     level == LOG_INFO ? "" : ": ");
	}
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	/* One write per line so lines from several threads do not interleave. */
	fprintf(stderr, "%s\n", line);
}

void log_escape(char *dst, unsigned long dst_size, const void *src,
		unsigned long len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = src;
	unsigned long o = 0;

	if (dst_size == 0)
		return;
	for (unsigned long i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= dst_size)
				break;
			dst[o++] = c;
		} else {
			if (o + 4 >= dst_size)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
}
