/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ListPods' and ListImages' filters, as rkt's v1alpha PodFilter and
 * ImageFilter: the fields given are combined by AND; within a field, ids,
 * states, prefixes, base names and keywords match when ANY value does,
 * while app names, image IDs, networks, labels and annotations must ALL be
 * present (rkt's api.proto says the same of each field). A field left
 * empty does not filter.
 *
 * In a query string a field is a repeated parameter (state=running&
 * state=exited) or one with comma-separated values (state=running,exited);
 * labels and annotations are NAME=VALUE, repeated only (values may hold
 * commas).
 *
 * Several filters combine by OR, as rkt's repeated `filters`: a
 * parameter `or` (no value) ends one and starts the next
 * (state=running&or&app=web: running pods, and pods with an app "web").
 */
#ifndef COCOON_STAGE0_API_FILTER_H
#define COCOON_STAGE0_API_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "stage0/api_http.h"

/* At most this many values in all of a request's filters' fields. */
#define API_FILTER_VALUES_MAX 64
/* At most this many filters ORed in one request. */
#define API_FILTER_ALTERNATIVES_MAX 16

struct api_strings {
	char **v;
	size_t n;
};

struct api_kv {
	char *name;
	char *value;
};

struct api_kvs {
	struct api_kv *v;
	size_t n;
};

struct api_pod_filter {
	struct api_strings ids;	     /* full UUIDs or prefixes: any */
	struct api_strings states;   /* user-facing state names: any */
	struct api_strings apps;     /* app names: all */
	struct api_strings images;   /* image IDs or ID prefixes: all */
	struct api_strings networks; /* network names: all */
	struct api_kvs annotations;  /* pod manifest annotations: all */
	struct api_pod_filter *alt;  /* the next alternative (`or`), or NULL */
};

/* What a pod offers to a filter (borrowed strings). */
struct api_pod_facts {
	const char *uuid;
	const char *state; /* "running", "exited garbage", ... */
	const char *const *apps;
	size_t napps;
	const char *const *images;
	size_t nimages;
	const char *const *networks;
	size_t nnetworks;
	const struct api_kv *annotations;
	size_t nannotations;
};

struct api_image_filter {
	struct api_strings ids;	       /* full IDs or prefixes: any */
	struct api_strings prefixes;   /* of the name: any */
	struct api_strings base_names; /* last '/' component: any */
	struct api_strings keywords;   /* substring of the name: any */
	struct api_kvs labels;	       /* all */
	struct api_kvs annotations;    /* image manifest's: all */
	/* seconds since the epoch; 0: not set. after: >, before: < */
	int64_t imported_after, imported_before;
	int64_t last_used_after, last_used_before;
	struct api_image_filter *alt; /* the next alternative (`or`), or NULL */
};

struct api_image_facts {
	const char *id;
	const char *name;
	int64_t import_time, last_used;
	const struct api_kv *labels;
	size_t nlabels;
	const struct api_kv *annotations;
	size_t nannotations;
};

/*
 * Adds each comma-separated value of v (parameter param) to s; *count
 * counts the values of a whole filter against API_FILTER_VALUES_MAX.
 */
int api_strings_add(struct api_strings *s, const char *param, const char *v,
		    size_t *count, struct error **err);
void api_strings_free(struct api_strings *s);

/* The state names a pod filter accepts ("exited-garbage" too). */
bool api_pod_state_valid(const char *state);

/*
 * Fills f from the query parameters id, state, app, image, network,
 * annotation (ListPods) or id, prefix, base_name, keyword, label,
 * annotation, imported_after, imported_before, last_used_after,
 * last_used_before (ListImages). Other parameters named in `also` are
 * allowed and skipped, anywhere; `or` starts the next filter (an empty
 * one on either side of it is an error). An unknown parameter is an error
 * (code 400), as is a bad value.
 */
int api_pod_filter_parse(const struct api_request *req, const char *const *also,
			 struct api_pod_filter *f, struct error **err);
int api_image_filter_parse(const struct api_request *req,
			   const char *const *also, struct api_image_filter *f,
			   struct error **err);
/* Frees f's fields and its alternatives (f itself is the caller's). */
void api_pod_filter_free(struct api_pod_filter *f);
void api_image_filter_free(struct api_image_filter *f);

/* True when f or one of its alternatives matches. */
bool api_pod_filter_match(const struct api_pod_filter *f,
			  const struct api_pod_facts *p);
bool api_image_filter_match(const struct api_image_filter *f,
			    const struct api_image_facts *i);

#endif
