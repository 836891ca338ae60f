// SPDX-License-Identifier: Apache-2.0
/*
 * The VMM confines its own process (vmm/sandbox.h, docs/security.md):
 * namespaces and a pivot_root into an empty tmpfs, rlimits, capabilities,
 * no_new_privs and no core dumps. The seccomp part is sandbox_seccomp.c.
 */
#include "vmm/sandbox.h"

#include "common/cleanup.h"
#include "common/log.h"
#include "vmm/sandbox_rules.h"
#include "vmm/sandbox_seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The new root: a few directories, nothing else. */
#define SANDBOX_ROOT_OPTS "mode=0755,size=64k,nr_inodes=64"
#define SANDBOX_MS_SAFE	  (MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* mkdir -p of a relative path inside dirfd. */
static int sandbox_mkdirs(int dirfd, const char *rel)
{
	char path[PATH_MAX];
	size_t len = strlen(rel);

	if (len == 0 || len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, rel, len + 1);
	for (char *p = path;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p > path && p[-1] != '/') {
			char c = *p;

			*p = '\0';
			if (mkdirat(dirfd, path, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = c;
		}
		if (*p == '\0')
			return 0;
	}
}

static int sandbox_fail(const char *what, const char *arg)
{
	int e = errno;

	log_error("sandbox: %s%s%s: %s", what, arg ? " " : "", arg ? arg : "",
		  strerror(e));
	return -e;
}

/*
 * A private mount namespace whose root is a fresh tmpfs (mounted over the
 * working directory, which is where the VMM was started: the pod dir),
 * read-only, holding keep_dir bound at the same relative path (nosuid,
 * nodev, noexec; writable, for the vsock listener's unlink at exit: the
 * device thread, whose path syscalls could otherwise create there, may
 * only use them relative to real directory fds, see sandbox_rules.c), and
 * /proc (its pid entries only) when 9p needs it. The old root is
 * detached, and the working directory is the new root, so relative paths
 * into keep_dir resolve as before.
 */
static int sandbox_mounts(const char *keep_dir)
{
	char cwd[PATH_MAX], src[64];
	cleanup_close int keep_fd = -1, root_fd = -1;
	const char *rel = keep_dir;
	unsigned long safe = MS_BIND | MS_REMOUNT | SANDBOX_MS_SAFE;

	if (!getcwd(cwd, sizeof(cwd)))
		return sandbox_fail("working directory", NULL);
	if (!strcmp(cwd, "/")) {
		log_error("sandbox: run cocoon-vmm from a directory other "
			  "than / (the new root is mounted over it)");
		return -EINVAL;
	}
	if (keep_dir) {
		while (*rel == '/')
			rel++;
		if (!*rel || !strcmp(rel, ".")) {
			log_error("sandbox: the vsock socket must be in a "
				  "directory below the working directory or "
				  "/ (stage1/vsock, /run/x/vsock), not in %s",
				  keep_dir);
			return -EINVAL;
		}
	}
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET |
		    CLONE_NEWCGROUP) < 0)
		return sandbox_fail("unshare", "mount, IPC, UTS, net, cgroup");
	/* Nothing we do propagates to the host, nothing of it to us. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return sandbox_fail("make / private", NULL);
	/* Opened in the new namespace (a bind mount's source must be in
	 * it), before the tmpfs covers the path. */
	if (keep_dir) {
		keep_fd = open(keep_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (keep_fd < 0)
			return sandbox_fail("open", keep_dir);
	}
	if (mount("cocoon-vmm", ".", "tmpfs", SANDBOX_MS_SAFE,
		  SANDBOX_ROOT_OPTS) < 0)
		return sandbox_fail("mount a tmpfs on", cwd);
	/* "." still names the directory below; the path crosses into it. */
	root_fd = open(cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return sandbox_fail("open the new root", cwd);
	if (keep_dir) {
		int r = sandbox_mkdirs(root_fd, rel);

		if (r < 0) {
			errno = -r;
			return sandbox_fail("create", rel);
		}
		snprintf(src, sizeof(src), "/proc/self/fd/%d", keep_fd);
		if (fchdir(root_fd) < 0)
			return sandbox_fail("enter the new root", NULL);
		if (mount(src, rel, NULL, MS_BIND, NULL) < 0 ||
		    mount(NULL, rel, NULL, safe, NULL) < 0)
			return sandbox_fail("bind", keep_dir);
	}
	if (fchdir(root_fd) < 0)
		return sandbox_fail("enter the new root", NULL);
	/* p9_chmod_fd() reopens regular files through /proc/self/fd where
	 * the kernel lacks fchmodat2. */
	if (sandbox_lacks_fchmodat2() &&
	    (mkdir("proc", 0555) < 0 ||
	     mount("proc", "proc", "proc", SANDBOX_MS_SAFE | MS_RDONLY,
		   "subset=pid") < 0))
		return sandbox_fail("mount /proc", NULL);
	/* The old root goes on top of the new; detach it, unreachable. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return sandbox_fail("pivot_root", NULL);
	if (umount2(".", MNT_DETACH) < 0)
		return sandbox_fail("detach the old root", NULL);
	if (chdir("/") < 0)
		return sandbox_fail("chdir /", NULL);
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | SANDBOX_MS_SAFE,
		  NULL) < 0)
		return sandbox_fail("make the new root read-only", NULL);
	return 0;
}

/*
 * Files: what the VMM has now (main.c raised it for 9p) and no more, also
 * as the hard limit. Core dumps: never (guest memory). Locked memory and
 * POSIX message queues: none is used. Not limited: RLIMIT_NPROC (root is
 * exempt from it; seccomp forbids clone once the threads run) and
 * RLIMIT_FSIZE (9p writes files as large as the guest makes them: a
 * limit would be SIGXFSZ, the VMM's death).
 */
static int sandbox_rlimits(void)
{
	static const int zero[] = {RLIMIT_CORE, RLIMIT_MEMLOCK,
				   RLIMIT_MSGQUEUE};
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return sandbox_fail("getrlimit", "RLIMIT_NOFILE");
	rl.rlim_max = rl.rlim_cur;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return sandbox_fail("setrlimit", "RLIMIT_NOFILE");
	for (size_t i = 0; i < ARRAY_SIZE(zero); i++) {
		struct rlimit none = {0, 0};

		if (setrlimit(zero[i], &none) < 0)
			return sandbox_fail("setrlimit", "to 0");
	}
	return 0;
}

static bool sandbox_cap_kept(int cap)
{
	for (size_t i = 0; i < sandbox_ncaps; i++)
		if (sandbox_caps[i].cap == cap)
			return true;
	return false;
}

/*
 * Bounding set and ambient set first (they need CAP_SETPCAP), then
 * effective and permitted cut to sandbox_caps, inheritable empty. The
 * securebits make sure no exec could give root its capabilities back
 * (seccomp forbids exec anyway).
 */
static int sandbox_caps_drop(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (prctl(PR_SET_SECUREBITS,
		  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
			  SECBIT_NO_CAP_AMBIENT_RAISE |
			  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
		  0, 0, 0) < 0)
		return sandbox_fail("set securebits", NULL);
	for (int cap = 0; cap <= 63; cap++) {
		if (sandbox_cap_kept(cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL) /* past the kernel's last cap */
				break;
			return sandbox_fail("drop from the bounding set", NULL);
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return sandbox_fail("clear the ambient capabilities", NULL);
	memset(data, 0, sizeof(data));
	for (size_t i = 0; i < sandbox_ncaps; i++) {
		int cap = sandbox_caps[i].cap;

		data[cap / 32].effective |= 1u << (cap % 32);
		data[cap / 32].permitted |= 1u << (cap % 32);
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return sandbox_fail("capset", NULL);
	return 0;
}

int sandbox_enter(const struct sandbox_config *cfg)
{
	bool trace = cfg->mode == SANDBOX_TRACE;
	struct timespec t0, t1;
	int r;

	if (cfg->mode == SANDBOX_OFF) {
		log_debug("sandbox: off (--no-sandbox)");
		return 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = sandbox_seccomp_build(trace);
	if (!r)
		r = sandbox_mounts(cfg->keep_dir);
	if (!r)
		r = sandbox_rlimits();
	if (!r)
		r = sandbox_caps_drop();
	if (!r && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = sandbox_fail("set no_new_privs", NULL);
	/* Nobody (but root with CAP_SYS_PTRACE) reads our memory or fds. */
	if (!r && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		r = sandbox_fail("clear dumpable", NULL);
	if (!r)
		r = sandbox_seccomp_arm(trace);
	if (r < 0) {
		if (r == -EPERM)
			log_error("sandbox: the VMM confines itself as root "
				  "(CAP_SYS_ADMIN); --no-sandbox runs it "
				  "unconfined, for debugging only");
		return r;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_debug("sandbox: confined in %ld us%s",
		  (long)((t1.tv_sec - t0.tv_sec) * 1000000 +
			 (t1.tv_nsec - t0.tv_nsec) / 1000),
		  trace ? " (trace mode: forbidden syscalls fail)" : "");
	return 0;
}
