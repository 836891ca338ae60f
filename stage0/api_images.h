/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ListImages and InspectImage: the store's index read through
 * store_open_readonly(), opened for each request and closed after it, so
 * the service holds nothing `image gc` or `image rm` wait for. An image
 * object has the members `cocoon image list --format=json` prints (id,
 * name, type, size, importTime, lastUsedTime, verifiedBy, source) plus
 * "version", "baseFormat", "labels", "annotations" and, with detail, the
 * image manifest.
 */
#ifndef COCOON_STAGE0_API_IMAGES_H
#define COCOON_STAGE0_API_IMAGES_H

#include <stdbool.h>

#include "common/error.h"
#include "stage0/api_filter.h"

struct json_object;

/* {"images": [...]}; no index yet is an empty list. */
int api_images_list(const char *dir, const struct api_image_filter *f,
		    bool detail, struct json_object **out, struct error **err);

/*
 * {"image": {...}} for an ID, a unique ID prefix or name[:version]; err
 * code 404 when nothing matches.
 */
int api_images_inspect(const char *dir, const char *ref,
		       struct json_object **out, struct error **err);

#endif
