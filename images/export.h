/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing images back out: an ACI (uncompressed tar of `manifest` and
 * `rootfs/`) for `image export`, `image extract` and `image render`.
 */
#ifndef COCOON_IMAGES_EXPORT_H
#define COCOON_IMAGES_EXPORT_H

#include "images/store.h"

#include <stdbool.h>

/*
 * Writes image id as an ACI to fd. rendered = false: the image as
 * imported (an ACI's own blob, without its dependencies); true: its
 * rendered tree (dependencies applied; OCI images are always this).
 */
int export_aci(struct store *s, const char *id, bool rendered, int fd,
	       struct error **err);

/* Extracts image id into the new or empty directory dir (through the
 * safe extractor): `manifest` + `rootfs/`, or the rootfs alone. */
int export_to_dir(struct store *s, const char *id, bool rendered,
		  bool rootfs_only, const char *dir, struct error **err);

#endif
