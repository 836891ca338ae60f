// SPDX-License-Identifier: Apache-2.0
/*
 * The metadata service's host half: HMAC-SHA512 against RFC 4231, base64
 * against RFC 4648 §10 and its strictness, UUIDs, sign/verify bound to a
 * pod's UUID, the key file (created once, 0600, checked), the request
 * answers, and the server on a real Unix socket fed good and hostile
 * frames.
 */
#include "stage0/metadata_hmac.h"
#include "common/ctl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define UUID_A "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"
#define UUID_B "11111111-2222-4333-8444-555555555555"

static void hex_of(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void hmac_hex(const void *key, size_t klen, const void *data,
		     size_t dlen, char out[129])
{
	struct metadata_hmac_ctx h;
	unsigned char mac[METADATA_HMAC_BYTES];

	metadata_hmac_init(&h, key, klen);
	/* In two pieces: the split must not matter. */
	metadata_hmac_update(&h, data, dlen / 2);
	metadata_hmac_update(&h, (const char *)data + dlen / 2,
			     dlen - dlen / 2);
	metadata_hmac_final(&h, mac);
	hex_of(mac, sizeof(mac), out);
}

/* RFC 4231 §4.2-4.8, the HMAC-SHA-512 results. */
static void test_rfc4231(void **state)
{
	unsigned char k[131], d[50];
	char out[129];

	(void)state;
	memset(k, 0x0b, 20);
	hmac_hex(k, 20, "Hi There", 8, out);
	assert_string_equal(out,
			    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2"
			    "787ad0b30545e17cdedaa833b7d6b8a702038b274eae"
			    "a3f4e4be9d914eeb61f1702e696c203a126854");
	hmac_hex("Jefe", 4, "what do ya want for nothing?", 28, out);
	assert_string_equal(out,
			    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831f"
			    "d610270cd7ea2505549758bf75c05a994a6d034f65f8"
			    "f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
	memset(k, 0xaa, 20);
	memset(d, 0xdd, 50);
	hmac_hex(k, 20, d, 50, out);
	assert_string_equal(out,
			    "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a"
			    "3655f83e33b2279d39bf3e848279a722c806b485a47e"
			    "67c807b946a337bee8942674278859e13292fb");
	for (int i = 0; i < 25; i++)
		k[i] = (unsigned char)(i + 1);
	memset(d, 0xcd, 50);
	hmac_hex(k, 25, d, 50, out);
	assert_string_equal(out,
			    "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b87"
			    "2de76f8050361ee3dba91ca5c11aa25eb4d679275cc5"
			    "788063a5f19741120c4f2de2adebeb10a298dd");
	/* 4.6: the RFC gives the first 128 bits. */
	memset(k, 0x0c, 20);
	hmac_hex(k, 20, "Test With Truncation", 20, out);
	assert_memory_equal(out, "415fad6271580a531d4179bc891d87a6", 32);
	/* 4.7, 4.8: a key longer than the block is hashed first. */
	memset(k, 0xaa, 131);
	hmac_hex(k, 131,
		 "Test Using Larger Than Block-Size Key - Hash Key First", 54,
		 out);
	assert_string_equal(out,
			    "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aee"
			    "c1121b013783f8f3526b56d037e05f2598bd0fd2215d"
			    "6a1e5295e64f73f63f0aec8b915a985d786598");
	hmac_hex(k, 131,
		 "This is a test using a larger than block-size key and a "
		 "larger than block-size data. The key needs to be hashed "
		 "before being used by the HMAC algorithm.",
		 152, out);
	assert_string_equal(out,
			    "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289"
			    "865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3"
			    "e4de15134676fb6de0446065c97440fa8c6a58");
}

static void test_base64(void **state)
{
	/* RFC 4648 §10 */
	static const char *const vec[][2] = {
		{"", ""},
		{"f", "Zg=="},
		{"fo", "Zm8="},
		{"foo", "Zm9v"},
		{"foob", "Zm9vYg=="},
		{"fooba", "Zm9vYmE="},
		{"foobar", "Zm9vYmFy"},
	};
	static const char *const bad[] = {
		"Zg=",	"Zg",	    "Z===", "Zh==", /* unused bits set */
		"Zm9=", "Zm8=Zm8=", "Zm 8", "Zm8\n", "Zm-8", "=m8v",
	};
	unsigned char out[16];
	char enc[16];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		metadata_base64_encode((const unsigned char *)vec[i][0],
				       strlen(vec[i][0]), enc);
		assert_string_equal(enc, vec[i][1]);
		assert_int_equal(metadata_base64_decode(vec[i][1],
							strlen(vec[i][1]), out,
							sizeof(out), &n),
				 0);
		assert_int_equal(n, strlen(vec[i][0]));
		assert_memory_equal(out, vec[i][0], n);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(metadata_base64_decode(bad[i], strlen(bad[i]),
							out, sizeof(out), &n),
				 -1);
	/* More bytes than out holds. */
	assert_int_equal(metadata_base64_decode("Zm9vYmFy", 8, out, 5, &n), -1);
}

static void test_uuid(void **state)
{
	unsigned char u[16];

	(void)state;
	assert_int_equal(metadata_uuid_parse(UUID_A, u), 0);
	assert_int_equal(u[0], 0x0f);
	assert_int_equal(u[15], 0xf0);
	assert_int_equal(
		metadata_uuid_parse("0F1E2D3C-4B5A-4978-8796-A5B4C3D2E1F0", u),
		0);
	assert_int_equal(
		metadata_uuid_parse("0f1e2d3c4b5a49788796a5b4c3d2e1f0", u), -1);
	assert_int_equal(
		metadata_uuid_parse("0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1fg", u),
		-1);
	assert_int_equal(
		metadata_uuid_parse("0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0a", u),
		-1);
	assert_int_equal(metadata_uuid_parse("", u), -1);
}

static void key_fill(unsigned char key[64])
{
	for (int i = 0; i < 64; i++)
		key[i] = (unsigned char)i;
}

static void test_sign_verify(void **state)
{
	unsigned char key[64], a[16], b[16], sig[64];
	char b64[89];

	(void)state;
	key_fill(key);
	metadata_uuid_parse(UUID_A, a);
	metadata_uuid_parse(UUID_B, b);
	metadata_hmac_sign(key, a, "hello", 5, sig);
	metadata_base64_encode(sig, sizeof(sig), b64);
	/* Computed independently: Python's hmac over uuid.bytes + content. */
	assert_string_equal(b64, "xiN+35S7Zi8xyVFGMOjOUTwdXLuWtmmTKzh1wU01IPAkT"
				 "DP4WG8H6t8pnHf1MDdqux1/dvHnmdqxvXyADKSbIg==");
	assert_true(metadata_hmac_verify(key, a, "hello", 5, sig, 64));
	assert_false(metadata_hmac_verify(key, b, "hello", 5, sig, 64));
	assert_false(metadata_hmac_verify(key, a, "hellp", 5, sig, 64));
	assert_false(metadata_hmac_verify(key, a, "hello", 4, sig, 64));
	assert_false(metadata_hmac_verify(key, a, "hello", 5, sig, 63));
	sig[63] ^= 1;
	assert_false(metadata_hmac_verify(key, a, "hello", 5, sig, 64));
	sig[63] ^= 1;
	key[0] ^= 1;
	assert_false(metadata_hmac_verify(key, a, "hello", 5, sig, 64));
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/test-metadata-XXXXXX");

	assert_non_null(mkdtemp(d));
	return d;
}

static void rmtree(const char *d)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
}

static void test_key_file(void **state)
{
	unsigned char k1[64], k2[64], zero[64] = {0};
	struct error *err = NULL;
	char *dir = tmpdir(), path[256];
	struct stat st;
	int fd;

	(void)state;
	assert_int_equal(metadata_hmac_key_load(dir, k1, &err), 0);
	snprintf(path, sizeof(path), "%s/metadata/hmac.key", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 64);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_memory_not_equal(k1, zero, 64);
	/* Created once: a second load reads the same key. */
	assert_int_equal(metadata_hmac_key_load(dir, k2, &err), 0);
	assert_memory_equal(k1, k2, 64);
	/* No temporary file is left. */
	snprintf(path, sizeof(path), "ls -A '%s/metadata' | grep -vqx hmac.key",
		 dir);
	assert_int_not_equal(system(path), 0);

	/* Readable by others: refused, not "fixed". */
	snprintf(path, sizeof(path), "%s/metadata/hmac.key", dir);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(metadata_hmac_key_load(dir, k2, &err), -1);
	assert_non_null(strstr(err->message, "0600"));
	error_free(&err);
	/* A short key: refused, and left as it is. */
	assert_int_equal(unlink(path), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "short", 5), 5);
	close(fd);
	assert_int_equal(metadata_hmac_key_load(dir, k2, &err), -1);
	assert_non_null(strstr(err->message, "64 bytes"));
	error_free(&err);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 5);
	/* A symlink is not followed. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(metadata_hmac_key_load(dir, k2, &err), -1);
	error_free(&err);
	rmtree(dir);
	free(dir);
}

/* The answer to a JSON request, as a parsed object. */
static struct json_object *answer(const unsigned char key[64],
				  const char *request)
{
	struct json_object *r =
		metadata_hmac_answer(key, UUID_A, CTL_KIND_JSON,
				     (const uint8_t *)request, strlen(request));

	assert_non_null(r);
	return r;
}

static const char *str(struct json_object *o, const char *k)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, k, &v));
	return json_object_get_string(v);
}

static void test_answer(void **state)
{
	unsigned char key[64];
	struct json_object *r;
	char req[512], sig[128];

	(void)state;
	key_fill(key);
	/* "hello" in hex: the pod's own UUID is used, never the guest's. */
	r = answer(key, "{\"type\":\"hmac-sign\",\"content\":\"68656c6c6f\","
			"\"uuid\":\"" UUID_B "\"}");
	assert_string_equal(str(r, "type"), "hmac-signed");
	snprintf(sig, sizeof(sig), "%s", str(r, "signature"));
	assert_string_equal(sig,
			    "xiN+35S7Zi8xyVFGMOjOUTwdXLuWtmmTKzh1wU01IPAk"
			    "TDP4WG8H6t8pnHf1MDdqux1/dvHnmdqxvXyADKSbIg==");
	json_object_put(r);

	snprintf(req, sizeof(req),
		 "{\"type\":\"hmac-verify\",\"uuid\":\"%s\",\"content\":\"%s\","
		 "\"signature\":\"%s\"}",
		 UUID_A, "68656c6c6f", sig);
	r = answer(key, req);
	assert_string_equal(str(r, "type"), "hmac-verified");
	assert_true(
		json_object_get_boolean(json_object_object_get(r, "valid")));
	json_object_put(r);
	/* Another pod's UUID, a tampered content: valid false. */
	snprintf(req, sizeof(req),
		 "{\"type\":\"hmac-verify\",\"uuid\":\"%s\",\"content\":\"%s\","
		 "\"signature\":\"%s\"}",
		 UUID_B, "68656c6c6f", sig);
	r = answer(key, req);
	assert_false(
		json_object_get_boolean(json_object_object_get(r, "valid")));
	json_object_put(r);
	snprintf(req, sizeof(req),
		 "{\"type\":\"hmac-verify\",\"uuid\":\"%s\",\"content\":\"%s\","
		 "\"signature\":\"%s\"}",
		 UUID_A, "68656c6c70", sig);
	r = answer(key, req);
	assert_false(
		json_object_get_boolean(json_object_object_get(r, "valid")));
	json_object_put(r);

	/* Malformed requests: an error answer, never a crash. */
	static const char *const bad[] = {
		"{\"type\":\"hmac-sign\"}",
		"{\"type\":\"hmac-sign\",\"content\":\"6\"}",
		"{\"type\":\"hmac-sign\",\"content\":\"zz\"}",
		"{\"type\":\"hmac-sign\",\"content\":42}",
		"{\"type\":\"hmac-verify\",\"content\":\"68\",\"signature\":"
		"\"AA==\"}",
		"{\"type\":\"hmac-verify\",\"uuid\":\"nope\",\"content\":"
		"\"68\","
		"\"signature\":\"AA==\"}",
		"{\"type\":\"hmac-verify\",\"uuid\":\"" UUID_A
		"\",\"content\":\"68\",\"signature\":\"not base64\"}",
		"{\"type\":\"hmac-fly\",\"content\":\"68\"}",
		"{\"content\":\"68\"}",
		"[1,2]",
		"{",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = answer(key, bad[i]);
		assert_string_equal(str(r, "type"), "error");
		json_object_put(r);
	}
	r = metadata_hmac_answer(key, UUID_A, CTL_KIND_STDOUT,
				 (const uint8_t *)"{}", 2);
	assert_string_equal(str(r, "type"), "error");
	json_object_put(r);
}

/* ---- the server on a real socket */

struct srv {
	char *dir;
	char sock[100];
	struct metadata_hmac_server *s;
};

static void srv_start(struct srv *t)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct error *err = NULL;
	int fd;

	t->dir = tmpdir();
	snprintf(t->sock, sizeof(t->sock), "%s/vsock_1027", t->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", t->sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(
		metadata_hmac_server_new(t->dir, UUID_A, fd, &t->s, &err), 0);
}

static void srv_stop(struct srv *t)
{
	metadata_hmac_server_free(t->s);
	rmtree(t->dir);
	free(t->dir);
}

static int srv_connect(struct srv *t)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", t->sock);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Runs the server until fd has something to read (or 2 s pass). */
static void srv_pump(struct srv *t, int fd)
{
	for (int i = 0; i < 200; i++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		metadata_hmac_server_process(t->s);
		if (poll(&p, 1, 10) > 0)
			return;
	}
}

static void test_server(void **state)
{
	static const char req[] =
		"{\"type\":\"hmac-sign\",\"content\":\"68656c6c6f\"}";
	struct json_object *reply;
	struct srv t;
	uint8_t kind, *payload = NULL;
	size_t len;
	int fd, conns[METADATA_CONNS_MAX + 2];

	(void)state;
	srv_start(&t);
	/* A good request in one frame: one answer, then the end. */
	fd = srv_connect(&t);
	assert_int_equal(ctl_write_frame(fd, CTL_KIND_JSON, req, strlen(req)),
			 0);
	srv_pump(&t, fd);
	assert_int_equal(ctl_read_frame(fd, &kind, &payload, &len), 1);
	reply = json_tokener_parse((char *)payload);
	assert_string_equal(str(reply, "type"), "hmac-signed");
	json_object_put(reply);
	free(payload);
	srv_pump(&t, fd);
	assert_int_equal(ctl_read_frame(fd, &kind, &payload, &len), 0);
	close(fd);

	/* Byte by byte: the same. */
	fd = srv_connect(&t);
	{
		uint8_t frame[5 + sizeof(req)];
		size_t n = strlen(req) + 1;

		frame[0] = frame[1] = 0;
		frame[2] = (uint8_t)(n >> 8);
		frame[3] = (uint8_t)n;
		frame[4] = CTL_KIND_JSON;
		memcpy(frame + 5, req, n - 1);
		for (size_t i = 0; i < 4 + n; i++) {
			assert_int_equal(write(fd, frame + i, 1), 1);
			metadata_hmac_server_process(t.s);
		}
	}
	srv_pump(&t, fd);
	assert_int_equal(ctl_read_frame(fd, &kind, &payload, &len), 1);
	assert_non_null(strstr((char *)payload, "hmac-signed"));
	free(payload);
	close(fd);

	/* A length over the bound: closed without an answer. */
	fd = srv_connect(&t);
	assert_int_equal(write(fd, "\x7f\xff\xff\xffJ", 5), 5);
	srv_pump(&t, fd);
	assert_int_equal(ctl_read_frame(fd, &kind, &payload, &len), 0);
	close(fd);
	/* A zero length too. */
	fd = srv_connect(&t);
	assert_int_equal(write(fd, "\0\0\0\0J", 5), 5);
	srv_pump(&t, fd);
	assert_int_equal(ctl_read_frame(fd, &kind, &payload, &len), 0);
	close(fd);
	/* Garbage JSON: an error answer. */
	fd = srv_connect(&t);
	assert_int_equal(ctl_write_frame(fd, CTL_KIND_JSON, "{{{", 3), 0);
	srv_pump(&t, fd);
	assert_int_equal(ctl_read_frame(fd, &kind, &payload, &len), 1);
	assert_non_null(strstr((char *)payload, "\"error\""));
	free(payload);
	close(fd);

	/* More idle connections than allowed: the oldest are closed, and
	 * a new request is still answered. */
	for (size_t i = 0; i < METADATA_CONNS_MAX + 2; i++) {
		conns[i] = srv_connect(&t);
		metadata_hmac_server_process(t.s);
	}
	srv_pump(&t, conns[0]);
	assert_int_equal(ctl_read_frame(conns[0], &kind, &payload, &len), 0);
	fd = conns[METADATA_CONNS_MAX + 1];
	assert_int_equal(ctl_write_frame(fd, CTL_KIND_JSON, req, strlen(req)),
			 0);
	srv_pump(&t, fd);
	assert_int_equal(ctl_read_frame(fd, &kind, &payload, &len), 1);
	free(payload);
	for (size_t i = 0; i < METADATA_CONNS_MAX + 2; i++)
		close(conns[i]);
	srv_stop(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4231),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_key_file),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
