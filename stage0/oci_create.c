// SPDX-License-Identifier: Apache-2.0
/*
 * cocoon-runtime create (docs/oci.md, "create and start"): checks the
 * bundle, then forks the shim, the process whose pid --pid-file and
 * `state` report and whose exit status is the app's. The shim
 *
 *  1. makes the container's pod under <root>/cocoon (stage0/pod.h): its
 *     `pod`, runtime.json and stage0.json from config.json
 *     (stage0/oci_config.h), and the bundle's rootfs bind-mounted at
 *     stage1/shared/apps/app/rootfs, the pod's 9p share;
 *  2. tells create it is ready (or why it failed) over a pipe;
 *  3. waits on the FIFO <root>/<id>/start until `start` writes to it;
 *  4. becomes the pod's supervisor (stage0/supervisor.h): boots the VM,
 *     runs the app, relays its stdio, and exits with its status.
 *
 * The VM boots at `start`, not at `create`: the supervisor sends the pod
 * frame as soon as the guest connects, and holding it back needs a hook
 * in stage0/supervisor.c (docs/oci.md says which). create still does
 * everything that can fail on the host, so errors surface there.
 */
#include "stage0/oci_commands.h"
#include "stage0/oci_config.h"
#include "stage0/oci_log.h"
#include "stage0/oci_state.h"
#include "stage0/command.h"
#include "stage0/pod.h"
#include "stage0/pod_cleanup.h"
#include "stage0/supervisor.h"
#include "stage0/supervisor_config.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define CREATE_REPORT_MAX 4096

struct create_args {
	const char *bundle, *pid_file, *console_socket;
	const char *id;
	char *config; /* config.json's text */
	size_t config_len;
	int pty_slave; /* -1: no terminal */
};

static char *create_read_file(const char *path, size_t max, size_t *len,
			      struct error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	size_t n = 0;

	if (fd < 0)
		return error_set_errno(err, "open %s", path), NULL;
	buf = malloc(max + 1);
	if (!buf)
		return error_set(err, ENOMEM, "out of memory"), NULL;
	for (;;) {
		ssize_t r = read(fd, buf + n, max + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error_set_errno(err, "read %s", path), NULL;
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max)
			return error_set(err, EFBIG, "%s is over %zu bytes",
					 path, max),
			       NULL;
	}
	buf[n] = '\0';
	*len = n;
	return steal_pointer(&buf);
}

int oci_write_atomic(const char *path, const char *text, struct error **err)
{
	cleanup_free char *tmp = NULL;
	cleanup_close int fd = -1;
	size_t len = strlen(text);

	if (asprintf(&tmp, "%s.tmp-cocoon", path) < 0)
		return error_set(err, ENOMEM, "out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		return error_set_errno(err, "write %s", tmp);
	if (rename(tmp, path) < 0)
		return error_set_errno(err, "rename %s to %s", tmp, path);
	return 0;
}

/*
 * process.terminal: a new pty whose master goes to the engine over the
 * console socket (SCM_RIGHTS, as runc does); the slave becomes the shim's
 * stdio, so the supervisor relays it as an interactive pod's terminal.
 */
int oci_console_send(const char *socket_path, int *slave, struct error **err)
{
	cleanup_close int master = -1, sock = -1;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char byte = '\0', name[64];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl = {0};
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;

	if (!socket_path)
		return error_set(err, EINVAL,
				 "process.terminal is set: --console-socket "
				 "is required");
	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return error_set(err, ENAMETOOLONG,
				 "console socket path %s is too long",
				 socket_path);
	strcpy(sa.sun_path, socket_path);
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, name, sizeof(name)) != 0)
		return error_set_errno(err, "allocate a pty");
	*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0)
		return error_set_errno(err, "open %s", name);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return error_set_errno(err, "connect to console socket %s",
				       socket_path);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		return error_set_errno(err, "send the pty to %s", socket_path);
	return 0;
}

static int create_mkdirs(struct pod *p, struct error **err)
{
	static const char *const dirs[] = {
		"stage1",
		"stage1/shared",
		"stage1/shared/apps",
		"stage1/shared/apps/" OCI_APP_NAME,
		"stage1/shared/apps/" OCI_APP_NAME "/rootfs",
	};

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdirat(p->dirfd, dirs[i], 0755) < 0 && errno != EEXIST)
			return error_set_errno(err, "create %s/%s", p->path,
					       dirs[i]);
	return 0;
}

static int create_write_json(struct pod *p, const char *name,
			     struct json_object *j, struct error **err)
{
	const char *s =
		json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);

	return pod_write_file(p, name, s, strlen(s), err);
}

/* Step 1 of the shim: the pod, ready for pod_supervise(). */
static int shim_make_pod(const struct create_args *a, const char *cocoon_dir,
			 struct pod **out, struct error **err)
{
	cleanup_free char *target = NULL;
	struct oci_plan plan;
	struct pod *p = NULL;
	char created[SUPERVISOR_TIME_MAX];
	int r = -1;

	if (pod_create(cocoon_dir, &p, err) < 0)
		return -1;
	if (oci_plan_build(a->config, a->config_len, a->bundle, p->uuid, &plan,
			   err) < 0) {
		pod_free(p);
		return -1;
	}
	supervisor_now(created);
	json_object_object_add(plan.stage0, "created",
			       json_object_new_string(created));
	if (pod_move(p, POD_PREPARE, err) < 0 ||
	    create_write_json(p, "pod", plan.manifest, err) < 0 ||
	    create_write_json(p, "runtime.json", plan.runtime, err) < 0 ||
	    create_write_json(p, "stage0.json", plan.stage0, err) < 0 ||
	    create_mkdirs(p, err) < 0)
		goto out;
	if (asprintf(&target, "%s/stage1/shared/apps/%s/rootfs", p->path,
		     OCI_APP_NAME) < 0) {
		error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	/*
	 * Not read-only on the host even with root.readonly: the supervisor
	 * writes /etc/hostname and /etc/hosts into it; the guest mounts it
	 * read-only for the app (runtime.json readonly_rootfs).
	 */
	if (mount(plan.root_path, target, NULL, MS_BIND | MS_REC, NULL) < 0) {
		error_set_errno(err, "bind %s on %s", plan.root_path, target);
		goto out;
	}
	if (pod_move(p, POD_PREPARED, err) < 0)
		goto out;
	r = 0;
out:
	oci_plan_free(&plan);
	if (r < 0) {
		cleanup_error struct error *e2 = NULL;

		pod_cleanup_mounts(p->path, NULL);
		if (pod_move(p, POD_GARBAGE, &e2) == 0)
			pod_destroy(p, NULL);
		pod_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

/*
 * Engines give a container without -i /dev/null as stdin (conmon,
 * containerd's shim with --null-io). epoll refuses it (EPERM), which the
 * stdio relay reports as a warning on the container's stderr before it
 * treats stdin as ended. A pipe with no writer reads as /dev/null does,
 * at once EOF, and epoll takes it: swap it in for any stdin epoll
 * refuses, except regular files and directories, which the relay reads
 * itself.
 */
static void shim_fix_stdin(void)
{
	cleanup_close int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN};
	struct stat st;
	int p[2];

	if (ep < 0 || fstat(STDIN_FILENO, &st) < 0 || S_ISREG(st.st_mode) ||
	    S_ISDIR(st.st_mode))
		return;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, STDIN_FILENO, &ev) == 0 ||
	    errno != EPERM)
		return;
	if (pipe2(p, O_CLOEXEC) < 0)
		return;
	close(p[1]);
	if (dup2(p[0], STDIN_FILENO) < 0) {
		close(p[0]);
		return;
	}
	close(p[0]);
}

/* Steps 3 and 4: wait for `start`, then run the pod. Never returns. */
static void shim_run(const struct oci_global *g, struct pod *p,
		     const char *cocoon_dir, const char *dir)
{
	struct global_options cg = {
		.dir = cocoon_dir,
		.config_dir = "/etc/cocoon",
		.vendor_dir = "/usr/lib/cocoon",
		.debug = g->debug,
	};
	cleanup_error struct error *err = NULL;
	cleanup_free char *fifo = NULL, *killed = NULL;
	char byte = 0;
	int fd, status;

	if (asprintf(&fifo, "%s/start", dir) < 0 ||
	    asprintf(&killed, "%s/killed", dir) < 0)
		_exit(1);
	do
		fd = open(fifo, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0 || read(fd, &byte, 1) != 1 || byte != 's') {
		/* no start will come: undo the pod, as delete would */
		pod_cleanup_mounts(p->path, NULL);
		_exit(1);
	}
	close(fd);
	shim_fix_stdin();
	status = pod_supervise(&cg, p, &err);
	if (status < 0) {
		oci_log_error(&err);
		status = 1;
	}
	/* `kill ID KILL` killed the VMM: report what a killed app gives */
	if (status == 1 && access(killed, F_OK) == 0)
		status = 128 + 9;
	pod_free(p);
	exit(status);
}

static void shim_main(const struct oci_global *g, const struct create_args *a,
		      const char *dir, int report)
{
	cleanup_free char *cocoon_dir = oci_cocoon_dir(g->root);
	cleanup_error struct error *err = NULL;
	struct pod *p = NULL;
	char msg[CREATE_REPORT_MAX];
	int len;

	if (a->pty_slave >= 0) {
		/* the pty is the container's controlling terminal */
		if (setsid() < 0 || ioctl(a->pty_slave, TIOCSCTTY, 0) < 0 ||
		    dup2(a->pty_slave, 0) < 0 || dup2(a->pty_slave, 1) < 0 ||
		    dup2(a->pty_slave, 2) < 0) {
			len = snprintf(msg, sizeof(msg),
				       "make the pty the shim's terminal: %s",
				       strerror(errno));
			if (write(report, msg, (size_t)len) < 0)
				_exit(1);
			_exit(1);
		}
	}
	if (!cocoon_dir || shim_make_pod(a, cocoon_dir, &p, &err) < 0) {
		len = snprintf(msg, sizeof(msg), "%s",
			       err ? err->message : "out of memory");
		if (write(report, msg, (size_t)len) < 0)
			_exit(1);
		_exit(1);
	}
	len = snprintf(msg, sizeof(msg), "OK %s", p->uuid);
	if (write(report, msg, (size_t)len) < 0)
		_exit(1);
	close(report);
	/* from here on our stderr is the container's */
	oci_log_quiet_stderr();
	shim_run(g, p, cocoon_dir, dir);
}

static int create_parse(int argc, char **argv, struct create_args *a,
			struct error **err)
{
	static const struct option opts[] = {
		{"bundle", required_argument, NULL, 'b'},
		{"pid-file", required_argument, NULL, 'p'},
		{"console-socket", required_argument, NULL, 'c'},
		{"no-pivot", no_argument, NULL, 'n'},
		{"no-new-keyring", no_argument, NULL, 'k'},
		{"preserve-fds", required_argument, NULL, 'f'},
		{NULL, 0, NULL, 0},
	};
	int o;

	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "b:", opts, NULL)) != -1) {
		switch (o) {
		case 'b':
			a->bundle = optarg;
			break;
		case 'p':
			a->pid_file = optarg;
			break;
		case 'c':
			a->console_socket = optarg;
			break;
		case 'n': /* no pivot_root in the guest anyway (docs/oci.md) */
		case 'k': /* no session keyring to leave: the guest has its own */
			break;
		case 'f':
			if (strcmp(optarg, "0"))
				return error_set(err, ENOTSUP,
						 "--preserve-fds: passing "
						 "extra fds into a VM is not "
						 "supported");
			break;
		default:
			return error_set(err, EINVAL,
					 "create: unknown or incomplete option "
					 "%s",
					 argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return error_set(err, EINVAL,
				 "usage: create [--bundle DIR] [--pid-file F] "
				 "[--console-socket S] ID");
	a->id = argv[optind];
	return 0;
}

/* Waits for the shim's report: 0 with its pod's uuid, or -1 with *err. */
static int create_wait_report(int fd, pid_t shim, char uuid[POD_UUID_LEN + 1],
			      struct error **err)
{
	char msg[CREATE_REPORT_MAX];
	size_t n = 0;
	ssize_t r;

	while (n < sizeof(msg) - 1 &&
	       ((r = read(fd, msg + n, sizeof(msg) - 1 - n)) > 0 ||
		(r < 0 && errno == EINTR)))
		if (r > 0)
			n += (size_t)r;
	msg[n] = '\0';
	if (!strncmp(msg, "OK ", 3) && pod_uuid_valid(msg + 3)) {
		memcpy(uuid, msg + 3, POD_UUID_LEN + 1);
		return 0;
	}
	while (waitpid(shim, NULL, 0) < 0 && errno == EINTR)
		;
	return error_set(err, EIO, "%s", n ? msg : "the shim died");
}

static int create_run(const struct oci_global *g, struct create_args *a,
		      struct error **err)
{
	struct oci_container c = {0};
	cleanup_free char *cfgpath = NULL, *fifo = NULL, *bundle = NULL;
	struct oci_plan check;
	bool terminal;
	char pidbuf[32];
	int report[2];
	pid_t pid;
	int r = -1;

	bundle = realpath(a->bundle ? a->bundle : ".", NULL);
	if (!bundle)
		return error_set_errno(err, "bundle %s",
				       a->bundle ? a->bundle : ".");
	a->bundle = bundle;
	if (asprintf(&cfgpath, "%s/config.json", bundle) < 0)
		return error_set(err, ENOMEM, "out of memory");
	a->config =
		create_read_file(cfgpath, OCI_CONFIG_MAX, &a->config_len, err);
	if (!a->config)
		return -1;
	/* Checked here so that a bad config.json fails before any fork. */
	if (oci_plan_build(a->config, a->config_len, bundle,
			   "00000000-0000-4000-8000-000000000000", &check,
			   err) < 0)
		return error_wrap(err, "bundle %s", bundle);
	for (char *w = check.warnings, *nl; w && *w; w = nl + 1) {
		nl = strchr(w, '\n');
		*nl = '\0';
		oci_log("warning", "container %s: %s", a->id, w);
	}
	terminal = check.terminal;
	oci_plan_free(&check);

	if (mkdir(g->root, 0700) < 0 && errno != EEXIST)
		return error_set_errno(err, "create --root %s", g->root);
	c.root = (char *)g->root;
	c.id = (char *)a->id;
	c.bundle = bundle;
	if (asprintf(&c.dir, "%s/%s", g->root, a->id) < 0 ||
	    asprintf(&fifo, "%s/start", c.dir) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (mkdir(c.dir, 0700) < 0) {
		r = errno == EEXIST
			    ? error_set(err, EEXIST,
					"container %s already exists", a->id)
			    : error_set_errno(err, "create %s", c.dir);
		free(c.dir);
		return r;
	}
	c.annotations = oci_config_annotations(a->config, a->config_len);
	if (!c.annotations)
		c.annotations = json_object_new_object();
	if (mkfifo(fifo, 0600) < 0) {
		error_set_errno(err, "create %s", fifo);
		goto fail;
	}
	a->pty_slave = -1;
	if (terminal &&
	    oci_console_send(a->console_socket, &a->pty_slave, err) < 0)
		goto fail;
	if (pipe2(report, O_CLOEXEC) < 0) {
		error_set_errno(err, "pipe");
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		error_set_errno(err, "fork the shim");
		close(report[0]);
		close(report[1]);
		goto fail;
	}
	if (pid == 0) {
		close(report[0]);
		shim_main(g, a, c.dir, report[1]);
		_exit(1);
	}
	close(report[1]);
	if (a->pty_slave >= 0)
		close(a->pty_slave);
	r = create_wait_report(report[0], pid, c.uuid, err);
	close(report[0]);
	if (r < 0)
		goto fail;
	c.pid = pid;
	c.pid_start = oci_proc_start_time(pid);
	{
		char created[SUPERVISOR_TIME_MAX];

		supervisor_now(created);
		c.created = created;
		r = oci_container_save(&c, err);
		c.created = NULL;
	}
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	if (r == 0 && a->pid_file)
		r = oci_write_atomic(a->pid_file, pidbuf, err);
	if (r == 0) {
		/* runtime.md "Lifecycle": after the environment is made */
		struct json_object *st = oci_state_json(&c);

		r = oci_hooks_run(bundle, "prestart", st, err);
		if (r == 0)
			r = oci_hooks_run(bundle, "createRuntime", st, err);
		json_object_put(st);
	}
	if (r < 0) {
		cleanup_error struct error *e2 = NULL;

		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		if (oci_pod_remove(g->root, c.uuid, 5000, &e2) < 0)
			oci_log_error(&e2);
		goto fail;
	}
	json_object_put(c.annotations);
	free(c.dir);
	return 0;
fail:
	/* the shim (if any) undid its pod; what is left is ours */
	unlink(fifo);
	{
		cleanup_free char *oj = NULL;

		if (asprintf(&oj, "%s/oci.json", c.dir) >= 0)
			unlink(oj);
	}
	rmdir(c.dir);
	json_object_put(c.annotations);
	free(c.dir);
	return -1;
}

int oci_cmd_create(int argc, char **argv, const struct oci_global *g)
{
	cleanup_error struct error *err = NULL;
	struct create_args a = {.pty_slave = -1};

	if (create_parse(argc, argv, &a, &err) < 0 ||
	    create_run(g, &a, &err) < 0) {
		free(a.config);
		error_wrap(&err, "create %s", a.id ? a.id : "");
		oci_log_error(&err);
		return 1;
	}
	free(a.config);
	return 0;
}
