// SPDX-License-Identifier: Apache-2.0
/*
 * The audit log's chain (stage0/audit.h, docs/audit.md): canonical form,
 * append with crash repair, verification.
 *
 * Writers hold an exclusive flock on audit/lock from reading the tail to
 * replacing the head; readers hold it shared, so they never see a line
 * being written. An entry is written with one write() on an O_APPEND fd
 * and fsynced before the head names it: a crash leaves at worst a line
 * without its newline (never named by the head) or a head one entry
 * behind; both are told apart from tampering by the head and repaired by
 * the next append.
 */
#include "stage0/audit.h"
#include "stage0/audit_internal.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "images/digest.h"
#include "stage0/pod_status.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- canonical form */

static int canon_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void canon_string(FILE *f, const char *s)
{
	struct json_object *j = json_object_new_string(s);

	fputs(j ? json_object_to_json_string_ext(
			  j, JSON_C_TO_STRING_PLAIN |
				     JSON_C_TO_STRING_NOSLASHESCAPE)
		: "\"\"",
	      f);
	json_object_put(j);
}

static int canon_emit(FILE *f, struct json_object *j, unsigned depth)
{
	if (depth > 32)
		return -1;
	switch (json_object_get_type(j)) {
	case json_type_null:
		fputs("null", f);
		return 0;
	case json_type_boolean:
		fputs(json_object_get_boolean(j) ? "true" : "false", f);
		return 0;
	case json_type_int:
		fprintf(f, "%" PRId64, json_object_get_int64(j));
		return 0;
	case json_type_double:
		fputs(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN),
		      f);
		return 0;
	case json_type_string:
		canon_string(f, json_object_get_string(j));
		return 0;
	case json_type_array:
		fputc('[', f);
		for (size_t i = 0; i < json_object_array_length(j); i++) {
			if (i)
				fputc(',', f);
			if (canon_emit(f, json_object_array_get_idx(j, i),
				       depth + 1) < 0)
				return -1;
		}
		fputc(']', f);
		return 0;
	case json_type_object: {
		size_t n = (size_t)json_object_object_length(j), k = 0;
		cleanup_free const char **keys =
			calloc(n ? n : 1, sizeof(*keys));

		if (!keys)
			return -1;
		json_object_object_foreach(j, key, val)
		{
			(void)val;
			keys[k++] = key;
		}
		qsort(keys, k, sizeof(*keys), canon_cmp);
		fputc('{', f);
		for (size_t i = 0; i < k; i++) {
			struct json_object *v = NULL;

			if (i)
				fputc(',', f);
			canon_string(f, keys[i]);
			fputc(':', f);
			json_object_object_get_ex(j, keys[i], &v);
			if (canon_emit(f, v, depth + 1) < 0)
				return -1;
		}
		fputc('}', f);
		return 0;
	}
	}
	return -1;
}

char *audit_canonical(struct json_object *j)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return NULL;
	r = canon_emit(f, j, 0);
	if (fclose(f) != 0 || r < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

int audit_entry_hash(struct json_object *entry, char hex[AUDIT_HASH_HEX + 1],
		     struct error **err)
{
	cleanup_json struct json_object *copy = NULL;
	cleanup_free char *canon = NULL;
	char full[DIGEST_MAX_HEX + 1];
	struct digest_ctx ctx;

	if (json_object_deep_copy(entry, &copy, NULL) < 0 || !copy)
		return error_set(err, ENOMEM, "out of memory");
	json_object_object_del(copy, "hash");
	canon = audit_canonical(copy);
	if (!canon)
		return error_set(err, ENOMEM, "out of memory");
	digest_init(&ctx, DIGEST_SHA256);
	digest_update(&ctx, canon, strlen(canon));
	digest_final_hex(&ctx, full);
	memcpy(hex, full, AUDIT_HASH_HEX + 1); /* SHA-256: 64 digits */
	return 0;
}

/* ---- fields of a parsed entry */

static bool audit_hex_valid(const char *s)
{
	if (!s || strlen(s) != AUDIT_HASH_HEX)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* seq >= 1, prev and hash 64 hex digits; false if anything is off. */
bool audit_fields_get(struct json_object *e, struct audit_fields *f)
{
	struct json_object *seq, *prev, *hash;

	if (!json_object_is_type(e, json_type_object) ||
	    !json_object_object_get_ex(e, "seq", &seq) ||
	    !json_object_is_type(seq, json_type_int) ||
	    json_object_get_int64(seq) < 1 ||
	    !json_object_object_get_ex(e, "prev", &prev) ||
	    !json_object_object_get_ex(e, "hash", &hash) ||
	    !json_object_is_type(prev, json_type_string) ||
	    !json_object_is_type(hash, json_type_string) ||
	    !audit_hex_valid(json_object_get_string(prev)) ||
	    !audit_hex_valid(json_object_get_string(hash)))
		return false;
	f->seq = (uint64_t)json_object_get_int64(seq);
	f->prev = json_object_get_string(prev);
	f->hash = json_object_get_string(hash);
	return true;
}

/* A whole line (without its newline) as one JSON value, or NULL. */
struct json_object *audit_parse_line(const char *line, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *j;

	if (!tok)
		return NULL;
	j = json_tokener_parse_ex(tok, line, (int)len);
	if (j && (json_tokener_get_error(tok) != json_tokener_success ||
		  (size_t)tok->char_offset != len)) {
		json_object_put(j);
		j = NULL;
	}
	json_tokener_free(tok);
	return j;
}

/* ---- the directory, the lock, the head */

void audit_files_close(struct audit_files *a)
{
	free(a->path);
	if (a->lockfd >= 0)
		close(a->lockfd);
	if (a->dirfd >= 0)
		close(a->dirfd);
}

/*
 * Opens <dir>/audit (made 0700 when create) and takes its lock. 1 when the
 * directory does not exist and !create.
 */
int audit_open(const char *dir, bool create, int lock_op, struct audit_files *a,
	       struct error **err)
{
	*a = (struct audit_files){.dirfd = -1, .lockfd = -1};
	if (asprintf(&a->path, "%s/%s", dir, AUDIT_DIR) < 0) {
		a->path = NULL;
		return error_set(err, ENOMEM, "out of memory");
	}
	if (create && mkdir(a->path, 0700) < 0 && errno != EEXIST)
		return error_set_errno(err, "create %s", a->path);
	a->dirfd = open(a->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a->dirfd < 0 && errno == ENOENT && !create)
		return 1;
	if (a->dirfd < 0)
		return error_set_errno(err, "open %s", a->path);
	a->lockfd = openat(a->dirfd, "lock",
			   O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (a->lockfd < 0)
		return error_set_errno(err, "open %s/lock", a->path);
	while (flock(a->lockfd, lock_op) < 0)
		if (errno != EINTR)
			return error_set_errno(err, "lock %s", a->path);
	return 0;
}

/* 0 (present or not), or -1 when it exists but is not a head record. */
int audit_head_read(struct audit_files *a, struct audit_head *h,
		    struct error **err)
{
	cleanup_close int fd =
		openat(a->dirfd, AUDIT_HEAD, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	cleanup_json struct json_object *j = NULL;
	struct json_object *seq, *hash;
	char buf[256];
	ssize_t n;

	memset(h, 0, sizeof(*h));
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return error_set_errno(err, "open %s/%s", a->path, AUDIT_HEAD);
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return error_set_errno(err, "read %s/%s", a->path, AUDIT_HEAD);
	while (n > 0 && buf[n - 1] == '\n')
		n--;
	j = audit_parse_line(buf, (size_t)n);
	if (!j || !json_object_object_get_ex(j, "seq", &seq) ||
	    !json_object_is_type(seq, json_type_int) ||
	    json_object_get_int64(seq) < 0 ||
	    !json_object_object_get_ex(j, "hash", &hash) ||
	    !json_object_is_type(hash, json_type_string) ||
	    !audit_hex_valid(json_object_get_string(hash)))
		return error_set(err, EINVAL, "%s/%s is not a head record",
				 a->path, AUDIT_HEAD);
	h->present = true;
	h->seq = (uint64_t)json_object_get_int64(seq);
	snprintf(h->hash, sizeof(h->hash), "%s", json_object_get_string(hash));
	return 0;
}

static int audit_head_write(struct audit_files *a, uint64_t seq,
			    const char *hash, struct error **err)
{
	char buf[160];
	int len =
		snprintf(buf, sizeof(buf),
			 "{\"hash\":\"%s\",\"seq\":%" PRIu64 "}\n", hash, seq);
	cleanup_close int fd = openat(
		a->dirfd, AUDIT_HEAD ".tmp",
		O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	/*
	 * The directory is not fsynced: a rename lost in a crash leaves the
	 * head one entry behind, which the next append repairs. The data is:
	 * a head renamed into place empty would stop every append.
	 */
	if (fd < 0 || write(fd, buf, (size_t)len) != len || fsync(fd) < 0 ||
	    renameat(a->dirfd, AUDIT_HEAD ".tmp", a->dirfd, AUDIT_HEAD) < 0)
		return error_set_errno(err, "write %s/%s", a->path, AUDIT_HEAD);
	return 0;
}

/* ---- the tail of the log */

struct audit_tail {
	struct json_object *last; /* the last complete entry, or NULL */
	char *last_line;
	off_t torn_at; /* where an unfinished line starts, or -1 */
};

static void audit_tail_free(struct audit_tail *t)
{
	json_object_put(t->last);
	free(t->last_line);
}

/* Finds the last complete line and any unfinished one after it. */
static int audit_tail_read(int fd, const char *what, struct audit_tail *t,
			   struct error **err)
{
	struct stat st;
	size_t window = 8192;

	*t = (struct audit_tail){.torn_at = -1};
	if (fstat(fd, &st) < 0)
		return error_set_errno(err, "stat %s", what);
	for (;; window *= 2) {
		size_t want = (off_t)window < st.st_size ? window
							 : (size_t)st.st_size;
		off_t base = st.st_size - (off_t)want;
		cleanup_free char *buf = malloc(want + 1);
		char *last_nl, *prev_nl, *start;

		if (!buf)
			return error_set(err, ENOMEM, "out of memory");
		if (pread(fd, buf, want, base) != (ssize_t)want)
			return error_set_errno(err, "read %s", what);
		last_nl = want ? memrchr(buf, '\n', want) : NULL;
		prev_nl = last_nl && last_nl > buf
				  ? memrchr(buf, '\n', (size_t)(last_nl - buf))
				  : NULL;
		if (base == 0 && !last_nl) {
			/* No complete line: empty, or only an unfinished one. */
			t->torn_at = want ? 0 : -1;
			return 0;
		}
		if (base > 0 && !prev_nl) {
			if (window > 2 * (size_t)AUDIT_ENTRY_MAX + 2)
				return error_set(err, E2BIG,
						 "%s: the last line is longer "
						 "than an entry can be",
						 what);
			continue;
		}
		if (last_nl + 1 < buf + want)
			t->torn_at = base + (last_nl + 1 - buf);
		start = prev_nl ? prev_nl + 1 : buf;
		t->last_line = strndup(start, (size_t)(last_nl - start));
		if (!t->last_line)
			return error_set(err, ENOMEM, "out of memory");
		t->last = audit_parse_line(t->last_line, strlen(t->last_line));
		return 0;
	}
}

/*
 * Checks the log's end against the head before an append; repairs what a
 * crashed writer left (see the file comment). On success *seq and prev are
 * the last entry's.
 */
static int audit_tail_check(struct audit_files *a, int logfd, uint64_t *seq,
			    char prev[AUDIT_HASH_HEX + 1], struct error **err)
{
	struct audit_tail t;
	struct audit_head h;
	struct audit_fields f = {0};
	char hex[AUDIT_HASH_HEX + 1];
	int r = -1;

	if (audit_head_read(a, &h, err) < 0)
		return -1;
	if (audit_tail_read(logfd, AUDIT_LOG, &t, err) < 0)
		goto out;
	if (!t.last_line) {
		if (h.present && h.seq > 0) {
			error_set(err, EBADMSG,
				  "the log has no entries but the head record "
				  "says %" PRIu64 " were written",
				  h.seq);
			goto out;
		}
		*seq = 0;
		strcpy(prev, AUDIT_ZERO_HASH);
	} else {
		if (!audit_fields_get(t.last, &f) ||
		    audit_entry_hash(t.last, hex, err) < 0 ||
		    strcmp(hex, f.hash)) {
			error_set(err, EBADMSG,
				  "the last entry does not match its hash");
			goto out;
		}
		if (!h.present) {
			error_set(err, EBADMSG,
				  "the head record is missing but the log has "
				  "entries");
			goto out;
		}
		if (h.seq + 1 == f.seq && !strcmp(h.hash, f.prev)) {
			/* A writer died between the append and the head. */
			log_warn("audit: %s/%s was one entry behind; updated",
				 a->path, AUDIT_HEAD);
			if (audit_head_write(a, f.seq, f.hash, err) < 0)
				goto out;
		} else if (h.seq != f.seq || strcmp(h.hash, f.hash)) {
			error_set(err, EBADMSG,
				  "the log ends at entry %" PRIu64
				  " but the head record names entry %" PRIu64
				  " with another hash",
				  f.seq, h.seq);
			goto out;
		}
		*seq = f.seq;
		strcpy(prev, f.hash);
	}
	if (t.torn_at >= 0) {
		/* Never named by the head: a writer died writing it. */
		log_warn("audit: removing an unfinished line at the end of "
			 "%s/%s",
			 a->path, AUDIT_LOG);
		if (ftruncate(logfd, t.torn_at) < 0 || fsync(logfd) < 0) {
			error_set_errno(err, "truncate %s/%s", a->path,
					AUDIT_LOG);
			goto out;
		}
	}
	r = 0;
out:
	audit_tail_free(&t);
	if (r < 0)
		error_wrap(err,
			   "%s/%s does not match its head record, and "
			   "appending would hide that; see 'cocoon audit "
			   "verify' (to start a new log, move %s aside)",
			   a->path, AUDIT_LOG, a->path);
	return r;
}

static int audit_write_all(int fd, const char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* ---- append */

static int audit_build(struct json_object *event, uint64_t seq,
		       const char *prev, struct json_object **out,
		       char hash[AUDIT_HASH_HEX + 1], struct error **err)
{
	static const char *const reserved[] = {"seq", "time", "prev", "hash"};
	cleanup_json struct json_object *e = NULL;
	struct json_object *kind;
	struct timespec now;
	char when[64];

	if (!json_object_is_type(event, json_type_object) ||
	    !json_object_object_get_ex(event, "event", &kind) ||
	    !json_object_is_type(kind, json_type_string))
		return error_set(err, EINVAL, "an audit event needs \"event\"");
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++)
		if (json_object_object_get_ex(event, reserved[i], NULL))
			return error_set(err, EINVAL,
					 "\"%s\" is set by the audit log",
					 reserved[i]);
	if (json_object_deep_copy(event, &e, NULL) < 0 || !e)
		return error_set(err, ENOMEM, "out of memory");
	clock_gettime(CLOCK_REALTIME, &now);
	pod_time_format_rfc3339(&now, when, sizeof(when));
	if (json_object_object_add(e, "seq",
				   json_object_new_int64((int64_t)seq)) < 0 ||
	    json_object_object_add(e, "time", json_object_new_string(when)) <
		    0 ||
	    json_object_object_add(e, "prev", json_object_new_string(prev)) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (audit_entry_hash(e, hash, err) < 0)
		return -1;
	if (json_object_object_add(e, "hash", json_object_new_string(hash)) < 0)
		return error_set(err, ENOMEM, "out of memory");
	*out = steal_pointer(&e);
	return 0;
}

int audit_append(const char *dir, struct json_object *event, uint64_t *seq_out,
		 struct error **err)
{
	struct audit_files a;
	cleanup_close int logfd = -1;
	cleanup_json struct json_object *entry = NULL;
	cleanup_free char *line = NULL;
	char prev[AUDIT_HASH_HEX + 1], hash[AUDIT_HASH_HEX + 1];
	uint64_t seq = 0;
	size_t len;
	int r = -1;

	if (audit_open(dir, true, LOCK_EX, &a, err) != 0)
		goto out;
	logfd = openat(a.dirfd, AUDIT_LOG,
		       O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		       0600);
	if (logfd < 0) {
		error_set_errno(err, "open %s/%s", a.path, AUDIT_LOG);
		goto out;
	}
	if (audit_tail_check(&a, logfd, &seq, prev, err) < 0 ||
	    audit_build(event, seq + 1, prev, &entry, hash, err) < 0)
		goto out;
	line = audit_canonical(entry);
	if (!line) {
		error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	len = strlen(line);
	if (len + 1 > AUDIT_ENTRY_MAX) {
		error_set(err, E2BIG, "an entry of %zu bytes is too long", len);
		goto out;
	}
	line[len] = '\n'; /* replaces the NUL: one write, one line */
	if (audit_write_all(logfd, line, len + 1) < 0 || fsync(logfd) < 0) {
		error_set_errno(err, "append to %s/%s", a.path, AUDIT_LOG);
		goto out;
	}
	if (audit_head_write(&a, seq + 1, hash, err) < 0)
		goto out;
	if (seq_out)
		*seq_out = seq + 1;
	r = 0;
out:
	audit_files_close(&a);
	if (r < 0)
		error_wrap(err, "audit log");
	return r;
}

/* ---- reading */

/* The next line without its newline; NULL at the end. */
char *audit_next_line(struct audit_reader *rd, size_t *len)
{
	ssize_t n = getline(&rd->line, &rd->cap, rd->f);

	if (n < 0)
		return NULL;
	rd->lineno++;
	rd->torn = rd->line[n - 1] != '\n';
	if (!rd->torn)
		rd->line[--n] = '\0';
	*len = (size_t)n;
	return rd->line;
}

/* Opens the log for reading under the shared lock; 1 if there is none. */
int audit_reader_open(const char *dir, struct audit_files *a,
		      struct audit_reader *rd, struct error **err)
{
	int r, fd;

	*rd = (struct audit_reader){0};
	r = audit_open(dir, false, LOCK_SH, a, err);
	if (r != 0)
		return r;
	fd = openat(a->dirfd, AUDIT_LOG, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 1;
	if (fd < 0 || !(rd->f = fdopen(fd, "r"))) {
		if (fd >= 0)
			close(fd);
		return error_set_errno(err, "open %s/%s", a->path, AUDIT_LOG);
	}
	return 0;
}

void audit_reader_close(struct audit_reader *rd)
{
	if (rd->f)
		fclose(rd->f);
	free(rd->line);
}

int audit_for_each(const char *dir, audit_entry_fn fn, void *arg,
		   struct error **err)
{
	struct audit_files a;
	struct audit_reader rd;
	int r = audit_reader_open(dir, &a, &rd, err);
	const char *line;
	size_t len;

	if (r != 0) {
		audit_files_close(&a);
		return r < 0 ? error_wrap(err, "audit log") : 0;
	}
	while ((line = audit_next_line(&rd, &len))) {
		struct json_object *e = audit_parse_line(line, len);

		if (!json_object_is_type(e, json_type_object)) {
			json_object_put(e);
			continue;
		}
		r = fn(e, arg);
		json_object_put(e);
		if (r)
			break;
	}
	audit_reader_close(&rd);
	audit_files_close(&a);
	return r;
}

const char *audit_problem_name(enum audit_problem p)
{
	static const char *const names[] = {
		[AUDIT_INTACT] = "intact",
		[AUDIT_EDITED] = "edited",
		[AUDIT_MISSING] = "missing",
		[AUDIT_REORDERED] = "reordered",
		[AUDIT_TRUNCATED] = "truncated",
		[AUDIT_GARBAGE] = "garbage",
	};

	return (unsigned)p < ARRAY_SIZE(names) ? names[p] : "?";
}
