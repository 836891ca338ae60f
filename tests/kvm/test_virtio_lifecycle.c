// SPDX-License-Identifier: Apache-2.0
/* 50 create/run/destroy cycles of a VM with virtio devices (rng and two
 * 9p shares: ioeventfds, irqfds, the device thread) leave no file
 * descriptor and no thread behind; and a VM that is never run frees them
 * too. */
#include "kvm_test.h"

GUEST_CODE(guest_bye, 16,
	   "mov $0xfe, %al\n"
	   "out %al, $0x64\n"
	   "1: hlt\n"
	   "jmp 1b\n");

static struct vm *make_vm(const struct vm_share *shares, unsigned int n)
{
	struct vm_config cfg;
	struct vm *vm;
	int r;

	vm_config_init(&cfg);
	cfg.mode = VM_BOOT_FLAT_REAL;
	cfg.mem_size = 2ull << 20;
	cfg.cpus = 2;
	cfg.flat_code = guest_bye_start;
	cfg.flat_size = GUEST_SIZE(guest_bye);
	cfg.console_fd = -1;
	cfg.rng = true;
	cfg.shares = shares;
	cfg.nshares = n;
	r = vm_create(&cfg, &vm);
	if (r < 0)
		TEST_FAIL("vm_create: %s", strerror(-r));
	TEST_ASSERT(vm->nvirtio == 1 + n);
	return vm;
}

int main(void)
{
	char dir[] = "/tmp/cocoon-virtio-lifecycle.XXXXXX";
	struct vm_share shares[2];
	int fds, tasks;

	log_init("test_virtio_lifecycle");
	kvm_test_require_kvm();
	TEST_ASSERT(mkdtemp(dir) != NULL);
	shares[0] = (struct vm_share){.tag = "one", .dir = dir};
	shares[1] =
		(struct vm_share){.tag = "two", .dir = dir, .read_only = true};
	fds = kvm_test_count_entries("/proc/self/fd");
	tasks = kvm_test_count_entries("/proc/self/task");
	for (int i = 0; i < 50; i++) {
		struct vm *vm = make_vm(shares, 2);
		int end = vm_run(vm);

		vm_destroy(vm);
		if (end != VM_END_RESET)
			TEST_FAIL("cycle %d ended with %s", i,
				  vm_end_name(end));
	}
	vm_destroy(make_vm(shares, 2)); /* never run */
	rmdir(dir);
	if (kvm_test_count_entries("/proc/self/fd") != fds)
		TEST_FAIL("file descriptors: %d before, %d after", fds,
			  kvm_test_count_entries("/proc/self/fd"));
	if (kvm_test_count_entries("/proc/self/task") != tasks)
		TEST_FAIL("threads: %d before, %d after", tasks,
			  kvm_test_count_entries("/proc/self/task"));
	printf("PASS: 50 VM cycles with virtio devices leave no fd or thread "
	       "behind\n");
	return 0;
}
