/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log (docs/audit.md): a hash-chained record of what ran, under
 * <dir>/audit/:
 *
 *	log.jsonl	one JSON object per line, appended under an flock
 *	head		{"seq": N, "hash": H} of the last entry, replaced by
 *			rename after every append (detects a cut-off tail)
 *
 * Every entry carries "seq" (1, 2, ...), "time" (RFC 3339, UTC), "event",
 * "prev" (the previous entry's hash, 64 zeros for the first) and "hash":
 * SHA-256 (images/digest.h) of the entry's canonical form without "hash":
 * keys sorted by byte value at every level, no whitespace, json-c's string
 * escaping without escaped slashes, integers in decimal. Lines are written
 * in that same canonical form (with "hash" in its sorted place).
 */
#ifndef COCOON_STAGE0_AUDIT_H
#define COCOON_STAGE0_AUDIT_H

#include "common/error.h"

#include <stdbool.h>
#include <stdint.h>

struct json_object;

#define AUDIT_DIR      "audit"
#define AUDIT_LOG      "log.jsonl"
#define AUDIT_HEAD     "head"
#define AUDIT_HASH_HEX 64
/* A longer line is not an entry (a pod has at most a few dozen apps). */
#define AUDIT_ENTRY_MAX (256u * 1024)

/*
 * Appends event (an object with at least "event"; borrowed, not changed)
 * to <dir>/audit/log.jsonl: takes the lock, checks that the log's last
 * entry matches the head record (else refuses: the log was cut or edited,
 * and appending would hide it), writes one line, fsyncs, replaces the
 * head. A tail left by a writer that died mid-append (a line without its
 * newline, or a head one entry behind) is repaired first.
 * seq_out (may be NULL) gets the new entry's sequence number.
 */
int audit_append(const char *dir, struct json_object *event, uint64_t *seq_out,
		 struct error **err);

enum audit_problem {
	AUDIT_INTACT,
	AUDIT_EDITED,	 /* content does not match its hash, or a broken link */
	AUDIT_MISSING,	 /* a sequence number is skipped */
	AUDIT_REORDERED, /* an entry is out of place, or repeated */
	AUDIT_TRUNCATED, /* entries at the end are gone (the head says so) */
	AUDIT_GARBAGE,	 /* a line that is not an entry */
};

struct audit_report {
	uint64_t entries; /* complete, checked entries */
	enum audit_problem problem;
	uint64_t bad_seq;  /* the entry concerned (0: none / unknown) */
	uint64_t bad_line; /* its line in log.jsonl (0: none) */
	char message[512]; /* why, for the user */
	char note[256];	   /* a crash leftover that is not tampering */
};

/*
 * Checks the whole chain and the head record under a shared lock (so no
 * half-written entry is read). 0 with r->problem == AUDIT_INTACT, 0 with
 * another problem and r->message, or -1 with *err when the log cannot be
 * read at all. A missing audit directory is an empty, intact log.
 */
int audit_verify(const char *dir, struct audit_report *r, struct error **err);

/* "edited", "missing", ... */
const char *audit_problem_name(enum audit_problem p);

/*
 * Calls fn for each parsable entry in order (under a shared lock); a
 * non-zero return from fn stops and is returned. Lines that are not JSON
 * objects are skipped (audit_verify reports them).
 */
typedef int (*audit_entry_fn)(struct json_object *entry, void *arg);
int audit_for_each(const char *dir, audit_entry_fn fn, void *arg,
		   struct error **err);

/*
 * The canonical form of j (see above; malloc'd), and its SHA-256 in hex.
 * Exposed for the tests.
 */
char *audit_canonical(struct json_object *j);
int audit_entry_hash(struct json_object *entry, char hex[AUDIT_HASH_HEX + 1],
		     struct error **err);

/*
 * The events (stage0/audit_events.c), one line at each hook. pod-prepared
 * records every app's image ID and name, the fingerprint of the key that
 * verified the image ("insecure" when none did) and the SHA-512 of the
 * pod manifest as written; it and pod-started fail (and the caller
 * refuses the pod) when the entry cannot be written: a pod that cannot be
 * recorded does not run. pod-ended and pod-removed only log an error: the
 * pod has already run or gone.
 */
struct pod;
struct store;
int audit_pod_prepared(struct store *s, struct pod *p, struct error **err);
int audit_pod_started(struct pod *p, struct error **err);
void audit_pod_ended(struct pod *p, int exit_status, const char *reason);
/* gc found p exited: pod-ended, unless its supervisor wrote state.json's
 * end (and so its own pod-ended entry) before it died. */
void audit_pod_collected(struct pod *p);
void audit_pod_removed(struct pod *p);

#endif
