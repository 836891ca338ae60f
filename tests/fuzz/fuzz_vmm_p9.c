// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the 9P2000.L server on hostile message sequences.
 *
 * Input: one config byte (low 4 bits: request iovec size, 0 = one
 * iovec; high 4 bits: reply buffer size class), then 9P messages back to
 * back, cut at their size fields (a size that does not fit ends the
 * input: the rest goes in as one last message). Each input gets a fresh
 * server, already past Tversion (msize 65536) and with fid 0 attached,
 * on a share made once (files, a directory, symlinks to "/" and to
 * "../outside") whose names are put back before each input. Checks:
 * every reply is a well-formed R-message no longer than msize or the
 * buffers, with the request's tag; and nothing beyond the share ever
 * changes.
 */
#include "common/log.h"
#include "vmm/p9/codec.h"
#include "vmm/p9/proto.h"
#include "vmm/p9/server.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MSIZE 65536u

static char share[256], outside[256], secret[300];

static void put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

/* Creates dir/name unless something is there; never follows a symlink. */
static void restore_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) < 0)
		abort();
	close(fd);
}

/*
 * Puts back what earlier inputs removed, so inputs start from the same
 * names (other leftovers stay). Only where nothing else took the name.
 */
static void repair_share(void)
{
	char path[512];
	struct stat st;

	restore_file(share, "hello", "hello world\n");
	snprintf(path, sizeof(path), "%s/dir", share);
	if (lstat(path, &st) < 0)
		(void)mkdir(path, 0755);
	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
		restore_file(path, "inner", "inner\n");
	snprintf(path, sizeof(path), "%s/to-root", share);
	if (lstat(path, &st) < 0)
		(void)symlink("/", path);
	snprintf(path, sizeof(path), "%s/up", share);
	if (lstat(path, &st) < 0)
		(void)symlink("../outside", path);
}

static void make_share(void)
{
	/* Under $TMPDIR, which tests/run-fuzz points at its scratch
	 * directory and removes afterwards. */
	const char *tmp = getenv("TMPDIR");
	static char base[PATH_MAX];

	snprintf(base, sizeof(base), "%s/fuzz-p9.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(base))
		abort();
	snprintf(share, sizeof(share), "%s/share", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	snprintf(secret, sizeof(secret), "%s/secret", outside);
	if (mkdir(share, 0755) < 0 || mkdir(outside, 0755) < 0)
		abort();
	put_file(outside, "secret", "secret\n");
	repair_share();
}

/* The share may be changed by inputs, but nothing beyond it. */
static void check_outside(void)
{
	char buf[64];
	int fd = open(secret, O_RDONLY | O_CLOEXEC), entries = 0;
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : -1;
	DIR *d;
	struct dirent *e;

	if (fd >= 0)
		close(fd);
	if (n != 7 || memcmp(buf, "secret\n", 7))
		abort();
	d = opendir(outside);
	if (!d)
		abort();
	while ((e = readdir(d)))
		entries++;
	closedir(d);
	if (entries != 3) /* . .. secret */
		abort();
}

static uint8_t reply[P9_SERVER_MAX_MSIZE + 64];
static uint8_t request[P9_SERVER_MAX_MSIZE + 64];

static void send(struct p9_server *srv, const uint8_t *msg, size_t len,
		 size_t in_split, size_t out_len)
{
	struct iovec in[64], out[2];
	size_t off = 0;
	int nin = 0;
	ssize_t rc;
	uint32_t rsize;

	/* a private copy: the server must not depend on what follows */
	memcpy(request, msg, len);
	while (off < len && nin < 63) {
		size_t l =
			in_split && len - off > in_split ? in_split : len - off;

		in[nin].iov_base = request + off;
		in[nin++].iov_len = l;
		off += l;
	}
	if (off < len) {
		in[nin].iov_base = request + off;
		in[nin++].iov_len = len - off;
	}
	/* the reply in two pieces, as the virtio zero-copy path gives */
	out[0].iov_base = reply;
	out[0].iov_len = out_len < 11 ? out_len : 11;
	out[1].iov_base = reply + out[0].iov_len;
	out[1].iov_len = out_len - out[0].iov_len;
	rc = p9_server_handle(srv, in, nin, out, 2);
	if (rc < 0) {
		if (len >= P9_HDR_SIZE && out_len >= P9_HDR_SIZE + 4)
			abort(); /* only hopeless framing is refused */
		return;
	}
	if (rc < P9_HDR_SIZE || (size_t)rc > out_len ||
	    (size_t)rc > FUZZ_MSIZE || (size_t)rc > P9_SERVER_MAX_MSIZE)
		abort();
	rsize = (uint32_t)reply[0] | (uint32_t)reply[1] << 8 |
		(uint32_t)reply[2] << 16 | (uint32_t)reply[3] << 24;
	if (rsize != (uint32_t)rc)
		abort();
	if (reply[5] != msg[5] || reply[6] != msg[6])
		abort();
	if (reply[4] != P9_RLERROR && reply[4] != (uint8_t)(msg[4] + 1))
		abort();
	if (reply[4] == P9_RLERROR && rc != P9_HDR_SIZE + 4)
		abort();
}

static void start_session(struct p9_server *srv)
{
	uint8_t buf[64];
	struct p9_writer w;

	p9_writer_init(&w, buf, sizeof(buf));
	w.pos = P9_HDR_SIZE;
	p9_put_u32(&w, FUZZ_MSIZE);
	p9_put_cstr(&w, "9P2000.L");
	p9_put_header(&w, P9_TVERSION, P9_NOTAG);
	send(srv, buf, w.pos, 0, sizeof(reply));
	p9_writer_init(&w, buf, sizeof(buf));
	w.pos = P9_HDR_SIZE;
	p9_put_u32(&w, 0);
	p9_put_u32(&w, P9_NOFID);
	p9_put_cstr(&w, "root");
	p9_put_cstr(&w, "");
	p9_put_u32(&w, 0);
	p9_put_header(&w, P9_TATTACH, 1);
	send(srv, buf, w.pos, 0, sizeof(reply));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t out_sizes[16] = {
		FUZZ_MSIZE, 11,	  12,	20,   24,    64,    100,   256,
		512,	    1000, 4096, 8192, 16384, 32768, 65536, 600000,
	};
	struct p9_server *srv;
	size_t in_split, out_len;

	if (!share[0]) {
		log_set_level(LOG_SILENT);
		make_share();
	}
	if (size < 1)
		return 0;
	in_split = data[0] & 0x0f;
	out_len = out_sizes[data[0] >> 4];
	data++;
	size--;
	repair_share();
	if (p9_server_create(share, false, &srv) < 0)
		abort();
	start_session(srv);
	while (size) {
		size_t len = size;

		if (size >= 4) {
			uint32_t msg = (uint32_t)data[0] |
				       (uint32_t)data[1] << 8 |
				       (uint32_t)data[2] << 16 |
				       (uint32_t)data[3] << 24;

			if (msg >= P9_HDR_SIZE && msg <= size)
				len = msg;
		}
		send(srv, data, len, in_split, out_len);
		data += len;
		size -= len;
	}
	p9_server_destroy(srv);
	check_outside();
	return 0;
}
