// SPDX-License-Identifier: Apache-2.0
/* The pod manifest, runtime object and stage0.json (stage0/pod_manifest.h). */
#include "stage0/pod_manifest.h"
#include "stage0/plan_json.h"
#include "stage0/pod_plan_net.h"
#include "stage0/pod_plan_security.h"
#include "common/cleanup.h"
#include "common/ctl.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>

char *pod_app_name_from_image(const char *image_name)
{
	const char *base = strrchr(image_name, '/');
	char *out, *w;

	base = base ? base + 1 : image_name;
	out = malloc(strlen(base) + 4);
	if (!out)
		return NULL;
	w = out;
	for (const char *p = base; *p; p++) {
		char c = (char)tolower((unsigned char)*p);

		if (!isalnum((unsigned char)c) || (unsigned char)*p > 127)
			c = '-';
		/* AC names: no leading, trailing or doubled '-'. */
		if (c == '-' && (w == out || w[-1] == '-'))
			continue;
		*w++ = c;
	}
	while (w > out && w[-1] == '-')
		w--;
	*w = '\0';
	if (!*out)
		strcpy(out, "app");
	return out;
}

static bool name_taken(char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], name))
			return true;
	return false;
}

/* Names: --name as given, else the image's, with -2, -3 for repeats. */
static int plan_app_names(const struct pod_plan_input *in, struct pod_plan *p,
			  struct error **err)
{
	const struct run_options *o = in->o;

	p->app_names = calloc(o->napps, sizeof(*p->app_names));
	if (!p->app_names)
		return JSON_OOM(err);
	p->napps = o->napps;
	for (size_t i = 0; i < o->napps; i++) {
		if (!o->apps[i].name)
			continue;
		if (name_taken(p->app_names, o->napps, o->apps[i].name))
			return error_set(err, EEXIST,
					 "two apps are named \"%s\"",
					 o->apps[i].name);
		p->app_names[i] = strdup(o->apps[i].name);
		if (!p->app_names[i])
			return JSON_OOM(err);
	}
	for (size_t i = 0; i < o->napps; i++) {
		cleanup_free char *base = NULL;
		char *name = NULL;

		if (p->app_names[i])
			continue;
		base = pod_app_name_from_image(in->images[i].manifest->name);
		if (!base)
			return JSON_OOM(err);
		for (unsigned k = 1;
		     !name || name_taken(p->app_names, o->napps, name); k++) {
			free(name);
			name = NULL;
			if (k == 1)
				name = strdup(base);
			else if (asprintf(&name, "%s-%u", base, k) < 0)
				name = NULL;
			if (!name)
				return JSON_OOM(err);
		}
		p->app_names[i] = name;
	}
	return 0;
}

/* ---- per-app resolution */
struct plan_mount {
	const char *volume;
	const char *target;
	bool readonly; /* the image's mountPoint says so */
};

struct plan_ctx {
	const struct pod_plan_input *in;
	struct pod_plan *plan;
	struct json_object *volumes; /* manifest volumes */
	struct json_object *runtime_apps;
	struct json_object *manifest_apps;
	struct json_object *stage0_apps;
	/* implicit empty volumes (image mountPoints without a --volume) */
	char **implicit;
	size_t nimplicit;
	uint64_t memory_mib_sum;
	unsigned max_cpus;
	struct json_object *net;   /* stage0.json "net" */
	struct json_object *ports; /* the manifest's ports */
};

static bool plan_implicit_has(const struct plan_ctx *c, const char *name)
{
	return name_taken(c->implicit, c->nimplicit, name);
}

static int plan_add_implicit(struct plan_ctx *c, const char *name,
			     struct error **err)
{
	char **grown;

	if (run_options_volume(c->in->o, name) || plan_implicit_has(c, name))
		return 0;
	grown = realloc(c->implicit, (c->nimplicit + 1) * sizeof(*grown));
	if (!grown)
		return JSON_OOM(err);
	c->implicit = grown;
	c->implicit[c->nimplicit] = strdup(name);
	if (!c->implicit[c->nimplicit])
		return JSON_OOM(err);
	c->nimplicit++;
	return 0;
}

static int plan_use_host_volume(struct plan_ctx *c, const struct run_volume *v,
				struct error **err)
{
	struct pod_plan *p = c->plan;
	struct pod_plan_volume *grown;

	for (size_t i = 0; i < p->nhost_volumes; i++)
		if (!strcmp(p->host_volumes[i].name, v->name))
			return 0;
	grown = realloc(p->host_volumes,
			(p->nhost_volumes + 1) * sizeof(*grown));
	if (!grown)
		return JSON_OOM(err);
	p->host_volumes = grown;
	grown[p->nhost_volumes].name = strdup(v->name);
	grown[p->nhost_volumes].is_dir = v->source_is_dir;
	if (!grown[p->nhost_volumes].name)
		return JSON_OOM(err);
	p->nhost_volumes++;
	return 0;
}

/* The app's exec: --exec or the image's, then the arguments after --. */
static int plan_exec(const struct run_app *a, struct json_object *image_app,
		     const char *image_name, struct json_object **out,
		     struct error **err)
{
	cleanup_json struct json_object *exec = json_object_new_array();
	struct json_object *iexec = jget(image_app, "exec");

	if (!exec)
		return JSON_OOM(err);
	if (a->exec) {
		if (jpush(exec, json_object_new_string(a->exec), err) < 0)
			return -1;
	} else if (iexec && json_object_array_length(iexec)) {
		for (size_t i = 0; i < json_object_array_length(iexec); i++)
			if (jpush(exec,
				  json_object_get(
					  json_object_array_get_idx(iexec, i)),
				  err) < 0)
				return -1;
	} else {
		return error_set(err, EINVAL,
				 "image %s has no app to run (no app.exec); "
				 "give one with IMAGE --exec PATH",
				 image_name);
	}
	for (size_t i = 0; i < a->nargs; i++)
		if (jpush(exec, json_object_new_string(a->args[i]), err) < 0)
			return -1;
	*out = steal_pointer(&exec);
	return 0;
}

static int plan_env(const struct plan_ctx *c, const struct run_app *a,
		    struct json_object *image_app, const char *app_name,
		    struct env_list *env, struct error **err)
{
	const struct run_options *o = c->in->o;
	struct json_object *ienv = jget(image_app, "environment");

	if (o->inherit_env && c->in->host_env)
		for (const char *const *e = c->in->host_env; *e; e++)
			if (strchr(*e, '=') && **e != '=' &&
			    env_list_set_pair(env, *e, err) < 0)
				return -1;
	for (size_t i = 0; ienv && i < json_object_array_length(ienv); i++) {
		struct json_object *e = json_object_array_get_idx(ienv, i);

		/* aci_manifest_parse checked the name/value strings. */
		if (env_list_set(env, json_object_get_string(jget(e, "name")),
				 json_object_get_string(jget(e, "value")),
				 err) < 0)
			return -1;
	}
	const struct env_list *layers[] = {&o->env_file, &o->set_env,
					   &o->all.environment,
					   &a->flags.environment};
	for (size_t l = 0; l < ARRAY_SIZE(layers); l++)
		for (size_t i = 0; i < layers[l]->count; i++)
			if (env_list_set(env, layers[l]->vars[i].name,
					 layers[l]->vars[i].value, err) < 0)
				return -1;
	if (!env_list_get(env, "PATH") &&
	    env_list_set(env, "PATH", POD_DEFAULT_PATH, err) < 0)
		return -1;
	return env_list_set(env, "AC_APP_NAME", app_name, err);
}

/* --mount flags (the app's over the pod-wide ones, by target), then the
 * image's mountPoints not already covered by a target. */
static int plan_mounts(struct plan_ctx *c, const struct run_app *a,
		       struct json_object *image_app, struct plan_mount **out,
		       size_t *n, struct error **err)
{
	const struct run_options *o = c->in->o;
	struct json_object *mps = jget(image_app, "mountPoints");
	size_t max = a->flags.nmounts + o->all.nmounts +
		     (mps ? json_object_array_length(mps) : 0);
	struct plan_mount *m = calloc(max ? max : 1, sizeof(*m));
	size_t k = 0;

	if (!m)
		return JSON_OOM(err);
	for (size_t i = 0; i < a->flags.nmounts; i++)
		m[k++] = (struct plan_mount){a->flags.mounts[i].volume,
					     a->flags.mounts[i].target, false};
	for (size_t i = 0; i < o->all.nmounts; i++) {
		bool covered = false;

		for (size_t j = 0; j < a->flags.nmounts; j++)
			covered |= !strcmp(a->flags.mounts[j].target,
					   o->all.mounts[i].target);
		if (!covered)
			m[k++] = (struct plan_mount){o->all.mounts[i].volume,
						     o->all.mounts[i].target,
						     false};
	}
	for (size_t i = 0; mps && i < json_object_array_length(mps); i++) {
		struct json_object *mp = json_object_array_get_idx(mps, i);
		const char *name = json_object_get_string(jget(mp, "name"));
		const char *path = json_object_get_string(jget(mp, "path"));
		struct json_object *ro = jget(mp, "readOnly");
		bool covered = false;

		if (run_path_has_dotdot(path)) {
			free(m);
			return error_set(err, EINVAL,
					 "app.mountPoints[%zu]: path \"%s\" "
					 "must not contain \"..\"",
					 i, path);
		}
		for (size_t j = 0; j < k; j++)
			covered |= !strcmp(m[j].target, path);
		if (covered)
			continue;
		if (plan_add_implicit(c, name, err) < 0) {
			free(m);
			return -1;
		}
		m[k++] = (struct plan_mount){
			name, path,
			ro && json_object_is_type(ro, json_type_boolean) &&
				json_object_get_boolean(ro)};
	}
	*out = m;
	*n = k;
	return 0;
}

static int plan_runtime_mount(struct plan_ctx *c, const struct plan_mount *m,
			      struct json_object *rmounts,
			      struct json_object *amounts, struct error **err)
{
	const struct run_volume *v = run_options_volume(c->in->o, m->volume);
	struct json_object *rm = json_object_new_object();
	struct json_object *am = json_object_new_object();
	char source[300];

	if (jpush(rmounts, rm, err) < 0 || jpush(amounts, am, err) < 0 ||
	    jadd_str(am, "volume", m->volume, err) < 0 ||
	    jadd_str(am, "path", m->target, err) < 0 ||
	    jadd_str(rm, "target", m->target, err) < 0)
		return -1;
	if (v && v->kind == VOLUME_HOST) {
		snprintf(source, sizeof(source), "volumes/%s", v->name);
		if (plan_use_host_volume(c, v, err) < 0 ||
		    jadd_str(rm, "kind", "host", err) < 0 ||
		    jadd_str(rm, "source", source, err) < 0 ||
		    jadd(rm, "readonly",
			 json_object_new_boolean(v->readonly || m->readonly),
			 err) < 0)
			return -1;
		return 0;
	}
	/* An empty volume: given, or implicit (mode 0755, root's). */
	if (jadd_str(rm, "kind", "empty", err) < 0 ||
	    jadd_str(rm, "volume", m->volume, err) < 0 ||
	    jadd(rm, "mode", json_object_new_int(v ? (int)v->mode : 0755),
		 err) < 0 ||
	    jadd(rm, "uid", json_object_new_int64(v ? v->uid : 0), err) < 0 ||
	    jadd(rm, "gid", json_object_new_int64(v ? v->gid : 0), err) < 0 ||
	    jadd(rm, "readonly",
		 json_object_new_boolean((v && v->readonly) || m->readonly),
		 err) < 0)
		return -1;
	return 0;
}

static int plan_supplementary_gids(struct json_object *image_app,
				   struct json_object **out, struct error **err)
{
	struct json_object *g = jget(image_app, "supplementaryGIDs");
	cleanup_json struct json_object *arr = json_object_new_array();

	if (!arr)
		return JSON_OOM(err);
	if (g && !json_object_is_type(g, json_type_array))
		return error_set(err, EINVAL,
				 "app.supplementaryGIDs: must be an array");
	for (size_t i = 0; g && i < json_object_array_length(g); i++) {
		struct json_object *e = json_object_array_get_idx(g, i);
		int64_t v;

		if (!json_object_is_type(e, json_type_int))
			return error_set(err, EINVAL,
					 "app.supplementaryGIDs[%zu]: must be "
					 "a number",
					 i);
		v = json_object_get_int64(e);
		if (v < 0 || v >= (int64_t)UINT32_MAX)
			return error_set(err, EINVAL,
					 "app.supplementaryGIDs[%zu]: %" PRId64
					 " is out of range",
					 i, v);
		if (jpush(arr, json_object_new_int64(v), err) < 0)
			return -1;
	}
	*out = steal_pointer(&arr);
	return 0;
}

static struct json_object *env_json_pairs(const struct env_list *env)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < env->count; i++) {
		struct json_object *pair = json_object_new_array();

		if (!pair || json_object_array_add(arr, pair) < 0 ||
		    json_object_array_add(
			    pair, json_object_new_string(env->vars[i].name)) <
			    0 ||
		    json_object_array_add(
			    pair, json_object_new_string(env->vars[i].value)) <
			    0) {
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

/* appc's form: [{"name": N, "value": V}], without AC_APP_NAME (the
 * executor's to set). */
static struct json_object *env_json_appc(const struct env_list *env)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < env->count; i++) {
		struct json_object *e;

		if (!strcmp(env->vars[i].name, "AC_APP_NAME"))
			continue;
		e = json_object_new_object();
		if (!e || json_object_array_add(arr, e) < 0 ||
		    json_object_object_add(
			    e, "name",
			    json_object_new_string(env->vars[i].name)) < 0 ||
		    json_object_object_add(
			    e, "value",
			    json_object_new_string(env->vars[i].value)) < 0) {
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

static struct json_object *labels_json(const struct aci_manifest *m)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; arr && i < m->nlabels; i++) {
		struct json_object *l = json_object_new_object();

		if (!l || json_object_array_add(arr, l) < 0 ||
		    json_object_object_add(
			    l, "name",
			    json_object_new_string(m->labels[i].name)) < 0 ||
		    json_object_object_add(
			    l, "value",
			    json_object_new_string(m->labels[i].value)) < 0) {
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

static int plan_app(struct plan_ctx *c, size_t idx, struct error **err)
{
	const struct run_options *o = c->in->o;
	const struct run_app *a = &o->apps[idx];
	const struct run_app_flags *f = &a->flags;
	const struct pod_image *img = &c->in->images[idx];
	const char *name = c->plan->app_names[idx];
	struct json_object *image_app = jget(img->manifest->json, "app");
	struct json_object *exec = NULL, *isolators = NULL, *sgids = NULL;
	struct json_object *seccomp = NULL, *rapp, *mapp, *app, *image, *s0;
	struct json_object *rmounts, *amounts;
	cleanup_free struct plan_mount *mounts = NULL;
	struct app_isolators iso;
	struct env_list env = {0};
	size_t nmounts = 0;
	char rootfs[300];
	const char *user, *group, *wd;
	uint64_t memory, cpu;
	int r = -1;

	if (isolators_from_json(jget(image_app, "isolators"), &iso, err) < 0)
		return error_wrap(err, "image %s", img->manifest->name);
	if (plan_exec(a, image_app, img->manifest->name, &exec, err) < 0 ||
	    plan_env(c, a, image_app, name, &env, err) < 0 ||
	    plan_isolators(image_app, f, &o->all, &isolators, err) < 0 ||
	    plan_seccomp_json(plan_seccomp_spec(o, f, &iso), c->in->insecure,
			      &seccomp, err) < 0)
		goto out;
	if (plan_mounts(c, a, image_app, &mounts, &nmounts, err) < 0) {
		error_wrap(err, "image %s", img->manifest->name);
		goto out;
	}
	if (plan_supplementary_gids(image_app, &sgids, err) < 0) {
		error_wrap(err, "image %s", img->manifest->name);
		goto out;
	}
	user = f->user ? f->user : o->all.user;
	if (!user)
		user = json_object_get_string(jget(image_app, "user"));
	group = f->group ? f->group : o->all.group;
	if (!group)
		group = json_object_get_string(jget(image_app, "group"));
	wd = f->working_dir ? f->working_dir : o->all.working_dir;
	if (!wd)
		wd = json_object_get_string(
			jget(image_app, "workingDirectory"));
	if (wd && !run_path_absolute_clean(wd)) {
		error_set(err, EINVAL,
			  "workingDirectory \"%.256s\" (%s) must be an "
			  "absolute path without \".\", \"..\" or empty "
			  "components",
			  wd,
			  f->working_dir || o->all.working_dir ? "--working-dir"
							       : "the image's");
		goto out;
	}
	memory =
		f->memory ? f->memory : (iso.has_memory ? iso.memory_limit : 0);
	cpu = f->cpu ? f->cpu : (iso.has_cpu ? iso.cpu_limit : 0);
	c->memory_mib_sum +=
		memory ? isolator_memory_mib(memory) : POD_DEFAULT_MEMORY_MIB;
	if (cpu && isolator_cpu_vcpus(cpu) > c->max_cpus)
		c->max_cpus = isolator_cpu_vcpus(cpu);
	snprintf(rootfs, sizeof(rootfs), "apps/%s/rootfs", name);

	/* The runtime object's app (docs/protocol.md). */
	rapp = json_object_new_object();
	if (jpush(c->runtime_apps, rapp, err) < 0 ||
	    jadd_str(rapp, "name", name, err) < 0 ||
	    jadd_str(rapp, "rootfs", rootfs, err) < 0 ||
	    jadd(rapp, "exec", json_object_get(exec), err) < 0 ||
	    jadd(rapp, "env", env_json_pairs(&env), err) < 0 ||
	    jadd_str(rapp, "user", user ? user : "0", err) < 0 ||
	    jadd_str(rapp, "group", group ? group : "0", err) < 0 ||
	    jadd(rapp, "supplementary_gids", json_object_get(sgids), err) < 0 ||
	    jadd_str(rapp, "working_dir", wd ? wd : "/", err) < 0 ||
	    jadd(rapp, "readonly_rootfs",
		 json_object_new_boolean(f->readonly_rootfs >= 0
						 ? f->readonly_rootfs
						 : o->all.readonly_rootfs > 0),
		 err) < 0 ||
	    jadd(rapp, "insecure_paths",
		 json_object_new_boolean(c->in->insecure & INSECURE_PATHS),
		 err) < 0 ||
	    jadd(rapp, "capabilities",
		 plan_caps_json(plan_caps(o, f, &iso, c->in->insecure)),
		 err) < 0 ||
	    jadd(rapp, "seccomp", json_object_get(seccomp), err) < 0 ||
	    jadd(rapp, "rlimits", json_object_new_array(), err) < 0 ||
	    jadd(rapp, "stdin", json_object_new_boolean(o->interactive), err) <
		    0 ||
	    jadd(rapp, "tty", json_object_new_boolean(o->interactive), err) <
		    0 ||
	    jadd(rapp, "mounts", json_object_new_array(), err) < 0)
		goto out;
	/* For the metadata service (docs/metadata.md): the original manifest. */
	app = NULL;
	if (json_object_deep_copy(img->manifest->json, &app, NULL) < 0) {
		JSON_OOM(err);
		goto out;
	}
	if (jadd(rapp, "image_manifest", app, err) < 0)
		goto out;
	rmounts = jget(rapp, "mounts");

	/* The appc pod manifest's app. */
	mapp = json_object_new_object();
	if (jpush(c->manifest_apps, mapp, err) < 0 ||
	    jadd_str(mapp, "name", name, err) < 0)
		goto out;
	image = json_object_new_object();
	if (jadd(mapp, "image", image, err) < 0 ||
	    jadd_str(image, "name", img->manifest->name, err) < 0 ||
	    jadd_str(image, "id", img->id, err) < 0 ||
	    jadd(image, "labels", labels_json(img->manifest), err) < 0)
		goto out;
	app = NULL;
	if (image_app && json_object_deep_copy(image_app, &app, NULL) < 0) {
		JSON_OOM(err);
		goto out;
	}
	if (!app)
		app = json_object_new_object();
	if (jadd(mapp, "app", app, err) < 0 ||
	    jadd(app, "exec", json_object_get(exec), err) < 0 ||
	    jadd_str(app, "user", user ? user : "0", err) < 0 ||
	    jadd_str(app, "group", group ? group : "0", err) < 0 ||
	    jadd_str(app, "workingDirectory", wd ? wd : "/", err) < 0 ||
	    jadd(app, "environment", env_json_appc(&env), err) < 0 ||
	    jadd(app, "isolators", json_object_get(isolators), err) < 0 ||
	    jadd(mapp, "readOnlyRootFS",
		 json_object_get(jget(rapp, "readonly_rootfs")), err) < 0 ||
	    jadd(mapp, "mounts", json_object_new_array(), err) < 0 ||
	    jadd(mapp, "annotations", json_object_new_array(), err) < 0)
		goto out;
	amounts = jget(mapp, "mounts");
	for (size_t i = 0; i < nmounts; i++)
		if (plan_runtime_mount(c, &mounts[i], rmounts, amounts, err) <
		    0)
			goto out;

	/* stage0.json's app. */
	s0 = json_object_new_object();
	if (jpush(c->stage0_apps, s0, err) < 0 ||
	    jadd_str(s0, "name", name, err) < 0 ||
	    jadd_str(s0, "image", img->id, err) < 0 ||
	    jadd_str(s0, "tree", img->tree, err) < 0)
		goto out;
	r = 0;
out:
	json_object_put(exec);
	json_object_put(isolators);
	json_object_put(sgids);
	json_object_put(seccomp);
	env_list_free(&env);
	app_isolators_free(&iso);
	if (r < 0)
		error_wrap(err, "app %s", name);
	return r;
}

static int plan_volumes_json(struct plan_ctx *c, struct error **err)
{
	const struct run_options *o = c->in->o;
	char mode[16];

	for (size_t i = 0; i < o->nvolumes + c->nimplicit; i++) {
		const struct run_volume *v =
			i < o->nvolumes ? &o->volumes[i] : NULL;
		struct json_object *j = json_object_new_object();

		if (jpush(c->volumes, j, err) < 0 ||
		    jadd_str(j, "name",
			     v ? v->name : c->implicit[i - o->nvolumes],
			     err) < 0 ||
		    jadd_str(j, "kind",
			     v && v->kind == VOLUME_HOST ? "host" : "empty",
			     err) < 0 ||
		    jadd(j, "readOnly",
			 json_object_new_boolean(v && v->readonly), err) < 0)
			return -1;
		if (v && v->kind == VOLUME_HOST) {
			if (jadd_str(j, "source", v->source, err) < 0 ||
			    (v->has_recursive &&
			     jadd(j, "recursive",
				  json_object_new_boolean(v->recursive),
				  err) < 0))
				return -1;
			continue;
		}
		snprintf(mode, sizeof(mode), "%04o", v ? v->mode : 0755);
		if (jadd_str(j, "mode", mode, err) < 0 ||
		    jadd(j, "uid", json_object_new_int64(v ? v->uid : 0), err) <
			    0 ||
		    jadd(j, "gid", json_object_new_int64(v ? v->gid : 0), err) <
			    0)
			return -1;
	}
	return 0;
}

/* The host's RAM in MiB, 0 when unknown. */
static uint64_t plan_host_memory_mib(void)
{
	struct sysinfo si;

	if (sysinfo(&si) < 0)
		return 0;
	return (uint64_t)si.totalram * si.mem_unit / (1024 * 1024);
}

static int plan_size(struct plan_ctx *c, struct error **err)
{
	const struct run_options *o = c->in->o;
	struct pod_plan *p = c->plan;
	uint64_t mib, host_mib;

	if (o->memory) {
		mib = isolator_memory_mib(o->memory);
		if (mib < POD_MIN_MEMORY_MIB)
			return error_set(err, EINVAL,
					 "--memory: %" PRIu64
					 " MiB is too little for a pod (at "
					 "least %u MiB: the guest kernel "
					 "needs it)",
					 mib, POD_MIN_MEMORY_MIB);
	} else {
		mib = c->memory_mib_sum;
		if (mib < POD_MIN_MEMORY_MIB)
			mib = POD_MIN_MEMORY_MIB;
	}
	/*
	 * Guest RAM is the pod's host memory limit too (its cgroup's
	 * memory.max follows it), so an image or a flag cannot ask for more
	 * than the host has.
	 */
	host_mib = plan_host_memory_mib();
	if (mib > UINT32_MAX || (host_mib && mib > host_mib))
		return error_set(err, ERANGE,
				 "memory: %" PRIu64
				 " MiB is more than this host has (%" PRIu64
				 " MiB)%s",
				 mib, host_mib,
				 o->memory ? ""
					   : "; an app's resource/memory "
					     "isolator asks for it");
	p->memory_mib = (unsigned)mib;
	p->cpus = o->cpu ? isolator_cpu_vcpus(o->cpu) : c->max_cpus;
	if (p->cpus > POD_MAX_CPUS)
		return error_set(err, EINVAL,
				 "cpu: %u vCPUs is more than a pod can have "
				 "(%u)",
				 p->cpus, POD_MAX_CPUS);
	return 0;
}

static int plan_stage0(struct plan_ctx *c, struct error **err)
{
	const struct run_options *o = c->in->o;
	struct pod_plan *p = c->plan;
	struct json_object *s = p->stage0, *vols = json_object_new_array();

	if (jadd_str(s, "created", c->in->created, err) < 0 ||
	    jadd(s, "memory_mib", json_object_new_int64(p->memory_mib), err) <
		    0 ||
	    jadd(s, "cpus", json_object_new_int64(p->cpus), err) < 0 ||
	    jadd(s, "net", json_object_get(c->net), err) < 0 ||
	    jadd(s, "interactive", json_object_new_boolean(o->interactive),
		 err) < 0 ||
	    jadd(s, "overlay", json_object_new_boolean(!o->no_overlay), err) <
		    0 ||
	    jadd(s, "stop_timeout_ms",
		 json_object_new_int64(POD_STOP_TIMEOUT_MS), err) < 0 ||
	    jadd(s, "apps", json_object_get(c->stage0_apps), err) < 0 ||
	    jadd(s, "volumes", vols, err) < 0)
		return -1;
	for (size_t i = 0; i < p->nhost_volumes; i++) {
		const struct run_volume *v =
			run_options_volume(o, p->host_volumes[i].name);
		struct json_object *j = json_object_new_object();

		if (jpush(vols, j, err) < 0 ||
		    jadd_str(j, "name", v->name, err) < 0 ||
		    jadd_str(j, "source", v->source, err) < 0 ||
		    jadd(j, "readonly", json_object_new_boolean(v->readonly),
			 err) < 0)
			return -1;
	}
	return 0;
}

/*
 * The supervisor sends the manifest and the runtime object to the guest
 * in one control frame: a pod that cannot fit is refused now, not after
 * it was prepared (supervisor_config.c checks again at run).
 */
static int plan_frame_fits(const struct pod_plan *p, struct error **err)
{
	size_t m = strlen(json_object_to_json_string_ext(
		       p->manifest, JSON_C_TO_STRING_PLAIN)),
	       r = strlen(json_object_to_json_string_ext(
		       p->runtime, JSON_C_TO_STRING_PLAIN));

	/* 64: the frame's type and member names around them */
	if (m > CTL_FRAME_MAX / 2 || r > CTL_FRAME_MAX / 2 ||
	    m + r + 64 > CTL_FRAME_MAX)
		return error_set(err, E2BIG,
				 "the pod manifest (%zu bytes) and runtime "
				 "object (%zu bytes) do not fit the control "
				 "protocol's %u-byte frame (docs/protocol.md): "
				 "the images' manifests are too large",
				 m, r, CTL_FRAME_MAX);
	return 0;
}

void pod_plan_free(struct pod_plan *p)
{
	json_object_put(p->manifest);
	json_object_put(p->runtime);
	json_object_put(p->stage0);
	for (size_t i = 0; i < p->napps; i++)
		free(p->app_names[i]);
	free(p->app_names);
	for (size_t i = 0; i < p->nhost_volumes; i++)
		free(p->host_volumes[i].name);
	free(p->host_volumes);
	memset(p, 0, sizeof(*p));
}

int pod_plan_build(const struct pod_plan_input *in, struct pod_plan *out,
		   struct error **err)
{
	struct pod_plan p = {0};
	struct plan_ctx c = {.in = in, .plan = &p, .max_cpus = 1};
	char hostname[80];
	int r = -1;

	p.manifest = json_object_new_object();
	p.runtime = json_object_new_object();
	p.stage0 = json_object_new_object();
	c.volumes = json_object_new_array();
	c.runtime_apps = json_object_new_array();
	c.manifest_apps = json_object_new_array();
	c.stage0_apps = json_object_new_array();
	if (!p.manifest || !p.runtime || !p.stage0 || !c.volumes ||
	    !c.runtime_apps || !c.manifest_apps || !c.stage0_apps) {
		JSON_OOM(err);
		goto out;
	}
	if (plan_app_names(in, &p, err) < 0)
		goto out;
	for (size_t i = 0; i < in->o->napps; i++)
		if (plan_app(&c, i, err) < 0)
			goto out;
	if (plan_volumes_json(&c, err) < 0 || plan_size(&c, err) < 0 ||
	    pod_plan_net(in, &c.net, &c.ports, err) < 0)
		goto out;
	if (in->o->hostname)
		snprintf(hostname, sizeof(hostname), "%s", in->o->hostname);
	else
		snprintf(hostname, sizeof(hostname), "pod-%.8s", in->uuid);
	/* appc spec, "Pod Manifest Schema". */
	if (jadd_str(p.manifest, "acVersion", POD_APPC_VERSION, err) < 0 ||
	    jadd_str(p.manifest, "acKind", "PodManifest", err) < 0 ||
	    jadd(p.manifest, "apps", json_object_get(c.manifest_apps), err) <
		    0 ||
	    jadd(p.manifest, "volumes", json_object_get(c.volumes), err) < 0 ||
	    jadd(p.manifest, "isolators", json_object_new_array(), err) < 0 ||
	    jadd(p.manifest, "annotations", json_object_new_array(), err) < 0 ||
	    jadd(p.manifest, "ports", json_object_get(c.ports), err) < 0)
		goto out;
	/* docs/protocol.md, "The runtime object". */
	if (jadd_str(p.runtime, "hostname", hostname, err) < 0 ||
	    jadd_str(p.runtime, "uuid", in->uuid, err) < 0 ||
	    jadd_str(p.runtime, "share", "pod", err) < 0 ||
	    jadd(p.runtime, "interactive",
		 json_object_new_boolean(in->o->interactive), err) < 0 ||
	    jadd(p.runtime, "apps", json_object_get(c.runtime_apps), err) < 0)
		goto out;
	if (plan_stage0(&c, err) < 0 || plan_frame_fits(&p, err) < 0)
		goto out;
	*out = p;
	memset(&p, 0, sizeof(p));
	r = 0;
out:
	json_object_put(c.volumes);
	json_object_put(c.runtime_apps);
	json_object_put(c.manifest_apps);
	json_object_put(c.stage0_apps);
	json_object_put(c.net);
	json_object_put(c.ports);
	for (size_t i = 0; i < c.nimplicit; i++)
		free(c.implicit[i]);
	free(c.implicit);
	pod_plan_free(&p);
	return r;
}
