/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The supervisor's inside, shared by its two files: supervisor.c (set-up,
 * the loop, stop, teardown) and supervisor_ctl.c (the control connection:
 * the guest's messages, hello and the pod frame). Not for other modules.
 */
#ifndef COCOON_STAGE0_SUPERVISOR_INT_H
#define COCOON_STAGE0_SUPERVISOR_INT_H

#include "common/ctl.h"
#include "stage0/command.h"
#include "stage0/metadata_hmac.h"
#include "stage0/notify.h"
#include "stage0/pod.h"
#include "stage0/pod_net.h"
#include "stage0/relay.h"
#include "stage0/stage1.h"
#include "stage0/supervisor_config.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The guest has the stop timeout; the VMM this much more to power off. */
#define SUP_STOP_MARGIN_MS 5000
/* After the VMM ended: how long its stdio may take to drain. */
#define SUP_DRAIN_MS 5000
/* How long a pod that exited may take to end its stdio before the kill. */
#define SUP_END_DRAIN_MS 1000
/* A hostile guest that never reads cannot block us longer on a write. */
#define SUP_SEND_TIMEOUT_S 10

enum sup_tag {
	TAG_SIGNAL = 1,
	TAG_CTL_LISTEN,
	TAG_CTL_CONN,
	TAG_RELAY,
	TAG_CONSOLE,
	TAG_TIMER,
	TAG_METADATA,
	TAG_NOTIFY,
};

struct sup {
	const struct global_options *g;
	struct pod *p;
	struct supervisor_config cfg; /* stage0.json, the pod frame */
	struct stage1 stage1;
	struct pod_net net; /* the pod's networks, when it has any */
	char *cgroup;
	/* run time */
	int epfd, sigfd, ctl_listen, ctl_fd, console_fd, console_log, timer_fd;
	struct relay *relay;
	struct metadata_hmac_server *metadata; /* HMAC for the guest */
	char *notify_socket;		       /* systemd's NOTIFY_SOCKET */
	struct notify_host notify;	       /* sd_notify (notify.h) */
	bool machined;			       /* registered there */
	struct ctl_reader ctl_in;
	bool hello_done, pod_exited, ready;
	pid_t vmm_pid;
	int vmm_wait_status;
	bool vmm_exited;
	bool stopping;	     /* stop sent (or the VMM was told to end) */
	bool killed_by_us;   /* we SIGKILLed the VMM */
	bool vmm_oom;	     /* the pod cgroup's OOM killer ended it */
	bool stop_requested; /* by a signal or ^]^]^] */
	int failed_app;	     /* first app that failed, or -1 */
	char started_at[SUPERVISOR_TIME_MAX], exited_at[SUPERVISOR_TIME_MAX];
	char reason[256];
	int exit_status;
};

/* supervisor.c */
void sup_state_changed(struct sup *s);
int sup_epoll_add(struct sup *s, int fd, uint32_t events, int tag);
/* Sends msg (its reference is taken) on the control connection. */
int sup_send(struct sup *s, struct json_object *msg);
void sup_kill_vmm(struct sup *s, int sig);
/* The first failure's reason sticks; a later one is a consequence. */
void sup_fail(struct sup *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Asks the guest to stop its apps (docs/protocol.md "stop"). */
void sup_stop(struct sup *s);

/* supervisor_ctl.c */
/* Logs what, records it as the reason and kills the VMM. */
void sup_protocol_error(struct sup *s, const char *what);
void sup_close_ctl(struct sup *s);
/* Tells the guest the terminal's size (interactive pods). */
void sup_send_resize(struct sup *s);
bool sup_apps_running(const struct sup *s);
/* Accepts the guest's control connection and greets it. */
void sup_ctl_accept(struct sup *s);
/* Reads and handles what the guest sent; false once the connection ended. */
bool sup_ctl_read(struct sup *s);

#endif
