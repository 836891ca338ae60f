// SPDX-License-Identifier: Apache-2.0
#include "guest/user.h"
#include "common/cleanup.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 and *out for a decimal id, 0 for a name, -EINVAL out of range. */
static int user_number(const char *s, uint32_t *out)
{
	unsigned long long v = 0;

	if (!*s)
		return 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (unsigned)(*p - '0');
		/* (uid_t)-1 means "unchanged" to setresuid: not an id. */
		if (v >= UINT32_MAX)
			return -EINVAL;
	}
	*out = (uint32_t)v;
	return 1;
}

/*
 * Finds name in field 0 of a colon-separated file (passwd(5), group(5))
 * and returns field 2, the id. Lines longer than the buffer are skipped
 * whole, never taken apart.
 */
static int user_lookup(const char *path, const char *name, uint32_t *id)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	char line[4096];
	bool skipping = false;

	if (!f)
		return errno == ENOENT ? -ENOENT : -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		char *fields[3], *p = line;
		bool whole = len && line[len - 1] == '\n';
		int ret;

		if (skipping) {
			skipping = !whole;
			continue;
		}
		if (!whole && !feof(f)) {
			skipping = true;
			continue;
		}
		line[strcspn(line, "\n")] = '\0';
		for (int i = 0; i < 3; i++) {
			fields[i] = p;
			p = p ? strchr(p, ':') : NULL;
			if (p)
				*p++ = '\0';
		}
		if (!fields[2] || strcmp(fields[0], name))
			continue;
		ret = user_number(fields[2], id);
		return ret == 1 ? 0 : -EINVAL;
	}
	return ferror(f) ? -EIO : -ENOENT;
}

int user_resolve_uid(const char *passwd_path, const char *user, uid_t *uid)
{
	uint32_t id;
	int ret = user_number(user, &id);

	if (ret == 0) {
		ret = user_lookup(passwd_path, user, &id);
		if (ret == 0)
			ret = 1;
	}
	if (ret < 0)
		return ret;
	*uid = id;
	return 0;
}

int user_resolve_gid(const char *group_path, const char *group, gid_t *gid)
{
	uint32_t id;
	int ret = user_number(group, &id);

	if (ret == 0) {
		ret = user_lookup(group_path, group, &id);
		if (ret == 0)
			ret = 1;
	}
	if (ret < 0)
		return ret;
	*gid = id;
	return 0;
}
