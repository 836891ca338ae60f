// SPDX-License-Identifier: Apache-2.0
#include "guest/pod.h"
#include "guest/podsys.h"
#include "guest/app.h"
#include "guest/approot.h"
#include "guest/enter.h"
#include "guest/exec.h"
#include "guest/metadata.h"
#include "guest/metadata_server.h"
#include "guest/notify.h"
#include "guest/runtime.h"
#include "guest/system.h"
#include "guest/vsock.h"
#include "common/cleanup.h"
#include "common/ctl.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* How long the guest waits for the host: connect, hello, pod frame. */
#define POD_CONNECT_MS	10000
#define POD_HANDSHAKE_S 60
/* After pod-exited, how long to wait for the host to close. */
#define POD_GOODBYE_MS	2000
#define POD_STOP_MAX_MS (24 * 3600 * 1000)
struct pod_app {
	const struct runtime_app *rt;
	pid_t pid;   /* 0: not spawned */
	int sync_fd; /* -1 once the app exec'd or failed */
	bool started, failed, exited;
	int tty_master, tty_stream; /* the relay, -1 when closed */
	bool tty_stream_eof;
};

struct pod {
	int control;
	struct ctl_reader reader;
	int sigfd;
	int enter_fd;
	int timer_fd;
	struct runtime rt;
	struct pod_app *apps;
	bool ready_sent;
	struct metadata_pod metadata_pod; /* until the server takes it */
	struct metadata_server *metadata; /* NULL: not serving */
	struct notify_server *notify;	  /* NULL: no app uses sd_notify */
};

static __attribute__((noreturn)) void pod_die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* A failure that ends the pod: say it on the console, power off. */
static void pod_die(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s; powering off", msg);
	system_end_vm();
	for (;;)
		pause();
}

static void pod_send(struct pod *p, struct json_object *msg)
{
	int ret;

	if (!msg)
		pod_die("build a control message: out of memory");
	ret = ctl_write_json(p->control, msg);
	json_object_put(msg);
	if (ret < 0)
		pod_die("write to the host's control connection: %s",
			strerror(-ret));
}

static void pod_send_error(struct pod *p, const char *app, const char *text)
{
	struct json_object *msg = ctl_msg_new("error");

	if (msg && app)
		json_object_object_add(msg, "app", json_object_new_string(app));
	if (msg)
		json_object_object_add(msg, "message",
				       json_object_new_string(text));
	log_error("%s%s%s", app ? app : "", app ? ": " : "", text);
	pod_send(p, msg);
}

/*
 * What the metadata service serves, from the pod frame, and every app's
 * AC_METADATA_URL. Without the data the service still answers (404s);
 * only running out of memory ends the pod.
 */
static void pod_metadata_load(struct pod *p, struct json_object *frame,
			      struct json_object *runtime)
{
	struct json_object *manifest = NULL;
	char err[512];

	json_object_object_get_ex(frame, "manifest", &manifest);
	if (metadata_pod_load(manifest, runtime, &p->metadata_pod, err,
			      sizeof(err)) < 0)
		log_error("%s", err);
	if (metadata_env_add(&p->rt) < 0)
		pod_die("set AC_METADATA_URL: out of memory");
}

/* hello both ways, then the pod frame; fills p->rt. */
static void pod_handshake(struct pod *p)
{
	struct timeval tv = {.tv_sec = POD_HANDSHAKE_S};
	struct json_object *msg, *obj = NULL, *m;
	cleanup_free uint8_t *payload = NULL;
	const char *type;
	char err[512];
	uint8_t kind;
	size_t len;
	int ret;

	msg = ctl_msg_new("hello");
	if (msg)
		json_object_object_add(msg, "version",
				       json_object_new_int(CTL_VERSION));
	pod_send(p, msg);
	setsockopt(p->control, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (int frame = 0; frame < 2; frame++) {
		free(payload);
		payload = NULL;
		ret = ctl_read_frame(p->control, &kind, &payload, &len);
		if (ret == 0)
			pod_die("the host closed the control connection "
				"before the pod frame");
		if (ret < 0)
			pod_die("read the host's %s frame: %s",
				frame ? "pod" : "hello", strerror(-ret));
		if (kind != CTL_KIND_JSON ||
		    ctl_parse_json(payload, len, &obj, &type) < 0)
			pod_die("malformed %s frame from the host",
				frame ? "pod" : "hello");
		if (frame == 0) {
			if (strcmp(type, "hello") ||
			    !json_object_object_get_ex(obj, "version", &m) ||
			    !json_object_is_type(m, json_type_int) ||
			    json_object_get_int64(m) != CTL_VERSION)
				pod_die("the host's first frame is not hello "
					"version %d",
					CTL_VERSION);
			json_object_put(obj);
			continue;
		}
		if (strcmp(type, "pod"))
			pod_die("expected the pod frame, got \"%.64s\"", type);
		if (!json_object_object_get_ex(obj, "runtime", &m) || !m) {
			pod_send_error(p, NULL, "pod frame without runtime");
			pod_die("pod frame without runtime");
		}
		ret = runtime_parse(m, &p->rt, err, sizeof(err));
		if (ret >= 0)
			pod_metadata_load(p, obj, m);
		json_object_put(obj);
		if (ret < 0) {
			char text[600];

			snprintf(text, sizeof(text), "bad runtime object: %s",
				 err);
			pod_send_error(p, NULL, text);
			pod_die("%s", text);
		}
	}
	tv.tv_sec = 0;
	setsockopt(p->control, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Ends whatever is left in the app's cgroup (cgroup.kill, Linux 5.14). */
static void pod_app_kill_all(struct pod_app *a)
{
	podsys_app_kill(a->rt->name);
	if (a->pid > 0 && !a->exited)
		kill(a->pid, SIGKILL);
}

static void pod_close_tty(struct pod_app *a)
{
	if (a->tty_master >= 0)
		close(a->tty_master);
	if (a->tty_stream >= 0)
		close(a->tty_stream);
	a->tty_master = a->tty_stream = -1;
}

/* Writes everything, waiting for room when fd is non-blocking. */
static int pod_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			struct pollfd pfd = {.fd = fd, .events = POLLOUT};

			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && poll(&pfd, 1, -1) >= 0)
				continue;
			return -errno;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* pty -> host. Returns false once the pty is done (app side closed). */
static bool pod_tty_out(struct pod_app *a, bool drain)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(a->tty_master, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0)
			return false; /* EIO: every slave fd is closed */
		if (pod_write_all(a->tty_stream, buf, (size_t)n) < 0)
			return false;
		if (!drain)
			return true;
	}
}

static void pod_tty_in(struct pod_app *a)
{
	char buf[65536];
	ssize_t n = read(a->tty_stream, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		a->tty_stream_eof = true;
		return;
	}
	pod_write_all(a->tty_master, buf, (size_t)n);
}

/* Reads what the app's setup process said; sends app-started/error. */
static void pod_app_sync(struct pod *p, struct pod_app *a)
{
	struct app_sync_msg msg;
	int ret;

	while (a->sync_fd >= 0) {
		ret = app_sync_read(a->sync_fd, &msg);
		if (ret == -EAGAIN)
			return;
		if (msg.tty_master >= 0) {
			pod_close_tty(a);
			a->tty_master = msg.tty_master;
			a->tty_stream = msg.tty_stream;
			fcntl(a->tty_master, F_SETFL, O_NONBLOCK);
		}
		if (ret > 0 && msg.failed) {
			char text[CTL_MESSAGE_MAX + 1];

			a->failed = true;
			snprintf(text, sizeof(text), "start app: %.4000s",
				 msg.error);
			pod_send_error(p, a->rt->name, text);
			continue;
		}
		if (ret > 0)
			continue;
		/* EOF: the exec closed the child's end, or it died. */
		close(a->sync_fd);
		a->sync_fd = -1;
		if (ret < 0 && !a->failed) {
			a->failed = true;
			pod_send_error(p, a->rt->name,
				       "start app: lost its setup process");
		}
		if (!a->failed) {
			struct json_object *m = ctl_msg_new("app-started");

			a->started = true;
			log_debug("app %s started, pid %d", a->rt->name,
				  (int)a->pid);
			if (m) {
				json_object_object_add(
					m, "app",
					json_object_new_string(a->rt->name));
				json_object_object_add(
					m, "pid", json_object_new_int(a->pid));
			}
			pod_send(p, m);
		} else {
			pod_close_tty(a);
		}
	}
}

static void pod_app_exited(struct pod *p, struct pod_app *a, int status)
{
	struct json_object *m = ctl_msg_new("app-exited");
	int code = -1, sig = 0;
	bool oom;

	pod_app_sync(p, a); /* a setup error may still be queued */
	if (a->sync_fd >= 0) {
		close(a->sync_fd);
		a->sync_fd = -1;
	}
	a->exited = true;
	oom = podsys_app_oom(a->rt->name);
	/* Leftover processes of the app end with it. */
	pod_app_kill_all(a);
	if (a->tty_master >= 0)
		pod_tty_out(a, true);
	pod_close_tty(a);
	if (a->failed) {
		code = APP_SETUP_FAILED;
	} else if (WIFEXITED(status)) {
		code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		sig = WTERMSIG(status);
	}
	log_debug("app %s ended: status %d signal %d oom %d", a->rt->name, code,
		  sig, oom);
	if (m) {
		json_object_object_add(m, "app",
				       json_object_new_string(a->rt->name));
		json_object_object_add(m, "status", json_object_new_int(code));
		json_object_object_add(m, "signal", json_object_new_int(sig));
		json_object_object_add(m, "oom", json_object_new_boolean(oom));
	}
	pod_send(p, m);
}

static void pod_reap(struct pod *p)
{
	struct signalfd_siginfo si;
	int status;
	pid_t pid;

	while (read(p->sigfd, &si, sizeof(si)) == sizeof(si))
		;
	/* PID 1 reaps every orphan, not just the apps. */
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < p->rt.n_apps; i++) {
			struct pod_app *a = &p->apps[i];

			if (a->pid == pid && !a->exited)
				pod_app_exited(p, a, status);
		}
	}
}

static void pod_stop_kill(struct pod *p)
{
	for (size_t i = 0; i < p->rt.n_apps; i++) {
		if (p->apps[i].pid > 0 && !p->apps[i].exited)
			pod_app_kill_all(&p->apps[i]);
	}
}

static void pod_stop(struct pod *p, struct json_object *msg)
{
	struct itimerspec its = {0};
	struct json_object *m;
	int64_t ms = 0;

	if (!json_object_object_get_ex(msg, "timeout_ms", &m) ||
	    !json_object_is_type(m, json_type_int) ||
	    (ms = json_object_get_int64(m)) < 0 || ms > POD_STOP_MAX_MS)
		pod_die("malformed stop frame from the host");
	log_debug("stop, timeout %lld ms", (long long)ms);
	if (ms == 0) {
		pod_stop_kill(p);
		return;
	}
	for (size_t i = 0; i < p->rt.n_apps; i++) {
		struct pod_app *a = &p->apps[i];

		if (a->pid <= 0 || a->exited)
			continue;
		/* Not exec'd yet: nothing of the app to ask politely. */
		kill(a->pid, a->started ? SIGTERM : SIGKILL);
	}
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (ms % 1000) * 1000000;
	timerfd_settime(p->timer_fd, 0, &its, NULL);
}

/*
 * A signal for the apps' main processes (docs/protocol.md "signal"): all
 * apps, or the one named; an app not started or already ended is
 * skipped. A name the pod lacks is logged, not fatal.
 */
static void pod_signal(struct pod *p, struct json_object *msg)
{
	struct json_object *sig, *app = NULL;
	const char *name = NULL;
	bool found = false;
	int64_t n;

	if (!json_object_object_get_ex(msg, "signal", &sig) ||
	    !json_object_is_type(sig, json_type_int) ||
	    (n = json_object_get_int64(sig)) < 1 || n > SIGRTMAX ||
	    (json_object_object_get_ex(msg, "app", &app) &&
	     !json_object_is_type(app, json_type_string)))
		pod_die("malformed signal frame from the host");
	if (app)
		name = json_object_get_string(app);
	for (size_t i = 0; i < p->rt.n_apps; i++) {
		struct pod_app *a = &p->apps[i];

		if (name && strcmp(a->rt->name, name))
			continue;
		found = true;
		if (a->pid > 0 && a->started && !a->exited) {
			log_debug("signal %d to app %s", (int)n, a->rt->name);
			kill(a->pid, (int)n);
		}
	}
	if (name && !found)
		log_error("signal for an app the pod lacks");
}

static void pod_resize(struct pod *p, struct json_object *msg)
{
	struct json_object *app, *rows, *cols;
	struct winsize ws = {0};

	if (!json_object_object_get_ex(msg, "app", &app) ||
	    !json_object_is_type(app, json_type_string) ||
	    !json_object_object_get_ex(msg, "rows", &rows) ||
	    !json_object_is_type(rows, json_type_int) ||
	    !json_object_object_get_ex(msg, "cols", &cols) ||
	    !json_object_is_type(cols, json_type_int) ||
	    json_object_get_int64(rows) < 0 ||
	    json_object_get_int64(rows) > 65535 ||
	    json_object_get_int64(cols) < 0 ||
	    json_object_get_int64(cols) > 65535)
		pod_die("malformed resize frame from the host");
	ws.ws_row = (unsigned short)json_object_get_int64(rows);
	ws.ws_col = (unsigned short)json_object_get_int64(cols);
	for (size_t i = 0; i < p->rt.n_apps; i++) {
		struct pod_app *a = &p->apps[i];

		if (!strcmp(a->rt->name, json_object_get_string(app)) &&
		    a->tty_master >= 0)
			ioctl(a->tty_master, TIOCSWINSZ, &ws);
	}
}

static void pod_control(struct pod *p)
{
	uint8_t buf[65536];
	const uint8_t *payload;
	ssize_t n;
	size_t len;
	uint8_t kind;
	int ret;

	n = read(p->control, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* Nobody to report to: end the apps and the VM. */
		pod_stop_kill(p);
		pod_die("the host closed the control connection%s%s",
			n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
	}
	if (ctl_reader_feed(&p->reader, buf, (size_t)n) < 0)
		pod_die("buffer a control frame: out of memory");
	while ((ret = ctl_reader_next(&p->reader, &kind, &payload, &len)) > 0) {
		struct json_object *msg;
		const char *type;

		if (kind != CTL_KIND_JSON ||
		    ctl_parse_json(payload, len, &msg, &type) < 0)
			pod_die("malformed frame from the host (kind %u, %zu "
				"bytes)",
				kind, len);
		if (!strcmp(type, "stop")) {
			pod_stop(p, msg);
		} else if (!strcmp(type, "resize")) {
			pod_resize(p, msg);
		} else if (!strcmp(type, "signal")) {
			pod_signal(p, msg);
		} else {
			char safe[64];

			log_escape(safe, sizeof(safe), type, strlen(type));
			pod_die("unexpected frame type \"%s\" from the host",
				safe);
		}
		json_object_put(msg);
	}
	if (ret < 0)
		pod_die("malformed frame from the host: %s", strerror(-ret));
}

static void pod_enter(struct pod *p)
{
	struct enter_target targets[RUNTIME_APPS_MAX];
	int conn = accept4(p->enter_fd, NULL, NULL, SOCK_CLOEXEC);
	pid_t pid;

	if (conn < 0)
		return;
	pid = fork();
	if (pid < 0) {
		log_error("fork for an enter session: %s", strerror(errno));
		close(conn);
		return;
	}
	if (pid > 0) {
		close(conn);
		return;
	}
	/* The session must not hold PID 1's connections open. */
	close(p->control);
	close(p->enter_fd);
	close(p->sigfd);
	close(p->timer_fd);
	metadata_server_close_fds(p->metadata);
	notify_server_close_fds(p->notify);
	for (size_t i = 0; i < p->rt.n_apps; i++) {
		struct pod_app *a = &p->apps[i];

		targets[i].app = a->rt;
		targets[i].pid = a->pid;
		targets[i].running = a->started && !a->exited;
		if (a->sync_fd >= 0)
			close(a->sync_fd);
		if (a->tty_master >= 0)
			close(a->tty_master);
		if (a->tty_stream >= 0)
			close(a->tty_stream);
	}
	enter_serve(conn, targets, p->rt.n_apps);
}

static bool pod_ended(const struct pod *p)
{
	for (size_t i = 0; i < p->rt.n_apps; i++) {
		if (!p->apps[i].exited)
			return false;
	}
	return true;
}

/*
 * pod-exited, then wait (at most 2 s) for the host to close. What the apps
 * wrote through the 9p page cache reaches the host before pod-exited, so
 * the host may end the VM as soon as it reads it (docs/protocol.md).
 */
static __attribute__((noreturn)) void pod_goodbye(struct pod *p)
{
	struct timespec start, now;
	char buf[4096];

	sync();
	pod_send(p, ctl_msg_new("pod-exited"));
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = {.fd = p->control, .events = POLLIN};
		long left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = POD_GOODBYE_MS -
		       ((now.tv_sec - start.tv_sec) * 1000 +
			(now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		if (read(p->control, buf, sizeof(buf)) <= 0)
			break;
	}
	log_debug("pod ended");
	exec_reap_zombies();
	system_end_vm();
	for (;;)
		pause();
}

enum pod_source {
	POD_CONTROL,
	POD_SIGNAL,
	POD_ENTER,
	POD_TIMER,
	POD_SYNC,
	POD_TTY_OUT,
	POD_TTY_IN,
	POD_METADATA,
	POD_NOTIFY
};

static void pod_loop(struct pod *p)
{
	struct pollfd fds[6 + 3 * RUNTIME_APPS_MAX];
	struct {
		enum pod_source source;
		struct pod_app *app;
	} what[ARRAY_SIZE(fds)];

	for (;;) {
		size_t n = 0;
		bool all_started = true;

		for (size_t i = 0; i < p->rt.n_apps; i++)
			all_started &= p->apps[i].started;
		if (all_started && !p->ready_sent) {
			p->ready_sent = true;
			log_debug("all apps started");
			pod_send(p, ctl_msg_new("ready"));
		}
		if (pod_ended(p))
			pod_goodbye(p);
#define POD_WATCH(fd_, events_, source_, app_)                              \
	do {                                                                \
		fds[n] = (struct pollfd){.fd = (fd_), .events = (events_)}; \
		what[n].source = (source_);                                 \
		what[n].app = (app_);                                       \
		n++;                                                        \
	} while (0)
		POD_WATCH(p->control, POLLIN, POD_CONTROL, NULL);
		POD_WATCH(p->sigfd, POLLIN, POD_SIGNAL, NULL);
		POD_WATCH(p->enter_fd, POLLIN, POD_ENTER, NULL);
		POD_WATCH(p->timer_fd, POLLIN, POD_TIMER, NULL);
		if (p->metadata)
			POD_WATCH(metadata_server_fd(p->metadata), POLLIN,
				  POD_METADATA, NULL);
		if (p->notify)
			POD_WATCH(notify_server_fd(p->notify), POLLIN,
				  POD_NOTIFY, NULL);
		for (size_t i = 0; i < p->rt.n_apps; i++) {
			struct pod_app *a = &p->apps[i];

			if (a->sync_fd >= 0)
				POD_WATCH(a->sync_fd, POLLIN, POD_SYNC, a);
			if (a->tty_master >= 0)
				POD_WATCH(a->tty_master, POLLIN, POD_TTY_OUT,
					  a);
			if (a->tty_stream >= 0 && !a->tty_stream_eof)
				POD_WATCH(a->tty_stream, POLLIN, POD_TTY_IN, a);
		}
#undef POD_WATCH
		if (poll(fds, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			pod_die("poll: %s", strerror(errno));
		}
		for (size_t i = 0; i < n; i++) {
			struct pod_app *a = what[i].app;

			if (!fds[i].revents)
				continue;
			switch (what[i].source) {
			case POD_CONTROL:
				pod_control(p);
				break;
			case POD_SIGNAL:
				pod_reap(p);
				break;
			case POD_ENTER:
				pod_enter(p);
				break;
			case POD_TIMER: {
				uint64_t ticks;

				if (read(p->timer_fd, &ticks, sizeof(ticks)) >
				    0)
					pod_stop_kill(p);
				break;
			}
			case POD_SYNC:
				/* The fd may have been closed by a reap above. */
				if (a->sync_fd == fds[i].fd)
					pod_app_sync(p, a);
				break;
			case POD_TTY_OUT:
				if (a->tty_master == fds[i].fd &&
				    !pod_tty_out(a, false)) {
					close(a->tty_master);
					a->tty_master = -1;
				}
				break;
			case POD_METADATA:
				metadata_server_process(p->metadata);
				break;
			case POD_NOTIFY:
				notify_server_process(p->notify);
				break;
			case POD_TTY_IN:
				if (a->tty_stream == fds[i].fd &&
				    a->tty_master >= 0)
					pod_tty_in(a);
				else if (a->tty_stream == fds[i].fd)
					a->tty_stream_eof = true;
				break;
			}
		}
	}
}

void pod_main(void)
{
	struct pod p = {.control = -1, .enter_fd = -1};
	sigset_t mask;
	char err[1024];

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	p.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	p.timer_fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (p.sigfd < 0 || p.timer_fd < 0)
		pod_die("create signalfd/timerfd: %s", strerror(errno));
	ctl_reader_init(&p.reader);
	if (podsys_mount(err, sizeof(err)) < 0)
		pod_die("%s", err);

	p.control = vsock_connect_host_retry(CTL_PORT_CONTROL, POD_CONNECT_MS);
	if (p.control < 0)
		pod_die("connect to the host's control port %d: %s",
			CTL_PORT_CONTROL, strerror(-p.control));
	log_debug("connected to the host");
	pod_handshake(&p);
	log_debug("pod frame: %zu app(s), share %s", p.rt.n_apps, p.rt.share);
	if (podsys_prepare(&p.rt, err, sizeof(err)) < 0) {
		pod_send_error(&p, NULL, err);
		pod_die("%s", err);
	}
	/* Before the metadata service takes the annotations; not fatal. */
	if (notify_server_start(&p.metadata_pod, &p.rt, &p.notify, err,
				sizeof(err)) < 0)
		log_error("%s; the pod runs without it", err);
	/* Before the apps: each may ask at once. Not fatal: the apps run. */
	if (metadata_server_start(&p.metadata_pod, &p.metadata, err,
				  sizeof(err)) < 0)
		log_error("%s; the pod runs without it", err);
	p.enter_fd = vsock_listen(CTL_PORT_ENTER);
	if (p.enter_fd < 0)
		pod_die("listen on vsock port %d: %s", CTL_PORT_ENTER,
			strerror(-p.enter_fd));
	/*
	 * The control socket stays blocking: frames are written whole, and
	 * it is only read after poll says it is readable.
	 */
	fcntl(p.enter_fd, F_SETFL, O_NONBLOCK);

	p.apps = calloc(p.rt.n_apps, sizeof(*p.apps));
	if (!p.apps)
		pod_die("allocate the app table: out of memory");
	for (size_t i = 0; i < p.rt.n_apps; i++) {
		struct pod_app *a = &p.apps[i];

		a->rt = &p.rt.apps[i];
		a->sync_fd = a->tty_master = a->tty_stream = -1;
		a->pid = app_spawn(&p.rt, a->rt, &a->sync_fd);
		if (a->pid < 0) {
			snprintf(err, sizeof(err), "start app: fork: %s",
				 strerror((int)-a->pid));
			a->pid = 0;
			a->failed = true;
			pod_send_error(&p, a->rt->name, err);
			pod_app_exited(&p, a, 0);
		}
	}
	pod_loop(&p);
	pod_die("the pod loop ended");
}
