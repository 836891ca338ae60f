// SPDX-License-Identifier: Apache-2.0
/*
 * --net specs and network configuration lists (CNI SPEC.md "Network
 * Configuration" and "Network Configuration Lists"), with rkt's names:
 * default, default-restricted, none, and any name from net.d.
 */
#include "stage0/cni.h"
#include "stage0/plan_json.h"

#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CNI_CONFIG_FILE_MAX (1 << 20)
#define CNI_PLUGINS_MAX	    32

bool cni_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > CNI_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

/* CNI_ARGS: "K=V;K=V", keys [A-Za-z0-9_-]+, values without ';' or
 * control characters. Returns NULL or why not. */
static const char *cni_args_invalid(const char *args)
{
	const char *p = args;

	if (strlen(args) > CNI_ARGS_MAX)
		return "too long";
	if (!*args)
		return "empty";
	while (*p) {
		const char *key = p;

		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		       (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')
			p++;
		if (*p == ';' || *p == '\0')
			return p == key ? "empty entry" : "an entry has no '='";
		if (*p != '=')
			return "a key holds a character other than "
			       "[A-Za-z0-9_-]";
		if (p == key)
			return "an entry has an empty key";
		for (p++; *p && *p != ';'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return "a value holds a control character";
		if (*p == ';' && !*++p)
			return "empty entry";
	}
	return NULL;
}

void cni_nets_free(struct cni_nets *nets)
{
	for (size_t i = 0; i < nets->n; i++) {
		free(nets->v[i].name);
		free(nets->v[i].args);
		free(nets->v[i].conflist);
		free(nets->v[i].source);
	}
	free(nets->v);
	memset(nets, 0, sizeof(*nets));
}

static int cni_nets_append(struct cni_nets *out, const char *name,
			   const char *args, struct error **err)
{
	struct cni_net *v;

	for (size_t i = 0; i < out->n; i++)
		if (strcmp(out->v[i].name, name) == 0)
			return error_set(err, EINVAL,
					 "network %s is named twice", name);
	if (out->n >= CNI_NETS_MAX)
		return error_set(err, EINVAL, "more than %d networks",
				 CNI_NETS_MAX);
	v = realloc(out->v, (out->n + 1) * sizeof(*v));
	if (!v)
		return error_set(err, ENOMEM, "out of memory");
	out->v = v;
	memset(&v[out->n], 0, sizeof(v[0]));
	v[out->n].name = strdup(name);
	v[out->n].args = args ? strdup(args) : NULL;
	out->n++;
	if (!v[out->n - 1].name || (args && !v[out->n - 1].args))
		return error_set(err, ENOMEM, "out of memory");
	return 0;
}

static int cni_nets_parse_entry(char *entry, struct cni_nets *out, bool *none,
				struct error **err)
{
	char *args = strchr(entry, ':');
	const char *why;

	if (args)
		*args++ = '\0';
	if (strcmp(entry, "host") == 0)
		return error_set(err, EINVAL,
				 "a pod is a VM: --net=host cannot share the "
				 "host's network");
	if (!cni_name_valid(entry))
		return error_set(err, EINVAL,
				 "\"%.*s\" is not a valid network name "
				 "([A-Za-z0-9][A-Za-z0-9_.-]*, at most %d "
				 "characters)",
				 CNI_NAME_MAX, entry, CNI_NAME_MAX);
	if (strcmp(entry, "none") == 0) {
		if (args)
			return error_set(err, EINVAL, "none takes no CNI args");
		*none = true;
		return 0;
	}
	if (args && (why = cni_args_invalid(args)))
		return error_set(err, EINVAL, "network %s: bad CNI args: %s",
				 entry, why);
	return cni_nets_append(out, entry, args, err);
}

int cni_nets_parse(const char *spec, struct cni_nets *out, struct error **err)
{
	cleanup_free char *copy = NULL;
	char *rest, *entry;
	bool none = false;
	size_t entries = 0;

	memset(out, 0, sizeof(*out));
	copy = strdup(spec && *spec ? spec : "default");
	if (!copy)
		return error_set(err, ENOMEM, "out of memory");
	rest = copy;
	while ((entry = strsep(&rest, ","))) {
		if (!*entry) {
			cni_nets_free(out);
			return error_set(err, EINVAL,
					 "empty network name in \"%s\"", spec);
		}
		if (cni_nets_parse_entry(entry, out, &none, err) < 0) {
			cni_nets_free(out);
			return -1;
		}
		entries++;
	}
	if (none && entries > 1) {
		cni_nets_free(out);
		return error_set(err, EINVAL,
				 "none (loopback only) must be the only "
				 "network");
	}
	out->none = none;
	return 0;
}

/* ---- config lists */

static bool cni_version_syntax(const char *v)
{
	int parts = 0;

	/* MAJOR.MINOR.PATCH, decimal (CNI SPEC.md: semantic version). */
	while (*v) {
		if (*v < '0' || *v > '9')
			return false;
		while (*v >= '0' && *v <= '9')
			v++;
		parts++;
		if (*v == '.' && v[1])
			v++;
		else if (*v)
			return false;
	}
	return parts == 3;
}

static int cni_plugin_check(struct json_object *plugin, size_t i,
			    struct error **err)
{
	struct json_object *t;
	const char *type;

	if (!json_object_is_type(plugin, json_type_object))
		return error_set(err, EINVAL, "plugins[%zu] is not an object",
				 i);
	if (!json_object_object_get_ex(plugin, "type", &t) ||
	    !json_object_is_type(t, json_type_string))
		return error_set(err, EINVAL, "plugins[%zu] has no type", i);
	type = json_object_get_string(t);
	/* The type names a program in CNI_PATH: a file name, no path. */
	if (!type[0] || strchr(type, '/') || strcmp(type, ".") == 0 ||
	    strcmp(type, "..") == 0 || strlen(type) > 255 ||
	    strlen(type) != (size_t)json_object_get_string_len(t))
		return error_set(err, EINVAL,
				 "plugins[%zu]: type \"%.64s\" is not a "
				 "program name",
				 i, type);
	return 0;
}

int cni_conflist_normalize(const char *json, size_t len, char **out,
			   struct error **err)
{
	cleanup_json struct json_object *top = NULL, *list = NULL;
	struct json_object *name, *version, *plugins;
	const char *s;

	*out = NULL;
	top = cni_json_parse(json, len, CNI_CONFIG_FILE_MAX, 32, err);
	if (!top)
		return -1;
	if (!json_object_is_type(top, json_type_object))
		return error_set(err, EINVAL, "not a JSON object");
	if (!json_object_object_get_ex(top, "name", &name) ||
	    !json_object_is_type(name, json_type_string) ||
	    !cni_name_valid(json_object_get_string(name)))
		return error_set(err, EINVAL, "no valid network name");
	if (!json_object_object_get_ex(top, "cniVersion", &version) ||
	    !json_object_is_type(version, json_type_string) ||
	    !cni_version_syntax(json_object_get_string(version)))
		return error_set(err, EINVAL, "no valid cniVersion");
	if (json_object_object_get_ex(top, "plugins", &plugins)) {
		size_t n;

		if (!json_object_is_type(plugins, json_type_array))
			return error_set(err, EINVAL,
					 "plugins is not an array");
		n = json_object_array_length(plugins);
		if (n == 0 || n > CNI_PLUGINS_MAX)
			return error_set(err, EINVAL,
					 "plugins must have 1 to %d entries",
					 CNI_PLUGINS_MAX);
		for (size_t i = 0; i < n; i++)
			if (cni_plugin_check(
				    json_object_array_get_idx(plugins, i), i,
				    err) < 0)
				return -1;
		list = json_object_get(top);
	} else {
		/* A single plugin's config: a list of one. */
		if (cni_plugin_check(top, 0, err) < 0)
			return error_wrap(err, "single config");
		list = json_object_new_object();
		plugins = json_object_new_array();
		if (!list || !plugins ||
		    json_object_object_add(list, "cniVersion",
					   json_object_get(version)) < 0 ||
		    json_object_object_add(list, "name",
					   json_object_get(name)) < 0 ||
		    json_object_array_add(plugins, json_object_get(top)) < 0 ||
		    json_object_object_add(list, "plugins", plugins) < 0)
			return error_set(err, ENOMEM, "out of memory");
	}
	s = json_object_to_json_string_ext(
		list, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	*out = s ? strdup(s) : NULL;
	if (!*out)
		return error_set(err, ENOMEM, "out of memory");
	return 0;
}

/* ---- built-ins (rkt's networks/default*.conf, as lists) */

static const char cni_builtin_default[] =
	"{\"cniVersion\":\"0.4.0\",\"name\":\"default\",\"plugins\":["
	"{\"type\":\"ptp\",\"ipMasq\":true,\"ipam\":{\"type\":\"host-local\","
	"\"subnet\":\"172.16.28.0/24\",\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}},"
	"{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true},"
	"\"snat\":true}]}";

static const char cni_builtin_restricted[] =
	"{\"cniVersion\":\"0.4.0\",\"name\":\"default-restricted\","
	"\"plugins\":[{\"type\":\"ptp\",\"ipMasq\":false,\"ipam\":{"
	"\"type\":\"host-local\",\"subnet\":\"172.17.0.0/16\"}}]}";

char *cni_builtin_conflist(const char *name, const char *cocoon_dir)
{
	cleanup_json struct json_object *list = NULL;
	cleanup_free char *data_dir = NULL;
	struct json_object *plugins, *ipam;
	const char *tmpl, *s;

	if (strcmp(name, "default") == 0)
		tmpl = cni_builtin_default;
	else if (strcmp(name, "default-restricted") == 0)
		tmpl = cni_builtin_restricted;
	else
		return NULL;
	if (asprintf(&data_dir, "%s/net/host-local",
		     cocoon_dir ? cocoon_dir : "/var/lib/cocoon") < 0) {
		data_dir = NULL;
		return NULL;
	}
	list = json_tokener_parse(tmpl);
	if (!list || !json_object_object_get_ex(list, "plugins", &plugins) ||
	    !json_object_object_get_ex(json_object_array_get_idx(plugins, 0),
				       "ipam", &ipam) ||
	    json_object_object_add(ipam, "dataDir",
				   json_object_new_string(data_dir)) < 0)
		return NULL;
	s = json_object_to_json_string_ext(
		list, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	return s ? strdup(s) : NULL;
}

/* ---- net.d */

struct cni_conf_file {
	char *name, *path, *conflist;
};

struct cni_conf_dir {
	struct cni_conf_file *v;
	size_t n;
};

static void cni_conf_dir_free(struct cni_conf_dir *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].name);
		free(d->v[i].path);
		free(d->v[i].conflist);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static bool cni_conf_file_name(const char *name)
{
	static const char *const exts[] = {".conf", ".conflist", ".json"};
	size_t len = strlen(name);

	if (name[0] == '.')
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		size_t e = strlen(exts[i]);

		if (len > e && strcmp(name + len - e, exts[i]) == 0)
			return true;
	}
	return false;
}

static int cni_read_file(const char *path, char **buf, size_t *len,
			 struct error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	cleanup_free char *b = NULL;
	struct stat st;
	size_t have = 0;

	if (fd < 0)
		return error_set_errno(err, "open");
	if (fstat(fd, &st) < 0)
		return error_set_errno(err, "stat");
	if (!S_ISREG(st.st_mode))
		return error_set(err, EINVAL, "not a regular file");
	b = malloc(CNI_CONFIG_FILE_MAX + 1);
	if (!b)
		return error_set(err, ENOMEM, "out of memory");
	for (;;) {
		ssize_t n = read(fd, b + have, CNI_CONFIG_FILE_MAX + 1 - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set_errno(err, "read");
		if (n == 0)
			break;
		have += (size_t)n;
		if (have > CNI_CONFIG_FILE_MAX)
			return error_set(err, EFBIG, "larger than %d bytes",
					 CNI_CONFIG_FILE_MAX);
	}
	b[have] = '\0';
	*buf = steal_pointer(&b);
	*len = have;
	return 0;
}

/* Every config file of <base>/net.d, in name order; a missing dir is
 * empty. A file that is not a valid config is an error naming it. */
static int cni_conf_dir_load(const char *base, struct cni_conf_dir *d,
			     struct error **err)
{
	cleanup_free char *dir = NULL;
	struct dirent **ents = NULL;
	int n, ret = 0;

	memset(d, 0, sizeof(*d));
	if (asprintf(&dir, "%s/net.d", base) < 0) {
		dir = NULL;
		return error_set(err, ENOMEM, "out of memory");
	}
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0) {
		if (errno == ENOENT)
			return 0;
		return error_set_errno(err, "read network configs in %s", dir);
	}
	for (int i = 0; i < n; i++) {
		cleanup_free char *path = NULL, *text = NULL, *list = NULL;
		struct json_object *top, *name;
		struct cni_conf_file *v;
		size_t len = 0;

		if (ret < 0 || !cni_conf_file_name(ents[i]->d_name))
			continue;
		if (asprintf(&path, "%s/%s", dir, ents[i]->d_name) < 0) {
			path = NULL;
			ret = error_set(err, ENOMEM, "out of memory");
			continue;
		}
		if (cni_read_file(path, &text, &len, err) < 0 ||
		    cni_conflist_normalize(text, len, &list, err) < 0) {
			ret = error_wrap(err, "network config %s", path);
			continue;
		}
		v = realloc(d->v, (d->n + 1) * sizeof(*v));
		if (!v) {
			ret = error_set(err, ENOMEM, "out of memory");
			continue;
		}
		d->v = v;
		top = json_tokener_parse(list);
		json_object_object_get_ex(top, "name", &name);
		v[d->n].name = strdup(json_object_get_string(name));
		json_object_put(top);
		v[d->n].path = steal_pointer(&path);
		v[d->n].conflist = steal_pointer(&list);
		if (!v[d->n++].name)
			ret = error_set(err, ENOMEM, "out of memory");
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (ret < 0)
		cni_conf_dir_free(d);
	return ret;
}

static const struct cni_conf_file *
cni_conf_dir_find(const struct cni_conf_dir *d, const char *name)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->v[i].name, name) == 0)
			return &d->v[i];
	return NULL;
}

/* "default, default-restricted, a, b" (each name once). */
static char *cni_known_names(const struct cni_conf_dir *dirs, size_t ndirs)
{
	char *s = strdup("default, default-restricted, none");

	for (size_t k = 0; s && k < ndirs; k++) {
		for (size_t i = 0; i < dirs[k].n; i++) {
			const char *name = dirs[k].v[i].name;
			bool seen = strcmp(name, "default") == 0 ||
				    strcmp(name, "default-restricted") == 0;
			char *t;

			for (size_t kk = 0; kk <= k && !seen; kk++)
				for (size_t j = 0;
				     j < (kk == k ? i : dirs[kk].n) && !seen;
				     j++)
					seen = strcmp(dirs[kk].v[j].name,
						      name) == 0;
			if (seen)
				continue;
			if (asprintf(&t, "%s, %s", s, name) < 0)
				t = NULL;
			free(s);
			s = t;
		}
	}
	return s;
}

int cni_nets_load(struct cni_nets *nets, const char *local_dir,
		  const char *system_dir, const char *cocoon_dir,
		  struct error **err)
{
	struct cni_conf_dir dirs[2] = {0};
	int ret = 0;

	if (cni_conf_dir_load(local_dir ? local_dir : CNI_LOCAL_DIR_DEFAULT,
			      &dirs[0], err) < 0 ||
	    cni_conf_dir_load(system_dir ? system_dir : CNI_SYSTEM_DIR_DEFAULT,
			      &dirs[1], err) < 0) {
		cni_conf_dir_free(&dirs[0]);
		return -1;
	}
	for (size_t i = 0; i < nets->n && ret == 0; i++) {
		struct cni_net *net = &nets->v[i];
		const struct cni_conf_file *f =
			cni_conf_dir_find(&dirs[0], net->name);

		if (!f)
			f = cni_conf_dir_find(&dirs[1], net->name);
		free(net->conflist);
		free(net->source);
		if (f) {
			net->conflist = strdup(f->conflist);
			net->source = strdup(f->path);
		} else {
			net->conflist =
				cni_builtin_conflist(net->name, cocoon_dir);
			if (!net->conflist) {
				cleanup_free char *known =
					cni_known_names(dirs, 2);

				net->source = NULL;
				ret = error_set(
					err, ENOENT,
					"unknown network %s (known: %s)",
					net->name, known ? known : "?");
				break;
			}
			net->source = strdup("built-in");
		}
		if (!net->conflist || !net->source)
			ret = error_set(err, ENOMEM, "out of memory");
	}
	cni_conf_dir_free(&dirs[0]);
	cni_conf_dir_free(&dirs[1]);
	return ret;
}

/* ---- each plugin's stdin (for cni_exec.c) */

/* Whether version (MAJOR.MINOR.PATCH) is at least major.minor. */
bool cni_version_at_least(const char *version, int major, int minor)
{
	int ma = 0, mi = 0;

	if (!version || sscanf(version, "%d.%d", &ma, &mi) != 2)
		return false;
	return ma > major || (ma == major && mi >= minor);
}

static bool cni_wants_ports(struct json_object *plugin)
{
	struct json_object *caps, *pm;

	return json_object_object_get_ex(plugin, "capabilities", &caps) &&
	       json_object_object_get_ex(caps, "portMappings", &pm) &&
	       json_object_is_type(pm, json_type_boolean) &&
	       json_object_get_boolean(pm);
}

/*
 * The plugin's stdin (CNI SPEC.md "Deriving execution configuration from
 * plugin configuration"): its config plus the list's name and cniVersion,
 * prevResult, and runtimeConfig for the capabilities it asks for.
 */
char *cni_plugin_config(struct json_object *list, struct json_object *plugin,
			struct json_object *prev, struct json_object *ports)
{
	cleanup_json struct json_object *c = NULL;
	struct json_object *v;
	const char *s;

	if (json_object_deep_copy(plugin, &c, NULL) < 0)
		return NULL;
	if (json_object_object_get_ex(list, "name", &v))
		json_object_object_add(c, "name", json_object_get(v));
	if (json_object_object_get_ex(list, "cniVersion", &v))
		json_object_object_add(c, "cniVersion", json_object_get(v));
	json_object_object_del(c, "runtimeConfig");
	json_object_object_del(c, "prevResult");
	if (prev)
		json_object_object_add(c, "prevResult", json_object_get(prev));
	if (ports && json_object_array_length(ports) > 0 &&
	    cni_wants_ports(plugin)) {
		struct json_object *rc = json_object_new_object();

		json_object_object_add(rc, "portMappings",
				       json_object_get(ports));
		json_object_object_add(c, "runtimeConfig", rc);
	}
	s = json_object_to_json_string_ext(
		c, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	return s ? strdup(s) : NULL;
}

struct json_object *cni_ports_json(const struct cni_port *ports, size_t n)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++) {
		struct json_object *m = json_object_new_object();

		json_object_object_add(m, "hostPort",
				       json_object_new_int(ports[i].host_port));
		json_object_object_add(
			m, "containerPort",
			json_object_new_int(ports[i].container_port));
		json_object_object_add(
			m, "protocol",
			json_object_new_string(ports[i].protocol[0]
						       ? ports[i].protocol
						       : "tcp"));
		if (ports[i].host_ip[0])
			json_object_object_add(
				m, "hostIP",
				json_object_new_string(ports[i].host_ip));
		json_object_array_add(a, m);
	}
	return a;
}
