// SPDX-License-Identifier: Apache-2.0
#include "images/registry.h"
#include "images/oci.h"
#include "images/oci_layout.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Last: it redirects the library calls above (images/lazylib.h). */
#include "images/lazylib.h"

/* Bounds on what a registry may send besides blobs. */
#define REGISTRY_TOKEN_MAX  (16u << 10)
#define REGISTRY_HEADER_MAX 2048

static const char registry_accept[] =
	"Accept: application/vnd.oci.image.index.v1+json, "
	"application/vnd.docker.distribution.manifest.list.v2+json, "
	"application/vnd.oci.image.manifest.v1+json, "
	"application/vnd.docker.distribution.manifest.v2+json";

void registry_ref_free(struct registry_ref *r)
{
	free(r->host);
	free(r->repo);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

static bool repo_valid(const char *s)
{
	/* distribution spec: path components [a-z0-9]+([._-][a-z0-9]+)* */
	if (!*s || *s == '/' || s[strlen(s) - 1] == '/')
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) &&
		    !isdigit((unsigned char)*s) && !strchr("._-/", *s))
			return false;
	return true;
}

int registry_ref_parse(const char *s, struct registry_ref *r,
		       struct error **err)
{
	const char *slash = strchr(s, '/'), *at, *colon;

	memset(r, 0, sizeof(*r));
	if (!slash || slash == s)
		return error_set(err, EINVAL,
				 "\"%s\": want HOST[:PORT]/REPO[:TAG|@DIGEST]",
				 s);
	r->host = strndup(s, (size_t)(slash - s));
	s = slash + 1;
	at = strchr(s, '@');
	if (at) {
		r->repo = strndup(s, (size_t)(at - s));
		r->digest = strdup(at + 1);
	} else {
		colon = strrchr(s, ':');
		if (colon) {
			r->repo = strndup(s, (size_t)(colon - s));
			r->tag = strdup(colon + 1);
		} else {
			r->repo = strdup(s);
			r->tag = strdup("latest");
		}
	}
	if (!r->host || !r->repo || (!r->tag && !r->digest)) {
		registry_ref_free(r);
		return error_set(err, ENOMEM, "out of memory");
	}
	for (const char *h = r->host; *h; h++)
		if (!isalnum((unsigned char)*h) && !strchr(".-:[]", *h)) {
			registry_ref_free(r);
			return error_set(err, EINVAL, "invalid registry host");
		}
	if (!repo_valid(r->repo) ||
	    (r->digest && (digest_parse(r->digest, NULL, NULL) < 0 ||
			   r->digest[6] != ':')) ||
	    (r->tag &&
	     (!*r->tag || strlen(r->tag) > 128 || strchr(r->tag, '/')))) {
		registry_ref_free(r);
		return error_set(err, EINVAL,
				 "invalid repository, tag or digest");
	}
	return 0;
}

void registry_challenge_free(struct registry_challenge *c)
{
	free(c->realm);
	free(c->service);
	free(c->scope);
	memset(c, 0, sizeof(*c));
}

int registry_challenge_parse(const char *v, struct registry_challenge *c)
{
	memset(c, 0, sizeof(*c));
	while (isspace((unsigned char)*v))
		v++;
	if (strncasecmp(v, "Bearer", 6) || !isspace((unsigned char)v[6]))
		return -1;
	v += 7;
	while (*v) {
		const char *k, *eq, *val;
		size_t klen, vlen;
		char **dst = NULL;

		while (isspace((unsigned char)*v) || *v == ',')
			v++;
		if (!*v)
			break;
		k = v;
		eq = strchr(k, '=');
		if (!eq)
			break;
		klen = (size_t)(eq - k);
		if (eq[1] != '"')
			break;
		val = eq + 2;
		vlen = strcspn(val, "\"");
		if (!val[vlen])
			break; /* unterminated */
		if (klen == 5 && !strncasecmp(k, "realm", 5))
			dst = &c->realm;
		else if (klen == 7 && !strncasecmp(k, "service", 7))
			dst = &c->service;
		else if (klen == 5 && !strncasecmp(k, "scope", 5))
			dst = &c->scope;
		if (dst) {
			free(*dst);
			*dst = strndup(val, vlen);
		}
		v = val + vlen + 1;
	}
	if (!c->realm) {
		registry_challenge_free(c);
		return -1;
	}
	return 0;
}

/* ---- HTTP */

struct reg {
	struct registry_ref ref;
	const struct fetch_opts *o;
	char *base;  /* "https://host" */
	char *token; /* bearer, once fetched */
	char *top_digest;
	char *top_body;
	size_t top_len;
};

struct reg_response {
	long status;
	char content_type[128];
	char www_auth[REGISTRY_HEADER_MAX];
	char content_digest[DIGEST_STRING_MAX];
};

struct mem_sink {
	char *buf;
	size_t len, max;
	bool overflow;
};

struct blob_sink {
	struct blob_writer *w;
	struct error **err;
	bool failed;
};

static size_t mem_write(char *p, size_t size, size_t n, void *arg)
{
	struct mem_sink *m = arg;
	size_t len = size * n;
	char *nb;

	if (m->len + len > m->max) {
		m->overflow = true;
		return 0;
	}
	nb = realloc(m->buf, m->len + len + 1);
	if (!nb)
		return 0;
	m->buf = nb;
	memcpy(m->buf + m->len, p, len);
	m->len += len;
	m->buf[m->len] = '\0';
	return len;
}

static size_t blob_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct blob_sink *b = arg;

	if (store_blob_write(b->w, p, size * n, b->err) < 0) {
		b->failed = true;
		return 0;
	}
	return size * n;
}

static void header_copy(char *dst, size_t size, const char *v, size_t n)
{
	while (n && isspace((unsigned char)*v))
		v++, n--;
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	if (n >= size)
		n = size - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = isprint((unsigned char)v[i]) ? v[i] : '?';
	dst[n] = '\0';
}

/* Response headers are hostile: only three are kept, bounded. */
static size_t reg_header(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct reg_response *r = arg;
	size_t len = size * nmemb;

	if (len > 13 && !strncasecmp(buf, "content-type:", 13))
		header_copy(r->content_type, sizeof(r->content_type), buf + 13,
			    len - 13);
	else if (len > 17 && !strncasecmp(buf, "www-authenticate:", 17))
		header_copy(r->www_auth, sizeof(r->www_auth), buf + 17,
			    len - 17);
	else if (len > 22 && !strncasecmp(buf, "docker-content-digest:", 22))
		header_copy(r->content_digest, sizeof(r->content_digest),
			    buf + 22, len - 22);
	/* a redirect's headers are followed by the target's */
	if (len > 5 && !strncmp(buf, "HTTP/", 5))
		r->content_type[0] = r->content_digest[0] = '\0';
	return len;
}

static int reg_perform(struct reg *g, const char *url, bool manifest,
		       curl_write_callback sink, void *sink_arg,
		       struct reg_response *resp, struct error **err)
{
	struct curl_slist *hdrs = NULL;
	cleanup_free char *auth = NULL;
	const char *protos = g->o->insecure_http ? "http,https" : "https";
	CURLcode rc;
	CURL *c;

	memset(resp, 0, sizeof(*resp));
	c = curl_easy_init();
	if (!c)
		return error_set(err, ENOMEM, "curl init");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protos);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protos);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cocoon");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, sink_arg);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, reg_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
	if (g->o->insecure_tls) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (manifest)
		hdrs = curl_slist_append(hdrs, registry_accept);
	/* curl drops this header when a redirect leaves the host. */
	if (g->token &&
	    asprintf(&auth, "Authorization: Bearer %s", g->token) > 0)
		hdrs = curl_slist_append(hdrs, auth);
	if (hdrs)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK && rc != CURLE_WRITE_ERROR)
		return error_set(err, EIO, "GET %s: %s", url,
				 curl_easy_strerror(rc));
	return rc == CURLE_OK ? 0 : 1;
}

/* Fetches a bearer token as the 401 challenge says. */
static int reg_get_token(struct reg *g, const char *challenge,
			 struct error **err)
{
	struct registry_challenge ch;
	struct mem_sink m = {.max = REGISTRY_TOKEN_MAX};
	struct reg_response resp;
	cleanup_free char *url = NULL, *scope = NULL;
	struct json_object *j = NULL, *t;
	char *es = NULL, *esc = NULL;
	CURL *c;
	int r = -1;

	if (registry_challenge_parse(challenge, &ch) < 0)
		return error_set(err, EACCES,
				 "registry wants an authentication cocoon does "
				 "not speak");
	if (strncmp(ch.realm, "https://", 8) &&
	    (strncmp(ch.realm, "http://", 7) || !g->o->insecure_http)) {
		error_set(err, EACCES, "token realm %s is not https", ch.realm);
		goto out;
	}
	if (!ch.scope &&
	    asprintf(&scope, "repository:%s:pull", g->ref.repo) < 0)
		goto out;
	c = curl_easy_init();
	if (c) {
		if (ch.service)
			es = curl_easy_escape(c, ch.service, 0);
		esc = curl_easy_escape(c, ch.scope ? ch.scope : scope, 0);
		curl_easy_cleanup(c);
	}
	if (!esc || asprintf(&url, "%s%sscope=%s%s%s", ch.realm,
			     strchr(ch.realm, '?') ? "&" : "?", esc,
			     es ? "&service=" : "", es ? es : "") < 0) {
		error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (reg_perform(g, url, false, mem_write, &m, &resp, err))
		goto out;
	if (resp.status != 200) {
		error_set(err, EACCES, "token from %s: HTTP status %ld",
			  ch.realm, resp.status);
		goto out;
	}
	j = m.buf ? oci_json_parse(m.buf, m.len, err) : NULL;
	if (!j ||
	    (!json_object_object_get_ex(j, "token", &t) &&
	     !json_object_object_get_ex(j, "access_token", &t)) ||
	    !json_object_is_type(t, json_type_string)) {
		error_set(err, EACCES, "token response without a token");
		goto out;
	}
	for (const char *p = json_object_get_string(t); *p; p++)
		if (!isgraph((unsigned char)*p)) {
			error_set(err, EACCES, "malformed token");
			goto out;
		}
	free(g->token);
	g->token = strdup(json_object_get_string(t));
	r = g->token ? 0 : error_set(err, ENOMEM, "out of memory");
out:
	curl_free(es);
	curl_free(esc);
	json_object_put(j);
	free(m.buf);
	registry_challenge_free(&ch);
	return r;
}

/* GET with one retry after fetching a token on 401. */
static int reg_get(struct reg *g, const char *path, bool manifest,
		   curl_write_callback sink, void *arg,
		   struct reg_response *resp, void (*reset)(void *),
		   struct error **err)
{
	cleanup_free char *url = NULL;
	int r;

	if (asprintf(&url, "%s/v2/%s/%s", g->base, g->ref.repo, path) < 0)
		return error_set(err, ENOMEM, "out of memory");
	r = reg_perform(g, url, manifest, sink, arg, resp, err);
	if (r == 0 && resp->status == 401 && !g->token && resp->www_auth[0]) {
		char challenge[REGISTRY_HEADER_MAX];

		strcpy(challenge, resp->www_auth);
		if (reg_get_token(g, challenge, err) < 0)
			return -1;
		reset(arg);
		r = reg_perform(g, url, manifest, sink, arg, resp, err);
	}
	if (r < 0)
		return -1;
	if (r > 0)
		return error_set(err, EFBIG,
				 "GET %s: response too large or "
				 "not stored",
				 url);
	if (resp->status != 200)
		return error_set(err, resp->status == 404 ? ENOENT : EIO,
				 "GET %s: HTTP status %ld", url, resp->status);
	return 0;
}

static void mem_reset(void *arg)
{
	struct mem_sink *m = arg;

	free(m->buf);
	m->buf = NULL;
	m->len = 0;
}

static void blob_reset(void *arg)
{
	struct blob_sink *b = arg;

	/* A 401 body is small; a rejected first try wrote it to the blob. */
	if (b->w->size && ftruncate(b->w->fd, 0) == 0 &&
	    lseek(b->w->fd, 0, SEEK_SET) == 0) {
		digest_init(&b->w->ctx, b->w->ctx.algo);
		b->w->size = 0;
	}
}

static int reg_get_manifest(struct reg *g, const char *reference,
			    struct mem_sink *m, struct reg_response *resp,
			    struct error **err)
{
	cleanup_free char *path = NULL;

	if (asprintf(&path, "manifests/%s", reference) < 0)
		return error_set(err, ENOMEM, "out of memory");
	m->max = OCI_JSON_MAX_BYTES;
	return reg_get(g, path, true, mem_write, m, resp, mem_reset, err);
}

/* ---- the source ops for oci_import_from() */

static int reg_read_json(void *ctx, const struct oci_descriptor *d, char **buf,
			 size_t *len, struct error **err)
{
	struct reg *g = ctx;
	struct mem_sink m = {.max = OCI_JSON_MAX_BYTES};
	struct reg_response resp;
	cleanup_free char *path = NULL;
	enum oci_kind kind;
	int r;

	if (g->top_body && !strcmp(d->digest, g->top_digest)) {
		*buf = malloc(g->top_len + 1);
		if (!*buf)
			return error_set(err, ENOMEM, "out of memory");
		memcpy(*buf, g->top_body, g->top_len + 1);
		*len = g->top_len;
		return 0;
	}
	if (oci_media_kind(d->media_type, &kind) == 0 &&
	    kind != OCI_KIND_LAYER) {
		r = reg_get_manifest(g, d->digest, &m, &resp, err);
	} else {
		if (asprintf(&path, "blobs/%s", d->digest) < 0)
			return error_set(err, ENOMEM, "out of memory");
		r = reg_get(g, path, false, mem_write, &m, &resp, mem_reset,
			    err);
	}
	if (r < 0 || !m.buf || oci_check_digest(d, m.buf, m.len, err) < 0) {
		free(m.buf);
		return r < 0 || m.buf
			       ? -1
			       : error_set(err, EINVAL, "empty %s", d->digest);
	}
	*buf = m.buf;
	*len = m.len;
	return 0;
}

static int reg_store_layer(void *ctx, struct store *s,
			   const struct oci_descriptor *d, uint64_t max,
			   struct error **err)
{
	struct reg *g = ctx;
	struct blob_writer w;
	struct blob_sink b = {.w = &w, .err = err};
	struct reg_response resp;
	cleanup_free char *path = NULL;
	char got[DIGEST_STRING_MAX];

	if ((uint64_t)d->size > max)
		return error_set(err, EFBIG, "layer %s larger than the limit",
				 d->digest);
	if (asprintf(&path, "blobs/%s", d->digest) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (g->o->progress)
		fprintf(stderr, "downloading %s (%lld bytes)\n", d->digest,
			(long long)d->size);
	if (store_blob_begin(s, DIGEST_SHA256, (uint64_t)d->size, &w, err) < 0)
		return -1;
	if (reg_get(g, path, false, blob_write_cb, &b, &resp, blob_reset, err) <
	    0) {
		store_blob_abort(&w);
		return error_wrap(err, "layer %s", d->digest);
	}
	if (w.size != (uint64_t)d->size) {
		store_blob_abort(&w);
		return error_set(err, EBADMSG, "layer %s: size mismatch",
				 d->digest);
	}
	return store_blob_commit(&w, d->digest, got, err);
}

static const struct oci_source_ops registry_ops = {
	.read_json = reg_read_json,
	.store_layer = reg_store_layer,
};

int registry_fetch(struct store *s, const char *source,
		   const struct fetch_opts *o, char **id, struct error **err)
{
	struct reg g = {.o = o};
	struct mem_sink m = {0};
	struct reg_response resp;
	struct oci_descriptor top = {0};
	struct oci_import_opts io = {0};
	cleanup_free char *cached = NULL, *etag = NULL, *name = NULL;
	cleanup_free char *full = NULL;
	struct digest_ctx ctx;
	char hex[DIGEST_MAX_HEX + 1];
	int r = -1;

	if (registry_ref_parse(source + 9, &g.ref, err) < 0)
		return -1;
	if (store_remote_get(s, source, &cached, &etag, err) < 0)
		goto out;
	if (cached && o->pull != PULL_UPDATE) {
		*id = steal_pointer(&cached);
		r = 0;
		goto out;
	}
	if (o->pull == PULL_NEVER) {
		error_set(err, ENOENT,
			  "not in the store and --pull-policy=never");
		goto out;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (asprintf(&g.base, "%s://%s", o->insecure_http ? "http" : "https",
		     g.ref.host) < 0) {
		error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (reg_get_manifest(&g, g.ref.digest ? g.ref.digest : g.ref.tag, &m,
			     &resp, err) < 0)
		goto out;
	if (!m.buf) {
		error_set(err, EINVAL, "empty manifest");
		goto out;
	}
	/* The manifest's own digest: checked against the reference or the
	 * registry's Docker-Content-Digest header. */
	digest_init(&ctx, DIGEST_SHA256);
	digest_update(&ctx, m.buf, m.len);
	digest_final_hex(&ctx, hex);
	snprintf(top.digest, sizeof(top.digest), "sha256:%s", hex);
	top.size = (int64_t)m.len;
	if ((g.ref.digest && strcmp(g.ref.digest, top.digest)) ||
	    (resp.content_digest[0] &&
	     !strncmp(resp.content_digest, "sha256:", 7) &&
	     strcmp(resp.content_digest, top.digest))) {
		error_set(err, EBADMSG, "manifest digest mismatch: got %s",
			  top.digest);
		goto out;
	}
	*strchrnul(resp.content_type, ';') = '\0';
	snprintf(top.media_type, sizeof(top.media_type), "%s",
		 resp.content_type);
	{
		/* Fall back to the document's own mediaType field. */
		struct json_object *j = oci_json_parse(m.buf, m.len, NULL), *mt;
		enum oci_kind kind;

		if (oci_media_kind(top.media_type, &kind) < 0 && j &&
		    json_object_object_get_ex(j, "mediaType", &mt))
			snprintf(top.media_type, sizeof(top.media_type), "%s",
				 json_object_get_string(mt));
		json_object_put(j);
	}
	g.top_digest = top.digest;
	g.top_body = m.buf;
	g.top_len = m.len;
	if (asprintf(&full, "%s/%s", g.ref.host, g.ref.repo) < 0 ||
	    !(name = oci_sanitize_name(full))) {
		error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	io.tag = g.ref.tag ? g.ref.tag : g.ref.digest;
	io.name = name;
	io.source = source;
	io.limits = o->limits;
	if (oci_import_from(s, &registry_ops, &g, &top, &io, id, err) < 0)
		goto out;
	r = store_remote_set(s, source, *id, top.digest, err);
out:
	free(m.buf);
	free(g.base);
	free(g.token);
	registry_ref_free(&g.ref);
	return r;
}
