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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
