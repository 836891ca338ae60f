// SPDX-License-Identifier: Apache-2.0
#include "vmm/boot.h"

#include "common/log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int e820_add(struct boot_e820_entry *out, unsigned int *n,
		    unsigned int max, uint64_t addr, uint64_t size,
		    uint32_t type)
{
	if (size == 0)
		return 0;
	if (*n >= max)
		return -E2BIG;
	out[*n].addr = addr;
	out[*n].size = size;
	out[*n].type = type;
	(*n)++;
	return 0;
}

int boot_e820_build(const struct guest_mem *mem, int mptable_in_bios,
		    struct boot_e820_entry *out, unsigned int max)
{
	unsigned int n = 0;
	int r;

	/* Below 640 KiB: usable up to the EBDA where the MP table may be. */
	r = e820_add(out, &n, max, 0, BOOT_EBDA_START, E820_TYPE_RAM);
	if (!r)
		r = e820_add(out, &n, max, BOOT_EBDA_START,
			     0xa0000 - BOOT_EBDA_START, E820_TYPE_RESERVED);
	if (!r && mptable_in_bios)
		r = e820_add(out, &n, max, BOOT_BIOS_START,
			     BOOT_HIGH_START - BOOT_BIOS_START,
			     E820_TYPE_RESERVED);
	if (!r && mem->low_size > BOOT_HIGH_START)
		r = e820_add(out, &n, max, BOOT_HIGH_START,
			     mem->low_size - BOOT_HIGH_START, E820_TYPE_RAM);
	if (!r && mem->size > mem->low_size)
		r = e820_add(out, &n, max, GUEST_HIGH_MEM_START,
			     mem->size - mem->low_size, E820_TYPE_RAM);
	return r < 0 ? r : (int)n;
}

/*
 * Does cmdline contain a parameter starting with key (e.g. "console=")?
 * Parameters are split at spaces outside double quotes, as the kernel's
 * next_arg() does.
 */
static bool cmdline_has_key(const char *cmdline, const char *key)
{
	size_t klen = strlen(key);
	const char *p = cmdline;

	while (*p) {
		bool quoted = false;

		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen))
			return true;
		for (; *p && (quoted || *p != ' '); p++)
			if (*p == '"')
				quoted = !quoted;
	}
	return false;
}

int boot_cmdline_build(const char *user, char *out, size_t size)
{
	/*
	 * What the VMM needs from every guest kernel: its console on the
	 * 8250 (COM1) we emulate, reboot through the i8042 reset line we
	 * turn into a clean exit, and a panic that reboots at once instead
	 * of hanging the pod.
	 */
	static const struct {
		const char *key;
		const char *word;
	} defaults[] = {
		{"console=", "console=ttyS0"},
		{"reboot=", "reboot=k"},
		{"panic=", "panic=-1"},
	};
	size_t len = 0;
	int n;

	if (size == 0)
		return -ENAMETOOLONG;
	out[0] = '\0';
	if (user) {
		n = snprintf(out, size, "%s", user);
		if (n < 0 || (size_t)n >= size)
			return -ENAMETOOLONG;
		len = (size_t)n;
	}
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		if (user && cmdline_has_key(user, defaults[i].key))
			continue;
		n = snprintf(out + len, size - len, "%s%s", len ? " " : "",
			     defaults[i].word);
		if (n < 0 || (size_t)n >= size - len)
			return -ENAMETOOLONG;
		len += (size_t)n;
	}
	if (!user) {
		n = snprintf(out + len, size - len, " quiet");
		if (n < 0 || (size_t)n >= size - len)
			return -ENAMETOOLONG;
		len += (size_t)n;
	}
	return (int)len;
}

int boot_cmdline_add_virtio_mmio(char *out, size_t size, size_t len,
				 uint64_t base, uint32_t mmio_size,
				 unsigned int irq)
{
	int n;

	if (len >= size)
		return -ENAMETOOLONG;
	n = snprintf(out + len, size - len,
		     "%svirtio_mmio.device=%uK@0x%llx:%u", len ? " " : "",
		     mmio_size / 1024, (unsigned long long)base, irq);
	if (n < 0 || (size_t)n >= size - len) {
		out[len] = '\0';
		return -ENAMETOOLONG;
	}
	return (int)(len + (size_t)n);
}

int boot_params_write(const struct guest_mem *mem, const struct boot_info *info)
{
	struct boot_params *bp;
	size_t cmdline_len = strlen(info->cmdline);
	uint32_t cmdline_max = BOOT_CMDLINE_MAX;
	char *cmdline;
	int n;

	bp = guest_mem_ptr(mem, BOOT_PARAMS_ADDR, sizeof(*bp));
	cmdline = guest_mem_ptr(mem, BOOT_CMDLINE_ADDR, BOOT_CMDLINE_MAX);
	if (!bp || !cmdline) {
		log_error("boot: guest memory too small for the zero page");
		return -ENOMEM;
	}
	memset(bp, 0, sizeof(*bp));
	if (info->hdr) {
		/* bzImage: the kernel's own header, as boot.rst asks. */
		bp->hdr = *info->hdr;
		if (bp->hdr.cmdline_size && bp->hdr.cmdline_size < cmdline_max)
			cmdline_max = bp->hdr.cmdline_size + 1;
	} else {
		/* vmlinux has no setup header; give what startup_64 reads. */
		bp->hdr.boot_flag = 0xaa55;
		bp->hdr.header = 0x53726448; /* "HdrS" */
		bp->hdr.version = 0x020f;
		bp->hdr.kernel_alignment = 0x1000000;
		/* and no cmdline_size: x86 COMMAND_LINE_SIZE is 2048 */
		cmdline_max = BOOT_CMDLINE_VMLINUX_MAX;
	}
	if (cmdline_len + 1 > cmdline_max) {
		log_error("boot: kernel command line is %zu bytes, the kernel "
			  "accepts %u",
			  cmdline_len, cmdline_max - 1);
		return -ENAMETOOLONG;
	}
	memcpy(cmdline, info->cmdline, cmdline_len + 1);
	bp->hdr.type_of_loader = 0xff; /* undefined loader */
	bp->hdr.loadflags |= LOADED_HIGH;
	bp->hdr.cmd_line_ptr = (uint32_t)BOOT_CMDLINE_ADDR;
	bp->hdr.cmdline_size = (uint32_t)cmdline_len;
	bp->hdr.ramdisk_image = (uint32_t)info->initrd_addr;
	bp->hdr.ramdisk_size = (uint32_t)info->initrd_size;
	bp->ext_ramdisk_image = (uint32_t)(info->initrd_addr >> 32);
	bp->ext_ramdisk_size = (uint32_t)(info->initrd_size >> 32);
	n = boot_e820_build(mem, info->mptable_in_bios, bp->e820_table,
			    E820_MAX_ENTRIES_ZEROPAGE);
	if (n < 0) {
		log_error("boot: memory map does not fit the zero page");
		return n;
	}
	bp->e820_entries = (uint8_t)n;
	return 0;
}
