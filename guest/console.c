// SPDX-License-Identifier: Apache-2.0
#include "guest/console.h"
#include "guest/system.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int console_active_name(const char *text, char *name, size_t size)
{
	const char *end = text + strlen(text), *start;
	size_t len;

	while (end > text && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > text && start[-1] != ' ' && start[-1] != '\n')
		start--;
	len = end - start;
	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = start[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return -EINVAL;
	}
	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(name, start, len);
	name[len] = '\0';
	return 0;
}

static int console_dup_stdio(int fd)
{
	for (int i = 0; i < 3; i++) {
		if (fd != i && dup2(fd, i) < 0)
			return -errno;
	}
	return 0;
}

/*
 * The console fds are opened without O_CLOEXEC: one that lands on 0, 1 or
 * 2 (when the kernel left them closed) stays as that stdio fd.
 */
int console_attach_stdio(void)
{
	cleanup_close int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	int ret;

	if (fd < 0)
		return -errno;
	ret = console_dup_stdio(fd);
	if (fd <= 2)
		steal_fd(&fd); /* now one of our stdio fds: keep it */
	return ret;
}

int console_make_controlling(void)
{
	cleanup_free char *active = NULL;
	char name[64], path[80];
	cleanup_close int fd = -1;
	int ret;

	if (setsid() < 0)
		return -errno;
	ret = system_read_file("/sys/class/tty/console/active", &active);
	if (ret >= 0 && console_active_name(active, name, sizeof(name)) >= 0)
		snprintf(path, sizeof(path), "/dev/%s", name);
	else
		snprintf(path, sizeof(path), "/dev/console");
	fd = open(path, O_RDWR);
	if (fd < 0) {
		ret = -errno;
		log_error("open console %s: %s", path, strerror(-ret));
		return ret;
	}
	if (ioctl(fd, TIOCSCTTY, 0) < 0) {
		ret = -errno;
		log_error("make %s the controlling terminal: %s", path,
			  strerror(-ret));
		return ret;
	}
	ret = console_dup_stdio(fd);
	if (fd <= 2)
		steal_fd(&fd);
	return ret;
}
