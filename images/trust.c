// SPDX-License-Identifier: Apache-2.0
#include "images/trust.h"
#include "images/aci_manifest.h"
#include "images/beneath.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gpgme.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Last: it redirects the library calls above (images/lazylib.h). */
#include "images/lazylib.h"

/* Key files larger than this are not keys. */
#define TRUST_KEY_MAX_BYTES (1u << 20)

struct gpg_session {
	gpgme_ctx_t ctx;
	char home[PATH_MAX];
};

static void gpg_session_end(struct gpg_session *g)
{
	if (g->ctx)
		gpgme_release(g->ctx);
	g->ctx = NULL;
	if (g->home[0]) {
		char *slash = strrchr(g->home, '/');
		int parent;

		*slash = '\0';
		parent = open(g->home, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (parent >= 0) {
			beneath_remove_tree(parent, slash + 1);
			close(parent);
		}
		g->home[0] = '\0';
	}
}

/* A fresh engine home in $TMPDIR, never the user's GNUPGHOME. */
static int gpg_session_start(struct gpg_session *g, struct error **err)
{
	const char *tmp = getenv("TMPDIR");
	gpgme_error_t ge;

	memset(g, 0, sizeof(*g));
	gpgme_check_version(NULL);
	snprintf(g->home, sizeof(g->home), "%s/cocoon-gpg-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(g->home)) {
		g->home[0] = '\0';
		return error_set_errno(err, "create gpg home");
	}
	ge = gpgme_new(&g->ctx);
	if (!ge)
		ge = gpgme_set_protocol(g->ctx, GPGME_PROTOCOL_OpenPGP);
	if (!ge)
		ge = gpgme_ctx_set_engine_info(g->ctx, GPGME_PROTOCOL_OpenPGP,
					       NULL, g->home);
	if (ge) {
		gpg_session_end(g);
		return error_set(err, EIO, "gpgme: %s", gpgme_strerror(ge));
	}
	return 0;
}

static int gpg_import(struct gpg_session *g, const void *buf, size_t len,
		      struct error **err)
{
	gpgme_data_t d;
	gpgme_error_t ge;
	gpgme_import_result_t r;

	ge = gpgme_data_new_from_mem(&d, buf, len, 0);
	if (ge)
		return error_set(err, EIO, "gpgme: %s", gpgme_strerror(ge));
	ge = gpgme_op_import(g->ctx, d);
	gpgme_data_release(d);
	if (ge)
		return error_set(err, EINVAL, "import key: %s",
				 gpgme_strerror(ge));
	r = gpgme_op_import_result(g->ctx);
	if (!r || !r->considered || r->not_imported)
		return error_set(err, EINVAL, "not an OpenPGP public key");
	return 0;
}

static int read_file(const char *path, char **buf, size_t *len,
		     struct error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0)
		return error_set_errno(err, "read %s", path);
	if (!S_ISREG(st.st_mode) || st.st_size > TRUST_KEY_MAX_BYTES)
		return error_set(err, EINVAL, "%s: not a key file", path);
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf)
		return error_set(err, ENOMEM, "out of memory");
	n = read(fd, *buf, (size_t)st.st_size);
	if (n != st.st_size) {
		free(*buf);
		*buf = NULL;
		return error_set_errno(err, "read %s", path);
	}
	*len = (size_t)n;
	return 0;
}

void trust_key_info_free(struct trust_key_info *info)
{
	free(info->fingerprint);
	free(info->uids);
	info->fingerprint = info->uids = NULL;
}

int trust_key_inspect(const void *buf, size_t len, struct trust_key_info *info,
		      struct error **err)
{
	struct gpg_session g;
	gpgme_key_t key = NULL, extra = NULL;
	char *uids = NULL;
	int r = -1;

	memset(info, 0, sizeof(*info));
	if (gpg_session_start(&g, err) < 0)
		return -1;
	if (gpg_import(&g, buf, len, err) < 0)
		goto out;
	if (gpgme_op_keylist_start(g.ctx, NULL, 0) ||
	    gpgme_op_keylist_next(g.ctx, &key)) {
		error_set(err, EINVAL, "no public key found");
		goto out;
	}
	if (!gpgme_op_keylist_next(g.ctx, &extra)) {
		gpgme_key_unref(extra);
		error_set(err, EINVAL,
			  "more than one key: trust one at a time");
		goto out;
	}
	for (gpgme_user_id_t u = key->uids; u; u = u->next) {
		char *n = NULL;

		if (asprintf(&n, "%s%s%s", uids ? uids : "", uids ? ", " : "",
			     u->uid) < 0) {
			error_set(err, ENOMEM, "out of memory");
			goto out;
		}
		free(uids);
		uids = n;
	}
	info->fingerprint = strdup(key->subkeys->fpr);
	info->uids = uids ? uids : strdup("");
	uids = NULL;
	r = info->fingerprint && info->uids ? 0 : error_set(err, ENOMEM, "oom");
out:
	free(uids);
	if (key)
		gpgme_key_unref(key);
	gpgme_op_keylist_end(g.ctx);
	gpg_session_end(&g);
	return r;
}

bool trust_prefix_valid(const char *prefix)
{
	const char *p = prefix;

	if (!aci_identifier_valid(prefix))
		return false;
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (!n || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p = *end ? end + 1 : end;
	}
	return true;
}

static int mkdir_parents(char *path, mode_t mode)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, mode) < 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, mode) < 0 && errno != EEXIST ? -1 : 0;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

int trust_key_add(const struct trust_roots *roots, const char *prefix,
		  const void *buf, size_t len, const char *fingerprint,
		  struct error **err)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 16], fpr[128];
	char path[PATH_MAX + 130];
	int fd;

	if (prefix && !trust_prefix_valid(prefix))
		return error_set(err, EINVAL, "invalid prefix \"%s\"", prefix);
	if (prefix)
		snprintf(dir, sizeof(dir), "%s/trustedkeys/prefix.d/%s",
			 roots->config_dir, prefix);
	else
		snprintf(dir, sizeof(dir), "%s/trustedkeys/root.d",
			 roots->config_dir);
	if (mkdir_parents(dir, 0755) < 0)
		return error_set_errno(err, "create %s", dir);
	snprintf(fpr, sizeof(fpr), "%s", fingerprint);
	lower(fpr);
	snprintf(path, sizeof(path), "%s/%s", dir, fpr);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-XXXXXX", dir);
	fd = mkstemp(tmp);
	if (fd < 0)
		return error_set_errno(err, "create key file in %s", dir);
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd) < 0 ||
	    fchmod(fd, 0644) < 0) {
		error_set_errno(err, "write %s", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) < 0) {
		error_set_errno(err, "rename to %s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

static bool is_fingerprint(const char *s)
{
	size_t n = strlen(s);

	if (n != 40 && n != 64)
		return false;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return false;
	return true;
}

struct list_walk {
	const char *origin;
	trust_key_fn fn;
	void *arg;
};

/* Walks dir (prefix = its path below prefix.d, NULL for root.d). */
static int list_dir(struct list_walk *w, const char *dir, const char *prefix,
		    bool recurse)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return 0;
	while (!r && (de = readdir(d))) {
		char path[PATH_MAX], sub[PATH_MAX];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && recurse) {
			snprintf(sub, sizeof(sub), "%s%s%s",
				 prefix ? prefix : "", prefix ? "/" : "",
				 de->d_name);
			r = list_dir(w, path, sub, true);
		} else if (S_ISREG(st.st_mode) && is_fingerprint(de->d_name)) {
			r = w->fn(w->origin, prefix, de->d_name, path, w->arg);
		}
	}
	closedir(d);
	return r;
}

int trust_list(const struct trust_roots *roots, trust_key_fn fn, void *arg,
	       struct error **err)
{
	const char *dirs[2] = {roots->config_dir, roots->vendor_dir};
	const char *origins[2] = {"local", "system"};
	char path[PATH_MAX];

	for (int i = 0; i < 2; i++) {
		struct list_walk w = {origins[i], fn, arg};

		if (!dirs[i])
			continue;
		snprintf(path, sizeof(path), "%s/trustedkeys/root.d", dirs[i]);
		if (list_dir(&w, path, NULL, false) < 0)
			return error_set(err, EIO, "list %s", path);
		snprintf(path, sizeof(path), "%s/trustedkeys/prefix.d",
			 dirs[i]);
		if (list_dir(&w, path, NULL, true) < 0)
			return error_set(err, EIO, "list %s", path);
	}
	return 0;
}

struct remove_ctx {
	const char *config_dir;
	char fpr[128];
	unsigned removed;
	int failed;
};

static int remove_one(const char *origin, const char *prefix,
		      const char *fingerprint, const char *path, void *arg)
{
	struct remove_ctx *c = arg;

	(void)prefix;
	if (strcmp(origin, "local") || strcasecmp(fingerprint, c->fpr))
		return 0;
	if (unlink(path) < 0)
		c->failed = errno;
	else
		c->removed++;
	return 0;
}

int trust_key_remove(const struct trust_roots *roots, const char *fingerprint,
		     unsigned *removed, struct error **err)
{
	struct remove_ctx c = {.config_dir = roots->config_dir};
	struct trust_roots only_local = {roots->config_dir, NULL};

	snprintf(c.fpr, sizeof(c.fpr), "%s", fingerprint);
	if (trust_list(&only_local, remove_one, &c, err) < 0)
		return -1;
	*removed = c.removed;
	if (c.failed) {
		errno = c.failed;
		return error_set_errno(err, "remove key %s", fingerprint);
	}
	return 0;
}

/* ---- verification */

struct key_files {
	char **paths;
	size_t n;
};

static int key_files_add(const char *origin, const char *prefix,
			 const char *fingerprint, const char *path, void *arg)
{
	struct key_files *k = arg;
	void *np;

	(void)origin, (void)prefix, (void)fingerprint;
	np = realloc(k->paths, (k->n + 1) * sizeof(char *));
	if (!np)
		return -1;
	k->paths = np;
	k->paths[k->n] = strdup(path);
	if (!k->paths[k->n])
		return -1;
	k->n++;
	return 0;
}

static void key_files_free(struct key_files *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->paths[i]);
	free(k->paths);
}

/* The keys of the most specific prefix of name that has any. */
static int collect_prefix_keys(const struct trust_roots *roots,
			       const char *name, struct key_files *k)
{
	const char *dirs[2] = {roots->config_dir, roots->vendor_dir};
	char prefix[PATH_MAX], path[PATH_MAX * 2];
	size_t before = k->n;

	snprintf(prefix, sizeof(prefix), "%s", name);
	for (;;) {
		char *slash;

		for (int i = 0; i < 2; i++) {
			struct list_walk w = {"", key_files_add, k};

			if (!dirs[i])
				continue;
			snprintf(path, sizeof(path),
				 "%s/trustedkeys/prefix.d/%s", dirs[i], prefix);
			if (list_dir(&w, path, NULL, false) < 0)
				return -1;
		}
		if (k->n > before) {
			log_debug("verify %s: using keys of prefix %s", name,
				  prefix);
			break;
		}
		slash = strrchr(prefix, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	return 0;
}

/* root.d of both roots, plus the most specific prefix that has keys. */
static int collect_keys(const struct trust_roots *roots, const char *name,
			struct key_files *k)
{
	const char *dirs[2] = {roots->config_dir, roots->vendor_dir};
	char path[PATH_MAX * 2];

	for (int i = 0; i < 2; i++) {
		struct list_walk w = {"", key_files_add, k};

		if (!dirs[i])
			continue;
		snprintf(path, sizeof(path), "%s/trustedkeys/root.d", dirs[i]);
		if (list_dir(&w, path, NULL, false) < 0)
			return -1;
	}
	return collect_prefix_keys(roots, name, k);
}

bool trust_prefix_has_keys(const struct trust_roots *roots, const char *name)
{
	struct key_files keys = {0};
	bool found;

	found = collect_prefix_keys(roots, name, &keys) == 0 && keys.n > 0;
	key_files_free(&keys);
	return found;
}

int trust_verify(const struct trust_roots *roots, const char *name, int data_fd,
		 int sig_fd, char **fingerprint, struct error **err)
{
	struct key_files keys = {0};
	struct gpg_session g;
	gpgme_data_t data = NULL, sig = NULL;
	gpgme_verify_result_t res;
	gpgme_signature_t s;
	gpgme_key_t key = NULL;
	gpgme_error_t ge;
	int r = -1;

	*fingerprint = NULL;
	if (collect_keys(roots, name, &keys) < 0) {
		key_files_free(&keys);
		return error_set(err, ENOMEM, "collect trusted keys");
	}
	if (gpg_session_start(&g, err) < 0) {
		key_files_free(&keys);
		return -1;
	}
	for (size_t i = 0; i < keys.n; i++) {
		cleanup_free char *buf = NULL;
		size_t len = 0;

		if (read_file(keys.paths[i], &buf, &len, err) < 0 ||
		    gpg_import(&g, buf, len, err) < 0) {
			error_wrap(err, "trusted key %s", keys.paths[i]);
			goto out;
		}
	}
	if (lseek(data_fd, 0, SEEK_SET) < 0 || lseek(sig_fd, 0, SEEK_SET) < 0) {
		error_set_errno(err, "rewind");
		goto out;
	}
	if (gpgme_data_new_from_fd(&data, data_fd) ||
	    gpgme_data_new_from_fd(&sig, sig_fd)) {
		error_set(err, ENOMEM, "gpgme data");
		goto out;
	}
	ge = gpgme_op_verify(g.ctx, sig, data, NULL);
	if (ge) {
		error_set(err, EINVAL, "read signature: %s",
			  gpgme_strerror(ge));
		goto out;
	}
	res = gpgme_op_verify_result(g.ctx);
	s = res ? res->signatures : NULL;
	if (!s) {
		error_set(err, EBADMSG,
			  "the signature file holds no signature");
		goto out;
	}
	switch (gpgme_err_code(s->status)) {
	case GPG_ERR_NO_ERROR:
		break;
	case GPG_ERR_NO_PUBKEY:
		error_set(err, ENOKEY,
			  "signed by key %s, which is not trusted for %s",
			  s->fpr ? s->fpr : "?", name);
		goto out;
	case GPG_ERR_BAD_SIGNATURE:
		error_set(err, EBADMSG,
			  "bad signature by key %s: the image is not what "
			  "was signed; do not use it, fetch it again from "
			  "its publisher",
			  s->fpr ? s->fpr : "?");
		goto out;
	default:
		error_set(err, EKEYREJECTED, "signature by key %s: %s",
			  s->fpr ? s->fpr : "?", gpgme_strerror(s->status));
		goto out;
	}
	/* Map a signing subkey to its primary key's fingerprint. */
	if (gpgme_get_key(g.ctx, s->fpr, &key, 0) || !key) {
		error_set(err, EKEYREJECTED, "signing key %s not trusted",
			  s->fpr);
		goto out;
	}
	if (key->revoked || key->expired || key->disabled) {
		error_set(err, EKEYREJECTED, "signing key %s is %s",
			  key->subkeys->fpr,
			  key->revoked	 ? "revoked"
			  : key->expired ? "expired"
					 : "disabled");
		goto out;
	}
	*fingerprint = strdup(key->subkeys->fpr);
	r = *fingerprint ? 0 : error_set(err, ENOMEM, "out of memory");
out:
	if (key)
		gpgme_key_unref(key);
	gpgme_data_release(data);
	gpgme_data_release(sig);
	gpg_session_end(&g);
	key_files_free(&keys);
	return r;
}
