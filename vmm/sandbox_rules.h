/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sandbox's data (pure tables, unit-tested): the seccomp allow-list of
 * each thread kind and the capabilities kept. Each entry names the code
 * that needs it; docs/security.md explains the choices.
 */
#ifndef COCOON_VMM_SANDBOX_RULES_H
#define COCOON_VMM_SANDBOX_RULES_H

#include "vmm/sandbox.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sets of thread kinds, one bit each. */
#define SANDBOX_K_MAIN	 (1u << SANDBOX_THREAD_MAIN)
#define SANDBOX_K_VCPU	 (1u << SANDBOX_THREAD_VCPU)
#define SANDBOX_K_DEVICE (1u << SANDBOX_THREAD_DEVICE)
/* Code of the vCPU run loop: vCPU 0 runs it on the main thread. */
#define SANDBOX_K_RUN (SANDBOX_K_MAIN | SANDBOX_K_VCPU)
#define SANDBOX_K_ALL (SANDBOX_K_RUN | SANDBOX_K_DEVICE)

/* No argument is looked at. */
#define SANDBOX_ARG_ANY (-1)

struct sandbox_rule {
	const char *syscall; /* as libseccomp and strace name it */
	/*
	 * The x86-64 number, for syscalls newer than the libseccomp the
	 * build may have (fchmodat2); 0: resolve the name.
	 */
	int nr;
	unsigned int kinds; /* SANDBOX_K_* */
	/*
	 * Allowed only when (argument arg & mask) == value; several rules
	 * for one syscall are alternatives. SANDBOX_ARG_ANY: always.
	 */
	int arg;
	uint64_t mask, value;
	const char *value_name; /* "KVM_RUN", for listings */
	const char *why;	/* the code that needs it */
	/*
	 * Bit n set: argument n is a directory fd that must be a real one
	 * (>= 0 as the kernel's int sees it), never AT_FDCWD: 9p resolves
	 * every path beneath a fid's fd, so the device thread cannot reach
	 * the working directory (the kept socket directory) by path.
	 */
	unsigned int dirfds;
	/* Only where the kernel lacks fchmodat2 (p9_chmod_fd()'s /proc). */
	bool without_fchmodat2;
	/*
	 * Nonzero: not an allowance but an answer. The call fails with this
	 * errno (in both modes) instead of killing the VMM; for what libc
	 * does on its own and copes with failing. Skipped on a kind where an
	 * all-argument rule allows the syscall.
	 */
	int refuse;
};

extern const struct sandbox_rule sandbox_rules[];
extern const size_t sandbox_nrules;

struct sandbox_cap {
	int cap;
	const char *why;
};

/* The capabilities kept (effective and permitted; the bounding set). */
extern const struct sandbox_cap sandbox_caps[];
extern const size_t sandbox_ncaps;

/* How many rules (syscall, argument value) a kind's list has. */
size_t sandbox_rules_count(enum sandbox_thread kind);
/* How many distinct syscalls a kind's list allows in some form. */
size_t sandbox_syscalls_count(enum sandbox_thread kind);

#endif
