/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opening /dev/kvm and checking that it offers what cocoon-vmm uses, with
 * an error that names what is missing.
 */
#ifndef COCOON_VMM_KVM_CHECK_H
#define COCOON_VMM_KVM_CHECK_H

#include <stdbool.h>

#define KVM_DEVICE_PATH "/dev/kvm"

/* Is the host's KVM the PVM flavour (/sys/module/kvm_pvm)? */
bool kvm_is_pvm(void);
/*
 * Opens /dev/kvm, checks the API version and every capability used.
 * boots_linux: refuse a kvm_pvm host unless allow_pvm. Returns the fd or
 * -errno (-ENODEV/-EACCES... for a missing or unusable device).
 */
int kvm_open_checked(bool boots_linux, bool allow_pvm);

#endif
