/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What `prepare` writes into a pod, built from the run flags and the
 * images' manifests without touching the disk (so it is unit-testable):
 *
 * - the appc pod manifest (appc spec, "Pod Manifest Schema"), `pod`;
 * - the runtime object of docs/protocol.md, `runtime.json`;
 * - stage0.json of docs/pods.md.
 *
 * Precedence (later wins), documented in docs/pod-commands.md:
 *   environment: --inherit-env's host environment, the image's
 *     app.environment, --set-env-file, --set-env, --environment before the
 *     images, --environment after the app's image; PATH gets a default
 *     when nothing set it; AC_APP_NAME is always the app's name (appc).
 *   user, group, working dir, capabilities, seccomp, read-only root: the
 *     app's flags, else the flags before the images, else the image.
 */
#ifndef COCOON_STAGE0_POD_MANIFEST_H
#define COCOON_STAGE0_POD_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "images/aci_manifest.h"
#include "stage0/run_options.h"

struct json_object;

#define POD_APPC_VERSION "0.8.11"
#define POD_DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define POD_DEFAULT_MEMORY_MIB 128
#define POD_MIN_MEMORY_MIB     32
#define POD_MAX_CPUS	       255
#define POD_STOP_TIMEOUT_MS    10000

/* One resolved image per app, in the order of run_options.apps. */
struct pod_image {
	const char *id;	  /* "sha512-..." */
	const char *tree; /* cas/trees/<tree>/rootfs */
	const struct aci_manifest *manifest;
};

struct pod_plan_volume {
	char *name;
	bool is_dir; /* host: the mount point is a directory, else a file */
};

struct pod_plan {
	struct json_object *manifest;
	struct json_object *runtime;
	struct json_object *stage0;
	char **app_names; /* final, unique AC names */
	size_t napps;
	/* host volumes some app mounts: each gets stage1/shared/volumes/NAME */
	struct pod_plan_volume *host_volumes;
	size_t nhost_volumes;
	unsigned memory_mib, cpus;
};

struct pod_plan_input {
	const struct run_options *o;
	unsigned insecure; /* global | the command's --insecure-options */
	const struct pod_image *images;
	const char *uuid;
	const char *created;	     /* RFC 3339 */
	const char *const *host_env; /* NAME=VALUE..., NULL-terminated */
};

int pod_plan_build(const struct pod_plan_input *in, struct pod_plan *out,
		   struct error **err);
void pod_plan_free(struct pod_plan *p);

/*
 * The app name for an image name: its last path component made an AC
 * name ("example.com/Pod_Busybox" -> "pod-busybox"); "app" if nothing is
 * left. malloc'd.
 */
char *pod_app_name_from_image(const char *image_name);

#endif
