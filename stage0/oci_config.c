// SPDX-License-Identifier: Apache-2.0
/*
 * config.json -> stage0.json, `pod`, runtime.json (oci_config.h). The OCI
 * runtime spec's config.md is the reference for every member read here.
 */
#include "stage0/oci_config.h"
#include "common/cleanup.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OCI_JSON_DEPTH 64

/* Where the guest already makes its own file system (docs/guest.md). */
static const char *const oci_guest_mounts[] = {
	"/proc",       "/dev", "/dev/pts",	 "/dev/shm",
	"/dev/mqueue", "/sys", "/sys/fs/cgroup",
};

static struct json_object *oci_get(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static struct json_object *oci_get_type(struct json_object *o, const char *key,
					json_type t, const char *where,
					struct error **err)
{
	struct json_object *v = oci_get(o, key);

	if (v && !json_object_is_type(v, t))
		error_set(err, EINVAL, "config.json: %s.%s has the wrong type",
			  where, key);
	return v && json_object_is_type(v, t) ? v : NULL;
}

static void oci_warn(struct oci_plan *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void oci_warn(struct oci_plan *p, const char *fmt, ...)
{
	cleanup_free char *line = NULL, *all = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (!line ||
	    asprintf(&all, "%s%s\n", p->warnings ? p->warnings : "", line) < 0)
		return;
	free(p->warnings);
	p->warnings = steal_pointer(&all);
}

static struct json_object *oci_parse(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(OCI_JSON_DEPTH);
	struct json_object *obj;

	if (!tok || len > OCI_CONFIG_MAX) {
		if (tok)
			json_tokener_free(tok);
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, text, (int)len);
	if (obj && (json_tokener_get_error(tok) != json_tokener_success ||
		    !json_object_is_type(obj, json_type_object))) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

struct json_object *oci_config_annotations(const char *text, size_t len)
{
	struct json_object *cfg = oci_parse(text, len), *a;

	a = oci_get(cfg, "annotations");
	a = a && json_object_is_type(a, json_type_object) ? json_object_get(a)
							  : NULL;
	json_object_put(cfg);
	return a;
}

/* An annotation as a number in min..max: 1 (set), 0 (absent), -1 (bad). */
static int oci_annotation_uint(struct json_object *ann, const char *key,
			       unsigned long min, unsigned long max,
			       unsigned *out, struct error **err)
{
	struct json_object *v = oci_get(ann, key);
	const char *s;
	char *end;
	unsigned long n;

	if (!v)
		return 0;
	s = json_object_get_string(v);
	errno = 0;
	n = strtoul(s, &end, 10);
	if (!json_object_is_type(v, json_type_string) || !*s || *end || errno ||
	    n < min || n > max)
		return error_set(err, EINVAL,
				 "config.json: annotation %s must be a number "
				 "in %lu..%lu",
				 key, min, max);
	*out = (unsigned)n;
	return 1;
}

static bool oci_hostname_valid(const char *h)
{
	size_t n = strlen(h);

	if (n == 0 || n > 63)
		return false;
	for (const char *c = h; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'))
			return false;
	return true;
}

/* linux.resources: memory.limit (bytes) and cpu.quota/period. */
static int oci_resources(struct json_object *cfg, struct json_object *ann,
			 struct oci_plan *p, struct error **err)
{
	struct json_object *res = oci_get(oci_get(cfg, "linux"), "resources");
	struct json_object *mem = oci_get(res, "memory");
	struct json_object *cpu = oci_get(res, "cpu");
	struct json_object *v;

	p->memory_mib = OCI_DEFAULT_MEMORY_MIB;
	p->cpus = 1;
	if ((v = oci_get(mem, "limit")) &&
	    json_object_is_type(v, json_type_int)) {
		int64_t limit = json_object_get_int64(v);

		/* -1: unlimited (config.md); keep the default size. */
		if (limit > 0) {
			uint64_t mib =
				((uint64_t)limit + OCI_MIB - 1) / OCI_MIB;

			if (mib > 1048576)
				return error_set(err, ERANGE,
						 "config.json: memory limit "
						 "%" PRId64 " is too large",
						 limit);
			p->memory_mib = mib < OCI_MIN_MEMORY_MIB
						? OCI_MIN_MEMORY_MIB
						: (unsigned)mib;
		}
	}
	if (cpu) {
		struct json_object *q = oci_get(cpu, "quota");
		struct json_object *per = oci_get(cpu, "period");
		int64_t quota = q ? json_object_get_int64(q) : 0;
		int64_t period = per ? json_object_get_int64(per) : 100000;

		if (quota > 0 && period > 0) {
			int64_t n = (quota + period - 1) / period;

			p->cpus = n > OCI_MAX_CPUS ? OCI_MAX_CPUS : (unsigned)n;
		}
	}
	if (oci_annotation_uint(ann, OCI_ANN_MEMORY, 32, 1048576,
				&p->memory_mib, err) < 0 ||
	    oci_annotation_uint(ann, OCI_ANN_CPUS, 1, OCI_MAX_CPUS, &p->cpus,
				err) < 0)
		return -1;
	return 0;
}

static bool oci_has_option(struct json_object *opts, const char *name)
{
	for (size_t i = 0; opts && i < json_object_array_length(opts); i++) {
		const char *o = json_object_get_string(
			json_object_array_get_idx(opts, i));

		if (o && !strcmp(o, name))
			return true;
	}
	return false;
}

/* tmpfs "mode=1777" (octal), else the tmpfs default 01777. */
static int oci_tmpfs_mode(struct json_object *opts)
{
	for (size_t i = 0; opts && i < json_object_array_length(opts); i++) {
		const char *o = json_object_get_string(
			json_object_array_get_idx(opts, i));

		if (o && !strncmp(o, "mode=", 5))
			return (int)(strtoul(o + 5, NULL, 8) & 07777);
	}
	return 01777;
}

static int oci_mount(struct oci_plan *p, struct json_object *m, size_t i,
		     struct json_object *out, struct error **err)
{
	struct json_object *opts =
		oci_get_type(m, "options", json_type_array, "mounts", err);
	struct json_object *dst = oci_get(m, "destination");
	struct json_object *type = oci_get(m, "type");
	struct json_object *src = oci_get(m, "source");
	const char *d = dst ? json_object_get_string(dst) : NULL;
	const char *t = type ? json_object_get_string(type) : "";
	bool bind = !strcmp(t, "bind") || oci_has_option(opts, "bind") ||
		    oci_has_option(opts, "rbind");
	bool ro = oci_has_option(opts, "ro");
	struct json_object *e;

	if (!d || !json_object_is_type(dst, json_type_string) || d[0] != '/')
		return error_set(err, EINVAL,
				 "config.json: mounts[%zu] needs an absolute "
				 "destination",
				 i);
	for (size_t g = 0; g < ARRAY_SIZE(oci_guest_mounts); g++)
		if (!strcmp(d, oci_guest_mounts[g]))
			return 0; /* the guest makes these itself */
	e = json_object_new_object();
	json_object_array_add(out, e);
	json_object_object_add(e, "target", json_object_new_string(d));
	json_object_object_add(e, "readonly", json_object_new_boolean(ro));
	if (bind) {
		struct oci_volume *v = &p->vols[p->nvols];
		const char *s = src ? json_object_get_string(src) : NULL;
		char vsrc[64];

		if (!s || s[0] != '/')
			return error_set(err, EINVAL,
					 "config.json: bind mount %s needs an "
					 "absolute source",
					 d);
		if (p->nvols == OCI_MOUNTS_MAX)
			return error_set(
				err, E2BIG,
				"config.json: more than %d bind mounts",
				OCI_MOUNTS_MAX);
		snprintf(v->name, sizeof(v->name), "vol-%zu", p->nvols);
		v->source = strdup(s);
		if (!v->source)
			return error_set(err, ENOMEM, "out of memory");
		v->readonly = ro;
		p->nvols++;
		snprintf(vsrc, sizeof(vsrc), "volumes/%s", v->name);
		json_object_object_add(e, "kind",
				       json_object_new_string("host"));
		json_object_object_add(e, "source",
				       json_object_new_string(vsrc));
		return 0;
	}
	if (!strcmp(t, "tmpfs")) {
		char vol[32];

		snprintf(vol, sizeof(vol), "tmp-%zu", i);
		json_object_object_add(e, "kind",
				       json_object_new_string("empty"));
		json_object_object_add(e, "volume",
				       json_object_new_string(vol));
		json_object_object_add(
			e, "mode", json_object_new_int(oci_tmpfs_mode(opts)));
		json_object_object_add(e, "uid", json_object_new_int(0));
		json_object_object_add(e, "gid", json_object_new_int(0));
		return 0;
	}
	return error_set(err, ENOTSUP,
			 "config.json: mount %s: type \"%s\" is not supported "
			 "in a cocoon VM (bind, tmpfs, and the guest's own "
			 "/proc, /dev, /sys are)",
			 d, t);
}

static int oci_mounts(struct json_object *cfg, struct oci_plan *p,
		      struct json_object *out, struct error **err)
{
	struct json_object *ms =
		oci_get_type(cfg, "mounts", json_type_array, "config", err);

	if (!ms)
		return oci_get(cfg, "mounts") ? -1 : 0;
	for (size_t i = 0; i < json_object_array_length(ms); i++)
		if (oci_mount(p, json_object_array_get_idx(ms, i), i, out,
			      err) < 0)
			return -1;
	return 0;
}

/* process.env "K=V" -> [["K", "V"], ...]; PATH defaulted as runc does not. */
static int oci_env(struct json_object *proc, struct json_object *out,
		   struct error **err)
{
	struct json_object *env =
		oci_get_type(proc, "env", json_type_array, "process", err);

	for (size_t i = 0; env && i < json_object_array_length(env); i++) {
		const char *kv = json_object_get_string(
			json_object_array_get_idx(env, i));
		const char *eq = kv ? strchr(kv, '=') : NULL;
		struct json_object *pair;

		if (!eq || eq == kv)
			return error_set(err, EINVAL,
					 "config.json: process.env[%zu] is "
					 "not NAME=VALUE",
					 i);
		pair = json_object_new_array();
		json_object_array_add(
			pair, json_object_new_string_len(kv, (int)(eq - kv)));
		json_object_array_add(pair, json_object_new_string(eq + 1));
		json_object_array_add(out, pair);
	}
	return 0;
}

static int oci_user(struct json_object *proc, struct json_object *app,
		    struct error **err)
{
	struct json_object *user = oci_get(proc, "user");
	struct json_object *gids = oci_get_type(
		user, "additionalGids", json_type_array, "process.user", err);
	struct json_object *sup = json_object_new_array();
	char num[24];

	json_object_object_add(app, "supplementary_gids", sup);
	snprintf(num, sizeof(num), "%" PRId64,
		 json_object_get_int64(oci_get(user, "uid")));
	json_object_object_add(app, "user", json_object_new_string(num));
	snprintf(num, sizeof(num), "%" PRId64,
		 json_object_get_int64(oci_get(user, "gid")));
	json_object_object_add(app, "group", json_object_new_string(num));
	for (size_t i = 0; gids && i < json_object_array_length(gids); i++) {
		int64_t g = json_object_get_int64(
			json_object_array_get_idx(gids, i));

		if (g < 0 || g > UINT32_MAX - 1)
			return error_set(err, ERANGE,
					 "config.json: additionalGids[%zu] "
					 "is out of range",
					 i);
		json_object_array_add(sup, json_object_new_int64(g));
	}
	return 0;
}

/* The capability set the app keeps: process.capabilities.bounding. */
static void oci_caps(struct json_object *proc, struct json_object *app)
{
	struct json_object *caps = oci_get(proc, "capabilities");
	struct json_object *set = oci_get(caps, "bounding");
	struct json_object *out = json_object_new_array();

	if (!set)
		set = oci_get(caps, "effective");
	for (size_t i = 0; set && json_object_is_type(set, json_type_array) &&
			   i < json_object_array_length(set);
	     i++)
		json_object_array_add(
			out,
			json_object_get(json_object_array_get_idx(set, i)));
	json_object_object_add(app, "capabilities", out);
}

static int oci_seccomp(struct json_object *cfg, struct json_object *ann,
		       struct json_object *app, struct error **err)
{
	struct json_object *v = oci_get(ann, OCI_ANN_SECCOMP);
	const char *mode =
		oci_get(oci_get(cfg, "linux"), "seccomp") ? "default" : "none";
	struct json_object *sc = json_object_new_object();

	if (v) {
		mode = json_object_get_string(v);
		if (strcmp(mode, "default") && strcmp(mode, "none")) {
			json_object_put(sc);
			return error_set(err, EINVAL,
					 "config.json: annotation %s must be "
					 "default or none",
					 OCI_ANN_SECCOMP);
		}
	}
	json_object_object_add(sc, "mode", json_object_new_string(mode));
	json_object_object_add(app, "seccomp", sc);
	return 0;
}

static int oci_app(struct json_object *cfg, struct json_object *ann,
		   struct oci_plan *p, struct json_object *app,
		   struct error **err)
{
	struct json_object *proc =
		oci_get_type(cfg, "process", json_type_object, "config", err);
	struct json_object *args, *cwd, *rl, *term, *env, *mounts;

	if (!proc)
		return error_set(err, EINVAL, "config.json: no process");
	args = oci_get_type(proc, "args", json_type_array, "process", err);
	if (!args || json_object_array_length(args) == 0)
		return error_set(err, EINVAL,
				 "config.json: process.args is missing or "
				 "empty");
	for (size_t i = 0; i < json_object_array_length(args); i++)
		if (!json_object_is_type(json_object_array_get_idx(args, i),
					 json_type_string))
			return error_set(err, EINVAL,
					 "config.json: process.args[%zu] is "
					 "not a string",
					 i);
	json_object_object_add(app, "name",
			       json_object_new_string(OCI_APP_NAME));
	json_object_object_add(
		app, "rootfs",
		json_object_new_string("apps/" OCI_APP_NAME "/rootfs"));
	json_object_object_add(app, "exec", json_object_get(args));
	env = json_object_new_array();
	json_object_object_add(app, "env", env);
	if (oci_env(proc, env, err) < 0 || oci_user(proc, app, err) < 0)
		return -1;
	cwd = oci_get(proc, "cwd");
	if (cwd && (!json_object_is_type(cwd, json_type_string) ||
		    json_object_get_string(cwd)[0] != '/'))
		return error_set(err, EINVAL,
				 "config.json: process.cwd must be absolute");
	json_object_object_add(
		app, "working_dir",
		json_object_new_string(cwd ? json_object_get_string(cwd)
					   : "/"));
	json_object_object_add(app, "readonly_rootfs",
			       json_object_new_boolean(p->root_readonly));
	oci_caps(proc, app);
	if (oci_seccomp(cfg, ann, app, err) < 0)
		return -1;
	/* Same shape as config.md's: [{type, soft, hard}]. */
	rl = oci_get_type(proc, "rlimits", json_type_array, "process", err);
	json_object_object_add(app, "rlimits",
			       rl ? json_object_get(rl)
				  : json_object_new_array());
	term = oci_get(proc, "terminal");
	p->terminal = term && json_object_get_boolean(term);
	/* Like runc, the container gets the stdin it was created with. */
	json_object_object_add(app, "stdin", json_object_new_boolean(1));
	json_object_object_add(app, "tty",
			       json_object_new_boolean(p->terminal));
	mounts = json_object_new_array();
	json_object_object_add(app, "mounts", mounts);
	if (oci_mounts(cfg, p, mounts, err) < 0)
		return -1;
	if (oci_get(proc, "noNewPrivileges") &&
	    !json_object_get_boolean(oci_get(proc, "noNewPrivileges")))
		oci_warn(p, "process.noNewPrivileges=false: the guest always "
			    "sets no_new_privs");
	if (oci_get(proc, "apparmorProfile") || oci_get(proc, "selinuxLabel"))
		oci_warn(p, "AppArmor/SELinux labels do not apply inside the "
			    "guest and are ignored");
	return 0;
}

static int oci_root(struct json_object *cfg, const char *bundle,
		    struct oci_plan *p, struct error **err)
{
	struct json_object *root =
		oci_get_type(cfg, "root", json_type_object, "config", err);
	struct json_object *path = oci_get(root, "path");
	const char *s;

	if (!path || !json_object_is_type(path, json_type_string) ||
	    !*(s = json_object_get_string(path)))
		return error_set(err, EINVAL, "config.json: no root.path");
	if (s[0] == '/')
		p->root_path = strdup(s);
	else if (asprintf(&p->root_path, "%s/%s", bundle, s) < 0)
		p->root_path = NULL;
	if (!p->root_path)
		return error_set(err, ENOMEM, "out of memory");
	p->root_readonly = json_object_get_boolean(oci_get(root, "readonly"));
	return 0;
}

/* What config.json may ask that a VM cannot give: refused or noted. */
static int oci_check_unsupported(struct json_object *cfg, struct error **err)
{
	struct json_object *hooks = oci_get(cfg, "hooks");

	if (hooks && json_object_is_type(hooks, json_type_object)) {
		json_object_object_foreach(hooks, kind, list)
		{
			bool host = !strcmp(kind, "prestart") ||
				    !strcmp(kind, "createRuntime") ||
				    !strcmp(kind, "poststart") ||
				    !strcmp(kind, "poststop");

			if (!json_object_is_type(list, json_type_array))
				return error_set(err, EINVAL,
						 "config.json: hooks.%s is not "
						 "an array",
						 kind);
			/* these run in the container's namespaces: the VM's */
			if (!host && json_object_array_length(list) > 0)
				return error_set(
					err, ENOTSUP,
					"config.json: hooks.%s: hooks "
					"that run inside the container "
					"are not supported in a VM",
					kind);
			for (size_t i = 0; i < json_object_array_length(list);
			     i++) {
				struct json_object *path = oci_get(
					json_object_array_get_idx(list, i),
					"path");

				if (!path ||
				    json_object_get_string(path)[0] != '/')
					return error_set(err, EINVAL,
							 "config.json: "
							 "hooks.%s[%zu].path "
							 "must be absolute",
							 kind, i);
			}
		}
	}
	return 0;
}

/*
 * linux.namespaces' network entry with a path: the namespace the engine
 * made and ran CNI in, which the pod joins (stage0.json "net": {"netns"},
 * stage0/pod_net.c). Without a path (a new, empty namespace) or without
 * the entry, the pod has loopback only: no "net".
 */
/*
 * True for a Kubernetes pod's sandbox (pause) container, as containerd's
 * CRI plugin and CRI-O mark it: it only holds the pod's namespaces, which
 * mean nothing to a VM, so it must not take the pod's interface that the
 * app container's VM needs (one interface serves one VM).
 */
static bool oci_is_sandbox(struct json_object *ann)
{
	static const char *const keys[] = {
		"io.kubernetes.cri.container-type",  /* containerd */
		"io.kubernetes.cri-o.ContainerType", /* CRI-O */
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = json_object_get_string(oci_get(ann, keys[i]));

		if (v && !strcmp(v, "sandbox"))
			return true;
	}
	return false;
}

static int oci_netns(struct json_object *cfg, struct oci_plan *p,
		     struct json_object *stage0, struct error **err)
{
	struct json_object *ns = oci_get(oci_get(cfg, "linux"), "namespaces");
	struct json_object *path = NULL, *net;

	if (!ns || !json_object_is_type(ns, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(ns); i++) {
		struct json_object *n = json_object_array_get_idx(ns, i);
		const char *type = json_object_get_string(oci_get(n, "type"));

		if (type && !strcmp(type, "network"))
			path = oci_get(n, "path");
	}
	if (!path)
		return 0;
	if (!json_object_is_type(path, json_type_string) ||
	    json_object_get_string(path)[0] != '/')
		return error_set(err, EINVAL,
				 "config.json: linux.namespaces: the network "
				 "namespace path must be absolute");
	if (oci_is_sandbox(oci_get(cfg, "annotations"))) {
		oci_warn(p,
			 "a pod sandbox container: the network namespace %s "
			 "is left to the pod's app container (loopback only "
			 "here)",
			 json_object_get_string(path));
		return 0;
	}
	net = json_object_new_object();
	if (!net)
		return error_set(err, ENOMEM, "out of memory");
	json_object_object_add(net, "netns", json_object_get(path));
	json_object_object_add(stage0, "net", net);
	return 0;
}

static struct json_object *oci_stage0(const struct oci_plan *p,
				      unsigned stop_ms)
{
	struct json_object *s = json_object_new_object();
	struct json_object *apps = json_object_new_array();
	struct json_object *app = json_object_new_object();
	struct json_object *vols = json_object_new_array();

	json_object_object_add(s, "memory_mib",
			       json_object_new_int((int)p->memory_mib));
	json_object_object_add(s, "cpus", json_object_new_int((int)p->cpus));
	json_object_object_add(s, "interactive",
			       json_object_new_boolean(p->terminal));
	json_object_object_add(s, "overlay", json_object_new_boolean(0));
	json_object_object_add(s, "stop_timeout_ms",
			       json_object_new_int((int)stop_ms));
	json_object_object_add(app, "name",
			       json_object_new_string(OCI_APP_NAME));
	json_object_array_add(apps, app);
	json_object_object_add(s, "apps", apps);
	for (size_t i = 0; i < p->nvols; i++) {
		struct json_object *v = json_object_new_object();

		json_object_object_add(v, "name",
				       json_object_new_string(p->vols[i].name));
		json_object_object_add(
			v, "source", json_object_new_string(p->vols[i].source));
		json_object_object_add(
			v, "readonly",
			json_object_new_boolean(p->vols[i].readonly));
		json_object_array_add(vols, v);
	}
	json_object_object_add(s, "volumes", vols);
	return s;
}

static struct json_object *oci_manifest(struct json_object *args)
{
	struct json_object *m = json_object_new_object();
	struct json_object *apps = json_object_new_array();
	struct json_object *app = json_object_new_object();
	struct json_object *inner = json_object_new_object();

	json_object_object_add(m, "acKind",
			       json_object_new_string("PodManifest"));
	json_object_object_add(m, "acVersion",
			       json_object_new_string("0.8.11"));
	json_object_object_add(app, "name",
			       json_object_new_string(OCI_APP_NAME));
	json_object_object_add(inner, "exec", json_object_get(args));
	json_object_object_add(app, "app", inner);
	json_object_array_add(apps, app);
	json_object_object_add(m, "apps", apps);
	return m;
}

int oci_plan_build(const char *text, size_t len, const char *bundle,
		   const char *uuid, struct oci_plan *out, struct error **err)
{
	struct json_object *cfg = oci_parse(text, len), *ann, *rt, *apps, *app;
	struct json_object *host;
	unsigned stop_ms = 10000;
	char hostname[64];
	int r = -1;

	memset(out, 0, sizeof(*out));
	if (!cfg)
		return error_set(err, EINVAL,
				 "config.json: not a JSON object (or over "
				 "%u bytes)",
				 OCI_CONFIG_MAX);
	ann = oci_get(cfg, "annotations");
	rt = json_object_new_object();
	apps = json_object_new_array();
	app = json_object_new_object();
	json_object_array_add(apps, app);
	json_object_object_add(rt, "apps", apps);
	out->runtime = rt;
	host = oci_get(cfg, "hostname");
	if (host && json_object_is_type(host, json_type_string) &&
	    *json_object_get_string(host)) {
		if (!oci_hostname_valid(json_object_get_string(host))) {
			error_set(err, EINVAL,
				  "config.json: hostname is not a valid host "
				  "name");
			goto out;
		}
		snprintf(hostname, sizeof(hostname), "%s",
			 json_object_get_string(host));
	} else {
		snprintf(hostname, sizeof(hostname), "pod-%.8s", uuid);
	}
	json_object_object_add(rt, "hostname",
			       json_object_new_string(hostname));
	json_object_object_add(rt, "uuid", json_object_new_string(uuid));
	json_object_object_add(rt, "share", json_object_new_string("pod"));
	if (oci_check_unsupported(cfg, err) < 0 ||
	    oci_root(cfg, bundle, out, err) < 0 ||
	    oci_resources(cfg, ann, out, err) < 0 ||
	    oci_app(cfg, ann, out, app, err) < 0 ||
	    oci_annotation_uint(ann, OCI_ANN_STOP, 0, 3600000, &stop_ms, err) <
		    0)
		goto out;
	json_object_object_add(rt, "interactive",
			       json_object_new_boolean(out->terminal));
	/* a member of the wrong type noted on the way (oci_get_type) */
	if (err && *err)
		goto out;
	out->stage0 = oci_stage0(out, stop_ms);
	out->manifest = oci_manifest(oci_get(app, "exec"));
	if (oci_netns(cfg, out, out->stage0, err) < 0)
		goto out;
	r = 0;
out:
	json_object_put(cfg);
	if (r < 0)
		oci_plan_free(out);
	return r;
}

void oci_plan_free(struct oci_plan *p)
{
	for (size_t i = 0; i < p->nvols; i++)
		free(p->vols[i].source);
	free(p->root_path);
	free(p->warnings);
	json_object_put(p->stage0);
	json_object_put(p->manifest);
	json_object_put(p->runtime);
	memset(p, 0, sizeof(*p));
}
