/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the image commands (fetch, trust, image *) share: opening the store
 * from the global options, the fetch options, printing errors.
 */
#ifndef COCOON_STAGE0_CMD_IMAGE_COMMON_H
#define COCOON_STAGE0_CMD_IMAGE_COMMON_H

#include "images/fetch.h"
#include "images/store.h"
#include "stage0/command.h"

int image_cmd_open_store(const struct global_options *g, bool exclusive,
			 struct store **s, struct error **err);
void image_cmd_fetch_opts(const struct global_options *g, struct fetch_opts *o);
/* "123", "10K", "20M", "4G" -> bytes. */
int image_cmd_parse_size(const char *s, uint64_t *out, struct error **err);
/* Prints "cocoon: <command>: message" and returns exit status 1. */
int image_cmd_fail(const char *command, struct error **err);
/* Prints a usage error and returns exit status 2. */
int image_cmd_usage(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
