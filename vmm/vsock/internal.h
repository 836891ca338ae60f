/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the virtio-vsock device: the connection table and the device
 * state shared by device.c (queues, packets, the stream state machine)
 * and host.c (Unix sockets, the CONNECT handshake, timers, life cycle).
 * All of it is used with the virtio-mmio device lock held.
 */
#ifndef COCOON_VMM_VSOCK_INTERNAL_H
#define COCOON_VMM_VSOCK_INTERNAL_H

#include "vmm/virtio/mmio.h"
#include "vmm/vsock/device.h"
#include "vmm/vsock/packet.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#define VSOCK_FEATURE_STREAM  (1ull << 0)
#define VSOCK_RST_RING	      64u
#define VSOCK_EVENT_BATCH     32
#define VSOCK_READS_PER_EVENT 16
#define VSOCK_TICK_MS	      250
/* epoll data for the two fds that are not connections */
#define VSOCK_TAG_LISTEN UINT64_MAX
#define VSOCK_TAG_TIMER	 (UINT64_MAX - 1)

/* Control packets a connection owes the guest (struct vsock_conn.ctl). */
#define CTL_REQUEST	   1u
#define CTL_RESPONSE	   2u
#define CTL_CREDIT_UPDATE  4u
#define CTL_CREDIT_REQUEST 8u
#define CTL_SHUTDOWN	   16u

enum vsock_conn_state {
	CONN_FREE,
	CONN_HANDSHAKE,	  /* host client accepted, reading CONNECT */
	CONN_CONNECTING,  /* REQUEST to the guest, waiting for RESPONSE */
	CONN_ESTABLISHED, /* bytes flow */
	CONN_CLOSING,	  /* we sent SHUTDOWN RCV|SEND, waiting for RST */
	CONN_DRAINING,	  /* the guest is gone; buffered bytes to the host */
};

struct vsock_conn {
	enum vsock_conn_state state;
	int fd;		 /* the host's Unix socket, -1 once closed */
	uint32_t gen;	 /* told apart from an earlier use of the slot */
	uint32_t events; /* epoll interest now registered */
	bool in_epoll;
	uint32_t local_port; /* host side */
	uint32_t peer_port;  /* guest side */
	bool guest_knows;    /* REQUEST or RESPONSE was sent */
	unsigned int ctl;    /* CTL_* owed */
	uint32_t shut_flags; /* what our SHUTDOWN says */
	bool in_ctl_fifo;    /* kept across reuse of the slot: see conn_free */
	bool in_blocked_fifo;
	bool rx_blocked; /* waiting for rx buffers */
	bool credit_requested;
	bool host_eof;	     /* read() gave 0 */
	bool host_hup;	     /* the host peer closed both ways */
	bool host_wr_shut;   /* we shut down the host socket's writes */
	bool guest_shut_rcv; /* the guest receives no more */
	bool guest_shut_send;
	/* the guest's receive side (§5.10.6.3) */
	uint32_t peer_buf_alloc;
	uint32_t peer_fwd_cnt;
	uint32_t tx_cnt; /* bytes we sent it */
	/* ours */
	uint32_t rx_cnt;       /* bytes it sent us */
	uint32_t fwd_cnt;      /* of those, written to the host socket */
	uint32_t fwd_cnt_sent; /* fwd_cnt as last told */
	uint8_t *buf;	       /* VSOCK_BUF_ALLOC bytes, when needed */
	uint32_t buf_head, buf_len;
	uint64_t deadline; /* CLOCK_MONOTONIC ms, 0: none */
	char line[VSOCK_CONNECT_LINE_MAX];
	uint32_t line_len;
};

struct vsock_rst {
	uint64_t src_cid;
	uint32_t src_port, dst_port;
};

struct vsock_device {
	struct virtio_mmio dev;
	uint64_t cid;
	uint8_t config[8]; /* le64 guest_cid (§5.10.4) */
	char path[VSOCK_PATH_MAX + 1];
	int epoll_fd;
	int listen_fd;
	int timer_fd;
	bool timer_armed;
	uint32_t next_local_port;
	struct vsock_conn *conns; /* VSOCK_CONN_MAX */
	unsigned int nconns;
	/* fifos of slot numbers, each slot at most once in each */
	uint32_t ctl_fifo[VSOCK_CONN_MAX];
	unsigned int ctl_head, ctl_count;
	uint32_t blocked_fifo[VSOCK_CONN_MAX];
	unsigned int blocked_head, blocked_count;
	struct vsock_rst rst_ring[VSOCK_RST_RING];
	unsigned int rst_head, rst_count;
	/* the rx chain in hand, popped but not yet filled */
	struct vq_chain *rx_chain;
	bool rx_held;
	bool rx_pushed;
	struct iovec slice[VQ_CHAIN_MAX];
};

extern const struct virtio_mmio_ops vsock_ops;

/* device.c, for host.c */
uint64_t vsock_now_ms(void); /* CLOCK_MONOTONIC, ms */
/* Gives c a deadline ms from now (0: none), checked by the timer. */
void vsock_deadline(struct vsock_device *vs, struct vsock_conn *c,
		    unsigned int ms);
/* A free slot for host socket fd (watched, no events yet), or NULL. */
struct vsock_conn *vsock_conn_new(struct vsock_device *vs, int fd);
/* Forgets c, closing its socket. */
void vsock_conn_free(struct vsock_device *vs, struct vsock_conn *c);
/* Forgets c; the guest gets a RST if it knew of c. */
void vsock_conn_reset(struct vsock_device *vs, struct vsock_conn *c);
/* Watches c's socket for what its state needs now. */
void vsock_update_interest(struct vsock_device *vs, struct vsock_conn *c);
/* Owes the guest the CTL_* packets in bits. */
void vsock_ctl(struct vsock_device *vs, struct vsock_conn *c,
	       unsigned int bits);
/* Host socket -> guest, as far as credit and rx buffers allow. */
void vsock_pump_read(struct vsock_device *vs, struct vsock_conn *c);
/* Buffered guest bytes -> host socket; -errno when the socket broke. */
int vsock_flush(struct vsock_device *vs, struct vsock_conn *c);
/* Queues a CREDIT_UPDATE when the guest should hear of freed room. */
void vsock_credit_maybe(struct vsock_device *vs, struct vsock_conn *c);
/* The host side sent its last byte (or vanished): SHUTDOWN to the guest. */
void vsock_host_shut(struct vsock_device *vs, struct vsock_conn *c);
/* After any event: sends what is owed and interrupts the guest. */
void vsock_settle(struct vsock_device *vs);

#endif
