/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An app's seccomp filter (docs/protocol.md "seccomp"), built with
 * libseccomp: the built-in default deny-list, or the app's own retain
 * (allow-list) or remove (deny-list) set.
 */
#ifndef COCOON_GUEST_SECCOMP_H
#define COCOON_GUEST_SECCOMP_H

#include "guest/runtime.h"

#include <seccomp.h>
#include <stddef.h>

/*
 * Builds the filter for s into a new context (not loaded). *out is NULL
 * for mode "none". 0, or -EINVAL with err saying which syscall name is
 * unknown, or -errno from libseccomp.
 */
int seccomp_build(const struct runtime_seccomp *s, scmp_filter_ctx *out,
		  char *err, size_t err_size);

/* Builds and loads the filter for s (nothing for mode "none"). */
int seccomp_apply(const struct runtime_seccomp *s, char *err, size_t err_size);

/* The names the default filter refuses (NULL-terminated), for tests. */
extern const char *const seccomp_default_denied[];

#endif
