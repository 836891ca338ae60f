// SPDX-License-Identifier: Apache-2.0
/* guest/runtime_net: the "interfaces" member, each rule and its message. */
#include "guest/runtime_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* Parses text (the value of "interfaces"): the return value, err set. */
static int parse(const char *text, struct runtime_ifaces *out, char *err,
		 size_t err_size)
{
	struct json_object *o = json_tokener_parse(text);
	int ret;

	assert_non_null(o);
	ret = runtime_net_parse_msg(o, out, err, err_size);
	json_object_put(o);
	return ret;
}

static void test_full(void **state)
{
	struct runtime_ifaces ifs;
	char err[256];

	(void)state;
	assert_int_equal(
		parse("[{\"mac\": \"AA:bb:cc:dd:ee:0F\", \"mtu\": 1450,"
		      " \"addresses\": [\"172.16.28.5/24\", \"fd00::5/64\"],"
		      " \"routes\": [{\"dst\": \"0.0.0.0/0\","
		      " \"gw\": \"172.16.28.1\"}, {\"dst\": \"fd00:1::/48\","
		      " \"gw\": \"fd00::1\"}, {\"dst\": \"10.9.0.0/16\"}]},"
		      " {\"mac\": \"02:00:00:00:00:02\"}]",
		      &ifs, err, sizeof(err)),
		0);
	assert_string_equal(err, "");
	assert_int_equal(ifs.n, 2);
	assert_string_equal(ifs.v[0].mac, "aa:bb:cc:dd:ee:0f");
	assert_int_equal(ifs.v[0].mtu, 1450);
	assert_int_equal(ifs.v[0].n_addresses, 2);
	assert_string_equal(ifs.v[0].addresses[0], "172.16.28.5/24");
	assert_string_equal(ifs.v[0].addresses[1], "fd00::5/64");
	assert_null(ifs.v[0].addresses[2]);
	assert_int_equal(ifs.v[0].n_routes, 3);
	assert_string_equal(ifs.v[0].routes[0].dst, "0.0.0.0/0");
	assert_string_equal(ifs.v[0].routes[0].gw, "172.16.28.1");
	assert_string_equal(ifs.v[0].routes[1].dst, "fd00:1::/48");
	assert_string_equal(ifs.v[0].routes[1].gw, "fd00::1");
	assert_string_equal(ifs.v[0].routes[2].dst, "10.9.0.0/16");
	assert_string_equal(ifs.v[0].routes[2].gw, "");
	/* Optional members absent. */
	assert_string_equal(ifs.v[1].mac, "02:00:00:00:00:02");
	assert_int_equal(ifs.v[1].mtu, 0);
	assert_int_equal(ifs.v[1].n_addresses, 0);
	assert_null(ifs.v[1].addresses);
	assert_int_equal(ifs.v[1].n_routes, 0);
	runtime_net_free(&ifs);
	assert_null(ifs.v);
	assert_int_equal(ifs.n, 0);
}

static void test_absent_and_empty(void **state)
{
	struct runtime_ifaces ifs;
	char err[64];

	(void)state;
	assert_int_equal(runtime_net_parse_msg(NULL, &ifs, err, sizeof(err)),
			 0);
	assert_int_equal(ifs.n, 0);
	assert_int_equal(parse("[]", &ifs, err, sizeof(err)), 0);
	assert_int_equal(ifs.n, 0);
	runtime_net_free(&ifs);
}

/* Each case: the JSON and the exact message. */
struct bad {
	const char *json;
	const char *msg;
};

static const struct bad bad_cases[] = {
	{"{}", "interfaces: object instead of an array"},
	{"[1]", "interfaces[0]: int instead of an object"},
	{"[{}]", "interfaces[0].mac: missing"},
	{"[{\"mac\": null}]", "interfaces[0].mac: null"},
	{"[{\"mac\": 5}]", "interfaces[0].mac: int instead of a string"},
	{"[{\"mac\": \"aa:bb:cc:dd:ee\"}]",
	 "interfaces[0].mac: \"aa:bb:cc:dd:ee\" is not a MAC address"},
	{"[{\"mac\": \"aa:bb:cc:dd:ee:fg\"}]",
	 "interfaces[0].mac: \"aa:bb:cc:dd:ee:fg\" is not a MAC address"},
	{"[{\"mac\": \"aa-bb-cc-dd-ee-ff\"}]",
	 "interfaces[0].mac: \"aa-bb-cc-dd-ee-ff\" is not a MAC address"},
	{"[{\"mac\": \"aa:bb:cc:dd:ee:ff:00\"}]",
	 "interfaces[0].mac: 20 bytes, at most 17"},
	{"[{\"mac\": \"01:00:5e:00:00:01\"}]",
	 "interfaces[0].mac: 01:00:5e:00:00:01 is a multicast address"},
	{"[{\"mac\": \"00:00:00:00:00:00\"}]",
	 "interfaces[0].mac: the zero address"},
	{"[{\"mac\": \"02:00:00:00:00:01\"}, {\"mac\": \"02:00:00:00:00:01\"}]",
	 "interfaces[1].mac: 02:00:00:00:00:01 is also interfaces[0]'s"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"mtu\": 67}]",
	 "interfaces[0].mtu: 67 out of range 68..65535"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"mtu\": 65536}]",
	 "interfaces[0].mtu: 65536 out of range 68..65535"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"mtu\": \"1500\"}]",
	 "interfaces[0].mtu: string instead of an integer"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"addresses\": \"10.0.0.1/8\"}]",
	 "interfaces[0].addresses: string instead of an array"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"addresses\": [\"10.0.0.1\"]}]",
	 "interfaces[0].addresses[0]: \"10.0.0.1\" is not an address/prefix"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"addresses\": [\"10.0.0.1/33\"]}]",
	 "interfaces[0].addresses[0]: \"10.0.0.1/33\" is not an "
	 "address/prefix"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"addresses\": [\"fd00::1/129\"]}]",
	 "interfaces[0].addresses[0]: \"fd00::1/129\" is not an "
	 "address/prefix"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"addresses\": [\"10.0.0.1/+8\"]}]",
	 "interfaces[0].addresses[0]: \"10.0.0.1/+8\" is not an "
	 "address/prefix"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"addresses\": [\"10.0.0.1/\"]}]",
	 "interfaces[0].addresses[0]: \"10.0.0.1/\" is not an "
	 "address/prefix"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"addresses\": [\"x/8\"]}]",
	 "interfaces[0].addresses[0]: \"x/8\" is not an address/prefix"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"addresses\": [\"\"]}]",
	 "interfaces[0].addresses[0]: empty"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"routes\": {}}]",
	 "interfaces[0].routes: object instead of an array"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"routes\": [7]}]",
	 "interfaces[0].routes[0]: int instead of an object"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"routes\": [{\"gw\": "
	 "\"1.2.3.4\"}]}]",
	 "interfaces[0].routes[0].dst: missing"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"routes\": [{\"dst\": "
	 "\"10.0.0.0\"}]}]",
	 "interfaces[0].routes[0].dst: \"10.0.0.0\" is not an address/prefix"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"routes\": [{\"dst\": "
	 "\"10.0.0.1/8\"}]}]",
	 "interfaces[0].routes[0].dst: \"10.0.0.1/8\" has host bits set"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"routes\": [{\"dst\": "
	 "\"fd00::1/64\"}]}]",
	 "interfaces[0].routes[0].dst: \"fd00::1/64\" has host bits set"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"routes\": [{\"dst\": "
	 "\"0.0.0.0/0\"}, {\"dst\": \"0.0.0.0/0\"}, {\"dst\": \"0.0.0.0/0\","
	 " \"gw\": \"x\"}]}]",
	 "interfaces[0].routes[2].gw: \"x\" is not an IP address"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"routes\": [{\"dst\": "
	 "\"0.0.0.0/0\", \"gw\": \"fd00::1\"}]}]",
	 "interfaces[0].routes[0].gw: \"fd00::1\" is not of the family of "
	 "0.0.0.0/0"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"routes\": [{\"dst\": "
	 "\"0.0.0.0/0\", \"gw\": 4}]}]",
	 "interfaces[0].routes[0].gw: int instead of a string"},
	{"[{\"mac\": \"02:00:00:00:00:01\", \"routes\": [{\"dst\": "
	 "\"0.0.0.0/0\", \"gw\": "
	 "\"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa\"}"
	 "]}]",
	 "interfaces[0].routes[0].gw: 49 bytes, at most 45"},
};

static void test_bad(void **state)
{
	struct runtime_ifaces ifs;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		int ret = parse(bad_cases[i].json, &ifs, err, sizeof(err));

		if (ret != -EINVAL || strcmp(err, bad_cases[i].msg))
			fail_msg("case %zu: %d \"%s\", wanted \"%s\"", i, ret,
				 err, bad_cases[i].msg);
		/* Nothing is left allocated (ASan checks) or half-filled. */
		assert_null(ifs.v);
		assert_int_equal(ifs.n, 0);
	}
}

/* A JSON array of n copies of item. */
static char *repeat(const char *prefix, const char *item, size_t n,
		    const char *suffix)
{
	size_t len = strlen(prefix) + n * (strlen(item) + 1) + strlen(suffix);
	char *s = malloc(len + 1), *p = s;

	assert_non_null(s);
	p += sprintf(p, "%s", prefix);
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", item);
	sprintf(p, "%s", suffix);
	return s;
}

static void test_bounds(void **state)
{
	struct runtime_ifaces ifs;
	char err[256], item[64];
	char *s;

	(void)state;
	/* 8 interfaces pass, 9 do not. */
	s = malloc(4096);
	assert_non_null(s);
	strcpy(s, "[");
	for (int i = 0; i < 9; i++) {
		snprintf(item, sizeof(item),
			 "%s{\"mac\": \"02:00:00:00:00:%02x\"}", i ? "," : "",
			 i + 1);
		strcat(s, item);
		if (i == 7) {
			strcat(s, "]");
			assert_int_equal(parse(s, &ifs, err, sizeof(err)), 0);
			assert_int_equal(ifs.n, 8);
			runtime_net_free(&ifs);
			s[strlen(s) - 1] = '\0';
		}
	}
	strcat(s, "]");
	assert_int_equal(parse(s, &ifs, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "interfaces: 9 entries, at most 8");
	free(s);

	s = repeat("[{\"mac\": \"02:00:00:00:00:01\", \"addresses\": [",
		   "\"10.0.0.1/8\"", 16, "]}]");
	assert_int_equal(parse(s, &ifs, err, sizeof(err)), 0);
	assert_int_equal(ifs.v[0].n_addresses, 16);
	runtime_net_free(&ifs);
	free(s);
	s = repeat("[{\"mac\": \"02:00:00:00:00:01\", \"addresses\": [",
		   "\"10.0.0.1/8\"", 17, "]}]");
	assert_int_equal(parse(s, &ifs, err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
			    "interfaces[0].addresses: 17 entries, at most 16");
	free(s);

	s = repeat("[{\"mac\": \"02:00:00:00:00:01\", \"routes\": [",
		   "{\"dst\": \"10.0.0.0/8\", \"gw\": \"10.0.0.1\"}", 64,
		   "]}]");
	assert_int_equal(parse(s, &ifs, err, sizeof(err)), 0);
	assert_int_equal(ifs.v[0].n_routes, 64);
	runtime_net_free(&ifs);
	free(s);
	s = repeat("[{\"mac\": \"02:00:00:00:00:01\", \"routes\": [",
		   "{\"dst\": \"10.0.0.0/8\"}", 65, "]}]");
	assert_int_equal(parse(s, &ifs, err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
			    "interfaces[0].routes: 65 entries, at most 64");
	free(s);

	/* The longest IPv6 CIDR fits dst; the MTU bounds are inclusive. */
	assert_int_equal(
		parse("[{\"mac\": \"02:00:00:00:00:01\", \"mtu\": 68, "
		      "\"addresses\": [\"ffff:ffff:ffff:ffff:ffff:ffff:"
		      "255.255.255.255/128\"], \"routes\": [{\"dst\": "
		      "\"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128\","
		      " \"gw\": \"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255."
		      "255\"}]}, {\"mac\": \"02:00:00:00:00:02\", \"mtu\": "
		      "65535}]",
		      &ifs, err, sizeof(err)),
		0);
	assert_int_equal(ifs.v[0].mtu, 68);
	assert_int_equal(ifs.v[1].mtu, 65535);
	runtime_net_free(&ifs);
}

static void test_cidr_and_mac(void **state)
{
	unsigned char addr[16], mac[6];
	unsigned prefix;
	int family;

	(void)state;
	assert_int_equal(
		runtime_net_cidr("10.1.2.3/32", &family, addr, &prefix), 0);
	assert_int_equal(family, AF_INET);
	assert_int_equal(prefix, 32);
	assert_memory_equal(addr, "\x0a\x01\x02\x03", 4);
	assert_int_equal(runtime_net_cidr("::/0", &family, addr, &prefix), 0);
	assert_int_equal(family, AF_INET6);
	assert_int_equal(prefix, 0);
	assert_int_equal(
		runtime_net_cidr("10.1.2.3/032x", &family, addr, &prefix), -1);
	assert_int_equal(
		runtime_net_cidr("10.1.2.3/0032", &family, addr, &prefix), -1);
	assert_int_equal(runtime_net_cidr("/8", &family, addr, &prefix), -1);
	assert_int_equal(runtime_net_mac("0A:1b:2C:3d:4E:5f", mac), 0);
	assert_memory_equal(mac, "\x0a\x1b\x2c\x3d\x4e\x5f", 6);
	assert_int_equal(runtime_net_mac("0a:1b:2c:3d:4e:5", mac), -1);
	assert_int_equal(runtime_net_mac("0a:1b:2c:3d:4e:5f ", mac), -1);
	assert_int_equal(runtime_net_mac("0a:1b:2c:3d:4e-5f", mac), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_absent_and_empty),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_cidr_and_mac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
