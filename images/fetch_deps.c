// SPDX-License-Identifier: Apache-2.0
#include "images/fetch_deps.h"
#include "images/discovery.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *fetch_dep_chain_string(const struct fetch_dep_chain *c, const char *last)
{
	const char *names[FETCH_DEPS_MAX_DEPTH + 2];
	size_t n = 0, len = 1, off = 0;
	char *s;

	if (last)
		names[n++] = last, len += strlen(last);
	for (; c && n < ARRAY_SIZE(names); c = c->parent)
		names[n++] = c->name, len += strlen(c->name) + 4;
	s = malloc(len);
	if (!s)
		return NULL;
	while (n--)
		off += (size_t)snprintf(s + off, len - off, "%s%s", names[n],
					n ? " -> " : "");
	return s;
}

static struct store_label *dep_labels(const struct aci_dependency *d)
{
	struct store_label *want = calloc(d->nlabels + 1, sizeof(*want));

	for (size_t j = 0; want && j < d->nlabels; j++)
		want[j] = (struct store_label){d->labels[j].name,
					       d->labels[j].value};
	return want;
}

/* *id: the dependency in the store, or NULL. */
static int dep_lookup(struct store *s, const struct aci_dependency *d,
		      char **id, struct error **err)
{
	cleanup_free struct store_label *want = NULL;

	*id = NULL;
	if (d->image_id) {
		cleanup_error struct error *lookup = NULL;

		if (store_image_resolve(s, d->image_id, id, &lookup) == 0)
			return 0;
		if (lookup->code == ENOENT)
			return 0;
		*err = steal_pointer(&lookup);
		return -1;
	}
	want = dep_labels(d);
	if (!want)
		return error_set(err, ENOMEM, "out of memory");
	return store_image_find(s, d->image_name, want, d->nlabels, id, err);
}

static const char *dep_label(const struct aci_dependency *d, const char *name)
{
	for (size_t i = 0; i < d->nlabels; i++)
		if (!strcmp(d->labels[i].name, name))
			return d->labels[i].value;
	return NULL;
}

/* The image discovery brought must be the one the manifest asks for. */
static int dep_check(struct store *s, const struct aci_dependency *d,
		     const char *id, const char *path, struct error **err)
{
	cleanup_free char *found = NULL;

	if (d->image_id) {
		if (strncmp(id, d->image_id, strlen(d->image_id)))
			return error_set(err, EINVAL,
					 "dependency %s: discovery found "
					 "image %s, not %s as imageID asks",
					 path, id, d->image_id);
		return 0;
	}
	if (dep_lookup(s, d, &found, err) < 0)
		return error_wrap(err, "dependency %s", path);
	if (!found)
		return error_set(err, EINVAL,
				 "dependency %s: the image discovery found "
				 "(%s) does not carry the labels asked for",
				 path, id);
	return 0;
}

/*
 * A failure deeper in the chain already reads "dependency A -> B -> C:
 * cause": keep just that, rather than one "dependency" context per level.
 */
static int dep_wrap(struct error **err, const char *path)
{
	cleanup_free char *deeper = NULL;
	const char *at;

	if (asprintf(&deeper, "dependency %s -> ", path) < 0)
		return -1;
	at = strstr((*err)->message, deeper);
	if (!at)
		return error_wrap(err, "dependency %s", path);
	memmove((*err)->message, at, strlen(at) + 1);
	return -1;
}

static int dep_fetch(struct store *s, const struct aci_dependency *d,
		     const struct fetch_dep_chain *me,
		     const struct fetch_opts *o, struct error **err)
{
	cleanup_free char *path = fetch_dep_chain_string(me, d->image_name);
	cleanup_free char *id = NULL;
	struct fetch_dep_chain child = {d->image_name, me, me->depth + 1,
					me->fetched};
	struct fetch_opts dopt = *o;

	if (!path)
		return error_set(err, ENOMEM, "out of memory");
	if (o->pull == PULL_NEVER)
		return error_set(err, ENOENT,
				 "dependency %s: not in the store and "
				 "--pull-policy=never",
				 path);
	for (const struct fetch_dep_chain *c = me; c; c = c->parent)
		if (!strcmp(c->name, d->image_name))
			return error_set(err, ELOOP,
					 "dependency %s: a loop (%s needs "
					 "itself)",
					 path, d->image_name);
	if (child.depth > FETCH_DEPS_MAX_DEPTH)
		return error_set(err, ELOOP,
				 "dependency %s: nested deeper than %d", path,
				 FETCH_DEPS_MAX_DEPTH);
	if (*me->fetched >= FETCH_DEPS_MAX)
		return error_set(err, E2BIG,
				 "dependency %s: more than %d dependencies "
				 "to fetch",
				 path, FETCH_DEPS_MAX);
	(*me->fetched)++;
	dopt.chain = &child;
	dopt.expect_name = NULL;
	dopt.discovered = false;
	if (o->progress)
		fprintf(stderr, "fetching dependency %s\n", path);
	log_debug("fetch dependency %s", path);
	if (discovery_fetch(s, d->image_name, dep_label(d, "version"), &dopt,
			    &id, err) < 0)
		return dep_wrap(err, path);
	return dep_check(s, d, id, path, err);
}

int fetch_deps(struct store *s, const struct aci_manifest *m,
	       const struct fetch_opts *o, struct error **err)
{
	unsigned fetched = 0;
	struct fetch_dep_chain top = {m->name, NULL, 0, &fetched};
	const struct fetch_dep_chain *me = o->chain ? o->chain : &top;

	for (size_t i = 0; i < m->ndeps; i++) {
		const struct aci_dependency *d = &m->deps[i];
		cleanup_free char *id = NULL;

		if (dep_lookup(s, d, &id, err) < 0)
			return error_wrap(err, "dependency %s", d->image_name);
		if (!id && dep_fetch(s, d, me, o, err) < 0)
			return -1;
	}
	return 0;
}
