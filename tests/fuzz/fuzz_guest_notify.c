// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: a datagram an app sends to its NOTIFY_SOCKET in the
 * guest (guest/notify.h), through notify_parse() and, when something is
 * to be forwarded, notify_frame(); plus the same bytes as the app's
 * /proc/PID/cgroup for notify_cgroup_matches(). Checks: the status is at
 * most NOTIFY_STATUS_MAX bytes of printable text, the return value says
 * whether a flag or status was found, and the frame is JSON of type
 * "notify" carrying exactly the parsed fields.
 */
#include "common/ctl.h"
#include "guest/notify.h"

#include <assert.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int has_true(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	assert(json_object_is_type(v, json_type_boolean));
	assert(json_object_get_boolean(v));
	return 1;
}

static void check_frame(const struct notify_msg *m)
{
	char *s = notify_frame("web", m);
	struct json_object *o, *v;
	const char *type;

	assert(s);
	assert(ctl_parse_json((const uint8_t *)s, strlen(s), &o, &type) == 0);
	assert(!strcmp(type, "notify"));
	assert(json_object_object_get_ex(o, "app", &v));
	assert(!strcmp(json_object_get_string(v), "web"));
	assert(has_true(o, "ready") == m->ready);
	assert(has_true(o, "reloading") == m->reloading);
	assert(has_true(o, "stopping") == m->stopping);
	assert(has_true(o, "watchdog") == m->watchdog);
	assert(json_object_object_get_ex(o, "status", &v) == m->has_status);
	if (m->has_status)
		assert(!strcmp(json_object_get_string(v), m->status));
	json_object_put(o);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct notify_msg m;
	size_t n;
	int r;

	r = notify_parse((const char *)data, size, &m);
	assert(r == (m.ready || m.reloading || m.stopping || m.watchdog ||
		     m.has_status));
	n = strnlen(m.status, sizeof(m.status));
	assert(n <= NOTIFY_STATUS_MAX);
	assert(m.has_status || n == 0);
	for (size_t i = 0; i < n; i++)
		assert((unsigned char)m.status[i] >= 0x20 &&
		       m.status[i] != 0x7f);
	if (r)
		check_frame(&m);
	/* the result only matters for a line of the app's own cgroup */
	if (notify_cgroup_matches((const char *)data, size, "web"))
		assert(memmem(data, size, "0::/apps/web", 12));
	return 0;
}
