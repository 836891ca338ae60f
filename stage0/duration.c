// SPDX-License-Identifier: Apache-2.0
/* Command-line durations: see duration.h. */
#include "stage0/duration.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct duration_unit {
	const char *name;
	int64_t ms;
} duration_units[] = {
	/* Longest names first, so "ms" is not read as "m" then "s". */
	{"ms", 1},
	{"s", 1000},
	{"m", 60 * 1000},
	{"h", 3600 * 1000},
	{"d", 24 * 3600 * 1000},
};

int duration_parse(const char *s, int64_t *ms_out, struct error **err)
{
	const char *c = s;
	int64_t total = 0;
	bool any_unit = false;

	if (!*s)
		return error_set(err, EINVAL, "empty duration");
	while (*c) {
		int64_t whole = 0, frac = 0, frac_scale = 1, part;
		int64_t unit_ms = 0;
		bool digits = false;

		for (; *c >= '0' && *c <= '9'; c++) {
			digits = true;
			if (whole > DURATION_MAX_MS)
				goto range;
			whole = whole * 10 + (*c - '0');
		}
		if (*c == '.') {
			for (c++; *c >= '0' && *c <= '9'; c++) {
				digits = true;
				/* Millisecond precision needs at most 9
				 * fraction digits (ns); ignore the rest. */
				if (frac_scale < 1000000000) {
					frac = frac * 10 + (*c - '0');
					frac_scale *= 10;
				}
			}
		}
		if (!digits)
			goto bad;
		for (size_t u = 0;
		     u < sizeof(duration_units) / sizeof(duration_units[0]);
		     u++) {
			size_t n = strlen(duration_units[u].name);

			if (!strncmp(c, duration_units[u].name, n)) {
				unit_ms = duration_units[u].ms;
				c += n;
				break;
			}
		}
		/* A plain number alone means seconds. */
		if (!unit_ms && (*c || any_unit))
			goto bad;
		unit_ms = unit_ms > 0 ? unit_ms : 1000;
		any_unit = true;
		if (whole > DURATION_MAX_MS / unit_ms)
			goto range;
		part = whole * unit_ms + frac * unit_ms / frac_scale;
		total += part;
		if (total > DURATION_MAX_MS)
			goto range;
	}
	*ms_out = total;
	return 0;
bad:
	return error_set(err, EINVAL,
			 "bad duration \"%s\": want e.g. 500ms, 10s, 30m, "
			 "24h, 1h30m or a number of seconds",
			 s);
range:
	return error_set(err, ERANGE, "duration \"%s\" is too long", s);
}

void duration_format(int64_t ms, char *buf, size_t len)
{
	int64_t h = ms / 3600000, m = ms / 60000 % 60, sec = ms / 1000 % 60,
		rest = ms % 1000;
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	if (ms <= 0) {
		snprintf(buf, len, "0s");
		return;
	}
#define DURATION_PUT(v, unit)                                                 \
	do {                                                                  \
		if ((v) && off < len)                                         \
			off += (size_t)snprintf(buf + off, len - off,         \
						"%lld" unit, (long long)(v)); \
	} while (0)
	DURATION_PUT(h, "h");
	DURATION_PUT(m, "m");
	DURATION_PUT(sec, "s");
	DURATION_PUT(rest, "ms");
#undef DURATION_PUT
}
