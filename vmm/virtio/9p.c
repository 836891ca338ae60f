// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-9p (device ID 9, "9P transport" in virtio 1.2 §5): one device
 * per share, one request queue each. The config space holds the mount tag
 * (VIRTIO_9P_MOUNT_TAG: le16 tag_len, then the tag, no NUL), which the
 * guest names in `mount -t 9p -o trans=virtio TAG /mnt`. Each chain is one
 * request (readable part) and room for its reply (writable part); the
 * 9P2000.L server in vmm/p9/ does the rest.
 *
 * A device reset ends the 9P session: every fid (an open fd on the share)
 * is dropped at once, not at the next Tversion, so a driver that resets
 * and goes away leaves nothing open.
 */
#include "common/log.h"
#include "vmm/device.h"
#include "vmm/p9/server.h"
#include "vmm/virtio/mmio.h"
#include "vmm/vm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P9_DEVICE_ID	     9
#define P9_FEATURE_MOUNT_TAG (1ull << 0)
#define P9_TAG_MAX	     31u

struct p9_device {
	struct virtio_mmio dev;
	struct p9_server *srv;
	char name[48]; /* "virtio-9p TAG" */
	uint8_t config[2 + P9_TAG_MAX];
};

struct p9_devices {
	unsigned int count;
	struct p9_device *devs[];
};

static void p9_queue_notify(struct virtio_mmio *dev, unsigned int queue)
{
	struct p9_device *p9 = dev->info.opaque;
	struct vq *vq = &dev->queues[queue].vq;
	struct vq_chain *chain = dev->chain;

	while (vq_pop(vq, chain) > 0) {
		/* The server bounds-checks every field against these
		 * iovecs; the chain has at most VQ_CHAIN_MAX of them. */
		ssize_t n = p9_server_handle(
			p9->srv, chain->iov, (int)chain->nread,
			chain->iov + chain->nread, (int)chain->nwrite);

		if (n < 0) {
			log_msg(virtio_mmio_log_level(dev),
				"%s: request the server cannot answer (%s): "
				"device needs reset",
				p9->name, strerror((int)-n));
			vq->broken = true;
			break;
		}
		/* guest: n <= write_len, as the server wrote it there */
		if ((uint64_t)n > chain->write_len) {
			log_msg(virtio_mmio_log_level(dev),
				"%s: reply longer than its buffers", p9->name);
			vq->broken = true;
			break;
		}
		vq_push(vq, chain->head, (uint32_t)n);
	}
	virtio_mmio_queue_done(dev, queue);
}

static void p9_reset(struct virtio_mmio *dev)
{
	struct p9_device *p9 = dev->info.opaque;

	p9_server_reset(p9->srv);
}

static const struct virtio_mmio_ops p9_ops = {
	.queue_notify = p9_queue_notify,
	.reset = p9_reset,
};

static void p9_device_free(struct p9_device *p9)
{
	if (!p9)
		return;
	virtio_mmio_fini(&p9->dev);
	if (p9->srv)
		p9_server_destroy(p9->srv);
	free(p9);
}

static int p9_device_create(struct vm *vm, const struct vm_share *share,
			    struct p9_device **out)
{
	size_t tag_len = strlen(share->tag);
	struct virtio_mmio_info info = {
		.device_id = P9_DEVICE_ID,
		.features = P9_FEATURE_MOUNT_TAG,
		.num_queues = 1,
		.ops = &p9_ops,
	};
	struct p9_device *p9;
	int r;

	*out = NULL;
	if (tag_len == 0 || tag_len > P9_TAG_MAX) {
		log_error("virtio-9p: tag of %zu bytes: must be 1..%u", tag_len,
			  P9_TAG_MAX);
		return -EINVAL;
	}
	p9 = calloc(1, sizeof(*p9));
	if (!p9) {
		log_error("virtio-9p: out of memory");
		return -ENOMEM;
	}
	snprintf(p9->name, sizeof(p9->name), "virtio-9p %s", share->tag);
	p9->config[0] = (uint8_t)tag_len; /* le16 tag_len */
	p9->config[1] = 0;
	memcpy(p9->config + 2, share->tag, tag_len);
	info.name = p9->name;
	info.config = p9->config;
	info.config_len = 2 + tag_len;
	info.opaque = p9;
	r = p9_server_create(share->dir, share->read_only, &p9->srv);
	if (r < 0) {
		log_error("%s: cannot share %s", p9->name, share->dir);
		free(p9);
		return r;
	}
	r = virtio_mmio_init(&p9->dev, &vm->mem, &info);
	if (r < 0) {
		p9_server_destroy(p9->srv);
		free(p9);
		return r;
	}
	r = virtio_mmio_attach(vm, &p9->dev);
	if (r < 0) {
		p9_device_free(p9);
		return r;
	}
	*out = p9;
	return 0;
}

static void p9_destroy(void *state)
{
	struct p9_devices *all = state;

	if (!all)
		return;
	for (unsigned int i = 0; i < all->count; i++)
		p9_device_free(all->devs[i]);
	free(all);
}

static int p9_create(struct vm *vm, void **state)
{
	struct p9_devices *all;

	*state = NULL;
	if (vm->cfg.nshares == 0)
		return 0;
	all = calloc(1, sizeof(*all) + vm->cfg.nshares * sizeof(all->devs[0]));
	if (!all) {
		log_error("virtio-9p: out of memory");
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < vm->cfg.nshares; i++) {
		int r = p9_device_create(vm, &vm->cfg.shares[i], &all->devs[i]);

		if (r < 0) {
			p9_destroy(all);
			return r;
		}
		all->count = i + 1;
	}
	*state = all;
	return 0;
}

static const struct vm_device_type virtio_9p_type = {
	.name = "virtio-9p",
	.create = p9_create,
	.destroy = p9_destroy,
};
VM_DEVICE_REGISTER(virtio_9p_type);
