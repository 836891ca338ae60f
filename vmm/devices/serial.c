// SPDX-License-Identifier: Apache-2.0
/*
 * COM1: an 8250/16550A UART at 0x3f8, IRQ 4, transmit only. Bytes the
 * guest writes are taken at once, so the transmitter is always empty; the
 * THRE interrupt is raised as a 16550A would (on enabling it and after
 * each write) so Linux's interrupt-driven tty output works, and the
 * registers answer Linux's 8250 probe (scratch, IER, loopback MSR, FIFO
 * bits in IIR). Register map: PC16550D datasheet, table II.
 *
 * Output is line-buffered: a write(2) per byte cost a syscall and, in a
 * pod, a wakeup of the supervisor reading the console pipe for every
 * byte the guest printed. A line goes out at its newline, when the buffer
 * fills, or SERIAL_FLUSH_MS after its first byte (a timer on the device
 * thread), so a prompt without a newline still shows; what is buffered
 * at the VM's end is written then.
 */
#include "common/log.h"
#include "vmm/device.h"
#include "vmm/event_loop.h"
#include "vmm/vm.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define SERIAL_BASE 0x3f8
/* A partial line waits at most this long in the buffer. */
#define SERIAL_FLUSH_MS 20
#define SERIAL_IRQ	4

#define UART_RX	 0 /* read, DLAB=0 */
#define UART_TX	 0 /* write, DLAB=0 */
#define UART_DLL 0 /* DLAB=1 */
#define UART_IER 1 /* DLAB=0 */
#define UART_DLM 1 /* DLAB=1 */
#define UART_IIR 2 /* read */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define UART_IER_RDI	0x01
#define UART_IER_THRI	0x02
#define UART_IIR_NO_INT 0x01
#define UART_IIR_THRI	0x02
#define UART_IIR_FIFO	0xc0
#define UART_FCR_ENABLE 0x01
#define UART_LCR_DLAB	0x80
#define UART_MCR_DTR	0x01
#define UART_MCR_RTS	0x02
#define UART_MCR_OUT1	0x04
#define UART_MCR_OUT2	0x08
#define UART_MCR_LOOP	0x10
#define UART_LSR_THRE	0x20
#define UART_LSR_TEMT	0x40
#define UART_MSR_CTS	0x10
#define UART_MSR_DSR	0x20
#define UART_MSR_RI	0x40
#define UART_MSR_DCD	0x80

struct serial {
	struct vm *vm;
	pthread_mutex_t lock;
	int out_fd;
	bool out_failed;
	char out[256]; /* the line being buffered */
	size_t out_len;
	int timer_fd; /* flushes a partial line; -1: none */
	bool timer_armed;
	bool thri_pending; /* transmitter empty, not yet acknowledged */
	int irq_level;
	uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
};

static void serial_update_irq(struct serial *s)
{
	int level = (s->ier & UART_IER_THRI) && s->thri_pending;

	if (level == s->irq_level)
		return;
	s->irq_level = level;
	vm_irq_line(s->vm, SERIAL_IRQ, level);
}

/* Writes out what is buffered. Called with the lock held. */
static void serial_flush(struct serial *s)
{
	size_t done = 0;

	while (done < s->out_len && !s->out_failed) {
		ssize_t n = write(s->out_fd, s->out + done, s->out_len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* Keep the guest running without its console, say
			 * it once. */
			log_warn("serial console: write: %s; dropping output",
				 strerror(errno));
			s->out_failed = true;
			break;
		}
		done += (size_t)n;
	}
	s->out_len = 0;
}

static void serial_output(struct serial *s, uint8_t c)
{
	if (s->out_failed)
		return;
	s->out[s->out_len++] = (char)c;
	if (c == '\n' || s->out_len == sizeof(s->out) || s->timer_fd < 0) {
		serial_flush(s);
		return;
	}
	if (!s->timer_armed) {
		const struct itimerspec once = {
			.it_value.tv_nsec = SERIAL_FLUSH_MS * 1000000L,
		};

		if (timerfd_settime(s->timer_fd, 0, &once, NULL) == 0)
			s->timer_armed = true;
		else
			serial_flush(s);
	}
}

/* The device thread: a partial line has waited long enough. */
static void serial_timer(void *opaque, uint32_t events)
{
	struct serial *s = opaque;
	uint64_t ticks;

	(void)events;
	if (read(s->timer_fd, &ticks, sizeof(ticks)) < 0)
		return;
	pthread_mutex_lock(&s->lock);
	s->timer_armed = false;
	serial_flush(s);
	pthread_mutex_unlock(&s->lock);
}

static uint8_t serial_msr(const struct serial *s)
{
	uint8_t msr = 0;

	if (!(s->mcr & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	/* Loopback: the modem inputs follow the modem outputs. */
	if (s->mcr & UART_MCR_DTR)
		msr |= UART_MSR_DSR;
	if (s->mcr & UART_MCR_RTS)
		msr |= UART_MSR_CTS;
	if (s->mcr & UART_MCR_OUT1)
		msr |= UART_MSR_RI;
	if (s->mcr & UART_MCR_OUT2)
		msr |= UART_MSR_DCD;
	return msr;
}

static uint8_t serial_read_reg(struct serial *s, unsigned int reg)
{
	bool dlab = s->lcr & UART_LCR_DLAB;
	uint8_t v = 0;

	switch (reg) {
	case UART_RX:
		v = dlab ? s->dll : 0; /* no input: nothing received */
		break;
	case UART_IER:
		v = dlab ? s->dlm : s->ier;
		break;
	case UART_IIR:
		v = UART_IIR_NO_INT;
		if ((s->ier & UART_IER_THRI) && s->thri_pending) {
			v = UART_IIR_THRI;
			/* Reading IIR acknowledges THRE (16550D §8.6.3). */
			s->thri_pending = false;
		}
		if (s->fcr & UART_FCR_ENABLE)
			v |= UART_IIR_FIFO;
		break;
	case UART_LCR:
		v = s->lcr;
		break;
	case UART_MCR:
		v = s->mcr;
		break;
	case UART_LSR:
		v = UART_LSR_THRE | UART_LSR_TEMT;
		break;
	case UART_MSR:
		v = serial_msr(s);
		break;
	case UART_SCR:
		v = s->scr;
		break;
	}
	return v;
}

static void serial_write_reg(struct serial *s, unsigned int reg, uint8_t v)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (reg) {
	case UART_TX:
		if (dlab) {
			s->dll = v;
			break;
		}
		/* In loopback the byte goes to the (absent) receiver. */
		if (!(s->mcr & UART_MCR_LOOP))
			serial_output(s, v);
		s->thri_pending = true; /* sent at once: THR empty again */
		break;
	case UART_IER:
		if (dlab) {
			s->dlm = v;
			break;
		}
		/* Enabling THRE while THR is empty raises it at once. */
		if ((v & UART_IER_THRI) && !(s->ier & UART_IER_THRI))
			s->thri_pending = true;
		s->ier = v & 0x0f;
		break;
	case UART_FCR:
		s->fcr = v & (UART_FCR_ENABLE | 0xc0);
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		s->mcr = v & 0x1f;
		break;
	case UART_LSR:
	case UART_MSR:
		break; /* read-only */
	case UART_SCR:
		s->scr = v;
		break;
	}
}

static void serial_read(void *opaque, uint64_t offset, uint8_t *data,
			uint32_t size)
{
	struct serial *s = opaque;

	memset(data, 0, size);
	pthread_mutex_lock(&s->lock);
	/* guest: offset < 8 (range length); wider reads see one register */
	data[0] = serial_read_reg(s, (unsigned int)offset);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void serial_write(void *opaque, uint64_t offset, const uint8_t *data,
			 uint32_t size)
{
	struct serial *s = opaque;

	(void)size;
	pthread_mutex_lock(&s->lock);
	serial_write_reg(s, (unsigned int)offset, data[0]);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static const struct io_ops serial_ops = {
	.read = serial_read,
	.write = serial_write,
};

static int serial_create(struct vm *vm, void **state)
{
	struct serial *s = calloc(1, sizeof(*s));
	int r;

	if (!s) {
		log_error("serial: out of memory");
		return -ENOMEM;
	}
	s->vm = vm;
	s->out_fd = vm->cfg.console_fd;
	s->out_failed = s->out_fd < 0;
	s->timer_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	if (!s->out_failed) {
		s->timer_fd = timerfd_create(CLOCK_MONOTONIC,
					     TFD_NONBLOCK | TFD_CLOEXEC);
		r = s->timer_fd < 0 ? -errno
				    : event_loop_add(vm->loop, s->timer_fd,
						     EPOLLIN, serial_timer, s);
		if (r < 0) {
			log_error("serial: flush timer: %s", strerror(-r));
			goto fail;
		}
	}
	r = vm_io_register(vm, VM_IO_PIO, SERIAL_BASE, 8, "serial", &serial_ops,
			   s);
	if (r < 0)
		goto fail;
	*state = s;
	return 0;
fail:
	if (s->timer_fd >= 0)
		close(s->timer_fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
	return r;
}

/* After the device thread and the vCPUs stopped: the last partial line. */
static void serial_destroy(void *state)
{
	struct serial *s = state;

	serial_flush(s);
	if (s->timer_fd >= 0)
		close(s->timer_fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static const struct vm_device_type serial_device = {
	.name = "serial",
	.create = serial_create,
	.destroy = serial_destroy,
};
VM_DEVICE_REGISTER(serial_device);
