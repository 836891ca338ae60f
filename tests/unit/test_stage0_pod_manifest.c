// SPDX-License-Identifier: Apache-2.0
/*
 * The pod manifest, runtime object and stage0.json built from run flags
 * and image manifests: each test parses flags as the CLI would, builds
 * the plan and reads the JSON back.
 */
#include "stage0/pod_manifest.h"
#include "common/cleanup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARGV(...) ((char *[]){"run", __VA_ARGS__, NULL})

static const char busybox_manifest[] =
	"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
	"\"name\":\"example.com/pod-busybox\","
	"\"labels\":[{\"name\":\"version\",\"value\":\"1.0\"}],"
	"\"app\":{\"exec\":[\"/bin/sh\",\"-c\",\"echo hi\"],"
	"\"user\":\"0\",\"group\":\"0\",\"workingDirectory\":\"/work\","
	"\"supplementaryGIDs\":[10,20],"
	"\"environment\":[{\"name\":\"PATH\",\"value\":\"/bin\"},"
	"{\"name\":\"IMG\",\"value\":\"image\"},"
	"{\"name\":\"OVER\",\"value\":\"image\"}],"
	"\"mountPoints\":[{\"name\":\"data\",\"path\":\"/data\","
	"\"readOnly\":true},{\"name\":\"cache\",\"path\":\"/cache\"}],"
	"\"isolators\":[{\"name\":\"resource/memory\","
	"\"value\":{\"limit\":\"256Mi\"}},"
	"{\"name\":\"os/linux/capabilities-remove-set\","
	"\"value\":{\"set\":[\"CAP_KILL\"]}},"
	"{\"name\":\"os/linux/seccomp-remove-set\","
	"\"value\":{\"set\":[\"reboot\"],\"errno\":\"EPERM\"}}]}}";

static const char noapp_manifest[] =
	"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
	"\"name\":\"example.com/base_image.x\"}";

static const char web_manifest[] =
	"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
	"\"name\":\"example.com/web\","
	"\"app\":{\"exec\":[\"/bin/httpd\"],\"user\":\"0\",\"group\":\"0\","
	"\"ports\":[{\"name\":\"http\",\"protocol\":\"tcp\",\"port\":80},"
	"{\"name\":\"dns\",\"protocol\":\"udp\",\"port\":53}]}}";

static const char *const host_env[] = {"HOSTONLY=h", "OVER=host",
				       "PATH=/host/bin", NULL};

struct fixture {
	struct run_options *o;
	struct aci_manifest *m[4];
	struct pod_image images[4];
	struct pod_plan plan;
};

static struct aci_manifest *manifest(const char *json)
{
	cleanup_error struct error *err = NULL;
	struct aci_manifest *m = NULL;

	if (aci_manifest_parse(json, strlen(json), &m, &err) < 0)
		fail_msg("manifest: %s", err->message);
	return m;
}

static int count(char **argv)
{
	int n = 0;

	while (argv[n])
		n++;
	return n;
}

/* Parses argv; image i gets manifests[i] (NULL: busybox). 0 or -1. */
static int build(struct fixture *f, char **argv, const char *const *manifests,
		 unsigned insecure, struct error **err)
{
	memset(f, 0, sizeof(*f));
	if (run_options_parse(count(argv), argv, true, &f->o, err) < 0)
		fail_msg("parse: %s", (*err)->message);
	assert_true(f->o->napps <= 4);
	for (size_t i = 0; i < f->o->napps; i++) {
		f->m[i] =
			manifest(manifests && manifests[i] ? manifests[i]
							   : busybox_manifest);
		f->images[i] = (struct pod_image){
			.id = i ? "sha512-2222" : "sha512-1111",
			.tree = i ? "sha512-2222" : "sha512-1111",
			.manifest = f->m[i],
		};
	}
	struct pod_plan_input in = {
		.o = f->o,
		.insecure = insecure | f->o->insecure,
		.images = f->images,
		.uuid = "1a2b3c4d-0000-4000-8000-000000000000",
		.created = "2026-11-28T15:04:05.123456789Z",
		.host_env = host_env,
	};
	return pod_plan_build(&in, &f->plan, err);
}

static void build_ok(struct fixture *f, char **argv,
		     const char *const *manifests)
{
	cleanup_error struct error *err = NULL;

	if (build(f, argv, manifests, 0, &err) < 0)
		fail_msg("build: %s", err->message);
}

static void fixture_free(struct fixture *f)
{
	pod_plan_free(&f->plan);
	for (size_t i = 0; i < 4; i++)
		aci_manifest_free(f->m[i]);
	run_options_free(f->o);
}

/* obj.a.b[2].c, with numbers as array indexes */
static struct json_object *at(struct json_object *j, const char *path)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && j;
	     tok = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(j, json_type_array))
			j = json_object_array_get_idx(j, (size_t)atoi(tok));
		else if (!json_object_object_get_ex(j, tok, &j))
			j = NULL;
	}
	if (!j)
		fail_msg("no %s", path);
	return j;
}

static const char *str(struct json_object *j, const char *path)
{
	return json_object_get_string(at(j, path));
}

static bool has(struct json_object *j, const char *key)
{
	return json_object_object_get_ex(j, key, NULL);
}

/* The value of NAME in a runtime env array; NULL if absent. */
static const char *env_value(struct json_object *env, const char *name)
{
	for (size_t i = 0; i < json_object_array_length(env); i++) {
		struct json_object *pair = json_object_array_get_idx(env, i);

		if (!strcmp(json_object_get_string(
				    json_object_array_get_idx(pair, 0)),
			    name))
			return json_object_get_string(
				json_object_array_get_idx(pair, 1));
	}
	return NULL;
}

static bool str_array_has(struct json_object *arr, const char *s)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (!strcmp(json_object_get_string(
				    json_object_array_get_idx(arr, i)),
			    s))
			return true;
	return false;
}

static void test_image_defaults(void **state)
{
	struct fixture f;
	struct json_object *r, *m, *s, *app, *env;

	(void)state;
	build_ok(&f, ARGV("example.com/pod-busybox"), NULL);
	r = f.plan.runtime;
	m = f.plan.manifest;
	s = f.plan.stage0;
	/* appc pod manifest */
	assert_string_equal(str(m, "acKind"), "PodManifest");
	assert_string_equal(str(m, "acVersion"), "0.8.11");
	assert_string_equal(str(m, "apps.0.name"), "pod-busybox");
	assert_string_equal(str(m, "apps.0.image.name"),
			    "example.com/pod-busybox");
	assert_string_equal(str(m, "apps.0.image.id"), "sha512-1111");
	assert_string_equal(str(m, "apps.0.image.labels.0.value"), "1.0");
	assert_string_equal(str(m, "apps.0.app.exec.2"), "echo hi");
	assert_false(json_object_get_boolean(at(m, "apps.0.readOnlyRootFS")));
	assert_int_equal(json_object_array_length(at(m, "ports")), 0);
	assert_int_equal(json_object_array_length(at(m, "annotations")), 0);
	/* the image's mountPoints without volumes: implicit empty volumes */
	assert_int_equal(json_object_array_length(at(m, "volumes")), 2);
	assert_string_equal(str(m, "volumes.0.name"), "data");
	assert_string_equal(str(m, "volumes.0.kind"), "empty");
	assert_string_equal(str(m, "volumes.0.mode"), "0755");
	assert_string_equal(str(m, "apps.0.mounts.0.volume"), "data");
	assert_string_equal(str(m, "apps.0.mounts.0.path"), "/data");
	/* runtime object */
	assert_string_equal(str(r, "hostname"), "pod-1a2b3c4d");
	assert_string_equal(str(r, "share"), "pod");
	assert_false(json_object_get_boolean(at(r, "interactive")));
	app = at(r, "apps.0");
	assert_string_equal(str(app, "name"), "pod-busybox");
	assert_string_equal(str(app, "rootfs"), "apps/pod-busybox/rootfs");
	assert_int_equal(json_object_array_length(at(app, "exec")), 3);
	assert_string_equal(str(app, "exec.0"), "/bin/sh");
	assert_string_equal(str(app, "user"), "0");
	assert_string_equal(str(app, "group"), "0");
	assert_string_equal(str(app, "working_dir"), "/work");
	assert_int_equal(json_object_get_int(at(app, "supplementary_gids.1")),
			 20);
	env = at(app, "env");
	assert_string_equal(env_value(env, "PATH"), "/bin");
	assert_string_equal(env_value(env, "IMG"), "image");
	assert_string_equal(env_value(env, "AC_APP_NAME"), "pod-busybox");
	assert_null(env_value(env, "HOSTONLY")); /* no --inherit-env */
	/* AC_APP_NAME is the executor's: not in the manifest's app. */
	assert_int_equal(json_object_array_length(at(m, "apps.0.app."
							"environment")),
			 3);
	/* caps: appc's default set minus the image's remove-set */
	assert_int_equal(json_object_array_length(at(app, "capabilities")), 13);
	assert_false(str_array_has(at(app, "capabilities"), "CAP_KILL"));
	assert_true(str_array_has(at(app, "capabilities"), "CAP_CHOWN"));
	/* seccomp: the image's remove-set */
	assert_string_equal(str(app, "seccomp.mode"), "remove");
	assert_string_equal(str(app, "seccomp.syscalls.0"), "reboot");
	assert_string_equal(str(app, "seccomp.errno"), "EPERM");
	assert_false(json_object_get_boolean(at(app, "stdin")));
	assert_false(json_object_get_boolean(at(app, "tty")));
	assert_false(json_object_get_boolean(at(app, "readonly_rootfs")));
	assert_int_equal(json_object_array_length(at(app, "rlimits")), 0);
	/* mounts: the image's readOnly mountPoint stays read-only */
	assert_string_equal(str(app, "mounts.0.target"), "/data");
	assert_string_equal(str(app, "mounts.0.kind"), "empty");
	assert_string_equal(str(app, "mounts.0.volume"), "data");
	assert_int_equal(json_object_get_int(at(app, "mounts.0.mode")), 0755);
	assert_true(json_object_get_boolean(at(app, "mounts.0.readonly")));
	assert_false(json_object_get_boolean(at(app, "mounts.1.readonly")));
	/* stage0.json: sized by the image's memory isolator */
	assert_string_equal(str(s, "created"),
			    "2026-11-28T15:04:05.123456789Z");
	assert_int_equal(json_object_get_int(at(s, "memory_mib")), 256);
	assert_int_equal(json_object_get_int(at(s, "cpus")), 1);
	assert_string_equal(str(s, "net.spec"), "default");
	assert_int_equal(json_object_array_length(at(s, "net.ports")), 0);
	assert_true(json_object_get_boolean(at(s, "overlay")));
	assert_false(json_object_get_boolean(at(s, "interactive")));
	assert_int_equal(json_object_get_int(at(s, "stop_timeout_ms")), 10000);
	assert_string_equal(str(s, "apps.0.name"), "pod-busybox");
	assert_string_equal(str(s, "apps.0.image"), "sha512-1111");
	assert_string_equal(str(s, "apps.0.tree"), "sha512-1111");
	assert_int_equal(json_object_array_length(at(s, "volumes")), 0);
	assert_int_equal(f.plan.nhost_volumes, 0);
	fixture_free(&f);
}

static void test_env_precedence(void **state)
{
	char envfile[] = "/tmp/cocoon-test-env.XXXXXX";
	int fd = mkstemp(envfile);
	struct fixture f;
	struct json_object *env;
	char arg[64];

	(void)state;
	assert_true(fd >= 0);
	assert_true(write(fd, "OVER=file\nFILE=f\nSET=file\n", 26) == 26);
	close(fd);
	snprintf(arg, sizeof(arg), "--set-env-file=%s", envfile);
	/* host < image < --set-env-file < --set-env < --environment (all)
	 * < --environment (app); the order on the line does not matter. */
	build_ok(&f,
		 ARGV("--set-env=SET=set", "--set-env=ENV=set",
		      "--environment=ENV=all", "--environment=APP=all", arg,
		      "--inherit-env", "example.com/pod-busybox",
		      "--environment=APP=app", "--set-env=AC_APP_NAME=evil"),
		 NULL);
	unlink(envfile);
	env = at(f.plan.runtime, "apps.0.env");
	assert_string_equal(env_value(env, "HOSTONLY"), "h");
	assert_string_equal(env_value(env, "PATH"), "/bin"); /* image > host */
	assert_string_equal(env_value(env, "IMG"), "image");
	assert_string_equal(env_value(env, "OVER"), "file");
	assert_string_equal(env_value(env, "FILE"), "f");
	assert_string_equal(env_value(env, "SET"), "set");
	assert_string_equal(env_value(env, "ENV"), "all");
	assert_string_equal(env_value(env, "APP"), "app");
	/* appc: AC_APP_NAME is always the app's name. */
	assert_string_equal(env_value(env, "AC_APP_NAME"), "pod-busybox");
	fixture_free(&f);
}

static void test_default_path(void **state)
{
	const char *const manifests[] = {
		"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
		"\"name\":\"example.com/nopath\",\"app\":{\"exec\":[\"/x\"],"
		"\"user\":\"root\",\"group\":\"root\"}}",
	};
	struct fixture f;
	struct json_object *app;

	(void)state;
	build_ok(&f, ARGV("example.com/nopath"), manifests);
	app = at(f.plan.runtime, "apps.0");
	assert_string_equal(env_value(at(app, "env"), "PATH"),
			    POD_DEFAULT_PATH);
	assert_string_equal(str(app, "user"), "root");
	assert_string_equal(str(app, "working_dir"), "/");
	assert_string_equal(str(app, "seccomp.mode"), "default");
	assert_int_equal(json_object_array_length(at(app, "capabilities")), 14);
	assert_int_equal(json_object_array_length(at(app, "mounts")), 0);
	assert_int_equal(json_object_get_int(at(f.plan.stage0, "memory_mib")),
			 POD_DEFAULT_MEMORY_MIB);
	fixture_free(&f);
}

static void test_overrides(void **state)
{
	struct fixture f;
	struct json_object *app, *mapp, *iso;
	bool saw_caps = false, saw_mem = false;

	(void)state;
	build_ok(&f,
		 ARGV("--hostname=web", "--user=5", "--interactive",
		      "--no-overlay", "example.com/pod-busybox",
		      "--exec=/bin/id", "--group=users", "--working-dir=/tmp",
		      "--readonly-rootfs", "--caps-retain=CAP_NET_ADMIN",
		      "--memory=64Mi", "--cpu=1500m",
		      "--seccomp=mode=retain,read,write,exit_group", "--", "-u",
		      "--", "x"),
		 NULL);
	app = at(f.plan.runtime, "apps.0");
	mapp = at(f.plan.manifest, "apps.0.app");
	assert_string_equal(str(f.plan.runtime, "hostname"), "web");
	assert_true(json_object_get_boolean(at(f.plan.runtime, "interactive")));
	assert_true(json_object_get_boolean(at(app, "stdin")));
	assert_true(json_object_get_boolean(at(app, "tty")));
	/* --exec replaces the whole exec; arguments are appended (rkt). */
	assert_int_equal(json_object_array_length(at(app, "exec")), 4);
	assert_string_equal(str(app, "exec.0"), "/bin/id");
	assert_string_equal(str(app, "exec.1"), "-u");
	assert_string_equal(str(app, "exec.2"), "--");
	assert_string_equal(str(mapp, "exec.0"), "/bin/id");
	assert_string_equal(str(app, "user"), "5");
	assert_string_equal(str(mapp, "user"), "5");
	assert_string_equal(str(app, "group"), "users");
	assert_string_equal(str(app, "working_dir"), "/tmp");
	assert_string_equal(str(mapp, "workingDirectory"), "/tmp");
	assert_true(json_object_get_boolean(at(app, "readonly_rootfs")));
	assert_true(json_object_get_boolean(
		at(f.plan.manifest, "apps.0.readOnlyRootFS")));
	/* --caps-retain replaces the default and the image's remove-set */
	assert_int_equal(json_object_array_length(at(app, "capabilities")), 1);
	assert_string_equal(str(app, "capabilities.0"), "CAP_NET_ADMIN");
	assert_string_equal(str(app, "seccomp.mode"), "retain");
	assert_int_equal(json_object_array_length(at(app, "seccomp.syscalls")),
			 3);
	assert_false(has(at(app, "seccomp"), "errno"));
	/* The manifest's isolators: the flags' replace the image's. */
	iso = at(mapp, "isolators");
	for (size_t i = 0; i < json_object_array_length(iso); i++) {
		const char *n = str(json_object_array_get_idx(iso, i), "name");

		assert_string_not_equal(n, "os/linux/capabilities-remove-set");
		assert_string_not_equal(n, "os/linux/seccomp-remove-set");
		if (!strcmp(n, "os/linux/capabilities-retain-set")) {
			saw_caps = true;
			assert_string_equal(
				str(json_object_array_get_idx(iso, i),
				    "value.set.0"),
				"CAP_NET_ADMIN");
		}
		if (!strcmp(n, "resource/memory")) {
			assert_false(saw_mem);
			saw_mem = true;
			assert_string_equal(
				str(json_object_array_get_idx(iso, i),
				    "value.limit"),
				"67108864");
		}
	}
	assert_true(saw_caps);
	assert_true(saw_mem);
	/* The VM: the app's memory limit and its CPU rounded up. */
	assert_int_equal(json_object_get_int(at(f.plan.stage0, "memory_mib")),
			 64);
	assert_int_equal(json_object_get_int(at(f.plan.stage0, "cpus")), 2);
	assert_false(json_object_get_boolean(at(f.plan.stage0, "overlay")));
	assert_true(json_object_get_boolean(at(f.plan.stage0, "interactive")));
	fixture_free(&f);
}

static void test_pod_wide_flags(void **state)
{
	struct fixture f;

	(void)state;
	/* Flags before the images apply to both apps; the app's win. */
	build_ok(&f,
		 ARGV("--memory=1Gi", "--cpu=3", "--caps-remove=CAP_CHOWN",
		      "--user=7", "--readonly-rootfs", "example.com/a",
		      "example.com/b", "--user=8", "--readonly-rootfs=false",
		      "--caps-retain=CAP_KILL"),
		 NULL);
	assert_string_equal(str(f.plan.runtime, "apps.0.user"), "7");
	assert_string_equal(str(f.plan.runtime, "apps.1.user"), "8");
	assert_true(json_object_get_boolean(
		at(f.plan.runtime, "apps.0.readonly_rootfs")));
	assert_false(json_object_get_boolean(
		at(f.plan.runtime, "apps.1.readonly_rootfs")));
	assert_false(str_array_has(at(f.plan.runtime, "apps.0.capabilities"),
				   "CAP_CHOWN"));
	/* the pod-wide remove-set replaces the image's: CAP_KILL stays */
	assert_true(str_array_has(at(f.plan.runtime, "apps.0.capabilities"),
				  "CAP_KILL"));
	assert_int_equal(json_object_array_length(
				 at(f.plan.runtime, "apps.1.capabilities")),
			 1);
	assert_int_equal(json_object_get_int(at(f.plan.stage0, "memory_mib")),
			 1024);
	assert_int_equal(json_object_get_int(at(f.plan.stage0, "cpus")), 3);
	/* Same image twice: names deduplicated. */
	assert_string_equal(str(f.plan.runtime, "apps.0.name"), "pod-busybox");
	assert_string_equal(str(f.plan.runtime, "apps.1.name"),
			    "pod-busybox-2");
	assert_string_equal(str(f.plan.runtime, "apps.1.rootfs"),
			    "apps/pod-busybox-2/rootfs");
	assert_string_equal(f.plan.app_names[1], "pod-busybox-2");
	fixture_free(&f);

	/* Without pod flags: memory sums the apps (256 + 128 by default). */
	{
		const char *const manifests[] = {NULL, noapp_manifest};

		build_ok(&f,
			 ARGV("example.com/a", "--cpu=500m", "example.com/base",
			      "--exec=/bin/true", "--cpu=2500m"),
			 manifests);
	}
	assert_int_equal(json_object_get_int(at(f.plan.stage0, "memory_mib")),
			 384);
	assert_int_equal(json_object_get_int(at(f.plan.stage0, "cpus")), 3);
	/* An image without app: the name from its name, user 0. */
	assert_string_equal(str(f.plan.runtime, "apps.1.name"), "base-image-x");
	assert_string_equal(str(f.plan.runtime, "apps.1.exec.0"), "/bin/true");
	assert_string_equal(str(f.plan.runtime, "apps.1.user"), "0");
	fixture_free(&f);
}

static void test_names(void **state)
{
	struct fixture f;

	(void)state;
	/* An explicit --name keeps its name; the derived one moves. */
	build_ok(&f,
		 ARGV("example.com/x", "example.com/y", "--name=pod-busybox",
		      "example.com/z"),
		 NULL);
	assert_string_equal(f.plan.app_names[0], "pod-busybox-2");
	assert_string_equal(f.plan.app_names[1], "pod-busybox");
	assert_string_equal(f.plan.app_names[2], "pod-busybox-3");
	fixture_free(&f);

	{
		char *n = pod_app_name_from_image("example.com/Pod_Busy..box-");

		assert_string_equal(n, "pod-busy-box");
		free(n);
		n = pod_app_name_from_image("example.com/___");
		assert_string_equal(n, "app");
		free(n);
		n = pod_app_name_from_image("plain");
		assert_string_equal(n, "plain");
		free(n);
	}
}

static void test_volumes(void **state)
{
	char dir[] = "/tmp/cocoon-test-vol.XXXXXX", vol[128], file[160];
	char fvol[256];
	struct fixture f;
	struct json_object *app, *m, *s;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/conf", dir);
	fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(vol, sizeof(vol), "--volume=data,kind=host,source=%s", dir);
	snprintf(fvol, sizeof(fvol),
		 "--volume=conf,kind=host,source=%s,readOnly=true", file);
	build_ok(&f,
		 ARGV(vol, fvol, "--volume=unused,kind=host,source=/tmp",
		      "--volume=scratch,kind=empty,mode=0700,uid=5,gid=6",
		      "--mount=volume=scratch,target=/scratch",
		      "example.com/pod-busybox",
		      "--mount=volume=conf,target=/etc/app.conf",
		      "--mount=volume=scratch,target=/cache"),
		 NULL);
	unlink(file);
	rmdir(dir);
	app = at(f.plan.runtime, "apps.0");
	m = f.plan.manifest;
	s = f.plan.stage0;
	/* --mount after the image, then before, then the image's
	 * mountPoints not covered: /cache is the flag's, /data the host
	 * volume named like the mountPoint. */
	assert_int_equal(json_object_array_length(at(app, "mounts")), 4);
	assert_string_equal(str(app, "mounts.0.target"), "/etc/app.conf");
	assert_string_equal(str(app, "mounts.0.kind"), "host");
	assert_string_equal(str(app, "mounts.0.source"), "volumes/conf");
	assert_true(json_object_get_boolean(at(app, "mounts.0.readonly")));
	assert_string_equal(str(app, "mounts.1.target"), "/cache");
	assert_string_equal(str(app, "mounts.1.volume"), "scratch");
	assert_int_equal(json_object_get_int(at(app, "mounts.1.mode")), 0700);
	assert_int_equal(json_object_get_int(at(app, "mounts.1.uid")), 5);
	assert_int_equal(json_object_get_int(at(app, "mounts.1.gid")), 6);
	assert_string_equal(str(app, "mounts.2.target"), "/scratch");
	assert_string_equal(str(app, "mounts.3.target"), "/data");
	assert_string_equal(str(app, "mounts.3.kind"), "host");
	assert_string_equal(str(app, "mounts.3.source"), "volumes/data");
	/* read-only because the image's mountPoint says so */
	assert_true(json_object_get_boolean(at(app, "mounts.3.readonly")));
	/* No implicit volume: every mountPoint was covered. */
	assert_int_equal(json_object_array_length(at(m, "volumes")), 4);
	assert_string_equal(str(m, "volumes.0.kind"), "host");
	assert_string_equal(str(m, "volumes.0.source"), dir);
	assert_string_equal(str(m, "volumes.3.mode"), "0700");
	/* stage0.json and the mount points: only mounted host volumes. */
	assert_int_equal(json_object_array_length(at(s, "volumes")), 2);
	assert_string_equal(str(s, "volumes.0.name"), "conf");
	assert_string_equal(str(s, "volumes.0.source"), file);
	assert_true(json_object_get_boolean(at(s, "volumes.0.readonly")));
	assert_string_equal(str(s, "volumes.1.name"), "data");
	assert_int_equal(f.plan.nhost_volumes, 2);
	assert_false(f.plan.host_volumes[0].is_dir);
	assert_true(f.plan.host_volumes[1].is_dir);
	fixture_free(&f);
}

static void test_insecure(void **state)
{
	cleanup_error struct error *err = NULL;
	struct fixture f;

	(void)state;
	assert_int_equal(build(&f, ARGV("example.com/pod-busybox"), NULL,
			       INSECURE_SECCOMP | INSECURE_CAPABILITIES, &err),
			 0);
	assert_string_equal(str(f.plan.runtime, "apps.0.seccomp.mode"), "none");
	assert_int_equal(json_object_array_length(
				 at(f.plan.runtime, "apps.0.capabilities")),
			 CAPS_LAST + 1);
	fixture_free(&f);
	/* The command's own --insecure-options counts too. */
	build_ok(&f,
		 ARGV("--insecure-options=seccomp", "example.com/pod-busybox"),
		 NULL);
	assert_string_equal(str(f.plan.runtime, "apps.0.seccomp.mode"), "none");
	fixture_free(&f);
}

static void build_bad(char **argv, const char *const *manifests,
		      const char *expect)
{
	cleanup_error struct error *err = NULL;
	struct fixture f;

	if (build(&f, argv, manifests, 0, &err) == 0) {
		fixture_free(&f);
		fail_msg("accepted, expected \"%s\"", expect);
	}
	if (!strstr(err->message, expect))
		fail_msg("\"%s\" lacks \"%s\"", err->message, expect);
	fixture_free(&f);
}

static void test_errors(void **state)
{
	const char *const noapp[] = {noapp_manifest};
	const char *const bad_iso[] = {
		"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
		"\"name\":\"example.com/bad\",\"app\":{\"exec\":[\"/x\"],"
		"\"user\":\"0\",\"group\":\"0\",\"isolators\":[{\"name\":"
		"\"resource/cpu\",\"value\":{\"limit\":\"-1\"}}]}}"};
	const char *const bad_gids[] = {
		"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
		"\"name\":\"example.com/bad\",\"app\":{\"exec\":[\"/x\"],"
		"\"user\":\"0\",\"group\":\"0\",\"supplementaryGIDs\":[-4]}}"};

	const char *const dotdot[] = {
		"{\"acKind\":\"ImageManifest\",\"acVersion\":\"0.8.11\","
		"\"name\":\"example.com/bad\",\"app\":{\"exec\":[\"/x\"],"
		"\"user\":\"0\",\"group\":\"0\",\"mountPoints\":[{\"name\":"
		"\"d\",\"path\":\"/a/../../etc\"}]}}"};

	(void)state;
	build_bad(ARGV("example.com/bad"), dotdot,
		  "app bad: image example.com/bad: app.mountPoints[0]: path "
		  "\"/a/../../etc\" must not contain \"..\"");
	build_bad(ARGV("example.com/base"), noapp,
		  "app base-image-x: image example.com/base_image.x has no app "
		  "to "
		  "run (no app.exec); give one with IMAGE --exec PATH");
	build_bad(ARGV("example.com/bad"), bad_iso,
		  "image example.com/bad: app.isolators[0]: resource/cpu");
	build_bad(ARGV("example.com/bad"), bad_gids,
		  "app.supplementaryGIDs[0]: -4 is out of range");
	build_bad(ARGV("--memory=16Mi", "example.com/pod-busybox"), NULL,
		  "--memory: 16 MiB is too little for a pod");
	build_bad(ARGV("--cpu=300", "example.com/pod-busybox"), NULL,
		  "300 vCPUs is more than a pod can have");
}

/* --port resolved against the apps' ports; the DNS flags passed on. */
static void test_net(void **state)
{
	const char *const manifests[] = {NULL, web_manifest};
	struct json_object *s, *m;
	struct fixture f;
	cleanup_error struct error *err = NULL;

	(void)state;
	build_ok(&f,
		 ARGV("--net=default,other", "--port=dns:127.0.0.1:5353",
		      "--port=http:8080", "--dns=1.1.1.1", "--dns-search=corp",
		      "--hosts-entry=10.0.0.5=db", "a", "b"),
		 manifests);
	s = f.plan.stage0;
	m = f.plan.manifest;
	assert_string_equal(str(s, "net.spec"), "default,other");
	assert_string_equal(str(s, "net.ports.0.name"), "dns");
	assert_string_equal(str(s, "net.ports.0.protocol"), "udp");
	assert_int_equal(
		json_object_get_int(at(s, "net.ports.0.container_port")), 53);
	assert_int_equal(json_object_get_int(at(s, "net.ports.0.host_port")),
			 5353);
	assert_string_equal(str(s, "net.ports.0.host_ip"), "127.0.0.1");
	assert_string_equal(str(s, "net.ports.1.protocol"), "tcp");
	assert_false(json_object_object_get_ex(at(s, "net.ports.1"), "host_ip",
					       NULL));
	assert_string_equal(str(s, "net.dns.0"), "1.1.1.1");
	assert_string_equal(str(s, "net.dns_search.0"), "corp");
	assert_string_equal(str(s, "net.hosts.0"), "10.0.0.5=db");
	/* appc's pod manifest lists the exposed ports */
	assert_string_equal(str(m, "ports.1.name"), "http");
	assert_int_equal(json_object_get_int(at(m, "ports.1.hostPort")), 8080);
	fixture_free(&f);

	assert_int_equal(build(&f, ARGV("--port=nope:80", "a"), NULL, 0, &err),
			 -1);
	assert_non_null(strstr(err->message,
			       "no app of the pod has a port named nope"));
	fixture_free(&f);
	error_free(&err);
	assert_int_equal(build(&f, ARGV("--net=none", "--port=http:80", "a"),
			       manifests + 1, 0, &err),
			 -1);
	assert_non_null(strstr(err->message, "--port needs a network"));
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_defaults),
		cmocka_unit_test(test_env_precedence),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_overrides),
		cmocka_unit_test(test_pod_wide_flags),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_insecure),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_net),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
