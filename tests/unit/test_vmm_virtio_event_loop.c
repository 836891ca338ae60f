// SPDX-License-Identifier: Apache-2.0
/* The device event loop: handlers run on its own thread, stop joins it,
 * and nothing is left open. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/log.h"
#include "vmm/event_loop.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct counter {
	int fd;
	int calls;	  /* atomic */
	pthread_t thread; /* where the handler ran */
	bool bad;	  /* not EPOLLIN, or the read failed */
};

static void count_event(void *opaque, uint32_t events)
{
	struct counter *c = opaque;
	uint64_t v;

	/* No cmocka asserts here: this is not the test's thread. */
	if (!(events & EPOLLIN) || read(c->fd, &v, sizeof(v)) != sizeof(v))
		c->bad = true;
	c->thread = pthread_self();
	__atomic_fetch_add(&c->calls, 1, __ATOMIC_SEQ_CST);
}

static void wait_calls(struct counter *c, int n)
{
	for (int i = 0; i < 5000; i++) {
		if (__atomic_load_n(&c->calls, __ATOMIC_SEQ_CST) >= n)
			return;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	fail_msg("handler ran %d times, want %d", c->calls, n);
}

static void kick(struct counter *c)
{
	uint64_t one = 1;

	assert_int_equal(write(c->fd, &one, sizeof(one)), sizeof(one));
}

static void test_handlers_run_on_loop_thread(void **state)
{
	struct event_loop *loop;
	struct counter a = {0}, b = {0};

	(void)state;
	a.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	b.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(a.fd >= 0 && b.fd >= 0);
	assert_int_equal(event_loop_create(&loop), 0);
	assert_int_equal(event_loop_add(loop, a.fd, EPOLLIN, count_event, &a),
			 0);
	assert_int_equal(event_loop_add(loop, b.fd, EPOLLIN, count_event, &b),
			 0);
	/* a bad fd is refused */
	assert_int_equal(event_loop_add(loop, -1, EPOLLIN, count_event, &a),
			 -EBADF);
	assert_int_equal(event_loop_start(loop), 0);
	/* handlers are fixed once it runs */
	assert_int_equal(event_loop_add(loop, a.fd, EPOLLIN, count_event, &a),
			 -EBUSY);
	kick(&a);
	wait_calls(&a, 1);
	kick(&b);
	kick(&a);
	wait_calls(&b, 1);
	wait_calls(&a, 2);
	assert_false(pthread_equal(a.thread, pthread_self()));
	assert_false(a.bad || b.bad);
	event_loop_stop(loop);
	/* stopped: nothing more runs */
	kick(&a);
	nanosleep(&(struct timespec){0, 20000000}, NULL);
	assert_int_equal(__atomic_load_n(&a.calls, __ATOMIC_SEQ_CST), 2);
	/* and it can start again */
	assert_int_equal(event_loop_start(loop), 0);
	wait_calls(&a, 3);
	event_loop_destroy(loop);
	close(a.fd);
	close(b.fd);
}

static void test_stop_without_start(void **state)
{
	struct event_loop *loop;

	(void)state;
	assert_int_equal(event_loop_create(&loop), 0);
	event_loop_stop(loop);
	event_loop_destroy(loop);
	event_loop_destroy(NULL);
	event_loop_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handlers_run_on_loop_thread),
		cmocka_unit_test(test_stop_without_start),
	};

	log_init("test_vmm_virtio_event_loop");
	log_set_level(LOG_SILENT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
