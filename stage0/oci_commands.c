// SPDX-License-Identifier: Apache-2.0
/*
 * cocoon-runtime start, state, kill, delete, ps, list, features
 * (docs/oci.md; OCI runtime spec runtime.md "Operations"). create is in
 * oci_create.c, exec in oci_exec.c, hooks in oci_hooks.c.
 */
#include "stage0/oci_commands.h"
#include "stage0/oci_config.h"
#include "stage0/oci_log.h"
#include "stage0/oci_state.h"
#include "stage0/supervisor.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long delete waits for a killed shim to tear its pod down. */
#define OCI_DELETE_WAIT_MS 15000

static const struct {
	const char *name;
	int sig;
} oci_signals[] = {
	{"HUP", SIGHUP},     {"INT", SIGINT},	{"QUIT", SIGQUIT},
	{"KILL", SIGKILL},   {"USR1", SIGUSR1}, {"USR2", SIGUSR2},
	{"TERM", SIGTERM},   {"STOP", SIGSTOP}, {"CONT", SIGCONT},
	{"WINCH", SIGWINCH},
};

int oci_signal_parse(const char *s)
{
	char *end;
	long n;

	if (!s || !*s)
		return 0;
	n = strtol(s, &end, 10);
	if (!*end)
		return n >= 1 && n <= 64 ? (int)n : 0;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(oci_signals); i++)
		if (!strcasecmp(s, oci_signals[i].name))
			return oci_signals[i].sig;
	return 0;
}

/* Options of a command that takes only flags without values, then ID. */
static int oci_parse_simple(int argc, char **argv, const struct option *opts,
			    int *flags, int nargs_min, int nargs_max,
			    struct error **err)
{
	int o;

	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "af", opts, NULL)) != -1) {
		if (o == '?' || o == ':')
			return error_set(err, EINVAL,
					 "%s: unknown or incomplete option %s",
					 argv[0], argv[optind - 1]);
		*flags |= o == 'a' ? 1 : o == 'f' ? 2 : 0;
	}
	if (argc - optind < nargs_min || argc - optind > nargs_max)
		return error_set(err, EINVAL,
				 "%s: wrong number of arguments (see "
				 "cocoon-runtime --help)",
				 argv[0]);
	return optind;
}

static int oci_fail(struct error **err, const char *cmd, const char *id)
{
	error_wrap(err, "%s %s", cmd, id ? id : "");
	oci_log_error(err);
	return 1;
}

int oci_cmd_start(int argc, char **argv, const struct oci_global *g)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	cleanup_error struct error *err = NULL;
	cleanup_free char *fifo = NULL;
	struct oci_container c;
	int flags = 0, first, fd, r = 1;
	enum oci_status st;

	first = oci_parse_simple(argc, argv, opts, &flags, 1, 1, &err);
	if (first < 0)
		return oci_fail(&err, "start", NULL);
	if (oci_container_load(g->root, argv[first], &c, &err) < 0)
		goto out;
	st = oci_container_status(&c);
	if (st != OCI_CREATED) {
		/* runtime.md: start on a container not created is an error */
		error_set(&err, EINVAL, "the container is %s, not created",
			  oci_status_name(st));
		goto out;
	}
	if (asprintf(&fifo, "%s/start", c.dir) < 0) {
		error_set(&err, ENOMEM, "out of memory");
		goto out;
	}
	/* The shim holds the FIFO open for reading while it waits. */
	fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		error_set_errno(&err, "the shim is not waiting on %s", fifo);
		goto out;
	}
	if (oci_marker_create(&c, "started", &err) < 0 ||
	    write(fd, "s", 1) != 1) {
		if (!err)
			error_set_errno(&err, "wake the shim");
		close(fd);
		goto out;
	}
	close(fd);
	r = 0;
	/* runtime.md: poststart hooks fail with a warning, not start */
	{
		struct json_object *j = oci_state_json(&c);

		if (oci_hooks_run(c.bundle, "poststart", j, &err) < 0) {
			error_wrap(&err, "start %s: warning", argv[first]);
			oci_log_error(&err);
		}
		json_object_put(j);
	}
out:
	if (r)
		oci_fail(&err, "start", argv[first]);
	oci_container_free(&c);
	return r;
}

int oci_cmd_state(int argc, char **argv, const struct oci_global *g)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	cleanup_error struct error *err = NULL;
	struct oci_container c;
	struct json_object *j;
	int flags = 0, first;

	first = oci_parse_simple(argc, argv, opts, &flags, 1, 1, &err);
	if (first < 0)
		return oci_fail(&err, "state", NULL);
	if (oci_container_load(g->root, argv[first], &c, &err) < 0) {
		oci_container_free(&c);
		return oci_fail(&err, "state", argv[first]);
	}
	j = oci_state_json(&c);
	printf("%s\n", json_object_to_json_string_ext(
			       j, JSON_C_TO_STRING_PRETTY |
					  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
	oci_container_free(&c);
	return 0;
}

/* The VMM's pid from the pod's `pid` file, checked to be this pod's. */
static int oci_vmm_pid(const struct oci_container *c)
{
	char path[8192], buf[64], cmdline[8192];
	cleanup_close int fd = -1;
	ssize_t n;
	int pid;

	snprintf(path, sizeof(path), "%s/cocoon/pods/run/%s/pid", c->root,
		 c->uuid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return 0;
	buf[n] = '\0';
	pid = atoi(buf);
	close(fd);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pid <= 0 || fd < 0 ||
	    (n = read(fd, cmdline, sizeof(cmdline) - 1)) <= 0)
		return 0;
	for (ssize_t i = 0; i < n; i++)
		if (!cmdline[i])
			cmdline[i] = ' ';
	cmdline[n] = '\0';
	/* a recycled pid would not name this pod's directory */
	return strstr(cmdline, c->uuid) ? pid : 0;
}

/*
 * Signals the container (docs/oci.md, "kill"): before start, the shim
 * itself; after, TERM/INT/HUP/QUIT become the pod's stop (SIGTERM to the
 * app in the guest, SIGKILL after the stop timeout) and KILL kills the
 * VMM. Any other signal goes to the app in the guest: the shim is the
 * pod's supervisor, and supervisor_signal() asks it to send a `signal`
 * frame (docs/protocol.md).
 */
static int oci_signal(struct oci_container *c, int sig, struct error **err)
{
	enum oci_status st = oci_container_status(c);
	int vmm;

	if (st != OCI_CREATED && st != OCI_RUNNING)
		return error_set(err, ESRCH, "the container is %s",
				 oci_status_name(st));
	if (st == OCI_CREATED || sig == 0) {
		if (kill(c->pid, sig) < 0)
			return error_set_errno(err, "signal the shim %d",
					       c->pid);
		return 0;
	}
	switch (sig) {
	case SIGTERM:
	case SIGINT:
	case SIGHUP:
	case SIGQUIT:
		if (kill(c->pid, SIGTERM) < 0)
			return error_set_errno(err, "signal the shim %d",
					       c->pid);
		return 0;
	case SIGKILL:
		if (oci_marker_create(c, "killed", err) < 0)
			return -1;
		vmm = oci_vmm_pid(c);
		/* no VMM yet (still booting): the shim goes, and its VMM */
		if (kill(vmm > 0 ? vmm : c->pid, SIGKILL) < 0)
			return error_set_errno(err, "kill %d",
					       vmm > 0 ? vmm : c->pid);
		return 0;
	default:
		if ((vmm = supervisor_signal(c->pid, sig)) < 0)
			return error_set(err, -vmm,
					 "forward signal %d (%s) to the shim "
					 "%d: %s",
					 sig, strsignal(sig), c->pid,
					 strerror(-vmm));
		return 0;
	}
}

int oci_cmd_kill(int argc, char **argv, const struct oci_global *g)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{NULL, 0, NULL, 0},
	};
	cleanup_error struct error *err = NULL;
	struct oci_container c;
	int flags = 0, first, sig = SIGTERM, r = 1;

	first = oci_parse_simple(argc, argv, opts, &flags, 1, 2, &err);
	if (first < 0)
		return oci_fail(&err, "kill", NULL);
	if (argc - first == 2 && !(sig = oci_signal_parse(argv[first + 1]))) {
		error_set(&err, EINVAL, "unknown signal \"%s\"",
			  argv[first + 1]);
		return oci_fail(&err, "kill", argv[first]);
	}
	/* --all: the app is the container's only process we can reach */
	if (oci_container_load(g->root, argv[first], &c, &err) == 0 &&
	    oci_signal(&c, sig, &err) == 0)
		r = 0;
	oci_container_free(&c);
	if (r)
		oci_fail(&err, "kill", argv[first]);
	return r;
}

static void oci_unlink_in(const char *dir, const char *name)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

int oci_cmd_delete(int argc, char **argv, const struct oci_global *g)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	static const char *const files[] = {
		"oci.json", "start", "started", "killed", ".oci.json.tmp",
	};
	cleanup_error struct error *err = NULL;
	struct oci_container c;
	int flags = 0, first, r = 1;
	enum oci_status st;

	first = oci_parse_simple(argc, argv, opts, &flags, 1, 1, &err);
	if (first < 0)
		return oci_fail(&err, "delete", NULL);
	if (oci_container_load(g->root, argv[first], &c, &err) < 0) {
		oci_container_free(&c);
		/* runc: --force on a container that is gone succeeds */
		if ((flags & 2) && err->code == ENOENT)
			return 0;
		return oci_fail(&err, "delete", argv[first]);
	}
	st = oci_container_status(&c);
	if ((st == OCI_RUNNING || st == OCI_CREATING) && !(flags & 2)) {
		error_set(&err, EBUSY,
			  "the container is %s: stop it first or use --force",
			  oci_status_name(st));
		goto out;
	}
	if (st == OCI_CREATED) {
		kill(c.pid, SIGKILL);
	} else if (st == OCI_RUNNING) {
		int vmm = oci_vmm_pid(&c);

		kill(vmm > 0 ? vmm : c.pid, SIGKILL);
	}
	if (c.uuid[0] &&
	    oci_pod_remove(g->root, c.uuid, OCI_DELETE_WAIT_MS, &err) < 0)
		goto out;
	/* poststop: after the container is gone; failures only warn */
	{
		struct json_object *j = oci_state_json(&c);

		if (oci_hooks_run(c.bundle, "poststop", j, &err) < 0) {
			error_wrap(&err, "delete %s: warning", argv[first]);
			oci_log_error(&err);
		}
		json_object_put(j);
	}
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		oci_unlink_in(c.dir, files[i]);
	if (rmdir(c.dir) < 0 && errno != ENOENT) {
		error_set_errno(&err, "remove %s", c.dir);
		goto out;
	}
	r = 0;
out:
	if (r)
		oci_fail(&err, "delete", argv[first]);
	oci_container_free(&c);
	return r;
}

/*
 * The container's processes as host pids: only the shim. The app's pid
 * inside the VM means nothing on the host (docs/oci.md).
 */
int oci_cmd_ps(int argc, char **argv, const struct oci_global *g)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'F'},
		{NULL, 0, NULL, 0},
	};
	cleanup_error struct error *err = NULL;
	struct oci_container c;
	bool json = false;
	int o;

	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "f:", opts, NULL)) != -1) {
		if ((o == 'F' || o == 'f') && !strcmp(optarg, "json"))
			json = true;
		else if ((o == 'F' || o == 'f') && !strcmp(optarg, "table"))
			json = false;
		else {
			error_set(&err, EINVAL,
				  "ps: unknown option or format %s",
				  argv[optind - 1]);
			return oci_fail(&err, "ps", NULL);
		}
	}
	if (optind != argc - 1) {
		error_set(&err, EINVAL, "usage: ps [--format table|json] ID");
		return oci_fail(&err, "ps", NULL);
	}
	if (oci_container_load(g->root, argv[optind], &c, &err) < 0) {
		oci_container_free(&c);
		return oci_fail(&err, "ps", argv[optind]);
	}
	if (oci_shim_alive(&c))
		printf(json ? "[%d]\n" : "PID\n%d\n", c.pid);
	else
		printf(json ? "[]\n" : "PID\n");
	oci_container_free(&c);
	return 0;
}

int oci_cmd_list(int argc, char **argv, const struct oci_global *g)
{
	DIR *d;
	struct dirent *e;

	(void)argc;
	(void)argv;
	d = opendir(g->root);
	printf("%-24s %-8s %-10s %s\n", "ID", "PID", "STATUS", "BUNDLE");
	while (d && (e = readdir(d))) {
		struct oci_container c;
		cleanup_error struct error *err = NULL;

		if (e->d_name[0] == '.' || !oci_id_valid(e->d_name) ||
		    oci_container_load(g->root, e->d_name, &c, &err) < 0) {
			if (!err)
				continue;
			oci_container_free(&c);
			continue;
		}
		printf("%-24s %-8d %-10s %s\n", c.id, c.pid,
		       oci_status_name(oci_container_status(&c)),
		       c.bundle ? c.bundle : "");
		oci_container_free(&c);
	}
	if (d)
		closedir(d);
	return 0;
}

/* runc's `features` (OCI runtime spec features.md). */
int oci_cmd_features(int argc, char **argv, const struct oci_global *g)
{
	static const char *const mount_options[] = {
		"bind", "rbind", "ro", "rw", "mode",
	};
	struct json_object *j = json_object_new_object();
	struct json_object *linux_ = json_object_new_object();
	struct json_object *ns = json_object_new_array();
	struct json_object *mo = json_object_new_array();
	struct json_object *ann = json_object_new_object();

	(void)argc;
	(void)argv;
	(void)g;
	json_object_object_add(j, "ociVersionMin",
			       json_object_new_string("1.0.0"));
	json_object_object_add(j, "ociVersionMax",
			       json_object_new_string(OCI_VERSION));
	json_object_object_add(j, "hooks", json_object_new_array());
	for (size_t i = 0; i < ARRAY_SIZE(mount_options); i++)
		json_object_array_add(mo,
				      json_object_new_string(mount_options[i]));
	json_object_object_add(j, "mountOptions", mo);
	/* every namespace is moot: the container is a VM of its own */
	json_object_object_add(linux_, "namespaces", ns);
	json_object_object_add(j, "linux", linux_);
	json_object_object_add(ann, "io.cocoon.runtime.vm",
			       json_object_new_string("kvm"));
	json_object_object_add(j, "annotations", ann);
	printf("%s\n", json_object_to_json_string_ext(
			       j, JSON_C_TO_STRING_PRETTY |
					  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
	return 0;
}
