/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The /etc/hosts an app gets (docs/guest.md): loopback names and the
 * pod's hostname. stage0 writes it into each app's tree before the VM
 * starts; cocoon-init writes the same text when the host did not.
 */
#ifndef COCOON_COMMON_ETCHOSTS_H
#define COCOON_COMMON_ETCHOSTS_H

#include <stddef.h>

/* Formats /etc/hosts for hostname into buf: its length, or -ENAMETOOLONG. */
int etchosts_text(const char *hostname, char *buf, size_t size);

#endif
