// SPDX-License-Identifier: Apache-2.0
/* ListPods' and ListImages' filters: see api_filter.h. */
#include "stage0/api_filter.h"
#include "common/cleanup.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const api_pod_states[] = {
	"embryo", "preparing",	    "prepared", "running",
	"exited", "exited garbage", "garbage",
};

/* "exited-garbage" and "exited garbage" are the same state. */
static bool api_state_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b &&
		    !((*a == '-' || *a == ' ') && (*b == '-' || *b == ' ')))
			return false;
	return *a == *b;
}

bool api_pod_state_valid(const char *state)
{
	for (size_t i = 0; i < ARRAY_SIZE(api_pod_states); i++)
		if (api_state_equal(state, api_pod_states[i]))
			return true;
	return false;
}

void api_strings_free(struct api_strings *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static void api_kvs_free(struct api_kvs *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->v[i].name);
		free(k->v[i].value);
	}
	free(k->v);
	memset(k, 0, sizeof(*k));
}

void api_pod_filter_free(struct api_pod_filter *f)
{
	api_strings_free(&f->ids);
	api_strings_free(&f->states);
	api_strings_free(&f->apps);
	api_strings_free(&f->images);
	api_strings_free(&f->networks);
	api_kvs_free(&f->annotations);
	if (f->alt) {
		api_pod_filter_free(f->alt);
		free(f->alt);
	}
	memset(f, 0, sizeof(*f));
}

void api_image_filter_free(struct api_image_filter *f)
{
	api_strings_free(&f->ids);
	api_strings_free(&f->prefixes);
	api_strings_free(&f->base_names);
	api_strings_free(&f->keywords);
	api_kvs_free(&f->labels);
	api_kvs_free(&f->annotations);
	if (f->alt) {
		api_image_filter_free(f->alt);
		free(f->alt);
	}
	memset(f, 0, sizeof(*f));
}

int api_strings_add(struct api_strings *s, const char *param, const char *v,
		    size_t *count, struct error **err)
{
	while (true) {
		size_t n = strcspn(v, ",");
		char **grown;

		if (n == 0)
			return error_set(err, 400, "%s: empty value", param);
		if (++*count > API_FILTER_VALUES_MAX)
			return error_set(err, 400, "more than %d filter values",
					 API_FILTER_VALUES_MAX);
		grown = realloc(s->v, (s->n + 1) * sizeof(*grown));
		if (!grown)
			return error_set(err, 500, "out of memory");
		s->v = grown;
		s->v[s->n] = strndup(v, n);
		if (!s->v[s->n])
			return error_set(err, 500, "out of memory");
		s->n++;
		if (!v[n])
			return 0;
		v += n + 1;
	}
}

static int api_kvs_add(struct api_kvs *k, const char *param, const char *v,
		       size_t *count, struct error **err)
{
	const char *eq = strchr(v, '=');
	struct api_kv *grown;

	if (!eq || eq == v)
		return error_set(err, 400, "%s=%s: want NAME=VALUE", param, v);
	if (++*count > API_FILTER_VALUES_MAX)
		return error_set(err, 400, "more than %d filter values",
				 API_FILTER_VALUES_MAX);
	grown = realloc(k->v, (k->n + 1) * sizeof(*grown));
	if (!grown)
		return error_set(err, 500, "out of memory");
	k->v = grown;
	k->v[k->n].name = strndup(v, (size_t)(eq - v));
	k->v[k->n].value = strdup(eq + 1);
	if (!k->v[k->n].name || !k->v[k->n].value) {
		free(k->v[k->n].name);
		free(k->v[k->n].value);
		return error_set(err, 500, "out of memory");
	}
	k->n++;
	return 0;
}

static int api_time_param(const char *param, const char *v, int64_t *out,
			  struct error **err)
{
	char *end;
	long long t;

	errno = 0;
	t = strtoll(v, &end, 10);
	if (errno || end == v || *end || t <= 0)
		return error_set(err, 400,
				 "%s=%s: want seconds since the epoch", param,
				 v);
	*out = t;
	return 0;
}

static bool api_also(const char *const *also, const char *name)
{
	for (; also && *also; also++)
		if (!strcmp(*also, name))
			return true;
	return false;
}

/* Where a filter parser is: values so far, and before the last `or`. */
struct api_or_state {
	size_t count, before, alts;
};

/*
 * Parameter i is `or`: checks it and returns the next alternative, a
 * zeroed filter of size bytes, or NULL with *err.
 */
static void *api_or(const struct api_request *req, size_t i,
		    struct api_or_state *st, size_t size, struct error **err)
{
	bool used = st->count > st->before;
	void *next;

	st->before = st->count;
	if (req->params[i].value[0]) {
		error_set(err, 400, "or=%s: `or` takes no value",
			  req->params[i].value);
		return NULL;
	}
	if (!used) {
		error_set(err, 400,
			  "or: an empty filter before it (nothing to combine)");
		return NULL;
	}
	if (++st->alts >= API_FILTER_ALTERNATIVES_MAX) {
		error_set(err, 400, "more than %d filters ORed",
			  API_FILTER_ALTERNATIVES_MAX);
		return NULL;
	}
	if (!(next = calloc(1, size)))
		error_set(err, 500, "out of memory");
	return next;
}

/* After the last parameter: an `or` needs a filter after it too. */
static int api_or_end(const struct api_or_state *st, struct error **err)
{
	if (st->alts && st->count == st->before)
		return error_set(err, 400, "or: an empty filter after it");
	return 0;
}

int api_pod_filter_parse(const struct api_request *req, const char *const *also,
			 struct api_pod_filter *f, struct error **err)
{
	struct api_pod_filter *head = f;
	struct api_or_state st = {0};
	int r = 0;

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < req->nparams && r == 0; i++) {
		const char *n = req->params[i].name, *v = req->params[i].value;

		if (!strcmp(n, "or")) {
			/* on failure f is NULL: the loop ends, head is freed */
			f->alt = api_or(req, i, &st, sizeof(*f), err);
			if (!(f = f->alt))
				r = -1;
		} else if (!strcmp(n, "id"))
			r = api_strings_add(&f->ids, n, v, &st.count, err);
		else if (!strcmp(n, "state"))
			r = api_strings_add(&f->states, n, v, &st.count, err);
		else if (!strcmp(n, "app"))
			r = api_strings_add(&f->apps, n, v, &st.count, err);
		else if (!strcmp(n, "image"))
			r = api_strings_add(&f->images, n, v, &st.count, err);
		else if (!strcmp(n, "network"))
			r = api_strings_add(&f->networks, n, v, &st.count, err);
		else if (!strcmp(n, "annotation"))
			r = api_kvs_add(&f->annotations, n, v, &st.count, err);
		else if (!api_also(also, n))
			r = error_set(err, 400, "unknown parameter \"%s\"", n);
	}
	if (r == 0)
		r = api_or_end(&st, err);
	for (f = head; r == 0 && f; f = f->alt)
		for (size_t i = 0; r == 0 && i < f->states.n; i++)
			if (!api_pod_state_valid(f->states.v[i]))
				r = error_set(err, 400,
					      "state=%s: want embryo, "
					      "preparing, prepared, running, "
					      "exited, exited-garbage or "
					      "garbage",
					      f->states.v[i]);
	if (r < 0)
		api_pod_filter_free(head);
	return r;
}

int api_image_filter_parse(const struct api_request *req,
			   const char *const *also, struct api_image_filter *f,
			   struct error **err)
{
	static const char *const times[] = {"imported_after", "imported_before",
					    "last_used_after",
					    "last_used_before"};
	struct api_image_filter *head = f;
	struct api_or_state st = {0};
	int r = 0;

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < req->nparams && r == 0; i++) {
		const char *n = req->params[i].name, *v = req->params[i].value;
		int64_t *slots[] = {&f->imported_after, &f->imported_before,
				    &f->last_used_after, &f->last_used_before};
		size_t t;

		for (t = 0; t < ARRAY_SIZE(times); t++)
			if (!strcmp(n, times[t]))
				break;
		if (!strcmp(n, "or")) {
			/* on failure f is NULL: the loop ends, head is freed */
			f->alt = api_or(req, i, &st, sizeof(*f), err);
			if (!(f = f->alt))
				r = -1;
		} else if (t < ARRAY_SIZE(times)) {
			/* a time is a value too: `or` needs one each side */
			r = api_time_param(n, v, slots[t], err);
			st.count++;
		} else if (!strcmp(n, "id"))
			r = api_strings_add(&f->ids, n, v, &st.count, err);
		else if (!strcmp(n, "prefix"))
			r = api_strings_add(&f->prefixes, n, v, &st.count, err);
		else if (!strcmp(n, "base_name"))
			r = api_strings_add(&f->base_names, n, v, &st.count,
					    err);
		else if (!strcmp(n, "keyword"))
			r = api_strings_add(&f->keywords, n, v, &st.count, err);
		else if (!strcmp(n, "label"))
			r = api_kvs_add(&f->labels, n, v, &st.count, err);
		else if (!strcmp(n, "annotation"))
			r = api_kvs_add(&f->annotations, n, v, &st.count, err);
		else if (!api_also(also, n))
			r = error_set(err, 400, "unknown parameter \"%s\"", n);
	}
	if (r == 0)
		r = api_or_end(&st, err);
	if (r < 0)
		api_image_filter_free(head);
	return r;
}

static bool api_has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* Any of want matches have: by prefix (ids) or exactly. */
static bool api_any(const struct api_strings *want, const char *have,
		    bool prefix)
{
	if (!want->n)
		return true;
	for (size_t i = 0; i < want->n; i++)
		if (prefix ? api_has_prefix(have, want->v[i])
			   : api_state_equal(have, want->v[i]))
			return true;
	return false;
}

/* Every one of want is among have (by prefix for image IDs). */
static bool api_all(const struct api_strings *want, const char *const *have,
		    size_t nhave, bool prefix)
{
	for (size_t i = 0; i < want->n; i++) {
		bool found = false;

		for (size_t j = 0; j < nhave && !found; j++)
			found = have[j] &&
				(prefix ? api_has_prefix(have[j], want->v[i])
					: !strcmp(have[j], want->v[i]));
		if (!found)
			return false;
	}
	return true;
}

static bool api_all_kv(const struct api_kvs *want, const struct api_kv *have,
		       size_t nhave)
{
	for (size_t i = 0; i < want->n; i++) {
		bool found = false;

		for (size_t j = 0; j < nhave && !found; j++)
			found = !strcmp(have[j].name, want->v[i].name) &&
				!strcmp(have[j].value, want->v[i].value);
		if (!found)
			return false;
	}
	return true;
}

bool api_pod_filter_match(const struct api_pod_filter *f,
			  const struct api_pod_facts *p)
{
	for (; f; f = f->alt)
		if (api_any(&f->ids, p->uuid, true) &&
		    api_any(&f->states, p->state, false) &&
		    api_all(&f->apps, p->apps, p->napps, false) &&
		    api_all(&f->images, p->images, p->nimages, true) &&
		    api_all(&f->networks, p->networks, p->nnetworks, false) &&
		    api_all_kv(&f->annotations, p->annotations,
			       p->nannotations))
			return true;
	return false;
}

static bool api_image_names(const struct api_image_filter *f, const char *name)
{
	const char *slash = strrchr(name, '/');
	const char *base = slash ? slash + 1 : name;

	if (f->prefixes.n && !api_any(&f->prefixes, name, true))
		return false;
	if (f->base_names.n) {
		bool found = false;

		for (size_t i = 0; i < f->base_names.n && !found; i++)
			found = !strcmp(base, f->base_names.v[i]);
		if (!found)
			return false;
	}
	if (f->keywords.n) {
		bool found = false;

		for (size_t i = 0; i < f->keywords.n && !found; i++)
			found = strstr(name, f->keywords.v[i]) != NULL;
		if (!found)
			return false;
	}
	return true;
}

static bool api_image_filter_match_one(const struct api_image_filter *f,
				       const struct api_image_facts *i)
{
	if (!api_any(&f->ids, i->id, true) || !api_image_names(f, i->name))
		return false;
	if ((f->imported_after && i->import_time <= f->imported_after) ||
	    (f->imported_before && i->import_time >= f->imported_before) ||
	    (f->last_used_after && i->last_used <= f->last_used_after) ||
	    (f->last_used_before && i->last_used >= f->last_used_before))
		return false;
	return api_all_kv(&f->labels, i->labels, i->nlabels) &&
	       api_all_kv(&f->annotations, i->annotations, i->nannotations);
}

bool api_image_filter_match(const struct api_image_filter *f,
			    const struct api_image_facts *i)
{
	for (; f; f = f->alt)
		if (api_image_filter_match_one(f, i))
			return true;
	return false;
}
