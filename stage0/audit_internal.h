/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What audit.c shares with audit_verify.c and audit_events.c; not for
 * other users (stage0/audit.h is the interface).
 */
#ifndef COCOON_STAGE0_AUDIT_INTERNAL_H
#define COCOON_STAGE0_AUDIT_INTERNAL_H

#include "stage0/audit.h"
#include "stage0/plan_json.h"

#include <json-c/json.h>
#include <stdio.h>

#define AUDIT_ZERO_HASH \
	"0000000000000000000000000000000000000000000000000000000000000000"

/* A whole line (without its newline) as one JSON value, or NULL. */
struct json_object *audit_parse_line(const char *line, size_t len);

struct audit_fields {
	uint64_t seq;
	const char *prev, *hash; /* owned by the entry */
};
/* seq >= 1, prev and hash 64 hex digits; false if anything is off. */
bool audit_fields_get(struct json_object *e, struct audit_fields *f);

struct audit_files {
	char *path; /* <dir>/audit, for messages */
	int dirfd, lockfd;
};
/*
 * Opens <dir>/audit (made 0700 when create) and flocks its lock file
 * with lock_op. 1 when the directory does not exist and !create.
 */
int audit_open(const char *dir, bool create, int lock_op, struct audit_files *a,
	       struct error **err);
void audit_files_close(struct audit_files *a);

struct audit_head {
	bool present;
	uint64_t seq;
	char hash[AUDIT_HASH_HEX + 1];
};
/* 0 (present or not), or -1 when it exists but is not a head record. */
int audit_head_read(struct audit_files *a, struct audit_head *h,
		    struct error **err);

struct audit_reader {
	FILE *f;
	char *line;
	size_t cap;
	uint64_t lineno;
	bool torn; /* the line just read has no newline */
};
/* Opens the log under the shared lock; 1 if there is none. */
int audit_reader_open(const char *dir, struct audit_files *a,
		      struct audit_reader *rd, struct error **err);
/* The next line without its newline; NULL at the end. */
char *audit_next_line(struct audit_reader *rd, size_t *len);
void audit_reader_close(struct audit_reader *rd);

#endif
