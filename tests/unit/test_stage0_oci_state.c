// SPDX-License-Identifier: Apache-2.0
/*
 * stage0/oci_state.c and the pure parts of oci_commands.c: container IDs,
 * the status a container directory stands for (OCI runtime spec
 * runtime.md "State"), the state JSON, signal names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/error.h"
#include "stage0/oci_commands.h"
#include "stage0/oci_state.h"

#define UUID "1a2b3c4d-0000-4000-8000-000000000000"

static char root[64];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/oci-state-XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

/* A container "c1" whose shim is pid with start time start. */
static void write_container(int pid, unsigned long long start)
{
	struct oci_container c = {0};
	struct error *err = NULL;
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/c1", root);
	mkdir(dir, 0700);
	c.root = root;
	c.dir = dir;
	c.id = "c1";
	c.bundle = "/bundle";
	snprintf(c.uuid, sizeof(c.uuid), "%s", UUID);
	c.pid = pid;
	c.pid_start = start;
	c.created = "2026-11-29T00:00:00Z";
	c.annotations = json_object_new_object();
	json_object_object_add(c.annotations, "k", json_object_new_string("v"));
	assert_int_equal(oci_container_save(&c, &err), 0);
	assert_null(err);
	json_object_put(c.annotations);
}

static enum oci_status load_status(struct oci_container *c)
{
	struct error *err = NULL;

	assert_int_equal(oci_container_load(root, "c1", c, &err), 0);
	assert_null(err);
	return oci_container_status(c);
}

/* --root: parents made 0711, the root 0700, existing ones fine. */
static void test_root_mkdir(void **state)
{
	struct error *err = NULL;
	char path[128], parent[128];
	struct stat st;

	(void)state;
	snprintf(parent, sizeof(parent), "%s/runc", root);
	snprintf(path, sizeof(path), "%s/runc/default/", root);
	assert_int_equal(oci_root_mkdir(path, &err), 0);
	assert_null(err);
	assert_int_equal(stat(parent, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
	snprintf(path, sizeof(path), "%s/runc/default", root);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	/* again: everything exists */
	assert_int_equal(oci_root_mkdir(path, &err), 0);
	assert_null(err);
	/* a file in the way is an error naming it */
	snprintf(path, sizeof(path), "%s/runc/file", root);
	fclose(fopen(path, "w"));
	snprintf(path, sizeof(path), "%s/runc/file/x", root);
	assert_int_equal(oci_root_mkdir(path, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->code, ENOTDIR);
	assert_non_null(strstr(err->message, "runc/file"));
	error_free(&err);
	assert_int_equal(oci_root_mkdir("", &err), -1);
	error_free(&err);
}

static void test_ids(void **state)
{
	(void)state;
	assert_true(oci_id_valid("abc"));
	assert_true(oci_id_valid("a-b_c.d+e"));
	assert_true(oci_id_valid("0123456789abcdef0123456789abcdef"));
	assert_false(oci_id_valid(""));
	assert_false(oci_id_valid("."));
	assert_false(oci_id_valid(".."));
	assert_false(oci_id_valid("a/b"));
	assert_false(oci_id_valid("a b"));
	assert_false(oci_id_valid("cocoon")); /* the pods' own directory */
}

static void test_signals(void **state)
{
	(void)state;
	assert_int_equal(oci_signal_parse("9"), SIGKILL);
	assert_int_equal(oci_signal_parse("KILL"), SIGKILL);
	assert_int_equal(oci_signal_parse("SIGTERM"), SIGTERM);
	assert_int_equal(oci_signal_parse("sigusr1"), SIGUSR1);
	assert_int_equal(oci_signal_parse("0"), 0);
	assert_int_equal(oci_signal_parse("65"), 0);
	assert_int_equal(oci_signal_parse("NOPE"), 0);
	assert_int_equal(oci_signal_parse("9x"), 0);
	assert_int_equal(oci_signal_parse(""), 0);
}

static void test_missing_and_creating(void **state)
{
	struct oci_container c;
	struct error *err = NULL;
	char dir[128];

	(void)state;
	assert_int_equal(oci_container_load(root, "c1", &c, &err), -1);
	assert_int_equal(err->code, ENOENT);
	error_free(&err);
	oci_container_free(&c);
	assert_int_equal(oci_container_load(root, "../etc", &c, &err), -1);
	assert_non_null(strstr(err->message, "invalid container ID"));
	error_free(&err);
	oci_container_free(&c);

	/* a directory without oci.json: create has not finished */
	snprintf(dir, sizeof(dir), "%s/c1", root);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(load_status(&c), OCI_CREATING);
	oci_container_free(&c);
}

static void test_created_running_stopped(void **state)
{
	struct oci_container c;
	struct json_object *j, *v;
	struct error *err = NULL;
	int me = (int)getpid();
	unsigned long long start = oci_proc_start_time(me);

	(void)state;
	assert_true(start > 0);
	write_container(me, start);
	assert_int_equal(load_status(&c), OCI_CREATED);
	assert_string_equal(c.uuid, UUID);
	assert_string_equal(c.bundle, "/bundle");
	j = oci_state_json(&c);
	assert_true(json_object_object_get_ex(j, "status", &v));
	assert_string_equal(json_object_get_string(v), "created");
	assert_true(json_object_object_get_ex(j, "pid", &v));
	assert_int_equal(json_object_get_int(v), me);
	assert_true(json_object_object_get_ex(j, "ociVersion", &v));
	assert_true(json_object_object_get_ex(j, "annotations", &v));
	assert_true(json_object_object_get_ex(v, "k", &v));
	json_object_put(j);

	assert_int_equal(oci_marker_create(&c, "started", &err), 0);
	assert_true(oci_marker_exists(&c, "started"));
	assert_int_equal(oci_container_status(&c), OCI_RUNNING);
	oci_container_free(&c);

	/* same pid, another start time: a recycled pid is not the shim */
	write_container(me, start + 1);
	assert_int_equal(load_status(&c), OCI_STOPPED);
	j = oci_state_json(&c);
	assert_false(json_object_object_get_ex(j, "pid", &v));
	json_object_put(j);
	oci_container_free(&c);
}

static void test_dead_and_zombie_shim(void **state)
{
	struct oci_container c;
	unsigned long long start;
	pid_t child;

	(void)state;
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	start = oci_proc_start_time(child);
	assert_true(start > 0);
	write_container(child, start);
	assert_int_equal(load_status(&c), OCI_CREATED);
	oci_container_free(&c);
	/* ended but not reaped: the engine's wait is what is left */
	kill(child, SIGKILL);
	while (oci_proc_start_time(child) != 0)
		usleep(1000);
	assert_int_equal(load_status(&c), OCI_STOPPED);
	oci_container_free(&c);
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_int_equal(load_status(&c), OCI_STOPPED);
	oci_container_free(&c);
}

static void test_incomplete_state_file(void **state)
{
	struct oci_container c;
	struct error *err = NULL;
	char path[128];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/c1", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/c1/oci.json", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"pid\": 1}", f);
	fclose(f);
	assert_int_equal(oci_container_load(root, "c1", &c, &err), -1);
	assert_non_null(strstr(err->message, "incomplete"));
	error_free(&err);
	oci_container_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test_setup_teardown(test_root_mkdir, setup,
						teardown),
		cmocka_unit_test(test_signals),
		cmocka_unit_test_setup_teardown(test_missing_and_creating,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_created_running_stopped,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_dead_and_zombie_shim,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_incomplete_state_file,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
