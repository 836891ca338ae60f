/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CPU lists as sysfs prints them (/sys/devices/system/cpu/online).
 */
#ifndef COCOON_GUEST_CPULIST_H
#define COCOON_GUEST_CPULIST_H

/*
 * Counts the CPUs in a list such as "0-3,5\n" (the format of
 * Documentation/admin-guide/cputopology.rst). Returns the count (>= 1) or
 * -EINVAL for an empty or malformed list.
 */
int cpulist_count(const char *text);

#endif
