/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cocoon-runtime's containers on disk (docs/oci.md): one directory per
 * container under --root (default /run/cocoon-runtime):
 *
 *	<root>/<id>/oci.json	id, bundle, pod uuid, shim pid and its start
 *				time (so a recycled pid is never taken for
 *				the shim), created, annotations
 *	<root>/<id>/start	FIFO the shim waits on until `start`
 *	<root>/<id>/started	made by `start`: the app was released
 *	<root>/<id>/killed	made by `kill ID KILL`: the VMM was killed
 *				on purpose, the shim exits 137
 *	<root>/cocoon/		the cocoon --dir of the pods (pods/, audit/)
 *
 * The container's status (OCI runtime spec, runtime.md "State") follows
 * from these: no oci.json yet = creating; shim alive = created, or
 * running once `started` exists; shim gone = stopped.
 */
#ifndef COCOON_STAGE0_OCI_STATE_H
#define COCOON_STAGE0_OCI_STATE_H

#include <stdbool.h>

#include "common/error.h"
#include "stage0/pod.h"

struct json_object;

#define OCI_DEFAULT_ROOT "/run/cocoon-runtime"
#define OCI_ID_MAX	 1024

enum oci_status {
	OCI_CREATING,
	OCI_CREATED,
	OCI_RUNNING,
	OCI_STOPPED,
};

struct oci_container {
	char *root; /* --root, absolute */
	char *dir;  /* <root>/<id> */
	char *id;
	char *bundle;
	char uuid[POD_UUID_LEN + 1];
	int pid;		      /* the shim; 0 while creating */
	unsigned long long pid_start; /* /proc/<pid>/stat starttime */
	char *created;
	struct json_object *annotations; /* never NULL once loaded */
};

/* runc's rule: letters, digits, '_', '+', '-', '.'; not "." or "..". */
bool oci_id_valid(const char *id);

/* "creating", "created", "running", "stopped" */
const char *oci_status_name(enum oci_status s);

/*
 * Makes --root as runc does: its missing parents 0711 (they may be
 * shared; containerd's shim passes <runc root>/<namespace> and leaves
 * the making to the runtime), root itself 0700. Existing directories are
 * fine. 0, or -1 with *err.
 */
int oci_root_mkdir(const char *root, struct error **err);

/* <root>/cocoon: the --dir for the pods of root. malloc'd. */
char *oci_cocoon_dir(const char *root);

/* /proc/<pid>/stat starttime (field 22); 0 if pid is gone or a zombie. */
unsigned long long oci_proc_start_time(int pid);

/*
 * Loads <root>/<id>: 0, or -1 with *err (ENOENT: no such container).
 * A directory without oci.json loads with pid 0 (creating).
 */
int oci_container_load(const char *root, const char *id,
		       struct oci_container *c, struct error **err);
/* Writes oci.json atomically. */
int oci_container_save(const struct oci_container *c, struct error **err);
void oci_container_free(struct oci_container *c);

/* True when the shim whose pid and start time c holds still runs. */
bool oci_shim_alive(const struct oci_container *c);
enum oci_status oci_container_status(const struct oci_container *c);
/* True when <dir>/<name> exists. */
bool oci_marker_exists(const struct oci_container *c, const char *name);
int oci_marker_create(const struct oci_container *c, const char *name,
		      struct error **err);

/*
 * Removes the pod uuid of <root>/cocoon once its shim is gone (waiting up
 * to wait_ms for its lock): its mounts, cgroup and directory. A pod that
 * no longer exists is fine.
 */
int oci_pod_remove(const char *root, const char *uuid, long long wait_ms,
		   struct error **err);

/* The OCI state JSON (runtime.md "State"): a new object. */
struct json_object *oci_state_json(const struct oci_container *c);

#endif
