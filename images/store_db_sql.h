/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the store's index (store_db*.c): SQL helpers that report
 * failures as error objects naming what was being done.
 */
#ifndef COCOON_IMAGES_STORE_DB_SQL_H
#define COCOON_IMAGES_STORE_DB_SQL_H

#include "images/store.h"

#include <sqlite3.h>
#include <stdint.h>

/* "what: <sqlite message>" in *err; returns -1. */
int db_error(struct store *s, struct error **err, const char *what);
int db_exec(struct store *s, const char *sql, struct error **err);
int db_prepare(struct store *s, const char *sql, sqlite3_stmt **st,
	       struct error **err);
void stmt_finalize(sqlite3_stmt **st);
#define cleanup_stmt __attribute__((cleanup(stmt_finalize)))
/* Column i as a malloc'd string, NULL for NULL. */
char *col_dup(sqlite3_stmt *st, int i);
/* Binds v, or NULL when v is NULL. */
void bind_text(sqlite3_stmt *st, int i, const char *v);
/* Steps a statement that returns no row, then resets it for reuse. */
int step_done(struct store *s, sqlite3_stmt *st, struct error **err);
int64_t db_now(void);

#endif
