/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One virtual machine, in-process: cocoon-vmm's main() and the KVM tests
 * both drive it through this API.
 *
 *	struct vm_config cfg;
 *	struct vm *vm;
 *
 *	vm_config_init(&cfg);
 *	cfg.mode = VM_BOOT_FLAT_REAL;
 *	cfg.flat_code = code;
 *	cfg.flat_size = size;
 *	if (vm_create(&cfg, &vm) < 0)
 *		...
 *	end = vm_run(vm);	(VM_END_RESET when the guest reset it)
 *	vm_destroy(vm);
 */
#ifndef COCOON_VMM_VM_H
#define COCOON_VMM_VM_H

#include "vmm/guest_mem.h"
#include "vmm/io_bus.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vm_boot_mode {
	VM_BOOT_LINUX,	     /* kernel (+ initrd), 64-bit boot protocol */
	VM_BOOT_FLAT_REAL,   /* flat binary at 0x10000, real mode, CS=0x1000 */
	VM_BOOT_FLAT_PROT32, /* flat binary at 0x10000, 32-bit flat, EIP=it */
};

/* How a run ended; vm_run() returns one of these. */
enum vm_end {
	VM_END_NONE,
	VM_END_RESET,	     /* guest reset the machine (i8042 0xfe, reboot) */
	VM_END_TRIPLE_FAULT, /* KVM_EXIT_SHUTDOWN */
	VM_END_ERROR,	     /* KVM or VMM failure; logged */
	VM_END_STOPPED,	     /* vm_stop() by the host side */
};

enum vm_io_space { VM_IO_PIO, VM_IO_MMIO };

/* Most virtio-mmio devices one VM has (one free ISA IRQ line each). */
#define VM_VIRTIO_MAX 10u

/* A host directory shown to the guest over virtio-9p. */
struct vm_share {
	const char *tag; /* mount tag, 1..31 bytes of [A-Za-z0-9_.-] */
	const char *dir;
	bool read_only;
};

struct vm_config {
	enum vm_boot_mode mode;
	uint64_t mem_size; /* bytes */
	unsigned int cpus;
	const char *kernel;
	const char *initrd;  /* optional */
	const char *cmdline; /* NULL: boot_cmdline_build() defaults */
	const char *flat_path;
	const void *flat_code; /* instead of flat_path */
	size_t flat_size;
	int console_fd; /* COM1 output */
	bool allow_pvm;
	bool no_thp;		       /* no MADV_HUGEPAGE on guest RAM */
	bool rng;		       /* virtio-rng */
	const struct vm_share *shares; /* virtio-9p, one device each */
	unsigned int nshares;
	uint64_t vsock_cid;	/* virtio-vsock guest CID, 0: no device */
	const char *vsock_path; /* its host side: PATH and PATH_<port> */
	/* virtio-net over a tap: open (or create) net_tap, or when that is
	 * NULL take net_fd, an open tap (the device then owns it) */
	bool net;
	const char *net_tap;
	int net_fd;
	bool net_mac_set; /* else net_default_mac() */
	uint8_t net_mac[6];
};

struct vcpu;
struct vm_device;
struct event_loop;

/* Where a virtio-mmio device sits, for the kernel command line. */
struct vm_virtio_slot {
	uint64_t base;
	uint32_t size;
	unsigned int irq;
};

struct vm {
	struct vm_config cfg;
	int kvm_fd;
	int vm_fd;
	int run_size; /* bytes of each vCPU's kvm_run mapping */
	struct guest_mem mem;
	struct io_bus pio;
	struct io_bus mmio;
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID */
	struct vcpu *vcpus;
	unsigned int nvcpus;
	struct vm_device *devices;
	size_t ndevices;
	struct event_loop *loop; /* the device thread, run by vm_run() */
	struct vm_virtio_slot virtio[VM_VIRTIO_MAX];
	unsigned int nvirtio;
	int end; /* enum vm_end, atomic: the first end wins */
};

/* 128 MiB, one CPU, Linux mode, console on stdout. */
void vm_config_init(struct vm_config *cfg);
/* Builds the whole machine, ready to run. Returns 0 or -errno (logged). */
int vm_create(const struct vm_config *cfg, struct vm **out);
/* Runs the vCPUs until the VM ends; returns the enum vm_end or -errno.
 * Call once per VM. */
int vm_run(struct vm *vm);
/* Frees everything vm_create() made; vm may be NULL. */
void vm_destroy(struct vm *vm);

/* Ends the run (the first reason given wins) and kicks every vCPU out of
 * the guest. Safe from any thread, including vCPU threads. */
void vm_stop(struct vm *vm, enum vm_end reason);
/* The reason the run ended, VM_END_NONE while it runs. */
enum vm_end vm_end_reason(const struct vm *vm);
/* Claims [base, base + len) of port or MMIO space for a device. */
int vm_io_register(struct vm *vm, enum vm_io_space space, uint64_t base,
		   uint64_t len, const char *name, const struct io_ops *ops,
		   void *opaque);
/* Drives an ISA interrupt line of the in-kernel PIC and I/O APIC. */
int vm_irq_line(struct vm *vm, unsigned int irq, int level);
/* Host pointer to guest RAM [gpa, gpa + len), or NULL. */
void *vm_guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len);
/* Name of an end reason, for messages. */
const char *vm_end_name(enum vm_end end);

#endif
