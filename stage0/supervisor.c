// SPDX-License-Identifier: Apache-2.0
/*
 * The pod supervisor (docs/pods.md "Running a pod", docs/protocol.md).
 *
 * One process, one epoll loop: a signalfd (stop signals, SIGCHLD for the
 * VMM, SIGWINCH), the control listener and connection (stage1/vsock_1024),
 * the stdio relay (stage1/vsock_1025, relay.c), the VMM's console pipe and
 * a timer for the stop timeout. Everything the guest sends is decoded by
 * ctl_guest_msg_decode(); anything malformed stops the pod.
 */
#include "stage0/supervisor.h"
#include "stage0/supervisor_int.h"
#include "stage0/pod_net.h"

#include "common/cleanup.h"
#include "common/ctl.h"
#include "common/log.h"
#include "stage0/audit.h"
#include "stage0/cgroup.h"
#include "stage0/machined.h"
#include "stage0/metadata_hmac.h"
#include "stage0/mounts.h"
#include "stage0/notify.h"
#include "stage0/pod_cleanup.h"
#include "stage0/relay.h"
#include "stage0/stage1.h"
#include "stage0/supervisor_config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int sup_write_state(struct sup *s, struct error **err)
{
	const struct supervisor_state st = {
		.started = s->started_at,
		.supervisor_pid = getpid(),
		.vmm_pid = s->vmm_pid,
		.ready = s->ready,
		.exited = s->exited_at[0] ? s->exited_at : NULL,
		.exit_status = s->exit_status,
		.reason = s->reason,
	};

	return supervisor_state_write(s->p, &s->cfg, &st, err);
}

/* A state.json that fails to update is logged, never fatal. */
void sup_state_changed(struct sup *s)
{
	cleanup_error struct error *err = NULL;

	if (sup_write_state(s, &err) < 0)
		log_warn("pod %s: update state.json: %s", s->p->uuid,
			 err->message);
}

/* ---- setup */

int sup_epoll_add(struct sup *s, int fd, uint32_t events, int tag)
{
	struct epoll_event ev = {.events = events, .data.u32 = (uint32_t)tag};

	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/*
 * Listens on stage1/<name>. The path is reached through /proc/self/fd so
 * that a long --dir cannot overflow sun_path.
 */
static int sup_listen(struct sup *s, const char *name, struct error **err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd;

	snprintf(addr.sun_path, sizeof(addr.sun_path),
		 "/proc/self/fd/%d/stage1/%s", s->p->dirfd, name);
	if (unlink(addr.sun_path) < 0 && errno != ENOENT)
		return error_set_errno(err, "remove stale socket stage1/%s",
				       name);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return error_set_errno(err, "socket for stage1/%s", name);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, 64) < 0) {
		error_set_errno(err, "listen on %s/stage1/%s", s->p->path,
				name);
		close(fd);
		return -1;
	}
	return fd;
}

static void sup_unlink_sockets(struct sup *s)
{
	static const char *const names[] = {"vsock", "vsock_1024", "vsock_1025",
					    "vsock_1027", "vsock_1028"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char path[64];

		snprintf(path, sizeof(path), "stage1/%s", names[i]);
		unlinkat(s->p->dirfd, path, 0);
	}
}

static int sup_start_vmm(struct sup *s, struct error **err)
{
	const struct stage1_vm vm = {
		.memory_mib = s->cfg.memory_mib,
		.cpus = s->cfg.cpus,
		.debug = s->g->debug,
		.cgroup = s->cgroup,
		.nics = s->net.nics,
		.nnics = s->net.nnics,
	};

	s->console_log = openat(s->p->dirfd, "stage1/console.log",
				O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (s->console_log < 0)
		return error_set_errno(err, "create stage1/console.log");
	if (stage1_start(&s->stage1, s->p, &vm, &s->vmm_pid, &s->console_fd,
			 err) < 0)
		return -1;
	/* The VMM has its copies: a tap goes with the VMM. */
	pod_net_close_taps(&s->net);
	log_debug("pod %s: started %s (pid %d)", s->p->uuid, s->stage1.vmm,
		  (int)s->vmm_pid);
	return 0;
}

static int sup_write_pid(struct sup *s, struct error **err)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%d\n", (int)s->vmm_pid);

	return pod_write_file(s->p, "pid", buf, (size_t)len, err);
}

/* ---- the control connection */

int sup_send(struct sup *s, struct json_object *msg)
{
	int r = s->ctl_fd >= 0 ? ctl_write_json(s->ctl_fd, msg) : -ENOTCONN;

	json_object_put(msg);
	if (r < 0)
		log_debug("pod %s: send to the guest: %s", s->p->uuid,
			  strerror(-r));
	return r;
}

void sup_kill_vmm(struct sup *s, int sig)
{
	if (s->vmm_pid > 0 && !s->vmm_exited) {
		kill(s->vmm_pid, sig);
		if (sig == SIGKILL)
			s->killed_by_us = true;
	}
}

/* The first failure's reason sticks; a later one is a consequence. */
void sup_fail(struct sup *s, const char *fmt, ...)
{
	va_list ap;

	if (s->reason[0])
		return;
	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
}

static void sup_arm_timer(struct sup *s, unsigned ms)
{
	struct itimerspec its = {
		.it_value = {.tv_sec = ms / 1000,
			     .tv_nsec = (long)(ms % 1000) * 1000000},
	};

	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	timerfd_settime(s->timer_fd, 0, &its, NULL);
}

/*
 * Asks the guest to stop its apps (SIGTERM, then SIGKILL after the
 * timeout); the VMM is killed if the guest has not powered off by the
 * timeout plus a margin. Before the guest said hello there is nobody to
 * ask: the VMM is told to end (SIGTERM stops its vCPUs cleanly).
 */
void sup_stop(struct sup *s)
{
	struct json_object *msg;

	if (s->stopping || s->vmm_exited)
		return;
	s->stopping = true;
	notify_host_stopping(&s->notify);
	if (!s->hello_done) {
		sup_kill_vmm(s, SIGTERM);
		sup_arm_timer(s, SUP_STOP_MARGIN_MS);
		return;
	}
	msg = ctl_msg_new("stop");
	if (msg)
		json_object_object_add(
			msg, "timeout_ms",
			json_object_new_int64(s->cfg.stop_timeout_ms));
	if (!msg || sup_send(s, msg) < 0)
		sup_kill_vmm(s, SIGTERM);
	sup_arm_timer(s, s->cfg.stop_timeout_ms + SUP_STOP_MARGIN_MS);
}

/* ---- console, signals, the loop */

static void sup_console_read(struct sup *s)
{
	char buf[16384];
	ssize_t n;

	while ((n = read(s->console_fd, buf, sizeof(buf))) > 0) {
		if (write(s->console_log, buf, (size_t)n) < 0)
			log_debug("write console.log: %s", strerror(errno));
		if (s->g->debug && write(STDERR_FILENO, buf, (size_t)n) < 0)
			log_debug("show the console: %s", strerror(errno));
	}
	if (n == 0) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->console_fd, NULL);
		close(s->console_fd);
		s->console_fd = -1;
	}
}

/*
 * SIGRTMIN queued with a signal number as its value (supervisor_signal()):
 * pass that signal to the apps. Only from root or our own user (the
 * kernel already refuses others); anything else is ignored.
 */
static void sup_on_forward(struct sup *s, const struct signalfd_siginfo *si)
{
	struct json_object *msg;
	int sig = si->ssi_int;

	if (si->ssi_code != SI_QUEUE || sig < 1 || sig > SIGRTMAX ||
	    (si->ssi_uid != 0 && si->ssi_uid != getuid())) {
		log_warn("pod %s: ignored a forwarding request from pid %u",
			 s->p->uuid, si->ssi_pid);
		return;
	}
	if (!s->hello_done || s->pod_exited || s->vmm_exited) {
		log_warn("pod %s: signal %d not forwarded: the apps are not "
			 "running",
			 s->p->uuid, sig);
		return;
	}
	log_debug("pod %s: signal %d to the apps (from pid %u)", s->p->uuid,
		  sig, si->ssi_pid);
	msg = ctl_msg_new("signal");
	if (!msg)
		return;
	json_object_object_add(msg, "signal", json_object_new_int(sig));
	sup_send(s, msg);
}

static void sup_on_signal(struct sup *s)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		/* not a constant: no case label */
		if ((int)si.ssi_signo == SIGRTMIN) {
			sup_on_forward(s, &si);
			continue;
		}
		switch (si.ssi_signo) {
		case SIGCHLD: {
			int st;

			if (!s->vmm_exited &&
			    waitpid(s->vmm_pid, &st, WNOHANG) == s->vmm_pid) {
				s->vmm_exited = true;
				s->vmm_wait_status = st;
			}
			break;
		}
		case SIGWINCH:
			sup_send_resize(s);
			break;
		default:
			if (s->stop_requested) {
				log_warn("pod %s: second signal: killing the "
					 "VM",
					 s->p->uuid);
				sup_kill_vmm(s, SIGKILL);
			} else {
				s->stop_requested = true;
				sup_stop(s);
			}
			break;
		}
	}
}

static void sup_loop(struct sup *s)
{
	while (!s->vmm_exited) {
		struct epoll_event evs[16];
		int n = epoll_wait(s->epfd, evs, (int)ARRAY_SIZE(evs), -1);

		for (int i = 0; i < n; i++) {
			switch (evs[i].data.u32) {
			case TAG_SIGNAL:
				sup_on_signal(s);
				break;
			case TAG_CTL_LISTEN:
				sup_ctl_accept(s);
				break;
			case TAG_CTL_CONN:
				sup_ctl_read(s);
				break;
			case TAG_RELAY: {
				cleanup_error struct error *err = NULL;
				int ev = relay_process(s->relay, &err);

				if (ev < 0) {
					sup_protocol_error(s, err->message);
				} else {
					if (ev & RELAY_TTY_OPENED)
						sup_send_resize(s);
					if (ev & RELAY_ESCAPE) {
						s->stop_requested = true;
						sup_fail(s, "stopped");
						sup_kill_vmm(s, SIGTERM);
						sup_arm_timer(
							s, SUP_STOP_MARGIN_MS);
					}
				}
				break;
			}
			case TAG_CONSOLE:
				sup_console_read(s);
				break;
			case TAG_METADATA:
				metadata_hmac_server_process(s->metadata);
				break;
			case TAG_NOTIFY:
				notify_host_process(&s->notify, s->epfd);
				break;
			case TAG_TIMER: {
				uint64_t ticks;

				if (read(s->timer_fd, &ticks, sizeof(ticks)) <
				    0)
					break;
				log_warn("pod %s: did not stop in time: "
					 "killing the VM",
					 s->p->uuid);
				sup_kill_vmm(s, SIGKILL);
				break;
			}
			}
		}
	}
}

/*
 * The pod cgroup's OOM killer ended the VMM. memory.max is the guest's
 * RAM plus the VMM's margin; whatever else the VMM's pages are charged
 * for counts too (9p writes into a --dir on tmpfs, say).
 */
static void sup_fail_oom(struct sup *s)
{
	sup_fail(s,
		 "vmm killed by the OOM killer: the pod's host memory limit "
		 "(%u MiB: guest RAM + %u MiB for the VMM) was reached",
		 s->cfg.memory_mib + CGROUP_VMM_OVERHEAD_MIB,
		 CGROUP_VMM_OVERHEAD_MIB);
}

/* How the VMM ended, for a pod whose apps did not all report. */
static void sup_vmm_failure(struct sup *s)
{
	int st = s->vmm_wait_status;

	if (s->stop_requested) {
		sup_fail(s, "stopped");
	} else if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);

		if (s->killed_by_us)
			sup_fail(s, "vmm killed");
		else if (sig == SIGKILL && s->vmm_oom)
			sup_fail_oom(s);
		else if (sig == SIGSYS)
			/*
			 * The VMM's seccomp filters kill it with SIGSYS
			 * (SECCOMP_RET_KILL_PROCESS) for any syscall they do
			 * not allow; nothing else sends it one. The kernel's
			 * audit log names the syscall.
			 */
			sup_fail(s, "vmm killed by seccomp (SIGSYS): forbidden "
				    "syscall (the kernel log names it)");
		else if (WCOREDUMP(st) || sig == SIGSEGV || sig == SIGBUS ||
			 sig == SIGILL || sig == SIGFPE || sig == SIGABRT ||
			 sig == SIGTRAP)
			/* a fault of its own, not somebody's kill */
			sup_fail(s, "vmm crashed: signal %d (%s)", sig,
				 strsignal(sig));
		else
			sup_fail(s, "vmm killed: signal %d (%s)", sig,
				 strsignal(sig));
	} else if (WEXITSTATUS(st) == 0) {
		if (stage1_console_panicked(s->p))
			sup_fail(s, "guest kernel panic");
		else
			sup_fail(s, "vmm crashed: the guest powered off before "
				    "its apps ended");
	} else if (WEXITSTATUS(st) == 3) {
		sup_fail(s, "vmm crashed: guest triple fault");
	} else if (WEXITSTATUS(st) == 127) {
		sup_fail(s, "vmm crashed: could not start cocoon-vmm");
	} else if (WEXITSTATUS(st) == 128 + SIGKILL && s->vmm_oom) {
		/* the same kill, passed on by a wrapper as 128 + 9 */
		sup_fail_oom(s);
	} else if (WEXITSTATUS(st) > 128) {
		sup_fail(s, "vmm killed: signal %d (%s)", WEXITSTATUS(st) - 128,
			 strsignal(WEXITSTATUS(st) - 128));
	} else {
		sup_fail(s, "vmm crashed: exit status %d", WEXITSTATUS(st));
	}
}

/* Decides the exit status and the reason (docs/pods.md). */
static void sup_conclude(struct sup *s)
{
	bool all_reported = !sup_apps_running(s);

	supervisor_now(s->exited_at);
	if (!all_reported) {
		sup_vmm_failure(s);
		s->exit_status = 1;
	} else if (s->reason[0] && strncmp(s->reason, "stopped", 7)) {
		/* A protocol error after every app reported: still a failure. */
		s->exit_status = 1;
	} else if (s->cfg.napps == 1) {
		s->exit_status = supervisor_app_code(&s->cfg.apps[0]);
	} else {
		s->exit_status = s->failed_app >= 0
					 ? supervisor_app_code(
						   &s->cfg.apps[s->failed_app])
					 : 0;
	}
	if (!s->reason[0]) {
		int f = s->failed_app;

		if (s->stop_requested)
			sup_fail(s, "stopped");
		else if (f >= 0 && s->cfg.apps[f].oom)
			sup_fail(s, "out of memory: %s", s->cfg.apps[f].name);
		else if (f >= 0)
			sup_fail(s, "app failed: %s", s->cfg.apps[f].name);
		else
			sup_fail(s, "apps exited");
	}
	if (!all_reported && !s->stop_requested) {
		if (!s->g->debug)
			stage1_show_vmm_messages(s->p);
		log_error("pod %s failed: %s (see %s/stage1/console.log)",
			  s->p->uuid, s->reason, s->p->path);
	}
}

/* ---- teardown */

static void sup_teardown(struct sup *s)
{
	cleanup_error struct error *err = NULL;

	if (s->vmm_pid > 0 && !s->vmm_exited) {
		int st;

		sup_kill_vmm(s, SIGKILL);
		while (waitpid(s->vmm_pid, &st, 0) < 0 && errno == EINTR)
			;
		s->vmm_exited = true;
		s->vmm_wait_status = st;
	}
	/* Read before pod_cleanup() removes the cgroup. */
	if (s->cgroup && cgroup_oom_kills(s->cgroup) > 0)
		s->vmm_oom = true;
	if (s->machined)
		machined_unregister(MACHINED_DIR, s->p->uuid);
	notify_host_free(&s->notify);
	if (s->console_fd >= 0) {
		sup_console_read(s);
		if (s->console_fd >= 0)
			close(s->console_fd);
	}
	relay_free(s->relay);
	s->relay = NULL;
	metadata_hmac_server_free(s->metadata);
	s->metadata = NULL;
	sup_close_ctl(s);
	if (s->ctl_listen >= 0)
		close(s->ctl_listen);
	sup_unlink_sockets(s);
	if (pod_cleanup(s->p, &err) < 0) {
		log_error("pod %s: teardown: %s (`cocoon gc` retries)",
			  s->p->uuid, err->message);
		error_free(&err);
	}
}

static void sup_free(struct sup *s)
{
	supervisor_config_free(&s->cfg);
	stage1_free(&s->stage1);
	pod_net_free(&s->net);
	free(s->cgroup);
	free(s->notify_socket);
	ctl_reader_free(&s->ctl_in);
	if (s->console_log >= 0)
		close(s->console_log);
	if (s->timer_fd >= 0)
		close(s->timer_fd);
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->epfd >= 0)
		close(s->epfd);
}

/* /etc/hostname and /etc/hosts of every app, and the guest told so. */
static int sup_write_etc(struct sup *s, struct error **err)
{
	struct json_object *rt, *hostname;

	if (!json_object_object_get_ex(s->cfg.pod_frame, "runtime", &rt) ||
	    !json_object_object_get_ex(rt, "hostname", &hostname) ||
	    !json_object_is_type(hostname, json_type_string))
		return error_set(err, EINVAL, "runtime.json has no hostname");
	const struct mounts_etc etc = {
		.hostname = json_object_get_string(hostname),
		.hosts_extra = s->net.hosts_extra,
		.resolv_conf = s->net.resolv_conf,
	};

	for (size_t i = 0; i < s->cfg.napps; i++)
		if (mounts_write_etc(s->p, s->cfg.apps[i].name, &etc, err) < 0)
			return -1;
	json_object_object_add(rt, "etc_written", json_object_new_boolean(1));
	if (s->net.nnics)
		json_object_object_add(rt, "interfaces",
				       json_object_get(s->net.interfaces));
	return 0;
}

/* Everything up to a running VMM; on failure nothing has been started. */
static int sup_prepare_run(struct sup *s, const sigset_t *sigs,
			   struct error **err)
{
	struct mounts_app apps[SUPERVISOR_APPS_MAX];
	struct mounts_volume vols[SUPERVISOR_VOLUMES_MAX];
	int listen_1025, listen_1027, listen_1028;

	for (size_t i = 0; i < s->cfg.napps; i++)
		apps[i] = (struct mounts_app){s->cfg.apps[i].name,
					      s->cfg.apps[i].tree};
	for (size_t i = 0; i < s->cfg.nvols; i++)
		vols[i] = (struct mounts_volume){s->cfg.vols[i].name,
						 s->cfg.vols[i].source,
						 s->cfg.vols[i].readonly};
	if (mounts_setup(s->p, apps, s->cfg.napps, vols, s->cfg.nvols,
			 s->cfg.overlay, err) < 0)
		return -1;
	if (s->cfg.net && pod_net_up(s->g, s->p, s->cfg.net, &s->net, err) < 0)
		return -1;
	if (sup_write_etc(s, err) < 0)
		return -1;
	if (cgroup_pod_create(s->p->uuid, s->cfg.memory_mib, s->cfg.cpus,
			      &s->cgroup, err) < 0)
		return -1;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->sigfd = signalfd(-1, sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (s->epfd < 0 || s->sigfd < 0 || s->timer_fd < 0)
		return error_set_errno(err, "set up the event loop");
	if (mkdirat(s->p->dirfd, "stage1", 0755) < 0 && errno != EEXIST)
		return error_set_errno(err, "create %s/stage1", s->p->path);
	s->ctl_listen = sup_listen(s, "vsock_1024", err);
	if (s->ctl_listen < 0)
		return -1;
	listen_1025 = sup_listen(s, "vsock_1025", err);
	if (listen_1025 < 0)
		return -1;
	if (relay_new(listen_1025, s->cfg.interactive, &s->relay, err) < 0)
		return -1;
	listen_1027 = sup_listen(s, "vsock_1027", err);
	if (listen_1027 < 0 ||
	    metadata_hmac_server_new(s->p->dir, s->p->uuid, listen_1027,
				     &s->metadata, err) < 0)
		return -1;
	listen_1028 = sup_listen(s, "vsock_1028", err);
	if (listen_1028 < 0 ||
	    notify_host_init(&s->notify, s->notify_socket, s->cfg.pod_frame,
			     listen_1028, err) < 0 ||
	    notify_host_watch(&s->notify, s->epfd, TAG_NOTIFY) < 0)
		return -1;
	if (sup_epoll_add(s, s->sigfd, EPOLLIN, TAG_SIGNAL) < 0 ||
	    sup_epoll_add(s, s->ctl_listen, EPOLLIN, TAG_CTL_LISTEN) < 0 ||
	    sup_epoll_add(s, relay_fd(s->relay), EPOLLIN, TAG_RELAY) < 0 ||
	    sup_epoll_add(s, s->timer_fd, EPOLLIN, TAG_TIMER) < 0 ||
	    sup_epoll_add(s, metadata_hmac_server_fd(s->metadata), EPOLLIN,
			  TAG_METADATA) < 0)
		return error_set_errno(err, "set up the event loop");
	if (sup_start_vmm(s, err) < 0)
		return -1;
	if (sup_epoll_add(s, s->console_fd, EPOLLIN, TAG_CONSOLE) < 0)
		return error_set_errno(err, "watch the VMM's console");
	s->machined =
		machined_register(MACHINED_DIR, s->p->uuid, s->vmm_pid) > 0;
	return 0;
}

int pod_supervise(const struct global_options *g, struct pod *p,
		  struct error **err)
{
	struct sup s = {
		.g = g,
		.p = p,
		.epfd = -1,
		.sigfd = -1,
		.ctl_listen = -1,
		.ctl_fd = -1,
		.console_fd = -1,
		.console_log = -1,
		.timer_fd = -1,
		.failed_app = -1,
		.notify = {.listen_fd = -1, .conn_fd = -1},
	};
	sigset_t sigs, old;
	struct sigaction ign = {.sa_handler = SIG_IGN}, old_pipe;
	int status = -1;

	/* Blocked from the start, so that no stop signal is lost. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGWINCH);
	sigaddset(&sigs, SIGRTMIN); /* supervisor_signal() */
	sigprocmask(SIG_BLOCK, &sigs, &old);
	sigaction(SIGPIPE, &ign, &old_pipe);
	ctl_reader_init(&s.ctl_in);
	s.notify_socket = notify_socket_take();

	if (stage1_find(&s.stage1, err) < 0 ||
	    supervisor_config_load(p, &s.cfg, err) < 0) {
		error_wrap(err, "run pod %s", p->uuid);
		goto out;
	}
	if (pod_move(p, POD_RUN, err) < 0) {
		error_wrap(err, "run pod %s", p->uuid);
		goto out;
	}
	supervisor_now(s.started_at);
	if (sup_write_state(&s, err) < 0 || audit_pod_started(p, err) < 0 ||
	    sup_prepare_run(&s, &sigs, err) < 0) {
		cleanup_error struct error *err2 = NULL;

		audit_pod_ended(p, -1, (*err)->message);
		error_wrap(err, "run pod %s", p->uuid);
		sup_teardown(&s);
		/* It never ran: out of run/, for gc to remove. */
		if (pod_move(p, POD_GARBAGE, &err2) < 0)
			log_warn("%s", err2->message);
		goto out;
	}
	if (sup_write_pid(&s, err) < 0) {
		log_warn("pod %s: %s", p->uuid, (*err)->message);
		error_free(err);
	}
	sup_state_changed(&s);
	sup_loop(&s);
	/* The VMM is gone: take what it left in the sockets. */
	sup_ctl_read(&s);
	relay_drain(s.relay, SUP_DRAIN_MS);
	sup_teardown(&s);
	sup_conclude(&s);
	audit_pod_ended(p, s.exit_status, s.reason);
	sup_state_changed(&s);
	status = s.exit_status;
	pod_unlock(p);
out:
	sup_free(&s);
	sigaction(SIGPIPE, &old_pipe, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return status;
}

int supervisor_signal(pid_t supervisor_pid, int sig)
{
	union sigval v = {.sival_int = sig};

	if (supervisor_pid <= 0 || sig < 1 || sig > SIGRTMAX)
		return -EINVAL;
	return sigqueue(supervisor_pid, SIGRTMIN, v) < 0 ? -errno : 0;
}
