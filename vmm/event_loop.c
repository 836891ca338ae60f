// SPDX-License-Identifier: Apache-2.0
#include "vmm/event_loop.h"

#include "common/log.h"
#include "vmm/sandbox.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define EVENT_LOOP_BATCH 16

struct event_source {
	struct event_source *next;
	event_handler_fn fn;
	void *opaque;
};

struct event_loop {
	int epoll_fd;
	int stop_fd; /* eventfd: written once to end the thread */
	struct event_source *sources;
	pthread_t thread;
	bool running;
};

int event_loop_create(struct event_loop **out)
{
	struct event_loop *loop = calloc(1, sizeof(*loop));
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
	int e;

	*out = NULL;
	if (!loop) {
		log_error("event loop: out of memory");
		return -ENOMEM;
	}
	loop->stop_fd = -1;
	loop->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epoll_fd < 0)
		goto fail;
	loop->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (loop->stop_fd < 0)
		goto fail;
	/* data.ptr NULL marks the stop fd. */
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, loop->stop_fd, &ev) < 0)
		goto fail;
	*out = loop;
	return 0;

fail:
	e = errno;
	log_error("event loop: %s", strerror(e));
	event_loop_destroy(loop);
	return -e;
}

int event_loop_add(struct event_loop *loop, int fd, uint32_t events,
		   event_handler_fn fn, void *opaque)
{
	struct event_source *src;
	struct epoll_event ev;

	if (loop->running)
		return -EBUSY;
	src = calloc(1, sizeof(*src));
	if (!src) {
		log_error("event loop: out of memory");
		return -ENOMEM;
	}
	src->fn = fn;
	src->opaque = opaque;
	ev.events = events;
	ev.data.ptr = src;
	if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;

		log_error("event loop: watch fd %d: %s", fd, strerror(e));
		free(src);
		return -e;
	}
	src->next = loop->sources;
	loop->sources = src;
	return 0;
}

static void *event_loop_thread(void *arg)
{
	struct event_loop *loop = arg;
	struct epoll_event evs[EVENT_LOOP_BATCH];

	/* Confined before it serves anything the guest or host sends. */
	sandbox_thread_enter(SANDBOX_THREAD_DEVICE);
	for (;;) {
		int n = epoll_wait(loop->epoll_fd, evs, EVENT_LOOP_BATCH, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("event loop: epoll_wait: %s",
				  strerror(errno));
			return NULL;
		}
		for (int i = 0; i < n; i++) {
			struct event_source *src = evs[i].data.ptr;

			if (!src)
				return NULL;
			src->fn(src->opaque, evs[i].events);
		}
	}
}

int event_loop_start(struct event_loop *loop)
{
	sigset_t all, old;
	int r;

	if (loop->running)
		return -EBUSY;
	/* Signals are for the vCPU threads and main(), not for us. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&loop->thread, NULL, event_loop_thread, loop);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		log_error("event loop: pthread_create: %s", strerror(r));
		return -r;
	}
	loop->running = true;
	return 0;
}

void event_loop_stop(struct event_loop *loop)
{
	uint64_t one = 1;

	if (!loop || !loop->running)
		return;
	if (write(loop->stop_fd, &one, sizeof(one)) != sizeof(one))
		log_error("event loop: stop: %s", strerror(errno));
	pthread_join(loop->thread, NULL);
	loop->running = false;
	/* Drain the counter so a later start runs again. */
	if (read(loop->stop_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_error("event loop: stop: %s", strerror(errno));
}

void event_loop_destroy(struct event_loop *loop)
{
	if (!loop)
		return;
	event_loop_stop(loop);
	while (loop->sources) {
		struct event_source *next = loop->sources->next;

		free(loop->sources);
		loop->sources = next;
	}
	if (loop->stop_fd >= 0)
		close(loop->stop_fd);
	if (loop->epoll_fd >= 0)
		close(loop->epoll_fd);
	free(loop);
}
