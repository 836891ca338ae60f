/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host side of pod networking: CNI (the Container Network Interface
 * spec, github.com/containernetworking/cni SPEC.md) with rkt's network
 * conventions.
 *
 *	--net=default,mynet:IP=10.1.2.3;FOO=bar
 *
 * names the networks of a pod, in order; the first gets eth0, the next
 * eth1... Each name resolves to a network configuration list: a file in
 * <local>/net.d (default /etc/cocoon/net.d), else in <system>/net.d
 * (default /usr/lib/cocoon/net.d), else a built-in (`default`,
 * `default-restricted`). `none` is loopback only (no CNI at all); `host`
 * is refused: a pod is a VM.
 *
 * cni_pod_add() runs each list's plugins (ADD) in the pod's network
 * namespace and records, beneath a directory of the pod (its net/ dir),
 * everything a later DEL needs: the exact list, CNI_ARGS, the interface
 * name, the runtime config and the ADD result. cni_pod_del() then works
 * from that directory alone (the supervisor at pod end, `gc` after a
 * SIGKILL).
 */
#ifndef COCOON_STAGE0_CNI_H
#define COCOON_STAGE0_CNI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define CNI_PATH_DEFAULT       "/usr/lib/cni:/opt/cni/bin"
#define CNI_TIMEOUT_MS_DEFAULT 60000
#define CNI_LOCAL_DIR_DEFAULT  "/etc/cocoon"
#define CNI_SYSTEM_DIR_DEFAULT "/usr/lib/cocoon"
/* A network name: [A-Za-z0-9][A-Za-z0-9_.-]* (CNI SPEC.md), bounded. */
#define CNI_NAME_MAX 128
/* CNI_ARGS of one network ("K=V;K=V"), bounded. */
#define CNI_ARGS_MAX 4096
/* At most this many networks in one --net. */
#define CNI_NETS_MAX 16

/* ---- --net and network configs (cni_config.c) */

struct cni_net {
	char *name;
	char *args;	/* CNI_ARGS "K=V;K=V", or NULL */
	char *conflist; /* after cni_nets_load: the config list (JSON) */
	char *source;	/* after cni_nets_load: its file, or "built-in" */
};

struct cni_nets {
	struct cni_net *v;
	size_t n;
	bool none; /* --net=none: loopback only, v is empty */
};

/* Whether name is a valid CNI network name (CNI_NAME_MAX bytes at most). */
bool cni_name_valid(const char *name);

/*
 * Parses a --net spec (NULL or "" means "default"). Refuses: empty
 * entries, bad names or CNI args, `host`, `none` with anything else, a
 * network named twice, more than CNI_NETS_MAX networks.
 */
int cni_nets_parse(const char *spec, struct cni_nets *out, struct error **err);

/*
 * Fills each network's conflist: the first file (in name order) of
 * <local_dir>/net.d, then <system_dir>/net.d, whose `name` matches; else
 * the built-in of that name. A .conf (one plugin) becomes a list of one.
 * NULL dirs take the defaults above. A file that is not a valid config is
 * an error naming it; an unknown network lists the names that exist.
 * cocoon_dir (the --dir) holds the built-ins' host-local leases.
 */
int cni_nets_load(struct cni_nets *nets, const char *local_dir,
		  const char *system_dir, const char *cocoon_dir,
		  struct error **err);
void cni_nets_free(struct cni_nets *nets);

/* The built-in config list of `default` / `default-restricted`, or NULL. */
char *cni_builtin_conflist(const char *name, const char *cocoon_dir);

/*
 * Checks a config list (or a single .conf, which it turns into a list of
 * one) and returns it as a normalized list (JSON text) in *out.
 */
int cni_conflist_normalize(const char *json, size_t len, char **out,
			   struct error **err);

/* ---- results (cni_result.c) */

#define CNI_RESULT_MAX	65536 /* bytes of one result document */
#define CNI_IFACES_MAX	16
#define CNI_IPS_MAX	16
#define CNI_ROUTES_MAX	64
#define CNI_DNS_MAX	8  /* nameservers, search domains, options each */
#define CNI_ADDR_MAX	46 /* INET6_ADDRSTRLEN */
#define CNI_DOMAIN_MAX	254
#define CNI_SANDBOX_MAX 4096

struct cni_prefix {
	int family; /* AF_INET or AF_INET6 */
	char addr[CNI_ADDR_MAX];
	unsigned prefix_len;
};

struct cni_iface {
	char name[16]; /* IFNAMSIZ */
	char mac[18];  /* "aa:bb:cc:dd:ee:ff" or "" */
	char *sandbox; /* netns path, or NULL on the host side */
};

struct cni_ip {
	struct cni_prefix address;
	char gateway[CNI_ADDR_MAX]; /* "" if none */
	int iface;		    /* index into ifaces, -1 if not given */
};

struct cni_route {
	struct cni_prefix dst;
	char gw[CNI_ADDR_MAX]; /* "" if none */
};

struct cni_dns {
	char nameservers[CNI_DNS_MAX][CNI_ADDR_MAX];
	size_t n_nameservers;
	char domain[CNI_DOMAIN_MAX];
	char search[CNI_DNS_MAX][CNI_DOMAIN_MAX];
	size_t n_search;
	char options[CNI_DNS_MAX][CNI_DOMAIN_MAX];
	size_t n_options;
};

/*
 * A result as the plugin gave it (all of it), plus the container side:
 * sandbox_iface is the interface whose `sandbox` is set (-1 if none, as
 * in 0.1/0.2 results); cni_result_ip_in_sandbox() says whether an
 * address belongs to it (its interface index is sandbox_iface, or it has
 * none).
 */
struct cni_result {
	char cni_version[16];
	struct cni_iface ifaces[CNI_IFACES_MAX];
	size_t n_ifaces;
	struct cni_ip ips[CNI_IPS_MAX];
	size_t n_ips;
	struct cni_route routes[CNI_ROUTES_MAX];
	size_t n_routes;
	struct cni_dns dns;
	int sandbox_iface;
};

/*
 * Parses and checks a result document of cniVersion 0.1.0 to 1.1.0; on
 * error *out is left empty (cni_result_free is still safe).
 */
int cni_result_parse(const char *json, size_t len, struct cni_result *out,
		     struct error **err);
void cni_result_free(struct cni_result *r);
/* Whether ips[i] belongs to the container side (see above). */
bool cni_result_ip_in_sandbox(const struct cni_result *r, size_t i);
/*
 * A plugin's error document {"code","msg","details"} as text
 * ("msg (details)", "code N" if no msg), or NULL if it is not one.
 */
char *cni_error_text(const char *json, size_t len);

/*
 * Parses exactly len bytes (at most max, no NUL) as one JSON value nested
 * at most depth deep; anything but white space after it is an error.
 */
struct json_object;
struct json_object *cni_json_parse(const char *json, size_t len, size_t max,
				   int depth, struct error **err);

/* ---- running plugins and the per-pod record (cni_exec.c) */

struct cni_port {
	char name[64]; /* the app's port name; not passed to plugins */
	uint16_t host_port, container_port;
	char protocol[8];	    /* "tcp" or "udp" */
	char host_ip[CNI_ADDR_MAX]; /* "" for any */
};

struct cni_run {
	const char *containerid; /* CNI_CONTAINERID; DEL: NULL = recorded */
	const char *netns;	 /* CNI_NETNS path; DEL: NULL = recorded */
	const char *cni_path;	 /* NULL: CNI_PATH_DEFAULT */
	unsigned timeout_ms;	 /* per plugin; 0: CNI_TIMEOUT_MS_DEFAULT */
};

/* Whether version (MAJOR.MINOR.PATCH) is at least major.minor. */
bool cni_version_at_least(const char *version, int major, int minor);

/* ports as a runtimeConfig "portMappings" array (CNI CONVENTIONS.md). */
struct json_object *cni_ports_json(const struct cni_port *ports, size_t n);

/*
 * The stdin of one plugin of a list (CNI SPEC.md "Deriving execution
 * configuration from plugin configuration"): its config plus the list's
 * name and cniVersion, prevResult (if prev), and runtimeConfig with
 * portMappings if it has the capability and ports is not empty.
 */
char *cni_plugin_config(struct json_object *list, struct json_object *plugin,
			struct json_object *prev, struct json_object *ports);

/*
 * Runs one plugin: CNI_COMMAND=command with the given environment values
 * (clean environment otherwise), config on stdin; *out gets its stdout
 * (bounded to 1 MiB, NUL-terminated). Exit status 0 is success; otherwise
 * the error text is the plugin's error document, else its stderr.
 */
int cni_plugin_run(const char *type, const char *command, const char *ifname,
		   const char *args, const struct cni_run *run,
		   const char *config, char **out, size_t *out_len,
		   struct error **err);

/*
 * ADD of every network of nets, in order, into run->netns (containerid
 * and netns are required); network i gets interface eth<i>. Records go
 * to dir (created 0700 if missing), one file per network, written before
 * its plugins run. ports go, as runtimeConfig.portMappings, to every
 * plugin whose capabilities ask for portMappings. On success *results has
 * nets->n entries (none for --net=none; free each with cni_result_free,
 * then the array). On failure, everything is deleted again (DEL, last
 * first, the failed network too) and the records removed; a record whose
 * DEL failed as well stays for a later cni_pod_del (gc), and the error
 * says so.
 */
int cni_pod_add(const char *dir, const struct cni_nets *nets,
		const struct cni_run *run, const struct cni_port *ports,
		size_t n_ports, struct cni_result **results,
		struct error **err);

/*
 * DEL of every network recorded in dir, last first, each list's plugins in
 * reverse; goes on past failures and reports the first. The record of a
 * network is removed once its DEL succeeded. run (or any of its fields)
 * may be NULL: the recorded container ID, netns and CNI_PATH are used. A
 * dir that does not exist has nothing to delete.
 */
int cni_pod_del(const char *dir, const struct cni_run *run, struct error **err);

/*
 * CHECK of every network recorded in dir, in order, with the recorded
 * result as prevResult; lists older than 0.4.0 or with disableCheck are
 * skipped. Note: portmap 1.1.1 fails CHECK for an IPv4-only result
 * (containernetworking/plugins#819).
 */
int cni_pod_check(const char *dir, const struct cni_run *run,
		  struct error **err);

struct cni_pod_net {
	char name[CNI_NAME_MAX + 1];
	char ifname[16];
	bool has_result; /* false if the ADD did not finish */
	struct cni_result result;
};

/* The networks recorded in dir, in order (for `cocoon status`). */
int cni_pod_results(const char *dir, struct cni_pod_net **nets, size_t *n,
		    struct error **err);
void cni_pod_results_free(struct cni_pod_net *nets, size_t n);

#endif
