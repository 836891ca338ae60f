/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest memory size from /proc/iomem, for the "ready" line.
 */
#ifndef COCOON_GUEST_IOMEM_H
#define COCOON_GUEST_IOMEM_H

#include <stdint.h>

/*
 * Sums the "System RAM" ranges of /proc/iomem text ("start-end : name",
 * hex, inclusive end, two spaces of indent per nesting level). A System RAM
 * range nested in another is counted once. Returns 0 with *bytes set,
 * -EINVAL for a malformed line or a sum that overflows, -EACCES when the
 * kernel hid the addresses (every range reads 0-0 to a reader without
 * CAP_SYS_ADMIN), -ENOENT when there is no System RAM at all.
 */
int iomem_system_ram(const char *text, uint64_t *bytes);

/*
 * Rounds bytes to the nearest MiB (half a MiB rounds up).
 *
 * The VMM's e820 map gives the guest all of --mem as RAM except the legacy
 * hole below 1 MiB (0x9fc00-0xfffff: EBDA, VGA, BIOS ROM), and the kernel
 * itself reserves page 0; together under 400 KiB. Rounding to the nearest
 * MiB therefore shows `--mem 64` as mem=64, where truncating would show 63.
 */
uint64_t iomem_round_mib(uint64_t bytes);

#endif
