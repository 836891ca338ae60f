// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer: safe extraction of a hostile (possibly compressed) tar into a
 * fresh temp dir, in ACI mode or OCI-layer mode (whiteouts) by the first
 * byte. Small limits keep runs fast. A crash, or any file appearing next to
 * the tree, is a finding.
 */
#include "images/beneath.h"
#include "images/extract.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char top[4096];

static void fuzz_check_outside(void)
{
	DIR *d = opendir(top);
	struct dirent *de;

	if (!d)
		abort();
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "tree"))
			abort(); /* something escaped the tree */
	closedir(d);
}

static void fuzz_remove_top(void)
{
	rmdir(top);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cleanup_error struct error *err = NULL;
	struct extract_usage usage = {0};
	struct extract_opts o;
	int topfd, tree;

	if (size < 1)
		return 0;
	if (!top[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(top, sizeof(top), "%s/cocoon-fuzz-extract-XXXXXX",
			 tmp ? tmp : "/tmp");
		if (!mkdtemp(top))
			abort();
		atexit(fuzz_remove_top);
	}
	topfd = open(top, O_PATH | O_DIRECTORY);
	if (topfd < 0 || mkdirat(topfd, "tree", 0755) < 0)
		abort();
	tree = openat(topfd, "tree", O_PATH | O_DIRECTORY);
	extract_opts_default(&o);
	o.as_root = false;
	o.limits.max_bytes = 1 << 20;
	o.limits.max_entries = 1000;
	o.limits.max_path = 1024;
	if (data[0] & 1) {
		o.strip_prefix = "rootfs";
		o.refuse_duplicates = true;
	} else {
		o.whiteouts = true;
		o.relative_absolute = true;
	}
	beneath_no_openat2 = data[0] & 2;
	extract_memory(data + 1, size - 1, tree, &o, &usage, &err);
	close(tree);
	fuzz_check_outside();
	beneath_remove_tree(topfd, "tree");
	close(topfd);
	return 0;
}
