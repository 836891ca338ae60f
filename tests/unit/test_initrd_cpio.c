// SPDX-License-Identifier: Apache-2.0
/*
 * The newc writer and mkcpio, checked by parsing their output back with
 * an independent reader written from buffer-format.rst.
 */
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

#include "common/error.h"
#include "initrd/cpio.h"
#include "initrd/mkcpio.h"

struct parsed {
	uint32_t ino, mode, uid, gid, nlink, mtime, filesize, maj, min, rmaj,
		rmin, namesize, check;
	char name[256];
	const unsigned char *data;
};

static uint32_t hex8(const unsigned char *p)
{
	char buf[9];

	memcpy(buf, p, 8);
	buf[8] = '\0';
	for (int i = 0; i < 8; i++)
		assert_true(strchr("0123456789abcdef", buf[i]) != NULL);
	return (uint32_t)strtoul(buf, NULL, 16);
}

/* Parses the member at *off, checks alignment and padding, moves on. */
static void parse_member(const unsigned char *buf, size_t len, size_t *off,
			 struct parsed *m)
{
	const unsigned char *h = buf + *off;
	uint32_t *fields = &m->ino;
	size_t pos;

	assert_int_equal(*off % 4, 0);
	assert_true(*off + CPIO_HEADER_SIZE <= len);
	assert_memory_equal(h, "070701", 6);
	for (int i = 0; i < 13; i++)
		fields[i] = hex8(h + 6 + 8 * i);
	assert_true(m->namesize >= 2 && m->namesize <= sizeof(m->name));
	pos = *off + CPIO_HEADER_SIZE;
	assert_true(pos + m->namesize <= len);
	memcpy(m->name, buf + pos, m->namesize);
	assert_int_equal(m->name[m->namesize - 1], '\0');
	pos += m->namesize;
	for (; pos % 4; pos++)
		assert_int_equal(buf[pos], 0);
	m->data = buf + pos;
	pos += m->filesize;
	assert_true(pos <= len);
	for (; pos % 4; pos++)
		assert_int_equal(buf[pos], 0);
	*off = pos;
}

static void test_writer_members(void **state)
{
	char *buf = NULL;
	size_t len = 0, off = 0;
	FILE *out = open_memstream(&buf, &len);
	struct cpio_writer w;
	struct parsed m;

	(void)state;
	assert_non_null(out);
	cpio_writer_init(&w, out);
	assert_int_equal(
		cpio_write_header(
			&w, &(struct cpio_member){.name = "/dev",
						  .mode = S_IFDIR | 0755}),
		0);
	assert_int_equal(
		cpio_write_header(&w,
				  &(struct cpio_member){.name = "/dev/console",
							.mode = S_IFCHR | 0600,
							.rdev_major = 5,
							.rdev_minor = 1}),
		0);
	assert_int_equal(
		cpio_write_header(&w,
				  &(struct cpio_member){.name = "/init",
							.mode = S_IFREG | 0755,
							.uid = 1,
							.gid = 2,
							.mtime = 1234,
							.size = 5}),
		0);
	/* Data in two pieces; a third byte too many is refused. */
	assert_int_equal(cpio_write_data(&w, "he", 2), 0);
	assert_int_equal(cpio_write_data(&w, "llo!", 4), -EINVAL);
	assert_int_equal(cpio_write_data(&w, "llo", 3), 0);
	assert_int_equal(
		cpio_write_header(&w,
				  &(struct cpio_member){.name = "/sh",
							.mode = S_IFLNK | 0777,
							.size = 7}),
		0);
	/* A header while data is still owed is refused. */
	assert_int_equal(
		cpio_write_header(
			&w, &(struct cpio_member){.name = "/x",
						  .mode = S_IFDIR | 0755}),
		-EINVAL);
	assert_int_equal(cpio_write_data(&w, "busybox", 7), 0);
	assert_int_equal(cpio_write_trailer(&w), 0);
	fclose(out);
	assert_int_equal(len % 4, 0);
	assert_int_equal(w.offset, len);

	parse_member((unsigned char *)buf, len, &off, &m);
	assert_string_equal(m.name, "dev"); /* leading '/' dropped */
	assert_int_equal(m.mode, S_IFDIR | 0755);
	assert_int_equal(m.nlink, 2);
	assert_int_equal(m.filesize, 0);
	assert_int_equal(m.mtime, 0);
	assert_int_equal(m.ino, 1);
	assert_int_equal(m.check, 0);

	parse_member((unsigned char *)buf, len, &off, &m);
	assert_string_equal(m.name, "dev/console");
	assert_int_equal(m.mode, S_IFCHR | 0600);
	assert_int_equal(m.rmaj, 5);
	assert_int_equal(m.rmin, 1);
	assert_int_equal(m.maj, 0);
	assert_int_equal(m.min, 0);
	assert_int_equal(m.nlink, 1);
	assert_int_equal(m.ino, 2);

	parse_member((unsigned char *)buf, len, &off, &m);
	assert_string_equal(m.name, "init");
	assert_int_equal(m.uid, 1);
	assert_int_equal(m.gid, 2);
	assert_int_equal(m.mtime, 1234);
	assert_int_equal(m.filesize, 5);
	assert_memory_equal(m.data, "hello", 5);

	parse_member((unsigned char *)buf, len, &off, &m);
	assert_string_equal(m.name, "sh");
	assert_int_equal(m.filesize, 7);
	assert_memory_equal(m.data, "busybox", 7);

	parse_member((unsigned char *)buf, len, &off, &m);
	assert_string_equal(m.name, CPIO_TRAILER);
	assert_int_equal(m.filesize, 0);
	assert_int_equal(m.namesize, sizeof(CPIO_TRAILER));
	assert_int_equal(off, len);
	free(buf);
}

static void test_writer_padding(void **state)
{
	(void)state;
	/* Names of every length mod 4 and data of every length mod 4. */
	for (size_t name_len = 1; name_len <= 8; name_len++) {
		for (size_t data_len = 0; data_len <= 8; data_len++) {
			char name[16], *buf = NULL;
			size_t len = 0, off = 0;
			FILE *out = open_memstream(&buf, &len);
			struct cpio_writer w;
			struct parsed m;

			memset(name, 'a', name_len);
			name[name_len] = '\0';
			cpio_writer_init(&w, out);
			assert_int_equal(cpio_write_header(
						 &w,
						 &(struct cpio_member){
							 .name = name,
							 .mode = S_IFREG | 0644,
							 .size = data_len}),
					 0);
			if (data_len)
				assert_int_equal(cpio_write_data(&w, "12345678",
								 data_len),
						 0);
			assert_int_equal(cpio_write_trailer(&w), 0);
			fclose(out);
			parse_member((unsigned char *)buf, len, &off, &m);
			assert_string_equal(m.name, name);
			assert_int_equal(m.filesize, data_len);
			parse_member((unsigned char *)buf, len, &off, &m);
			assert_string_equal(m.name, CPIO_TRAILER);
			assert_int_equal(off, len);
			free(buf);
		}
	}
}

static void test_writer_rejects(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct cpio_writer w;

	(void)state;
	cpio_writer_init(&w, out);
	assert_int_equal(
		cpio_write_header(
			&w, &(struct cpio_member){.name = "/",
						  .mode = S_IFDIR | 0755}),
		-EINVAL);
	assert_int_equal(
		cpio_write_header(
			&w, &(struct cpio_member){.name = "",
						  .mode = S_IFDIR | 0755}),
		-EINVAL);
	assert_int_equal(
		cpio_write_header(&w,
				  &(struct cpio_member){.name = "/big",
							.mode = S_IFREG | 0644,
							.size = 1ULL << 32}),
		-EFBIG);
	fclose(out);
	free(buf);
}

/* Runs mkcpio over list text; returns the archive or NULL with *err. */
static char *build(const char *list_text, const char *dir, size_t *len,
		   struct error **err)
{
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);
	FILE *list = fmemopen((void *)list_text, strlen(list_text), "r");
	struct mkcpio m;
	int ret;

	assert_non_null(out);
	assert_non_null(list);
	mkcpio_init(&m, out, 0);
	ret = mkcpio_add_list(&m, list, "test.list", dir, err);
	if (ret == 0)
		ret = mkcpio_finish(&m, err);
	mkcpio_free(&m);
	fclose(list);
	fclose(out);
	if (ret < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void expect_error(const char *list_text, const char *want)
{
	struct error *err = NULL;
	size_t len;
	char *buf = build(list_text, "/nonexistent", &len, &err);

	assert_null(buf);
	assert_non_null(err);
	if (!strstr(err->message, want))
		fail_msg("error \"%s\" lacks \"%s\"", err->message, want);
	error_free(&err);
}

static void test_mkcpio_list(void **state)
{
	char dir[] = "/tmp/test_initrd_cpio.XXXXXX", path[64];
	struct error *err = NULL;
	size_t len, off = 0;
	struct parsed m;
	FILE *f;
	char *buf, *list;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/payload", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("abcdef", f);
	fclose(f);
	assert_true(asprintf(&list,
			     "# comment line\n"
			     "\n"
			     "dir /dev 0755 0 0\n"
			     "nod /dev/console 0600 0 0 c 5 1   # trailing\n"
			     "dir /bin 0755 0 0\n"
			     "file /bin/rel payload 0755 0 0\n"
			     "file /bin/abs %s 0644 10 20\n"
			     "slink /bin/sh rel 0777 0 0\n"
			     "pipe /fifo 0644 0 0\n"
			     "sock /sock 0644 0 0\n"
			     "dir /tmp 1777 0 0",
			     path) > 0);
	buf = build(list, dir, &len, &err);
	assert_null(err);
	assert_non_null(buf);

	parse_member((unsigned char *)buf, len, &off, &m);
	assert_string_equal(m.name, "dev");
	parse_member((unsigned char *)buf, len, &off, &m);
	assert_string_equal(m.name, "dev/console");
	assert_int_equal(m.mode, S_IFCHR | 0600);
	parse_member((unsigned char *)buf, len, &off, &m);
	assert_string_equal(m.name, "bin");
	parse_member((unsigned char *)buf, len, &off, &m);
	assert_string_equal(m.name, "bin/rel");
	assert_int_equal(m.mode, S_IFREG | 0755);
	assert_int_equal(m.filesize, 6);
	assert_memory_equal(m.data, "abcdef", 6);
	parse_member((unsigned char *)buf, len, &off, &m);
	assert_string_equal(m.name, "bin/abs");
	assert_int_equal(m.mode, S_IFREG | 0644);
	assert_int_equal(m.uid, 10);
	assert_int_equal(m.gid, 20);
	assert_memory_equal(m.data, "abcdef", 6);
	parse_member((unsigned char *)buf, len, &off, &m);
	assert_string_equal(m.name, "bin/sh");
	assert_int_equal(m.mode, S_IFLNK | 0777);
	assert_memory_equal(m.data, "rel", 3);
	parse_member((unsigned char *)buf, len, &off, &m);
	assert_int_equal(m.mode, S_IFIFO | 0644);
	parse_member((unsigned char *)buf, len, &off, &m);
	assert_int_equal(m.mode, S_IFSOCK | 0644);
	parse_member((unsigned char *)buf, len, &off, &m);
	assert_string_equal(m.name, "tmp");
	assert_int_equal(m.mode, S_IFDIR | 01777);
	parse_member((unsigned char *)buf, len, &off, &m);
	assert_string_equal(m.name, CPIO_TRAILER);
	assert_int_equal(off, len);

	/* Deterministic: the same list gives the same bytes. */
	{
		size_t len2;
		char *again = build(list, dir, &len2, &err);

		assert_non_null(again);
		assert_int_equal(len2, len);
		assert_memory_equal(again, buf, len);
		free(again);
	}
	free(buf);
	free(list);
	unlink(path);
	rmdir(dir);
}

static void test_mkcpio_errors(void **state)
{
	(void)state;
	expect_error("dir /a 0755 0 0\nbogus /b\n",
		     "test.list:2: unknown type \"bogus\"");
	expect_error("\n\ndir /a 0755 0\n",
		     "test.list:3: dir: 4 fields, want 5");
	expect_error("dir /a 0755 0 0\ndir /a 0755 0 0\n",
		     "test.list:2: /a is listed twice");
	expect_error(
		"file /a/b x 0644 0 0\n",
		"test.list:1: parent of /a/b is not a dir listed before it");
	expect_error("slink /l x 0777 0 0\nfile /l/b x 0644 0 0\n",
		     "test.list:2: parent of /l/b");
	expect_error("file /x missing 0644 0 0\n",
		     "test.list:1: open /nonexistent/missing: No such file");
	expect_error("file /x /nonexistent-abs 0644 0 0\n",
		     "test.list:1: open /nonexistent-abs:");
	expect_error("file /x / 0644 0 0\n",
		     "test.list:1: / is not a regular file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer_members),
		cmocka_unit_test(test_writer_padding),
		cmocka_unit_test(test_writer_rejects),
		cmocka_unit_test(test_mkcpio_list),
		cmocka_unit_test(test_mkcpio_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
