/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API service's endpoints (docs/api.md): GET /v1alpha/info,
 * /v1alpha/pods[/UUID[/logs]], /v1alpha/images[/REF], /v1alpha/events.
 * Internal to the service.
 */
#ifndef COCOON_STAGE0_API_ROUTES_H
#define COCOON_STAGE0_API_ROUTES_H

#include "stage0/api_conn.h"

/* Answers the request, or turns the client into a stream. */
void api_dispatch(struct api_server *s, struct api_client *c,
		  const struct api_request *req);
/* Sends an event to every events client whose filter takes it (puts ev). */
void api_emit(struct json_object *ev, void *arg);

#endif
