// SPDX-License-Identifier: Apache-2.0
/*
 * Man pages and completion from the usage texts: the parser on the
 * layouts the commands use, the roff it writes, and for every registered
 * command that its man page and its --help name the same options.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "stage0/command.h"
#include "stage0/completion.h"
#include "stage0/manpage.h"

static const char sample_usage[] =
	"Usage: cocoon sample (--prefix=PREFIX | --root) [--wait[=DURATION]]\n"
	"                     KEYFILE...\n"
	"       cocoon sample --list\n"
	"\n"
	"First paragraph, line one\n"
	".starts with a dot and has a back\\slash.\n"
	"\n"
	"  state=running     what it is,\n"
	"                    continued\n"
	"  exited=false\n"
	"  * a bullet\n"
	"    continued\n"
	"\n"
	"Pod flags (anywhere):\n"
	"  --format=json|json-pretty  the output\n"
	"  --exec PATH                the program\n"
	"\n"
	"Options:\n"
	"  --prefix=PREFIX   trust for PREFIX\n"
	"  --list            list them\n"
	"\n"
	"DURATION: 10s, 5m.\n"
	"Exit status: 0, or 1 on failure.\n";

static void test_parse_synopsis(void **state)
{
	struct error *err = NULL;
	struct manpage_usage u;

	(void)state;
	assert_int_equal(manpage_usage_parse(sample_usage, &u, &err), 0);
	assert_int_equal(u.nsynopsis, 2);
	assert_string_equal(u.synopsis[0],
			    "cocoon sample (--prefix=PREFIX | --root) "
			    "[--wait[=DURATION]] KEYFILE...");
	assert_string_equal(u.synopsis[1], "cocoon sample --list");
	manpage_usage_free(&u);
}

static void test_parse_blocks(void **state)
{
	struct error *err = NULL;
	struct manpage_usage u;
	const struct manpage_block *b;

	(void)state;
	assert_int_equal(manpage_usage_parse(sample_usage, &u, &err), 0);
	assert_int_equal(u.nblocks, 6);
	b = &u.blocks[0];
	assert_int_equal(b->section, MANPAGE_DESCRIPTION);
	assert_string_equal(b->text, "First paragraph, line one\n"
				     ".starts with a dot and has a "
				     "back\\slash.");
	b = &u.blocks[1];
	assert_null(b->text);
	assert_int_equal(b->nitems, 3);
	assert_string_equal(b->items[0].term, "state=running");
	assert_string_equal(b->items[0].desc, "what it is, continued");
	assert_string_equal(b->items[1].term, "exited=false");
	assert_string_equal(b->items[1].desc, "");
	assert_null(b->items[2].term);
	assert_string_equal(b->items[2].desc, "a bullet continued");
	b = &u.blocks[2];
	assert_int_equal(b->section, MANPAGE_OPTIONS);
	assert_string_equal(b->heading, "Pod flags (anywhere)");
	assert_int_equal(b->nitems, 2);
	assert_string_equal(b->items[1].term, "--exec PATH");
	b = &u.blocks[3];
	assert_int_equal(b->section, MANPAGE_OPTIONS);
	assert_null(b->heading); /* "Options:" needs no subsection */
	assert_string_equal(b->items[0].term, "--prefix=PREFIX");
	/* After the options, prose stays there until "Exit status:". */
	b = &u.blocks[4];
	assert_int_equal(b->section, MANPAGE_OPTIONS);
	assert_string_equal(b->text, "DURATION: 10s, 5m.");
	b = &u.blocks[5];
	assert_int_equal(b->section, MANPAGE_EXIT_STATUS);
	assert_string_equal(b->text, "0, or 1 on failure.");
	manpage_usage_free(&u);
}

static void test_parse_empty(void **state)
{
	struct error *err = NULL;
	struct manpage_usage u;

	(void)state;
	assert_int_equal(manpage_usage_parse(NULL, &u, &err), 0);
	assert_int_equal(u.nsynopsis, 0);
	assert_int_equal(u.nblocks, 0);
	manpage_usage_free(&u);
}

static char *render(const struct command *c)
{
	struct error *err = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(manpage_write_command(c, f, &err), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static int sample_run(int argc, char **argv, const struct global_options *g)
{
	(void)argc;
	(void)argv;
	(void)g;
	return 0;
}

static void test_roff(void **state)
{
	const struct command c = {.name = "sample sub",
				  .summary = "try -things out",
				  .usage = sample_usage,
				  .run = sample_run};
	char *page = render(&c);

	(void)state;
	assert_non_null(strstr(page, ".TH COCOON\\-SAMPLE\\-SUB 1 "));
	assert_non_null(strstr(page, ".SH NAME\ncocoon\\-sample\\-sub \\- "
				     "try \\-things out\n"));
	/* A form that does not start with the name: "cocoon" alone. */
	assert_non_null(strstr(page, ".SY \"cocoon\"\nsample (\\fB\\-\\-"));
	assert_non_null(strstr(page, "\\fB\\-\\-list\\fR"));
	assert_non_null(strstr(page, "\\fB\\-\\-prefix\\fR=\\fIPREFIX\\fR"));
	/* A line starting with a dot is not a request; '\' is escaped. */
	assert_non_null(strstr(page, "\n\\&.starts with a dot"));
	assert_non_null(strstr(page, "back\\eslash"));
	assert_non_null(strstr(page, ".IP \\(bu 2\na bullet continued\n"));
	assert_non_null(strstr(page, ".SS Pod flags (anywhere)\n"));
	/* .SH starts a paragraph: no .PP right after it. */
	assert_non_null(strstr(page, ".SH EXIT STATUS\n0, or 1"));
	assert_null(strstr(page, ".SH DESCRIPTION\n.PP"));
	assert_non_null(strstr(page, ".SH DESCRIPTION\nFirst paragraph"));
	/* The group's page and cocoon(1) are referred to. */
	assert_non_null(
		strstr(page, ".BR cocoon (1),\n.BR cocoon\\-sample (1)"));
	/* Sections in man(7)'s order. */
	assert_true(strstr(page, ".SH SYNOPSIS") < strstr(page, ".SH DESCR"));
	assert_true(strstr(page, ".SH DESCR") < strstr(page, ".SH OPTIONS"));
	assert_true(strstr(page, ".SH OPTIONS") < strstr(page, ".SH EXIT"));
	assert_true(strstr(page, ".SH EXIT") < strstr(page, ".SH SEE ALSO"));
	free(page);
}

static void test_roff_synopsis(void **state)
{
	const struct command c = {
		.name = "sample", .usage = sample_usage, .run = sample_run};
	char *page = render(&c);

	(void)state;
	/* Both forms, after the command's name, placeholders in italics. */
	assert_non_null(strstr(page, ".SY \"cocoon sample\"\n"
				     "(\\fB\\-\\-prefix\\fR=\\fIPREFIX\\fR | "
				     "\\fB\\-\\-root\\fR) "
				     "[\\fB\\-\\-wait\\fR[=\\fIDURATION\\fR]] "
				     "\\fIKEYFILE\\fR...\n.YS\n"));
	assert_non_null(strstr(page, ".SY \"cocoon sample\"\n"
				     "\\fB\\-\\-list\\fR\n.YS\n"));
	/* No summary: the NAME line still has its dash. */
	assert_non_null(strstr(page, ".SH NAME\ncocoon\\-sample \\- \n"));
	free(page);
}

static void test_page_name(void **state)
{
	char buf[64];

	(void)state;
	manpage_page_name("image list", buf, sizeof(buf));
	assert_string_equal(buf, "cocoon-image-list");
	manpage_page_name(NULL, buf, sizeof(buf));
	assert_string_equal(buf, "cocoon");
}

/* Whether "--name" (name of len bytes) appears in s as a whole option. */
static bool has_option(const char *s, const char *name, size_t len, bool roff)
{
	const char *dash = roff ? "\\-\\-" : "--";
	char needle[128];

	snprintf(needle, sizeof(needle), "%s", dash);
	for (size_t i = 0, o = strlen(needle);
	     i < len && o + 3 < sizeof(needle); i++) {
		if (roff && name[i] == '-')
			o += snprintf(needle + o, sizeof(needle) - o, "\\-");
		else
			needle[o++] = name[i];
		needle[o] = '\0';
	}
	for (const char *p = s; (p = strstr(p, needle)); p++) {
		char next = p[strlen(needle)];

		if (!(next >= 'a' && next <= 'z') &&
		    !(next >= '0' && next <= '9') && next != '-' &&
		    !(roff && next == '\\' && p[strlen(needle) + 1] == '-'))
			return true;
	}
	return false;
}

/* Calls check for every "--name" in s (plain text, or roff's \-\-name). */
static void for_each_option(const char *s, bool roff,
			    void (*check)(const char *name, size_t len,
					  void *arg),
			    void *arg)
{
	const char *dash = roff ? "\\-\\-" : "--";
	size_t dl = strlen(dash);

	for (const char *p = s; (p = strstr(p, dash)); p += dl) {
		char name[96];
		size_t n = 0;
		const char *q = p + dl;

		if (p > s && (p[-1] == '-' || (roff && p[-1] == '\\')))
			continue;
		if (!(*q >= 'a' && *q <= 'z'))
			continue;
		while (n + 1 < sizeof(name)) {
			if ((*q >= 'a' && *q <= 'z') ||
			    (*q >= '0' && *q <= '9'))
				name[n++] = *q++;
			else if (!roff && *q == '-')
				name[n++] = *q++;
			else if (roff && q[0] == '\\' && q[1] == '-') {
				name[n++] = '-';
				q += 2;
			} else
				break;
		}
		check(name, n, arg);
	}
}

struct parity {
	const char *cmd;
	const char *other;
	bool other_roff;
	int missing;
};

static void parity_check(const char *name, size_t len, void *arg)
{
	struct parity *p = arg;

	if (!has_option(p->other, name, len, p->other_roff)) {
		print_error("%s: --%.*s is in the %s but not in the %s\n",
			    p->cmd, (int)len, name,
			    p->other_roff ? "help" : "man page",
			    p->other_roff ? "man page" : "help");
		p->missing++;
	}
}

struct all_ctx {
	int commands, missing;
};

static void check_command(const struct command *c, void *arg)
{
	struct all_ctx *ctx = arg;
	char *page = render(c);
	struct parity help_in_man = {c->name, page, true, 0};
	struct parity man_in_help = {c->name, c->usage ? c->usage : "", false,
				     0};

	ctx->commands++;
	for_each_option(c->usage ? c->usage : "", false, parity_check,
			&help_in_man);
	for_each_option(page, true, parity_check, &man_in_help);
	ctx->missing += help_in_man.missing + man_in_help.missing;
	/* NAME carries the summary. */
	if (c->summary)
		assert_non_null(strstr(page, ".SH NAME\n"));
	free(page);
}

static void test_every_command_parity(void **state)
{
	struct all_ctx ctx = {0};

	(void)state;
	command_for_each(check_command, &ctx);
	/* This binary links every command of stage0. */
	assert_true(ctx.commands >= 20);
	assert_non_null(command_find("config"));
	assert_int_equal(ctx.missing, 0);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);

	assert_non_null(f);
	assert_non_null(buf);
	assert_true(fread(buf, 1, (1 << 20) - 1, f) > 0);
	fclose(f);
	return buf;
}

static void test_write_all(void **state)
{
	char dir[] = "/tmp/test_manpage.XXXXXX", path[128];
	struct error *err = NULL;
	char *page;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(manpage_write_all(dir, &err), 0);
	snprintf(path, sizeof(path), "%s/cocoon.1", dir);
	page = slurp(path);
	assert_non_null(strstr(page, ".SH COMMANDS\n"));
	assert_non_null(strstr(page, "\n\\fBimage list\\fR\nlist the images"));
	assert_non_null(strstr(page, ".SH GLOBAL OPTIONS\n"));
	assert_non_null(strstr(page, "\\fB\\-\\-dir\\fR=\\fIDIR\\fR"));
	assert_null(strstr(page, ".SS")); /* no "Global flags" subsection */
	assert_non_null(strstr(page, ".BR cocoon\\-image\\-list (1),"));
	free(page);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cocoon-image.1", dir);
	page = slurp(path);
	assert_non_null(strstr(page, ".SY \"cocoon image\"\n"));
	assert_non_null(strstr(page, "\n\\fBverify\\fR\n"));
	assert_null(strstr(page, "\\fBstatus\\fR")); /* not an image one */
	free(page);
	unlink(path);
	/* One page per command, each a man page. */
	snprintf(path, sizeof(path), "%s/cocoon-run-prepared.1", dir);
	page = slurp(path);
	assert_non_null(strstr(page, ".TH COCOON\\-RUN\\-PREPARED 1"));
	free(page);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

static const struct completion_option *
spec_option(const struct completion_spec *sp, const char *name)
{
	for (size_t i = 0; i < sp->nopts; i++)
		if (!strcmp(sp->opts[i].name, name))
			return &sp->opts[i];
	return NULL;
}

static void test_completion_spec(void **state)
{
	struct error *err = NULL;
	struct completion_spec sp;
	const struct completion_option *o;

	(void)state;
	assert_int_equal(completion_spec_parse(sample_usage, &sp, &err), 0);
	o = spec_option(&sp, "--prefix");
	assert_non_null(o);
	assert_int_equal(o->arg, COMPLETION_VALUE);
	assert_int_equal(o->kind, COMPLETION_ANY);
	o = spec_option(&sp, "--root");
	assert_non_null(o);
	assert_int_equal(o->arg, COMPLETION_FLAG);
	o = spec_option(&sp, "--wait");
	assert_non_null(o);
	assert_int_equal(o->arg, COMPLETION_OPTIONAL);
	o = spec_option(&sp, "--format");
	assert_non_null(o);
	assert_int_equal(o->kind, COMPLETION_CHOICE);
	assert_string_equal(o->choices, "json json-pretty");
	o = spec_option(&sp, "--exec"); /* "--exec PATH" in a term */
	assert_non_null(o);
	assert_int_equal(o->arg, COMPLETION_VALUE);
	assert_int_equal(o->kind, COMPLETION_FILE);
	/* Prose does not make options: --help is not in this text. */
	assert_null(spec_option(&sp, "--help"));
	assert_int_equal(sp.nargs, 1);
	assert_int_equal(sp.args[0], COMPLETION_FILE); /* KEYFILE */
	completion_spec_free(&sp);
}

static void test_completion_real_commands(void **state)
{
	struct error *err = NULL;
	struct completion_spec sp;
	const struct completion_option *o;

	(void)state;
	assert_int_equal(
		completion_spec_parse(command_find("stop")->usage, &sp, &err),
		0);
	assert_int_equal(sp.nargs, 1);
	assert_int_equal(sp.args[0], COMPLETION_POD);
	assert_non_null(spec_option(&sp, "--force"));
	completion_spec_free(&sp);
	assert_int_equal(
		completion_spec_parse(command_find("run")->usage, &sp, &err),
		0);
	assert_int_equal(sp.args[0], COMPLETION_IMAGE);
	o = spec_option(&sp, "--pull-policy");
	assert_non_null(o);
	assert_string_equal(o->choices, "new update never");
	o = spec_option(&sp, "--net");
	assert_non_null(o);
	assert_int_equal(o->kind, COMPLETION_LIST);
	assert_string_equal(o->choices, "default default-restricted none");
	o = spec_option(&sp, "--insecure-options");
	assert_non_null(o);
	assert_int_equal(o->kind, COMPLETION_LIST);
	completion_spec_free(&sp);
	assert_int_equal(completion_spec_parse(
				 command_find("image list")->usage, &sp, &err),
			 0);
	o = spec_option(&sp, "--format");
	assert_non_null(o);
	assert_string_equal(o->choices, "json json-pretty");
	completion_spec_free(&sp);
}

/* The names completion offers are exactly the ones the parser takes. */
static void test_completion_insecure_names(void **state)
{
	struct error *err = NULL;
	char copy[512], want[512];
	char *save = NULL, *known;
	unsigned bits;

	(void)state;
	snprintf(copy, sizeof(copy), "%s", completion_insecure_names);
	for (char *w = strtok_r(copy, " ", &save); w;
	     w = strtok_r(NULL, " ", &save))
		assert_int_equal(insecure_options_parse(w, &bits, &err), 0);
	assert_int_equal(insecure_options_parse("bogus", &bits, &err), -1);
	known = strstr(err->message, "(known: ");
	assert_non_null(known);
	snprintf(want, sizeof(want), "(known: %s)", completion_insecure_names);
	for (char *p = want; *p; p++)
		if (*p == ' ' && p[-1] != ':')
			*p = ',';
	/* "(known: none,image,..." against the message's "none, image". */
	for (char *p = known, *q = known;; p++) {
		if (*p != ' ' || p[-1] == ':')
			*q++ = *p;
		if (!*p)
			break;
	}
	for (char *p = want, *q = want;; p++) {
		if (*p != ' ' || p[-1] == ':')
			*q++ = *p;
		if (!*p)
			break;
	}
	assert_string_equal(known, want);
	error_free(&err);
}

static void test_completion_script(void **state)
{
	struct error *err = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_int_equal(completion_write_bash(f, &err), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(buf, "\n\t'image list') o='--format= "));
	assert_non_null(strstr(buf, "\n\t'list --format') k=choice "
				    "c='json json-pretty' ;;\n"));
	{
		/* The groups: every command's first word of two, once. */
		const char *g = strstr(buf, "\n_cocoon_groups='");
		const char *end = g ? strchr(g + 1, '\n') : NULL;
		char line[256];

		assert_non_null(end);
		snprintf(line, sizeof(line), "%.*s", (int)(end - g - 1), g + 1);
		assert_non_null(strstr(line, "image"));
		assert_null(strstr(strstr(line, "image") + 5, "image"));
	}
	/* Each group once among the first words. */
	assert_non_null(strstr(buf, " help image list "));
	assert_non_null(strstr(buf, "\ncomplete -F _cocoon cocoon\n"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_synopsis),
		cmocka_unit_test(test_parse_blocks),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_roff),
		cmocka_unit_test(test_roff_synopsis),
		cmocka_unit_test(test_page_name),
		cmocka_unit_test(test_every_command_parity),
		cmocka_unit_test(test_write_all),
		cmocka_unit_test(test_completion_spec),
		cmocka_unit_test(test_completion_real_commands),
		cmocka_unit_test(test_completion_insecure_names),
		cmocka_unit_test(test_completion_script),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
