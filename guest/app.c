// SPDX-License-Identifier: Apache-2.0
#include "guest/app.h"
#include "guest/system.h"
#include "guest/approot.h"
#include "guest/caps.h"
#include "guest/exec.h"
#include "guest/seccomp.h"
#include "guest/user.h"
#include "guest/vsock.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

enum { APP_MSG_ERROR = 'E', APP_MSG_TTY = 'T' };

void app_sync_error(int fd, const char *message)
{
	char buf[CTL_MESSAGE_MAX + 1];
	size_t len = strlen(message);

	if (len > CTL_MESSAGE_MAX - 1)
		len = CTL_MESSAGE_MAX - 1;
	buf[0] = APP_MSG_ERROR;
	memcpy(buf + 1, message, len);
	while (send(fd, buf, len + 1, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

int app_sync_send_fds(int fd, const int *fds, size_t n)
{
	char byte = APP_MSG_TTY;
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = CMSG_SPACE(n * sizeof(int)),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	if (n < 1 || n > 2)
		return -EINVAL;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	return sendmsg(fd, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int app_sync_read(int fd, struct app_sync_msg *out)
{
	char buf[CTL_MESSAGE_MAX + 1];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
	union {
		char buf[CMSG_SPACE(2 * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	out->failed = false;
	out->error[0] = '\0';
	out->tty_master = out->tty_stream = -1;
	do
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? -EAGAIN : -errno;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		int fds[2] = {-1, -1};
		size_t count;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(sizeof(int)) ||
		    c->cmsg_len > CMSG_LEN(sizeof(fds)))
			continue;
		count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(fds, CMSG_DATA(c), count * sizeof(int));
		out->tty_master = fds[0];
		out->tty_stream = fds[1];
	}
	if (n == 0)
		return 0;
	if (buf[0] == APP_MSG_ERROR) {
		out->failed = true;
		memcpy(out->error, buf + 1, (size_t)n - 1);
		out->error[n - 1] = '\0';
	}
	return 1;
}

int app_join_cgroup(const char *name)
{
	char path[512];
	cleanup_close int fd = -1;

	snprintf(path, sizeof(path), APP_CGROUP_ROOT "/%s/cgroup.procs", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return write(fd, "0", 1) == 1 ? 0 : -errno;
}

int app_set_rlimits(const struct runtime_app *app, char *err, size_t size)
{
	for (size_t i = 0; i < app->n_rlimits; i++) {
		const struct runtime_rlimit *r = &app->rlimits[i];
		struct rlimit lim = {.rlim_cur = r->soft, .rlim_max = r->hard};

		if (setrlimit(r->resource, &lim) < 0)
			return system_errmsg(
				err, size, -errno, "set rlimit %d to %llu/%llu",
				r->resource, (unsigned long long)r->soft,
				(unsigned long long)r->hard);
	}
	return 0;
}

int app_become(const struct runtime_app *app, uid_t uid, gid_t gid,
	       const gid_t *gids, size_t n_gids, char *err, size_t size)
{
	int ret = caps_drop_bounding(app->capabilities);

	if (ret < 0)
		return system_errmsg(err, size, ret, "drop capabilities");
	if (setgroups(n_gids, gids) < 0)
		return system_errmsg(err, size, -errno,
				     "set %zu supplementary groups", n_gids);
	if (setresgid(gid, gid, gid) < 0)
		return system_errmsg(err, size, -errno, "set group %u", gid);
	if (setresuid(uid, uid, uid) < 0)
		return system_errmsg(err, size, -errno, "set user %u", uid);
	ret = caps_set(app->capabilities);
	if (ret < 0)
		return system_errmsg(err, size, ret, "set capabilities");
	return 0;
}

static bool app_is_program(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

int app_find_program(const char *name, char *const *env, char *out, size_t size,
		     char *err, size_t err_size)
{
	const char *path = runtime_env_get(env, "PATH");
	const char *p;

	if (strchr(name, '/')) {
		if (access(name, X_OK) < 0)
			return system_errmsg(err, err_size, -errno, "exec %s",
					     name);
		if ((size_t)snprintf(out, size, "%s", name) >= size)
			return system_errmsg(err, err_size, -ENAMETOOLONG,
					     "exec %s", name);
		return 0;
	}
	if (!path)
		path = EXEC_DEFAULT_PATH;
	for (p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t len = (size_t)(end - p);

		/* An empty PATH entry is the working directory. */
		if ((size_t)snprintf(out, size, "%.*s%s%s", (int)len, p,
				     len ? "/" : "", name) < size &&
		    app_is_program(out))
			return 0;
		if (!*end)
			break;
		p = end;
	}
	return system_errmsg(err, err_size, -ENOENT,
			     "exec %s: not found in PATH=%s", name, path);
}

int app_lock(const struct runtime_app *app, char *err, size_t size)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return system_errmsg(err, size, -errno, "set no_new_privs");
	return seccomp_apply(&app->seccomp, err, size);
}

/* The app's user and group, resolved in its own root. */
static int app_ids(const struct runtime_app *app, uid_t *uid, gid_t *gid,
		   char *err, size_t size)
{
	int ret = user_resolve_uid("/etc/passwd", app->user, uid);

	if (ret < 0)
		return system_errmsg(
			err, size, ret,
			"resolve user \"%s\" in the app's /etc/passwd",
			app->user);
	ret = user_resolve_gid("/etc/group", app->group, gid);
	if (ret < 0)
		return system_errmsg(
			err, size, ret,
			"resolve group \"%s\" in the app's /etc/group",
			app->group);
	return 0;
}

static int app_dup_stdio(int in, int out, int errfd)
{
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		return -errno;
	return 0;
}

/* Everything between fork and exec; returns only on failure. */
static int app_child(const struct runtime *rt, const struct runtime_app *app,
		     int sync, char *err, size_t size)
{
	struct approot_tty tty = {-1, -1};
	cleanup_close int out = -1;
	cleanup_close int errfd = -1;
	cleanup_close int in = -1;
	char program[4096];
	uid_t uid;
	gid_t gid;
	int ret;

	ret = app_join_cgroup(app->name);
	if (ret < 0)
		return system_errmsg(err, size, ret, "join cgroup %s/%s",
				     APP_CGROUP_ROOT, app->name);
	/* Streams first, so nothing the app writes is lost. */
	if (!app->tty) {
		static const char *const names[] = {"stdout", "stderr",
						    "stdin"};
		int fds[3];
		size_t failed = 0;

		ret = vsock_open_streams(app->name, names, fds,
					 app->stdin_stream ? 3 : 2, &failed);
		if (ret < 0)
			return system_errmsg(err, size, ret,
					     "open the %s stream %s the host",
					     names[failed],
					     failed == 2 ? "from" : "to");
		out = fds[0];
		errfd = fds[1];
		in = app->stdin_stream ? fds[2] : -1;
	}
	if (unshare(CLONE_NEWNS) < 0)
		return system_errmsg(err, size, -errno,
				     "create a mount namespace");
	ret = approot_enter(rt, app, &tty, err, size);
	if (ret < 0)
		return ret;
	if (app->tty) {
		cleanup_close int stream = vsock_open_stream(app->name, "tty");
		int fds[2] = {tty.master, stream};

		if (stream < 0)
			return system_errmsg(err, size, stream,
					     "open the tty stream to the host");
		ret = app_sync_send_fds(sync, fds, 2);
		if (ret < 0)
			return system_errmsg(err, size, ret,
					     "hand the pty to PID 1");
		close(tty.master);
		if (ioctl(tty.slave, TIOCSCTTY, 0) < 0)
			return system_errmsg(
				err, size, -errno,
				"make the pty the controlling tty");
		ret = app_dup_stdio(tty.slave, tty.slave, tty.slave);
		close(tty.slave);
	} else {
		if (in < 0)
			in = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (in < 0)
			return system_errmsg(err, size, -errno,
					     "open /dev/null");
		ret = app_dup_stdio(in, out, errfd);
	}
	if (ret < 0)
		return system_errmsg(err, size, ret, "set up stdio");
	ret = app_ids(app, &uid, &gid, err, size);
	if (ret < 0)
		return ret;
	ret = app_set_rlimits(app, err, size);
	if (ret < 0)
		return ret;
	if (chdir(app->working_dir) < 0)
		return system_errmsg(err, size, -errno,
				     "change to working dir %s",
				     app->working_dir);
	ret = app_become(app, uid, gid, app->gids, app->n_gids, err, size);
	if (ret < 0)
		return ret;
	ret = app_find_program(app->exec[0], app->env, program, sizeof(program),
			       err, size);
	if (ret < 0)
		return ret;
	umask(022);
	ret = app_lock(app, err, size);
	if (ret < 0)
		return ret;
	execve(program, app->exec, app->env);
	return system_errmsg(err, size, -errno, "exec %s", program);
}

pid_t app_spawn(const struct runtime *rt, const struct runtime_app *app,
		int *sync_fd)
{
	int pair[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int ret = -errno;

		close(pair[0]);
		close(pair[1]);
		return ret;
	}
	if (pid == 0) {
		char err[CTL_MESSAGE_MAX];
		sigset_t none;

		close(pair[0]);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int sig = 1; sig < NSIG; sig++)
			signal(sig, SIG_DFL);
		setsid();
		umask(0);
		err[0] = '\0';
		app_child(rt, app, pair[1], err, sizeof(err));
		app_sync_error(pair[1], err);
		_exit(APP_SETUP_FAILED);
	}
	close(pair[1]);
	fcntl(pair[0], F_SETFL, O_NONBLOCK);
	*sync_fd = pair[0];
	return pid;
}
