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

#include "guest/user.h"

struct files {
	char dir[64];
	char passwd[96];
	char group[96];
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	struct files *f = calloc(1, sizeof(*f));
	char longline[6000];

	strcpy(f->dir, "/tmp/test_guest_user.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->passwd, sizeof(f->passwd), "%s/passwd", f->dir);
	snprintf(f->group, sizeof(f->group), "%s/group", f->dir);
	/*
	 * A line longer than the reader's 4096-byte buffer whose second
	 * piece (from byte 4095 of the line, after "long:") would read as
	 * a passwd entry for "evil" if the reader took pieces for lines.
	 */
	memset(longline, 'x', sizeof(longline));
	memcpy(longline + 4095 - 5, "evil:x:0:0", 10);
	longline[sizeof(longline) - 1] = '\0';
	{
		FILE *p = fopen(f->passwd, "w");

		assert_non_null(p);
		fputs("root:x:0:0:root:/root:/bin/sh\n"
		      "# a comment\n"
		      "\n"
		      "user:x:1000:100:user:/home/user:/bin/sh\n"
		      "short:x\n"
		      "badid:x:12a:1::/:\n"
		      "huge:x:4294967295:1::/:\n",
		      p);
		fprintf(p, "long:%s\n", longline);
		fputs("last:x:4242:1::/:", p); /* no newline at the end */
		fclose(p);
	}
	write_file(f->group, "root:x:0:\nusers:x:100:user\nwheel:x:10:user\n");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct files *f = *state;

	unlink(f->passwd);
	unlink(f->group);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_numbers(void **state)
{
	uid_t uid = 7;
	gid_t gid = 7;

	(void)state;
	/* Numbers need no file at all. */
	assert_int_equal(user_resolve_uid("/nonexistent", "0", &uid), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(user_resolve_uid("/nonexistent", "65534", &uid), 0);
	assert_int_equal(uid, 65534);
	assert_int_equal(user_resolve_gid("/nonexistent", "100", &gid), 0);
	assert_int_equal(gid, 100);
	assert_int_equal(user_resolve_uid("/nonexistent", "4294967295", &uid),
			 -EINVAL);
	assert_int_equal(user_resolve_uid("/nonexistent", "99999999999", &uid),
			 -EINVAL);
}

static void test_names(void **state)
{
	struct files *f = *state;
	uid_t uid;
	gid_t gid;

	assert_int_equal(user_resolve_uid(f->passwd, "user", &uid), 0);
	assert_int_equal(uid, 1000);
	assert_int_equal(user_resolve_uid(f->passwd, "root", &uid), 0);
	assert_int_equal(uid, 0);
	assert_int_equal(user_resolve_uid(f->passwd, "last", &uid), 0);
	assert_int_equal(uid, 4242);
	assert_int_equal(user_resolve_gid(f->group, "users", &gid), 0);
	assert_int_equal(gid, 100);
	assert_int_equal(user_resolve_gid(f->group, "wheel", &gid), 0);
	assert_int_equal(gid, 10);
}

static void test_not_found(void **state)
{
	struct files *f = *state;
	uid_t uid;
	gid_t gid;

	assert_int_equal(user_resolve_uid(f->passwd, "nobody", &uid), -ENOENT);
	assert_int_equal(user_resolve_uid(f->passwd, "use", &uid), -ENOENT);
	assert_int_equal(user_resolve_uid(f->passwd, "short", &uid), -ENOENT);
	/* Inside an overlong line: never taken apart. */
	assert_int_equal(user_resolve_uid(f->passwd, "evil", &uid), -ENOENT);
	assert_int_equal(user_resolve_gid(f->group, "user", &gid), -ENOENT);
	assert_int_equal(user_resolve_uid("/nonexistent/passwd", "user", &uid),
			 -ENOENT);
}

static void test_bad_ids(void **state)
{
	struct files *f = *state;
	uid_t uid;

	assert_int_equal(user_resolve_uid(f->passwd, "badid", &uid), -EINVAL);
	assert_int_equal(user_resolve_uid(f->passwd, "huge", &uid), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_ids, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
