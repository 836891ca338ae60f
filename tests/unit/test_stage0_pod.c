// SPDX-License-Identifier: Apache-2.0
/* stage0/pod.c: pod directories, states, locks, files, UUIDs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "stage0/pod.h"

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cocoon-pod-test.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static bool exists(const char *fmt, const char *a, const char *b)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), fmt, tmpdir, a, b);
	return stat(path, &st) == 0;
}

static struct pod *create(void)
{
	struct error *err = NULL;
	struct pod *p = NULL;

	assert_int_equal(pod_create(tmpdir, &p, &err), 0);
	assert_null(err);
	return p;
}

static void test_uuid_format(void **state)
{
	struct error *err = NULL;
	char a[POD_UUID_LEN + 1], b[POD_UUID_LEN + 1];

	(void)state;
	for (int i = 0; i < 64; i++) {
		assert_int_equal(pod_uuid_new(a, &err), 0);
		assert_int_equal(strlen(a), 36);
		assert_true(pod_uuid_valid(a));
		/* RFC 4122 §4.4: version nibble 4, variant bits 10. */
		assert_int_equal(a[14], '4');
		assert_non_null(strchr("89ab", a[19]));
		assert_int_equal(a[8], '-');
		assert_int_equal(a[23], '-');
	}
	assert_int_equal(pod_uuid_new(b, &err), 0);
	assert_string_not_equal(a, b);
	assert_false(pod_uuid_valid("1234"));
	assert_false(pod_uuid_valid("1a2b3c4d-1a2b-4c3d-8e9f-1A2B3C4D5E6F"));
	assert_false(pod_uuid_valid("1a2b3c4d-1a2b-4c3d-8e9f+1a2b3c4d5e6f"));
	assert_false(pod_uuid_valid(".a2b3c4d-1a2b-4c3d-8e9f-1a2b3c4d5e6f"));
	assert_true(pod_uuid_valid("1a2b3c4d-1a2b-4c3d-8e9f-1a2b3c4d5e6f"));
}

static void test_state_dirs(void **state)
{
	(void)state;
	assert_string_equal(pod_state_dir(POD_EMBRYO), "embryo");
	assert_string_equal(pod_state_dir(POD_PREPARE), "prepare");
	assert_string_equal(pod_state_dir(POD_PREPARED), "prepared");
	assert_string_equal(pod_state_dir(POD_RUN), "run");
	assert_string_equal(pod_state_dir(POD_EXITED_GARBAGE),
			    "exited-garbage");
	assert_string_equal(pod_state_dir(POD_GARBAGE), "garbage");
}

static void test_create(void **state)
{
	cleanup_pod struct pod *p = NULL;
	char want[256];

	(void)state;
	p = create();
	assert_true(pod_uuid_valid(p->uuid));
	assert_int_equal(p->state, POD_EMBRYO);
	assert_true(p->locked);
	assert_true(p->dirfd >= 0);
	snprintf(want, sizeof(want), "%s/pods/embryo/%s", tmpdir, p->uuid);
	assert_string_equal(p->path, want);
	assert_true(exists("%s/pods/%s/%s", "embryo", p->uuid));
	/* Every state folder exists. */
	for (int s = 0; s < POD_STATE_COUNT; s++)
		assert_true(exists("%s/pods/%s%s", pod_state_dir(s), ""));
	/* The lock really is held: a second open file cannot take it. */
	{
		int fd = open(p->path, O_RDONLY | O_DIRECTORY);

		assert_true(fd >= 0);
		assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
		assert_int_equal(errno, EWOULDBLOCK);
		close(fd);
	}
}

static void test_move_all_states(void **state)
{
	cleanup_pod struct pod *p = NULL;
	struct error *err = NULL;
	static const enum pod_state path[] = {POD_PREPARE, POD_PREPARED,
					      POD_RUN, POD_EXITED_GARBAGE,
					      POD_GARBAGE};

	(void)state;
	p = create();
	assert_int_equal(pod_write_file(p, "pod", "{}", 2, &err), 0);
	for (size_t i = 0; i < sizeof(path) / sizeof(path[0]); i++) {
		int fd;

		assert_int_equal(pod_move(p, path[i], &err), 0);
		assert_null(err);
		assert_int_equal(p->state, path[i]);
		assert_non_null(strstr(p->path, pod_state_dir(path[i])));
		assert_true(exists("%s/pods/%s/%s/pod", pod_state_dir(path[i]),
				   p->uuid));
		assert_false(exists("%s/pods/%s/%s", "embryo", p->uuid));
		/* Still locked after the rename. */
		fd = open(p->path, O_RDONLY | O_DIRECTORY);
		assert_true(fd >= 0);
		assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
		close(fd);
		assert_true(p->locked);
	}
}

static void test_move_needs_lock(void **state)
{
	cleanup_pod struct pod *p = NULL;
	struct error *err = NULL;

	(void)state;
	p = create();
	pod_unlock(p);
	assert_false(p->locked);
	assert_int_equal(pod_move(p, POD_PREPARED, &err), -1);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "not locked"));
	error_free(&err);
	assert_int_equal(p->state, POD_EMBRYO);
	assert_int_equal(pod_lock(p, false, &err), 0);
	assert_int_equal(pod_move(p, POD_PREPARED, &err), 0);
}

/* Forks a child that locks the pod's directory and waits on a pipe. */
static pid_t hold_lock(const char *path, int *release)
{
	int ready[2], go[2];
	pid_t pid;
	char c;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(path, O_RDONLY | O_DIRECTORY);

		if (fd < 0 || flock(fd, LOCK_EX) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		/* Holds the lock until the parent closes go[1]. */
		close(go[1]);
		if (read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	*release = go[1];
	return pid;
}

static void release_lock(pid_t pid, int release)
{
	int status;

	close(release);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_lock_held_elsewhere(void **state)
{
	cleanup_pod struct pod *p = NULL, *q = NULL;
	struct error *err = NULL;
	char uuid[POD_UUID_LEN + 1];
	int release;
	pid_t pid;

	(void)state;
	p = create();
	snprintf(uuid, sizeof(uuid), "%s", p->uuid);
	assert_int_equal(pod_move(p, POD_RUN, &err), 0);
	pod_free(p);
	p = NULL;

	assert_int_equal(pod_open(tmpdir, uuid, &q, &err), 0);
	assert_false(q->locked);
	assert_false(pod_lock_held_elsewhere(q));

	pid = hold_lock(q->path, &release);
	assert_true(pod_lock_held_elsewhere(q));
	assert_int_equal(pod_lock(q, false, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->code, EWOULDBLOCK);
	assert_non_null(strstr(err->message, "in use"));
	error_free(&err);
	assert_false(q->locked);
	release_lock(pid, release);

	assert_false(pod_lock_held_elsewhere(q));
	assert_int_equal(pod_lock(q, false, &err), 0);
	assert_true(q->locked);
	/* Our own lock is not someone else's. */
	assert_false(pod_lock_held_elsewhere(q));
}

static void test_lock_wait(void **state)
{
	cleanup_pod struct pod *p = NULL, *q = NULL;
	struct error *err = NULL;
	int release;
	pid_t pid;

	(void)state;
	p = create();
	assert_int_equal(pod_open(tmpdir, p->uuid, &q, &err), 0);
	pod_unlock(p);
	pid = hold_lock(q->path, &release);
	/* A child releases after a moment; the blocking lock then wins. */
	{
		pid_t waiter = fork();

		assert_true(waiter >= 0);
		if (waiter == 0) {
			usleep(100 * 1000);
			close(release);
			_exit(0);
		}
	}
	close(release);
	assert_int_equal(pod_lock(q, true, &err), 0);
	assert_true(q->locked);
	while (wait(NULL) > 0)
		;
	(void)pid;
}

/* A pod moved by someone else after we opened it: lock re-finds it. */
static void test_lock_refreshes_state(void **state)
{
	cleanup_pod struct pod *p = NULL, *q = NULL;
	struct error *err = NULL;

	(void)state;
	p = create();
	assert_int_equal(pod_open(tmpdir, p->uuid, &q, &err), 0);
	assert_int_equal(q->state, POD_EMBRYO);
	assert_int_equal(pod_move(p, POD_PREPARED, &err), 0);
	pod_free(p);
	p = NULL;
	assert_int_equal(pod_lock(q, false, &err), 0);
	assert_int_equal(q->state, POD_PREPARED);
	assert_non_null(strstr(q->path, "/pods/prepared/"));
}

static void test_open_prefix(void **state)
{
	cleanup_pod struct pod *a = NULL, *b = NULL, *o = NULL;
	struct error *err = NULL;
	char prefix[16], upper[POD_UUID_LEN + 1];
	size_t n = 1;

	(void)state;
	a = create();
	b = create();
	/* The shortest prefix of a that b does not share. */
	while (!strncmp(a->uuid, b->uuid, n))
		n++;
	snprintf(prefix, sizeof(prefix), "%.*s", (int)n, a->uuid);
	assert_int_equal(pod_open(tmpdir, prefix, &o, &err), 0);
	assert_string_equal(o->uuid, a->uuid);
	assert_int_equal(o->state, POD_EMBRYO);
	assert_false(o->locked);
	pod_free(o);
	o = NULL;

	/* The full UUID, in any case. */
	for (size_t i = 0; i <= POD_UUID_LEN; i++)
		upper[i] = (char)(b->uuid[i] >= 'a' && b->uuid[i] <= 'f'
					  ? b->uuid[i] - 'a' + 'A'
					  : b->uuid[i]);
	assert_int_equal(pod_open(tmpdir, upper, &o, &err), 0);
	assert_string_equal(o->uuid, b->uuid);
	pod_free(o);
	o = NULL;

	/* Found in whatever state it is in. */
	assert_int_equal(pod_move(b, POD_EXITED_GARBAGE, &err), 0);
	assert_int_equal(pod_open(tmpdir, b->uuid, &o, &err), 0);
	assert_int_equal(o->state, POD_EXITED_GARBAGE);
}

static void test_open_ambiguous_unknown(void **state)
{
	struct pod *o = NULL;
	struct error *err = NULL;

	(void)state;
	/* Two hand-made pods sharing "abcd" are ambiguous for "abcd". */
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/pods", tmpdir);
		assert_int_equal(mkdir(path, 0700), 0);
		snprintf(path, sizeof(path), "%s/pods/prepared", tmpdir);
		assert_int_equal(mkdir(path, 0700), 0);
		snprintf(path, sizeof(path), "%s/pods/run", tmpdir);
		assert_int_equal(mkdir(path, 0700), 0);

		snprintf(
			path, sizeof(path),
			"%s/pods/prepared/abcd0000-0000-4000-8000-000000000001",
			tmpdir);
		assert_int_equal(mkdir(path, 0700), 0);
		snprintf(path, sizeof(path),
			 "%s/pods/run/abcd0000-0000-4000-8000-000000000002",
			 tmpdir);
		assert_int_equal(mkdir(path, 0700), 0);
		assert_int_equal(pod_open(tmpdir, "abcd", &o, &err), -1);
		assert_int_equal(err->code, EINVAL);
		assert_non_null(strstr(err->message, "ambiguous"));
		assert_non_null(strstr(err->message, "abcd0000"));
		error_free(&err);
		assert_int_equal(
			pod_open(tmpdir, "abcd0000-0000-4000-8000-000000000002",
				 &o, &err),
			0);
		assert_int_equal(o->state, POD_RUN);
		pod_free(o);
		o = NULL;
		assert_int_equal(pod_open(tmpdir,
					  "abcd0000-0000-4000-8000-0000000000",
					  &o, &err),
				 -1);
		error_free(&err);
	}
	/* Unknown. */
	assert_int_equal(pod_open(tmpdir, "ffffffff-0000", &o, &err), -1);
	assert_int_equal(err->code, ENOENT);
	assert_non_null(strstr(err->message, "no pod matches"));
	error_free(&err);
	assert_int_equal(pod_open(tmpdir,
				  "ffffffff-0000-4000-8000-000000000000", &o,
				  &err),
			 -1);
	assert_int_equal(err->code, ENOENT);
	error_free(&err);
	/* Not a UUID at all: no path tricks. */
	assert_int_equal(pod_open(tmpdir, "../../etc", &o, &err), -1);
	assert_int_equal(err->code, EINVAL);
	assert_non_null(strstr(err->message, "not a pod UUID"));
	error_free(&err);
	assert_int_equal(pod_open(tmpdir, "", &o, &err), -1);
	error_free(&err);
	assert_null(o);
}

static void test_list(void **state)
{
	struct pod *made[4] = {0};
	struct pod **pods = NULL;
	struct error *err = NULL;
	size_t count = 99;
	char path[256];

	(void)state;
	/* No pods dir at all: an empty list. */
	assert_int_equal(pod_list(tmpdir, &pods, &count, &err), 0);
	assert_int_equal(count, 0);
	pod_list_free(pods, count);

	for (int i = 0; i < 4; i++)
		made[i] = create();
	assert_int_equal(pod_move(made[1], POD_PREPARED, &err), 0);
	assert_int_equal(pod_move(made[2], POD_RUN, &err), 0);
	assert_int_equal(pod_move(made[3], POD_GARBAGE, &err), 0);
	/* Stray names are not pods. */
	snprintf(path, sizeof(path), "%s/pods/run/not-a-uuid", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);

	assert_int_equal(pod_list(tmpdir, &pods, &count, &err), 0);
	assert_int_equal(count, 4);
	for (size_t i = 0; i < count; i++) {
		if (i)
			assert_true(strcmp(pods[i - 1]->uuid, pods[i]->uuid) <
				    0);
		assert_false(pods[i]->locked);
		for (int m = 0; m < 4; m++)
			if (!strcmp(made[m]->uuid, pods[i]->uuid))
				assert_int_equal(pods[i]->state,
						 made[m]->state);
	}
	pod_list_free(pods, count);
	for (int i = 0; i < 4; i++)
		pod_free(made[i]);
}

static void test_files(void **state)
{
	cleanup_pod struct pod *p = NULL;
	struct error *err = NULL;
	char *data;
	size_t len = 0;
	char path[512];

	(void)state;
	p = create();
	assert_int_equal(pod_write_file(p, "state.json", "{\"a\":1}", 7, &err),
			 0);
	data = pod_read_file(p, "state.json", 100, &len, &err);
	assert_non_null(data);
	assert_int_equal(len, 7);
	assert_string_equal(data, "{\"a\":1}");
	free(data);
	/* Rewrite replaces, no temp files stay behind. */
	assert_int_equal(pod_write_file(p, "state.json", "xy", 2, &err), 0);
	data = pod_read_file(p, "state.json", 2, &len, &err);
	assert_non_null(data);
	assert_string_equal(data, "xy");
	free(data);
	snprintf(path, sizeof(path), "ls -A '%s' | grep -q tmp", p->path);
	assert_int_not_equal(system(path), 0);
	/* Bounded. */
	assert_null(pod_read_file(p, "state.json", 1, &len, &err));
	assert_int_equal(err->code, EFBIG);
	error_free(&err);
	/* Missing. */
	assert_null(pod_read_file(p, "nope", 10, &len, &err));
	assert_int_equal(err->code, ENOENT);
	error_free(&err);
	/* In a subfolder that exists. */
	snprintf(path, sizeof(path), "%s/stage1", p->path);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(pod_write_file(p, "stage1/x", "1", 1, &err), 0);
	data = pod_read_file(p, "stage1/x", 10, NULL, &err);
	assert_non_null(data);
	free(data);
	/* Names that leave the pod are refused. */
	assert_int_equal(pod_write_file(p, "../evil", "1", 1, &err), -1);
	error_free(&err);
	assert_int_equal(pod_write_file(p, "/tmp/evil", "1", 1, &err), -1);
	error_free(&err);
	assert_int_equal(pod_write_file(p, "a/../../b", "1", 1, &err), -1);
	error_free(&err);
	assert_null(pod_read_file(p, "..", 10, NULL, &err));
	error_free(&err);
	/* A symlink is not followed. */
	snprintf(path, sizeof(path), "%s/link", p->path);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_null(pod_read_file(p, "link", 100000, NULL, &err));
	assert_int_equal(err->code, ELOOP);
	error_free(&err);
	/* Files follow the pod through moves (the fd is the anchor). */
	assert_int_equal(pod_move(p, POD_RUN, &err), 0);
	data = pod_read_file(p, "stage1/x", 10, NULL, &err);
	assert_non_null(data);
	assert_string_equal(data, "1");
	free(data);
}

static void test_marked_time(void **state)
{
	cleanup_pod struct pod *p = NULL;
	struct error *err = NULL;
	struct timespec t, old = {.tv_sec = 1000000};
	struct timespec times[2] = {old, old};

	(void)state;
	p = create();
	assert_int_equal(futimens(p->dirfd, times), 0);
	assert_int_equal(pod_move(p, POD_PREPARED, &err), 0);
	assert_int_equal(pod_marked_time(p, &t, &err), 0);
	/* Not garbage yet: untouched. */
	assert_int_equal(t.tv_sec, 1000000);
	assert_int_equal(pod_move(p, POD_GARBAGE, &err), 0);
	assert_int_equal(pod_marked_time(p, &t, &err), 0);
	assert_true(t.tv_sec > time(NULL) - 60);
}

static void test_wait_unlocked(void **state)
{
	cleanup_pod struct pod *p = NULL, *q = NULL;
	struct error *err = NULL;
	int release;
	pid_t pid;

	(void)state;
	p = create();
	assert_int_equal(pod_open(tmpdir, p->uuid, &q, &err), 0);
	/* We hold it ourselves: refused, not a deadlock. */
	assert_int_equal(pod_wait_unlocked(p, 10, &err), -1);
	assert_int_equal(err->code, EDEADLK);
	error_free(&err);
	pod_unlock(p);
	assert_int_equal(pod_wait_unlocked(q, 0, &err), 0);
	pid = hold_lock(q->path, &release);
	assert_int_equal(pod_wait_unlocked(q, 50, &err), -1);
	assert_int_equal(err->code, ETIMEDOUT);
	error_free(&err);
	/* The holder is the child, by /proc/locks. */
	assert_int_equal(pod_lock_holder(q), pid);
	release_lock(pid, release);
	assert_int_equal(pod_wait_unlocked(q, 1000, &err), 0);
	assert_int_equal(pod_wait_unlocked(q, -1, &err), 0);
	assert_int_equal(pod_lock_holder(q), 0);
	assert_int_equal(pod_lock(q, false, &err), 0);
	assert_int_equal(pod_lock_holder(q), getpid());
}

static void test_destroy(void **state)
{
	cleanup_pod struct pod *p = NULL;
	struct error *err = NULL;
	char path[512], cmd[600];

	(void)state;
	p = create();
	/* A tree with a symlink out and an unreadable directory. */
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && mkdir -p a/b/c d && echo x > a/b/c/f && "
		 "ln -s /etc a/etc && ln -s %s/keep a/keep && "
		 "chmod 000 d && mkdir -p %s/keep && touch %s/keep/f",
		 p->path, tmpdir, tmpdir, tmpdir);
	assert_int_equal(system(cmd), 0);
	/* Only garbage is destroyed. */
	assert_int_equal(pod_destroy(p, &err), -1);
	assert_int_equal(err->code, EINVAL);
	error_free(&err);
	assert_int_equal(pod_move(p, POD_GARBAGE, &err), 0);
	pod_unlock(p);
	assert_int_equal(pod_destroy(p, &err), -1);
	assert_int_equal(err->code, EPERM);
	error_free(&err);
	assert_int_equal(pod_lock(p, false, &err), 0);
	assert_int_equal(pod_destroy(p, &err), 0);
	assert_null(err);
	assert_false(exists("%s/pods/garbage/%s%s", p->uuid, ""));
	/* Symlinks were removed, not followed. */
	snprintf(path, sizeof(path), "%s/keep/f", tmpdir);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(access("/etc/passwd", F_OK), 0);
}

static void test_stale_embryos(void **state)
{
	cleanup_pod struct pod *p = NULL;
	struct error *err = NULL;
	struct timespec old[2] = {{.tv_sec = 1000}, {.tv_sec = 1000}};
	char stale[256], fresh[256], locked[256];
	unsigned removed = 99;
	int release;
	pid_t pid;

	(void)state;
	assert_int_equal(pod_remove_stale_embryos(tmpdir, &removed, &err), 0);
	assert_int_equal(removed, 0);
	p = create();
	snprintf(stale, sizeof(stale),
		 "%s/pods/embryo/.00000000-0000-4000-8000-000000000001",
		 tmpdir);
	snprintf(fresh, sizeof(fresh),
		 "%s/pods/embryo/.00000000-0000-4000-8000-000000000002",
		 tmpdir);
	snprintf(locked, sizeof(locked),
		 "%s/pods/embryo/.00000000-0000-4000-8000-000000000003",
		 tmpdir);
	assert_int_equal(mkdir(stale, 0700), 0);
	assert_int_equal(mkdir(fresh, 0700), 0);
	assert_int_equal(mkdir(locked, 0700), 0);
	assert_int_equal(utimensat(AT_FDCWD, stale, old, 0), 0);
	assert_int_equal(utimensat(AT_FDCWD, locked, old, 0), 0);
	pid = hold_lock(locked, &release);
	assert_int_equal(pod_remove_stale_embryos(tmpdir, &removed, &err), 0);
	assert_int_equal(removed, 1);
	release_lock(pid, release);
	assert_int_equal(access(stale, F_OK), -1);
	assert_int_equal(access(fresh, F_OK), 0);
	assert_int_equal(access(locked, F_OK), 0);
	/* Real pods are not touched. */
	assert_int_equal(access(p->path, F_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid_format),
		cmocka_unit_test(test_state_dirs),
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_move_all_states, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_move_needs_lock, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lock_held_elsewhere, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lock_wait, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lock_refreshes_state,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_prefix, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_ambiguous_unknown,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marked_time, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wait_unlocked, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_embryos, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
