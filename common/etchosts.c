// SPDX-License-Identifier: Apache-2.0
#include "common/etchosts.h"

#include <errno.h>
#include <stdio.h>

int etchosts_text(const char *hostname, char *buf, size_t size)
{
	int n = snprintf(buf, size,
			 "127.0.0.1\tlocalhost\n"
			 "::1\tlocalhost ip6-localhost ip6-loopback\n"
			 "127.0.1.1\t%s\n",
			 hostname);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}
