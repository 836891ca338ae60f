// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: what a CNI plugin prints on stdout (a result, or an
 * error document), through cni_result_parse() and cni_error_text().
 * Checks: a parsed result keeps its documented bounds (counts, prefix
 * lengths, interface indexes, MAC and name lengths), and a refused one
 * comes back empty.
 */
#include "stage0/cni.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check_prefix(const struct cni_prefix *p)
{
	assert(p->family == AF_INET || p->family == AF_INET6);
	assert(p->prefix_len <= (p->family == AF_INET ? 32u : 128u));
	assert(strlen(p->addr) < sizeof(p->addr));
}

static void check_result(const struct cni_result *r)
{
	assert(r->n_ifaces <= CNI_IFACES_MAX);
	assert(r->n_ips <= CNI_IPS_MAX);
	assert(r->n_routes <= CNI_ROUTES_MAX);
	assert(r->dns.n_nameservers <= CNI_DNS_MAX);
	assert(r->dns.n_search <= CNI_DNS_MAX);
	assert(r->dns.n_options <= CNI_DNS_MAX);
	assert(r->sandbox_iface >= -1 && r->sandbox_iface < (int)r->n_ifaces);
	if (r->sandbox_iface >= 0)
		assert(r->ifaces[r->sandbox_iface].sandbox);
	for (size_t i = 0; i < r->n_ifaces; i++) {
		size_t mac = strlen(r->ifaces[i].mac);

		assert(mac == 0 || mac == 17);
		assert(strlen(r->ifaces[i].name) > 0 &&
		       strlen(r->ifaces[i].name) < 16);
	}
	for (size_t i = 0; i < r->n_ips; i++) {
		check_prefix(&r->ips[i].address);
		assert(r->ips[i].iface >= -1 &&
		       r->ips[i].iface < (int)r->n_ifaces);
		(void)cni_result_ip_in_sandbox(r, i);
	}
	for (size_t i = 0; i < r->n_routes; i++)
		check_prefix(&r->routes[i].dst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cni_result r;
	struct error *err = NULL;
	char *text;

	if (cni_result_parse((const char *)data, size, &r, &err) == 0) {
		assert(!err);
		check_result(&r);
	} else {
		assert(err && err->message);
		assert(r.n_ifaces == 0 && r.n_ips == 0 && r.n_routes == 0);
		error_free(&err);
	}
	cni_result_free(&r);
	text = cni_error_text((const char *)data, size);
	free(text);
	return 0;
}
