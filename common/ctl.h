/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host <-> guest control protocol's framing (docs/protocol.md), shared
 * by stage0 (host) and cocoon-init (guest).
 *
 * A frame on the wire is
 *
 *	be32 length | u8 kind | payload[length - 1]
 *
 * where length counts the kind byte and the payload and is at most
 * CTL_FRAME_MAX. kind CTL_JSON carries one JSON object with a string
 * member "type"; the other kinds carry raw bytes of a multiplexed stream
 * (the enter connection). Both peers treat every frame as hostile input:
 * the host must survive anything a guest sends.
 */
#ifndef COCOON_COMMON_CTL_H
#define COCOON_COMMON_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

#define CTL_VERSION 1
/* Largest frame (kind + payload): bounds every allocation a peer causes. */
#define CTL_FRAME_MAX (1u << 20)

/* vsock ports; the guest is the listener only for enter. */
#define CTL_PORT_CONTROL 1024 /* guest -> host: control frames */
#define CTL_PORT_STDIO	 1025 /* guest -> host: one stream per app fd */
#define CTL_PORT_ENTER	 1026 /* host -> guest: `cocoon enter` */
/* guest -> host: the metadata service's HMAC requests (docs/metadata.md) */
#define CTL_PORT_METADATA 1027
/* guest -> host: apps' sd_notify, filtered (docs/systemd.md) */
#define CTL_PORT_NOTIFY 1028

enum ctl_kind {
	CTL_KIND_STDIN = 0,
	CTL_KIND_STDOUT = 1,
	CTL_KIND_STDERR = 2,
	CTL_KIND_JSON = 'J',
};

/*
 * Incremental decoder for non-blocking readers: feed what read() returned,
 * then take complete frames with ctl_reader_next().
 */
struct ctl_reader {
	uint8_t *buf;
	size_t len;   /* bytes buffered */
	size_t start; /* first byte not yet returned */
	size_t cap;
};

void ctl_reader_init(struct ctl_reader *r);
void ctl_reader_free(struct ctl_reader *r);
/* 0, or -ENOMEM. */
int ctl_reader_feed(struct ctl_reader *r, const void *data, size_t len);
/*
 * 1 and the next frame (payload points into the reader, valid until the
 * next feed or next call), 0 when no complete frame is buffered, -EPROTO
 * for a zero length or unknown kind, -EMSGSIZE for a length over
 * CTL_FRAME_MAX. After an error the stream is unusable.
 */
int ctl_reader_next(struct ctl_reader *r, uint8_t *kind,
		    const uint8_t **payload, size_t *len);

/* Blocking I/O on a stream socket or pipe; both retry on EINTR. */
/* 0, or -errno (-EMSGSIZE when len + 1 > CTL_FRAME_MAX). */
int ctl_write_frame(int fd, uint8_t kind, const void *payload, size_t len);
/* Serializes obj (compact) and writes it as a CTL_KIND_JSON frame. */
int ctl_write_json(int fd, struct json_object *obj);
/*
 * 1 and a malloc'd payload (NUL-terminated, for convenience) on a frame,
 * 0 on EOF at a frame boundary, -EPROTO on EOF inside a frame or a bad
 * header, -EMSGSIZE, or -errno.
 */
int ctl_read_frame(int fd, uint8_t *kind, uint8_t **payload, size_t *len);

/*
 * Parses a CTL_KIND_JSON payload: 0 and *obj (caller puts it) with
 * *type pointing at its "type" string, or -EPROTO when the payload is not
 * a JSON object with a string "type" (nesting is bounded).
 */
int ctl_parse_json(const uint8_t *payload, size_t len, struct json_object **obj,
		   const char **type);
/* A new message {"type": type}. */
struct json_object *ctl_msg_new(const char *type);

/* ---- guest -> host messages, validated for the host */

enum ctl_guest_msg_type {
	CTL_GUEST_HELLO,
	CTL_GUEST_READY,
	CTL_GUEST_APP_STARTED,
	CTL_GUEST_APP_EXITED,
	CTL_GUEST_ERROR,
	CTL_GUEST_POD_EXITED,
};

#define CTL_APP_NAME_MAX 255
#define CTL_MESSAGE_MAX	 4096

struct ctl_guest_msg {
	enum ctl_guest_msg_type type;
	unsigned version;		   /* hello */
	char app[CTL_APP_NAME_MAX + 1];	   /* app-*, error (may be empty) */
	int pid;			   /* app-started: > 0 */
	int status;			   /* app-exited: 0..255, or -1 */
	int signal;			   /* app-exited: 1..64, or 0 */
	bool oom;			   /* app-exited */
	char message[CTL_MESSAGE_MAX + 1]; /* error */
};

/*
 * Decodes one frame from the guest. 0 and *out filled, or -EPROTO when the
 * frame is anything but a well-formed message of a known type with its
 * fields in range (app names must be appc AC names, at most 255 bytes).
 * Unknown members are ignored, so newer guests can add fields.
 */
int ctl_guest_msg_decode(uint8_t kind, const uint8_t *payload, size_t len,
			 struct ctl_guest_msg *out);

/* True for an appc AC name ([a-z0-9]+([-./][a-z0-9]+)*), at most 255 bytes. */
bool ctl_app_name_valid(const char *name);

/* ---- the enter request's identity and place (host -> guest) */

#define CTL_ENTER_GIDS_MAX 64
#define CTL_ENTER_CWD_MAX  4095
/* Largest uid or gid: (uint32_t)-1 means "unchanged" to set*id(). */
#define CTL_ENTER_ID_MAX 4294967294u

/*
 * Who the entered process runs as and where it starts: members "uid",
 * "gid" (integers, default 0), "additional_gids" (an array of them,
 * default none) and "cwd" (an absolute path, default the app's working
 * directory) of the enter request.
 */
struct ctl_enter_user {
	uint32_t uid, gid;
	size_t n_gids;
	uint32_t gids[CTL_ENTER_GIDS_MAX];
	char cwd[CTL_ENTER_CWD_MAX + 1]; /* "" for the app's */
};

/*
 * A uid or gid as JSON: an int in 0..CTL_ENTER_ID_MAX (json-c's clamping
 * of larger numbers is caught): 0 and *out, or -EPROTO.
 */
int ctl_enter_id_json(struct json_object *v, uint32_t *out);
/* Adds u's members to req (the host's enter request): 0 or -ENOMEM. */
int ctl_enter_user_encode(struct json_object *req,
			  const struct ctl_enter_user *u);
/*
 * Reads them from an enter request (the guest): 0 and *out filled, or
 * -EPROTO with *why a static message naming the bad member. Absent
 * members take the defaults.
 */
int ctl_enter_user_decode(struct json_object *req, struct ctl_enter_user *out,
			  const char **why);
/*
 * Parses "UID[:GID]" (decimal, each at most CTL_ENTER_ID_MAX; GID
 * defaults to 0): 0, or -EINVAL.
 */
int ctl_enter_id_parse(const char *spec, uint32_t *uid, uint32_t *gid);
/* Parses "GID[,GID...]" into u's additional gids: 0, or -EINVAL. */
int ctl_enter_gids_parse(const char *spec, struct ctl_enter_user *u);

#endif
