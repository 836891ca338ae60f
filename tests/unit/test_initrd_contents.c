// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "initrd/contents_list.h"

static int parse(const char *text, struct contents_entry *e, char *why)
{
	static char line[CONTENTS_MAX_LINE];

	strcpy(line, text);
	why[0] = '\0';
	return contents_parse_line(line, e, why, 256);
}

static void test_valid(void **state)
{
	struct contents_entry e;
	char why[256];

	(void)state;
	assert_int_equal(parse("dir /dev 0755 0 0\n", &e, why), 1);
	assert_int_equal(e.type, CONTENTS_DIR);
	assert_string_equal(e.name, "/dev");
	assert_int_equal(e.mode, S_IFDIR | 0755);

	assert_int_equal(parse("nod /dev/console 0600 0 0 c 5 1", &e, why), 1);
	assert_int_equal(e.type, CONTENTS_NOD);
	assert_int_equal(e.mode, S_IFCHR | 0600);
	assert_int_equal(e.major, 5);
	assert_int_equal(e.minor, 1);

	assert_int_equal(parse("nod /dev/vda 0600 0 6 b 254 0", &e, why), 1);
	assert_int_equal(e.mode, S_IFBLK | 0600);
	assert_int_equal(e.gid, 6);

	assert_int_equal(
		parse("\tfile  /init\tcocoon-init 0755 0 0 # x", &e, why), 1);
	assert_int_equal(e.type, CONTENTS_FILE);
	assert_string_equal(e.source, "cocoon-init");
	assert_int_equal(e.mode, S_IFREG | 0755);

	assert_int_equal(
		parse("file /bin/busybox /bin/busybox 0755 0 0", &e, why), 1);
	assert_string_equal(e.source, "/bin/busybox");

	assert_int_equal(parse("slink /bin/sh busybox 0777 0 0", &e, why), 1);
	assert_int_equal(e.mode, S_IFLNK | 0777);
	assert_string_equal(e.source, "busybox");

	assert_int_equal(parse("pipe /p 0644 1000 1000", &e, why), 1);
	assert_int_equal(e.mode, S_IFIFO | 0644);
	assert_int_equal(e.uid, 1000);
	assert_int_equal(parse("sock /s 0644 0 0", &e, why), 1);
	assert_int_equal(e.mode, S_IFSOCK | 0644);
	assert_int_equal(parse("dir /tmp 1777 0 0", &e, why), 1);
	assert_int_equal(e.mode, S_IFDIR | 01777);
}

static void test_blank_and_comment(void **state)
{
	struct contents_entry e;
	char why[256];

	(void)state;
	assert_int_equal(parse("", &e, why), 0);
	assert_int_equal(parse("\n", &e, why), 0);
	assert_int_equal(parse("   \t\r\n", &e, why), 0);
	assert_int_equal(parse("# dir /x 0755 0 0", &e, why), 0);
	assert_int_equal(parse("   # indented comment", &e, why), 0);
}

static void expect_bad(const char *line, const char *want)
{
	struct contents_entry e;
	char why[256];

	assert_int_equal(parse(line, &e, why), -EINVAL);
	if (!strstr(why, want))
		fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", line, why, want);
}

static void test_invalid(void **state)
{
	(void)state;
	expect_bad("link /a /b 0755 0 0", "unknown type \"link\"");
	expect_bad("dir /a 0755 0", "dir: 4 fields, want 5");
	expect_bad("dir /a 0755 0 0 extra", "dir: 6 fields, want 5");
	expect_bad("file /a 0755 0 0", "file: 5 fields, want 6");
	expect_bad("nod /a 0600 0 0 c 5", "nod: 7 fields, want 8");
	expect_bad("a b c d e f g h i j", "too many fields");
	expect_bad("dir a 0755 0 0", "not an absolute path");
	expect_bad("dir / 0755 0 0", "not an absolute path");
	expect_bad("dir /a/../b 0755 0 0", "not an absolute path");
	expect_bad("dir /a/./b 0755 0 0", "not an absolute path");
	expect_bad("dir /a//b 0755 0 0", "not an absolute path");
	expect_bad("dir /a/ 0755 0 0", "not an absolute path");
	expect_bad("dir /a 0758 0 0", "mode \"0758\" is not octal");
	expect_bad("dir /a 17777 0 0", "is not octal up to 07777");
	expect_bad("dir /a rwx 0 0", "is not octal");
	expect_bad("dir /a 0755 -1 0", "uid \"-1\" or gid");
	expect_bad("dir /a 0755 0 4294967296", "gid \"4294967296\"");
	expect_bad("nod /a 0600 0 0 x 5 1", "device type \"x\" is not c or b");
	expect_bad("nod /a 0600 0 0 c 4096 1", "major \"4096\"");
	expect_bad("nod /a 0600 0 0 c 1 1048576", "minor \"1048576\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_blank_and_comment),
		cmocka_unit_test(test_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
