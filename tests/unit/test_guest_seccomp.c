// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest/seccomp.h"

/* The filter in libseccomp's readable PFC form (never loaded). */
static char *export_pfc(scmp_filter_ctx ctx)
{
	FILE *f = tmpfile();
	char *text;
	long len;

	assert_non_null(f);
	assert_int_equal(seccomp_export_pfc(ctx, fileno(f)), 0);
	fflush(f);
	len = lseek(fileno(f), 0, SEEK_END);
	assert_true(len > 0);
	text = calloc(1, (size_t)len + 1);
	assert_int_equal(pread(fileno(f), text, (size_t)len, 0), len);
	fclose(f);
	return text;
}

static int count(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_default(void **state)
{
	struct runtime_seccomp s = {.mode = RUNTIME_SECCOMP_DEFAULT,
				    .errno_value = EPERM};
	scmp_filter_ctx ctx;
	char err[256] = "";
	char *pfc;
	int named = 0, known = 0;

	(void)state;
	assert_int_equal(seccomp_build(&s, &ctx, err, sizeof(err)), 0);
	assert_non_null(ctx);
	pfc = export_pfc(ctx);
	/* Every denied name that exists on x86-64 has a rule. */
	for (size_t i = 0; seccomp_default_denied[i]; i++) {
		char want[96];

		named++;
		if (seccomp_syscall_resolve_name(seccomp_default_denied[i]) < 0)
			continue;
		known++;
		snprintf(want, sizeof(want), "\"%s\"",
			 seccomp_default_denied[i]);
		if (!strstr(pfc, want))
			fail_msg("no rule for %s", want);
	}
	assert_true(known > 40);
	assert_true(known <= named);
	assert_int_equal(count(pfc, "action ERRNO(1)"), known);
	/* Allowed by default. */
	assert_non_null(strstr(pfc, "# default action\n  action ALLOW;"));
	assert_null(strstr(pfc, "\"read\""));
	assert_non_null(strstr(pfc, "\"mount\""));
	assert_non_null(strstr(pfc, "\"kexec_load\""));
	assert_non_null(strstr(pfc, "\"bpf\""));
	free(pfc);
	seccomp_release(ctx);
}

static void test_retain(void **state)
{
	char *names[] = {"read", "write", "exit_group", NULL};
	struct runtime_seccomp s = {.mode = RUNTIME_SECCOMP_RETAIN,
				    .syscalls = names,
				    .n_syscalls = 3,
				    .errno_value = ENOSYS};
	scmp_filter_ctx ctx;
	char err[256] = "";
	char *pfc;

	(void)state;
	assert_int_equal(seccomp_build(&s, &ctx, err, sizeof(err)), 0);
	pfc = export_pfc(ctx);
	assert_non_null(strstr(pfc, "# default action\n  action ERRNO(38);"));
	assert_int_equal(count(pfc, "action ALLOW"), 3);
	assert_non_null(strstr(pfc, "\"exit_group\""));
	free(pfc);
	seccomp_release(ctx);
}

static void test_remove(void **state)
{
	char *names[] = {"ptrace", "chmod", NULL};
	struct runtime_seccomp s = {.mode = RUNTIME_SECCOMP_REMOVE,
				    .syscalls = names,
				    .n_syscalls = 2,
				    .errno_value = EACCES};
	scmp_filter_ctx ctx;
	char err[256] = "";
	char *pfc;

	(void)state;
	assert_int_equal(seccomp_build(&s, &ctx, err, sizeof(err)), 0);
	pfc = export_pfc(ctx);
	assert_non_null(strstr(pfc, "# default action\n  action ALLOW;"));
	assert_int_equal(count(pfc, "action ERRNO(13)"), 2);
	free(pfc);
	seccomp_release(ctx);
}

static void test_remove_without_errno_kills(void **state)
{
	char *names[] = {"ptrace", NULL};
	struct runtime_seccomp s = {.mode = RUNTIME_SECCOMP_REMOVE,
				    .syscalls = names,
				    .n_syscalls = 1,
				    .errno_value = 0};
	scmp_filter_ctx ctx;
	char err[256] = "";
	char *pfc;

	(void)state;
	assert_int_equal(seccomp_build(&s, &ctx, err, sizeof(err)), 0);
	pfc = export_pfc(ctx);
	assert_int_equal(count(pfc, "action KILL_PROCESS"), 1);
	assert_int_equal(count(pfc, "action ERRNO"), 0);
	free(pfc);
	seccomp_release(ctx);
}

static void test_none_and_unknown(void **state)
{
	char *names[] = {"read", "no_such_call", NULL};
	struct runtime_seccomp none = {.mode = RUNTIME_SECCOMP_NONE};
	struct runtime_seccomp bad = {.mode = RUNTIME_SECCOMP_RETAIN,
				      .syscalls = names,
				      .n_syscalls = 2,
				      .errno_value = EPERM};
	scmp_filter_ctx ctx = (scmp_filter_ctx)1;
	char err[256] = "";

	(void)state;
	assert_int_equal(seccomp_build(&none, &ctx, err, sizeof(err)), 0);
	assert_null(ctx);
	assert_int_equal(seccomp_build(&bad, &ctx, err, sizeof(err)), -EINVAL);
	assert_null(ctx);
	assert_string_equal(err, "unknown syscall \"no_such_call\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_retain),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_remove_without_errno_kills),
		cmocka_unit_test(test_none_and_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
