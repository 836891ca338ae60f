// SPDX-License-Identifier: Apache-2.0
#include "common/path.h"

#include <string.h>

bool path_components_clean(const char *path)
{
	const char *p = path;

	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == 0 && end && end[1])
			return false; /* "a//b" */
		if ((len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		if (!end)
			break;
		p = end + 1;
	}
	return true;
}
