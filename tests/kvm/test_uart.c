// SPDX-License-Identifier: Apache-2.0
/* The 8250 UART: the guest passes the checks Linux's 8250 probe makes
 * (scratch register, loopback MSR, 16550A FIFO and THRE interrupt
 * identification) and what it writes to THR reaches the console fd. */
#include "kvm_test.h"

#include <sys/mman.h>

GUEST_CODE(guest_uart, 16,
	   "cli\n"
	   /* scratch register keeps what is written */
	   "mov $0x3ff, %dx\n"
	   "mov $0x5a, %al\n"
	   "out %al, %dx\n"
	   "in %dx, %al\n"
	   "cmp $0x5a, %al\n"
	   "jne 9f\n"
	   /* loopback: OUT2 -> DCD, RTS -> CTS */
	   "mov $0x3fc, %dx\n"
	   "mov $0x1a, %al\n"
	   "out %al, %dx\n"
	   "mov $0x3fe, %dx\n"
	   "in %dx, %al\n"
	   "and $0xf0, %al\n"
	   "cmp $0x90, %al\n"
	   "jne 9f\n"
	   "mov $0x3fc, %dx\n"
	   "mov $0x0b, %al\n"
	   "out %al, %dx\n"
	   /* FIFO on: IIR reads 0xc1 (16550A, no interrupt) */
	   "mov $0x3fa, %dx\n"
	   "mov $0x01, %al\n"
	   "out %al, %dx\n"
	   "in %dx, %al\n"
	   "cmp $0xc1, %al\n"
	   "jne 9f\n"
	   /* enabling THRI raises THRE; reading IIR acknowledges it */
	   "mov $0x3f9, %dx\n"
	   "mov $0x02, %al\n"
	   "out %al, %dx\n"
	   "mov $0x3fa, %dx\n"
	   "in %dx, %al\n"
	   "cmp $0xc2, %al\n"
	   "jne 9f\n"
	   "in %dx, %al\n"
	   "cmp $0xc1, %al\n"
	   "jne 9f\n"
	   /* re-enabling raises it again (Linux's UART_BUG_THRE test) */
	   "mov $0x3f9, %dx\n"
	   "mov $0x00, %al\n"
	   "out %al, %dx\n"
	   "mov $0x02, %al\n"
	   "out %al, %dx\n"
	   "mov $0x3fa, %dx\n"
	   "in %dx, %al\n"
	   "cmp $0xc2, %al\n"
	   "jne 9f\n"
	   "mov $0x3f9, %dx\n"
	   "mov $0x00, %al\n"
	   "out %al, %dx\n"
	   /* print the message, polling LSR.THRE as printk does */
	   "mov $(8f - guest_uart_start), %si\n"
	   "1: lodsb\n"
	   "test %al, %al\n"
	   "jz 3f\n"
	   "mov %al, %bl\n"
	   "mov $0x3fd, %dx\n"
	   "2: in %dx, %al\n"
	   "test $0x20, %al\n"
	   "jz 2b\n"
	   "mov $0x3f8, %dx\n"
	   "mov %bl, %al\n"
	   "out %al, %dx\n"
	   "jmp 1b\n"
	   "3: mov $0xfe, %al\n"
	   "out %al, $0x64\n"
	   "hlt\n"
	   "9: mov $0x3f8, %dx\n"
	   "mov $'X', %al\n"
	   "out %al, %dx\n"
	   "jmp 3b\n"
	   "8: .asciz \"hello from the guest\\n\"\n");

int main(void)
{
	char out[128] = {0};
	struct vm *vm;
	int fd, end;
	ssize_t n;

	log_init("test_uart");
	kvm_test_require_kvm();
	fd = memfd_create("console", MFD_CLOEXEC);
	TEST_ASSERT(fd >= 0);
	vm = kvm_test_vm(VM_BOOT_FLAT_REAL, guest_uart_start,
			 GUEST_SIZE(guest_uart), 1, fd);
	end = vm_run(vm);
	vm_destroy(vm);
	n = pread(fd, out, sizeof(out) - 1, 0);
	close(fd);
	if (end != VM_END_RESET)
		TEST_FAIL("run ended with %s", vm_end_name(end));
	if (n < 0 || strcmp(out, "hello from the guest\n") != 0)
		TEST_FAIL("console got \"%s\"", out);
	printf("PASS: the UART probes like a 16550A and prints what the "
	       "guest writes\n");
	return 0;
}
