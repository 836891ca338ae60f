// SPDX-License-Identifier: Apache-2.0
#include "guest/exec.h"
#include "guest/console.h"
#include "common/log.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void exec_child(char *const argv[], bool controlling_tty)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Without a controlling tty the program still runs, on our stdio. */
	if (controlling_tty)
		console_make_controlling();
	execvp(argv[0], argv);
	log_error("exec %s: %s", argv[0], strerror(errno));
	/* 127 like a shell's "command not found"; 126 for other failures. */
	_exit(errno == ENOENT ? 127 : 126);
}

int exec_run(char *const argv[], bool controlling_tty)
{
	pid_t child, pid;
	int status, ret;

	child = fork();
	if (child < 0) {
		ret = -errno;
		log_error("fork for %s: %s", argv[0], strerror(-ret));
		return ret;
	}
	if (child == 0)
		exec_child(argv, controlling_tty);
	for (;;) {
		pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			log_error("wait for %s: %s", argv[0], strerror(-ret));
			return ret;
		}
		/* Any other pid is an orphan we just reaped. */
		if (pid == child)
			return status;
	}
}

void exec_reap_zombies(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

const char *exec_describe_status(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, size, "ended with wait status 0x%x", status);
	return buf;
}
