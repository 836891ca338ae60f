// SPDX-License-Identifier: Apache-2.0
#include "images/http.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Last: it redirects the library calls above (images/lazylib.h). */
#include "images/lazylib.h"

struct http_sink {
	int fd;
	uint64_t written;
	uint64_t max;
	int failed_errno;
	char *etag;
	const char *url;
	bool progress;
};

static size_t http_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_sink *k = arg;
	size_t len = size * nmemb, done = 0;

	if (k->max && k->written + len > k->max) {
		k->failed_errno = EFBIG;
		return 0;
	}
	while (done < len) {
		ssize_t n = write(k->fd, ptr + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			k->failed_errno = errno;
			return 0;
		}
		done += (size_t)n;
	}
	k->written += len;
	return len;
}

/* Header lines are hostile: only ETag is kept, bounded and printable. */
static size_t http_header(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct http_sink *k = arg;
	size_t len = size * nmemb, i;

	if (len > 5 && len < 512 && !strncasecmp(buf, "etag:", 5)) {
		char *v = buf + 5;
		size_t n = len - 5;

		while (n && isspace((unsigned char)*v))
			v++, n--;
		while (n && isspace((unsigned char)v[n - 1]))
			n--;
		for (i = 0; i < n; i++)
			if (!isprint((unsigned char)v[i]))
				return len;
		free(k->etag);
		k->etag = strndup(v, n);
	}
	return len;
}

static int http_progress(void *arg, curl_off_t total, curl_off_t now,
			 curl_off_t ut, curl_off_t un)
{
	struct http_sink *k = arg;

	(void)ut, (void)un;
	if (k->progress && total > 0)
		fprintf(stderr, "\rdownloading %s: %3d%%", k->url,
			(int)(now * 100 / total));
	return 0;
}

int http_get(const char *url, int fd, const struct fetch_opts *o,
	     const char *etag_in, char **etag_out, long *status,
	     struct error **err)
{
	struct http_sink k = {.fd = fd,
			      .max = o->limits.max_bytes,
			      .url = url,
			      .progress = o->progress};
	struct curl_slist *hdrs = NULL;
	cleanup_free char *inm = NULL;
	CURLcode rc;
	CURL *c;

	*status = 0;
	if (etag_out)
		*etag_out = NULL;
	if (!strncmp(url, "http://", 7) && !o->insecure_http)
		return error_set(err, EPERM,
				 "%s: plain http needs --insecure-options=http",
				 url);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = curl_easy_init();
	if (!c)
		return error_set(err, ENOMEM, "curl init");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR,
			 o->insecure_http ? "http,https" : "https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR,
			 o->insecure_http ? "http,https" : "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &k);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cocoon");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
	if (o->limits.max_bytes)
		curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
				 (curl_off_t)o->limits.max_bytes);
	if (o->insecure_tls) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (o->progress) {
		curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, http_progress);
		curl_easy_setopt(c, CURLOPT_XFERINFODATA, &k);
	}
	if (etag_in && asprintf(&inm, "If-None-Match: %s", etag_in) > 0) {
		hdrs = curl_slist_append(hdrs, inm);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	}
	rc = curl_easy_perform(c);
	if (o->progress)
		fputc('\n', stderr);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		free(k.etag);
		if (k.failed_errno == EFBIG || rc == CURLE_FILESIZE_EXCEEDED)
			return error_set(
				err, EFBIG,
				"%s: larger than the limit of %llu "
				"bytes",
				url, (unsigned long long)o->limits.max_bytes);
		return error_set(err, EIO, "GET %s: %s", url,
				 curl_easy_strerror(rc));
	}
	if (etag_out)
		*etag_out = k.etag;
	else
		free(k.etag);
	return 0;
}

int http_get_memory(const char *url, const struct fetch_opts *o, char **buf,
		    size_t *len, struct error **err)
{
	cleanup_close int fd = memfd_create("download", MFD_CLOEXEC);
	struct stat st;
	long status;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return error_set_errno(err, "memfd");
	if (http_get(url, fd, o, NULL, NULL, &status, err) < 0)
		return -1;
	if (status != 200)
		return error_set(err, ENOENT, "GET %s: HTTP status %ld", url,
				 status);
	if (fstat(fd, &st) < 0)
		return error_set_errno(err, "GET %s", url);
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf)
		return error_set(err, ENOMEM, "out of memory");
	if (pread(fd, *buf, (size_t)st.st_size, 0) != st.st_size) {
		free(*buf);
		*buf = NULL;
		return error_set_errno(err, "read %s", url);
	}
	(*buf)[st.st_size] = '\0';
	*len = (size_t)st.st_size;
	return 0;
}

int http_fetch_aci(struct store *s, const char *url, const struct fetch_opts *o,
		   char **id, struct error **err)
{
	cleanup_free char *cached = NULL, *etag = NULL, *newtag = NULL;
	cleanup_free char *sigurl = NULL;
	cleanup_close int fd = -1, sig = -1;
	struct store_tmpdir t;
	long status;
	int r = -1;

	if (store_remote_get(s, url, &cached, &etag, err) < 0)
		return -1;
	if (cached && o->pull != PULL_UPDATE) {
		*id = steal_pointer(&cached);
		return 0;
	}
	if (o->pull == PULL_NEVER)
		return error_set(err, ENOENT,
				 "not in the store and --pull-policy=never");
	if (store_tmpdir_create(s, &t, err) < 0)
		return -1;
	fd = openat(t.fd, "aci", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		error_set_errno(err, "create download file");
		goto out;
	}
	if (http_get(url, fd, o, cached ? etag : NULL, &newtag, &status, err) <
	    0)
		goto out;
	if (status == 304 && cached) {
		log_debug("%s not modified", url);
		*id = steal_pointer(&cached);
		r = 0;
		goto out;
	}
	if (status != 200) {
		error_set(err, ENOENT, "GET %s: HTTP status %ld", url, status);
		goto out;
	}
	if (!o->insecure_image) {
		if (asprintf(&sigurl, "%s.asc", url) < 0) {
			error_set(err, ENOMEM, "out of memory");
			goto out;
		}
		sig = openat(t.fd, "aci.asc",
			     O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (sig < 0 ||
		    http_get(sigurl, sig, o, NULL, NULL, &status, err) < 0)
			goto out;
		if (status != 200) {
			close(sig);
			sig = -1;
		}
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		error_set_errno(err, "rewind download");
		goto out;
	}
	if (fetch_aci_fd(s, fd, sig, url, o, id, err) < 0)
		goto out;
	r = store_remote_set(s, url, *id, newtag, err);
out:
	store_tmpdir_remove(s, &t);
	return r;
}
