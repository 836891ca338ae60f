// SPDX-License-Identifier: Apache-2.0
#include "initrd/contents_list.h"
#include "common/cleanup.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define CONTENTS_MAX_FIELDS 9

/* What each keyword expects after itself. */
struct contents_syntax {
	const char *keyword;
	enum contents_type type;
	uint32_t type_bits;
	bool has_source; /* a <source> or <target> field after the name */
	bool is_nod;	 /* <c|b> <major> <minor> after uid and gid */
	const char *usage;
};

static const struct contents_syntax contents_syntaxes[] = {
	{"dir", CONTENTS_DIR, S_IFDIR, false, false,
	 "dir <name> <mode> <uid> <gid>"},
	{"file", CONTENTS_FILE, S_IFREG, true, false,
	 "file <name> <source> <mode> <uid> <gid>"},
	{"slink", CONTENTS_SLINK, S_IFLNK, true, false,
	 "slink <name> <target> <mode> <uid> <gid>"},
	{"nod", CONTENTS_NOD, 0, false, true,
	 "nod <name> <mode> <uid> <gid> <c|b> <major> <minor>"},
	{"pipe", CONTENTS_PIPE, S_IFIFO, false, false,
	 "pipe <name> <mode> <uid> <gid>"},
	{"sock", CONTENTS_SOCK, S_IFSOCK, false, false,
	 "sock <name> <mode> <uid> <gid>"},
};

static int contents_fail(char *why, size_t why_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int contents_fail(char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, why_size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int contents_number(const char *s, int base, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else
			return -EINVAL;
		if (d >= base)
			return -EINVAL;
		v = v * base + d;
		if (v > max)
			return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/* An absolute archive path: no empty, "." or ".." components. */
static bool contents_name_ok(const char *name)
{
	const char *p = name;

	if (*p != '/' || !p[1])
		return false;
	while (*p) {
		const char *part = p + 1, *end = strchrnul(part, '/');
		size_t len = end - part;

		if (len == 0 || (len == 1 && part[0] == '.') ||
		    (len == 2 && part[0] == '.' && part[1] == '.'))
			return false;
		p = end;
	}
	return true;
}

int contents_parse_line(char *line, struct contents_entry *e, char *why,
			size_t why_size)
{
	const struct contents_syntax *syn = NULL;
	char *fields[CONTENTS_MAX_FIELDS + 1];
	size_t n = 0, want, i;
	char *hash, *save = NULL, *tok;

	hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	for (tok = strtok_r(line, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == CONTENTS_MAX_FIELDS)
			return contents_fail(why, why_size, "too many fields");
		fields[n++] = tok;
	}
	if (n == 0)
		return 0;
	for (i = 0; i < ARRAY_SIZE(contents_syntaxes); i++) {
		if (!strcmp(fields[0], contents_syntaxes[i].keyword))
			syn = &contents_syntaxes[i];
	}
	if (!syn)
		return contents_fail(why, why_size,
				     "unknown type \"%.32s\" (want dir, file, "
				     "slink, nod, pipe or sock)",
				     fields[0]);
	want = 5 + syn->has_source + (syn->is_nod ? 3 : 0);
	if (n != want)
		return contents_fail(why, why_size,
				     "%s: %zu fields, want %zu: %s",
				     syn->keyword, n, want, syn->usage);

	memset(e, 0, sizeof(*e));
	e->type = syn->type;
	e->name = fields[1];
	if (!contents_name_ok(e->name))
		return contents_fail(
			why, why_size,
			"%s: name \"%.64s\" is not an absolute path without "
			"\".\", \"..\" or empty parts",
			syn->keyword, e->name);
	i = 2;
	if (syn->has_source)
		e->source = fields[i++];
	if (contents_number(fields[i], 8, 07777, &e->mode) < 0)
		return contents_fail(
			why, why_size,
			"%s: mode \"%.32s\" is not octal up to 07777",
			syn->keyword, fields[i]);
	if (contents_number(fields[i + 1], 10, UINT32_MAX, &e->uid) < 0 ||
	    contents_number(fields[i + 2], 10, UINT32_MAX, &e->gid) < 0)
		return contents_fail(why, why_size,
				     "%s: uid \"%.32s\" or gid \"%.32s\" is "
				     "not a decimal number",
				     syn->keyword, fields[i + 1],
				     fields[i + 2]);
	e->mode |= syn->type_bits;
	if (syn->is_nod) {
		const char *kind = fields[i + 3];

		if (!strcmp(kind, "c"))
			e->mode |= S_IFCHR;
		else if (!strcmp(kind, "b"))
			e->mode |= S_IFBLK;
		else
			return contents_fail(
				why, why_size,
				"nod: device type \"%.32s\" is not c or b",
				kind);
		/* Linux dev_t: 12-bit major, 20-bit minor. */
		if (contents_number(fields[i + 4], 10, 4095, &e->major) < 0 ||
		    contents_number(fields[i + 5], 10, 1048575, &e->minor) < 0)
			return contents_fail(why, why_size,
					     "nod: major \"%.32s\" or minor "
					     "\"%.32s\" is not a device number",
					     fields[i + 4], fields[i + 5]);
	}
	if (syn->type == CONTENTS_SLINK && !*e->source)
		return contents_fail(why, why_size, "slink: empty target");
	return 1;
}
