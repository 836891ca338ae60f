/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the sandbox: building the seccomp filters (sandbox_seccomp.c) for
 * sandbox.c, and the libseccomp context of one kind for the unit tests.
 */
#ifndef COCOON_VMM_SANDBOX_SECCOMP_H
#define COCOON_VMM_SANDBOX_SECCOMP_H

#include "vmm/sandbox_rules.h"

#include <stdbool.h>

/* True on kernels before 6.6, which lack fchmodat2. */
bool sandbox_lacks_fchmodat2(void);
/* The syscall number of a rule on this architecture (< 0: unknown). */
int sandbox_rule_nr(const struct sandbox_rule *rule);
/* Whether a rule goes into kind's filter on this kernel. */
bool sandbox_rule_applies(const struct sandbox_rule *rule,
			  enum sandbox_thread kind);
/*
 * A libseccomp context (scmp_filter_ctx) holding kind's allow-list: any
 * other syscall kills the process, or with trace traps (SIGSYS). Returns 0
 * or -errno; free it with sandbox_seccomp_ctx_free().
 */
int sandbox_seccomp_ctx(enum sandbox_thread kind, bool trace, void **out);
void sandbox_seccomp_ctx_free(void *ctx);
/* Builds every kind's BPF program. Returns 0 or -errno (logged). */
int sandbox_seccomp_build(bool trace);
/* Makes sandbox_thread_enter() load them (and with trace, installs the
 * SIGSYS reporter). Returns 0 or -errno. */
int sandbox_seccomp_arm(bool trace);

#endif
