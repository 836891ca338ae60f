// SPDX-License-Identifier: Apache-2.0
#include "stage0/pod_net.h"
#include "stage0/plan_json.h"

#include "common/cleanup.h"
#include "common/log.h"
#include "stage0/cni.h"
#include "stage0/netns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define POD_NET_ETC_MAX (64u << 10) /* the host's resolv.conf or hosts */

static int pod_net_oom(struct error **err)
{
	return error_set(err, ENOMEM, "out of memory");
}

static void netns_path(const struct pod *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", NETNS_DIR, p->uuid);
}

static char *records_dir(const struct pod *p)
{
	char *dir;

	return asprintf(&dir, "%s/net", p->path) < 0 ? NULL : dir;
}

/* The strings of array member key of o (none: n = 0). */
static size_t jstrings(struct json_object *o, const char *key, const char **out,
		       size_t max)
{
	struct json_object *a = jget(o, key);
	size_t n = 0;

	if (!json_object_is_type(a, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(a) && n < max; i++) {
		struct json_object *s = json_object_array_get_idx(a, i);

		if (json_object_is_type(s, json_type_string))
			out[n++] = json_object_get_string(s);
	}
	return n;
}

/* stage0.json's net.ports (stage0/pod_plan_net.c) as CNI port mappings. */
static int ports_from_json(struct json_object *net, struct cni_port **out,
			   size_t *n, struct error **err)
{
	struct json_object *a = jget(net, "ports");
	size_t len = json_object_is_type(a, json_type_array)
			     ? json_object_array_length(a)
			     : 0;

	*out = NULL;
	*n = 0;
	if (!len)
		return 0;
	*out = calloc(len, sizeof(**out));
	if (!*out)
		return pod_net_oom(err);
	for (size_t i = 0; i < len; i++) {
		struct json_object *j = json_object_array_get_idx(a, i);
		struct cni_port *p = &(*out)[i];
		const char *name = json_object_get_string(jget(j, "name"));
		const char *proto = json_object_get_string(jget(j, "protocol"));
		const char *ip = json_object_get_string(jget(j, "host_ip"));
		int hp = json_object_get_int(jget(j, "host_port"));
		int cp = json_object_get_int(jget(j, "container_port"));

		if (!name || !proto || hp < 1 || hp > 65535 || cp < 1 ||
		    cp > 65535)
			return error_set(err, EINVAL,
					 "stage0.json: net.ports[%zu] is not "
					 "a port mapping",
					 i);
		snprintf(p->name, sizeof(p->name), "%s", name);
		snprintf(p->protocol, sizeof(p->protocol), "%s", proto);
		snprintf(p->host_ip, sizeof(p->host_ip), "%s", ip ? ip : "");
		p->host_port = (uint16_t)hp;
		p->container_port = (uint16_t)cp;
	}
	*n = len;
	return 0;
}

static int jpush_str(struct json_object *a, const char *s, struct error **err)
{
	struct json_object *v = json_object_new_string(s);

	if (!v || json_object_array_add(a, v) < 0) {
		json_object_put(v);
		return pod_net_oom(err);
	}
	return 0;
}

/*
 * The runtime object's interface for one network: the MAC and MTU of the
 * veth the plugin made (the guest takes them over), the container-side
 * addresses, and the routes the plugins made in the namespace.
 */
static struct json_object *iface_json(const struct netns_addr *nsaddrs,
				      size_t naddrs,
				      const struct stage1_nic *nic,
				      unsigned mtu,
				      const struct netns_route *nsroutes,
				      size_t nnsroutes, struct error **err)
{
	struct json_object *o = json_object_new_object();
	struct json_object *addrs = json_object_new_array();
	struct json_object *routes = json_object_new_array();

	if (!o || !addrs || !routes) {
		json_object_put(o);
		json_object_put(addrs);
		json_object_put(routes);
		pod_net_oom(err);
		return NULL;
	}
	json_object_object_add(o, "mac", json_object_new_string(nic->mac));
	json_object_object_add(o, "mtu", json_object_new_int((int)mtu));
	json_object_object_add(o, "addresses", addrs);
	json_object_object_add(o, "routes", routes);
	for (size_t i = 0; i < naddrs; i++)
		if (jpush_str(addrs, nsaddrs[i].cidr, err) < 0)
			goto fail;
	/* The routes the plugins made in the namespace (stage0/netns.h). */
	for (size_t i = 0; i < nnsroutes; i++) {
		struct json_object *j = json_object_new_object();

		if (!j || json_object_array_add(routes, j) < 0) {
			json_object_put(j);
			goto oom;
		}
		json_object_object_add(j, "dst",
				       json_object_new_string(nsroutes[i].dst));
		if (nsroutes[i].gw[0])
			json_object_object_add(
				j, "gw",
				json_object_new_string(nsroutes[i].gw));
	}
	return o;
oom:
	pod_net_oom(err);
fail:
	json_object_put(o); /* with addrs and routes, added above */
	return NULL;
}

static char *read_small_file(const char *path, struct error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	size_t len = 0;

	if (fd < 0) {
		error_set_errno(err, "read %s", path);
		return NULL;
	}
	buf = malloc(POD_NET_ETC_MAX + 1);
	if (!buf) {
		pod_net_oom(err);
		return NULL;
	}
	while (len < POD_NET_ETC_MAX) {
		ssize_t r = read(fd, buf + len, POD_NET_ETC_MAX - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			error_set_errno(err, "read %s", path);
			free(buf);
			return NULL;
		}
		if (!r)
			break;
		len += (size_t)r;
	}
	buf[len] = 0;
	return buf;
}

/* Appends "%s\n"-style text to a growing string. */
static int text_add(char **text, struct error **err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int text_add(char **text, struct error **err, const char *fmt, ...)
{
	char *more = NULL, *joined = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&more, fmt, ap);
	va_end(ap);
	if (r < 0 || asprintf(&joined, "%s%s", *text ? *text : "", more) < 0) {
		free(more);
		return pod_net_oom(err);
	}
	free(more);
	free(*text);
	*text = joined;
	return 0;
}

/*
 * resolv.conf, as rkt writes it: --dns=host copies the host's; --dns=none
 * leaves the image's; otherwise each of nameserver, search, options and
 * domain comes from its flag when given, else from the networks' CNI
 * results. Nothing from either: the image's stays (NULL).
 */
static int make_resolv_conf(struct json_object *net,
			    const struct cni_result *results, size_t nres,
			    char **out, struct error **err)
{
	const char *dns[64], *search[64], *opts[64];
	size_t ndns = jstrings(net, "dns", dns, 64);
	size_t nsearch = jstrings(net, "dns_search", search, 64);
	size_t nopts = jstrings(net, "dns_opts", opts, 64);
	const char *domain = json_object_get_string(jget(net, "dns_domain"));
	char *text = NULL;

	*out = NULL;
	if (ndns == 1 && !strcmp(dns[0], "none"))
		return 0;
	if (ndns == 1 && !strcmp(dns[0], "host")) {
		*out = read_small_file("/etc/resolv.conf", err);
		return *out ? 0 : -1;
	}
	for (size_t i = 0; i < nres && !domain; i++)
		if (results[i].dns.domain[0])
			domain = results[i].dns.domain;
	if (domain && text_add(&text, err, "domain %s\n", domain) < 0)
		goto fail;
	if (nsearch) {
		if (text_add(&text, err, "search") < 0)
			goto fail;
		for (size_t i = 0; i < nsearch; i++)
			if (text_add(&text, err, " %s", search[i]) < 0)
				goto fail;
		if (text_add(&text, err, "\n") < 0)
			goto fail;
	} else {
		for (size_t i = 0; i < nres; i++) {
			const struct cni_dns *d = &results[i].dns;

			if (!d->n_search)
				continue;
			if (text_add(&text, err, "search") < 0)
				goto fail;
			for (size_t j = 0; j < d->n_search; j++)
				if (text_add(&text, err, " %s", d->search[j]) <
				    0)
					goto fail;
			if (text_add(&text, err, "\n") < 0)
				goto fail;
			break;
		}
	}
	if (ndns) {
		for (size_t i = 0; i < ndns; i++)
			if (text_add(&text, err, "nameserver %s\n", dns[i]) < 0)
				goto fail;
	} else {
		for (size_t i = 0; i < nres; i++)
			for (size_t j = 0; j < results[i].dns.n_nameservers;
			     j++)
				if (text_add(&text, err, "nameserver %s\n",
					     results[i].dns.nameservers[j]) < 0)
					goto fail;
	}
	for (size_t i = 0; i < nopts; i++)
		if (text_add(&text, err, "options %s\n", opts[i]) < 0)
			goto fail;
	if (!nopts)
		for (size_t i = 0; i < nres; i++)
			for (size_t j = 0; j < results[i].dns.n_options; j++)
				if (text_add(&text, err, "options %s\n",
					     results[i].dns.options[j]) < 0)
					goto fail;
	*out = text;
	return 0;
fail:
	free(text);
	return -1;
}

/* --hosts-entry: "IP=NAME" lines, or the host's /etc/hosts. */
static int make_hosts_extra(struct json_object *net, char **out,
			    struct error **err)
{
	const char *hosts[64];
	size_t n = jstrings(net, "hosts", hosts, 64);
	char *text = NULL;

	*out = NULL;
	if (n == 1 && !strcmp(hosts[0], "host")) {
		*out = read_small_file("/etc/hosts", err);
		return *out ? 0 : -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(hosts[i], '=');

		if (!eq)
			continue;
		if (text_add(&text, err, "%.*s\t%s\n", (int)(eq - hosts[i]),
			     hosts[i], eq + 1) < 0) {
			free(text);
			return -1;
		}
	}
	*out = text;
	return 0;
}

/* The container-side addresses of a CNI result, as CIDRs. */
static size_t result_addrs(const struct cni_result *r, struct netns_addr *out)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_ips && n < NETNS_ADDRS_MAX; i++)
		if (cni_result_ip_in_sandbox(r, i))
			snprintf(out[n++].cidr, sizeof(out[0].cidr), "%s/%u",
				 r->ips[i].address.addr,
				 r->ips[i].address.prefix_len);
	return n;
}

/*
 * Joins tap<index> to ifname in namespace ns and adds its interface,
 * with addrs, to n->interfaces.
 */
static int pod_net_join(struct pod_net *n, const char *ns, const char *ifname,
			size_t index, const struct netns_addr *addrs,
			size_t naddrs, struct error **err)
{
	struct stage1_nic *nic = &n->nics[index];
	struct netns_route routes[NETNS_ROUTES_MAX];
	size_t nroutes = 0;
	struct json_object *j;
	char tap[24];
	uint8_t mac[6];
	unsigned mtu;

	snprintf(tap, sizeof(tap), "tap%u", (unsigned)index);
	if (netns_tap_attach(ns, ifname, tap, &nic->tap_fd, mac, &mtu, routes,
			     &nroutes, err) < 0)
		return -1;
	n->nnics = index + 1;
	snprintf(nic->mac, sizeof(nic->mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	j = iface_json(addrs, naddrs, nic, mtu, routes, nroutes, err);
	if (!j)
		return -1;
	json_object_array_add(n->interfaces, j);
	return 0;
}

static int pod_net_attach(struct pod_net *n, const char *ns,
			  const struct cni_result *results, size_t nres,
			  struct error **err)
{
	n->interfaces = json_object_new_array();
	if (!n->interfaces)
		return pod_net_oom(err);
	for (size_t i = 0; i < nres; i++) {
		struct netns_addr addrs[NETNS_ADDRS_MAX];
		size_t naddrs = result_addrs(&results[i], addrs);
		char ifname[24];

		snprintf(ifname, sizeof(ifname), "eth%u", (unsigned)i);
		if (pod_net_join(n, ns, ifname, i, addrs, naddrs, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * The record of an engine's namespace we joined (pod_net_cleanup undoes
 * the join from it): "<path>\n<ifname>\n" in <pod>/net/engine-netns.
 */
static char *engine_record(const struct pod *p)
{
	char *file;

	return asprintf(&file, "%s/net/engine-netns", p->path) < 0 ? NULL
								   : file;
}

/*
 * The namespace the engine made and ran CNI in (docs/networking.md,
 * "In an engine's namespace"): its interface with an address gets tap0
 * and the guest takes over its MAC, addresses and routes. Nothing is
 * created in it but the tap and the tc filters. A namespace with no
 * address but lo's (podman's --network none) leaves the pod loopback
 * only.
 */
static int pod_net_engine(struct pod *p, const char *ns, struct pod_net *n,
			  struct error **err)
{
	struct netns_addr addrs[NETNS_ADDRS_MAX];
	char ifname[NETNS_IFNAME_MAX] = "";
	cleanup_free char *dir = records_dir(p);
	cleanup_free char *rec = engine_record(p);
	FILE *f;
	cleanup_error struct error *e = NULL;
	size_t naddrs = 0;
	bool werr;

	if (!dir || !rec)
		return pod_net_oom(err);
	if (netns_iface_addrs(ns, ifname, addrs, &naddrs, &e) < 0) {
		if (e->code != EADDRNOTAVAIL) {
			error_set(err, e->code, "%s", e->message);
			return -1;
		}
		/* podman's --network none: a namespace with lo only. */
		log_debug("pod %s: %s: loopback only", p->uuid, e->message);
		return 0;
	}
	log_debug("pod %s: engine namespace %s, interface %s", p->uuid, ns,
		  ifname);
	/*
	 * One interface serves one VM: a second container in the namespace
	 * (a Kubernetes pod's second app container, say) finds tap0 there.
	 */
	switch (netns_link_exists(ns, "tap0", err)) {
	case -1:
		return -1;
	case 1:
		log_warn("pod %s: %s's interface %s is already another VM's "
			 "(tap0 is there): this pod has loopback only",
			 p->uuid, ns, ifname);
		return 0;
	}
	n->interfaces = json_object_new_array();
	if (!n->interfaces)
		return pod_net_oom(err);
	/*
	 * The join first: should it fail (an ingress qdisc the engine put on
	 * its interface, say), nothing of the engine's may be undone.
	 */
	if (pod_net_join(n, ns, ifname, 0, addrs, naddrs, err) < 0)
		return -1;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		error_set_errno(err, "create %s", dir);
		goto undo;
	}
	f = fopen(rec, "we");
	if (!f) {
		error_set_errno(err, "write %s", rec);
		goto undo;
	}
	/* fclose() always, even when fprintf() failed */
	werr = fprintf(f, "%s\n%s\n", ns, ifname) < 0;
	if (fclose(f) != 0)
		werr = true;
	if (werr) {
		error_set_errno(err, "write %s", rec);
		unlink(rec);
		goto undo;
	}
	return 0;
undo:
	pod_net_close_taps(n);
	if (netns_tap_detach(ns, ifname, "tap0", &e) < 0)
		log_warn("pod %s: %s", p->uuid, e->message);
	return -1;
}

int pod_net_up(const struct global_options *g, struct pod *p,
	       struct json_object *net, struct pod_net *n, struct error **err)
{
	struct cni_nets nets = {0};
	struct cni_result *results = NULL;
	struct cni_port *ports = NULL;
	cleanup_free char *dir = NULL;
	char ns[256];
	size_t nports = 0, nres = 0;
	const char *spec = json_object_get_string(jget(net, "spec"));
	const char *engine_ns = json_object_get_string(jget(net, "netns"));
	int r = -1;

	memset(n, 0, sizeof(*n));
	for (size_t i = 0; i < STAGE1_NICS_MAX; i++)
		n->nics[i].tap_fd = -1;
	netns_path(p, ns, sizeof(ns));
	dir = records_dir(p);
	if (!dir)
		return pod_net_oom(err);
	if (engine_ns) {
		if (engine_ns[0] != '/') {
			error_set(err, EINVAL,
				  "stage0.json: net.netns is not an absolute "
				  "path");
			goto out;
		}
		if (pod_net_engine(p, engine_ns, n, err) < 0)
			goto undo;
		goto etc;
	}
	if (cni_nets_parse(spec, &nets, err) < 0 ||
	    ports_from_json(net, &ports, &nports, err) < 0)
		goto out;
	if (!nets.none) {
		const struct cni_run run = {.containerid = p->uuid,
					    .netns = ns};

		if (nets.n > STAGE1_NICS_MAX) {
			error_set(err, E2BIG, "%zu networks, at most %d",
				  nets.n, STAGE1_NICS_MAX);
			goto out;
		}
		if (cni_nets_load(&nets, g->config_dir, g->vendor_dir, g->dir,
				  err) < 0 ||
		    netns_create(ns, err) < 0)
			goto out;
		log_debug("pod %s: network namespace %s", p->uuid, ns);
		if (cni_pod_add(dir, &nets, &run, ports, nports, &results,
				err) < 0)
			goto undo;
		nres = nets.n;
		if (pod_net_attach(n, ns, results, nres, err) < 0)
			goto undo;
	}
etc:
	if (make_resolv_conf(net, results, nres, &n->resolv_conf, err) < 0 ||
	    make_hosts_extra(net, &n->hosts_extra, err) < 0)
		goto undo;
	r = 0;
	goto out;
undo:
	pod_net_close_taps(n);
	{
		struct error *e2 = NULL;

		if (pod_net_cleanup(p, &e2) < 0) {
			log_warn("pod %s: %s (`cocoon gc` retries)", p->uuid,
				 e2->message);
			error_free(&e2);
		}
	}
out:
	for (size_t i = 0; i < nres; i++)
		cni_result_free(&results[i]);
	free(results);
	free(ports);
	cni_nets_free(&nets);
	if (r < 0)
		error_wrap(err, "network");
	return r;
}

void pod_net_close_taps(struct pod_net *n)
{
	for (size_t i = 0; i < n->nnics; i++)
		if (n->nics[i].tap_fd >= 0) {
			close(n->nics[i].tap_fd);
			n->nics[i].tap_fd = -1;
		}
}

void pod_net_free(struct pod_net *n)
{
	pod_net_close_taps(n);
	json_object_put(n->interfaces);
	free(n->resolv_conf);
	free(n->hosts_extra);
	memset(n, 0, sizeof(*n));
}

/* Undoes pod_net_engine() from its record: 0 also when there is none. */
static int pod_net_engine_cleanup(struct pod *p, struct error **err)
{
	cleanup_free char *rec = engine_record(p);
	cleanup_free char *text = NULL;
	char *ifname, *end;

	if (!rec)
		return pod_net_oom(err);
	if (access(rec, F_OK) < 0 && errno == ENOENT)
		return 0;
	text = read_small_file(rec, err);
	if (!text)
		return -1;
	ifname = strchr(text, '\n');
	end = ifname ? strchr(ifname + 1, '\n') : NULL;
	if (!end || text[0] != '/') {
		/*
		 * Not ours to undo blindly: say so and drop it, so gc does
		 * not retry a record it can never read.
		 */
		log_warn("pod %s: %s: not a namespace record, removed; a tap "
			 "may be left in the engine's namespace",
			 p->uuid, rec);
		if (unlink(rec) < 0 && errno != ENOENT)
			return error_set_errno(err, "remove %s", rec);
		return 0;
	}
	*ifname++ = '\0';
	*end = '\0';
	/* The engine may have removed its namespace first: nothing to do. */
	if (!(access(text, F_OK) < 0 && errno == ENOENT) &&
	    netns_tap_detach(text, ifname, "tap0", err) < 0)
		return -1;
	if (unlink(rec) < 0 && errno != ENOENT)
		return error_set_errno(err, "remove %s", rec);
	return 0;
}

int pod_net_cleanup(struct pod *p, struct error **err)
{
	cleanup_free char *dir = records_dir(p);
	char ns[256];
	int r = 0;

	if (!dir)
		return pod_net_oom(err);
	if (pod_net_engine_cleanup(p, err) < 0)
		return -1;
	netns_path(p, ns, sizeof(ns));
	if (cni_pod_del(dir, NULL, err) < 0)
		r = -1;
	if (r < 0) {
		struct error *second = NULL;

		/* The namespace goes anyway; the first error is reported. */
		if (netns_destroy(ns, &second) < 0)
			log_warn("pod %s: %s", p->uuid, second->message);
		error_free(&second);
		return r;
	}
	return netns_destroy(ns, err);
}

char *pod_net_summary(struct pod *p)
{
	cleanup_free char *dir = records_dir(p);
	struct cni_pod_net *nets = NULL;
	struct error *err = NULL;
	char *text = NULL;
	size_t n = 0;

	if (dir && cni_pod_results(dir, &nets, &n, &err) < 0) {
		log_debug("pod %s: %s", p->uuid, err->message);
		error_free(&err);
		n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		const struct cni_result *r = &nets[i].result;

		for (size_t j = 0; nets[i].has_result && j < r->n_ips; j++) {
			if (!cni_result_ip_in_sandbox(r, j))
				continue;
			if (text_add(&text, &err, "%s%s:ip%c=%s",
				     text ? "," : "", nets[i].name,
				     r->ips[j].address.family == AF_INET6 ? '6'
									  : '4',
				     r->ips[j].address.addr) < 0) {
				error_free(&err);
				break;
			}
		}
	}
	cni_pod_results_free(nets, n);
	return text ? text : strdup("");
}
