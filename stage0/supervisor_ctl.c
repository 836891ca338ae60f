// SPDX-License-Identifier: Apache-2.0
/*
 * The supervisor's control connection (docs/protocol.md): accepting the
 * guest's connection, hello and the pod frame, and acting on every
 * message the guest sends, each decoded by ctl_guest_msg_decode(); a
 * malformed one stops the pod. supervisor.c has the rest.
 */
#include "stage0/supervisor_int.h"

#include "common/log.h"

#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

void sup_protocol_error(struct sup *s, const char *what)
{
	log_error("pod %s: protocol error: %s; stopping the pod", s->p->uuid,
		  what);
	sup_fail(s, "protocol error: %s", what);
	/* A guest that breaks the protocol gets no say in how it ends. */
	sup_kill_vmm(s, SIGKILL);
	s->stopping = true;
}

void sup_close_ctl(struct sup *s)
{
	if (s->ctl_fd < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->ctl_fd, NULL);
	close(s->ctl_fd);
	s->ctl_fd = -1;
}

static struct supervisor_app *sup_find_app(struct sup *s, const char *name)
{
	for (size_t i = 0; i < s->cfg.napps; i++)
		if (!strcmp(s->cfg.apps[i].name, name))
			return &s->cfg.apps[i];
	return NULL;
}

void sup_send_resize(struct sup *s)
{
	const char *app = s->relay ? relay_tty_app(s->relay) : NULL;
	struct json_object *msg;
	unsigned rows, cols;

	if (!app || !s->hello_done ||
	    !relay_window_size(s->relay, &rows, &cols))
		return;
	msg = ctl_msg_new("resize");
	if (!msg)
		return;
	json_object_object_add(msg, "app", json_object_new_string(app));
	json_object_object_add(msg, "rows", json_object_new_int((int)rows));
	json_object_object_add(msg, "cols", json_object_new_int((int)cols));
	sup_send(s, msg);
}

static void sup_on_hello(struct sup *s, const struct ctl_guest_msg *m)
{
	struct json_object *msg;

	if (m->version != CTL_VERSION) {
		char what[96];

		msg = ctl_msg_new("error");
		if (msg) {
			json_object_object_add(
				msg, "message",
				json_object_new_string("unsupported version"));
			sup_send(s, msg);
		}
		snprintf(what, sizeof(what),
			 "the guest speaks version %u, we speak %d", m->version,
			 CTL_VERSION);
		sup_protocol_error(s, what);
		return;
	}
	s->hello_done = true;
	sup_send_resize(s);
}

/*
 * Our hello and the pod frame go out as soon as the guest connects,
 * without waiting for its hello: that saves a round trip through the
 * VMM at every start. The guest's hello is still checked when it comes,
 * and nothing else it sends is accepted before (docs/protocol.md).
 */
static void sup_greet(struct sup *s)
{
	struct json_object *msg = ctl_msg_new("hello");

	if (!msg) {
		sup_protocol_error(s, "out of memory");
		return;
	}
	json_object_object_add(msg, "version",
			       json_object_new_int(CTL_VERSION));
	if (sup_send(s, msg) < 0 ||
	    sup_send(s, json_object_get(s->cfg.pod_frame)) < 0)
		sup_protocol_error(s, "cannot send the pod to the guest");
}

bool sup_apps_running(const struct sup *s)
{
	for (size_t i = 0; i < s->cfg.napps; i++)
		if (!s->cfg.apps[i].exited)
			return true;
	return false;
}

static void sup_on_app_exited(struct sup *s, struct supervisor_app *a,
			      const struct ctl_guest_msg *m)
{
	a->exited = true;
	a->status = m->status;
	a->signal = m->signal;
	a->oom = m->oom;
	supervisor_now(a->exited_at);
	if (a->oom)
		log_error("pod %s: app %s was killed by the guest's OOM "
			  "killer: out of memory",
			  s->p->uuid, a->name);
	if (!supervisor_app_failed(a) || s->failed_app >= 0)
		return;
	s->failed_app = (int)(a - s->cfg.apps);
	/* rkt: an app that fails stops the whole pod. */
	if (sup_apps_running(s))
		sup_stop(s);
}

/*
 * Every app reported and the guest said pod-exited, after syncing what it
 * wrote to the shares: the VM has nothing left to do. Its stdio streams
 * were closed before that (their data is ahead of pod-exited in the vsock
 * queue), so once they have ended here the VM is killed instead of waiting
 * for the guest kernel's reboot path and the VMM's orderly exit.
 */
static void sup_end_vm(struct sup *s)
{
	if (s->relay)
		relay_drain(s->relay, SUP_END_DRAIN_MS);
	sup_kill_vmm(s, SIGKILL);
}

static void sup_on_message(struct sup *s, const struct ctl_guest_msg *m)
{
	struct supervisor_app *a = NULL;
	char escaped[512];

	if (!s->hello_done && m->type != CTL_GUEST_HELLO) {
		sup_protocol_error(s, "the first message is not hello");
		return;
	}
	if ((m->type == CTL_GUEST_APP_STARTED ||
	     m->type == CTL_GUEST_APP_EXITED) &&
	    !(a = sup_find_app(s, m->app))) {
		sup_protocol_error(s, "a message about an app the pod lacks");
		return;
	}
	switch (m->type) {
	case CTL_GUEST_HELLO:
		if (s->hello_done)
			sup_protocol_error(s, "a second hello");
		else
			sup_on_hello(s, m);
		return;
	case CTL_GUEST_READY:
		s->ready = true;
		notify_host_pod_ready(&s->notify);
		break;
	case CTL_GUEST_APP_STARTED:
		if (a->started) {
			sup_protocol_error(s, "an app started twice");
			return;
		}
		a->started = true;
		a->pid = m->pid;
		supervisor_now(a->started_at);
		break;
	case CTL_GUEST_APP_EXITED:
		if (a->exited) {
			sup_protocol_error(s, "an app exited twice");
			return;
		}
		sup_on_app_exited(s, a, m);
		break;
	case CTL_GUEST_ERROR:
		/* guest: message <= CTL_MESSAGE_MAX, printed escaped */
		log_escape(escaped, sizeof(escaped), m->message,
			   strlen(m->message));
		if (m->app[0])
			log_error("pod %s: app %s: %s", s->p->uuid, m->app,
				  escaped);
		else
			log_error("pod %s: %s", s->p->uuid, escaped);
		return;
	case CTL_GUEST_POD_EXITED:
		s->pod_exited = true;
		/* The guest powers off once we close (docs/protocol.md). */
		sup_close_ctl(s);
		if (!sup_apps_running(s))
			sup_end_vm(s);
		break;
	}
	sup_state_changed(s);
}

void sup_ctl_accept(struct sup *s)
{
	int fd;

	while ((fd = accept4(s->ctl_listen, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		struct timeval tv = {.tv_sec = SUP_SEND_TIMEOUT_S};

		if (s->ctl_fd >= 0 || s->hello_done || s->stopping) {
			/* Exactly one control connection per pod. */
			close(fd);
			log_warn("pod %s: refused a second control connection "
				 "from the guest",
				 s->p->uuid);
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		s->ctl_fd = fd;
		if (sup_epoll_add(s, fd, EPOLLIN, TAG_CTL_CONN) < 0) {
			sup_close_ctl(s);
			sup_protocol_error(s, "cannot watch the control "
					      "connection");
		} else {
			sup_greet(s);
		}
	}
}

/* Reads and handles what the guest sent; false once the connection ended. */
bool sup_ctl_read(struct sup *s)
{
	uint8_t buf[65536];
	ssize_t n;

	while (s->ctl_fd >= 0) {
		const uint8_t *payload;
		struct ctl_guest_msg m;
		uint8_t kind;
		size_t len;
		int got;

		n = recv(s->ctl_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0) {
			sup_close_ctl(s);
			return false;
		}
		if (ctl_reader_feed(&s->ctl_in, buf, (size_t)n) < 0) {
			sup_protocol_error(s, "out of memory");
			sup_close_ctl(s);
			return false;
		}
		while (s->ctl_fd >= 0 &&
		       (got = ctl_reader_next(&s->ctl_in, &kind, &payload,
					      &len)) != 0) {
			if (got < 0 ||
			    ctl_guest_msg_decode(kind, payload, len, &m) < 0) {
				sup_protocol_error(s,
						   "malformed control frame");
				sup_close_ctl(s);
				return false;
			}
			sup_on_message(s, &m);
		}
	}
	return false;
}
