// SPDX-License-Identifier: Apache-2.0
/*
 * cocoon gc: collect pods, as `rkt gc` does. Exited pods are moved to
 * exited-garbage/ and their mounts and cgroup undone (this is what cleans
 * up after a SIGKILLed supervisor); exited garbage older than the grace
 * period is deleted; failed preparations and expired prepared pods go to
 * garbage/ and are deleted. A pod whose lock is held is in use and never
 * touched.
 */
#include "stage0/audit.h"
#include "stage0/cli.h"
#include "stage0/cmd_image_common.h"
#include "stage0/duration.h"
#include "stage0/pod.h"
#include "stage0/pod_cleanup.h"
#include "stage0/pod_status.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define GC_DEFAULT_GRACE	   "30m"
#define GC_DEFAULT_EXPIRE_PREPARED "24h"

struct gc_ctx {
	const struct global_options *g;
	int64_t grace_ms, expire_prepared_ms;
	bool mark_only;
	int status;
};

static void gc_fail(struct gc_ctx *c, struct error **err)
{
	error_wrap(err, "gc");
	error_print(err);
	c->status = 1;
}

/* Takes the lock if nobody holds it; false (quietly) if in use. */
static bool gc_lock(struct gc_ctx *c, struct pod *p)
{
	cleanup_error struct error *err = NULL;

	if (pod_lock(p, false, &err) == 0)
		return true;
	if (err->code != EWOULDBLOCK && err->code != ENOENT)
		gc_fail(c, &err);
	return false;
}

static int64_t gc_age_ms(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return ((int64_t)now.tv_sec - t->tv_sec) * 1000 +
	       (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* When the prepared pod was made: stage0.json's "created". */
static int64_t gc_prepared_age_ms(struct pod *p)
{
	struct pod_status st;
	struct timespec t = {0};

	if (pod_status_read(p, &st, NULL) == 0 && st.created.tv_sec)
		t = st.created;
	pod_status_free(&st);
	if (!t.tv_sec && pod_marked_time(p, &t, NULL) < 0)
		return 0;
	return gc_age_ms(&t);
}

static void gc_clean(struct gc_ctx *c, struct pod *p)
{
	cleanup_error struct error *err = NULL;

	if (pod_cleanup(p, &err) < 0)
		gc_fail(c, &err);
}

static void gc_move(struct gc_ctx *c, struct pod *p, enum pod_state to,
		    const char *why)
{
	cleanup_error struct error *err = NULL;

	if (pod_move(p, to, &err) < 0) {
		gc_fail(c, &err);
		return;
	}
	printf("moved pod %s to %s (%s)\n", p->uuid, pod_state_dir(to), why);
}

/* Phase 1: moves, and the cleanup of exited pods. */
static void gc_mark(struct gc_ctx *c, struct pod *p)
{
	switch (p->state) {
	case POD_RUN:
		if (pod_lock_held_elsewhere(p) || !gc_lock(c, p))
			return; /* running */
		if (p->state != POD_RUN)
			break;
		gc_move(c, p, POD_EXITED_GARBAGE, "exited");
		audit_pod_collected(p); /* its supervisor may have died */
		gc_clean(c, p);
		break;
	case POD_EMBRYO:
	case POD_PREPARE:
		/* Unlocked while being prepared: the preparer died. */
		if (gc_lock(c, p) &&
		    (p->state == POD_EMBRYO || p->state == POD_PREPARE))
			gc_move(c, p, POD_GARBAGE, "failed preparation");
		break;
	case POD_PREPARED:
		if (gc_prepared_age_ms(p) < c->expire_prepared_ms)
			break;
		if (gc_lock(c, p) && p->state == POD_PREPARED)
			gc_move(c, p, POD_GARBAGE, "prepared, expired");
		break;
	case POD_EXITED_GARBAGE:
		/* Again, in case an earlier gc could not finish. */
		if (gc_lock(c, p))
			gc_clean(c, p);
		break;
	default:
		break;
	}
}

/* Phase 2: deletes garbage, and exited garbage past its grace period. */
static void gc_sweep(struct gc_ctx *c, struct pod *p)
{
	cleanup_error struct error *err = NULL;
	struct timespec marked;

	if (p->state != POD_EXITED_GARBAGE && p->state != POD_GARBAGE)
		return;
	if (p->state == POD_EXITED_GARBAGE) {
		if (pod_marked_time(p, &marked, &err) < 0) {
			gc_fail(c, &err);
			return;
		}
		if (gc_age_ms(&marked) < c->grace_ms)
			return;
	}
	if (!p->locked && !gc_lock(c, p))
		return;
	if (p->state != POD_EXITED_GARBAGE && p->state != POD_GARBAGE)
		return;
	if (pod_cleanup(p, &err) < 0 || pod_destroy(p, &err) < 0) {
		gc_fail(c, &err);
		return;
	}
	printf("removed pod %s\n", p->uuid);
}

static int gc_pass(struct gc_ctx *c,
		   void (*fn)(struct gc_ctx *c, struct pod *p))
{
	cleanup_error struct error *err = NULL;
	struct pod **pods = NULL;
	size_t count = 0;

	if (pod_list(c->g->dir, &pods, &count, &err) < 0) {
		gc_fail(c, &err);
		return -1;
	}
	for (size_t i = 0; i < count; i++)
		fn(c, pods[i]);
	pod_list_free(pods, count); /* also unlocks */
	return 0;
}

static int gc_duration(const char *flag, const char *value, int64_t *out)
{
	cleanup_error struct error *err = NULL;

	if (duration_parse(value, out, &err) == 0)
		return 0;
	image_cmd_usage("gc", "--%s: %s", flag, err->message);
	return -1;
}

static int pod_gc_run(int argc, char **argv, const struct global_options *g)
{
	static const struct option opts[] = {
		{"grace-period", required_argument, NULL, 'g'},
		{"expire-prepared", required_argument, NULL, 'e'},
		{"mark-only", no_argument, NULL, 'm'},
		{0},
	};
	struct gc_ctx c = {.g = g};
	int opt;

	if (gc_duration("grace-period", GC_DEFAULT_GRACE, &c.grace_ms) < 0 ||
	    gc_duration("expire-prepared", GC_DEFAULT_EXPIRE_PREPARED,
			&c.expire_prepared_ms) < 0)
		return 1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'g':
			if (gc_duration("grace-period", optarg, &c.grace_ms) <
			    0)
				return CLI_EXIT_USAGE;
			break;
		case 'e':
			if (gc_duration("expire-prepared", optarg,
					&c.expire_prepared_ms) < 0)
				return CLI_EXIT_USAGE;
			break;
		case 'm':
			c.mark_only = true;
			break;
		default:
			return image_cmd_usage("gc", "bad option");
		}
	}
	if (optind < argc)
		return image_cmd_usage("gc", "unexpected argument %s",
				       argv[optind]);
	if (gc_pass(&c, gc_mark) < 0)
		return 1;
	if (!c.mark_only) {
		cleanup_error struct error *err = NULL;
		unsigned stale = 0;

		if (pod_remove_stale_embryos(g->dir, &stale, &err) < 0)
			gc_fail(&c, &err);
		else if (stale)
			printf("removed %u half-created pod director%s\n",
			       stale, stale == 1 ? "y" : "ies");
	}
	if (!c.mark_only)
		gc_pass(&c, gc_sweep);
	return c.status;
}

COCOON_COMMAND(
	pod_gc, .name = "gc", .summary = "garbage-collect pods",
	.usage =
		"Usage: cocoon gc [--grace-period=DURATION] "
		"[--expire-prepared=DURATION]\n"
		"                 [--mark-only]\n"
		"\n"
		"Collects pods as rkt gc does; a pod in use (its lock held) "
		"is never\n"
		"touched, so running pods are safe:\n"
		"\n"
		"  * exited pods (in run/, lock free) move to exited-garbage/ "
		"and\n"
		"    their mounts and cgroup are undone: this cleans up after "
		"a\n"
		"    supervisor that was killed;\n"
		"  * exited garbage marked longer ago than the grace period is "
		"deleted;\n"
		"  * failed preparations (embryo/ or prepare/, lock free) and "
		"prepared\n"
		"    pods older than --expire-prepared move to garbage/ and "
		"are deleted.\n"
		"\n"
		"One line is printed per pod acted on.\n"
		"\n"
		"Options:\n"
		"  --grace-period=DURATION     how long exited pods stay "
		"(default " GC_DEFAULT_GRACE ")\n"
		"  --expire-prepared=DURATION  how long prepared pods stay "
		"(default " GC_DEFAULT_EXPIRE_PREPARED ")\n"
		"  --mark-only                 only move pods (and clean up "
		"exited ones);\n"
		"                              delete nothing\n"
		"\n"
		"DURATION: 500ms, 10s, 30m, 24h, 1h30m, or seconds.\n"
		"Exit status: 0, or 1 if anything could not be collected "
		"(the rest is).\n",
	.run = pod_gc_run);
