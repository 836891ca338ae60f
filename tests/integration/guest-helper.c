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
#include <linux/vm_sockets.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
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

			if (fd < 0 ||
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
};

#define HELPER_COUNT (sizeof(helper_commands) / sizeof(helper_commands[0]))

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2) {
		for (size_t i = 0; i < HELPER_COUNT; i++) {
			if (strcmp(argv[1], helper_commands[i].name))
				continue;
			if (!helper_commands[i].run)
				return strcmp(argv[1], "true") ? 1 : 0;
			return helper_commands[i].run(argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "usage: guest-helper COMMAND [ARGS...]\n");
	for (size_t i = 0; i < HELPER_COUNT; i++)
		fprintf(stderr, "  %s\n", helper_commands[i].usage);
	return 2;
}
