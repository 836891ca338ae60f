// SPDX-License-Identifier: Apache-2.0
#include "images/discovery.h"
#include "images/discovery_keys.h"
#include "images/http.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A discovery document larger than this is refused. */
#define DISCOVERY_MAX_BYTES (1u << 20)

int discovery_expand(const char *tmpl, const struct discovery_labels *l,
		     char *out, size_t size)
{
	size_t o = 0;

	while (*tmpl) {
		const char *v = NULL;
		size_t n;

		if (*tmpl != '{') {
			if (o + 1 >= size)
				return -1;
			out[o++] = *tmpl++;
			continue;
		}
		n = strcspn(tmpl, "}");
		if (!tmpl[n])
			return -1;
		if (n == 5 && !strncmp(tmpl, "{name", 5))
			v = l->name;
		else if (n == 8 && !strncmp(tmpl, "{version", 8))
			v = l->version;
		else if (n == 3 && !strncmp(tmpl, "{os", 3))
			v = l->os;
		else if (n == 5 && !strncmp(tmpl, "{arch", 5))
			v = l->arch;
		else if (n == 4 && !strncmp(tmpl, "{ext", 4))
			v = l->ext;
		if (!v)
			return -1; /* a label we do not have */
		if (o + strlen(v) + 1 > size)
			return -1;
		memcpy(out + o, v, strlen(v));
		o += strlen(v);
		tmpl += n + 1;
	}
	out[o] = '\0';
	return 0;
}

/* Finds attr="value" inside one tag [p, end); returns malloc'd value. */
static char *tag_attr(const char *p, const char *end, const char *attr)
{
	size_t alen = strlen(attr);

	for (; p + alen + 2 < end; p++) {
		const char *v, *q;
		char quote;

		if (strncasecmp(p, attr, alen) || p[alen] != '=')
			continue;
		if (!isspace((unsigned char)p[-1]))
			continue;
		quote = p[alen + 1];
		if (quote != '"' && quote != '\'')
			continue;
		v = p + alen + 2;
		q = memchr(v, quote, (size_t)(end - v));
		if (!q)
			return NULL;
		return strndup(v, (size_t)(q - v));
	}
	return NULL;
}

int discovery_parse_tags(const char *html, size_t len, const char *meta_name,
			 discovery_meta_fn fn, void *arg)
{
	const char *p = html, *end = html + len;

	while (p < end) {
		const char *tag = NULL, *close;
		cleanup_free char *name = NULL, *content = NULL;

		for (const char *q = p; q + 5 <= end; q++)
			if (!strncasecmp(q, "<meta", 5) &&
			    (q + 5 == end || isspace((unsigned char)q[5]))) {
				tag = q;
				break;
			}
		if (!tag)
			break;
		close = memchr(tag, '>', (size_t)(end - tag));
		if (!close)
			break;
		name = tag_attr(tag + 5, close, "name");
		content = tag_attr(tag + 5, close, "content");
		p = close + 1;
		if (!name || !content || strcmp(name, meta_name))
			continue;
		{
			char *sp = content, *prefix, *value, *save = NULL;

			prefix = strtok_r(sp, " \t\r\n", &save);
			value = strtok_r(NULL, " \t\r\n", &save);
			if (prefix && value && fn(prefix, value, arg) > 0)
				return 1;
		}
	}
	return 0;
}

int discovery_parse_meta(const char *html, size_t len, discovery_meta_fn fn,
			 void *arg)
{
	return discovery_parse_tags(html, len, "ac-discovery", fn, arg);
}

int discovery_parse_pubkeys(const char *html, size_t len, discovery_meta_fn fn,
			    void *arg)
{
	return discovery_parse_tags(html, len, "ac-discovery-pubkeys", fn, arg);
}

bool discovery_prefix_covers(const char *prefix, const char *name)
{
	size_t n = strlen(prefix);

	return n && !strncmp(name, prefix, n) && (!name[n] || name[n] == '/');
}

struct discovery_try {
	struct store *store;
	const struct fetch_opts *o;
	struct discovery_labels labels;
	char **id;
	struct error *last; /* why the last candidate failed */
};

static int try_template(const char *prefix, const char *tmpl, void *arg)
{
	struct discovery_try *t = arg;
	char url[4096];

	if (!discovery_prefix_covers(prefix, t->labels.name))
		return 0;
	t->labels.ext = "aci";
	if (discovery_expand(tmpl, &t->labels, url, sizeof(url)) < 0) {
		log_debug("discovery: template %s not usable", tmpl);
		return 0;
	}
	if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7))
		return 0;
	log_debug("discovery: %s -> %s", t->labels.name, url);
	error_free(&t->last);
	if (http_fetch_aci(t->store, url, t->o, t->id, &t->last) == 0)
		return 1;
	error_wrap(&t->last, "discovered %s", url);
	return 0;
}

/* GETs scheme://prefix?ac-discovery=1 into memory (a memfd). */
static char *discovery_get(const char *scheme, const char *prefix,
			   const struct fetch_opts *o, size_t *len)
{
	cleanup_error struct error *err = NULL;
	cleanup_free char *url = NULL;
	cleanup_close int fd = memfd_create("discovery", MFD_CLOEXEC);
	struct fetch_opts lim = *o;
	struct stat st;
	char *buf;
	long status;

	lim.limits.max_bytes = DISCOVERY_MAX_BYTES;
	lim.progress = false;
	if (fd < 0 ||
	    asprintf(&url, "%s://%s?ac-discovery=1", scheme, prefix) < 0)
		return NULL;
	if (http_get(url, fd, &lim, NULL, NULL, &status, &err) < 0 ||
	    status != 200 || fstat(fd, &st) < 0) {
		log_debug("discovery: %s: %s", url,
			  err ? err->message : "not found");
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf || pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
		free(buf);
		return NULL;
	}
	buf[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return buf;
}

int discovery_walk(const char *name, const struct fetch_opts *o,
		   discovery_page_fn fn, void *arg)
{
	static const char *const schemes[] = {"https", "http"};
	char prefix[1024];

	if (strlen(name) >= sizeof(prefix))
		return 0;
	snprintf(prefix, sizeof(prefix), "%s", name);
	/* Most specific prefix first (appc discovery.md). */
	for (;;) {
		char *slash;

		for (size_t i = 0; i < ARRAY_SIZE(schemes); i++) {
			cleanup_free char *html = NULL;
			size_t len = 0;

			if (i == 1 && !o->insecure_http)
				break;
			html = discovery_get(schemes[i], prefix, o, &len);
			if (html && fn(html, len, arg) > 0)
				return 1;
		}
		slash = strrchr(prefix, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	return 0;
}

static int try_page(const char *html, size_t len, void *arg)
{
	return discovery_parse_meta(html, len, try_template, arg);
}

int discovery_fetch(struct store *s, const char *name, const char *version,
		    const struct fetch_opts *o, char **id, struct error **err)
{
	struct fetch_opts d = *o;
	struct discovery_try t = {
		.store = s,
		.o = &d,
		.labels = {name, version ? version : "latest", "linux", "amd64",
			   "aci"},
		.id = id,
	};

	if (strlen(name) >= 1024)
		return error_set(err, ENAMETOOLONG, "name too long");
	/* What discovery finds must carry the name asked. */
	d.expect_name = name;
	d.discovered = true;
	if (!o->insecure_image && o->insecure_pubkey &&
	    !trust_prefix_has_keys(&o->roots, name) &&
	    discovery_keys_trust_unreviewed(name, o, err) < 0)
		return error_wrap(err, "trust the keys of %s", name);
	if (discovery_walk(name, o, try_page, &t) > 0) {
		error_free(&t.last);
		return 0;
	}
	if (t.last) {
		*err = t.last;
		return -1;
	}
	return error_set(err, ENOENT, "%s: no image found by appc discovery%s",
			 name,
			 o->insecure_http ? ""
					  : " (https only; plain http needs "
					    "--insecure-options=http)");
}
