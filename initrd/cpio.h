/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A writer of uncompressed "newc" cpio archives (magic 070701), the format
 * the kernel unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst, man 5 cpio).
 *
 * Each member is a 110-byte header of 8-digit hex fields, the name with
 * its NUL padded to 4 bytes, then the data padded to 4 bytes. The archive
 * ends with a member named TRAILER!!!.
 */
#ifndef COCOON_INITRD_CPIO_H
#define COCOON_INITRD_CPIO_H

#include <stdint.h>
#include <stdio.h>

#define CPIO_NEWC_MAGIC	 "070701"
#define CPIO_HEADER_SIZE 110
#define CPIO_TRAILER	 "TRAILER!!!"

struct cpio_writer {
	FILE *out;
	uint64_t offset;    /* bytes written so far */
	uint32_t next_ino;  /* inode numbers are handed out in order */
	uint64_t data_left; /* of the current member, still to write */
};

struct cpio_member {
	const char *name; /* archive path; a leading '/' is dropped */
	uint32_t mode;	  /* type and permission bits, as st_mode */
	uint32_t uid, gid;
	uint32_t mtime;
	uint64_t size;	     /* data bytes that follow (file, symlink) */
	uint32_t rdev_major; /* device nodes */
	uint32_t rdev_minor;
};

void cpio_writer_init(struct cpio_writer *w, FILE *out);

/*
 * Writes m's header and name. Regular files and symlinks then need exactly
 * m->size bytes of cpio_write_data(). Directories get nlink 2, everything
 * else nlink 1, so the kernel never treats two members as hard links.
 * Returns 0, -EINVAL (empty name, data still owed for the last member),
 * -EFBIG (size or name beyond the format's 32-bit fields) or -errno.
 */
int cpio_write_header(struct cpio_writer *w, const struct cpio_member *m);

/*
 * Writes data of the current member, and the padding after its last byte.
 * Returns 0, -EINVAL if more than the header's size is written, or -errno.
 */
int cpio_write_data(struct cpio_writer *w, const void *buf, size_t len);

/* Writes the TRAILER!!! member. Returns 0 or -errno. */
int cpio_write_trailer(struct cpio_writer *w);

#endif
