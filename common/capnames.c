// SPDX-License-Identifier: Apache-2.0
#include "common/capnames.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

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

const char *caps_name(int cap)
{
	return cap >= 0 && cap <= CAPS_LAST ? caps_names[cap] : NULL;
}

int caps_from_name(const char *name)
{
	for (int i = 0; i <= CAPS_LAST; i++) {
		if (!strcmp(caps_names[i], name))
			return i;
	}
	return -EINVAL;
}

int caps_from_name_loose(const char *name)
{
	const char *bare = name;

	if (!strncasecmp(bare, "CAP_", 4))
		bare += 4;
	for (int i = 0; i <= CAPS_LAST; i++) {
		if (!strcasecmp(bare, caps_names[i] + 4))
			return i;
	}
	return -EINVAL;
}
