/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rendering an image into cas/trees/<id>/rootfs: an ACI's dependencies
 * first (depth first, in manifest order, appc spec "Dependency Matching"),
 * then the image itself, then its pathWhitelist; an OCI image's layers in
 * order with whiteouts. The tree is built in a temp dir and renamed in.
 */
#ifndef COCOON_IMAGES_RENDER_H
#define COCOON_IMAGES_RENDER_H

#include "images/aci_manifest.h"
#include "images/extract.h"
#include "images/store.h"

/* The layers to render: "aci" blobs (rootfs/ of each) or "layer" blobs. */
struct render_layer {
	const char *digest;
	bool aci;
};

int render_layers(struct store *s, const char *id,
		  const struct render_layer *layers, size_t n,
		  const struct aci_manifest *top,
		  const struct extract_limits *lim, struct error **err);

/*
 * Collects the ACI layers for an image whose own blob is digest and whose
 * manifest is m: dependencies (found in the store by imageID or by name
 * and labels) come first. *layers and the digests are malloc'd.
 */
int render_aci_chain(struct store *s, const struct aci_manifest *m,
		     const char *digest, struct render_layer **layers,
		     size_t *n, struct error **err);
void render_layers_free(struct render_layer *layers, size_t n);

/* Renders an image already in the index, if its tree is missing. */
int render_image(struct store *s, const char *id,
		 const struct extract_limits *lim, struct error **err);

/* Removes every non-directory not named in the whitelist. */
int render_apply_whitelist(int root_fd, const char *const *paths, size_t n,
			   struct error **err);

#endif
