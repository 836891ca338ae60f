// SPDX-License-Identifier: Apache-2.0
#include "images/lazylib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include <archive.h>
#include <curl/curlver.h>
#include <gpgme.h>

/*
 * The sonames the headers we compile against belong to: curl has kept
 * libcurl.so.4 through 7.x and 8.x, libarchive libarchive.so.13 since
 * 3.0, gpgme libgpgme.so.11 through 1.x. A new major version would
 * change them; fail the build then rather than load the wrong ABI.
 */
_Static_assert(LIBCURL_VERSION_MAJOR == 7 || LIBCURL_VERSION_MAJOR == 8,
	       "libcurl soname unknown for this version");
_Static_assert(ARCHIVE_VERSION_NUMBER >= 3000000 &&
		       ARCHIVE_VERSION_NUMBER < 4000000,
	       "libarchive soname unknown for this version");
_Static_assert(GPGME_VERSION_NUMBER >= 0x010000 &&
		       GPGME_VERSION_NUMBER < 0x020000,
	       "gpgme soname unknown for this version");

static const struct {
	const char *soname;
	const char *package;
} lazylib_libs[] = {
	[LAZYLIB_CURL] = {"libcurl.so.4", "libcurl4"},
	[LAZYLIB_ARCHIVE] = {"libarchive.so.13", "libarchive13"},
	[LAZYLIB_GPGME] = {"libgpgme.so.11", "libgpgme11"},
};

static void *lazylib_handles[3];

void *lazylib_sym(enum lazylib_id id, const char *name)
{
	void *handle = __atomic_load_n(&lazylib_handles[id], __ATOMIC_ACQUIRE);
	void *sym;

	if (!handle) {
		/* dlopen is reference-counted: a racing second open is harmless. */
		handle = dlopen(lazylib_libs[id].soname, RTLD_NOW | RTLD_LOCAL);
		if (!handle) {
			fprintf(stderr,
				"cocoon: cannot load %s (%s): is the %s "
				"package "
				"installed?\n",
				lazylib_libs[id].soname, dlerror(),
				lazylib_libs[id].package);
			exit(EXIT_FAILURE);
		}
		__atomic_store_n(&lazylib_handles[id], handle,
				 __ATOMIC_RELEASE);
	}
	sym = dlsym(handle, name);
	if (!sym) {
		fprintf(stderr,
			"cocoon: %s has no %s: is the %s package too old?\n",
			lazylib_libs[id].soname, name,
			lazylib_libs[id].package);
		exit(EXIT_FAILURE);
	}
	return sym;
}
