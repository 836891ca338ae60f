// SPDX-License-Identifier: Apache-2.0
/* cocoon api-service: the read-only JSON-over-HTTP API (docs/api.md). */
#include "stage0/api_server.h"
#include "stage0/cli.h"
#include "stage0/cmd_image_common.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static int api_service_run(int argc, char **argv,
			   const struct global_options *g)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"allow-remote", no_argument, NULL, 'r'},
		{0},
	};
	cleanup_error struct error *err = NULL;
	struct api_server_opts o = {.g = g};
	const char *specs[API_LISTEN_MAX];
	size_t nspecs = 0;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			if (nspecs == API_LISTEN_MAX)
				return image_cmd_usage("api-service",
						       "at most %d --listen",
						       API_LISTEN_MAX);
			specs[nspecs++] = optarg;
			break;
		case 'r':
			o.allow_remote = true;
			break;
		default:
			return image_cmd_usage("api-service", "bad option");
		}
	}
	if (optind < argc)
		return image_cmd_usage("api-service", "unexpected argument %s",
				       argv[optind]);
	if (!nspecs)
		specs[nspecs++] = API_DEFAULT_LISTEN;
	for (size_t i = 0; i < nspecs; i++) {
		if (api_listen_parse(specs[i], o.allow_remote, &o.listen[i],
				     &err) < 0) {
			image_cmd_usage("api-service", "%s", err->message);
			return CLI_EXIT_USAGE;
		}
		o.nlisten++;
	}
	for (size_t i = 0; i < nspecs; i++)
		log_info("api-service: listening on %s", specs[i]);
	if (api_server_run(&o, &err) < 0)
		return image_cmd_fail("api-service", &err);
	return 0;
}

COCOON_COMMAND(
	api_service, .name = "api-service",
	.summary = "serve the read-only API (JSON over HTTP)",
	.usage = "Usage: cocoon api-service [--listen=ADDR]... "
		 "[--allow-remote]\n"
		 "\n"
		 "Serves rkt's v1alpha API operations read-only, as JSON over "
		 "HTTP/1.1\n"
		 "(docs/api.md): GET /v1alpha/info, /v1alpha/pods[/UUID["
		 "/logs]],\n"
		 "/v1alpha/images[/ID], /v1alpha/events. It reads --dir and "
		 "needs no\n"
		 "other privilege; it locks and writes nothing there, so "
		 "stopping it\n"
		 "never affects pods or images. SIGTERM or SIGINT stops it.\n"
		 "\n"
		 "Options:\n"
		 "  --listen=ADDR    127.0.0.1:PORT, [::1]:PORT, "
		 "localhost:PORT or\n"
		 "                   unix:PATH; repeatable (up to 4); "
		 "default " API_DEFAULT_LISTEN "\n"
		 "  --allow-remote   accept a TCP address that is not "
		 "loopback (the API\n"
		 "                   has no authentication: anyone who "
		 "reaches it sees\n"
		 "                   every pod, image and app log)\n"
		 "\n"
		 "Exit status: 0 once stopped by SIGTERM or SIGINT; 1 if it "
		 "cannot listen;\n"
		 "2 for a usage error (a TCP address that is not loopback "
		 "without\n"
		 "--allow-remote is one).\n",
	.run = api_service_run);
