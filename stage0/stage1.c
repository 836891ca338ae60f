// SPDX-License-Identifier: Apache-2.0
#include "stage0/stage1.h"

#include "common/cleanup.h"
#include "common/log.h"
#include "stage0/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* With `cocoon --debug`, "1" starts the VMM with --no-sandbox. */
#define STAGE1_NO_SANDBOX_ENV "COCOON_VMM_NO_SANDBOX"

static char *stage1_join(const char *dir, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", dir, name) < 0)
		return NULL;
	return p;
}

/*
 * NULL when dir holds all three (executable VMM, readable kernel and
 * initrd), else the name of the first one missing there.
 */
static const char *stage1_missing(const char *dir)
{
	static const struct {
		const char *name;
		int mode;
	} parts[] = {
		{"cocoon-vmm", X_OK},
		{"vmlinux", R_OK},
		{"initrd.cpio", R_OK},
	};

	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		cleanup_free char *p = stage1_join(dir, parts[i].name);

		if (!p || access(p, parts[i].mode) < 0)
			return parts[i].name;
	}
	return NULL;
}

static int stage1_fill(struct stage1 *out, const char *dir, struct error **err)
{
	out->dir = strdup(dir);
	out->vmm = stage1_join(dir, "cocoon-vmm");
	out->kernel = stage1_join(dir, "vmlinux");
	out->initrd = stage1_join(dir, "initrd.cpio");
	if (!out->dir || !out->vmm || !out->kernel || !out->initrd) {
		stage1_free(out);
		return error_set(err, ENOMEM, "find stage1: out of memory");
	}
	return 0;
}

int stage1_find(struct stage1 *out, struct error **err)
{
	char exe[PATH_MAX], bindir[PATH_MAX], libdir[PATH_MAX + 16];
	const char *env = getenv(STAGE1_DIR_ENV);
	const char *miss_bin, *miss_lib;
	ssize_t n;
	char *slash;

	memset(out, 0, sizeof(*out));
	if (env && *env) {
		const char *miss = stage1_missing(env);

		if (miss)
			return error_set(err, ENOENT,
					 "find stage1: %s not found in %s "
					 "(from $%s)",
					 miss, env, STAGE1_DIR_ENV);
		return stage1_fill(out, env, err);
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return error_set_errno(err, "find stage1: read /proc/self/exe");
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return error_set(err, EINVAL,
				 "find stage1: odd executable path %s", exe);
	*slash = '\0';
	snprintf(bindir, sizeof(bindir), "%s", *exe ? exe : "/");
	miss_bin = stage1_missing(bindir);
	if (!miss_bin)
		return stage1_fill(out, bindir, err);
	/* Installed: <prefix>/bin/cocoon and <prefix>/lib/cocoon/. */
	snprintf(libdir, sizeof(libdir), "%s/../lib/cocoon", bindir);
	miss_lib = stage1_missing(libdir);
	if (!miss_lib) {
		char *real = realpath(libdir, NULL);
		int r = stage1_fill(out, real ? real : libdir, err);

		free(real);
		return r;
	}
	return error_set(
		err, ENOENT,
		"find stage1: no complete stage1 (cocoon-vmm, vmlinux, "
		"initrd.cpio): %s missing in %s, %s missing in %s; "
		"set $%s to the directory holding them",
		miss_bin, bindir, miss_lib, libdir, STAGE1_DIR_ENV);
}

void stage1_free(struct stage1 *s)
{
	free(s->dir);
	free(s->vmm);
	free(s->kernel);
	free(s->initrd);
	memset(s, 0, sizeof(*s));
}

/*
 * In the child, between clone and exec: async-signal-safe calls only. It
 * is PID 1 of a new PID namespace, where getppid() says 0: whether the
 * supervisor is still there is asked of its pidfd instead (readable once
 * it has exited).
 */
static void __attribute__((noreturn))
stage1_child(struct pod *p, char **argv, int procs_fd, int console_w,
	     const struct stage1_vm *vm, int parent_pidfd)
{
	static const char msg_cg[] = "cocoon: cannot join the pod's cgroup\n";
	static const char msg_exec[] = "cocoon: cannot exec cocoon-vmm\n";
	struct pollfd parent = {.fd = parent_pidfd, .events = POLLIN};
	sigset_t none;
	int null_fd;

	/* A SIGKILLed supervisor takes the VMM down (prctl(2)). */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
	    (parent_pidfd >= 0 && poll(&parent, 1, 0) != 0))
		_exit(127);
	/* Terminal signals (^C) are the supervisor's to turn into a stop. */
	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	null_fd = open("/dev/null", O_RDONLY);
	if (null_fd >= 0 && dup2(null_fd, STDIN_FILENO) >= 0 &&
	    null_fd != STDIN_FILENO)
		close(null_fd);
	dup2(console_w, STDOUT_FILENO);
	dup2(console_w, STDERR_FILENO);
	if (procs_fd >= 0 && cgroup_join(procs_fd) < 0) {
		if (write(STDERR_FILENO, msg_cg, sizeof(msg_cg) - 1) < 0)
			_exit(127);
		_exit(127);
	}
	for (size_t i = 0; i < vm->nnics; i++)
		if (fcntl(vm->nics[i].tap_fd, F_SETFD, 0) < 0)
			_exit(127);
	if (fchdir(p->dirfd) < 0)
		_exit(127);
	execv(argv[0], argv);
	if (write(STDERR_FILENO, msg_exec, sizeof(msg_exec) - 1) < 0)
		_exit(127);
	_exit(127);
}

/*
 * Debugging a pod's VMM without its sandbox: `cocoon --debug run` with
 * COCOON_VMM_NO_SANDBOX=1 in the environment. Not an --insecure-options
 * value: rkt's "seccomp" there is about the apps' filters, not stage1's.
 */
static bool stage1_no_sandbox(const struct stage1_vm *vm)
{
	const char *v = getenv(STAGE1_NO_SANDBOX_ENV);

	return vm->debug && v && !strcmp(v, "1");
}

int stage1_start(const struct stage1 *s1, struct pod *p,
		 const struct stage1_vm *vm, pid_t *pid, int *console_fd,
		 struct error **err)
{
	char mem[16], cpus[16], cmdline[128];
	cleanup_free char *share = NULL;
	cleanup_close int procs_fd = -1, parent_pidfd = -1;
	int pipefd[2];
	size_t argc;
	/*
	 * The vsock path is relative to the pod dir, the VMM's working
	 * directory (sun_path is short); the share is absolute, so that the
	 * VMM's command line names its pod (`cocoon stop` checks that).
	 */
	char *argv[16 + 2 * STAGE1_NICS_MAX + 2] = {
		s1->vmm,    "--kernel",	      s1->kernel,  "--initrd",
		s1->initrd, "--mem",	      mem,	   "--cpus",
		cpus,	    "--rng",	      "--share",   NULL, /* share */
		"--vsock",  "3,stage1/vsock", "--cmdline", cmdline,
		NULL,
	};
	char nic_args[STAGE1_NICS_MAX][48];

	if (vm->nnics > STAGE1_NICS_MAX)
		return error_set(err, E2BIG, "%zu NICs, at most %d", vm->nnics,
				 STAGE1_NICS_MAX);
	if (asprintf(&share, "pod=%s/stage1/shared", p->path) < 0)
		return error_set(err, ENOMEM, "out of memory");
	argv[11] = share;
	for (size_t i = 0; i < vm->nnics; i++) {
		snprintf(nic_args[i], sizeof(nic_args[i]), "fd=%d,mac=%s",
			 vm->nics[i].tap_fd, vm->nics[i].mac);
		argv[16 + 2 * i] = "--net";
		argv[17 + 2 * i] = nic_args[i];
	}
	argc = 16 + 2 * vm->nnics;
	if (stage1_no_sandbox(vm)) {
		log_warn("pod %s: $%s=1: the VMM runs without its sandbox",
			 p->uuid, STAGE1_NO_SANDBOX_ENV);
		argv[argc++] = "--no-sandbox";
	}
	argv[argc] = NULL;
	snprintf(mem, sizeof(mem), "%u", vm->memory_mib);
	snprintf(cpus, sizeof(cpus), "%u", vm->cpus);
	/* --debug shows the guest kernel's boot messages too. */
	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 cocoon.pod=1%s",
		 vm->debug ? " cocoon.debug=1" : " quiet");
	if (vm->cgroup) {
		procs_fd = cgroup_open_procs(vm->cgroup, err);
		if (procs_fd < 0)
			return -1;
	}
	/* Kernels before 5.3 have no pidfds: the child then cannot check.
	 * A pidfd is close-on-exec. */
	parent_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return error_set_errno(err, "pipe for the VMM's console");
	/*
	 * The VMM is PID 1 of a PID namespace of its own (docs/security.md):
	 * it sees no other process, and whatever it might start dies with
	 * it. A fork() that is also a clone(CLONE_NEWPID): no second
	 * process, no second exec. The child only makes async-signal-safe
	 * calls, so skipping glibc's fork handlers is fine.
	 */
	*pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL,
			      NULL, 0);
	if (*pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return error_set_errno(err, "clone for cocoon-vmm");
	}
	if (*pid == 0)
		stage1_child(p, argv, procs_fd, pipefd[1], vm, parent_pidfd);
	close(pipefd[1]);
	*console_fd = pipefd[0];
	fcntl(*console_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

/*
 * stage1/ is the VMM's directory too: a compromised VMM could have put a
 * symlink or a fifo where console.log was. Only a regular file is read,
 * and opening never blocks or follows a link.
 */
static int stage1_open_console(struct pod *p)
{
	struct stat st;
	int fd = openat(p->dirfd, "stage1/console.log",
			O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* True when the console log mentions a guest kernel panic. */
bool stage1_console_panicked(struct pod *p)
{
	char buf[65536];
	cleanup_close int fd = stage1_open_console(p);
	off_t size;
	ssize_t n;

	if (fd < 0)
		return false;
	size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		return false;
	n = pread(fd, buf, sizeof(buf) - 1,
		  size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1
						: 0);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return memmem(buf, (size_t)n, "Kernel panic", 12) != NULL;
}

/*
 * A failed VMM says why on its stderr, which went to console.log among the
 * guest's lines: repeat its own lines ("cocoon-vmm: ...", ours, so not
 * guest bytes) on our stderr, the last few of them.
 */
void stage1_show_vmm_messages(struct pod *p)
{
	char buf[16384], *lines[4] = {0};
	cleanup_close int fd = stage1_open_console(p);
	size_t nlines = 0;
	off_t size;
	ssize_t n;

	if (fd < 0 || (size = lseek(fd, 0, SEEK_END)) < 0)
		return;
	n = pread(fd, buf, sizeof(buf) - 1,
		  size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1
						: 0);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "cocoon-vmm: ", 12) && strncmp(l, "cocoon: ", 8))
			continue;
		if (nlines == ARRAY_SIZE(lines)) {
			memmove(lines, lines + 1,
				sizeof(lines) - sizeof(*lines));
			nlines--;
		}
		lines[nlines++] = l;
	}
	for (size_t i = 0; i < nlines; i++) {
		char escaped[512];

		log_escape(escaped, sizeof(escaped), lines[i],
			   strlen(lines[i]));
		fprintf(stderr, "%s\n", escaped);
	}
}
