// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: what the host does with bytes a guest sends on the
 * control connection. The input is split into reads of varying sizes (the
 * first byte picks the chunk size) and fed to the frame reader; every frame
 * goes through ctl_guest_msg_decode(). Checks: a decoded message has its
 * fields in the documented ranges, and the reader stops at the first error.
 */
#include "common/ctl.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

static void check_msg(const struct ctl_guest_msg *m)
{
	switch (m->type) {
	case CTL_GUEST_HELLO:
		assert(m->version >= 1);
		break;
	case CTL_GUEST_APP_STARTED:
		assert(ctl_app_name_valid(m->app) && m->pid > 0);
		break;
	case CTL_GUEST_APP_EXITED:
		assert(ctl_app_name_valid(m->app));
		assert(m->status >= -1 && m->status <= 255);
		assert(m->signal >= 0 && m->signal <= 64);
		assert((m->status == -1) == (m->signal != 0));
		break;
	case CTL_GUEST_ERROR:
		assert(strlen(m->message) <= CTL_MESSAGE_MAX);
		assert(m->app[0] == '\0' || ctl_app_name_valid(m->app));
		break;
	case CTL_GUEST_READY:
	case CTL_GUEST_POD_EXITED:
		break;
	default:
		assert(!"unknown message type");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_reader r;
	size_t chunk, off = 1;
	bool broken = false;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] + 1;
	ctl_reader_init(&r);
	while (off < size && !broken) {
		size_t n = size - off < chunk ? size - off : chunk;
		const uint8_t *payload;
		size_t len;
		uint8_t kind;
		int ret;

		if (ctl_reader_feed(&r, data + off, n) < 0)
			break;
		off += n;
		while ((ret = ctl_reader_next(&r, &kind, &payload, &len)) ==
		       1) {
			struct ctl_guest_msg m;

			assert(len < CTL_FRAME_MAX);
			if (ctl_guest_msg_decode(kind, payload, len, &m) == 0)
				check_msg(&m);
		}
		if (ret < 0)
			broken = true;
	}
	ctl_reader_free(&r);
	return 0;
}
