// SPDX-License-Identifier: Apache-2.0
/* cocoon image gc: remove unreferenced blobs, trees and stale temp files. */
#include "stage0/cmd_image_common.h"
#include "common/cleanup.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct gc_ctx {
	struct store *store;
	int64_t cutoff;
	unsigned removed;
	struct error **err;
};

static int gc_old(const struct store_image *img, void *arg)
{
	struct gc_ctx *c = arg;

	if (img->last_used >= c->cutoff)
		return 0;
	if (store_image_remove(c->store, img->id, c->err) < 0)
		return -1;
	printf("removed image %s (last used %lld)\n", img->id,
	       (long long)img->last_used);
	c->removed++;
	return 0;
}

/* "30s", "10m", "24h", "7d", or seconds. */
static int parse_duration(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	if (end == s || v < 0)
		return -1;
	switch (*end) {
	case 'd':
		v *= 24;
		/* fallthrough */
	case 'h':
		v *= 60;
		/* fallthrough */
	case 'm':
		v *= 60;
		/* fallthrough */
	case 's':
		end++;
		break;
	default:
		break;
	}
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int image_gc_run(int argc, char **argv, const struct global_options *g)
{
	static const struct option opts[] = {
		{"grace-period", required_argument, NULL, 'g'},
		{0},
	};
	cleanup_error struct error *err = NULL;
	struct gc_ctx c = {.err = &err, .cutoff = -1};
	unsigned removed = 0;
	int64_t grace;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'g' || parse_duration(optarg, &grace) < 0)
			return image_cmd_usage("image gc", "bad option");
		c.cutoff = (int64_t)time(NULL) - grace;
	}
	if (optind < argc)
		return image_cmd_usage("image gc", "unexpected argument");
	if (image_cmd_open_store(g, true, &c.store, &err) < 0)
		return image_cmd_fail("image gc", &err);
	if ((c.cutoff >= 0 &&
	     store_image_for_each(c.store, gc_old, &c, &err) < 0) ||
	    store_gc(c.store, &removed, &err) < 0) {
		store_close(c.store);
		return image_cmd_fail("image gc", &err);
	}
	store_close(c.store);
	printf("%u images and %u unreferenced files removed\n", c.removed,
	       removed);
	return 0;
}

COCOON_COMMAND(
	image_gc, .name = "image gc",
	.summary = "remove unreferenced blobs and trees, and old images",
	.usage =
		"Usage: cocoon image gc [--grace-period=DURATION]\n"
		"\n"
		"Removes blobs and rendered trees no image refers to and what\n"
		"killed fetches left in the temp dir.\n"
		"\n"
		"Options:\n"
		"  --grace-period=DURATION   first remove the images not used "
		"for\n"
		"                            that long (e.g. 24h, 7d)\n",
	.run = image_gc_run);
