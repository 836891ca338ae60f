// SPDX-License-Identifier: Apache-2.0
/*
 * The p9 wire codec and framing: integers and strings both ways, every
 * T-message encoded and parsed, then truncated at every byte, with its
 * size field disagreeing with the buffers, split across iovecs at odd
 * boundaries; oversized strings and counts beyond the buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/cleanup.h"
#include "common/log.h"
#include "tests/unit/test_vmm_p9_client.h"

#include <errno.h>
#include <sys/stat.h>

static void test_primitives(void **state)
{
	uint8_t buf[64];
	struct p9_writer w;
	struct p9_reader r;
	struct p9_str s;
	struct p9_qid q = {P9_QTDIR, 0x01020304, 0x1122334455667788ull};

	(void)state;
	p9_writer_init(&w, buf, sizeof(buf));
	p9_put_u8(&w, 0xab);
	p9_put_u16(&w, 0x1234);
	p9_put_u32(&w, 0xdeadbeef);
	p9_put_u64(&w, 0x0102030405060708ull);
	p9_put_cstr(&w, "name");
	p9_put_qid(&w, &q);
	assert_false(w.overflow);
	assert_int_equal(w.pos, 1 + 2 + 4 + 8 + 2 + 4 + 13);
	/* little endian on the wire */
	assert_int_equal(buf[1], 0x34);
	assert_int_equal(buf[3], 0xef);
	assert_int_equal(buf[7], 0x08);
	p9_reader_init(&r, buf, w.pos);
	assert_int_equal(p9_get_u8(&r), 0xab);
	assert_int_equal(p9_get_u16(&r), 0x1234);
	assert_int_equal(p9_get_u32(&r), 0xdeadbeef);
	assert_int_equal(p9_get_u64(&r), 0x0102030405060708ull);
	p9_get_str(&r, &s);
	assert_int_equal(s.len, 4);
	assert_memory_equal(s.p, "name", 4);
	assert_int_equal(p9_get_u8(&r), P9_QTDIR);
	assert_int_equal(p9_get_u32(&r), 0x01020304);
	assert_int_equal(p9_get_u64(&r), 0x1122334455667788ull);
	assert_false(r.bad);
	assert_int_equal(p9_reader_left(&r), 0);
	/* past the end: zero, and bad stays set */
	assert_int_equal(p9_get_u32(&r), 0);
	assert_true(r.bad);
	/* a string longer than what is left */
	buf[0] = 10;
	buf[1] = 0;
	p9_reader_init(&r, buf, 5);
	p9_get_str(&r, &s);
	assert_true(r.bad);
	assert_int_equal(s.len, 0);
	/* a writer stops at its capacity */
	p9_writer_init(&w, buf, 5);
	p9_put_u32(&w, 1);
	p9_put_u16(&w, 2);
	assert_true(w.overflow);
	assert_int_equal(w.pos, 4);
	assert_null(p9_put_reserve(&w, 1));
	p9_writer_init(&w, buf, sizeof(buf));
	p9_put_str(&w, (const char *)buf, 70000);
	assert_true(w.overflow);
}

static void test_iov_helpers(void **state)
{
	uint8_t a[3] = {1, 2, 3}, b[1] = {4}, c[5] = {5, 6, 7, 8, 9};
	struct iovec iov[4] = {{a, 3}, {NULL, 0}, {b, 1}, {c, 5}};
	uint8_t out[9], want[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	struct iovec huge[2] = {{a, SIZE_MAX / 2 + 1}, {b, SIZE_MAX / 2 + 1}};

	(void)state;
	assert_int_equal(p9_iov_total(iov, 4), 9);
	assert_int_equal(p9_iov_total(iov, -1), -EOVERFLOW);
	assert_int_equal(p9_iov_total(huge, 2), -EOVERFLOW);
	p9_iov_gather(iov, 4, 0, out, 9);
	assert_memory_equal(out, want, 9);
	p9_iov_gather(iov, 4, 2, out, 4);
	assert_memory_equal(out, want + 2, 4);
	memset(out, 0, sizeof(out));
	p9_iov_scatter(iov, 4, (const uint8_t[]){9, 8, 7, 6, 5}, 5);
	assert_int_equal(a[0], 9);
	assert_int_equal(b[0], 6);
	assert_int_equal(c[0], 5);
	assert_int_equal(c[1], 6);
}

struct fixture {
	struct p9t_share share;
	struct p9_server *srv;
	struct p9c c;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	log_set_level(LOG_SILENT);
	assert_int_equal(p9t_share_make(&f->share), 0);
	assert_int_equal(p9_server_create(f->share.share, false, &f->srv), 0);
	p9c_init(&f->c, f->srv);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	p9c_fini(&f->c);
	p9_server_destroy(f->srv);
	p9t_share_remove(&f->share);
	free(f);
	return 0;
}

/* Fids the messages below use: 0 root, 1 dir, 2 hello (open rw),
 * 3 up, 4 dir (open). */
static void session(struct fixture *f)
{
	assert_int_equal(p9c_version(&f->c, 8192), 0);
	assert_int_equal(p9c_attach(&f->c, 0), 0);
	assert_int_equal(p9c_walk1(&f->c, 0, 1, "dir"), 1);
	assert_int_equal(p9c_walk1(&f->c, 0, 2, "hello"), 1);
	assert_int_equal(p9c_lopen(&f->c, 2, 2), 0);
	assert_int_equal(p9c_walk1(&f->c, 0, 3, "up"), 1);
	assert_int_equal(p9c_walk1(&f->c, 0, 4, "dir"), 1);
	assert_int_equal(p9c_lopen(&f->c, 4, 0), 0);
}

/* One valid request of each type the server implements. */
static size_t build_message(struct p9c *c, int i)
{
	switch (i) {
	case 0:
		return p9c_build(c, P9_TSTATFS, "d", 0u);
	case 1:
		return p9c_build(c, P9_TLOPEN, "dd", 1u, 0u);
	case 2:
		return p9c_build(c, P9_TLCREATE, "dsddd", 1u, "c", 2u, 0600u,
				 0u);
	case 3:
		return p9c_build(c, P9_TSYMLINK, "dssd", 1u, "s", "t", 0u);
	case 4:
		return p9c_build(c, P9_TMKNOD, "dsdddd", 1u, "n",
				 (uint32_t)(S_IFIFO | 0600), 0u, 0u, 0u);
	case 5:
		return p9c_build(c, P9_TRENAME, "dds", 2u, 0u, "hello2");
	case 6:
		return p9c_build(c, P9_TREADLINK, "d", 3u);
	case 7:
		return p9c_build(c, P9_TGETATTR, "dq", 2u,
				 (uint64_t)P9_STATS_BASIC);
	case 8:
		return p9c_build(c, P9_TSETATTR,
				 "ddddd"
				 "qqqqq",
				 2u, P9_ATTR_MODE, 0644u, 0u, 0u, (uint64_t)0,
				 (uint64_t)0, (uint64_t)0, (uint64_t)0,
				 (uint64_t)0);
	case 9:
		return p9c_build(c, P9_TXATTRWALK, "dds", 2u, 9u, "");
	case 10:
		return p9c_build(c, P9_TXATTRCREATE, "dsqd", 1u, "user.x",
				 (uint64_t)1, 0u);
	case 11:
		return p9c_build(c, P9_TREADDIR, "dqd", 4u, (uint64_t)0, 4096u);
	case 12:
		return p9c_build(c, P9_TFSYNC, "dd", 2u, 0u);
	case 13:
		return p9c_build(c, P9_TLOCK, "dbdqqds", 2u, 1, 0u, (uint64_t)0,
				 (uint64_t)0, 1u, "id");
	case 14:
		return p9c_build(c, P9_TGETLOCK, "dbqqds", 2u, 1, (uint64_t)0,
				 (uint64_t)0, 1u, "id");
	case 15:
		return p9c_build(c, P9_TLINK, "dds", 1u, 2u, "l");
	case 16:
		return p9c_build(c, P9_TMKDIR, "dsdd", 1u, "m", 0755u, 0u);
	case 17:
		return p9c_build(c, P9_TRENAMEAT, "dsds", 0u, "hello", 1u, "h");
	case 18:
		return p9c_build(c, P9_TUNLINKAT, "dsd", 1u, "inner", 0u);
	case 19:
		return p9c_build(c, P9_TVERSION, "ds", 8192u, "9P2000.L");
	case 20:
		return p9c_build(c, P9_TATTACH, "ddssd", 9u, P9_NOFID, "u", "",
				 0u);
	case 21:
		return p9c_build(c, P9_TFLUSH, "w", 1);
	case 22:
		return p9c_build(c, P9_TWALK, "ddwss", 0u, 9u, 2, "dir",
				 "inner");
	case 23:
		return p9c_build(c, P9_TREAD, "dqd", 2u, (uint64_t)0, 100u);
	case 24:
		return p9c_build(c, P9_TWRITE, "dqD", 2u, (uint64_t)0, 3u,
				 "abc");
	case 25:
		return p9c_build(c, P9_TCLUNK, "d", 2u);
	case 26:
		return p9c_build(c, P9_TREMOVE, "d", 2u);
	}
	return 0;
}

#define N_MESSAGES 27

/* Every message parses and gets its own R-type back. */
static void test_every_message(void **state)
{
	struct fixture *f = *state;
	int i, rc;

	for (i = 0; i < N_MESSAGES; i++) {
		size_t len;

		session(f);
		len = build_message(&f->c, i);
		rc = p9c_send_raw(&f->c, len);
		if (rc != f->c.req[4] + 1)
			fail_msg("message %d (T%u): %d", i, f->c.req[4], rc);
		/* the next round starts from a fresh share state */
		teardown(state);
		setup(state);
		f = *state;
	}
}

/*
 * Every message cut short at every byte, its size field saying so:
 * always an Rlerror (nothing acts on a half-parsed request), and always
 * -EPROTO below the 7-byte header.
 */
static void test_truncated(void **state)
{
	struct fixture *f = *state;
	int i, rc;

	session(f);
	for (i = 0; i < N_MESSAGES; i++) {
		size_t len = build_message(&f->c, i), cut;

		for (cut = 0; cut < len; cut++) {
			f->c.req[0] = (uint8_t)cut;
			f->c.req[1] = (uint8_t)(cut >> 8);
			rc = p9c_send_raw(&f->c, cut);
			if (cut < P9_HDR_SIZE)
				assert_int_equal(rc, -EPROTO);
			else if (rc >= 0)
				fail_msg("T%u cut at %zu: type %d", f->c.req[4],
					 cut, rc);
		}
		/* the size field promises more than the buffers hold */
		len = build_message(&f->c, i);
		f->c.req[0] = (uint8_t)(len + 1);
		assert_int_equal(p9c_send_raw(&f->c, len), -EINVAL);
		f->c.req[0] = 3;
		assert_int_equal(p9c_send_raw(&f->c, len), -EINVAL);
	}
	/* the fids survived all that */
	assert_int_equal(p9c_read(&f->c, 2, 0, 5, NULL), 5);
}

/* Split into iovecs of 1, 2, 3, 5, 7... bytes: the same replies. */
static void test_split_iovecs(void **state)
{
	static const int stateless[] = {0, 6, 7, 11, 14, 23};
	static const size_t splits[] = {1, 2, 3, 5, 7, 11, 13, 64};
	struct fixture *f = *state;
	uint8_t want[4096];
	size_t i, j;

	session(f);
	for (i = 0; i < ARRAY_SIZE(stateless); i++) {
		ssize_t want_len;

		f->c.in_split = f->c.out_split = 0;
		p9c_send_raw(&f->c, build_message(&f->c, stateless[i]));
		want_len = f->c.rep_len;
		assert_true(want_len > 0 && want_len <= (ssize_t)sizeof(want));
		memcpy(want, f->c.rep, (size_t)want_len);
		for (j = 0; j < ARRAY_SIZE(splits); j++) {
			f->c.in_split = splits[j];
			f->c.out_split = splits[ARRAY_SIZE(splits) - 1 - j];
			/* tags differ: compare after them */
			build_message(&f->c, stateless[i]);
			f->c.req[5] = want[5];
			f->c.req[6] = want[6];
			f->c.tag = (uint16_t)(want[5] | want[6] << 8);
			assert_int_equal(p9c_send_raw(&f->c, f->c.req_len),
					 f->c.req[4] + 1);
			assert_int_equal(f->c.rep_len, want_len);
			/* qid/atime may not move; statfs free counts may */
			if (stateless[i] != 0)
				assert_memory_equal(f->c.rep, want,
						    (size_t)want_len);
		}
	}
	/* a Twalk split mid-string walks the same */
	f->c.in_split = 3;
	assert_int_equal(p9c_walk1(&f->c, 1, 5, "inner"), 1);
	assert_int_equal(p9c_lopen(&f->c, 5, 0), 0);
}

static void test_bad_framing(void **state)
{
	struct fixture *f = *state;
	char name[300];
	struct iovec in, out;
	uint8_t small[10];

	/* no header at all, no room for an Rlerror */
	in.iov_base = f->c.req;
	in.iov_len = 6;
	out.iov_base = f->c.rep;
	out.iov_len = 100;
	assert_int_equal(p9_server_handle(f->srv, &in, 1, &out, 1), -EPROTO);
	assert_int_equal(p9_server_handle(f->srv, &in, 0, &out, 1), -EPROTO);
	in.iov_len = p9c_build(&f->c, P9_TVERSION, "ds", 8192u, "9P2000.L");
	out.iov_base = small;
	out.iov_len = sizeof(small);
	assert_int_equal(p9_server_handle(f->srv, &in, 1, &out, 1), -EMSGSIZE);
	/* before Tversion nothing else works */
	assert_int_equal(p9c_attach(&f->c, 0), -EPROTO);
	session(f);
	/* unknown and 9P2000(.u) types */
	assert_int_equal(p9c_rpc(&f->c, 200, ""), -EOPNOTSUPP);
	assert_int_equal(p9c_rpc(&f->c, P9_TAUTH, "dss", 1u, "u", ""),
			 -EOPNOTSUPP);
	assert_int_equal(p9c_rpc(&f->c, 124 /* Tstat */, "d", 0u), -EOPNOTSUPP);
	assert_int_equal(p9c_rpc(&f->c, P9_RLERROR, "d", 0u), -EOPNOTSUPP);
	/* larger than msize */
	memset(f->c.req + 7, 'x', 9000);
	f->c.req[0] = (uint8_t)9007;
	f->c.req[1] = (uint8_t)(9007 >> 8);
	f->c.req[4] = P9_TWRITE;
	assert_int_equal(p9c_send_raw(&f->c, 9007), -EMSGSIZE);
	/* 17 names */
	assert_int_equal(p9c_rpc(&f->c, P9_TWALK, "ddwsssssssssssssssss", 0u,
				 9u, 17, "a", "a", "a", "a", "a", "a", "a", "a",
				 "a", "a", "a", "a", "a", "a", "a", "a", "a"),
			 -EINVAL);
	/* a walk of 16 ".." is fine */
	assert_int_equal(p9c_rpc(&f->c, P9_TWALK, "ddwssssssssssssssss", 0u, 9u,
				 16, "..", "..", "..", "..", "..", "..", "..",
				 "..", "..", "..", "..", "..", "..", "..", "..",
				 ".."),
			 P9_TWALK + 1);
	/* a string length beyond the message */
	p9c_build(&f->c, P9_TWALK, "ddws", 0u, 10u, 1, "dir");
	f->c.req[17] = 200; /* the name's length */
	assert_int_equal(p9c_send_raw(&f->c, f->c.req_len), -EPROTO);
	/* a Twrite count beyond the message */
	p9c_build(&f->c, P9_TWRITE, "dqD", 2u, (uint64_t)0, 3u, "abc");
	f->c.req[7 + 4 + 8] = 4;
	assert_int_equal(p9c_send_raw(&f->c, f->c.req_len), -EPROTO);
	/* offsets beyond off_t */
	assert_int_equal(
		p9c_rpc(&f->c, P9_TREAD, "dqd", 2u, (uint64_t)1 << 63, 10u),
		-EINVAL);
	/* a name too long; a Tread count far beyond msize is capped */
	memset(name, 'n', sizeof(name));
	assert_int_equal(
		p9c_rpc(&f->c, P9_TWALK, "ddwS", 0u, 10u, 1, name, (size_t)256),
		-ENAMETOOLONG);
	assert_int_equal(p9c_read(&f->c, 2, 0, 0xffffffffu, NULL), 12);
	/* fids that do not exist, NOFID as a new fid */
	assert_int_equal(p9c_rpc(&f->c, P9_TGETATTR, "dq", 77u, (uint64_t)0),
			 -EBADF);
	assert_int_equal(p9c_walk(&f->c, 0, P9_NOFID, 0, NULL), -EBADF);
	assert_int_equal(p9c_walk(&f->c, 0, 1, 0, NULL), -EEXIST);
	/* the reply fits the guest's buffers or is an Rlerror */
	f->c.out_len = 12;
	assert_int_equal(p9c_rpc(&f->c, P9_TGETATTR, "dq", 2u, (uint64_t)0),
			 -EMSGSIZE);
	f->c.out_len = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_primitives),
		cmocka_unit_test(test_iov_helpers),
		cmocka_unit_test_setup_teardown(test_every_message, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_iovecs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_framing, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
