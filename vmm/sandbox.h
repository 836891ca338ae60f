/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VMM confines itself (docs/security.md): once everything is open and
 * before the first guest instruction, main() calls sandbox_enter() (new
 * mount, IPC, UTS, network and cgroup namespaces, pivot_root into an empty
 * tmpfs that holds only the vsock socket directory, rlimits, capabilities
 * cut to what 9p file serving needs, no_new_privs, not dumpable) and each
 * thread calls sandbox_thread_enter() first thing, which installs the
 * seccomp allow-list of its kind (vmm/sandbox_rules.c).
 *
 *	sandbox_enter(&cfg);			main(), after vm_create()
 *	sandbox_thread_enter(SANDBOX_THREAD_DEVICE);	event loop thread
 *	sandbox_thread_enter(SANDBOX_THREAD_VCPU);	vcpu_run_loop()
 *
 * vm_run() runs vCPU 0 on main()'s own thread: there the vCPU hook installs
 * the main thread's list instead, which also covers the teardown. Every
 * thread is created before main()'s filter goes on, so none inherits a
 * filter that is not its own.
 */
#ifndef COCOON_VMM_SANDBOX_H
#define COCOON_VMM_SANDBOX_H

#include <stdbool.h>

enum sandbox_thread {
	SANDBOX_THREAD_MAIN,   /* main(): vCPU 0, then the teardown */
	SANDBOX_THREAD_VCPU,   /* vCPUs 1..N-1 */
	SANDBOX_THREAD_DEVICE, /* the device event loop (event_loop.c) */
};
#define SANDBOX_THREAD_KINDS 3

enum sandbox_mode {
	SANDBOX_OFF,	 /* --no-sandbox: nothing (debugging only) */
	SANDBOX_ENFORCE, /* a forbidden syscall kills the VMM (SIGSYS) */
	/*
	 * --sandbox-trace: everything as enforced, but a forbidden syscall
	 * fails with ENOSYS and is reported on stderr ("cocoon-vmm: sandbox:
	 * <kind> thread: forbidden syscall N"), so one run lists every
	 * missing rule (tests/security/check-allowlists).
	 */
	SANDBOX_TRACE,
};

struct sandbox_config {
	enum sandbox_mode mode;
	/*
	 * A directory that stays reachable at the same path (relative to
	 * the working directory, or absolute), read-only: the one holding
	 * the vsock Unix sockets, which the VMM connects to at run time.
	 * NULL: nothing of the host's file system stays.
	 */
	const char *keep_dir;
};

/*
 * Confines the process (see above) and prepares the per-thread filters.
 * Call once, single-threaded, after the VM is built and before vm_run().
 * Returns 0 or -errno (logged). SANDBOX_OFF returns 0 at once.
 */
int sandbox_enter(const struct sandbox_config *cfg);

/*
 * Installs the calling thread's seccomp filter. A no-op unless
 * sandbox_enter() ran (so the KVM tests, which call vm_run() directly,
 * are not confined). A thread that cannot confine itself must not serve
 * the guest: this logs and ends the whole process with status 1.
 */
void sandbox_thread_enter(enum sandbox_thread kind);

/* "main", "vcpu", "device". */
const char *sandbox_thread_name(enum sandbox_thread kind);

/* Prints every kind's allow-list, one "KIND SYSCALL [ARG]" per line. */
void sandbox_print_rules(void);

#endif
