// SPDX-License-Identifier: Apache-2.0
#include "guest/runtime.h"
#include "common/path.h"
#include "guest/caps.h"
#include "guest/runtime_json.h"
#include "common/cleanup.h"
#include "common/ctl.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

bool runtime_relative_path_valid(const char *path)
{
	return path[0] && path[0] != '/' && strlen(path) <= RUNTIME_PATH_MAX &&
	       path_components_clean(path);
}

bool runtime_absolute_path_valid(const char *path)
{
	return path[0] == '/' && strlen(path) <= RUNTIME_PATH_MAX &&
	       path_components_clean(path + 1);
}

static bool runtime_hostname_valid(const char *s)
{
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
			return false;
	}
	return true;
}

static bool runtime_tag_valid(const char *s)
{
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' ||
		      *s == '_'))
			return false;
	}
	return true;
}

/* User and group strings end up matched against /etc/passwd fields. */
static bool runtime_account_valid(const char *s)
{
	return !strpbrk(s, ":\n");
}

static bool runtime_syscall_name_valid(const char *s)
{
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return false;
	}
	return true;
}

struct runtime_named {
	const char *name;
	int value;
};

static const struct runtime_named runtime_errnos[] = {
	{"EPERM", EPERM},   {"ENOENT", ENOENT},	  {"EIO", EIO},
	{"EACCES", EACCES}, {"EFAULT", EFAULT},	  {"EINVAL", EINVAL},
	{"ENOSYS", ENOSYS}, {"ENOTSUP", ENOTSUP}, {"EOPNOTSUPP", EOPNOTSUPP},
};

static const struct runtime_named runtime_rlimits[] = {
	{"RLIMIT_AS", RLIMIT_AS},
	{"RLIMIT_CORE", RLIMIT_CORE},
	{"RLIMIT_CPU", RLIMIT_CPU},
	{"RLIMIT_DATA", RLIMIT_DATA},
	{"RLIMIT_FSIZE", RLIMIT_FSIZE},
	{"RLIMIT_LOCKS", RLIMIT_LOCKS},
	{"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
	{"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
	{"RLIMIT_NICE", RLIMIT_NICE},
	{"RLIMIT_NOFILE", RLIMIT_NOFILE},
	{"RLIMIT_NPROC", RLIMIT_NPROC},
	{"RLIMIT_RSS", RLIMIT_RSS},
	{"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
	{"RLIMIT_RTTIME", RLIMIT_RTTIME},
	{"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	{"RLIMIT_STACK", RLIMIT_STACK},
};

static int runtime_lookup(const struct runtime_named *table, size_t n,
			  const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(table[i].name, name))
			return table[i].value;
	}
	return -1;
}

int runtime_errno_from_name(const char *name)
{
	return runtime_lookup(runtime_errnos, ARRAY_SIZE(runtime_errnos), name);
}

int runtime_rlimit_from_name(const char *name)
{
	return runtime_lookup(runtime_rlimits, ARRAY_SIZE(runtime_rlimits),
			      name);
}

const char *runtime_env_get(char *const *env, const char *key)
{
	size_t len = strlen(key);

	for (; env && *env; env++) {
		if (!strncmp(*env, key, len) && (*env)[len] == '=')
			return *env + len + 1;
	}
	return NULL;
}

/* env: [[KEY, VALUE], ...] into "KEY=VALUE", later keys replacing earlier. */
static int runtime_env(struct runtime_ctx *c, struct json_object *o,
		       const char *what, char ***out, size_t *n_out)
{
	char **v;
	size_t n, used = 0;
	char where[96];
	int ret;

	ret = runtime_array(c, o, what, RUNTIME_ENV_MAX, &n);
	if (ret < 0)
		return ret;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json_object *pair = json_object_array_get_idx(o, i);
		cleanup_free char *key = NULL;
		cleanup_free char *value = NULL;
		char *entry;
		size_t j;

		runtime_where(where, sizeof(where), "%s[%zu]", what, i);
		if (!json_object_is_type(pair, json_type_array) ||
		    json_object_array_length(pair) != 2) {
			ret = runtime_fail(c, "%s: not a [name, value] pair",
					   where);
			goto fail;
		}
		runtime_where(where, sizeof(where), "%s[%zu][0]", what, i);
		ret = runtime_string(c, json_object_array_get_idx(pair, 0),
				     where, RUNTIME_NAME_MAX, false, &key);
		if (ret < 0)
			goto fail;
		if (strchr(key, '=')) {
			ret = runtime_fail(c, "%s: name contains '='", where);
			goto fail;
		}
		runtime_where(where, sizeof(where), "%s[%zu][1]", what, i);
		ret = runtime_string(c, json_object_array_get_idx(pair, 1),
				     where, RUNTIME_STRING_MAX, true, &value);
		if (ret < 0)
			goto fail;
		if (asprintf(&entry, "%s=%s", key, value) < 0) {
			ret = -ENOMEM;
			goto fail;
		}
		for (j = 0; j < used; j++) {
			if (!strncmp(v[j], entry, strlen(key) + 1))
				break;
		}
		if (j < used)
			free(v[j]);
		else
			used++;
		v[j] = entry;
	}
	*out = v;
	*n_out = used;
	return 0;
fail:
	runtime_strv_free(v);
	return ret;
}

static int runtime_seccomp(struct runtime_ctx *c, struct json_object *o,
			   const char *what, struct runtime_seccomp *out)
{
	struct json_object *m;
	cleanup_free char *mode = NULL;
	char where[96];
	int ret;

	/* no errno: a refused call kills the app with SIGSYS, as in rkt */
	out->errno_value = 0;
	if (!json_object_is_type(o, json_type_object))
		return runtime_fail(c, "%s: %s instead of an object", what,
				    runtime_type_name(o));
	runtime_where(where, sizeof(where), "%s.", what);
	ret = runtime_required(c, o, where, "mode", &m);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%s.mode", what);
	ret = runtime_string(c, m, where, 16, false, &mode);
	if (ret < 0)
		return ret;
	if (!strcmp(mode, "none"))
		out->mode = RUNTIME_SECCOMP_NONE;
	else if (!strcmp(mode, "default"))
		out->mode = RUNTIME_SECCOMP_DEFAULT;
	else if (!strcmp(mode, "retain"))
		out->mode = RUNTIME_SECCOMP_RETAIN;
	else if (!strcmp(mode, "remove"))
		out->mode = RUNTIME_SECCOMP_REMOVE;
	else
		return runtime_fail(c,
				    "%s: unknown mode \"%s\" (default, retain, "
				    "remove or none)",
				    where, mode);
	if (out->mode != RUNTIME_SECCOMP_RETAIN &&
	    out->mode != RUNTIME_SECCOMP_REMOVE)
		return 0;
	runtime_where(where, sizeof(where), "%s.", what);
	ret = runtime_required(c, o, where, "syscalls", &m);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%s.syscalls", what);
	ret = runtime_strv(c, m, where, RUNTIME_SYSCALLS_MAX, RUNTIME_NAME_MAX,
			   false, &out->syscalls, &out->n_syscalls);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < out->n_syscalls; i++) {
		if (!runtime_syscall_name_valid(out->syscalls[i]))
			return runtime_fail(c, "%s[%zu]: not a syscall name",
					    where, i);
	}
	runtime_where(where, sizeof(where), "%s.", what);
	ret = runtime_member(c, o, where, "errno", &m);
	if (ret < 0)
		return ret;
	if (ret > 0) {
		cleanup_free char *name = NULL;

		runtime_where(where, sizeof(where), "%s.errno", what);
		ret = runtime_string(c, m, where, 32, false, &name);
		if (ret < 0)
			return ret;
		out->errno_value = runtime_errno_from_name(name);
		if (out->errno_value < 0)
			return runtime_fail(c, "%s: unknown errno name \"%s\"",
					    where, name);
	}
	return 0;
}

static int runtime_rlimit(struct runtime_ctx *c, struct json_object *o,
			  const char *what, struct runtime_rlimit *out)
{
	struct json_object *m;
	cleanup_free char *type = NULL;
	char where[96];
	int64_t soft, hard;
	int ret;

	if (!json_object_is_type(o, json_type_object))
		return runtime_fail(c, "%s: %s instead of an object", what,
				    runtime_type_name(o));
	runtime_where(where, sizeof(where), "%s.", what);
	ret = runtime_required(c, o, where, "type", &m);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%s.type", what);
	ret = runtime_string(c, m, where, 32, false, &type);
	if (ret < 0)
		return ret;
	out->resource = runtime_rlimit_from_name(type);
	if (out->resource < 0)
		return runtime_fail(c, "%s: unknown limit \"%s\"", where, type);
	runtime_where(where, sizeof(where), "%s.", what);
	ret = runtime_required(c, o, where, "soft", &m);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%s.soft", what);
	ret = runtime_int(c, m, where, 0, INT64_MAX, &soft);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%s.", what);
	ret = runtime_required(c, o, where, "hard", &m);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%s.hard", what);
	ret = runtime_int(c, m, where, 0, INT64_MAX, &hard);
	if (ret < 0)
		return ret;
	if (soft > hard)
		return runtime_fail(c, "%s: soft %lld above hard %lld", what,
				    (long long)soft, (long long)hard);
	out->soft = (uint64_t)soft;
	out->hard = (uint64_t)hard;
	return 0;
}

static int runtime_mount(struct runtime_ctx *c, struct json_object *o,
			 const char *what, struct runtime_mount *out)
{
	struct json_object *m;
	cleanup_free char *kind = NULL;
	char where[96], prefix[96];
	int64_t n;
	int ret;

	if (!json_object_is_type(o, json_type_object))
		return runtime_fail(c, "%s: %s instead of an object", what,
				    runtime_type_name(o));
	runtime_where(prefix, sizeof(prefix), "%s.", what);
	ret = runtime_required(c, o, prefix, "target", &m);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%s.target", what);
	ret = runtime_string(c, m, where, RUNTIME_PATH_MAX, false,
			     &out->target);
	if (ret < 0)
		return ret;
	if (!runtime_absolute_path_valid(out->target) ||
	    !strcmp(out->target, "/"))
		return runtime_fail(c,
				    "%s: \"%s\" is not an absolute path "
				    "below / without . or ..",
				    where, out->target);
	ret = runtime_required(c, o, prefix, "kind", &m);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%s.kind", what);
	ret = runtime_string(c, m, where, 16, false, &kind);
	if (ret < 0)
		return ret;
	ret = runtime_member(c, o, prefix, "readonly", &m);
	if (ret < 0)
		return ret;
	if (ret > 0) {
		runtime_where(where, sizeof(where), "%s.readonly", what);
		ret = runtime_bool(c, m, where, &out->readonly);
		if (ret < 0)
			return ret;
	}
	if (!strcmp(kind, "host")) {
		out->kind = RUNTIME_MOUNT_HOST;
		ret = runtime_required(c, o, prefix, "source", &m);
		if (ret < 0)
			return ret;
		runtime_where(where, sizeof(where), "%s.source", what);
		ret = runtime_string(c, m, where, RUNTIME_PATH_MAX, false,
				     &out->source);
		if (ret < 0)
			return ret;
		if (!runtime_relative_path_valid(out->source))
			return runtime_fail(c,
					    "%s: \"%s\" is not a path inside "
					    "the share",
					    where, out->source);
		return 0;
	}
	if (strcmp(kind, "empty"))
		return runtime_fail(c,
				    "%s: unknown kind \"%s\" (host or empty)",
				    where, kind);
	out->kind = RUNTIME_MOUNT_EMPTY;
	ret = runtime_required(c, o, prefix, "volume", &m);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%s.volume", what);
	ret = runtime_string(c, m, where, CTL_APP_NAME_MAX, false,
			     &out->volume);
	if (ret < 0)
		return ret;
	if (!ctl_app_name_valid(out->volume))
		return runtime_fail(c, "%s: \"%s\" is not a volume name", where,
				    out->volume);
	out->mode = 0755;
	ret = runtime_member(c, o, prefix, "mode", &m);
	if (ret > 0) {
		runtime_where(where, sizeof(where), "%s.mode", what);
		ret = runtime_int(c, m, where, 0, 07777, &n);
		out->mode = (mode_t)n;
	}
	if (ret < 0)
		return ret;
	ret = runtime_member(c, o, prefix, "uid", &m);
	if (ret > 0) {
		runtime_where(where, sizeof(where), "%s.uid", what);
		ret = runtime_int(c, m, where, 0, UINT32_MAX - 1, &n);
		out->uid = (uid_t)n;
	}
	if (ret < 0)
		return ret;
	ret = runtime_member(c, o, prefix, "gid", &m);
	if (ret > 0) {
		runtime_where(where, sizeof(where), "%s.gid", what);
		ret = runtime_int(c, m, where, 0, UINT32_MAX - 1, &n);
		out->gid = (gid_t)n;
	}
	return ret < 0 ? ret : 0;
}

static void runtime_app_free(struct runtime_app *a)
{
	free(a->name);
	free(a->rootfs);
	runtime_strv_free(a->exec);
	runtime_strv_free(a->env);
	free(a->user);
	free(a->group);
	free(a->gids);
	free(a->working_dir);
	runtime_strv_free(a->seccomp.syscalls);
	free(a->rlimits);
	for (size_t i = 0; i < a->n_mounts; i++) {
		free(a->mounts[i].target);
		free(a->mounts[i].source);
		free(a->mounts[i].volume);
	}
	free(a->mounts);
	memset(a, 0, sizeof(*a));
}

static int runtime_app_caps(struct runtime_ctx *c, struct json_object *m,
			    const char *prefix, uint64_t *out)
{
	char where[96];
	size_t n;
	int ret;

	runtime_where(where, sizeof(where), "%scapabilities", prefix);
	ret = runtime_array(c, m, where, 64, &n);
	if (ret < 0)
		return ret;
	*out = 0;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *name = NULL;
		char item[112];
		int cap;

		runtime_where(item, sizeof(item), "%s[%zu]", where, i);
		ret = runtime_string(c, json_object_array_get_idx(m, i), item,
				     64, false, &name);
		if (ret < 0)
			return ret;
		cap = caps_from_name(name);
		if (cap < 0)
			return runtime_fail(c, "%s: unknown capability \"%s\"",
					    item, name);
		*out |= 1ull << cap;
	}
	return 0;
}

static int runtime_app_gids(struct runtime_ctx *c, struct json_object *m,
			    const char *prefix, struct runtime_app *a)
{
	char where[96], item[112];
	size_t n;
	int64_t v;
	int ret;

	runtime_where(where, sizeof(where), "%ssupplementary_gids", prefix);
	ret = runtime_array(c, m, where, RUNTIME_GIDS_MAX, &n);
	if (ret < 0)
		return ret;
	a->gids = calloc(n ? n : 1, sizeof(*a->gids));
	if (!a->gids)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		runtime_where(item, sizeof(item), "%s[%zu]", where, i);
		ret = runtime_int(c, json_object_array_get_idx(m, i), item, 0,
				  UINT32_MAX - 1, &v);
		if (ret < 0)
			return ret;
		a->gids[i] = (gid_t)v;
	}
	a->n_gids = n;
	return 0;
}

static int runtime_app(struct runtime_ctx *c, struct json_object *o,
		       size_t index, struct runtime_app *a)
{
	struct json_object *m;
	char prefix[32], where[96];
	size_t n;
	int ret;

	runtime_where(prefix, sizeof(prefix), "apps[%zu]", index);
	if (!json_object_is_type(o, json_type_object))
		return runtime_fail(c, "%s: %s instead of an object", prefix,
				    runtime_type_name(o));
	runtime_where(prefix, sizeof(prefix), "apps[%zu].", index);

	ret = runtime_required(c, o, prefix, "name", &m);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%sname", prefix);
	ret = runtime_string(c, m, where, CTL_APP_NAME_MAX, false, &a->name);
	if (ret < 0)
		return ret;
	if (!ctl_app_name_valid(a->name))
		return runtime_fail(c, "%s: \"%s\" is not an app name", where,
				    a->name);

	ret = runtime_required(c, o, prefix, "rootfs", &m);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%srootfs", prefix);
	ret = runtime_string(c, m, where, RUNTIME_PATH_MAX, false, &a->rootfs);
	if (ret < 0)
		return ret;
	if (!runtime_relative_path_valid(a->rootfs))
		return runtime_fail(c,
				    "%s: \"%s\" is not a path inside the "
				    "share",
				    where, a->rootfs);

	ret = runtime_required(c, o, prefix, "exec", &m);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%sexec", prefix);
	ret = runtime_strv(c, m, where, RUNTIME_ARGV_MAX, RUNTIME_STRING_MAX,
			   true, &a->exec, &a->n_exec);
	if (ret < 0)
		return ret;
	if (a->n_exec == 0 || !a->exec[0][0])
		return runtime_fail(c, "%s: no program to run", where);

	ret = runtime_member(c, o, prefix, "env", &m);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%senv", prefix);
	if (ret > 0)
		ret = runtime_env(c, m, where, &a->env, &a->n_env);
	else
		ret = (a->env = calloc(1, sizeof(*a->env))) ? 0 : -ENOMEM;
	if (ret < 0)
		return ret;

	ret = runtime_required(c, o, prefix, "user", &m);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%suser", prefix);
	ret = runtime_string(c, m, where, RUNTIME_NAME_MAX, false, &a->user);
	if (ret < 0)
		return ret;
	if (!runtime_account_valid(a->user))
		return runtime_fail(c, "%s: \"%s\" holds ':' or a newline",
				    where, a->user);
	ret = runtime_required(c, o, prefix, "group", &m);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%sgroup", prefix);
	ret = runtime_string(c, m, where, RUNTIME_NAME_MAX, false, &a->group);
	if (ret < 0)
		return ret;
	if (!runtime_account_valid(a->group))
		return runtime_fail(c, "%s: \"%s\" holds ':' or a newline",
				    where, a->group);

	ret = runtime_member(c, o, prefix, "supplementary_gids", &m);
	if (ret > 0)
		ret = runtime_app_gids(c, m, prefix, a);
	else if (ret == 0)
		ret = (a->gids = calloc(1, sizeof(*a->gids))) ? 0 : -ENOMEM;
	if (ret < 0)
		return ret;

	ret = runtime_member(c, o, prefix, "working_dir", &m);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%sworking_dir", prefix);
	if (ret > 0)
		ret = runtime_string(c, m, where, RUNTIME_PATH_MAX, false,
				     &a->working_dir);
	else
		ret = (a->working_dir = strdup("/")) ? 0 : -ENOMEM;
	if (ret < 0)
		return ret;
	if (!runtime_absolute_path_valid(a->working_dir))
		return runtime_fail(c,
				    "%s: \"%s\" is not an absolute path "
				    "without . or ..",
				    where, a->working_dir);

	ret = runtime_opt_bool(c, o, prefix, "readonly_rootfs",
			       &a->readonly_rootfs);
	if (ret < 0)
		return ret;
	ret = runtime_opt_bool(c, o, prefix, "insecure_paths",
			       &a->insecure_paths);
	if (ret < 0)
		return ret;
	ret = runtime_opt_bool(c, o, prefix, "stdin", &a->stdin_stream);
	if (ret < 0)
		return ret;
	ret = runtime_opt_bool(c, o, prefix, "tty", &a->tty);
	if (ret < 0)
		return ret;

	/* Security settings have no silent defaults: they must be said. */
	ret = runtime_required(c, o, prefix, "capabilities", &m);
	if (ret < 0)
		return ret;
	ret = runtime_app_caps(c, m, prefix, &a->capabilities);
	if (ret < 0)
		return ret;
	ret = runtime_required(c, o, prefix, "seccomp", &m);
	if (ret < 0)
		return ret;
	runtime_where(where, sizeof(where), "%sseccomp", prefix);
	ret = runtime_seccomp(c, m, where, &a->seccomp);
	if (ret < 0)
		return ret;

	ret = runtime_member(c, o, prefix, "rlimits", &m);
	if (ret < 0)
		return ret;
	n = 0;
	runtime_where(where, sizeof(where), "%srlimits", prefix);
	if (ret > 0) {
		ret = runtime_array(c, m, where, RUNTIME_RLIMITS_MAX, &n);
		if (ret < 0)
			return ret;
	}
	a->rlimits = calloc(n ? n : 1, sizeof(*a->rlimits));
	if (!a->rlimits)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char item[112];

		runtime_where(item, sizeof(item), "%s[%zu]", where, i);
		ret = runtime_rlimit(c, json_object_array_get_idx(m, i), item,
				     &a->rlimits[i]);
		if (ret < 0)
			return ret;
		a->n_rlimits = i + 1;
	}

	ret = runtime_member(c, o, prefix, "mounts", &m);
	if (ret < 0)
		return ret;
	n = 0;
	runtime_where(where, sizeof(where), "%smounts", prefix);
	if (ret > 0) {
		ret = runtime_array(c, m, where, RUNTIME_MOUNTS_MAX, &n);
		if (ret < 0)
			return ret;
	}
	a->mounts = calloc(n ? n : 1, sizeof(*a->mounts));
	if (!a->mounts)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char item[112];

		runtime_where(item, sizeof(item), "%s[%zu]", where, i);
		a->n_mounts = i + 1;
		ret = runtime_mount(c, json_object_array_get_idx(m, i), item,
				    &a->mounts[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Every app mounting one empty volume must ask for the same tmpfs. */
static int runtime_check_volumes(struct runtime_ctx *c, struct runtime *rt)
{
	for (size_t i = 0; i < rt->n_apps; i++) {
		for (size_t j = 0; j < rt->apps[i].n_mounts; j++) {
			const struct runtime_mount *a = &rt->apps[i].mounts[j];

			if (a->kind != RUNTIME_MOUNT_EMPTY)
				continue;
			for (size_t k = 0; k <= i; k++) {
				for (size_t l = 0; l < rt->apps[k].n_mounts;
				     l++) {
					const struct runtime_mount *b =
						&rt->apps[k].mounts[l];

					if (b == a)
						break;
					if (b->kind != RUNTIME_MOUNT_EMPTY ||
					    strcmp(a->volume, b->volume))
						continue;
					if (a->mode != b->mode ||
					    a->uid != b->uid ||
					    a->gid != b->gid)
						return runtime_fail(
							c,
							"apps[%zu].mounts[%zu]"
							": volume \"%s\" has "
							"another mode, uid or "
							"gid elsewhere",
							i, j, a->volume);
				}
			}
		}
	}
	return 0;
}

static int runtime_parse_all(struct runtime_ctx *c, struct json_object *obj,
			     struct runtime *out)
{
	struct json_object *m;
	size_t n;
	int ret;

	if (!json_object_is_type(obj, json_type_object))
		return runtime_fail(c, "runtime: %s instead of an object",
				    runtime_type_name(obj));
	ret = runtime_required(c, obj, "", "hostname", &m);
	if (ret < 0)
		return ret;
	ret = runtime_string(c, m, "hostname", RUNTIME_HOSTNAME_MAX, false,
			     &out->hostname);
	if (ret < 0)
		return ret;
	if (!runtime_hostname_valid(out->hostname))
		return runtime_fail(c,
				    "hostname: \"%s\" has characters other "
				    "than letters, digits, '-' and '.'",
				    out->hostname);
	ret = runtime_required(c, obj, "", "share", &m);
	if (ret < 0)
		return ret;
	ret = runtime_string(c, m, "share", RUNTIME_TAG_MAX, false,
			     &out->share);
	if (ret < 0)
		return ret;
	if (!runtime_tag_valid(out->share))
		return runtime_fail(c, "share: \"%s\" is not a 9p mount tag",
				    out->share);
	ret = runtime_opt_bool(c, obj, "", "interactive", &out->interactive);
	if (ret < 0)
		return ret;
	ret = runtime_opt_bool(c, obj, "", "etc_written", &out->etc_written);
	if (ret < 0)
		return ret;
	ret = runtime_member(c, obj, "", "interfaces", &m);
	if (ret < 0)
		return ret;
	ret = runtime_net_parse(c, ret ? m : NULL, &out->interfaces);
	if (ret < 0)
		return ret;
	ret = runtime_required(c, obj, "", "apps", &m);
	if (ret < 0)
		return ret;
	ret = runtime_array(c, m, "apps", RUNTIME_APPS_MAX, &n);
	if (ret < 0)
		return ret;
	if (n == 0)
		return runtime_fail(c, "apps: no app to run");
	out->apps = calloc(n, sizeof(*out->apps));
	if (!out->apps)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		out->n_apps = i + 1;
		ret = runtime_app(c, json_object_array_get_idx(m, i), i,
				  &out->apps[i]);
		if (ret < 0)
			return ret;
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(out->apps[j].name, out->apps[i].name))
				return runtime_fail(
					c,
					"apps[%zu].name: \"%s\" also names "
					"apps[%zu]",
					i, out->apps[i].name, j);
		}
	}
	return runtime_check_volumes(c, out);
}

int runtime_parse(struct json_object *obj, struct runtime *out, char *err,
		  size_t err_size)
{
	struct runtime_ctx c = {.err = err, .err_size = err_size};
	int ret;

	memset(out, 0, sizeof(*out));
	if (err_size)
		err[0] = '\0';
	ret = runtime_parse_all(&c, obj, out);
	if (ret < 0) {
		if (ret == -ENOMEM)
			snprintf(err, err_size, "out of memory");
		runtime_free(out);
	}
	return ret;
}

void runtime_free(struct runtime *rt)
{
	for (size_t i = 0; i < rt->n_apps; i++)
		runtime_app_free(&rt->apps[i]);
	free(rt->apps);
	runtime_net_free(&rt->interfaces);
	free(rt->hostname);
	free(rt->share);
	memset(rt, 0, sizeof(*rt));
}

const struct runtime_app *runtime_find_app(const struct runtime *rt,
					   const char *name)
{
	for (size_t i = 0; i < rt->n_apps; i++) {
		if (!strcmp(rt->apps[i].name, name))
			return &rt->apps[i];
	}
	return NULL;
}
