// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-vsock (virtio 1.2 §5.10, device ID 19) in a VM: present when the
 * VM is configured with a guest CID (cocoon-vmm --vsock CID,PATH). The
 * device itself is in vmm/vsock/; this file gives it a virtio-mmio slot
 * and puts its sockets on the VM's event loop.
 */
#include "common/log.h"
#include "vmm/device.h"
#include "vmm/event_loop.h"
#include "vmm/virtio/mmio.h"
#include "vmm/vm.h"
#include "vmm/vsock/device.h"

#include <sys/epoll.h>

static void vsock_event(void *opaque, uint32_t events)
{
	(void)events;
	vsock_device_process(opaque);
}

static int vsock_create(struct vm *vm, void **state)
{
	struct vsock_device *vs;
	int r;

	*state = NULL;
	if (!vm->cfg.vsock_cid)
		return 0;
	r = vsock_device_create(&vm->mem, vm->cfg.vsock_cid, vm->cfg.vsock_path,
				&vs);
	if (r < 0)
		return r;
	r = virtio_mmio_attach(vm, vsock_device_mmio(vs));
	if (!r)
		r = event_loop_add(vm->loop, vsock_device_fd(vs), EPOLLIN,
				   vsock_event, vs);
	if (r < 0) {
		vsock_device_destroy(vs);
		return r;
	}
	*state = vs;
	return 0;
}

static void vsock_destroy(void *state)
{
	vsock_device_destroy(state);
}

static const struct vm_device_type virtio_vsock_type = {
	.name = "virtio-vsock",
	.create = vsock_create,
	.destroy = vsock_destroy,
};
VM_DEVICE_REGISTER(virtio_vsock_type);
