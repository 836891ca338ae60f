// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-rng (virtio 1.2 §5.4, device ID 4): one request queue of
 * device-writable buffers, each filled from the host's getrandom().
 * Present when the VM is configured with rng (cocoon-vmm --rng).
 */
#include "common/log.h"
#include "vmm/device.h"
#include "vmm/virtio/mmio.h"
#include "vmm/vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define RNG_DEVICE_ID 4
/* Most bytes given per request: a guest asking for more gets less (the
 * used length says how much), so one request cannot hold the loop long. */
#define RNG_REQUEST_MAX (64u * 1024u)

/* Fills [p, p + len) from getrandom(); returns the bytes filled. */
static size_t rng_fill(void *p, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom((uint8_t *)p + done, len - done, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("virtio-rng: getrandom: %s", strerror(errno));
			break;
		}
		done += (size_t)n;
	}
	return done;
}

static void rng_queue_notify(struct virtio_mmio *dev, unsigned int queue)
{
	struct vq *vq = &dev->queues[queue].vq;
	struct vq_chain *chain = dev->chain;

	while (vq_pop(vq, chain) > 0) {
		uint32_t total = 0;

		/* Readable buffers have no meaning here; they are skipped. */
		for (unsigned int i = chain->nread;
		     i < chain->nread + chain->nwrite &&
		     total < RNG_REQUEST_MAX;
		     i++) {
			size_t want = chain->iov[i].iov_len;
			size_t got;

			if (want > RNG_REQUEST_MAX - total)
				want = RNG_REQUEST_MAX - total;
			got = rng_fill(chain->iov[i].iov_base, want);
			total += (uint32_t)got;
			if (got < want)
				break;
		}
		vq_push(vq, chain->head, total);
	}
	virtio_mmio_queue_done(dev, queue);
}

static const struct virtio_mmio_ops rng_ops = {
	.queue_notify = rng_queue_notify,
};

static int rng_create(struct vm *vm, void **state)
{
	const struct virtio_mmio_info info = {
		.name = "virtio-rng",
		.device_id = RNG_DEVICE_ID,
		.num_queues = 1,
		.ops = &rng_ops,
	};
	struct virtio_mmio *dev;
	int r;

	*state = NULL;
	if (!vm->cfg.rng)
		return 0;
	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		log_error("virtio-rng: out of memory");
		return -ENOMEM;
	}
	r = virtio_mmio_init(dev, &vm->mem, &info);
	if (r < 0) {
		free(dev);
		return r;
	}
	r = virtio_mmio_attach(vm, dev);
	if (r < 0) {
		virtio_mmio_fini(dev);
		free(dev);
		return r;
	}
	*state = dev;
	return 0;
}

static void rng_destroy(void *state)
{
	struct virtio_mmio *dev = state;

	if (!dev)
		return;
	virtio_mmio_fini(dev);
	free(dev);
}

static const struct vm_device_type virtio_rng_type = {
	.name = "virtio-rng",
	.create = rng_create,
	.destroy = rng_destroy,
};
VM_DEVICE_REGISTER(virtio_rng_type);
