// SPDX-License-Identifier: Apache-2.0
#include "initrd/mkcpio.h"
#include "initrd/contents_list.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct mkcpio_name {
	char *name;
	bool is_dir;
};

void mkcpio_init(struct mkcpio *m, FILE *out, uint32_t mtime)
{
	memset(m, 0, sizeof(*m));
	cpio_writer_init(&m->writer, out);
	m->mtime = mtime;
}

void mkcpio_free(struct mkcpio *m)
{
	for (size_t i = 0; i < m->names_len; i++)
		free(m->names[i].name);
	free(m->names);
	m->names = NULL;
	m->names_len = m->names_cap = 0;
}

static struct mkcpio_name *mkcpio_lookup(struct mkcpio *m, const char *name,
					 size_t len)
{
	for (size_t i = 0; i < m->names_len; i++) {
		if (strlen(m->names[i].name) == len &&
		    !memcmp(m->names[i].name, name, len))
			return &m->names[i];
	}
	return NULL;
}

/* Checks the name is new and its parent a listed dir, then records it. */
static int mkcpio_claim(struct mkcpio *m, const struct contents_entry *e,
			struct error **err)
{
	const char *slash = strrchr(e->name, '/');
	struct mkcpio_name *parent;

	if (mkcpio_lookup(m, e->name, strlen(e->name)))
		return error_set(err, EEXIST, "%s is listed twice", e->name);
	if (slash != e->name) {
		parent = mkcpio_lookup(m, e->name, slash - e->name);
		if (!parent || !parent->is_dir)
			return error_set(
				err, ENOENT,
				"parent of %s is not a dir listed before it",
				e->name);
	}
	if (m->names_len == m->names_cap) {
		size_t cap = m->names_cap ? m->names_cap * 2 : 64;
		struct mkcpio_name *grown;

		grown = realloc(m->names, cap * sizeof(*grown));
		if (!grown)
			return error_set(err, ENOMEM, "out of memory");
		m->names = grown;
		m->names_cap = cap;
	}
	m->names[m->names_len].name = strdup(e->name);
	if (!m->names[m->names_len].name)
		return error_set(err, ENOMEM, "out of memory");
	m->names[m->names_len].is_dir = e->type == CONTENTS_DIR;
	m->names_len++;
	return 0;
}

static int mkcpio_header(struct mkcpio *m, const struct contents_entry *e,
			 uint64_t size, struct error **err)
{
	struct cpio_member member = {
		.name = e->name,
		.mode = e->mode,
		.uid = e->uid,
		.gid = e->gid,
		.mtime = m->mtime,
		.size = size,
		.rdev_major = e->major,
		.rdev_minor = e->minor,
	};
	int ret = cpio_write_header(&m->writer, &member);

	if (ret < 0) {
		errno = -ret;
		return error_set_errno(err, "write header of %s", e->name);
	}
	return 0;
}

static int mkcpio_file(struct mkcpio *m, const struct contents_entry *e,
		       const char *source_dir, struct error **err)
{
	cleanup_free char *path = NULL;
	cleanup_close int fd = -1;
	uint64_t left;
	struct stat st;
	char buf[65536];
	int ret;

	if (e->source[0] == '/' || !source_dir)
		path = strdup(e->source);
	else if (asprintf(&path, "%s/%s", source_dir, e->source) < 0)
		path = NULL;
	if (!path)
		return error_set(err, ENOMEM, "out of memory");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return error_set_errno(err, "open %s", path);
	if (!S_ISREG(st.st_mode))
		return error_set(err, EINVAL, "%s is not a regular file", path);
	if ((uint64_t)st.st_size > UINT32_MAX)
		return error_set(err, EFBIG,
				 "%s is larger than cpio's 4 GiB limit", path);
	if (mkcpio_header(m, e, st.st_size, err) < 0)
		return -1;
	for (left = st.st_size; left;) {
		ssize_t n =
			read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set_errno(err, "read %s", path);
		if (n == 0)
			return error_set(err, EIO, "%s shrank while being read",
					 path);
		ret = cpio_write_data(&m->writer, buf, n);
		if (ret < 0) {
			errno = -ret;
			return error_set_errno(err, "write data of %s",
					       e->name);
		}
		left -= n;
	}
	return 0;
}

static int mkcpio_entry(struct mkcpio *m, const struct contents_entry *e,
			const char *source_dir, struct error **err)
{
	int ret;

	if (mkcpio_claim(m, e, err) < 0)
		return -1;
	switch (e->type) {
	case CONTENTS_FILE:
		return mkcpio_file(m, e, source_dir, err);
	case CONTENTS_SLINK:
		/* The data of a symlink is its target, without a NUL. */
		if (mkcpio_header(m, e, strlen(e->source), err) < 0)
			return -1;
		ret = cpio_write_data(&m->writer, e->source, strlen(e->source));
		if (ret < 0) {
			errno = -ret;
			return error_set_errno(err, "write target of %s",
					       e->name);
		}
		return 0;
	default:
		return mkcpio_header(m, e, 0, err);
	}
}

int mkcpio_add_list(struct mkcpio *m, FILE *list, const char *list_name,
		    const char *source_dir, struct error **err)
{
	char line[CONTENTS_MAX_LINE];
	unsigned long lineno = 0;

	while (fgets(line, sizeof(line), list)) {
		struct contents_entry e;
		char why[256];
		int ret;

		lineno++;
		if (!strchr(line, '\n') && !feof(list))
			return error_set(err, EINVAL,
					 "%s:%lu: line longer than %d bytes",
					 list_name, lineno,
					 CONTENTS_MAX_LINE - 2);
		ret = contents_parse_line(line, &e, why, sizeof(why));
		if (ret < 0)
			return error_set(err, EINVAL, "%s:%lu: %s", list_name,
					 lineno, why);
		if (ret == 0)
			continue;
		if (mkcpio_entry(m, &e, source_dir, err) < 0)
			return error_wrap(err, "%s:%lu", list_name, lineno);
	}
	if (ferror(list))
		return error_set_errno(err, "read %s", list_name);
	return 0;
}

int mkcpio_add_list_file(struct mkcpio *m, const char *path,
			 const char *source_dir, struct error **err)
{
	cleanup_fclose FILE *list = fopen(path, "re");

	if (!list)
		return error_set_errno(err, "open contents list %s", path);
	return mkcpio_add_list(m, list, path, source_dir, err);
}

int mkcpio_finish(struct mkcpio *m, struct error **err)
{
	int ret = cpio_write_trailer(&m->writer);

	if (ret < 0) {
		errno = -ret;
		return error_set_errno(err, "write trailer");
	}
	return 0;
}
