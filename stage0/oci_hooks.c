// SPDX-License-Identifier: Apache-2.0
/*
 * config.json hooks on the host (OCI runtime spec config.md "POSIX-platform
 * Hooks", runtime.md "Lifecycle"): each hook is {path, args, env,
 * timeout}; it runs with the container's state JSON on its stdin. A
 * failing prestart/createRuntime hook fails `create`; poststart and
 * poststop failures are logged (runtime.md: warnings). createContainer and
 * startContainer run in the container's namespaces, which are inside a VM
 * here: config.json with them is refused (oci_config.c).
 */
#include "stage0/oci_commands.h"
#include "stage0/oci_log.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOOK_ARGS_MAX	    256
#define HOOK_DEFAULT_WAIT_S 60

/* A JSON array of strings as a NULL-terminated vector (pointers into it). */
static char **hook_strings(struct json_object *arr, const char *fallback)
{
	size_t n = arr && json_object_is_type(arr, json_type_array)
			   ? json_object_array_length(arr)
			   : 0;
	char **v;

	if (n > HOOK_ARGS_MAX)
		n = HOOK_ARGS_MAX;
	v = calloc(n + 2, sizeof(char *));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = (char *)json_object_get_string(
			json_object_array_get_idx(arr, i));
	if (n == 0 && fallback)
		v[0] = (char *)fallback;
	return v;
}

static int hook_run_one(struct json_object *hook, const char *kind, size_t i,
			const char *state, struct error **err)
{
	struct json_object *path = NULL, *args = NULL, *env = NULL, *t = NULL;
	cleanup_free char **argv = NULL, **envp = NULL;
	struct timespec start, now;
	int pipefd[2], status;
	long wait_s = HOOK_DEFAULT_WAIT_S;
	const char *p;
	pid_t pid;

	json_object_object_get_ex(hook, "path", &path);
	json_object_object_get_ex(hook, "args", &args);
	json_object_object_get_ex(hook, "env", &env);
	json_object_object_get_ex(hook, "timeout", &t);
	p = path ? json_object_get_string(path) : NULL;
	if (!p || p[0] != '/')
		return error_set(err, EINVAL,
				 "hooks.%s[%zu]: path must be absolute", kind,
				 i);
	if (t && json_object_get_int64(t) > 0)
		wait_s = (long)json_object_get_int64(t);
	argv = hook_strings(args, p);
	envp = hook_strings(env, NULL);
	if (!argv || !envp)
		return error_set(err, ENOMEM, "out of memory");
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return error_set_errno(err, "hooks.%s[%zu]: pipe", kind, i);
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return error_set_errno(err, "hooks.%s[%zu]: fork", kind, i);
	}
	if (pid == 0) {
		if (dup2(pipefd[0], 0) < 0)
			_exit(127);
		execve(p, argv, envp);
		_exit(127);
	}
	close(pipefd[0]);
	/* the hook may not read its stdin: a short write is not an error */
	signal(SIGPIPE, SIG_IGN);
	if (write(pipefd[1], state, strlen(state)) < 0)
		oci_log("debug", "hooks.%s[%zu]: it did not read the state",
			kind, i);
	close(pipefd[1]);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return error_set_errno(err, "hooks.%s[%zu]: wait", kind,
					       i);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= wait_s) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return error_set(err, ETIMEDOUT,
					 "hooks.%s[%zu] %s: timed out after "
					 "%ld s",
					 kind, i, p, wait_s);
		}
		usleep(10000);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return error_set(err, EIO, "hooks.%s[%zu] %s failed (%s %d)",
				 kind, i, p,
				 WIFEXITED(status) ? "exit status" : "signal",
				 WIFEXITED(status) ? WEXITSTATUS(status)
						   : WTERMSIG(status));
	return 0;
}

int oci_hooks_run(const char *bundle, const char *kind,
		  struct json_object *state, struct error **err)
{
	cleanup_free char *path = NULL;
	struct json_object *cfg, *hooks, *list;
	const char *text;
	int r = 0;

	if (!bundle || asprintf(&path, "%s/config.json", bundle) < 0)
		return error_set(err, ENOMEM, "out of memory");
	cfg = json_object_from_file(path);
	if (!cfg)
		return 0; /* checked at create; gone now: nothing to run */
	if (!json_object_object_get_ex(cfg, "hooks", &hooks) ||
	    !json_object_object_get_ex(hooks, kind, &list) ||
	    !json_object_is_type(list, json_type_array)) {
		json_object_put(cfg);
		return 0;
	}
	text = json_object_to_json_string_ext(state, JSON_C_TO_STRING_PLAIN);
	for (size_t i = 0; r == 0 && i < json_object_array_length(list); i++)
		r = hook_run_one(json_object_array_get_idx(list, i), kind, i,
				 text, err);
	json_object_put(cfg);
	return r;
}
