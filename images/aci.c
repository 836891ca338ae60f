// SPDX-License-Identifier: Apache-2.0
#include "images/aci.h"
#include "images/extract.h"
#include "common/cleanup.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Last: it redirects the library calls above (images/lazylib.h). */
#include "images/lazylib.h"

int aci_import_begin(struct store *s, int fd, uint64_t max_bytes,
		     struct aci_pending *p, struct error **err)
{
	struct archive *a;
	struct archive_entry *e;
	struct digest_ctx copy;
	char hex[DIGEST_MAX_HEX + 1];
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	memset(p, 0, sizeof(*p));
	p->blob.fd = -1;
	if (store_blob_begin(s, DIGEST_SHA512, max_bytes, &p->blob, err) < 0)
		return -1;
	a = archive_read_new();
	if (!a) {
		aci_import_abort(p);
		return error_set(err, ENOMEM, "out of memory");
	}
	/* "raw" format: libarchive only undoes the compression here. */
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		error_set(err, EINVAL, "read ACI: %s", archive_error_string(a));
		goto fail;
	}
	while ((r = archive_read_data_block(a, &buf, &len, &off)) ==
	       ARCHIVE_OK) {
		if (store_blob_write(&p->blob, buf, len, err) < 0) {
			error_wrap(err, "decompress ACI");
			goto fail;
		}
	}
	if (r != ARCHIVE_EOF) {
		error_set(err, EINVAL, "read ACI: %s", archive_error_string(a));
		goto fail;
	}
	archive_read_free(a);
	a = NULL;

	copy = p->blob.ctx;
	digest_final_hex(&copy, hex);
	store_digest_string(DIGEST_SHA512, hex, '-', p->id);
	store_digest_string(DIGEST_SHA512, hex, ':', p->digest);
	if (lseek(p->blob.fd, 0, SEEK_SET) < 0) {
		error_set_errno(err, "rewind ACI");
		goto fail;
	}
	if (aci_read_manifest(p->blob.fd, &p->manifest, err) < 0)
		goto fail;
	return 0;
fail:
	if (a)
		archive_read_free(a);
	aci_import_abort(p);
	return -1;
}

int aci_import_commit(struct aci_pending *p, struct error **err)
{
	char digest[DIGEST_STRING_MAX];

	if (store_blob_commit(&p->blob, p->digest, digest, err) < 0)
		return error_wrap(err, "store ACI %s", p->id);
	return 0;
}

void aci_import_abort(struct aci_pending *p)
{
	store_blob_abort(&p->blob);
	aci_manifest_free(p->manifest);
	p->manifest = NULL;
}

static int aci_manifest_scan(struct archive *a, struct aci_manifest **out,
			     struct error **err)
{
	struct archive_entry *e;
	cleanup_free char *data = NULL;
	size_t len = 0;
	bool rootfs = false;
	int r;

	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK ||
	       r == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname(e), *why;
		char clean[4096];
		la_int64_t size;
		la_ssize_t n;

		if (!name ||
		    extract_clean_path(name, clean, sizeof(clean),
				       EXTRACT_DEFAULT_MAX_PATH, &why) < 0)
			continue; /* refused when rendered, with the reason */
		if (!strcmp(clean, "rootfs") || !strncmp(clean, "rootfs/", 7))
			rootfs = true;
		if (strcmp(clean, "manifest"))
			continue;
		if (data)
			return error_set(err, EINVAL,
					 "ACI has two manifest entries");
		if (archive_entry_filetype(e) != AE_IFREG)
			return error_set(err, EINVAL,
					 "ACI manifest is not a regular file");
		size = archive_entry_size(e);
		if (size < 0 || size > ACI_MANIFEST_MAX_BYTES)
			return error_set(err, EFBIG,
					 "ACI manifest larger than %u bytes",
					 ACI_MANIFEST_MAX_BYTES);
		data = malloc((size_t)size + 1);
		if (!data)
			return error_set(err, ENOMEM, "out of memory");
		for (len = 0; len < (size_t)size; len += (size_t)n) {
			n = archive_read_data(a, data + len,
					      (size_t)size - len);
			if (n <= 0)
				return error_set(err, EINVAL,
						 "read ACI manifest: %s",
						 n < 0 ? archive_error_string(a)
						       : "truncated");
		}
	}
	if (r != ARCHIVE_EOF)
		return error_set(err, EINVAL, "read ACI: %s",
				 archive_error_string(a));
	if (!data)
		return error_set(err, EINVAL, "ACI has no manifest");
	if (!rootfs)
		return error_set(err, EINVAL, "ACI has no rootfs directory");
	if (aci_manifest_parse(data, len, out, err) < 0)
		return error_wrap(err, "ACI manifest");
	return 0;
}

int aci_read_manifest(int fd, struct aci_manifest **out, struct error **err)
{
	struct archive *a = archive_read_new();
	int r;

	if (!a)
		return error_set(err, ENOMEM, "out of memory");
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK)
		r = error_set(err, EINVAL, "read ACI: %s",
			      archive_error_string(a));
	else
		r = aci_manifest_scan(a, out, err);
	archive_read_free(a);
	return r;
}

int aci_read_manifest_memory(const void *buf, size_t len,
			     struct aci_manifest **out, struct error **err)
{
	struct archive *a = archive_read_new();
	int r;

	if (!a)
		return error_set(err, ENOMEM, "out of memory");
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_memory(a, buf, len) != ARCHIVE_OK)
		r = error_set(err, EINVAL, "read ACI: %s",
			      archive_error_string(a));
	else
		r = aci_manifest_scan(a, out, err);
	archive_read_free(a);
	return r;
}
