// SPDX-License-Identifier: Apache-2.0
#include "vmm/vm.h"

#include "common/cleanup.h"
#include "common/log.h"
#include "vmm/boot.h"
#include "vmm/device.h"
#include "vmm/event_loop.h"
#include "vmm/kvm_check.h"
#include "vmm/loader.h"
#include "vmm/mptable.h"
#include "vmm/vcpu.h"
#include "vmm/x86.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Below 4 GiB, inside the MMIO hole, away from the I/O and local APICs:
 * pages KVM needs for real-mode emulation on Intel (three for the TSS,
 * one for the identity map). */
#define VM_TSS_ADDR	     0xfffbd000ull
#define VM_IDENTITY_MAP_ADDR 0xfffbc000ull
#define VM_VCPU_STACK_SIZE   (256u * 1024u)

struct vm_device {
	const struct vm_device_type *type;
	void *state;
};

/* Filled by the linker from VM_DEVICE_REGISTER() (see device.h). */
extern const struct vm_device_type *const __start_vmm_devices[]
	__attribute__((weak));
extern const struct vm_device_type *const __stop_vmm_devices[]
	__attribute__((weak));

void vm_config_init(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = VM_BOOT_LINUX;
	cfg->mem_size = 128ull << 20;
	cfg->cpus = 1;
	cfg->console_fd = STDOUT_FILENO;
}

const char *vm_end_name(enum vm_end end)
{
	switch (end) {
	case VM_END_NONE:
		return "running";
	case VM_END_RESET:
		return "guest reset";
	case VM_END_TRIPLE_FAULT:
		return "guest triple fault";
	case VM_END_ERROR:
		return "error";
	case VM_END_STOPPED:
		return "stopped by host";
	}
	return "?";
}

enum vm_end vm_end_reason(const struct vm *vm)
{
	return (enum vm_end)__atomic_load_n(&vm->end, __ATOMIC_ACQUIRE);
}

void vm_stop(struct vm *vm, enum vm_end reason)
{
	int none = VM_END_NONE;

	__atomic_compare_exchange_n(&vm->end, &none, (int)reason, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	for (unsigned int i = 0; i < vm->nvcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
}

/* Would an MMIO range be shadowed by RAM (accesses never exit)? */
static bool vm_range_has_ram(const struct vm *vm, uint64_t base, uint64_t len)
{
	uint64_t high_end =
		GUEST_HIGH_MEM_START + (vm->mem.size - vm->mem.low_size);

	if (len == 0 || base + len < base)
		return false; /* io_bus_register refuses these */
	if (base < vm->mem.low_size)
		return true;
	return vm->mem.size > vm->mem.low_size && base < high_end &&
	       base + len > GUEST_HIGH_MEM_START;
}

int vm_io_register(struct vm *vm, enum vm_io_space space, uint64_t base,
		   uint64_t len, const char *name, const struct io_ops *ops,
		   void *opaque)
{
	if (space == VM_IO_PIO && (base > 0xffff || len > 0x10000 - base)) {
		log_error("I/O ports 0x%llx+0x%llx for %s: beyond 0xffff",
			  (unsigned long long)base, (unsigned long long)len,
			  name);
		return -EINVAL;
	}
	if (space == VM_IO_MMIO && vm_range_has_ram(vm, base, len)) {
		log_error("MMIO range 0x%llx+0x%llx for %s overlaps guest RAM",
			  (unsigned long long)base, (unsigned long long)len,
			  name);
		return -EINVAL;
	}
	return io_bus_register(space == VM_IO_PIO ? &vm->pio : &vm->mmio, base,
			       len, name, ops, opaque);
}

int vm_irq_line(struct vm *vm, unsigned int irq, int level)
{
	struct kvm_irq_level line = {.irq = irq, .level = level};

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &line) < 0) {
		int e = errno;

		log_error("KVM_IRQ_LINE %u: %s", irq, strerror(e));
		return -e;
	}
	return 0;
}

void *vm_guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	return guest_mem_ptr(&vm->mem, gpa, len);
}

static int vm_ioctl(struct vm *vm, unsigned long req, unsigned long arg,
		    const char *name)
{
	int r = ioctl(vm->vm_fd, req, arg);

	if (r < 0) {
		int e = errno;

		log_error("%s: %s", name, strerror(e));
		return -e;
	}
	return r;
}

static int vm_setup_kvm(struct vm *vm)
{
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	uint64_t identity = VM_IDENTITY_MAP_ADDR;
	int max_vcpus, r;

	vm->kvm_fd = kvm_open_checked(vm->cfg.mode == VM_BOOT_LINUX,
				      vm->cfg.allow_pvm);
	if (vm->kvm_fd < 0)
		return vm->kvm_fd;
	max_vcpus = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max_vcpus <= 0)
		max_vcpus = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
				  KVM_CAP_NR_VCPUS);
	if (max_vcpus > 0 && vm->cfg.cpus > (unsigned int)max_vcpus) {
		log_error("%u vCPUs asked, this KVM allows %d", vm->cfg.cpus,
			  max_vcpus);
		return -EINVAL;
	}
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < (int)sizeof(struct kvm_run)) {
		log_error("KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
		return -EINVAL;
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		r = -errno;
		log_error("KVM_CREATE_VM: %s", strerror(-r));
		return r;
	}
	r = vm_ioctl(vm, KVM_SET_TSS_ADDR, VM_TSS_ADDR, "KVM_SET_TSS_ADDR");
	if (r >= 0)
		r = vm_ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR,
			     (unsigned long)&identity,
			     "KVM_SET_IDENTITY_MAP_ADDR");
	if (r >= 0)
		r = vm_ioctl(vm, KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP");
	if (r >= 0)
		r = vm_ioctl(vm, KVM_CREATE_PIT2, (unsigned long)&pit,
			     "KVM_CREATE_PIT2");
	return r < 0 ? r : 0;
}

static int vm_setup_memory(struct vm *vm)
{
	struct guest_region regions[2];
	unsigned int n;
	int r;

	r = guest_mem_init(&vm->mem, vm->cfg.mem_size);
	if (r < 0)
		return r;
	/* Not fatal: the guest runs on small pages, only slower. */
	if (!vm->cfg.no_thp && (r = guest_mem_advise_huge(&vm->mem)) < 0)
		log_debug("guest memory: no transparent huge pages: %s",
			  strerror(-r));
	n = guest_mem_regions(&vm->mem, regions);
	for (unsigned int i = 0; i < n; i++) {
		struct kvm_userspace_memory_region slot = {
			.slot = i,
			.guest_phys_addr = regions[i].gpa,
			.memory_size = regions[i].size,
			.userspace_addr = (uintptr_t)regions[i].host,
		};

		r = vm_ioctl(vm, KVM_SET_USER_MEMORY_REGION,
			     (unsigned long)&slot,
			     "KVM_SET_USER_MEMORY_REGION");
		if (r < 0)
			return r;
	}
	return 0;
}

static int open_image(const char *path, const char *what)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		int e = errno;

		log_error("open %s %s: %s", what, path, strerror(e));
		return -e;
	}
	return fd;
}

/* Kernel, initrd, zero page, MP table, GDT, page tables. */
static int vm_load_linux(struct vm *vm, uint64_t *entry)
{
	struct kernel_image kernel;
	struct boot_info info = {0};
	char cmdline[BOOT_CMDLINE_MAX];
	uint64_t mp_addr = BOOT_EBDA_START;
	int r;

	{
		cleanup_close int fd = open_image(vm->cfg.kernel, "kernel");

		if (fd < 0)
			return fd;
		r = loader_load_kernel(fd, vm->cfg.kernel, &vm->mem, &kernel);
		if (r < 0)
			return r;
	}
	if (vm->cfg.initrd) {
		cleanup_close int fd = open_image(vm->cfg.initrd, "initrd");

		if (fd < 0)
			return fd;
		r = loader_load_initrd(fd, vm->cfg.initrd, &vm->mem, &kernel,
				       &info.initrd_addr, &info.initrd_size);
		if (r < 0)
			return r;
	}
	r = boot_cmdline_build(vm->cfg.cmdline, cmdline, sizeof(cmdline));
	for (unsigned int i = 0; r >= 0 && i < vm->nvirtio; i++)
		r = boot_cmdline_add_virtio_mmio(
			cmdline, sizeof(cmdline), (size_t)r, vm->virtio[i].base,
			vm->virtio[i].size, vm->virtio[i].irq);
	if (r < 0) {
		log_error("kernel command line longer than %u bytes",
			  BOOT_CMDLINE_MAX - 1);
		return r;
	}
	/* MP spec §4: the EBDA's first KiB holds 40 CPUs, the BIOS area
	 * (also scanned by Linux) the rest. */
	if (mptable_size(vm->cfg.cpus) > 0xa0000 - BOOT_EBDA_START) {
		mp_addr = BOOT_BIOS_START;
		info.mptable_in_bios = 1;
	}
	r = mptable_write(&vm->mem, mp_addr, vm->cfg.cpus);
	if (r < 0)
		return r;
	info.hdr = kernel.is_bzimage ? &kernel.hdr : NULL;
	info.cmdline = cmdline;
	r = boot_params_write(&vm->mem, &info);
	if (!r)
		r = x86_gdt_write(&vm->mem);
	if (!r)
		r = x86_page_tables_write(&vm->mem);
	log_debug("kernel entry 0x%llx, initrd at 0x%llx (%llu bytes), "
		  "cmdline \"%s\"",
		  (unsigned long long)kernel.entry,
		  (unsigned long long)info.initrd_addr,
		  (unsigned long long)info.initrd_size, cmdline);
	*entry = kernel.entry;
	return r;
}

static int vm_load_flat(struct vm *vm, uint64_t *entry)
{
	const uint64_t max = BOOT_EBDA_START - BOOT_FLAT_ADDR;
	int r;

	if (vm->cfg.flat_code) {
		r = loader_load_flat(vm->cfg.flat_code, vm->cfg.flat_size,
				     &vm->mem, BOOT_FLAT_ADDR, max);
	} else if (vm->cfg.flat_path) {
		cleanup_close int fd = open_image(vm->cfg.flat_path, "flat");

		if (fd < 0)
			return fd;
		r = loader_load_flat_file(fd, vm->cfg.flat_path, &vm->mem,
					  BOOT_FLAT_ADDR, max);
	} else {
		log_error("flat mode without a binary");
		return -EINVAL;
	}
	if (r < 0)
		return r;
	*entry = BOOT_FLAT_ADDR;
	return x86_gdt_write(&vm->mem);
}

static int vm_setup_devices(struct vm *vm)
{
	size_t n = 0;

	if (__start_vmm_devices && __stop_vmm_devices)
		n = ((uintptr_t)__stop_vmm_devices -
		     (uintptr_t)__start_vmm_devices) /
		    sizeof(__start_vmm_devices[0]);
	if (n == 0)
		return 0;
	vm->devices = calloc(n, sizeof(*vm->devices));
	if (!vm->devices) {
		log_error("devices: out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct vm_device_type *type = __start_vmm_devices[i];
		int r = type->create(vm, &vm->devices[i].state);

		if (r < 0) {
			log_error("device %s: setup failed", type->name);
			return r;
		}
		vm->devices[i].type = type;
		vm->ndevices = i + 1;
	}
	return 0;
}

static int vm_get_supported_cpuid(struct vm *vm)
{
	for (uint32_t nent = 64; nent <= 4096; nent *= 2) {
		struct kvm_cpuid2 *c =
			calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

		if (!c) {
			log_error("CPUID table: out of memory");
			return -ENOMEM;
		}
		c->nent = nent;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			/*
			 * KVM reports the TSC-deadline timer through a
			 * capability, not in the supported CPUID: with it,
			 * the guest skips calibrating its local APIC timer
			 * against the PIT, a long stretch of boot.
			 */
			x86_cpuid_set_tsc_deadline(
				c, ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
					 KVM_CAP_TSC_DEADLINE_TIMER) > 0);
			vm->cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG) {
			int e = errno;

			log_error("KVM_GET_SUPPORTED_CPUID: %s", strerror(e));
			return -e;
		}
	}
	log_error("KVM_GET_SUPPORTED_CPUID: table too large");
	return -E2BIG;
}

static int vm_setup_vcpus(struct vm *vm, uint64_t entry)
{
	int r = vm_get_supported_cpuid(vm);

	if (r < 0)
		return r;
	vm->vcpus = calloc(vm->cfg.cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus) {
		log_error("vCPUs: out of memory");
		return -ENOMEM;
	}
	/* CPUID tells each vCPU the final count, so set it first. */
	vm->nvcpus = vm->cfg.cpus;
	for (unsigned int i = 0; i < vm->cfg.cpus; i++) {
		r = vcpu_create(vm, i, entry, &vm->vcpus[i]);
		if (r < 0) {
			vm->nvcpus = i; /* vm_destroy frees only those */
			return r;
		}
	}
	return 0;
}

int vm_create(const struct vm_config *cfg, struct vm **out)
{
	struct vm *vm;
	uint64_t entry = 0;
	int r;

	*out = NULL;
	if (cfg->cpus == 0 || cfg->cpus > 254) {
		log_error("%u vCPUs: must be 1..254", cfg->cpus);
		return -EINVAL;
	}
	vm = calloc(1, sizeof(*vm));
	if (!vm) {
		log_error("VM: out of memory");
		return -ENOMEM;
	}
	vm->cfg = *cfg;
	vm->kvm_fd = -1;
	vm->vm_fd = -1;
	r = vcpu_signal_setup();
	if (!r)
		r = vm_setup_kvm(vm);
	if (!r)
		r = vm_setup_memory(vm);
	if (!r)
		r = event_loop_create(&vm->loop);
	/* Devices first: the kernel command line lists the virtio ones. */
	if (!r)
		r = vm_setup_devices(vm);
	if (!r)
		r = cfg->mode == VM_BOOT_LINUX ? vm_load_linux(vm, &entry)
					       : vm_load_flat(vm, &entry);
	if (!r)
		r = vm_setup_vcpus(vm, entry);
	if (r < 0) {
		vm_destroy(vm);
		return r;
	}
	*out = vm;
	return 0;
}

static void *vm_vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;

	vcpu_run_loop(vcpu);
	return NULL;
}

int vm_run(struct vm *vm)
{
	pthread_attr_t attr;
	sigset_t kick, old;
	unsigned int started = 1;
	int r = 0;

	/* The kick signal must reach the vCPU threads, which inherit
	 * this thread's mask. */
	sigemptyset(&kick);
	sigaddset(&kick, SIGRTMIN);
	pthread_sigmask(SIG_UNBLOCK, &kick, &old);
	r = event_loop_start(vm->loop);
	if (r < 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return r;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, VM_VCPU_STACK_SIZE);

	/* vCPU 0 runs on this thread; the others get one each. */
	vm->vcpus[0].thread = pthread_self();
	__atomic_store_n(&vm->vcpus[0].thread_valid, true, __ATOMIC_RELEASE);
	for (; started < vm->nvcpus; started++) {
		struct vcpu *v = &vm->vcpus[started];

		r = pthread_create(&v->thread, &attr, vm_vcpu_thread, v);
		if (r) {
			log_error("vCPU %u: pthread_create: %s", started,
				  strerror(r));
			r = -r;
			vm_stop(vm, VM_END_ERROR);
			break;
		}
		__atomic_store_n(&v->thread_valid, true, __ATOMIC_RELEASE);
	}
	pthread_attr_destroy(&attr);
	if (r == 0)
		vcpu_run_loop(&vm->vcpus[0]);
	/* Whatever ended vCPU 0 ends them all (vm_stop was called). */
	for (unsigned int i = 1; i < started; i++) {
		pthread_join(vm->vcpus[i].thread, NULL);
		__atomic_store_n(&vm->vcpus[i].thread_valid, false,
				 __ATOMIC_RELEASE);
	}
	__atomic_store_n(&vm->vcpus[0].thread_valid, false, __ATOMIC_RELEASE);
	/* No vCPU runs now: the devices can stop too. */
	event_loop_stop(vm->loop);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return r;
	return (int)vm_end_reason(vm);
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	/* The device thread goes first: it uses the devices. */
	event_loop_destroy(vm->loop);
	vm->loop = NULL;
	for (unsigned int i = 0; i < vm->nvcpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	free(vm->vcpus);
	for (size_t i = vm->ndevices; i-- > 0;)
		if (vm->devices[i].type->destroy)
			vm->devices[i].type->destroy(vm->devices[i].state);
	free(vm->devices);
	free(vm->cpuid);
	io_bus_free(&vm->pio);
	io_bus_free(&vm->mmio);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	guest_mem_free(&vm->mem);
	free(vm);
}
