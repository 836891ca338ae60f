// SPDX-License-Identifier: Apache-2.0
/*
 * App logs end to end without a VM: the stdio relay, listening where a
 * supervisor would (<pod>/stage1/vsock_1025), writes what a fake guest
 * sends to stage1/logs/<app>.log; GetLogs' reader parses it back, in
 * order, with partial lines, the rotated file and hostile bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/ctl.h"
#include "stage0/api_logs.h"
#include "stage0/relay.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define UUID "5bc080ca-3a47-4c5e-9b1e-2d4f6a8b0c1e"

struct fixture {
	char dir[64];	/* --dir */
	char pod[256];	/* its one prepared pod */
	char sock[320]; /* <pod>/stage1/vsock_1025 */
	struct relay *relay;
	int saved_out, saved_err, devnull;
	int pod_fd; /* O_PATH of pod */
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
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct error *err = NULL;
	char path[512];
	int fd;

	assert_non_null(f);
	strcpy(f->dir, "/tmp/cocoon-api-logs.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(path, sizeof(path), "%s/pods", f->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/pods/prepared", f->dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_true(strlen(path) + sizeof(UUID) + 1 < sizeof(f->pod));
	strcpy(f->pod, path);
	strcat(f->pod, "/" UUID);
	assert_int_equal(mkdir(f->pod, 0755), 0);
	snprintf(path, sizeof(path), "%s/stage1", f->pod);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/stage0.json", f->pod);
	write_file(path, "{\"apps\": [{\"name\": \"web\", \"image\": "
			 "\"sha512-aa\"}, {\"name\": \"db\"}]}");
	snprintf(f->sock, sizeof(f->sock), "%s/stage1/vsock_1025", f->pod);
	assert_true(strlen(f->sock) < sizeof(addr.sun_path));
	/* Bound as the supervisor binds it: through its fd of the pod dir,
	 * which is how the relay finds stage1/logs. */
	f->pod_fd = open(f->pod, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->pod_fd >= 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path),
		 "/proc/self/fd/%d/stage1/vsock_1025", f->pod_fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(relay_new(fd, false, &f->relay, &err), 0);
	/* The relay also copies to our fd 1 and 2: not to the terminal. */
	fflush(stdout);
	fflush(stderr);
	f->saved_out = dup(1);
	f->saved_err = dup(2);
	f->devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	dup2(f->devnull, 1);
	dup2(f->devnull, 2);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	relay_free(f->relay);
	close(f->pod_fd);
	dup2(f->saved_out, 1);
	dup2(f->saved_err, 2);
	close(f->saved_out);
	close(f->saved_err);
	close(f->devnull);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* A guest stdio connection for app's stream. */
static int guest_stream(struct fixture *f, const char *app, const char *stream)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char hdr[256];
	int n = snprintf(hdr, sizeof(hdr),
			 "{\"type\":\"stream\",\"app\":\"%s\",\"stream\":"
			 "\"%s\"}",
			 app, stream);

	assert_true(fd >= 0);
	/* short enough: checked in setup */
	memcpy(addr.sun_path, f->sock, strlen(f->sock) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)),
			 0);
	assert_int_equal(ctl_write_frame(fd, CTL_KIND_JSON, hdr, (size_t)n), 0);
	return fd;
}

static void pump(struct fixture *f)
{
	struct pollfd pfd = {.fd = relay_fd(f->relay), .events = POLLIN};

	while (poll(&pfd, 1, 50) > 0)
		assert_true(relay_process(f->relay, NULL) >= 0);
}

static void send_str(struct fixture *f, int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
	pump(f);
}

/* GetLogs' answer for app (NULL: all) as "stream:partial:line|..." */
static char *read_logs(struct fixture *f, const char *app, long lines)
{
	struct api_logs_query q = {.app = app, .lines = lines};
	struct api_logs *l = NULL;
	struct error *err = NULL;
	char *text = NULL, *p, *line, *save = NULL;
	static char out[4096];
	size_t len = 0, o = 0;

	assert_int_equal(api_logs_open(f->dir, "5bc0", &q, &l, &err), 0);
	assert_int_equal(api_logs_read_all(l, &text, &len, &err), 0);
	out[0] = '\0';
	for (p = text; (line = strtok_r(p, "\n", &save)); p = NULL) {
		struct json_object *j = json_tokener_parse(line), *v;
		const char *stream, *a, *s;
		bool partial;

		assert_non_null(j);
		assert_true(json_object_object_get_ex(j, "app", &v));
		a = json_object_get_string(v);
		assert_true(json_object_object_get_ex(j, "stream", &v));
		stream = json_object_get_string(v);
		assert_true(json_object_object_get_ex(j, "partial", &v));
		partial = json_object_get_boolean(v);
		assert_true(json_object_object_get_ex(j, "line", &v));
		s = json_object_get_string(v);
		assert_true(json_object_object_get_ex(j, "time", &v));
		if (o < sizeof(out))
			o += (size_t)snprintf(out + o, sizeof(out) - o,
					      "%s/%s:%s:%.64s|", a, stream,
					      partial ? "P" : "F", s);
		json_object_put(j);
	}
	free(text);
	api_logs_free(l);
	return out;
}

static void test_relay_writes_records(void **state)
{
	struct fixture *f = *state;
	int out = guest_stream(f, "web", "stdout"),
	    err = guest_stream(f, "web", "stderr"),
	    db = guest_stream(f, "db", "stdout");

	pump(f);
	send_str(f, out, "hello\nwor");
	send_str(f, err, "oops\n");
	send_str(f, out, "ld\n");
	send_str(f, db, "ready\n");
	close(out);
	close(err);
	close(db);
	pump(f);
	assert_string_equal(
		read_logs(f, "web", 0),
		"web/stdout:F:hello|web/stdout:P:wor|web/stderr:F:oops|"
		"web/stdout:F:ld|");
	assert_string_equal(read_logs(f, "web", 2),
			    "web/stderr:F:oops|web/stdout:F:ld|");
	assert_string_equal(read_logs(f, NULL, 1), "db/stdout:F:ready|");
}

static void test_hostile_bytes(void **state)
{
	struct fixture *f = *state;
	int fd = guest_stream(f, "web", "stdout");

	pump(f);
	/* Invalid UTF-8, an overlong '/', a NUL, then a valid é. */
	assert_int_equal(write(fd, "a\xff\xc0\xaf\0b\xc3\xa9\n", 9), 9);
	close(fd);
	pump(f);
	assert_string_equal(read_logs(f, "web", 0),
			    "web/stdout:F:a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf"
			    "\xbd\xef\xbf\xbd"
			    "b\xc3\xa9|");
}

static void test_rotation(void **state)
{
	struct fixture *f = *state;
	int fd = guest_stream(f, "web", "stdout");
	static char line[4097];
	char path[512];
	struct stat st;
	size_t total = 0;

	memset(line, 'x', sizeof(line) - 2);
	line[sizeof(line) - 2] = '\n';
	pump(f);
	/* A bit more than RELAY_LOG_MAX: one rotation. */
	while (total <= RELAY_LOG_MAX + 8192) {
		send_str(f, fd, line);
		total += sizeof(line) - 1;
	}
	close(fd);
	pump(f);
	snprintf(path, sizeof(path), "%s/stage1/logs/web.log.1", f->pod);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= RELAY_LOG_MAX);
	assert_true(st.st_size > RELAY_LOG_MAX - 8192);
	snprintf(path, sizeof(path), "%s/stage1/logs/web.log", f->pod);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 0 && st.st_size < 16 * 4200);
	/* Both files are read back, every record whole. */
	{
		struct api_logs_query q = {.app = "web"};
		struct api_logs *l = NULL;
		struct error *err = NULL;
		char *text = NULL;
		size_t len = 0, n = 0;

		assert_int_equal(api_logs_open(f->dir, UUID, &q, &l, &err), 0);
		assert_int_equal(api_logs_read_all(l, &text, &len, &err), 0);
		for (char *p = text; (p = strchr(p, '\n')); p++)
			n++;
		assert_int_equal(n, total / (sizeof(line) - 1));
		free(text);
		api_logs_free(l);
	}
}

static void test_cut_record_dropped(void **state)
{
	struct fixture *f = *state;
	const char *head = "2026-11-28T15:04:05Z stdout F ";
	const char *forged = "2026-11-28T15:04:06Z stderr F forged";
	const char *real = "2026-11-28T15:04:07Z stdout F real\n";
	/* An answer reads the newest 8 MiB: the cut falls exactly where
	 * the app's own bytes look like a record. */
	size_t budget = 8u << 20,
	       pad = budget - strlen(forged) - 1 - strlen(real);
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/stage1/logs", f->pod);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/stage1/logs/db.log", f->pod);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(head, fp);
	for (size_t i = 0; i < (1u << 20); i++)
		fputc('x', fp);
	fputs(forged, fp);
	for (size_t i = 0; i < pad; i++)
		fputc('y', fp);
	fputs("\n", fp);
	fputs(real, fp);
	fclose(fp);
	assert_string_equal(read_logs(f, "db", 0), "db/stdout:F:real|");
}

static void test_open_errors(void **state)
{
	struct fixture *f = *state;
	struct api_logs_query q = {.app = "nope"};
	struct api_logs *l = NULL;
	struct error *err = NULL;

	assert_int_equal(api_logs_open(f->dir, UUID, &q, &l, &err), -1);
	assert_int_equal(err->code, 404);
	error_free(&err);
	q.app = NULL;
	assert_int_equal(api_logs_open(f->dir, "ffff", &q, &l, &err), -1);
	assert_int_equal(err->code, 404);
	error_free(&err);
	assert_int_equal(api_logs_open(f->dir,
				       "not-a-uuid-at-all-because-"
				       "it-is-far-too-long-xxxx",
				       &q, &l, &err),
			 -1);
	assert_int_equal(err->code, 400);
	error_free(&err);
}

static void test_no_logs_elsewhere(void **state)
{
	struct error *err = NULL;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct relay *r = NULL;
	char dir[] = "/tmp/cocoon-api-nolog.XXXXXX", logs[64];
	int fd;

	(void)state;
	/* A listener that is not a pod's stage1/vsock_1025: no logs dir. */
	assert_non_null(mkdtemp(dir));
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/vsock_1025", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(relay_new(fd, false, &r, &err), 0);
	relay_free(r);
	snprintf(logs, sizeof(logs), "%s/logs", dir);
	assert_int_equal(access(logs, F_OK), -1);
	unlink(addr.sun_path);
	assert_int_equal(rmdir(dir), 0);
}

static void test_parse(void **state)
{
	struct api_log_record r;
	const char *ok = "2026-11-28T15:04:05.5Z stderr P part";
	const char *empty = "2026-11-28T15:04:05Z stdout F";
	static const char *const bad[] = {
		"",
		"garbage",
		"2026-11-28T15:04:05Z",
		"2026-11-28T15:04:05Z stdin F x",
		"2026-11-28T15:04:05Z stdout X x",
		"2026-11-28T15:04:05Z stdout Fx",
		"2026-13-28T15:04:05Z stdout F x",
	};

	(void)state;
	assert_int_equal(api_log_parse(ok, strlen(ok), &r), 0);
	assert_string_equal(r.stream, "stderr");
	assert_true(r.partial);
	assert_int_equal(r.time.tv_nsec, 500000000);
	assert_int_equal(r.text_len, 4);
	assert_memory_equal(r.text, "part", 4);
	assert_int_equal(api_log_parse(empty, strlen(empty), &r), 0);
	assert_int_equal(r.text_len, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (api_log_parse(bad[i], strlen(bad[i]), &r) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_relay_writes_records,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_bytes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cut_record_dropped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup,
						teardown),
		cmocka_unit_test(test_no_logs_elsewhere),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
