// SPDX-License-Identifier: Apache-2.0
#include "guest/cmdline.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool cmdline_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/*
 * One parameter, as lib/cmdline.c next_arg() cuts it: a blank outside
 * double quotes ends it; the first '=' splits name from value; a leading
 * quote on the whole parameter or on the value is dropped together with a
 * quote that ends the parameter. Quotes elsewhere stay as they are.
 */
struct cmdline_param {
	const char *name;
	size_t name_len;
	const char *value; /* NULL when there is no '=' */
	size_t value_len;
};

static const char *cmdline_next(const char *p, struct cmdline_param *out)
{
	bool in_quote = false, quoted = false;
	size_t i, equals = 0;
	bool has_equals = false;
	const char *start;
	size_t len;

	if (*p == '"') {
		p++;
		in_quote = true;
		quoted = true;
	}
	start = p;
	for (i = 0; p[i]; i++) {
		if (cmdline_is_space(p[i]) && !in_quote)
			break;
		if (!has_equals && p[i] == '=') {
			has_equals = true;
			equals = i;
		}
		if (p[i] == '"')
			in_quote = !in_quote;
	}
	len = i;
	out->name = start;
	if (!has_equals) {
		out->name_len = len;
		out->value = NULL;
		out->value_len = 0;
		if (quoted && len > 0 && start[len - 1] == '"')
			out->name_len--;
	} else {
		out->name_len = equals;
		out->value = start + equals + 1;
		out->value_len = len - equals - 1;
		if (out->value_len > 0 && out->value[0] == '"') {
			out->value++;
			out->value_len--;
			if (out->value_len > 0 &&
			    out->value[out->value_len - 1] == '"')
				out->value_len--;
		} else if (quoted && out->value_len > 0 &&
			   out->value[out->value_len - 1] == '"') {
			out->value_len--;
		}
	}
	p += i;
	while (*p && cmdline_is_space(*p))
		p++;
	return p;
}

int cmdline_get(const char *cmdline, const char *key, char **value)
{
	size_t key_len = strlen(key);
	const char *found = NULL;
	size_t found_len = 0;
	bool have = false;
	const char *p = cmdline;

	while (*p && cmdline_is_space(*p))
		p++;
	while (*p) {
		struct cmdline_param param;

		p = cmdline_next(p, &param);
		if (param.name_len == 2 && !param.value &&
		    !strncmp(param.name, "--", 2))
			break;
		if (param.name_len != key_len ||
		    strncmp(param.name, key, key_len))
			continue;
		have = true;
		found = param.value ? param.value : "";
		found_len = param.value_len;
	}
	if (!have)
		return 0;
	*value = strndup(found, found_len);
	return *value ? 1 : -ENOMEM;
}

void cmdline_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

int cmdline_split(const char *command, char ***argv)
{
	size_t cap = strlen(command) + 1;
	size_t argc = 0;
	char **out;
	char *word;
	const char *p = command;

	/* A command of n bytes has at most n/2+1 words of at most n bytes. */
	out = calloc(cap / 2 + 2, sizeof(*out));
	word = malloc(cap);
	if (!out || !word)
		goto nomem;
	for (;;) {
		size_t len = 0;
		bool in_word = false;

		while (*p && cmdline_is_space(*p))
			p++;
		if (!*p)
			break;
		while (*p && !cmdline_is_space(*p)) {
			in_word = true;
			if (*p == '\'') {
				const char *end = strchr(p + 1, '\'');

				if (!end)
					goto invalid;
				memcpy(word + len, p + 1, end - p - 1);
				len += end - p - 1;
				p = end + 1;
			} else if (*p == '"') {
				p++;
				while (*p && *p != '"') {
					if (*p == '\\' &&
					    (p[1] == '"' || p[1] == '\\'))
						p++;
					word[len++] = *p++;
				}
				if (!*p)
					goto invalid;
				p++;
			} else if (*p == '\\') {
				if (!p[1])
					goto invalid;
				word[len++] = p[1];
				p += 2;
			} else {
				word[len++] = *p++;
			}
		}
		if (in_word) {
			word[len] = '\0';
			out[argc] = strdup(word);
			if (!out[argc])
				goto nomem;
			argc++;
		}
	}
	free(word);
	*argv = out;
	return (int)argc;

invalid:
	free(word);
	cmdline_argv_free(out);
	return -EINVAL;
nomem:
	free(word);
	cmdline_argv_free(out);
	return -ENOMEM;
}
