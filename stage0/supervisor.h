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

#endif
