// SPDX-License-Identifier: Apache-2.0
/* Ordered environment lists for `run` and `prepare` (stage0/env_list.h). */
#include "stage0/env_list.h"
#include "common/cleanup.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int env_list_set(struct env_list *l, const char *name, const char *value,
		 struct error **err)
{
	struct env_var *grown;
	char *n, *v;

	v = strdup(value);
	if (!v)
		return error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < l->count; i++)
		if (!strcmp(l->vars[i].name, name)) {
			free(l->vars[i].value);
			l->vars[i].value = v;
			return 0;
		}
	n = strdup(name);
	grown = realloc(l->vars, (l->count + 1) * sizeof(*grown));
	if (!n || !grown) {
		free(n);
		free(v);
		if (grown)
			l->vars = grown;
		return error_set(err, ENOMEM, "out of memory");
	}
	l->vars = grown;
	l->vars[l->count++] = (struct env_var){n, v};
	return 0;
}

int env_list_set_pair(struct env_list *l, const char *pair, struct error **err)
{
	const char *eq = strchr(pair, '=');
	cleanup_free char *name = NULL;

	if (!eq || eq == pair)
		return error_set(err, EINVAL, "\"%s\": want NAME=VALUE", pair);
	name = strndup(pair, (size_t)(eq - pair));
	if (!name)
		return error_set(err, ENOMEM, "out of memory");
	return env_list_set(l, name, eq + 1, err);
}

const char *env_list_get(const struct env_list *l, const char *name)
{
	for (size_t i = 0; i < l->count; i++)
		if (!strcmp(l->vars[i].name, name))
			return l->vars[i].value;
	return NULL;
}

void env_list_free(struct env_list *l)
{
	for (size_t i = 0; i < l->count; i++) {
		free(l->vars[i].name);
		free(l->vars[i].value);
	}
	free(l->vars);
	l->vars = NULL;
	l->count = 0;
}

#define ENV_FILE_MAX (1u << 20)

int env_list_read_file(struct env_list *l, const char *path, struct error **err)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	cleanup_free char *line = NULL;
	size_t cap = 0, total = 0;
	unsigned lineno = 0;
	ssize_t n;

	if (!f)
		return error_set_errno(err, "open %s", path);
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		total += (size_t)n;
		if (total > ENV_FILE_MAX)
			return error_set(err, EFBIG, "%s: larger than %u bytes",
					 path, ENV_FILE_MAX);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (!n || line[0] == '#' || line[0] == ';')
			continue;
		if (strlen(line) != (size_t)n)
			return error_set(err, EINVAL, "%s:%u: a NUL byte", path,
					 lineno);
		if (env_list_set_pair(l, line, err) < 0)
			return error_wrap(err, "%s:%u", path, lineno);
	}
	if (ferror(f))
		return error_set_errno(err, "read %s", path);
	return 0;
}
