// SPDX-License-Identifier: Apache-2.0
/* The split-virtqueue walker against fake guest memory: good chains,
 * indirect tables, EVENT_IDX, and every kind of malformed ring. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "common/log.h"
#include "vmm/guest_mem.h"
#include "vmm/virtio/queue.h"

#include <errno.h>
#include <linux/virtio_ring.h>
#include <stdlib.h>
#include <string.h>

#define QSIZE	 8
#define MEM_SIZE (1ull << 20)
#define DESC	 0x1000ull
#define AVAIL	 0x2000ull
#define USED	 0x3000ull
#define INDIRECT 0x4000ull
#define BUF	 0x10000ull

struct fixture {
	struct guest_mem mem;
	struct vq vq;
	struct vq_chain chain;
};

static struct vring_desc *desc_at(struct fixture *f, uint64_t table,
				  unsigned int i)
{
	return (struct vring_desc *)(f->mem.host + table) + i;
}

static struct vring_avail *avail(struct fixture *f)
{
	return (struct vring_avail *)(f->mem.host + AVAIL);
}

static struct vring_used *used(struct fixture *f)
{
	return (struct vring_used *)(f->mem.host + USED);
}

static void set_desc(struct fixture *f, uint64_t table, unsigned int i,
		     uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc *d = desc_at(f, table, i);

	d->addr = addr;
	d->len = len;
	d->flags = flags;
	d->next = next;
}

/* Makes head the next available chain. */
static void offer(struct fixture *f, uint16_t head)
{
	struct vring_avail *a = avail(f);

	a->ring[a->idx % QSIZE] = head;
	a->idx++;
}

static int setup_flags(void **state, bool event_idx, bool indirect)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(guest_mem_init(&f->mem, MEM_SIZE), 0);
	f->vq.name = "test queue";
	assert_int_equal(vq_setup(&f->vq, &f->mem, QSIZE, DESC, AVAIL, USED,
				  event_idx, indirect),
			 0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_flags(state, false, true);
}

static int setup_event_idx(void **state)
{
	return setup_flags(state, true, true);
}

static int setup_no_indirect(void **state)
{
	return setup_flags(state, false, false);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	guest_mem_free(&f->mem);
	free(f);
	return 0;
}

static void test_setup_refused(void **state)
{
	struct fixture *f = *state;
	struct vq vq = {.name = "bad"};

	/* not a power of 2, zero, too large */
	assert_int_equal(vq_setup(&vq, &f->mem, 6, DESC, AVAIL, USED, 0, 0),
			 -EINVAL);
	assert_int_equal(vq_setup(&vq, &f->mem, 0, DESC, AVAIL, USED, 0, 0),
			 -EINVAL);
	assert_int_equal(vq_setup(&vq, &f->mem, 512, DESC, AVAIL, USED, 0, 0),
			 -EINVAL);
	/* misaligned rings */
	assert_int_equal(
		vq_setup(&vq, &f->mem, QSIZE, DESC + 8, AVAIL, USED, 0, 0),
		-EINVAL);
	assert_int_equal(
		vq_setup(&vq, &f->mem, QSIZE, DESC, AVAIL + 1, USED, 0, 0),
		-EINVAL);
	assert_int_equal(
		vq_setup(&vq, &f->mem, QSIZE, DESC, AVAIL, USED + 2, 0, 0),
		-EINVAL);
	/* a ring that runs off the end of RAM, one in the MMIO hole */
	assert_int_equal(
		vq_setup(&vq, &f->mem, QSIZE, MEM_SIZE - 64, AVAIL, USED, 0, 0),
		-EINVAL);
	assert_int_equal(vq_setup(&vq, &f->mem, QSIZE, DESC, AVAIL,
				  GUEST_MMIO_HOLE_START, 0, 0),
			 -EINVAL);
	assert_int_equal(vq.size, 0);
	assert_int_equal(vq_pop(&vq, &f->chain), 0);
	assert_string_equal(vq.name, "bad");
}

static void test_good_chain(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(vq_pop(&f->vq, &f->chain), 0);
	set_desc(f, DESC, 3, BUF, 16, VRING_DESC_F_NEXT, 5);
	set_desc(f, DESC, 5, BUF + 0x100, 100, VRING_DESC_F_NEXT, 0);
	set_desc(f, DESC, 0, BUF + 0x1000, 4096, VRING_DESC_F_WRITE, 0);
	offer(f, 3);
	assert_int_equal(vq_pop(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.head, 3);
	assert_int_equal(f->chain.nread, 2);
	assert_int_equal(f->chain.nwrite, 1);
	assert_int_equal(f->chain.read_len, 116);
	assert_int_equal(f->chain.write_len, 4096);
	assert_ptr_equal(f->chain.iov[0].iov_base, f->mem.host + BUF);
	assert_int_equal(f->chain.iov[1].iov_len, 100);
	assert_ptr_equal(f->chain.iov[2].iov_base, f->mem.host + BUF + 0x1000);
	assert_int_equal(vq_chain_write(&f->chain, "hello", 5), 5);
	assert_memory_equal(f->mem.host + BUF + 0x1000, "hello", 5);
	assert_int_equal(vq_pop(&f->vq, &f->chain), 0);

	vq_push(&f->vq, 3, 5);
	assert_int_equal(used(f)->idx, 1);
	assert_int_equal(used(f)->ring[0].id, 3);
	assert_int_equal(used(f)->ring[0].len, 5);
	assert_true(vq_should_notify(&f->vq));
	/* nothing new pushed: no second interrupt */
	assert_false(vq_should_notify(&f->vq));

	/* a zero-length readable buffer and a lone writable one */
	set_desc(f, DESC, 1, BUF, 0, 0, 0);
	offer(f, 1);
	set_desc(f, DESC, 2, BUF, 8, VRING_DESC_F_WRITE, 0);
	offer(f, 2);
	assert_int_equal(vq_pop(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.nread, 1);
	assert_int_equal(f->chain.read_len, 0);
	assert_int_equal(vq_pop(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.nread, 0);
	assert_int_equal(f->chain.nwrite, 1);
	vq_push(&f->vq, 1, 0);
	vq_push(&f->vq, 2, 8);
	assert_int_equal(used(f)->idx, 3);
	/* the driver asked for no interrupts */
	avail(f)->flags = VRING_AVAIL_F_NO_INTERRUPT;
	assert_false(vq_should_notify(&f->vq));
}

static void test_ring_wraps(void **state)
{
	struct fixture *f = *state;

	/* 3 * QSIZE chains, past the 16-bit... well, past the ring's end */
	set_desc(f, DESC, 0, BUF, 8, VRING_DESC_F_WRITE, 0);
	for (int i = 0; i < 3 * QSIZE; i++) {
		offer(f, 0);
		assert_int_equal(vq_pop(&f->vq, &f->chain), 1);
		vq_push(&f->vq, 0, 8);
	}
	assert_int_equal(used(f)->idx, 3 * QSIZE);
	/* the full queue at once */
	for (int i = 0; i < QSIZE; i++)
		offer(f, 0);
	for (int i = 0; i < QSIZE; i++)
		assert_int_equal(vq_pop(&f->vq, &f->chain), 1);
	assert_int_equal(vq_pop(&f->vq, &f->chain), 0);
}

static void test_indirect(void **state)
{
	struct fixture *f = *state;

	set_desc(f, INDIRECT, 0, BUF, 10, VRING_DESC_F_NEXT, 2);
	set_desc(f, INDIRECT, 2, BUF + 0x100, 20, VRING_DESC_F_NEXT, 1);
	set_desc(f, INDIRECT, 1, BUF + 0x200, 30,
		 VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3);
	set_desc(f, INDIRECT, 3, BUF + 0x300, 40, VRING_DESC_F_WRITE, 0);
	set_desc(f, DESC, 4, INDIRECT, 4 * 16, VRING_DESC_F_INDIRECT, 0);
	offer(f, 4);
	assert_int_equal(vq_pop(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.head, 4);
	assert_int_equal(f->chain.nread, 2);
	assert_int_equal(f->chain.nwrite, 2);
	assert_int_equal(f->chain.read_len, 30);
	assert_int_equal(f->chain.write_len, 70);
	assert_ptr_equal(f->chain.iov[2].iov_base, f->mem.host + BUF + 0x200);

	/* a direct readable buffer, then an indirect table */
	set_desc(f, DESC, 6, BUF, 4, VRING_DESC_F_NEXT, 7);
	set_desc(f, DESC, 7, INDIRECT, 4 * 16, VRING_DESC_F_INDIRECT, 0);
	offer(f, 6);
	assert_int_equal(vq_pop(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.nread, 3);
	assert_int_equal(f->chain.nwrite, 2);
}

static void test_event_idx(void **state)
{
	struct fixture *f = *state;
	uint16_t *used_event = &avail(f)->ring[QSIZE];
	uint16_t *avail_event = (uint16_t *)&used(f)->ring[QSIZE];

	set_desc(f, DESC, 0, BUF, 8, VRING_DESC_F_WRITE, 0);
	offer(f, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &f->chain), 1);
	assert_int_equal(vq_pop(&f->vq, &f->chain), 1);
	/* found empty: asks to be told about entry 2 on */
	*avail_event = 0xffff;
	assert_int_equal(vq_pop(&f->vq, &f->chain), 0);
	assert_int_equal(*avail_event, 2);

	/* the first push always interrupts */
	*used_event = 0;
	vq_push(&f->vq, 0, 8);
	assert_true(vq_should_notify(&f->vq));
	/* the driver wants to hear only once used idx passes 3 */
	*used_event = 3;
	vq_push(&f->vq, 0, 8); /* idx 2 */
	assert_false(vq_should_notify(&f->vq));
	offer(f, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &f->chain), 1);
	assert_int_equal(vq_pop(&f->vq, &f->chain), 1);
	vq_push(&f->vq, 0, 8); /* idx 3 */
	vq_push(&f->vq, 0, 8); /* idx 4: crossed used_event + 1 */
	assert_true(vq_should_notify(&f->vq));
	/* NO_INTERRUPT means nothing with EVENT_IDX (§2.7.7) */
	avail(f)->flags = VRING_AVAIL_F_NO_INTERRUPT;
	*used_event = 4;
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &f->chain), 1);
	vq_push(&f->vq, 0, 8);
	assert_true(vq_should_notify(&f->vq));
}

/* One malformed-ring case: pop fails, and stays failed. */
static void expect_broken(struct fixture *f)
{
	assert_int_equal(vq_pop(&f->vq, &f->chain), -EPROTO);
	assert_true(f->vq.broken);
	assert_int_equal(vq_pop(&f->vq, &f->chain), -EPROTO);
	/* a broken queue pushes nothing */
	vq_push(&f->vq, 0, 1);
	assert_int_equal(used(f)->idx, 0);
}

static void test_bad_addr_outside_ram(void **state)
{
	struct fixture *f = *state;

	set_desc(f, DESC, 0, MEM_SIZE - 4, 8, 0, 0);
	offer(f, 0);
	expect_broken(f);
}

static void test_bad_addr_in_hole(void **state)
{
	struct fixture *f = *state;

	set_desc(f, DESC, 0, GUEST_MMIO_HOLE_START, 8, VRING_DESC_F_WRITE, 0);
	offer(f, 0);
	expect_broken(f);
}

static void test_bad_addr_len_overflow(void **state)
{
	struct fixture *f = *state;

	set_desc(f, DESC, 0, 0xffffffffffffff00ull, 0x200, 0, 0);
	offer(f, 0);
	expect_broken(f);
}

static void test_bad_loop(void **state)
{
	struct fixture *f = *state;

	set_desc(f, DESC, 0, BUF, 8, VRING_DESC_F_NEXT, 1);
	set_desc(f, DESC, 1, BUF, 8, VRING_DESC_F_NEXT, 0);
	offer(f, 0);
	expect_broken(f);
}

static void test_bad_self_loop(void **state)
{
	struct fixture *f = *state;

	set_desc(f, DESC, 2, BUF, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 2);
	offer(f, 2);
	expect_broken(f);
}

static void test_bad_indirect_loop(void **state)
{
	struct fixture *f = *state;

	set_desc(f, INDIRECT, 0, BUF, 8, VRING_DESC_F_NEXT, 1);
	set_desc(f, INDIRECT, 1, BUF, 8, VRING_DESC_F_NEXT, 0);
	set_desc(f, DESC, 0, INDIRECT, 2 * 16, VRING_DESC_F_INDIRECT, 0);
	offer(f, 0);
	expect_broken(f);
}

static void test_bad_too_long(void **state)
{
	struct fixture *f = *state;

	/* an indirect table of more than VQ_CHAIN_MAX entries */
	for (unsigned int i = 0; i <= VQ_CHAIN_MAX; i++)
		set_desc(f, INDIRECT, i, BUF, 1, VRING_DESC_F_NEXT,
			 (uint16_t)(i + 1));
	set_desc(f, DESC, 0, INDIRECT, (VQ_CHAIN_MAX + 1) * 16,
		 VRING_DESC_F_INDIRECT, 0);
	offer(f, 0);
	expect_broken(f);
}

static void test_bad_too_long_total(void **state)
{
	struct fixture *f = *state;

	/* QSIZE - 1 direct buffers, then a full indirect table: more than
	 * VQ_CHAIN_MAX buffers in all */
	for (unsigned int i = 0; i < QSIZE - 1; i++)
		set_desc(f, DESC, i, BUF, 1, VRING_DESC_F_NEXT,
			 (uint16_t)(i + 1));
	for (unsigned int i = 0; i < VQ_CHAIN_MAX; i++)
		set_desc(f, INDIRECT, i, BUF, 1,
			 i + 1 < VQ_CHAIN_MAX ? VRING_DESC_F_NEXT : 0,
			 (uint16_t)(i + 1));
	set_desc(f, DESC, QSIZE - 1, INDIRECT, VQ_CHAIN_MAX * 16,
		 VRING_DESC_F_INDIRECT, 0);
	offer(f, 0);
	expect_broken(f);
}

static void test_overlapping_buffers(void **state)
{
	struct fixture *f = *state;

	/* buffers may overlap: that is the guest's business */
	for (unsigned int i = 0; i < QSIZE; i++)
		set_desc(f, DESC, i, 0, MEM_SIZE,
			 VRING_DESC_F_WRITE |
				 (i + 1 < QSIZE ? VRING_DESC_F_NEXT : 0),
			 (uint16_t)(i + 1));
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &f->chain), 1);
	assert_int_equal(f->chain.write_len, 8 * MEM_SIZE);
}

static void test_bad_total_over_4g(void **state)
{
	struct fixture *f = *state;
	struct guest_mem big;
	struct vq vq = {.name = "big"};
	const uint64_t size = 16ull << 20;
	struct vring_desc *table;
	struct vring_avail *a;

	(void)f;
	/* 300 overlapping 16 MiB buffers: 4.7 GiB, more than a used length
	 * can say */
	assert_int_equal(guest_mem_init(&big, size), 0);
	assert_int_equal(
		vq_setup(&vq, &big, QSIZE, DESC, AVAIL, USED, false, true), 0);
	table = (struct vring_desc *)(big.host + INDIRECT);
	for (unsigned int i = 0; i < 300; i++)
		table[i] = (struct vring_desc){
			.addr = 0,
			.len = (uint32_t)size,
			.flags = VRING_DESC_F_WRITE |
				 (i + 1 < 300 ? VRING_DESC_F_NEXT : 0),
			.next = (uint16_t)(i + 1),
		};
	((struct vring_desc *)(big.host + DESC))[0] = (struct vring_desc){
		.addr = INDIRECT,
		.len = 300 * 16,
		.flags = VRING_DESC_F_INDIRECT,
	};
	a = (struct vring_avail *)(big.host + AVAIL);
	a->ring[0] = 0;
	a->idx = 1;
	assert_int_equal(vq_pop(&vq, &f->chain), -EPROTO);
	guest_mem_free(&big);
}

static void test_bad_nested_indirect(void **state)
{
	struct fixture *f = *state;

	set_desc(f, INDIRECT, 0, INDIRECT + 0x100, 16, VRING_DESC_F_INDIRECT,
		 0);
	set_desc(f, INDIRECT + 0x100, 0, BUF, 8, 0, 0);
	set_desc(f, DESC, 0, INDIRECT, 16, VRING_DESC_F_INDIRECT, 0);
	offer(f, 0);
	expect_broken(f);
}

static void test_bad_indirect_outside_ram(void **state)
{
	struct fixture *f = *state;

	set_desc(f, DESC, 0, MEM_SIZE - 16, 32, VRING_DESC_F_INDIRECT, 0);
	offer(f, 0);
	expect_broken(f);
}

static void test_bad_indirect_len(void **state)
{
	struct fixture *f = *state;

	set_desc(f, DESC, 0, INDIRECT, 24, VRING_DESC_F_INDIRECT, 0);
	offer(f, 0);
	expect_broken(f);
}

static void test_bad_indirect_empty(void **state)
{
	struct fixture *f = *state;

	set_desc(f, DESC, 0, INDIRECT, 0, VRING_DESC_F_INDIRECT, 0);
	offer(f, 0);
	expect_broken(f);
}

static void test_bad_indirect_next(void **state)
{
	struct fixture *f = *state;

	set_desc(f, INDIRECT, 0, BUF, 8, VRING_DESC_F_NEXT, 1);
	set_desc(f, DESC, 0, INDIRECT, 16, VRING_DESC_F_INDIRECT, 0);
	offer(f, 0);
	expect_broken(f);
}

static void test_bad_indirect_with_next(void **state)
{
	struct fixture *f = *state;

	set_desc(f, INDIRECT, 0, BUF, 8, 0, 0);
	set_desc(f, DESC, 0, INDIRECT, 16,
		 VRING_DESC_F_INDIRECT | VRING_DESC_F_NEXT, 1);
	set_desc(f, DESC, 1, BUF, 8, 0, 0);
	offer(f, 0);
	expect_broken(f);
}

static void test_bad_indirect_not_negotiated(void **state)
{
	struct fixture *f = *state;

	set_desc(f, INDIRECT, 0, BUF, 8, 0, 0);
	set_desc(f, DESC, 0, INDIRECT, 16, VRING_DESC_F_INDIRECT, 0);
	offer(f, 0);
	expect_broken(f);
}

static void test_bad_read_after_write(void **state)
{
	struct fixture *f = *state;

	set_desc(f, DESC, 0, BUF, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(f, DESC, 1, BUF, 8, 0, 0);
	offer(f, 0);
	expect_broken(f);
}

static void test_bad_read_after_write_indirect(void **state)
{
	struct fixture *f = *state;

	set_desc(f, INDIRECT, 0, BUF, 8, 0, 0);
	set_desc(f, DESC, 0, BUF, 8, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	set_desc(f, DESC, 1, INDIRECT, 16, VRING_DESC_F_INDIRECT, 0);
	offer(f, 0);
	expect_broken(f);
}

static void test_bad_avail_jump(void **state)
{
	struct fixture *f = *state;

	set_desc(f, DESC, 0, BUF, 8, 0, 0);
	avail(f)->idx = QSIZE + 1;
	expect_broken(f);
}

static void test_bad_avail_backwards(void **state)
{
	struct fixture *f = *state;

	/* idx "behind" us is a jump of almost 64 Ki entries */
	set_desc(f, DESC, 0, BUF, 8, 0, 0);
	offer(f, 0);
	assert_int_equal(vq_pop(&f->vq, &f->chain), 1);
	avail(f)->idx = 0;
	expect_broken(f);
}

static void test_bad_head(void **state)
{
	struct fixture *f = *state;

	offer(f, QSIZE);
	expect_broken(f);
}

static void test_bad_next(void **state)
{
	struct fixture *f = *state;

	set_desc(f, DESC, 0, BUF, 8, VRING_DESC_F_NEXT, QSIZE);
	offer(f, 0);
	expect_broken(f);
}

static void test_reset(void **state)
{
	struct fixture *f = *state;

	set_desc(f, DESC, 0, BUF, 8, VRING_DESC_F_NEXT, QSIZE);
	offer(f, 0);
	expect_broken(f);
	vq_reset(&f->vq);
	assert_false(f->vq.broken);
	assert_int_equal(vq_pop(&f->vq, &f->chain), 0);
	assert_string_equal(f->vq.name, "test queue");
	/* set up and broken again: still failed, but not logged again */
	assert_true(f->vq.logged);
	assert_int_equal(vq_setup(&f->vq, &f->mem, QSIZE, DESC, AVAIL, USED,
				  false, true),
			 0);
	assert_true(f->vq.logged);
	assert_int_equal(vq_pop(&f->vq, &f->chain), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_setup_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_good_chain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_ring_wraps, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_indirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_idx, setup_event_idx,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_addr_outside_ram,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_addr_in_hole, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_addr_len_overflow,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_self_loop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_indirect_loop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_too_long, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_too_long_total, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_overlapping_buffers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_total_over_4g, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_nested_indirect, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_indirect_outside_ram,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_indirect_len, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_indirect_empty, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_indirect_next, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_indirect_with_next,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_bad_indirect_not_negotiated, setup_no_indirect,
			teardown),
		cmocka_unit_test_setup_teardown(test_bad_read_after_write,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_bad_read_after_write_indirect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_avail_jump, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_avail_backwards, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_next, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	};

	log_init("test_vmm_virtq");
	log_set_level(LOG_SILENT);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
