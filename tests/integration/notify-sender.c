// SPDX-License-Identifier: Apache-2.0
/*
 * The app's side of tests/integration/test_pod_notify.sh: a tiny static
 * sd_notify client for busybox images (which have no systemd-notify).
 *
 *   notify-sender MESSAGE...       one datagram per MESSAGE ("\n" kept)
 *   notify-sender --repeat N MSG   N datagrams of MSG, as fast as possible
 *   notify-sender --garbage        hostile datagrams: binary noise, an
 *                                  oversized one, an empty one, one that
 *                                  passes a file descriptor, a MAINPID=
 *
 * The socket is $NOTIFY_SOCKET ("@name": abstract). Exit 0 when every
 * datagram was sent; 2 without NOTIFY_SOCKET.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static struct sockaddr_un addr = {.sun_family = AF_UNIX};
static socklen_t addr_len;
static int fd;

static int send_one(const void *buf, size_t len, int pass_fd)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	union {
		struct cmsghdr align;
		char space[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr mh = {.msg_name = &addr,
			    .msg_namelen = addr_len,
			    .msg_iov = &iov,
			    .msg_iovlen = 1};

	if (pass_fd >= 0) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		mh.msg_control = &control;
		mh.msg_controllen = sizeof(control);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	if (sendmsg(fd, &mh, 0) < 0) {
		perror("notify-sender: sendmsg");
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	size_t n;
	int bad = 0;

	if (!sock || !*sock || strlen(sock) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "notify-sender: no NOTIFY_SOCKET\n");
		return 2;
	}
	n = strlen(sock);
	memcpy(addr.sun_path, sock, n);
	if (sock[0] == '@')
		addr.sun_path[0] = '\0';
	addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("notify-sender: socket");
		return 1;
	}
	if (argc > 1 && !strcmp(argv[1], "--garbage")) {
		static const char ctl[] =
			"READY=0\nSTATUS=\nSTATUS=x\x01y\x7fz\nWATCHDOG=2";
		static char big[8192], noise[512];

		memset(big, 'A', sizeof(big));
		memcpy(big, "READY=1\n", 8);
		for (size_t i = 0; i < sizeof(noise); i++)
			noise[i] = (char)(i * 37 + 11);
		bad |= send_one(noise, sizeof(noise), -1);
		bad |= send_one(big, sizeof(big), -1);
		bad |= send_one("", 0, -1);
		bad |= send_one("FDSTORE=1\nSTATUS=with-fd", 24, 0);
		bad |= send_one("MAINPID=1\nSTATUS=no\nMAINPID=1", 29, -1);
		bad |= send_one(ctl, sizeof(ctl) - 1, -1);
		return bad;
	}
	if (argc > 3 && !strcmp(argv[1], "--repeat")) {
		int times = atoi(argv[2]);

		for (int i = 0; i < times; i++)
			bad |= send_one(argv[3], strlen(argv[3]), -1);
		return bad;
	}
	for (int i = 1; i < argc; i++)
		bad |= send_one(argv[i], strlen(argv[i]), -1);
	return bad;
}
