/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Linux capability names and numbers (capabilities(7),
 * include/uapi/linux/capability.h), for stage0, which parses them from
 * flags and image isolators, and for cocoon-init, which applies them.
 */
#ifndef COCOON_COMMON_CAPNAMES_H
#define COCOON_COMMON_CAPNAMES_H

/* The highest capability number the table knows (CAP_CHECKPOINT_RESTORE). */
#define CAPS_LAST 40

/* 0 -> "CAP_CHOWN"; NULL outside 0..CAPS_LAST. */
const char *caps_name(int cap);
/* "CAP_CHOWN" -> 0, exactly as the kernel spells it; -EINVAL otherwise. */
int caps_from_name(const char *name);
/* As users write them: any case, "CAP_" optional ("net_admin"); -EINVAL. */
int caps_from_name_loose(const char *name);

#endif
