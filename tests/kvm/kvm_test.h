/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers for the tiny-guest KVM tests: each test is one program whose
 * guest code sits beside its host side (GUEST_CODE16/32 assemble it into
 * .rodata). Exit 0 pass, 77 skip (with the reason), anything else fail.
 */
#ifndef COCOON_TESTS_KVM_TEST_H
#define COCOON_TESTS_KVM_TEST_H

#include "common/log.h"
#include "vmm/vm.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KVM_TEST_SKIP 77

#define TEST_FAIL(...)                                                \
	do {                                                          \
		fprintf(stderr, "FAIL: %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                         \
		fputc('\n', stderr);                                  \
		exit(1);                                              \
	} while (0)

#define TEST_ASSERT(cond)                       \
	do {                                    \
		if (!(cond))                    \
			TEST_FAIL("%s", #cond); \
	} while (0)

/* Guest code as bytes: name##_start .. name##_end, position independent
 * (use label differences, not absolute addresses). */
#define GUEST_CODE(name, bits, body)                             \
	extern const unsigned char name##_start[], name##_end[]; \
	__asm__(".pushsection .rodata\n"                         \
		".globl " #name "_start\n"                       \
		".globl " #name "_end\n" #name "_start:\n"       \
		".code" #bits "\n" body "\n"                     \
		".code64\n" #name "_end:\n"                      \
		".popsection\n")

#define GUEST_SIZE(name) \
	((size_t)((uintptr_t)name##_end - (uintptr_t)name##_start))

static inline void kvm_test_require_kvm(void)
{
	if (access("/dev/kvm", R_OK | W_OK) != 0) {
		printf("SKIP: /dev/kvm is not usable here (%s)\n",
		       strerror(errno));
		exit(KVM_TEST_SKIP);
	}
}

/* Entries in a directory, without . and ..: /proc/self/fd and
 * /proc/self/task count our open files and threads. */
static inline int kvm_test_count_entries(const char *dir)
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

/* A flat guest with console output to console_fd (-1: none). */
static inline struct vm *kvm_test_vm(enum vm_boot_mode mode,
				     const unsigned char *code, size_t size,
				     unsigned int cpus, int console_fd)
{
	struct vm_config cfg;
	struct vm *vm;
	int r;

	vm_config_init(&cfg);
	cfg.mode = mode;
	cfg.mem_size = 2ull << 20;
	cfg.cpus = cpus;
	cfg.flat_code = code;
	cfg.flat_size = size;
	cfg.console_fd = console_fd;
	r = vm_create(&cfg, &vm);
	if (r < 0)
		TEST_FAIL("vm_create: %s", strerror(-r));
	return vm;
}

#endif
