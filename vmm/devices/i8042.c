// SPDX-License-Identifier: Apache-2.0
/*
 * Just enough of the i8042 keyboard controller for a guest to reset the
 * machine: command 0xfe on port 0x64 pulses the CPU reset line, which
 * Linux uses for reboot=k. The VM then ends cleanly (VM_END_RESET). The
 * status register reads "input buffer empty, no output", so the guest's
 * wait loops finish at once; no keyboard is attached.
 */
#include "common/log.h"
#include "vmm/device.h"
#include "vmm/vm.h"

#include <string.h>

#define I8042_DATA_PORT	   0x60
#define I8042_COMMAND_PORT 0x64
#define I8042_CMD_RESET	   0xfe

static void i8042_data_read(void *opaque, uint64_t offset, uint8_t *data,
			    uint32_t size)
{
	(void)opaque;
	(void)offset;
	memset(data, 0, size);
}

static void i8042_data_write(void *opaque, uint64_t offset, const uint8_t *data,
			     uint32_t size)
{
	(void)opaque;
	(void)offset;
	(void)data;
	(void)size;
}

static void i8042_status_read(void *opaque, uint64_t offset, uint8_t *data,
			      uint32_t size)
{
	(void)opaque;
	(void)offset;
	memset(data, 0, size); /* OBF = IBF = 0 */
}

static void i8042_command_write(void *opaque, uint64_t offset,
				const uint8_t *data, uint32_t size)
{
	struct vm *vm = opaque;

	(void)offset;
	(void)size;
	if (data[0] == I8042_CMD_RESET) {
		log_debug("i8042: guest reset the machine");
		vm_stop(vm, VM_END_RESET);
	}
}

static const struct io_ops i8042_data_ops = {
	.read = i8042_data_read,
	.write = i8042_data_write,
};

static const struct io_ops i8042_command_ops = {
	.read = i8042_status_read,
	.write = i8042_command_write,
};

static int i8042_create(struct vm *vm, void **state)
{
	int r;

	*state = NULL;
	r = vm_io_register(vm, VM_IO_PIO, I8042_DATA_PORT, 1, "i8042 data",
			   &i8042_data_ops, vm);
	if (r < 0)
		return r;
	return vm_io_register(vm, VM_IO_PIO, I8042_COMMAND_PORT, 1,
			      "i8042 command", &i8042_command_ops, vm);
}

static const struct vm_device_type i8042_device = {
	.name = "i8042",
	.create = i8042_create,
	.destroy = NULL,
};
VM_DEVICE_REGISTER(i8042_device);
