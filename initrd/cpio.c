// SPDX-License-Identifier: Apache-2.0
#include "initrd/cpio.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

void cpio_writer_init(struct cpio_writer *w, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->next_ino = 1;
}

static int cpio_put(struct cpio_writer *w, const void *buf, size_t len)
{
	errno = 0;
	if (len && fwrite(buf, 1, len, w->out) != len)
		return errno ? -errno : -EIO;
	w->offset += len;
	return 0;
}

/* Every header, name+NUL and data block ends on a 4-byte boundary. */
static int cpio_pad(struct cpio_writer *w)
{
	static const char zeros[4];

	return cpio_put(w, zeros, (4 - (w->offset & 3)) & 3);
}

int cpio_write_header(struct cpio_writer *w, const struct cpio_member *m)
{
	const char *name = m->name;
	char header[CPIO_HEADER_SIZE + 1];
	size_t name_size;
	int ret;

	if (w->data_left)
		return -EINVAL;
	while (*name == '/')
		name++;
	name_size = strlen(name) + 1;
	if (name_size == 1)
		return -EINVAL;
	if (m->size > UINT32_MAX || name_size > UINT32_MAX)
		return -EFBIG;
	/* c_maj/c_min name the device holding the file: none here. */
	snprintf(header, sizeof(header),
		 "%s%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		 CPIO_NEWC_MAGIC, w->next_ino++, m->mode, m->uid, m->gid,
		 S_ISDIR(m->mode) ? 2 : 1, m->mtime, (uint32_t)m->size, 0, 0,
		 m->rdev_major, m->rdev_minor, (uint32_t)name_size, 0);
	ret = cpio_put(w, header, CPIO_HEADER_SIZE);
	if (ret == 0)
		ret = cpio_put(w, name, name_size);
	if (ret == 0)
		ret = cpio_pad(w);
	if (ret == 0)
		w->data_left = m->size;
	return ret;
}

int cpio_write_data(struct cpio_writer *w, const void *buf, size_t len)
{
	int ret;

	if (len > w->data_left)
		return -EINVAL;
	ret = cpio_put(w, buf, len);
	if (ret < 0)
		return ret;
	w->data_left -= len;
	return w->data_left ? 0 : cpio_pad(w);
}

int cpio_write_trailer(struct cpio_writer *w)
{
	const struct cpio_member trailer = {.name = CPIO_TRAILER};
	int ret;

	ret = cpio_write_header(w, &trailer);
	errno = 0;
	if (ret == 0 && fflush(w->out) != 0)
		ret = errno ? -errno : -EIO;
	return ret;
}
