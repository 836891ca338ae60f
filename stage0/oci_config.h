/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cocoon-runtime (docs/oci.md): an OCI bundle's config.json (OCI runtime
 * spec, config.md) turned into the three files a cocoon pod is made of
 * (docs/pods.md): stage0.json, the appc `pod` manifest and the runtime
 * object of docs/protocol.md. Pure: nothing here touches the disk, so it
 * is unit-tested (tests/unit/test_stage0_oci_config.c).
 *
 * The container is a pod with one app, OCI_APP_NAME, whose rootfs is the
 * bundle's root.path bind-mounted at stage1/shared/apps/<app>/rootfs
 * (stage0.json "overlay": false: the engine's rootfs is used as it is).
 */
#ifndef COCOON_STAGE0_OCI_CONFIG_H
#define COCOON_STAGE0_OCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct json_object;

#define OCI_APP_NAME   "app"
#define OCI_VERSION    "1.1.0"
#define OCI_CONFIG_MAX (1u << 20)
#define OCI_MOUNTS_MAX 64
#define OCI_MIB	       (1024ull * 1024ull)
/* Guest RAM when config.json sets no memory limit, and the least we give. */
#define OCI_DEFAULT_MEMORY_MIB 128
#define OCI_MIN_MEMORY_MIB     64
#define OCI_MAX_CPUS	       254

/* Annotations cocoon reads (docs/oci.md, "Annotations"). */
#define OCI_ANN_MEMORY	"io.cocoon.memory_mib"
#define OCI_ANN_CPUS	"io.cocoon.cpus"
#define OCI_ANN_SECCOMP "io.cocoon.seccomp"
#define OCI_ANN_STOP	"io.cocoon.stop_timeout_ms"

/* A bind mount of config.json: a host volume of the pod. */
struct oci_volume {
	char name[32]; /* "vol-<n>": an AC name */
	char *source;  /* absolute host path */
	bool readonly;
};

struct oci_plan {
	char *root_path; /* absolute: bundle + root.path */
	bool root_readonly;
	bool terminal;
	unsigned memory_mib, cpus;
	struct oci_volume vols[OCI_MOUNTS_MAX];
	size_t nvols;
	struct json_object *stage0;   /* stage0.json */
	struct json_object *manifest; /* `pod` */
	struct json_object *runtime;  /* runtime.json */
	/* warnings for the log: what config.json asked that we skip */
	char *warnings;
};

/*
 * Parses config.json (text, len bytes) of the bundle at bundle (an
 * absolute path) for pod uuid: 0 with *out filled, or -1 with *err saying
 * which member is wrong. Members cocoon cannot honour are an error
 * (hooks, unknown mount types) or, where engines set them by default
 * and the VM makes them moot, a line in out->warnings (docs/oci.md).
 */
int oci_plan_build(const char *text, size_t len, const char *bundle,
		   const char *uuid, struct oci_plan *out, struct error **err);
void oci_plan_free(struct oci_plan *p);

/* The annotations object of config.json (a new reference; NULL if none). */
struct json_object *oci_config_annotations(const char *text, size_t len);

#endif
