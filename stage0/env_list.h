/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The environment of `run` and `prepare`: --set-env, --set-env-file and
 * --environment build ordered NAME=VALUE lists (docs/pod-commands.md).
 */
#ifndef COCOON_STAGE0_ENV_LIST_H
#define COCOON_STAGE0_ENV_LIST_H

#include <stddef.h>

#include "common/error.h"

struct env_var {
	char *name;
	char *value;
};

/* An ordered environment; setting a name again replaces its value. */
struct env_list {
	struct env_var *vars;
	size_t count;
};

int env_list_set(struct env_list *l, const char *name, const char *value,
		 struct error **err);
/* "NAME=VALUE" (NAME not empty). */
int env_list_set_pair(struct env_list *l, const char *pair, struct error **err);
const char *env_list_get(const struct env_list *l, const char *name);
void env_list_free(struct env_list *l);
/* --set-env-file: NAME=VALUE lines; empty lines and # or ; comments. */
int env_list_read_file(struct env_list *l, const char *path,
		       struct error **err);

#endif
