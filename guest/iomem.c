// SPDX-License-Identifier: Apache-2.0
#include "guest/iomem.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static int iomem_hex(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int digits = 0;

	for (;; s++, digits++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (digits >= 16)
			return -EINVAL;
		v = v << 4 | d;
	}
	if (!digits)
		return -EINVAL;
	*p = s;
	*out = v;
	return 0;
}

int iomem_system_ram(const char *text, uint64_t *bytes)
{
	static const char ram[] = "System RAM";
	const char *line = text;
	uint64_t sum = 0;
	long ram_depth = -1; /* depth of the System RAM range we are inside */
	bool any = false, all_zero = true;

	while (*line) {
		const char *end = strchrnul(line, '\n');
		const char *p = line;
		uint64_t start, last;
		long depth;
		size_t name_len;

		if (end == line) {
			line = end + 1;
			continue;
		}
		while (*p == ' ')
			p++;
		depth = (p - line) / 2;
		if (iomem_hex(&p, &start) < 0 || *p++ != '-' ||
		    iomem_hex(&p, &last) < 0 || strncmp(p, " : ", 3) ||
		    last < start)
			return -EINVAL;
		p += 3;
		name_len = end - p;

		if (ram_depth >= 0 && depth > ram_depth)
			goto next;
		ram_depth = -1;
		if (name_len == sizeof(ram) - 1 && !memcmp(p, ram, name_len)) {
			uint64_t size = last - start + 1;

			/* 0-ffffffffffffffff would wrap to 0: refuse it. */
			if (size == 0 || sum + size < sum)
				return -EINVAL;
			sum += size;
			ram_depth = depth;
			any = true;
			if (start || last)
				all_zero = false;
		}
	next:
		if (!*end)
			break;
		line = end + 1;
	}
	if (!any)
		return -ENOENT;
	if (all_zero)
		return -EACCES;
	*bytes = sum;
	return 0;
}

uint64_t iomem_round_mib(uint64_t bytes)
{
	const uint64_t mib = 1024 * 1024;

	return bytes / mib + (bytes % mib >= mib / 2);
}
