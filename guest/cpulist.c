// SPDX-License-Identifier: Apache-2.0
#include "guest/cpulist.h"

#include <errno.h>

/* Kernel CPU numbers are below NR_CPUS, far below this bound. */
#define CPULIST_MAX_CPU 1000000L

static int cpulist_number(const char **p, long *out)
{
	const char *s = *p;
	long v = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s - '0');
		if (v > CPULIST_MAX_CPU)
			return -EINVAL;
		s++;
	}
	*p = s;
	*out = v;
	return 0;
}

int cpulist_count(const char *text)
{
	const char *p = text;
	long count = 0;

	for (;;) {
		long first, last;

		if (cpulist_number(&p, &first) < 0)
			return -EINVAL;
		last = first;
		if (*p == '-') {
			p++;
			if (cpulist_number(&p, &last) < 0 || last < first)
				return -EINVAL;
		}
		count += last - first + 1;
		if (count > CPULIST_MAX_CPU)
			return -EINVAL;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\n')
			p++;
		return *p ? -EINVAL : (int)count;
	}
}
