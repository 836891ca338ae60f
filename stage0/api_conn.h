/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the API service (api_server.c, api_routes.c): the server's
 * state, its connections, and building an answer in a connection's
 * output buffer (a whole answer with Content-Length, or a chunked stream,
 * RFC 9112 §7.1). Each connection carries one request and is closed once
 * its answer is written.
 */
#ifndef COCOON_STAGE0_API_CONN_H
#define COCOON_STAGE0_API_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "stage0/api_events.h"
#include "stage0/api_http.h"
#include "stage0/api_logs.h"
#include "stage0/api_server.h"

struct json_object;

enum api_client_kind {
	CLIENT_HEAD,   /* reading the request head */
	CLIENT_ANSWER, /* writing a complete answer, then closing */
	CLIENT_EVENTS, /* a ListenEvents stream */
	CLIENT_LOGS,   /* a followed GetLogs stream */
};

struct api_client {
	int fd;
	enum api_client_kind kind;
	char in[API_HTTP_HEAD_MAX];
	size_t inlen;
	char *out;
	size_t outlen, outoff;
	bool ending;   /* close once out is written */
	bool read_eof; /* the client half-closed: stop polling for input */
	long long deadline;
	struct api_event_filter filter;
	struct api_logs *logs; /* GetLogs with follow */
};

struct api_server {
	const struct global_options *g;
	const char *dir;
	int listen_fd[API_LISTEN_MAX];
	size_t nlisten;
	int inotify_fd;
	struct api_client *clients[API_CLIENTS_MAX];
	struct api_events *events; /* while an events client is connected */
	size_t nevents;		   /* CLIENT_EVENTS clients */
};

long long api_now_ms(void);
/* Appends to the output; -1 when out of memory. */
int api_out(struct api_client *c, const char *data, size_t len);
/* Bytes waiting to be written to the client. */
size_t api_pending(const struct api_client *c);
/* One chunk of a chunked answer; len 0 is the last chunk. */
int api_chunk(struct api_client *c, const char *data, size_t len);
/* A whole answer; the connection ends after it. */
void api_answer(struct api_client *c, int status, const char *type,
		const char *body, size_t len);
/* {"error": {"code", "message"}} with that status. */
void api_answer_error(struct api_client *c, int status, const char *message);
/* The object and a newline, 200. */
void api_answer_json(struct api_client *c, struct json_object *o);
/* The error in *err (its code is the status; freed). */
void api_answer_fail(struct api_client *c, struct error **err);
/* The head of a chunked answer: the client becomes a stream of kind. */
void api_stream_start(struct api_client *c, enum api_client_kind kind,
		      const char *type);

#endif
