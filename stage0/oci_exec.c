// SPDX-License-Identifier: Apache-2.0
/*
 * cocoon-runtime exec (docs/oci.md, "exec"): runs a command in a running
 * container through `cocoon enter`'s machinery (stage0/cmd_enter.c, the
 * guest's port 1026): the command joins the app's mount namespace and
 * root with the app's capabilities and environment. Its exit
 * status is exec's; with --detach a forked child runs the session and
 * its pid goes to --pid-file, as runc's exec does for engines.
 *
 * From --process (a process.json, config.md "process") come args, env,
 * cwd, user (uid, gid, additionalGids) and terminal; runc's --env, --cwd,
 * --user and --additional-gids flags set them too (process.json's cwd and
 * user replace the flags', its env comes after theirs). They reach
 * the guest as `cocoon enter`'s --env, --cwd, --user and --groups.
 */
#include "stage0/oci_commands.h"
#include "stage0/oci_config.h"
#include "stage0/oci_log.h"
#include "stage0/oci_state.h"
#include "stage0/command.h"
#include "common/cleanup.h"
#include "common/ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define EXEC_ARGS_MAX 4096
/* How long exec waits for a started container's guest to run its app. */
#define EXEC_READY_WAIT_MS 120000

struct exec_args {
	const char *process, *pid_file, *console_socket;
	bool detach, tty;
	const char *id;
	char **cmd; /* NULL-terminated */
	int ncmd;
	struct json_object *process_json;
	/* "--env=K=V", then --cwd, --user, --groups as cocoon enter takes
	 * them: malloc'd, in order. */
	char **enter_opts;
	int n_enter_opts;
	const char *cwd; /* NULL: the app's working directory */
	char *user;	 /* "UID:GID", or NULL for root */
	char *groups;	 /* "GID,GID...", or NULL for none */
};

static int exec_add_opt(struct exec_args *a, struct error **err,
			const char *fmt, const char *val)
{
	char **grown, *opt;

	if (asprintf(&opt, fmt, val) < 0)
		return error_set(err, ENOMEM, "out of memory");
	grown = realloc(a->enter_opts,
			((size_t)a->n_enter_opts + 1) * sizeof(char *));
	if (!grown) {
		free(opt);
		return error_set(err, ENOMEM, "out of memory");
	}
	a->enter_opts = grown;
	a->enter_opts[a->n_enter_opts++] = opt;
	return 0;
}

static int exec_add_env(struct exec_args *a, const char *kv, const char *from,
			struct error **err)
{
	if (!kv || kv[0] == '=' || !strchr(kv, '='))
		return error_set(err, EINVAL, "%s: env entry \"%s\" is not K=V",
				 from, kv ? kv : "(not a string)");
	return exec_add_opt(a, err, "--env=%s", kv);
}

static int exec_set_string(char **dst, const char *val, struct error **err)
{
	char *copy = strdup(val);

	if (!copy)
		return error_set(err, ENOMEM, "out of memory");
	free(*dst);
	*dst = copy;
	return 0;
}

static int exec_parse(int argc, char **argv, struct exec_args *a,
		      struct error **err)
{
	static const struct option opts[] = {
		{"process", required_argument, NULL, 'p'},
		{"pid-file", required_argument, NULL, 'P'},
		{"console-socket", required_argument, NULL, 'c'},
		{"detach", no_argument, NULL, 'd'},
		{"tty", no_argument, NULL, 't'},
		{"env", required_argument, NULL, 'e'},
		{"cwd", required_argument, NULL, 'w'},
		{"user", required_argument, NULL, 'u'},
		{"additional-gids", required_argument, NULL, 'g'},
		{NULL, 0, NULL, 0},
	};
	uint32_t uid, gid;
	int o;

	optind = 1;
	opterr = 0;
	/* '+': the command's own flags are not ours */
	while ((o = getopt_long(argc, argv, "+dte:u:g:", opts, NULL)) != -1) {
		switch (o) {
		case 'p':
			a->process = optarg;
			break;
		case 'P':
			a->pid_file = optarg;
			break;
		case 'c':
			a->console_socket = optarg;
			break;
		case 'd':
			a->detach = true;
			break;
		case 't':
			a->tty = true;
			break;
		case 'e':
			if (exec_add_env(a, optarg, "--env", err) < 0)
				return -1;
			break;
		case 'w':
			if (optarg[0] != '/' ||
			    strlen(optarg) > CTL_ENTER_CWD_MAX)
				return error_set(err, EINVAL,
						 "--cwd %s: not an absolute "
						 "path",
						 optarg);
			a->cwd = optarg;
			break;
		case 'u':
			/* runc's UID[:GID], numbers only */
			if (ctl_enter_id_parse(optarg, &uid, &gid) < 0)
				return error_set(err, EINVAL,
						 "--user %s: not UID[:GID]",
						 optarg);
			if (exec_set_string(&a->user, optarg, err) < 0)
				return -1;
			break;
		case 'g': {
			/* repeatable: one list for --groups */
			struct ctl_enter_user check = {0};
			char *all = NULL;

			if (asprintf(&all, "%s%s%s", a->groups ? a->groups : "",
				     a->groups ? "," : "", optarg) < 0)
				return error_set(err, ENOMEM, "out of memory");
			free(a->groups);
			a->groups = all;
			if (ctl_enter_gids_parse(all, &check) < 0)
				return error_set(err, EINVAL,
						 "--additional-gids %s: not a "
						 "gid (at most 64)",
						 optarg);
			break;
		}
		default:
			return error_set(err, EINVAL,
					 "exec: unknown or incomplete option "
					 "%s",
					 argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return error_set(
			err, EINVAL,
			"usage: exec [--process F] [--detach] "
			"[--pid-file F] [--console-socket S] [--tty] "
			"[--env K=V]... [--cwd DIR] [--user UID[:GID]] "
			"[--additional-gids GID]... ID [CMD...]");
	a->id = argv[optind++];
	a->cmd = argv + optind;
	a->ncmd = argc - optind;
	return 0;
}

/* An id member of process.user: 0 and *out (untouched when absent), or -1. */
static int exec_user_id(struct json_object *user, const char *key,
			uint32_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(user, key, &v))
		return 0;
	return ctl_enter_id_json(v, out) < 0 ? -1 : 0;
}

/* process.user: uid, gid, additionalGids (config.md "POSIX process"). */
static int exec_read_user(struct exec_args *a, struct json_object *user,
			  struct error **err)
{
	struct json_object *gids;
	uint32_t uid = 0, gid = 0;
	char buf[24];
	size_t n;

	if (!json_object_is_type(user, json_type_object) ||
	    exec_user_id(user, "uid", &uid) < 0 ||
	    exec_user_id(user, "gid", &gid) < 0)
		return error_set(err, EINVAL,
				 "--process %s: bad process.user uid or gid",
				 a->process);
	snprintf(buf, sizeof(buf), "%" PRIu32 ":%" PRIu32, uid, gid);
	if (exec_set_string(&a->user, buf, err) < 0)
		return -1;
	if (!json_object_object_get_ex(user, "additionalGids", &gids) ||
	    json_object_is_type(gids, json_type_null))
		return 0;
	if (!json_object_is_type(gids, json_type_array) ||
	    (n = json_object_array_length(gids)) > CTL_ENTER_GIDS_MAX)
		return error_set(err, EINVAL,
				 "--process %s: process.user.additionalGids "
				 "is not an array of at most %d gids",
				 a->process, CTL_ENTER_GIDS_MAX);
	free(a->groups);
	a->groups = calloc(n ? n : 1, 11);
	if (!a->groups)
		return error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct json_object *g = json_object_array_get_idx(gids, i);
		uint32_t id;

		if (ctl_enter_id_json(g, &id) < 0)
			return error_set(err, EINVAL,
					 "--process %s: bad gid in "
					 "process.user.additionalGids",
					 a->process);
		sprintf(a->groups + strlen(a->groups), "%s%" PRIu32,
			i ? "," : "", id);
	}
	return 0;
}

/* args, env, cwd, user and terminal from --process. */
static int exec_read_process(struct exec_args *a, struct error **err)
{
	struct json_object *args, *v;
	size_t n;

	a->process_json = json_object_from_file(a->process);
	if (!a->process_json ||
	    !json_object_is_type(a->process_json, json_type_object))
		return error_set(err, EINVAL, "--process %s: not a JSON object",
				 a->process);
	if (!json_object_object_get_ex(a->process_json, "args", &args) ||
	    !json_object_is_type(args, json_type_array) ||
	    (n = json_object_array_length(args)) == 0 || n > EXEC_ARGS_MAX)
		return error_set(err, EINVAL, "--process %s: no args",
				 a->process);
	a->cmd = calloc(n + 1, sizeof(char *));
	if (!a->cmd)
		return error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		a->cmd[i] = (char *)json_object_get_string(
			json_object_array_get_idx(args, i));
	a->ncmd = (int)n;
	if (json_object_object_get_ex(a->process_json, "terminal", &v) &&
	    json_object_get_boolean(v))
		a->tty = true;
	if (json_object_object_get_ex(a->process_json, "env", &v) &&
	    !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_array))
			return error_set(err, EINVAL,
					 "--process %s: env is not an array",
					 a->process);
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			struct json_object *e = json_object_array_get_idx(v, i);

			if (exec_add_env(
				    a,
				    json_object_is_type(e, json_type_string)
					    ? json_object_get_string(e)
					    : NULL,
				    "--process", err) < 0)
				return -1;
		}
	}
	/* config.md: cwd is absolute; "" or null (as runc lets pass) is
	 * the app's working directory. */
	if (json_object_object_get_ex(a->process_json, "cwd", &v) &&
	    !json_object_is_type(v, json_type_null) &&
	    !(json_object_is_type(v, json_type_string) &&
	      json_object_get_string_len(v) == 0)) {
		const char *cwd = json_object_get_string(v);

		if (!json_object_is_type(v, json_type_string) ||
		    cwd[0] != '/' || strlen(cwd) > CTL_ENTER_CWD_MAX)
			return error_set(err, EINVAL,
					 "--process %s: cwd is not an absolute "
					 "path",
					 a->process);
		a->cwd = cwd;
	}
	if (json_object_object_get_ex(a->process_json, "user", &v) &&
	    exec_read_user(a, v, err) < 0)
		return -1;
	return 0;
}

/*
 * An engine runs exec as soon as `start` returned (`podman run -d` then
 * `podman exec`, `ctr run -d` then `ctr task exec`), but the VM boots at
 * start: wait until the pod's supervisor says the app runs (state.json
 * "ready"), or the container ended.
 */
static int exec_wait_ready(const struct oci_container *c, struct error **err)
{
	cleanup_free char *path = NULL;
	struct timespec t = {0, 50 * 1000 * 1000};

	if (asprintf(&path, "%s/cocoon/pods/run/%s/state.json", c->root,
		     c->uuid) < 0)
		return error_set(err, ENOMEM, "out of memory");
	for (int waited = 0; waited < EXEC_READY_WAIT_MS; waited += 50) {
		struct json_object *j = json_object_from_file(path), *ready;
		bool ok = j && json_object_object_get_ex(j, "ready", &ready) &&
			  json_object_get_boolean(ready);

		json_object_put(j);
		if (ok)
			return 0;
		if (oci_container_status(c) != OCI_RUNNING)
			return error_set(err, ESRCH,
					 "the container ended before its app "
					 "was ready");
		nanosleep(&t, NULL);
	}
	return error_set(err, ETIMEDOUT,
			 "the container's app was not ready after %d s",
			 EXEC_READY_WAIT_MS / 1000);
}

/* The session itself: `cocoon enter --app=app UUID -- CMD...`. */
static int exec_session(const struct oci_global *g, const char *uuid,
			const struct exec_args *a)
{
	const struct command *enter = command_find("enter");
	cleanup_free char *dir = oci_cocoon_dir(g->root);
	cleanup_free char **argv = NULL;
	struct global_options cg = {
		.dir = dir,
		.config_dir = "/etc/cocoon",
		.vendor_dir = "/usr/lib/cocoon",
		.debug = g->debug,
	};
	char app_opt[] = "--app=" OCI_APP_NAME, dashes[] = "--",
	     name[] = "enter";
	int n = 0;

	if (!enter || !dir)
		return 1;
	argv = calloc((size_t)a->ncmd + (size_t)a->n_enter_opts + 5,
		      sizeof(char *));
	if (!argv)
		return 1;
	argv[n++] = name;
	argv[n++] = app_opt;
	for (int i = 0; i < a->n_enter_opts; i++)
		argv[n++] = a->enter_opts[i];
	argv[n++] = (char *)uuid;
	argv[n++] = dashes;
	for (int i = 0; i < a->ncmd; i++)
		argv[n++] = a->cmd[i];
	return enter->run(n, argv, &cg);
}

int oci_cmd_exec(int argc, char **argv, const struct oci_global *g)
{
	cleanup_error struct error *err = NULL;
	struct exec_args a = {0};
	struct oci_container c = {0};
	int slave = -1, r = 1;
	pid_t pid;

	if (exec_parse(argc, argv, &a, &err) < 0 ||
	    (a.process && exec_read_process(&a, &err) < 0))
		goto out;
	if (a.ncmd == 0) {
		error_set(&err, EINVAL, "exec: no command");
		goto out;
	}
	/* After every --env: flags of cocoon enter, last wins there too. */
	if ((a.cwd && exec_add_opt(&a, &err, "--cwd=%s", a.cwd) < 0) ||
	    (a.user && exec_add_opt(&a, &err, "--user=%s", a.user) < 0) ||
	    (a.groups && exec_add_opt(&a, &err, "--groups=%s", a.groups) < 0))
		goto out;
	if (oci_container_load(g->root, a.id, &c, &err) < 0)
		goto out;
	if (oci_container_status(&c) != OCI_RUNNING) {
		error_set(&err, EINVAL, "the container is %s, not running",
			  oci_status_name(oci_container_status(&c)));
		goto out;
	}
	if (exec_wait_ready(&c, &err) < 0)
		goto out;
	if (a.tty && a.console_socket &&
	    oci_console_send(a.console_socket, &slave, &err) < 0)
		goto out;
	if (!a.detach) {
		if (slave >= 0 && (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 ||
				   dup2(slave, 2) < 0)) {
			error_set_errno(&err, "use the pty");
			goto out;
		}
		r = exec_session(g, c.uuid, &a);
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		error_set_errno(&err, "fork");
		goto out;
	}
	if (pid == 0) {
		if (slave >= 0 &&
		    (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0 ||
		     dup2(slave, 0) < 0 || dup2(slave, 1) < 0 ||
		     dup2(slave, 2) < 0))
			_exit(1);
		oci_log_quiet_stderr();
		_exit(exec_session(g, c.uuid, &a));
	}
	r = 0;
	if (a.pid_file) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d", (int)pid);
		if (oci_write_atomic(a.pid_file, buf, &err) < 0)
			r = 1;
	}
out:
	if (err) {
		error_wrap(&err, "exec %s", a.id ? a.id : "");
		oci_log_error(&err);
		r = 1;
	}
	if (slave >= 0)
		close(slave);
	if (a.process_json) {
		free(a.cmd);
		json_object_put(a.process_json);
	}
	for (int i = 0; i < a.n_enter_opts; i++)
		free(a.enter_opts[i]);
	free(a.enter_opts);
	free(a.user);
	free(a.groups);
	oci_container_free(&c);
	return r;
}
