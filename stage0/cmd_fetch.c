// SPDX-License-Identifier: Apache-2.0
/* cocoon fetch: import images into the store, printing each image ID. */
#include "stage0/cmd_image_common.h"
#include "common/cleanup.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fetch_run(int argc, char **argv, const struct global_options *g)
{
	static const struct option opts[] = {
		{"pull-policy", required_argument, NULL, 'p'},
		{"insecure-options", required_argument, NULL, 'i'},
		{"max-size", required_argument, NULL, 's'},
		{"max-entries", required_argument, NULL, 'e'},
		{"max-path", required_argument, NULL, 'l'},
		{"no-progress", no_argument, NULL, 'n'},
		{0},
	};
	cleanup_error struct error *err = NULL;
	struct global_options gg = *g;
	struct store *s = NULL;
	struct fetch_opts o;
	uint64_t v;
	int c, status = 0;

	image_cmd_fetch_opts(g, &o);
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!strcmp(optarg, "new"))
				o.pull = PULL_NEW;
			else if (!strcmp(optarg, "update"))
				o.pull = PULL_UPDATE;
			else if (!strcmp(optarg, "never"))
				o.pull = PULL_NEVER;
			else
				return image_cmd_usage(
					"fetch",
					"--pull-policy: want new, update or "
					"never, not \"%s\"",
					optarg);
			break;
		case 'i':
			if (insecure_options_parse(optarg, &gg.insecure, &err) <
			    0)
				return image_cmd_fail("fetch", &err);
			gg.insecure |= g->insecure;
			o.insecure_image = gg.insecure & INSECURE_IMAGE;
			o.insecure_http = gg.insecure & INSECURE_HTTP;
			o.insecure_tls = gg.insecure & INSECURE_TLS;
			o.insecure_pubkey = gg.insecure & INSECURE_PUBKEY;
			break;
		case 's':
		case 'e':
		case 'l':
			if (image_cmd_parse_size(optarg, &v, &err) < 0)
				return image_cmd_fail("fetch", &err);
			if (c == 's')
				o.limits.max_bytes = v;
			else if (c == 'e')
				o.limits.max_entries = v;
			else
				o.limits.max_path = (size_t)v;
			break;
		case 'n':
			o.progress = false;
			break;
		default:
			return image_cmd_usage("fetch", "bad option");
		}
	}
	if (optind >= argc)
		return image_cmd_usage("fetch", "no image given");
	if (image_cmd_open_store(&gg, false, &s, &err) < 0)
		return image_cmd_fail("fetch", &err);
	for (int i = optind; i < argc; i++) {
		cleanup_free char *id = NULL;

		if (fetch_image(s, argv[i], &o, &id, &err) < 0) {
			image_cmd_fail("fetch", &err);
			status = 1;
			continue;
		}
		printf("%s\n", id);
		fflush(stdout);
	}
	store_close(s);
	return status;
}

COCOON_COMMAND(
	fetch, .name = "fetch",
	.summary = "fetch images into the store and print their IDs",
	.usage =
		"Usage: cocoon fetch [OPTIONS] IMAGE...\n"
		"\n"
		"IMAGE is one of:\n"
		"  PATH.aci, file://PATH.aci   a local ACI; PATH.aci.asc is "
		"its signature\n"
		"  https://HOST/PATH.aci       an ACI URL, with URL.asc beside "
		"it\n"
		"  oci:DIR[:TAG]               an OCI image layout directory\n"
		"  oci-archive:FILE[:TAG]      a tar of an OCI image layout\n"
		"  ID, ID prefix, NAME[:VERSION]  an image in the store, else "
		"found by\n"
		"                              appc discovery (https://NAME"
		"?ac-discovery=1)\n"
		"\n"
		"ACIs are verified against the trusted keys (see 'cocoon "
		"trust');\n"
		"OCI images cannot be signed and need "
		"--insecure-options=image.\n"
		"An ACI's dependencies missing from the store are discovered "
		"and\n"
		"fetched (verified the same way) before it is rendered.\n"
		"The image ID is printed on stdout, last; progress goes to "
		"stderr\n"
		"only when it is a terminal.\n"
		"\n"
		"Options:\n"
		"  --pull-policy=new|update|never  new (default): use the "
		"store when\n"
		"                              the image is there; update: "
		"always check\n"
		"                              the remote; never: only the "
		"store\n"
		"  --insecure-options=LIST     image, http, tls, pubkey (as "
		"the "
		"global\n"
		"                              flag); pubkey: trust (and keep) "
		"the keys\n"
		"                              that discovery finds when none "
		"is trusted\n"
		"                              for the image's name\n"
		"  --max-size=BYTES            refuse images larger than this\n"
		"                              unpacked (K, M, G suffixes; "
		"default 16G)\n"
		"  --max-entries=N             refuse archives with more "
		"entries\n"
		"                              (default 1000000)\n"
		"  --max-path=N                refuse longer entry names "
		"(default 4096)\n"
		"  --no-progress               no progress on stderr\n",
	.run = fetch_run);
