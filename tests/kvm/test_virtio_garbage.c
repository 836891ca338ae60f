// SPDX-License-Identifier: Apache-2.0
/*
 * A hostile driver: guest code sets up queue 0 of a virtio-rng and then of
 * a virtio-9p device, and for 500 rounds each fills the descriptor table
 * and the avail ring with pseudo-random bytes (xorshift32, fixed seed),
 * half the time shaped to get past the first checks (addresses in guest
 * RAM, chains within the queue, plausible 9P headers), sometimes with a
 * random queue geometry or a random QueueNotify value, sometimes
 * rewriting the table while the device reads it; it notifies, waits, and
 * resets the device (which must then read Status 0 and QueueReady 0).
 * Then one valid request must be served: 16 random bytes from the rng, an
 * Rversion from the 9p server. The VMM must stay up, log a bounded number
 * of lines, and leave no fd or thread behind.
 */
#include "kvm_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/virtio_ring.h>

#define ROUNDS 500

#define REQ_BUF	  0x5000 /* the final request (9p: Tversion) */
#define REPLY_BUF 0x6000
#define TEMPLATE  0x7000 /* the final request's two descriptors */
#define REPLY_LEN 64

/* Garbage buffers live at 1 MiB + (random & 0xfff0), away from the rings,
 * the code at 0x10000 and the stack below it; 64 KiB of it starts random. */
GUEST_CODE(guest_garbage, 32,
	   "mov $0xd0000000, %ebx\n"
	   "mov $0x2545f491, %esi\n" /* xorshift32 seed */
	   "mov $0x100000, %edi\n"
	   "1: call .Lg_rand\n"
	   "stosl\n"
	   "cmp $0x110000, %edi\n"
	   "jb 1b\n"
	   ".Lg_round:\n"
	   "xor %eax, %eax\n"
	   "mov $0x2000, %edi\n"
	   "mov $16, %ecx\n"
	   "rep stosl\n"
	   "mov $0x3000, %edi\n"
	   "mov $32, %ecx\n"
	   "rep stosl\n"
	   "call .Lg_setup\n"
	   /* 1 round in 8: a random queue geometry (size, ring addresses) */
	   "call .Lg_rand\n"
	   "test $7, %al\n"
	   "jnz 1f\n"
	   "movl $0, 0x44(%ebx)\n"
	   "call .Lg_rand\n"
	   "mov %eax, 0x38(%ebx)\n"
	   "call .Lg_rand\n"
	   "mov %eax, 0x80(%ebx)\n"
	   "call .Lg_rand\n"
	   "mov %eax, 0x84(%ebx)\n"
	   "call .Lg_rand\n"
	   "mov %eax, 0x90(%ebx)\n"
	   "call .Lg_rand\n"
	   "mov %eax, 0x94(%ebx)\n"
	   "call .Lg_rand\n"
	   "mov %eax, 0xa0(%ebx)\n"
	   "call .Lg_rand\n"
	   "or $1, %eax\n" /* used ring never in our RAM */
	   "mov %eax, 0xa4(%ebx)\n"
	   "movl $1, 0x44(%ebx)\n"
	   "1: call .Lg_rand\n"
	   "mov %eax, %ebp\n" /* this round's choices */
	   "mov $0x1000, %edi\n"
	   "mov $32, %ecx\n"
	   "2: call .Lg_rand\n"
	   "stosl\n"
	   "loop 2b\n"
	   "test $1, %ebp\n"
	   "jz 3f\n"
	   /* shaped: buffers in RAM, short, flags NEXT/WRITE/INDIRECT */
	   "mov $0x1000, %edi\n"
	   "mov $8, %ecx\n"
	   "4: andl $0xfff0, (%edi)\n"
	   "orl $0x100000, (%edi)\n"
	   "movl $0, 4(%edi)\n"
	   "andl $0x3ff, 8(%edi)\n"
	   "andw $7, 12(%edi)\n"
	   "test $2, %ebp\n"
	   "jz 5f\n"
	   "andw $7, 14(%edi)\n"
	   "5: add $16, %edi\n"
	   "loop 4b\n"
	   /* a plausible 9P header in the first buffer: size, random type */
	   "test $8, %ebp\n"
	   "jz 3f\n"
	   "mov 0x1000, %edi\n"
	   "mov 0x1008, %eax\n"
	   "mov %eax, (%edi)\n"
	   "call .Lg_rand\n"
	   "mov %al, 4(%edi)\n"
	   "3: mov $0x2000, %edi\n"
	   "mov $6, %ecx\n"
	   "6: call .Lg_rand\n"
	   "stosl\n"
	   "loop 6b\n"
	   "test $1, %ebp\n"
	   "jz 7f\n"
	   /* shaped: 1..8 requests ahead */
	   "movzwl 0x2002, %eax\n"
	   "and $7, %eax\n"
	   "inc %eax\n"
	   "mov %ax, 0x2002\n"
	   "test $4, %ebp\n"
	   "jz 7f\n"
	   "mov $0x2004, %edi\n"
	   "mov $8, %ecx\n"
	   "8: andw $7, (%edi)\n"
	   "add $2, %edi\n"
	   "loop 8b\n"
	   "7: movl $0, 0x50(%ebx)\n" /* QueueNotify 0 */
	   /* rewrite the table while the device may be reading it */
	   "test $16, %ebp\n"
	   "jz 11f\n"
	   "mov $0x1000, %edi\n"
	   "mov $32, %ecx\n"
	   "12: call .Lg_rand\n"
	   "stosl\n"
	   "loop 12b\n"
	   "movl $0, 0x50(%ebx)\n"
	   "11: test $32, %ebp\n"
	   "jz 13f\n"
	   "call .Lg_rand\n"
	   "mov %eax, 0x50(%ebx)\n" /* QueueNotify of a random queue */
	   "13: mov $300, %ecx\n"
	   "14: testl $0x40, 0x70(%ebx)\n" /* DEVICE_NEEDS_RESET */
	   "jnz 15f\n"
	   "pause\n"
	   "loop 14b\n"
	   "15: mov 0x60(%ebx), %eax\n"
	   "mov %eax, 0x64(%ebx)\n" /* InterruptACK */
	   "testl $0x40, 0x70(%ebx)\n"
	   "jz 16f\n"
	   "incl 0x8000\n"
	   "16: cmpw $0, 0x3002\n"
	   "je 17f\n"
	   "incl 0x8004\n"
	   "17: movl $0, 0x70(%ebx)\n" /* reset */
	   "cmpl $0, 0x70(%ebx)\n"
	   "je 18f\n"
	   "incl 0x8008\n"
	   "18: movl $0, 0x30(%ebx)\n"
	   "cmpl $0, 0x44(%ebx)\n"
	   "je 19f\n"
	   "incl 0x8008\n"
	   "19: incl 0x800c\n"
	   "cmpl $500, 0x800c\n"
	   "jb .Lg_round\n"
	   /* The final, valid request from the host's template. */
	   "xor %eax, %eax\n"
	   "mov $0x2000, %edi\n"
	   "mov $16, %ecx\n"
	   "rep stosl\n"
	   "mov $0x3000, %edi\n"
	   "mov $32, %ecx\n"
	   "rep stosl\n"
	   "call .Lg_setup\n"
	   "mov $0x7000, %esi\n"
	   "mov $0x1000, %edi\n"
	   "mov $8, %ecx\n"
	   "rep movsl\n"
	   "movw $1, 0x2002\n" /* avail idx 1, ring[0] = 0 */
	   "movl $0, 0x50(%ebx)\n"
	   "mov $200000000, %ecx\n"
	   "20: cmpw $1, 0x3002\n"
	   "je 21f\n"
	   "pause\n"
	   "dec %ecx\n"
	   "jnz 20b\n"
	   "21: mov $0x500, %dx\n"
	   "movzwl 0x3002, %eax\n"
	   "out %eax, %dx\n"
	   "mov $0x504, %dx\n"
	   "mov 0x3008, %eax\n" /* used ring[0].len */
	   "out %eax, %dx\n"
	   "mov $0x508, %dx\n"
	   "mov 0x70(%ebx), %eax\n" /* Status */
	   "out %eax, %dx\n"
	   "mov $0x50c, %dx\n"
	   "mov 0x8000, %eax\n"
	   "out %eax, %dx\n"
	   "mov $0x510, %dx\n"
	   "mov 0x8004, %eax\n"
	   "out %eax, %dx\n"
	   "mov $0x514, %dx\n"
	   "mov 0x8008, %eax\n"
	   "out %eax, %dx\n"
	   "mov $0x518, %dx\n"
	   "mov 0x800c, %eax\n"
	   "out %eax, %dx\n"
	   "mov $0x540, %dx\n"
	   "out %al, %dx\n" /* done */
	   "22: hlt\n"
	   "jmp 22b\n"
	   /* eax = next xorshift32 of esi; only eax and esi change */
	   ".Lg_rand:\n"
	   "mov %esi, %eax\n"
	   "shl $13, %eax\n"
	   "xor %eax, %esi\n"
	   "mov %esi, %eax\n"
	   "shr $17, %eax\n"
	   "xor %eax, %esi\n"
	   "mov %esi, %eax\n"
	   "shl $5, %eax\n"
	   "xor %eax, %esi\n"
	   "mov %esi, %eax\n"
	   "ret\n"
	   /* reset, negotiate VERSION_1 + INDIRECT_DESC + EVENT_IDX, queue 0
	    * of 8 at the fixed rings, DRIVER_OK */
	   ".Lg_setup:\n"
	   "movl $0, 0x70(%ebx)\n"
	   "movl $3, 0x70(%ebx)\n"
	   "movl $0, 0x24(%ebx)\n"
	   "movl $0x30000000, 0x20(%ebx)\n"
	   "movl $1, 0x24(%ebx)\n"
	   "movl $1, 0x20(%ebx)\n"
	   "movl $0xb, 0x70(%ebx)\n"
	   "movl $0, 0x30(%ebx)\n"
	   "movl $8, 0x38(%ebx)\n"
	   "movl $0x1000, 0x80(%ebx)\n"
	   "movl $0, 0x84(%ebx)\n"
	   "movl $0x2000, 0x90(%ebx)\n"
	   "movl $0, 0x94(%ebx)\n"
	   "movl $0x3000, 0xa0(%ebx)\n"
	   "movl $0, 0xa4(%ebx)\n"
	   "movl $1, 0x44(%ebx)\n"
	   "movl $0xf, 0x70(%ebx)\n"
	   "ret\n");

enum {
	R_USED_IDX,
	R_USED_LEN,
	R_STATUS,
	R_NEEDS_RESET,
	R_SERVED,
	R_BAD_RESET,
	R_ROUNDS,
	R_COUNT
};

static uint32_t reported[R_COUNT];
static struct vm *the_vm;

static void report_write(void *opaque, uint64_t offset, const uint8_t *data,
			 uint32_t size)
{
	uint32_t v = 0;

	(void)opaque;
	memcpy(&v, data, size < 4 ? size : 4);
	if (offset == 0x40)
		vm_stop(the_vm, VM_END_STOPPED);
	else if (offset / 4 < R_COUNT)
		reported[offset / 4] = v;
}

static const struct io_ops report_ops = {.write = report_write};

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	TEST_ASSERT(d != NULL);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int count_lines(int fd)
{
	char buf[4096];
	ssize_t n;
	int lines = 0;

	TEST_ASSERT(lseek(fd, 0, SEEK_SET) == 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	return lines;
}

/* Tversion: size[4] type[1]=100 tag[2] msize[4] version[s] */
static const uint8_t tversion[] = {21,	0,    0,   0,	100, 0xff, 0xff,
				   0,	0x20, 0,   0,	8,   0,	   '9',
				   'P', '2',  '0', '0', '0', '.',  'L'};

static void garbage_run(const char *what, const struct vm_share *share)
{
	struct vm_config cfg;
	struct vring_desc *tmpl;
	const uint8_t *reply;
	char log_path[] = "/tmp/cocoon-virtio-garbage-log.XXXXXX";
	int end, nonzero = 0, lines, log_fd, saved_stderr;

	vm_config_init(&cfg);
	cfg.mode = VM_BOOT_FLAT_PROT32;
	cfg.mem_size = 2ull << 20;
	cfg.flat_code = guest_garbage_start;
	cfg.flat_size = GUEST_SIZE(guest_garbage);
	cfg.console_fd = -1;
	cfg.rng = share == NULL;
	cfg.shares = share;
	cfg.nshares = share ? 1 : 0;
	memset(reported, 0, sizeof(reported));
	if (vm_create(&cfg, &the_vm) < 0)
		TEST_FAIL("%s: vm_create failed", what);
	TEST_ASSERT(the_vm->nvirtio == 1);
	TEST_ASSERT(the_vm->virtio[0].base == 0xd0000000);
	TEST_ASSERT(vm_io_register(the_vm, VM_IO_PIO, 0x500, 0x44, "report",
				   &report_ops, NULL) == 0);
	tmpl = vm_guest_ptr(the_vm, TEMPLATE, 2 * sizeof(*tmpl));
	TEST_ASSERT(tmpl != NULL);
	if (share) {
		memcpy(vm_guest_ptr(the_vm, REQ_BUF, sizeof(tversion)),
		       tversion, sizeof(tversion));
		tmpl[0] = (struct vring_desc){.addr = REQ_BUF,
					      .len = sizeof(tversion),
					      .flags = VRING_DESC_F_NEXT,
					      .next = 1};
		tmpl[1] = (struct vring_desc){.addr = REPLY_BUF,
					      .len = REPLY_LEN,
					      .flags = VRING_DESC_F_WRITE};
	} else {
		tmpl[0] = (struct vring_desc){.addr = REPLY_BUF,
					      .len = 16,
					      .flags = VRING_DESC_F_WRITE};
	}

	/* The VMM's log during the run, to bound it. */
	log_fd = mkstemp(log_path);
	TEST_ASSERT(log_fd >= 0);
	unlink(log_path);
	fflush(stderr);
	saved_stderr = dup(2);
	TEST_ASSERT(saved_stderr >= 0 && dup2(log_fd, 2) == 2);
	end = vm_run(the_vm);
	fflush(stderr);
	TEST_ASSERT(dup2(saved_stderr, 2) == 2);
	close(saved_stderr);
	lines = count_lines(log_fd);
	close(log_fd);

	reply = vm_guest_ptr(the_vm, REPLY_BUF, REPLY_LEN);
	for (int i = 0; i < 16; i++)
		nonzero |= reply[i];
	if (end != VM_END_STOPPED)
		TEST_FAIL("%s: run ended with %s", what, vm_end_name(end));
	printf("%s: %u rounds, %u needed a reset, %u had requests served, "
	       "%d log lines\n",
	       what, reported[R_ROUNDS], reported[R_NEEDS_RESET],
	       reported[R_SERVED], lines);
	if (reported[R_ROUNDS] != ROUNDS)
		TEST_FAIL("%s: %u rounds done, want %d", what,
			  reported[R_ROUNDS], ROUNDS);
	if (reported[R_NEEDS_RESET] == 0)
		TEST_FAIL("%s: no garbage round ever set DEVICE_NEEDS_RESET",
			  what);
	if (reported[R_BAD_RESET] != 0)
		TEST_FAIL("%s: %u resets left Status or QueueReady nonzero",
			  what, reported[R_BAD_RESET]);
	if (reported[R_STATUS] != 0xf)
		TEST_FAIL("%s: Status 0x%x after the valid request, want 0xf",
			  what, reported[R_STATUS]);
	if (reported[R_USED_IDX] != 1)
		TEST_FAIL("%s: used idx %u, want 1 (valid request not served)",
			  what, reported[R_USED_IDX]);
	if (share) {
		if (reported[R_USED_LEN] != sizeof(tversion) ||
		    reply[4] != 101 || memcmp(reply + 13, "9P2000.L", 8))
			TEST_FAIL("%s: no Rversion (used len %u, type %u)",
				  what, reported[R_USED_LEN], reply[4]);
	} else if (reported[R_USED_LEN] != 16 || !nonzero) {
		TEST_FAIL("%s: used len %u, want 16 random bytes", what,
			  reported[R_USED_LEN]);
	}
	/* One line on the first malformed ring; the rest are debug. */
	if (lines > 20)
		TEST_FAIL("%s: the VMM logged %d lines for %d rounds", what,
			  lines, ROUNDS);
	vm_destroy(the_vm);
	the_vm = NULL;
}

int main(void)
{
	char dir[] = "/tmp/cocoon-virtio-garbage.XXXXXX";
	struct vm_share share;
	int fds, tasks;

	log_init("test_virtio_garbage");
	kvm_test_require_kvm();
	TEST_ASSERT(mkdtemp(dir) != NULL);
	share = (struct vm_share){.tag = "g", .dir = dir};
	fds = count_entries("/proc/self/fd");
	tasks = count_entries("/proc/self/task");
	garbage_run("virtio-rng", NULL);
	garbage_run("virtio-9p", &share);
	if (count_entries("/proc/self/fd") != fds)
		TEST_FAIL("file descriptors: %d before, %d after", fds,
			  count_entries("/proc/self/fd"));
	if (count_entries("/proc/self/task") != tasks)
		TEST_FAIL("threads: %d before, %d after", tasks,
			  count_entries("/proc/self/task"));
	/* The share must hold only what the guest was allowed to make:
	 * garbage never reached a Tattach, so nothing at all. */
	if (count_entries(dir) != 0)
		TEST_FAIL("the share has %d entries after garbage",
			  count_entries(dir));
	rmdir(dir);
	printf("PASS: %d rounds of ring garbage each on virtio-rng and "
	       "virtio-9p: the VMM stays up, resets recover, a valid request "
	       "is served, no fd or thread left\n",
	       ROUNDS);
	return 0;
}
