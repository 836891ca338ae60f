// SPDX-License-Identifier: Apache-2.0
/*
 * CNI result documents (CNI SPEC.md "Result Types"): what a plugin prints
 * on stdout. A plugin is a program we did not write, so its output is
 * checked like any untrusted input: types, counts, lengths, address and
 * MAC syntax. Unknown keys are ignored (the spec lets results grow).
 */
#include "stage0/cni.h"
#include "stage0/plan_json.h"

#include "common/cleanup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct json_object *cni_json_parse(const char *json, size_t len, size_t max,
				   int depth, struct error **err)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	size_t end;

	if (len > max || len > INT32_MAX)
		return error_set(err, EINVAL, "%zu bytes, more than %zu", len,
				 max),
		       NULL;
	if (memchr(json, '\0', len))
		return error_set(err, EINVAL, "holds a NUL byte"), NULL;
	tok = json_tokener_new_ex(depth);
	if (!tok)
		return error_set(err, ENOMEM, "out of memory"), NULL;
	o = json_tokener_parse_ex(tok, json, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || jerr != json_tokener_success) {
		json_object_put(o);
		error_set(err, EINVAL, "not valid JSON: %s",
			  jerr == json_tokener_continue
				  ? "unexpected end"
				  : json_tokener_error_desc(jerr));
		return NULL;
	}
	for (; end < len; end++) {
		if (!strchr(" \t\r\n", json[end])) {
			json_object_put(o);
			error_set(err, EINVAL, "data after its JSON value");
			return NULL;
		}
	}
	return o;
}

/* A string member: 0 and *s (NULL if absent), -1 if of another type. */
static int cni_get_string(struct json_object *obj, const char *key, size_t max,
			  const char **s, struct error **err)
{
	struct json_object *v;

	*s = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return error_set(err, EINVAL, "%s is not a string", key);
	if ((size_t)json_object_get_string_len(v) > max)
		return error_set(err, EINVAL, "%s is longer than %zu bytes",
				 key, max);
	*s = json_object_get_string(v);
	if (strlen(*s) != (size_t)json_object_get_string_len(v))
		return error_set(err, EINVAL, "%s holds a NUL byte", key);
	return 0;
}

/* An array member: 0 and *a (NULL if absent or null), -1 if too long. */
static int cni_get_array(struct json_object *obj, const char *key, size_t max,
			 struct json_object **a, struct error **err)
{
	struct json_object *v;

	*a = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return error_set(err, EINVAL, "%s is not an array", key);
	if (json_object_array_length(v) > max)
		return error_set(err, EINVAL, "%s has more than %zu entries",
				 key, max);
	*a = v;
	return 0;
}

static int cni_get_object(struct json_object *obj, const char *key,
			  struct json_object **o, struct error **err)
{
	struct json_object *v;

	*o = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return error_set(err, EINVAL, "%s is not an object", key);
	*o = v;
	return 0;
}

/* An IPv4 or IPv6 address (no prefix); its family, or -1. */
static int cni_addr_family(const char *s)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, s, buf) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, buf) == 1)
		return AF_INET6;
	return -1;
}

/* "ADDR/LEN", LEN decimal without sign or leading zeros, in range. */
static int cni_prefix_parse(const char *s, struct cni_prefix *p,
			    const char *what, struct error **err)
{
	const char *slash = strchr(s, '/');
	size_t alen;
	unsigned long n = 0;
	const char *c;

	if (!slash || slash == s || !slash[1])
		return error_set(err, EINVAL, "%s \"%.64s\" is not ADDR/PREFIX",
				 what, s);
	alen = (size_t)(slash - s);
	if (alen >= sizeof(p->addr))
		return error_set(err, EINVAL, "%s is too long", what);
	memcpy(p->addr, s, alen);
	p->addr[alen] = '\0';
	p->family = cni_addr_family(p->addr);
	if (p->family < 0)
		return error_set(err, EINVAL, "%s \"%.64s\": bad address", what,
				 s);
	c = slash + 1;
	if (strlen(c) > 3 || (c[0] == '0' && c[1]))
		return error_set(err, EINVAL, "%s \"%.64s\": bad prefix length",
				 what, s);
	for (; *c; c++) {
		if (*c < '0' || *c > '9')
			return error_set(err, EINVAL,
					 "%s \"%.64s\": bad prefix length",
					 what, s);
		n = n * 10 + (unsigned long)(*c - '0');
	}
	if (n > (p->family == AF_INET ? 32u : 128u))
		return error_set(err, EINVAL,
				 "%s \"%.64s\": prefix length out of range",
				 what, s);
	p->prefix_len = (unsigned)n;
	return 0;
}

/* An optional plain address member into buf; family must match if > 0. */
static int cni_get_addr(struct json_object *obj, const char *key, int family,
			char *buf, struct error **err)
{
	const char *s;
	int f;

	buf[0] = '\0';
	if (cni_get_string(obj, key, CNI_ADDR_MAX - 1, &s, err) < 0)
		return -1;
	if (!s)
		return 0;
	f = cni_addr_family(s);
	if (f < 0)
		return error_set(err, EINVAL, "%s \"%s\" is not an address",
				 key, s);
	if (family > 0 && f != family)
		return error_set(err, EINVAL,
				 "%s \"%s\" is not of the address family of "
				 "its prefix",
				 key, s);
	strcpy(buf, s);
	return 0;
}

static bool cni_mac_valid(const char *s)
{
	/* Six two-digit hex octets separated by ':' (EUI-48). */
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		char c = s[i];

		if (i % 3 == 2) {
			if (c != ':')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return true;
}

static int cni_parse_routes(struct json_object *arr, struct cni_result *r,
			    struct error **err)
{
	size_t n = arr ? json_object_array_length(arr) : 0;

	if (r->n_routes + n > CNI_ROUTES_MAX)
		return error_set(err, EINVAL, "more than %d routes",
				 CNI_ROUTES_MAX);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		struct cni_route *rt = &r->routes[r->n_routes];
		const char *dst;

		if (!json_object_is_type(e, json_type_object))
			return error_set(err, EINVAL,
					 "routes[%zu] is not an object", i);
		if (cni_get_string(e, "dst", CNI_ADDR_MAX + 4, &dst, err) < 0)
			return error_wrap(err, "routes[%zu]", i);
		if (!dst)
			return error_set(err, EINVAL, "routes[%zu] has no dst",
					 i);
		if (cni_prefix_parse(dst, &rt->dst, "dst", err) < 0 ||
		    cni_get_addr(e, "gw", rt->dst.family, rt->gw, err) < 0)
			return error_wrap(err, "routes[%zu]", i);
		r->n_routes++;
	}
	return 0;
}

static int cni_parse_strings(struct json_object *obj, const char *key,
			     char (*out)[CNI_DOMAIN_MAX], size_t *n,
			     bool addresses, struct error **err)
{
	struct json_object *arr;

	if (cni_get_array(obj, key, CNI_DNS_MAX, &arr, err) < 0)
		return -1;
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *s;
		size_t len;

		if (!json_object_is_type(e, json_type_string))
			return error_set(err, EINVAL, "%s[%zu] is not a string",
					 key, i);
		s = json_object_get_string(e);
		len = (size_t)json_object_get_string_len(e);
		if (len == 0 ||
		    len >= (addresses ? CNI_ADDR_MAX : CNI_DOMAIN_MAX) ||
		    strlen(s) != len)
			return error_set(err, EINVAL,
					 "%s[%zu] has a bad length", key, i);
		if (addresses && cni_addr_family(s) < 0)
			return error_set(err, EINVAL,
					 "%s[%zu] \"%s\" is not an address",
					 key, i, s);
		if (!addresses && strpbrk(s, " \t\r\n"))
			return error_set(err, EINVAL,
					 "%s[%zu] holds white space", key, i);
		memcpy(out[*n], s, len + 1);
		(*n)++;
	}
	return 0;
}

static int cni_parse_dns(struct json_object *top, struct cni_dns *d,
			 struct error **err)
{
	struct json_object *dns;
	char ns[CNI_DNS_MAX][CNI_DOMAIN_MAX];
	const char *domain;

	if (cni_get_object(top, "dns", &dns, err) < 0)
		return -1;
	if (!dns)
		return 0;
	d->n_nameservers = 0;
	if (cni_parse_strings(dns, "nameservers", ns, &d->n_nameservers, true,
			      err) < 0)
		return error_wrap(err, "dns");
	for (size_t i = 0; i < d->n_nameservers; i++)
		strcpy(d->nameservers[i], ns[i]);
	if (cni_get_string(dns, "domain", CNI_DOMAIN_MAX - 1, &domain, err) < 0)
		return error_wrap(err, "dns");
	if (domain) {
		if (strpbrk(domain, " \t\r\n"))
			return error_set(err, EINVAL,
					 "dns: domain holds white space");
		strcpy(d->domain, domain);
	}
	if (cni_parse_strings(dns, "search", d->search, &d->n_search, false,
			      err) < 0 ||
	    cni_parse_strings(dns, "options", d->options, &d->n_options, false,
			      err) < 0)
		return error_wrap(err, "dns");
	return 0;
}

/* 0.1.0/0.2.0: "ip4" and "ip6", each {ip, gateway, routes}. */
static int cni_parse_legacy(struct json_object *top, struct cni_result *r,
			    struct error **err)
{
	static const char *const keys[] = {"ip4", "ip6"};

	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		struct json_object *o, *routes;
		struct cni_ip *ip = &r->ips[r->n_ips];
		const char *s;
		int family = k == 0 ? AF_INET : AF_INET6;

		if (cni_get_object(top, keys[k], &o, err) < 0)
			return -1;
		if (!o)
			continue;
		if (cni_get_string(o, "ip", CNI_ADDR_MAX + 4, &s, err) < 0)
			return error_wrap(err, "%s", keys[k]);
		if (!s)
			return error_set(err, EINVAL, "%s has no ip", keys[k]);
		if (cni_prefix_parse(s, &ip->address, "ip", err) < 0)
			return error_wrap(err, "%s", keys[k]);
		if (ip->address.family != family)
			return error_set(err, EINVAL,
					 "%s: ip %s is of the other family",
					 keys[k], s);
		if (cni_get_addr(o, "gateway", family, ip->gateway, err) < 0)
			return error_wrap(err, "%s", keys[k]);
		ip->iface = -1;
		r->n_ips++;
		if (cni_get_array(o, "routes", CNI_ROUTES_MAX, &routes, err) <
			    0 ||
		    cni_parse_routes(routes, r, err) < 0)
			return error_wrap(err, "%s", keys[k]);
	}
	return 0;
}

static int cni_parse_ifaces(struct json_object *top, struct cni_result *r,
			    struct error **err)
{
	struct json_object *arr;

	if (cni_get_array(top, "interfaces", CNI_IFACES_MAX, &arr, err) < 0)
		return -1;
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		struct cni_iface *f = &r->ifaces[i];
		const char *name, *mac, *sandbox;

		if (!json_object_is_type(e, json_type_object))
			return error_set(err, EINVAL,
					 "interfaces[%zu] is not an object", i);
		if (cni_get_string(e, "name", sizeof(f->name) - 1, &name, err) <
			    0 ||
		    cni_get_string(e, "mac", 64, &mac, err) < 0 ||
		    cni_get_string(e, "sandbox", CNI_SANDBOX_MAX, &sandbox,
				   err) < 0)
			return error_wrap(err, "interfaces[%zu]", i);
		if (!name || !name[0] || strpbrk(name, "/: \t\r\n"))
			return error_set(err, EINVAL,
					 "interfaces[%zu] has no valid name",
					 i);
		if (mac && mac[0] && !cni_mac_valid(mac))
			return error_set(err, EINVAL,
					 "interfaces[%zu]: mac \"%s\" is not "
					 "a MAC address",
					 i, mac);
		strcpy(f->name, name);
		strcpy(f->mac, mac ? mac : "");
		r->n_ifaces = i + 1;
		if (sandbox && sandbox[0]) {
			f->sandbox = strdup(sandbox);
			if (!f->sandbox)
				return error_set(err, ENOMEM, "out of memory");
			if (r->sandbox_iface < 0)
				r->sandbox_iface = (int)i;
		}
	}
	return 0;
}

static int cni_parse_ips(struct json_object *top, struct cni_result *r,
			 struct error **err)
{
	struct json_object *arr;

	if (cni_get_array(top, "ips", CNI_IPS_MAX, &arr, err) < 0)
		return -1;
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		struct json_object *idx;
		struct cni_ip *ip = &r->ips[i];
		const char *addr, *version;

		if (!json_object_is_type(e, json_type_object))
			return error_set(err, EINVAL,
					 "ips[%zu] is not an object", i);
		if (cni_get_string(e, "address", CNI_ADDR_MAX + 4, &addr, err) <
			    0 ||
		    cni_get_string(e, "version", 1, &version, err) < 0)
			return error_wrap(err, "ips[%zu]", i);
		if (!addr)
			return error_set(err, EINVAL, "ips[%zu] has no address",
					 i);
		if (cni_prefix_parse(addr, &ip->address, "address", err) < 0)
			return error_wrap(err, "ips[%zu]", i);
		/* 0.3.x carries "version": "4" or "6"; it must agree. */
		if (version &&
		    !(strcmp(version, "4") == 0 &&
		      ip->address.family == AF_INET) &&
		    !(strcmp(version, "6") == 0 &&
		      ip->address.family == AF_INET6))
			return error_set(err, EINVAL,
					 "ips[%zu]: version \"%s\" does not "
					 "match address %s",
					 i, version, addr);
		if (cni_get_addr(e, "gateway", ip->address.family, ip->gateway,
				 err) < 0)
			return error_wrap(err, "ips[%zu]", i);
		ip->iface = -1;
		if (json_object_object_get_ex(e, "interface", &idx) && idx) {
			int64_t v;

			if (!json_object_is_type(idx, json_type_int))
				return error_set(err, EINVAL,
						 "ips[%zu]: interface is not "
						 "an integer",
						 i);
			v = json_object_get_int64(idx);
			if (v < 0 || (uint64_t)v >= r->n_ifaces)
				return error_set(err, EINVAL,
						 "ips[%zu]: interface %lld is "
						 "not in interfaces",
						 i, (long long)v);
			ip->iface = (int)v;
		}
		r->n_ips = i + 1;
	}
	return 0;
}

static int cni_result_parse_top(struct json_object *top, struct cni_result *r,
				struct error **err)
{
	const char *version;
	struct json_object *routes;
	bool legacy;

	if (!json_object_is_type(top, json_type_object))
		return error_set(err, EINVAL, "result is not a JSON object");
	if (cni_get_string(top, "cniVersion", sizeof(r->cni_version) - 1,
			   &version, err) < 0)
		return -1;
	/* 0.1.0 results may lack cniVersion; their form is the old one. */
	if (!version || strcmp(version, "0.1.0") == 0 ||
	    strcmp(version, "0.2.0") == 0)
		legacy = true;
	else if (strcmp(version, "0.3.0") == 0 ||
		 strcmp(version, "0.3.1") == 0 ||
		 strcmp(version, "0.4.0") == 0 ||
		 strcmp(version, "1.0.0") == 0 || strcmp(version, "1.1.0") == 0)
		legacy = false;
	else
		return error_set(err, EINVAL,
				 "unsupported result cniVersion \"%s\"",
				 version);
	strcpy(r->cni_version, version ? version : "0.1.0");
	if (legacy) {
		if (cni_parse_legacy(top, r, err) < 0)
			return -1;
	} else {
		if (cni_parse_ifaces(top, r, err) < 0 ||
		    cni_parse_ips(top, r, err) < 0)
			return -1;
		if (cni_get_array(top, "routes", CNI_ROUTES_MAX, &routes, err) <
			    0 ||
		    cni_parse_routes(routes, r, err) < 0)
			return -1;
	}
	return cni_parse_dns(top, &r->dns, err);
}

int cni_result_parse(const char *json, size_t len, struct cni_result *out,
		     struct error **err)
{
	cleanup_json struct json_object *top = NULL;

	memset(out, 0, sizeof(*out));
	out->sandbox_iface = -1;
	top = cni_json_parse(json, len, CNI_RESULT_MAX, 16, err);
	if (!top)
		return error_wrap(err, "result");
	if (cni_result_parse_top(top, out, err) < 0) {
		cni_result_free(out);
		return -1;
	}
	return 0;
}

void cni_result_free(struct cni_result *r)
{
	for (size_t i = 0; i < CNI_IFACES_MAX; i++) {
		free(r->ifaces[i].sandbox);
		r->ifaces[i].sandbox = NULL;
	}
	memset(r, 0, sizeof(*r));
	r->sandbox_iface = -1;
}

bool cni_result_ip_in_sandbox(const struct cni_result *r, size_t i)
{
	if (i >= r->n_ips)
		return false;
	return r->ips[i].iface < 0 || r->ips[i].iface == r->sandbox_iface;
}

char *cni_error_text(const char *json, size_t len)
{
	cleanup_json struct json_object *top = NULL;
	cleanup_error struct error *e = NULL;
	struct json_object *code;
	const char *msg = NULL, *details = NULL;
	char *text = NULL;
	int r;

	top = cni_json_parse(json, len, CNI_RESULT_MAX, 16, &e);
	if (!top || !json_object_is_type(top, json_type_object) ||
	    !json_object_object_get_ex(top, "code", &code) ||
	    !json_object_is_type(code, json_type_int))
		return NULL;
	if (cni_get_string(top, "msg", 1024, &msg, &e) < 0 ||
	    cni_get_string(top, "details", 4096, &details, &e) < 0)
		return NULL;
	if (msg && msg[0] && details && details[0])
		r = asprintf(&text, "%s (%s)", msg, details);
	else if (msg && msg[0])
		r = asprintf(&text, "%s", msg);
	else
		r = asprintf(&text, "error code %lld",
			     (long long)json_object_get_int64(code));
	return r < 0 ? NULL : text;
}
