// SPDX-License-Identifier: Apache-2.0
/* cocoon image export: write an image out as an ACI file. */
#include "stage0/cmd_image_common.h"
#include "images/export.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int image_export_run(int argc, char **argv,
			    const struct global_options *g)
{
	static const struct option opts[] = {
		{"overwrite", no_argument, NULL, 'o'},
		{0},
	};
	cleanup_error struct error *err = NULL;
	cleanup_free char *id = NULL, *tmp = NULL;
	cleanup_close int fd = -1;
	struct store *s = NULL;
	bool overwrite = false;
	const char *out;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'o')
			return image_cmd_usage("image export", "bad option");
		overwrite = true;
	}
	if (optind + 2 != argc)
		return image_cmd_usage("image export", "want IMAGE FILE.aci");
	out = argv[optind + 1];
	if (!overwrite && access(out, F_OK) == 0)
		return image_cmd_usage("image export",
				       "%s exists (use --overwrite)", out);
	if (asprintf(&tmp, "%s.tmp-XXXXXX", out) < 0)
		return 1;
	if (image_cmd_open_store(g, false, &s, &err) < 0 ||
	    store_image_resolve(s, argv[optind], &id, &err) < 0) {
		store_close(s);
		return image_cmd_fail("image export", &err);
	}
	fd = mkstemp(tmp);
	if (fd < 0) {
		error_set_errno(&err, "create %s", tmp);
		store_close(s);
		return image_cmd_fail("image export", &err);
	}
	r = export_aci(s, id, false, fd, &err);
	store_close(s);
	if (r == 0 &&
	    (fchmod(fd, 0644) < 0 || fsync(fd) < 0 || rename(tmp, out) < 0))
		r = error_set_errno(&err, "write %s", out);
	if (r < 0) {
		unlink(tmp);
		return image_cmd_fail("image export", &err);
	}
	return 0;
}

COCOON_COMMAND(
	image_export, .name = "image export",
	.summary = "write an image out as an ACI file",
	.usage = "Usage: cocoon image export [--overwrite] IMAGE FILE.aci\n"
		 "\n"
		 "An ACI is written as it was imported (without its "
		 "dependencies);\n"
		 "an OCI image as an ACI of its rendered tree and converted "
		 "manifest.\n"
		 "\n"
		 "Options:\n"
		 "  --overwrite   replace FILE.aci if it exists\n",
	.run = image_export_run);
