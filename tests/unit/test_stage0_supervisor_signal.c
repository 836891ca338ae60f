// SPDX-License-Identifier: Apache-2.0
/*
 * supervisor_signal(): the request `cocoon-runtime kill` sends a pod's
 * supervisor is SIGRTMIN queued with the signal number as its value, which
 * a supervisor reading a signalfd sees with SI_QUEUE and the sender's uid;
 * bad pids and signal numbers are refused before anything is sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "stage0/supervisor.h"

#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void test_queued_to_self(void **state)
{
	struct signalfd_siginfo si;
	sigset_t set, old;
	int fd;

	(void)state;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	assert_int_equal(sigprocmask(SIG_BLOCK, &set, &old), 0);
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	assert_true(fd >= 0);
	assert_int_equal(supervisor_signal(getpid(), SIGUSR1), 0);
	assert_int_equal(read(fd, &si, sizeof(si)), (ssize_t)sizeof(si));
	assert_int_equal((int)si.ssi_signo, SIGRTMIN);
	assert_int_equal(si.ssi_code, SI_QUEUE);
	assert_int_equal(si.ssi_int, SIGUSR1);
	assert_int_equal(si.ssi_pid, (uint32_t)getpid());
	assert_int_equal(si.ssi_uid, (uint32_t)getuid());
	/* one request, one signal */
	assert_int_equal(read(fd, &si, sizeof(si)), -1);
	assert_int_equal(errno, EAGAIN);
	close(fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void test_refused(void **state)
{
	(void)state;
	assert_int_equal(supervisor_signal(0, SIGTERM), -EINVAL);
	assert_int_equal(supervisor_signal(-1, SIGTERM), -EINVAL);
	assert_int_equal(supervisor_signal(getpid(), 0), -EINVAL);
	assert_int_equal(supervisor_signal(getpid(), SIGRTMAX + 1), -EINVAL);
	/* pid_max is at most 2^22: nobody has this one */
	assert_int_equal(supervisor_signal(1 << 23, SIGTERM), -ESRCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queued_to_self),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
