// SPDX-License-Identifier: Apache-2.0
/* The keyboard-controller reset (0xfe to port 0x64, Linux's reboot=k)
 * ends the run as a clean reset, in-process and as cocoon-vmm's exit
 * status 0; also with a second vCPU that never started. */
#include "kvm_test.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sys/wait.h>

GUEST_CODE(guest_reset, 16,
	   "mov $0x64, %dx\n"
	   "1: in %dx, %al\n" /* wait for the input buffer, as Linux does */
	   "test $0x02, %al\n"
	   "jnz 1b\n"
	   "mov $0xfe, %al\n"
	   "out %al, %dx\n"
	   "2: hlt\n"
	   "jmp 2b\n");

/* cocoon-vmm next to this test: build/tests/kvm/.. /../cocoon-vmm */
static int vmm_path(char *buf, size_t size)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return -1;
	self[n] = '\0';
	snprintf(buf, size, "%s/../../cocoon-vmm", dirname(self));
	return access(buf, X_OK);
}

int main(void)
{
	char vmm[PATH_MAX + 32], flat[] = "/tmp/cocoon-reset-XXXXXX";
	struct vm *vm;
	int end, fd, status;
	pid_t pid;

	log_init("test_i8042_reset");
	kvm_test_require_kvm();
	for (unsigned int cpus = 1; cpus <= 2; cpus++) {
		vm = kvm_test_vm(VM_BOOT_FLAT_REAL, guest_reset_start,
				 GUEST_SIZE(guest_reset), cpus, -1);
		end = vm_run(vm);
		vm_destroy(vm);
		if (end != VM_END_RESET)
			TEST_FAIL("%u vCPUs: run ended with %s", cpus,
				  vm_end_name(end));
	}

	if (vmm_path(vmm, sizeof(vmm)) != 0)
		TEST_FAIL("cocoon-vmm not found at %s (make build/cocoon-vmm)",
			  vmm);
	fd = mkstemp(flat);
	TEST_ASSERT(fd >= 0);
	TEST_ASSERT(write(fd, guest_reset_start, GUEST_SIZE(guest_reset)) ==
		    (ssize_t)GUEST_SIZE(guest_reset));
	close(fd);
	pid = fork();
	TEST_ASSERT(pid >= 0);
	if (pid == 0) {
		execl(vmm, vmm, "--flat", flat, "--mem", "2", "--cpus", "2",
		      (char *)NULL);
		_exit(127);
	}
	TEST_ASSERT(waitpid(pid, &status, 0) == pid);
	unlink(flat);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		TEST_FAIL("cocoon-vmm --flat exited with status 0x%x", status);
	printf("PASS: i8042 reset ends the VM cleanly (exit status 0)\n");
	return 0;
}
