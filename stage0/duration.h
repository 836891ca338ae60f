/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Durations on the command line (gc --grace-period, stop --timeout, status
 * --wait), written as rkt's Go flags take them: a sequence of numbers with
 * units, "500ms", "10s", "30m", "24h", "1h30m", "1.5h"; cocoon also takes
 * "d" (24 h) and a plain number of seconds ("30").
 */
#ifndef COCOON_STAGE0_DURATION_H
#define COCOON_STAGE0_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* Largest duration accepted: 100 years, so that sums cannot overflow. */
#define DURATION_MAX_MS (100LL * 365 * 24 * 3600 * 1000)

/* Parses s into milliseconds; -1 with *err (EINVAL, ERANGE) if malformed. */
int duration_parse(const char *s, int64_t *ms_out, struct error **err);

/* Formats ms as "1h30m", "10s", "500ms", "0s" into buf. */
void duration_format(int64_t ms, char *buf, size_t len);

#endif
