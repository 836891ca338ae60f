// SPDX-License-Identifier: Apache-2.0
/*
 * mkcpio: writes an uncompressed newc cpio archive (an initramfs) from
 * contents lists.
 *
 *	mkcpio -o OUT [-t MTIME] [-C DIR] LIST [[-C DIR] LIST]...
 *
 * -C DIR applies to the lists after it (like tar's -C): their relative
 * file sources are taken from DIR. Absolute sources are taken as they are,
 * so one build can pack build/cocoon-init and /bin/busybox:
 *
 *	mkcpio -o initrd-test.cpio -C build initrd/contents \
 *		-C / tests/integration/initrd-test.contents
 */
#include "common/cleanup.h"
#include "common/error.h"
#include "common/log.h"
#include "initrd/mkcpio.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char mkcpio_usage[] =
	"usage: mkcpio -o OUT [-t MTIME] [-C DIR] LIST [[-C DIR] LIST]...\n"
	"  -o OUT    write the archive to OUT\n"
	"  -t MTIME  modification time of every member (default 0)\n"
	"  -C DIR    take relative file sources of the following lists from "
	"DIR\n"
	"  LIST      contents list: dir, file, slink, nod, pipe, sock lines\n";

static int mkcpio_usage_error(const char *fmt, const char *arg)
{
	log_error(fmt, arg);
	fputs(mkcpio_usage, stderr);
	return 2;
}

int main(int argc, char **argv)
{
	cleanup_error struct error *err = NULL;
	const char *out_path = NULL, *dir = NULL;
	unsigned long mtime = 0;
	bool have_list = false;
	struct mkcpio m;
	FILE *out;
	int i;

	log_init(argv[0]);
	/* First pass: -o and -t, which must be known before any list. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(mkcpio_usage, stdout);
			return 0;
		}
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "-t") ||
		    !strcmp(argv[i], "-C")) {
			if (i + 1 >= argc)
				return mkcpio_usage_error("%s needs a value",
							  argv[i]);
			if (argv[i][1] == 'o') {
				out_path = argv[i + 1];
			} else if (argv[i][1] == 't') {
				char *end;

				errno = 0;
				mtime = strtoul(argv[i + 1], &end, 10);
				if (errno || *end || end == argv[i + 1] ||
				    mtime > UINT32_MAX)
					return mkcpio_usage_error(
						"-t %s: not a time in seconds",
						argv[i + 1]);
			}
			i++;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return mkcpio_usage_error("unknown option %s", argv[i]);
		} else {
			have_list = true;
		}
	}
	if (!out_path)
		return mkcpio_usage_error("%s", "missing -o OUT");
	if (!have_list)
		return mkcpio_usage_error("%s", "no contents list given");

	out = fopen(out_path, "we");
	if (!out) {
		log_error("create %s: %s", out_path, strerror(errno));
		return 1;
	}
	mkcpio_init(&m, out, (uint32_t)mtime);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "-t")) {
			i++;
		} else if (!strcmp(argv[i], "-C")) {
			dir = argv[++i];
		} else if (mkcpio_add_list_file(&m, argv[i], dir, &err) < 0) {
			break;
		}
	}
	if (!err)
		mkcpio_finish(&m, &err);
	mkcpio_free(&m);
	if (fclose(out) != 0 && !err)
		error_set_errno(&err, "close");
	if (err) {
		error_wrap(&err, "write %s", out_path);
		error_print(&err);
		unlink(out_path);
		return 1;
	}
	return 0;
}
