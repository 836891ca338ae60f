// SPDX-License-Identifier: Apache-2.0
/*
 * cocoon config: the effective configuration as JSON, as `rkt config`
 * prints its own: the directories, the stage1 files this cocoon would
 * start, where trusted keys and network configs are read, each network
 * with the file that defines it, and the insecure options in effect.
 * It only reads: nothing is created, not even the data directory.
 */
#include "stage0/cli.h"
#include "stage0/cmd_image_common.h"
#include "stage0/cni.h"
#include "stage0/stage1.h"
#include "common/cleanup.h"
#include "images/trust.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A network config file is at most this large (as cni_config.c reads). */
#define CONFIG_NET_FILE_MAX (1 << 20)

static struct json_object *config_str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *config_paths(const struct global_options *g)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "data", config_str(g->dir));
	json_object_object_add(o, "local_config", config_str(g->config_dir));
	json_object_object_add(o, "system_config", config_str(g->vendor_dir));
	return o;
}

static struct json_object *config_stage1(void)
{
	cleanup_error struct error *err = NULL;
	struct json_object *o = json_object_new_object();
	const char *env = getenv(STAGE1_DIR_ENV);
	struct stage1 s1;

	json_object_object_add(o, "env", config_str(env && *env ? env : NULL));
	if (stage1_find(&s1, &err) < 0) {
		json_object_object_add(o, "error", config_str(err->message));
		return o;
	}
	json_object_object_add(o, "dir", config_str(s1.dir));
	json_object_object_add(o, "vmm", config_str(s1.vmm));
	json_object_object_add(o, "kernel", config_str(s1.kernel));
	json_object_object_add(o, "initrd", config_str(s1.initrd));
	stage1_free(&s1);
	return o;
}

struct config_key_count {
	unsigned local, system;
};

static int config_count_key(const char *origin, const char *prefix,
			    const char *fingerprint, const char *path,
			    void *arg)
{
	struct config_key_count *n = arg;

	(void)prefix;
	(void)fingerprint;
	(void)path;
	if (!strcmp(origin, "local"))
		n->local++;
	else
		n->system++;
	return 0;
}

static struct json_object *config_trust_dir(const char *origin,
					    const char *root, unsigned keys)
{
	struct json_object *o = json_object_new_object();
	cleanup_free char *dir = NULL;
	struct stat st;

	if (asprintf(&dir, "%s/trustedkeys", root) < 0)
		dir = NULL;
	json_object_object_add(o, "origin", config_str(origin));
	json_object_object_add(o, "dir", config_str(dir));
	json_object_object_add(o, "exists",
			       json_object_new_boolean(dir &&
						       stat(dir, &st) == 0 &&
						       S_ISDIR(st.st_mode)));
	json_object_object_add(o, "keys", json_object_new_int(keys));
	return o;
}

static struct json_object *config_trust(const struct global_options *g)
{
	const struct trust_roots roots = {g->config_dir, g->vendor_dir};
	struct config_key_count n = {0};
	struct json_object *a = json_object_new_array();

	/* A root that cannot be listed counts what was seen before it. */
	trust_list(&roots, config_count_key, &n, NULL);
	json_object_array_add(
		a, config_trust_dir("local", g->config_dir, n.local));
	json_object_array_add(
		a, config_trust_dir("system", g->vendor_dir, n.system));
	return a;
}

/* The file names CNI reads from a net.d directory (as cni_config.c). */
static bool config_net_file_name(const char *name)
{
	static const char *const exts[] = {".conf", ".conflist", ".json"};
	size_t len = strlen(name);

	if (name[0] == '.')
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		size_t e = strlen(exts[i]);

		if (len > e && !strcmp(name + len - e, exts[i]))
			return true;
	}
	return false;
}

/* The network name a config file defines, or NULL with *err. */
static char *config_net_file_network(const char *path, struct error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	cleanup_free char *text = NULL, *list = NULL;
	struct json_object *top, *name;
	struct stat st;
	char *result = NULL;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0) {
		error_set_errno(err, "open");
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_NET_FILE_MAX) {
		error_set(err, EINVAL, "not a regular file of at most %d bytes",
			  CONFIG_NET_FILE_MAX);
		return NULL;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		error_set(err, ENOMEM, "out of memory");
		return NULL;
	}
	n = read(fd, text, (size_t)st.st_size);
	if (n < 0) {
		error_set_errno(err, "read");
		return NULL;
	}
	text[n] = '\0';
	if (cni_conflist_normalize(text, (size_t)n, &list, err) < 0)
		return NULL;
	top = json_tokener_parse(list);
	if (json_object_object_get_ex(top, "name", &name))
		result = strdup(json_object_get_string(name));
	json_object_put(top);
	if (!result)
		error_set(err, ENOMEM, "out of memory");
	return result;
}

struct config_nets {
	struct json_object *files; /* [{path, network | error}] */
	char **names;		   /* every network name, once */
	size_t n;
};

static void config_net_name_add(struct config_nets *c, const char *name)
{
	char **v;

	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->names[i], name))
			return;
	v = realloc(c->names, (c->n + 1) * sizeof(*v));
	if (!v)
		return;
	c->names = v;
	v[c->n] = strdup(name);
	if (v[c->n])
		c->n++;
}

static void config_net_dir(struct config_nets *c, const char *base)
{
	cleanup_free char *dir = NULL;
	struct dirent **ents = NULL;
	int n;

	if (asprintf(&dir, "%s/net.d", base) < 0)
		return;
	n = scandir(dir, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		cleanup_error struct error *err = NULL;
		cleanup_free char *path = NULL, *name = NULL;
		struct json_object *f;

		if (!config_net_file_name(ents[i]->d_name) ||
		    asprintf(&path, "%s/%s", dir, ents[i]->d_name) < 0) {
			path = NULL;
			free(ents[i]);
			continue;
		}
		free(ents[i]);
		f = json_object_new_object();
		json_object_object_add(f, "path", config_str(path));
		name = config_net_file_network(path, &err);
		if (name) {
			json_object_object_add(f, "network", config_str(name));
			config_net_name_add(c, name);
		} else {
			json_object_object_add(f, "error",
					       config_str(err->message));
		}
		json_object_array_add(c->files, f);
	}
	free(ents);
}

/* Each network as `run --net=NAME` would resolve it: its source. */
static struct json_object *config_network(const struct global_options *g,
					  const char *name)
{
	cleanup_error struct error *err = NULL;
	struct json_object *o = json_object_new_object();
	struct cni_nets nets;

	json_object_object_add(o, "name", config_str(name));
	if (!strcmp(name, "none")) {
		json_object_object_add(o, "source", config_str("built-in"));
		return o;
	}
	if (cni_nets_parse(name, &nets, &err) < 0 ||
	    cni_nets_load(&nets, g->config_dir, g->vendor_dir, g->dir, &err) <
		    0) {
		json_object_object_add(o, "error", config_str(err->message));
		cni_nets_free(&nets);
		return o;
	}
	json_object_object_add(o, "source",
			       config_str(nets.n ? nets.v[0].source : NULL));
	cni_nets_free(&nets);
	return o;
}

static void config_networks(const struct global_options *g,
			    struct json_object *top)
{
	struct config_nets c = {.files = json_object_new_array()};
	struct json_object *cni = json_object_new_object();
	struct json_object *dirs = json_object_new_array();
	struct json_object *nets = json_object_new_array();
	const char *bases[2] = {g->config_dir, g->vendor_dir};

	config_net_name_add(&c, "default");
	config_net_name_add(&c, "default-restricted");
	config_net_name_add(&c, "none");
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		cleanup_free char *d = NULL;

		if (asprintf(&d, "%s/net.d", bases[i]) >= 0)
			json_object_array_add(dirs, config_str(d));
		else
			d = NULL;
		config_net_dir(&c, bases[i]);
	}
	json_object_object_add(cni, "net_dirs", dirs);
	json_object_object_add(cni, "plugin_path",
			       config_str(CNI_PATH_DEFAULT));
	json_object_object_add(cni, "files", c.files);
	json_object_object_add(top, "cni", cni);
	for (size_t i = 0; i < c.n; i++) {
		json_object_array_add(nets, config_network(g, c.names[i]));
		free(c.names[i]);
	}
	free(c.names);
	json_object_object_add(top, "networks", nets);
}

static struct json_object *config_insecure(unsigned bits)
{
	struct json_object *a = json_object_new_array();

	for (unsigned bit = 1; bit <= INSECURE_SECCOMP; bit <<= 1)
		if (bits & bit)
			json_object_array_add(
				a, config_str(insecure_option_name(bit)));
	return a;
}

static int config_run(int argc, char **argv, const struct global_options *g)
{
	static const struct option opts[] = {
		{"pretty", no_argument, NULL, 'p'},
		{0},
	};
	int opt, flags = JSON_C_TO_STRING_PLAIN;
	struct json_object *top;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'p')
			return image_cmd_usage("config", "bad option");
		flags = JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
	}
	if (optind < argc)
		return image_cmd_usage("config", "unexpected argument %s",
				       argv[optind]);
	top = json_object_new_object();
	json_object_object_add(top, "paths", config_paths(g));
	json_object_object_add(top, "stage1", config_stage1());
	json_object_object_add(top, "trusted_keys", config_trust(g));
	config_networks(g, top);
	json_object_object_add(top, "insecure_options",
			       config_insecure(g->insecure));
	json_object_object_add(top, "debug", json_object_new_boolean(g->debug));
	printf("%s\n", json_object_to_json_string_ext(
			       top, flags | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(top);
	return fflush(stdout) == 0 ? 0 : 1;
}

COCOON_COMMAND(
	config, .name = "config",
	.summary = "print the effective configuration as JSON",
	.usage = "Usage: cocoon config [--pretty]\n"
		 "\n"
		 "Prints, as one JSON object, the configuration the other "
		 "commands\n"
		 "would use with the same global flags: paths (data, "
		 "local_config,\n"
		 "system_config), stage1 (the cocoon-vmm, kernel and initrd "
		 "found, or\n"
		 "why none), trusted_keys (each key directory, whether it "
		 "exists, how\n"
		 "many keys it holds), cni (the net.d directories, the plugin "
		 "path,\n"
		 "each config file and the network it defines), networks "
		 "(each\n"
		 "network name and the file that defines it, or built-in), "
		 "insecure_options\n"
		 "and debug. Nothing is created or changed.\n"
		 "\n"
		 "Options:\n"
		 "  --pretty   indent the JSON\n",
	.run = config_run);
