// SPDX-License-Identifier: Apache-2.0
/* cocoon audit verify, cocoon audit list: the audit log (docs/audit.md). */
#include "stage0/audit.h"
#include "stage0/cli.h"
#include "stage0/cmd_image_common.h"
#include "common/cleanup.h"

#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static int audit_verify_run(int argc, char **argv,
			    const struct global_options *g)
{
	static const struct option opts[] = {{0}};
	cleanup_error struct error *err = NULL;
	struct audit_report r;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1)
		return image_cmd_usage("audit verify", "bad option");
	if (optind < argc)
		return image_cmd_usage("audit verify", "unexpected argument %s",
				       argv[optind]);
	if (audit_verify(g->dir, &r, &err) < 0)
		return image_cmd_fail("audit verify", &err);
	if (r.note[0])
		fprintf(stderr, "cocoon: audit verify: note: %s\n", r.note);
	if (r.problem != AUDIT_INTACT) {
		fprintf(stderr, "cocoon: audit verify: %s/%s/%s: %s: %s\n",
			g->dir, AUDIT_DIR, AUDIT_LOG,
			audit_problem_name(r.problem), r.message);
		printf("%" PRIu64 " entries verified before the first problem; "
		       "chain broken\n",
		       r.entries);
		return 1;
	}
	printf("%" PRIu64 " entr%s, chain intact\n", r.entries,
	       r.entries == 1 ? "y" : "ies");
	return 0;
}

COCOON_COMMAND(
	audit_verify, .name = "audit verify",
	.summary = "check the audit log's hash chain",
	.usage = "Usage: cocoon audit verify\n"
		 "\n"
		 "Checks every entry of <dir>/audit/log.jsonl: its hash, its "
		 "link to the\n"
		 "entry before, its sequence number, and the last entry "
		 "against the head\n"
		 "record. Prints \"N entries, chain intact\" and exits 0; "
		 "else names the\n"
		 "first bad entry and why (edited, missing, reordered, "
		 "truncated, garbage)\n"
		 "and exits 1.\n",
	.run = audit_verify_run);

/* ---- list */

struct list_ctx {
	struct json_object *json; /* --format=json: every entry */
};

static const char *list_str(struct json_object *e, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(e, key, &v))
		return "-";
	return json_object_get_string(v);
}

/* What a table row says beyond seq, time, event and pod. */
static void list_details(struct json_object *e, char *buf, size_t size)
{
	const char *kind = list_str(e, "event");
	struct json_object *apps;
	size_t used = 0;

	buf[0] = '\0';
	if (!strcmp(kind, "pod-ended")) {
		snprintf(buf, size, "exit %s (%s)", list_str(e, "exit_status"),
			 list_str(e, "reason"));
		return;
	}
	if (!strcmp(kind, "pod-removed")) {
		snprintf(buf, size, "from %s", list_str(e, "state"));
		return;
	}
	if (!json_object_object_get_ex(e, "apps", &apps) ||
	    !json_object_is_type(apps, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(apps) && used < size;
	     i++) {
		struct json_object *a = json_object_array_get_idx(apps, i);
		const char *key = list_str(a, "verified_by");
		int n = snprintf(buf + used, size - used,
				 "%s%s=%.19s key=%.16s", i ? ", " : "",
				 list_str(a, "app"), list_str(a, "image_id"),
				 key);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static int list_one(struct json_object *e, void *arg)
{
	struct list_ctx *c = arg;
	char details[512];

	if (c->json) {
		json_object_array_add(c->json, json_object_get(e));
		return 0;
	}
	list_details(e, details, sizeof(details));
	printf("%s\t%s\t%s\t%s\t%s\n", list_str(e, "seq"), list_str(e, "time"),
	       list_str(e, "event"), list_str(e, "pod"), details);
	return 0;
}

static int audit_list_run(int argc, char **argv, const struct global_options *g)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"no-legend", no_argument, NULL, 'n'},
		{0},
	};
	cleanup_error struct error *err = NULL;
	struct list_ctx c = {0};
	bool legend = true, json = false;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			if (!strcmp(optarg, "json"))
				json = true;
			else if (strcmp(optarg, "table"))
				return image_cmd_usage(
					"audit list",
					"--format: json or table");
			break;
		case 'n':
			legend = false;
			break;
		default:
			return image_cmd_usage("audit list", "bad option");
		}
	}
	if (optind < argc)
		return image_cmd_usage("audit list", "unexpected argument %s",
				       argv[optind]);
	if (json)
		c.json = json_object_new_array();
	else if (legend)
		printf("SEQ\tTIME\tEVENT\tPOD\tDETAILS\n");
	if (audit_for_each(g->dir, list_one, &c, &err) < 0) {
		json_object_put(c.json);
		return image_cmd_fail("audit list", &err);
	}
	if (json) {
		printf("%s\n",
		       json_object_to_json_string_ext(
			       c.json, JSON_C_TO_STRING_PLAIN |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(c.json);
	}
	return 0;
}

COCOON_COMMAND(
	audit_list, .name = "audit list", .summary = "show the audit log",
	.usage = "Usage: cocoon audit list [--format=json] [--no-legend]\n"
		 "\n"
		 "Columns: SEQ, TIME (UTC), EVENT, POD, DETAILS (apps with "
		 "their image and\n"
		 "the key that verified it, or exit status and reason). "
		 "Events:\n"
		 "pod-prepared, pod-started, pod-ended, pod-removed. Listing "
		 "does not\n"
		 "check the chain: run 'cocoon audit verify' for that.\n"
		 "\n"
		 "Options:\n"
		 "  --format=json   one JSON array, the entries as stored\n"
		 "  --no-legend     no header line\n",
	.run = audit_list_run);
