// SPDX-License-Identifier: Apache-2.0
/*
 * cocoon-runtime exec (docs/oci.md, "exec"): runs a command in a running
 * container through `cocoon enter`'s machinery (stage0/cmd_enter.c, the
 * guest's port 1026): the command joins the app's mount namespace and
 * root, as root with the app's capabilities and environment. Its exit
 * status is exec's; with --detach a forked child runs the session and
 * its pid goes to --pid-file, as runc's exec does for engines.
 *
 * From --process (a process.json, config.md "process") only args are
 * used; env, cwd and user are not carried by the enter protocol yet and
 * are logged as ignored when they differ from the defaults.
 */
#include "stage0/oci_commands.h"
#include "stage0/oci_config.h"
#include "stage0/oci_log.h"
#include "stage0/oci_state.h"
#include "stage0/command.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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
};

static int exec_parse(int argc, char **argv, struct exec_args *a,
		      struct error **err)
{
	static const struct option opts[] = {
		{"process", required_argument, NULL, 'p'},
		{"pid-file", required_argument, NULL, 'P'},
		{"console-socket", required_argument, NULL, 'c'},
		{"detach", no_argument, NULL, 'd'},
		{"tty", no_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	int o;

	optind = 1;
	opterr = 0;
	/* '+': the command's own flags are not ours */
	while ((o = getopt_long(argc, argv, "+dt", opts, NULL)) != -1) {
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
		default:
			return error_set(err, EINVAL,
					 "exec: unknown or incomplete option "
					 "%s (--env, --cwd, --user are not "
					 "supported yet)",
					 argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return error_set(err, EINVAL,
				 "usage: exec [--process F] [--detach] "
				 "[--pid-file F] [--console-socket S] [--tty] "
				 "ID [CMD...]");
	a->id = argv[optind++];
	a->cmd = argv + optind;
	a->ncmd = argc - optind;
	return 0;
}

/* args from --process; terminal from it too. */
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
	if (json_object_object_get_ex(a->process_json, "cwd", &v) &&
	    strcmp(json_object_get_string(v), "/"))
		oci_log("warning",
			"exec %s: process.cwd is ignored (the "
			"command starts in the app's root)",
			a->id);
	if (json_object_object_get_ex(a->process_json, "user", &v) &&
	    json_object_get_int(json_object_object_get(v, "uid")) != 0)
		oci_log("warning",
			"exec %s: process.user is ignored (the "
			"command runs as root)",
			a->id);
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
	argv = calloc((size_t)a->ncmd + 5, sizeof(char *));
	if (!argv)
		return 1;
	argv[n++] = name;
	argv[n++] = app_opt;
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
	oci_container_free(&c);
	return r;
}
