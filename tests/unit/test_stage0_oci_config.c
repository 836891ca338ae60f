// SPDX-License-Identifier: Apache-2.0
/*
 * stage0/oci_config.c: an OCI config.json (runtime spec config.md) made
 * into a cocoon pod's stage0.json, `pod` and runtime.json, and the
 * configs it must refuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "stage0/oci_config.h"

#define UUID "1a2b3c4d-0000-4000-8000-000000000000"

/* What `crun spec` writes, with the members engines commonly add. */
static const char full_config[] =
	"{\"ociVersion\": \"1.0.0\","
	" \"process\": {\"terminal\": true,"
	"  \"user\": {\"uid\": 1000, \"gid\": 100, \"additionalGids\": [5, 6]},"
	"  \"args\": [\"/bin/sh\", \"-c\", \"echo hi\"],"
	"  \"env\": [\"PATH=/usr/bin:/bin\", \"TERM=xterm\", \"EMPTY=\","
	"           \"EQ=a=b\"],"
	"  \"cwd\": \"/work\","
	"  \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\"],"
	"                   \"effective\": [\"CAP_KILL\"]},"
	"  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024,"
	"                \"soft\": 512}],"
	"  \"noNewPrivileges\": true},"
	" \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
	" \"hostname\": \"web-1\","
	" \"mounts\": ["
	"  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": "
	"\"proc\"},"
	"  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": "
	"\"tmpfs\", \"options\": [\"nosuid\", \"mode=755\"]},"
	"  {\"destination\": \"/dev/pts\", \"type\": \"devpts\"},"
	"  {\"destination\": \"/sys\", \"type\": \"sysfs\"},"
	"  {\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"options\": "
	"[\"mode=1777\"]},"
	"  {\"destination\": \"/data\", \"type\": \"bind\", \"source\": "
	"\"/srv/data\", \"options\": [\"rbind\", \"ro\"]},"
	"  {\"destination\": \"/out\", \"source\": \"/srv/out\", "
	"\"options\": [\"bind\", \"rw\"]}],"
	" \"linux\": {\"resources\": {\"memory\": {\"limit\": 268435456},"
	"  \"cpu\": {\"quota\": 150000, \"period\": 100000}},"
	"  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}],"
	"  \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\"}},"
	" \"annotations\": {\"org.example\": \"x\"}}";

static struct json_object *member(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, k, &v));
	return v;
}

static const char *str(struct json_object *o, const char *k)
{
	return json_object_get_string(member(o, k));
}

static void build_ok(const char *cfg, struct oci_plan *p)
{
	struct error *err = NULL;

	if (oci_plan_build(cfg, strlen(cfg), "/b", UUID, p, &err) < 0) {
		print_error("unexpected error: %s\n", err->message);
		error_free(&err);
		fail();
	}
	assert_null(err);
}

static void build_bad(const char *cfg, const char *want)
{
	struct oci_plan p;
	struct error *err = NULL;

	assert_int_equal(oci_plan_build(cfg, strlen(cfg), "/b", UUID, &p, &err),
			 -1);
	assert_non_null(err);
	if (!strstr(err->message, want)) {
		print_error("error \"%s\" lacks \"%s\"\n", err->message, want);
		error_free(&err);
		fail();
	}
	assert_null(p.runtime);
	assert_null(p.root_path);
	error_free(&err);
}

static void test_full_config(void **state)
{
	struct json_object *app, *env, *mounts, *m, *vols;
	struct oci_plan p;

	(void)state;
	build_ok(full_config, &p);
	assert_string_equal(p.root_path, "/b/rootfs");
	assert_true(p.root_readonly);
	assert_true(p.terminal);
	assert_int_equal(p.memory_mib, 256);
	assert_int_equal(p.cpus, 2); /* 1.5 CPUs rounds up */

	assert_string_equal(str(p.runtime, "hostname"), "web-1");
	assert_string_equal(str(p.runtime, "uuid"), UUID);
	assert_string_equal(str(p.runtime, "share"), "pod");
	assert_true(json_object_get_boolean(member(p.runtime, "interactive")));
	app = json_object_array_get_idx(member(p.runtime, "apps"), 0);
	assert_string_equal(str(app, "name"), OCI_APP_NAME);
	assert_string_equal(str(app, "rootfs"), "apps/app/rootfs");
	assert_int_equal(json_object_array_length(member(app, "exec")), 3);
	assert_string_equal(str(app, "user"), "1000");
	assert_string_equal(str(app, "group"), "100");
	assert_int_equal(
		json_object_array_length(member(app, "supplementary_gids")), 2);
	assert_string_equal(str(app, "working_dir"), "/work");
	assert_true(json_object_get_boolean(member(app, "readonly_rootfs")));
	assert_true(json_object_get_boolean(member(app, "tty")));
	assert_true(json_object_get_boolean(member(app, "stdin")));
	/* bounding, not effective, is the set the app keeps */
	assert_int_equal(json_object_array_length(member(app, "capabilities")),
			 2);
	assert_string_equal(str(member(app, "seccomp"), "mode"), "default");
	assert_string_equal(
		str(json_object_array_get_idx(member(app, "rlimits"), 0),
		    "type"),
		"RLIMIT_NOFILE");

	env = member(app, "env");
	assert_int_equal(json_object_array_length(env), 4);
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
				    json_object_array_get_idx(env, 3), 0)),
			    "EQ");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
				    json_object_array_get_idx(env, 3), 1)),
			    "a=b");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
				    json_object_array_get_idx(env, 2), 1)),
			    "");

	/* /proc, /dev, /dev/pts, /sys are the guest's: three mounts left */
	mounts = member(app, "mounts");
	assert_int_equal(json_object_array_length(mounts), 3);
	m = json_object_array_get_idx(mounts, 0);
	assert_string_equal(str(m, "target"), "/tmp");
	assert_string_equal(str(m, "kind"), "empty");
	assert_int_equal(json_object_get_int(member(m, "mode")), 01777);
	m = json_object_array_get_idx(mounts, 1);
	assert_string_equal(str(m, "target"), "/data");
	assert_string_equal(str(m, "kind"), "host");
	assert_string_equal(str(m, "source"), "volumes/vol-0");
	assert_true(json_object_get_boolean(member(m, "readonly")));
	m = json_object_array_get_idx(mounts, 2);
	assert_string_equal(str(m, "source"), "volumes/vol-1");
	assert_false(json_object_get_boolean(member(m, "readonly")));

	assert_int_equal(p.nvols, 2);
	assert_string_equal(p.vols[0].source, "/srv/data");
	assert_true(p.vols[0].readonly);
	assert_string_equal(p.vols[1].name, "vol-1");
	assert_false(p.vols[1].readonly);

	assert_int_equal(json_object_get_int(member(p.stage0, "memory_mib")),
			 256);
	assert_int_equal(json_object_get_int(member(p.stage0, "cpus")), 2);
	assert_false(json_object_get_boolean(member(p.stage0, "overlay")));
	assert_true(json_object_get_boolean(member(p.stage0, "interactive")));
	vols = member(p.stage0, "volumes");
	assert_int_equal(json_object_array_length(vols), 2);
	assert_string_equal(str(json_object_array_get_idx(vols, 0), "source"),
			    "/srv/data");
	assert_string_equal(str(p.manifest, "acKind"), "PodManifest");
	assert_null(p.warnings);
	oci_plan_free(&p);
}

static void test_minimal_defaults(void **state)
{
	struct json_object *app;
	struct oci_plan p;

	(void)state;
	build_ok("{\"process\": {\"args\": [\"true\"]},"
		 " \"root\": {\"path\": \"/abs/root\"}}",
		 &p);
	assert_string_equal(p.root_path, "/abs/root");
	assert_false(p.root_readonly);
	assert_false(p.terminal);
	assert_int_equal(p.memory_mib, OCI_DEFAULT_MEMORY_MIB);
	assert_int_equal(p.cpus, 1);
	assert_string_equal(str(p.runtime, "hostname"), "pod-1a2b3c4d");
	app = json_object_array_get_idx(member(p.runtime, "apps"), 0);
	assert_string_equal(str(app, "user"), "0");
	assert_string_equal(str(app, "group"), "0");
	assert_string_equal(str(app, "working_dir"), "/");
	/* no linux.seccomp: no filter, as runc does */
	assert_string_equal(str(member(app, "seccomp"), "mode"), "none");
	assert_int_equal(json_object_array_length(member(app, "capabilities")),
			 0);
	assert_int_equal(
		json_object_get_int(member(p.stage0, "stop_timeout_ms")),
		10000);
	oci_plan_free(&p);
}

static void test_resources_and_annotations(void **state)
{
	struct oci_plan p;

	(void)state;
	/* a tiny limit is raised to what a guest needs; -1 is unlimited */
	build_ok("{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		 "\"r\"}, \"linux\": {\"resources\": {\"memory\": "
		 "{\"limit\": 1048576}}}}",
		 &p);
	assert_int_equal(p.memory_mib, OCI_MIN_MEMORY_MIB);
	oci_plan_free(&p);
	build_ok("{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		 "\"r\"}, \"linux\": {\"resources\": {\"memory\": "
		 "{\"limit\": -1}}}}",
		 &p);
	assert_int_equal(p.memory_mib, OCI_DEFAULT_MEMORY_MIB);
	oci_plan_free(&p);
	build_ok("{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		 "\"r\"}, \"linux\": {\"resources\": {\"memory\": "
		 "{\"limit\": 268435456}}}, \"annotations\": {"
		 "\"io.cocoon.memory_mib\": \"512\", \"io.cocoon.cpus\": \"3\","
		 " \"io.cocoon.seccomp\": \"none\","
		 " \"io.cocoon.stop_timeout_ms\": \"2500\"}}",
		 &p);
	assert_int_equal(p.memory_mib, 512);
	assert_int_equal(p.cpus, 3);
	assert_int_equal(
		json_object_get_int(member(p.stage0, "stop_timeout_ms")), 2500);
	oci_plan_free(&p);
	build_bad("{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		  "\"r\"}, \"annotations\": {\"io.cocoon.cpus\": \"0\"}}",
		  "io.cocoon.cpus");
	build_bad("{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		  "\"r\"}, \"annotations\": {\"io.cocoon.memory_mib\": "
		  "\"12x\"}}",
		  "io.cocoon.memory_mib");
	build_bad("{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		  "\"r\"}, \"annotations\": {\"io.cocoon.seccomp\": "
		  "\"off\"}}",
		  "io.cocoon.seccomp");
}

static void test_warnings(void **state)
{
	struct oci_plan p;

	(void)state;
	build_ok("{\"process\": {\"args\": [\"true\"], \"noNewPrivileges\": "
		 "false}, \"root\": {\"path\": \"r\"}, \"linux\": "
		 "{\"namespaces\": [{\"type\": \"network\", \"path\": "
		 "\"/run/netns/x\"}]}}",
		 &p);
	assert_non_null(p.warnings);
	assert_non_null(strstr(p.warnings, "no_new_privs"));
	/* A namespace path is wired to the VM, not warned about. */
	assert_null(strstr(p.warnings, "/run/netns/x"));
	oci_plan_free(&p);
}

/* The engine's network namespace becomes stage0.json's net.netns. */
static void test_network_namespace(void **state)
{
	struct json_object *net;
	struct oci_plan p;
	struct error *err = NULL;
	static const char with_path[] =
		"{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		"\"r\"}, \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, "
		"{\"type\": \"network\", \"path\": \"/run/netns/cni-1\"}]}}";
	static const char bad_path[] =
		"{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		"\"r\"}, \"linux\": {\"namespaces\": [{\"type\": "
		"\"network\", \"path\": \"netns/x\"}]}}";

	(void)state;
	build_ok(with_path, &p);
	assert_true(json_object_object_get_ex(p.stage0, "net", &net));
	assert_string_equal(
		json_object_get_string(json_object_object_get(net, "netns")),
		"/run/netns/cni-1");
	assert_int_equal(json_object_object_length(net), 1);
	oci_plan_free(&p);

	/* A new namespace (no path), or none named: loopback only. */
	build_ok("{\"process\": {\"args\": [\"true\"]}, \"root\": "
		 "{\"path\": \"r\"}, \"linux\": {\"namespaces\": "
		 "[{\"type\": \"network\"}]}}",
		 &p);
	assert_false(json_object_object_get_ex(p.stage0, "net", NULL));
	oci_plan_free(&p);
	build_ok("{\"process\": {\"args\": [\"true\"]}, \"root\": "
		 "{\"path\": \"r\"}}",
		 &p);
	assert_false(json_object_object_get_ex(p.stage0, "net", NULL));
	oci_plan_free(&p);

	assert_int_equal(oci_plan_build(bad_path, strlen(bad_path), "/b", UUID,
					&p, &err),
			 -1);
	assert_int_equal(err->code, EINVAL);
	assert_non_null(strstr(err->message, "network namespace path"));
	error_free(&err);

	/*
	 * A Kubernetes sandbox (pause) container, as containerd and CRI-O
	 * mark it, leaves the namespace to the app container; an app
	 * container of the same pod takes it.
	 */
	static const char *const sandbox[] = {
		"\"io.kubernetes.cri.container-type\": \"sandbox\"",
		"\"io.kubernetes.cri-o.ContainerType\": \"sandbox\"",
		"\"io.kubernetes.cri.container-type\": \"container\"",
	};
	for (size_t i = 0; i < 3; i++) {
		char cfg[512];

		snprintf(cfg, sizeof(cfg),
			 "{\"process\": {\"args\": [\"true\"]}, \"root\": "
			 "{\"path\": \"r\"}, \"annotations\": {%s}, "
			 "\"linux\": {\"namespaces\": [{\"type\": \"network\", "
			 "\"path\": \"/run/netns/cni-1\"}]}}",
			 sandbox[i]);
		build_ok(cfg, &p);
		if (i < 2) {
			assert_false(json_object_object_get_ex(p.stage0, "net",
							       NULL));
			assert_non_null(p.warnings);
			assert_non_null(strstr(p.warnings, "sandbox"));
		} else {
			assert_true(json_object_object_get_ex(p.stage0, "net",
							      NULL));
		}
		oci_plan_free(&p);
	}
}

static void test_host_hooks_accepted(void **state)
{
	struct oci_plan p;

	(void)state;
	build_ok("{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		 "\"r\"}, \"hooks\": {\"prestart\": [{\"path\": \"/a\"}], "
		 "\"createRuntime\": [{\"path\": \"/b\"}], \"poststart\": "
		 "[{\"path\": \"/c\"}], \"poststop\": [{\"path\": \"/d\"}], "
		 "\"createContainer\": [], \"startContainer\": []}}",
		 &p);
	oci_plan_free(&p);
}

static void test_refused(void **state)
{
	(void)state;
	build_bad("[]", "not a JSON object");
	build_bad("{\"process\": {\"args\": [\"true\"]}", "not a JSON object");
	build_bad("{\"root\": {\"path\": \"r\"}}", "no process");
	build_bad("{\"process\": {\"args\": []}, \"root\": {\"path\": \"r\"}}",
		  "process.args");
	build_bad("{\"process\": {\"args\": [1]}, \"root\": {\"path\": \"r\"}}",
		  "process.args[0]");
	build_bad("{\"process\": {\"args\": [\"true\"]}}", "root.path");
	build_bad("{\"process\": {\"args\": [\"true\"], \"env\": [\"NOEQ\"]},"
		  " \"root\": {\"path\": \"r\"}}",
		  "process.env[0]");
	build_bad("{\"process\": {\"args\": [\"true\"], \"env\": [\"=x\"]},"
		  " \"root\": {\"path\": \"r\"}}",
		  "process.env[0]");
	build_bad("{\"process\": {\"args\": [\"true\"], \"env\": \"A=1\"},"
		  " \"root\": {\"path\": \"r\"}}",
		  "process.env");
	build_bad("{\"process\": {\"args\": [\"true\"], \"cwd\": \"rel\"},"
		  " \"root\": {\"path\": \"r\"}}",
		  "process.cwd");
	build_bad("{\"process\": {\"args\": [\"true\"], \"user\": {\"uid\": 0,"
		  " \"gid\": 0, \"additionalGids\": [-1]}},"
		  " \"root\": {\"path\": \"r\"}}",
		  "additionalGids[0]");
	build_bad("{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		  "\"r\"}, \"hostname\": \"bad host\"}",
		  "hostname");
	build_bad("{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		  "\"r\"}, \"hooks\": {\"createContainer\": [{\"path\": "
		  "\"/x\"}]}}",
		  "hooks.createContainer");
	build_bad("{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		  "\"r\"}, \"hooks\": {\"poststart\": [{\"path\": \"x\"}]}}",
		  "hooks.poststart[0].path");
	build_bad("{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		  "\"r\"}, \"hooks\": {\"poststop\": {}}}",
		  "hooks.poststop is not an array");
	build_bad("{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		  "\"r\"}, \"mounts\": [{\"destination\": \"/n\", \"type\": "
		  "\"nfs\", \"source\": \"h:/x\"}]}",
		  "\"nfs\" is not supported");
	build_bad("{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		  "\"r\"}, \"mounts\": [{\"destination\": \"rel\", \"type\": "
		  "\"tmpfs\"}]}",
		  "absolute destination");
	build_bad("{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		  "\"r\"}, \"mounts\": [{\"destination\": \"/d\", \"type\": "
		  "\"bind\", \"source\": \"rel\"}]}",
		  "absolute source");
	build_bad("{\"process\": {\"args\": [\"true\"]}, \"root\": {\"path\": "
		  "\"r\"}, \"mounts\": {}}",
		  "mounts");
}

static void test_too_many_binds(void **state)
{
	char *cfg = malloc(64 * 1024);
	size_t n;

	(void)state;
	assert_non_null(cfg);
	n = (size_t)sprintf(cfg, "{\"process\": {\"args\": [\"true\"]}, "
				 "\"root\": {\"path\": \"r\"}, \"mounts\": [");
	for (int i = 0; i <= OCI_MOUNTS_MAX; i++)
		n += (size_t)sprintf(cfg + n,
				     "%s{\"destination\": \"/m%d\", \"type\": "
				     "\"bind\", \"source\": \"/s\"}",
				     i ? "," : "", i);
	strcpy(cfg + n, "]}");
	build_bad(cfg, "more than 64 bind mounts");
	free(cfg);
}

static void test_annotations(void **state)
{
	static const char cfg[] = "{\"annotations\": {\"a\": \"b\"}}";
	struct json_object *a;

	(void)state;
	a = oci_config_annotations(cfg, strlen(cfg));
	assert_non_null(a);
	assert_string_equal(str(a, "a"), "b");
	json_object_put(a);
	assert_null(oci_config_annotations("{}", 2));
	assert_null(oci_config_annotations("nope", 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_config),
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_resources_and_annotations),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_network_namespace),
		cmocka_unit_test(test_host_hooks_accepted),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_too_many_binds),
		cmocka_unit_test(test_annotations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
