// SPDX-License-Identifier: Apache-2.0
#include "guest/system.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define SYSTEM_READ_MAX (1 << 20)

/* From include/uapi/linux/magic.h. */
#define SYSTEM_PROC_MAGIC  0x9fa0
#define SYSTEM_SYSFS_MAGIC 0x62656572

struct system_mount {
	const char *fstype;
	const char *target;
	unsigned long flags;
	const char *data;
	long magic; /* already mounted if the target has this f_type; 0: never */
};

static const struct system_mount system_mounts[] = {
	/*
	 * devtmpfs reports tmpfs's magic, as does the initramfs root below
	 * it, so its magic tells nothing: mount it; stacking is harmless.
	 */
	{"devtmpfs", "/dev", MS_NOSUID, "mode=0755", 0},
	{"proc", "/proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
	 SYSTEM_PROC_MAGIC},
	{"sysfs", "/sys", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL,
	 SYSTEM_SYSFS_MAGIC},
};

static int system_mount_one(const struct system_mount *m)
{
	struct statfs st;
	int ret;

	if (mkdir(m->target, 0755) < 0 && errno != EEXIST) {
		ret = -errno;
		log_error("create mount point %s: %s", m->target,
			  strerror(-ret));
		return ret;
	}
	if (m->magic && statfs(m->target, &st) == 0 && st.f_type == m->magic)
		return 0;
	if (mount(m->fstype, m->target, m->fstype, m->flags, m->data) < 0) {
		ret = -errno;
		log_error("mount %s on %s: %s", m->fstype, m->target,
			  strerror(-ret));
		return ret;
	}
	return 0;
}

int system_mount_all(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(system_mounts); i++) {
		int ret = system_mount_one(&system_mounts[i]);

		if (ret < 0)
			return ret;
	}
	return 0;
}

int system_read_file(const char *path, char **out)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (cap - len < 4096 + 1) {
			char *grown;

			if (cap >= SYSTEM_READ_MAX)
				return -EFBIG;
			cap = cap ? cap * 2 : 8192;
			grown = realloc(buf, cap);
			if (!grown)
				return -ENOMEM;
			buf = grown;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += n;
	}
	buf[len] = '\0';
	*out = steal_pointer(&buf);
	return (int)len;
}

void system_end_vm(void)
{
	if (getpid() != 1)
		return;
	sync();
	reboot(RB_AUTOBOOT);
	log_error("reboot: %s", strerror(errno));
	reboot(RB_POWER_OFF);
	log_error("power off: %s", strerror(errno));
	/* Exiting would panic the kernel; wait for the VMM to kill us. */
	for (;;)
		pause();
}

int system_errmsg(char *err, size_t size, int ret, const char *fmt, ...)
{
	size_t len;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	len = strlen(err);
	if (ret < 0 && len < size)
		snprintf(err + len, size - len, ": %s", strerror(-ret));
	return ret;
}
