// SPDX-License-Identifier: Apache-2.0
/* GetLogs: reading the apps' saved output; see api_logs.h. */
#include "stage0/api_logs.h"
#include "stage0/api_events.h"
#include "stage0/api_pods.h"
#include "stage0/pod.h"
#include "stage0/pod_status.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * One answer reads at most this much of the log files, the newest first
 * (every app's current file, then the rotated ones): a pod with many apps
 * cannot make one request hold 2 x 1 MiB per app (relay.h).
 */
#define API_LOG_READ_MAX (8u << 20)
/* A record line longer than this is cut (the relay writes <= 64 KiB). */
#define API_LOG_LINE_MAX (256u << 10)
#define API_LOG_APPS_MAX 64

struct api_log_app {
	char name[256];
	int fd; /* <app>.log being followed, or -1 */
	ino_t ino;
	char *pending; /* a record line not complete yet */
	size_t npending;
};

struct api_logs {
	struct pod *pod;
	struct api_logs_query q;
	struct api_log_app apps[API_LOG_APPS_MAX];
	size_t napps;
	char watch[64];
};

int api_log_parse(const char *line, size_t len, struct api_log_record *r)
{
	const char *sp1 = memchr(line, ' ', len), *sp2, *sp3;
	char when[48];

	memset(r, 0, sizeof(*r));
	if (!sp1 || (size_t)(sp1 - line) >= sizeof(when))
		return -1;
	memcpy(when, line, (size_t)(sp1 - line));
	when[sp1 - line] = '\0';
	if (pod_time_parse(when, &r->time) < 0)
		return -1;
	sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - line));
	if (!sp2 || sp2 == sp1 + 1 ||
	    (size_t)(sp2 - sp1 - 1) >= sizeof(r->stream))
		return -1;
	memcpy(r->stream, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	if (strcmp(r->stream, "stdout") && strcmp(r->stream, "stderr") &&
	    strcmp(r->stream, "tty"))
		return -1;
	sp3 = sp2 + 2;
	if ((size_t)(sp3 - line) > len || (sp2[1] != 'F' && sp2[1] != 'P') ||
	    ((size_t)(sp3 - line) < len && *sp3 != ' '))
		return -1;
	r->partial = sp2[1] == 'P';
	if ((size_t)(sp3 - line) < len)
		sp3++;
	r->text = sp3;
	r->text_len = len - (size_t)(sp3 - line);
	return 0;
}

/* Length of the valid UTF-8 sequence at s (RFC 3629), 0 if invalid. */
static size_t api_utf8_seq(const unsigned char *s, size_t len)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

char *api_utf8_clean(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	char *out = malloc(len * 3 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t n = u[i] ? api_utf8_seq(u + i, len - i) : 0;

		if (n == 0) {
			memcpy(o, "\xef\xbf\xbd", 3); /* U+FFFD */
			o += 3;
			i++;
			continue;
		}
		memcpy(o, s + i, n);
		o += n;
		i += n;
	}
	*o = '\0';
	return out;
}

struct json_object *api_log_json(const char *app,
				 const struct api_log_record *r)
{
	struct json_object *o = json_object_new_object();
	char when[64];
	char *text = api_utf8_clean(r->text, r->text_len);

	if (!o || !text) {
		json_object_put(o);
		free(text);
		return NULL;
	}
	pod_time_format_rfc3339(&r->time, when, sizeof(when));
	json_object_object_add(o, "app", json_object_new_string(app));
	json_object_object_add(o, "stream", json_object_new_string(r->stream));
	json_object_object_add(o, "time", json_object_new_string(when));
	json_object_object_add(o, "partial",
			       json_object_new_boolean(r->partial));
	json_object_object_add(o, "line", json_object_new_string(text));
	free(text);
	return o;
}

void api_logs_free(struct api_logs *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->napps; i++) {
		if (l->apps[i].fd >= 0)
			close(l->apps[i].fd);
		free(l->apps[i].pending);
	}
	pod_free(l->pod);
	free(l);
}

int api_logs_open(const char *dir, const char *uuid,
		  const struct api_logs_query *q, struct api_logs **out,
		  struct error **err)
{
	struct api_logs *l = calloc(1, sizeof(*l));
	struct pod_status st;

	*out = NULL;
	if (!l)
		return error_set(err, 500, "out of memory");
	l->q = *q;
	if (pod_open(dir, uuid, &l->pod, err) < 0) {
		(*err)->code = (*err)->code == ENOENT ? 404 : 400;
		api_logs_free(l);
		return -1;
	}
	api_pod_status_read(l->pod, &st, NULL);
	for (size_t i = 0; i < st.napps && l->napps < API_LOG_APPS_MAX; i++) {
		if (q->app && strcmp(q->app, st.apps[i].name))
			continue;
		snprintf(l->apps[l->napps].name, sizeof(l->apps[0].name), "%s",
			 st.apps[i].name);
		l->apps[l->napps].fd = -1;
		l->napps++;
	}
	pod_status_free(&st);
	if (q->app && !l->napps) {
		error_set(err, 404, "pod %s has no app \"%s\"", l->pod->uuid,
			  q->app);
		api_logs_free(l);
		return -1;
	}
	l->q.app = NULL; /* borrowed from the request: not kept */
	snprintf(l->watch, sizeof(l->watch), "/proc/self/fd/%d/stage1/logs",
		 l->pod->dirfd);
	*out = l;
	return 0;
}

const char *api_logs_watch_path(const struct api_logs *l)
{
	return l->watch;
}

/* Opens stage1/logs/<app><suffix> of the pod, read-only. */
static int api_log_open_file(struct api_logs *l, const char *app,
			     const char *suffix)
{
	char name[300];

	snprintf(name, sizeof(name), "stage1/logs/%s.log%s", app, suffix);
	return openat(l->pod->dirfd, name,
		      O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
}

/*
 * Reads the file to its end, or only its last max bytes. Read from the
 * middle, the cut first line is dropped: its tail is the app's bytes,
 * which could look like a record. *len is what was read, *skip where
 * the first whole record starts in it, *end the file offset after it.
 */
static char *api_log_slurp(int fd, size_t max, size_t *len, size_t *skip,
			   off_t *end)
{
	struct stat st;
	char *buf, *nl;
	off_t from = 0;
	size_t n = 0;

	*skip = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	if (st.st_size > (off_t)max)
		from = st.st_size - (off_t)max;
	buf = malloc((size_t)(st.st_size - from) + 1);
	if (!buf)
		return NULL;
	while (n < (size_t)(st.st_size - from)) {
		ssize_t r = pread(fd, buf + n, (size_t)(st.st_size - from) - n,
				  from + (off_t)n);

		if (r <= 0)
			break;
		n += (size_t)r;
	}
	*len = n;
	*end = from + (off_t)n;
	if (from > 0) {
		nl = memchr(buf, '\n', n);
		*skip = nl ? (size_t)(nl - buf) + 1 : n;
	}
	return buf;
}

struct api_log_entry {
	const char *app;
	struct api_log_record r;
	size_t seq;
};

static int api_log_entry_cmp(const void *a, const void *b)
{
	const struct api_log_entry *x = a, *y = b;

	if (x->r.time.tv_sec != y->r.time.tv_sec)
		return x->r.time.tv_sec < y->r.time.tv_sec ? -1 : 1;
	if (x->r.time.tv_nsec != y->r.time.tv_nsec)
		return x->r.time.tv_nsec < y->r.time.tv_nsec ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool api_log_in_range(const struct api_logs *l,
			     const struct api_log_record *r)
{
	return (!l->q.since_time || r->time.tv_sec >= l->q.since_time) &&
	       (!l->q.until_time || r->time.tv_sec < l->q.until_time);
}

/* Appends one record as a JSON line to *text. */
static int api_log_append(char **text, size_t *len, const char *app,
			  const struct api_log_record *r)
{
	struct json_object *o = api_log_json(app, r);
	const char *s;
	size_t n;
	char *grown;

	if (!o)
		return -1;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	n = strlen(s);
	grown = realloc(*text, *len + n + 2);
	if (!grown) {
		json_object_put(o);
		return -1;
	}
	memcpy(grown + *len, s, n);
	grown[*len + n] = '\n';
	*len += n + 1;
	grown[*len] = '\0';
	*text = grown;
	json_object_put(o);
	return 0;
}

/* Splits buf into records and adds those in range to entries. */
static int api_log_collect(struct api_logs *l, const char *app, char *buf,
			   size_t len, struct api_log_entry **entries,
			   size_t *n, size_t *cap)
{
	for (size_t start = 0; start < len;) {
		char *nl = memchr(buf + start, '\n', len - start);
		size_t end = nl ? (size_t)(nl - buf) : len;
		struct api_log_record r;

		if (nl && api_log_parse(buf + start, end - start, &r) == 0 &&
		    api_log_in_range(l, &r)) {
			if (*n == *cap) {
				size_t c = *cap ? *cap * 2 : 256;
				struct api_log_entry *g =
					realloc(*entries, c * sizeof(*g));

				if (!g)
					return -1;
				*entries = g;
				*cap = c;
			}
			(*entries)[*n] = (struct api_log_entry){app, r, *n};
			(*n)++;
		}
		start = end + 1;
	}
	return 0;
}

int api_logs_read_all(struct api_logs *l, char **text, size_t *len,
		      struct error **err)
{
	char *bufs[API_LOG_APPS_MAX * 2] = {0};
	struct api_log_entry *entries = NULL;
	size_t n = 0, cap = 0, nbufs = 0, first = 0, budget = API_LOG_READ_MAX;
	int r = 0;

	*text = NULL;
	*len = 0;
	/* Current files first (s = 0), so the budget keeps the newest. */
	for (size_t s = 0; s < 2 && r == 0; s++) {
		for (size_t a = 0; a < l->napps && r == 0; a++) {
			cleanup_close int fd = api_log_open_file(
				l, l->apps[a].name, s ? ".1" : "");
			size_t blen = 0, skip = 0;
			off_t end = 0;
			struct stat st;

			if (fd < 0 || budget == 0)
				continue;
			bufs[nbufs] =
				api_log_slurp(fd, budget, &blen, &skip, &end);
			if (!bufs[nbufs])
				continue;
			budget -= blen;
			r = api_log_collect(l, l->apps[a].name,
					    bufs[nbufs] + skip, blen - skip,
					    &entries, &n, &cap);
			nbufs++;
			/* Follow on from where this read ended. */
			if (s == 0 && l->q.follow && fstat(fd, &st) == 0 &&
			    lseek(fd, end, SEEK_SET) >= 0) {
				l->apps[a].ino = st.st_ino;
				l->apps[a].fd = steal_fd(&fd);
			}
		}
	}
	if (r == 0 && n > 1)
		qsort(entries, n, sizeof(*entries), api_log_entry_cmp);
	if (l->q.lines > 0 && n > (size_t)l->q.lines)
		first = n - (size_t)l->q.lines;
	for (size_t i = first; r == 0 && i < n; i++)
		r = api_log_append(text, len, entries[i].app, &entries[i].r);
	free(entries);
	for (size_t i = 0; i < nbufs; i++)
		free(bufs[i]);
	if (r < 0) {
		free(*text);
		*text = NULL;
		return error_set(err, 500, "out of memory");
	}
	if (!*text)
		*text = strdup("");
	return *text ? 0 : error_set(err, 500, "out of memory");
}

/* Reads what is new in app's file (up to max bytes), as records. */
static int api_log_follow_app(struct api_logs *l, struct api_log_app *a,
			      char **text, size_t *len, size_t max)
{
	char buf[16384];
	ssize_t n;

	while (*len < max) {
		n = read(a->fd, buf, sizeof(buf));
		if (n <= 0)
			return 0;
		for (ssize_t i = 0; i < n;) {
			char *nl = memchr(buf + i, '\n', (size_t)(n - i));
			size_t take =
				nl ? (size_t)(nl - (buf + i)) : (size_t)(n - i);
			char *grown;

			if (a->npending + take <= API_LOG_LINE_MAX) {
				grown = realloc(a->pending,
						a->npending + take + 1);
				if (!grown)
					return -1;
				memcpy(grown + a->npending, buf + i, take);
				a->pending = grown;
				a->npending += take;
			}
			i += (ssize_t)take;
			if (nl) {
				struct api_log_record r;

				if (api_log_parse(a->pending, a->npending,
						  &r) == 0 &&
				    api_log_in_range(l, &r) &&
				    api_log_append(text, len, a->name, &r) < 0)
					return -1;
				a->npending = 0;
				i++;
			}
		}
	}
	return 0;
}

int api_logs_follow(struct api_logs *l, char **text, size_t *len, size_t max)
{
	bool running = api_pod_dir_locked(l->pod->dirfd);

	if (l->q.until_time && time(NULL) >= l->q.until_time)
		return 0;
	for (size_t i = 0; i < l->napps; i++) {
		struct api_log_app *a = &l->apps[i];
		struct stat st;
		char name[300];

		if (a->fd >= 0 && api_log_follow_app(l, a, text, len, max) < 0)
			return 0;
		/* Rotated (or created since): move to the new file. */
		snprintf(name, sizeof(name), "stage1/logs/%s.log", a->name);
		if (*len < max &&
		    fstatat(l->pod->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) ==
			    0 &&
		    (a->fd < 0 || st.st_ino != a->ino)) {
			if (a->fd >= 0) {
				/* What the relay wrote to it before renaming
				 * it is complete now: read it to its end. */
				if (api_log_follow_app(l, a, text, len,
						       SIZE_MAX) < 0)
					return 0;
				close(a->fd);
			}
			a->fd = api_log_open_file(l, a->name, "");
			a->ino = st.st_ino;
			a->npending = 0;
			if (a->fd >= 0 &&
			    api_log_follow_app(l, a, text, len, max) < 0)
				return 0;
		}
	}
	/* Ended: not running, and the last read found nothing more. */
	return running || *len > 0 ? 1 : 0;
}
