// SPDX-License-Identifier: Apache-2.0
#include "stage0/command.h"
#include "common/cleanup.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * The linker gathers every COCOON_COMMAND() pointer into the
 * cocoon_commands section and defines these two symbols around it. Weak,
 * so a program without any command still links (with none).
 */
extern const struct command *const __start_cocoon_commands[]
	__attribute__((weak));
extern const struct command *const __stop_cocoon_commands[]
	__attribute__((weak));

static size_t command_count(void)
{
	if (!__start_cocoon_commands || !__stop_cocoon_commands)
		return 0;
	/* One section: the linker puts both symbols around the same array. */
	// cppcheck-suppress comparePointers
	return __stop_cocoon_commands - __start_cocoon_commands;
}

const struct command *command_find(const char *name)
{
	size_t n = command_count();

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(__start_cocoon_commands[i]->name, name))
			return __start_cocoon_commands[i];
	}
	return NULL;
}

static int command_compare(const void *a, const void *b)
{
	const struct command *const *ca = a, *const *cb = b;

	return strcmp((*ca)->name, (*cb)->name);
}

void command_for_each(void (*fn)(const struct command *c, void *arg), void *arg)
{
	size_t n = command_count();
	const struct command **sorted;

	if (!n)
		return;
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted) {
		/* Out of memory: every command still, in link order. */
		for (size_t i = 0; i < n; i++)
			fn(__start_cocoon_commands[i], arg);
		return;
	}
	memcpy(sorted, __start_cocoon_commands, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), command_compare);
	for (size_t i = 0; i < n; i++)
		fn(sorted[i], arg);
	free(sorted);
}

/* rkt's names for --insecure-options, and its all-fetch/all-run groups. */
static const struct {
	const char *name;
	unsigned bits;
} command_insecure_names[] = {
	{"none", INSECURE_NONE},
	{"image", INSECURE_IMAGE},
	{"tls", INSECURE_TLS},
	{"http", INSECURE_HTTP},
	{"pubkey", INSECURE_PUBKEY},
	{"capabilities", INSECURE_CAPABILITIES},
	{"paths", INSECURE_PATHS},
	{"seccomp", INSECURE_SECCOMP},
	{"all-fetch", INSECURE_IMAGE | INSECURE_TLS | INSECURE_HTTP},
	{"all-run", INSECURE_CAPABILITIES | INSECURE_PATHS | INSECURE_SECCOMP},
	{"all", INSECURE_IMAGE | INSECURE_TLS | INSECURE_HTTP |
			INSECURE_PUBKEY | INSECURE_CAPABILITIES |
			INSECURE_PATHS | INSECURE_SECCOMP},
};

const char *insecure_option_name(unsigned bit)
{
	if (!bit || (bit & (bit - 1)))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(command_insecure_names); i++)
		if (command_insecure_names[i].bits == bit)
			return command_insecure_names[i].name;
	return NULL;
}

int insecure_options_parse(const char *list, unsigned *out, struct error **err)
{
	unsigned bits = 0;
	const char *p = list;

	if (!*list)
		return error_set(err, EINVAL,
				 "empty list (want e.g. image,http or none)");
	for (;;) {
		size_t len = strcspn(p, ",");
		bool found = false;

		for (size_t i = 0; i < ARRAY_SIZE(command_insecure_names);
		     i++) {
			if (strlen(command_insecure_names[i].name) == len &&
			    !strncmp(command_insecure_names[i].name, p, len)) {
				bits |= command_insecure_names[i].bits;
				found = true;
			}
		}
		if (!found)
			return error_set(
				err, EINVAL,
				"unknown option \"%.*s\" (known: none, image, "
				"tls, http, pubkey, capabilities, paths, "
				"seccomp, all-fetch, all-run, all)",
				(int)(len > 64 ? 64 : len), p);
		if (!p[len])
			break;
		p += len + 1;
	}
	*out = bits;
	return 0;
}
