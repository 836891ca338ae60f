// SPDX-License-Identifier: Apache-2.0
#include "guest/enter.h"
#include "guest/app.h"
#include "common/cleanup.h"
#include "common/ctl.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* How long a client may take to send hello and its request. */
#define ENTER_REQUEST_S 30

struct enter_request {
	char app[CTL_APP_NAME_MAX + 1];
	char **argv; /* NULL-terminated */
	char **env;  /* NULL-terminated: the app's, then the request's */
	bool tty;
	unsigned short rows, cols;
	struct ctl_enter_user user; /* uid, gid, groups, cwd */
};

static void enter_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static __attribute__((noreturn)) void enter_fail(int conn, const char *msg)
{
	struct json_object *m = ctl_msg_new("error");

	if (m) {
		json_object_object_add(m, "message",
				       json_object_new_string(msg));
		ctl_write_json(conn, m);
		json_object_put(m);
	}
	_exit(1);
}

/* One JSON frame; exits on EOF or a malformed frame. */
static struct json_object *enter_read_json(int conn, const char **type)
{
	cleanup_free uint8_t *payload = NULL;
	struct json_object *obj;
	uint8_t kind;
	size_t len;
	int ret = ctl_read_frame(conn, &kind, &payload, &len);

	if (ret <= 0)
		_exit(1);
	if (kind != CTL_KIND_JSON ||
	    ctl_parse_json(payload, len, &obj, type) < 0)
		enter_fail(conn, "malformed frame");
	return obj;
}

static bool enter_string_ok(struct json_object *o, size_t max)
{
	return json_object_is_type(o, json_type_string) &&
	       (size_t)json_object_get_string_len(o) <= max &&
	       strlen(json_object_get_string(o)) ==
		       (size_t)json_object_get_string_len(o);
}

/*
 * Validates the enter request against the app: argv, env ([k, v] pairs
 * appended to the app's environment, later keys replacing), tty, size,
 * uid, gid, additional_gids and cwd.
 */
static const char *enter_parse(struct json_object *req,
			       const struct enter_target *targets, size_t n,
			       struct enter_request *out,
			       const struct enter_target **target)
{
	struct json_object *m;
	const struct runtime_app *app = NULL;
	const char *problem;
	size_t argc, envc, app_envc = 0, used;

	if (!json_object_object_get_ex(req, "app", &m) ||
	    !enter_string_ok(m, CTL_APP_NAME_MAX))
		return "enter: \"app\" is not an app name";
	snprintf(out->app, sizeof(out->app), "%s", json_object_get_string(m));
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(targets[i].app->name, out->app)) {
			*target = &targets[i];
			app = targets[i].app;
		}
	}
	if (!app)
		return "enter: no such app in this pod";
	if (!json_object_object_get_ex(req, "argv", &m) ||
	    !json_object_is_type(m, json_type_array) ||
	    (argc = json_object_array_length(m)) == 0 ||
	    argc > RUNTIME_ARGV_MAX)
		return "enter: \"argv\" is not a non-empty array";
	out->argv = calloc(argc + 1, sizeof(char *));
	if (!out->argv)
		return "enter: out of memory";
	for (size_t i = 0; i < argc; i++) {
		struct json_object *s = json_object_array_get_idx(m, i);

		if (!enter_string_ok(s, RUNTIME_STRING_MAX) ||
		    !(out->argv[i] = strdup(json_object_get_string(s))))
			return "enter: \"argv\" holds a bad string";
	}
	if (!out->argv[0][0])
		return "enter: empty program name";
	if (ctl_enter_user_decode(req, &out->user, &problem) < 0)
		return problem;
	if (json_object_object_get_ex(req, "tty", &m)) {
		if (!json_object_is_type(m, json_type_boolean))
			return "enter: \"tty\" is not a boolean";
		out->tty = json_object_get_boolean(m);
	}
	if (json_object_object_get_ex(req, "rows", &m) &&
	    json_object_is_type(m, json_type_int) &&
	    json_object_get_int64(m) > 0 && json_object_get_int64(m) < 65536)
		out->rows = (unsigned short)json_object_get_int64(m);
	if (json_object_object_get_ex(req, "cols", &m) &&
	    json_object_is_type(m, json_type_int) &&
	    json_object_get_int64(m) > 0 && json_object_get_int64(m) < 65536)
		out->cols = (unsigned short)json_object_get_int64(m);
	envc = 0;
	if (json_object_object_get_ex(req, "env", &m)) {
		if (!json_object_is_type(m, json_type_array) ||
		    json_object_array_length(m) > RUNTIME_ENV_MAX)
			return "enter: \"env\" is not an array";
		envc = json_object_array_length(m);
	}
	while (app->env[app_envc])
		app_envc++;
	out->env = calloc(app_envc + envc + 1, sizeof(char *));
	if (!out->env)
		return "enter: out of memory";
	for (used = 0; used < app_envc; used++) {
		if (!(out->env[used] = strdup(app->env[used])))
			return "enter: out of memory";
	}
	for (size_t i = 0; i < envc; i++) {
		struct json_object *pair = json_object_array_get_idx(m, i);
		struct json_object *k, *v;
		char *entry;
		size_t j, klen;

		if (!json_object_is_type(pair, json_type_array) ||
		    json_object_array_length(pair) != 2)
			return "enter: \"env\" entry is not a [name, value] "
			       "pair";
		k = json_object_array_get_idx(pair, 0);
		v = json_object_array_get_idx(pair, 1);
		if (!enter_string_ok(k, RUNTIME_NAME_MAX) ||
		    !enter_string_ok(v, RUNTIME_STRING_MAX) ||
		    !json_object_get_string_len(k) ||
		    strchr(json_object_get_string(k), '='))
			return "enter: \"env\" holds a bad name or value";
		if (asprintf(&entry, "%s=%s", json_object_get_string(k),
			     json_object_get_string(v)) < 0)
			return "enter: out of memory";
		klen = strlen(json_object_get_string(k)) + 1;
		for (j = 0; j < used; j++) {
			if (!strncmp(out->env[j], entry, klen))
				break;
		}
		if (j < used)
			free(out->env[j]);
		else
			used++;
		out->env[j] = entry;
	}
	return NULL;
}

/* The entered process: the app's namespace, root, cgroup and limits. */
static void enter_child(const struct enter_target *t,
			const struct enter_request *req, int sync, int in,
			int out, int errfd)
{
	const struct runtime_app *app = t->app;
	const struct ctl_enter_user *u = &req->user;
	const char *cwd = u->cwd[0] ? u->cwd : app->working_dir;
	char path[64], program[4096], err[CTL_MESSAGE_MAX];
	gid_t gids[CTL_ENTER_GIDS_MAX];
	cleanup_close int mnt = -1;
	cleanup_close int root = -1;
	int ret;

	err[0] = '\0';
	setsid();
	app_join_cgroup(app->name);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)t->pid);
	mnt = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/root", (int)t->pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (mnt < 0 || root < 0) {
		snprintf(err, sizeof(err), "enter app %s: it is not running",
			 app->name);
		goto fail;
	}
	if (setns(mnt, CLONE_NEWNS) < 0 || fchdir(root) < 0 ||
	    chroot(".") < 0) {
		snprintf(err, sizeof(err), "enter the root of app %s: %s",
			 app->name, strerror(errno));
		goto fail;
	}
	if (req->tty) {
		struct winsize ws = {.ws_row = req->rows, .ws_col = req->cols};
		int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
		int unlock = 0, n = 0, slave;

		if (master < 0 || ioctl(master, TIOCSPTLCK, &unlock) < 0 ||
		    ioctl(master, TIOCGPTN, &n) < 0) {
			snprintf(err, sizeof(err), "open a pty in app %s: %s",
				 app->name, strerror(errno));
			goto fail;
		}
		snprintf(path, sizeof(path), "/dev/pts/%d", n);
		slave = open(path, O_RDWR | O_CLOEXEC);
		if (slave < 0 || ioctl(slave, TIOCSCTTY, 0) < 0) {
			snprintf(err, sizeof(err), "open %s in app %s: %s",
				 path, app->name, strerror(errno));
			goto fail;
		}
		if (req->rows && req->cols)
			ioctl(master, TIOCSWINSZ, &ws);
		if (app_sync_send_fds(sync, &master, 1) < 0) {
			snprintf(err, sizeof(err), "hand over the pty");
			goto fail;
		}
		close(master);
		in = out = errfd = slave;
	}
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0) {
		snprintf(err, sizeof(err), "set up stdio: %s", strerror(errno));
		goto fail;
	}
	ret = app_set_rlimits(app, err, sizeof(err));
	if (ret < 0)
		goto fail;
	for (size_t i = 0; i < u->n_gids; i++)
		gids[i] = (gid_t)u->gids[i];
	ret = app_become(app, (uid_t)u->uid, (gid_t)u->gid, gids, u->n_gids,
			 err, sizeof(err));
	if (ret < 0)
		goto fail;
	/* As the user, like runc: a cwd it cannot reach is an error. */
	if (chdir(cwd) < 0) {
		snprintf(err, sizeof(err), "chdir to cwd %.3000s: %s", cwd,
			 strerror(errno));
		goto fail;
	}
	ret = app_find_program(req->argv[0], req->env, program, sizeof(program),
			       err, sizeof(err));
	if (ret >= 0) {
		umask(022);
		ret = app_lock(app, err, sizeof(err));
	}
	if (ret >= 0) {
		execve(program, req->argv, req->env);
		snprintf(err, sizeof(err), "exec %.3000s: %s", program,
			 strerror(errno));
	}
fail:
	app_sync_error(sync, err);
	_exit(APP_SETUP_FAILED);
}

static int enter_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

struct enter_session {
	int conn;
	pid_t pid;
	int in;	     /* to the process's stdin (pipe or pty master) */
	int outs[2]; /* stdout, stderr (pipes); or the master and -1 */
	bool tty;
};

/* Host frames: stdin bytes, an empty frame for EOF, resize. */
static void enter_from_host(struct enter_session *s, struct ctl_reader *r)
{
	uint8_t buf[65536];
	const uint8_t *payload;
	uint8_t kind;
	size_t len;
	ssize_t n = read(s->conn, buf, sizeof(buf));
	int ret;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* The client went away: so does the session. */
		kill(s->pid, s->tty ? SIGHUP : SIGKILL);
		_exit(0);
	}
	if (ctl_reader_feed(r, buf, (size_t)n) < 0)
		_exit(1);
	while ((ret = ctl_reader_next(r, &kind, &payload, &len)) > 0) {
		if (kind == CTL_KIND_STDIN) {
			if (s->in < 0)
				continue;
			if (len == 0 && s->tty) {
				const char eof = 4; /* ^D: VEOF by default */

				enter_write_all(s->in, &eof, 1);
			} else if (len == 0) {
				close(s->in);
				s->in = -1;
			} else {
				enter_write_all(s->in, payload, len);
			}
		} else if (kind == CTL_KIND_JSON) {
			struct json_object *msg, *rows, *cols;
			const char *type;

			if (ctl_parse_json(payload, len, &msg, &type) < 0)
				_exit(1);
			if (!strcmp(type, "resize") && s->tty &&
			    json_object_object_get_ex(msg, "rows", &rows) &&
			    json_object_object_get_ex(msg, "cols", &cols)) {
				struct winsize ws = {
					.ws_row = (unsigned short)
						json_object_get_int(rows),
					.ws_col = (unsigned short)
						json_object_get_int(cols),
				};

				ioctl(s->in, TIOCSWINSZ, &ws);
			}
			json_object_put(msg);
		} else {
			_exit(1);
		}
	}
	if (ret < 0) {
		kill(s->pid, SIGKILL);
		_exit(1);
	}
}

/* Output -> frames. False once that output is done. */
static bool enter_to_host(struct enter_session *s, int fd, uint8_t kind)
{
	char buf[65536];
	ssize_t n;

	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return true;
	if (n <= 0)
		return false;
	if (ctl_write_frame(s->conn, kind, buf, (size_t)n) < 0)
		_exit(1);
	return true;
}

static __attribute__((noreturn)) void enter_relay(struct enter_session *s)
{
	struct ctl_reader reader;
	struct json_object *m;
	int status = 0;
	bool reaped = false;

	/* conn stays blocking: frames are written whole; read after poll. */
	ctl_reader_init(&reader);
	for (int i = 0; i < 2; i++)
		if (s->outs[i] >= 0)
			fcntl(s->outs[i], F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd fds[3] = {{.fd = s->conn, .events = POLLIN},
					{.fd = s->outs[0], .events = POLLIN},
					{.fd = s->outs[1], .events = POLLIN}};

		if (!reaped && waitpid(s->pid, &status, WNOHANG) == s->pid)
			reaped = true;
		/* A pty gives no EOF while orphans hold it: stop at exit. */
		if (reaped && s->tty && s->outs[0] >= 0) {
			while (enter_to_host(s, s->outs[0], CTL_KIND_STDOUT))
				if (poll(&fds[1], 1, 0) <= 0)
					break;
			close(s->outs[0]);
			s->outs[0] = -1;
		}
		if (reaped && s->outs[0] < 0 && s->outs[1] < 0)
			break;
		if (poll(fds, 3, reaped ? 100 : 50) < 0 && errno != EINTR)
			_exit(1);
		if (fds[0].revents)
			enter_from_host(s, &reader);
		for (int i = 0; i < 2; i++) {
			if (s->outs[i] < 0 || !fds[i + 1].revents)
				continue;
			if (!enter_to_host(s, s->outs[i],
					   i ? CTL_KIND_STDERR
					     : CTL_KIND_STDOUT)) {
				close(s->outs[i]);
				s->outs[i] = -1;
			}
		}
	}
	m = ctl_msg_new("exited");
	if (m) {
		json_object_object_add(
			m, "status",
			json_object_new_int(
				WIFEXITED(status) ? WEXITSTATUS(status) : -1));
		json_object_object_add(
			m, "signal",
			json_object_new_int(
				WIFSIGNALED(status) ? WTERMSIG(status) : 0));
		ctl_write_json(s->conn, m);
		json_object_put(m);
	}
	shutdown(s->conn, SHUT_WR);
	_exit(0);
}

void enter_serve(int conn, const struct enter_target *targets, size_t n_targets)
{
	struct timeval tv = {.tv_sec = ENTER_REQUEST_S};
	struct enter_request req = {0};
	const struct enter_target *target = NULL;
	struct enter_session s = {.conn = conn};
	struct json_object *obj, *m;
	struct app_sync_msg msg;
	int pipes[3][2], pair[2];
	const char *type, *problem;
	sigset_t none;
	int ret;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGCHLD, SIG_DFL);
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	obj = enter_read_json(conn, &type);
	if (strcmp(type, "hello") ||
	    !json_object_object_get_ex(obj, "version", &m) ||
	    json_object_get_int64(m) != CTL_VERSION)
		enter_fail(conn, "expected hello version 1");
	json_object_put(obj);
	obj = ctl_msg_new("hello");
	if (!obj)
		_exit(1);
	json_object_object_add(obj, "version",
			       json_object_new_int(CTL_VERSION));
	if (ctl_write_json(conn, obj) < 0)
		_exit(1);
	json_object_put(obj);
	obj = enter_read_json(conn, &type);
	if (strcmp(type, "enter"))
		enter_fail(conn, "expected an enter request");
	problem = enter_parse(obj, targets, n_targets, &req, &target);
	json_object_put(obj);
	if (problem)
		enter_fail(conn, problem);
	if (!target->running) {
		char text[CTL_APP_NAME_MAX + 64];

		snprintf(text, sizeof(text), "enter: app %s is not running",
			 req.app);
		enter_fail(conn, text);
	}
	tv.tv_sec = 0;
	setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		enter_fail(conn, "enter: socketpair failed");
	for (int i = 0; i < 3; i++) {
		if (!req.tty && pipe2(pipes[i], O_CLOEXEC) < 0)
			enter_fail(conn, "enter: pipe failed");
	}
	s.tty = req.tty;
	s.pid = fork();
	if (s.pid < 0)
		enter_fail(conn, "enter: fork failed");
	if (s.pid == 0) {
		close(pair[0]);
		close(conn);
		enter_child(target, &req, pair[1], req.tty ? -1 : pipes[0][0],
			    req.tty ? -1 : pipes[1][1],
			    req.tty ? -1 : pipes[2][1]);
	}
	close(pair[1]);
	if (!req.tty) {
		close(pipes[0][0]);
		close(pipes[1][1]);
		close(pipes[2][1]);
		s.in = pipes[0][1];
		s.outs[0] = pipes[1][0];
		s.outs[1] = pipes[2][0];
	} else {
		s.in = s.outs[0] = s.outs[1] = -1;
	}
	/* Blocking: the process tells us about setup, then execs or fails. */
	fcntl(pair[0], F_SETFL, 0);
	for (;;) {
		struct pollfd pfd = {.fd = pair[0], .events = POLLIN};

		poll(&pfd, 1, -1);
		ret = app_sync_read(pair[0], &msg);
		if (ret == -EAGAIN)
			continue;
		if (msg.tty_master >= 0) {
			s.in = s.outs[0] = msg.tty_master;
		}
		if (ret > 0 && msg.failed) {
			waitpid(s.pid, NULL, 0);
			enter_fail(conn, msg.error);
		}
		if (ret <= 0)
			break;
	}
	close(pair[0]);
	obj = ctl_msg_new("entered");
	if (!obj)
		_exit(1);
	json_object_object_add(obj, "pid", json_object_new_int(s.pid));
	if (ctl_write_json(conn, obj) < 0)
		_exit(1);
	json_object_put(obj);
	enter_strv_free(req.argv);
	enter_strv_free(req.env);
	enter_relay(&s);
}
