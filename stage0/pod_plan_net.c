// SPDX-License-Identifier: Apache-2.0
#include "stage0/pod_plan_net.h"
#include "stage0/plan_json.h"

#include "images/aci_manifest.h"
#include "stage0/run_options.h"

#include <errno.h>
#include <json-c/json.h>
#include <string.h>

static struct json_object *strings_json(const struct run_strings *l)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < l->n; i++)
		if (json_object_array_add(a, json_object_new_string(l->v[i])) <
		    0) {
			json_object_put(a);
			return NULL;
		}
	return a;
}

/*
 * The app port called name, from the images' manifests (validated by
 * images/aci_manifest.c: name, protocol, port). NULL if no app has it.
 */
static struct json_object *app_port(const struct pod_plan_input *in,
				    const char *name)
{
	for (size_t i = 0; i < in->o->napps; i++) {
		struct json_object *ports = jget(
			jget(in->images[i].manifest->json, "app"), "ports");
		size_t n = ports ? json_object_array_length(ports) : 0;

		for (size_t j = 0; j < n; j++) {
			struct json_object *p =
				json_object_array_get_idx(ports, j);
			const char *pn =
				json_object_get_string(jget(p, "name"));

			if (pn && !strcmp(pn, name))
				return p;
		}
	}
	return NULL;
}

static int plan_port(const struct pod_plan_input *in, const struct run_port *rp,
		     struct json_object *ports, struct json_object *manifest,
		     struct error **err)
{
	struct json_object *ap = app_port(in, rp->name), *j, *m;
	const char *proto;

	if (!ap)
		return error_set(err, ENOENT,
				 "--port=%s:%u: no app of the pod has a port "
				 "named %s",
				 rp->name, rp->host_port, rp->name);
	proto = json_object_get_string(jget(ap, "protocol"));
	j = json_object_new_object();
	if (jpush(ports, j, err) < 0 ||
	    jadd(j, "name", json_object_new_string(rp->name), err) < 0 ||
	    jadd(j, "protocol", json_object_new_string(proto ? proto : "tcp"),
		 err) < 0 ||
	    jadd(j, "container_port",
		 json_object_new_int(json_object_get_int(jget(ap, "port"))),
		 err) < 0 ||
	    jadd(j, "host_port", json_object_new_int(rp->host_port), err) < 0 ||
	    (rp->host_ip &&
	     jadd(j, "host_ip", json_object_new_string(rp->host_ip), err) < 0))
		return -1;
	/* appc spec, "Pod Manifest Schema": ports exposed on the host. */
	m = json_object_new_object();
	if (jpush(manifest, m, err) < 0 ||
	    jadd(m, "name", json_object_new_string(rp->name), err) < 0 ||
	    jadd(m, "hostPort", json_object_new_int(rp->host_port), err) < 0)
		return -1;
	return 0;
}

int pod_plan_net(const struct pod_plan_input *in, struct json_object **net,
		 struct json_object **ports, struct error **err)
{
	const struct run_net *rn = &in->o->net;
	struct json_object *n = json_object_new_object();
	struct json_object *p = json_object_new_array();
	struct json_object *m = json_object_new_array();

	if (!n || !p || !m) {
		error_set(err, ENOMEM, "out of memory");
		goto fail;
	}
	if (rn->nports && !run_net_enabled(rn)) {
		error_set(err, EINVAL,
			  "--port needs a network: --net=none has only "
			  "loopback");
		goto fail;
	}
	for (size_t i = 0; i < rn->nports; i++)
		if (plan_port(in, &rn->ports[i], p, m, err) < 0)
			goto fail;
	if (jadd(n, "spec", json_object_new_string(run_net_spec(rn)), err) <
		    0 ||
	    jadd(n, "ports", json_object_get(p), err) < 0 ||
	    jadd(n, "dns", strings_json(&rn->dns), err) < 0 ||
	    jadd(n, "dns_search", strings_json(&rn->search), err) < 0 ||
	    jadd(n, "dns_opts", strings_json(&rn->opts), err) < 0 ||
	    (rn->domain && jadd(n, "dns_domain",
				json_object_new_string(rn->domain), err) < 0) ||
	    jadd(n, "hosts", strings_json(&rn->hosts), err) < 0)
		goto fail;
	json_object_put(p);
	*net = n;
	*ports = m;
	return 0;
fail:
	json_object_put(n);
	json_object_put(p);
	json_object_put(m);
	return -1;
}
