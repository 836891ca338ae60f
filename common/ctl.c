// SPDX-License-Identifier: Apache-2.0
/*
 * Control-protocol framing and the host's decoder of guest messages
 * (docs/protocol.md). Everything here bounds what a peer can make us
 * allocate or parse: frames by CTL_FRAME_MAX, JSON nesting by the
 * tokener's depth, strings by the fields' sizes.
 */
#include "common/ctl.h"

#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Deep enough for a pod manifest, shallow enough to bound recursion. */
#define CTL_JSON_DEPTH 16

void ctl_reader_init(struct ctl_reader *r)
{
	memset(r, 0, sizeof(*r));
}

void ctl_reader_free(struct ctl_reader *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

int ctl_reader_feed(struct ctl_reader *r, const void *data, size_t len)
{
	if (len == 0)
		return 0;
	/* Drop what was already returned before growing. */
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->len - r->start);
		r->len -= r->start;
		r->start = 0;
	}
	if (len > SIZE_MAX - r->len)
		return -ENOMEM;
	if (r->len + len > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		uint8_t *buf;

		while (cap < r->len + len)
			cap *= 2;
		buf = realloc(r->buf, cap);
		if (!buf)
			return -ENOMEM;
		r->buf = buf;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, data, len);
	r->len += len;
	return 0;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static bool kind_valid(uint8_t kind)
{
	return kind == CTL_KIND_JSON || kind == CTL_KIND_STDIN ||
	       kind == CTL_KIND_STDOUT || kind == CTL_KIND_STDERR;
}

/* Checks a frame header: 0, -EPROTO or -EMSGSIZE. */
static int header_check(uint32_t length, uint8_t kind)
{
	if (length == 0)
		return -EPROTO;
	if (length > CTL_FRAME_MAX)
		return -EMSGSIZE;
	if (!kind_valid(kind))
		return -EPROTO;
	return 0;
}

int ctl_reader_next(struct ctl_reader *r, uint8_t *kind,
		    const uint8_t **payload, size_t *len)
{
	size_t avail = r->len - r->start;
	const uint8_t *p = r->buf + r->start;
	uint32_t length;
	int ret;

	if (avail < 4)
		return 0;
	length = get_be32(p);
	/* Reject a bad length before waiting for (or buffering) its bytes. */
	if (length == 0)
		return -EPROTO;
	if (length > CTL_FRAME_MAX)
		return -EMSGSIZE;
	if (avail < 5)
		return 0;
	ret = header_check(length, p[4]);
	if (ret < 0)
		return ret;
	if (avail - 4 < length)
		return 0;
	*kind = p[4];
	*payload = p + 5;
	*len = length - 1;
	r->start += 4 + (size_t)length;
	return 1;
}

static int write_all(int fd, const void *data, size_t len)
{
	const uint8_t *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ctl_write_frame(int fd, uint8_t kind, const void *payload, size_t len)
{
	uint8_t header[5];
	uint8_t *frame;
	size_t total;
	int ret;

	if (len >= CTL_FRAME_MAX)
		return -EMSGSIZE;
	header[0] = (uint8_t)((len + 1) >> 24);
	header[1] = (uint8_t)((len + 1) >> 16);
	header[2] = (uint8_t)((len + 1) >> 8);
	header[3] = (uint8_t)(len + 1);
	header[4] = kind;
	/* One write for small frames, so a frame is never split by us. */
	total = sizeof(header) + len;
	frame = malloc(total);
	if (!frame)
		return -ENOMEM;
	memcpy(frame, header, sizeof(header));
	if (len)
		memcpy(frame + sizeof(header), payload, len);
	ret = write_all(fd, frame, total);
	free(frame);
	return ret;
}

int ctl_write_json(int fd, struct json_object *obj)
{
	size_t len = 0;
	const char *text = json_object_to_json_string_length(
		obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		&len);

	if (!text)
		return -ENOMEM;
	return ctl_write_frame(fd, CTL_KIND_JSON, text, len);
}

/* 1 read everything, 0 EOF before the first byte, -EPROTO EOF after. */
static int read_exact(int fd, void *data, size_t len)
{
	uint8_t *p = data;
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, p + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return done == 0 ? 0 : -EPROTO;
		done += (size_t)n;
	}
	return 1;
}

int ctl_read_frame(int fd, uint8_t *kind, uint8_t **payload, size_t *len)
{
	uint8_t header[5];
	uint32_t length;
	uint8_t *buf;
	int ret;

	ret = read_exact(fd, header, sizeof(header));
	if (ret <= 0)
		return ret;
	length = get_be32(header);
	ret = header_check(length, header[4]);
	if (ret < 0)
		return ret;
	buf = malloc(length); /* length - 1 payload bytes + NUL */
	if (!buf)
		return -ENOMEM;
	ret = read_exact(fd, buf, length - 1);
	if (ret == 0 && length > 1)
		ret = -EPROTO;
	if (ret < 0) {
		free(buf);
		return ret;
	}
	buf[length - 1] = '\0';
	*kind = header[4];
	*payload = buf;
	*len = length - 1;
	return 1;
}

int ctl_parse_json(const uint8_t *payload, size_t len, struct json_object **obj,
		   const char **type)
{
	struct json_tokener *tok;
	struct json_object *o, *t;

	if (len == 0 || len > CTL_FRAME_MAX || len > INT_MAX)
		return -EPROTO;
	/* JSON text never holds a NUL byte; json-c would stop at one. */
	if (memchr(payload, '\0', len))
		return -EPROTO;
	tok = json_tokener_new_ex(CTL_JSON_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, (const char *)payload, (int)len);
	/* Trailing bytes after the object are an error too. */
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		json_object_put(o);
		json_tokener_free(tok);
		return -EPROTO;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "type", &t) ||
	    !json_object_is_type(t, json_type_string)) {
		json_object_put(o);
		return -EPROTO;
	}
	*obj = o;
	*type = json_object_get_string(t);
	return 0;
}

struct json_object *ctl_msg_new(const char *type)
{
	struct json_object *o = json_object_new_object();

	if (o && json_object_object_add(o, "type",
					json_object_new_string(type)) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

bool ctl_app_name_valid(const char *name)
{
	size_t len = strlen(name);
	bool need_alnum = true; /* at the start and after a separator */

	if (len == 0 || len > CTL_APP_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
			need_alnum = false;
		} else if (c == '-' || c == '.' || c == '/') {
			if (need_alnum)
				return false;
			need_alnum = true;
		} else {
			return false;
		}
	}
	return !need_alnum;
}

/* A string member copied into dst (size bytes); -EPROTO if absent,
 * not a string, too long or holding a NUL. */
static int get_string(struct json_object *o, const char *key, char *dst,
		      size_t size)
{
	struct json_object *v;
	const char *s;
	int len;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return -EPROTO;
	s = json_object_get_string(v);
	len = json_object_get_string_len(v);
	if (len < 0 || (size_t)len >= size || strlen(s) != (size_t)len)
		return -EPROTO;
	memcpy(dst, s, (size_t)len + 1);
	return 0;
}

/* An integer member in [min, max]; -EPROTO otherwise. */
static int get_int(struct json_object *o, const char *key, int64_t min,
		   int64_t max, int64_t *out)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -EPROTO;
	errno = 0;
	n = json_object_get_int64(v);
	if (errno || n < min || n > max)
		return -EPROTO;
	*out = n;
	return 0;
}

static int get_app(struct json_object *o, struct ctl_guest_msg *m)
{
	if (get_string(o, "app", m->app, sizeof(m->app)) < 0 ||
	    !ctl_app_name_valid(m->app))
		return -EPROTO;
	return 0;
}

static int decode_app_exited(struct json_object *o, struct ctl_guest_msg *m)
{
	struct json_object *v;
	int64_t status, sig;

	if (get_app(o, m) < 0 || get_int(o, "status", -1, 255, &status) < 0 ||
	    get_int(o, "signal", 0, 64, &sig) < 0)
		return -EPROTO;
	/* Exactly one of them says how the app ended. */
	if ((status == -1) != (sig != 0))
		return -EPROTO;
	m->status = (int)status;
	m->signal = (int)sig;
	if (json_object_object_get_ex(o, "oom", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return -EPROTO;
		m->oom = json_object_get_boolean(v);
	}
	return 0;
}

static int decode_error(struct json_object *o, struct ctl_guest_msg *m)
{
	if (json_object_object_get_ex(o, "app", NULL) && get_app(o, m) < 0)
		return -EPROTO;
	if (get_string(o, "message", m->message, sizeof(m->message)) < 0)
		return -EPROTO;
	return 0;
}

int ctl_guest_msg_decode(uint8_t kind, const uint8_t *payload, size_t len,
			 struct ctl_guest_msg *out)
{
	struct json_object *o = NULL;
	const char *type;
	int64_t n;
	int ret = -EPROTO;

	memset(out, 0, sizeof(*out));
	if (kind != CTL_KIND_JSON)
		return -EPROTO;
	if (ctl_parse_json(payload, len, &o, &type) < 0)
		return -EPROTO;
	if (strcmp(type, "hello") == 0) {
		out->type = CTL_GUEST_HELLO;
		if (get_int(o, "version", 1, UINT32_MAX, &n) == 0) {
			out->version = (unsigned)n;
			ret = 0;
		}
	} else if (strcmp(type, "ready") == 0) {
		out->type = CTL_GUEST_READY;
		ret = 0;
	} else if (strcmp(type, "app-started") == 0) {
		out->type = CTL_GUEST_APP_STARTED;
		if (get_app(o, out) == 0 &&
		    get_int(o, "pid", 1, INT32_MAX, &n) == 0) {
			out->pid = (int)n;
			ret = 0;
		}
	} else if (strcmp(type, "app-exited") == 0) {
		out->type = CTL_GUEST_APP_EXITED;
		ret = decode_app_exited(o, out);
	} else if (strcmp(type, "error") == 0) {
		out->type = CTL_GUEST_ERROR;
		ret = decode_error(o, out);
	} else if (strcmp(type, "pod-exited") == 0) {
		out->type = CTL_GUEST_POD_EXITED;
		ret = 0;
	}
	json_object_put(o);
	return ret;
}

/* ---- the enter request's uid, gid, additional_gids and cwd */

int ctl_enter_id_json(struct json_object *v, uint32_t *out)
{
	int64_t n;

	if (!json_object_is_type(v, json_type_int))
		return -EPROTO;
	errno = 0;
	n = json_object_get_int64(v);
	/* json-c clamps what does not fit an int64: errno says so. */
	if (errno || n < 0 || n > (int64_t)CTL_ENTER_ID_MAX)
		return -EPROTO;
	*out = (uint32_t)n;
	return 0;
}

static int enter_id_get(struct json_object *req, const char *key, uint32_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v))
		return 0;
	return ctl_enter_id_json(v, out);
}

int ctl_enter_user_encode(struct json_object *req,
			  const struct ctl_enter_user *u)
{
	struct json_object *gids = json_object_new_array();

	if (!gids)
		return -ENOMEM;
	for (size_t i = 0; i < u->n_gids; i++)
		json_object_array_add(gids, json_object_new_int64(u->gids[i]));
	json_object_object_add(req, "uid", json_object_new_int64(u->uid));
	json_object_object_add(req, "gid", json_object_new_int64(u->gid));
	json_object_object_add(req, "additional_gids", gids);
	if (u->cwd[0])
		json_object_object_add(req, "cwd",
				       json_object_new_string(u->cwd));
	return 0;
}

int ctl_enter_user_decode(struct json_object *req, struct ctl_enter_user *out,
			  const char **why)
{
	struct json_object *v;

	memset(out, 0, sizeof(*out));
	if (enter_id_get(req, "uid", &out->uid) < 0) {
		*why = "enter: \"uid\" is not a uid";
		return -EPROTO;
	}
	if (enter_id_get(req, "gid", &out->gid) < 0) {
		*why = "enter: \"gid\" is not a gid";
		return -EPROTO;
	}
	if (json_object_object_get_ex(req, "additional_gids", &v)) {
		size_t n;

		if (!json_object_is_type(v, json_type_array) ||
		    (n = json_object_array_length(v)) > CTL_ENTER_GIDS_MAX) {
			*why = "enter: \"additional_gids\" is not an array of "
			       "at most 64 gids";
			return -EPROTO;
		}
		for (size_t i = 0; i < n; i++) {
			if (ctl_enter_id_json(json_object_array_get_idx(v, i),
					      &out->gids[i]) < 0) {
				*why = "enter: \"additional_gids\" holds a "
				       "bad gid";
				return -EPROTO;
			}
		}
		out->n_gids = n;
	}
	if (json_object_object_get_ex(req, "cwd", &v)) {
		const char *s = json_object_get_string(v);
		int len = json_object_get_string_len(v);

		if (!json_object_is_type(v, json_type_string) || len <= 0 ||
		    len > CTL_ENTER_CWD_MAX || strlen(s) != (size_t)len ||
		    s[0] != '/') {
			*why = "enter: \"cwd\" is not an absolute path";
			return -EPROTO;
		}
		memcpy(out->cwd, s, (size_t)len + 1);
	}
	return 0;
}

/* One decimal id at *p, up to a byte in stops (or the end). */
static int enter_id_scan(const char **p, const char *stops, uint32_t *out)
{
	uint64_t n = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > CTL_ENTER_ID_MAX)
			return -EINVAL;
	}
	if (*s && !strchr(stops, *s))
		return -EINVAL;
	*out = (uint32_t)n;
	*p = s;
	return 0;
}

int ctl_enter_id_parse(const char *spec, uint32_t *uid, uint32_t *gid)
{
	uint32_t u, g = 0;

	if (enter_id_scan(&spec, ":", &u) < 0)
		return -EINVAL;
	if (*spec == ':') {
		spec++;
		if (enter_id_scan(&spec, "", &g) < 0)
			return -EINVAL;
	}
	*uid = u;
	*gid = g;
	return 0;
}

int ctl_enter_gids_parse(const char *spec, struct ctl_enter_user *u)
{
	uint32_t ids[CTL_ENTER_GIDS_MAX] = {0};
	size_t n = 0;

	/* An empty list is no groups. */
	while (*spec) {
		if (n == CTL_ENTER_GIDS_MAX ||
		    enter_id_scan(&spec, ",", &ids[n]) < 0)
			return -EINVAL;
		n++;
		if (*spec == ',' && !*++spec)
			return -EINVAL;
	}
	memcpy(u->gids, ids, n * sizeof(ids[0]));
	u->n_gids = n;
	return 0;
}
