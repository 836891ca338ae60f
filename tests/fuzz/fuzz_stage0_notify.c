// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: a frame the guest sends on the notify port
 * (stage0/notify.h), through notify_guest_msg_decode() and, when it
 * decodes, notify_host_guest_msg() on a pod of two apps, one annotated
 * (no NOTIFY_SOCKET, so nothing leaves the process). The first byte is
 * the frame's kind. Checks: a decoded message names a valid app, its
 * status is at most NOTIFY_STATUS_MAX bytes with no control byte (a
 * newline would add a MAINPID= to what systemd reads), a refused frame
 * is -EPROTO, and only the annotated app is acted on.
 */
#include "common/ctl.h"
#include "stage0/notify.h"

#include <assert.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static struct notify_host host;
static int host_ready;

static void host_init(void)
{
	struct json_object *pod = json_tokener_parse(
		"{\"type\":\"pod\",\"manifest\":{\"apps\":[{\"name\":\"web\","
		"\"annotations\":[{\"name\":\"" NOTIFY_ANNOTATION
		"\",\"value\":\"true\"}]}]},\"runtime\":{\"apps\":["
		"{\"name\":\"web\",\"image_manifest\":{}},"
		"{\"name\":\"db\",\"image_manifest\":{}}]}}");

	assert(pod);
	assert(notify_host_init(&host, NULL, pod, -1, NULL) == 0);
	json_object_put(pod);
	notify_host_pod_ready(&host);
	host_ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct notify_guest_msg m;
	int r, acted;
	size_t n;

	if (!host_ready)
		host_init();
	if (size < 1)
		return 0;
	r = notify_guest_msg_decode(data[0], data + 1, size - 1, &m);
	if (r < 0) {
		assert(r == -EPROTO);
		return 0;
	}
	assert(data[0] == CTL_KIND_JSON);
	assert(ctl_app_name_valid(m.app));
	n = strnlen(m.status, sizeof(m.status));
	assert(n <= NOTIFY_STATUS_MAX);
	assert(m.has_status || n == 0);
	for (size_t i = 0; i < n; i++)
		assert((unsigned char)m.status[i] >= 0x20 &&
		       m.status[i] != 0x7f);
	acted = notify_host_guest_msg(&host, &m);
	if (strcmp(m.app, "web"))
		assert(acted == -EPROTO);
	else
		assert(acted == 0);
	return 0;
}
