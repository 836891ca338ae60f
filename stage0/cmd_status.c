// SPDX-License-Identifier: Apache-2.0
/* cocoon status: one pod's state, times, pid and app exit codes. */
#include "stage0/cli.h"
#include "stage0/cmd_image_common.h"
#include "stage0/duration.h"
#include "stage0/pod.h"
#include "stage0/pod_status.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static long long status_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static bool status_has_exited(struct pod *p)
{
	if (p->state == POD_EXITED_GARBAGE || p->state == POD_GARBAGE)
		return true;
	return p->state == POD_RUN && !pod_lock_held_elsewhere(p);
}

/*
 * Waits until the pod has exited (ready: until it runs and the guest said
 * all apps started). timeout_ms < 0 waits for ever. The pod may move on
 * meanwhile, so it is re-found by UUID on each round.
 */
static int status_wait(const struct global_options *g, struct pod **pp,
		       bool ready, long long timeout_ms, struct error **err)
{
	const struct timespec pause = {.tv_nsec = 20 * 1000 * 1000};
	long long deadline = status_now_ms() + timeout_ms;
	char uuid[POD_UUID_LEN + 1];

	snprintf(uuid, sizeof(uuid), "%s", (*pp)->uuid);
	for (;;) {
		struct pod *p = NULL;

		if (pod_open(g->dir, uuid, &p, err) < 0)
			return -1;
		pod_free(*pp);
		*pp = p;
		if (ready) {
			struct pod_status st;
			bool is_ready, running;

			if (status_has_exited(p))
				return error_set(err, ESRCH,
						 "pod %s exited before it was "
						 "ready",
						 uuid);
			if (pod_status_read(p, &st, NULL) < 0)
				log_debug("status: pod %s: state.json not "
					  "readable yet",
					  uuid);
			running = st.running;
			is_ready = st.ready;
			pod_status_free(&st);
			if (running && is_ready)
				return 0;
		} else if (p->state == POD_RUN && pod_lock_held_elsewhere(p)) {
			/* Running: block on the lock itself. */
			long long left = timeout_ms < 0
						 ? -1
						 : deadline - status_now_ms();

			if (left < 0 && timeout_ms >= 0)
				left = 0;
			if (pod_wait_unlocked(p, left, err) < 0) {
				if ((*err)->code == ETIMEDOUT)
					break;
				return -1;
			}
			continue; /* re-check where it is now */
		} else if (status_has_exited(p)) {
			return 0;
		}
		if (timeout_ms >= 0 && status_now_ms() >= deadline)
			break;
		nanosleep(&pause, NULL);
	}
	error_free(err);
	return error_set(err, ETIMEDOUT, "pod %s %s within %lld ms", uuid,
			 ready ? "was not ready" : "did not exit", timeout_ms);
}

static void status_print(const struct pod_status *st)
{
	char t[64];

	printf("state=%s\n", st->state);
	pod_time_format_human(&st->created, t, sizeof(t));
	printf("created=%s\n", st->created.tv_sec ? t : "");
	pod_time_format_human(&st->started, t, sizeof(t));
	printf("started=%s\n", st->started.tv_sec ? t : "");
	printf("networks=%s\n", st->networks ? st->networks : "");
	if (st->pid)
		printf("pid=%ld\n", st->pid);
	else
		printf("pid=-1\n");
	printf("exited=%s\n",
	       st->running || st->dir_state < POD_RUN ? "false" : "true");
	if (st->exited.tv_sec) {
		pod_time_format_human(&st->exited, t, sizeof(t));
		printf("exited-at=%s\n", t);
	}
	if (st->reason)
		printf("reason=%s\n", st->reason);
	for (size_t i = 0; i < st->napps; i++) {
		const struct pod_app_status *a = &st->apps[i];

		if (!a->has_status)
			continue;
		/* As `cocoon run` exits: 128+N for an app killed by N. */
		printf("app-%s=%d\n", a->name,
		       a->status >= 0 ? a->status : 128 + a->signal);
	}
}

static int status_run(int argc, char **argv, const struct global_options *g)
{
	static const struct option opts[] = {
		{"wait", optional_argument, NULL, 'w'},
		{"wait-ready", optional_argument, NULL, 'r'},
		{"format", required_argument, NULL, 'f'},
		{0},
	};
	cleanup_error struct error *err = NULL;
	cleanup_pod struct pod *p = NULL;
	struct pod_status st;
	long long wait_ms = -1, ready_ms = -1;
	bool wait = false, wait_ready = false;
	int opt, json_flags = -1, status = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		int64_t ms = -1;

		switch (opt) {
		case 'w':
		case 'r':
			if (optarg && duration_parse(optarg, &ms, &err) < 0) {
				error_wrap(&err, "--%s",
					   opt == 'w' ? "wait" : "wait-ready");
				image_cmd_usage("status", "%s", err->message);
				return CLI_EXIT_USAGE;
			}
			if (opt == 'w') {
				wait = true;
				wait_ms = ms;
			} else {
				wait_ready = true;
				ready_ms = ms;
			}
			break;
		case 'f':
			if (!strcmp(optarg, "json"))
				json_flags = JSON_C_TO_STRING_PLAIN;
			else if (!strcmp(optarg, "json-pretty"))
				json_flags = JSON_C_TO_STRING_PRETTY |
					     JSON_C_TO_STRING_SPACED;
			else if (strcmp(optarg, "text"))
				return image_cmd_usage(
					"status",
					"--format=%s: want json, json-pretty "
					"or text",
					optarg);
			break;
		default:
			return image_cmd_usage("status", "bad option");
		}
	}
	if (optind + 1 != argc)
		return image_cmd_usage("status", "want exactly one pod UUID");
	if (pod_open(g->dir, argv[optind], &p, &err) < 0)
		return image_cmd_fail("status", &err);
	if (wait_ready && status_wait(g, &p, true, ready_ms, &err) < 0)
		return image_cmd_fail("status", &err);
	if (wait && status_wait(g, &p, false, wait_ms, &err) < 0)
		return image_cmd_fail("status", &err);
	if (pod_status_read(p, &st, &err) < 0) {
		/* Show what could be read, and fail. */
		error_wrap(&err, "status");
		error_print(&err);
		status = 1;
	}
	if (json_flags >= 0) {
		struct json_object *j = pod_status_to_json(&st);

		printf("%s\n", json_object_to_json_string_ext(j, json_flags));
		json_object_put(j);
	} else {
		status_print(&st);
	}
	pod_status_free(&st);
	return status;
}

COCOON_COMMAND(
	pod_status, .name = "status", .summary = "show the status of a pod",
	.usage = "Usage: cocoon status [--wait[=DURATION]] "
		 "[--wait-ready[=DURATION]]\n"
		 "                     [--format=json|json-pretty] UUID\n"
		 "\n"
		 "Prints the pod's status as key=value lines, as rkt does:\n"
		 "\n"
		 "  state=running            embryo, preparing, prepared, "
		 "running, exited,\n"
		 "                           exited garbage or garbage\n"
		 "  created=2026-11-28 15:04:05.123 +0000 UTC\n"
		 "  started=...              empty until the pod ran\n"
		 "  networks=                NAME:ip4=ADDRESS,... of the pod's "
		 "networks\n"
		 "  pid=1240                 the VMM's pid, -1 if none\n"
		 "  exited=false\n"
		 "  exited-at=...            when the pod exited, if it has\n"
		 "  reason=apps exited       why the pod ended, if it has\n"
		 "  app-NAME=CODE            per app that has exited: its exit "
		 "status,\n"
		 "                           128+N when killed by signal N\n"
		 "\n"
		 "UUID may be a unique prefix.\n"
		 "\n"
		 "Options:\n"
		 "  --wait[=DURATION]        wait until the pod has exited "
		 "(at most\n"
		 "                           DURATION, e.g. 30s, 5m; default "
		 "for ever)\n"
		 "  --wait-ready[=DURATION]  wait until the pod runs and all "
		 "its apps\n"
		 "                           were started; fails if it exits "
		 "first\n"
		 "  --format=FORMAT          json or json-pretty: one JSON "
		 "object;\n"
		 "                           text (default)\n"
		 "\n"
		 "Exit status: 0; 1 if the pod is unknown, a wait timed out, "
		 "or its\n"
		 "files could not be read; 2 for a usage error.\n",
	.run = status_run);
