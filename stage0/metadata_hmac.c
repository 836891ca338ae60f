// SPDX-License-Identifier: Apache-2.0
/* The metadata service's HMAC, on the host (stage0/metadata_hmac.h). */
#include "stage0/metadata_hmac.h"
#include "common/hex.h"

#include "common/cleanup.h"
#include "common/ctl.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHA512_BLOCK 128

/* ---- HMAC (RFC 2104 §2, B = 128 for SHA-512) */

void metadata_hmac_init(struct metadata_hmac_ctx *h, const void *key,
			size_t key_len)
{
	unsigned char k[SHA512_BLOCK] = {0};
	unsigned char ipad[SHA512_BLOCK];

	/* A key longer than a block is hashed first (RFC 2104 §3). */
	if (key_len > SHA512_BLOCK) {
		struct digest_ctx d;

		digest_init(&d, DIGEST_SHA512);
		digest_update(&d, key, key_len);
		digest_final_raw(&d, k);
	} else if (key_len) {
		memcpy(k, key, key_len);
	}
	for (size_t i = 0; i < SHA512_BLOCK; i++) {
		ipad[i] = k[i] ^ 0x36;
		h->okey[i] = k[i] ^ 0x5c;
	}
	digest_init(&h->inner, DIGEST_SHA512);
	digest_update(&h->inner, ipad, sizeof(ipad));
	explicit_bzero(k, sizeof(k));
	explicit_bzero(ipad, sizeof(ipad));
}

void metadata_hmac_update(struct metadata_hmac_ctx *h, const void *data,
			  size_t len)
{
	digest_update(&h->inner, data, len);
}

void metadata_hmac_final(struct metadata_hmac_ctx *h,
			 unsigned char out[METADATA_HMAC_BYTES])
{
	unsigned char inner[DIGEST_MAX_BYTES];
	struct digest_ctx outer;

	digest_final_raw(&h->inner, inner);
	digest_init(&outer, DIGEST_SHA512);
	digest_update(&outer, h->okey, sizeof(h->okey));
	digest_update(&outer, inner, sizeof(inner));
	digest_final_raw(&outer, out);
	explicit_bzero(h, sizeof(*h));
}

void metadata_hmac_sign(const unsigned char key[METADATA_HMAC_KEY_BYTES],
			const unsigned char uuid[16], const void *content,
			size_t len, unsigned char out[METADATA_HMAC_BYTES])
{
	struct metadata_hmac_ctx h;

	metadata_hmac_init(&h, key, METADATA_HMAC_KEY_BYTES);
	metadata_hmac_update(&h, uuid, 16);
	metadata_hmac_update(&h, content, len);
	metadata_hmac_final(&h, out);
}

bool metadata_hmac_verify(const unsigned char key[METADATA_HMAC_KEY_BYTES],
			  const unsigned char uuid[16], const void *content,
			  size_t len, const unsigned char *sig, size_t sig_len)
{
	unsigned char want[METADATA_HMAC_BYTES];
	unsigned char diff = 0;

	if (sig_len != METADATA_HMAC_BYTES)
		return false;
	metadata_hmac_sign(key, uuid, content, len, want);
	/* No early exit: the time taken says nothing about where it differs. */
	for (size_t i = 0; i < METADATA_HMAC_BYTES; i++)
		diff |= want[i] ^ sig[i];
	return diff == 0;
}

/* ---- encodings */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void metadata_base64_encode(const unsigned char *in, size_t len, char *out)
{
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
			     in[i + 2];

		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[(v >> 12) & 63];
		*out++ = b64_alphabet[(v >> 6) & 63];
		*out++ = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		*out++ = b64_alphabet[in[i] >> 2];
		*out++ = b64_alphabet[(in[i] & 3) << 4];
		*out++ = '=';
		*out++ = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];

		*out++ = b64_alphabet[v >> 10];
		*out++ = b64_alphabet[(v >> 4) & 63];
		*out++ = b64_alphabet[(v & 15) << 2];
		*out++ = '=';
	}
	*out = '\0';
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64_alphabet, c) : NULL;

	return p ? (int)(p - b64_alphabet) : -1;
}

int metadata_base64_decode(const char *in, size_t len, unsigned char *out,
			   size_t out_size, size_t *out_len)
{
	size_t n = 0;

	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		size_t pad = 0;
		uint32_t bits = 0;

		for (size_t j = 0; j < 4; j++) {
			if (in[i + j] == '=' && i + 4 == len && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			/* A '=' before the end, or data after one. */
			if (pad || (v[j] = b64_value(in[i + j])) < 0)
				return -1;
		}
		for (size_t j = 0; j < 4; j++)
			bits = bits << 6 | (uint32_t)v[j];
		/* The bits a padded group leaves unused must be zero. */
		if ((pad == 1 && (bits & 0xff)) ||
		    (pad == 2 && (bits & 0xffff)))
			return -1;
		if (n + 3 - pad > out_size)
			return -1;
		out[n++] = (unsigned char)(bits >> 16);
		if (pad < 2)
			out[n++] = (unsigned char)(bits >> 8);
		if (pad < 1)
			out[n++] = (unsigned char)bits;
	}
	*out_len = n;
	return 0;
}

int metadata_uuid_parse(const char *s, unsigned char out[16])
{
	size_t n = 0;

	if (strlen(s) != 36)
		return -1;
	for (size_t i = 0; i < 36;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return -1;
			continue;
		}
		hi = hex_value(s[i]);
		lo = hex_value(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[n++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	return 0;
}

/* Hex of even length into out (at most out_size bytes): length, or -1. */
static ssize_t hex_decode(const char *in, size_t len, unsigned char *out,
			  size_t out_size)
{
	if (len % 2 || len / 2 > out_size)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		int hi = hex_value(in[i]), lo = hex_value(in[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return (ssize_t)(len / 2);
}

/* ---- the key */

static int key_check(int fd, const char *path, struct error **err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return error_set_errno(err, "stat %s", path);
	if (!S_ISREG(st.st_mode) || st.st_size != METADATA_HMAC_KEY_BYTES)
		return error_set(err, EINVAL,
				 "%s: not a regular file of %d bytes (remove "
				 "it to make a new key; signatures made with "
				 "the old one stop verifying)",
				 path, METADATA_HMAC_KEY_BYTES);
	if (st.st_uid != geteuid() || (st.st_mode & 077))
		return error_set(err, EPERM,
				 "%s: must be owned by uid %u and not "
				 "readable by others (mode 0600)",
				 path, (unsigned)geteuid());
	return 0;
}

static int key_read(int fd, const char *path,
		    unsigned char key[METADATA_HMAC_KEY_BYTES],
		    struct error **err)
{
	size_t got = 0;

	if (key_check(fd, path, err) < 0)
		return -1;
	while (got < METADATA_HMAC_KEY_BYTES) {
		ssize_t n = pread(fd, key + got, METADATA_HMAC_KEY_BYTES - got,
				  (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_set(err, n < 0 ? errno : EIO,
					 "read %s: %s", path,
					 n < 0 ? strerror(errno)
					       : "unexpected end of file");
		got += (size_t)n;
	}
	return 0;
}

/* Writes a new key to a temporary file and links it in as hmac.key. */
static int key_create(int dirfd, const char *dir, struct error **err)
{
	unsigned char key[METADATA_HMAC_KEY_BYTES];
	cleanup_close int fd = -1;
	char tmp[64];
	size_t got = 0;
	int r = -1;

	while (got < sizeof(key)) {
		ssize_t n = getrandom(key + got, sizeof(key) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set_errno(err, "getrandom");
		got += (size_t)n;
	}
	snprintf(tmp, sizeof(tmp), ".hmac.key.%ld", (long)getpid());
	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		error_set_errno(err, "create %s/metadata/%s", dir, tmp);
		goto out;
	}
	if (write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) ||
	    fsync(fd) < 0) {
		error_set_errno(err, "write %s/metadata/%s", dir, tmp);
		goto out_unlink;
	}
	/* link() never replaces: of two racing supervisors, one key wins. */
	if (linkat(dirfd, tmp, dirfd, "hmac.key", 0) < 0 && errno != EEXIST) {
		error_set_errno(err, "create %s/metadata/hmac.key", dir);
		goto out_unlink;
	}
	fsync(dirfd);
	r = 0;
out_unlink:
	unlinkat(dirfd, tmp, 0);
out:
	explicit_bzero(key, sizeof(key));
	return r;
}

int metadata_hmac_key_load(const char *dir,
			   unsigned char key[METADATA_HMAC_KEY_BYTES],
			   struct error **err)
{
	cleanup_free char *mdir = NULL;
	cleanup_free char *path = NULL;
	cleanup_close int dirfd = -1;
	cleanup_close int fd = -1;

	if (asprintf(&mdir, "%s/metadata", dir) < 0 ||
	    asprintf(&path, "%s/hmac.key", mdir) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (mkdir(mdir, 0700) < 0 && errno != EEXIST)
		return error_set_errno(err, "create %s", mdir);
	dirfd = open(mdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return error_set_errno(err, "open %s", mdir);
	fd = openat(dirfd, "hmac.key", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (key_create(dirfd, dir, err) < 0)
			return -1;
		fd = openat(dirfd, "hmac.key",
			    O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return error_set_errno(err, "open %s", path);
	return key_read(fd, path, key, err);
}

/* ---- requests */

static struct json_object *answer_error(const char *message)
{
	struct json_object *m = ctl_msg_new("error");

	if (m)
		json_object_object_add(m, "message",
				       json_object_new_string(message));
	return m;
}

/* A string member of at most max bytes, or NULL. */
static const char *member_string(struct json_object *o, const char *key,
				 size_t max, size_t *len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return *len <= max ? json_object_get_string(v) : NULL;
}

static struct json_object *
answer_parsed(const unsigned char key[METADATA_HMAC_KEY_BYTES],
	      const char *pod_uuid, struct json_object *req, const char *type,
	      unsigned char *content)
{
	unsigned char uuid[16], sig[METADATA_HMAC_BYTES];
	const char *hex, *text;
	struct json_object *m;
	size_t hex_len, text_len, sig_len;
	ssize_t len;

	hex = member_string(req, "content", 2 * METADATA_CONTENT_MAX, &hex_len);
	if (!hex ||
	    (len = hex_decode(hex, hex_len, content, METADATA_CONTENT_MAX)) < 0)
		return answer_error("content: missing, not hex or too long");
	if (!strcmp(type, "hmac-sign")) {
		char b64[(METADATA_HMAC_BYTES + 2) / 3 * 4 + 1];

		/* The pod's UUID as the host knows it, never the guest's. */
		if (metadata_uuid_parse(pod_uuid, uuid) < 0)
			return answer_error("the pod's UUID is malformed");
		metadata_hmac_sign(key, uuid, content, (size_t)len, sig);
		metadata_base64_encode(sig, sizeof(sig), b64);
		m = ctl_msg_new("hmac-signed");
		if (m)
			json_object_object_add(m, "signature",
					       json_object_new_string(b64));
		return m;
	}
	if (strcmp(type, "hmac-verify"))
		return answer_error("unknown request type");
	text = member_string(req, "uuid", 64, &text_len);
	if (!text || metadata_uuid_parse(text, uuid) < 0)
		return answer_error("uuid: missing or not a UUID");
	text = member_string(req, "signature", 1024, &text_len);
	if (!text || metadata_base64_decode(text, text_len, sig, sizeof(sig),
					    &sig_len) < 0)
		return answer_error("signature: missing or not base64");
	m = ctl_msg_new("hmac-verified");
	if (m)
		json_object_object_add(
			m, "valid",
			json_object_new_boolean(metadata_hmac_verify(
				key, uuid, content, (size_t)len, sig,
				sig_len)));
	return m;
}

struct json_object *
metadata_hmac_answer(const unsigned char key[METADATA_HMAC_KEY_BYTES],
		     const char *pod_uuid, uint8_t kind, const uint8_t *payload,
		     size_t len)
{
	cleanup_free unsigned char *content = NULL;
	struct json_object *req, *reply;
	const char *type;

	/* guest: len <= METADATA_REQUEST_MAX, checked by the reader */
	if (kind != CTL_KIND_JSON ||
	    ctl_parse_json(payload, len, &req, &type) < 0)
		return answer_error("not a JSON request");
	content = malloc(METADATA_CONTENT_MAX);
	reply = content ? answer_parsed(key, pod_uuid, req, type, content)
			: answer_error("out of memory");
	json_object_put(req);
	return reply;
}

/* ---- the server */

struct mdh_conn {
	int fd; /* -1: free slot */
	uint64_t serial;
	uint8_t *buf; /* header, then payload */
	size_t have, need;
};

struct metadata_hmac_server {
	unsigned char key[METADATA_HMAC_KEY_BYTES];
	char uuid[40];
	int epfd, listen_fd;
	uint64_t serial;
	struct mdh_conn conns[METADATA_CONNS_MAX];
};

static void mdh_close(struct metadata_hmac_server *s, struct mdh_conn *c)
{
	if (c->fd < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->buf);
	*c = (struct mdh_conn){.fd = -1};
}

static void mdh_reply(struct metadata_hmac_server *s, struct mdh_conn *c)
{
	struct json_object *reply = metadata_hmac_answer(
		s->key, s->uuid, c->buf[4], c->buf + 5, c->have - 5);
	const char *text = reply ? json_object_to_json_string_ext(
					   reply, JSON_C_TO_STRING_PLAIN)
				 : NULL;

	if (text) {
		size_t len = strlen(text);
		uint8_t hdr[5] = {(uint8_t)((len + 1) >> 24),
				  (uint8_t)((len + 1) >> 16),
				  (uint8_t)((len + 1) >> 8), (uint8_t)(len + 1),
				  CTL_KIND_JSON};
		struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)text, len}};
		struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};

		/* Small, on a fresh socket: a guest that does not read
		 * loses its answer rather than blocking the supervisor. */
		if (sendmsg(c->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) !=
		    (ssize_t)(sizeof(hdr) + len))
			log_debug("pod %s: metadata reply not sent", s->uuid);
	}
	json_object_put(reply);
	mdh_close(s, c);
}

static void mdh_read(struct metadata_hmac_server *s, struct mdh_conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->buf + c->have, c->need - c->have,
				 MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			mdh_close(s, c);
			return;
		}
		c->have += (size_t)n;
		if (c->have < c->need)
			continue;
		if (c->need == 5) {
			size_t len = (size_t)c->buf[0] << 24 |
				     (size_t)c->buf[1] << 16 |
				     (size_t)c->buf[2] << 8 | c->buf[3];

			/* guest: 1 <= len <= METADATA_REQUEST_MAX */
			if (len < 1 || len > METADATA_REQUEST_MAX) {
				log_debug("pod %s: metadata request of %zu "
					  "bytes refused",
					  s->uuid, len);
				mdh_close(s, c);
				return;
			}
			c->need = 4 + len;
			if (c->need == c->have) {
				mdh_reply(s, c);
				return;
			}
			continue;
		}
		mdh_reply(s, c);
		return;
	}
}

static void mdh_accept(struct metadata_hmac_server *s)
{
	int fd;

	while ((fd = accept4(s->listen_fd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct mdh_conn *slot = NULL;
		struct epoll_event ev = {.events = EPOLLIN};

		for (size_t i = 0; i < METADATA_CONNS_MAX; i++) {
			struct mdh_conn *c = &s->conns[i];

			if (c->fd < 0) {
				slot = c;
				break;
			}
			if (!slot || c->serial < slot->serial)
				slot = c;
		}
		/* Full: the oldest connection makes room. */
		mdh_close(s, slot);
		slot->buf = malloc(4 + METADATA_REQUEST_MAX);
		ev.data.ptr = slot;
		if (!slot->buf || epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			free(slot->buf);
			slot->buf = NULL;
			close(fd);
			continue;
		}
		slot->fd = fd;
		slot->serial = ++s->serial;
		slot->have = 0;
		slot->need = 5;
	}
}

int metadata_hmac_server_new(const char *dir, const char *pod_uuid,
			     int listen_fd, struct metadata_hmac_server **out,
			     struct error **err)
{
	struct metadata_hmac_server *s = calloc(1, sizeof(*s));
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};

	if (!s) {
		close(listen_fd);
		return error_set(err, ENOMEM, "out of memory");
	}
	s->listen_fd = listen_fd;
	for (size_t i = 0; i < METADATA_CONNS_MAX; i++)
		s->conns[i].fd = -1;
	snprintf(s->uuid, sizeof(s->uuid), "%s", pod_uuid);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0 ||
	    epoll_ctl(s->epfd, EPOLL_CTL_ADD, listen_fd, &ev) < 0) {
		error_set_errno(err, "set up the metadata listener");
		metadata_hmac_server_free(s);
		return -1;
	}
	if (metadata_hmac_key_load(dir, s->key, err) < 0) {
		error_wrap(err, "metadata service key");
		metadata_hmac_server_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

int metadata_hmac_server_fd(const struct metadata_hmac_server *s)
{
	return s->epfd;
}

void metadata_hmac_server_process(struct metadata_hmac_server *s)
{
	struct epoll_event evs[METADATA_CONNS_MAX + 1];
	int n = epoll_wait(s->epfd, evs, (int)ARRAY_SIZE(evs), 0);

	for (int i = 0; i < n; i++) {
		struct mdh_conn *c = evs[i].data.ptr;

		if (!c)
			mdh_accept(s);
		else if (c->fd >= 0)
			mdh_read(s, c);
	}
}

void metadata_hmac_server_free(struct metadata_hmac_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < METADATA_CONNS_MAX; i++)
		mdh_close(s, &s->conns[i]);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	if (s->epfd >= 0)
		close(s->epfd);
	explicit_bzero(s->key, sizeof(s->key));
	free(s);
}
