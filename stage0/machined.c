// SPDX-License-Identifier: Apache-2.0
/*
 * systemd-machined registration through busctl (stage0/machined.h;
 * org.freedesktop.machine1(5), the Manager's RegisterMachine and
 * UnregisterMachine).
 */
#include "stage0/machined.h"

#include "common/log.h"
#include "stage0/metadata_hmac.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* busctl waits at most this long for machined. */
#define MACHINED_TIMEOUT "--timeout=5"

static void machined_common(struct machined_args *out, size_t *n,
			    const char *method)
{
	static const char *const head[] = {
		"busctl",
		MACHINED_TIMEOUT,
		"call",
		"org.freedesktop.machine1",
		"/org/freedesktop/machine1",
		"org.freedesktop.machine1.Manager",
	};

	for (size_t i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		out->argv[(*n)++] = (char *)head[i];
	out->argv[(*n)++] = (char *)method;
}

/* Appends s to out->store and returns where it went. */
static char *machined_store(struct machined_args *out, size_t *used,
			    const char *s)
{
	char *p = out->store + *used;
	size_t len = strlen(s) + 1;

	/* bounded by the caller: 16 bytes, a name, a pid fit easily */
	memcpy(p, s, len);
	*used += len;
	return p;
}

int machined_register_args(const char *uuid, pid_t leader,
			   struct machined_args *out)
{
	unsigned char id[16];
	char buf[MACHINED_NAME_MAX + 1];
	size_t n = 0, used = 0;

	memset(out, 0, sizeof(*out));
	if (metadata_uuid_parse(uuid, id) < 0 || leader <= 0)
		return -EINVAL;
	machined_common(out, &n, "RegisterMachine");
	/* (s name, ay id, s service, s class, u leader, s root_directory) */
	out->argv[n++] = "sayssus";
	snprintf(buf, sizeof(buf), "cocoon-%s", uuid);
	out->argv[n++] = machined_store(out, &used, buf);
	out->argv[n++] = "16";
	for (size_t i = 0; i < 16; i++) {
		snprintf(buf, sizeof(buf), "%u", id[i]);
		out->argv[n++] = machined_store(out, &used, buf);
	}
	out->argv[n++] = "cocoon";
	out->argv[n++] = "vm";
	snprintf(buf, sizeof(buf), "%d", (int)leader);
	out->argv[n++] = machined_store(out, &used, buf);
	out->argv[n++] = ""; /* no root directory: a VM's is its own */
	out->argv[n] = NULL;
	return 0;
}

int machined_unregister_args(const char *uuid, struct machined_args *out)
{
	unsigned char id[16];
	char buf[MACHINED_NAME_MAX + 1];
	size_t n = 0, used = 0;

	memset(out, 0, sizeof(*out));
	if (metadata_uuid_parse(uuid, id) < 0)
		return -EINVAL;
	machined_common(out, &n, "UnregisterMachine");
	out->argv[n++] = "s";
	snprintf(buf, sizeof(buf), "cocoon-%s", uuid);
	out->argv[n++] = machined_store(out, &used, buf);
	out->argv[n] = NULL;
	return 0;
}

bool machined_available(const char *machines_dir, char *busctl, size_t size)
{
	const char *path = getenv("PATH");
	struct stat st;

	if (stat(machines_dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return false;
	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		       "/sbin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");

		if (len &&
		    (size_t)snprintf(busctl, size, "%.*s/busctl", (int)len,
				     path) < size &&
		    access(busctl, X_OK) == 0)
			return true;
		path += len + (path[len] == ':');
	}
	return false;
}

static int machined_call(const char *machines_dir, const char *what,
			 const struct machined_args *a)
{
	char busctl[4096];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	pid_t pid;
	int st, r;

	if (!machined_available(machines_dir, busctl, sizeof(busctl))) {
		log_debug("systemd-machined: not running or no busctl: "
			  "%s skipped",
			  what);
		return 0;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
					 O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null",
					 O_WRONLY, 0);
	/* its error is ours to report, once (a first try may fail) */
	if (log_get_level() < LOG_DEBUG)
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO,
						 "/dev/null", O_WRONLY, 0);
	/* The supervisor blocks its stop signals: busctl must not. */
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	r = posix_spawn(&pid, busctl, &fa, &attr, a->argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		log_warn("systemd-machined: %s: run %s: %s", what, busctl,
			 strerror(r));
		return -1;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		log_debug("systemd-machined: %s: busctl failed", what);
		return -1;
	}
	log_debug("systemd-machined: %s done", what);
	return 1;
}

int machined_register(const char *machines_dir, const char *uuid, pid_t leader)
{
	struct machined_args a;

	int r;

	if (machined_register_args(uuid, leader, &a) < 0)
		return -1;
	r = machined_call(machines_dir, "register the pod", &a);
	/*
	 * machined takes the leader's unit from its cgroup; the VMM lives in
	 * the pod's cgroup (stage0/cgroup.h), outside any unit, which some
	 * machined versions refuse. Then `cocoon run` itself leads.
	 */
	if (r < 0 && machined_register_args(uuid, getpid(), &a) == 0)
		r = machined_call(machines_dir,
				  "register the pod (led by the supervisor)",
				  &a);
	if (r < 0)
		log_warn("systemd-machined: could not register pod %s "
			 "(--debug shows why); it runs unregistered",
			 uuid);
	return r;
}

int machined_unregister(const char *machines_dir, const char *uuid)
{
	struct machined_args a;

	if (machined_unregister_args(uuid, &a) < 0)
		return -1;
	return machined_call(machines_dir, "unregister the pod", &a);
}
