// SPDX-License-Identifier: Apache-2.0
/*
 * cocoon-vmm: boots one guest on KVM and exits when it resets.
 * Exit status: 0 guest reset (reboot), 1 VMM/KVM error, 2 usage error,
 * 3 guest triple fault, 128+N stopped by signal N (SIGTERM, SIGINT, SIGHUP).
 */
#include "common/cleanup.h"
#include "common/log.h"
#include "vmm/options.h"
#include "vmm/sandbox.h"
#include "vmm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#ifdef COCOON_VMM_TEST_VIOLATION
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#endif

#define EXIT_VMM_ERROR	  1
#define EXIT_USAGE	  2
#define EXIT_TRIPLE_FAULT 3

static struct vm *main_vm;
static volatile sig_atomic_t main_signal;

/*
 * vm_stop() is async-signal-safe: atomics and pthread_kill() only. Before
 * the VM exists the signal is only noted: main() ends after vm_create().
 * The handlers go in first thing: started by cocoon, the VMM is PID 1 of
 * its own PID namespace, and such a process never gets the signals it has
 * no handler for (SIGKILL aside).
 */
static void main_stop_handler(int sig)
{
	main_signal = sig;
	if (main_vm)
		vm_stop(main_vm, VM_END_STOPPED);
}

static void main_install_stop_handlers(void)
{
	static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_stop_handler;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

/*
 * Each 9p fid holds up to two host fds and a guest with cache=loose keeps
 * a fid per cached dentry: the inherited limit (often 1024) runs out long
 * before the server's own bound of P9 fids does. Raise it so the fid
 * table's ENFILE, not EMFILE, is what a greedy guest meets.
 */
static void main_raise_nofile(void)
{
	const rlim_t want = 2 * 65536 + 4096;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_max < want) {
		struct rlimit more = {.rlim_cur = want, .rlim_max = want};

		/* Needs CAP_SYS_RESOURCE; else keep the hard limit we have. */
		if (setrlimit(RLIMIT_NOFILE, &more) == 0)
			return;
	}
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_debug("raise RLIMIT_NOFILE: %s", strerror(errno));
}

/*
 * As PID 1 of its PID namespace the VMM never gets a signal from outside
 * for which it has no handler, so `kill -SEGV` would do nothing. These
 * handlers make such a signal act as on any process: the kernel resets
 * the action on entry (SA_RESETHAND: no syscall, which seccomp would
 * refuse), and a signal that was sent (si_code <= 0) is turned into the
 * same fault, which the kernel delivers by force. A real fault just
 * returns and faults again, now with the default action.
 */
static void main_fault_handler(int sig, siginfo_t *si, void *uc)
{
	static volatile int zero;
	volatile int *volatile nowhere = NULL;

	(void)uc;
	if (si->si_code > 0)
		return;
	switch (sig) {
	case SIGSEGV:
		*nowhere = 1;
		break;
	case SIGFPE:
		zero = 1 / zero;
		break;
	case SIGILL:
		__builtin_trap();
	case SIGTRAP:
		__asm__ volatile("int3");
		break;
	}
}

static void main_install_fault_handlers(void)
{
	static const int sigs[] = {SIGSEGV, SIGFPE, SIGILL, SIGTRAP};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = main_fault_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

/*
 * The directory of the vsock socket PATH (and of PATH_<port>), the one
 * part of the host's file system the sandbox keeps; NULL without --vsock.
 */
static const char *main_keep_dir(const struct options *opts, char *buf,
				 size_t size)
{
	const char *slash;

	if (!opts->vsock_cid || !opts->vsock_path)
		return NULL;
	slash = strrchr(opts->vsock_path, '/');
	if (!slash)
		return ".";
	if (slash == opts->vsock_path)
		return "/";
	if ((size_t)(slash - opts->vsock_path) >= size)
		return NULL;
	memcpy(buf, opts->vsock_path, (size_t)(slash - opts->vsock_path));
	buf[slash - opts->vsock_path] = '\0';
	return buf;
}

#ifdef COCOON_VMM_TEST_VIOLATION
/*
 * build/tests/cocoon-vmm-violate (tests/integration/test_vmm_sandbox.sh):
 * half a second into the run, on a confined main or vCPU thread, a
 * syscall no allow-list has. The sandbox must kill the VMM for it.
 */
static void main_violate(int sig)
{
	static const char msg[] = "cocoon-vmm: test build: calling ptrace(), "
				  "which the sandbox forbids\n";

	(void)sig;
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		return;
	syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
}

static void main_arm_violation(void)
{
	struct itimerval it = {.it_value = {.tv_usec = 500000}};
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = main_violate;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}
#endif

int main(int argc, char *argv[])
{
	cleanup_close int console_fd = -1;
	struct vm_share shares[OPTIONS_SHARES_MAX];
	static struct options opts; /* 32 KiB of share paths */
	struct sandbox_config sandbox = {.mode = SANDBOX_ENFORCE};
	char keep_dir[PATH_MAX];
	struct vm_config cfg;
	struct vm *vm = NULL;
	int end;

	main_install_stop_handlers();
	main_install_fault_handlers();
	log_init(argv[0]);
	if (options_parse(argc, argv, &opts) < 0)
		return EXIT_USAGE;
	if (opts.help) {
		options_usage(argv[0]);
		return 0;
	}
	if (opts.sandbox_rules) {
		sandbox_print_rules();
		return 0;
	}
	if (opts.no_sandbox)
		sandbox.mode = SANDBOX_OFF;
	else if (opts.sandbox_trace)
		sandbox.mode = SANDBOX_TRACE;
	sandbox.keep_dir = main_keep_dir(&opts, keep_dir, sizeof(keep_dir));
	if (opts.verbose)
		log_set_level(LOG_DEBUG);
	if (opts.nshares > 0)
		main_raise_nofile();

	vm_config_init(&cfg);
	cfg.mem_size = (uint64_t)opts.mem_mib << 20;
	cfg.cpus = opts.cpus;
	cfg.allow_pvm = opts.allow_pvm;
	cfg.no_thp = opts.no_thp;
	if (opts.flat) {
		cfg.mode = VM_BOOT_FLAT_REAL;
		cfg.flat_path = opts.flat;
	} else {
		cfg.kernel = opts.kernel;
		cfg.initrd = opts.initrd;
		cfg.cmdline = opts.cmdline;
		cfg.rng = opts.rng;
		for (unsigned int i = 0; i < opts.nshares; i++)
			shares[i] = (struct vm_share){
				.tag = opts.shares[i].tag,
				.dir = opts.shares[i].dir,
				.read_only = opts.shares[i].read_only,
			};
		cfg.shares = shares;
		cfg.nshares = opts.nshares;
		cfg.vsock_cid = opts.vsock_cid;
		cfg.vsock_path = opts.vsock_path;
		cfg.net = opts.net;
		cfg.net_tap = opts.net_tap[0] ? opts.net_tap : NULL;
		cfg.net_fd = opts.net_fd;
		cfg.net_mac_set = opts.net_mac_set;
		memcpy(cfg.net_mac, opts.net_mac, sizeof(cfg.net_mac));
	}
	if (opts.console) {
		console_fd =
			open(opts.console,
			     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (console_fd < 0) {
			log_error("open console %s: %s", opts.console,
				  strerror(errno));
			return EXIT_VMM_ERROR;
		}
		cfg.console_fd = console_fd;
	}

	if (vm_create(&cfg, &vm) < 0)
		return EXIT_VMM_ERROR;
	/* Everything is open: from here on the VMM confines itself. */
	if (sandbox_enter(&sandbox) < 0) {
		vm_destroy(vm);
		return EXIT_VMM_ERROR;
	}
#ifdef COCOON_VMM_TEST_VIOLATION
	main_arm_violation();
#endif
	main_vm = vm;
	if (main_signal) {
		vm_destroy(vm);
		log_error("stopped by signal %d (%s) while starting",
			  (int)main_signal, strsignal((int)main_signal));
		return 128 + (int)main_signal;
	}
	end = vm_run(vm);
	main_vm = NULL;
	vm_destroy(vm);
	switch (end) {
	case VM_END_RESET:
		return 0;
	case VM_END_STOPPED:
		log_error("stopped by signal %d (%s)", (int)main_signal,
			  strsignal((int)main_signal));
		return 128 + (int)main_signal;
	case VM_END_TRIPLE_FAULT:
		log_error("guest triple fault: the virtual machine shut down");
		return EXIT_TRIPLE_FAULT;
	default:
		log_error("virtual machine ended: %s",
			  end < 0 ? strerror(-end) : vm_end_name(end));
		return EXIT_VMM_ERROR;
	}
}
