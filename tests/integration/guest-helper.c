// SPDX-License-Identifier: Apache-2.0
/*
 * guest-helper: a small static multi-call program for integration tests
 * to run inside the guest (as cocoon.exec= or as an app), so a test can
 * check one thing with a predictable output instead of a shell one-liner.
 *
 *	guest-helper COMMAND [ARGS...]
 *
 * Every command prints one line per fact, "key=value", on stdout, and
 * exits 0 unless it says otherwise; errors go to stderr with status 1.
 * Usage errors exit 2. It uses libc only, so it links -static for an
 * initrd or a scratch image.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int helper_fail(const char *what, const char *arg)
{
	fprintf(stderr, "guest-helper: %s %s: %s\n", what, arg ? arg : "",
		strerror(errno));
	return 1;
}

static int helper_number(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end ? -1 : 0;
}

static void helper_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int cmd_exit(int argc, char **argv)
{
	long n;

	if (argc != 2 || helper_number(argv[1], &n) < 0)
		return 2;
	return (int)(n & 0xff);
}

static int cmd_kill_self(int argc, char **argv)
{
	long sig;

	if (argc != 2 || helper_number(argv[1], &sig) < 0)
		return 2;
	signal((int)sig, SIG_DFL);
	kill(getpid(), (int)sig);
	return 1; /* only if the signal did not end us */
}

static int cmd_echo(int argc, char **argv)
{
	FILE *out = !strcmp(argv[0], "echo-stderr") ? stderr : stdout;

	for (int i = 1; i < argc; i++)
		fprintf(out, "%s%s", i > 1 ? " " : "", argv[i]);
	fputc('\n', out);
	return 0;
}

static int cmd_cat(int argc, char **argv)
{
	char buf[4096];
	ssize_t n;
	int fd;

	if (argc != 2)
		return 2;
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return helper_fail("open", argv[1]);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, stdout);
	close(fd);
	return n < 0 ? helper_fail("read", argv[1]) : 0;
}

static int cmd_write(int argc, char **argv)
{
	FILE *f;

	if (argc != 3)
		return 2;
	f = fopen(argv[1], "w");
	if (!f)
		return helper_fail("create", argv[1]);
	fprintf(f, "%s\n", argv[2]);
	return fclose(f) ? helper_fail("write", argv[1]) : 0;
}

static int cmd_ls(int argc, char **argv)
{
	struct dirent *d;
	DIR *dir;

	if (argc != 2)
		return 2;
	dir = opendir(argv[1]);
	if (!dir)
		return helper_fail("open", argv[1]);
	while ((d = readdir(dir)))
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			printf("%s\n", d->d_name);
	closedir(dir);
	return 0;
}

static int cmd_env(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	for (char **e = environ; *e; e++)
		printf("%s\n", *e);
	return 0;
}

static int cmd_ids(int argc, char **argv)
{
	gid_t groups[64];
	int n = getgroups(64, groups);

	(void)argc;
	(void)argv;
	printf("pid=%d\nppid=%d\nuid=%u\ngid=%u\neuid=%u\negid=%u\ngroups=",
	       getpid(), getppid(), getuid(), getgid(), geteuid(), getegid());
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", groups[i]);
	printf("\n");
	return 0;
}

/* Session, process group and controlling tty from /proc/self/stat. */
static int cmd_ctty(int argc, char **argv)
{
	char buf[1024], *p;
	int pid, ppid, pgrp, session, tty_nr;
	char state;
	ssize_t n;
	int fd;

	(void)argc;
	(void)argv;
	fd = open("/proc/self/stat", O_RDONLY);
	if (fd < 0)
		return helper_fail("open", "/proc/self/stat");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return helper_fail("read", "/proc/self/stat");
	buf[n] = '\0';
	/* The command name may hold spaces: parse after its ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(buf, "%d", &pid) != 1 ||
	    sscanf(p + 1, " %c %d %d %d %d", &state, &ppid, &pgrp, &session,
		   &tty_nr) != 5) {
		fprintf(stderr, "guest-helper: odd /proc/self/stat\n");
		return 1;
	}
	printf("pid=%d\nsid=%d\npgrp=%d\ntty_major=%d\ntty_minor=%d\n"
	       "foreground=%d\n",
	       pid, session, pgrp, (tty_nr >> 8) & 0xfff,
	       (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00),
	       tty_nr && tcgetpgrp(0) == pgrp);
	return 0;
}

static int cmd_sleep(int argc, char **argv)
{
	long ms;

	if (argc != 2 || helper_number(argv[1], &ms) < 0 || ms < 0)
		return 2;
	helper_sleep_ms(ms);
	return 0;
}

/*
 * Leaves an orphan behind: a grandchild that sleeps MS then exits, to be
 * re-parented to and reaped by PID 1. Prints its pid.
 */
static int cmd_orphan(int argc, char **argv)
{
	pid_t child;
	long ms;
	int pipefd[2], status;
	pid_t orphan = 0;

	if (argc != 2 || helper_number(argv[1], &ms) < 0 || ms < 0)
		return 2;
	if (pipe(pipefd) < 0)
		return helper_fail("pipe", NULL);
	child = fork();
	if (child < 0)
		return helper_fail("fork", NULL);
	if (child == 0) {
		pid_t grandchild = fork();

		if (grandchild == 0) {
			close(pipefd[0]);
			close(pipefd[1]);
			helper_sleep_ms(ms);
			_exit(0);
		}
		if (write(pipefd[1], &grandchild, sizeof(grandchild)) < 0)
			_exit(1);
		_exit(grandchild > 0 ? 0 : 1);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &orphan, sizeof(orphan)) != sizeof(orphan))
		orphan = -1;
	close(pipefd[0]);
	waitpid(child, &status, 0);
	printf("orphan=%d\n", (int)orphan);
	return orphan > 0 ? 0 : 1;
}

/* Effective capabilities, the CapEff line of /proc/self/status. */
static int cmd_caps(int argc, char **argv)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	(void)argc;
	(void)argv;
	if (!f)
		return helper_fail("open", "/proc/self/status");
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Cap", 3) ||
		    !strncmp(line, "NoNewPrivs", 10) ||
		    !strncmp(line, "Seccomp:", 8))
			fputs(line, stdout);
	}
	fclose(f);
	return 0;
}

/* ---- xattrs and shared mmap: the guest side of test_9p_torture.sh */

static int cmd_xattr_set(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	if (setxattr(argv[1], argv[2], argv[3], strlen(argv[3]), 0) < 0)
		return helper_fail("setxattr", argv[2]);
	return 0;
}

/* Prints the value and a newline. */
static int cmd_xattr_get(int argc, char **argv)
{
	char value[65536];
	ssize_t n;

	if (argc != 3)
		return 2;
	n = getxattr(argv[1], argv[2], value, sizeof(value));
	if (n < 0)
		return helper_fail("getxattr", argv[2]);
	fwrite(value, 1, (size_t)n, stdout);
	fputc('\n', stdout);
	return 0;
}

/* One name per line, in the order the file system gives. */
static int cmd_xattr_list(int argc, char **argv)
{
	char names[65536];
	ssize_t n;

	if (argc != 2)
		return 2;
	n = listxattr(argv[1], names, sizeof(names));
	if (n < 0)
		return helper_fail("listxattr", argv[1]);
	for (ssize_t off = 0; off < n; off += (ssize_t)strlen(names + off) + 1)
		printf("%s\n", names + off);
	return 0;
}

static int cmd_xattr_remove(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	if (removexattr(argv[1], argv[2]) < 0)
		return helper_fail("removexattr", argv[2]);
	return 0;
}

/* mmap-write FILE OFFSET TEXT: TEXT into FILE at OFFSET through a shared
 * mapping (the file is extended first if it is shorter), msync(MS_SYNC). */
static int cmd_mmap_write(int argc, char **argv)
{
	long off, page = sysconf(_SC_PAGESIZE);
	size_t len, map_len;
	off_t map_off;
	struct stat st;
	char *map;
	int fd;

	if (argc != 4 || helper_number(argv[2], &off) < 0 || off < 0)
		return 2;
	len = strlen(argv[3]);
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		return helper_fail("open", argv[1]);
	if (fstat(fd, &st) < 0)
		return helper_fail("stat", argv[1]);
	if (st.st_size < off + (off_t)len &&
	    ftruncate(fd, off + (off_t)len) < 0)
		return helper_fail("extend", argv[1]);
	map_off = (off_t)(off - off % page);
	map_len = (size_t)(off - map_off) + len;
	map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   map_off);
	if (map == MAP_FAILED)
		return helper_fail("mmap", argv[1]);
	memcpy(map + (off - map_off), argv[3], len);
	if (msync(map, map_len, MS_SYNC) < 0)
		return helper_fail("msync", argv[1]);
	munmap(map, map_len);
	close(fd);
	printf("mmap_write=%zu\n", len);
	return 0;
}

/* ---- vsock: the guest side of tests/integration/test_virtio_vsock.sh */

/* Deterministic bytes from a seed (xorshift64). */
static void helper_fill(uint64_t *state, unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t x = *state;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		*state = x;
		p[i] = (unsigned char)x;
	}
}

/* FNV-1a, 64 bits, over a stream. */
static uint64_t helper_fnv(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static int helper_vsock_listen(long port)
{
	struct sockaddr_vm sa = {.svm_family = AF_VSOCK,
				 .svm_cid = VMADDR_CID_ANY,
				 .svm_port = (unsigned int)port};
	int fd = socket(AF_VSOCK, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 64) < 0)
		return -1;
	return fd;
}

static void helper_echo_conn(int fd, long die_after)
{
	unsigned char buf[65536];
	long total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));

			if (w <= 0)
				_exit(1);
			off += w;
		}
		total += n;
		/* disappear mid-stream: no shutdown, just gone */
		if (die_after >= 0 && total >= die_after)
			_exit(3);
	}
	_exit(0);
}

/* vsock-echo PORT COUNT [DIE_AFTER]: serve COUNT connections at once,
 * echoing each until EOF (or vanishing after DIE_AFTER bytes). */
static int cmd_vsock_echo(int argc, char **argv)
{
	long port, count, die_after = -1, failed = 0;
	int fd;

	if (argc < 3 || argc > 4 || helper_number(argv[1], &port) < 0 ||
	    helper_number(argv[2], &count) < 0 ||
	    (argc == 4 && helper_number(argv[3], &die_after) < 0))
		return 2;
	fd = helper_vsock_listen(port);
	if (fd < 0)
		return helper_fail("vsock listen", argv[1]);
	printf("listening=%ld\n", port);
	for (long i = 0; i < count; i++) {
		int c = accept(fd, NULL, NULL);

		if (c < 0)
			return helper_fail("vsock accept", argv[1]);
		if (fork() == 0) {
			close(fd);
			helper_echo_conn(c, die_after);
		}
		close(c);
	}
	for (long i = 0; i < count; i++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
	}
	printf("echo-done=%ld failed=%ld\n", count, failed);
	return 0;
}

/*
 * Sends n seeded bytes to fd while reading the echo back (both at once:
 * the echo would otherwise stall on flow control). Returns 0 when all
 * came back identical, 1 when the stream broke (*err says how).
 */
static int helper_exchange(int fd, long n, uint64_t seed, int *err,
			   long *got_out)
{
	uint64_t gen = seed ? seed : 1, hs = 0xcbf29ce484222325ull;
	uint64_t hr = 0xcbf29ce484222325ull;
	unsigned char out[16384], in[65536];
	size_t out_len = 0, out_off = 0;
	long sent = 0, got = 0;

	*err = 0;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (got < n) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t r;

		if (sent < n || out_off < out_len)
			p.events |= POLLOUT;
		if (poll(&p, 1, 30000) <= 0) {
			*err = ETIMEDOUT;
			break;
		}
		if (p.revents & POLLOUT) {
			if (out_off == out_len && sent < n) {
				out_len = (size_t)(n - sent) < sizeof(out)
						  ? (size_t)(n - sent)
						  : sizeof(out);
				helper_fill(&gen, out, out_len);
				hs = helper_fnv(hs, out, out_len);
				sent += (long)out_len;
				out_off = 0;
			}
			r = write(fd, out + out_off, out_len - out_off);
			if (r < 0 && errno != EAGAIN) {
				*err = errno;
				break;
			}
			if (r > 0)
				out_off += (size_t)r;
			if (sent == n && out_off == out_len)
				shutdown(fd, SHUT_WR);
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			r = read(fd, in, sizeof(in));
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r <= 0) {
				*err = r < 0 ? errno : EPIPE;
				break;
			}
			hr = helper_fnv(hr, in, (size_t)r);
			got += r;
		}
	}
	*got_out = got;
	return got == n && hs == hr ? 0 : 1;
}

/* vsock-send CID PORT CONNS BYTES: CONNS connections at once, each
 * sending BYTES seeded bytes and checking the echo. */
/*
 * Linux gives a vsock connect 2 s. The tests check that concurrent
 * connections all work, not how fast: under nested emulation on a loaded
 * machine fifty at once took longer (a CI run), so they wait up to 60 s.
 */
static int helper_vsock_patient(int fd)
{
	struct timeval tv = {.tv_sec = 60};

	return setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, &tv,
			  sizeof(tv));
}

static int cmd_vsock_send(int argc, char **argv)
{
	long cid, port, conns, bytes, ok = 0, bad = 0;

	if (argc != 5 || helper_number(argv[1], &cid) < 0 ||
	    helper_number(argv[2], &port) < 0 ||
	    helper_number(argv[3], &conns) < 0 ||
	    helper_number(argv[4], &bytes) < 0)
		return 2;
	for (long i = 0; i < conns; i++) {
		if (fork() == 0) {
			struct sockaddr_vm sa = {
				.svm_family = AF_VSOCK,
				.svm_cid = (unsigned int)cid,
				.svm_port = (unsigned int)port,
			};
			int fd = socket(AF_VSOCK, SOCK_STREAM, 0), err;
			long got = 0;

			if (fd < 0 || helper_vsock_patient(fd) < 0 ||
			    connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
				printf("conn=%ld connect=%s\n", i,
				       strerror(errno));
				_exit(2);
			}
			if (helper_exchange(fd, bytes, (uint64_t)i + 1, &err,
					    &got)) {
				printf("conn=%ld broken=%s got=%ld\n", i,
				       strerror(err), got);
				_exit(1);
			}
			_exit(0);
		}
	}
	for (long i = 0; i < conns; i++) {
		int st;

		if (wait(&st) >= 0 && WIFEXITED(st) && !WEXITSTATUS(st))
			ok++;
		else
			bad++;
	}
	printf("vsock-send ok=%ld bad=%ld\n", ok, bad);
	return bad ? 1 : 0;
}

/*
 * ---- bench/vsock: bulk transfers, ping-pong and a command agent.
 *
 * Addresses: "vsock:CID:PORT" (connect), "vsock:PORT" (listen, any CID),
 * "unix:PATH" (both; the host-local baseline runs these same commands on
 * the host) and "hybrid:PATH:PORT" (connect: a cocoon-vmm --vsock PATH
 * from the host side, "CONNECT PORT\n" and its "OK" line).
 */

static double helper_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int helper_unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa->sun_path, path);
	return 0;
}

/* Reads the hybrid handshake's answer, one byte at a time (never past
 * its newline: what follows is the stream). */
static int helper_hybrid_ok(int fd)
{
	char line[64];
	size_t n = 0;

	while (n < sizeof(line) - 1) {
		if (read(fd, line + n, 1) != 1)
			break;
		if (line[n++] == '\n') {
			line[n] = '\0';
			if (!strncmp(line, "OK ", 3))
				return 0;
			break;
		}
	}
	errno = ECONNREFUSED;
	return -1;
}

static int helper_connect(const char *addr)
{
	char buf[160], req[32];
	int fd = -1;

	if (!strncmp(addr, "vsock:", 6)) {
		struct sockaddr_vm sa = {.svm_family = AF_VSOCK};
		unsigned int cid, port;

		if (sscanf(addr + 6, "%u:%u", &cid, &port) != 2)
			goto bad;
		sa.svm_cid = cid;
		sa.svm_port = port;
		fd = socket(AF_VSOCK, SOCK_STREAM, 0);
		if (fd < 0 || helper_vsock_patient(fd) < 0 ||
		    connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			goto fail;
		return fd;
	}
	if (!strncmp(addr, "tcp:", 4)) {
		struct sockaddr_in sa = {.sin_family = AF_INET};
		unsigned int port;

		snprintf(buf, sizeof(buf), "%s", addr + 4);
		if (!strchr(buf, ':') ||
		    sscanf(strchr(buf, ':') + 1, "%u", &port) != 1 ||
		    port > 65535)
			goto bad;
		*strchr(buf, ':') = '\0';
		if (inet_pton(AF_INET, buf, &sa.sin_addr) != 1)
			goto bad;
		sa.sin_port = htons((uint16_t)port);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			goto fail;
		return fd;
	}
	if (!strncmp(addr, "unix:", 5) || !strncmp(addr, "hybrid:", 7)) {
		bool hybrid = addr[0] == 'h';
		struct sockaddr_un sa;
		char *colon;
		int len;

		snprintf(buf, sizeof(buf), "%s", addr + (hybrid ? 7 : 5));
		colon = strrchr(buf, ':');
		if (hybrid && !colon)
			goto bad;
		if (hybrid)
			*colon = '\0';
		if (helper_unix_addr(buf, &sa) < 0)
			goto fail;
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			goto fail;
		if (!hybrid)
			return fd;
		len = snprintf(req, sizeof(req), "CONNECT %s\n", colon + 1);
		if (len >= (int)sizeof(req) ||
		    write(fd, req, (size_t)len) != len ||
		    helper_hybrid_ok(fd) < 0)
			goto fail;
		return fd;
	}
bad:
	errno = EINVAL;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

static int helper_listen(const char *addr)
{
	long port;
	int fd;

	if (!strncmp(addr, "vsock:", 6))
		return helper_number(addr + 6, &port) < 0
			       ? -1
			       : helper_vsock_listen(port);
	if (!strncmp(addr, "unix:", 5)) {
		struct sockaddr_un sa;

		if (helper_unix_addr(addr + 5, &sa) < 0)
			return -1;
		unlink(addr + 5);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 ||
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    listen(fd, 16) < 0) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
		return fd;
	}
	errno = EINVAL;
	return -1;
}

static int helper_write_all(int fd, const void *p, size_t n)
{
	for (size_t off = 0; off < n;) {
		ssize_t w = write(fd, (const char *)p + off, n - off);

		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

/* vsock-bench-send ADDR BYTES: sends BYTES, then waits for the
 * receiver's "received=N" and its close. The time is from connected to
 * that answer: every byte has arrived. */
static int cmd_bench_send(int argc, char **argv)
{
	static unsigned char buf[65536];
	char ack[64] = "";
	long bytes, sent = 0, acked = -1;
	size_t got = 0;
	double t0, t1;
	ssize_t n;
	int fd;

	if (argc != 3 || helper_number(argv[2], &bytes) < 0 || bytes < 0)
		return 2;
	memset(buf, 0x5a, sizeof(buf));
	fd = helper_connect(argv[1]);
	if (fd < 0)
		return helper_fail("connect", argv[1]);
	t0 = helper_now();
	while (sent < bytes) {
		size_t k = (size_t)(bytes - sent) < sizeof(buf)
				   ? (size_t)(bytes - sent)
				   : sizeof(buf);

		if (helper_write_all(fd, buf, k) < 0)
			return helper_fail("send", argv[1]);
		sent += (long)k;
	}
	shutdown(fd, SHUT_WR);
	while (got < sizeof(ack) - 1 &&
	       (n = read(fd, ack + got, sizeof(ack) - 1 - got)) > 0)
		got += (size_t)n;
	t1 = helper_now();
	close(fd);
	sscanf(ack, "received=%ld", &acked);
	printf("send_bytes=%ld send_seconds=%.6f acked=%ld\n", sent, t1 - t0,
	       acked);
	return acked == sent ? 0 : 1;
}

/*
 * send-file ADDR FILE: FILE's bytes to ADDR in 64 KiB writes, then a
 * half close and a wait for the peer's close. Big writes let the guest's
 * TCP build GSO frames even when it is slow; busybox nc writes 1 KiB at
 * a time, and each then left alone, in one frame, on a loaded host.
 */
static int cmd_send_file(int argc, char **argv)
{
	static unsigned char buf[65536];
	ssize_t n;
	int in, fd;

	if (argc != 3)
		return 2;
	in = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return helper_fail("open", argv[2]);
	fd = helper_connect(argv[1]);
	if (fd < 0)
		return helper_fail("connect", argv[1]);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (helper_write_all(fd, buf, (size_t)n) < 0)
			return helper_fail("send", argv[1]);
	if (n < 0)
		return helper_fail("read", argv[2]);
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	close(in);
	return 0;
}

/* vsock-bench-recv LISTEN: one connection, read to its end, answer
 * "received=N"; the time is from accept to the end of the stream. */
static int cmd_bench_recv(int argc, char **argv)
{
	static unsigned char buf[65536];
	long total = 0;
	double t0, t1;
	char ack[64];
	ssize_t n;
	int lfd, fd;

	if (argc != 2)
		return 2;
	lfd = helper_listen(argv[1]);
	if (lfd < 0)
		return helper_fail("listen", argv[1]);
	printf("listening=%s\n", argv[1]);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return helper_fail("accept", argv[1]);
	t0 = helper_now();
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	t1 = helper_now();
	n = snprintf(ack, sizeof(ack), "received=%ld\n", total);
	helper_write_all(fd, ack, (size_t)n);
	close(fd);
	close(lfd);
	if (!strncmp(argv[1], "unix:", 5))
		unlink(argv[1] + 5);
	printf("recv_bytes=%ld recv_seconds=%.6f\n", total, t1 - t0);
	return 0;
}

/* vsock-bench-echo LISTEN: echoes one connection until its end. */
static int cmd_bench_echo(int argc, char **argv)
{
	static unsigned char buf[65536];
	ssize_t n;
	int lfd, fd;

	if (argc != 2)
		return 2;
	lfd = helper_listen(argv[1]);
	if (lfd < 0)
		return helper_fail("listen", argv[1]);
	printf("listening=%s\n", argv[1]);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return helper_fail("accept", argv[1]);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (helper_write_all(fd, buf, (size_t)n) < 0)
			break;
	close(fd);
	close(lfd);
	if (!strncmp(argv[1], "unix:", 5))
		unlink(argv[1] + 5);
	return n < 0 ? helper_fail("echo", argv[1]) : 0;
}

static int helper_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* vsock-pingpong ADDR COUNT SIZE: COUNT round trips of SIZE bytes to an
 * echo (after COUNT / 10 not counted, to warm up); prints the round
 * trip's median, 99th percentile and minimum in microseconds, and the
 * mean from the time of the whole loop. */
static int cmd_pingpong(int argc, char **argv)
{
	long count, size, warm;
	unsigned char buf[65536];
	double *rtt, sum = 0, start = 0;
	int fd;

	if (argc != 4 || helper_number(argv[2], &count) < 0 || count < 1 ||
	    helper_number(argv[3], &size) < 0 || size < 1 ||
	    size > (long)sizeof(buf))
		return 2;
	fd = helper_connect(argv[1]);
	if (fd < 0)
		return helper_fail("connect", argv[1]);
	rtt = calloc((size_t)count, sizeof(*rtt));
	if (!rtt)
		return helper_fail("alloc", NULL); /* exits: fd goes too */
	memset(buf, 0xa5, sizeof(buf));
	warm = count / 10;
	for (long i = -warm; i < count; i++) {
		double t0 = helper_now();
		long got = 0;

		if (i == 0)
			start = t0;

		if (helper_write_all(fd, buf, (size_t)size) < 0)
			return helper_fail("send", argv[1]);
		while (got < size) {
			ssize_t n = read(fd, buf + got, (size_t)(size - got));

			if (n <= 0)
				return helper_fail("receive", argv[1]);
			got += n;
		}
		if (i >= 0)
			rtt[i] = (helper_now() - t0) * 1e6;
	}
	/* the whole loop over count: right even with a coarse clock */
	sum = (helper_now() - start) * 1e6;
	close(fd);
	qsort(rtt, (size_t)count, sizeof(*rtt), helper_cmp_double);
	printf("pingpong_count=%ld size=%ld median_us=%.1f p99_us=%.1f "
	       "min_us=%.1f mean_us=%.1f\n",
	       count, size, rtt[count / 2], rtt[(count * 99) / 100], rtt[0],
	       sum / (double)count);
	free(rtt);
	return 0;
}

static int helper_run(int argc, char **argv);

/*
 * vsock-bench-agent LISTEN: runs guest-helper commands for a client, one
 * per connection: the client writes "COMMAND ARGS...\n" (words split at
 * spaces), the command's stdout and stderr go back on the connection,
 * which is closed when it ends; "quit" ends the agent. So the host can
 * drive a guest through a benchmark step by step.
 */
static int cmd_bench_agent(int argc, char **argv)
{
	int lfd;

	if (argc != 2)
		return 2;
	lfd = helper_listen(argv[1]);
	if (lfd < 0)
		return helper_fail("listen", argv[1]);
	printf("agent=%s\n", argv[1]);
	for (;;) {
		char line[512], *words[16], *save = NULL;
		size_t n = 0;
		int fd = accept(lfd, NULL, NULL), nw = 0, st;
		pid_t pid;

		if (fd < 0)
			return helper_fail("accept", argv[1]);
		while (n < sizeof(line) - 1 && read(fd, line + n, 1) == 1 &&
		       line[n] != '\n')
			n++;
		line[n] = '\0';
		for (char *w = strtok_r(line, " ", &save); w && nw < 15;
		     w = strtok_r(NULL, " ", &save))
			words[nw++] = w;
		words[nw] = NULL;
		if (nw == 1 && !strcmp(words[0], "quit")) {
			close(fd);
			close(lfd);
			return 0;
		}
		pid = nw ? fork() : -1;
		if (pid == 0) {
			close(lfd);
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
			st = helper_run(nw, words);
			fflush(stdout);
			_exit(st);
		}
		if (pid > 0)
			waitpid(pid, &st, 0);
		close(fd);
	}
}

/*
 * ---- hostile guest: the guest side of test_hostile_guest.sh. Each one
 * plays root in a pod attacking what lies beyond the guest, and prints
 * what it managed, so the test can tell "refused" from "got through".
 */

/* Seconds since start, for the commands that stop at a deadline. */
static double helper_elapsed(double start)
{
	return helper_now() - start;
}

/* Waits up to ms for a non-blocking connect; 0 connected, else errno. */
static int helper_connect_wait(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	socklen_t len = sizeof(int);
	int err = 0;

	if (poll(&p, 1, ms) <= 0)
		return ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

/*
 * vsock-flood CID PORT COUNT MODE: COUNT connections to CID:PORT, each
 * "close" (connect, wait for the answer, close), "abort" (connect and
 * close before any answer: half-open requests) or "hold" (all kept open
 * at once for 2 s, then closed). An answer is awaited 500 ms; the whole
 * flood stops after 6 s ("cut=1"). Prints the outcomes.
 */
static int cmd_vsock_flood(int argc, char **argv)
{
	long cid, port, count, ok = 0, refused = 0, timedout = 0, other = 0;
	int *held = NULL, nheld = 0, cut = 0, last_err = 0;
	double start = helper_now();
	const char *mode;

	if (argc != 5 || helper_number(argv[1], &cid) < 0 ||
	    helper_number(argv[2], &port) < 0 ||
	    helper_number(argv[3], &count) < 0 || count < 0)
		return 2;
	mode = argv[4];
	if (strcmp(mode, "close") && strcmp(mode, "abort") &&
	    strcmp(mode, "hold"))
		return 2;
	if (!strcmp(mode, "hold")) {
		struct rlimit rl = {(rlim_t)count + 64, (rlim_t)count + 64};

		setrlimit(RLIMIT_NOFILE, &rl); /* root may raise it */
		held = calloc((size_t)count, sizeof(*held));
		if (!held)
			return helper_fail("calloc", NULL);
	}
	for (long i = 0; i < count; i++) {
		struct sockaddr_vm sa = {.svm_family = AF_VSOCK,
					 .svm_cid = (unsigned int)cid,
					 .svm_port = (unsigned int)port};
		int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK, 0), e;

		if (helper_elapsed(start) > 6) {
			cut = 1;
			if (fd >= 0)
				close(fd);
			break;
		}
		if (fd < 0) {
			other++;
			last_err = errno;
			continue;
		}
		e = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? errno : 0;
		if (!strcmp(mode, "abort")) {
			close(fd); /* the request is out; the answer finds no one */
			ok++;
			continue;
		}
		if (e == EINPROGRESS)
			e = helper_connect_wait(fd, 500);
		if (!e)
			ok++;
		else if (e == ECONNREFUSED || e == ECONNRESET)
			refused++;
		else if (e == ETIMEDOUT)
			timedout++;
		else
			other++, last_err = e;
		if (held && !e)
			held[nheld++] = fd;
		else
			close(fd);
	}
	if (held) {
		helper_sleep_ms(2000);
		for (int i = 0; i < nheld; i++)
			close(held[i]);
		free(held);
	}
	printf("flood port=%ld mode=%s ok=%ld refused=%ld timeout=%ld "
	       "other=%ld last_error=%s cut=%d\n",
	       port, mode, ok, refused, timedout, other,
	       last_err ? strerror(last_err) : "none", cut);
	return 0;
}

/*
 * race-escape DIR OUTSIDE_NAME SECRET MS: for MS, a child swaps DIR/x
 * between symlinks to "/", to "../../../../../../../.." and to "real",
 * and renames DIR/real back and forth, while the parent opens
 * DIR/x/OUTSIDE_NAME, DIR/x/../OUTSIDE_NAME, DIR/../../OUTSIDE_NAME and
 * such. A file whose contents hold SECRET (only the host's file beyond
 * the share holds it) counts as an escape.
 */
static int cmd_race_escape(int argc, char **argv)
{
	static const char *const targets[] = {"/", "../../../../../../../..",
					      "real"};
	static const char *const paths[] = {
		"%s/x/%s",	 "%s/x/../%s",	     "%s/../%s",
		"%s/../../%s",	 "%s/real/../../%s", "%s/x/../../../%s",
		"%s/real2/../%s"};
	long ms, opens = 0, escaped = 0;
	char path[4096], tmp[4096], buf[256];
	pid_t child;
	double start;

	if (argc != 5 || helper_number(argv[4], &ms) < 0)
		return 2;
	snprintf(path, sizeof(path), "%s/real", argv[1]);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/real/%s", argv[1], argv[2]);
	cmd_write(3, (char *[]){"write", path, "inside", NULL}); /* decoy */
	start = helper_now();
	child = fork();
	if (child == 0) {
		char a[4096], b[4096];

		for (unsigned i = 0; helper_elapsed(start) * 1000 < ms; i++) {
			snprintf(tmp, sizeof(tmp), "%s/x.new", argv[1]);
			snprintf(path, sizeof(path), "%s/x", argv[1]);
			unlink(tmp);
			if (!symlink(targets[i % 3], tmp))
				rename(tmp, path);
			snprintf(a, sizeof(a), "%s/real", argv[1]);
			snprintf(b, sizeof(b), "%s/real2", argv[1]);
			if (rename(a, b))
				rename(b, a);
		}
		_exit(0);
	}
	while (helper_elapsed(start) * 1000 < ms) {
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			ssize_t n;
			int fd;

			snprintf(path, sizeof(path), paths[i], argv[1],
				 argv[2]);
			fd = open(path, O_RDONLY | O_NONBLOCK);
			opens++;
			if (fd < 0)
				continue;
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n > 0) {
				buf[n] = '\0';
				if (strstr(buf, argv[3])) {
					if (!escaped++) /* the first one */
						printf("escaped-through=%s\n",
						       path);
				}
			}
		}
	}
	waitpid(child, NULL, 0);
	printf("race opens=%ld escaped=%ld\n", opens, escaped);
	return escaped ? 1 : 0;
}

/* many-files DIR N: N empty files in DIR; stops at the first error. */
static int cmd_many_files(int argc, char **argv)
{
	char path[4096];
	long n, made = 0;
	int err = 0;

	if (argc != 3 || helper_number(argv[2], &n) < 0)
		return 2;
	for (; made < n; made++) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%06ld", argv[1], made);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0) {
			err = errno;
			break;
		}
		close(fd);
	}
	printf("many-files made=%ld error=%s\n", made,
	       err ? strerror(err) : "none");
	return 0;
}

/* fill FILE MB: writes up to MB MiB to FILE (1 MiB at a time, fsync at
 * the end), stopping at the first error: how much the host took. */
static int cmd_fill(int argc, char **argv)
{
	static char chunk[1 << 20];
	long mb, written = 0;
	int fd, err = 0;

	if (argc != 3 || helper_number(argv[2], &mb) < 0)
		return 2;
	memset(chunk, 0xa5, sizeof(chunk));
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return helper_fail("create", argv[1]);
	while (written < mb << 20) {
		ssize_t w = write(fd, chunk, sizeof(chunk));

		if (w <= 0) {
			err = w < 0 ? errno : ENOSPC;
			break;
		}
		written += w;
	}
	if (fsync(fd) < 0 && !err)
		err = errno;
	close(fd);
	printf("fill bytes=%ld error=%s\n", written,
	       err ? strerror(err) : "none");
	return 0;
}

/* xattr-flood FILE N SIZE: N user.* xattrs of SIZE bytes each. */
static int cmd_xattr_flood(int argc, char **argv)
{
	long n, size, ok = 0, failed = 0;
	char name[64], *value;
	int err = 0;

	if (argc != 4 || helper_number(argv[2], &n) < 0 ||
	    helper_number(argv[3], &size) < 0 || size < 0 || size > 65536)
		return 2;
	value = malloc((size_t)size + 1);
	if (!value)
		return helper_fail("malloc", NULL);
	memset(value, 'x', (size_t)size);
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "user.flood%ld", i);
		if (setxattr(argv[1], name, value, (size_t)size, 0) < 0)
			failed++, err = errno;
		else
			ok++;
	}
	free(value);
	printf("xattr-flood ok=%ld failed=%ld error=%s\n", ok, failed,
	       err ? strerror(err) : "none");
	return 0;
}

/*
 * devmem-probe: can root here reach device registers at all? Tries
 * /dev/mem (and a fresh node 1:1, in case the image lacks it), iopl(3)
 * and ioperm on the UART, i8042 and PCI config ports. If a port opens,
 * writes pseudo-random bytes to the UART's and the PCI config ports (not
 * 0x64: its 0xfe resets the machine, which is a clean stop, not a test).
 */
static int cmd_devmem_probe(int argc, char **argv)
{
	static const struct {
		const char *name;
		unsigned long from, num;
	} ports[] = {{"uart", 0x3f8, 8}, {"i8042", 0x60, 5}, {"pci", 0xcf8, 8}};
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	int fd, open_any = 0;

	(void)argc;
	(void)argv;
	fd = open("/dev/mem", O_RDWR);
	printf("dev-mem=%s\n", fd < 0 ? strerror(errno) : "open");
	open_any |= fd >= 0;
	if (fd >= 0)
		close(fd);
	unlink("/tmp/.hostile-mem");
	if (mknod("/tmp/.hostile-mem", S_IFCHR | 0600, makedev(1, 1)) < 0) {
		printf("mknod-mem=%s\n", strerror(errno));
	} else {
		fd = open("/tmp/.hostile-mem", O_RDWR);
		printf("mknod-mem=%s\n", fd < 0 ? strerror(errno) : "open");
		open_any |= fd >= 0;
		if (fd >= 0)
			close(fd);
		unlink("/tmp/.hostile-mem");
	}
	printf("iopl=%s\n", iopl(3) < 0 ? strerror(errno) : "granted");
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		if (ioperm(ports[i].from, ports[i].num, 1) < 0) {
			printf("ioperm-%s=%s\n", ports[i].name,
			       strerror(errno));
			continue;
		}
		printf("ioperm-%s=granted\n", ports[i].name);
		open_any = 1;
		if (ports[i].from == 0x60)
			continue;
		for (int k = 0; k < 4096; k++) {
			unsigned char b;

			helper_fill(&seed, &b, 1);
			outb(b,
			     (unsigned short)(ports[i].from +
					      (unsigned long)k % ports[i].num));
		}
	}
	printf("devmem-reachable=%d\n", open_any);
	return 0;
}

/*
 * forkbomb MS: every process forks as fast as it can until MS have
 * passed, then exits; the parent reaps what it can and reports. Bounded
 * by the deadline each process checks, so it ends when it gets the CPU.
 */
static int cmd_forkbomb(int argc, char **argv)
{
	long ms, forks = 0, fails = 0;
	double start = helper_now();
	pid_t top = getpid();

	if (argc != 2 || helper_number(argv[1], &ms) < 0)
		return 2;
	signal(SIGCHLD, SIG_IGN); /* nobody waits: the kernel reaps */
	while (helper_elapsed(start) * 1000 < ms) {
		pid_t p = fork();

		if (p < 0)
			fails++;
		else if (p > 0)
			forks++;
	}
	if (getpid() != top)
		_exit(0);
	helper_sleep_ms(500);
	printf("forkbomb forks=%ld failed=%ld\n", forks, fails);
	return 0;
}

/*
 * memhog MB MS: allocates MB MiB and writes every page of it, again and
 * again until MS have passed (once if MS is 0). More than the guest has
 * ends in its OOM killer; less keeps the guest's RAM hot for a benchmark.
 */
static int cmd_memhog(int argc, char **argv)
{
	long mb, ms, page = sysconf(_SC_PAGESIZE), rounds = 0;
	double start = helper_now();
	char *p;

	if (argc != 3 || helper_number(argv[1], &mb) < 0 ||
	    helper_number(argv[2], &ms) < 0)
		return 2;
	p = mmap(NULL, (size_t)mb << 20, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return helper_fail("mmap", argv[1]);
	do {
		for (long off = 0; off < mb << 20; off += page)
			p[off] = (char)(rounds + off);
		rounds++;
	} while (helper_elapsed(start) * 1000 < ms);
	printf("memhog mb=%ld rounds=%ld\n", mb, rounds);
	return 0;
}

/* spin N MS: N processes busy for MS each (all vCPUs, for N >= vCPUs). */
static int cmd_spin(int argc, char **argv)
{
	long n, ms;
	double start = helper_now();
	volatile unsigned long sink = 0;
	bool child = false;

	if (argc != 3 || helper_number(argv[1], &n) < 0 ||
	    helper_number(argv[2], &ms) < 0)
		return 2;
	for (long i = 1; i < n && !child; i++)
		child = fork() == 0;
	while (helper_elapsed(start) * 1000 < ms)
		for (int k = 0; k < 100000; k++)
			sink += (unsigned long)k;
	while (wait(NULL) > 0)
		;
	if (child)
		_exit(0);
	printf("spin procs=%ld done\n", n);
	return 0;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
} helper_commands[] = {
	{"true", NULL, "exit 0"},
	{"false", NULL, "exit 1"},
	{"exit", cmd_exit, "exit N: exit with status N"},
	{"kill-self", cmd_kill_self, "kill-self SIG: die by signal SIG"},
	{"echo", cmd_echo, "echo ARGS...: print ARGS on stdout"},
	{"echo-stderr", cmd_echo, "echo-stderr ARGS...: print on stderr"},
	{"cat", cmd_cat, "cat FILE: copy FILE to stdout"},
	{"write", cmd_write, "write FILE TEXT: write TEXT and a newline"},
	{"ls", cmd_ls, "ls DIR: one entry per line, unsorted"},
	{"env", cmd_env, "env: the environment"},
	{"ids", cmd_ids, "ids: pid, ppid, uids, gids, groups"},
	{"ctty", cmd_ctty, "ctty: session, group, controlling tty"},
	{"sleep", cmd_sleep, "sleep MS: sleep MS milliseconds"},
	{"orphan", cmd_orphan, "orphan MS: leave a child for PID 1 to reap"},
	{"caps", cmd_caps, "caps: capability sets, no_new_privs, seccomp"},
	{"vsock-echo", cmd_vsock_echo,
	 "vsock-echo PORT COUNT [DIE_AFTER]: echo COUNT vsock connections"},
	{"vsock-send", cmd_vsock_send,
	 "vsock-send CID PORT CONNS BYTES: concurrent checked echo exchanges"},
	{"vsock-bench-send", cmd_bench_send,
	 "vsock-bench-send ADDR BYTES: timed bulk send, acked by the receiver"},
	{"send-file", cmd_send_file,
	 "send-file ADDR FILE: FILE to ADDR (tcp:IP:PORT too), 64 KiB writes"},
	{"vsock-bench-recv", cmd_bench_recv,
	 "vsock-bench-recv LISTEN: timed bulk receive of one connection"},
	{"vsock-bench-echo", cmd_bench_echo,
	 "vsock-bench-echo LISTEN: echo one connection"},
	{"vsock-pingpong", cmd_pingpong,
	 "vsock-pingpong ADDR COUNT SIZE: round-trip times to an echo"},
	{"vsock-bench-agent", cmd_bench_agent,
	 "vsock-bench-agent LISTEN: run commands sent over connections"},
	{"xattr-set", cmd_xattr_set, "xattr-set FILE NAME VALUE"},
	{"xattr-get", cmd_xattr_get, "xattr-get FILE NAME: print the value"},
	{"xattr-list", cmd_xattr_list, "xattr-list FILE: one name per line"},
	{"xattr-remove", cmd_xattr_remove, "xattr-remove FILE NAME"},
	{"mmap-write", cmd_mmap_write,
	 "mmap-write FILE OFFSET TEXT: write through MAP_SHARED, msync"},
	{"vsock-flood", cmd_vsock_flood,
	 "vsock-flood CID PORT COUNT close|abort|hold: connection flood"},
	{"race-escape", cmd_race_escape,
	 "race-escape DIR NAME SECRET MS: symlink/rename races vs opens"},
	{"many-files", cmd_many_files, "many-files DIR N: N empty files"},
	{"fill", cmd_fill, "fill FILE MB: write up to MB MiB, to ENOSPC"},
	{"xattr-flood", cmd_xattr_flood,
	 "xattr-flood FILE N SIZE: N user.* xattrs of SIZE bytes"},
	{"devmem-probe", cmd_devmem_probe,
	 "devmem-probe: /dev/mem, iopl, ioperm; random port writes if open"},
	{"forkbomb", cmd_forkbomb, "forkbomb MS: fork without end for MS"},
	{"memhog", cmd_memhog, "memhog MB MS: touch MB MiB for MS (0: once)"},
	{"spin", cmd_spin, "spin N MS: N processes busy for MS"},
};

#define HELPER_COUNT (sizeof(helper_commands) / sizeof(helper_commands[0]))

/* Runs argv[0] (a command name) with its arguments. */
static int helper_run(int argc, char **argv)
{
	for (size_t i = 0; argc >= 1 && i < HELPER_COUNT; i++) {
		if (strcmp(argv[0], helper_commands[i].name))
			continue;
		if (!helper_commands[i].run)
			return strcmp(argv[0], "true") ? 1 : 0;
		return helper_commands[i].run(argc, argv);
	}
	fprintf(stderr, "usage: guest-helper COMMAND [ARGS...]\n");
	for (size_t i = 0; i < HELPER_COUNT; i++)
		fprintf(stderr, "  %s\n", helper_commands[i].usage);
	return 2;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	return helper_run(argc - 1, argv + 1);
}
