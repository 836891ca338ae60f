// SPDX-License-Identifier: Apache-2.0
/* cocoon run-prepared: run a pod made by `cocoon prepare`. */
#include "common/cleanup.h"
#include "common/error.h"
#include "common/log.h"
#include "stage0/cli.h"
#include "stage0/command.h"
#include "stage0/pod.h"
#include "stage0/supervisor.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int run_prepared_usage(const char *why)
{
	fprintf(stderr,
		"cocoon run-prepared: %s\n"
		"Usage: cocoon run-prepared [--interactive] UUID\n",
		why);
	return CLI_EXIT_USAGE;
}

/* --interactive needs a pod prepared for it: the guest sets up the tty. */
static int run_prepared_check_interactive(struct pod *p, struct error **err)
{
	cleanup_free char *text = NULL;
	struct json_object *cfg, *v;
	bool interactive = false;
	size_t len;

	text = pod_read_file(p, "stage0.json", 1u << 20, &len, err);
	if (!text)
		return -1;
	cfg = json_tokener_parse(text);
	if (cfg && json_object_object_get_ex(cfg, "interactive", &v))
		interactive = json_object_get_boolean(v);
	json_object_put(cfg);
	if (!interactive)
		return error_set(err, EINVAL,
				 "it was prepared without --interactive; "
				 "prepare it with `cocoon prepare "
				 "--interactive`");
	return 0;
}

static int run_prepared_run(int argc, char **argv,
			    const struct global_options *g)
{
	cleanup_error struct error *err = NULL;
	cleanup_pod struct pod *p = NULL;
	const char *uuid = NULL;
	bool interactive = false;
	int status;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--interactive") ||
		    !strcmp(argv[i], "--interactive=true"))
			interactive = true;
		else if (!strcmp(argv[i], "--interactive=false"))
			interactive = false;
		else if (argv[i][0] == '-' && argv[i][1])
			return run_prepared_usage("unknown option");
		else if (uuid)
			return run_prepared_usage("more than one UUID given");
		else
			uuid = argv[i];
	}
	if (!uuid)
		return run_prepared_usage("no pod UUID given");
	if (pod_open(g->dir, uuid, &p, &err) < 0)
		goto fail;
	if (pod_lock(p, false, &err) < 0) {
		if (err && err->code == EWOULDBLOCK) {
			error_free(&err);
			error_set(&err, EBUSY, "pod %s is in use", p->uuid);
		}
		goto fail;
	}
	/* pod_lock() re-found the folder: the state is current now. */
	if (p->state != POD_PREPARED) {
		error_set(&err, EINVAL, "pod %s is %s, not prepared", p->uuid,
			  pod_state_dir(p->state));
		goto fail;
	}
	if (interactive && run_prepared_check_interactive(p, &err) < 0) {
		error_wrap(&err, "--interactive with pod %s", p->uuid);
		goto fail;
	}
	status = pod_supervise(g, p, &err);
	if (status < 0)
		goto fail;
	return status;
fail:
	error_wrap(&err, "run-prepared");
	error_print(&err);
	return 1;
}

COCOON_COMMAND(run_prepared, .name = "run-prepared",
	       .summary = "run a prepared pod",
	       .usage = "Usage: cocoon run-prepared [--interactive] UUID\n"
			"\n"
			"Runs the pod made by `cocoon prepare` (UUID or a "
			"unique prefix) in\n"
			"the foreground, as `cocoon run` does, and exits with "
			"its app's status.\n"
			"\n"
			"Options:\n"
			"  --interactive   attach the terminal to the app (the "
			"pod must\n"
			"                  have been prepared with "
			"--interactive)\n",
	       .run = run_prepared_run);
