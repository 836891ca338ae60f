/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device event loop: one thread, apart from the vCPU threads, that
 * waits (epoll) on every device's file descriptors (ioeventfds for queue
 * notifications, later sockets and taps) and runs their handlers. Handlers
 * are added before the loop starts; the loop owns no fd it is given.
 *
 *	event_loop_create(&loop);
 *	event_loop_add(loop, fd, EPOLLIN, handler, opaque);
 *	event_loop_start(loop);
 *	...
 *	event_loop_stop(loop);	(joins the thread)
 *	event_loop_destroy(loop);
 */
#ifndef COCOON_VMM_EVENT_LOOP_H
#define COCOON_VMM_EVENT_LOOP_H

#include <stdint.h>

struct event_loop;

/* Called on the loop thread with the epoll events that fired. */
typedef void (*event_handler_fn)(void *opaque, uint32_t events);

/* Returns 0 or -errno (logged). */
int event_loop_create(struct event_loop **out);
/* Watches fd for events (EPOLLIN...). Only before event_loop_start(). */
int event_loop_add(struct event_loop *loop, int fd, uint32_t events,
		   event_handler_fn fn, void *opaque);
/* Starts the thread (with every signal blocked). Returns 0 or -errno. */
int event_loop_start(struct event_loop *loop);
/* Ends the thread and waits for it; safe when not started. */
void event_loop_stop(struct event_loop *loop);
/* Stops it if needed and frees it; loop may be NULL. */
void event_loop_destroy(struct event_loop *loop);

#endif
