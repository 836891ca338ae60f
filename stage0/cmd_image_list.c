// SPDX-License-Identifier: Apache-2.0
/* cocoon image list: the images in the store. */
#include "stage0/cmd_image_common.h"
#include "common/cleanup.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct list_ctx {
	struct store *store;
	bool full;
	struct json_object *json;
};

static void list_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void list_size(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static int list_one(const struct store_image *img, void *arg)
{
	struct list_ctx *c = arg;
	struct store_label *labels = NULL;
	const char *version = NULL;
	char name[512], imp[64], used[64], size[32], id[24];
	size_t nl = 0;

	if (store_image_labels(c->store, img->id, &labels, &nl, NULL) == 0)
		for (size_t i = 0; i < nl; i++)
			if (!strcmp(labels[i].name, "version"))
				version = labels[i].value;
	snprintf(name, sizeof(name), "%s%s%s", img->name, version ? ":" : "",
		 version ? version : "");
	if (c->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "id",
				       json_object_new_string(img->id));
		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "type",
				       json_object_new_string(img->type));
		json_object_object_add(
			o, "size", json_object_new_int64((int64_t)img->size));
		json_object_object_add(o, "importTime",
				       json_object_new_int64(img->import_time));
		json_object_object_add(o, "lastUsedTime",
				       json_object_new_int64(img->last_used));
		json_object_object_add(
			o, "verifiedBy",
			img->key ? json_object_new_string(img->key) : NULL);
		json_object_object_add(
			o, "source",
			img->source ? json_object_new_string(img->source)
				    : NULL);
		json_object_array_add(c->json, o);
	} else {
		list_time(img->import_time, imp, sizeof(imp));
		list_time(img->last_used, used, sizeof(used));
		list_size(img->size, size, sizeof(size));
		/* Short IDs as rkt: algorithm and 12 hex digits. */
		snprintf(id, sizeof(id), "%.19s", img->id);
		printf("%s\t%s\t%s\t%s\t%s\n", c->full ? img->id : id, name,
		       size, imp, used);
	}
	store_labels_free(labels, nl);
	return 0;
}

static int image_list_run(int argc, char **argv, const struct global_options *g)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"no-legend", no_argument, NULL, 'n'},
		{"full", no_argument, NULL, 'F'},
		{0},
	};
	cleanup_error struct error *err = NULL;
	struct list_ctx c = {0};
	bool legend = true;
	int opt, r, json_flags = -1;

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
					"image list",
					"--format=%s: want json, json-pretty "
					"or table",
					optarg);
			break;
		case 'n':
			legend = false;
			break;
		case 'F':
			c.full = true;
			break;
		default:
			return image_cmd_usage("image list", "bad option");
		}
	}
	if (optind < argc)
		return image_cmd_usage("image list", "unexpected argument %s",
				       argv[optind]);
	if (image_cmd_open_store(g, false, &c.store, &err) < 0)
		return image_cmd_fail("image list", &err);
	if (json_flags >= 0)
		c.json = json_object_new_array();
	else if (legend)
		printf("ID\tNAME\tSIZE\tIMPORT TIME\tLAST USED\n");
	r = store_image_for_each(c.store, list_one, &c, &err);
	store_close(c.store);
	if (r < 0) {
		json_object_put(c.json);
		return image_cmd_fail("image list", &err);
	}
	if (c.json) {
		printf("%s\n",
		       json_object_to_json_string_ext(
			       c.json,
			       json_flags | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(c.json);
	}
	return 0;
}

COCOON_COMMAND(
	image_list, .name = "image list",
	.summary = "list the images in the store",
	.usage = "Usage: cocoon image list [--format=json|json-pretty] "
		 "[--no-legend] [--full]\n"
		 "\n"
		 "Columns: ID, NAME[:VERSION], SIZE, IMPORT TIME, LAST USED,\n"
		 "separated by tabs.\n"
		 "\n"
		 "Options:\n"
		 "  --format=FORMAT   json: one JSON array, one object per "
		 "image, with\n"
		 "                    the columns as id, name, size (bytes), "
		 "importTime,\n"
		 "                    lastUsedTime (seconds since the epoch), "
		 "and type,\n"
		 "                    verifiedBy (the signing key), source; "
		 "json-pretty:\n"
		 "                    the same, indented; table (default)\n"
		 "  --no-legend       no header line\n"
		 "  --full            full image IDs\n",
	.run = image_list_run);
