// SPDX-License-Identifier: Apache-2.0
/* cocoon cat-manifest: print a pod's appc pod manifest (its `pod` file). */
#include "stage0/cmd_image_common.h"
#include "stage0/pod.h"
#include "common/cleanup.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

/* The manifest stage0 wrote; bounded like every file read from a pod. */
#define CAT_MANIFEST_MAX (16u << 20)

static int pod_cat_manifest_run(int argc, char **argv,
				const struct global_options *g)
{
	static const struct option opts[] = {
		{"pretty-print", no_argument, NULL, 'p'},
		{0},
	};
	cleanup_error struct error *err = NULL;
	cleanup_pod struct pod *p = NULL;
	cleanup_free char *text = NULL;
	bool pretty = false;
	size_t len = 0;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'p')
			return image_cmd_usage("cat-manifest", "bad option");
		pretty = true;
	}
	if (optind + 1 != argc)
		return image_cmd_usage("cat-manifest",
				       "want exactly one pod UUID");
	if (pod_open(g->dir, argv[optind], &p, &err) < 0)
		return image_cmd_fail("cat-manifest", &err);
	text = pod_read_file(p, "pod", CAT_MANIFEST_MAX, &len, &err);
	if (!text) {
		if (err->code == ENOENT) {
			error_free(&err);
			error_set(&err, ENOENT,
				  "pod %s has no manifest (it is in %s: "
				  "not prepared yet, or its preparation "
				  "failed)",
				  p->uuid, pod_state_dir(p->state));
		}
		return image_cmd_fail("cat-manifest", &err);
	}
	if (pretty) {
		enum json_tokener_error jerr;
		struct json_object *j = json_tokener_parse_verbose(text, &jerr);

		if (!j) {
			error_set(&err, EINVAL, "%s/pod is not JSON: %s",
				  p->path, json_tokener_error_desc(jerr));
			return image_cmd_fail("cat-manifest", &err);
		}
		printf("%s\n",
		       json_object_to_json_string_ext(
			       j, JSON_C_TO_STRING_PRETTY |
					  JSON_C_TO_STRING_SPACED |
					  JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(j);
	} else {
		fwrite(text, 1, len, stdout);
		if (!len || text[len - 1] != '\n')
			putchar('\n');
	}
	return 0;
}

COCOON_COMMAND(
	pod_cat_manifest, .name = "cat-manifest",
	.summary = "print a pod's manifest",
	.usage = "Usage: cocoon cat-manifest [--pretty-print] UUID\n"
		 "\n"
		 "Prints the appc pod manifest of the pod (the `pod` file in "
		 "its\n"
		 "directory) as stage0 wrote it. UUID may be a unique "
		 "prefix.\n"
		 "\n"
		 "Options:\n"
		 "  --pretty-print   indent the JSON\n",
	.run = pod_cat_manifest_run);
