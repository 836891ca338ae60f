// SPDX-License-Identifier: Apache-2.0
#include "guest/runtime_net.h"

#include "guest/runtime_json.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int runtime_net_mac(const char *s, unsigned char mac[6])
{
	if (strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		unsigned v = 0;

		if (i < 5 && p[2] != ':')
			return -1;
		for (int j = 0; j < 2; j++) {
			int ch = (unsigned char)p[j];

			if (!isxdigit(ch))
				return -1;
			v = v * 16 +
			    (unsigned)(isdigit(ch) ? ch - '0'
						   : tolower(ch) - 'a' + 10);
		}
		mac[i] = (unsigned char)v;
	}
	return 0;
}

int runtime_net_cidr(const char *s, int *family, void *addr, unsigned *prefix)
{
	char buf[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t alen;
	unsigned long v;
	char *end;

	if (!slash)
		return -1;
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = AF_INET6;
	else
		return -1;
	/* Digits only: strtoul would take "+1", " 1" and "-0". */
	if (!isdigit((unsigned char)slash[1]) || strlen(slash + 1) > 3)
		return -1;
	v = strtoul(slash + 1, &end, 10);
	if (*end || v > (*family == AF_INET ? 32u : 128u))
		return -1;
	*prefix = (unsigned)v;
	return 0;
}

/* Whether addr has a bit set beyond its first prefix bits. */
static int runtime_net_host_bits(const unsigned char *addr, size_t size,
				 unsigned prefix)
{
	for (size_t i = 0; i < size; i++) {
		unsigned keep = prefix >= 8 * (i + 1) ? 8
				: prefix > 8 * i      ? prefix - 8 * i
						      : 0;
		unsigned char mask = (unsigned char)(0xff00u >> keep);

		if (addr[i] & ~mask)
			return 1;
	}
	return 0;
}

/* A string member of at most max bytes into buf. */
static int runtime_net_string(struct runtime_ctx *c, struct json_object *o,
			      const char *what, char *buf, size_t size)
{
	const char *s;
	size_t len;

	if (!json_object_is_type(o, json_type_string))
		return runtime_fail(c, "%s: %s instead of a string", what,
				    runtime_type_name(o));
	s = json_object_get_string(o);
	len = (size_t)json_object_get_string_len(o);
	if (strlen(s) != len)
		return runtime_fail(c, "%s: contains a NUL byte", what);
	if (len >= size)
		return runtime_fail(c, "%s: %zu bytes, at most %zu", what, len,
				    size - 1);
	memcpy(buf, s, len + 1);
	return 0;
}

static int runtime_net_route(struct runtime_ctx *c, struct json_object *o,
			     const char *where, struct runtime_route *r)
{
	unsigned char addr[16], gw[16];
	char what[96];
	int family, gw_family;
	struct json_object *m;
	unsigned prefix;
	int ret;

	if (!json_object_is_type(o, json_type_object))
		return runtime_fail(c, "%s: %s instead of an object", where,
				    runtime_type_name(o));
	runtime_where(what, sizeof(what), "%s.", where);
	ret = runtime_required(c, o, what, "dst", &m);
	if (ret < 0)
		return ret;
	runtime_where(what, sizeof(what), "%s.dst", where);
	ret = runtime_net_string(c, m, what, r->dst, sizeof(r->dst));
	if (ret < 0)
		return ret;
	if (runtime_net_cidr(r->dst, &family, addr, &prefix) < 0)
		return runtime_fail(c, "%s: \"%s\" is not an address/prefix",
				    what, r->dst);
	if (runtime_net_host_bits(addr, family == AF_INET ? 4 : 16, prefix))
		return runtime_fail(c, "%s: \"%s\" has host bits set", what,
				    r->dst);
	runtime_where(what, sizeof(what), "%s.", where);
	ret = runtime_member(c, o, what, "gw", &m);
	if (ret <= 0)
		return ret;
	runtime_where(what, sizeof(what), "%s.gw", where);
	ret = runtime_net_string(c, m, what, r->gw, sizeof(r->gw));
	if (ret < 0)
		return ret;
	if (inet_pton(AF_INET, r->gw, gw) == 1)
		gw_family = AF_INET;
	else if (inet_pton(AF_INET6, r->gw, gw) == 1)
		gw_family = AF_INET6;
	else
		return runtime_fail(c, "%s: \"%s\" is not an IP address", what,
				    r->gw);
	if (gw_family != family)
		return runtime_fail(c, "%s: \"%s\" is not of the family of %s",
				    what, r->gw, r->dst);
	return 0;
}

static int runtime_net_iface(struct runtime_ctx *c, struct json_object *o,
			     size_t i, struct runtime_iface *ifc)
{
	char where[32], what[96];
	struct json_object *m;
	unsigned char mac[6];
	size_t n;
	int ret;

	runtime_where(where, sizeof(where), "interfaces[%zu]", i);
	if (!json_object_is_type(o, json_type_object))
		return runtime_fail(c, "%s: %s instead of an object", where,
				    runtime_type_name(o));
	runtime_where(what, sizeof(what), "%s.", where);
	ret = runtime_required(c, o, what, "mac", &m);
	if (ret < 0)
		return ret;
	runtime_where(what, sizeof(what), "%s.mac", where);
	ret = runtime_net_string(c, m, what, ifc->mac, sizeof(ifc->mac));
	if (ret < 0)
		return ret;
	if (runtime_net_mac(ifc->mac, mac) < 0)
		return runtime_fail(c, "%s: \"%s\" is not a MAC address", what,
				    ifc->mac);
	if (mac[0] & 1)
		return runtime_fail(c, "%s: %s is a multicast address", what,
				    ifc->mac);
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		return runtime_fail(c, "%s: the zero address", what);
	for (char *p = ifc->mac; *p; p++)
		*p = (char)tolower((unsigned char)*p);

	runtime_where(what, sizeof(what), "%s.", where);
	ret = runtime_member(c, o, what, "mtu", &m);
	if (ret < 0)
		return ret;
	if (ret) {
		int64_t v;

		runtime_where(what, sizeof(what), "%s.mtu", where);
		ret = runtime_int(c, m, what, RUNTIME_MTU_MIN, RUNTIME_MTU_MAX,
				  &v);
		if (ret < 0)
			return ret;
		ifc->mtu = (unsigned)v;
	}

	runtime_where(what, sizeof(what), "%s.", where);
	ret = runtime_member(c, o, what, "addresses", &m);
	if (ret < 0)
		return ret;
	if (ret) {
		runtime_where(what, sizeof(what), "%s.addresses", where);
		/* Longest: an IPv6 address and "/128". */
		ret = runtime_strv(c, m, what, RUNTIME_ADDRESSES_MAX,
				   INET6_ADDRSTRLEN - 1 + 4, false,
				   &ifc->addresses, &ifc->n_addresses);
		if (ret < 0)
			return ret;
		for (size_t j = 0; j < ifc->n_addresses; j++) {
			unsigned char addr[16];
			unsigned prefix;
			int family;

			if (runtime_net_cidr(ifc->addresses[j], &family, addr,
					     &prefix) < 0)
				return runtime_fail(
					c,
					"%s.addresses[%zu]: \"%s\" is not an "
					"address/prefix",
					where, j, ifc->addresses[j]);
		}
	}

	runtime_where(what, sizeof(what), "%s.", where);
	ret = runtime_member(c, o, what, "routes", &m);
	if (ret <= 0)
		return ret;
	runtime_where(what, sizeof(what), "%s.routes", where);
	ret = runtime_array(c, m, what, RUNTIME_ROUTES_MAX, &n);
	if (ret < 0 || n == 0)
		return ret;
	ifc->routes = calloc(n, sizeof(*ifc->routes));
	if (!ifc->routes)
		return -ENOMEM;
	ifc->n_routes = n;
	for (size_t j = 0; j < n; j++) {
		runtime_where(what, sizeof(what), "%s.routes[%zu]", where, j);
		ret = runtime_net_route(c, json_object_array_get_idx(m, j),
					what, &ifc->routes[j]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int runtime_net_parse_all(struct runtime_ctx *c, struct json_object *o,
				 struct runtime_ifaces *out)
{
	size_t n;
	int ret;

	ret = runtime_array(c, o, "interfaces", RUNTIME_IFACES_MAX, &n);
	if (ret < 0 || n == 0)
		return ret;
	out->v = calloc(n, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		out->n = i + 1;
		ret = runtime_net_iface(c, json_object_array_get_idx(o, i), i,
					&out->v[i]);
		if (ret < 0)
			return ret;
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(out->v[j].mac, out->v[i].mac))
				return runtime_fail(
					c,
					"interfaces[%zu].mac: %s is also "
					"interfaces[%zu]'s",
					i, out->v[i].mac, j);
		}
	}
	return 0;
}

int runtime_net_parse(struct runtime_ctx *c, struct json_object *o,
		      struct runtime_ifaces *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	if (!o)
		return 0;
	ret = runtime_net_parse_all(c, o, out);
	if (ret < 0)
		runtime_net_free(out);
	return ret;
}

int runtime_net_parse_msg(struct json_object *o, struct runtime_ifaces *out,
			  char *err, size_t err_size)
{
	struct runtime_ctx c = {.err = err, .err_size = err_size};
	int ret;

	if (err_size)
		err[0] = '\0';
	ret = runtime_net_parse(&c, o, out);
	if (ret == -ENOMEM)
		snprintf(err, err_size, "out of memory");
	return ret;
}

void runtime_net_free(struct runtime_ifaces *ifs)
{
	for (size_t i = 0; i < ifs->n; i++) {
		runtime_strv_free(ifs->v[i].addresses);
		free(ifs->v[i].routes);
	}
	free(ifs->v);
	memset(ifs, 0, sizeof(*ifs));
}
