// SPDX-License-Identifier: Apache-2.0
#include "guest/approot.h"
#include "common/etchosts.h"
#include "guest/system.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

/* Paths under /proc hidden from apps, as runc and rkt hide them. */
static const char *const approot_masked[] = {
	"proc/kcore",	   "proc/keys",	       "proc/latency_stats",
	"proc/timer_list", "proc/timer_stats", "proc/sched_debug",
	"proc/acpi",	   "proc/scsi",
};
/* Paths under /proc an app may read but not change. */
static const char *const approot_readonly[] = {
	"proc/sys", "proc/sysrq-trigger", "proc/irq", "proc/bus",
	"proc/fs",  "proc/asound",
};

struct approot_node {
	const char *name;
	unsigned int major, minor;
};

/* The standard nodes (the OCI runtime spec's "Default Devices"). */
static const struct approot_node approot_nodes[] = {
	{"null", 1, 3},	  {"zero", 1, 5},    {"full", 1, 7},
	{"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};

static const char *const approot_links[][2] = {
	{"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
	{"ptmx", "pts/ptmx"},
};

static int approot_openat2(int dirfd, const char *path, int flags, mode_t mode,
			   unsigned long long resolve)
{
	struct open_how how = {
		.flags = (unsigned long long)flags | O_CLOEXEC,
		.mode = (flags & O_CREAT) ? mode : 0,
		.resolve = resolve,
	};
	long fd;

	do
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : (int)fd;
}

/* path inside the root (leading '/' allowed), symlinks kept inside. */
static int approot_open_in(int rootfd, const char *path, int flags)
{
	while (*path == '/')
		path++;
	return approot_openat2(rootfd, *path ? path : ".", flags, 0,
			       RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

/* Creates the directories of path inside the root; an O_PATH fd of it. */
static int approot_mkdirs(int rootfd, const char *path)
{
	cleanup_close int parent =
		approot_open_in(rootfd, "/", O_PATH | O_DIRECTORY);
	cleanup_free char *copy = NULL;
	char *p, *slash;
	int fd;

	if (parent < 0)
		return parent;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	p = copy;
	while (*p == '/')
		p++;
	while (*p) {
		char saved;

		slash = strchr(p, '/');
		if (!slash)
			slash = p + strlen(p);
		saved = *slash;
		*slash = '\0';
		if (mkdirat(parent, p, 0755) < 0 && errno != EEXIST)
			return -errno;
		fd = approot_open_in(rootfd, copy, O_PATH | O_DIRECTORY);
		if (fd < 0)
			return fd;
		close(parent);
		parent = fd;
		*slash = saved;
		p = *slash ? slash + 1 : slash;
	}
	return steal_fd(&parent);
}

/* The parent dirs of path, then an empty file there unless one exists. */
static int approot_mkfile(int rootfd, const char *path)
{
	cleanup_free char *dir = strdup(path);
	cleanup_close int dirfd = -1;
	char *slash;
	int fd;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	dirfd = approot_mkdirs(rootfd, dir);
	if (dirfd < 0)
		return dirfd;
	fd = approot_openat2(rootfd, path,
			     O_RDONLY | O_CREAT | O_NOCTTY | O_NONBLOCK, 0644,
			     RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (fd < 0 && fd != -EISDIR)
		return fd;
	if (fd >= 0)
		close(fd);
	return approot_open_in(rootfd, path, O_PATH);
}

static void approot_fd_path(int fd, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
}

static int approot_mount_fd(const char *source, int target_fd,
			    const char *fstype, unsigned long flags,
			    const char *data)
{
	char target[64];

	approot_fd_path(target_fd, target, sizeof(target));
	return mount(source, target, fstype, flags, data) < 0 ? -errno : 0;
}

static int approot_bind_fd(int source_fd, int target_fd, bool recursive)
{
	char source[64];

	approot_fd_path(source_fd, source, sizeof(source));
	return approot_mount_fd(source, target_fd, NULL,
				MS_BIND | (recursive ? MS_REC : 0), NULL);
}

/*
 * Makes the mount at path (inside the root) read-only. A bind remount
 * keeps only the flags it is given, so the mount's own flags are read
 * back first.
 */
static int approot_remount_ro(int rootfd, const char *path)
{
	cleanup_close int fd = approot_open_in(rootfd, path, O_PATH);
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
	struct statvfs st;

	if (fd < 0)
		return fd;
	if (fstatvfs(fd, &st) < 0)
		return -errno;
	if (st.f_flag & ST_NOSUID)
		flags |= MS_NOSUID;
	if (st.f_flag & ST_NODEV)
		flags |= MS_NODEV;
	if (st.f_flag & ST_NOEXEC)
		flags |= MS_NOEXEC;
	if (st.f_flag & ST_NOATIME)
		flags |= MS_NOATIME;
	if (st.f_flag & ST_NODIRATIME)
		flags |= MS_NODIRATIME;
	if (st.f_flag & ST_RELATIME)
		flags |= MS_RELATIME;
	return approot_mount_fd(NULL, fd, NULL, flags, NULL);
}

/* /proc; mask: hide and write-protect what runc and rkt do. */
static int approot_proc(int rootfd, bool mask, char *err, size_t size)
{
	cleanup_close int target = approot_mkdirs(rootfd, "proc");
	cleanup_close int null = -1;
	int ret;

	if (target < 0)
		return system_errmsg(err, size, target, "create /proc");
	ret = approot_mount_fd("proc", target, "proc",
			       MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (ret < 0)
		return system_errmsg(err, size, ret, "mount /proc");
	if (!mask)
		return 0;
	null = open("/dev/null", O_PATH | O_CLOEXEC);
	if (null < 0)
		return system_errmsg(err, size, -errno,
				     "open the guest's /dev/null");
	for (size_t i = 0; i < ARRAY_SIZE(approot_masked); i++) {
		cleanup_close int fd =
			approot_open_in(rootfd, approot_masked[i], O_PATH);
		struct stat st;

		if (fd == -ENOENT)
			continue;
		if (fd < 0 || fstat(fd, &st) < 0)
			return system_errmsg(err, size, fd < 0 ? fd : -errno,
					     "mask /%s", approot_masked[i]);
		if (S_ISDIR(st.st_mode))
			ret = approot_mount_fd("tmpfs", fd, "tmpfs",
					       MS_RDONLY | MS_NOSUID |
						       MS_NODEV | MS_NOEXEC,
					       "size=0,mode=0555");
		else
			ret = approot_bind_fd(null, fd, false);
		if (ret < 0)
			return system_errmsg(err, size, ret, "mask /%s",
					     approot_masked[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(approot_readonly); i++) {
		cleanup_close int fd =
			approot_open_in(rootfd, approot_readonly[i], O_PATH);

		if (fd == -ENOENT)
			continue;
		ret = fd < 0 ? fd : approot_bind_fd(fd, fd, true);
		if (ret >= 0)
			ret = approot_remount_ro(rootfd, approot_readonly[i]);
		if (ret < 0)
			return system_errmsg(err, size, ret,
					     "make /%s read-only",
					     approot_readonly[i]);
	}
	return 0;
}

static int approot_sys(int rootfd, char *err, size_t size)
{
	cleanup_close int target = approot_mkdirs(rootfd, "sys");
	int ret;

	if (target < 0)
		return system_errmsg(err, size, target, "create /sys");
	ret = approot_mount_fd("sysfs", target, "sysfs",
			       MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			       NULL);
	return ret < 0 ? system_errmsg(err, size, ret, "mount /sys") : 0;
}

static int approot_dev(int rootfd, char *err, size_t size)
{
	cleanup_close int target = approot_mkdirs(rootfd, "dev");
	cleanup_close int dev = -1;
	cleanup_close int sub = -1;
	int ret;

	if (target < 0)
		return system_errmsg(err, size, target, "create /dev");
	ret = approot_mount_fd("tmpfs", target, "tmpfs", MS_NOSUID | MS_NOEXEC,
			       "mode=0755,size=65536k");
	if (ret < 0)
		return system_errmsg(err, size, ret, "mount a tmpfs on /dev");
	/* Reopen: the fd above is the directory below the new mount. */
	dev = approot_open_in(rootfd, "dev", O_PATH | O_DIRECTORY);
	if (dev < 0)
		return system_errmsg(err, size, dev, "open /dev");
	for (size_t i = 0; i < ARRAY_SIZE(approot_nodes); i++) {
		const struct approot_node *n = &approot_nodes[i];

		if (mknodat(dev, n->name, S_IFCHR | 0666,
			    makedev(n->major, n->minor)) < 0)
			return system_errmsg(err, size, -errno,
					     "create /dev/%s", n->name);
	}
	for (size_t i = 0; i < ARRAY_SIZE(approot_links); i++) {
		if (symlinkat(approot_links[i][1], dev, approot_links[i][0]) <
		    0)
			return system_errmsg(err, size, -errno,
					     "create /dev/%s",
					     approot_links[i][0]);
	}
	if (mkdirat(dev, "pts", 0755) < 0 || mkdirat(dev, "shm", 01777) < 0)
		return system_errmsg(err, size, -errno,
				     "create /dev/pts and /dev/shm");
	/* A devpts of its own: the app sees only its own ptys. */
	sub = approot_open_in(rootfd, "dev/pts", O_PATH | O_DIRECTORY);
	ret = sub < 0 ? sub
		      : approot_mount_fd("devpts", sub, "devpts",
					 MS_NOSUID | MS_NOEXEC,
					 "newinstance,ptmxmode=0666,mode=0620");
	if (ret < 0)
		return system_errmsg(err, size, ret,
				     "mount devpts on /dev/pts");
	close(sub);
	sub = approot_open_in(rootfd, "dev/shm", O_PATH | O_DIRECTORY);
	ret = sub < 0 ? sub
		      : approot_mount_fd("shm", sub, "tmpfs",
					 MS_NOSUID | MS_NODEV | MS_NOEXEC,
					 "mode=1777");
	if (ret < 0)
		return system_errmsg(err, size, ret,
				     "mount a tmpfs on /dev/shm");
	return 0;
}

/* A pty of the app's devpts; its slave bound on /dev/console. */
static int approot_tty(int rootfd, struct approot_tty *tty, char *err,
		       size_t size)
{
	cleanup_close int console = -1;
	char name[64];
	int unlock = 0, n = 0;
	int ret;

	tty->master = approot_openat2(rootfd, "dev/pts/ptmx", O_RDWR | O_NOCTTY,
				      0, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
	if (tty->master < 0)
		return system_errmsg(err, size, tty->master,
				     "open the app's /dev/pts/ptmx");
	if (ioctl(tty->master, TIOCSPTLCK, &unlock) < 0 ||
	    ioctl(tty->master, TIOCGPTN, &n) < 0)
		return system_errmsg(err, size, -errno, "unlock the app's pty");
	snprintf(name, sizeof(name), "dev/pts/%d", n);
	tty->slave = approot_openat2(rootfd, name, O_RDWR | O_NOCTTY, 0,
				     RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
	if (tty->slave < 0)
		return system_errmsg(err, size, tty->slave, "open /%s", name);
	console = approot_mkfile(rootfd, "dev/console");
	ret = console < 0 ? console
			  : approot_bind_fd(tty->slave, console, false);
	if (ret < 0)
		return system_errmsg(err, size, ret,
				     "bind the pty on /dev/console");
	return 0;
}

static int approot_volume(int rootfd, int sharefd,
			  const struct runtime_mount *m, char *err, size_t size)
{
	cleanup_close int source = -1;
	cleanup_close int target = -1;
	struct stat st;
	int ret;

	if (m->kind == RUNTIME_MOUNT_HOST) {
		source = approot_openat2(sharefd, m->source, O_PATH, 0,
					 RESOLVE_IN_ROOT |
						 RESOLVE_NO_MAGICLINKS);
		if (source < 0)
			return system_errmsg(err, size, source,
					     "open host volume %s in the pod "
					     "share",
					     m->source);
	} else {
		char path[512];

		snprintf(path, sizeof(path), APPROOT_VOLUMES_DIR "/%s",
			 m->volume);
		source = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (source < 0)
			return system_errmsg(err, size, -errno,
					     "open empty volume %s", m->volume);
	}
	if (fstat(source, &st) < 0)
		return system_errmsg(err, size, -errno, "stat volume for %s",
				     m->target);
	target = S_ISDIR(st.st_mode) ? approot_mkdirs(rootfd, m->target)
				     : approot_mkfile(rootfd, m->target);
	if (target < 0)
		return system_errmsg(err, size, target, "create mount point %s",
				     m->target);
	ret = approot_bind_fd(source, target, true);
	if (ret < 0)
		return system_errmsg(err, size, ret, "bind a volume on %s",
				     m->target);
	if (m->readonly) {
		ret = approot_remount_ro(rootfd, m->target);
		if (ret < 0)
			return system_errmsg(err, size, ret,
					     "make %s read-only", m->target);
	}
	return 0;
}

static int approot_write(int rootfd, const char *path, const char *text)
{
	cleanup_close int fd = -1;
	size_t len = strlen(text), done = 0;

	fd = approot_openat2(rootfd, path,
			     O_WRONLY | O_CREAT | O_TRUNC | O_NOCTTY, 0644,
			     RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return fd;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return 0;
}

static int approot_etc(int rootfd, const char *hostname, char *err, size_t size)
{
	cleanup_close int etc = approot_mkdirs(rootfd, "etc");
	char text[256];
	int ret;

	if (etc < 0)
		return system_errmsg(err, size, etc, "create /etc");
	snprintf(text, sizeof(text), "%s\n", hostname);
	ret = approot_write(rootfd, "etc/hostname", text);
	if (ret < 0)
		return system_errmsg(err, size, ret, "write /etc/hostname");
	ret = etchosts_text(hostname, text, sizeof(text));
	if (ret >= 0)
		ret = approot_write(rootfd, "etc/hosts", text);
	if (ret < 0)
		return system_errmsg(err, size, ret, "write /etc/hosts");
	return 0;
}

/* The guest's own mounts, detached from the app's namespace at the end. */
static const char *const approot_detach[] = {"/run", "/dev", "/proc", "/sys"};

int approot_enter(const struct runtime *rt, const struct runtime_app *app,
		  struct approot_tty *tty, char *err, size_t err_size)
{
	int outer[ARRAY_SIZE(approot_detach)];
	cleanup_close int rootfd = -1;
	cleanup_close int sharefd = -1;
	char dir[512], source[4200];
	int ret;

	tty->master = tty->slave = -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return system_errmsg(err, err_size, -errno,
				     "make the app's mounts private");
	snprintf(dir, sizeof(dir), APPROOT_APPS_DIR "/%s", app->name);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return system_errmsg(err, err_size, -errno, "create %s", dir);
	snprintf(dir, sizeof(dir), APPROOT_APPS_DIR "/%s/root", app->name);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return system_errmsg(err, err_size, -errno, "create %s", dir);
	sharefd = open(APPROOT_SHARE_DIR, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sharefd < 0)
		return system_errmsg(err, err_size, -errno,
				     "open the pod share");
	rootfd = approot_openat2(sharefd, app->rootfs, O_PATH | O_DIRECTORY, 0,
				 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (rootfd < 0)
		return system_errmsg(err, err_size, rootfd,
				     "open rootfs %s in the pod share",
				     app->rootfs);
	approot_fd_path(rootfd, source, sizeof(source));
	if (mount(source, dir, NULL, MS_BIND | MS_REC, NULL) < 0)
		return system_errmsg(err, err_size, -errno,
				     "bind rootfs %s on %s", app->rootfs, dir);
	close(rootfd);
	rootfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return system_errmsg(err, err_size, -errno, "open %s", dir);

	ret = approot_proc(rootfd, !app->insecure_paths, err, err_size);
	if (ret >= 0)
		ret = approot_sys(rootfd, err, err_size);
	if (ret >= 0)
		ret = approot_dev(rootfd, err, err_size);
	if (ret >= 0 && app->tty)
		ret = approot_tty(rootfd, tty, err, err_size);
	for (size_t i = 0; ret >= 0 && i < app->n_mounts; i++)
		ret = approot_volume(rootfd, sharefd, &app->mounts[i], err,
				     err_size);
	/* stage0 usually wrote them already, without 9p round trips. */
	if (ret >= 0 && !rt->etc_written)
		ret = approot_etc(rootfd, rt->hostname, err, err_size);
	if (ret >= 0 && app->readonly_rootfs) {
		ret = approot_remount_ro(rootfd, "/");
		if (ret < 0)
			system_errmsg(err, err_size, ret,
				      "make the rootfs read-only");
	}
	if (ret < 0)
		return ret;

	for (size_t i = 0; i < ARRAY_SIZE(approot_detach); i++)
		outer[i] = open(approot_detach[i],
				O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* switch_root's way: MS_MOVE the new root onto / and chroot. */
	if (chdir(dir) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 ||
	    chroot(".") < 0 || chdir("/") < 0) {
		ret = -errno;
		for (size_t i = 0; i < ARRAY_SIZE(approot_detach); i++)
			if (outer[i] >= 0)
				close(outer[i]);
		return system_errmsg(err, err_size, ret,
				     "move into the app's root %s", dir);
	}
	/*
	 * The initramfs below still holds the guest's mounts; detach them
	 * from this namespace (through the app's /proc, now mounted) so that
	 * a process escaping the chroot finds nothing there.
	 */
	for (size_t i = 0; i < ARRAY_SIZE(approot_detach); i++) {
		char path[64];

		if (outer[i] < 0)
			continue;
		approot_fd_path(outer[i], path, sizeof(path));
		if (umount2(path, MNT_DETACH) < 0)
			ret = -errno;
		close(outer[i]);
		if (ret < 0)
			return system_errmsg(err, err_size, ret,
					     "detach the guest's %s",
					     approot_detach[i]);
	}
	return 0;
}
