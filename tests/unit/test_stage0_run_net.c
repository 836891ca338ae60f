// SPDX-License-Identifier: Apache-2.0
/*
 * The network flags of `run`/`prepare` (stage0/run_net.c) through the
 * whole flag parser: values kept as given, lists split and repeated, and
 * each malformed value refused with the flag and the reason.
 */
#include "stage0/run_options.h"
#include "common/cleanup.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#define ARGV(...) ((char *[]){"run", __VA_ARGS__, NULL})

static int count(char **argv)
{
	int n = 0;

	while (argv[n])
		n++;
	return n;
}

static struct run_options *parse_ok(char **argv)
{
	cleanup_error struct error *err = NULL;
	struct run_options *o = NULL;

	if (run_options_parse(count(argv), argv, true, &o, &err) < 0)
		fail_msg("refused: %s", err->message);
	return o;
}

static void parse_bad(char **argv, const char *expect)
{
	cleanup_error struct error *err = NULL;
	struct run_options *o = NULL;

	if (run_options_parse(count(argv), argv, true, &o, &err) == 0) {
		run_options_free(o);
		fail_msg("accepted, expected \"%s\"", expect);
	}
	if (!strstr(err->message, expect))
		fail_msg("error \"%s\" lacks \"%s\"", err->message, expect);
}

static void test_net_spec(void **state)
{
	struct run_options *o;

	(void)state;
	o = parse_ok(ARGV("img"));
	assert_string_equal(run_net_spec(&o->net), "default");
	assert_true(run_net_enabled(&o->net));
	run_options_free(o);
	o = parse_ok(ARGV("--net", "img"));
	assert_string_equal(run_net_spec(&o->net), "default");
	run_options_free(o);
	o = parse_ok(ARGV("--net=none", "img"));
	assert_false(run_net_enabled(&o->net));
	run_options_free(o);
	/* The list itself is checked when the pod starts (CNI configs). */
	o = parse_ok(ARGV("--net=default,mynet:IP=10.1.2.3;X=y", "img"));
	assert_string_equal(run_net_spec(&o->net),
			    "default,mynet:IP=10.1.2.3;X=y");
	run_options_free(o);
	parse_bad(ARGV("--net=host", "img"), "cannot share the host's network");
	/* The syntax is checked on the command line (stage0/cni.h). */
	parse_bad(ARGV("--net=default,,x", "img"),
		  "--net=default,,x: empty network name");
	parse_bad(ARGV("--net=a,a", "img"),
		  "--net=a,a: network a is named twice");
	parse_bad(ARGV("--net=b@d", "img"), "is not a valid network name");
	parse_bad(ARGV("--net=none:X=1", "img"), "none takes no CNI args");
}

static void test_ports(void **state)
{
	struct run_options *o = parse_ok(ARGV("--port=http:8080", "--port",
					      "dns:127.0.0.1:5353",
					      "--port=web:[::1]:8443", "img"));

	(void)state;
	assert_int_equal(o->net.nports, 3);
	assert_string_equal(o->net.ports[0].name, "http");
	assert_null(o->net.ports[0].host_ip);
	assert_int_equal(o->net.ports[0].host_port, 8080);
	assert_string_equal(o->net.ports[1].name, "dns");
	assert_string_equal(o->net.ports[1].host_ip, "127.0.0.1");
	assert_int_equal(o->net.ports[1].host_port, 5353);
	assert_string_equal(o->net.ports[2].host_ip, "::1");
	assert_int_equal(o->net.ports[2].host_port, 8443);
	run_options_free(o);

	parse_bad(ARGV("--port=http", "img"), "--port=http: want NAME:");
	parse_bad(ARGV("--port=Http:80", "img"), "want NAME:");
	parse_bad(ARGV("--port=http:0", "img"), "\"0\" is not a port");
	parse_bad(ARGV("--port=http:65536", "img"), "\"65536\" is not a port");
	parse_bad(ARGV("--port=http:-1", "img"), "is not a port");
	parse_bad(ARGV("--port=http:1.2.3:80", "img"),
		  "\"1.2.3\" is not an IP address");
	parse_bad(ARGV("--port=a:80", "--port=b:80", "img"),
		  "host port 80 is published twice");
}

static void test_dns(void **state)
{
	struct run_options *o = parse_ok(
		ARGV("--dns=8.8.8.8,2001:db8::1", "--dns", "1.1.1.1",
		     "--dns-search=example.com,corp", "--dns-opt=ndots:2",
		     "--dns-domain=example.com", "img"));

	(void)state;
	assert_int_equal(o->net.dns.n, 3);
	assert_string_equal(o->net.dns.v[0], "8.8.8.8");
	assert_string_equal(o->net.dns.v[1], "2001:db8::1");
	assert_string_equal(o->net.dns.v[2], "1.1.1.1");
	assert_int_equal(o->net.search.n, 2);
	assert_string_equal(o->net.search.v[1], "corp");
	assert_int_equal(o->net.opts.n, 1);
	assert_string_equal(o->net.opts.v[0], "ndots:2");
	assert_string_equal(o->net.domain, "example.com");
	run_options_free(o);
	o = parse_ok(ARGV("--dns=host", "img"));
	assert_string_equal(o->net.dns.v[0], "host");
	run_options_free(o);

	parse_bad(ARGV("--dns=8.8.8", "img"),
		  "--dns=8.8.8: \"8.8.8\" is not an IP address, \"host\" or "
		  "\"none\"");
	parse_bad(ARGV("--dns=host,8.8.8.8", "img"), "stand alone");
	parse_bad(ARGV("--dns=", "img"), "an empty or too long");
	parse_bad(ARGV("--dns-search=bad..name", "img"), "is not a domain");
	parse_bad(ARGV("--dns-search=a b", "img"), "is not a domain");
	parse_bad(ARGV("--dns-opt=a b", "img"), "is not a resolv.conf option");
	parse_bad(ARGV("--dns-domain=-x", "img"), "is not a domain");
}

static void test_hosts_entry(void **state)
{
	struct run_options *o =
		parse_ok(ARGV("--hosts-entry=10.0.0.5=db.example",
			      "--hosts-entry", "fd00::1=v6", "img"));

	(void)state;
	assert_int_equal(o->net.hosts.n, 2);
	assert_string_equal(o->net.hosts.v[0], "10.0.0.5=db.example");
	assert_string_equal(o->net.hosts.v[1], "fd00::1=v6");
	run_options_free(o);
	o = parse_ok(ARGV("--hosts-entry=host", "img"));
	assert_string_equal(o->net.hosts.v[0], "host");
	run_options_free(o);

	parse_bad(ARGV("--hosts-entry=db", "img"), "want IP=HOSTNAME or host");
	parse_bad(ARGV("--hosts-entry=10.0.0=db", "img"),
		  "\"10.0.0\" is not an IP address");
	parse_bad(ARGV("--hosts-entry=10.0.0.1=bad name", "img"),
		  "is not a host name");
	parse_bad(ARGV("--hosts-entry=host", "--hosts-entry=1.2.3.4=a", "img"),
		  "stands alone");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_net_spec),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_hosts_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
