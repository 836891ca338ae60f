// SPDX-License-Identifier: Apache-2.0
/*
 * cocoon run: prepare a pod and become its supervisor (docs/pods.md); the
 * exit status is the app's.
 */
#include "common/cleanup.h"
#include "common/log.h"
#include "stage0/cmd_image_common.h"
#include "stage0/prepare.h"
#include "stage0/run_options.h"
#include "stage0/supervisor.h"

#include <stdio.h>
#include <stdlib.h>

static void run_options_freep(struct run_options **o)
{
	run_options_free(*o);
}

static int run_run(int argc, char **argv, const struct global_options *g)
{
	__attribute__((cleanup(run_options_freep))) struct run_options *o =
		NULL;
	cleanup_error struct error *err = NULL;
	cleanup_pod struct pod *p = NULL;
	struct global_options gg = *g;
	int status;

	if (run_options_parse(argc, argv, true, &o, &err) < 0) {
		status = image_cmd_usage("run", "%s", err->message);
		return status;
	}
	gg.insecure |= o->insecure;
	if (o->debug) {
		gg.debug = 1;
		log_set_level(LOG_DEBUG);
	}
	if (pod_create(gg.dir, &p, &err) < 0)
		return image_cmd_fail("run", &err);
	if (pod_prepare(&gg, o, p, &err) < 0) {
		cleanup_error struct error *discard = NULL;

		if (pod_prepare_discard(p, &discard) < 0)
			log_warn("%s", discard->message);
		return image_cmd_fail("run", &err);
	}
	if (run_options_save_uuid(o, p, &err) < 0) {
		cleanup_error struct error *discard = NULL;

		if (pod_prepare_discard(p, &discard) < 0)
			log_warn("%s", discard->message);
		return image_cmd_fail("run", &err);
	}
	log_debug("run: pod %s prepared", p->uuid);
	status = pod_supervise(&gg, p, &err);
	if (status < 0)
		return image_cmd_fail("run", &err);
	return status;
}

COCOON_COMMAND(run, .name = "run",
	       .summary = "run images as a pod in a new virtual machine",
	       .usage = "Usage: cocoon run [FLAGS] IMAGE [APP FLAGS] "
			"[-- ARGS... [---]] [IMAGE ...]\n"
			"\n"
			"Fetches and verifies the images, prepares a pod and "
			"runs it in its own\n"
			"KVM virtual machine, in the foreground. The exit "
			"status is the app's\n"
			"(128+N for a signal); with several apps, the first "
			"failing app's.\n"
			"\n" RUN_OPTIONS_USAGE,
	       .run = run_run);
