// SPDX-License-Identifier: Apache-2.0
/*
 * The sandbox's pure parts (allow-list and capability tables, options) and
 * its filters at work: a forked child loads a thread kind's filter (no
 * root needed: no_new_privs) and must die by SIGSYS for a syscall outside
 * the list, and live for one inside.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/options.h"
#include "vmm/sandbox.h"
#include "vmm/sandbox_rules.h"
#include "vmm/sandbox_seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define PARSE(opts, ...)                                                   \
	({                                                                 \
		char *argv_[] = {"cocoon-vmm", __VA_ARGS__, NULL};         \
		options_parse((int)(sizeof(argv_) / sizeof(argv_[0])) - 1, \
			      argv_, (opts));                              \
	})

static void test_rules_well_formed(void **state)
{
	(void)state;
	assert_true(sandbox_nrules > 0);
	for (size_t i = 0; i < sandbox_nrules; i++) {
		const struct sandbox_rule *r = &sandbox_rules[i];

		/* every rule names the code that needs it */
		assert_non_null(r->why);
		assert_true(strlen(r->why) >= 8);
		assert_true(r->kinds != 0);
		assert_int_equal(r->kinds & ~SANDBOX_K_ALL, 0);
		assert_true(sandbox_rule_nr(r) >= 0);
		assert_true(r->arg == SANDBOX_ARG_ANY ||
			    (r->arg >= 0 && r->arg < 6));
		if (r->arg != SANDBOX_ARG_ANY)
			assert_non_null(r->value_name);
	}
}

/* The same rule twice in one kind's list would hide a table mistake. */
static void test_rules_no_duplicates(void **state)
{
	(void)state;
	for (size_t i = 0; i < sandbox_nrules; i++)
		for (size_t j = i + 1; j < sandbox_nrules; j++) {
			const struct sandbox_rule *a = &sandbox_rules[i],
						  *b = &sandbox_rules[j];

			if (!(a->kinds & b->kinds) ||
			    strcmp(a->syscall, b->syscall) ||
			    a->without_fchmodat2 != b->without_fchmodat2)
				continue;
			/* a refusal only answers the calls its allowances
			 * leave out: AT_FDCWD against real dirfds */
			if (!!a->refuse != !!b->refuse) {
				const struct sandbox_rule *al =
					a->refuse ? b : a;

				assert_true(al->arg != SANDBOX_ARG_ANY ||
					    al->dirfds);
				continue;
			}
			/* one syscall: all-argument rules are alone */
			assert_true(a->arg != SANDBOX_ARG_ANY &&
				    b->arg != SANDBOX_ARG_ANY);
			assert_false(a->arg == b->arg && a->mask == b->mask &&
				     a->value == b->value);
		}
}

/* What no thread may ever do once confined. */
static void test_rules_never(void **state)
{
	static const char *const never[] = {
		"execve",
		"execveat",
		"clone",
		"clone3",
		"fork",
		"vfork",
		"ptrace",
		"mount",
		"umount2",
		"unshare",
		"setns",
		"pivot_root",
		"chroot",
		"bpf",
		"perf_event_open",
		"init_module",
		"finit_module",
		"kexec_load",
		"keyctl",
		"add_key",
		"open_by_handle_at",
		"process_vm_writev",
		"setuid",
		"capset",
		"prctl",
		"seccomp",
		"open",
		"bind",
		"listen",
		"kill",
		"io_uring_setup",
		"userfaultfd",
		"memfd_create",
		"mremap",
	};

	(void)state;
	for (size_t i = 0; i < sandbox_nrules; i++)
		for (size_t j = 0; j < sizeof(never) / sizeof(never[0]); j++)
			if (!strcmp(sandbox_rules[i].syscall, never[j]))
				fail_msg("%s is allowed (%s)", never[j],
					 sandbox_rules[i].why);
}

/* ioctl is only ever allowed for named requests; the device thread has
 * none at all; socket only for AF_UNIX. */
static void test_rules_arguments(void **state)
{
	bool socket_seen = false;

	(void)state;
	for (size_t i = 0; i < sandbox_nrules; i++) {
		const struct sandbox_rule *r = &sandbox_rules[i];

		if (!strcmp(r->syscall, "ioctl")) {
			assert_int_equal(r->arg, 1);
			assert_true(r->mask == ~0ull);
			assert_int_equal(r->kinds & SANDBOX_K_DEVICE, 0);
		}
		if (!strcmp(r->syscall, "socket")) {
			socket_seen = true;
			assert_int_equal(r->arg, 0);
			assert_int_equal(r->value, AF_UNIX);
		}
		if (!strcmp(r->syscall, "mmap") ||
		    !strcmp(r->syscall, "mprotect")) {
			assert_int_equal(r->arg, 2);
			assert_true(r->mask & PROT_EXEC);
			assert_int_equal(r->value & PROT_EXEC, 0);
		}
	}
	assert_true(socket_seen);
}

static void test_rules_counts(void **state)
{
	size_t total = 0, refusals = 0;

	(void)state;
	for (int k = 0; k < SANDBOX_THREAD_KINDS; k++) {
		size_t rules = sandbox_rules_count((enum sandbox_thread)k);
		size_t calls = sandbox_syscalls_count((enum sandbox_thread)k);

		assert_true(calls > 0);
		assert_true(calls <= rules);
		total += rules;
	}
	/* the vCPU threads do the least, the device thread the most */
	assert_true(sandbox_syscalls_count(SANDBOX_THREAD_VCPU) <
		    sandbox_syscalls_count(SANDBOX_THREAD_MAIN));
	assert_true(sandbox_syscalls_count(SANDBOX_THREAD_MAIN) <
		    sandbox_syscalls_count(SANDBOX_THREAD_DEVICE));
	for (size_t i = 0; i < sandbox_nrules; i++)
		if (sandbox_rules[i].refuse)
			refusals++;
	assert_true(total >= sandbox_nrules - refusals);
}

static void test_rules_build(void **state)
{
	(void)state;
	for (int k = 0; k < SANDBOX_THREAD_KINDS; k++)
		for (int trace = 0; trace < 2; trace++) {
			void *ctx = NULL;

			assert_int_equal(
				sandbox_seccomp_ctx((enum sandbox_thread)k,
						    trace, &ctx),
				0);
			assert_non_null(ctx);
			sandbox_seccomp_ctx_free(ctx);
		}
	assert_string_equal(sandbox_thread_name(SANDBOX_THREAD_MAIN), "main");
	assert_string_equal(sandbox_thread_name(SANDBOX_THREAD_VCPU), "vcpu");
	assert_string_equal(sandbox_thread_name(SANDBOX_THREAD_DEVICE),
			    "device");
}

static void test_caps(void **state)
{
	static const int want[] = {CAP_CHOWN,		CAP_DAC_OVERRIDE,
				   CAP_DAC_READ_SEARCH, CAP_FOWNER,
				   CAP_FSETID,		CAP_MKNOD};

	(void)state;
	assert_int_equal(sandbox_ncaps, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < sandbox_ncaps; i++) {
		assert_int_equal(sandbox_caps[i].cap, want[i]);
		assert_non_null(sandbox_caps[i].why);
		assert_true(strlen(sandbox_caps[i].why) > 8);
	}
}

static void test_options(void **state)
{
	struct options o;

	(void)state;
	assert_int_equal(PARSE(&o, "--kernel", "k"), 0);
	assert_false(o.no_sandbox);
	assert_false(o.sandbox_trace);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--no-sandbox"), 0);
	assert_true(o.no_sandbox);
	assert_int_equal(PARSE(&o, "--kernel", "k", "--sandbox-trace"), 0);
	assert_true(o.sandbox_trace);
	assert_int_equal(
		PARSE(&o, "--kernel", "k", "--no-sandbox", "--sandbox-trace"),
		-EINVAL);
	assert_int_equal(PARSE(&o, "--sandbox-rules"), 0);
	assert_true(o.sandbox_rules);
}

/* ---- the filters at work, in forked children */

typedef void (*child_fn)(void);

/* No filter on the child's main thread. */
#define UNCONFINED (-1)

/* The child blocks every signal first, as the device thread does. */
static bool child_blocks_signals;

/*
 * Runs fn in a child whose (only) thread is confined as kind; returns its
 * wait status. The child ends with the exit syscall its list has: main's
 * exit_group, the others' exit (a single thread's exit ends the process).
 * The vCPU hook on a main thread loads main's list (vmm/sandbox.h).
 */
static int run_confined(int kind, bool trace, child_fn fn, int err_fd)
{
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		if (err_fd >= 0)
			dup2(err_fd, STDERR_FILENO);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    sandbox_seccomp_build(trace) < 0 ||
		    sandbox_seccomp_arm(trace) < 0)
			_exit(90);
		if (child_blocks_signals) {
			sigset_t all;

			sigfillset(&all);
			sigprocmask(SIG_BLOCK, &all, NULL);
		}
		if (kind != UNCONFINED)
			sandbox_thread_enter((enum sandbox_thread)kind);
		fn();
		/* raw: no libc or sanitizer exit hooks */
		syscall(kind == SANDBOX_THREAD_DEVICE ? SYS_exit
						      : SYS_exit_group,
			0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

static void expect_sigsys(int st)
{
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
		fail_msg("expected death by SIGSYS, got status 0x%x", st);
}

static void expect_exit0(int st)
{
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("expected exit 0, got status 0x%x", st);
}

static void child_getrandom(void)
{
	char b[8];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		_exit(91);
}

static void child_ptrace(void)
{
	syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
}

static void child_socket_inet(void)
{
	socket(AF_INET, SOCK_STREAM, 0);
}

static void child_socket_unix(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		_exit(92);
}

/* 9p's path syscalls take real directory fds, never AT_FDCWD. */
static int tmp_dir_fd = -1; /* opened before the child confines itself */
static char tmp_dir_name[64];

static void child_mkdirat_fd(void)
{
	/* the parent made the name unique (no getpid() on this list) */
	const char *name = tmp_dir_name;

	if (mkdirat(tmp_dir_fd, name, 0700) < 0 ||
	    unlinkat(tmp_dir_fd, name, AT_REMOVEDIR) < 0)
		_exit(98);
}

static void child_mkdirat_cwd(void)
{
	mkdirat(AT_FDCWD, "cocoon-sandbox-never", 0700);
}

/* AT_FDCWD in the low 32 bits, zero above: the kernel's int is -100. */
static void child_mkdirat_cwd_zero_extended(void)
{
	syscall(SYS_mkdirat, (unsigned long)(unsigned int)AT_FDCWD,
		"cocoon-sandbox-never", 0700);
}

static void child_mmap_exec(void)
{
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1,
	     0);
}

static void child_mmap_rw(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		_exit(93);
}

static void child_kvm_run(void)
{
	/* an allowed request on a bad fd: EBADF, not death */
	if (ioctl(-1, KVM_RUN, 0) != -1 || errno != EBADF)
		_exit(94);
}

static void child_tty_ioctl(void)
{
	struct winsize ws;

	ioctl(STDIN_FILENO, TIOCGWINSZ, &ws);
}

static void child_unlink(void)
{
	/* main's list has it (vsock_device_destroy()), the vCPUs' not */
	if (unlink("/nonexistent/cocoon-sandbox-test") == 0)
		_exit(95);
}

static void *vcpu_thread_unlink(void *arg)
{
	(void)arg;
	sandbox_thread_enter(SANDBOX_THREAD_VCPU);
	child_unlink();
	return NULL;
}

static void child_vcpu_thread_unlink(void)
{
	pthread_t t;

	/* The main thread stays unconfined: only the new thread's filter
	 * decides. */
	if (pthread_create(&t, NULL, vcpu_thread_unlink, NULL))
		_exit(96);
	pthread_join(t, NULL);
}

/* glibc's free() reads this once, on any thread (vmm/sandbox_rules.c):
 * the open must fail with EACCES, not kill. */
static void child_open_overcommit(void)
{
	int fd = open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC);

	if (fd >= 0 || errno != EACCES)
		_exit(99);
}

static void test_filter_refused_open(void **state)
{
	(void)state;
	expect_exit0(run_confined(SANDBOX_THREAD_MAIN, false,
				  child_open_overcommit, -1));
	expect_exit0(run_confined(SANDBOX_THREAD_VCPU, false,
				  child_open_overcommit, -1));
	/* trace mode answers it the same way, with no report */
	expect_exit0(run_confined(SANDBOX_THREAD_VCPU, true,
				  child_open_overcommit, -1));
	/* before 6.6 the device thread opens /proc/self/fd paths */
	if (!sandbox_lacks_fchmodat2())
		expect_exit0(run_confined(SANDBOX_THREAD_DEVICE, false,
					  child_open_overcommit, -1));
	/* a refusal is not an allowance: other AT_FDCWD paths still kill */
	expect_sigsys(run_confined(SANDBOX_THREAD_MAIN, false,
				   child_mkdirat_cwd, -1));
}

static void test_filter_device(void **state)
{
	(void)state;
	expect_exit0(run_confined(SANDBOX_THREAD_DEVICE, false, child_getrandom,
				  -1));
	expect_exit0(run_confined(SANDBOX_THREAD_DEVICE, false,
				  child_socket_unix, -1));
	expect_sigsys(run_confined(SANDBOX_THREAD_DEVICE, false,
				   child_socket_inet, -1));
	expect_sigsys(
		run_confined(SANDBOX_THREAD_DEVICE, false, child_ptrace, -1));
	/* directory fds: real ones only */
	tmp_dir_fd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	snprintf(tmp_dir_name, sizeof(tmp_dir_name), "cocoon-sandbox-%d",
		 (int)getpid());
	assert_true(tmp_dir_fd >= 0);
	expect_exit0(run_confined(SANDBOX_THREAD_DEVICE, false,
				  child_mkdirat_fd, -1));
	close(tmp_dir_fd);
	expect_sigsys(run_confined(SANDBOX_THREAD_DEVICE, false,
				   child_mkdirat_cwd, -1));
	expect_sigsys(run_confined(SANDBOX_THREAD_DEVICE, false,
				   child_mkdirat_cwd_zero_extended, -1));
	/* the device thread has no ioctl at all */
	expect_sigsys(
		run_confined(SANDBOX_THREAD_DEVICE, false, child_kvm_run, -1));
}

static void test_filter_memory(void **state)
{
	(void)state;
	for (int k = 0; k < SANDBOX_THREAD_KINDS; k++) {
		expect_exit0(run_confined((enum sandbox_thread)k, false,
					  child_mmap_rw, -1));
		expect_sigsys(run_confined((enum sandbox_thread)k, false,
					   child_mmap_exec, -1));
	}
}

static void test_filter_ioctl(void **state)
{
	(void)state;
	expect_exit0(
		run_confined(SANDBOX_THREAD_VCPU, false, child_kvm_run, -1));
	expect_sigsys(
		run_confined(SANDBOX_THREAD_VCPU, false, child_tty_ioctl, -1));
	expect_sigsys(
		run_confined(SANDBOX_THREAD_VCPU, false, child_getrandom, -1));
}

/* The vCPU hook on the process's main thread loads main's list. */
static void test_filter_main_thread(void **state)
{
	(void)state;
	expect_exit0(
		run_confined(SANDBOX_THREAD_VCPU, false, child_unlink, -1));
	expect_exit0(
		run_confined(SANDBOX_THREAD_MAIN, false, child_unlink, -1));
	expect_sigsys(run_confined(SANDBOX_THREAD_MAIN, false,
				   child_socket_unix, -1));
	/* a real vCPU thread has no unlink */
	expect_sigsys(
		run_confined(UNCONFINED, false, child_vcpu_thread_unlink, -1));
}

/* Trace mode: the forbidden syscall fails with ENOSYS and is reported. */
static void child_trace_ptrace(void)
{
	if (syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0) != -1 ||
	    errno != ENOSYS)
		_exit(97);
}

static void test_filter_trace(void **state)
{
	char buf[512] = {0}, want[64];
	int p[2];
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(p), 0);
	/* with every signal blocked, as on the device thread: the hook
	 * lets SIGSYS through, or the trap would kill */
	child_blocks_signals = true;
	expect_exit0(run_confined(SANDBOX_THREAD_DEVICE, true,
				  child_trace_ptrace, p[1]));
	child_blocks_signals = false;
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	assert_true(n > 0);
	snprintf(want, sizeof(want),
		 "sandbox: device thread: forbidden syscall %d\n", SYS_ptrace);
	if (!strstr(buf, want))
		fail_msg("trace output lacks \"%s\": %s", want, buf);
}

/* Not armed (the KVM tests): the hook does nothing. */
static void test_hook_unarmed(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sandbox_thread_enter(SANDBOX_THREAD_VCPU);
		child_ptrace();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	expect_exit0(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_well_formed),
		cmocka_unit_test(test_rules_no_duplicates),
		cmocka_unit_test(test_rules_never),
		cmocka_unit_test(test_rules_arguments),
		cmocka_unit_test(test_rules_counts),
		cmocka_unit_test(test_rules_build),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_filter_device),
		cmocka_unit_test(test_filter_memory),
		cmocka_unit_test(test_filter_ioctl),
		cmocka_unit_test(test_filter_main_thread),
		cmocka_unit_test(test_filter_trace),
		cmocka_unit_test(test_filter_refused_open),
		cmocka_unit_test(test_hook_unarmed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
