// SPDX-License-Identifier: Apache-2.0
#include "stage0/cmd_image_common.h"
#include "stage0/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int image_cmd_open_store(const struct global_options *g, bool exclusive,
			 struct store **s, struct error **err)
{
	const char *dir = g->dir ? g->dir : COCOON_DEFAULT_DIR;

	if (store_open(dir, exclusive, s, err) < 0)
		return error_wrap(err, "open store %s", dir);
	return 0;
}

void image_cmd_fetch_opts(const struct global_options *g, struct fetch_opts *o)
{
	struct extract_opts eo;

	extract_opts_default(&eo);
	*o = (struct fetch_opts){
		.roots = {g->config_dir ? g->config_dir
					: CLI_DEFAULT_CONFIG_DIR,
			  g->vendor_dir ? g->vendor_dir
					: CLI_DEFAULT_VENDOR_DIR},
		.insecure_image = g->insecure & INSECURE_IMAGE,
		.insecure_http = g->insecure & INSECURE_HTTP,
		.insecure_tls = g->insecure & INSECURE_TLS,
		.insecure_pubkey = g->insecure & INSECURE_PUBKEY,
		.pull = PULL_NEW,
		.limits = eo.limits,
		.progress = isatty(STDERR_FILENO),
	};
}

int image_cmd_parse_size(const char *s, uint64_t *out, struct error **err)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return error_set(err, EINVAL, "invalid size \"%s\"", s);
	switch (*end) {
	case 'G':
		v <<= 10;
		/* fallthrough */
	case 'M':
		v <<= 10;
		/* fallthrough */
	case 'K':
		v <<= 10;
		end++;
		break;
	default:
		break;
	}
	if (*end)
		return error_set(err, EINVAL, "invalid size \"%s\"", s);
	*out = v;
	return 0;
}

int image_cmd_fail(const char *command, struct error **err)
{
	error_wrap(err, "%s", command);
	error_print(err);
	return 1;
}

int image_cmd_usage(const char *command, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cocoon: %s: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nRun 'cocoon %s --help' for usage.\n", command);
	return CLI_EXIT_USAGE;
}
