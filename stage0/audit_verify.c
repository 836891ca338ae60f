// SPDX-License-Identifier: Apache-2.0
/*
 * Verifying the audit log (stage0/audit.h, docs/audit.md): every entry's
 * hash, the chain of "prev" links, the sequence numbers, and the head
 * record against the end. The first problem is reported, classified as
 * edited, missing, reordered, truncated or garbage.
 */
#include "stage0/audit.h"
#include "common/cleanup.h"
#include "stage0/audit_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>

struct verify_ctx {
	struct audit_report *r;
	/* the chain so far (valid up to the first problem) */
	uint64_t expect; /* next sequence number */
	char last_hash[AUDIT_HASH_HEX + 1], last_prev[AUDIT_HASH_HEX + 1];
	uint64_t last_line;
	/* every line's seq (0: not an entry), to tell reordered from missing */
	uint64_t *seqs;
	size_t nseqs, cap;
	/* a sequence number out of place, classified at the end */
	bool seq_problem;
	uint64_t seq_got, seq_line;
	/* an unfinished last line */
	uint64_t torn_line;
};

static void verify_fail(struct verify_ctx *c, enum audit_problem p,
			uint64_t seq, uint64_t line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void verify_fail(struct verify_ctx *c, enum audit_problem p,
			uint64_t seq, uint64_t line, const char *fmt, ...)
{
	va_list ap;

	if (c->r->problem != AUDIT_INTACT || c->seq_problem)
		return;
	c->r->problem = p;
	c->r->bad_seq = seq;
	c->r->bad_line = line;
	va_start(ap, fmt);
	vsnprintf(c->r->message, sizeof(c->r->message), fmt, ap);
	va_end(ap);
}

static bool verify_failed(const struct verify_ctx *c)
{
	return c->r->problem != AUDIT_INTACT || c->seq_problem;
}

static int verify_remember(struct verify_ctx *c, uint64_t seq)
{
	if (c->nseqs == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		uint64_t *grown = realloc(c->seqs, cap * sizeof(*grown));

		if (!grown)
			return -1;
		c->seqs = grown;
		c->cap = cap;
	}
	c->seqs[c->nseqs++] = seq;
	return 0;
}

/* One complete line. */
static int verify_line(struct verify_ctx *c, const char *line, size_t len,
		       uint64_t lineno, struct error **err)
{
	cleanup_json struct json_object *e = audit_parse_line(line, len);
	struct audit_fields f;
	char hex[AUDIT_HASH_HEX + 1];

	if (!json_object_is_type(e, json_type_object) ||
	    !audit_fields_get(e, &f)) {
		if (verify_remember(c, 0) < 0)
			return error_set(err, ENOMEM, "out of memory");
		verify_fail(c, AUDIT_GARBAGE, c->expect, lineno,
			    "line %" PRIu64 " is not an audit entry (%s)",
			    lineno,
			    json_object_is_type(e, json_type_object)
				    ? "no seq, prev or hash"
				    : "not a JSON object");
		return 0;
	}
	if (verify_remember(c, f.seq) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (verify_failed(c))
		return 0;
	if (audit_entry_hash(e, hex, err) < 0)
		return -1;
	if (strcmp(hex, f.hash)) {
		verify_fail(c, AUDIT_EDITED, f.seq, lineno,
			    "entry %" PRIu64 " (line %" PRIu64
			    ") was edited: its content does not match its "
			    "hash",
			    f.seq, lineno);
		return 0;
	}
	if (f.seq != c->expect) {
		c->seq_problem = true;
		c->seq_got = f.seq;
		c->seq_line = lineno;
		return 0;
	}
	if (strcmp(f.prev, c->last_hash)) {
		verify_fail(c, AUDIT_EDITED, f.seq, lineno,
			    "entry %" PRIu64 " (line %" PRIu64
			    ") was edited: it does not link to entry %" PRIu64
			    " (its prev is not that entry's hash)",
			    f.seq, lineno, f.seq - 1);
		return 0;
	}
	c->r->entries++;
	c->expect = f.seq + 1;
	c->last_line = lineno;
	strcpy(c->last_prev, f.prev);
	strcpy(c->last_hash, f.hash);
	return 0;
}

/* A sequence number out of place: reordered if the one expected comes
 * later, else missing (or repeated, if it went backwards). */
static void verify_classify_seq(struct verify_ctx *c)
{
	uint64_t want = c->expect, got = c->seq_got, line = c->seq_line;

	c->seq_problem = false;
	for (size_t i = (size_t)line; i < c->nseqs; i++)
		if (c->seqs[i] == want) {
			verify_fail(c, AUDIT_REORDERED, want, i + 1,
				    "entry %" PRIu64 " is out of order: line "
				    "%" PRIu64 " holds entry %" PRIu64
				    " and entry %" PRIu64 " comes later, at "
				    "line %zu",
				    want, line, got, want, i + 1);
			return;
		}
	if (got < want)
		verify_fail(
			c, AUDIT_REORDERED, got, line,
			"entry %" PRIu64 " (line %" PRIu64
			") comes again or out of order after entry %" PRIu64,
			got, line, want - 1);
	else if (got == want + 1)
		verify_fail(c, AUDIT_MISSING, want, line,
			    "entry %" PRIu64 " is missing (line %" PRIu64
			    " holds entry %" PRIu64 ")",
			    want, line, got);
	else
		verify_fail(c, AUDIT_MISSING, want, line,
			    "entries %" PRIu64 " to %" PRIu64
			    " are missing (line %" PRIu64
			    " holds entry %" PRIu64 ")",
			    want, got - 1, line, got);
}

/* The end of the log against the head record. */
static void verify_head(struct verify_ctx *c, const struct audit_head *h)
{
	uint64_t last = c->expect - 1;

	if (!h->present) {
		if (last || c->torn_line)
			verify_fail(c, AUDIT_TRUNCATED, last, c->last_line,
				    "the head record is missing: the end of "
				    "the log cannot be checked (deleted?)");
		return;
	}
	if (h->seq > last) {
		if (c->torn_line && h->seq == last + 1)
			verify_fail(c, AUDIT_TRUNCATED, h->seq, c->torn_line,
				    "entry %" PRIu64 " (line %" PRIu64
				    ") was cut off: the head record says it "
				    "was written whole",
				    h->seq, c->torn_line);
		else
			verify_fail(c, AUDIT_TRUNCATED, last + 1, 0,
				    "the log was truncated: it ends at entry "
				    "%" PRIu64
				    " but the head record says %" PRIu64
				    " entries were written (entries %" PRIu64
				    " to %" PRIu64 " are gone)",
				    last, h->seq, last + 1, h->seq);
		return;
	}
	if (h->seq == last && !strcmp(h->hash, c->last_hash)) {
		if (c->torn_line)
			snprintf(c->r->note, sizeof(c->r->note),
				 "line %" PRIu64 " is an unfinished entry "
				 "that was never committed (a writer died "
				 "while appending); the next append removes "
				 "it",
				 c->torn_line);
		return;
	}
	if (h->seq == last) {
		verify_fail(c, AUDIT_EDITED, last, c->last_line,
			    "entry %" PRIu64 " (line %" PRIu64
			    ") is not the one the head record names: it was "
			    "replaced",
			    last, c->last_line);
		return;
	}
	if (h->seq + 1 == last && !strcmp(h->hash, c->last_prev)) {
		snprintf(c->r->note, sizeof(c->r->note),
			 "the head record is one entry behind (a writer died "
			 "before updating it)%s; the next append repairs it",
			 c->torn_line ? " and the last line is unfinished"
				      : "");
		return;
	}
	verify_fail(c, AUDIT_EDITED, h->seq + 1, 0,
		    "the head record names entry %" PRIu64
		    " as the last, but the log goes on to entry %" PRIu64
		    ": entries were added or rewritten by something else",
		    h->seq, last);
}

int audit_verify(const char *dir, struct audit_report *r, struct error **err)
{
	struct verify_ctx c = {.r = r, .expect = 1};
	struct audit_files a;
	struct audit_reader rd;
	struct audit_head h;
	const char *line;
	size_t len;
	int opened, ret = -1;

	memset(r, 0, sizeof(*r));
	strcpy(c.last_hash, AUDIT_ZERO_HASH);
	strcpy(c.last_prev, AUDIT_ZERO_HASH);
	opened = audit_reader_open(dir, &a, &rd, err);
	if (opened < 0)
		goto out;
	if (a.dirfd < 0) { /* no audit directory: nothing was ever logged */
		ret = 0;
		goto out;
	}
	while (opened == 0 && (line = audit_next_line(&rd, &len))) {
		if (rd.torn) {
			c.torn_line = rd.lineno;
			break;
		}
		if (verify_line(&c, line, len, rd.lineno, err) < 0)
			goto out;
	}
	if (opened == 0 && ferror(rd.f)) {
		error_set_errno(err, "read %s/%s", a.path, AUDIT_LOG);
		goto out;
	}
	if (c.seq_problem)
		verify_classify_seq(&c);
	if (audit_head_read(&a, &h, err) < 0) {
		if (!verify_failed(&c))
			verify_fail(&c, AUDIT_GARBAGE, 0, 0, "%s",
				    (*err)->message);
		error_free(err);
	} else if (!verify_failed(&c)) {
		verify_head(&c, &h);
	}
	ret = 0;
out:
	free(c.seqs);
	audit_reader_close(&rd);
	audit_files_close(&a);
	if (ret < 0)
		error_wrap(err, "audit log");
	return ret;
}
