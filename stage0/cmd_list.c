// SPDX-License-Identifier: Apache-2.0
/* cocoon list: every pod with its apps, state and times, as `rkt list`. */
#include "stage0/cmd_image_common.h"
#include "stage0/pod.h"
#include "stage0/pod_status.h"
#include "common/cleanup.h"
#include "common/log.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum list_columns {
	COL_UUID,
	COL_APP,
	COL_IMAGE,
	COL_STATE,
	COL_CREATED,
	COL_STARTED,
	COL_NETWORKS,
	COL_COUNT
};

static const char *const list_headers[COL_COUNT] = {
	"UUID", "APP", "IMAGE NAME", "STATE", "CREATED", "STARTED", "NETWORKS",
};

struct list_table {
	char *(*rows)[COL_COUNT];
	size_t count, cap;
	size_t width[COL_COUNT];
};

static int list_add_row(struct list_table *t, char *cells[COL_COUNT])
{
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char *(*grown)[COL_COUNT] =
			realloc(t->rows, cap * sizeof(*grown));

		if (!grown)
			return -1;
		t->rows = grown;
		t->cap = cap;
	}
	for (int c = 0; c < COL_COUNT; c++) {
		t->rows[t->count][c] = cells[c];
		if (cells[c] && strlen(cells[c]) > t->width[c])
			t->width[c] = strlen(cells[c]);
	}
	t->count++;
	return 0;
}

static void list_table_free(struct list_table *t)
{
	for (size_t r = 0; r < t->count; r++)
		for (int c = 0; c < COL_COUNT; c++)
			free(t->rows[r][c]);
	free(t->rows);
}

static void list_print_row(const char *const cells[COL_COUNT],
			   const size_t width[COL_COUNT])
{
	for (int c = 0; c + 1 < COL_COUNT; c++)
		printf("%-*s  ", (int)width[c], cells[c] ? cells[c] : "");
	printf("%s\n", cells[COL_COUNT - 1] ? cells[COL_COUNT - 1] : "");
}

/* Columns separated by two spaces; the last one is not padded. */
static void list_print(const struct list_table *t, bool legend)
{
	size_t width[COL_COUNT];

	for (int c = 0; c < COL_COUNT; c++) {
		width[c] = t->width[c];
		if (legend && strlen(list_headers[c]) > width[c])
			width[c] = strlen(list_headers[c]);
	}
	if (legend)
		list_print_row(list_headers, width);
	for (size_t r = 0; r < t->count; r++)
		list_print_row((const char *const *)t->rows[r], width);
}

/* "12 seconds ago", as rkt's list shows times without --full. */
static void list_ago(const struct timespec *t, char *buf, size_t len)
{
	time_t now = time(NULL);
	long long d;
	static const struct {
		long long secs;
		const char *unit;
	} units[] = {{86400, "day"}, {3600, "hour"}, {60, "minute"}};

	if (!t->tv_sec) {
		snprintf(buf, len, "-");
		return;
	}
	d = (long long)(now - t->tv_sec);
	if (d < 0)
		d = 0;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (d >= units[i].secs) {
			long long n = d / units[i].secs;

			snprintf(buf, len, "%lld %s%s ago", n, units[i].unit,
				 n == 1 ? "" : "s");
			return;
		}
	}
	snprintf(buf, len, "%lld second%s ago", d, d == 1 ? "" : "s");
}

static char *list_strdup(const char *s)
{
	return strdup(s ? s : "");
}

static int list_pod_rows(struct list_table *t, const struct pod_status *st,
			 bool full)
{
	char created[64], started[64];

	if (full) {
		pod_time_format_human(&st->created, created, sizeof(created));
		pod_time_format_human(&st->started, started, sizeof(started));
	} else {
		list_ago(&st->created, created, sizeof(created));
		list_ago(&st->started, started, sizeof(started));
	}
	/* One line per app; the pod's own columns on the first only. */
	for (size_t i = 0; i == 0 || i < st->napps; i++) {
		const struct pod_app_status *a =
			i < st->napps ? &st->apps[i] : NULL;
		char uuid[POD_UUID_LEN + 1];
		char *cells[COL_COUNT] = {0};
		const char *image = NULL;

		snprintf(uuid, sizeof(uuid), "%.*s", full ? POD_UUID_LEN : 8,
			 st->uuid);
		if (a)
			image = a->image_name ? a->image_name : a->image_id;
		cells[COL_UUID] = list_strdup(i ? "" : uuid);
		cells[COL_APP] = list_strdup(a ? a->name : "-");
		cells[COL_IMAGE] = list_strdup(image ? image : "-");
		cells[COL_STATE] = list_strdup(i ? "" : st->state);
		cells[COL_CREATED] = list_strdup(i ? "" : created);
		cells[COL_STARTED] = list_strdup(i ? "" : started);
		cells[COL_NETWORKS] = list_strdup(i ? "" : st->networks);
		bool ok = true;

		for (int c = 0; c < COL_COUNT; c++)
			ok = ok && cells[c];
		if (!ok || list_add_row(t, cells) < 0) {
			for (int c = 0; c < COL_COUNT; c++)
				free(cells[c]);
			return -1;
		}
	}
	return 0;
}

static int list_run(int argc, char **argv, const struct global_options *g)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"no-legend", no_argument, NULL, 'n'},
		{"full", no_argument, NULL, 'F'},
		{0},
	};
	cleanup_error struct error *err = NULL;
	struct list_table table = {0};
	struct json_object *json = NULL;
	struct pod **pods = NULL;
	bool legend = true, full = false;
	int opt, json_flags = -1, status = 0;
	size_t count = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (!strcmp(optarg, "json"))
				json_flags = JSON_C_TO_STRING_PLAIN;
			else if (!strcmp(optarg, "json-pretty"))
				json_flags = JSON_C_TO_STRING_PRETTY |
					     JSON_C_TO_STRING_SPACED;
			else if (strcmp(optarg, "table"))
				return image_cmd_usage(
					"list",
					"--format=%s: want json, json-pretty "
					"or table",
					optarg);
			break;
		case 'n':
			legend = false;
			break;
		case 'F':
			full = true;
			break;
		default:
			return image_cmd_usage("list", "bad option");
		}
	}
	if (optind < argc)
		return image_cmd_usage("list", "unexpected argument %s",
				       argv[optind]);
	if (pod_list(g->dir, &pods, &count, &err) < 0)
		return image_cmd_fail("list", &err);
	if (json_flags >= 0)
		json = json_object_new_array();
	for (size_t i = 0; i < count; i++) {
		struct pod_status st;
		int r;

		if (pod_status_read(pods[i], &st, &err) < 0) {
			/* Still list it, with what could be read. */
			log_warn("list: %s", err->message);
			error_free(&err);
			status = 1;
		}
		if (json)
			r = json_object_array_add(json,
						  pod_status_to_json(&st));
		else
			r = list_pod_rows(&table, &st, full);
		pod_status_free(&st);
		if (r < 0) {
			log_error("list: out of memory");
			status = 1;
			break;
		}
	}
	pod_list_free(pods, count);
	if (json) {
		printf("%s\n",
		       json_object_to_json_string_ext(json, json_flags));
		json_object_put(json);
	} else {
		list_print(&table, legend);
		list_table_free(&table);
	}
	return status;
}

COCOON_COMMAND(
	pod_list, .name = "list", .summary = "list pods",
	.usage =
		"Usage: cocoon list [--full] [--no-legend] "
		"[--format=json|json-pretty]\n"
		"\n"
		"Lists every pod under --dir, one line per app: UUID, APP, "
		"IMAGE NAME,\n"
		"STATE, CREATED, STARTED. A pod with several apps shows its "
		"own columns\n"
		"on its first line only.\n"
		"\n"
		"STATE is one of: embryo, preparing, prepared, running, "
		"exited,\n"
		"exited garbage, garbage (docs/pods.md). A pod in run/ whose "
		"supervisor\n"
		"is gone is \"exited\".\n"
		"\n"
		"Options:\n"
		"  --full              full UUIDs and absolute times "
		"(default: the\n"
		"                      first 8 characters, \"2 minutes ago\")\n"
		"  --no-legend         no header line\n"
		"  --format=FORMAT     json: one JSON array, one object per "
		"pod;\n"
		"                      json-pretty: the same, indented; "
		"table (default)\n"
		"\n"
		"Exit status: 0, or 1 if a pod's files could not be read "
		"(it is listed\n"
		"with what could be read).\n",
	.run = list_run);
