// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/boot.h"
#include "vmm/guest_mem.h"
#include "vmm/loader.h"

#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM_SIZE (64ull << 20)

static int file_from(const void *data, size_t len)
{
	int fd = memfd_create("image", MFD_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	return fd;
}

/* An ELF with two PT_LOAD segments: code at 16 MiB, data+bss above. */
struct elf_file {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	uint8_t code[64];
	uint8_t data[64];
};

static void elf_make(struct elf_file *f)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->eh.e_ident, ELFMAG, SELFMAG);
	f->eh.e_ident[EI_CLASS] = ELFCLASS64;
	f->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	f->eh.e_ident[EI_VERSION] = EV_CURRENT;
	f->eh.e_type = ET_EXEC;
	f->eh.e_machine = EM_X86_64;
	f->eh.e_version = EV_CURRENT;
	f->eh.e_entry = 0x1000010;
	f->eh.e_phoff = offsetof(struct elf_file, ph);
	f->eh.e_ehsize = sizeof(Elf64_Ehdr);
	f->eh.e_phentsize = sizeof(Elf64_Phdr);
	f->eh.e_phnum = 2;
	f->ph[0].p_type = PT_LOAD;
	f->ph[0].p_offset = offsetof(struct elf_file, code);
	f->ph[0].p_vaddr = 0xffffffff81000000ull;
	f->ph[0].p_paddr = 0x1000000;
	f->ph[0].p_filesz = sizeof(f->code);
	f->ph[0].p_memsz = sizeof(f->code);
	f->ph[1].p_type = PT_LOAD;
	f->ph[1].p_offset = offsetof(struct elf_file, data);
	f->ph[1].p_paddr = 0x1100000;
	f->ph[1].p_filesz = sizeof(f->data);
	f->ph[1].p_memsz = 0x3000; /* with bss */
	memset(f->code, 0xcc, sizeof(f->code));
	memset(f->data, 0xdd, sizeof(f->data));
}

static int elf_load(const struct elf_file *f, size_t len,
		    struct kernel_image *k)
{
	struct guest_mem mem;
	int fd = file_from(f, len), r;

	assert_int_equal(guest_mem_init(&mem, MEM_SIZE), 0);
	r = loader_load_kernel(fd, "test-elf", &mem, k);
	if (r == 0) {
		assert_memory_equal(mem.host + 0x1000000, f->code,
				    sizeof(f->code));
		assert_memory_equal(mem.host + 0x1100000, f->data,
				    sizeof(f->data));
		assert_int_equal(mem.host[0x1100000 + sizeof(f->data)], 0);
	}
	guest_mem_free(&mem);
	close(fd);
	return r;
}

static void test_elf_ok(void **state)
{
	struct elf_file f;
	struct kernel_image k;

	(void)state;
	elf_make(&f);
	assert_int_equal(elf_load(&f, sizeof(f), &k), 0);
	assert_int_equal(k.entry, 0x1000010);
	assert_int_equal(k.end, 0x1103000);
	assert_false(k.is_bzimage);
}

static void test_elf_malformed(void **state)
{
	struct elf_file f;
	struct kernel_image k;

	(void)state;
	elf_make(&f);
	/* truncated header */
	assert_int_equal(elf_load(&f, 20, &k), -EINVAL);
	/* truncated segment data */
	assert_int_equal(elf_load(&f, sizeof(f) - 10, &k), -EINVAL);
	/* program headers beyond the end */
	assert_int_equal(elf_load(&f, sizeof(Elf64_Ehdr) + 8, &k), -EINVAL);

	elf_make(&f);
	f.eh.e_ident[EI_CLASS] = ELFCLASS32;
	assert_int_equal(elf_load(&f, sizeof(f), &k), -EINVAL);
	elf_make(&f);
	f.eh.e_machine = EM_AARCH64;
	assert_int_equal(elf_load(&f, sizeof(f), &k), -EINVAL);
	elf_make(&f);
	f.eh.e_type = ET_DYN;
	assert_int_equal(elf_load(&f, sizeof(f), &k), -EINVAL);
	elf_make(&f);
	f.eh.e_phnum = 1000;
	assert_int_equal(elf_load(&f, sizeof(f), &k), -EINVAL);
	elf_make(&f);
	f.eh.e_phentsize = 10;
	assert_int_equal(elf_load(&f, sizeof(f), &k), -EINVAL);
	elf_make(&f);
	f.eh.e_phoff = UINT64_MAX - 8;
	assert_int_equal(elf_load(&f, sizeof(f), &k), -EINVAL);
}

static void test_elf_bad_segments(void **state)
{
	struct elf_file f;
	struct kernel_image k;

	(void)state;
	/* overlapping */
	elf_make(&f);
	f.ph[1].p_paddr = 0x1000020;
	assert_int_equal(elf_load(&f, sizeof(f), &k), -EINVAL);
	/* out of RAM */
	elf_make(&f);
	f.ph[1].p_paddr = MEM_SIZE - 0x1000;
	assert_int_equal(elf_load(&f, sizeof(f), &k), -EINVAL);
	elf_make(&f);
	f.ph[1].p_paddr = UINT64_MAX - 0x10;
	assert_int_equal(elf_load(&f, sizeof(f), &k), -EINVAL);
	/* over the boot structures below 1 MiB */
	elf_make(&f);
	f.ph[1].p_paddr = 0x7000;
	assert_int_equal(elf_load(&f, sizeof(f), &k), -EINVAL);
	/* more in the file than in memory */
	elf_make(&f);
	f.ph[0].p_memsz = 8;
	assert_int_equal(elf_load(&f, sizeof(f), &k), -EINVAL);
	/* file offset past the end, also by overflow */
	elf_make(&f);
	f.ph[0].p_offset = 1u << 20;
	assert_int_equal(elf_load(&f, sizeof(f), &k), -EINVAL);
	elf_make(&f);
	f.ph[0].p_offset = UINT64_MAX - 4;
	assert_int_equal(elf_load(&f, sizeof(f), &k), -EINVAL);
	/* entry outside every segment */
	elf_make(&f);
	f.eh.e_entry = 0x2000000;
	assert_int_equal(elf_load(&f, sizeof(f), &k), -EINVAL);
	/* nothing to load */
	elf_make(&f);
	f.ph[0].p_type = PT_NOTE;
	f.ph[1].p_type = PT_NOTE;
	assert_int_equal(elf_load(&f, sizeof(f), &k), -EINVAL);
}

#define BZ_SETUP_SECTS 3
#define BZ_PM_SIZE     4096
#define BZ_SIZE	       ((BZ_SETUP_SECTS + 1) * 512 + BZ_PM_SIZE)

static void bz_make(uint8_t *img)
{
	struct setup_header *h = (struct setup_header *)(img + 0x1f1);

	memset(img, 0, BZ_SIZE);
	h->setup_sects = BZ_SETUP_SECTS;
	h->boot_flag = 0xaa55;
	h->jump = 0x66eb; /* header ends at 0x202 + 0x66 */
	h->header = 0x53726448;
	h->version = 0x020f;
	h->loadflags = LOADED_HIGH;
	h->xloadflags = XLF_KERNEL_64;
	h->initrd_addr_max = 0x7fffffff;
	h->cmdline_size = 2047;
	h->pref_address = 0x1000000;
	h->init_size = 0x800000;
	memset(img + (BZ_SETUP_SECTS + 1) * 512, 0x90, BZ_PM_SIZE);
}

static int bz_load(const uint8_t *img, size_t len, struct kernel_image *k,
		   uint64_t mem_size)
{
	struct guest_mem mem;
	int fd = file_from(img, len), r;

	assert_int_equal(guest_mem_init(&mem, mem_size), 0);
	r = loader_load_kernel(fd, "test-bz", &mem, k);
	if (r == 0)
		assert_memory_equal(mem.host + 0x100000,
				    img + (BZ_SETUP_SECTS + 1) * 512,
				    BZ_PM_SIZE);
	guest_mem_free(&mem);
	close(fd);
	return r;
}

static void test_bzimage_ok(void **state)
{
	static uint8_t img[BZ_SIZE];
	struct kernel_image k;

	(void)state;
	bz_make(img);
	assert_int_equal(bz_load(img, sizeof(img), &k, MEM_SIZE), 0);
	assert_true(k.is_bzimage);
	assert_int_equal(k.entry, 0x100200);
	assert_int_equal(k.end, 0x1800000); /* pref_address + init_size */
	assert_int_equal(k.initrd_addr_max, 0x7fffffff);
	assert_int_equal(k.hdr.version, 0x020f);
	assert_int_equal(k.hdr.cmdline_size, 2047);
	assert_int_equal(k.hdr.code32_start, 0x100000);
}

static void test_bzimage_malformed(void **state)
{
	static uint8_t img[BZ_SIZE];
	struct setup_header *h = (struct setup_header *)(img + 0x1f1);
	struct kernel_image k;

	(void)state;
	bz_make(img);
	assert_int_equal(bz_load(img, 600, &k, MEM_SIZE), -EINVAL);
	bz_make(img);
	h->header = 0x12345678;
	assert_int_equal(bz_load(img, sizeof(img), &k, MEM_SIZE), -EINVAL);
	bz_make(img);
	h->boot_flag = 0;
	assert_int_equal(bz_load(img, sizeof(img), &k, MEM_SIZE), -EINVAL);
	bz_make(img);
	h->version = 0x0205;
	assert_int_equal(bz_load(img, sizeof(img), &k, MEM_SIZE), -EINVAL);
	bz_make(img);
	h->xloadflags = 0;
	assert_int_equal(bz_load(img, sizeof(img), &k, MEM_SIZE), -EINVAL);
	/* setup sectors past the end of the file */
	bz_make(img);
	h->setup_sects = 200;
	assert_int_equal(bz_load(img, sizeof(img), &k, MEM_SIZE), -EINVAL);
	/* protected-mode code too short to hold the 64-bit entry at +0x200
	 * (found by fuzz_vmm_loader) */
	bz_make(img);
	assert_int_equal(
		bz_load(img, (BZ_SETUP_SECTS + 1) * 512 + 0x200, &k, MEM_SIZE),
		-EINVAL);
	/* decompression needs more RAM than the guest has */
	bz_make(img);
	h->init_size = 0x10000000;
	assert_int_equal(bz_load(img, sizeof(img), &k, MEM_SIZE), -EINVAL);
	bz_make(img);
	h->pref_address = 0xffffffffffff0000ull;
	assert_int_equal(bz_load(img, sizeof(img), &k, MEM_SIZE), -EINVAL);
	/* neither format */
	memset(img, 0, sizeof(img));
	assert_int_equal(bz_load(img, sizeof(img), &k, MEM_SIZE), -EINVAL);
}

static void test_initrd_placement(void **state)
{
	static uint8_t data[10000];
	struct kernel_image k = {.end = 0x2000000,
				 .initrd_addr_max = BOOT_INITRD_MAX_DEF};
	struct guest_mem mem;
	uint64_t addr, size;
	int fd = file_from(data, sizeof(data));

	(void)state;
	memset(data, 0xab, sizeof(data));
	assert_int_equal(write(fd, "", 0), 0);
	assert_int_equal(guest_mem_init(&mem, MEM_SIZE), 0);
	assert_int_equal(pwrite(fd, data, sizeof(data), 0), sizeof(data));
	assert_int_equal(
		loader_load_initrd(fd, "initrd", &mem, &k, &addr, &size), 0);
	assert_int_equal(size, sizeof(data));
	assert_int_equal(addr & 0xfff, 0);
	assert_true(addr + size <= MEM_SIZE);
	assert_true(MEM_SIZE - (addr + size) < 4096);
	assert_memory_equal(mem.host + addr, data, sizeof(data));
	/* initrd_addr_max is honoured */
	k.initrd_addr_max = 0x2ffffff;
	assert_int_equal(
		loader_load_initrd(fd, "initrd", &mem, &k, &addr, &size), 0);
	assert_true(addr + size <= 0x3000000);
	assert_true(addr >= k.end);
	/* no room above the kernel */
	k.initrd_addr_max = BOOT_INITRD_MAX_DEF;
	k.end = MEM_SIZE - 4096;
	assert_int_equal(
		loader_load_initrd(fd, "initrd", &mem, &k, &addr, &size),
		-ENOSPC);
	guest_mem_free(&mem);
	close(fd);
}

static void test_flat(void **state)
{
	static const uint8_t code[] = {0xf4};
	struct guest_mem mem;

	(void)state;
	assert_int_equal(guest_mem_init(&mem, 2ull << 20), 0);
	assert_int_equal(
		loader_load_flat(code, sizeof(code), &mem, BOOT_FLAT_ADDR, 16),
		0);
	assert_int_equal(mem.host[BOOT_FLAT_ADDR], 0xf4);
	assert_int_equal(loader_load_flat(code, 0, &mem, BOOT_FLAT_ADDR, 16),
			 -EINVAL);
	assert_int_equal(loader_load_flat(code, 17, &mem, BOOT_FLAT_ADDR, 16),
			 -EINVAL);
	assert_int_equal(loader_load_flat(code, 1, &mem, 4ull << 20, 16),
			 -ENOSPC);
	guest_mem_free(&mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_ok),
		cmocka_unit_test(test_elf_malformed),
		cmocka_unit_test(test_elf_bad_segments),
		cmocka_unit_test(test_bzimage_ok),
		cmocka_unit_test(test_bzimage_malformed),
		cmocka_unit_test(test_initrd_placement),
		cmocka_unit_test(test_flat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
