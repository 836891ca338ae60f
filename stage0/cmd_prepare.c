// SPDX-License-Identifier: Apache-2.0
/*
 * cocoon prepare: a pod made ready to run (pods/prepared/<uuid>), its UUID
 * on stdout; `cocoon run-prepared UUID` runs it.
 */
#include "common/cleanup.h"
#include "common/log.h"
#include "stage0/cmd_image_common.h"
#include "stage0/prepare.h"
#include "stage0/run_options.h"

#include <stdio.h>
#include <stdlib.h>

static void prepare_options_freep(struct run_options **o)
{
	run_options_free(*o);
}

static int prepare_run(int argc, char **argv, const struct global_options *g)
{
	__attribute__((cleanup(prepare_options_freep))) struct run_options *o =
		NULL;
	cleanup_error struct error *err = NULL;
	cleanup_pod struct pod *p = NULL;
	struct global_options gg = *g;

	if (run_options_parse(argc, argv, false, &o, &err) < 0)
		return image_cmd_usage("prepare", "%s", err->message);
	gg.insecure |= o->insecure;
	if (o->debug) {
		gg.debug = 1;
		log_set_level(LOG_DEBUG);
	}
	if (pod_create(gg.dir, &p, &err) < 0)
		return image_cmd_fail("prepare", &err);
	if (pod_prepare(&gg, o, p, &err) < 0 ||
	    run_options_save_uuid(o, p, &err) < 0 ||
	    pod_move(p, POD_PREPARED, &err) < 0) {
		cleanup_error struct error *discard = NULL;

		if (pod_prepare_discard(p, &discard) < 0)
			log_warn("%s", discard->message);
		return image_cmd_fail("prepare", &err);
	}
	/* Unlocked by pod_free(): a prepared pod waits for run-prepared. */
	printf("%s\n", p->uuid);
	return fflush(stdout) == 0 ? 0 : 1;
}

COCOON_COMMAND(prepare, .name = "prepare",
	       .summary = "prepare a pod to run later with run-prepared",
	       .usage = "Usage: cocoon prepare [FLAGS] IMAGE [APP FLAGS] "
			"[-- ARGS... [---]] [IMAGE ...]\n"
			"\n"
			"Fetches and verifies the images and prepares a pod "
			"in pods/prepared/,\n"
			"unlocked, then prints its UUID; 'cocoon run-prepared "
			"UUID' runs it.\n"
			"Takes the flags of 'cocoon run'.\n"
			"\n" RUN_OPTIONS_USAGE,
	       .run = prepare_run);
