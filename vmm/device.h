/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Devices register themselves: each device file defines one
 * struct vm_device_type and names it in VM_DEVICE_REGISTER(); the linker
 * gathers them in the "vmm_devices" section and vm_create() instantiates
 * every one. Adding a device is adding a file.
 */
#ifndef COCOON_VMM_DEVICE_H
#define COCOON_VMM_DEVICE_H

struct vm;

struct vm_device_type {
	const char *name;
	/* Registers its I/O ranges with vm_io_register(); *state is given
	 * back to destroy. Returns 0 or -errno (and has logged why). */
	int (*create)(struct vm *vm, void **state);
	void (*destroy)(void *state);
};

#define VM_DEVICE_REGISTER(type)                                       \
	static const struct vm_device_type *const vm_device_ptr_##type \
		__attribute__((used, section("vmm_devices"),           \
			       aligned(sizeof(void *)))) = &(type)

#endif
