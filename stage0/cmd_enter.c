// SPDX-License-Identifier: Apache-2.0
/*
 * cocoon enter: run a command inside a running pod's app (docs/protocol.md
 * "Enter connections"): through the VMM's vsock bridge to guest port 1026,
 * a hello, an enter request, then stream frames both ways until the guest
 * reports the command's exit.
 */
#include "common/cleanup.h"
#include "common/ctl.h"
#include "common/error.h"
#include "common/log.h"
#include "stage0/cli.h"
#include "stage0/command.h"
#include "stage0/pod.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define ENTER_CONFIG_MAX (256u << 10)
/* "OK <port>\n" from the VMM (docs/vsock.md) is short. */
#define ENTER_OK_LINE_MAX 64
/* The guest's answer to our request comes within this (boot is done). */
#define ENTER_REPLY_TIMEOUT_MS 30000

static struct termios enter_saved;
static bool enter_raw;

static void enter_restore_terminal(void)
{
	if (enter_raw) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &enter_saved);
		enter_raw = false;
	}
}

#define ENTER_USAGE_LINE                                                   \
	"Usage: cocoon enter [--app=NAME] [--env=K=V]... [--cwd=DIR]\n"    \
	"                    [--user=UID[:GID]] [--groups=GID[,GID...]]\n" \
	"                    UUID [CMD [ARGS...]]\n"

/* What the command line asks of the entered process. */
struct enter_opts {
	const char *app;
	const char **env; /* "K=V" strings, in order */
	size_t n_env;
	struct ctl_enter_user user;
};

static int enter_usage(const char *why)
{
	fprintf(stderr, "cocoon enter: %s\n" ENTER_USAGE_LINE, why);
	return CLI_EXIT_USAGE;
}

/*
 * 1 and *val when argv[*i] is option name as "NAME=VAL" or "NAME VAL"
 * (then *i moves past VAL), 0 when it is another argument, -1 when
 * the value is missing.
 */
static int enter_opt(int argc, char **argv, int *i, const char *name,
		     const char **val)
{
	size_t len = strlen(name);

	if (strncmp(argv[*i], name, len))
		return 0;
	if (argv[*i][len] == '=') {
		*val = argv[*i] + len + 1;
		return 1;
	}
	if (argv[*i][len])
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

/*
 * The options before the UUID. 0 and *uuid_at (argc when none), or a
 * CLI_EXIT_USAGE status after printing why.
 */
static int enter_parse_opts(int argc, char **argv, struct enter_opts *o,
			    int *uuid_at)
{
	const char *v;
	int i, r;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			continue;
		if ((r = enter_opt(argc, argv, &i, "--app", &v)) != 0) {
			if (r < 0)
				return enter_usage("--app needs a NAME");
			o->app = v;
		} else if ((r = enter_opt(argc, argv, &i, "--env", &v)) != 0) {
			if (r < 0 || !strchr(v, '=') || v[0] == '=')
				return enter_usage("--env needs NAME=VALUE");
			o->env[o->n_env++] = v;
		} else if ((r = enter_opt(argc, argv, &i, "--cwd", &v)) != 0) {
			if (r < 0 || v[0] != '/' ||
			    strlen(v) > CTL_ENTER_CWD_MAX)
				return enter_usage("--cwd needs an absolute "
						   "path");
			strcpy(o->user.cwd, v);
		} else if ((r = enter_opt(argc, argv, &i, "--user", &v)) != 0) {
			if (r < 0 || ctl_enter_id_parse(v, &o->user.uid,
							&o->user.gid) < 0)
				return enter_usage("--user needs UID[:GID] "
						   "(numbers)");
		} else if ((r = enter_opt(argc, argv, &i, "--groups", &v)) !=
			   0) {
			if (r < 0 || ctl_enter_gids_parse(v, &o->user) < 0)
				return enter_usage(
					"--groups needs GID[,GID...] "
					"(at most 64 numbers)");
		} else if (argv[i][0] == '-') {
			return enter_usage("unknown option");
		} else {
			break;
		}
	}
	*uuid_at = i;
	return 0;
}

/* The pod's app names, from stage0.json. */
static int enter_app_names(struct pod *p, char ***names, size_t *count,
			   struct error **err)
{
	cleanup_free char *text = NULL;
	struct json_object *cfg, *apps;
	size_t len, n;
	char **list;

	text = pod_read_file(p, "stage0.json", ENTER_CONFIG_MAX, &len, err);
	if (!text)
		return -1;
	cfg = json_tokener_parse(text);
	if (!cfg || !json_object_object_get_ex(cfg, "apps", &apps) ||
	    !json_object_is_type(apps, json_type_array)) {
		json_object_put(cfg);
		return error_set(err, EINVAL, "stage0.json lists no apps");
	}
	n = json_object_array_length(apps);
	list = calloc(n + 1, sizeof(*list));
	for (size_t i = 0; list && i < n; i++) {
		struct json_object *a = json_object_array_get_idx(apps, i), *v;

		if (json_object_object_get_ex(a, "name", &v) &&
		    json_object_is_type(v, json_type_string))
			list[i] = strdup(json_object_get_string(v));
		if (!list[i]) {
			for (size_t j = 0; j < i; j++)
				free(list[j]);
			free(list);
			list = NULL;
		}
	}
	json_object_put(cfg);
	if (!list)
		return error_set(err, EINVAL, "stage0.json: bad app list");
	*names = list;
	*count = n;
	return 0;
}

static void enter_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Connects to stage1/vsock and asks the VMM for the guest's enter port. */
static int enter_connect(struct pod *p, struct error **err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char line[ENTER_OK_LINE_MAX], req[32];
	cleanup_close int fd = -1;
	size_t len = 0;
	int n;

	snprintf(addr.sun_path, sizeof(addr.sun_path),
		 "/proc/self/fd/%d/stage1/vsock", p->dirfd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set_errno(err, "socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return error_set_errno(err, "connect to %s/stage1/vsock",
				       p->path);
	n = snprintf(req, sizeof(req), "CONNECT %d\n", CTL_PORT_ENTER);
	if (write(fd, req, (size_t)n) != n)
		return error_set_errno(err, "send CONNECT to the VMM");
	/* Byte by byte: what follows the newline is the stream. */
	while (len < sizeof(line) - 1) {
		ssize_t r = read(fd, line + len, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return error_set(err, ECONNREFUSED,
					 "the guest refused the enter "
					 "connection (is cocoon-init's enter "
					 "service up?)");
		if (line[len] == '\n')
			break;
		len++;
	}
	line[len] = '\0';
	if (strncmp(line, "OK ", 3))
		return error_set(err, EPROTO,
				 "unexpected answer from the VMM to CONNECT");
	return steal_fd(&fd);
}

/* Reads one JSON frame from the guest within the reply timeout. */
static int enter_read_json(int fd, struct json_object **obj, const char **type,
			   struct error **err)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	cleanup_free uint8_t *payload = NULL;
	uint8_t kind;
	size_t len;
	int r;

	r = poll(&pfd, 1, ENTER_REPLY_TIMEOUT_MS);
	if (r == 0)
		return error_set(err, ETIMEDOUT, "the guest did not answer");
	r = ctl_read_frame(fd, &kind, &payload, &len);
	if (r == 0)
		return error_set(err, ECONNRESET,
				 "the guest closed the enter connection");
	if (r < 0) {
		errno = -r;
		return error_set_errno(err, "read from the guest");
	}
	if (kind != CTL_KIND_JSON ||
	    ctl_parse_json(payload, len, obj, type) < 0)
		return error_set(err, EPROTO,
				 "the guest sent a malformed frame");
	return 0;
}

static int enter_get_int(struct json_object *o, const char *key, int min,
			 int max, int *out)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return -1;
	*out = (int)n;
	return 0;
}

/* The guest's hello and its answer to our enter request. */
static int enter_handshake(int fd, const struct enter_opts *o, char **argv,
			   int argc, bool tty, struct error **err)
{
	struct json_object *msg = ctl_msg_new("hello"), *arr, *env, *reply;
	struct winsize ws = {0};
	const char *type, *term = getenv("TERM");
	int r, v;

	if (!msg)
		return error_set(err, ENOMEM, "out of memory");
	json_object_object_add(msg, "version",
			       json_object_new_int(CTL_VERSION));
	r = ctl_write_json(fd, msg);
	json_object_put(msg);
	msg = ctl_msg_new("enter");
	arr = json_object_new_array();
	env = json_object_new_array();
	if (r < 0 || !msg || !arr || !env) {
		json_object_put(msg);
		json_object_put(arr);
		json_object_put(env);
		return error_set(err, r < 0 ? -r : ENOMEM,
				 "send the enter request");
	}
	for (int i = 0; i < argc; i++)
		json_object_array_add(arr, json_object_new_string(argv[i]));
	if (tty && term && *term) {
		struct json_object *kv = json_object_new_array();

		json_object_array_add(kv, json_object_new_string("TERM"));
		json_object_array_add(kv, json_object_new_string(term));
		json_object_array_add(env, kv);
	}
	/* After TERM: the caller's --env wins. */
	for (size_t i = 0; i < o->n_env; i++) {
		struct json_object *kv = json_object_new_array();
		const char *eq = strchr(o->env[i], '=');

		json_object_array_add(
			kv, json_object_new_string_len(o->env[i],
						       (int)(eq - o->env[i])));
		json_object_array_add(kv, json_object_new_string(eq + 1));
		json_object_array_add(env, kv);
	}
	if (tty)
		ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
	json_object_object_add(msg, "app", json_object_new_string(o->app));
	json_object_object_add(msg, "argv", arr);
	json_object_object_add(msg, "tty", json_object_new_boolean(tty));
	json_object_object_add(msg, "rows", json_object_new_int(ws.ws_row));
	json_object_object_add(msg, "cols", json_object_new_int(ws.ws_col));
	json_object_object_add(msg, "env", env);
	if (ctl_enter_user_encode(msg, &o->user) < 0) {
		json_object_put(msg);
		return error_set(err, ENOMEM, "out of memory");
	}
	r = ctl_write_json(fd, msg);
	json_object_put(msg);
	if (r < 0) {
		errno = -r;
		return error_set_errno(err, "send the enter request");
	}
	if (enter_read_json(fd, &reply, &type, err) < 0)
		return -1;
	r = strcmp(type, "hello") ||
	    enter_get_int(reply, "version", 0, INT32_MAX, &v) < 0;
	json_object_put(reply);
	if (r)
		return error_set(err, EPROTO, "the guest did not say hello");
	if (v != CTL_VERSION)
		return error_set(err, EPROTO,
				 "the guest speaks protocol version %d, we "
				 "speak %d",
				 v, CTL_VERSION);
	if (enter_read_json(fd, &reply, &type, err) < 0)
		return -1;
	if (!strcmp(type, "entered")) {
		json_object_put(reply);
		return 0;
	}
	if (!strcmp(type, "error")) {
		struct json_object *m;
		char escaped[512] = "(no message)";

		/* guest: the message is printed escaped, truncated */
		if (json_object_object_get_ex(reply, "message", &m) &&
		    json_object_is_type(m, json_type_string))
			log_escape(
				escaped, sizeof(escaped),
				json_object_get_string(m),
				(unsigned long)json_object_get_string_len(m));
		error_set(err, EINVAL, "the guest could not start it: %s",
			  escaped);
	} else {
		error_set(err, EPROTO, "unexpected answer from the guest");
	}
	json_object_put(reply);
	return -1;
}

static void enter_send_resize(int fd)
{
	struct json_object *msg;
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || !ws.ws_row)
		return;
	msg = ctl_msg_new("resize");
	if (!msg)
		return;
	json_object_object_add(msg, "rows", json_object_new_int(ws.ws_row));
	json_object_object_add(msg, "cols", json_object_new_int(ws.ws_col));
	ctl_write_json(fd, msg);
	json_object_put(msg);
}

static int enter_write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * One guest frame of the session: output, or the exit. 1 with *status
 * when the command ended, 0 to go on, -1 with *err.
 */
static int enter_frame(uint8_t kind, const uint8_t *payload, size_t len,
		       int *status, struct error **err)
{
	struct json_object *obj;
	const char *type;
	int st = -1, sig = 0, r = -1;

	if (kind == CTL_KIND_STDOUT || kind == CTL_KIND_STDERR) {
		/* A closed stdout of ours must not end the session. */
		enter_write_all(kind == CTL_KIND_STDOUT ? STDOUT_FILENO
							: STDERR_FILENO,
				payload, len);
		return 0;
	}
	if (kind != CTL_KIND_JSON || ctl_parse_json(payload, len, &obj, &type))
		return error_set(err, EPROTO,
				 "the guest sent a malformed frame");
	if (!strcmp(type, "exited") &&
	    enter_get_int(obj, "status", -1, 255, &st) == 0 &&
	    enter_get_int(obj, "signal", 0, 64, &sig) == 0 &&
	    (sig > 0 || st >= 0)) {
		*status = sig > 0 ? 128 + sig : st;
		r = 1;
	} else {
		error_set(err, EPROTO, "unexpected message from the guest");
	}
	json_object_put(obj);
	return r;
}

/* Copies stdin to the guest and its output to ours until it exits. */
static int enter_session(int fd, bool tty, struct error **err)
{
	struct ctl_reader rd;
	sigset_t winch;
	cleanup_close int sfd = -1;
	bool stdin_open = true;
	int status = -1;

	sigemptyset(&winch);
	sigaddset(&winch, SIGWINCH);
	if (tty) {
		sigprocmask(SIG_BLOCK, &winch, NULL);
		sfd = signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
	}
	ctl_reader_init(&rd);
	while (status < 0) {
		struct pollfd pfds[3] = {
			{.fd = fd, .events = POLLIN},
			{.fd = stdin_open ? STDIN_FILENO : -1,
			 .events = POLLIN},
			{.fd = sfd, .events = POLLIN},
		};
		uint8_t buf[65536];
		ssize_t n;

		if (poll(pfds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			error_set_errno(err, "poll");
			break;
		}
		if (pfds[2].revents) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si))
				;
			enter_send_resize(fd);
		}
		if (pfds[1].revents) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			/* An empty stdin frame closes the command's stdin. */
			if (n <= 0)
				stdin_open = false;
			if (ctl_write_frame(fd, CTL_KIND_STDIN, buf,
					    n > 0 ? (size_t)n : 0) < 0)
				stdin_open = false;
		}
		if (pfds[0].revents) {
			const uint8_t *payload;
			uint8_t kind;
			size_t len;
			int got, r = 0;

			n = read(fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				error_set(err, ECONNRESET,
					  "the enter session ended without an "
					  "exit status (did the pod stop?)");
				break;
			}
			if (ctl_reader_feed(&rd, buf, (size_t)n) < 0) {
				error_set(err, ENOMEM, "out of memory");
				break;
			}
			while (r == 0 &&
			       (got = ctl_reader_next(&rd, &kind, &payload,
						      &len)) != 0) {
				if (got < 0) {
					r = error_set(err, EPROTO,
						      "the guest sent a "
						      "malformed frame");
					break;
				}
				r = enter_frame(kind, payload, len, &status,
						err);
			}
			if (r < 0)
				break;
		}
	}
	ctl_reader_free(&rd);
	if (tty)
		sigprocmask(SIG_UNBLOCK, &winch, NULL);
	return status;
}

static int enter_run(int argc, char **argv, const struct global_options *g)
{
	cleanup_error struct error *err = NULL;
	cleanup_pod struct pod *p = NULL;
	cleanup_close int fd = -1;
	cleanup_free const char **env = NULL;
	const char *app, *uuid;
	struct enter_opts o = {0};
	char *default_cmd[] = {"/bin/sh", NULL};
	char **cmd, **names = NULL;
	size_t nnames = 0;
	bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	int i, ncmd, status;
	struct stat st;

	env = calloc((size_t)argc, sizeof(*env));
	if (!env)
		return 1;
	o.env = env;
	if (enter_parse_opts(argc, argv, &o, &i) != 0)
		return CLI_EXIT_USAGE;
	if (i >= argc)
		return enter_usage("no pod UUID given");
	uuid = argv[i++];
	app = o.app;
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	cmd = i < argc ? argv + i : default_cmd;
	ncmd = i < argc ? argc - i : 1;
	if (pod_open(g->dir, uuid, &p, &err) < 0)
		goto fail;
	if (p->state != POD_RUN || !pod_lock_held_elsewhere(p)) {
		error_set(&err, EINVAL, "pod %s is not running", p->uuid);
		goto fail;
	}
	if (enter_app_names(p, &names, &nnames, &err) < 0)
		goto fail;
	if (!app && nnames != 1) {
		error_set(&err, EINVAL,
			  "pod %s has %zu apps: say which with --app=NAME",
			  p->uuid, nnames);
		goto fail;
	}
	if (!app)
		app = o.app = names[0];
	for (i = 0; i < (int)nnames && strcmp(names[i], app); i++)
		;
	if (i == (int)nnames) {
		error_set(&err, ENOENT, "pod %s has no app named \"%s\"",
			  p->uuid, app);
		goto fail;
	}
	if (cmd == default_cmd) {
		char path[512];

		/* lstat: /bin/sh is often a symlink, absolute in the app. */
		snprintf(path, sizeof(path),
			 "stage1/shared/apps/%s/rootfs/bin/sh", app);
		if (fstatat(p->dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			error_set(&err, ENOENT,
				  "app %s has no /bin/sh; give a command to "
				  "run",
				  app);
			goto fail;
		}
	}
	fd = enter_connect(p, &err);
	if (fd < 0 || enter_handshake(fd, &o, cmd, ncmd, tty, &err) < 0) {
		error_wrap(&err, "pod %s, app %s", p->uuid, app);
		goto fail;
	}
	if (tty && tcgetattr(STDIN_FILENO, &enter_saved) == 0) {
		struct termios raw = enter_saved;

		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0) {
			enter_raw = true;
			atexit(enter_restore_terminal);
		}
	}
	status = enter_session(fd, tty, &err);
	enter_restore_terminal();
	if (status < 0) {
		error_wrap(&err, "pod %s, app %s", p->uuid, app);
		goto fail;
	}
	enter_names_free(names, nnames);
	return status;
fail:
	enter_names_free(names, nnames);
	error_wrap(&err, "enter");
	error_print(&err);
	return 1;
}

COCOON_COMMAND(enter, .name = "enter",
	       .summary = "run a command in a running pod",
	       .usage = ENTER_USAGE_LINE
	       "\n"
	       "Runs CMD (default /bin/sh, when the app has one) "
	       "inside the app's\n"
	       "mount namespace and root, with the app's "
	       "capabilities and\n"
	       "environment, as root in the app's working directory "
	       "unless told\n"
	       "otherwise. With a terminal on stdin and stdout "
	       "the command gets\n"
	       "a pty, else pipes.\n"
	       "\n"
	       "Options:\n"
	       "  --app=NAME      the app to enter; needed when the pod "
	       "has several\n"
	       "  --env=K=V       set K in the command's environment "
	       "(repeatable)\n"
	       "  --cwd=DIR       start in DIR (absolute; it must "
	       "exist)\n"
	       "  --user=UID[:GID]  run as UID and GID (numbers; GID "
	       "defaults to 0)\n"
	       "  --groups=GID[,GID...]  supplementary groups (default "
	       "none)\n"
	       "\n"
	       "Exit status: the command's (128+N if a signal N "
	       "ended it).\n",
	       .run = enter_run);
