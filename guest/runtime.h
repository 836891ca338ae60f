/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime object of the `pod` frame (docs/protocol.md, "The runtime
 * object"), parsed into C structs. It comes from the host: trusted to say
 * what to run, but still bounded and validated here so that a broken or
 * hostile frame gives one clear error instead of odd behaviour later.
 */
#ifndef COCOON_GUEST_RUNTIME_H
#define COCOON_GUEST_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "guest/runtime_net.h"

struct json_object;

/* Bounds on what one pod frame may ask for. */
#define RUNTIME_APPS_MAX     64
#define RUNTIME_ARGV_MAX     4096
#define RUNTIME_ENV_MAX	     4096
#define RUNTIME_MOUNTS_MAX   128
#define RUNTIME_GIDS_MAX     64
#define RUNTIME_RLIMITS_MAX  16
#define RUNTIME_SYSCALLS_MAX 1024
#define RUNTIME_STRING_MAX   (128 * 1024) /* one argv or env string */
#define RUNTIME_PATH_MAX     4095
#define RUNTIME_NAME_MAX     255 /* user, group, syscall names */
#define RUNTIME_HOSTNAME_MAX 64	 /* HOST_NAME_MAX */
#define RUNTIME_TAG_MAX	     31	 /* 9p mount tags, as cocoon-vmm's --share */

enum runtime_seccomp_mode {
	RUNTIME_SECCOMP_NONE,
	RUNTIME_SECCOMP_DEFAULT,
	RUNTIME_SECCOMP_RETAIN,
	RUNTIME_SECCOMP_REMOVE,
};

struct runtime_seccomp {
	enum runtime_seccomp_mode mode;
	char **syscalls; /* retain/remove: names, [a-z0-9_]+ */
	size_t n_syscalls;
	int errno_value; /* what a refused call returns; 0: SIGSYS kill */
};

struct runtime_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

enum runtime_mount_kind {
	RUNTIME_MOUNT_HOST,  /* bind of a path inside the pod share */
	RUNTIME_MOUNT_EMPTY, /* a guest tmpfs per volume name */
};

struct runtime_mount {
	char *target; /* absolute, no ".." */
	enum runtime_mount_kind kind;
	char *source; /* host: relative to the share, no ".." */
	char *volume; /* empty: the volume name (an AC name) */
	mode_t mode;  /* empty */
	uid_t uid;    /* empty */
	gid_t gid;    /* empty */
	bool readonly;
};

struct runtime_app {
	char *name;   /* AC name, unique in the pod */
	char *rootfs; /* relative to the share, no ".." */
	char **exec;  /* NULL-terminated, at least one non-empty string */
	size_t n_exec;
	char **env; /* NULL-terminated "KEY=VALUE", later duplicates won */
	size_t n_env;
	char *user;  /* a number or a name for the app's /etc/passwd */
	char *group; /* a number or a name for the app's /etc/group */
	gid_t *gids;
	size_t n_gids;
	char *working_dir; /* absolute */
	bool readonly_rootfs;
	bool insecure_paths;   /* --insecure-options=paths: /proc unmasked */
	uint64_t capabilities; /* bit n = capability n */
	struct runtime_seccomp seccomp;
	struct runtime_rlimit *rlimits;
	size_t n_rlimits;
	bool stdin_stream;
	bool tty;
	struct runtime_mount *mounts;
	size_t n_mounts;
};

struct runtime {
	char *hostname;
	char *share; /* 9p mount tag */
	bool interactive;
	/* stage0 wrote /etc/hostname and /etc/hosts into every app tree */
	bool etc_written;
	/* the pod's NICs (optional; none: loopback only) */
	struct runtime_ifaces interfaces;
	struct runtime_app *apps;
	size_t n_apps;
};

/*
 * Parses and validates the runtime object. 0 and *out filled (free it with
 * runtime_free), or -EINVAL with a message naming the member and what is
 * wrong with it ("apps[0].capabilities[2]: unknown capability "CAP_FOO"")
 * in err, or -ENOMEM. *out is left empty on failure.
 */
int runtime_parse(struct json_object *obj, struct runtime *out, char *err,
		  size_t err_size);
void runtime_free(struct runtime *rt);

/* The app named name, or NULL. */
const struct runtime_app *runtime_find_app(const struct runtime *rt,
					   const char *name);

/* The value of KEY in a "KEY=VALUE" list, or NULL. */
const char *runtime_env_get(char *const *env, const char *key);

/* errno names a seccomp "errno" member may use: EPERM -> 1; -1 if unknown. */
int runtime_errno_from_name(const char *name);
/* RLIMIT_NOFILE -> RLIMIT_NOFILE's value; -1 if unknown. */
int runtime_rlimit_from_name(const char *name);

/*
 * A relative path inside a share: non-empty, not absolute, no "." or ".."
 * component, no empty component except a trailing slash.
 */
bool runtime_relative_path_valid(const char *path);
/* An absolute path with no "." or ".." component. */
bool runtime_absolute_path_valid(const char *path);

#endif
