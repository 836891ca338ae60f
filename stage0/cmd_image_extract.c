// SPDX-License-Identifier: Apache-2.0
/* cocoon image extract / image render: copy an image into a directory. */
#include "stage0/cmd_image_common.h"
#include "images/export.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* True when dir exists and has entries. */
static bool extract_dir_busy(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool busy = false;

	if (!d)
		return errno != ENOENT;
	while (!busy && (de = readdir(d)))
		busy = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return busy;
}

static int extract_common(int argc, char **argv, const struct global_options *g,
			  bool rendered)
{
	static const struct option opts[] = {
		{"rootfs-only", no_argument, NULL, 'r'},
		{"overwrite", no_argument, NULL, 'o'},
		{0},
	};
	const char *cmd = rendered ? "image render" : "image extract";
	cleanup_error struct error *err = NULL;
	cleanup_free char *id = NULL;
	struct store *s = NULL;
	bool rootfs_only = false, overwrite = false;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'r')
			rootfs_only = true;
		else if (opt == 'o')
			overwrite = true;
		else
			return image_cmd_usage(cmd, "bad option");
	}
	if (optind + 2 != argc)
		return image_cmd_usage(cmd, "want IMAGE DIR");
	if (!overwrite && extract_dir_busy(argv[optind + 1]))
		return image_cmd_usage(cmd,
				       "%s exists and is not empty (use "
				       "--overwrite)",
				       argv[optind + 1]);
	if (image_cmd_open_store(g, false, &s, &err) < 0 ||
	    store_image_resolve(s, argv[optind], &id, &err) < 0) {
		store_close(s);
		return image_cmd_fail(cmd, &err);
	}
	r = export_to_dir(s, id, rendered, rootfs_only, argv[optind + 1], &err);
	store_close(s);
	if (r < 0)
		return image_cmd_fail(cmd, &err);
	return 0;
}

static int image_extract_run(int argc, char **argv,
			     const struct global_options *g)
{
	return extract_common(argc, argv, g, false);
}

static int image_render_run(int argc, char **argv,
			    const struct global_options *g)
{
	return extract_common(argc, argv, g, true);
}

COCOON_COMMAND(
	image_extract, .name = "image extract",
	.summary = "extract an image (without dependencies) into a directory",
	.usage = "Usage: cocoon image extract [--rootfs-only] [--overwrite] "
		 "IMAGE DIR\n"
		 "\n"
		 "Writes DIR/manifest and DIR/rootfs (or, with --rootfs-only, "
		 "the\n"
		 "rootfs into DIR). DIR must be missing or empty unless\n"
		 "--overwrite is given; files already there are then "
		 "replaced.\n"
		 "\n"
		 "Options:\n"
		 "  --rootfs-only   only the rootfs, into DIR itself\n"
		 "  --overwrite     write into a DIR that is not empty\n",
	.run = image_extract_run);

COCOON_COMMAND(
	image_render, .name = "image render",
	.summary = "render an image (dependencies applied) into a directory",
	.usage =
		"Usage: cocoon image render [--rootfs-only] [--overwrite] "
		"IMAGE DIR\n"
		"\n"
		"Like 'image extract', but of the rendered tree: dependencies\n"
		"applied in order, then the pathWhitelist.\n"
		"\n"
		"Options:\n"
		"  --rootfs-only   only the rootfs, into DIR itself\n"
		"  --overwrite     write into a DIR that is not empty\n",
	.run = image_render_run);
