/* SPDX-License-Identifier: Apache-2.0 */
/* Path rules the host and the guest must agree on. */
#ifndef COCOON_COMMON_PATH_H
#define COCOON_COMMON_PATH_H

#include <stdbool.h>

/*
 * True when no component of path (relative: no leading '/') is "." or
 * "..", and none is empty but a trailing one ("a//b" is refused, "a/" is
 * not).
 */
bool path_components_clean(const char *path);

#endif
