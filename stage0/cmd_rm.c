// SPDX-License-Identifier: Apache-2.0
/* cocoon rm: remove pods that are not running. */
#include "stage0/cmd_image_common.h"
#include "stage0/pod.h"
#include "stage0/pod_cleanup.h"
#include "common/cleanup.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>

/*
 * Locks the pod (never waiting: a locked pod is in use), moves it to a
 * garbage state so that an interrupted rm leaves it where gc finishes the
 * job, undoes its mounts and cgroup, and deletes it.
 */
static int rm_one(const struct global_options *g, const char *arg,
		  struct error **err)
{
	cleanup_pod struct pod *p = NULL;

	if (pod_open(g->dir, arg, &p, err) < 0)
		return -1;
	if (pod_lock(p, false, err) < 0) {
		if ((*err)->code != EWOULDBLOCK)
			return -1;
		error_free(err);
		if (p->state == POD_RUN)
			return error_set(err, EBUSY,
					 "pod %s is running: stop it first "
					 "(cocoon stop %s)",
					 p->uuid, p->uuid);
		if (p->state == POD_EMBRYO || p->state == POD_PREPARE)
			return error_set(err, EBUSY,
					 "pod %s is being prepared by another "
					 "process",
					 p->uuid);
		return error_set(err, EBUSY,
				 "pod %s (%s) is in use by another process",
				 p->uuid, pod_state_dir(p->state));
	}
	switch (p->state) {
	case POD_RUN:
		if (pod_move(p, POD_EXITED_GARBAGE, err) < 0)
			return -1;
		break;
	case POD_EMBRYO:
	case POD_PREPARE:
	case POD_PREPARED:
		if (pod_move(p, POD_GARBAGE, err) < 0)
			return -1;
		break;
	default:
		break;
	}
	if (pod_cleanup(p, err) < 0)
		return error_wrap(err, "not removing pod %s", p->uuid);
	if (pod_destroy(p, err) < 0)
		return -1;
	printf("%s\n", p->uuid);
	return 0;
}

static int pod_rm_run(int argc, char **argv, const struct global_options *g)
{
	static const struct option opts[] = {{0}};
	int status = 0;

	optind = 1;
	if (getopt_long(argc, argv, "", opts, NULL) != -1)
		return image_cmd_usage("rm", "bad option");
	if (optind >= argc)
		return image_cmd_usage("rm", "want one or more pod UUIDs");
	for (int i = optind; i < argc; i++) {
		cleanup_error struct error *err = NULL;

		if (rm_one(g, argv[i], &err) < 0) {
			image_cmd_fail("rm", &err);
			status = 1;
		}
	}
	return status;
}

COCOON_COMMAND(
	pod_rm, .name = "rm", .summary = "remove pods that are not running",
	.usage = "Usage: cocoon rm UUID...\n"
		 "\n"
		 "Removes each pod (a UUID or a unique prefix) that is "
		 "exited,\n"
		 "prepared, a failed preparation, or garbage: it is moved to\n"
		 "exited-garbage/ or garbage/ first, its mounts and cgroup are "
		 "undone,\n"
		 "then its directory is deleted. Prints the UUID of each pod "
		 "removed.\n"
		 "A running pod (or one being prepared) is refused: stop it "
		 "first.\n"
		 "\n"
		 "Exit status: 0 if every pod was removed, else 1 (the others "
		 "are\n"
		 "still removed).\n",
	.run = pod_rm_run);
