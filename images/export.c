// SPDX-License-Identifier: Apache-2.0
#include "images/export.h"
#include "images/extract.h"
#include "images/render.h"
#include "common/cleanup.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Last: it redirects the library calls above (images/lazylib.h). */
#include "images/lazylib.h"

static int copy_fd(int in, int out, struct error **err)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));

			if (w < 0)
				return error_set_errno(err, "write");
			done += w;
		}
	return n < 0 ? error_set_errno(err, "read") : 0;
}

static int write_entry_data(struct archive *w, int fd, struct error **err)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(w, buf, (size_t)n) != n)
			return error_set(err, EIO, "write tar: %s",
					 archive_error_string(w));
	return n < 0 ? error_set_errno(err, "read") : 0;
}

/* Tree to tar through archive_read_disk, which does not follow symlinks
 * (physical mode) and reads ownership, modes and xattrs. */
static int tree_to_tar(struct archive *w, const char *tree, struct error **err)
{
	struct archive *disk = archive_read_disk_new();
	struct archive_entry *e;
	size_t tlen = strlen(tree);
	int r = 0;

	if (!disk)
		return error_set(err, ENOMEM, "out of memory");
	archive_read_disk_set_symlink_physical(disk);
	archive_read_disk_set_standard_lookup(disk);
	if (archive_read_disk_open(disk, tree) != ARCHIVE_OK) {
		r = error_set(err, EIO, "read %s: %s", tree,
			      archive_error_string(disk));
		goto out;
	}
	for (;;) {
		cleanup_free char *name = NULL;
		const char *path;
		int h;

		e = archive_entry_new();
		h = archive_read_next_header2(disk, e);
		if (h == ARCHIVE_EOF) {
			archive_entry_free(e);
			break;
		}
		if (h != ARCHIVE_OK && h != ARCHIVE_WARN) {
			archive_entry_free(e);
			r = error_set(err, EIO, "read %s: %s", tree,
				      archive_error_string(disk));
			break;
		}
		archive_read_disk_descend(disk);
		path = archive_entry_pathname(e);
		if (strlen(path) < tlen || strncmp(path, tree, tlen)) {
			archive_entry_free(e);
			continue;
		}
		if (asprintf(&name, "rootfs%s", path + tlen) < 0) {
			archive_entry_free(e);
			r = error_set(err, ENOMEM, "out of memory");
			break;
		}
		archive_entry_set_pathname(e, name);
		if (archive_write_header(w, e) != ARCHIVE_OK) {
			r = error_set(err, EIO, "write tar: %s",
				      archive_error_string(w));
			archive_entry_free(e);
			break;
		}
		if (archive_entry_filetype(e) == AE_IFREG &&
		    archive_entry_size(e) > 0) {
			cleanup_close int fd =
				open(archive_entry_sourcepath(e),
				     O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

			if (fd < 0 || write_entry_data(w, fd, err) < 0) {
				r = fd < 0 ? error_set_errno(err, "open %s",
							     path)
					   : -1;
				archive_entry_free(e);
				break;
			}
		}
		archive_entry_free(e);
	}
out:
	archive_read_free(disk);
	return r;
}

int export_aci(struct store *s, const char *id, bool rendered, int fd,
	       struct error **err)
{
	struct store_image *img = NULL;
	cleanup_free char *tree = NULL;
	struct archive *w = NULL;
	struct archive_entry *e;
	int r = -1;

	if (store_image_get(s, id, &img, err) < 0)
		return -1;
	if (!rendered && !strcmp(img->type, "aci")) {
		struct store_blob_ref *refs = NULL;
		size_t n = 0;
		cleanup_close int in = -1;

		if (store_image_blobs(s, id, &refs, &n, err) == 0 && n) {
			in = store_blob_open(s, refs[0].digest, err);
			if (in >= 0)
				r = copy_fd(in, fd, err);
		}
		store_blob_refs_free(refs, n);
		goto out;
	}
	if (render_image(s, id, NULL, err) < 0)
		goto out;
	tree = store_tree_path(s, id);
	w = archive_write_new();
	if (!tree || !w) {
		error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	archive_write_set_format_pax_restricted(w);
	if (archive_write_open_fd(w, fd) != ARCHIVE_OK) {
		error_set(err, EIO, "write tar: %s", archive_error_string(w));
		goto out;
	}
	e = archive_entry_new();
	archive_entry_set_pathname(e, "manifest");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)strlen(img->manifest));
	if (archive_write_header(w, e) != ARCHIVE_OK ||
	    archive_write_data(w, img->manifest, strlen(img->manifest)) < 0) {
		archive_entry_free(e);
		error_set(err, EIO, "write tar: %s", archive_error_string(w));
		goto out;
	}
	archive_entry_free(e);
	if (tree_to_tar(w, tree, err) < 0)
		goto out;
	if (archive_write_close(w) != ARCHIVE_OK) {
		error_set(err, EIO, "write tar: %s", archive_error_string(w));
		goto out;
	}
	r = 0;
out:
	if (w)
		archive_write_free(w);
	store_image_free(img);
	return r;
}

int export_to_dir(struct store *s, const char *id, bool rendered,
		  bool rootfs_only, const char *dir, struct error **err)
{
	struct store_tmpdir t;
	struct extract_opts o;
	struct extract_usage usage = {0};
	cleanup_close int tar = -1, dfd = -1;
	int r = -1;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return error_set_errno(err, "create %s", dir);
	dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return error_set_errno(err, "open %s", dir);
	if (store_tmpdir_create(s, &t, err) < 0)
		return -1;
	tar = openat(t.fd, "image.aci", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		     0600);
	if (tar < 0) {
		error_set_errno(err, "create temp file");
		goto out;
	}
	if (export_aci(s, id, rendered, tar, err) < 0)
		goto out;
	if (lseek(tar, 0, SEEK_SET) < 0) {
		error_set_errno(err, "rewind");
		goto out;
	}
	extract_opts_default(&o);
	o.strip_prefix = rootfs_only ? "rootfs" : NULL;
	/* Dependencies were merged already: each path once. */
	o.refuse_duplicates = true;
	r = extract_fd(tar, dfd, &o, &usage, err);
out:
	store_tmpdir_remove(s, &t);
	return r;
}
