/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cocoon-runtime's messages (docs/oci.md): each goes to stderr as
 * "cocoon-runtime: ..." and, with --log FILE, is appended to FILE as a
 * line of text ("time=... level=... msg=...") or, with --log-format json,
 * as {"level": ..., "msg": ..., "time": ...}: the form containerd and
 * podman read the last error from when a runtime command fails.
 */
#ifndef COCOON_STAGE0_OCI_LOG_H
#define COCOON_STAGE0_OCI_LOG_H

#include <stdbool.h>

#include "common/error.h"

/* path NULL: stderr only. 0, or -1 with *err when path cannot be opened. */
int oci_log_open(const char *path, bool json, struct error **err);
void oci_log(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Logs *err at level "error" with "context: " in front, and frees it. */
void oci_log_error(struct error **err);
/* Stops writing to stderr (the shim: stderr is the container's). */
void oci_log_quiet_stderr(void);

#endif
