/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network part of a pod's plan: stage0.json's "net" object, which the
 * supervisor reads to set up the pod's networks (stage0/pod_net.c), and the
 * pod manifest's "ports". --port names are resolved here against the apps'
 * ports from their image manifests.
 */
#ifndef COCOON_STAGE0_POD_PLAN_NET_H
#define COCOON_STAGE0_POD_PLAN_NET_H

#include "common/error.h"
#include "stage0/pod_manifest.h"

struct json_object;

/*
 * Fills *net (stage0.json "net") and *ports (the manifest's ports) for the
 * plan's input; both new references on success.
 */
int pod_plan_net(const struct pod_plan_input *in, struct json_object **net,
		 struct json_object **ports, struct error **err);

#endif
