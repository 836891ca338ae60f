// SPDX-License-Identifier: Apache-2.0
/*
 * The per-thread seccomp filters: built with libseccomp from
 * sandbox_rules.c by sandbox_seccomp_build() while the process may still
 * allocate and open what it likes, kept as BPF, and loaded by each thread
 * with one seccomp() call (sandbox_thread_enter()), so a thread starting
 * up needs nothing of libseccomp.
 */
#include "vmm/sandbox_seccomp.h"

#include "common/cleanup.h"
#include "common/log.h"
#include "vmm/sandbox_rules.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#include <unistd.h>

static struct sock_fprog sandbox_progs[SANDBOX_THREAD_KINDS];
/* atomic: 0 until sandbox_seccomp_arm() */
enum { SANDBOX_ARMED_ENFORCE = 1, SANDBOX_ARMED_TRACE };
static int sandbox_armed;
static __thread int sandbox_kind = -1;

const char *sandbox_thread_name(enum sandbox_thread kind)
{
	static const char *const names[SANDBOX_THREAD_KINDS] = {
		[SANDBOX_THREAD_MAIN] = "main",
		[SANDBOX_THREAD_VCPU] = "vcpu",
		[SANDBOX_THREAD_DEVICE] = "device",
	};

	return (unsigned int)kind < SANDBOX_THREAD_KINDS ? names[kind] : "?";
}

int sandbox_rule_nr(const struct sandbox_rule *rule)
{
	if (rule->nr)
		return rule->nr;
	return seccomp_syscall_resolve_name(rule->syscall);
}

bool sandbox_lacks_fchmodat2(void)
{
	/* EBADF where it exists, ENOSYS where it does not. */
	return syscall(SYS_fchmodat2, -1, "", 0, AT_EMPTY_PATH) < 0 &&
	       errno == ENOSYS;
}

/* One rule: its argument test and its directory fds' (all must hold). */
static int sandbox_rule_add(scmp_filter_ctx ctx,
			    const struct sandbox_rule *rule, int nr)
{
	struct scmp_arg_cmp cmp[6];
	unsigned int n = 0;

	if (rule->arg != SANDBOX_ARG_ANY)
		cmp[n++] = rule->mask == ~0ull
				   ? SCMP_CMP((unsigned int)rule->arg,
					      SCMP_CMP_EQ, rule->value, 0)
				   : SCMP_CMP((unsigned int)rule->arg,
					      SCMP_CMP_MASKED_EQ, rule->mask,
					      rule->value);
	/* the kernel reads a dirfd as an int: bit 31 clear is >= 0 */
	for (unsigned int a = 0; a < 6 && n < 6; a++)
		if (rule->dirfds & (1u << a))
			cmp[n++] = SCMP_CMP(a, SCMP_CMP_MASKED_EQ,
					    0x80000000ull, 0);
	return seccomp_rule_add_array(
		ctx,
		rule->refuse ? SCMP_ACT_ERRNO((uint32_t)rule->refuse)
			     : SCMP_ACT_ALLOW,
		nr, n, cmp);
}

/* Whether the rule applies to kind on this kernel. */
static bool sandbox_rule_active(const struct sandbox_rule *rule,
				enum sandbox_thread kind)
{
	return (rule->kinds & (1u << kind)) &&
	       !(rule->without_fchmodat2 && !sandbox_lacks_fchmodat2());
}

/* A refusal gives way where kind may make the call with any argument. */
static bool sandbox_rule_shadowed(const struct sandbox_rule *rule,
				  enum sandbox_thread kind)
{
	if (!rule->refuse)
		return false;
	for (size_t i = 0; i < sandbox_nrules; i++) {
		const struct sandbox_rule *o = &sandbox_rules[i];

		if (o != rule && !o->refuse && o->arg == SANDBOX_ARG_ANY &&
		    !o->dirfds && !strcmp(o->syscall, rule->syscall) &&
		    sandbox_rule_active(o, kind))
			return true;
	}
	return false;
}

bool sandbox_rule_applies(const struct sandbox_rule *rule,
			  enum sandbox_thread kind)
{
	return sandbox_rule_active(rule, kind) &&
	       !sandbox_rule_shadowed(rule, kind);
}

int sandbox_seccomp_ctx(enum sandbox_thread kind, bool trace, void **out)
{
	scmp_filter_ctx ctx;
	int r = 0;

	*out = NULL;
	ctx = seccomp_init(trace ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return -ENOMEM;
	/* Another architecture's syscall numbers (int 0x80, x32) mean
	 * something else: never. no_new_privs is set by sandbox.c. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
			     SCMP_ACT_KILL_PROCESS);
	if (!r)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	for (size_t i = 0; !r && i < sandbox_nrules; i++) {
		const struct sandbox_rule *rule = &sandbox_rules[i];
		int nr = sandbox_rule_nr(rule);

		if (!sandbox_rule_applies(rule, kind))
			continue;
		if (nr == __NR_SCMP_ERROR) {
			log_error("sandbox: libseccomp does not know %s",
				  rule->syscall);
			r = -EINVAL;
			break;
		}
		r = sandbox_rule_add(ctx, rule, nr);
		if (r < 0)
			log_error("sandbox: %s rule for %s: %s",
				  sandbox_thread_name(kind), rule->syscall,
				  strerror(-r));
	}
	/* The trap handler returns through rt_sigreturn on every thread. */
	if (!r && trace)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
				     SCMP_SYS(rt_sigreturn), 0);
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	*out = ctx;
	return 0;
}

void sandbox_seccomp_ctx_free(void *ctx)
{
	if (ctx)
		seccomp_release(ctx);
}

/*
 * The programs: static, so loading one needs no allocation; only the
 * pages the instructions fill are ever touched.
 */
static struct sock_filter sandbox_insns[SANDBOX_THREAD_KINDS][BPF_MAXINSNS];

/* libseccomp 2.5 exports BPF only to an fd: a pipe holds it (< 64 KiB). */
static int sandbox_export(void *ctx, struct sock_filter *insns,
			  struct sock_fprog *prog)
{
	cleanup_close int rd = -1, wr = -1;
	const size_t cap = sizeof(sandbox_insns[0]);
	size_t len = 0;
	int fds[2], r;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	rd = fds[0];
	wr = fds[1];
	r = seccomp_export_bpf(ctx, wr);
	if (r < 0)
		return r;
	close(steal_fd(&wr));
	for (;;) {
		ssize_t n = read(rd, (char *)insns + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap)
			return -E2BIG;
	}
	if (len == 0 || len % sizeof(struct sock_filter))
		return -EINVAL;
	prog->len = (unsigned short)(len / sizeof(struct sock_filter));
	prog->filter = insns;
	return 0;
}

int sandbox_seccomp_build(bool trace)
{
	for (int k = 0; k < SANDBOX_THREAD_KINDS; k++) {
		void *ctx;
		int r = sandbox_seccomp_ctx((enum sandbox_thread)k, trace,
					    &ctx);

		if (!r) {
			r = sandbox_export(ctx, sandbox_insns[k],
					   &sandbox_progs[k]);
			sandbox_seccomp_ctx_free(ctx);
		}
		if (r < 0) {
			log_error("sandbox: build the %s thread's seccomp "
				  "filter: %s",
				  sandbox_thread_name((enum sandbox_thread)k),
				  strerror(-r));
			return r;
		}
		log_debug("sandbox: %s thread: %zu syscalls, %zu rules, %u "
			  "BPF instructions",
			  sandbox_thread_name((enum sandbox_thread)k),
			  sandbox_syscalls_count((enum sandbox_thread)k),
			  sandbox_rules_count((enum sandbox_thread)k),
			  sandbox_progs[k].len);
	}
	return 0;
}

/* Formats v in decimal at the end of buf; returns where it starts. */
static char *sandbox_utoa(char *end, unsigned long v)
{
	*--end = '\0';
	do
		*--end = (char)('0' + v % 10);
	while (v /= 10);
	return end;
}

/*
 * --sandbox-trace: a forbidden syscall lands here (SECCOMP_RET_TRAP). Say
 * which, with async-signal-safe writes only, and make it fail with ENOSYS.
 */
static void sandbox_sigsys(int sig, siginfo_t *si, void *uc_void)
{
	ucontext_t *uc = uc_void;
	char num[24], *s = sandbox_utoa(num + sizeof(num),
					(unsigned long)si->si_syscall);
	const char *kind = sandbox_kind < 0
				   ? "unconfined"
				   : sandbox_thread_name(
					     (enum sandbox_thread)sandbox_kind);
	const char *parts[] = {"cocoon-vmm: sandbox: ", kind,
			       " thread: forbidden syscall ", s, "\n"};
	int saved = errno;

	(void)sig;
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
		if (write(STDERR_FILENO, parts[i], strlen(parts[i])) < 0)
			break;
	uc->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
	errno = saved;
}

int sandbox_seccomp_arm(bool trace)
{
	if (trace) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = sandbox_sigsys;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL) < 0)
			return -errno;
	}
	__atomic_store_n(&sandbox_armed,
			 trace ? SANDBOX_ARMED_TRACE : SANDBOX_ARMED_ENFORCE,
			 __ATOMIC_RELEASE);
	return 0;
}

void sandbox_thread_enter(enum sandbox_thread kind)
{
	/* vm_run() runs vCPU 0 on main()'s thread (vmm/sandbox.h). */
	static const char *const comm[SANDBOX_THREAD_KINDS] = {
		[SANDBOX_THREAD_VCPU] = "vmm-vcpu",
		[SANDBOX_THREAD_DEVICE] = "vmm-device",
	};

	int armed = __atomic_load_n(&sandbox_armed, __ATOMIC_ACQUIRE);

	if (!armed)
		return;
	if (kind == SANDBOX_THREAD_VCPU && syscall(SYS_gettid) == getpid())
		kind = SANDBOX_THREAD_MAIN;
	/* Thread names tell the kinds apart in ps, top and strace -f. */
	if (comm[kind])
		prctl(PR_SET_NAME, comm[kind], 0, 0, 0);
	sandbox_kind = (int)kind;
	/*
	 * Trace mode: a trap on a thread that blocks SIGSYS (the device
	 * thread blocks everything) would be the default action, death.
	 */
	if (armed == SANDBOX_ARMED_TRACE) {
		sigset_t sys;

		sigemptyset(&sys);
		sigaddset(&sys, SIGSYS);
		pthread_sigmask(SIG_UNBLOCK, &sys, NULL);
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0,
		    &sandbox_progs[kind]) < 0) {
		log_error("sandbox: install the %s thread's seccomp filter: "
			  "%s",
			  sandbox_thread_name(kind), strerror(errno));
		_exit(1);
	}
}

void sandbox_print_rules(void)
{
	for (int k = 0; k < SANDBOX_THREAD_KINDS; k++)
		for (size_t i = 0; i < sandbox_nrules; i++) {
			const struct sandbox_rule *r = &sandbox_rules[i];

			if (!sandbox_rule_applies(r, (enum sandbox_thread)k))
				continue;
			printf("%s %s%s%s%s%s\n",
			       sandbox_thread_name((enum sandbox_thread)k),
			       r->syscall, r->value_name ? " " : "",
			       r->value_name ? r->value_name : "",
			       r->refuse ? " -> " : "",
			       r->refuse ? strerrorname_np(r->refuse) : "");
		}
}
