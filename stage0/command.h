/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stage0 commands: one small file each, registering itself with
 * COCOON_COMMAND(); main.c finds them in the cocoon_commands section, so
 * adding a command touches no central list.
 */
#ifndef COCOON_STAGE0_COMMAND_H
#define COCOON_STAGE0_COMMAND_H

#include "common/error.h"

#define COCOON_DEFAULT_DIR "/var/lib/cocoon"

/* --insecure-options bits, as rkt names them. */
enum insecure_option {
	INSECURE_NONE = 0,
	INSECURE_IMAGE = 1 << 0,  /* do not verify signatures */
	INSECURE_TLS = 1 << 1,	  /* accept any TLS certificate */
	INSECURE_HTTP = 1 << 2,	  /* allow plain http */
	INSECURE_PUBKEY = 1 << 3, /* trust keys fetched by discovery */
	INSECURE_CAPABILITIES = 1 << 4,
	INSECURE_PATHS = 1 << 5,
	INSECURE_SECCOMP = 1 << 6,
};

struct global_options {
	const char *dir;	/* --dir, default COCOON_DEFAULT_DIR */
	const char *config_dir; /* --local-config, default /etc/cocoon */
	const char *vendor_dir; /* --system-config, default /usr/lib/cocoon */
	unsigned insecure;	/* enum insecure_option bits */
	int debug;
};

struct command {
	const char *name;    /* "fetch", or "image list" for subcommands */
	const char *summary; /* one line for `cocoon help` */
	const char *usage;   /* full --help text */
	/* argv[0] is the command name; returns the process exit status. */
	int (*run)(int argc, char **argv, const struct global_options *g);
};

#define COCOON_COMMAND(ident, ...)                               \
	static const struct command cmd_##ident = {__VA_ARGS__}; \
	static const struct command *const cmd_ptr_##ident       \
		__attribute__((used, section("cocoon_commands"), \
			       aligned(sizeof(void *)))) = &cmd_##ident

/* Finds a command by name ("image list" for a two-word command). */
const struct command *command_find(const char *name);
/* Calls fn for every registered command, sorted by name. */
void command_for_each(void (*fn)(const struct command *c, void *arg),
		      void *arg);
/*
 * The rkt name of one --insecure-options bit (INSECURE_IMAGE: "image"), or
 * NULL for anything but a single known bit. Bits go up to INSECURE_SECCOMP.
 */
const char *insecure_option_name(unsigned bit);
/* Parses "image,http" etc. into insecure bits; -1 with *err on bad names. */
int insecure_options_parse(const char *list, unsigned *out, struct error **err);

#endif
