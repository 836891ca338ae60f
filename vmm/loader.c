// SPDX-License-Identifier: Apache-2.0
#include "vmm/loader.h"

#include "common/log.h"
#include "vmm/boot.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int file_size(int fd, const char *name, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		int e = errno;

		log_error("%s: stat: %s", name, strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		log_error("%s: not a regular file", name);
		return -EINVAL;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

/* Reads exactly len bytes at off; a short file is an error. */
static int read_exact(int fd, const char *name, void *buf, uint64_t len,
		      uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		size_t chunk = len > (1u << 30) ? (1u << 30) : (size_t)len;
		ssize_t n = pread(fd, p, chunk, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;

			log_error("%s: read: %s", name, strerror(e));
			return -e;
		}
		if (n == 0) {
			log_error("%s: truncated file", name);
			return -EINVAL;
		}
		p += n;
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

int loader_load_elf(int fd, const char *name, const struct guest_mem *mem,
		    struct kernel_image *kernel)
{
	Elf64_Phdr phdrs[LOADER_MAX_PHDRS];
	Elf64_Ehdr eh;
	uint64_t fsize, end = 0;
	bool entry_ok = false;
	unsigned int nload = 0;
	int r;

	memset(kernel, 0, sizeof(*kernel));
	r = file_size(fd, name, &fsize);
	if (r < 0)
		return r;
	if (fsize < sizeof(eh)) {
		log_error("%s: truncated ELF header", name);
		return -EINVAL;
	}
	r = read_exact(fd, name, &eh, sizeof(eh), 0);
	if (r < 0)
		return r;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		log_error("%s: not an ELF file", name);
		return -EINVAL;
	}
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64) {
		log_error("%s: not a 64-bit little-endian x86-64 ELF", name);
		return -EINVAL;
	}
	if (eh.e_type != ET_EXEC) {
		log_error("%s: ELF type %u is not an executable", name,
			  eh.e_type);
		return -EINVAL;
	}
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 ||
	    eh.e_phnum > LOADER_MAX_PHDRS) {
		log_error("%s: bad program header table (%u entries of %u "
			  "bytes, at most %u)",
			  name, eh.e_phnum, eh.e_phentsize, LOADER_MAX_PHDRS);
		return -EINVAL;
	}
	/* file: phoff + phnum * phentsize <= file size, without overflow */
	if (eh.e_phoff > fsize ||
	    fsize - eh.e_phoff < (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr)) {
		log_error("%s: program headers lie outside the file", name);
		return -EINVAL;
	}
	r = read_exact(fd, name, phdrs, (uint64_t)eh.e_phnum * sizeof(*phdrs),
		       eh.e_phoff);
	if (r < 0)
		return r;

	/* Validate everything before loading anything. */
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		const Elf64_Phdr *ph = &phdrs[i];

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		nload++;
		if (ph->p_filesz > ph->p_memsz) {
			log_error("%s: segment %u: file size above memory "
				  "size",
				  name, i);
			return -EINVAL;
		}
		if (ph->p_offset > fsize ||
		    fsize - ph->p_offset < ph->p_filesz) {
			log_error("%s: segment %u lies outside the file (it "
				  "is truncated)",
				  name, i);
			return -EINVAL;
		}
		if (ph->p_paddr < BOOT_HIGH_START ||
		    !guest_mem_ptr(mem, ph->p_paddr, ph->p_memsz)) {
			log_error("%s: segment %u at 0x%" PRIx64 "+0x%" PRIx64
				  " is outside guest RAM from 1 MiB "
				  "(too little --mem?)",
				  name, i, (uint64_t)ph->p_paddr,
				  (uint64_t)ph->p_memsz);
			return -EINVAL;
		}
		for (unsigned int j = 0; j < i; j++) {
			const Elf64_Phdr *o = &phdrs[j];

			if (o->p_type != PT_LOAD || o->p_memsz == 0)
				continue;
			if (ph->p_paddr < o->p_paddr + o->p_memsz &&
			    o->p_paddr < ph->p_paddr + ph->p_memsz) {
				log_error("%s: segments %u and %u overlap",
					  name, j, i);
				return -EINVAL;
			}
		}
		if (eh.e_entry >= ph->p_paddr &&
		    eh.e_entry - ph->p_paddr < ph->p_filesz)
			entry_ok = true;
		if (ph->p_paddr + ph->p_memsz > end)
			end = ph->p_paddr + ph->p_memsz;
	}
	if (nload == 0) {
		log_error("%s: no loadable segment", name);
		return -EINVAL;
	}
	if (!entry_ok) {
		log_error("%s: entry point 0x%" PRIx64
			  " is not inside a loaded segment",
			  name, (uint64_t)eh.e_entry);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		const Elf64_Phdr *ph = &phdrs[i];

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		/* Checked above: the range is RAM. */
		r = read_exact(fd, name,
			       guest_mem_ptr(mem, ph->p_paddr, ph->p_memsz),
			       ph->p_filesz, ph->p_offset);
		if (r < 0)
			return r;
	}
	kernel->entry = eh.e_entry;
	kernel->end = end;
	kernel->initrd_addr_max = BOOT_INITRD_MAX_DEF;
	return 0;
}

#define SETUP_HEADER_OFFSET 0x1f1
#define BZ_HEADER_READ	    1024
#define BZ_MIN_VERSION	    0x0206

int loader_load_bzimage(int fd, const char *name, const struct guest_mem *mem,
			struct kernel_image *kernel)
{
	uint8_t buf[BZ_HEADER_READ];
	struct setup_header *hdr = &kernel->hdr;
	uint64_t fsize, setup_size, pm_size, hdr_end, need;
	unsigned int setup_sects;
	void *dst;
	int r;

	memset(kernel, 0, sizeof(*kernel));
	r = file_size(fd, name, &fsize);
	if (r < 0)
		return r;
	if (fsize < sizeof(buf)) {
		log_error("%s: too short for a bzImage", name);
		return -EINVAL;
	}
	r = read_exact(fd, name, buf, sizeof(buf), 0);
	if (r < 0)
		return r;
	/* boot.rst: the header runs from 0x1f1 to 0x202 + the byte at
	 * 0x201 (the jump offset); copy no more than we know. */
	hdr_end = 0x202 + (uint64_t)buf[0x201];
	if (hdr_end > SETUP_HEADER_OFFSET + sizeof(*hdr))
		hdr_end = SETUP_HEADER_OFFSET + sizeof(*hdr);
	memcpy(hdr, buf + SETUP_HEADER_OFFSET, hdr_end - SETUP_HEADER_OFFSET);
	if (hdr->boot_flag != 0xaa55 || hdr->header != 0x53726448) {
		log_error("%s: not a bzImage (no boot flag or \"HdrS\")", name);
		return -EINVAL;
	}
	if (hdr->version < BZ_MIN_VERSION) {
		log_error("%s: boot protocol %u.%02u is too old, need 2.06",
			  name, hdr->version >> 8, hdr->version & 0xff);
		return -EINVAL;
	}
	if (!(hdr->xloadflags & XLF_KERNEL_64) ||
	    !(hdr->loadflags & LOADED_HIGH)) {
		log_error("%s: kernel has no 64-bit entry point", name);
		return -EINVAL;
	}
	setup_sects = hdr->setup_sects ? hdr->setup_sects : 4;
	setup_size = (uint64_t)(setup_sects + 1) * 512;
	/* The 64-bit entry is at +0x200 into the protected-mode code
	 * (boot.rst): the code must reach past it. */
	if (setup_size >= fsize || fsize - setup_size <= 0x200) {
		log_error("%s: truncated (no protected-mode code with a 64-bit "
			  "entry after %u setup sectors)",
			  name, setup_sects);
		return -EINVAL;
	}
	pm_size = fsize - setup_size;
	dst = guest_mem_ptr(mem, BOOT_HIGH_START, pm_size);
	/*
	 * The decompressor works in [max(pref_address, load), + init_size)
	 * (boot.rst, init_size); all of it must be RAM.
	 */
	if (hdr->pref_address >= mem->low_size ||
	    hdr->init_size >= mem->low_size) {
		log_error("%s: kernel wants RAM at 0x%llx+0x%x, guest has "
			  "0x%" PRIx64 " below 4 GiB (more --mem?)",
			  name, (unsigned long long)hdr->pref_address,
			  hdr->init_size, mem->low_size);
		return -EINVAL;
	}
	/* Both below 4 GiB (checked above): no overflow. */
	need = (hdr->pref_address > BOOT_HIGH_START ? hdr->pref_address
						    : BOOT_HIGH_START) +
	       hdr->init_size;
	if (need < BOOT_HIGH_START + pm_size)
		need = BOOT_HIGH_START + pm_size;
	if (!dst || !guest_mem_ptr(mem, 0, need)) {
		log_error("%s: kernel needs RAM up to 0x%" PRIx64
			  ", guest has 0x%" PRIx64 " below 4 GiB",
			  name, need, mem->low_size);
		return -EINVAL;
	}
	r = read_exact(fd, name, dst, pm_size, setup_size);
	if (r < 0)
		return r;
	hdr->code32_start = (uint32_t)BOOT_HIGH_START;
	kernel->entry = BOOT_HIGH_START + 0x200; /* boot.rst: 64-bit entry */
	kernel->end = need;
	kernel->initrd_addr_max = hdr->initrd_addr_max ? hdr->initrd_addr_max
						       : BOOT_INITRD_MAX_DEF;
	kernel->is_bzimage = true;
	return 0;
}

int loader_load_kernel(int fd, const char *name, const struct guest_mem *mem,
		       struct kernel_image *kernel)
{
	uint8_t magic[4];
	ssize_t n;

	do
		n = pread(fd, magic, sizeof(magic), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;

		log_error("%s: read: %s", name, strerror(e));
		return -e;
	}
	if (n == sizeof(magic) && !memcmp(magic, ELFMAG, SELFMAG))
		return loader_load_elf(fd, name, mem, kernel);
	do
		n = pread(fd, magic, sizeof(magic), 0x202);
	while (n < 0 && errno == EINTR);
	if (n != sizeof(magic) || memcmp(magic, "HdrS", 4)) {
		log_error("%s: not a kernel: neither an ELF vmlinux nor a "
			  "bzImage (no \"HdrS\" at 0x202)",
			  name);
		return -EINVAL;
	}
	return loader_load_bzimage(fd, name, mem, kernel);
}

int loader_load_initrd(int fd, const char *name, const struct guest_mem *mem,
		       const struct kernel_image *kernel, uint64_t *addr,
		       uint64_t *size)
{
	uint64_t fsize, top, at;
	int r;

	r = file_size(fd, name, &fsize);
	if (r < 0)
		return r;
	if (fsize == 0) {
		log_error("%s: empty initrd", name);
		return -EINVAL;
	}
	top = mem->low_size;
	/* initrd_addr_max is the highest address the initrd may occupy. */
	if (kernel->initrd_addr_max < top - 1)
		top = kernel->initrd_addr_max + 1;
	if (fsize > top || ((top - fsize) & ~0xfffull) < kernel->end) {
		log_error("%s: initrd of %" PRIu64 " KiB does not fit between "
			  "the kernel (ends 0x%" PRIx64 ") and 0x%" PRIx64
			  " (more --mem?)",
			  name, fsize >> 10, kernel->end, top);
		return -ENOSPC;
	}
	at = (top - fsize) & ~0xfffull;
	r = read_exact(fd, name, guest_mem_ptr(mem, at, fsize), fsize, 0);
	if (r < 0)
		return r;
	*addr = at;
	*size = fsize;
	return 0;
}

int loader_load_flat(const void *code, uint64_t size,
		     const struct guest_mem *mem, uint64_t addr,
		     uint64_t max_size)
{
	void *dst;

	if (size == 0 || size > max_size) {
		log_error("flat binary: %" PRIu64 " bytes, must be 1..%" PRIu64,
			  size, max_size);
		return -EINVAL;
	}
	dst = guest_mem_ptr(mem, addr, size);
	if (!dst) {
		log_error("flat binary: does not fit guest RAM");
		return -ENOSPC;
	}
	memcpy(dst, code, size);
	return 0;
}

int loader_load_flat_file(int fd, const char *name, const struct guest_mem *mem,
			  uint64_t addr, uint64_t max_size)
{
	uint64_t fsize;
	void *dst;
	int r;

	r = file_size(fd, name, &fsize);
	if (r < 0)
		return r;
	if (fsize == 0 || fsize > max_size) {
		log_error("%s: %" PRIu64 " bytes, a flat binary must be "
			  "1..%" PRIu64,
			  name, fsize, max_size);
		return -EINVAL;
	}
	dst = guest_mem_ptr(mem, addr, fsize);
	if (!dst) {
		log_error("%s: does not fit guest RAM", name);
		return -ENOSPC;
	}
	return read_exact(fd, name, dst, fsize, 0);
}
