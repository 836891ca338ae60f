// SPDX-License-Identifier: Apache-2.0
/* 100 create/run/destroy cycles of a 2-vCPU VM leave no file descriptor
 * and no thread behind. */
#include "kvm_test.h"

GUEST_CODE(guest_bye, 16,
	   "mov $0xfe, %al\n"
	   "out %al, $0x64\n"
	   "1: hlt\n"
	   "jmp 1b\n");

int main(void)
{
	int fds, tasks;

	log_init("test_lifecycle");
	kvm_test_require_kvm();
	fds = kvm_test_count_entries("/proc/self/fd");
	tasks = kvm_test_count_entries("/proc/self/task");
	for (int i = 0; i < 100; i++) {
		struct vm *vm = kvm_test_vm(VM_BOOT_FLAT_REAL, guest_bye_start,
					    GUEST_SIZE(guest_bye), 2, -1);
		int end = vm_run(vm);

		vm_destroy(vm);
		if (end != VM_END_RESET)
			TEST_FAIL("cycle %d ended with %s", i,
				  vm_end_name(end));
	}
	if (kvm_test_count_entries("/proc/self/fd") != fds)
		TEST_FAIL("file descriptors: %d before, %d after", fds,
			  kvm_test_count_entries("/proc/self/fd"));
	if (kvm_test_count_entries("/proc/self/task") != tasks)
		TEST_FAIL("threads: %d before, %d after", tasks,
			  kvm_test_count_entries("/proc/self/task"));
	printf("PASS: 100 VM cycles leave no fd or thread behind\n");
	return 0;
}
