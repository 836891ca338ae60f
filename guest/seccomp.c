// SPDX-License-Identifier: Apache-2.0
#include "guest/seccomp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * The default filter: everything is allowed except these, which fail
 * with EPERM. The groups follow what container runtimes refuse by
 * default (Docker's default profile, rkt's @docker/default-blacklist),
 * trimmed to what a pod in its own VM must still not do to the guest
 * kernel that holds its apps apart.
 */
const char *const seccomp_default_denied[] = {
	/* Kernel modules: loading code into the guest kernel. */
	"init_module",
	"finit_module",
	"delete_module",
	"create_module",
	"query_module",
	"get_kernel_syms",
	/* Replacing or stopping the kernel: PID 1 alone ends the VM. */
	"kexec_load",
	"kexec_file_load",
	"reboot",
	/* Mounts and namespaces: the app's view of files is fixed by init. */
	"mount",
	"umount",
	"umount2",
	"pivot_root",
	"fsopen",
	"fsconfig",
	"fsmount",
	"fspick",
	"move_mount",
	"open_tree",
	"mount_setattr",
	"unshare",
	"setns",
	/* Swap, quotas, accounting, system-wide settings. */
	"swapon",
	"swapoff",
	"quotactl",
	"quotactl_fd",
	"acct",
	"_sysctl",
	"sysfs",
	"ustat",
	"nfsservctl",
	"uselib",
	"personality",
	/* The clock is the guest's, shared by every app. */
	"settimeofday",
	"stime",
	"clock_settime",
	"clock_adjtime",
	"adjtimex",
	/* Other processes' memory and state. */
	"ptrace",
	"process_vm_readv",
	"process_vm_writev",
	"kcmp",
	"process_madvise",
	/* Kernel attack surface rarely needed by apps. */
	"bpf",
	"perf_event_open",
	"userfaultfd",
	"lookup_dcookie",
	"add_key",
	"request_key",
	"keyctl",
	"open_by_handle_at",
	"name_to_handle_at",
	/* Raw I/O ports and old x86 modes. */
	"ioperm",
	"iopl",
	"vm86",
	"vm86old",
	/* NUMA placement: no NUMA in a pod VM, and it can starve others. */
	"mbind",
	"set_mempolicy",
	"get_mempolicy",
	"move_pages",
	NULL,
};

/*
 * One rule per name. Names unknown to libseccomp, or not syscalls on this
 * architecture (its pseudo numbers are negative), are skipped in the
 * built-in list and refused in an app's own list.
 */
static int seccomp_add(scmp_filter_ctx ctx, uint32_t action, const char *name,
		       bool strict, char *err, size_t err_size)
{
	int nr = seccomp_syscall_resolve_name(name);
	int ret;

	if (nr == __NR_SCMP_ERROR || nr < 0) {
		if (!strict)
			return 0;
		snprintf(err, err_size, "unknown syscall \"%s\"", name);
		return -EINVAL;
	}
	ret = seccomp_rule_add(ctx, action, nr, 0);
	if (ret < 0) {
		snprintf(err, err_size, "add a seccomp rule for %s: %s", name,
			 strerror(-ret));
		return ret;
	}
	return 0;
}

int seccomp_build(const struct runtime_seccomp *s, scmp_filter_ctx *out,
		  char *err, size_t err_size)
{
	/* appc/rkt: a set without an errno kills the caller with SIGSYS */
	uint32_t deny = s->errno_value
				? SCMP_ACT_ERRNO((uint32_t)s->errno_value)
				: SCMP_ACT_KILL_PROCESS;
	scmp_filter_ctx ctx;
	int ret = 0;

	*out = NULL;
	switch (s->mode) {
	case RUNTIME_SECCOMP_NONE:
		return 0;
	case RUNTIME_SECCOMP_RETAIN:
		ctx = seccomp_init(deny);
		break;
	default:
		ctx = seccomp_init(SCMP_ACT_ALLOW);
		break;
	}
	if (!ctx) {
		snprintf(err, err_size,
			 "create a seccomp filter: out of memory");
		return -ENOMEM;
	}
	/* We set no_new_privs ourselves, before loading. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (s->mode == RUNTIME_SECCOMP_DEFAULT) {
		for (size_t i = 0; seccomp_default_denied[i] && ret >= 0; i++)
			ret = seccomp_add(ctx, SCMP_ACT_ERRNO(EPERM),
					  seccomp_default_denied[i], false, err,
					  err_size);
	} else {
		uint32_t action = s->mode == RUNTIME_SECCOMP_RETAIN
					  ? SCMP_ACT_ALLOW
					  : deny;

		for (size_t i = 0; i < s->n_syscalls && ret >= 0; i++)
			ret = seccomp_add(ctx, action, s->syscalls[i], true,
					  err, err_size);
	}
	if (ret < 0) {
		seccomp_release(ctx);
		return ret;
	}
	*out = ctx;
	return 0;
}

int seccomp_apply(const struct runtime_seccomp *s, char *err, size_t err_size)
{
	scmp_filter_ctx ctx;
	int ret = seccomp_build(s, &ctx, err, err_size);

	if (ret < 0 || !ctx)
		return ret;
	ret = seccomp_load(ctx);
	if (ret < 0)
		snprintf(err, err_size, "load the seccomp filter: %s",
			 strerror(-ret));
	seccomp_release(ctx);
	return ret;
}
