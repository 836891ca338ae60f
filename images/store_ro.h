/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Read-only access to the store's index for readers that may not write
 * --dir (the API service run as an unprivileged user). store_open() makes
 * directories, creates and flocks cas/lock, migrates the schema and cleans
 * cas/tmp: none of which a reader may do. store_open_readonly() only opens
 * cas/db.sqlite for reading and takes no lock, so it never delays
 * `image gc` or `image rm` (which take cas/lock exclusively).
 */
#ifndef COCOON_IMAGES_STORE_RO_H
#define COCOON_IMAGES_STORE_RO_H

#include "images/store.h"

/*
 * Opens <dir>/cas/db.sqlite read-only into a struct store whose dir_fd
 * and lock_fd are -1 (only the store_image_* queries may be used on it;
 * close with store_close()). ENOENT in (*err)->code when there is no
 * index yet; EPROTO when its schema is not the one this cocoon reads.
 *
 * SQLite needs the -shm file of a WAL database to read it. When a writer
 * has the index open, -wal and -shm exist and are used as they are. When
 * nobody has it open they do not, and opening it would create them (or
 * fail, for a reader that may not write cas/): the main file is then
 * complete (the last writer to close checkpointed it) and is opened as
 * immutable. A writer that starts meanwhile writes to a new -wal, not the
 * main file, until it checkpoints (at 1000 pages, or when it closes); a
 * read takes milliseconds, so only a writer that opens, commits that much
 * or closes within them could change pages under it: a torn read is
 * possible in principle (an error, or a stale row), never a write.
 */
int store_open_readonly(const char *dir, struct store **out,
			struct error **err);

/*
 * A cheap fingerprint of the index's state (sizes and mtimes of
 * db.sqlite and db.sqlite-wal): it changes whenever a transaction
 * commits. 0 when there is no index.
 */
unsigned long long store_readonly_stamp(const char *dir);

#endif
