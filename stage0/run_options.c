// SPDX-License-Identifier: Apache-2.0
/* Parsing `run`/`prepare` flags (stage0/run_options.h). */
#include "stage0/run_options.h"
#include "common/path.h"
#include "images/aci_manifest.h"
#include "common/cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- flags */
enum run_flag_id {
	F_STAGE1,
	F_STAGE1_OTHER,
	F_INTERACTIVE,
	F_SET_ENV,
	F_SET_ENV_FILE,
	F_INHERIT_ENV,
	F_VOLUME,
	F_HOSTNAME,
	F_UUID_FILE_SAVE,
	F_INSECURE,
	F_PULL_POLICY,
	F_NET,
	F_PORT,
	F_DNS,
	F_DNS_SEARCH,
	F_DNS_OPT,
	F_DNS_DOMAIN,
	F_HOSTS_ENTRY,
	F_NO_OVERLAY,
	F_DEBUG,
	/* app flags */
	F_EXEC,
	F_NAME,
	F_USER,
	F_GROUP,
	F_WORKING_DIR,
	F_ENVIRONMENT,
	F_MOUNT,
	F_MEMORY,
	F_CPU,
	F_CAPS_RETAIN,
	F_CAPS_REMOVE,
	F_SECCOMP,
	F_READONLY_ROOTFS,
};

enum run_flag_arg { ARG_NONE, ARG_BOOL, ARG_VALUE, ARG_OPTIONAL };
enum run_flag_scope { SCOPE_POD, SCOPE_APP_ONLY, SCOPE_APP };

static const struct run_flag {
	const char *name;
	enum run_flag_id id;
	enum run_flag_arg arg;
	enum run_flag_scope scope;
} run_flags[] = {
	{"stage1", F_STAGE1, ARG_VALUE, SCOPE_POD},
	{"stage1-name", F_STAGE1_OTHER, ARG_VALUE, SCOPE_POD},
	{"stage1-path", F_STAGE1_OTHER, ARG_VALUE, SCOPE_POD},
	{"stage1-url", F_STAGE1_OTHER, ARG_VALUE, SCOPE_POD},
	{"stage1-hash", F_STAGE1_OTHER, ARG_VALUE, SCOPE_POD},
	{"stage1-from-dir", F_STAGE1_OTHER, ARG_VALUE, SCOPE_POD},
	{"interactive", F_INTERACTIVE, ARG_BOOL, SCOPE_POD},
	{"set-env", F_SET_ENV, ARG_VALUE, SCOPE_POD},
	{"set-env-file", F_SET_ENV_FILE, ARG_VALUE, SCOPE_POD},
	{"inherit-env", F_INHERIT_ENV, ARG_BOOL, SCOPE_POD},
	{"volume", F_VOLUME, ARG_VALUE, SCOPE_POD},
	{"hostname", F_HOSTNAME, ARG_VALUE, SCOPE_POD},
	{"uuid-file-save", F_UUID_FILE_SAVE, ARG_VALUE, SCOPE_POD},
	{"insecure-options", F_INSECURE, ARG_VALUE, SCOPE_POD},
	{"pull-policy", F_PULL_POLICY, ARG_VALUE, SCOPE_POD},
	{"net", F_NET, ARG_OPTIONAL, SCOPE_POD},
	{"port", F_PORT, ARG_VALUE, SCOPE_POD},
	{"dns", F_DNS, ARG_VALUE, SCOPE_POD},
	{"dns-search", F_DNS_SEARCH, ARG_VALUE, SCOPE_POD},
	{"dns-opt", F_DNS_OPT, ARG_VALUE, SCOPE_POD},
	{"dns-domain", F_DNS_DOMAIN, ARG_VALUE, SCOPE_POD},
	{"hosts-entry", F_HOSTS_ENTRY, ARG_VALUE, SCOPE_POD},
	{"no-overlay", F_NO_OVERLAY, ARG_BOOL, SCOPE_POD},
	{"debug", F_DEBUG, ARG_BOOL, SCOPE_POD},
	{"exec", F_EXEC, ARG_VALUE, SCOPE_APP_ONLY},
	{"name", F_NAME, ARG_VALUE, SCOPE_APP_ONLY},
	{"user", F_USER, ARG_VALUE, SCOPE_APP},
	{"group", F_GROUP, ARG_VALUE, SCOPE_APP},
	{"working-dir", F_WORKING_DIR, ARG_VALUE, SCOPE_APP},
	{"environment", F_ENVIRONMENT, ARG_VALUE, SCOPE_APP},
	{"mount", F_MOUNT, ARG_VALUE, SCOPE_APP},
	{"memory", F_MEMORY, ARG_VALUE, SCOPE_APP},
	{"cpu", F_CPU, ARG_VALUE, SCOPE_APP},
	{"caps-retain", F_CAPS_RETAIN, ARG_VALUE, SCOPE_APP},
	{"caps-remove", F_CAPS_REMOVE, ARG_VALUE, SCOPE_APP},
	{"seccomp", F_SECCOMP, ARG_VALUE, SCOPE_APP},
	{"readonly-rootfs", F_READONLY_ROOTFS, ARG_BOOL, SCOPE_APP},
};

static const struct run_flag *run_flag_find(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(run_flags); i++)
		if (strlen(run_flags[i].name) == len &&
		    !strncmp(run_flags[i].name, name, len))
			return &run_flags[i];
	return NULL;
}

static int run_set_string(char **dst, const char *value, struct error **err)
{
	char *copy = strdup(value);

	if (!copy)
		return error_set(err, ENOMEM, "out of memory");
	free(*dst);
	*dst = copy;
	return 0;
}

static int run_parse_bool(const char *value, bool *out)
{
	if (!strcmp(value, "true") || !strcmp(value, "1"))
		*out = true;
	else if (!strcmp(value, "false") || !strcmp(value, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

bool run_path_has_dotdot(const char *path)
{
	const char *p = path;

	while ((p = strstr(p, "..")) != NULL) {
		if ((p == path || p[-1] == '/') && (p[2] == '/' || !p[2]))
			return true;
		p += 2;
	}
	return false;
}

bool run_path_absolute_clean(const char *path)
{
	return path[0] == '/' && path_components_clean(path + 1);
}

static bool hostname_valid(const char *h)
{
	size_t n = strlen(h), label = 0;

	if (!n || n > 64 || h[0] == '-' || h[0] == '.' || h[n - 1] == '.' ||
	    h[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (h[i] == '.') {
			if (!label)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)h[i]) && h[i] != '-')
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

static int run_parse_uint(const char *s, unsigned long max, int base,
			  unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoul(s, &end, base);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Splits "key=value"; *value NULL if there is no '='. */
static void run_split_kv(char *item, char **value)
{
	char *eq = strchr(item, '=');

	*value = NULL;
	if (eq) {
		*eq = '\0';
		*value = eq + 1;
	}
}

static void run_volume_free(struct run_volume *v)
{
	free(v->name);
	free(v->source);
}

/* rkt: NAME,kind=host,source=PATH[,readOnly=BOOL][,recursive=BOOL] or
 * NAME,kind=empty[,mode=OCTAL][,uid=N][,gid=N][,readOnly=BOOL]. */
static int run_parse_volume(struct run_options *o, const char *spec,
			    struct error **err)
{
	cleanup_free char *copy = strdup(spec);
	cleanup_free char *mode = NULL, *uid = NULL, *gid = NULL;
	struct run_volume v = {.mode = 0755};
	bool has_kind = false;
	char *save = NULL, *item, *val;
	struct run_volume *grown;
	struct stat st;
	unsigned long n;

	if (!copy)
		return error_set(err, ENOMEM, "out of memory");
	item = strtok_r(copy, ",", &save);
	if (!item || strchr(item, '='))
		return error_set(err, EINVAL,
				 "the volume's name must come first "
				 "(NAME,kind=host|empty,...)");
	if (!aci_name_valid(item))
		return error_set(err, EINVAL,
				 "volume name \"%s\" is not an AC name "
				 "(lower-case letters, digits and -)",
				 item);
	if (run_options_volume(o, item))
		return error_set(err, EEXIST, "volume \"%s\" is given twice",
				 item);
	v.name = strdup(item);
	if (!v.name)
		return error_set(err, ENOMEM, "out of memory");
	while ((item = strtok_r(NULL, ",", &save)) != NULL) {
		run_split_kv(item, &val);
		if (!val) {
			run_volume_free(&v);
			return error_set(err, EINVAL, "\"%s\": want key=value",
					 item);
		}
		if (!strcmp(item, "kind")) {
			has_kind = true;
			if (!strcmp(val, "host"))
				v.kind = VOLUME_HOST;
			else if (!strcmp(val, "empty"))
				v.kind = VOLUME_EMPTY;
			else {
				run_volume_free(&v);
				return error_set(err, EINVAL,
						 "unknown kind \"%s\" (want "
						 "host or empty)",
						 val);
			}
		} else if (!strcmp(item, "source")) {
			if (run_set_string(&v.source, val, err) < 0) {
				run_volume_free(&v);
				return -1;
			}
		} else if (!strcmp(item, "readOnly") ||
			   !strcmp(item, "recursive")) {
			bool b;

			if (run_parse_bool(val, &b) < 0) {
				run_volume_free(&v);
				return error_set(err, EINVAL,
						 "%s=%s: want true or false",
						 item, val);
			}
			if (!strcmp(item, "readOnly"))
				v.readonly = b;
			else {
				v.has_recursive = true;
				v.recursive = b;
			}
		} else if (!strcmp(item, "mode") || !strcmp(item, "uid") ||
			   !strcmp(item, "gid")) {
			char **dst = item[0] == 'm'   ? &mode
				     : item[0] == 'u' ? &uid
						      : &gid;

			if (run_set_string(dst, val, err) < 0) {
				run_volume_free(&v);
				return -1;
			}
		} else {
			run_volume_free(&v);
			return error_set(err, EINVAL,
					 "unknown volume option \"%s\" (want "
					 "kind, source, readOnly, recursive, "
					 "mode, uid, gid)",
					 item);
		}
	}
	if (!has_kind) {
		run_volume_free(&v);
		return error_set(err, EINVAL,
				 "kind= is missing (host or empty)");
	}
	if (v.kind == VOLUME_HOST) {
		if (mode || uid || gid) {
			run_volume_free(&v);
			return error_set(err, EINVAL,
					 "mode, uid and gid are for empty "
					 "volumes; a host volume keeps its "
					 "source's");
		}
		if (!v.source || !*v.source) {
			run_volume_free(&v);
			return error_set(err, EINVAL,
					 "a host volume needs source=PATH");
		}
		if (v.source[0] != '/') {
			error_set(err, EINVAL,
				  "source \"%s\" must be an absolute path",
				  v.source);
			run_volume_free(&v);
			return -1;
		}
		{
			char *real = realpath(v.source, NULL);

			if (!real) {
				error_set_errno(err, "source %s", v.source);
				run_volume_free(&v);
				return -1;
			}
			free(v.source);
			v.source = real;
		}
		if (stat(v.source, &st) < 0) {
			error_set_errno(err, "source %s", v.source);
			run_volume_free(&v);
			return -1;
		}
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
			error_set(err, EINVAL,
				  "source %s is neither a directory nor a "
				  "regular file",
				  v.source);
			run_volume_free(&v);
			return -1;
		}
		v.source_is_dir = S_ISDIR(st.st_mode);
	} else {
		if (v.source) {
			run_volume_free(&v);
			return error_set(err, EINVAL,
					 "an empty volume has no source");
		}
		if (v.has_recursive) {
			run_volume_free(&v);
			return error_set(err, EINVAL,
					 "recursive is for host volumes");
		}
		if (mode) {
			if (run_parse_uint(mode, 07777, 8, &n) < 0) {
				run_volume_free(&v);
				return error_set(err, EINVAL,
						 "mode=%s: want an octal mode "
						 "up to 07777",
						 mode);
			}
			v.mode = (unsigned)n;
		}
		if (uid) {
			if (run_parse_uint(uid, UINT32_MAX - 1, 10, &n) < 0) {
				run_volume_free(&v);
				return error_set(err, EINVAL,
						 "uid=%s: want a number", uid);
			}
			v.uid = (uid_t)n;
		}
		if (gid) {
			if (run_parse_uint(gid, UINT32_MAX - 1, 10, &n) < 0) {
				run_volume_free(&v);
				return error_set(err, EINVAL,
						 "gid=%s: want a number", gid);
			}
			v.gid = (gid_t)n;
		}
	}
	grown = realloc(o->volumes, (o->nvolumes + 1) * sizeof(*grown));
	if (!grown) {
		run_volume_free(&v);
		return error_set(err, ENOMEM, "out of memory");
	}
	o->volumes = grown;
	o->volumes[o->nvolumes++] = v;
	return 0;
}

const struct run_volume *run_options_volume(const struct run_options *o,
					    const char *name)
{
	for (size_t i = 0; i < o->nvolumes; i++)
		if (!strcmp(o->volumes[i].name, name))
			return &o->volumes[i];
	return NULL;
}

/* volume=NAME,target=PATH */
static int run_parse_mount(struct run_app_flags *f, const char *spec,
			   struct error **err)
{
	cleanup_free char *copy = strdup(spec);
	char *save = NULL, *item, *val, *volume = NULL, *target = NULL;
	struct run_mount *grown;

	if (!copy)
		return error_set(err, ENOMEM, "out of memory");
	for (item = strtok_r(copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		run_split_kv(item, &val);
		if (val && !strcmp(item, "volume"))
			volume = val;
		else if (val && !strcmp(item, "target"))
			target = val;
		else
			return error_set(err, EINVAL,
					 "\"%s%s%s\": want volume=NAME,"
					 "target=PATH",
					 item, val ? "=" : "", val ? val : "");
	}
	if (!volume || !*volume)
		return error_set(err, EINVAL, "volume=NAME is missing");
	if (!target || !*target)
		return error_set(err, EINVAL, "target=PATH is missing");
	if (target[0] != '/')
		return error_set(err, EINVAL,
				 "target \"%s\" must be an absolute path",
				 target);
	if (run_path_has_dotdot(target))
		return error_set(err, EINVAL,
				 "target \"%s\" must not contain \"..\"",
				 target);
	for (size_t i = 0; i < f->nmounts; i++)
		if (!strcmp(f->mounts[i].target, target))
			return error_set(err, EEXIST,
					 "target %s is already mounted",
					 target);
	grown = realloc(f->mounts, (f->nmounts + 1) * sizeof(*grown));
	if (!grown)
		return error_set(err, ENOMEM, "out of memory");
	f->mounts = grown;
	f->mounts[f->nmounts].volume = strdup(volume);
	f->mounts[f->nmounts].target = strdup(target);
	if (!f->mounts[f->nmounts].volume || !f->mounts[f->nmounts].target) {
		free(f->mounts[f->nmounts].volume);
		free(f->mounts[f->nmounts].target);
		return error_set(err, ENOMEM, "out of memory");
	}
	f->nmounts++;
	return 0;
}

static void run_app_flags_init(struct run_app_flags *f)
{
	memset(f, 0, sizeof(*f));
	f->readonly_rootfs = -1;
}

static void run_app_flags_free(struct run_app_flags *f)
{
	free(f->user);
	free(f->group);
	free(f->working_dir);
	env_list_free(&f->environment);
	for (size_t i = 0; i < f->nmounts; i++) {
		free(f->mounts[i].volume);
		free(f->mounts[i].target);
	}
	free(f->mounts);
	seccomp_spec_free(&f->seccomp);
}

void run_options_free(struct run_options *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->napps; i++) {
		struct run_app *a = &o->apps[i];

		free(a->image);
		free(a->name);
		free(a->exec);
		for (size_t j = 0; j < a->nargs; j++)
			free(a->args[j]);
		free(a->args);
		run_app_flags_free(&a->flags);
	}
	free(o->apps);
	run_app_flags_free(&o->all);
	for (size_t i = 0; i < o->nvolumes; i++)
		run_volume_free(&o->volumes[i]);
	free(o->volumes);
	env_list_free(&o->env_file);
	env_list_free(&o->set_env);
	free(o->hostname);
	free(o->uuid_file_save);
	run_net_free(&o->net);
	free(o);
}

static void run_options_freep(struct run_options **o)
{
	run_options_free(*o);
}

static int run_add_app(struct run_options *o, const char *image,
		       struct error **err)
{
	struct run_app *grown;

	if (!*image)
		return error_set(err, EINVAL, "an empty image name");
	grown = realloc(o->apps, (o->napps + 1) * sizeof(*grown));
	if (!grown)
		return error_set(err, ENOMEM, "out of memory");
	o->apps = grown;
	memset(&o->apps[o->napps], 0, sizeof(o->apps[0]));
	run_app_flags_init(&o->apps[o->napps].flags);
	o->apps[o->napps].image = strdup(image);
	if (!o->apps[o->napps].image)
		return error_set(err, ENOMEM, "out of memory");
	o->napps++;
	return 0;
}

static int run_add_arg(struct run_app *a, const char *arg, struct error **err)
{
	char **grown = realloc(a->args, (a->nargs + 1) * sizeof(*grown));

	if (!grown)
		return error_set(err, ENOMEM, "out of memory");
	a->args = grown;
	a->args[a->nargs] = strdup(arg);
	if (!a->args[a->nargs])
		return error_set(err, ENOMEM, "out of memory");
	a->nargs++;
	return 0;
}

/* An app flag: f is the app's flags, or o->all before any image. */
static int run_app_flag(struct run_options *o, struct run_app *app,
			struct run_app_flags *f, enum run_flag_id id,
			const char *value, bool bvalue, struct error **err)
{
	switch (id) {
	case F_EXEC:
		if (value[0] != '/')
			return error_set(err, EINVAL,
					 "\"%s\" must be an absolute path "
					 "(appc: exec[0] is absolute)",
					 value);
		return run_set_string(&app->exec, value, err);
	case F_NAME:
		if (!aci_name_valid(value))
			return error_set(err, EINVAL,
					 "\"%s\" is not an AC name (lower-case "
					 "letters, digits and -)",
					 value);
		for (size_t i = 0; i < o->napps; i++)
			if (&o->apps[i] != app && o->apps[i].name &&
			    !strcmp(o->apps[i].name, value))
				return error_set(err, EEXIST,
						 "two apps are named \"%s\"",
						 value);
		return run_set_string(&app->name, value, err);
	case F_USER:
	case F_GROUP:
		if (!*value)
			return error_set(err, EINVAL, "must not be empty");
		return run_set_string(id == F_USER ? &f->user : &f->group,
				      value, err);
	case F_WORKING_DIR:
		if (value[0] != '/')
			return error_set(err, EINVAL,
					 "\"%s\" must be an absolute path",
					 value);
		return run_set_string(&f->working_dir, value, err);
	case F_ENVIRONMENT:
		return env_list_set_pair(&f->environment, value, err);
	case F_MOUNT:
		return run_parse_mount(f, value, err);
	case F_MEMORY:
		if (f == &o->all)
			return isolator_parse_memory(value, &o->memory, err);
		return isolator_parse_memory(value, &f->memory, err);
	case F_CPU:
		if (f == &o->all)
			return isolator_parse_cpu(value, &o->cpu, err);
		return isolator_parse_cpu(value, &f->cpu, err);
	case F_CAPS_RETAIN:
		f->has_caps_retain = true;
		return caps_parse_list(value, &f->caps_retain, err);
	case F_CAPS_REMOVE:
		f->has_caps_remove = true;
		return caps_parse_list(value, &f->caps_remove, err);
	case F_SECCOMP:
		seccomp_spec_free(&f->seccomp);
		return seccomp_spec_parse(value, &f->seccomp, err);
	case F_READONLY_ROOTFS:
		f->readonly_rootfs = bvalue;
		return 0;
	default:
		return error_set(err, EINVAL, "not an app flag");
	}
}

static int run_pod_flag(struct run_options *o, enum run_flag_id id,
			const char *value, bool bvalue, struct error **err)
{
	switch (id) {
	case F_STAGE1:
		if (strcmp(value, "kvm"))
			return error_set(err, EINVAL,
					 "\"%s\": cocoon has one stage1, kvm "
					 "(every pod is a virtual machine)",
					 value);
		return 0;
	case F_STAGE1_OTHER:
		return error_set(err, EINVAL,
				 "cocoon has one built-in stage1, kvm; "
				 "use --stage1=kvm or nothing");
	case F_INTERACTIVE:
		o->interactive = bvalue;
		return 0;
	case F_SET_ENV:
		return env_list_set_pair(&o->set_env, value, err);
	case F_SET_ENV_FILE:
		return env_list_read_file(&o->env_file, value, err);
	case F_INHERIT_ENV:
		o->inherit_env = bvalue;
		return 0;
	case F_VOLUME:
		return run_parse_volume(o, value, err);
	case F_HOSTNAME:
		if (!hostname_valid(value))
			return error_set(err, EINVAL,
					 "\"%s\" is not a host name (letters, "
					 "digits, - and ., at most 64)",
					 value);
		return run_set_string(&o->hostname, value, err);
	case F_UUID_FILE_SAVE:
		if (!*value)
			return error_set(err, EINVAL, "needs a file name");
		return run_set_string(&o->uuid_file_save, value, err);
	case F_INSECURE:
		return insecure_options_parse(value, &o->insecure, err);
	case F_PULL_POLICY:
		if (!strcmp(value, "new"))
			o->pull = PULL_NEW;
		else if (!strcmp(value, "update"))
			o->pull = PULL_UPDATE;
		else if (!strcmp(value, "never"))
			o->pull = PULL_NEVER;
		else
			return error_set(err, EINVAL,
					 "\"%s\": want new, update or never",
					 value);
		return 0;
	case F_NET:
		if (value && !strcmp(value, "host"))
			return error_set(err, EINVAL,
					 "a pod is a virtual machine and "
					 "cannot share the host's network; "
					 "use --net=default or --net=none");
		return run_net_flag(&o->net, RUN_NET_NET, value, err);
	case F_PORT:
		return run_net_flag(&o->net, RUN_NET_PORT, value, err);
	case F_DNS:
		return run_net_flag(&o->net, RUN_NET_DNS, value, err);
	case F_DNS_SEARCH:
		return run_net_flag(&o->net, RUN_NET_DNS_SEARCH, value, err);
	case F_DNS_OPT:
		return run_net_flag(&o->net, RUN_NET_DNS_OPT, value, err);
	case F_DNS_DOMAIN:
		return run_net_flag(&o->net, RUN_NET_DNS_DOMAIN, value, err);
	case F_HOSTS_ENTRY:
		return run_net_flag(&o->net, RUN_NET_HOSTS_ENTRY, value, err);
	case F_NO_OVERLAY:
		o->no_overlay = bvalue;
		return 0;
	case F_DEBUG:
		o->debug = bvalue;
		return 0;
	default:
		return error_set(err, EINVAL, "not a pod flag");
	}
}

/* Checks what needs the whole line: volumes named by mounts, names. */
static int run_options_check(struct run_options *o, struct error **err)
{
	if (!o->napps)
		return error_set(err, EINVAL, "no image given");
	if (o->interactive && o->napps > 1)
		return error_set(err, EINVAL,
				 "--interactive: only one app may run "
				 "interactively, %zu were given",
				 o->napps);
	for (size_t i = 0; i <= o->napps; i++) {
		const struct run_app_flags *f =
			i < o->napps ? &o->apps[i].flags : &o->all;
		const char *where = i < o->napps ? o->apps[i].image : NULL;

		if (f->has_caps_retain && f->has_caps_remove)
			return error_set(
				err, EINVAL,
				"--caps-retain and --caps-remove%s%s: give "
				"one or the other",
				where ? " for " : "", where ? where : "");
		for (size_t m = 0; m < f->nmounts; m++)
			if (!run_options_volume(o, f->mounts[m].volume))
				return error_set(
					err, ENOENT,
					"--mount volume=%s,target=%s: no "
					"--volume %s was given",
					f->mounts[m].volume,
					f->mounts[m].target,
					f->mounts[m].volume);
	}
	return 0;
}

int run_options_parse(int argc, char **argv, bool is_run,
		      struct run_options **out, struct error **err)
{
	__attribute__((cleanup(run_options_freep))) struct run_options *o =
		calloc(1, sizeof(*o));
	bool app_ended = false; /* after `---`: the next thing is an image */

	if (!o)
		return error_set(err, ENOMEM, "out of memory");
	o->is_run = is_run;
	o->pull = PULL_NEW;
	run_app_flags_init(&o->all);
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value = NULL;
		const struct run_flag *flag;
		struct run_app *app;
		bool bvalue = true;
		size_t len;

		if (!strcmp(arg, "--")) {
			if (!o->napps || app_ended)
				return error_set(err, EINVAL,
						 "\"--\" must follow an image: "
						 "IMAGE -- ARGS...");
			for (i++; i < argc && strcmp(argv[i], "---"); i++)
				if (run_add_arg(&o->apps[o->napps - 1], argv[i],
						err) < 0)
					return -1;
			app_ended = true;
			continue;
		}
		if (!strcmp(arg, "---")) {
			if (!o->napps)
				return error_set(
					err, EINVAL,
					"\"---\" must follow an image");
			app_ended = true;
			continue;
		}
		if (arg[0] != '-' || !arg[1]) {
			if (run_add_app(o, arg, err) < 0)
				return -1;
			app_ended = false;
			continue;
		}
		if (arg[1] != '-')
			return error_set(err, EINVAL,
					 "unknown flag %s (flags are "
					 "--name[=value])",
					 arg);
		len = strcspn(arg + 2, "=");
		flag = run_flag_find(arg + 2, len);
		if (!flag)
			return error_set(err, EINVAL, "unknown flag %.*s",
					 (int)len + 2, arg);
		if (arg[2 + len] == '=')
			value = arg + 3 + len;
		switch (flag->arg) {
		case ARG_BOOL:
			if (value && run_parse_bool(value, &bvalue) < 0)
				return error_set(err, EINVAL,
						 "--%s=%s: want true or false",
						 flag->name, value);
			break;
		case ARG_VALUE:
			if (!value) {
				if (i + 1 >= argc)
					return error_set(err, EINVAL,
							 "--%s needs a value",
							 flag->name);
				value = argv[++i];
			}
			break;
		case ARG_OPTIONAL:
		case ARG_NONE:
			break;
		}
		app = o->napps && !app_ended ? &o->apps[o->napps - 1] : NULL;
		if (flag->scope != SCOPE_POD && !app &&
		    (flag->scope == SCOPE_APP_ONLY || o->napps))
			return error_set(
				err, EINVAL,
				"--%s must follow the image it applies "
				"to (IMAGE --%s ...)",
				flag->name, flag->name);
		if (flag->scope == SCOPE_POD) {
			if (run_pod_flag(o, flag->id, value, bvalue, err) < 0)
				goto bad_value;
		} else if (run_app_flag(o, app, app ? &app->flags : &o->all,
					flag->id, value, bvalue, err) < 0) {
			goto bad_value;
		}
		continue;
	bad_value:
		if (value)
			return error_wrap(err, "--%s=%s", flag->name, value);
		return error_wrap(err, "--%s", flag->name);
	}
	if (run_options_check(o, err) < 0)
		return -1;
	*out = steal_pointer(&o);
	return 0;
}
