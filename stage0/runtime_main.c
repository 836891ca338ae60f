// SPDX-License-Identifier: Apache-2.0
/*
 * cocoon-runtime: the OCI runtime CLI that container engines drive as
 * they drive runc (docs/oci.md). Global flags come before the command:
 *
 *	cocoon-runtime [--root DIR] [--log FILE] [--log-format text|json]
 *		[--systemd-cgroup] [--debug] COMMAND [ARGS...]
 */
#include "stage0/oci_commands.h"
#include "stage0/oci_log.h"
#include "stage0/oci_state.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef COCOON_VERSION
#define COCOON_VERSION "0.1.0"
#endif

static const struct {
	const char *name;
	int (*run)(int argc, char **argv, const struct oci_global *g);
} runtime_commands[] = {
	{"create", oci_cmd_create},	{"start", oci_cmd_start},
	{"state", oci_cmd_state},	{"kill", oci_cmd_kill},
	{"delete", oci_cmd_delete},	{"ps", oci_cmd_ps},
	{"features", oci_cmd_features}, {"list", oci_cmd_list},
	{"exec", oci_cmd_exec},
};

static const char runtime_usage[] =
	"usage: cocoon-runtime [global flags] COMMAND [ARGS...]\n"
	"\n"
	"An OCI runtime: each container is a cocoon microVM (docs/oci.md).\n"
	"\n"
	"Commands:\n"
	"  create [--bundle DIR] [--pid-file F] [--console-socket S] ID\n"
	"  start ID\n"
	"  state ID\n"
	"  kill ID [SIGNAL] [--all]\n"
	"  delete [--force] ID\n"
	"  exec [--process F] [--detach] [--pid-file F] [--console-socket S]\n"
	"       [--tty] ID [CMD...]\n"
	"  ps [--format table|json] ID\n"
	"  list\n"
	"  features\n"
	"\n"
	"Global flags:\n"
	"  --root DIR           state directory (default " OCI_DEFAULT_ROOT
	")\n"
	"  --log FILE           append messages to FILE\n"
	"  --log-format FMT     text (default) or json\n"
	"  --systemd-cgroup     accepted; the VM's cgroup is always\n"
	"                       /sys/fs/cgroup/cocoon/<pod> (docs/oci.md)\n"
	"  --debug              show the guest console and debug messages\n"
	"  --version, --help\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'},
		{"log", required_argument, NULL, 'l'},
		{"log-format", required_argument, NULL, 'F'},
		{"systemd-cgroup", no_argument, NULL, 's'},
		{"debug", no_argument, NULL, 'd'},
		{"version", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	cleanup_error struct error *err = NULL;
	cleanup_free char *root = NULL;
	struct oci_global g = {0};
	const char *root_arg = OCI_DEFAULT_ROOT, *log_path = NULL;
	bool json = false;
	int o;

	log_init("cocoon-runtime");
	opterr = 0;
	/* '+': stop at the command; its own flags are its business */
	while ((o = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (o) {
		case 'r':
			root_arg = optarg;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "json") && strcmp(optarg, "text")) {
				fprintf(stderr,
					"cocoon-runtime: --log-format must be "
					"text or json, not %s\n",
					optarg);
				return 2;
			}
			json = !strcmp(optarg, "json");
			break;
		case 's':
			g.systemd_cgroup = true;
			break;
		case 'd':
			g.debug = 1;
			log_set_level(LOG_DEBUG);
			break;
		case 'v':
			printf("cocoon-runtime version %s\nspec: %s\n",
			       COCOON_VERSION, "1.1.0");
			return 0;
		case 'h':
			fputs(runtime_usage, stdout);
			return 0;
		default:
			fprintf(stderr,
				"cocoon-runtime: unknown or incomplete global "
				"flag %s (see --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (oci_log_open(log_path, json, &err) < 0) {
		oci_log_error(&err);
		return 1;
	}
	if (optind >= argc) {
		fputs(runtime_usage, stderr);
		return 2;
	}
	if (oci_root_mkdir(root_arg, &err) < 0) {
		error_wrap(&err, "--root");
		oci_log_error(&err);
		return 1;
	}
	root = realpath(root_arg, NULL);
	if (!root) {
		oci_log("error", "--root %s: %s", root_arg, strerror(errno));
		return 1;
	}
	g.root = root;
	for (size_t i = 0; i < ARRAY_SIZE(runtime_commands); i++)
		if (!strcmp(argv[optind], runtime_commands[i].name))
			return runtime_commands[i].run(argc - optind,
						       argv + optind, &g);
	oci_log("error", "unknown command \"%s\" (see --help)", argv[optind]);
	return 2;
}
