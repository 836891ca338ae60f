// SPDX-License-Identifier: Apache-2.0
#include "vmm/net/tap.h"

#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define TAP_FLAGS (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)

/* The header size, non-blocking mode and no offloads until the driver
 * acks some (virtio_net.c sets them from its features). */
static int tap_setup(int fd, const char *ifname)
{
	int hdr_len = TAP_VNET_HDR_LEN;
	int fl;

	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0) {
		int e = errno;

		log_error("tap %s: TUNSETVNETHDRSZ %d: %s", ifname, hdr_len,
			  strerror(e));
		return -e;
	}
	if (ioctl(fd, TUNSETOFFLOAD, 0) < 0) {
		int e = errno;

		log_error("tap %s: TUNSETOFFLOAD: %s", ifname, strerror(e));
		return -e;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		int e = errno;

		log_error("tap %s: O_NONBLOCK: %s", ifname, strerror(e));
		return -e;
	}
	return 0;
}

int tap_open(const char *name)
{
	struct ifreq ifr;
	int fd, r;

	if (strlen(name) == 0 || strlen(name) >= IFNAMSIZ) {
		log_error("tap '%s': a name of 1..%d bytes is needed", name,
			  IFNAMSIZ - 1);
		return -EINVAL;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		log_error("tap %s: open /dev/net/tun: %s", name, strerror(-r));
		return r;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = TAP_FLAGS;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = -errno;
		log_error("tap %s: TUNSETIFF: %s%s", name, strerror(-r),
			  r == -EPERM ? " (needs CAP_NET_ADMIN, or a tap "
					"owned by this user)"
				      : "");
		close(fd);
		return r;
	}
	r = tap_setup(fd, name);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

int tap_adopt(int fd, char ifname[IFNAMSIZ])
{
	struct ifreq ifr;
	int fl;

	memset(&ifr, 0, sizeof(ifr));
	if (fcntl(fd, F_GETFD) < 0) {
		int e = errno;

		log_error("tap fd %d: %s", fd, strerror(e));
		return -e;
	}
	if (ioctl(fd, TUNGETIFF, &ifr) < 0) {
		int e = errno;

		log_error("tap fd %d: not a tun/tap device (TUNGETIFF: %s)", fd,
			  strerror(e));
		return e == ENOTTY || e == EBADFD ? -EINVAL : -e;
	}
	memcpy(ifname, ifr.ifr_name, IFNAMSIZ);
	ifname[IFNAMSIZ - 1] = '\0';
	if ((ifr.ifr_flags & TAP_FLAGS) != TAP_FLAGS) {
		log_error("tap fd %d (%s): opened without IFF_TAP, IFF_NO_PI "
			  "and IFF_VNET_HDR (flags 0x%x)",
			  fd, ifname, (unsigned int)ifr.ifr_flags & 0xffff);
		return -EINVAL;
	}
	/* Ours from now on: no leaking it into anything we might exec. */
	fl = fcntl(fd, F_GETFD);
	if (fl >= 0)
		fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
	return tap_setup(fd, ifname);
}

int tap_set_offload(int fd, unsigned int flags)
{
	return ioctl(fd, TUNSETOFFLOAD, (unsigned long)flags) < 0 ? -errno : 0;
}
