// SPDX-License-Identifier: Apache-2.0
/* A guest triple fault (an interrupt with an empty IDT) is reported as
 * such: VM_END_TRIPLE_FAULT in-process, exit status 3 from cocoon-vmm
 * with a message naming it. */
#include "kvm_test.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sys/wait.h>

GUEST_CODE(guest_fault, 16,
	   "cli\n"
	   "lidt (1f - guest_fault_start)\n" /* limit 0: no vectors */
	   "int $3\n"			     /* #GP, #DF, shutdown */
	   "hlt\n"
	   "1: .word 0\n"
	   ".long 0\n");

int main(void)
{
	char self[PATH_MAX], vmm[PATH_MAX + 32];
	char flat[] = "/tmp/cocoon-fault-XXXXXX";
	char log[] = "/tmp/cocoon-fault-log-XXXXXX";
	char text[4096] = {0};
	struct vm *vm;
	int end, fd, logfd, status;
	ssize_t n;
	pid_t pid;

	log_init("test_triple_fault");
	kvm_test_require_kvm();
	vm = kvm_test_vm(VM_BOOT_FLAT_REAL, guest_fault_start,
			 GUEST_SIZE(guest_fault), 1, -1);
	end = vm_run(vm);
	vm_destroy(vm);
	if (end != VM_END_TRIPLE_FAULT)
		TEST_FAIL("run ended with %s", vm_end_name(end));

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	TEST_ASSERT(n > 0);
	self[n] = '\0';
	snprintf(vmm, sizeof(vmm), "%s/../../cocoon-vmm", dirname(self));
	fd = mkstemp(flat);
	TEST_ASSERT(fd >= 0);
	TEST_ASSERT(write(fd, guest_fault_start, GUEST_SIZE(guest_fault)) ==
		    (ssize_t)GUEST_SIZE(guest_fault));
	close(fd);
	logfd = mkstemp(log);
	TEST_ASSERT(logfd >= 0);
	pid = fork();
	TEST_ASSERT(pid >= 0);
	if (pid == 0) {
		dup2(logfd, 2);
		execl(vmm, vmm, "--flat", flat, "--mem", "2", (char *)NULL);
		_exit(127);
	}
	TEST_ASSERT(waitpid(pid, &status, 0) == pid);
	n = pread(logfd, text, sizeof(text) - 1, 0);
	close(logfd);
	unlink(flat);
	unlink(log);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 3)
		TEST_FAIL("cocoon-vmm exited with status 0x%x, want 3; "
			  "stderr:\n%s",
			  status, text);
	if (n <= 0 || !strstr(text, "triple fault") || !strstr(text, "rip="))
		TEST_FAIL("no triple-fault message with registers:\n%s", text);
	printf("PASS: a triple fault is reported as one\n");
	return 0;
}
