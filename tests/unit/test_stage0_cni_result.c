// SPDX-License-Identifier: Apache-2.0
/*
 * stage0/cni_result.c: CNI result documents of every version, and the
 * broken or hostile ones a plugin could print.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "stage0/cni.h"

static void parse_ok(const char *json, struct cni_result *r)
{
	struct error *err = NULL;

	if (cni_result_parse(json, strlen(json), r, &err) < 0) {
		print_error("unexpected error: %s\n", err->message);
		error_free(&err);
		fail();
	}
	assert_null(err);
}

/* The document is refused with an error that contains want. */
static void parse_bad(const char *json, const char *want)
{
	struct cni_result r;
	struct error *err = NULL;

	assert_int_equal(cni_result_parse(json, strlen(json), &r, &err), -1);
	assert_non_null(err);
	if (!strstr(err->message, want)) {
		print_error("error \"%s\" lacks \"%s\"\n", err->message, want);
		error_free(&err);
		fail();
	}
	assert_int_equal(r.n_ips, 0);
	assert_int_equal(r.n_ifaces, 0);
	cni_result_free(&r);
	error_free(&err);
}

/* What ptp 1.1.1 prints for cniVersion 0.4.0. */
static const char ptp_040[] =
	"{\"cniVersion\":\"0.4.0\",\"interfaces\":[{\"name\":\"veth1a2b3c4d\","
	"\"mac\":\"6e:a1:3c:00:11:22\"},{\"name\":\"eth0\",\"mac\":"
	"\"2A:BB:cc:dd:ee:ff\",\"sandbox\":\"/run/netns/x\"}],\"ips\":[{"
	"\"version\":\"4\",\"interface\":1,\"address\":\"172.16.28.5/24\","
	"\"gateway\":\"172.16.28.1\"}],\"routes\":[{\"dst\":\"0.0.0.0/0\"}],"
	"\"dns\":{\"nameservers\":[\"10.0.0.53\",\"fd00::53\"],\"domain\":"
	"\"example.org\",\"search\":[\"a.example.org\"],\"options\":[\"ndots:"
	"2\"]"
	"}}";

static void test_result_040(void **state)
{
	struct cni_result r;

	(void)state;
	parse_ok(ptp_040, &r);
	assert_string_equal(r.cni_version, "0.4.0");
	assert_int_equal(r.n_ifaces, 2);
	assert_null(r.ifaces[0].sandbox);
	assert_int_equal(r.sandbox_iface, 1);
	assert_string_equal(r.ifaces[1].name, "eth0");
	assert_string_equal(r.ifaces[1].mac, "2A:BB:cc:dd:ee:ff");
	assert_string_equal(r.ifaces[1].sandbox, "/run/netns/x");
	assert_int_equal(r.n_ips, 1);
	assert_int_equal(r.ips[0].address.family, AF_INET);
	assert_string_equal(r.ips[0].address.addr, "172.16.28.5");
	assert_int_equal(r.ips[0].address.prefix_len, 24);
	assert_string_equal(r.ips[0].gateway, "172.16.28.1");
	assert_int_equal(r.ips[0].iface, 1);
	assert_true(cni_result_ip_in_sandbox(&r, 0));
	assert_false(cni_result_ip_in_sandbox(&r, 1));
	assert_int_equal(r.n_routes, 1);
	assert_string_equal(r.routes[0].dst.addr, "0.0.0.0");
	assert_int_equal(r.routes[0].dst.prefix_len, 0);
	assert_string_equal(r.routes[0].gw, "");
	assert_int_equal(r.dns.n_nameservers, 2);
	assert_string_equal(r.dns.nameservers[1], "fd00::53");
	assert_string_equal(r.dns.domain, "example.org");
	assert_int_equal(r.dns.n_search, 1);
	assert_string_equal(r.dns.search[0], "a.example.org");
	assert_string_equal(r.dns.options[0], "ndots:2");
	cni_result_free(&r);
}

static void test_result_030_031_100(void **state)
{
	struct cni_result r;

	(void)state;
	/* 0.3.0: "version" per address; an address on the host side. */
	parse_ok(
		"{\"cniVersion\":\"0.3.0\",\"interfaces\":[{\"name\":\"br0\"},"
		"{\"name\":\"eth0\",\"sandbox\":\"/n\"}],\"ips\":[{\"version\":"
		"\"6\",\"address\":\"fd00::2/64\",\"gateway\":\"fd00::1\","
		"\"interface\":1},{\"version\":\"4\",\"address\":\"10.1.0.1/"
		"16\","
		"\"interface\":0}]}",
		&r);
	assert_int_equal(r.ips[0].address.family, AF_INET6);
	assert_int_equal(r.ips[0].address.prefix_len, 64);
	assert_true(cni_result_ip_in_sandbox(&r, 0));
	assert_false(cni_result_ip_in_sandbox(&r, 1));
	cni_result_free(&r);
	parse_ok("{\"cniVersion\":\"0.3.1\",\"ips\":[{\"version\":\"4\","
		 "\"address\":\"10.0.0.2/8\"}],\"routes\":[{\"dst\":"
		 "\"10.9.0.0/16\",\"gw\":\"10.0.0.1\"}]}",
		 &r);
	assert_int_equal(r.sandbox_iface, -1);
	assert_true(cni_result_ip_in_sandbox(&r, 0));
	assert_string_equal(r.routes[0].gw, "10.0.0.1");
	cni_result_free(&r);
	/* 1.0.0 dropped "version"; unknown keys are ignored. */
	parse_ok("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\","
		 "\"sandbox\":\"/n\",\"mtu\":1500}],\"ips\":[{\"address\":"
		 "\"192.168.1.9/32\",\"interface\":0}],\"future\":{\"x\":1}}",
		 &r);
	assert_int_equal(r.ips[0].address.prefix_len, 32);
	assert_int_equal(r.sandbox_iface, 0);
	cni_result_free(&r);
}

static void test_result_legacy(void **state)
{
	struct cni_result r;

	(void)state;
	parse_ok("{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.2.3.4/24\","
		 "\"gateway\":\"10.2.3.1\",\"routes\":[{\"dst\":\"0.0.0.0/"
		 "0\"}]},"
		 "\"ip6\":{\"ip\":\"fd01::4/64\"},\"dns\":{\"nameservers\":"
		 "[\"10.2.3.1\"]}}",
		 &r);
	assert_string_equal(r.cni_version, "0.2.0");
	assert_int_equal(r.n_ips, 2);
	assert_string_equal(r.ips[0].address.addr, "10.2.3.4");
	assert_string_equal(r.ips[0].gateway, "10.2.3.1");
	assert_int_equal(r.ips[1].address.family, AF_INET6);
	assert_int_equal(r.n_routes, 1);
	assert_true(cni_result_ip_in_sandbox(&r, 1));
	assert_int_equal(r.dns.n_nameservers, 1);
	cni_result_free(&r);
	/* 0.1.0 results may have no cniVersion at all. */
	parse_ok("{\"ip4\":{\"ip\":\"10.2.3.4/24\"}}", &r);
	assert_string_equal(r.cni_version, "0.1.0");
	assert_int_equal(r.n_ips, 1);
	cni_result_free(&r);
	parse_bad("{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"fd00::1/64\"}}",
		  "ip4: ip fd00::1/64 is of the other family");
	parse_bad("{\"cniVersion\":\"0.2.0\",\"ip4\":{}}", "ip4 has no ip");
}

static void test_result_bad_json(void **state)
{
	(void)state;
	parse_bad("", "not valid JSON");
	parse_bad("{\"cniVersion\":\"0.4.0\"",
		  "not valid JSON: unexpected end");
	parse_bad("garbage", "not valid JSON");
	parse_bad("{} {}", "data after its JSON value");
	parse_bad("[1]", "not a JSON object");
	parse_bad("{\"cniVersion\":\"9.9.9\"}",
		  "unsupported result cniVersion \"9.9.9\"");
	parse_bad("{\"cniVersion\":4}", "cniVersion is not a string");
	/* Nesting deeper than the tokener's bound. */
	parse_bad("{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]}",
		  "not valid JSON");
	{
		const char doc[] = "{\"cniVersion\":\"0.4.0\"}\0xx";
		struct cni_result r;
		struct error *err = NULL;

		assert_int_equal(
			cni_result_parse(doc, sizeof(doc) - 1, &r, &err), -1);
		assert_non_null(strstr(err->message, "NUL byte"));
		error_free(&err);
	}
}

static void test_result_bad_cidr(void **state)
{
	(void)state;
	parse_bad("{\"cniVersion\":\"0.4.0\",\"ips\":[{\"address\":\"10.0.0."
		  "1\"}]}",
		  "ips[0]: address \"10.0.0.1\" is not ADDR/PREFIX");
	parse_bad("{\"cniVersion\":\"0.4.0\",\"ips\":[{\"address\":"
		  "\"10.0.0.1/33\"}]}",
		  "prefix length out of range");
	parse_bad("{\"cniVersion\":\"0.4.0\",\"ips\":[{\"address\":"
		  "\"fd00::1/129\"}]}",
		  "prefix length out of range");
	parse_bad("{\"cniVersion\":\"0.4.0\",\"ips\":[{\"address\":"
		  "\"10.0.0.1/024\"}]}",
		  "bad prefix length");
	parse_bad("{\"cniVersion\":\"0.4.0\",\"ips\":[{\"address\":"
		  "\"10.0.0.1/-1\"}]}",
		  "bad prefix length");
	parse_bad("{\"cniVersion\":\"0.4.0\",\"ips\":[{\"address\":"
		  "\"10.0.0.256/8\"}]}",
		  "bad address");
	parse_bad("{\"cniVersion\":\"0.4.0\",\"ips\":[{\"address\":\"/8\"}]}",
		  "is not ADDR/PREFIX");
	parse_bad("{\"cniVersion\":\"0.4.0\",\"ips\":[{\"address\":"
		  "\"10.0.0.2/8\",\"gateway\":\"fd00::1\"}]}",
		  "gateway \"fd00::1\" is not of the address family");
	parse_bad("{\"cniVersion\":\"0.4.0\",\"ips\":[{\"address\":"
		  "\"10.0.0.2/8\",\"gateway\":\"nope\"}]}",
		  "gateway \"nope\" is not an address");
	parse_bad("{\"cniVersion\":\"0.3.1\",\"ips\":[{\"version\":\"6\","
		  "\"address\":\"10.0.0.2/8\"}]}",
		  "version \"6\" does not match");
	parse_bad("{\"cniVersion\":\"0.4.0\",\"ips\":[{}]}",
		  "ips[0] has no address");
	parse_bad("{\"cniVersion\":\"0.4.0\",\"ips\":[{\"address\":"
		  "\"10.0.0.2/8\",\"interface\":0}]}",
		  "ips[0]: interface 0 is not in interfaces");
	parse_bad("{\"cniVersion\":\"0.4.0\",\"interfaces\":[{\"name\":\"a\"}],"
		  "\"ips\":[{\"address\":\"10.0.0.2/8\",\"interface\":-1}]}",
		  "interface -1 is not in interfaces");
	parse_bad("{\"cniVersion\":\"0.4.0\",\"ips\":[{\"address\":"
		  "\"10.0.0.2/8\",\"interface\":\"0\"}]}",
		  "interface is not an integer");
	parse_bad("{\"cniVersion\":\"0.4.0\",\"routes\":[{\"dst\":\"x/1\"}]}",
		  "routes[0]: dst \"x/1\": bad address");
	parse_bad(
		"{\"cniVersion\":\"0.4.0\",\"routes\":[{\"gw\":\"1.2.3.4\"}]}",
		"routes[0] has no dst");
	parse_bad("{\"cniVersion\":\"0.4.0\",\"routes\":[{\"dst\":\"::/0\","
		  "\"gw\":\"1.2.3.4\"}]}",
		  "routes[0]: gw \"1.2.3.4\" is not of the address family");
	parse_bad("{\"cniVersion\":\"0.4.0\",\"dns\":{\"nameservers\":"
		  "[\"dns.example\"]}}",
		  "dns: nameservers[0] \"dns.example\" is not an address");
}

static void test_result_bad_mac_and_names(void **state)
{
	static const char *const macs[] = {
		"00:11:22:33:44", "00:11:22:33:44:5g", "00-11-22-33-44-55",
		"0:11:22:33:44:55:6", "001122334455"};

	(void)state;
	for (size_t i = 0; i < sizeof(macs) / sizeof(macs[0]); i++) {
		char doc[256];

		snprintf(doc, sizeof(doc),
			 "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":"
			 "\"eth0\",\"mac\":\"%s\"}]}",
			 macs[i]);
		parse_bad(doc, "is not a MAC address");
	}
	parse_bad("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":"
		  "\"0123456789abcdef\"}]}",
		  "interfaces[0]: name is longer than 15 bytes");
	parse_bad("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"a/"
		  "b\"}]}",
		  "interfaces[0] has no valid name");
	parse_bad("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"mac\":"
		  "\"00:11:22:33:44:55\"}]}",
		  "interfaces[0] has no valid name");
	parse_bad("{\"cniVersion\":\"1.0.0\",\"interfaces\":[1]}",
		  "interfaces[0] is not an object");
	parse_bad("{\"cniVersion\":\"1.0.0\",\"interfaces\":{}}",
		  "interfaces is not an array");
	parse_bad("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"a\","
		  "\"sandbox\":7}]}",
		  "interfaces[0]: sandbox is not a string");
	parse_bad("{\"cniVersion\":\"1.0.0\",\"dns\":{\"domain\":\"a b\"}}",
		  "dns: domain holds white space");
	parse_bad("{\"cniVersion\":\"1.0.0\",\"dns\":{\"search\":[\"\"]}}",
		  "dns: search[0] has a bad length");
	parse_bad("{\"cniVersion\":\"1.0.0\",\"dns\":[]}",
		  "dns is not an object");
}

/* One more entry than allowed in each array is refused. */
static void test_result_bounds(void **state)
{
	char *doc = malloc(CNI_RESULT_MAX + 2);
	size_t off;

	(void)state;
	assert_non_null(doc);
	off = (size_t)sprintf(doc, "{\"cniVersion\":\"1.0.0\",\"ips\":[");
	for (int i = 0; i <= CNI_IPS_MAX; i++)
		off += (size_t)sprintf(doc + off,
				       "%s{\"address\":\"10.0.0.%d/8\"}",
				       i ? "," : "", i + 1);
	strcpy(doc + off, "]}");
	parse_bad(doc, "ips has more than 16 entries");
	off = (size_t)sprintf(doc, "{\"cniVersion\":\"1.0.0\",\"routes\":[");
	for (int i = 0; i <= CNI_ROUTES_MAX; i++)
		off += (size_t)sprintf(doc + off,
				       "%s{\"dst\":\"10.%d.0.0/16\"}",
				       i ? "," : "", i);
	strcpy(doc + off, "]}");
	parse_bad(doc, "routes has more than 64 entries");
	off = (size_t)sprintf(doc,
			      "{\"cniVersion\":\"1.0.0\",\"interfaces\":[");
	for (int i = 0; i <= CNI_IFACES_MAX; i++)
		off += (size_t)sprintf(doc + off, "%s{\"name\":\"e%d\"}",
				       i ? "," : "", i);
	strcpy(doc + off, "]}");
	parse_bad(doc, "interfaces has more than 16 entries");
	off = (size_t)sprintf(doc, "{\"cniVersion\":\"1.0.0\",\"dns\":{"
				   "\"nameservers\":[");
	for (int i = 0; i <= CNI_DNS_MAX; i++)
		off += (size_t)sprintf(doc + off, "%s\"10.0.0.%d\"",
				       i ? "," : "", i + 1);
	strcpy(doc + off, "]}}");
	parse_bad(doc, "dns: nameservers has more than 8 entries");
	/* A document over the size bound, even if valid. */
	off = (size_t)sprintf(doc, "{\"cniVersion\":\"1.0.0\",\"x\":\"");
	memset(doc + off, 'a', CNI_RESULT_MAX + 1 - off);
	strcpy(doc + CNI_RESULT_MAX - 1, "\"}");
	parse_bad(doc, "more than 65536");
	free(doc);
}

static void test_error_text(void **state)
{
	static const char e1[] = "{\"cniVersion\":\"0.4.0\",\"code\":11,"
				 "\"msg\":\"no IP\",\"details\":\"pool full\"}";
	static const char e2[] = "{\"code\":7,\"msg\":\"bad\"}";
	static const char e3[] = "{\"code\":100}";
	char *t;

	(void)state;
	t = cni_error_text(e1, strlen(e1));
	assert_string_equal(t, "no IP (pool full)");
	free(t);
	t = cni_error_text(e2, strlen(e2));
	assert_string_equal(t, "bad");
	free(t);
	t = cni_error_text(e3, strlen(e3));
	assert_string_equal(t, "error code 100");
	free(t);
	assert_null(cni_error_text("{\"msg\":\"x\"}", 11));
	assert_null(cni_error_text("oops", 4));
	assert_null(cni_error_text("{\"code\":\"1\"}", 12));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_040),
		cmocka_unit_test(test_result_030_031_100),
		cmocka_unit_test(test_result_legacy),
		cmocka_unit_test(test_result_bad_json),
		cmocka_unit_test(test_result_bad_cidr),
		cmocka_unit_test(test_result_bad_mac_and_names),
		cmocka_unit_test(test_result_bounds),
		cmocka_unit_test(test_error_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
