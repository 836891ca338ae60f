// SPDX-License-Identifier: Apache-2.0
#include "vmm/kvm_check.h"

#include "common/cleanup.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define KVM_EXPECTED_API 12

bool kvm_is_pvm(void)
{
	return access("/sys/module/kvm_pvm", F_OK) == 0;
}

static const struct {
	int cap;
	const char *name;
} kvm_required_caps[] = {
	{KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
	{KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
	{KVM_CAP_PIT2, "KVM_CAP_PIT2"},
	{KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
	{KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
	{KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR"},
	{KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
	{KVM_CAP_NR_VCPUS, "KVM_CAP_NR_VCPUS"},
	/* virtio-mmio: queue notifications and interrupts bypass the vCPUs */
	{KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD"},
	{KVM_CAP_IRQFD, "KVM_CAP_IRQFD"},
};

int kvm_open_checked(bool boots_linux, bool allow_pvm)
{
	cleanup_close int fd = -1;
	int version;

	fd = open(KVM_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT)
			log_error("%s is absent: this host offers no KVM "
				  "(load kvm_intel or kvm_amd, or enable "
				  "nested virtualization)",
				  KVM_DEVICE_PATH);
		else
			log_error("cannot open %s: %s%s", KVM_DEVICE_PATH,
				  strerror(e),
				  e == EACCES ? " (join the kvm group?)" : "");
		return -e;
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_EXPECTED_API) {
		log_error("%s: KVM API version %d, need %d", KVM_DEVICE_PATH,
			  version, KVM_EXPECTED_API);
		return -ENOTSUP;
	}
	for (size_t i = 0; i < ARRAY_SIZE(kvm_required_caps); i++) {
		if (ioctl(fd, KVM_CHECK_EXTENSION, kvm_required_caps[i].cap) <=
		    0) {
			log_error("%s lacks %s, which cocoon-vmm needs",
				  KVM_DEVICE_PATH, kvm_required_caps[i].name);
			return -ENOTSUP;
		}
	}
	if (boots_linux && kvm_is_pvm()) {
		if (!allow_pvm) {
			log_error("this host's KVM is kvm_pvm, whose /dev/kvm "
				  "cannot boot a stock Linux guest (it needs a "
				  "PVM guest kernel); use --allow-pvm to try "
				  "anyway");
			return -ENOTSUP;
		}
		log_warn("kvm_pvm host: booting anyway (--allow-pvm)");
	}
	return steal_fd(&fd);
}
