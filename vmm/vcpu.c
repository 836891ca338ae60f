// SPDX-License-Identifier: Apache-2.0
#include "vmm/vcpu.h"

#include "common/cleanup.h"
#include "common/log.h"
#include "vmm/boot.h"
#include "vmm/sandbox.h"
#include "vmm/vm.h"
#include "vmm/x86.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define VCPU_KICK_SIGNAL SIGRTMIN

static int vcpu_signal_result;

static void vcpu_kick_handler(int sig)
{
	(void)sig; /* only there to make KVM_RUN return -EINTR */
}

static void vcpu_signal_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vcpu_kick_handler;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: an interrupted KVM_RUN must return to us. */
	if (sigaction(VCPU_KICK_SIGNAL, &sa, NULL) < 0) {
		vcpu_signal_result = -errno;
		log_error("vCPU kick signal: sigaction: %s", strerror(errno));
	}
}

int vcpu_signal_setup(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, vcpu_signal_install);
	return vcpu_signal_result;
}

static int vcpu_ioctl(struct vcpu *vcpu, unsigned long req, void *arg,
		      const char *name)
{
	if (ioctl(vcpu->fd, req, arg) < 0) {
		int e = errno;

		log_error("vCPU %u: %s: %s", vcpu->index, name, strerror(e));
		return -e;
	}
	return 0;
}

static int vcpu_set_cpuid(struct vcpu *vcpu)
{
	const struct kvm_cpuid2 *supported = vcpu->vm->cpuid;
	size_t size = sizeof(*supported) +
		      supported->nent * sizeof(supported->entries[0]);
	cleanup_free struct kvm_cpuid2 *cpuid = malloc(size);

	if (!cpuid) {
		log_error("vCPU %u: CPUID table: out of memory", vcpu->index);
		return -ENOMEM;
	}
	memcpy(cpuid, supported, size);
	x86_cpuid_fixup(cpuid, vcpu->index, vcpu->vm->nvcpus);
	return vcpu_ioctl(vcpu, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2");
}

static int vcpu_set_msrs(struct vcpu *vcpu)
{
	/* struct kvm_msrs ends in a flexible array: room for it after. */
	_Alignas(struct kvm_msrs)
		uint8_t buf[sizeof(struct kvm_msrs) +
			    X86_BOOT_MSRS * sizeof(struct kvm_msr_entry)];
	struct kvm_msrs *msrs = (struct kvm_msrs *)buf;
	int n;

	memset(buf, 0, sizeof(buf));
	msrs->nmsrs = x86_boot_msrs(msrs->entries);
	n = ioctl(vcpu->fd, KVM_SET_MSRS, msrs);
	if (n < 0) {
		int e = errno;

		log_error("vCPU %u: KVM_SET_MSRS: %s", vcpu->index,
			  strerror(e));
		return -e;
	}
	/* KVM stops at the first MSR it refuses; say which. */
	if ((uint32_t)n != msrs->nmsrs) {
		log_error("vCPU %u: KVM refused MSR 0x%x", vcpu->index,
			  msrs->entries[n].index);
		return -EINVAL;
	}
	return 0;
}

static int vcpu_set_lapic(struct vcpu *vcpu)
{
	struct kvm_lapic_state lapic;
	int r;

	r = vcpu_ioctl(vcpu, KVM_GET_LAPIC, &lapic, "KVM_GET_LAPIC");
	if (r < 0)
		return r;
	x86_lapic_set_lints(&lapic);
	return vcpu_ioctl(vcpu, KVM_SET_LAPIC, &lapic, "KVM_SET_LAPIC");
}

static int vcpu_set_boot_regs(struct vcpu *vcpu, unsigned long entry)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_fpu fpu;
	int r;

	r = vcpu_ioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
	if (r < 0)
		return r;
	memset(&regs, 0, sizeof(regs));
	regs.rflags = 2; /* bit 1 is always set */
	switch (vcpu->vm->cfg.mode) {
	case VM_BOOT_LINUX:
		x86_sregs_long_mode(&sregs);
		regs.rip = entry;
		regs.rsi = BOOT_PARAMS_ADDR; /* boot.rst: 64-bit protocol */
		regs.rsp = BOOT_STACK_TOP;
		regs.rbp = BOOT_STACK_TOP;
		break;
	case VM_BOOT_FLAT_PROT32:
		x86_sregs_prot32(&sregs);
		regs.rip = entry;
		regs.rsp = BOOT_FLAT_ADDR - 16;
		break;
	case VM_BOOT_FLAT_REAL:
		x86_sregs_real_mode(&sregs, (uint16_t)(BOOT_FLAT_ADDR >> 4));
		regs.rip = 0;
		regs.rsp = BOOT_FLAT_ADDR - 16; /* SS = 0 */
		break;
	}
	r = vcpu_ioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
	if (r < 0)
		return r;
	r = vcpu_ioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");
	if (r < 0)
		return r;
	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37f;    /* x87 state after FNINIT */
	fpu.mxcsr = 0x1f80; /* SSE: all exceptions masked */
	return vcpu_ioctl(vcpu, KVM_SET_FPU, &fpu, "KVM_SET_FPU");
}

int vcpu_create(struct vm *vm, unsigned int index, unsigned long entry,
		struct vcpu *vcpu)
{
	void *run;
	int r;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->index = index;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (vcpu->fd < 0) {
		r = -errno;
		log_error("vCPU %u: KVM_CREATE_VCPU: %s", index, strerror(-r));
		return r;
	}
	run = mmap(NULL, (size_t)vm->run_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED, vcpu->fd, 0);
	if (run == MAP_FAILED) {
		r = -errno;
		log_error("vCPU %u: mmap kvm_run: %s", index, strerror(-r));
		goto err_close;
	}
	vcpu->run = run;
	r = vcpu_set_cpuid(vcpu);
	if (!r)
		r = vcpu_set_msrs(vcpu);
	if (!r)
		r = vcpu_set_lapic(vcpu);
	/* The others wait for INIT-SIPI from vCPU 0 (in-kernel LAPIC). */
	if (!r && index == 0)
		r = vcpu_set_boot_regs(vcpu, entry);
	if (r < 0)
		goto err_unmap;
	return 0;

err_unmap:
	munmap(vcpu->run, (size_t)vm->run_size);
	vcpu->run = NULL;
err_close:
	close(vcpu->fd);
	vcpu->fd = -1;
	return r;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, (size_t)vcpu->vm->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (!vcpu->run)
		return;
	/* Seen by KVM at the next KVM_RUN if we are not inside it now. */
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&vcpu->thread_valid, __ATOMIC_ACQUIRE))
		pthread_kill(vcpu->thread, VCPU_KICK_SIGNAL);
}

void vcpu_dump_regs(struct vcpu *vcpu)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		log_error("vCPU %u: cannot read registers: %s", vcpu->index,
			  strerror(errno));
		return;
	}
	log_error("vCPU %u: rip=%016llx rsp=%016llx rflags=%08llx", vcpu->index,
		  r.rip, r.rsp, r.rflags);
	log_error("vCPU %u: rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx",
		  vcpu->index, r.rax, r.rbx, r.rcx, r.rdx);
	log_error("vCPU %u: rsi=%016llx rdi=%016llx rbp=%016llx r8=%016llx",
		  vcpu->index, r.rsi, r.rdi, r.rbp, r.r8);
	log_error("vCPU %u: cs=%04x base=%llx l=%u db=%u ss=%04x ds=%04x",
		  vcpu->index, s.cs.selector, s.cs.base, s.cs.l, s.cs.db,
		  s.ss.selector, s.ds.selector);
	log_error("vCPU %u: cr0=%llx cr2=%llx cr3=%llx cr4=%llx efer=%llx",
		  vcpu->index, s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
	log_error("vCPU %u: gdt=%llx/%x idt=%llx/%x", vcpu->index, s.gdt.base,
		  s.gdt.limit, s.idt.base, s.idt.limit);
}

/*
 * On AMD, KVM reinitialises the VMCB when it sees a shutdown, so the
 * registers read afterwards are the reset values, not the faulting state;
 * say so rather than let the dump mislead.
 */
static void vcpu_note_reset_state(struct vcpu *vcpu)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		return;
	if (r.rip == 0xfff0 && s.cs.base == 0xffff0000)
		log_error("vCPU %u: (these are reset values: this KVM resets a "
			  "vCPU that shuts down, the faulting state is lost)",
			  vcpu->index);
}

static void vcpu_handle_pio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint32_t size = run->io.size, count = run->io.count;
	uint64_t off = run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

	/* The kernel fills these, but check that the data lies in the
	 * mapping before touching it. */
	if ((size != 1 && size != 2 && size != 4) || count == 0 ||
	    off >= (uint64_t)vcpu->vm->run_size ||
	    (uint64_t)size * count > (uint64_t)vcpu->vm->run_size - off) {
		log_error("vCPU %u: malformed port I/O exit", vcpu->index);
		vm_stop(vcpu->vm, VM_END_ERROR);
		return;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *data = (uint8_t *)run + off + (uint64_t)i * size;

		if (!io_bus_access(&vcpu->vm->pio, run->io.port, data, size,
				   is_write))
			log_debug("vCPU %u: unclaimed port %s 0x%x/%u",
				  vcpu->index, is_write ? "write" : "read",
				  run->io.port, size);
	}
}

static void vcpu_handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint32_t len = run->mmio.len;

	/* mmio.data is 8 bytes */
	if (len == 0 || len > sizeof(run->mmio.data)) {
		log_error("vCPU %u: malformed MMIO exit", vcpu->index);
		vm_stop(vcpu->vm, VM_END_ERROR);
		return;
	}
	if (!io_bus_access(&vcpu->vm->mmio, run->mmio.phys_addr, run->mmio.data,
			   len, run->mmio.is_write))
		log_debug("vCPU %u: unclaimed MMIO %s 0x%llx/%u", vcpu->index,
			  run->mmio.is_write ? "write" : "read",
			  run->mmio.phys_addr, len);
}

static void vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_handle_pio(vcpu);
		break;
	case KVM_EXIT_MMIO:
		vcpu_handle_mmio(vcpu);
		break;
	case KVM_EXIT_INTR:
		break;
	case KVM_EXIT_SHUTDOWN:
		log_error("vCPU %u: guest triple fault (KVM_EXIT_SHUTDOWN)",
			  vcpu->index);
		vcpu_dump_regs(vcpu);
		vcpu_note_reset_state(vcpu);
		vm_stop(vcpu->vm, VM_END_TRIPLE_FAULT);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_RESET ||
		    run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN) {
			vm_stop(vcpu->vm, VM_END_RESET);
			break;
		}
		log_error("vCPU %u: unexpected system event %u", vcpu->index,
			  run->system_event.type);
		vm_stop(vcpu->vm, VM_END_ERROR);
		break;
	case KVM_EXIT_HLT:
		/* Only without an in-kernel LAPIC; we always have one. */
		log_error("vCPU %u: unexpected HLT exit", vcpu->index);
		vm_stop(vcpu->vm, VM_END_ERROR);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		log_error("vCPU %u: KVM internal error, suberror %u",
			  vcpu->index, run->internal.suberror);
		vcpu_dump_regs(vcpu);
		vm_stop(vcpu->vm, VM_END_ERROR);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		log_error("vCPU %u: VM entry failed, reason 0x%llx",
			  vcpu->index,
			  run->fail_entry.hardware_entry_failure_reason);
		vcpu_dump_regs(vcpu);
		vm_stop(vcpu->vm, VM_END_ERROR);
		break;
	default:
		log_error("vCPU %u: unexpected KVM exit reason %u", vcpu->index,
			  run->exit_reason);
		vcpu_dump_regs(vcpu);
		vm_stop(vcpu->vm, VM_END_ERROR);
		break;
	}
}

int vcpu_run_loop(struct vcpu *vcpu)
{
	/* Confined before the first KVM_RUN (the main thread's list for
	 * vCPU 0, which vm_run() runs on main()'s thread). */
	sandbox_thread_enter(SANDBOX_THREAD_VCPU);
	while (vm_end_reason(vcpu->vm) == VM_END_NONE) {
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			int e = errno;

			if (e == EINTR || e == EAGAIN)
				continue;
			log_error("vCPU %u: KVM_RUN: %s", vcpu->index,
				  strerror(e));
			vcpu_dump_regs(vcpu);
			vm_stop(vcpu->vm, VM_END_ERROR);
			return -e;
		}
		vcpu_handle_exit(vcpu);
	}
	return 0;
}
