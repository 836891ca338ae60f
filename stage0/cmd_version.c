// SPDX-License-Identifier: Apache-2.0
#include "stage0/command.h"
#include "common/cleanup.h"

#include <stdbool.h>
#include <stdio.h>

#ifndef COCOON_VERSION
#define COCOON_VERSION "0.1.0-dev"
#endif

/* The App Container spec version whose manifests we read (as rkt prints). */
#define COCOON_APPC_VERSION "0.8.11"

/*
 * Optional libraries, as this build saw them. A '-' means the build had
 * no headers for it and the features that use it are missing.
 */
#if __has_include(<seccomp.h>)
#define VERSION_HAVE_SECCOMP true
#else
#define VERSION_HAVE_SECCOMP false
#endif
#if __has_include(<gpgme.h>)
#define VERSION_HAVE_GPGME true
#else
#define VERSION_HAVE_GPGME false
#endif
#if __has_include(<archive.h>)
#define VERSION_HAVE_LIBARCHIVE true
#else
#define VERSION_HAVE_LIBARCHIVE false
#endif
#if __has_include(<curl/curl.h>)
#define VERSION_HAVE_CURL true
#else
#define VERSION_HAVE_CURL false
#endif
#if __has_include(<sqlite3.h>)
#define VERSION_HAVE_SQLITE true
#else
#define VERSION_HAVE_SQLITE false
#endif

static const struct {
	const char *name;
	bool on;
} version_features[] = {
	{"SECCOMP", VERSION_HAVE_SECCOMP},	 {"GPGME", VERSION_HAVE_GPGME},
	{"LIBARCHIVE", VERSION_HAVE_LIBARCHIVE}, {"CURL", VERSION_HAVE_CURL},
	{"SQLITE", VERSION_HAVE_SQLITE},
};

static int version_run(int argc __attribute__((unused)),
		       char **argv __attribute__((unused)),
		       const struct global_options *g __attribute__((unused)))
{
	printf("cocoon Version: %s\n", COCOON_VERSION);
	printf("appc Version: %s\n", COCOON_APPC_VERSION);
	printf("Stage1: kvm (cocoon-vmm, guest init cocoon-init)\n");
	printf("Features:");
	for (size_t i = 0; i < ARRAY_SIZE(version_features); i++)
		printf(" %c%s", version_features[i].on ? '+' : '-',
		       version_features[i].name);
	printf("\n");
	return 0;
}

COCOON_COMMAND(version, .name = "version",
	       .summary = "print the version and the features built in",
	       .usage = "Usage: cocoon version\n", .run = version_run);
