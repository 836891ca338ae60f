/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User and group of an app: numbers as they are, names looked up in the
 * app's own /etc/passwd and /etc/group (appc: "user" and "group" of an
 * app are resolved in its image). The files are read directly: static
 * glibc has no NSS, and the host's databases mean nothing here.
 */
#ifndef COCOON_GUEST_USER_H
#define COCOON_GUEST_USER_H

#include <sys/types.h>

/*
 * user: a decimal uid, or a name in passwd_path. 0 and *uid; -ENOENT when
 * the name is not there (or the file is missing), -EINVAL for a number
 * out of range, -errno for a file that cannot be read.
 */
int user_resolve_uid(const char *passwd_path, const char *user, uid_t *uid);
/* group: a decimal gid, or a name in group_path. As user_resolve_uid. */
int user_resolve_gid(const char *group_path, const char *group, gid_t *gid);

#endif
