// SPDX-License-Identifier: Apache-2.0
#include "guest/vsock.h"
#include "common/cleanup.h"
#include "common/ctl.h"

#include <errno.h>
#include <json-c/json.h>
#include <linux/vm_sockets.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int vsock_connect_host(unsigned int port)
{
	struct sockaddr_vm sa = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_HOST,
		.svm_port = port,
	};
	cleanup_close int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return steal_fd(&fd);
}

int vsock_connect_host_retry(unsigned int port, int timeout_ms)
{
	const struct timespec pause = {0, 20 * 1000 * 1000};
	int fd;

	for (int waited = 0;; waited += 20) {
		fd = vsock_connect_host(port);
		if (fd >= 0 || waited >= timeout_ms)
			return fd;
		/* Anything but "not there yet" is final. */
		if (fd != -ENODEV && fd != -ECONNRESET && fd != -ECONNREFUSED &&
		    fd != -EAFNOSUPPORT && fd != -ETIMEDOUT)
			return fd;
		nanosleep(&pause, NULL);
	}
}

int vsock_listen(unsigned int port)
{
	struct sockaddr_vm sa = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_ANY,
		.svm_port = port,
	};
	cleanup_close int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 16) < 0)
		return -errno;
	return steal_fd(&fd);
}

int vsock_open_stream(const char *app, const char *stream)
{
	cleanup_close int fd = vsock_connect_host(CTL_PORT_STDIO);
	struct json_object *msg;
	int ret;

	if (fd < 0)
		return fd;
	msg = ctl_msg_new("stream");
	if (!msg)
		return -ENOMEM;
	json_object_object_add(msg, "app", json_object_new_string(app));
	json_object_object_add(msg, "stream", json_object_new_string(stream));
	ret = ctl_write_json(fd, msg);
	json_object_put(msg);
	if (ret < 0)
		return ret;
	return steal_fd(&fd);
}
