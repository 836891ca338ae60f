// SPDX-License-Identifier: Apache-2.0
#include "common/error.h"
#include "common/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *error_vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

static int error_install(struct error **err, int code, char *message)
{
	struct error *e;

	if (!err || *err) {
		/* The first cause wins; a later one is a consequence. */
		free(message);
		return -1;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		free(message);
		return -1;
	}
	e->code = code;
	e->message = message ? message : strdup("out of memory");
	*err = e;
	return -1;
}

int error_set(struct error **err, int code, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = error_vformat(fmt, ap);
	va_end(ap);
	return error_install(err, code, msg);
}

int error_set_errno(struct error **err, const char *fmt, ...)
{
	int code = errno;
	char *msg, *full = NULL;
	va_list ap;

	va_start(ap, fmt);
	msg = error_vformat(fmt, ap);
	va_end(ap);
	if (msg && asprintf(&full, "%s: %s", msg, strerror(code)) < 0)
		full = NULL;
	free(msg);
	return error_install(err, code, full);
}

int error_wrap(struct error **err, const char *fmt, ...)
{
	char *ctx, *full = NULL;
	va_list ap;

	if (!err || !*err)
		return -1;
	va_start(ap, fmt);
	ctx = error_vformat(fmt, ap);
	va_end(ap);
	if (ctx && asprintf(&full, "%s: %s", ctx, (*err)->message) >= 0) {
		free((*err)->message);
		(*err)->message = full;
	}
	free(ctx);
	return -1;
}

void error_print(struct error **err)
{
	if (err && *err)
		log_error("%s", (*err)->message);
	error_free(err);
}

void error_free(struct error **err)
{
	if (!err || !*err)
		return;
	free((*err)->message);
	free(*err);
	*err = NULL;
}
