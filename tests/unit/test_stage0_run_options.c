// SPDX-License-Identifier: Apache-2.0
/*
 * `run`/`prepare` flag parsing: every flag, app flags after an image vs
 * before any image, `--` and `---`, and each error naming the flag and
 * its value.
 */
#include "stage0/run_options.h"
#include "common/cleanup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ARGV(...) ((char *[]){"run", __VA_ARGS__, NULL})

static char tmpdir[] = "/tmp/cocoon-test-run-options.XXXXXX";
static char hostdir[128], hostfile[128], envfile[128];

static int setup(void **state)
{
	FILE *f;

	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(hostdir, sizeof(hostdir), "%s/srv", tmpdir);
	snprintf(hostfile, sizeof(hostfile), "%s/file", tmpdir);
	snprintf(envfile, sizeof(envfile), "%s/env", tmpdir);
	if (mkdir(hostdir, 0755) < 0)
		return -1;
	f = fopen(hostfile, "w");
	if (!f)
		return -1;
	fclose(f);
	f = fopen(envfile, "w");
	if (!f)
		return -1;
	fputs("# a comment\n; another\n\nFROM_FILE=1\nBOTH=file\r\n"
	      "EMPTY=\nEQ=a=b\n",
	      f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(hostfile);
	unlink(envfile);
	rmdir(hostdir);
	return rmdir(tmpdir);
}

static int count(char **argv)
{
	int n = 0;

	while (argv[n])
		n++;
	return n;
}

static struct run_options *parse_ok(char **argv)
{
	int argc = count(argv);
	cleanup_error struct error *err = NULL;
	struct run_options *o = NULL;

	if (run_options_parse(argc, argv, true, &o, &err) < 0)
		fail_msg("parse failed: %s", err->message);
	return o;
}

static void parse_bad(char **argv, const char *expect)
{
	int argc = count(argv);
	cleanup_error struct error *err = NULL;
	struct run_options *o = NULL;

	if (run_options_parse(argc, argv, true, &o, &err) == 0) {
		run_options_free(o);
		fail_msg("accepted, expected \"%s\"", expect);
	}
	assert_null(o);
	if (!strstr(err->message, expect))
		fail_msg("error \"%s\" lacks \"%s\"", err->message, expect);
}

static void test_defaults(void **state)
{
	char **argv = ARGV("example.com/app");
	struct run_options *o = parse_ok(argv);

	(void)state;
	assert_int_equal(o->napps, 1);
	assert_string_equal(o->apps[0].image, "example.com/app");
	assert_null(o->apps[0].name);
	assert_null(o->apps[0].exec);
	assert_int_equal(o->apps[0].nargs, 0);
	assert_int_equal(o->apps[0].flags.readonly_rootfs, -1);
	assert_int_equal(o->pull, PULL_NEW);
	assert_string_equal(run_net_spec(&o->net), "default");
	assert_false(o->interactive);
	assert_false(o->inherit_env);
	assert_false(o->no_overlay);
	assert_int_equal(o->memory, 0);
	assert_int_equal(o->cpu, 0);
	assert_int_equal(o->nvolumes, 0);
	assert_null(o->hostname);
	run_options_free(o);
}

static void test_pod_flags(void **state)
{
	char vol[256], vol2[256];
	char **argv;
	struct run_options *o;

	(void)state;
	snprintf(vol, sizeof(vol), "data,kind=host,source=%s,readOnly=true",
		 hostdir);
	snprintf(vol2, sizeof(vol2), "conf,kind=host,source=%s", hostfile);
	argv = ARGV("--stage1=kvm", "--interactive", "--set-env", "A=1",
		    "--set-env=B=2", "--set-env=A=3", "--set-env-file", envfile,
		    "--inherit-env", "--volume", vol,
		    "--volume="
		    "scratch,kind="
		    "empty,mode=0700,uid=1000,gid=100,readOnly=false",
		    "--volume", vol2, "--hostname=web-1.example",
		    "--uuid-file-save=/run/x.uuid",
		    "--insecure-options=image,"
		    "seccomp",
		    "--pull-policy=never", "--net=none", "--no-overlay",
		    "--debug", "--memory=1Gi", "--cpu", "1500m",
		    "example.com/app");
	o = parse_ok(argv);
	assert_int_equal(o->napps, 1);
	assert_true(o->interactive);
	assert_true(o->inherit_env);
	assert_true(o->no_overlay);
	assert_true(o->debug);
	/* --set-env of a name again replaces it in place. */
	assert_int_equal(o->set_env.count, 2);
	assert_string_equal(o->set_env.vars[0].name, "A");
	assert_string_equal(o->set_env.vars[0].value, "3");
	assert_string_equal(env_list_get(&o->set_env, "B"), "2");
	assert_int_equal(o->env_file.count, 4);
	assert_string_equal(env_list_get(&o->env_file, "FROM_FILE"), "1");
	assert_string_equal(env_list_get(&o->env_file, "BOTH"), "file");
	assert_string_equal(env_list_get(&o->env_file, "EMPTY"), "");
	assert_string_equal(env_list_get(&o->env_file, "EQ"), "a=b");
	assert_int_equal(o->nvolumes, 3);
	assert_string_equal(o->volumes[0].name, "data");
	assert_int_equal(o->volumes[0].kind, VOLUME_HOST);
	assert_string_equal(o->volumes[0].source, hostdir);
	assert_true(o->volumes[0].readonly);
	assert_true(o->volumes[0].source_is_dir);
	assert_int_equal(o->volumes[1].kind, VOLUME_EMPTY);
	assert_int_equal(o->volumes[1].mode, 0700);
	assert_int_equal(o->volumes[1].uid, 1000);
	assert_int_equal(o->volumes[1].gid, 100);
	assert_false(o->volumes[1].readonly);
	assert_false(o->volumes[2].source_is_dir);
	assert_non_null(run_options_volume(o, "conf"));
	assert_null(run_options_volume(o, "nope"));
	assert_string_equal(o->hostname, "web-1.example");
	assert_string_equal(o->uuid_file_save, "/run/x.uuid");
	assert_int_equal(o->insecure, INSECURE_IMAGE | INSECURE_SECCOMP);
	assert_int_equal(o->pull, PULL_NEVER);
	assert_int_equal(o->memory, 1ull << 30);
	assert_int_equal(o->cpu, 1500);
	run_options_free(o);
}

static void test_app_flags(void **state)
{
	char **argv = ARGV(
		"--volume=logs,kind=empty", "--user=1", "--readonly-rootfs",
		"--mount", "volume=logs,target=/var/log", "--caps-remove",
		"CAP_MKNOD", "--environment=ALL=1", "example.com/one",
		"--exec=/bin/one", "--name", "first", "--user", "daemon",
		"--group=users", "--working-dir=/srv", "--environment", "X=y",
		"--mount=volume=logs,target=/logs", "--memory", "64Mi",
		"--cpu=2", "--caps-retain=CAP_NET_ADMIN,CAP_KILL", "--seccomp",
		"mode=retain,errno=ENOSYS,read,write",
		"--readonly-rootfs=false", "example.com/two", "--cpu=250m");
	struct run_options *o = parse_ok(argv);
	const struct run_app *a = &o->apps[0], *b = &o->apps[1];

	(void)state;
	assert_int_equal(o->napps, 2);
	/* Before any image: every app's default. */
	assert_string_equal(o->all.user, "1");
	assert_int_equal(o->all.readonly_rootfs, 1);
	assert_int_equal(o->all.nmounts, 1);
	assert_string_equal(o->all.mounts[0].target, "/var/log");
	assert_true(o->all.has_caps_remove);
	assert_int_equal(o->all.caps_remove, 1ull << 27);
	assert_string_equal(env_list_get(&o->all.environment, "ALL"), "1");
	/* After an image: that app. */
	assert_string_equal(a->image, "example.com/one");
	assert_string_equal(a->exec, "/bin/one");
	assert_string_equal(a->name, "first");
	assert_string_equal(a->flags.user, "daemon");
	assert_string_equal(a->flags.group, "users");
	assert_string_equal(a->flags.working_dir, "/srv");
	assert_string_equal(env_list_get(&a->flags.environment, "X"), "y");
	assert_int_equal(a->flags.nmounts, 1);
	assert_string_equal(a->flags.mounts[0].volume, "logs");
	assert_string_equal(a->flags.mounts[0].target, "/logs");
	assert_int_equal(a->flags.memory, 64ull << 20);
	assert_int_equal(a->flags.cpu, 2000);
	assert_true(a->flags.has_caps_retain);
	assert_int_equal(a->flags.caps_retain, (1ull << 12) | (1ull << 5));
	assert_int_equal(a->flags.seccomp.mode, SECCOMP_MODE_RETAIN);
	assert_int_equal(a->flags.seccomp.nsyscalls, 2);
	assert_int_equal(a->flags.readonly_rootfs, 0);
	/* The pod's size is untouched by app flags. */
	assert_int_equal(o->memory, 0);
	assert_int_equal(o->cpu, 0);
	assert_string_equal(b->image, "example.com/two");
	assert_null(b->exec);
	assert_null(b->flags.user);
	assert_int_equal(b->flags.cpu, 250);
	assert_int_equal(b->flags.readonly_rootfs, -1);
	run_options_free(o);
}

static void test_args(void **state)
{
	char **argv = ARGV("example.com/worker", "--exec", "/bin/ov", "--",
			   "--loglevel", "verbose", "-x", "--", "---",
			   "example.com/syncer", "--", "--interval", "30s",
			   "---", "--user=2", "example.com/third");
	struct run_options *o;

	(void)state;
	/* A `--user` after `---` but before an image is an app flag with
	 * no app: refused, as it would be ambiguous. */
	parse_bad(argv, "--user must follow the image");
	argv = ARGV("example.com/worker", "--exec", "/bin/ov", "--",
		    "--loglevel", "verbose", "-x", "--", "---",
		    "example.com/syncer", "--", "--interval", "30s", "---",
		    "example.com/third", "--user=2");
	o = parse_ok(argv);
	assert_int_equal(o->napps, 3);
	assert_string_equal(o->apps[0].exec, "/bin/ov");
	/* Everything up to `---` is an argument, flags and `--` too. */
	assert_int_equal(o->apps[0].nargs, 4);
	assert_string_equal(o->apps[0].args[0], "--loglevel");
	assert_string_equal(o->apps[0].args[2], "-x");
	assert_string_equal(o->apps[0].args[3], "--");
	assert_int_equal(o->apps[1].nargs, 2);
	assert_string_equal(o->apps[1].args[1], "30s");
	assert_int_equal(o->apps[2].nargs, 0);
	assert_string_equal(o->apps[2].flags.user, "2");
	run_options_free(o);

	/* `--` to the end, no `---`; then a `-` alone is an image (stdin
	 * is not, but it is not a flag either). */
	argv = ARGV("img", "--", "a");
	o = parse_ok(argv);
	assert_int_equal(o->apps[0].nargs, 1);
	run_options_free(o);
	/* An image after --- without -- */
	argv = ARGV("img1", "---", "img2");
	o = parse_ok(argv);
	assert_int_equal(o->napps, 2);
	run_options_free(o);
}

static void test_errors(void **state)
{
	char bad_vol[256];

	(void)state;
	parse_bad(ARGV("--debug"), "no image given");
	parse_bad(ARGV("--bogus", "img"), "unknown flag --bogus");
	parse_bad(ARGV("-x", "img"), "unknown flag -x");
	parse_bad(ARGV("img", "--bogus=1"), "unknown flag --bogus");
	parse_bad(ARGV("img", "--exec"), "--exec needs a value");
	parse_bad(ARGV("--exec", "/bin/sh", "img"),
		  "--exec must follow the image");
	parse_bad(ARGV("--name=x", "img"), "--name must follow the image");
	parse_bad(ARGV("img", "--exec", "sh"),
		  "--exec=sh: \"sh\" must be an absolute path");
	parse_bad(ARGV("img", "--name=Bad_Name"),
		  "--name=Bad_Name: \"Bad_Name\" is not an AC name");
	parse_bad(ARGV("img", "--name=a", "img", "--name=a"),
		  "two apps are named \"a\"");
	parse_bad(ARGV("--stage1=coreos", "img"),
		  "--stage1=coreos: \"coreos\": cocoon has one stage1, kvm");
	parse_bad(ARGV("--stage1-path=/x.aci", "img"),
		  "--stage1-path=/x.aci: cocoon has one built-in stage1");
	parse_bad(ARGV("--interactive", "a", "b"),
		  "--interactive: only one app");
	parse_bad(ARGV("--interactive=maybe", "img"),
		  "--interactive=maybe: want true or false");
	parse_bad(ARGV("--net=host", "img"),
		  "--net=host: a pod is a virtual machine and cannot share "
		  "the host's network; use --net=default or --net=none");
	parse_bad(ARGV("--pull-policy=sometimes", "img"),
		  "--pull-policy=sometimes: \"sometimes\": want new, update "
		  "or never");
	parse_bad(ARGV("--insecure-options=bogus", "img"),
		  "--insecure-options=bogus");
	parse_bad(ARGV("--set-env=NOEQUALS", "img"),
		  "--set-env=NOEQUALS: \"NOEQUALS\": want NAME=VALUE");
	parse_bad(ARGV("--set-env==x", "img"), "want NAME=VALUE");
	parse_bad(ARGV("--set-env-file=/nonexistent/env", "img"),
		  "--set-env-file=/nonexistent/env: open /nonexistent/env");
	parse_bad(ARGV("--hostname=-bad", "img"),
		  "--hostname=-bad: \"-bad\" is not a host name");
	parse_bad(ARGV("--hostname=a_b", "img"), "is not a host name");
	parse_bad(ARGV("--memory=lots", "img"),
		  "--memory=lots: memory \"lots\": not a quantity");
	parse_bad(ARGV("img", "--cpu=0"), "--cpu=0: cpu \"0\"");
	parse_bad(ARGV("img", "--caps-retain=CAP_FLY"),
		  "--caps-retain=CAP_FLY: unknown capability \"CAP_FLY\"");
	parse_bad(
		ARGV("img", "--caps-retain=CAP_KILL", "--caps-remove=CAP_KILL"),
		"--caps-retain and --caps-remove for img");
	parse_bad(ARGV("img", "--seccomp=read"),
		  "--seccomp=read: missing mode=retain");
	parse_bad(ARGV("img", "--working-dir=srv"),
		  "--working-dir=srv: \"srv\" must be an absolute path");
	parse_bad(ARGV("img", "--user="), "--user=: must not be empty");
	parse_bad(ARGV("--"), "\"--\" must follow an image");
	parse_bad(ARGV("---", "img"), "\"---\" must follow an image");
	parse_bad(ARGV(""), "an empty image name");
	parse_bad(ARGV("--uuid-file-save=", "img"), "needs a file name");

	/* Volumes. */
	parse_bad(ARGV("--volume=data", "img"),
		  "--volume=data: kind= is missing");
	parse_bad(ARGV("--volume=data,kind=nfs", "img"),
		  "unknown kind \"nfs\" (want host or empty)");
	parse_bad(ARGV("--volume=data,kind=host", "img"),
		  "--volume=data,kind=host: a host volume needs source=PATH");
	parse_bad(ARGV("--volume=data,kind=host,source=srv", "img"),
		  "source \"srv\" must be an absolute path");
	parse_bad(ARGV("--volume=data,kind=host,source=/nonexistent/x", "img"),
		  "source /nonexistent/x: No such file or directory");
	parse_bad(ARGV("--volume=data,kind=host,source=/dev/null", "img"),
		  "neither a directory nor a regular file");
	snprintf(bad_vol, sizeof(bad_vol), "data,kind=host,source=%s,mode=0700",
		 hostdir);
	parse_bad(ARGV("--volume", bad_vol, "img"),
		  "mode, uid and gid are for empty volumes");
	snprintf(bad_vol, sizeof(bad_vol),
		 "data,kind=host,source=%s,readOnly=yes", hostdir);
	parse_bad(ARGV("--volume", bad_vol, "img"),
		  "readOnly=yes: want true or false");
	parse_bad(ARGV("--volume=data,kind=empty,source=/tmp", "img"),
		  "an empty volume has no source");
	parse_bad(ARGV("--volume=data,kind=empty,mode=999", "img"),
		  "mode=999: want an octal mode");
	parse_bad(ARGV("--volume=data,kind=empty,uid=-1", "img"),
		  "uid=-1: want a number");
	parse_bad(ARGV("--volume=data,kind=empty,gid=x", "img"),
		  "gid=x: want a number");
	parse_bad(ARGV("--volume=data,kind=empty,color=red", "img"),
		  "unknown volume option \"color\"");
	parse_bad(ARGV("--volume=Data,kind=empty", "img"),
		  "volume name \"Data\" is not an AC name");
	parse_bad(ARGV("--volume=kind=empty", "img"),
		  "the volume's name must come first");
	parse_bad(ARGV("--volume=d,kind=empty", "--volume=d,kind=empty", "img"),
		  "volume \"d\" is given twice");

	/* Mounts. */
	parse_bad(ARGV("--mount=volume=v,target=/v", "img"),
		  "--mount volume=v,target=/v: no --volume v was given");
	parse_bad(ARGV("--volume=v,kind=empty", "img",
		       "--mount=volume=w,target=/w"),
		  "no --volume w was given");
	parse_bad(ARGV("--mount=volume=v", "img"), "target=PATH is missing");
	parse_bad(ARGV("--mount=target=/v", "img"), "volume=NAME is missing");
	parse_bad(ARGV("--mount=volume=v,target=v", "img"),
		  "target \"v\" must be an absolute path");
	parse_bad(ARGV("--mount=volume=v,target=/a/../../etc", "img"),
		  "must not contain \"..\"");
	parse_bad(ARGV("--mount=volume=v,path=/v", "img"),
		  "\"path=/v\": want volume=NAME,target=PATH");
	parse_bad(ARGV("--volume=v,kind=empty", "img",
		       "--mount=volume=v,target=/a",
		       "--mount=volume=v,target=/a"),
		  "target /a is already mounted");
}

static void test_env_list(void **state)
{
	cleanup_error struct error *err = NULL;
	struct env_list l = {0};

	(void)state;
	assert_int_equal(env_list_set(&l, "A", "1", &err), 0);
	assert_int_equal(env_list_set(&l, "B", "2", &err), 0);
	assert_int_equal(env_list_set_pair(&l, "A=3", &err), 0);
	assert_int_equal(l.count, 2);
	assert_string_equal(l.vars[0].name, "A");
	assert_string_equal(l.vars[0].value, "3");
	assert_null(env_list_get(&l, "C"));
	env_list_free(&l);
	assert_int_equal(l.count, 0);
}

static void test_paths(void **state)
{
	(void)state;
	assert_true(run_path_absolute_clean("/"));
	assert_true(run_path_absolute_clean("/srv/app"));
	assert_true(run_path_absolute_clean("/srv/app/"));
	assert_true(run_path_absolute_clean("/a/..b/c."));
	assert_false(run_path_absolute_clean(""));
	assert_false(run_path_absolute_clean("srv"));
	assert_false(run_path_absolute_clean("/../../etc"));
	assert_false(run_path_absolute_clean("/srv/.."));
	assert_false(run_path_absolute_clean("/srv/./app"));
	assert_false(run_path_absolute_clean("/srv//app"));
	assert_true(run_path_has_dotdot("a/../b"));
	assert_false(run_path_has_dotdot("a/..b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_pod_flags),
		cmocka_unit_test(test_app_flags),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_env_list),
		cmocka_unit_test(test_paths),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
