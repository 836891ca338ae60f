// SPDX-License-Identifier: Apache-2.0
/*
 * stage0/cni_config.c: --net specs (every rule, with its error) and
 * network configs from net.d dirs the test writes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "stage0/cni.h"

static char tmpdir[64];
static char local[128], sys_dir[128];

static int setup(void **state)
{
	char path[320];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/cocoon-cni-config.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(local, sizeof(local), "%s/etc", tmpdir);
	snprintf(sys_dir, sizeof(sys_dir), "%s/lib", tmpdir);
	snprintf(path, sizeof(path), "mkdir -p '%s/net.d' '%s/net.d'", local,
		 sys_dir);
	return system(path) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_conf(const char *dir, const char *file, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/net.d/%s", dir, file);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void parse_bad(const char *spec, const char *want)
{
	struct cni_nets nets;
	struct error *err = NULL;

	assert_int_equal(cni_nets_parse(spec, &nets, &err), -1);
	assert_non_null(err);
	if (strcmp(err->message, want) != 0) {
		print_error("spec \"%s\": error \"%s\", want \"%s\"\n", spec,
			    err->message, want);
		error_free(&err);
		fail();
	}
	assert_int_equal(nets.n, 0);
	assert_null(nets.v);
	error_free(&err);
}

static void test_parse_default(void **state)
{
	struct cni_nets nets;
	struct error *err = NULL;

	(void)state;
	assert_int_equal(cni_nets_parse(NULL, &nets, &err), 0);
	assert_int_equal(nets.n, 1);
	assert_string_equal(nets.v[0].name, "default");
	assert_null(nets.v[0].args);
	assert_false(nets.none);
	cni_nets_free(&nets);
	assert_int_equal(cni_nets_parse("", &nets, &err), 0);
	assert_int_equal(nets.n, 1);
	assert_string_equal(nets.v[0].name, "default");
	cni_nets_free(&nets);
	assert_int_equal(cni_nets_parse("none", &nets, &err), 0);
	assert_int_equal(nets.n, 0);
	assert_true(nets.none);
	cni_nets_free(&nets);
}

static void test_parse_list(void **state)
{
	struct cni_nets nets;
	struct error *err = NULL;

	(void)state;
	assert_int_equal(cni_nets_parse("default-restricted,my.net_1:IP=10.1.2."
					"3;IgnoreUnknown=1,x-y:A=",
					&nets, &err),
			 0);
	assert_null(err);
	assert_int_equal(nets.n, 3);
	assert_string_equal(nets.v[0].name, "default-restricted");
	assert_null(nets.v[0].args);
	assert_string_equal(nets.v[1].name, "my.net_1");
	assert_string_equal(nets.v[1].args, "IP=10.1.2.3;IgnoreUnknown=1");
	assert_string_equal(nets.v[2].name, "x-y");
	assert_string_equal(nets.v[2].args, "A=");
	assert_null(nets.v[0].conflist);
	cni_nets_free(&nets);
}

static void test_parse_errors(void **state)
{
	(void)state;
	parse_bad("host",
		  "a pod is a VM: --net=host cannot share the host's network");
	parse_bad("default,host",
		  "a pod is a VM: --net=host cannot share the host's network");
	parse_bad("host:A=1",
		  "a pod is a VM: --net=host cannot share the host's network");
	parse_bad("none,default",
		  "none (loopback only) must be the only network");
	parse_bad("default,none",
		  "none (loopback only) must be the only network");
	parse_bad("none:A=1", "none takes no CNI args");
	parse_bad("default,default", "network default is named twice");
	parse_bad("a:X=1,b,a:X=2", "network a is named twice");
	parse_bad("a,,b", "empty network name in \"a,,b\"");
	parse_bad("a,", "empty network name in \"a,\"");
	parse_bad(",", "empty network name in \",\"");
	parse_bad(":A=1", "\"\" is not a valid network name "
			  "([A-Za-z0-9][A-Za-z0-9_.-]*, at most 128 "
			  "characters)");
	parse_bad("-a", "\"-a\" is not a valid network name "
			"([A-Za-z0-9][A-Za-z0-9_.-]*, at most 128 characters)");
	parse_bad("a/b", "\"a/b\" is not a valid network name "
			 "([A-Za-z0-9][A-Za-z0-9_.-]*, at most 128 "
			 "characters)");
	parse_bad("a:", "network a: bad CNI args: empty");
	parse_bad("a:K", "network a: bad CNI args: an entry has no '='");
	parse_bad("a:=v", "network a: bad CNI args: an entry has an "
			  "empty key");
	parse_bad("a:K=1;;L=2", "network a: bad CNI args: empty entry");
	parse_bad("a:K=1;", "network a: bad CNI args: empty entry");
	parse_bad("a:K.x=1", "network a: bad CNI args: a key holds a "
			     "character other than [A-Za-z0-9_-]");
	parse_bad("a:K=\x01", "network a: bad CNI args: a value holds a "
			      "control character");
}

static void test_parse_bounds(void **state)
{
	char spec[512], name[CNI_NAME_MAX + 2];
	struct cni_nets nets;
	struct error *err = NULL;
	size_t off = 0;

	(void)state;
	for (int i = 0; i < CNI_NETS_MAX; i++)
		off += (size_t)sprintf(spec + off, "%sn%d", i ? "," : "", i);
	assert_int_equal(cni_nets_parse(spec, &nets, &err), 0);
	assert_int_equal(nets.n, CNI_NETS_MAX);
	cni_nets_free(&nets);
	strcpy(spec + off, ",one-more");
	parse_bad(spec, "more than 16 networks");
	memset(name, 'a', CNI_NAME_MAX);
	name[CNI_NAME_MAX] = '\0';
	assert_int_equal(cni_nets_parse(name, &nets, &err), 0);
	cni_nets_free(&nets);
	name[CNI_NAME_MAX] = 'a';
	name[CNI_NAME_MAX + 1] = '\0';
	assert_int_equal(cni_nets_parse(name, &nets, &err), -1);
	assert_non_null(strstr(err->message, "is not a valid network name"));
	error_free(&err);
}

static struct json_object *parse_json(const char *s)
{
	struct json_object *o = json_tokener_parse(s);

	assert_non_null(o);
	return o;
}

/* nets (a --net spec) loaded from the test's dirs; cocoon dir /cd. */
static int load(const char *spec, struct cni_nets *nets, struct error **err)
{
	assert_int_equal(cni_nets_parse(spec, nets, err), 0);
	if (cni_nets_load(nets, local, sys_dir, "/cd", err) < 0) {
		cni_nets_free(nets);
		return -1;
	}
	return 0;
}

static void test_load_builtin(void **state)
{
	struct cni_nets nets;
	struct error *err = NULL;
	struct json_object *list, *plugins, *ptp, *ipam, *v;

	(void)state;
	assert_int_equal(load("default,default-restricted", &nets, &err), 0);
	assert_string_equal(nets.v[0].source, "built-in");
	list = parse_json(nets.v[0].conflist);
	assert_true(json_object_object_get_ex(list, "plugins", &plugins));
	assert_int_equal(json_object_array_length(plugins), 2);
	ptp = json_object_array_get_idx(plugins, 0);
	assert_true(json_object_object_get_ex(ptp, "type", &v));
	assert_string_equal(json_object_get_string(v), "ptp");
	assert_true(json_object_object_get_ex(ptp, "ipMasq", &v));
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(ptp, "ipam", &ipam));
	assert_true(json_object_object_get_ex(ipam, "subnet", &v));
	assert_string_equal(json_object_get_string(v), "172.16.28.0/24");
	assert_true(json_object_object_get_ex(ipam, "dataDir", &v));
	assert_string_equal(json_object_get_string(v), "/cd/net/host-local");
	assert_true(json_object_object_get_ex(
		json_object_array_get_idx(plugins, 1), "type", &v));
	assert_string_equal(json_object_get_string(v), "portmap");
	json_object_put(list);
	list = parse_json(nets.v[1].conflist);
	assert_true(json_object_object_get_ex(list, "plugins", &plugins));
	assert_int_equal(json_object_array_length(plugins), 1);
	ptp = json_object_array_get_idx(plugins, 0);
	assert_true(json_object_object_get_ex(ptp, "ipMasq", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(ptp, "ipam", &ipam));
	assert_true(json_object_object_get_ex(ipam, "subnet", &v));
	assert_string_equal(json_object_get_string(v), "172.17.0.0/16");
	assert_false(json_object_object_get_ex(ipam, "routes", &v));
	json_object_put(list);
	cni_nets_free(&nets);
}

/* stage0/net.d/ (the vendor files) say what the built-ins say. */
static void test_vendor_files(void **state)
{
	static const char *const names[] = {"default", "default-restricted"};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		char path[128], *builtin, *norm = NULL;
		struct json_object *a, *b, *file;
		struct error *err = NULL;
		const char *text;

		snprintf(path, sizeof(path), "stage0/net.d/%s.conflist",
			 names[i]);
		if (access(path, R_OK) != 0) {
			print_message("skip: %s not found (run from the "
				      "source tree)\n",
				      path);
			skip();
		}
		file = json_object_from_file(path);
		assert_non_null(file);
		text = json_object_to_json_string(file);
		assert_int_equal(
			cni_conflist_normalize(text, strlen(text), &norm, &err),
			0);
		builtin = cni_builtin_conflist(names[i], "/var/lib/cocoon");
		assert_non_null(builtin);
		a = parse_json(norm);
		b = parse_json(builtin);
		assert_true(json_object_equal(a, b));
		json_object_put(a);
		json_object_put(b);
		json_object_put(file);
		free(norm);
		free(builtin);
	}
}

static void test_load_files(void **state)
{
	struct cni_nets nets;
	struct error *err = NULL;
	struct json_object *list, *plugins, *v;

	(void)state;
	/* A single .conf becomes a list of one. */
	write_conf(local, "10-mynet.conf",
		   "{\"cniVersion\":\"0.3.1\",\"name\":\"mynet\",\"type\":"
		   "\"bridge\",\"bridge\":\"cni0\",\"ipam\":{\"type\":"
		   "\"host-local\",\"subnet\":\"10.22.0.0/16\"}}");
	write_conf(sys_dir, "20-other.conflist",
		   "{\"cniVersion\":\"1.0.0\",\"name\":\"other\",\"plugins\":["
		   "{\"type\":\"bridge\"},{\"type\":\"firewall\"}]}");
	/* The same name in the system dir loses to the local dir. */
	write_conf(sys_dir, "10-mynet.conf",
		   "{\"cniVersion\":\"0.3.1\",\"name\":\"mynet\",\"type\":"
		   "\"macvlan\"}");
	/* Other extensions and dot files are not configs. */
	write_conf(local, "broken.conf.bak", "{");
	write_conf(local, ".hidden.conf", "{");
	assert_int_equal(load("mynet,other", &nets, &err), 0);
	assert_null(err);
	assert_non_null(strstr(nets.v[0].source, "/etc/net.d/10-mynet.conf"));
	list = parse_json(nets.v[0].conflist);
	assert_true(json_object_object_get_ex(list, "cniVersion", &v));
	assert_string_equal(json_object_get_string(v), "0.3.1");
	assert_true(json_object_object_get_ex(list, "name", &v));
	assert_string_equal(json_object_get_string(v), "mynet");
	assert_true(json_object_object_get_ex(list, "plugins", &plugins));
	assert_int_equal(json_object_array_length(plugins), 1);
	assert_true(json_object_object_get_ex(
		json_object_array_get_idx(plugins, 0), "type", &v));
	assert_string_equal(json_object_get_string(v), "bridge");
	json_object_put(list);
	assert_non_null(
		strstr(nets.v[1].source, "/lib/net.d/20-other.conflist"));
	list = parse_json(nets.v[1].conflist);
	assert_true(json_object_object_get_ex(list, "plugins", &plugins));
	assert_int_equal(json_object_array_length(plugins), 2);
	json_object_put(list);
	cni_nets_free(&nets);
}

static void test_load_override_builtin(void **state)
{
	struct cni_nets nets;
	struct error *err = NULL;

	(void)state;
	write_conf(sys_dir, "default.json",
		   "{\"cniVersion\":\"0.4.0\",\"name\":\"default\",\"plugins\":"
		   "[{\"type\":\"bridge\",\"ipam\":{\"type\":\"host-local\","
		   "\"subnet\":\"10.99.0.0/24\"}}]}");
	assert_int_equal(load("default", &nets, &err), 0);
	assert_non_null(strstr(nets.v[0].source, "/lib/net.d/default.json"));
	assert_non_null(strstr(nets.v[0].conflist, "10.99.0.0/24"));
	assert_null(strstr(nets.v[0].conflist, "172.16.28.0"));
	cni_nets_free(&nets);
}

static void test_load_unknown(void **state)
{
	struct cni_nets nets;
	struct error *err = NULL;

	(void)state;
	write_conf(local, "a.conf",
		   "{\"cniVersion\":\"0.4.0\",\"name\":\"alpha\",\"type\":"
		   "\"ptp\"}");
	write_conf(sys_dir, "b.conflist",
		   "{\"cniVersion\":\"0.4.0\",\"name\":\"beta\",\"plugins\":[{"
		   "\"type\":\"ptp\"}]}");
	write_conf(sys_dir, "c.conflist",
		   "{\"cniVersion\":\"0.4.0\",\"name\":\"alpha\",\"plugins\":[{"
		   "\"type\":\"ptp\"}]}");
	assert_int_equal(load("default,gamma", &nets, &err), -1);
	assert_string_equal(err->message,
			    "unknown network gamma (known: default, "
			    "default-restricted, none, alpha, beta)");
	error_free(&err);
}

static void load_bad_file(const char *text, const char *want)
{
	struct cni_nets nets;
	struct error *err = NULL;
	char expect[512];

	write_conf(local, "50-bad.conflist", text);
	assert_int_equal(load("default", &nets, &err), -1);
	snprintf(expect, sizeof(expect),
		 "network config %s/net.d/50-bad.conflist: %s", local, want);
	if (strcmp(err->message, expect) != 0) {
		print_error("error \"%s\", want \"%s\"\n", err->message,
			    expect);
		error_free(&err);
		fail();
	}
	error_free(&err);
}

static void test_load_broken(void **state)
{
	(void)state;
	load_bad_file("{\"name\": ", "not valid JSON: unexpected end");
	load_bad_file("{\"name\":\"x\"} trailing", "data after its JSON value");
	load_bad_file("[]", "not a JSON object");
	load_bad_file("{\"cniVersion\":\"0.4.0\",\"type\":\"ptp\"}",
		      "no valid network name");
	load_bad_file("{\"cniVersion\":\"0.4.0\",\"name\":\"a b\",\"type\":"
		      "\"ptp\"}",
		      "no valid network name");
	load_bad_file("{\"cniVersion\":\"x\",\"name\":\"a\",\"type\":\"ptp\"}",
		      "no valid cniVersion");
	load_bad_file("{\"cniVersion\":\"0.4.0\",\"name\":\"a\"}",
		      "single config: plugins[0] has no type");
	load_bad_file("{\"cniVersion\":\"0.4.0\",\"name\":\"a\",\"type\":"
		      "\"../../bin/sh\"}",
		      "single config: plugins[0]: type \"../../bin/sh\" is not "
		      "a program name");
	load_bad_file(
		"{\"cniVersion\":\"0.4.0\",\"name\":\"a\",\"plugins\":[]}",
		"plugins must have 1 to 32 entries");
	load_bad_file("{\"cniVersion\":\"0.4.0\",\"name\":\"a\",\"plugins\":"
		      "[{\"type\":\"ptp\"},7]}",
		      "plugins[1] is not an object");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_default),
		cmocka_unit_test(test_parse_list),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test_setup_teardown(test_load_builtin, setup,
						teardown),
		cmocka_unit_test(test_vendor_files),
		cmocka_unit_test_setup_teardown(test_load_files, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_load_override_builtin,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_unknown, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_load_broken, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
