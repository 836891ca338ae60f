// SPDX-License-Identifier: Apache-2.0
/*
 * ListenEvents' snapshots on a temp --dir: pods appearing, moving
 * between state folders, locked (running) and unlocked (exited), and
 * removed give the events docs/api.md lists, once each; /proc/locks
 * tells a locked pod directory without taking its lock; apps starting and
 * exiting in a running pod's state.json give app events, each once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "images/store.h"
#include "stage0/api_events.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define UUID "0c4d9e2b-1111-4222-8333-444455556666"

struct fixture {
	char dir[64];
	struct api_events *events;
	char got[1024]; /* "type:state|..." since the last look */
};

static void path(struct fixture *f, char *out, size_t size, const char *state)
{
	snprintf(out, size, "%s/pods/%s/" UUID, f->dir, state);
}

static int setup(void **state)
{
	static const char *const states[] = {"embryo",	       "prepare",
					     "prepared",       "run",
					     "exited-garbage", "garbage"};
	struct fixture *f = calloc(1, sizeof(*f));
	struct error *err = NULL;
	char p[256];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/cocoon-api-events.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(p, sizeof(p), "%s/pods", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		snprintf(p, sizeof(p), "%s/pods/%s", f->dir, states[i]);
		assert_int_equal(mkdir(p, 0755), 0);
	}
	assert_int_equal(api_events_new(f->dir, -1, &f->events, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	api_events_free(f->events);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void collect(struct json_object *ev, void *arg)
{
	struct fixture *f = arg;
	struct json_object *t, *id, *data, *st = NULL;
	size_t n = strlen(f->got);

	assert_true(json_object_object_get_ex(ev, "type", &t));
	assert_true(json_object_object_get_ex(ev, "id", &id));
	if (strncmp(json_object_get_string(id), "sha512-", 7))
		assert_string_equal(json_object_get_string(id), UUID);
	assert_true(json_object_object_get_ex(ev, "data", &data));
	json_object_object_get_ex(data, "state", &st);
	n += (size_t)snprintf(f->got + n, sizeof(f->got) - n, "%s:%s",
			      json_object_get_string(t),
			      st ? json_object_get_string(st) : "-");
	/* app events: the app, and how it ended */
	if (!strncmp(json_object_get_string(t), "app-", 4)) {
		struct json_object *from, *status = NULL, *sig = NULL;

		assert_true(json_object_object_get_ex(ev, "from", &from));
		n += (size_t)snprintf(f->got + n, sizeof(f->got) - n, "@%s",
				      json_object_get_string(from));
		if (json_object_object_get_ex(data, "status", &status) &&
		    json_object_object_get_ex(data, "signal", &sig))
			n += (size_t)snprintf(f->got + n, sizeof(f->got) - n,
					      "=%d/%d",
					      json_object_get_int(status),
					      json_object_get_int(sig));
	}
	snprintf(f->got + n, sizeof(f->got) - n, "|");
	json_object_put(ev);
}

static const char *scan(struct fixture *f)
{
	f->got[0] = '\0';
	api_events_scan(f->events, collect, f);
	return f->got;
}

static void move(struct fixture *f, const char *from, const char *to)
{
	char a[256], b[256];

	path(f, a, sizeof(a), from);
	path(f, b, sizeof(b), to);
	assert_int_equal(rename(a, b), 0);
}

static void test_lifecycle(void **state)
{
	struct fixture *f = *state;
	char p[256];
	int fd;

	assert_string_equal(scan(f), "");
	path(f, p, sizeof(p), "prepare");
	assert_int_equal(mkdir(p, 0755), 0);
	/* app names ("from") come from stage0.json when it is there */
	assert_string_equal(scan(f), "pod-created:preparing|");
	assert_string_equal(scan(f), "");
	move(f, "prepare", "prepared");
	assert_string_equal(scan(f), "pod-prepared:prepared|");
	move(f, "prepared", "run");
	path(f, p, sizeof(p), "run");
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_false(api_pod_dir_locked(fd));
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_true(api_pod_dir_locked(fd));
	assert_string_equal(scan(f), "pod-started:running|");
	assert_string_equal(scan(f), "");
	flock(fd, LOCK_UN);
	close(fd);
	assert_string_equal(scan(f), "pod-exited:exited|");
	move(f, "run", "exited-garbage");
	assert_string_equal(scan(f), "pod-garbage-collected:exited garbage|");
	path(f, p, sizeof(p), "exited-garbage");
	assert_int_equal(rmdir(p), 0);
	assert_string_equal(scan(f), "pod-removed:-|");
}

/* Writes FILE in the pod's folder STATE (atomically, as cocoon does). */
static void put(struct fixture *f, const char *state, const char *file,
		const char *text)
{
	char dir[256], p[320], tmp[330];
	FILE *out;

	path(f, dir, sizeof(dir), state);
	snprintf(p, sizeof(p), "%s/%s", dir, file);
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	out = fopen(tmp, "w");
	assert_non_null(out);
	fputs(text, out);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(rename(tmp, p), 0);
}

static void test_app_events(void **state)
{
	struct fixture *f = *state;
	char p[256];
	int fd;

	path(f, p, sizeof(p), "run");
	assert_int_equal(mkdir(p, 0755), 0);
	put(f, "run", "stage0.json",
	    "{\"apps\":[{\"name\":\"web\"},{\"name\":\"db\"}]}");
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_string_equal(scan(f),
			    "pod-created:running|pod-started:running|");
	put(f, "run", "state.json", "{\"apps\":{\"web\":{\"pid\":31}}}");
	assert_string_equal(scan(f), "app-started:running@web|");
	assert_string_equal(scan(f), "");
	/* db started and web ended between two looks */
	put(f, "run", "state.json",
	    "{\"apps\":{\"web\":{\"pid\":31,\"status\":3,\"signal\":0},"
	    "\"db\":{\"pid\":32}}}");
	assert_string_equal(scan(f), "app-started:running@db|"
				     "app-exited:running@web=3/0|");
	assert_string_equal(scan(f), "");
	/* db killed and the pod over between two looks: the app's exit
	 * comes before the pod's */
	put(f, "run", "state.json",
	    "{\"apps\":{\"web\":{\"pid\":31,\"status\":3,\"signal\":0},"
	    "\"db\":{\"pid\":32,\"status\":-1,\"signal\":9}}}");
	close(fd);
	assert_string_equal(scan(f), "app-exited:exited@db=-1/9|"
				     "pod-exited:exited|");
	/* leaving run/ tells nothing more of the apps */
	move(f, "run", "exited-garbage");
	assert_string_equal(scan(f), "pod-garbage-collected:exited garbage|");
}

/* A pod seen for the first time already running: its apps' past is told
 * after its own (it all happened while listening). */
static void test_app_events_new_pod(void **state)
{
	struct fixture *f = *state;
	char p[256];
	int fd;

	path(f, p, sizeof(p), "run");
	assert_int_equal(mkdir(p, 0755), 0);
	put(f, "run", "stage0.json", "{\"apps\":[{\"name\":\"web\"}]}");
	put(f, "run", "state.json",
	    "{\"apps\":{\"web\":{\"pid\":31,\"status\":0,\"signal\":0}}}");
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_string_equal(scan(f), "pod-created:running|pod-started:running|"
				     "app-started:running@web|"
				     "app-exited:running@web=0/0|");
	close(fd);
}

static void test_missed_steps(void **state)
{
	struct fixture *f = *state;
	char p[256];
	int fd;

	/* Created, run and gone to garbage between two scans while
	 * running: every step is still told, in order. */
	path(f, p, sizeof(p), "run");
	assert_int_equal(mkdir(p, 0755), 0);
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	assert_string_equal(scan(f),
			    "pod-created:running|pod-started:running|");
	close(fd);
	move(f, "run", "garbage");
	assert_string_equal(
		scan(f), "pod-exited:garbage|pod-garbage-collected:garbage|");
	/* A preparation that failed is aborted, not collected. */
	path(f, p, sizeof(p), "garbage");
	assert_int_equal(rmdir(p), 0);
	assert_string_equal(scan(f), "pod-removed:-|");
	path(f, p, sizeof(p), "prepare");
	assert_int_equal(mkdir(p, 0755), 0);
	assert_string_equal(scan(f), "pod-created:preparing|");
	move(f, "prepare", "garbage");
	assert_string_equal(scan(f), "pod-prepare-aborted:garbage|");
}

static void test_images(void **state)
{
	struct fixture *f = *state;
	struct store_image img = {
		.id = (char *)"sha512-0123456789abcdef",
		.name = (char *)"example.com/web",
		.type = (char *)"aci",
		.manifest = (char *)"{}",
	};
	struct error *err = NULL;
	struct store *s = NULL;

	assert_int_equal(store_open(f->dir, false, &s, &err), 0);
	assert_int_equal(store_image_add(s, &img, NULL, 0, NULL, 0, &err), 0);
	assert_string_equal(scan(f), "image-imported:-|");
	assert_string_equal(scan(f), "");
	/* Removed and fetched again between two looks: both are told. */
	assert_int_equal(store_image_remove(s, img.id, &err), 0);
	sleep(1); /* import times are in seconds */
	assert_int_equal(store_image_add(s, &img, NULL, 0, NULL, 0, &err), 0);
	assert_string_equal(scan(f), "image-removed:-|image-imported:-|");
	assert_int_equal(store_image_remove(s, img.id, &err), 0);
	assert_string_equal(scan(f), "image-removed:-|");
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lifecycle, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_app_events, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_app_events_new_pod, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_missed_steps, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_images, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
