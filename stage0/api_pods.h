/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ListPods and InspectPod: pods as JSON, read from their directories
 * (docs/pods.md) without taking their locks. A pod object is the one
 * `cocoon list --format=json` prints (pod_status_to_json()), plus "id"
 * (the UUID, rkt's name for it), "annotations" (the pod manifest's),
 * each app's "state", and with detail the pod manifest itself.
 */
#ifndef COCOON_STAGE0_API_PODS_H
#define COCOON_STAGE0_API_PODS_H

#include <stdbool.h>

#include "common/error.h"
#include "stage0/api_filter.h"
#include "stage0/pod.h"

struct json_object;
struct pod_status;

/*
 * {"pods": [...]}: every pod under dir that the filter matches (NULL: all),
 * sorted by UUID. A pod whose files cannot be read is listed with what
 * could be read and "error": "<why>".
 */
int api_pods_list(const char *dir, const struct api_pod_filter *f, bool detail,
		  struct json_object **out, struct error **err);

/*
 * {"pod": {...}} with detail, for a full UUID or a unique prefix. err code
 * 404 when no pod matches, 400 for an ambiguous or malformed prefix.
 */
int api_pods_inspect(const char *dir, const char *uuid,
		     struct json_object **out, struct error **err);

/* One pod's object (detail: with "manifest"); NULL when out of memory. */
struct json_object *api_pod_json(struct pod *p, bool detail,
				 struct error **err);

/*
 * pod_status_read() without its lock probe: pod_status_read() tells a
 * running pod by taking a shared flock for an instant, which a `run`,
 * `rm` or `gc` taking the lock at that instant would see as busy. The
 * service reads /proc/locks instead (api_pod_dir_locked()).
 */
int api_pod_status_read(struct pod *p, struct pod_status *st,
			struct error **err);

/* The filter's view of a pod object made by api_pod_json(). */
bool api_pod_json_match(const struct api_pod_filter *f,
			struct json_object *pod);

#endif
