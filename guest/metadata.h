/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The appc metadata service inside the pod (docs/metadata.md; appc spec,
 * ace.md "App Container Metadata Service"): what it serves and how a
 * request maps to an answer. The sockets are guest/metadata_server.c's;
 * this part is pure, so routing is unit-tested without a VM.
 *
 * The data comes with the pod frame: the pod manifest, and from the
 * runtime object the pod's "uuid" and each app's "image_manifest" (the
 * original image manifest, as stage0 found it in the store). Sign and
 * verify never happen here: they become a request for the host
 * (stage0/metadata_hmac.h), which holds the key.
 */
#ifndef COCOON_GUEST_METADATA_H
#define COCOON_GUEST_METADATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest/metadata_http.h"

struct json_object;
struct runtime;

/*
 * Where the service listens: a link-local address that cocoon-init puts
 * on lo, so that every app reaches it whatever the pod's network (also
 * --net=none), and a port apps are unlikely to bind (rkt's metadata
 * service port). docs/metadata.md says why.
 */
#define METADATA_ADDR	"169.254.169.255"
#define METADATA_PORT	18112
#define METADATA_URL	"http://169.254.169.255:18112"
#define METADATA_PREFIX "/acMetadata/v1/"

struct metadata_app {
	char *name;
	char *image_id;			    /* NULL: the manifest has none */
	struct json_object *image_manifest; /* NULL: stage0 sent none */
	struct json_object *annotations;    /* image's, then the pod's */
};

struct metadata_pod {
	char *uuid; /* NULL: stage0 sent none */
	struct json_object *manifest;
	struct json_object *annotations; /* the pod manifest's */
	struct metadata_app *apps;
	size_t n_apps;
};

/*
 * Takes what the service needs from the pod frame's manifest and runtime
 * object (references are taken; the caller keeps its own). 0, or -EINVAL
 * with a message in err when the manifest is not an object or an app of
 * the runtime is missing from it, or -ENOMEM. Missing optional parts
 * (uuid, image manifests, annotations) make their endpoints answer 404.
 */
int metadata_pod_load(struct json_object *manifest, struct json_object *runtime,
		      struct metadata_pod *out, char *err, size_t err_size);
void metadata_pod_free(struct metadata_pod *pod);

struct metadata_response {
	int status;		  /* 0 with hmac_request set */
	const char *content_type; /* NULL: no body */
	char *body;		  /* malloc'd */
	size_t body_len;
	const char *allow; /* for 405: the methods the path takes */
	/* A ctl JSON payload to send to the host on CTL_PORT_METADATA; its
	 * answer goes through metadata_hmac_reply(). malloc'd. */
	char *hmac_request;
};

/* The answer to a parsed request (GET/HEAD/POST; anything else is 405). */
void metadata_route(const struct metadata_pod *pod,
		    const struct metadata_http_request *req,
		    struct metadata_response *resp);
/*
 * The answer to the app from the host's answer (a ctl frame's kind and
 * payload): 200 and the signature, 200 or 403 for a verify, 400 with
 * the host's message for a request the host refused, 502 for anything
 * else.
 */
void metadata_hmac_reply(uint8_t kind, const uint8_t *payload, size_t len,
			 struct metadata_response *resp);
/* An error answer: status and a one-line text/plain body. */
void metadata_response_error(struct metadata_response *resp, int status,
			     const char *text);
/*
 * The response on the wire: status line, Content-Type, Content-Length,
 * Allow (405), "Connection: close", then the body unless head_only.
 * 0 and a malloc'd *out, or -ENOMEM.
 */
int metadata_response_format(const struct metadata_response *resp,
			     bool head_only, char **out, size_t *out_len);
void metadata_response_free(struct metadata_response *resp);

/*
 * Sets AC_METADATA_URL=METADATA_URL in every app's environment (appc
 * ace.md "Execution Environment"), replacing a value from the image or
 * the command line: the service is where the guest says. 0 or -ENOMEM.
 */
int metadata_env_add(struct runtime *rt);

/* appc AC Identifier (types.md): [a-z0-9] and -._~/, alnum at both ends. */
bool metadata_ac_identifier_valid(const char *s);

#endif
