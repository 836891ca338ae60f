// SPDX-License-Identifier: Apache-2.0
#include "stage0/run_net.h"
#include "stage0/cni.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RUN_NET_LIST_MAX 64 /* entries per list flag */
#define RUN_NET_NAME_MAX 253

static int run_net_oom(struct error **err)
{
	return error_set(err, ENOMEM, "out of memory");
}

static bool ip_valid(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 ||
	       inet_pton(AF_INET6, s, buf) == 1;
}

/* A DNS name or search domain: letters, digits, '-', '.', '_'. */
static bool dns_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > RUN_NET_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		      c == '_'))
			return false;
		if (c == '.' && s[i + 1] == '.')
			return false;
	}
	return true;
}

/* resolv.conf "options" words: printable, no blanks. */
static bool dns_opt_valid(const char *s)
{
	if (!*s || strlen(s) > RUN_NET_NAME_MAX)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

static int strings_add(struct run_strings *l, const char *s, size_t len,
		       struct error **err)
{
	char **grown;

	if (l->n >= RUN_NET_LIST_MAX)
		return error_set(err, E2BIG, "more than %d entries",
				 RUN_NET_LIST_MAX);
	grown = realloc(l->v, (l->n + 1) * sizeof(*grown));
	if (!grown)
		return run_net_oom(err);
	l->v = grown;
	l->v[l->n] = strndup(s, len);
	if (!l->v[l->n])
		return run_net_oom(err);
	l->n++;
	return 0;
}

static void strings_free(struct run_strings *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static bool strings_has(const struct run_strings *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return true;
	return false;
}

/* Comma-separated words, each checked by valid(); what they are: what. */
static int strings_add_list(struct run_strings *l, const char *value,
			    bool (*valid)(const char *), const char *what,
			    struct error **err)
{
	const char *p = value;

	for (;;) {
		size_t len = strcspn(p, ",");
		char word[RUN_NET_NAME_MAX + 2];

		if (!len || len > RUN_NET_NAME_MAX)
			return error_set(err, EINVAL, "an empty or too long %s",
					 what);
		memcpy(word, p, len);
		word[len] = 0;
		if (!valid(word))
			return error_set(err, EINVAL, "\"%s\" is not %s", word,
					 what);
		if (strings_add(l, word, len, err) < 0)
			return -1;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static bool dns_value_valid(const char *s)
{
	return !strcmp(s, "host") || !strcmp(s, "none") || ip_valid(s);
}

static int run_net_dns(struct run_net *n, const char *value, struct error **err)
{
	if (strings_add_list(&n->dns, value, dns_value_valid,
			     "an IP address, \"host\" or \"none\"", err) < 0)
		return -1;
	if ((strings_has(&n->dns, "host") || strings_has(&n->dns, "none")) &&
	    n->dns.n > 1)
		return error_set(err, EINVAL,
				 "\"host\" and \"none\" stand alone: give one "
				 "of them or name servers");
	return 0;
}

/* --hosts-entry=IP=HOSTNAME or host (the host's /etc/hosts). */
static int run_net_hosts(struct run_net *n, const char *value,
			 struct error **err)
{
	const char *eq = strchr(value, '=');
	char ip[INET6_ADDRSTRLEN];

	if (!strcmp(value, "host")) {
		if (n->hosts.n)
			return error_set(err, EINVAL,
					 "\"host\" stands alone: give it or "
					 "IP=HOSTNAME entries");
		return strings_add(&n->hosts, value, strlen(value), err);
	}
	if (strings_has(&n->hosts, "host"))
		return error_set(err, EINVAL,
				 "\"host\" stands alone: give it or "
				 "IP=HOSTNAME entries");
	if (!eq || (size_t)(eq - value) >= sizeof(ip))
		return error_set(err, EINVAL, "want IP=HOSTNAME or host");
	memcpy(ip, value, (size_t)(eq - value));
	ip[eq - value] = 0;
	if (!ip_valid(ip))
		return error_set(err, EINVAL, "\"%s\" is not an IP address",
				 ip);
	if (!dns_name_valid(eq + 1))
		return error_set(err, EINVAL, "\"%s\" is not a host name",
				 eq + 1);
	return strings_add(&n->hosts, value, strlen(value), err);
}

static bool port_name_valid(const char *s, size_t len)
{
	if (!len || len > 255)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (c == '-' && i && i + 1 < len)))
			return false;
	}
	return true;
}

/* --port=NAME:[HOSTIP:]HOSTPORT; an IPv6 HOSTIP goes in brackets. */
static int run_net_port(struct run_net *n, const char *value,
			struct error **err)
{
	const char *colon = strchr(value, ':'), *last = strrchr(value, ':');
	struct run_port *grown, port = {0};
	char *end;
	unsigned long num;

	if (!colon || !port_name_valid(value, (size_t)(colon - value)))
		return error_set(err, EINVAL,
				 "want NAME:[HOSTIP:]HOSTPORT, NAME an app "
				 "port's name");
	errno = 0;
	num = strtoul(last + 1, &end, 10);
	if (errno || *end || !last[1] || last[1] == '-' || !num || num > 65535)
		return error_set(err, EINVAL, "\"%s\" is not a port (1-65535)",
				 last + 1);
	port.host_port = (uint16_t)num;
	if (last != colon) {
		const char *ip = colon + 1;
		size_t len = (size_t)(last - ip);
		char buf[INET6_ADDRSTRLEN + 2];

		if (len >= 2 && ip[0] == '[' && ip[len - 1] == ']') {
			ip++;
			len -= 2;
		}
		if (!len || len >= sizeof(buf))
			return error_set(err, EINVAL, "an empty host address");
		memcpy(buf, ip, len);
		buf[len] = 0;
		if (!ip_valid(buf))
			return error_set(err, EINVAL,
					 "\"%s\" is not an IP address", buf);
		port.host_ip = strdup(buf);
		if (!port.host_ip)
			return run_net_oom(err);
	}
	port.name = strndup(value, (size_t)(colon - value));
	for (size_t i = 0; port.name && i < n->nports; i++)
		if (n->ports[i].host_port == port.host_port) {
			free(port.name);
			free(port.host_ip);
			return error_set(err, EINVAL,
					 "host port %u is published twice",
					 port.host_port);
		}
	grown = port.name ? realloc(n->ports, (n->nports + 1) * sizeof(*grown))
			  : NULL;
	if (!grown) {
		free(port.name);
		free(port.host_ip);
		return run_net_oom(err);
	}
	n->ports = grown;
	n->ports[n->nports++] = port;
	return 0;
}

static int run_net_spec_check(const char *spec, struct error **err)
{
	struct cni_nets nets;

	if (cni_nets_parse(spec, &nets, err) < 0)
		return -1;
	cni_nets_free(&nets);
	return 0;
}

static int run_set(char **dst, const char *value, struct error **err)
{
	char *copy = strdup(value);

	if (!copy)
		return run_net_oom(err);
	free(*dst);
	*dst = copy;
	return 0;
}

int run_net_flag(struct run_net *n, enum run_net_flag flag, const char *value,
		 struct error **err)
{
	switch (flag) {
	case RUN_NET_NET:
		if (!value || !*value)
			value = "default";
		if (strlen(value) > 4096)
			return error_set(err, EINVAL, "too long");
		/* The syntax now; which networks exist, when the pod runs. */
		if (run_net_spec_check(value, err) < 0)
			return -1;
		return run_set(&n->spec, value, err);
	case RUN_NET_PORT:
		return run_net_port(n, value, err);
	case RUN_NET_DNS:
		return run_net_dns(n, value, err);
	case RUN_NET_DNS_SEARCH:
		return strings_add_list(&n->search, value, dns_name_valid,
					"a domain", err);
	case RUN_NET_DNS_OPT:
		return strings_add_list(&n->opts, value, dns_opt_valid,
					"a resolv.conf option", err);
	case RUN_NET_DNS_DOMAIN:
		if (!dns_name_valid(value))
			return error_set(err, EINVAL, "\"%s\" is not a domain",
					 value);
		return run_set(&n->domain, value, err);
	case RUN_NET_HOSTS_ENTRY:
		return run_net_hosts(n, value, err);
	}
	return error_set(err, EINVAL, "not a network flag");
}

const char *run_net_spec(const struct run_net *n)
{
	return n->spec ? n->spec : "default";
}

bool run_net_enabled(const struct run_net *n)
{
	return strcmp(run_net_spec(n), "none") != 0;
}

void run_net_free(struct run_net *n)
{
	free(n->spec);
	for (size_t i = 0; i < n->nports; i++) {
		free(n->ports[i].name);
		free(n->ports[i].host_ip);
	}
	free(n->ports);
	strings_free(&n->dns);
	strings_free(&n->search);
	strings_free(&n->opts);
	free(n->domain);
	strings_free(&n->hosts);
	memset(n, 0, sizeof(*n));
}
