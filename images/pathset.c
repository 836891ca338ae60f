// SPDX-License-Identifier: Apache-2.0
#include "images/pathset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t pathset_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static size_t pathset_find(char **slots, size_t cap, const char *path)
{
	size_t i = (size_t)pathset_hash(path) & (cap - 1);

	while (slots[i] && strcmp(slots[i], path))
		i = (i + 1) & (cap - 1);
	return i;
}

static int pathset_grow(struct pathset *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 64, i;
	char **n = calloc(ncap, sizeof(*n));

	if (!n)
		return -1;
	for (i = 0; i < s->cap; i++)
		if (s->slots[i])
			n[pathset_find(n, ncap, s->slots[i])] = s->slots[i];
	free(s->slots);
	s->slots = n;
	s->cap = ncap;
	return 0;
}

int pathset_add(struct pathset *s, const char *path)
{
	size_t i;

	/* Keep the load factor under 1/2. */
	if ((s->count + 1) * 2 > s->cap && pathset_grow(s) < 0)
		return -1;
	i = pathset_find(s->slots, s->cap, path);
	if (s->slots[i])
		return 0;
	s->slots[i] = strdup(path);
	if (!s->slots[i])
		return -1;
	s->count++;
	return 1;
}

int pathset_contains(const struct pathset *s, const char *path)
{
	if (!s->cap)
		return 0;
	return s->slots[pathset_find(s->slots, s->cap, path)] != NULL;
}

void pathset_free(struct pathset *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->slots[i]);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}
