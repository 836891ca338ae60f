// SPDX-License-Identifier: Apache-2.0
/*
 * cocoon metadata-service: rkt compatibility. rkt ran the appc metadata
 * service as a host daemon that pods registered with; cocoon serves it
 * inside each pod's VM (guest/metadata_server.c) and keeps the HMAC key
 * in the pod's supervisor (stage0/metadata_hmac.c), so there is nothing
 * to start on the host. The command says so and succeeds, so that
 * scripts and units written for rkt keep working (docs/metadata.md).
 */
#include "stage0/cli.h"
#include "stage0/command.h"

#include <getopt.h>
#include <stdio.h>

#define METADATA_SERVICE_TEXT                                                  \
	"cocoon serves the appc metadata service inside each pod's VM: every " \
	"app\n"                                                                \
	"finds it at $AC_METADATA_URL (http://169.254.169.255:18112), "        \
	"whatever\n"                                                           \
	"the pod's network. Signing and verifying use a key kept on the "      \
	"host\n"                                                               \
	"(<dir>/metadata/hmac.key) by the pod's own supervisor; the key "      \
	"never "                                                               \
	"enters\n"                                                             \
	"a VM. No host service is needed, and none is started: this command "  \
	"exists\n"                                                             \
	"for rkt compatibility and exits at once. rkt's options "              \
	"(--listen-port,\n"                                                    \
	"--src-addr, --no-idle) are accepted and ignored.\n"

static int metadata_service_run(int argc, char **argv,
				const struct global_options *g
				__attribute__((unused)))
{
	static const struct option opts[] = {
		{"listen-port", required_argument, NULL, 'p'},
		{"src-addr", required_argument, NULL, 's'},
		{"no-idle", no_argument, NULL, 'n'},
		{0},
	};
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == '?') {
			fprintf(stderr,
				"cocoon metadata-service: unknown option "
				"%s\nRun 'cocoon metadata-service --help' for "
				"usage.\n",
				argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"cocoon metadata-service: unexpected argument %s\n",
			argv[optind]);
		return CLI_EXIT_USAGE;
	}
	fputs(METADATA_SERVICE_TEXT, stderr);
	return 0;
}

COCOON_COMMAND(metadata_service, .name = "metadata-service",
	       .summary = "explain where the appc metadata service runs "
			  "(inside each pod)",
	       .usage = "Usage: cocoon metadata-service [--listen-port=PORT] "
			"[--src-addr=CIDR] [--no-idle]\n"
			"\n" METADATA_SERVICE_TEXT "\n"
			"Exit status: 0; 2 for an unknown option.\n",
	       .run = metadata_service_run);
