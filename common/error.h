/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error objects for stage0/ and images/ (vmm/ and guest/ return -errno).
 *
 * A function that fails returns -1 (or NULL) and fills *err; each caller
 * that adds meaning wraps it with error_wrap(), so the user finally sees
 * "fetch: verify example.com/app: signature made by unknown key ABCD".
 * The command prints it once with error_print() and frees it.
 *
 *	if (store_open(dir, &store, err) < 0)
 *		return error_wrap(err, "open store %s", dir);
 */
#ifndef COCOON_ERROR_H
#define COCOON_ERROR_H

struct error {
	int code;      /* errno value when one applies, else 0 */
	char *message; /* outermost context first: "a: b: cause" */
};

/* Sets *err (if err is non-NULL and *err is empty); always returns -1. */
int error_set(struct error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* error_set() with code = errno and ": strerror(errno)" appended. */
int error_set_errno(struct error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prefixes "context: " to the message; always returns -1. */
int error_wrap(struct error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints "progname: message" on stderr and frees the error. */
void error_print(struct error **err);
void error_free(struct error **err);

#define cleanup_error __attribute__((cleanup(error_free)))

#endif
