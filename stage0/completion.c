// SPDX-License-Identifier: Apache-2.0
/* Bash completion for cocoon, generated from the command table. */
#include "stage0/completion.h"
#include "stage0/cli.h"
#include "stage0/command.h"
#include "stage0/manpage.h"
#include "common/cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* As insecure_options_parse() knows them (a unit test holds them equal). */
const char completion_insecure_names[] =
	"none image tls http pubkey capabilities paths seccomp all-fetch "
	"all-run all";

/* rkt's network names; net.d adds more (docs/networking.md). */
static const char completion_net_names[] = "default default-restricted none";

/* "--name" at s[i]: two dashes, a lower-case letter, not inside a word. */
static size_t cp_flag_len(const char *s, size_t i)
{
	size_t n = 2;

	if (s[i] != '-' || s[i + 1] != '-' || !islower((unsigned char)s[i + 2]))
		return 0;
	if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '-'))
		return 0;
	while (islower((unsigned char)s[i + n]) ||
	       isdigit((unsigned char)s[i + n]) || s[i + n] == '-')
		n++;
	return n;
}

/* Capitals, digits and '_' at s[i], not inside a word: a placeholder. */
static size_t cp_metavar_len(const char *s, size_t i)
{
	size_t n = 0;

	if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_'))
		return 0;
	while (isupper((unsigned char)s[i + n]) ||
	       (n && (isdigit((unsigned char)s[i + n]) || s[i + n] == '_')))
		n++;
	if (islower((unsigned char)s[i + n]))
		return 0;
	return n;
}

/* What a placeholder stands for, where completion can help. */
static enum completion_kind cp_metavar_kind(const char *s, size_t len)
{
	static const struct {
		const char *word;
		enum completion_kind kind;
	} kinds[] = {
		{"UUID", COMPLETION_POD},	 {"IMAGE", COMPLETION_IMAGE},
		{"FILE", COMPLETION_FILE},	 {"KEYFILE", COMPLETION_FILE},
		{"PATH", COMPLETION_FILE},	 {"DIR", COMPLETION_DIR},
		{"COMMAND", COMPLETION_COMMAND},
	};

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strlen(kinds[i].word) == len &&
		    !strncmp(kinds[i].word, s, len))
			return kinds[i].kind;
	return COMPLETION_ANY;
}

static struct completion_option *cp_option(struct completion_spec *sp,
					   const char *name, size_t len)
{
	struct completion_option *v;

	if (len >= sizeof(v->name))
		return NULL;
	for (size_t i = 0; i < sp->nopts; i++)
		if (strlen(sp->opts[i].name) == len &&
		    !strncmp(sp->opts[i].name, name, len))
			return &sp->opts[i];
	v = realloc(sp->opts, (sp->nopts + 1) * sizeof(*v));
	if (!v)
		return NULL;
	sp->opts = v;
	v = &v[sp->nopts++];
	memset(v, 0, sizeof(*v));
	memcpy(v->name, name, len);
	return v;
}

/* Adds the '|'-separated words of s[0..len) to o's choices, each once. */
static void cp_choices_add(struct completion_option *o, const char *s,
			   size_t len)
{
	while (len) {
		size_t w = 0, have = strlen(o->choices);
		char word[64];

		while (w < len && s[w] != '|')
			w++;
		snprintf(word, sizeof(word), "%.*s", (int)w, s);
		if (*word) {
			char padded[sizeof(o->choices) + 2], needle[70];

			snprintf(padded, sizeof(padded), " %s ", o->choices);
			snprintf(needle, sizeof(needle), " %s ", word);
			if (!strstr(padded, needle) &&
			    have + strlen(word) + 2 < sizeof(o->choices))
				snprintf(o->choices + have,
					 sizeof(o->choices) - have, "%s%s",
					 have ? " " : "", word);
		}
		s += w;
		len -= w;
		if (len) {
			s++;
			len--;
		}
	}
	o->kind = COMPLETION_CHOICE;
}

/* The value after "--opt=" (or "--opt " in a term), up to its end. */
static void cp_value(struct completion_option *o, const char *v)
{
	size_t len = strcspn(v, " \t]),");
	bool choices = len > 0;

	for (size_t i = 0; i < len; i++)
		if (!islower((unsigned char)v[i]) &&
		    !isdigit((unsigned char)v[i]) && v[i] != '-' && v[i] != '|')
			choices = false;
	if (choices) {
		cp_choices_add(o, v, len);
	} else if (o->kind == COMPLETION_ANY) {
		size_t m = cp_metavar_len(v, 0);

		o->kind = cp_metavar_kind(v, m);
		if (o->kind != COMPLETION_FILE && o->kind != COMPLETION_DIR)
			o->kind = COMPLETION_ANY;
	}
}

static void cp_arg_add(struct completion_spec *sp, enum completion_kind k)
{
	if (sp->nargs && sp->args[sp->nargs - 1] == k)
		return;
	if (sp->nargs < COMPLETION_ARGS_MAX)
		sp->args[sp->nargs++] = k;
}

/*
 * One synopsis form or option term. In a term ("--exec PATH") a word after
 * the flag is its value; in a synopsis it is an argument, and the
 * placeholders outside flags are the arguments.
 */
static int cp_scan(struct completion_spec *sp, const char *s, bool term)
{
	for (size_t i = 0; s[i];) {
		size_t n = cp_flag_len(s, i), m;
		struct completion_option *o;
		enum completion_arg arg = COMPLETION_FLAG;
		const char *v = NULL;

		if (!n) {
			m = term ? 0 : cp_metavar_len(s, i);
			if (m) {
				enum completion_kind k =
					cp_metavar_kind(s + i, m);

				if (k != COMPLETION_ANY)
					cp_arg_add(sp, k);
				i += m;
			} else {
				i++;
			}
			continue;
		}
		o = cp_option(sp, s + i, n);
		if (!o)
			return -1;
		i += n;
		if (s[i] == '[' && s[i + 1] == '=') {
			arg = COMPLETION_OPTIONAL;
			v = s + i + 2;
		} else if (s[i] == '=') {
			arg = COMPLETION_VALUE;
			v = s + i + 1;
		} else if (term && s[i] == ' ' &&
			   isalpha((unsigned char)s[i + 1])) {
			arg = COMPLETION_VALUE;
			v = s + i + 1;
		}
		if (arg > o->arg)
			o->arg = arg;
		if (v) {
			cp_value(o, v);
			i = v - s + strcspn(v, " \t]),");
		}
	}
	return 0;
}

/* Values known by the option's name, when the text gives a placeholder. */
static void cp_named_values(struct completion_spec *sp)
{
	for (size_t i = 0; i < sp->nopts; i++) {
		struct completion_option *o = &sp->opts[i];

		if (o->arg == COMPLETION_FLAG || o->kind != COMPLETION_ANY)
			continue;
		if (!strcmp(o->name, "--insecure-options")) {
			o->kind = COMPLETION_LIST;
			snprintf(o->choices, sizeof(o->choices), "%s",
				 completion_insecure_names);
		} else if (!strcmp(o->name, "--net")) {
			o->kind = COMPLETION_LIST;
			snprintf(o->choices, sizeof(o->choices), "%s",
				 completion_net_names);
		}
	}
}

int completion_spec_parse(const char *usage, struct completion_spec *out,
			  struct error **err)
{
	struct manpage_usage u;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (manpage_usage_parse(usage, &u, err) < 0)
		return -1;
	for (size_t i = 0; i < u.nsynopsis && r == 0; i++) {
		const char *form = u.synopsis[i];

		/* Skip "cocoon NAME": the command's own (lower-case) words. */
		if (!strncmp(form, "cocoon ", 7)) {
			form += 7;
			while (islower((unsigned char)*form)) {
				form += strcspn(form, " ");
				form += strspn(form, " ");
			}
		}
		r = cp_scan(out, form, false);
	}
	for (size_t i = 0; i < u.nblocks && r == 0; i++) {
		const struct manpage_block *b = &u.blocks[i];

		if (b->section != MANPAGE_OPTIONS || b->text)
			continue;
		for (size_t j = 0; j < b->nitems && r == 0; j++)
			if (b->items[j].term)
				r = cp_scan(out, b->items[j].term, true);
	}
	manpage_usage_free(&u);
	if (r < 0) {
		completion_spec_free(out);
		return error_set(err, ENOMEM, "out of memory");
	}
	cp_named_values(out);
	return 0;
}

void completion_spec_free(struct completion_spec *s)
{
	free(s->opts);
	memset(s, 0, sizeof(*s));
}

/* ---- the bash script */

static const char *const cp_kind_names[] = {
	[COMPLETION_ANY] = "any",     [COMPLETION_CHOICE] = "choice",
	[COMPLETION_LIST] = "list",   [COMPLETION_FILE] = "file",
	[COMPLETION_DIR] = "dir",     [COMPLETION_POD] = "pod",
	[COMPLETION_IMAGE] = "image", [COMPLETION_COMMAND] = "command",
};

static void cp_write_spec(FILE *out, const char *name,
			  const struct completion_spec *sp)
{
	const char *sep = "";

	fprintf(out, "\t'%s') o='", name);
	for (size_t i = 0; i < sp->nopts; i++) {
		const struct completion_option *o = &sp->opts[i];

		fprintf(out, "%s%s%s", sep,
			o->arg == COMPLETION_OPTIONAL ? o->name : "",
			o->arg == COMPLETION_OPTIONAL ? " " : "");
		fprintf(out, "%s%s", o->name,
			o->arg == COMPLETION_FLAG ? "" : "=");
		sep = " ";
	}
	fputs("' v='", out);
	sep = "";
	for (size_t i = 0; i < sp->nopts; i++) {
		if (sp->opts[i].arg != COMPLETION_VALUE)
			continue;
		fprintf(out, "%s%s", sep, sp->opts[i].name);
		sep = " ";
	}
	fputs("' a='", out);
	for (size_t i = 0; i < sp->nargs; i++)
		fprintf(out, "%s%s", i ? " " : "", cp_kind_names[sp->args[i]]);
	fputs("' ;;\n", out);
}

static void cp_write_values(FILE *out, const char *name,
			    const struct completion_spec *sp)
{
	for (size_t i = 0; i < sp->nopts; i++) {
		const struct completion_option *o = &sp->opts[i];

		if (o->arg == COMPLETION_FLAG || o->kind == COMPLETION_ANY)
			continue;
		fprintf(out, "\t'%s %s') k=%s c='%s' ;;\n", name, o->name,
			cp_kind_names[o->kind], o->choices);
	}
}

struct cp_ctx {
	FILE *out;
	bool values;	   /* writing _cocoon_values, else _cocoon_spec */
	const char *group; /* for the word lists: a group, or NULL */
	char last[64];	   /* the last word written to a list, "" if none */
	struct error **err;
	int ret;
};

static void cp_command(const struct command *c, void *arg)
{
	struct cp_ctx *ctx = arg;
	struct completion_spec sp;

	if (ctx->ret < 0)
		return;
	if (completion_spec_parse(c->usage, &sp, ctx->err) < 0) {
		ctx->ret = error_wrap(ctx->err, "completion of %s", c->name);
		return;
	}
	if (ctx->values)
		cp_write_values(ctx->out, c->name, &sp);
	else
		cp_write_spec(ctx->out, c->name, &sp);
	completion_spec_free(&sp);
}

/* The first words of every command (a group once), or a group's second. */
static void cp_word(const struct command *c, void *arg)
{
	struct cp_ctx *ctx = arg;
	const char *word = c->name;
	size_t len = strcspn(word, " ");

	if (ctx->group) {
		size_t glen = strlen(ctx->group);

		if (strncmp(word, ctx->group, glen) || word[glen] != ' ')
			return;
		word += glen + 1;
		len = strlen(word);
	}
	if (strlen(ctx->last) == len && !strncmp(ctx->last, word, len))
		return;
	fprintf(ctx->out, "%s%.*s", *ctx->last ? " " : "", (int)len, word);
	snprintf(ctx->last, sizeof(ctx->last), "%.*s", (int)len, word);
}

static void cp_group_words(const char *group, void *arg)
{
	struct cp_ctx *ctx = arg;

	fprintf(ctx->out, "\t'%s') w=(", group);
	ctx->group = group;
	ctx->last[0] = '\0';
	command_for_each(cp_word, ctx);
	fputs(") ;;\n", ctx->out);
}

static void cp_group_name(const char *group, void *arg)
{
	struct cp_ctx *ctx = arg;

	fprintf(ctx->out, "%s%s", *ctx->last ? " " : "", group);
	snprintf(ctx->last, sizeof(ctx->last), "%s", group);
}

/* The part of the script that is the same for every command table. */
static const char cp_functions[] =
	"# Sets w to the candidates for a value of kind k (choices c) typed\n"
	"# so far as VALUE, each after PREFIX.\n"
	"_cocoon_value() { # PREFIX VALUE\n"
	"\tlocal prefix=$1 val=$2 x head='' f=-f\n"
	"\tw=()\n"
	"\tcase $k in\n"
	"\tchoice) for x in $c; do w+=(\"$prefix$x\"); done ;;\n"
	"\tlist)\n"
	"\t\t[[ $val == *,* ]] && head=${val%,*},\n"
	"\t\t# each once\n"
	"\t\tfor x in $c; do\n"
	"\t\t\t[[ ,$head == *,$x,* ]] || w+=(\"$prefix$head$x\")\n"
	"\t\tdone\n"
	"\t\t;;\n"
	"\tfile | dir)\n"
	"\t\t[[ $k == dir ]] && f=-d\n"
	"\t\twhile IFS= read -r x; do w+=(\"$prefix$x\"); done < <(compgen "
	"$f -- \"$val\")\n"
	"\t\tcompopt -o filenames 2>/dev/null\n"
	"\t\t;;\n"
	"\tesac\n"
	"\treturn 0\n"
	"}\n"
	"\n"
	"# Replies with the candidates that start with CUR. Readline replaces\n"
	"# only what follows the last word-break character (= and : by\n"
	"# default), so that part of CUR is cut from each.\n"
	"_cocoon_reply() { # CUR CANDIDATE...\n"
	"\tlocal cur=$1 pre='' i x\n"
	"\tshift\n"
	"\tfor ((i = ${#cur} - 1; i >= 0; i--)); do\n"
	"\t\tx=${cur:i:1}\n"
	"\t\tif [[ ($x == = || $x == :) && $COMP_WORDBREAKS == *\"$x\"* ]]; "
	"then\n"
	"\t\t\tpre=${cur:0:i+1}\n"
	"\t\t\tbreak\n"
	"\t\tfi\n"
	"\tdone\n"
	"\tCOMPREPLY=()\n"
	"\tfor x in \"$@\"; do\n"
	"\t\t[[ $x == \"$cur\"* ]] && COMPREPLY+=(\"${x#\"$pre\"}\")\n"
	"\tdone\n"
	"\t# --opt= waits for its value\n"
	"\tif [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then\n"
	"\t\tcompopt -o nospace 2>/dev/null\n"
	"\tfi\n"
	"\treturn 0\n"
	"}\n"
	"\n"
	"# Sets w to the candidates for an argument of kind KIND; g holds the\n"
	"# global flags typed (--dir...), prog the cocoon being completed.\n"
	"_cocoon_arg() { # KIND FIRST-ARGUMENT NARGS\n"
	"\tlocal line name _\n"
	"\tw=()\n"
	"\tcase $1 in\n"
	"\tpod)\n"
	"\t\t# a pod's first line starts with its UUID, its other apps' with "
	"blanks\n"
	"\t\twhile IFS= read -r line; do\n"
	"\t\t\t[[ $line == [![:space:]]* ]] && w+=(\"${line%% *}\")\n"
	"\t\tdone < <(\"$prog\" \"${g[@]}\" list --no-legend --full "
	"2>/dev/null)\n"
	"\t\t;;\n"
	"\timage)\n"
	"\t\t# listing images creates a missing store: only list one that "
	"exists\n"
	"\t\tlocal d=" COCOON_DEFAULT_DIR " i\n"
	"\t\tfor ((i = 0; i < ${#g[@]}; i++)); do\n"
	"\t\t\tcase ${g[i]} in\n"
	"\t\t\t--dir=*) d=${g[i]#--dir=} ;;\n"
	"\t\t\t--dir) d=${g[i + 1]} ;;\n"
	"\t\t\tesac\n"
	"\t\tdone\n"
	"\t\t[[ -e $d/cas/db.sqlite ]] || return 0\n"
	"\t\twhile IFS=$'\\t' read -r _ name _; do\n"
	"\t\t\t[[ $name ]] && w+=(\"$name\")\n"
	"\t\tdone < <(\"$prog\" \"${g[@]}\" image list --no-legend "
	"2>/dev/null)\n"
	"\t\t;;\n"
	"\tcommand)\n"
	"\t\tif (($3 == 0)); then\n"
	"\t\t\tread -ra w <<<\"$_cocoon_commands\"\n"
	"\t\telif (($3 == 1)); then\n"
	"\t\t\t_cocoon_subcommands \"$2\"\n"
	"\t\tfi\n"
	"\t\t;;\n"
	"\tfile | dir) k=$1 && _cocoon_value '' \"$cur\" ;;\n"
	"\tesac\n"
	"\treturn 0\n"
	"}\n"
	"\n"
	"_cocoon() {\n"
	"\tlocal words=() x i glue=0 o v a k c w=() g=() p=1 cmd nargs=0 "
	"first=''\n"
	"\t# Glue back what bash split at = and : (--format=json).\n"
	"\tfor ((i = 0; i <= COMP_CWORD; i++)); do\n"
	"\t\tx=${COMP_WORDS[i]}\n"
	"\t\tif ((${#words[@]})) && [[ $x == = || $x == : ]]; then\n"
	"\t\t\twords[-1]+=$x\n"
	"\t\t\tglue=1\n"
	"\t\telif ((glue)); then\n"
	"\t\t\twords[-1]+=$x\n"
	"\t\t\tglue=0\n"
	"\t\telse\n"
	"\t\t\twords+=(\"$x\")\n"
	"\t\tfi\n"
	"\tdone\n"
	"\tlocal n=${#words[@]} cur=${words[-1]} prog=${words[0]}\n"
	"\t# The global flags before the command.\n"
	"\t_cocoon_spec ''\n"
	"\twhile ((p < n - 1)); do\n"
	"\t\tx=${words[p]}\n"
	"\t\tif [[ \" $v \" == *\" $x \"* ]]; then\n"
	"\t\t\tg+=(\"$x\" \"${words[p + 1]}\")\n"
	"\t\t\t((p += 2))\n"
	"\t\t\tcontinue\n"
	"\t\tfi\n"
	"\t\t[[ $x == -* ]] || break\n"
	"\t\tg+=(\"$x\")\n"
	"\t\t((p++))\n"
	"\tdone\n"
	"\tif ((p >= n)); then # cocoon --dir <TAB>\n"
	"\t\t_cocoon_values '' \"${words[n - 2]}\"\n"
	"\t\t_cocoon_value '' \"$cur\"\n"
	"\telif ((p == n - 1)); then # the command, or a global flag\n"
	"\t\tif [[ $cur == --*=* ]]; then\n"
	"\t\t\t_cocoon_values '' \"${cur%%=*}\"\n"
	"\t\t\t_cocoon_value \"${cur%%=*}=\" \"${cur#*=}\"\n"
	"\t\telif [[ $cur == -* ]]; then\n"
	"\t\t\tread -ra w <<<\"$o\"\n"
	"\t\telse\n"
	"\t\t\tread -ra w <<<\"$_cocoon_commands\"\n"
	"\t\tfi\n"
	"\tfi\n"
	"\tif ((p >= n - 1)); then\n"
	"\t\t_cocoon_reply \"$cur\" \"${w[@]}\"\n"
	"\t\treturn 0\n"
	"\tfi\n"
	"\tcmd=${words[p]}\n"
	"\tif [[ \" $_cocoon_groups \" == *\" $cmd \"* ]]; then\n"
	"\t\tif ((p + 1 == n - 1)); then\n"
	"\t\t\t_cocoon_subcommands \"$cmd\"\n"
	"\t\t\t_cocoon_reply \"$cur\" \"${w[@]}\"\n"
	"\t\t\treturn 0\n"
	"\t\tfi\n"
	"\t\t((p++))\n"
	"\t\tcmd+=\" ${words[p]}\"\n"
	"\tfi\n"
	"\t_cocoon_spec \"$cmd\" || return 0\n"
	"\t# The words typed after the command: flags, their values, "
	"arguments.\n"
	"\tfor ((i = p + 1; i < n - 1; i++)); do\n"
	"\t\tx=${words[i]}\n"
	"\t\tif [[ $x == -- ]]; then # the app's own arguments (run, prepare)\n"
	"\t\t\tk='file'\n"
	"\t\t\t_cocoon_value '' \"$cur\"\n"
	"\t\t\t_cocoon_reply \"$cur\" \"${w[@]}\"\n"
	"\t\t\treturn 0\n"
	"\t\tfi\n"
	"\t\tif [[ $x == -* ]]; then\n"
	"\t\t\t[[ $x != *=* && \" $v \" == *\" $x \"* ]] && ((i++))\n"
	"\t\t\tcontinue\n"
	"\t\tfi\n"
	"\t\t((nargs++)) || first=$x\n"
	"\tdone\n"
	"\tx=${words[n - 2]}\n"
	"\tif ((n - 2 > p)) && [[ \" $v \" == *\" $x \"* ]]; then\n"
	"\t\t_cocoon_values \"$cmd\" \"$x\"\n"
	"\t\t_cocoon_value '' \"$cur\"\n"
	"\telif [[ $cur == --*=* ]]; then\n"
	"\t\t_cocoon_values \"$cmd\" \"${cur%%=*}\"\n"
	"\t\t_cocoon_value \"${cur%%=*}=\" \"${cur#*=}\"\n"
	"\telif [[ $cur == -* ]]; then\n"
	"\t\tread -ra w <<<\"$o --help\"\n"
	"\telse\n"
	"\t\tread -ra a <<<\"$a\"\n"
	"\t\tif ((${#a[@]})); then\n"
	"\t\t\ti=$((nargs < ${#a[@]} ? nargs : ${#a[@]} - 1))\n"
	"\t\t\t_cocoon_arg \"${a[i]}\" \"$first\" \"$nargs\"\n"
	"\t\tfi\n"
	"\tfi\n"
	"\t_cocoon_reply \"$cur\" \"${w[@]}\"\n"
	"}\n"
	"complete -F _cocoon cocoon\n";

int completion_write_bash(FILE *out, struct error **err)
{
	struct cp_ctx ctx = {.out = out, .err = err};
	struct completion_spec globals;
	cleanup_free char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem)
		return error_set_errno(err, "completion");
	cli_print_globals(mem);
	if (fclose(mem) != 0)
		return error_set_errno(err, "completion");
	if (completion_spec_parse(text, &globals, err) < 0)
		return error_wrap(err, "completion of the global flags");
	fputs("# bash completion for cocoon(1)\n"
	      "# Generated by `cocoon help --completion=bash` from the "
	      "commands' usage\n"
	      "# texts (the text of --help and of the man pages): do not "
	      "edit.\n\n"
	      "# Sets o (the options: --flag, --opt= for a value), v (the "
	      "options\n# whose value may be the next word) and a (the "
	      "arguments' kinds;\n# the last one repeats) for COMMAND ('': "
	      "the global flags).\n"
	      "_cocoon_spec() { # COMMAND\n\tcase $1 in\n",
	      out);
	cp_write_spec(out, "", &globals);
	command_for_each(cp_command, &ctx);
	fputs("\t*) return 1 ;;\n\tesac\n}\n\n"
	      "# Sets k (choice, list, file, dir, any) and c (the choices) "
	      "for the\n# value of OPTION of COMMAND.\n"
	      "_cocoon_values() { # COMMAND OPTION\n\tk=any c=\n"
	      "\tcase \"$1 $2\" in\n",
	      out);
	cp_write_values(out, "", &globals);
	ctx.values = true;
	command_for_each(cp_command, &ctx);
	fputs("\tesac\n}\n\n"
	      "# Sets w to the second words of the commands of a group.\n"
	      "_cocoon_subcommands() { # GROUP\n\tw=()\n\tcase $1 in\n",
	      out);
	manpage_for_each_group(cp_group_words, &ctx);
	fputs("\tesac\n}\n\n_cocoon_groups='", out);
	ctx.last[0] = '\0';
	manpage_for_each_group(cp_group_name, &ctx);
	fputs("'\n_cocoon_commands='", out);
	ctx.group = NULL;
	ctx.last[0] = '\0';
	command_for_each(cp_word, &ctx);
	fputs("'\n\n", out);
	fputs(cp_functions, out);
	completion_spec_free(&globals);
	return ctx.ret;
}
