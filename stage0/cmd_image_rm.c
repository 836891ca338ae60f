// SPDX-License-Identifier: Apache-2.0
/* cocoon image rm: remove images from the store. */
#include "stage0/cmd_image_common.h"
#include "common/cleanup.h"

#include <stdio.h>

static int image_rm_run(int argc, char **argv, const struct global_options *g)
{
	cleanup_error struct error *err = NULL;
	struct store *s = NULL;
	unsigned removed = 0;
	int status = 0;

	if (argc < 2)
		return image_cmd_usage("image rm", "no image given");
	/* Exclusive: no fetch may be halfway through adding files. */
	if (image_cmd_open_store(g, true, &s, &err) < 0)
		return image_cmd_fail("image rm", &err);
	for (int i = 1; i < argc; i++) {
		cleanup_free char *id = NULL;

		if (store_image_resolve(s, argv[i], &id, &err) < 0 ||
		    store_image_remove(s, id, &err) < 0) {
			image_cmd_fail("image rm", &err);
			status = 1;
			continue;
		}
		printf("%s\n", id);
	}
	if (store_gc(s, &removed, &err) < 0) {
		image_cmd_fail("image rm", &err);
		status = 1;
	}
	store_close(s);
	return status;
}

COCOON_COMMAND(image_rm, .name = "image rm",
	       .summary = "remove images from the store",
	       .usage = "Usage: cocoon image rm IMAGE...\n"
			"\n"
			"IMAGE is an ID, an ID prefix or NAME[:VERSION]. Blobs "
			"and trees\n"
			"no other image uses are deleted; each removed ID is "
			"printed.\n",
	       .run = image_rm_run);
