// SPDX-License-Identifier: Apache-2.0
/* stage0/audit.c, audit_verify.c: the hash chain, its head, tampering. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"
#include "stage0/audit.h"

static char dir[64];
static char logpath[128], headpath[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cocoon-audit-test.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(logpath, sizeof(logpath), "%s/audit/log.jsonl", dir);
	snprintf(headpath, sizeof(headpath), "%s/audit/head", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void append(const char *pod)
{
	struct json_object *e = json_object_new_object();
	struct error *err = NULL;
	uint64_t seq = 0;

	json_object_object_add(e, "event", json_object_new_string("test"));
	json_object_object_add(e, "pod", json_object_new_string(pod));
	if (audit_append(dir, e, &seq, &err) < 0)
		fail_msg("append: %s", err->message);
	assert_true(seq > 0);
	json_object_put(e);
}

static void append_n(int n)
{
	char pod[16];

	for (int i = 1; i <= n; i++) {
		snprintf(pod, sizeof(pod), "p%d", i);
		append(pod);
	}
}

/* The log's lines (with their newlines), NULL-terminated. */
static char **read_lines(size_t *n)
{
	FILE *f = fopen(logpath, "r");
	char **v = calloc(1024, sizeof(*v));
	size_t cap = 0;
	char *line = NULL;

	assert_non_null(f);
	*n = 0;
	while (getline(&line, &cap, f) > 0 && *n < 1023)
		v[(*n)++] = strdup(line);
	free(line);
	fclose(f);
	return v;
}

static void write_lines(char **v, size_t n)
{
	FILE *f = fopen(logpath, "w");

	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		if (v[i])
			fputs(v[i], f);
	fclose(f);
}

static void free_lines(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void verify(struct audit_report *r)
{
	struct error *err = NULL;

	if (audit_verify(dir, r, &err) < 0)
		fail_msg("verify: %s", err->message);
}

static void expect_problem(enum audit_problem p, uint64_t seq, const char *text)
{
	struct audit_report r;

	verify(&r);
	if (r.problem != p || r.bad_seq != seq || !strstr(r.message, text))
		fail_msg("expected %s at entry %llu (\"%s\"), got %s at %llu: "
			 "%s",
			 audit_problem_name(p), (unsigned long long)seq, text,
			 audit_problem_name(r.problem),
			 (unsigned long long)r.bad_seq, r.message);
}

static void expect_intact(uint64_t entries)
{
	struct audit_report r;

	verify(&r);
	if (r.problem != AUDIT_INTACT)
		fail_msg("not intact: %s", r.message);
	assert_int_equal(r.entries, entries);
}

static void test_canonical(void **state)
{
	struct json_object *j = json_tokener_parse(
		"{\"b\": 1, \"a\": {\"d\": \"x/y\\n\", \"c\": [true, null, "
		"-3]}, \"A\": \"\"}");
	char *c = audit_canonical(j);

	(void)state;
	assert_string_equal(
		c, "{\"A\":\"\",\"a\":{\"c\":[true,null,-3],\"d\":\"x/y\\n\"},"
		   "\"b\":1}");
	free(c);
	json_object_put(j);
}

static void test_empty(void **state)
{
	(void)state;
	expect_intact(0); /* no audit directory at all */
}

static void test_append_verify(void **state)
{
	size_t n;
	char **v;
	struct json_object *e1, *e2, *prev, *hash, *seq, *t;
	char hex[AUDIT_HASH_HEX + 1];
	struct stat st;

	(void)state;
	append_n(3);
	expect_intact(3);
	v = read_lines(&n);
	assert_int_equal(n, 3);
	e1 = json_tokener_parse(v[0]);
	e2 = json_tokener_parse(v[1]);
	assert_true(json_object_object_get_ex(e1, "seq", &seq));
	assert_int_equal(json_object_get_int(seq), 1);
	assert_true(json_object_object_get_ex(e1, "prev", &prev));
	assert_string_equal(json_object_get_string(prev),
			    "0000000000000000000000000000000000000000000000000"
			    "000000000000000");
	assert_true(json_object_object_get_ex(e1, "time", &t));
	assert_int_equal(strlen(json_object_get_string(t)), 30);
	assert_int_equal(json_object_get_string(t)[29], 'Z');
	/* entry 2 links to entry 1's hash, which is its content's hash */
	assert_true(json_object_object_get_ex(e1, "hash", &hash));
	assert_true(json_object_object_get_ex(e2, "prev", &prev));
	assert_string_equal(json_object_get_string(prev),
			    json_object_get_string(hash));
	assert_int_equal(audit_entry_hash(e1, hex, NULL), 0);
	assert_string_equal(hex, json_object_get_string(hash));
	/* lines are canonical */
	{
		char *c = audit_canonical(e1);

		assert_int_equal(strncmp(v[0], c, strlen(c)), 0);
		assert_string_equal(v[0] + strlen(c), "\n");
		free(c);
	}
	assert_int_equal(stat(logpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	json_object_put(e1);
	json_object_put(e2);
	free_lines(v, n);
}

static void test_edit(void **state)
{
	size_t n;
	char **v;
	char *p;

	(void)state;
	append_n(4);
	v = read_lines(&n);
	p = strstr(v[1], "\"p2\"");
	assert_non_null(p);
	p[2] = '9'; /* "p2" -> "p9" */
	write_lines(v, n);
	expect_problem(AUDIT_EDITED, 2, "does not match its hash");
	free_lines(v, n);
}

/* A forger who recomputes the edited entry's hash breaks the next link. */
static void test_edit_rehashed(void **state)
{
	struct json_object *e;
	char hex[AUDIT_HASH_HEX + 1], *c;
	size_t n;
	char **v;

	(void)state;
	append_n(3);
	v = read_lines(&n);
	e = json_tokener_parse(v[1]);
	json_object_object_add(e, "pod", json_object_new_string("forged"));
	assert_int_equal(audit_entry_hash(e, hex, NULL), 0);
	json_object_object_add(e, "hash", json_object_new_string(hex));
	c = audit_canonical(e);
	free(v[1]);
	assert_true(asprintf(&v[1], "%s\n", c) > 0);
	write_lines(v, n);
	expect_problem(AUDIT_EDITED, 3, "does not link to entry 2");
	free(c);
	json_object_put(e);
	free_lines(v, n);
}

static void test_delete_middle(void **state)
{
	size_t n;
	char **v;

	(void)state;
	append_n(5);
	v = read_lines(&n);
	free(v[1]);
	v[1] = NULL;
	write_lines(v, n);
	expect_problem(AUDIT_MISSING, 2, "entry 2 is missing");
	free(v[2]);
	v[2] = NULL;
	write_lines(v, n);
	expect_problem(AUDIT_MISSING, 2, "entries 2 to 3 are missing");
	free_lines(v, n);
}

static void test_truncate_tail(void **state)
{
	struct error *err = NULL;
	struct json_object *e;
	size_t n;
	char **v;

	(void)state;
	append_n(4);
	v = read_lines(&n);
	free(v[3]);
	v[3] = NULL;
	write_lines(v, n);
	expect_problem(AUDIT_TRUNCATED, 4, "entries 4 to 4 are gone");
	/* and no append may hide it */
	e = json_tokener_parse("{\"event\": \"test\"}");
	assert_int_equal(audit_append(dir, e, NULL, &err), -1);
	assert_non_null(strstr(err->message, "does not match its head"));
	error_free(&err);
	expect_problem(AUDIT_TRUNCATED, 4, "the log was truncated");
	/* all entries gone, the head left */
	write_lines(v, 0);
	expect_problem(AUDIT_TRUNCATED, 1, "ends at entry 0");
	unlink(logpath);
	expect_problem(AUDIT_TRUNCATED, 1, "ends at entry 0");
	json_object_put(e);
	free_lines(v, n);
}

/* The last entry cut in the middle (not a crash: the head names it). */
static void test_truncate_mid_line(void **state)
{
	size_t n;
	char **v;

	(void)state;
	append_n(3);
	v = read_lines(&n);
	v[2][strlen(v[2]) / 2] = '\0';
	write_lines(v, n);
	expect_problem(AUDIT_TRUNCATED, 3, "was cut off");
	free_lines(v, n);
}

static void test_reorder(void **state)
{
	size_t n;
	char **v, *t;

	(void)state;
	append_n(4);
	v = read_lines(&n);
	t = v[1];
	v[1] = v[2];
	v[2] = t;
	write_lines(v, n);
	expect_problem(AUDIT_REORDERED, 2, "out of order");
	/* an entry repeated */
	t = v[2];
	v[2] = v[1];
	v[1] = t;
	free(v[3]);
	v[3] = strdup(v[1]);
	write_lines(v, n);
	expect_problem(AUDIT_REORDERED, 2, "comes again");
	free_lines(v, n);
}

static void test_garbage(void **state)
{
	size_t n;
	char **v;

	(void)state;
	append_n(3);
	v = read_lines(&n);
	v[n] = v[2];
	v[2] = strdup("this is not json\n");
	write_lines(v, n + 1);
	expect_problem(AUDIT_GARBAGE, 3, "line 3 is not an audit entry");
	free(v[2]);
	v[2] = strdup("{\"seq\": 3}\n");
	write_lines(v, n + 1);
	expect_problem(AUDIT_GARBAGE, 3, "no seq, prev or hash");
	free_lines(v, n + 1);
}

static void test_head(void **state)
{
	struct audit_report r;
	FILE *f;

	(void)state;
	append_n(2);
	unlink(headpath);
	expect_problem(AUDIT_TRUNCATED, 2, "head record is missing");
	f = fopen(headpath, "w");
	fputs("nonsense", f);
	fclose(f);
	verify(&r);
	assert_int_equal(r.problem, AUDIT_GARBAGE);
	assert_non_null(strstr(r.message, "not a head record"));
}

/* What a writer killed mid-append leaves is repaired, not reported. */
static void test_crash_leftovers(void **state)
{
	struct audit_report r;
	char head2[256];
	size_t n;
	char **v;
	FILE *f;

	(void)state;
	append_n(2);
	f = fopen(headpath, "r");
	assert_non_null(fgets(head2, sizeof(head2), f));
	fclose(f);
	append_n(1);
	/* killed between the line and the head */
	f = fopen(headpath, "w");
	fputs(head2, f);
	fclose(f);
	verify(&r);
	assert_int_equal(r.problem, AUDIT_INTACT);
	assert_int_equal(r.entries, 3);
	assert_non_null(strstr(r.note, "one entry behind"));
	append_n(1);
	verify(&r);
	assert_int_equal(r.problem, AUDIT_INTACT);
	assert_int_equal(r.entries, 4);
	assert_string_equal(r.note, "");
	/* killed in the middle of the line */
	f = fopen(logpath, "a");
	fputs("{\"event\":\"test\",\"ha", f);
	fclose(f);
	verify(&r);
	assert_int_equal(r.problem, AUDIT_INTACT);
	assert_non_null(strstr(r.note, "line 5 is an unfinished entry"));
	append_n(1);
	expect_intact(5);
	v = read_lines(&n);
	assert_int_equal(n, 5);
	free_lines(v, n);
}

static void test_refuses_bad_events(void **state)
{
	struct json_object *e = json_tokener_parse("{\"pod\": \"x\"}");
	struct error *err = NULL;

	(void)state;
	assert_int_equal(audit_append(dir, e, NULL, &err), -1);
	error_free(&err);
	json_object_put(e);
	e = json_tokener_parse("{\"event\": \"x\", \"seq\": 7}");
	assert_int_equal(audit_append(dir, e, NULL, &err), -1);
	assert_non_null(strstr(err->message, "\"seq\" is set by"));
	error_free(&err);
	json_object_put(e);
	expect_intact(0);
}

static int count_one(struct json_object *e, void *arg)
{
	int *n = arg;
	struct json_object *seq;

	assert_true(json_object_object_get_ex(e, "seq", &seq));
	assert_int_equal(json_object_get_int(seq), ++*n);
	return 0;
}

static void test_for_each(void **state)
{
	struct error *err = NULL;
	int n = 0;

	(void)state;
	assert_int_equal(audit_for_each(dir, count_one, &n, &err), 0);
	assert_int_equal(n, 0);
	append_n(3);
	assert_int_equal(audit_for_each(dir, count_one, &n, &err), 0);
	assert_int_equal(n, 3);
}

#define WRITERS	   6
#define PER_WRITER 40

static void test_concurrent(void **state)
{
	pid_t pids[WRITERS];
	size_t n;
	char **v;

	(void)state;
	append_n(1); /* the directory exists before the race */
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (pids[w] == 0) {
			for (int i = 0; i < PER_WRITER; i++) {
				struct json_object *e =
					json_object_new_object();
				struct error *err = NULL;

				json_object_object_add(
					e, "event",
					json_object_new_string("race"));
				json_object_object_add(e, "writer",
						       json_object_new_int(w));
				if (audit_append(dir, e, NULL, &err) < 0)
					_exit(1);
				json_object_put(e);
			}
			_exit(0);
		}
	}
	for (int w = 0; w < WRITERS; w++) {
		int st;

		assert_int_equal(waitpid(pids[w], &st, 0), pids[w]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	expect_intact(1 + WRITERS * PER_WRITER);
	v = read_lines(&n);
	assert_int_equal(n, 1 + WRITERS * PER_WRITER);
	free_lines(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_verify, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_edit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edit_rehashed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_delete_middle, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_truncate_tail, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_truncate_mid_line, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reorder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_leftovers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refuses_bad_events, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_for_each, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
