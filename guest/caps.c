// SPDX-License-Identifier: Apache-2.0
#include "guest/caps.h"
#include "guest/system.h"
#include "common/cleanup.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's highest capability; CAPS_LAST when it cannot be read. */
static int caps_kernel_last(void)
{
	cleanup_free char *text = NULL;
	long last;

	if (system_read_file("/proc/sys/kernel/cap_last_cap", &text) < 0)
		return CAPS_LAST;
	last = strtol(text, NULL, 10);
	return last > 0 && last < 64 ? (int)last : CAPS_LAST;
}

int caps_drop_bounding(uint64_t keep)
{
	int last = caps_kernel_last();

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	for (int cap = 0; cap <= last; cap++) {
		if (keep & (1ull << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	}
	return 0;
}

int caps_set(uint64_t keep)
{
	struct __user_cap_header_struct header = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[2];
	int last = caps_kernel_last();

	for (int i = 0; i < 2; i++) {
		uint32_t word = (uint32_t)(keep >> (32 * i));

		data[i].effective = word;
		data[i].permitted = word;
		data[i].inheritable = word;
	}
	if (syscall(SYS_capset, &header, data) < 0)
		return -errno;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return -errno;
	for (int cap = 0; cap <= last && cap < 64; cap++) {
		if (!(keep & (1ull << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return -errno;
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return -errno;
	return 0;
}
