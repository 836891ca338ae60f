/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest system around cocoon-init: its file systems, small kernel
 * files, and the end of the VM.
 */
#ifndef COCOON_GUEST_SYSTEM_H
#define COCOON_GUEST_SYSTEM_H

#include <stddef.h>

/*
 * Mounts devtmpfs on /dev (CONFIG_DEVTMPFS_MOUNT does not apply to an
 * initramfs), proc on /proc and sysfs on /sys, creating the mount points
 * if missing. A file system already mounted there is left alone. Logs and
 * returns -errno on the first failure.
 */
int system_mount_all(void);

/*
 * Reads a whole small file (proc and sysfs files report size 0, so this
 * reads to EOF) into a malloc'd NUL-terminated string; at most 1 MiB.
 * Returns the length or -errno (-EFBIG past the bound).
 */
int system_read_file(const char *path, char **out);

/*
 * Syncs and ends the VM with reboot(RB_AUTOBOOT): the guest kernel is
 * booted with reboot=k, so the VMM sees an i8042 reset and exits 0. Only
 * when we are PID 1 (it never reboots a host we are tested on); otherwise
 * it returns. As PID 1 it never returns: init must not exit.
 */
void system_end_vm(void);

/*
 * Formats a message into err (size bytes) and, when ret < 0, appends
 * ": strerror(-ret)"; returns ret. For setup steps that report one line
 * to the host.
 */
int system_errmsg(char *err, size_t size, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
