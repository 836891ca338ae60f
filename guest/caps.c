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

/* Indexed by capability number; include/uapi/linux/capability.h. */
static const char *const caps_names[CAPS_LAST + 1] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

int caps_from_name(const char *name)
{
	for (int i = 0; i <= CAPS_LAST; i++) {
		if (!strcmp(caps_names[i], name))
			return i;
	}
	return -EINVAL;
}

const char *caps_name(int cap)
{
	return cap >= 0 && cap <= CAPS_LAST ? caps_names[cap] : NULL;
}

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
