// SPDX-License-Identifier: Apache-2.0
/* cocoon image verify: check the store's integrity. */
#include "stage0/cmd_image_common.h"
#include "common/cleanup.h"

#include <getopt.h>
#include <stdio.h>

static int image_verify_run(int argc, char **argv,
			    const struct global_options *g)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{0},
	};
	cleanup_error struct error *err = NULL;
	struct store_verify_report rep, total = {0};
	struct store *s = NULL;
	bool all = false;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'a')
			return image_cmd_usage("image verify", "bad option");
		all = true;
	}
	if (all == (optind < argc))
		return image_cmd_usage("image verify",
				       "give --all or IMAGE...");
	if (image_cmd_open_store(g, false, &s, &err) < 0)
		return image_cmd_fail("image verify", &err);
	for (int i = all ? argc - 1 : optind; i < argc; i++) {
		cleanup_free char *id = NULL;

		if (!all && store_image_resolve(s, argv[i], &id, &err) < 0) {
			store_close(s);
			return image_cmd_fail("image verify", &err);
		}
		if (store_verify(s, id, &rep, &err) < 0) {
			store_close(s);
			return image_cmd_fail("image verify", &err);
		}
		total.images += rep.images;
		total.blobs += rep.blobs;
		total.trees += rep.trees;
		total.bad += rep.bad;
	}
	store_close(s);
	printf("%u images, %u blobs, %u trees checked: %s\n", total.images,
	       total.blobs, total.trees,
	       total.bad ? "PROBLEMS FOUND" : "all good");
	return total.bad ? 1 : 0;
}

COCOON_COMMAND(
	image_verify, .name = "image verify",
	.summary = "check the store: every blob's digest, every tree present",
	.usage = "Usage: cocoon image verify (--all | IMAGE...)\n"
		 "\n"
		 "Re-hashes every blob and checks that every rendered tree the "
		 "index\n"
		 "records exists.\n"
		 "\n"
		 "Options:\n"
		 "  --all   every image in the store\n"
		 "\n"
		 "Exit status: 0, or 1 if anything is wrong.\n",
	.run = image_verify_run);
