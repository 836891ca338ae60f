// SPDX-License-Identifier: Apache-2.0
/*
 * The enter request's uid, gid, additional_gids and cwd: the host's
 * encoder, the guest's validating decoder, and the UID[:GID] and
 * GID[,GID...] parsers behind `cocoon enter --user/--groups`.
 */
#include "common/ctl.h"

#include <errno.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Decodes the JSON text of an enter request. */
static int decode(const char *json, struct ctl_enter_user *u, const char **why)
{
	struct json_object *req = json_tokener_parse(json);
	int r;

	assert_non_null(req);
	*why = NULL;
	r = ctl_enter_user_decode(req, u, why);
	json_object_put(req);
	if (r < 0)
		assert_non_null(*why);
	return r;
}

static void test_roundtrip(void **state)
{
	struct ctl_enter_user in = {.uid = 1000,
				    .gid = 100,
				    .n_gids = 3,
				    .gids = {10, 4294967294u, 0}};
	struct ctl_enter_user out;
	struct json_object *req = ctl_msg_new("enter"), *back;
	const char *type, *text, *why = NULL;

	(void)state;
	strcpy(in.cwd, "/tmp/a dir");
	assert_int_equal(ctl_enter_user_encode(req, &in), 0);
	/* Over the wire: through the text form and the frame parser. */
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	assert_int_equal(ctl_parse_json((const uint8_t *)text, strlen(text),
					&back, &type),
			 0);
	assert_string_equal(type, "enter");
	assert_int_equal(ctl_enter_user_decode(back, &out, &why), 0);
	assert_int_equal(out.uid, 1000);
	assert_int_equal(out.gid, 100);
	assert_int_equal(out.n_gids, 3);
	assert_int_equal(out.gids[0], 10);
	assert_int_equal(out.gids[1], 4294967294u);
	assert_int_equal(out.gids[2], 0);
	assert_string_equal(out.cwd, "/tmp/a dir");
	json_object_put(back);
	json_object_put(req);
}

static void test_defaults(void **state)
{
	struct ctl_enter_user in = {0}, out;
	struct json_object *req = ctl_msg_new("enter"), *v;
	const char *why;

	(void)state;
	/* An older host's request: root, no groups, the app's cwd. */
	memset(&out, 0xff, sizeof(out));
	assert_int_equal(decode("{\"type\":\"enter\"}", &out, &why), 0);
	assert_int_equal(out.uid, 0);
	assert_int_equal(out.gid, 0);
	assert_int_equal(out.n_gids, 0);
	assert_string_equal(out.cwd, "");
	/* No cwd member is sent for "the app's". */
	assert_int_equal(ctl_enter_user_encode(req, &in), 0);
	assert_false(json_object_object_get_ex(req, "cwd", &v));
	json_object_put(req);
}

static void test_decode_rejects(void **state)
{
	static const char *const bad[] = {
		"{\"uid\":-1}",
		"{\"uid\":4294967295}",
		"{\"uid\":99999999999999999999999}",
		"{\"uid\":\"0\"}",
		"{\"uid\":1.5}",
		"{\"uid\":null}",
		"{\"gid\":-5}",
		"{\"gid\":true}",
		"{\"additional_gids\":5}",
		"{\"additional_gids\":[1,-1]}",
		"{\"additional_gids\":[1,\"2\"]}",
		"{\"additional_gids\":[4294967295]}",
		"{\"cwd\":\"tmp\"}",
		"{\"cwd\":\"\"}",
		"{\"cwd\":7}",
		"{\"cwd\":[\"/\"]}",
		"{\"cwd\":\"/a\\u0000b\"}",
	};
	struct ctl_enter_user out;
	const char *why;
	char many[1024] = "{\"additional_gids\":[";
	char *long_cwd;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("%s\n", bad[i]);
		assert_int_equal(decode(bad[i], &out, &why), -EPROTO);
	}
	/* 64 groups fit, 65 do not. */
	for (int i = 0; i < CTL_ENTER_GIDS_MAX; i++)
		strcat(many, i ? ",7" : "7");
	strcat(many, "]}");
	assert_int_equal(decode(many, &out, &why), 0);
	assert_int_equal(out.n_gids, CTL_ENTER_GIDS_MAX);
	assert_int_equal(out.gids[CTL_ENTER_GIDS_MAX - 1], 7);
	strcpy(strrchr(many, ']'), ",7]}");
	assert_int_equal(decode(many, &out, &why), -EPROTO);
	/* The longest cwd fits, one more byte does not. */
	long_cwd = malloc(CTL_ENTER_CWD_MAX + 32);
	assert_non_null(long_cwd);
	strcpy(long_cwd, "{\"cwd\":\"/");
	memset(long_cwd + 9, 'a', CTL_ENTER_CWD_MAX - 1);
	strcpy(long_cwd + 9 + CTL_ENTER_CWD_MAX - 1, "\"}");
	assert_int_equal(decode(long_cwd, &out, &why), 0);
	assert_int_equal(strlen(out.cwd), CTL_ENTER_CWD_MAX);
	strcpy(long_cwd + 9 + CTL_ENTER_CWD_MAX - 1, "a\"}");
	assert_int_equal(decode(long_cwd, &out, &why), -EPROTO);
	free(long_cwd);
}

/* The one uid/gid check behind the decoder and cocoon-runtime exec. */
static void test_id_json(void **state)
{
	static const char *const bad[] = {
		"-1",	"4294967295", "99999999999999999999999",
		"1.0",	"\"7\"",      "null",
		"true", "[1]",	      "{}",
	};
	struct json_object *v;
	uint32_t id;

	(void)state;
	v = json_tokener_parse("4294967294");
	assert_int_equal(ctl_enter_id_json(v, &id), 0);
	assert_int_equal(id, 4294967294u);
	json_object_put(v);
	v = json_tokener_parse("0");
	assert_int_equal(ctl_enter_id_json(v, &id), 0);
	assert_int_equal(id, 0);
	json_object_put(v);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = json_tokener_parse(bad[i]);
		id = 12345;
		assert_int_equal(ctl_enter_id_json(v, &id), -EPROTO);
		/* a refused value leaves *out alone */
		assert_int_equal(id, 12345);
		json_object_put(v);
	}
}

static void test_id_parse(void **state)
{
	uint32_t uid = 7, gid = 7;

	(void)state;
	assert_int_equal(ctl_enter_id_parse("1000:100", &uid, &gid), 0);
	assert_int_equal(uid, 1000);
	assert_int_equal(gid, 100);
	assert_int_equal(ctl_enter_id_parse("33", &uid, &gid), 0);
	assert_int_equal(uid, 33);
	assert_int_equal(gid, 0);
	assert_int_equal(ctl_enter_id_parse("4294967294:0", &uid, &gid), 0);
	assert_int_equal(uid, 4294967294u);
	uid = gid = 7;
	static const char *const bad[] = {
		"",
		":",
		"1000:",
		":100",
		"-1",
		"1000:-1",
		"4294967295",
		"1:4294967295",
		"99999999999999999999",
		"root",
		"1000:users",
		"1000:100:1",
		" 1",
		"1 ",
		"0x10",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("%s\n", bad[i]);
		assert_int_equal(ctl_enter_id_parse(bad[i], &uid, &gid),
				 -EINVAL);
	}
	/* A failed parse leaves the outputs alone. */
	assert_int_equal(uid, 7);
	assert_int_equal(gid, 7);
}

static void test_gids_parse(void **state)
{
	struct ctl_enter_user u = {0};
	char many[1024] = "";

	(void)state;
	assert_int_equal(ctl_enter_gids_parse("10,20,4294967294", &u), 0);
	assert_int_equal(u.n_gids, 3);
	assert_int_equal(u.gids[0], 10);
	assert_int_equal(u.gids[1], 20);
	assert_int_equal(u.gids[2], 4294967294u);
	assert_int_equal(ctl_enter_gids_parse("", &u), 0);
	assert_int_equal(u.n_gids, 0);
	u.n_gids = 1;
	u.gids[0] = 5;
	static const char *const bad[] = {
		",", "1,", ",1", "1,,2", "a", "1;2", "4294967295", "-1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("%s\n", bad[i]);
		assert_int_equal(ctl_enter_gids_parse(bad[i], &u), -EINVAL);
	}
	assert_int_equal(u.n_gids, 1);
	assert_int_equal(u.gids[0], 5);
	for (int i = 0; i < CTL_ENTER_GIDS_MAX; i++)
		strcat(many, i ? ",3" : "3");
	assert_int_equal(ctl_enter_gids_parse(many, &u), 0);
	assert_int_equal(u.n_gids, CTL_ENTER_GIDS_MAX);
	strcat(many, ",3");
	assert_int_equal(ctl_enter_gids_parse(many, &u), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_decode_rejects),
		cmocka_unit_test(test_id_json),
		cmocka_unit_test(test_id_parse),
		cmocka_unit_test(test_gids_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
