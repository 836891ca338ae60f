/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the supervisor reads from a prepared pod and writes back
 * (docs/pods.md): stage0.json, `pod` and runtime.json in (bounded and
 * validated, as files on disk may have been tampered with), state.json
 * out (rewritten atomically at each change).
 */
#ifndef COCOON_STAGE0_SUPERVISOR_CONFIG_H
#define COCOON_STAGE0_SUPERVISOR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/ctl.h"
#include "common/error.h"
#include "stage0/pod.h"

#define SUPERVISOR_APPS_MAX    64
#define SUPERVISOR_VOLUMES_MAX 64
/* "2026-11-28T15:04:05.123456789Z" and room to spare. */
#define SUPERVISOR_TIME_MAX 48

struct json_object;

struct supervisor_app {
	char name[CTL_APP_NAME_MAX + 1];
	char tree[256];
	int pid;
	bool started, exited, oom;
	int status; /* as the guest reported: 0..255, or -1 */
	int signal;
	char started_at[SUPERVISOR_TIME_MAX], exited_at[SUPERVISOR_TIME_MAX];
};

struct supervisor_volume {
	char name[CTL_APP_NAME_MAX + 1];
	char *source;
	bool readonly;
};

struct supervisor_config {
	unsigned memory_mib, cpus, stop_timeout_ms;
	bool interactive, overlay;
	struct supervisor_app apps[SUPERVISOR_APPS_MAX];
	size_t napps;
	struct supervisor_volume vols[SUPERVISOR_VOLUMES_MAX];
	size_t nvols;
	/* {"type": "pod", "manifest": ..., "runtime": ...}, checked to fit
	 * one frame before the VM starts */
	struct json_object *pod_frame;
	/* stage0.json's "net" (stage0/pod_plan_net.h); NULL: --net=none */
	struct json_object *net;
};

/* The pod-wide part of state.json; exited == NULL while it runs. */
struct supervisor_state {
	const char *started;
	int supervisor_pid;
	int vmm_pid; /* 0: not started */
	bool ready;
	const char *exited;
	int exit_status;
	const char *reason;
};

/* Reads and checks stage0.json, `pod` and runtime.json. */
int supervisor_config_load(struct pod *p, struct supervisor_config *c,
			   struct error **err);
void supervisor_config_free(struct supervisor_config *c);

int supervisor_state_write(struct pod *p, const struct supervisor_config *c,
			   const struct supervisor_state *st,
			   struct error **err);

/* RFC 3339 in UTC with nanoseconds, as stage0.json's "created". */
void supervisor_now(char out[SUPERVISOR_TIME_MAX]);
/* The exit code an app's end stands for: its status, or 128+signal. */
int supervisor_app_code(const struct supervisor_app *a);
bool supervisor_app_failed(const struct supervisor_app *a);

#endif
