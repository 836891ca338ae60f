/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pods on disk (docs/pods.md): directories under <dir>/pods/<state>/<uuid>,
 * state changes by rename, liveness by an flock on the pod directory held
 * for as long as something uses the pod (the supervisor, for a running
 * pod). A pod in run/ whose lock can be taken has exited.
 */
#ifndef COCOON_STAGE0_POD_H
#define COCOON_STAGE0_POD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "common/error.h"

enum pod_state {
	POD_EMBRYO,
	POD_PREPARE,
	POD_PREPARED,
	POD_RUN,
	POD_EXITED_GARBAGE,
	POD_GARBAGE,
	POD_STATE_COUNT,
};

#define POD_UUID_LEN 36

struct pod {
	char uuid[POD_UUID_LEN + 1];
	enum pod_state state;
	char *dir;  /* the --dir root */
	char *path; /* <dir>/pods/<state dir>/<uuid> */
	int dirfd;  /* O_DIRECTORY of path, O_CLOEXEC */
	bool locked;
};

/* "embryo", "prepare", "prepared", "run", "exited-garbage", "garbage". */
const char *pod_state_dir(enum pod_state s);

/* An RFC 4122 version 4 UUID from getrandom(), lower-case. */
int pod_uuid_new(char out[POD_UUID_LEN + 1], struct error **err);
/* True for a lower-case 8-4-4-4-12 hex UUID (the names of pod dirs). */
bool pod_uuid_valid(const char *s);

/*
 * Creates <dir>/pods/<state> folders as needed and a new pod in embryo/, locked.
 */
int pod_create(const char *dir, struct pod **out, struct error **err);

/*
 * Finds a pod by full UUID or unique prefix in any state; not locked.
 * "no pod matches", "ambiguous prefix" are errors with ENOENT / EINVAL.
 */
int pod_open(const char *dir, const char *uuid, struct pod **out,
	     struct error **err);

/* Every pod in every state, sorted by UUID; each not locked. */
int pod_list(const char *dir, struct pod ***out, size_t *count,
	     struct error **err);
void pod_list_free(struct pod **pods, size_t count);

/*
 * flock(LOCK_EX) on the pod directory, LOCK_NB unless wait. When the lock
 * is held elsewhere and !wait: -1 with err code EWOULDBLOCK.
 */
int pod_lock(struct pod *p, bool wait, struct error **err);
void pod_unlock(struct pod *p);
/* True when another process holds the pod's lock (a probe, no change). */
bool pod_lock_held_elsewhere(struct pod *p);
/*
 * The pid of the process that took the flock now held on p's directory,
 * from /proc/locks (the kernel records who locked, not who inherited the
 * fd); 0 when no lock is held or it cannot be told.
 */
long pod_lock_holder(struct pod *p);
/*
 * Re-finds p's state folder (path, state) from its open directory, after
 * someone else may have moved it; pod_lock() does this once it has the
 * lock. ENOENT when the pod was removed.
 */
int pod_refresh(struct pod *p, struct error **err);

/*
 * Renames the pod to state `to`, keeping its fd and lock; p must be
 * locked. Moving into exited-garbage or garbage also sets the pod dir's
 * mtime to now: that is when it was marked, for gc's grace period.
 */
int pod_move(struct pod *p, enum pod_state to, struct error **err);
/* When the pod was moved to exited-garbage/garbage (the dir's mtime). */
int pod_marked_time(struct pod *p, struct timespec *out, struct error **err);

/*
 * Waits until no other process holds p's lock (p itself must not hold
 * it): 0, or -1 with err code ETIMEDOUT after timeout_ms (< 0: forever).
 */
int pod_wait_unlocked(struct pod *p, long long timeout_ms, struct error **err);

/*
 * Deletes a locked pod in exited-garbage/ or garbage/ from disk. Never
 * crosses into another file system: something still mounted beneath the
 * pod (a host volume's bind mount) makes it fail instead of deleting
 * through the mount. Symlinks are removed, not followed.
 */
int pod_destroy(struct pod *p, struct error **err);

/*
 * Files inside the pod dir, by name relative to it: written to a temp name,
 * fsynced and renamed; read with a size bound (NUL-terminated).
 */
int pod_write_file(struct pod *p, const char *name, const void *data,
		   size_t len, struct error **err);
/*
 * The same, replaced atomically but not fsynced: for status that changes
 * while the pod runs and means nothing after a host crash (state.json
 * before the pod's end), so a pod's start waits on no disk flush.
 */
int pod_write_file_volatile(struct pod *p, const char *name, const void *data,
			    size_t len, struct error **err);
char *pod_read_file(struct pod *p, const char *name, size_t max,
		    size_t *len_out, struct error **err);

/*
 * Removes what pod_create() leaves when it dies between making its hidden
 * embryo/.<uuid> and renaming it into place: such directories older than a
 * minute whose lock is free. *removed counts them.
 */
int pod_remove_stale_embryos(const char *dir, unsigned *removed,
			     struct error **err);

/* Closes, unlocks and frees; NULL is fine. */
void pod_free(struct pod *p);
void pod_freep(struct pod **p);
#define cleanup_pod __attribute__((cleanup(pod_freep)))

#endif
