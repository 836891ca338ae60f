// SPDX-License-Identifier: Apache-2.0
/* cocoon trust: add, list and remove keys trusted to sign images. */
#include "stage0/cmd_image_common.h"
#include "images/discovery_keys.h"
#include "images/http.h"
#include "images/trust.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRUST_KEY_MAX (1 << 20)

static int trust_print_key(const char *origin, const char *prefix,
			   const char *fingerprint, const char *path, void *arg)
{
	(void)arg;
	printf("%-6s\t%s\t%s\t%s\n", origin, prefix ? prefix : "(root)",
	       fingerprint, path);
	return 0;
}

/* Reads a key from a file, or over https (http with --insecure-options). */
static int trust_read_key(const char *src, const struct fetch_opts *fo,
			  char **buf, size_t *len, struct error **err)
{
	cleanup_close int fd = -1;
	struct stat st;
	ssize_t n;

	if (!strncmp(src, "https://", 8) || !strncmp(src, "http://", 7)) {
		const char *t = getenv("TMPDIR");
		cleanup_free char *path = NULL;
		long status;

		if (asprintf(&path, "%s/cocoon-key-XXXXXX",
			     t && *t ? t : "/tmp") < 0)
			return error_set(err, ENOMEM, "out of memory");
		fd = mkstemp(path);
		if (fd < 0)
			return error_set_errno(err, "temp file");
		unlink(path);
		if (http_get(src, fd, fo, NULL, NULL, &status, err) < 0)
			return -1;
		if (status != 200)
			return error_set(err, ENOENT, "GET %s: HTTP status %ld",
					 src, status);
		if (lseek(fd, 0, SEEK_SET) < 0)
			return error_set_errno(err, "rewind");
	} else {
		fd = open(src, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return error_set_errno(err, "open %s", src);
	}
	if (fstat(fd, &st) < 0 || st.st_size > TRUST_KEY_MAX)
		return error_set(err, EFBIG, "%s: not a key file", src);
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf)
		return error_set(err, ENOMEM, "out of memory");
	n = read(fd, *buf, (size_t)st.st_size);
	if (n < 0) {
		free(*buf);
		return error_set_errno(err, "read %s", src);
	}
	*len = (size_t)n;
	return 0;
}

static bool trust_ask(const char *prefix, const struct trust_key_info *k)
{
	char answer[16], uids[512];

	/* A key's user IDs are whatever its maker wrote. */
	log_escape(uids, sizeof(uids), k->uids, strlen(k->uids));
	printf("Prefix: \"%s\"\nKey: \"%s\"\nFingerprint: ",
	       prefix ? prefix : "(root: every image)", uids);
	for (size_t i = 0; k->fingerprint[i]; i++)
		printf("%s%c", i && i % 4 == 0 ? " " : "", k->fingerprint[i]);
	printf("\nAre you sure you want to trust this key (yes/no)? ");
	fflush(stdout);
	if (!fgets(answer, sizeof(answer), stdin))
		return false;
	return !strcmp(answer, "yes\n") || !strcmp(answer, "y\n");
}

/* Reviews and stores one key; 0 stored, 1 refused, -1 error. */
static int trust_one(const struct trust_roots *roots, const char *prefix,
		     const char *buf, size_t len,
		     const struct trust_key_info *k, bool skip,
		     struct error **err)
{
	char uids[512];

	if (!skip && !trust_ask(prefix, k)) {
		fprintf(stderr, "cocoon: trust: key %s not trusted\n",
			k->fingerprint);
		return 1;
	}
	if (trust_key_add(roots, prefix, buf, len, k->fingerprint, err) < 0)
		return -1;
	log_escape(uids, sizeof(uids), k->uids, strlen(k->uids));
	printf("Trusted key %s (%s) for %s\n", k->fingerprint, uids,
	       prefix ? prefix : "every image (root)");
	return 0;
}

/* No key given: the ac-discovery-pubkeys of the prefix (appc discovery). */
static int trust_discovered(const struct fetch_opts *fo, const char *prefix,
			    bool skip)
{
	cleanup_error struct error *err = NULL;
	struct discovery_keys keys;
	int status = 0;

	if (discovery_keys_fetch(prefix, fo, &keys, &err) < 0)
		return image_cmd_fail("trust", &err);
	for (size_t i = 0; i < keys.n && status != -1; i++) {
		const struct discovery_key *k = &keys.keys[i];
		int r;

		printf("Key discovered for %s at %s\n", prefix, k->url);
		r = trust_one(&fo->roots, prefix, k->data, k->len, &k->info,
			      skip, &err);
		if (r < 0) {
			image_cmd_fail("trust", &err);
			status = -1;
		} else if (r > 0) {
			status = 1;
		}
	}
	discovery_keys_free(&keys);
	return status ? 1 : 0;
}

static int trust_run(int argc, char **argv, const struct global_options *g)
{
	static const struct option opts[] = {
		{"prefix", required_argument, NULL, 'p'},
		{"root", no_argument, NULL, 'r'},
		{"skip-fingerprint-review", no_argument, NULL, 's'},
		{"insecure-options", required_argument, NULL, 'i'},
		{"list", no_argument, NULL, 'l'},
		{"remove", required_argument, NULL, 'd'},
		{0},
	};
	cleanup_error struct error *err = NULL;
	struct global_options gg = *g;
	const char *prefix = NULL, *remove = NULL;
	bool root = false, skip = false, list = false;
	struct fetch_opts fo;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			prefix = optarg;
			break;
		case 'r':
			root = true;
			break;
		case 's':
			skip = true;
			break;
		case 'l':
			list = true;
			break;
		case 'd':
			remove = optarg;
			break;
		case 'i':
			if (insecure_options_parse(optarg, &gg.insecure, &err) <
			    0)
				return image_cmd_fail("trust", &err);
			gg.insecure |= g->insecure;
			break;
		default:
			return image_cmd_usage("trust", "bad option");
		}
	}
	image_cmd_fetch_opts(&gg, &fo);
	if (list) {
		if (trust_list(&fo.roots, trust_print_key, NULL, &err) < 0)
			return image_cmd_fail("trust", &err);
		return 0;
	}
	if (remove) {
		unsigned n = 0;

		if (trust_key_remove(&fo.roots, remove, &n, &err) < 0)
			return image_cmd_fail("trust", &err);
		if (!n) {
			fprintf(stderr,
				"cocoon: trust: no key %s under "
				"%s/trustedkeys\n",
				remove, fo.roots.config_dir);
			return 1;
		}
		printf("removed %u key file(s)\n", n);
		return 0;
	}
	if (!prefix == !root)
		return image_cmd_usage("trust",
				       "give exactly one of --prefix=PREFIX or "
				       "--root");
	if (prefix && !trust_prefix_valid(prefix))
		return image_cmd_usage("trust", "invalid prefix \"%s\"",
				       prefix);
	if (optind >= argc && root)
		return image_cmd_usage("trust",
				       "--root needs a key file: root keys are "
				       "never discovered");
	if (optind >= argc)
		return trust_discovered(&fo, prefix, skip);
	for (int i = optind; i < argc; i++) {
		cleanup_free char *buf = NULL;
		struct trust_key_info k;
		size_t len = 0;
		int r;

		if (trust_read_key(argv[i], &fo, &buf, &len, &err) < 0 ||
		    trust_key_inspect(buf, len, &k, &err) < 0) {
			error_wrap(&err, "%s", argv[i]);
			return image_cmd_fail("trust", &err);
		}
		r = trust_one(&fo.roots, prefix, buf, len, &k, skip, &err);
		trust_key_info_free(&k);
		if (r < 0)
			return image_cmd_fail("trust", &err);
		if (r > 0)
			return 1;
	}
	return 0;
}

COCOON_COMMAND(
	trust, .name = "trust",
	.summary = "trust a key to sign images, list or remove trusted keys",
	.usage = "Usage: cocoon trust (--prefix=PREFIX | --root) "
		 "[--skip-fingerprint-review] KEYFILE|URL...\n"
		 "       cocoon trust --prefix=PREFIX "
		 "[--skip-fingerprint-review]\n"
		 "       cocoon trust --list\n"
		 "       cocoon trust --remove=FINGERPRINT\n"
		 "\n"
		 "Keys are kept under --local-config (default /etc/cocoon) in\n"
		 "trustedkeys/prefix.d/PREFIX/<fingerprint> or "
		 "trustedkeys/root.d/;\n"
		 "vendor keys under --system-config (/usr/lib/cocoon) are read "
		 "too.\n"
		 "An image is verified with the keys of the most specific "
		 "prefix of\n"
		 "its name that has any, plus the root keys.\n"
		 "With --prefix and no key, the keys are found by appc "
		 "discovery:\n"
		 "the ac-discovery-pubkeys meta tags of "
		 "https://PREFIX?ac-discovery=1\n"
		 "(then of each shorter prefix); each key is shown and asked "
		 "for.\n"
		 "\n"
		 "Options:\n"
		 "  --prefix=PREFIX             trust the key for images named "
		 "PREFIX[/...]\n"
		 "  --root                      trust the key for every image\n"
		 "  --skip-fingerprint-review   do not ask for confirmation\n"
		 "  --insecure-options=http     allow discovery and keys over "
		 "plain http\n"
		 "  --list                      list trusted keys (origin, "
		 "prefix,\n"
		 "                              fingerprint, file)\n"
		 "  --remove=FINGERPRINT        remove the key from "
		 "--local-config\n",
	.run = trust_run);
