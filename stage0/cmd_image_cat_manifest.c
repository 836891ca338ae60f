// SPDX-License-Identifier: Apache-2.0
/* cocoon image cat-manifest: print an image's appc manifest. */
#include "stage0/cmd_image_common.h"
#include "common/cleanup.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static int cat_manifest_run(int argc, char **argv,
			    const struct global_options *g)
{
	static const struct option opts[] = {
		{"pretty-print", no_argument, NULL, 'p'},
		{0},
	};
	cleanup_error struct error *err = NULL;
	cleanup_free char *id = NULL;
	struct store_image *img = NULL;
	struct store *s = NULL;
	bool pretty = false;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'p')
			return image_cmd_usage("image cat-manifest",
					       "bad option");
		pretty = true;
	}
	if (optind + 1 != argc)
		return image_cmd_usage("image cat-manifest",
				       "give exactly one image");
	if (image_cmd_open_store(g, false, &s, &err) < 0 ||
	    store_image_resolve(s, argv[optind], &id, &err) < 0 ||
	    store_image_get(s, id, &img, &err) < 0) {
		store_close(s);
		return image_cmd_fail("image cat-manifest", &err);
	}
	if (pretty) {
		struct json_object *j = json_tokener_parse(img->manifest);

		printf("%s\n",
		       json_object_to_json_string_ext(
			       j, JSON_C_TO_STRING_PRETTY |
					  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	} else {
		printf("%s\n", img->manifest);
	}
	store_image_free(img);
	store_close(s);
	return 0;
}

COCOON_COMMAND(
	image_cat_manifest, .name = "image cat-manifest",
	.summary = "print an image's manifest",
	.usage = "Usage: cocoon image cat-manifest [--pretty-print] IMAGE\n"
		 "\n"
		 "IMAGE is an ID, an ID prefix or NAME[:VERSION]. OCI images "
		 "show\n"
		 "the appc manifest they were converted to.\n"
		 "\n"
		 "Options:\n"
		 "  --pretty-print   indent the JSON\n",
	.run = cat_manifest_run);
