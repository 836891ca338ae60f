// SPDX-License-Identifier: Apache-2.0
/* A guest that never ends is stopped from outside: vm_stop() from another
 * thread ends vm_run() with VM_END_STOPPED, and SIGTERM makes cocoon-vmm
 * stop its vCPUs and exit with 128 + SIGTERM. */
#include "kvm_test.h"

#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

GUEST_CODE(guest_spin, 16,
	   "cli\n"
	   "mov $0x3f8, %dx\n"
	   "mov $'R', %al\n" /* running: the host may signal now */
	   "out %al, %dx\n"
	   "1: jmp 1b\n");

static void *stopper(void *arg)
{
	struct timespec ts = {0, 300 * 1000 * 1000};

	nanosleep(&ts, NULL);
	vm_stop(arg, VM_END_STOPPED);
	return NULL;
}

int main(void)
{
	char self[PATH_MAX], vmm[PATH_MAX + 32];
	char flat[] = "/tmp/cocoon-spin-XXXXXX";
	int pipefd[2];
	char c = 0;
	pthread_t t;
	struct vm *vm;
	int end, fd, status;
	ssize_t n;
	pid_t pid;

	log_init("test_stop");
	kvm_test_require_kvm();
	vm = kvm_test_vm(VM_BOOT_FLAT_REAL, guest_spin_start,
			 GUEST_SIZE(guest_spin), 2, -1);
	TEST_ASSERT(pthread_create(&t, NULL, stopper, vm) == 0);
	end = vm_run(vm);
	pthread_join(t, NULL);
	vm_destroy(vm);
	if (end != VM_END_STOPPED)
		TEST_FAIL("run ended with %s", vm_end_name(end));

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	TEST_ASSERT(n > 0);
	self[n] = '\0';
	snprintf(vmm, sizeof(vmm), "%s/../../cocoon-vmm", dirname(self));
	fd = mkstemp(flat);
	TEST_ASSERT(fd >= 0);
	TEST_ASSERT(write(fd, guest_spin_start, GUEST_SIZE(guest_spin)) ==
		    (ssize_t)GUEST_SIZE(guest_spin));
	close(fd);
	TEST_ASSERT(pipe(pipefd) == 0);
	pid = fork();
	TEST_ASSERT(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], 1);
		execl(vmm, vmm, "--flat", flat, "--mem", "2", "--cpus", "2",
		      (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	/*
	 * Wait for the guest's 'R': handlers are set up by then. A lone
	 * byte without a newline: it arrives only through the console's
	 * flush timer (vmm/devices/serial.c), which this also checks.
	 */
	if (read(pipefd[0], &c, 1) != 1 || c != 'R')
		TEST_FAIL("cocoon-vmm --flat: no output from the guest");
	kill(pid, SIGTERM);
	TEST_ASSERT(waitpid(pid, &status, 0) == pid);
	close(pipefd[0]);
	unlink(flat);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 128 + SIGTERM)
		TEST_FAIL("cocoon-vmm after SIGTERM: status 0x%x, want exit "
			  "%d",
			  status, 128 + SIGTERM);
	printf("PASS: a spinning guest is stopped by vm_stop and SIGTERM\n");
	return 0;
}
