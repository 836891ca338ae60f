// SPDX-License-Identifier: Apache-2.0
#include "stage0/isolators.h"
#include "common/cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef unsigned __int128 u128;

/* Kubernetes quantity suffixes (resource model: decimal SI and binary). */
static const struct quantity_suffix {
	const char *suffix;
	u128 numerator, denominator;
} quantity_suffixes[] = {
	{"", 1, 1},
	{"m", 1, 1000},
	{"k", 1000, 1},
	{"M", 1000000, 1},
	{"G", 1000000000ull, 1},
	{"T", 1000000000000ull, 1},
	{"P", 1000000000000000ull, 1},
	{"E", 1000000000000000000ull, 1},
	{"Ki", 1ull << 10, 1},
	{"Mi", 1ull << 20, 1},
	{"Gi", 1ull << 30, 1},
	{"Ti", 1ull << 40, 1},
	{"Pi", 1ull << 50, 1},
	{"Ei", 1ull << 60, 1},
};

/*
 * Parses a Kubernetes quantity into units of 1/scale (scale 1: the value
 * itself, rounded up; scale 1000: thousandths). Only what the resource
 * model allows: digits, an optional fraction, then a suffix or a
 * non-negative decimal exponent. 0 is refused: a limit of nothing is a
 * mistake.
 */
static int quantity_parse(const char *s, u128 scale, bool allow_milli,
			  uint64_t *out, const char *what, struct error **err)
{
	const struct quantity_suffix *suf = NULL;
	u128 mantissa = 0, fraction_div = 1, num, den, v;
	const char *p = s;
	unsigned digits = 0, exponent = 0;

	while (isdigit((unsigned char)*p)) {
		if (++digits > 19)
			goto bad;
		mantissa = mantissa * 10 + (u128)(*p++ - '0');
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			goto bad;
		while (isdigit((unsigned char)*p)) {
			if (++digits > 19)
				goto bad;
			mantissa = mantissa * 10 + (u128)(*p++ - '0');
			fraction_div *= 10;
		}
	}
	if (!digits)
		goto bad;
	/* "1e9" is an exponent, "1E" and "1Ei" are suffixes. */
	if ((*p == 'e' || *p == 'E') && isdigit((unsigned char)p[1])) {
		p++;
		while (isdigit((unsigned char)*p)) {
			exponent = exponent * 10 + (unsigned)(*p++ - '0');
			if (exponent > 18)
				goto bad;
		}
		if (*p)
			goto bad;
		num = 1;
		for (unsigned i = 0; i < exponent; i++)
			num *= 10;
		den = 1;
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(quantity_suffixes); i++)
			if (!strcmp(p, quantity_suffixes[i].suffix))
				suf = &quantity_suffixes[i];
		if (!suf || (suf->denominator != 1 && !allow_milli))
			goto bad;
		num = suf->numerator;
		den = suf->denominator;
	}
	/* value = mantissa * num * scale / (fraction_div * den), rounded up. */
	if (__builtin_mul_overflow(mantissa, num, &v) ||
	    __builtin_mul_overflow(v, scale, &v))
		return error_set(err, ERANGE, "%s \"%s\": too large", what, s);
	den *= fraction_div;
	v = (v + den - 1) / den;
	if (!v)
		return error_set(err, EINVAL, "%s \"%s\": must be more than 0",
				 what, s);
	if (v > UINT64_MAX)
		return error_set(err, ERANGE, "%s \"%s\": too large", what, s);
	*out = (uint64_t)v;
	return 0;
bad:
	return error_set(err, EINVAL,
			 "%s \"%s\": not a quantity (examples: %s)", what, s,
			 allow_milli ? "\"750m\", \"2\", \"0.5\""
				     : "\"128Mi\", \"1Gi\", \"500M\"");
}

int isolator_parse_memory(const char *s, uint64_t *bytes, struct error **err)
{
	return quantity_parse(s, 1, false, bytes, "memory", err);
}

int isolator_parse_cpu(const char *s, uint64_t *millicores, struct error **err)
{
	/* A CPU quantity has no byte-like suffixes; only "m" and plain. */
	if (strpbrk(s, "kMGTPEi"))
		return error_set(err, EINVAL,
				 "cpu \"%s\": not a quantity (examples: "
				 "\"750m\", \"2\", \"0.5\")",
				 s);
	return quantity_parse(s, 1000, true, millicores, "cpu", err);
}

unsigned isolator_cpu_vcpus(uint64_t millicores)
{
	uint64_t v = millicores / 1000 + (millicores % 1000 != 0);

	if (v < 1)
		return 1;
	return v > UINT32_MAX ? UINT32_MAX : (unsigned)v;
}

uint64_t isolator_memory_mib(uint64_t bytes)
{
	return bytes / (1u << 20) + (bytes % (1u << 20) != 0);
}

/* ---- capabilities */
int caps_parse_list(const char *list, uint64_t *mask, struct error **err)
{
	cleanup_free char *copy = NULL;
	char *save = NULL, *tok;
	uint64_t m = 0;

	if (!*list || list[strlen(list) - 1] == ',' || strstr(list, ",,") ||
	    list[0] == ',')
		return error_set(err, EINVAL,
				 "\"%s\": an empty capability name", list);
	copy = strdup(list);
	if (!copy)
		return error_set(err, ENOMEM, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		int cap = caps_from_name_loose(tok);

		if (cap < 0)
			return error_set(err, EINVAL,
					 "unknown capability \"%s\"", tok);
		m |= 1ull << cap;
	}
	*mask = m;
	return 0;
}

uint64_t caps_default_set(void)
{
	/* appc spec, "os/linux/capabilities-retain-set": the default set. */
	static const int defaults[] = {
		29 /* AUDIT_WRITE */,
		0 /* CHOWN */,
		1 /* DAC_OVERRIDE */,
		4 /* FSETID */,
		3 /* FOWNER */,
		5 /* KILL */,
		27 /* MKNOD */,
		13 /* NET_RAW */,
		10 /* NET_BIND_SERVICE */,
		7 /* SETUID */,
		6 /* SETGID */,
		8 /* SETPCAP */,
		31 /* SETFCAP */,
		18 /* SYS_CHROOT */,
	};
	uint64_t m = 0;

	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
		m |= 1ull << defaults[i];
	return m;
}

uint64_t caps_all(void)
{
	return (1ull << (CAPS_LAST + 1)) - 1;
}

/* ---- seccomp */
bool isolator_errno_valid(const char *name)
{
	for (int e = 1; e < 4096; e++) {
		const char *n = strerrorname_np(e);

		if (n && !strcmp(n, name))
			return true;
	}
	return false;
}

bool isolator_syscall_valid(const char *name)
{
	return seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

void seccomp_spec_free(struct seccomp_spec *s)
{
	for (size_t i = 0; i < s->nsyscalls; i++)
		free(s->syscalls[i]);
	free(s->syscalls);
	free(s->errno_name);
	memset(s, 0, sizeof(*s));
}

static int seccomp_add(struct seccomp_spec *s, const char *name,
		       struct error **err)
{
	char **grown;

	if (name[0] == '@')
		return error_set(err, EINVAL,
				 "syscall group \"%s\" is not supported; "
				 "list the syscalls",
				 name);
	if (!isolator_syscall_valid(name))
		return error_set(err, EINVAL, "unknown syscall \"%s\"", name);
	for (size_t i = 0; i < s->nsyscalls; i++)
		if (!strcmp(s->syscalls[i], name))
			return 0;
	grown = realloc(s->syscalls, (s->nsyscalls + 1) * sizeof(*grown));
	if (!grown)
		return error_set(err, ENOMEM, "out of memory");
	s->syscalls = grown;
	s->syscalls[s->nsyscalls] = strdup(name);
	if (!s->syscalls[s->nsyscalls])
		return error_set(err, ENOMEM, "out of memory");
	s->nsyscalls++;
	return 0;
}

static int seccomp_set_errno(struct seccomp_spec *s, const char *name,
			     struct error **err)
{
	if (!isolator_errno_valid(name))
		return error_set(err, EINVAL, "unknown errno \"%s\"", name);
	free(s->errno_name);
	s->errno_name = strdup(name);
	if (!s->errno_name)
		return error_set(err, ENOMEM, "out of memory");
	return 0;
}

int seccomp_spec_parse(const char *str, struct seccomp_spec *out,
		       struct error **err)
{
	cleanup_free char *copy = strdup(str);
	struct seccomp_spec s = {0};
	char *save = NULL, *tok;

	if (!copy)
		return error_set(err, ENOMEM, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "mode=", 5)) {
			if (!strcmp(tok + 5, "retain"))
				s.mode = SECCOMP_MODE_RETAIN;
			else if (!strcmp(tok + 5, "remove"))
				s.mode = SECCOMP_MODE_REMOVE;
			else {
				seccomp_spec_free(&s);
				return error_set(err, EINVAL,
						 "mode \"%s\": want retain or "
						 "remove",
						 tok + 5);
			}
		} else if (!strncmp(tok, "errno=", 6)) {
			if (seccomp_set_errno(&s, tok + 6, err) < 0) {
				seccomp_spec_free(&s);
				return -1;
			}
		} else if (strchr(tok, '=')) {
			seccomp_spec_free(&s);
			return error_set(err, EINVAL,
					 "unknown option \"%s\" (want mode=, "
					 "errno= or syscall names)",
					 tok);
		} else if (seccomp_add(&s, tok, err) < 0) {
			seccomp_spec_free(&s);
			return -1;
		}
	}
	if (s.mode == SECCOMP_MODE_UNSET) {
		seccomp_spec_free(&s);
		return error_set(err, EINVAL,
				 "missing mode=retain or "
				 "mode=remove");
	}
	if (!s.nsyscalls) {
		seccomp_spec_free(&s);
		return error_set(err, EINVAL, "no syscalls listed");
	}
	*out = s;
	return 0;
}

int seccomp_spec_copy(struct seccomp_spec *dst, const struct seccomp_spec *src,
		      struct error **err)
{
	struct seccomp_spec s = {.mode = src->mode};

	for (size_t i = 0; i < src->nsyscalls; i++)
		if (seccomp_add(&s, src->syscalls[i], err) < 0) {
			seccomp_spec_free(&s);
			return -1;
		}
	if (src->errno_name &&
	    seccomp_set_errno(&s, src->errno_name, err) < 0) {
		seccomp_spec_free(&s);
		return -1;
	}
	*dst = s;
	return 0;
}

/* ---- image isolators */
void app_isolators_free(struct app_isolators *iso)
{
	seccomp_spec_free(&iso->seccomp);
	memset(iso, 0, sizeof(*iso));
}

/* value.limit (else value.request) of a resource isolator, as a string. */
static const char *isolator_resource_limit(struct json_object *value)
{
	struct json_object *v;

	if (!json_object_is_type(value, json_type_object))
		return NULL;
	if ((json_object_object_get_ex(value, "limit", &v) ||
	     json_object_object_get_ex(value, "request", &v)) &&
	    json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

/* value.set: an array of strings, handed to fn one by one. */
static int isolator_each_in_set(struct json_object *value, const char *name,
				int (*fn)(void *arg, const char *item,
					  struct error **err),
				void *arg, struct error **err)
{
	struct json_object *set;
	size_t n;

	if (!json_object_is_type(value, json_type_object) ||
	    !json_object_object_get_ex(value, "set", &set) ||
	    !json_object_is_type(set, json_type_array))
		return error_set(err, EINVAL, "%s: value.set: must be an array",
				 name);
	n = json_object_array_length(set);
	if (!n)
		return error_set(err, EINVAL, "%s: value.set: is empty", name);
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(set, i);

		if (!json_object_is_type(item, json_type_string))
			return error_set(err, EINVAL,
					 "%s: value.set[%zu]: must be a string",
					 name, i);
		if (fn(arg, json_object_get_string(item), err) < 0)
			return error_wrap(err, "%s", name);
	}
	return 0;
}

static int isolator_add_cap(void *arg, const char *item, struct error **err)
{
	uint64_t *mask = arg;
	int cap = caps_from_name_loose(item);

	if (cap < 0 || strncmp(item, "CAP_", 4))
		return error_set(err, EINVAL, "unknown capability \"%s\"",
				 item);
	*mask |= 1ull << cap;
	return 0;
}

static int isolator_add_syscall(void *arg, const char *item, struct error **err)
{
	return seccomp_add(arg, item, err);
}

static int isolator_seccomp(struct json_object *value, const char *name,
			    enum seccomp_mode mode, struct app_isolators *out,
			    struct error **err)
{
	struct json_object *e;

	if (out->seccomp.mode != SECCOMP_MODE_UNSET)
		return error_set(err, EINVAL,
				 "%s: a second seccomp isolator (appc allows "
				 "one per app)",
				 name);
	out->seccomp.mode = mode;
	if (isolator_each_in_set(value, name, isolator_add_syscall,
				 &out->seccomp, err) < 0)
		return -1;
	if (json_object_object_get_ex(value, "errno", &e)) {
		if (!json_object_is_type(e, json_type_string))
			return error_set(err, EINVAL,
					 "%s: value.errno: must be a string",
					 name);
		if (seccomp_set_errno(&out->seccomp, json_object_get_string(e),
				      err) < 0)
			return error_wrap(err, "%s", name);
	}
	return 0;
}

static int isolator_one(struct json_object *iso, struct app_isolators *out,
			struct error **err)
{
	struct json_object *jname, *value = NULL;
	const char *name, *q;

	if (!json_object_is_type(iso, json_type_object) ||
	    !json_object_object_get_ex(iso, "name", &jname) ||
	    !json_object_is_type(jname, json_type_string))
		return error_set(err, EINVAL, "needs a string name");
	name = json_object_get_string(jname);
	json_object_object_get_ex(iso, "value", &value);
	if (!strcmp(name, "resource/memory")) {
		q = isolator_resource_limit(value);
		if (!q)
			return error_set(err, EINVAL,
					 "%s: value.limit: must be a quantity",
					 name);
		out->has_memory = true;
		if (isolator_parse_memory(q, &out->memory_limit, err) < 0)
			return error_wrap(err, "%s", name);
	} else if (!strcmp(name, "resource/cpu")) {
		q = isolator_resource_limit(value);
		if (!q)
			return error_set(err, EINVAL,
					 "%s: value.limit: must be a quantity",
					 name);
		out->has_cpu = true;
		if (isolator_parse_cpu(q, &out->cpu_limit, err) < 0)
			return error_wrap(err, "%s", name);
	} else if (!strcmp(name, "os/linux/capabilities-retain-set")) {
		out->has_caps_retain = true;
		return isolator_each_in_set(value, name, isolator_add_cap,
					    &out->caps_retain, err);
	} else if (!strcmp(name, "os/linux/capabilities-remove-set")) {
		out->has_caps_remove = true;
		return isolator_each_in_set(value, name, isolator_add_cap,
					    &out->caps_remove, err);
	} else if (!strcmp(name, "os/linux/seccomp-retain-set")) {
		return isolator_seccomp(value, name, SECCOMP_MODE_RETAIN, out,
					err);
	} else if (!strcmp(name, "os/linux/seccomp-remove-set")) {
		return isolator_seccomp(value, name, SECCOMP_MODE_REMOVE, out,
					err);
	} else if (!strcmp(name, "os/linux/no-new-privileges")) {
		if (!json_object_is_type(value, json_type_boolean))
			return error_set(err, EINVAL,
					 "%s: value: must be true or false",
					 name);
		out->no_new_privileges = json_object_get_boolean(value);
	}
	return 0;
}

int isolators_from_json(struct json_object *arr, struct app_isolators *out,
			struct error **err)
{
	memset(out, 0, sizeof(*out));
	if (!arr)
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return error_set(err, EINVAL,
				 "app.isolators: must be an array");
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (isolator_one(json_object_array_get_idx(arr, i), out, err) <
		    0) {
			app_isolators_free(out);
			return error_wrap(err, "app.isolators[%zu]", i);
		}
	return 0;
}
