/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What an app may do, planned for its runtime object and pod manifest
 * (stage0/pod_manifest.c): capabilities, the seccomp filter and the
 * isolators recorded in the manifest, from the image's isolators, the
 * flags and --insecure-options (docs/protocol.md).
 */
#ifndef COCOON_STAGE0_POD_PLAN_SECURITY_H
#define COCOON_STAGE0_POD_PLAN_SECURITY_H

#include <stdint.h>

#include "common/error.h"
#include "stage0/isolators.h"
#include "stage0/run_options.h"

struct json_object;

/* The capability names of mask, as a JSON array; NULL without memory. */
struct json_object *plan_caps_json(uint64_t mask);
/* The app's capability set: the flags, else the image's, else appc's. */
uint64_t plan_caps(const struct run_options *o, const struct run_app_flags *f,
		   const struct app_isolators *iso, unsigned insecure);
/* The seccomp spec that applies (app flag, pod flag, image), or NULL. */
const struct seccomp_spec *plan_seccomp_spec(const struct run_options *o,
					     const struct run_app_flags *f,
					     const struct app_isolators *iso);
/* The runtime object's "seccomp" member for s (NULL: the default). */
int plan_seccomp_json(const struct seccomp_spec *s, unsigned insecure,
		      struct json_object **out, struct error **err);
/* The image's isolators, minus those the flags replace, plus the flags'. */
int plan_isolators(struct json_object *image_app, const struct run_app_flags *f,
		   const struct run_app_flags *all, struct json_object **out,
		   struct error **err);

#endif
