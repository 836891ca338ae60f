// SPDX-License-Identifier: Apache-2.0
/*
 * Man pages (man(7) macros, as groff and mandoc read them) rendered from
 * the usage texts: see manpage.h for the layout they follow.
 */
#include "stage0/manpage.h"
#include "stage0/cli.h"
#include "common/cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef COCOON_VERSION
#define COCOON_VERSION "0.1.0-dev"
#endif

/* ---- parsing */

static char *mp_strndup_trim(const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return strndup(s, len);
}

/* *dst = *dst + sep + s[0..len) (or just s when *dst is NULL). */
static int mp_append(char **dst, const char *sep, const char *s, size_t len)
{
	char *joined;

	if (!*dst) {
		*dst = strndup(s, len);
		return *dst ? 0 : -1;
	}
	if (asprintf(&joined, "%s%s%.*s", *dst, sep, (int)len, s) < 0)
		return -1;
	free(*dst);
	*dst = joined;
	return 0;
}

static bool mp_starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !strncmp(s, prefix, n);
}

/* "Options:", "Pod flags (anywhere on the line):", "Global flags:". */
static bool mp_option_heading(const char *s, size_t len)
{
	size_t head = strcspn(s, "(:");

	if (!len || s[len - 1] != ':')
		return false;
	if (head > len)
		head = len;
	return mp_starts(s, len, "Options:") ||
	       (head >= 5 && memmem(s, head, "flags", 5) != NULL);
}

static struct manpage_block *mp_new_block(struct manpage_usage *u,
					  enum manpage_section section)
{
	struct manpage_block *v =
		realloc(u->blocks, (u->nblocks + 1) * sizeof(*v));

	if (!v)
		return NULL;
	u->blocks = v;
	memset(&v[u->nblocks], 0, sizeof(v[0]));
	v[u->nblocks].section = section;
	return &v[u->nblocks++];
}

/* One list line at the item indent: "TERM  desc", "* bullet" or "TERM". */
static int mp_new_item(struct manpage_block *b, const char *s, size_t len)
{
	struct manpage_item *v =
		realloc(b->items, (b->nitems + 1) * sizeof(*v));
	struct manpage_item *it;
	const char *gap;

	if (!v)
		return -1;
	b->items = v;
	it = &v[b->nitems++];
	memset(it, 0, sizeof(*it));
	if (len >= 2 && (s[0] == '*' || s[0] == '-') && s[1] == ' ') {
		it->desc = mp_strndup_trim(s + 2, len - 2);
		return it->desc ? 0 : -1;
	}
	gap = memmem(s, len, "  ", 2);
	if (!gap) {
		it->term = strndup(s, len);
		it->desc = strdup("");
	} else {
		it->term = strndup(s, gap - s);
		it->desc = mp_strndup_trim(gap, len - (gap - s));
	}
	return it->term && it->desc ? 0 : -1;
}

static int mp_continue_item(struct manpage_block *b, const char *s, size_t len)
{
	struct manpage_item *it = &b->items[b->nitems - 1];

	if (!*it->desc) {
		free(it->desc);
		it->desc = NULL;
	}
	return mp_append(&it->desc, " ", s, len);
}

struct mp_parser {
	struct manpage_usage *u;
	enum manpage_section section;
	size_t open;   /* index + 1 of the block lines go to, 0 if none */
	size_t indent; /* the open list's item indent */
	char *heading; /* an option heading waiting for its list */
	bool synopsis; /* still in the Usage: lines */
};

static int mp_parse_line(struct mp_parser *ps, const char *line, size_t len,
			 bool next_indented)
{
	size_t indent = strspn(line, " \t");
	const char *s = line + indent;
	struct manpage_block *b;

	if (indent > len)
		indent = len;
	len -= indent;
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (!len) {
		ps->synopsis = false;
		ps->open = 0;
		return 0;
	}
	if (ps->synopsis) {
		struct manpage_usage *u = ps->u;

		if (indent && mp_starts(s, len, "cocoon ")) {
			char **v = realloc(u->synopsis,
					   (u->nsynopsis + 1) * sizeof(*v));

			if (!v)
				return -1;
			u->synopsis = v;
			v[u->nsynopsis] = strndup(s, len);
			return v[u->nsynopsis++] ? 0 : -1;
		}
		return mp_append(&u->synopsis[u->nsynopsis - 1], " ", s, len);
	}
	if (!indent) {
		if (ps->open && !ps->u->blocks[ps->open - 1].text)
			ps->open = 0; /* a list ends at column 0 */
		if (mp_starts(s, len, "Exit status:")) {
			ps->section = MANPAGE_EXIT_STATUS;
			ps->open = 0;
			s += 12;
			len -= 12;
			while (len && *s == ' ') {
				s++;
				len--;
			}
			if (!len)
				return 0;
		} else if (next_indented && mp_option_heading(s, len)) {
			ps->section = MANPAGE_OPTIONS;
			ps->open = 0;
			free(ps->heading);
			ps->heading = mp_starts(s, len, "Options:")
					      ? NULL
					      : strndup(s, len - 1);
			return 0;
		}
		if (!ps->open) {
			b = mp_new_block(ps->u, ps->section);
			if (!b)
				return -1;
			ps->open = ps->u->nblocks;
		}
		return mp_append(&ps->u->blocks[ps->open - 1].text, "\n", s,
				 len);
	}
	if (!ps->open || ps->u->blocks[ps->open - 1].text) {
		b = mp_new_block(ps->u, ps->section);
		if (!b)
			return -1;
		b->heading = ps->heading;
		ps->heading = NULL;
		ps->open = ps->u->nblocks;
		ps->indent = indent;
		return mp_new_item(b, s, len);
	}
	b = &ps->u->blocks[ps->open - 1];
	if (indent <= ps->indent)
		return mp_new_item(b, s, len);
	return mp_continue_item(b, s, len);
}

int manpage_usage_parse(const char *usage, struct manpage_usage *out,
			struct error **err)
{
	struct mp_parser ps = {.u = out, .section = MANPAGE_DESCRIPTION};
	const char *p = usage ? usage : "";
	int r = 0;

	memset(out, 0, sizeof(*out));
	p += strspn(p, "\n");
	if (mp_starts(p, strlen(p), "Usage:")) {
		const char *eol = strchrnul(p, '\n');

		out->synopsis = calloc(1, sizeof(*out->synopsis));
		if (out->synopsis)
			out->synopsis[0] = mp_strndup_trim(p + 6, eol - p - 6);
		if (!out->synopsis || !out->synopsis[0]) {
			manpage_usage_free(out);
			return error_set(err, ENOMEM, "out of memory");
		}
		out->nsynopsis = 1;
		ps.synopsis = true;
		p = *eol ? eol + 1 : eol;
	}
	while (*p && r == 0) {
		const char *eol = strchrnul(p, '\n');
		const char *next = *eol ? eol + 1 : eol;
		size_t nindent = strspn(next, " \t");
		bool next_indented =
			nindent > 0 && next[nindent] && next[nindent] != '\n';

		r = mp_parse_line(&ps, p, eol - p, next_indented);
		p = next;
	}
	free(ps.heading);
	if (r < 0) {
		manpage_usage_free(out);
		return error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

void manpage_usage_free(struct manpage_usage *u)
{
	for (size_t i = 0; i < u->nsynopsis; i++)
		free(u->synopsis[i]);
	free(u->synopsis);
	for (size_t i = 0; i < u->nblocks; i++) {
		struct manpage_block *b = &u->blocks[i];

		for (size_t j = 0; j < b->nitems; j++) {
			free(b->items[j].term);
			free(b->items[j].desc);
		}
		free(b->items);
		free(b->text);
		free(b->heading);
	}
	free(u->blocks);
	memset(u, 0, sizeof(*u));
}

/* ---- roff output */

/* A "--flag" starts at s[i]: two dashes, a letter, not inside a word. */
static size_t mp_flag_len(const char *s, size_t i, size_t len)
{
	size_t n;

	if (i + 2 >= len || s[i] != '-' || s[i + 1] != '-' ||
	    !islower((unsigned char)s[i + 2]))
		return 0;
	if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '-'))
		return 0;
	for (n = 2; i + n < len; n++) {
		char c = s[i + n];

		if (!islower((unsigned char)c) && !isdigit((unsigned char)c) &&
		    c != '-')
			break;
	}
	return n;
}

/* A metavariable (IMAGE, UUID, K) starts at s[i]: capitals, digits, _. */
static size_t mp_metavar_len(const char *s, size_t i, size_t len)
{
	size_t n;

	if (!isupper((unsigned char)s[i]))
		return 0;
	if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_'))
		return 0;
	for (n = 1; i + n < len; n++) {
		char c = s[i + n];

		if (!isupper((unsigned char)c) && !isdigit((unsigned char)c) &&
		    c != '_')
			break;
	}
	if (i + n < len && islower((unsigned char)s[i + n]))
		return 0; /* a word such as "Options" */
	return n;
}

static void mp_escape_char(FILE *out, char c)
{
	if (c == '\\')
		fputs("\\e", out);
	else if (c == '-')
		fputs("\\-", out);
	else
		fputc(c, out);
}

/*
 * One line of text: roff-escaped, "--flags" in bold and, with metavars,
 * capitalised placeholders in italics.
 */
static void mp_text(FILE *out, const char *s, size_t len, bool metavars)
{
	if (len && (s[0] == '.' || s[0] == '\''))
		fputs("\\&", out);
	for (size_t i = 0; i < len;) {
		size_t n = mp_flag_len(s, i, len);
		const char *font = "\\fB";

		if (!n && metavars) {
			n = mp_metavar_len(s, i, len);
			font = "\\fI";
		}
		if (!n) {
			mp_escape_char(out, s[i++]);
			continue;
		}
		fputs(font, out);
		for (size_t k = 0; k < n; k++)
			mp_escape_char(out, s[i + k]);
		fputs("\\fR", out);
		i += n;
	}
	fputc('\n', out);
}

/* Text of several lines ('\n'-separated), each through mp_text(). */
static void mp_lines(FILE *out, const char *s, bool metavars)
{
	while (*s) {
		size_t len = strcspn(s, "\n");

		mp_text(out, s, len, metavars);
		s += len;
		s += *s == '\n';
	}
}

static void mp_bold(FILE *out, const char *s)
{
	fputs("\\fB", out);
	for (; *s; s++)
		mp_escape_char(out, *s);
	fputs("\\fR", out);
}

void manpage_page_name(const char *command, char *buf, size_t size)
{
	size_t n;

	snprintf(buf, size, "cocoon%s%s", command ? "-" : "",
		 command ? command : "");
	n = strlen(buf);
	for (size_t i = 0; i < n; i++)
		if (buf[i] == ' ')
			buf[i] = '-';
}

static void mp_header(FILE *out, const char *page, const char *summary)
{
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	char date[32] = "";
	struct tm tm;
	time_t t;

	/* The date of a reproducible build, else today's. */
	t = epoch && *epoch ? (time_t)strtoll(epoch, NULL, 10) : time(NULL);
	if (gmtime_r(&t, &tm))
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	fputs(".\\\" Generated by `cocoon help --man` from the commands' "
	      "usage texts.\n.TH ",
	      out);
	for (const char *p = page; *p; p++)
		mp_escape_char(out, (char)toupper((unsigned char)*p));
	fprintf(out, " 1 \"%s\" \"cocoon %s\" \"cocoon manual\"\n", date,
		COCOON_VERSION);
	/* Unhyphenated (HY: an.tmac's paragraphs re-enable it), ragged. */
	fputs(".nr HY 0\n.nh\n.ad l\n", out);
	fputs(".SH NAME\n", out);
	for (const char *p = page; *p; p++)
		mp_escape_char(out, *p);
	fputs(" \\- ", out);
	mp_text(out, summary, strlen(summary), false);
}

static void mp_item(FILE *out, const struct manpage_item *it, bool options)
{
	if (!it->term) {
		fputs(".IP \\(bu 2\n", out);
	} else {
		fputs(".TP\n", out);
		if (options)
			mp_text(out, it->term, strlen(it->term), true);
		else {
			if (it->term[0] == '.' || it->term[0] == '\'')
				fputs("\\&", out);
			mp_bold(out, it->term);
			fputc('\n', out);
		}
	}
	if (*it->desc)
		mp_text(out, it->desc, strlen(it->desc), false);
}

/* The blocks of a section, right after its .SH; true if any. */
static bool mp_blocks(FILE *out, const struct manpage_usage *u,
		      enum manpage_section section)
{
	bool any = false;

	for (size_t i = 0; i < u->nblocks; i++) {
		const struct manpage_block *b = &u->blocks[i];

		if (b->section != section)
			continue;
		if (b->text) {
			/* .SH starts a paragraph already (mandoc -Tlint). */
			if (any)
				fputs(".PP\n", out);
			mp_lines(out, b->text, false);
			any = true;
			continue;
		}
		any = true;
		if (b->heading) {
			fputs(".SS ", out);
			mp_text(out, b->heading, strlen(b->heading), false);
		}
		for (size_t j = 0; j < b->nitems; j++)
			mp_item(out, &b->items[j], section == MANPAGE_OPTIONS);
	}
	return any;
}

static bool mp_has(const struct manpage_usage *u, enum manpage_section s)
{
	for (size_t i = 0; i < u->nblocks; i++)
		if (u->blocks[i].section == s)
			return true;
	return false;
}

/* ---- SEE ALSO: pages named in a text, in order, each once */

struct mp_refs {
	char pages[64][64];
	size_t n;
};

static void mp_ref_add(struct mp_refs *r, const char *page)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->pages[i], page))
			return;
	if (r->n < ARRAY_SIZE(r->pages))
		snprintf(r->pages[r->n++], sizeof(r->pages[0]), "%s", page);
}

/* Every "cocoon NAME" in text where NAME is a command ("image list" first). */
static void mp_refs_scan(struct mp_refs *r, const char *text, const char *self)
{
	for (const char *p = text; (p = strstr(p, "cocoon ")); p++) {
		char words[2][40] = {{0}}, name[96], page[64];
		const struct command *c = NULL;
		int n = sscanf(p + 7, "%39[a-z0-9-] %39[a-z0-9-]", words[0],
			       words[1]);

		if (n == 2) {
			snprintf(name, sizeof(name), "%s %s", words[0],
				 words[1]);
			c = command_find(name);
		}
		if (!c && n >= 1)
			c = command_find(words[0]);
		if (!c || (self && !strcmp(c->name, self)))
			continue;
		manpage_page_name(c->name, page, sizeof(page));
		mp_ref_add(r, page);
	}
}

static void mp_see_also(FILE *out, const struct mp_refs *r)
{
	fputs(".SH SEE ALSO\n", out);
	for (size_t i = 0; i < r->n; i++) {
		fputs(".BR ", out);
		for (const char *p = r->pages[i]; *p; p++)
			mp_escape_char(out, *p);
		fprintf(out, " (1)%s\n", i + 1 < r->n ? "," : "");
	}
}

/* ---- the pages */

int manpage_write_command(const struct command *c, FILE *out,
			  struct error **err)
{
	struct manpage_usage u;
	struct mp_refs refs = {0};
	const char *space = strchr(c->name, ' ');
	char page[64], summary[256];
	size_t namelen = strlen(c->name);

	if (manpage_usage_parse(c->usage, &u, err) < 0)
		return error_wrap(err, "man page of %s", c->name);
	manpage_page_name(c->name, page, sizeof(page));
	mp_header(out, page, c->summary ? c->summary : "");
	fputs(".SH SYNOPSIS\n", out);
	for (size_t i = 0; i < u.nsynopsis || (i == 0 && !u.nsynopsis); i++) {
		const char *form = u.nsynopsis ? u.synopsis[i] : "";
		const char *rest = form;
		bool named = false;

		if (mp_starts(form, strlen(form), "cocoon ") &&
		    !strncmp(form + 7, c->name, namelen) &&
		    (!form[7 + namelen] || form[7 + namelen] == ' ')) {
			rest = form + 7 + namelen;
			named = true;
		} else if (!u.nsynopsis) {
			named = true;
		} else if (mp_starts(form, strlen(form), "cocoon")) {
			rest = form + 6;
		}
		rest += strspn(rest, " ");
		fputs(".SY \"cocoon", out);
		if (named) {
			fputc(' ', out);
			for (const char *p = c->name; *p; p++)
				mp_escape_char(out, *p);
		}
		fputs("\"\n", out);
		if (*rest)
			mp_text(out, rest, strlen(rest), true);
		fputs(".YS\n", out);
	}
	fputs(".SH DESCRIPTION\n", out);
	if (mp_has(&u, MANPAGE_DESCRIPTION)) {
		mp_blocks(out, &u, MANPAGE_DESCRIPTION);
	} else {
		snprintf(summary, sizeof(summary), "%s.",
			 c->summary ? c->summary : c->name);
		summary[0] = (char)toupper((unsigned char)summary[0]);
		mp_text(out, summary, strlen(summary), false);
	}
	fputs(".SH OPTIONS\n", out);
	if (mp_blocks(out, &u, MANPAGE_OPTIONS))
		fputs(".PP\n", out);
	fputs("The global options of \\fBcocoon\\fR(1) come before the "
	      "command name.\n",
	      out);
	if (mp_has(&u, MANPAGE_EXIT_STATUS)) {
		fputs(".SH EXIT STATUS\n", out);
		mp_blocks(out, &u, MANPAGE_EXIT_STATUS);
	}
	mp_ref_add(&refs, "cocoon");
	if (space) {
		char group[64];

		snprintf(group, sizeof(group), "%.*s", (int)(space - c->name),
			 c->name);
		manpage_page_name(group, page, sizeof(page));
		mp_ref_add(&refs, page);
	}
	if (c->usage)
		mp_refs_scan(&refs, c->usage, c->name);
	mp_see_also(out, &refs);
	manpage_usage_free(&u);
	return 0;
}

struct mp_list_ctx {
	FILE *out;
	const char *group; /* only "GROUP x" commands; NULL: every command */
	struct mp_refs *refs;
};

static void mp_list_command(const struct command *c, void *arg)
{
	struct mp_list_ctx *ctx = arg;
	size_t glen = ctx->group ? strlen(ctx->group) : 0;
	char page[64];

	if (ctx->group &&
	    (strncmp(c->name, ctx->group, glen) || c->name[glen] != ' '))
		return;
	fputs(".TP\n", ctx->out);
	mp_bold(ctx->out, c->name + (glen ? glen + 1 : 0));
	fputc('\n', ctx->out);
	if (c->summary)
		mp_text(ctx->out, c->summary, strlen(c->summary), false);
	manpage_page_name(c->name, page, sizeof(page));
	mp_ref_add(ctx->refs, page);
}

struct mp_group_ctx {
	void (*fn)(const char *group, void *arg);
	void *arg;
	char last[64];
};

static void mp_group_of(const struct command *c, void *arg)
{
	struct mp_group_ctx *ctx = arg;
	const char *space = strchr(c->name, ' ');
	char group[64];

	if (!space || (size_t)(space - c->name) >= sizeof(group))
		return;
	snprintf(group, sizeof(group), "%.*s", (int)(space - c->name), c->name);
	/* Sorted by name, a group's commands come together. */
	if (!strcmp(group, ctx->last))
		return;
	snprintf(ctx->last, sizeof(ctx->last), "%s", group);
	ctx->fn(group, ctx->arg);
}

void manpage_for_each_group(void (*fn)(const char *group, void *arg), void *arg)
{
	struct mp_group_ctx ctx = {.fn = fn, .arg = arg};

	command_for_each(mp_group_of, &ctx);
}

int manpage_write_overview(FILE *out, struct error **err)
{
	cleanup_free char *globals = NULL;
	struct mp_refs refs = {0};
	struct mp_list_ctx ctx = {.out = out, .refs = &refs};
	struct manpage_usage u;
	size_t len = 0;
	FILE *mem = open_memstream(&globals, &len);

	if (!mem)
		return error_set_errno(err, "man page cocoon(1)");
	cli_print_globals(mem);
	if (fclose(mem) != 0)
		return error_set_errno(err, "man page cocoon(1)");
	if (manpage_usage_parse(globals, &u, err) < 0)
		return error_wrap(err, "man page cocoon(1)");
	/* The section is named for them: no "Global flags" subsection. */
	for (size_t i = 0; i < u.nblocks; i++) {
		free(u.blocks[i].heading);
		u.blocks[i].heading = NULL;
	}
	mp_header(out, "cocoon",
		  "run container images as pods, each in its own KVM virtual "
		  "machine");
	fputs(".SH SYNOPSIS\n.SY cocoon\n[\\fIglobal options\\fR] "
	      "\\fICOMMAND\\fR [\\fIARGS\\fR...]\n.YS\n"
	      ".SH DESCRIPTION\n"
	      "\\fBcocoon\\fR fetches and verifies container images (appc ACIs "
	      "and OCI images) and runs them as pods, each pod in its own "
	      "small KVM virtual machine, with the command names and flags of "
	      "rkt.\n"
	      "There is no daemon: `cocoon run' stays in the foreground as "
	      "the pod's supervisor.\n"
	      ".PP\n"
	      "Each command has its own page, \\fBcocoon\\-\\fR\\fICOMMAND\\fR"
	      "(1) (\\fBcocoon\\-image\\-list\\fR(1) for `cocoon image list'), "
	      "and prints the same text with `cocoon help COMMAND'.\n"
	      ".SH COMMANDS\n",
	      out);
	command_for_each(mp_list_command, &ctx);
	fputs(".SH GLOBAL OPTIONS\n"
	      "They come before the command name.\n",
	      out);
	mp_blocks(out, &u, MANPAGE_OPTIONS);
	fputs(".SH ENVIRONMENT\n"
	      ".TP\n\\fBCOCOON_STAGE1_DIR\\fR\n"
	      "Where cocoon\\-vmm, vmlinux and initrd.cpio are; by default "
	      "they are looked for beside the cocoon program, then in "
	      "\\fI../lib/cocoon\\fR from it.\n"
	      ".TP\n\\fBNO_COLOR\\fR\n"
	      "Honoured trivially: cocoon never prints colour. Progress is "
	      "shown only when standard error is a terminal.\n"
	      ".SH FILES\n"
	      ".TP\n\\fI/var/lib/cocoon\\fR\n"
	      "The data directory: the image store (\\fIcas/\\fR) and the pods "
	      "(\\fIpods/\\fR).\n"
	      ".TP\n\\fI/etc/cocoon\\fR\n"
	      "The local configuration: \\fItrustedkeys/\\fR, \\fInet.d/\\fR.\n"
	      ".TP\n\\fI/usr/lib/cocoon\\fR\n"
	      "The system (vendor) configuration, read after the local one.\n",
	      out);
	manpage_usage_free(&u);
	mp_see_also(out, &refs);
	return 0;
}

int manpage_write_group(const char *group, FILE *out, struct error **err)
{
	struct mp_refs refs = {0};
	struct mp_list_ctx ctx = {.out = out, .group = group, .refs = &refs};
	char page[64], summary[128];

	(void)err;
	manpage_page_name(group, page, sizeof(page));
	snprintf(summary, sizeof(summary), "the %s commands", group);
	mp_header(out, page, summary);
	fprintf(out, ".SH SYNOPSIS\n.SY \"cocoon ");
	for (const char *p = group; *p; p++)
		mp_escape_char(out, *p);
	fputs("\"\n\\fICOMMAND\\fR [\\fIARGS\\fR...]\n.YS\n"
	      ".SH DESCRIPTION\n"
	      "Run `cocoon help ",
	      out);
	mp_text(out, group, strlen(group), false);
	fputs("COMMAND' for a command's usage.\n.SH COMMANDS\n", out);
	mp_ref_add(&refs, "cocoon");
	command_for_each(mp_list_command, &ctx);
	mp_see_also(out, &refs);
	return 0;
}

struct mp_all_ctx {
	const char *dir;
	struct error **err;
	int ret;
};

static int mp_write_file(struct mp_all_ctx *ctx, const char *page,
			 const struct command *c, const char *group)
{
	cleanup_free char *path = NULL, *tmp = NULL;
	FILE *f;
	int r;

	if (ctx->ret < 0)
		return -1;
	if (asprintf(&path, "%s/%s.1", ctx->dir, page) < 0 ||
	    asprintf(&tmp, "%s/.%s.1.tmp", ctx->dir, page) < 0)
		return ctx->ret = error_set(ctx->err, ENOMEM, "out of memory");
	f = fopen(tmp, "we");
	if (!f)
		return ctx->ret = error_set_errno(ctx->err, "create %s", tmp);
	if (c)
		r = manpage_write_command(c, f, ctx->err);
	else if (group)
		r = manpage_write_group(group, f, ctx->err);
	else
		r = manpage_write_overview(f, ctx->err);
	if (fclose(f) != 0 && r == 0)
		r = error_set_errno(ctx->err, "write %s", tmp);
	if (r == 0 && rename(tmp, path) < 0)
		r = error_set_errno(ctx->err, "rename %s to %s", tmp, path);
	if (r < 0)
		unlink(tmp);
	return ctx->ret = r;
}

static void mp_all_command(const struct command *c, void *arg)
{
	char page[64];

	manpage_page_name(c->name, page, sizeof(page));
	mp_write_file(arg, page, c, NULL);
}

static void mp_all_group(const char *group, void *arg)
{
	char page[64];

	manpage_page_name(group, page, sizeof(page));
	mp_write_file(arg, page, NULL, group);
}

int manpage_write_all(const char *dir, struct error **err)
{
	struct mp_all_ctx ctx = {.dir = dir, .err = err};

	mp_write_file(&ctx, "cocoon", NULL, NULL);
	manpage_for_each_group(mp_all_group, &ctx);
	command_for_each(mp_all_command, &ctx);
	return ctx.ret;
}
