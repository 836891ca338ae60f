// SPDX-License-Identifier: Apache-2.0
/*
 * The stdio relay against a hostile guest: real Unix sockets stand in for
 * the VMM's bridged vsock connections, and our fd 1 and 2 are pointed at
 * temp files to see what reached them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/ctl.h"
#include "stage0/relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct fixture {
	char dir[64];
	char path[96];
	struct relay *relay;
	int saved_out, saved_err;
	FILE *out, *err; /* what reached our fd 1 and 2 */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct error *err = NULL;
	int fd;

	assert_non_null(f);
	strcpy(f->dir, "/tmp/cocoon-relay.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/vsock_1025", f->dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", f->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(relay_new(fd, false, &f->relay, &err), 0);
	f->out = tmpfile();
	f->err = tmpfile();
	assert_non_null(f->out);
	assert_non_null(f->err);
	fflush(stdout);
	fflush(stderr);
	f->saved_out = dup(1);
	f->saved_err = dup(2);
	dup2(fileno(f->out), 1);
	dup2(fileno(f->err), 2);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	relay_free(f->relay);
	dup2(f->saved_out, 1);
	dup2(f->saved_err, 2);
	close(f->saved_out);
	close(f->saved_err);
	fclose(f->out);
	fclose(f->err);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int guest_connect(struct fixture *f)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", f->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)),
			 0);
	return fd;
}

/* A frame as the guest would write it, header and payload in one buffer. */
static size_t frame(uint8_t *buf, uint8_t kind, const char *payload)
{
	size_t len = strlen(payload) + 1;

	buf[0] = (uint8_t)(len >> 24);
	buf[1] = (uint8_t)(len >> 16);
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	buf[4] = kind;
	memcpy(buf + 5, payload, len - 1);
	return len + 4;
}

/* Runs the relay until it has nothing to do for 50 ms, or an error. */
static int pump(struct fixture *f, int *events)
{
	struct pollfd pfd = {.fd = relay_fd(f->relay), .events = POLLIN};
	struct error *err = NULL;
	int r = 0;

	*events = 0;
	while (poll(&pfd, 1, 50) > 0) {
		r = relay_process(f->relay, &err);
		if (r < 0) {
			assert_non_null(err);
			error_free(&err);
			return -1;
		}
		*events |= r;
	}
	return 0;
}

static char *contents(FILE *fp)
{
	static char buf[8192];
	ssize_t n = pread(fileno(fp), buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void send_all(int fd, const void *buf, size_t len)
{
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
}

static void test_stdout_and_stderr(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[256];
	size_t n;
	int a = guest_connect(f), b = guest_connect(f), ev;

	/* The stream's first bytes ride in the header's write. */
	n = frame(
		buf, CTL_KIND_JSON,
		"{\"type\":\"stream\",\"app\":\"web\",\"stream\":\"stdout\"}");
	memcpy(buf + n, "hello ", 6);
	send_all(a, buf, n + 6);
	n = frame(
		buf, CTL_KIND_JSON,
		"{\"type\":\"stream\",\"app\":\"web\",\"stream\":\"stderr\"}");
	send_all(b, buf, n);
	assert_int_equal(pump(f, &ev), 0);
	send_all(a, "world\n", 6);
	send_all(b, "oops\n", 5);
	close(a);
	close(b);
	assert_int_equal(pump(f, &ev), 0);
	assert_string_equal(contents(f->out), "hello world\n");
	assert_string_equal(contents(f->err), "oops\n");
	assert_int_equal(ev & RELAY_TTY_OPENED, 0);
}

static void test_header_split(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[256];
	size_t n = frame(buf, CTL_KIND_JSON,
			 "{\"type\":\"stream\",\"app\":\"a\",\"stream\":"
			 "\"stdout\",\"extra\":[1,2]}");
	int fd = guest_connect(f), ev;

	/* One byte at a time: the decoder must wait, then see the frame. */
	for (size_t i = 0; i < n; i++) {
		send_all(fd, buf + i, 1);
		assert_int_equal(pump(f, &ev), 0);
	}
	send_all(fd, "x", 1);
	close(fd);
	assert_int_equal(pump(f, &ev), 0);
	assert_string_equal(contents(f->out), "x");
}

static void expect_protocol_error(struct fixture *f, const void *data,
				  size_t len)
{
	int fd = guest_connect(f), ev;

	send_all(fd, data, len);
	assert_int_equal(pump(f, &ev), -1);
	close(fd);
	assert_string_equal(contents(f->out), "");
}

static void test_not_json(void **state)
{
	uint8_t buf[64];

	expect_protocol_error(*state, buf, frame(buf, CTL_KIND_STDOUT, "hi"));
}

static void test_bad_json(void **state)
{
	uint8_t buf[64];

	expect_protocol_error(*state, buf,
			      frame(buf, CTL_KIND_JSON, "{\"type\":"));
}

static void test_wrong_type(void **state)
{
	uint8_t buf[128];

	expect_protocol_error(*state, buf,
			      frame(buf, CTL_KIND_JSON,
				    "{\"type\":\"hello\",\"app\":\"a\","
				    "\"stream\":\"stdout\"}"));
}

static void test_bad_app_name(void **state)
{
	uint8_t buf[128];

	expect_protocol_error(
		*state, buf,
		frame(buf, CTL_KIND_JSON,
		      "{\"type\":\"stream\",\"app\":\"../x\",\"stream\":"
		      "\"stdout\"}"));
}

static void test_unknown_stream(void **state)
{
	uint8_t buf[128];

	expect_protocol_error(*state, buf,
			      frame(buf, CTL_KIND_JSON,
				    "{\"type\":\"stream\",\"app\":\"a\","
				    "\"stream\":\"fd3\"}"));
}

static void test_zero_length(void **state)
{
	static const uint8_t zero[5] = {0, 0, 0, 0, 'J'};

	expect_protocol_error(*state, zero, sizeof(zero));
}

/* A header that claims 1 MiB: the relay must not wait for it forever. */
static void test_header_too_long(void **state)
{
	static uint8_t buf[8192];

	buf[0] = 0;
	buf[1] = 0x10;
	buf[2] = 0;
	buf[3] = 0;
	buf[4] = 'J';
	memset(buf + 5, '{', sizeof(buf) - 5);
	expect_protocol_error(*state, buf, sizeof(buf));
}

static void test_tty_event(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[128];
	int fd = guest_connect(f), ev;
	size_t n = frame(buf, CTL_KIND_JSON,
			 "{\"type\":\"stream\",\"app\":\"sh\",\"stream\":"
			 "\"tty\"}");

	send_all(fd, buf, n);
	assert_int_equal(pump(f, &ev), 0);
	assert_true(ev & RELAY_TTY_OPENED);
	assert_string_equal(relay_tty_app(f->relay), "sh");
	send_all(fd, "$ ", 2);
	close(fd);
	assert_int_equal(pump(f, &ev), 0);
	assert_string_equal(contents(f->out), "$ ");
}

/* A connection that never sends its header ends when the guest hangs up. */
static void test_silent_connection(void **state)
{
	struct fixture *f = *state;
	int fd = guest_connect(f), ev;

	assert_int_equal(pump(f, &ev), 0);
	close(fd);
	assert_int_equal(pump(f, &ev), 0);
	relay_drain(f->relay, 100);
	assert_string_equal(contents(f->out), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stdout_and_stderr, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_header_split, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_type, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_app_name, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_unknown_stream, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_zero_length, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_header_too_long, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tty_event, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_silent_connection, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
