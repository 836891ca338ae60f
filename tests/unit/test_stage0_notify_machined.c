// SPDX-License-Identifier: Apache-2.0
/* stage0/machined.c: busctl's arguments, the skip when machined is not
 * there, and the calls through a fake busctl that records them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "stage0/machined.h"

#define UUID "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ff"

static void join(char *const *argv, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; argv[i]; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s",
					i ? " " : "", argv[i]);
}

static void test_register_args(void **state)
{
	struct machined_args a;
	char line[1024];
	size_t n = 0;

	(void)state;
	assert_int_equal(machined_register_args(UUID, 4242, &a), 0);
	join(a.argv, line, sizeof(line));
	assert_string_equal(
		line, "busctl --timeout=5 call org.freedesktop.machine1 "
		      "/org/freedesktop/machine1 "
		      "org.freedesktop.machine1.Manager RegisterMachine "
		      "sayssus cocoon-" UUID " 16 15 30 45 60 75 90 73 120 "
		      "134 149 164 179 194 209 224 255 cocoon vm 4242 ");
	while (a.argv[n])
		n++;
	assert_true(n < MACHINED_ARGS_MAX);
	/* the root directory is an empty argument, not a missing one */
	assert_string_equal(a.argv[n - 1], "");
	/* 7 for the call, signature and name, 17 for the id, 4 more */
	assert_int_equal(n, 7 + 2 + 17 + 4);
}

static void test_unregister_args(void **state)
{
	struct machined_args a;
	char line[1024];

	(void)state;
	assert_int_equal(machined_unregister_args(UUID, &a), 0);
	join(a.argv, line, sizeof(line));
	assert_string_equal(line,
			    "busctl --timeout=5 call org.freedesktop.machine1 "
			    "/org/freedesktop/machine1 "
			    "org.freedesktop.machine1.Manager "
			    "UnregisterMachine s cocoon-" UUID);
}

static void test_bad_args(void **state)
{
	struct machined_args a;

	(void)state;
	assert_int_equal(machined_register_args("not-a-uuid", 1, &a), -EINVAL);
	assert_int_equal(machined_register_args(UUID, 0, &a), -EINVAL);
	assert_int_equal(machined_register_args(UUID, -5, &a), -EINVAL);
	assert_int_equal(machined_unregister_args("", &a), -EINVAL);
	/* a uuid with shell or D-Bus metacharacters never reaches busctl */
	assert_int_equal(machined_register_args(UUID " x", 1, &a), -EINVAL);
}

struct fixture {
	char dir[64], machines[96], bin[96], log[96];
	char *old_path;
};

/* A fake busctl in dir/bin: logs its arguments, fails while dir/fail
 * holds a count above zero. */
static void fake_busctl(struct fixture *f)
{
	char path[128];
	FILE *s;

	snprintf(path, sizeof(path), "%s/busctl", f->bin);
	s = fopen(path, "w");
	assert_non_null(s);
	fprintf(s,
		"#!/bin/sh\n"
		"echo \"$*\" >>'%s'\n"
		"n=$(cat '%s/fail' 2>/dev/null || echo 0)\n"
		"[ \"$n\" -gt 0 ] && { echo $((n - 1)) >'%s/fail'; exit 1; }\n"
		"exit 0\n",
		f->log, f->dir, f->dir);
	fclose(s);
	assert_int_equal(chmod(path, 0755), 0);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char path[256];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test-machined.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->machines, sizeof(f->machines), "%s/machines", f->dir);
	snprintf(f->bin, sizeof(f->bin), "%s/bin", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/log", f->dir);
	assert_int_equal(mkdir(f->bin, 0755), 0);
	fake_busctl(f);
	f->old_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	snprintf(path, sizeof(path), "/nonexistent:%s:/bin:/usr/bin", f->bin);
	setenv("PATH", path, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	if (f->old_path)
		setenv("PATH", f->old_path, 1);
	free(f->old_path);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *s = fopen(path, "r");
	size_t n = 0;

	if (s) {
		n = fread(buf, 1, sizeof(buf) - 1, s);
		fclose(s);
	}
	buf[n] = '\0';
	return buf;
}

static void test_skip_without_machined(void **state)
{
	struct fixture *f = *state;
	char busctl[256];

	/* no machines dir: skipped, busctl never runs */
	assert_false(machined_available(f->machines, busctl, sizeof(busctl)));
	assert_int_equal(machined_register(f->machines, UUID, 4242), 0);
	assert_int_equal(machined_unregister(f->machines, UUID), 0);
	assert_string_equal(slurp(f->log), "");
	/* a file is not the directory machined makes */
	fclose(fopen(f->machines, "w"));
	assert_false(machined_available(f->machines, busctl, sizeof(busctl)));
	unlink(f->machines);
	/* machined there but no busctl: skipped too */
	assert_int_equal(mkdir(f->machines, 0755), 0);
	setenv("PATH", "/nonexistent", 1);
	assert_false(machined_available(f->machines, busctl, sizeof(busctl)));
	assert_int_equal(machined_register(f->machines, UUID, 4242), 0);
	assert_string_equal(slurp(f->log), "");
}

static void test_register_calls_busctl(void **state)
{
	struct fixture *f = *state;
	char busctl[256], want[1024];

	assert_int_equal(mkdir(f->machines, 0755), 0);
	assert_true(machined_available(f->machines, busctl, sizeof(busctl)));
	snprintf(want, sizeof(want), "%s/busctl", f->bin);
	assert_string_equal(busctl, want);
	assert_int_equal(machined_register(f->machines, UUID, 4242), 1);
	assert_int_equal(machined_unregister(f->machines, UUID), 1);
	snprintf(want, sizeof(want),
		 "--timeout=5 call org.freedesktop.machine1 "
		 "/org/freedesktop/machine1 org.freedesktop.machine1.Manager "
		 "RegisterMachine sayssus cocoon-" UUID " 16 15 30 45 60 75 "
		 "90 73 120 134 149 164 179 194 209 224 255 cocoon vm 4242 \n"
		 "--timeout=5 call org.freedesktop.machine1 "
		 "/org/freedesktop/machine1 org.freedesktop.machine1.Manager "
		 "UnregisterMachine s cocoon-" UUID "\n");
	assert_string_equal(slurp(f->log), want);
}

static void test_register_falls_back(void **state)
{
	struct fixture *f = *state;
	char path[128], want[64];
	FILE *s;

	assert_int_equal(mkdir(f->machines, 0755), 0);
	/* the VMM as leader is refused: the supervisor leads */
	snprintf(path, sizeof(path), "%s/fail", f->dir);
	s = fopen(path, "w");
	fputs("1\n", s);
	fclose(s);
	assert_int_equal(machined_register(f->machines, UUID, 4242), 1);
	snprintf(want, sizeof(want), " vm 4242 \n");
	assert_non_null(strstr(slurp(f->log), want));
	snprintf(want, sizeof(want), " vm %d \n", (int)getpid());
	assert_non_null(strstr(slurp(f->log), want));
	/* both refused: -1 (a warning), never fatal */
	s = fopen(path, "w");
	fputs("2\n", s);
	fclose(s);
	assert_int_equal(machined_register(f->machines, UUID, 4242), -1);
	assert_int_equal(machined_unregister(f->machines, UUID), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_args),
		cmocka_unit_test(test_unregister_args),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test_setup_teardown(test_skip_without_machined,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_calls_busctl,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_falls_back, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
