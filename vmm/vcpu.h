/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A vCPU: its KVM fd and kvm_run page, its initial state, and the loop
 * that runs it on its own thread and hands its exits to the I/O buses.
 */
#ifndef COCOON_VMM_VCPU_H
#define COCOON_VMM_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>

struct vm;

struct vcpu {
	struct vm *vm;
	unsigned int index; /* also its APIC ID */
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_valid; /* thread may be signalled */
};

/* Creates vCPU index and sets CPUID, MSRs, LAPIC and (vCPU 0) registers
 * for entry at entry (rip/eip; ignored in real mode). */
int vcpu_create(struct vm *vm, unsigned int index, unsigned long entry,
		struct vcpu *vcpu);
void vcpu_destroy(struct vcpu *vcpu);
/* Runs until the VM ends; returns 0 or -errno. */
int vcpu_run_loop(struct vcpu *vcpu);
/* Makes the vCPU leave KVM_RUN soon (immediate_exit plus a signal). */
void vcpu_kick(struct vcpu *vcpu);
/* Installs the no-op handler of the kick signal (once per process). */
int vcpu_signal_setup(void);
/* Logs the general and system registers. */
void vcpu_dump_regs(struct vcpu *vcpu);

#endif
