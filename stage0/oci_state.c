// SPDX-License-Identifier: Apache-2.0
/* cocoon-runtime's container directories (oci_state.h). */
#include "stage0/oci_state.h"
#include "stage0/oci_config.h"
#include "stage0/pod_cleanup.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* <root>/<id>/<marker>: root is a path, id at most OCI_ID_MAX */
#define PATH_MAX_OCI (4096 + OCI_ID_MAX + 64)

bool oci_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > OCI_ID_MAX || !strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	for (const char *c = id; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '+' ||
		      *c == '-' || *c == '.'))
			return false;
	/* "cocoon" is where the pods live (oci_state.h) */
	return strcmp(id, "cocoon") != 0;
}

const char *oci_status_name(enum oci_status s)
{
	static const char *const names[] = {
		[OCI_CREATING] = "creating",
		[OCI_CREATED] = "created",
		[OCI_RUNNING] = "running",
		[OCI_STOPPED] = "stopped",
	};

	return names[s];
}

int oci_root_mkdir(const char *root, struct error **err)
{
	cleanup_free char *p = NULL;
	size_t n = strlen(root);

	if (n == 0)
		return error_set(err, EINVAL, "--root is empty");
	p = strdup(root);
	if (!p)
		return error_set(err, ENOMEM, "out of memory");
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0711) < 0 && errno != EEXIST)
			return error_set_errno(err, "create %s", p);
		*s = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return error_set_errno(err, "create %s", p);
	return 0;
}

char *oci_cocoon_dir(const char *root)
{
	char *d;

	return asprintf(&d, "%s/cocoon", root) < 0 ? NULL : d;
}

unsigned long long oci_proc_start_time(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	cleanup_close int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and ')': fields restart after the last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* field 3 (state) is the first after ") "; starttime is field 22 */
	p += 2;
	if (*p == 'Z' || *p == 'X')
		return 0; /* it ended: only its parent's wait is left */
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p)
		start = strtoull(p, NULL, 10);
	return start;
}

static const char *oci_json_string(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int oci_container_load(const char *root, const char *id,
		       struct oci_container *c, struct error **err)
{
	cleanup_free char *path = NULL;
	struct json_object *j, *v;
	const char *s;
	struct stat st;

	memset(c, 0, sizeof(*c));
	if (!oci_id_valid(id))
		return error_set(err, EINVAL, "invalid container ID \"%s\"",
				 id);
	c->root = strdup(root);
	c->id = strdup(id);
	if (!c->root || !c->id || asprintf(&c->dir, "%s/%s", root, id) < 0 ||
	    asprintf(&path, "%s/oci.json", c->dir) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (stat(c->dir, &st) < 0)
		return error_set(err, ENOENT, "container %s does not exist",
				 id);
	c->annotations = json_object_new_object();
	if (access(path, F_OK) < 0)
		return 0; /* creating */
	j = json_object_from_file(path);
	if (!j)
		return error_set(err, EINVAL, "container %s: %s is unreadable",
				 id, path);
	s = oci_json_string(j, "uuid");
	if (s && pod_uuid_valid(s))
		snprintf(c->uuid, sizeof(c->uuid), "%s", s);
	if ((s = oci_json_string(j, "bundle")))
		c->bundle = strdup(s);
	if ((s = oci_json_string(j, "created")))
		c->created = strdup(s);
	if (json_object_object_get_ex(j, "pid", &v))
		c->pid = json_object_get_int(v);
	if (json_object_object_get_ex(j, "pid_start", &v))
		c->pid_start = (unsigned long long)json_object_get_int64(v);
	if (json_object_object_get_ex(j, "annotations", &v) &&
	    json_object_is_type(v, json_type_object)) {
		json_object_put(c->annotations);
		c->annotations = json_object_get(v);
	}
	json_object_put(j);
	if (!c->uuid[0] || c->pid <= 0 || !c->bundle)
		return error_set(err, EINVAL, "container %s: %s is incomplete",
				 id, path);
	return 0;
}

int oci_container_save(const struct oci_container *c, struct error **err)
{
	struct json_object *j = json_object_new_object();
	cleanup_free char *path = NULL, *tmp = NULL;
	int r = 0;

	json_object_object_add(j, "id", json_object_new_string(c->id));
	json_object_object_add(j, "bundle", json_object_new_string(c->bundle));
	json_object_object_add(j, "uuid", json_object_new_string(c->uuid));
	json_object_object_add(j, "pid", json_object_new_int(c->pid));
	json_object_object_add(j, "pid_start",
			       json_object_new_int64((int64_t)c->pid_start));
	json_object_object_add(
		j, "created",
		json_object_new_string(c->created ? c->created : ""));
	json_object_object_add(j, "annotations",
			       json_object_get(c->annotations));
	if (asprintf(&path, "%s/oci.json", c->dir) < 0 ||
	    asprintf(&tmp, "%s/.oci.json.tmp", c->dir) < 0)
		r = error_set(err, ENOMEM, "out of memory");
	else if (json_object_to_file_ext(tmp, j, JSON_C_TO_STRING_PLAIN) < 0 ||
		 rename(tmp, path) < 0)
		r = error_set_errno(err, "write %s", path);
	json_object_put(j);
	return r;
}

void oci_container_free(struct oci_container *c)
{
	free(c->root);
	free(c->dir);
	free(c->id);
	free(c->bundle);
	free(c->created);
	json_object_put(c->annotations);
	memset(c, 0, sizeof(*c));
}

bool oci_shim_alive(const struct oci_container *c)
{
	if (c->pid <= 0)
		return false;
	if (kill(c->pid, 0) < 0 && errno == ESRCH)
		return false;
	/* a zombie counts as gone: its exit status is what engines wait on */
	return oci_proc_start_time(c->pid) == c->pid_start && c->pid_start != 0;
}

bool oci_marker_exists(const struct oci_container *c, const char *name)
{
	char path[PATH_MAX_OCI];

	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	return access(path, F_OK) == 0;
}

int oci_marker_create(const struct oci_container *c, const char *name,
		      struct error **err)
{
	char path[PATH_MAX_OCI];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set_errno(err, "create %s", path);
	close(fd);
	return 0;
}

enum oci_status oci_container_status(const struct oci_container *c)
{
	if (c->pid <= 0)
		return OCI_CREATING;
	if (!oci_shim_alive(c))
		return OCI_STOPPED;
	return oci_marker_exists(c, "started") ? OCI_RUNNING : OCI_CREATED;
}

struct json_object *oci_state_json(const struct oci_container *c)
{
	struct json_object *j = json_object_new_object();
	enum oci_status st = oci_container_status(c);

	json_object_object_add(j, "ociVersion",
			       json_object_new_string(OCI_VERSION));
	json_object_object_add(j, "id", json_object_new_string(c->id));
	json_object_object_add(j, "status",
			       json_object_new_string(oci_status_name(st)));
	/* runtime.md: pid is required when created or running */
	if (st == OCI_CREATED || st == OCI_RUNNING)
		json_object_object_add(j, "pid", json_object_new_int(c->pid));
	json_object_object_add(
		j, "bundle",
		json_object_new_string(c->bundle ? c->bundle : ""));
	json_object_object_add(j, "annotations",
			       json_object_get(c->annotations));
	if (c->created)
		json_object_object_add(j, "created",
				       json_object_new_string(c->created));
	return j;
}

int oci_pod_remove(const char *root, const char *uuid, long long wait_ms,
		   struct error **err)
{
	cleanup_free char *dir = oci_cocoon_dir(root);
	cleanup_pod struct pod *p = NULL;

	if (!dir)
		return error_set(err, ENOMEM, "out of memory");
	if (pod_open(dir, uuid, &p, err) < 0) {
		if ((*err)->code != ENOENT)
			return -1;
		error_free(err);
		return 0;
	}
	if (pod_wait_unlocked(p, wait_ms, err) < 0 ||
	    pod_lock(p, false, err) < 0)
		return error_wrap(err, "remove pod %s", uuid);
	if (pod_cleanup(p, err) < 0)
		return error_wrap(err, "remove pod %s", uuid);
	if (p->state != POD_GARBAGE && p->state != POD_EXITED_GARBAGE &&
	    pod_move(p, p->state == POD_RUN ? POD_EXITED_GARBAGE : POD_GARBAGE,
		     err) < 0)
		return error_wrap(err, "remove pod %s", uuid);
	if (pod_destroy(p, err) < 0)
		return error_wrap(err, "remove pod %s", uuid);
	return 0;
}
