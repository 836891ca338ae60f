/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line options of cocoon-vmm. Parsing is pure (no I/O besides
 * messages on stderr) so it can be unit-tested.
 */
#ifndef COCOON_VMM_OPTIONS_H
#define COCOON_VMM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/* Bounds on --mem (MiB) and --cpus; the reasons are in options.c. */
#define OPTIONS_MEM_MIN_MIB	  2u
#define OPTIONS_MEM_MIN_LINUX_MIB 16u
#define OPTIONS_MEM_MAX_MIB	  (1024u * 1024u)
#define OPTIONS_CPUS_MAX	  254u
/* --share: how many, and the longest tag and directory. */
#define OPTIONS_SHARES_MAX    8u
#define OPTIONS_TAG_MAX	      31u
#define OPTIONS_SHARE_DIR_MAX 4096u
/* --vsock: guest CIDs 3..2^32-2, a PATH that leaves room for "_<port>"
 * in a Unix socket address (same bounds as vmm/vsock/device.h). */
#define OPTIONS_VSOCK_CID_MIN  3ull
#define OPTIONS_VSOCK_CID_MAX  0xfffffffeull
#define OPTIONS_VSOCK_PATH_MAX 96u

/* --net: tap names as Linux takes them (IFNAMSIZ - 1), fds past stdio. */
#define OPTIONS_NET_TAP_MAX 15u
#define OPTIONS_NET_FD_MIN  3

struct options_share {
	char tag[OPTIONS_TAG_MAX + 1];
	char dir[OPTIONS_SHARE_DIR_MAX];
	bool read_only;
};

struct options {
	const char *kernel;
	const char *initrd;
	const char *cmdline; /* NULL: the default command line */
	const char *flat;    /* raw binary, real mode (no kernel) */
	const char *console; /* NULL: stdout */
	uint32_t mem_mib;
	uint32_t cpus;
	bool allow_pvm;
	bool no_thp; /* --no-thp */
	bool verbose;
	bool help;
	bool rng; /* --rng: virtio-rng */
	/* --no-sandbox: run unconfined (debugging); --sandbox-trace: a
	 * forbidden syscall fails and is reported instead of killing;
	 * --sandbox-rules: print the seccomp allow-lists and exit */
	bool no_sandbox;
	bool sandbox_trace;
	bool sandbox_rules;
	/* --share TAG=DIR[,ro], in order given */
	struct options_share shares[OPTIONS_SHARES_MAX];
	unsigned int nshares;
	/* --vsock CID,PATH: virtio-vsock; vsock_cid 0 when not given */
	uint64_t vsock_cid;
	const char *vsock_path; /* points into argv */
	/* --net tap=NAME[,mac=MAC] | fd=N[,mac=MAC]: virtio-net */
	bool net;
	char net_tap[OPTIONS_NET_TAP_MAX + 1]; /* "" with fd= */
	int net_fd;			       /* -1 with tap= */
	bool net_mac_set;
	uint8_t net_mac[6];
};

/*
 * Fills *opts from argv. Returns 0 on success or -EINVAL after printing
 * one message on stderr that names the bad option and why.
 */
int options_parse(int argc, char *const argv[], struct options *opts);
/* Prints the usage text to stdout. */
void options_usage(const char *progname);

#endif
