// SPDX-License-Identifier: Apache-2.0
/*
 * The seccomp allow-lists, one per thread kind (vmm/sandbox.h), and the
 * capabilities kept. Only what runs after sandbox_enter() matters here:
 * set-up (opening /dev/kvm, the kernel, the shares, the tap, binding the
 * vsock listener, creating the threads) is over by then. Syscall names are
 * those of x86-64 glibc 2.36 (Debian 12): fstat() is newfstatat, recv() is
 * recvfrom, send() is sendto. tests/security/check-allowlists compares
 * these lists with what a traced pod really calls; docs/security.md lists
 * the rules that only error paths reach.
 */
#include "vmm/sandbox_rules.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <sys/mman.h>
#include <sys/socket.h>

#define ANY(name, k, w)                                                       \
	{                                                                     \
		.syscall = name, .kinds = k, .arg = SANDBOX_ARG_ANY, .why = w \
	}
#define ARG_EQ(name, k, a, v, vname, w)                               \
	{                                                             \
		.syscall = name, .kinds = k, .arg = a, .mask = ~0ull, \
		.value = (uint64_t)(v), .value_name = vname, .why = w \
	}
/* (argument a & m) == 0: none of the bits m. */
#define ARG_CLEAR(name, k, a, m, w)                                           \
	{                                                                     \
		.syscall = name, .kinds = k, .arg = a, .mask = (uint64_t)(m), \
		.value = 0, .value_name = "without " #m, .why = w             \
	}

/* A path syscall of the device thread whose directory fds (bit n:
 * argument n) must be real fds, not AT_FDCWD. */
#define AT(name, dirfd_args, w)                                                \
	{                                                                      \
		.syscall = name, .kinds = D, .arg = SANDBOX_ARG_ANY, .why = w, \
		.dirfds = dirfd_args                                           \
	}
/* Not allowed but answered: the syscall fails with err instead of
 * killing the VMM, when the low 32 bits of argument a are v. */
#define REFUSE(name, k, a, v, vname, err, w)                                  \
	{                                                                     \
		.syscall = name, .kinds = k, .arg = a, .mask = 0xffffffffull, \
		.value = (uint32_t)(v), .value_name = vname, .why = w,        \
		.refuse = err                                                 \
	}
#define A0 (1u << 0)
#define A1 (1u << 1)
#define A2 (1u << 2)

#define IOCTL(k, req, why) ARG_EQ("ioctl", k, 1, req, #req, why)
#define FCNTL(k, cmd, why) ARG_EQ("fcntl", k, 1, cmd, #cmd, why)

#define M  SANDBOX_K_MAIN
#define V  SANDBOX_K_VCPU
#define D  SANDBOX_K_DEVICE
#define R  SANDBOX_K_RUN
#define AL SANDBOX_K_ALL

const struct sandbox_rule sandbox_rules[] = {
	/* ---- every thread: libc, logging, memory */
	ANY("write", AL,
	    "log_msg() on stderr; serial.c the console; mmio.c irqfd "
	    "interrupts; event_loop_stop() its eventfd; net.c frames to the "
	    "tap"),
	ANY("futex", AL,
	    "pthread mutexes (every device's lock), pthread_join(), "
	    "pthread_once()"),
	ANY("exit", V | D, "a vCPU or the device thread returning"),
	ANY("rt_sigreturn", R,
	    "return from the vCPU kick handler (vcpu.c) and main()'s stop "
	    "handler"),
	ARG_CLEAR("mmap", AL, 2, PROT_EXEC,
		  "malloc(): large blocks and new per-thread arenas; never "
		  "executable"),
	ARG_CLEAR("mprotect", AL, 2, PROT_EXEC,
		  "malloc(): a per-thread arena grows; never executable"),
	ANY("munmap", AL, "free() of large blocks; vcpu_destroy() kvm_run"),
	ANY("brk", AL, "malloc() from the main arena"),
	ARG_EQ("madvise", AL, 2, MADV_DONTNEED, "MADV_DONTNEED",
	       "free() trims an arena; glibc drops a finished thread's stack"),
	/*
	 * The first time free() shrinks a per-thread heap, on whichever
	 * thread frees, glibc reads /proc/sys/vm/overcommit_memory (malloc's
	 * check_may_shrink_heap()); refused, it takes the default and trims
	 * with MADV_DONTNEED. Seen when the main thread freed 9p buffers at
	 * exit. Paths by AT_FDCWD reach nothing useful after the pivot, but
	 * nothing else here opens by them, so they fail instead of opening.
	 */
	REFUSE("openat", AL, 0, AT_FDCWD, "AT_FDCWD", EACCES,
	       "glibc free(): /proc/sys/vm/overcommit_memory, read once"),

	/* ---- the vCPU run loop (vcpu.c), on vCPU threads and vCPU 0/main */
	IOCTL(R, KVM_RUN, "vcpu_run_loop(): run the guest"),
	IOCTL(R, KVM_GET_REGS,
	      "vcpu_dump_regs(), vcpu_note_reset_state(): a failed vCPU"),
	IOCTL(R, KVM_GET_SREGS,
	      "vcpu_dump_regs(), vcpu_note_reset_state(): a failed vCPU"),
	IOCTL(R, KVM_IRQ_LINE, "serial.c: COM1's interrupt (vm_irq_line())"),
	IOCTL(R, TUNSETOFFLOAD,
	      "net.c net_sync_offload(): the driver's features, set by its "
	      "register writes"),
	ANY("tgkill", R,
	    "vm_stop() kicks every vCPU (pthread_kill()): i8042.c reset, a "
	    "triple fault, main()'s stop handler"),
	ANY("getpid", R, "pthread_kill() in vm_stop()"),
	ANY("gettid", R,
	    "pthread_kill() of the calling thread itself: "
	    "vm_stop() from a vCPU kicks it too"),
	ANY("rt_sigprocmask", AL,
	    "pthread_kill() blocks signals around tgkill (glibc 2.34+); a "
	    "thread blocks all as it ends; vm_run() restores its mask"),
	ANY("close", AL,
	    "9p.c/vsock: a device reset (a register write) closes its fids "
	    "and connections; 9p Tclunk; vsock connections; vm_destroy()"),
	ANY("epoll_ctl", AL,
	    "vsock/device.c: connections added and dropped (also by a reset "
	    "on a vCPU); event_loop_destroy()"),

	/* ---- main only: after vCPU 0 returns, vm_run() and vm_destroy() */
	ANY("read", M | D,
	    "event_loop_stop() drains its eventfd (main); eventfds, the tap, "
	    "timerfds and sockets (device)"),
	IOCTL(M, KVM_IOEVENTFD,
	      "virtio_mmio_fini(): deassign a queue's ioeventfd"),
	IOCTL(M, KVM_IRQFD, "virtio_mmio_fini(): deassign the device's irqfd"),
	ANY("unlink", M, "vsock_device_destroy() removes its socket"),
	ANY("exit_group", M, "main() returns"),

	/* ---- the device thread (event_loop.c and the devices it runs) */
	ANY("epoll_wait", D,
	    "event_loop.c the loop; vsock/host.c its own epoll set"),
	ANY("readv", D, "net.c frames from the tap"),
	ANY("writev", D, "net.c frames to the tap"),
	ANY("getrandom", D, "virtio/rng.c"),
	ANY("geteuid", D,
	    "p9_own_new(), Tsymlink: a new object gets the guest's owner "
	    "when the VMM runs as root"),
	ANY("timerfd_settime", D, "vsock/device.c credit and connect timers"),
	ANY("timerfd_settime", R,
	    "serial.c arms the console's flush timer on a line's first byte "
	    "(vCPU threads, and vCPU 0 runs on main)"),
	ANY("clock_gettime", D,
	    "vsock/device.c timers; the vDSO answers unless the host's "
	    "clocksource has none"),
	/* 9p (vmm/p9/): every path is resolved beneath a share fd */
	AT("openat", A0, "p9: \".\" of a directory fid, \"..\" in walks"),
	{.syscall = "openat",
	 .kinds = D,
	 .arg = SANDBOX_ARG_ANY,
	 .why = "p9_chmod_fd(): a regular file through /proc/self/fd, on "
		"kernels without fchmodat2 (before 6.6) only",
	 .without_fchmodat2 = true},
	AT("openat2", A0, "p9 walks, Tlopen, Tlcreate (RESOLVE_BENEATH)"),
	AT("newfstatat", A0, "p9_fd_stat(), fstat() of fids"),
	AT("statx", A0, "p9 Tgetattr"),
	ANY("fstatfs", D, "p9 Tstatfs"),
	ANY("getdents64", D, "p9 Treaddir"),
	ANY("lseek", D, "p9 Treaddir rewinds"),
	ANY("pread64", D, "p9 Tread"),
	ANY("pwrite64", D, "p9 Twrite"),
	ANY("fsync", D, "p9 Tfsync"),
	ANY("fdatasync", D, "p9 Tfsync (datasync)"),
	ANY("ftruncate", D, "p9 Tsetattr size"),
	AT("fchownat", A0, "p9 Tsetattr uid/gid, new objects' owner"),
	ANY("fchmod", D, "p9 Tsetattr mode (p9_chmod_fd() fallback)"),
	{.syscall = "fchmodat2",
	 .nr = 452,
	 .kinds = D,
	 .arg = SANDBOX_ARG_ANY,
	 .why = "p9_chmod_fd(): Tsetattr mode on an O_PATH fid (Linux 6.6+)",
	 .dirfds = A0},
	AT("utimensat", A0, "p9 Tsetattr times"),
	AT("mkdirat", A0, "p9 Tmkdir"),
	AT("mknodat", A0, "p9 Tmknod"),
	AT("symlinkat", A1, "p9 Tsymlink"),
	AT("linkat", A0 | A2, "p9 Tlink"),
	AT("renameat", A0 | A2, "p9 Trename, Trenameat"),
	AT("unlinkat", A0, "p9 Tunlinkat, Tremove; Tlink's clean-up"),
	AT("readlinkat", A0, "p9 Treadlink"),
	ANY("fgetxattr", D, "p9 Txattrwalk"),
	ANY("flistxattr", D, "p9 Txattrwalk (list)"),
	ANY("fsetxattr", D, "p9 Txattrcreate, at Tclunk"),
	ANY("fremovexattr", D, "p9 Txattrcreate size 0 (removexattr)"),
	FCNTL(D, F_DUPFD_CLOEXEC, "p9 Tattach, Twalk: fids share nothing"),
	FCNTL(D, F_SETFL, "p9_fid_reopen(): the guest's O_NONBLOCK"),
	FCNTL(D, F_OFD_SETLK, "p9 Tlock"),
	FCNTL(D, F_OFD_GETLK, "p9 Tgetlock"),
	/* vsock (vmm/vsock/): the bridge to Unix sockets in keep_dir */
	ARG_EQ("socket", D, 0, AF_UNIX, "AF_UNIX",
	       "vsock/device.c vsock_guest_connect(): Unix sockets only"),
	ANY("connect", D, "vsock_guest_connect(): PATH_<port>"),
	ANY("accept4", D, "vsock/host.c: host clients of PATH"),
	ANY("recvfrom", D, "vsock/host.c: the CONNECT line; connections"),
	ANY("sendto", D, "vsock/device.c: OK <port>, connection data"),
	ANY("sendmsg", D, "vsock/device.c: connection data"),
	ANY("shutdown", D, "vsock/device.c: the guest's SHUTDOWN"),
	ANY("getsockopt", D, "vsock/host.c: SO_ERROR of a connect"),
};

const size_t sandbox_nrules = sizeof(sandbox_rules) / sizeof(sandbox_rules[0]);

/*
 * 9p serves the guest's root as root: files of any owner and mode. The
 * guest kernel checks permissions for its own users; the host only keeps
 * what it needs to carry out what the guest's root may do to its files.
 */
const struct sandbox_cap sandbox_caps[] = {
	{CAP_CHOWN, "p9 Tsetattr uid/gid; new objects get the guest's owner "
		    "(p9_own_new())"},
	{CAP_DAC_OVERRIDE, "p9: read, write and search files and directories "
			   "whatever their mode (the guest's root may)"},
	{CAP_DAC_READ_SEARCH,
	 "p9 Tlink: linkat(AT_EMPTY_PATH) of an O_PATH fid (Linux < 6.10)"},
	{CAP_FOWNER, "p9 Tsetattr mode and times, xattrs on files the VMM's "
		     "uid does not own"},
	{CAP_FSETID, "p9: keep set-user/group-ID bits on chmod and write "
		     "(files of other groups)"},
	{CAP_MKNOD, "p9 Tmknod: character and block device nodes (never "
		    "opened by the server)"},
};

const size_t sandbox_ncaps = sizeof(sandbox_caps) / sizeof(sandbox_caps[0]);

size_t sandbox_rules_count(enum sandbox_thread kind)
{
	size_t n = 0;

	for (size_t i = 0; i < sandbox_nrules; i++)
		if ((sandbox_rules[i].kinds & (1u << kind)) &&
		    !sandbox_rules[i].refuse)
			n++;
	return n;
}

size_t sandbox_syscalls_count(enum sandbox_thread kind)
{
	size_t n = 0;

	for (size_t i = 0; i < sandbox_nrules; i++) {
		bool seen = false;

		if (!(sandbox_rules[i].kinds & (1u << kind)) ||
		    sandbox_rules[i].refuse)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = (sandbox_rules[j].kinds & (1u << kind)) &&
			       !sandbox_rules[j].refuse &&
			       !__builtin_strcmp(sandbox_rules[j].syscall,
						 sandbox_rules[i].syscall);
		if (!seen)
			n++;
	}
	return n;
}
