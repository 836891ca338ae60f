/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Linux capabilities by name (capabilities(7), include/uapi/linux/
 * capability.h) and applying one exact set to a process about to exec an
 * app: bounding, permitted, effective, inheritable and ambient all become
 * that set, whatever user the app runs as.
 */
#ifndef COCOON_GUEST_CAPS_H
#define COCOON_GUEST_CAPS_H

#include <stdint.h>

#include "common/capnames.h"

/*
 * Step 1, while still root with every capability: keeps the permitted set
 * across the coming setuid (PR_SET_KEEPCAPS) and drops every capability
 * outside keep from the bounding set, up to the kernel's cap_last_cap.
 * 0 or -errno.
 */
int caps_drop_bounding(uint64_t keep);

/*
 * Step 2, after setgroups/setgid/setuid: sets effective, permitted and
 * inheritable to exactly keep and raises each of them as ambient, so that
 * a non-root app keeps them across execve (capabilities(7), "Transformation
 * of capabilities during execve()"). 0 or -errno.
 */
int caps_set(uint64_t keep);

#endif
