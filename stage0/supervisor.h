/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pod supervisor (docs/pods.md "Running a pod"): `cocoon run` and
 * `run-prepared` become it. It lives exactly as long as the pod: starts
 * cocoon-vmm, speaks the control protocol (docs/protocol.md), relays the
 * apps' stdio, forwards stop signals, and tears everything down.
 */
#ifndef COCOON_STAGE0_SUPERVISOR_H
#define COCOON_STAGE0_SUPERVISOR_H

#include "common/error.h"
#include "stage0/command.h"
#include "stage0/pod.h"

#include <sys/types.h>

/*
 * Runs a prepared pod: p is locked and in prepare/ or prepared/; its
 * `pod`, `runtime.json` and `stage0.json` are written. Everything the run
 * needs (memory, vCPUs, interactive, volumes...) comes from those files.
 * Returns the exit status `cocoon run` should exit with (0..255), or -1
 * with *err when the pod could not be started at all (then the pod has
 * been cleaned up and moved out of run/).
 */
int pod_supervise(const struct global_options *g, struct pod *p,
		  struct error **err);

/*
 * Asks the supervisor with that pid to send signal sig to its pod's apps
 * (their main processes, in the guest): SIGRTMIN queued with sig as its
 * value; the supervisor sends the guest a `signal` frame
 * (docs/protocol.md). Returns 0 or -errno (ESRCH: no such process).
 * Delivery is not confirmed: a pod whose apps are not running yet, or
 * no more, ignores it (and says so in its log).
 */
int supervisor_signal(pid_t supervisor_pid, int sig);

#endif
