// SPDX-License-Identifier: Apache-2.0
/* cocoon-vmm boots the guest kernel (vmlinux and bzImage) with the
 * cocoon-init initrd on 2 vCPUs to its greeting and exits 0 when the
 * guest reboots. Skips when the kernel or initrd have not been built. */
#include "kvm_test.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sys/wait.h>

static char build_dir[PATH_MAX];

static void boot(const char *kernel)
{
	char vmm[PATH_MAX + 32], kpath[PATH_MAX + 32], ipath[PATH_MAX + 32];
	char out[] = "/tmp/cocoon-boot-XXXXXX";
	char text[65536] = {0};
	int fd, status;
	pid_t pid;
	ssize_t n;

	snprintf(vmm, sizeof(vmm), "%s/cocoon-vmm", build_dir);
	snprintf(kpath, sizeof(kpath), "%s/%s", build_dir, kernel);
	snprintf(ipath, sizeof(ipath), "%s/initrd.cpio", build_dir);
	if (access(kpath, R_OK) || access(ipath, R_OK)) {
		printf("SKIP: %s or %s missing (make build/vmlinux "
		       "build/initrd.cpio)\n",
		       kpath, ipath);
		exit(KVM_TEST_SKIP);
	}
	fd = mkstemp(out);
	TEST_ASSERT(fd >= 0);
	pid = fork();
	TEST_ASSERT(pid >= 0);
	if (pid == 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		execl(vmm, vmm, "--kernel", kpath, "--initrd", ipath, "--mem",
		      "128", "--cpus", "2", (char *)NULL);
		_exit(127);
	}
	TEST_ASSERT(waitpid(pid, &status, 0) == pid);
	n = pread(fd, text, sizeof(text) - 1, 0);
	close(fd);
	unlink(out);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		TEST_FAIL("%s: cocoon-vmm status 0x%x; output:\n%s", kernel,
			  status, text);
	if (n <= 0 || !strstr(text, "cocoon-init: ready") ||
	    !strstr(text, "cpus=2 mem=128"))
		TEST_FAIL("%s: no greeting from cocoon-init; output:\n%s",
			  kernel, text);
	printf("%s: %s", kernel, strstr(text, "cocoon-init: ready"));
}

int main(void)
{
	char self[PATH_MAX];
	ssize_t n;

	log_init("test_linux_boot");
	kvm_test_require_kvm();
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	TEST_ASSERT(n > 0);
	self[n] = '\0';
	/* build/tests/kvm/test_linux_boot -> build */
	snprintf(build_dir, sizeof(build_dir), "%s/../..", dirname(self));
	boot("vmlinux");
	boot("bzImage");
	printf("PASS: vmlinux and bzImage boot to cocoon-init on 2 vCPUs\n");
	return 0;
}
