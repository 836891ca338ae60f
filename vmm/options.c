// SPDX-License-Identifier: Apache-2.0
#include "vmm/options.h"
#include "common/hex.h"

#include "common/log.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void options_usage(const char *progname)
{
	printf("usage: %s --kernel PATH [--initrd PATH] [--cmdline STR]\n"
	       "          [--mem MiB] [--cpus N] [--console FILE] "
	       "[--allow-pvm]\n"
	       "          [--rng] [--share TAG=DIR[,ro]]... "
	       "[--vsock CID,PATH]\n"
	       "          [--net tap=NAME[,mac=MAC] | --net fd=N[,mac=MAC]]\n"
	       "       %s --flat FILE [--mem MiB] [--cpus N] [--console FILE]\n"
	       "\n"
	       "Runs one KVM virtual machine until the guest resets it.\n"
	       "\n"
	       "  --kernel PATH   vmlinux (ELF) or bzImage, booted in 64-bit "
	       "mode\n"
	       "  --initrd PATH   initial ramdisk (cpio)\n"
	       "  --cmdline STR   kernel command line; console=ttyS0, "
	       "reboot=k\n"
	       "                  and panic=-1 are added unless STR sets "
	       "them;\n"
	       "                  default: \"console=ttyS0 reboot=k panic=-1 "
	       "quiet\"\n"
	       "  --mem MiB       guest RAM, %u..%u (default 128; a kernel "
	       "needs %u)\n"
	       "  --cpus N        virtual CPUs, 1..%u (default 1)\n"
	       "  --console FILE  write the serial console (COM1) to FILE, not "
	       "stdout\n"
	       "  --flat FILE     load FILE raw at 0x10000 and start it in "
	       "real mode\n"
	       "                  (CS=DS=ES=0x1000, IP=0, SS:SP=0:0xfff0)\n"
	       "  --allow-pvm     try to boot a kernel even on a kvm_pvm host\n"
	       "  --rng           a virtio-rng device (the guest's "
	       "/dev/hwrng)\n"
	       "  --share TAG=DIR[,ro]\n"
	       "                  show DIR to the guest over virtio-9p, "
	       "mount tag TAG\n"
	       "                  (1..%u bytes of A-Z a-z 0-9 _ . -); ,ro: "
	       "read-only;\n"
	       "                  repeatable, up to %u shares\n"
	       "  --vsock CID,PATH\n"
	       "                  a virtio-vsock device, guest CID %llu..%llu;"
	       " the\n"
	       "                  guest's connections to CID 2 port P go to "
	       "the Unix\n"
	       "                  socket PATH_P, and host clients of PATH ask "
	       "for a\n"
	       "                  guest port with \"CONNECT P\\n\" "
	       "(PATH: 1..%u bytes)\n"
	       "  --net tap=NAME[,mac=MAC]\n"
	       "                  a virtio-net device on the tap NAME (made "
	       "if missing;\n"
	       "                  1..%u bytes of A-Z a-z 0-9 _ . -)\n"
	       "  --net fd=N[,mac=MAC]\n"
	       "                  the same on an open tap fd N (>= %d, "
	       "IFF_TAP|IFF_NO_PI|\n"
	       "                  IFF_VNET_HDR); MAC xx:xx:xx:xx:xx:xx, "
	       "unicast;\n"
	       "                  default 02:... from the tap name and "
	       "network namespace\n"
	       "  --no-thp        no transparent huge pages for guest RAM "
	       "(by default\n"
	       "                  asked for: faster, RAM touched in 2 MiB "
	       "pieces)\n"
	       "  --no-sandbox    do not confine the VMM (namespaces, "
	       "capabilities,\n"
	       "                  seccomp): for debugging only\n"
	       "  --sandbox-trace confine it, but a forbidden syscall fails "
	       "with ENOSYS\n"
	       "                  and is reported instead of killing the "
	       "VMM\n"
	       "  --sandbox-rules print the seccomp allow-list of each "
	       "thread kind\n"
	       "  --verbose       debug messages\n"
	       "  --help          this text\n"
	       "\n"
	       "Exit status: 0 the guest reset the machine (reboot), 1 VMM or "
	       "KVM\n"
	       "error, 2 usage error, 3 the guest triple-faulted, 128+N "
	       "stopped\n"
	       "by signal N (SIGTERM, SIGINT, SIGHUP end the VM cleanly).\n",
	       progname, progname, OPTIONS_MEM_MIN_MIB, OPTIONS_MEM_MAX_MIB,
	       OPTIONS_MEM_MIN_LINUX_MIB, OPTIONS_CPUS_MAX, OPTIONS_TAG_MAX,
	       OPTIONS_SHARES_MAX, OPTIONS_VSOCK_CID_MIN, OPTIONS_VSOCK_CID_MAX,
	       OPTIONS_VSOCK_PATH_MAX, OPTIONS_NET_TAP_MAX, OPTIONS_NET_FD_MIN);
}

/* Strict decimal: no sign, no spaces, no suffix, no overflow. */
static int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_bounded(const char *name, const char *value, uint32_t min,
			 uint32_t max, uint32_t *out)
{
	uint32_t v;
	int r = parse_u32(value, &v);

	if (r == -EINVAL) {
		log_error("--%s '%s': not a decimal number", name, value);
		return -EINVAL;
	}
	if (r < 0 || v < min || v > max) {
		log_error("--%s %s: out of range, must be %" PRIu32
			  "..%" PRIu32,
			  name, value, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

enum {
	OPT_KERNEL = 256,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_MEM,
	OPT_CPUS,
	OPT_CONSOLE,
	OPT_FLAT,
	OPT_ALLOW_PVM,
	OPT_VERBOSE,
	OPT_HELP,
	OPT_RNG,
	OPT_SHARE,
	OPT_VSOCK,
	OPT_NET,
	OPT_NO_SANDBOX,
	OPT_SANDBOX_TRACE,
	OPT_SANDBOX_RULES,
	OPT_NO_THP,
};

static const struct option long_options[] = {
	{"kernel", required_argument, NULL, OPT_KERNEL},
	{"initrd", required_argument, NULL, OPT_INITRD},
	{"cmdline", required_argument, NULL, OPT_CMDLINE},
	{"mem", required_argument, NULL, OPT_MEM},
	{"cpus", required_argument, NULL, OPT_CPUS},
	{"console", required_argument, NULL, OPT_CONSOLE},
	{"flat", required_argument, NULL, OPT_FLAT},
	{"allow-pvm", no_argument, NULL, OPT_ALLOW_PVM},
	{"verbose", no_argument, NULL, OPT_VERBOSE},
	{"help", no_argument, NULL, OPT_HELP},
	{"rng", no_argument, NULL, OPT_RNG},
	{"share", required_argument, NULL, OPT_SHARE},
	{"vsock", required_argument, NULL, OPT_VSOCK},
	{"net", required_argument, NULL, OPT_NET},
	{"no-sandbox", no_argument, NULL, OPT_NO_SANDBOX},
	{"sandbox-trace", no_argument, NULL, OPT_SANDBOX_TRACE},
	{"sandbox-rules", no_argument, NULL, OPT_SANDBOX_RULES},
	{"no-thp", no_argument, NULL, OPT_NO_THP},
	{NULL, 0, NULL, 0},
};

static int set_path(const char *name, const char **slot, const char *value)
{
	if (*slot) {
		log_error("--%s given twice", name);
		return -EINVAL;
	}
	if (!*value) {
		log_error("--%s: empty path", name);
		return -EINVAL;
	}
	*slot = value;
	return 0;
}

/*
 * --share TAG=DIR[,ro]. The tag is what the guest passes to mount -t 9p:
 * the virtio-9p config space holds it, and Linux lists it in sysfs, so
 * keep it to a short, plain name; unique, since it names the share.
 */
static int parse_share(const char *arg, struct options *opts)
{
	const char *eq = strchr(arg, '=');
	struct options_share *sh;
	size_t tag_len, dir_len;

	if (opts->nshares >= OPTIONS_SHARES_MAX) {
		log_error("--share: at most %u shares", OPTIONS_SHARES_MAX);
		return -EINVAL;
	}
	if (!eq) {
		log_error("--share '%s': expected TAG=DIR[,ro]", arg);
		return -EINVAL;
	}
	tag_len = (size_t)(eq - arg);
	if (tag_len == 0 || tag_len > OPTIONS_TAG_MAX) {
		log_error("--share '%s': the tag must be 1..%u bytes", arg,
			  OPTIONS_TAG_MAX);
		return -EINVAL;
	}
	if (strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			"0123456789_.-") < tag_len) {
		log_error("--share '%s': the tag may only hold A-Z a-z 0-9 _ . "
			  "-",
			  arg);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < opts->nshares; i++)
		if (strlen(opts->shares[i].tag) == tag_len &&
		    !memcmp(opts->shares[i].tag, arg, tag_len)) {
			log_error("--share: tag '%s' given twice",
				  opts->shares[i].tag);
			return -EINVAL;
		}
	sh = &opts->shares[opts->nshares];
	memset(sh, 0, sizeof(*sh));
	dir_len = strlen(eq + 1);
	if (dir_len >= 3 && !strcmp(eq + 1 + dir_len - 3, ",ro")) {
		sh->read_only = true;
		dir_len -= 3;
	}
	if (dir_len == 0) {
		log_error("--share '%s': empty directory", arg);
		return -EINVAL;
	}
	if (dir_len >= OPTIONS_SHARE_DIR_MAX) {
		log_error("--share: directory longer than %u bytes",
			  OPTIONS_SHARE_DIR_MAX - 1);
		return -EINVAL;
	}
	memcpy(sh->tag, arg, tag_len);
	memcpy(sh->dir, eq + 1, dir_len);
	opts->nshares++;
	return 0;
}

/*
 * --vsock CID,PATH. CIDs 0-2 name the hypervisor, the loopback and the
 * host; 2^32-1 is VMADDR_CID_ANY (Linux keeps CIDs in 32 bits). PATH_P
 * must fit a sockaddr_un for every port P.
 */
static int parse_vsock(const char *arg, struct options *opts)
{
	const char *comma = strchr(arg, ',');
	char digits[16];
	uint32_t cid = 0;
	size_t len;
	int r = -EINVAL;

	if (opts->vsock_cid) {
		log_error("--vsock given twice");
		return -EINVAL;
	}
	if (!comma) {
		log_error("--vsock '%s': expected CID,PATH", arg);
		return -EINVAL;
	}
	len = (size_t)(comma - arg);
	if (len < sizeof(digits)) {
		memcpy(digits, arg, len);
		digits[len] = '\0';
		r = parse_u32(digits, &cid);
	}
	if (r < 0 || cid < OPTIONS_VSOCK_CID_MIN ||
	    cid > OPTIONS_VSOCK_CID_MAX) {
		log_error("--vsock '%s': the CID must be a number in "
			  "%llu..%llu",
			  arg, OPTIONS_VSOCK_CID_MIN, OPTIONS_VSOCK_CID_MAX);
		return -EINVAL;
	}
	len = strlen(comma + 1);
	if (len == 0 || len > OPTIONS_VSOCK_PATH_MAX) {
		log_error("--vsock: the path must be 1..%u bytes",
			  OPTIONS_VSOCK_PATH_MAX);
		return -EINVAL;
	}
	opts->vsock_cid = cid;
	opts->vsock_path = comma + 1;
	return 0;
}

/* xx:xx:xx:xx:xx:xx (len bytes at s), a unicast address, not all zero:
 * a NIC cannot have a group address (§5.1.4 takes it as given). */
static int parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	unsigned int any = 0;

	if (len != 17)
		return -EINVAL;
	for (unsigned int i = 0; i < 6; i++) {
		int hi = hex_value(s[3 * i]), lo = hex_value(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
		any |= mac[i];
	}
	if (!any || (mac[0] & 1))
		return -EINVAL;
	return 0;
}

/*
 * --net tap=NAME[,mac=MAC] or fd=N[,mac=MAC]: one NIC. Names are kept to
 * plain ones Linux accepts (no '/', ':', spaces; not "." or "..").
 */
static int parse_net(const char *arg, struct options *opts)
{
	const char *p = arg;
	bool have_tap = false, have_fd = false;

	if (opts->net) {
		log_error("--net given twice (one network device)");
		return -EINVAL;
	}
	opts->net_fd = -1;
	while (*p) {
		const char *end = strchrnul(p, ',');
		const char *eq = memchr(p, '=', (size_t)(end - p));
		size_t klen = eq ? (size_t)(eq - p) : 0;
		size_t vlen = eq ? (size_t)(end - eq - 1) : 0;
		const char *v = eq ? eq + 1 : NULL;

		if (!eq) {
			log_error("--net '%s': expected tap=NAME or fd=N, then "
				  "optionally ,mac=MAC",
				  arg);
			return -EINVAL;
		}
		if (klen == 3 && !memcmp(p, "tap", 3) && !have_tap) {
			have_tap = true;
			if (vlen == 0 || vlen > OPTIONS_NET_TAP_MAX ||
			    strspn(v,
				   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "abcdefghijklmnopqrstuvwxyz0123456789_.-") <
				    vlen ||
			    (vlen == 1 && v[0] == '.') ||
			    (vlen == 2 && !memcmp(v, "..", 2))) {
				log_error("--net '%s': the tap name must be "
					  "1..%u bytes of A-Z a-z 0-9 _ . -",
					  arg, OPTIONS_NET_TAP_MAX);
				return -EINVAL;
			}
			memcpy(opts->net_tap, v, vlen);
			opts->net_tap[vlen] = '\0';
		} else if (klen == 2 && !memcmp(p, "fd", 2) && !have_fd) {
			char digits[12];
			uint32_t fd = 0;
			int r = -EINVAL;

			have_fd = true;
			if (vlen > 0 && vlen < sizeof(digits)) {
				memcpy(digits, v, vlen);
				digits[vlen] = '\0';
				r = parse_u32(digits, &fd);
			}
			if (r < 0 || fd < OPTIONS_NET_FD_MIN ||
			    fd > INT32_MAX) {
				log_error("--net '%s': the fd must be a number "
					  "from %d (0-2 are stdio)",
					  arg, OPTIONS_NET_FD_MIN);
				return -EINVAL;
			}
			opts->net_fd = (int)fd;
		} else if (klen == 3 && !memcmp(p, "mac", 3) &&
			   !opts->net_mac_set) {
			if (parse_mac(v, vlen, opts->net_mac) < 0) {
				log_error("--net '%s': the MAC must be "
					  "xx:xx:xx:xx:xx:xx in hex, unicast "
					  "and not all zero",
					  arg);
				return -EINVAL;
			}
			opts->net_mac_set = true;
		} else {
			log_error("--net '%s': unknown or repeated key '%.*s'",
				  arg, (int)klen, p);
			return -EINVAL;
		}
		p = *end ? end + 1 : end;
		if (*end && !*p) {
			log_error("--net '%s': trailing comma", arg);
			return -EINVAL;
		}
	}
	if (have_tap == have_fd) {
		log_error("--net '%s': give exactly one of tap=NAME and fd=N",
			  arg);
		return -EINVAL;
	}
	opts->net = true;
	return 0;
}

int options_parse(int argc, char *const argv[], struct options *opts)
{
	int c, r = 0;

	memset(opts, 0, sizeof(*opts));
	opts->net_fd = -1;
	opts->mem_mib = 128;
	opts->cpus = 1;
	/* getopt keeps state between calls; reset it for repeated parsing. */
	optind = 0;
	opterr = 0;
	while (r == 0 &&
	       (c = getopt_long(argc, argv, "+:h", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_KERNEL:
			r = set_path("kernel", &opts->kernel, optarg);
			break;
		case OPT_INITRD:
			r = set_path("initrd", &opts->initrd, optarg);
			break;
		case OPT_CMDLINE:
			if (opts->cmdline) {
				log_error("--cmdline given twice");
				r = -EINVAL;
			}
			opts->cmdline = optarg;
			break;
		case OPT_CONSOLE:
			r = set_path("console", &opts->console, optarg);
			break;
		case OPT_FLAT:
			r = set_path("flat", &opts->flat, optarg);
			break;
		case OPT_MEM:
			/*
			 * Below 2 MiB not even a flat guest has room for its
			 * stack and code; 1 TiB is far beyond any pod and
			 * catches typos (a value in KiB or bytes).
			 */
			r = parse_bounded("mem", optarg, OPTIONS_MEM_MIN_MIB,
					  OPTIONS_MEM_MAX_MIB, &opts->mem_mib);
			break;
		case OPT_CPUS:
			/* xAPIC IDs are 8 bits, 0xff is broadcast and the
			 * I/O APIC takes the ID after the last CPU. */
			r = parse_bounded("cpus", optarg, 1, OPTIONS_CPUS_MAX,
					  &opts->cpus);
			break;
		case OPT_ALLOW_PVM:
			opts->allow_pvm = true;
			break;
		case OPT_VERBOSE:
			opts->verbose = true;
			break;
		case OPT_RNG:
			opts->rng = true;
			break;
		case OPT_SHARE:
			r = parse_share(optarg, opts);
			break;
		case OPT_VSOCK:
			r = parse_vsock(optarg, opts);
			break;
		case OPT_NET:
			r = parse_net(optarg, opts);
			break;
		case OPT_NO_SANDBOX:
			opts->no_sandbox = true;
			break;
		case OPT_SANDBOX_TRACE:
			opts->sandbox_trace = true;
			break;
		case OPT_NO_THP:
			opts->no_thp = true;
			break;
		case OPT_SANDBOX_RULES:
			opts->sandbox_rules = true;
			return 0;
		case 'h':
		case OPT_HELP:
			opts->help = true;
			return 0;
		case ':':
			log_error("%s needs a value", argv[optind - 1]);
			r = -EINVAL;
			break;
		default:
			log_error("unknown option '%s' (see --help)",
				  argv[optind - 1]);
			r = -EINVAL;
			break;
		}
	}
	if (r < 0)
		return r;
	if (optind < argc) {
		log_error("unexpected argument '%s' (see --help)",
			  argv[optind]);
		return -EINVAL;
	}
	if (opts->no_sandbox && opts->sandbox_trace) {
		log_error("--no-sandbox and --sandbox-trace exclude each "
			  "other");
		return -EINVAL;
	}
	if (opts->flat &&
	    (opts->rng || opts->nshares || opts->vsock_cid || opts->net)) {
		log_error("--flat has no devices: --rng, --share, --vsock and "
			  "--net need --kernel");
		return -EINVAL;
	}
	if (opts->flat && (opts->kernel || opts->initrd || opts->cmdline)) {
		log_error("--flat cannot be combined with --kernel, --initrd "
			  "or --cmdline");
		return -EINVAL;
	}
	if (!opts->flat && !opts->kernel) {
		log_error("no guest given: use --kernel PATH or --flat FILE "
			  "(see --help)");
		return -EINVAL;
	}
	if (opts->kernel && opts->mem_mib < OPTIONS_MEM_MIN_LINUX_MIB) {
		log_error("--mem %" PRIu32 ": too small to boot a kernel, "
			  "need at least %u MiB",
			  opts->mem_mib, OPTIONS_MEM_MIN_LINUX_MIB);
		return -EINVAL;
	}
	return 0;
}
