// SPDX-License-Identifier: Apache-2.0
#include "guest/vsock.h"
#include "common/cleanup.h"
#include "common/ctl.h"

#include <errno.h>
#include <json-c/json.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <poll.h>
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

static int vsock_stream_header(int fd, const char *app, const char *stream)
{
	struct json_object *msg = ctl_msg_new("stream");
	int ret;

	if (!msg)
		return -ENOMEM;
	json_object_object_add(msg, "app", json_object_new_string(app));
	json_object_object_add(msg, "stream", json_object_new_string(stream));
	ret = ctl_write_json(fd, msg);
	json_object_put(msg);
	return ret < 0 ? ret : 0;
}

int vsock_open_stream(const char *app, const char *stream)
{
	cleanup_close int fd = vsock_connect_host(CTL_PORT_STDIO);
	int ret;

	if (fd < 0)
		return fd;
	ret = vsock_stream_header(fd, app, stream);
	if (ret < 0)
		return ret;
	return steal_fd(&fd);
}

/* A non-blocking connect to the host's stdio port: 0 or -errno. */
static int vsock_connect_start(int fd)
{
	struct sockaddr_vm sa = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_HOST,
		.svm_port = CTL_PORT_STDIO,
	};

	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
	    errno == EINPROGRESS)
		return 0;
	return -errno;
}

/* Waits for fd's connect to finish: 0 or -errno. */
static int vsock_connect_finish(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	socklen_t len = sizeof(int);
	int error = 0;

	for (;;) {
		int r = poll(&pfd, 1, -1);

		if (r > 0)
			break;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
		return -errno;
	if (error)
		return -error;
	/* The streams are used blocking, as vsock_open_stream's. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int vsock_open_streams(const char *app, const char *const *streams, int *fds,
		       size_t n, size_t *failed)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < n; i++)
		fds[i] = -1;
	/* All connects first: their round trips through the VMM overlap. */
	for (i = 0; i < n; i++) {
		fds[i] = socket(AF_VSOCK,
				SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		ret = fds[i] < 0 ? -errno : vsock_connect_start(fds[i]);
		if (ret < 0)
			goto fail;
	}
	for (i = 0; i < n; i++) {
		ret = vsock_connect_finish(fds[i]);
		if (ret == 0)
			ret = vsock_stream_header(fds[i], app, streams[i]);
		if (ret < 0)
			goto fail;
	}
	return 0;
fail:
	*failed = i;
	for (size_t j = 0; j < n; j++) {
		if (fds[j] >= 0)
			close(fds[j]);
		fds[j] = -1;
	}
	return ret;
}
