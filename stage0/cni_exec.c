// SPDX-License-Identifier: Apache-2.0
/*
 * Running CNI plugins (CNI SPEC.md "Section 3: Execution Protocol" and
 * "Section 4: Plugin Delegation / Execution of Network Configurations")
 * and the per-pod record that lets DEL run later from the record alone.
 *
 * The record of a pod's networks is one file per network in the pod's
 * net/ dir, "<index>-<name>.json":
 *
 *	{"name", "ifname", "args", "containerid", "netns", "cniPath",
 *	 "conflist": {...}, "portMappings": [...], "result": {...} | null}
 *
 * written (atomically: temp file + rename) before the network's plugins
 * run, and again with the result once the ADD finished. DEL needs the
 * exact list, args and runtime config of the ADD (CNI SPEC.md: "the same
 * configuration as ADD") and, from 0.4.0 on, its result as prevResult.
 */
#include "stage0/cni.h"
#include "stage0/plan_json.h"

#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CNI_STDOUT_MAX (1 << 20)
#define CNI_STDERR_MAX 4096
#define CNI_RECORD_MAX (4 << 20)
/* What plugins need to find iptables, ip6tables, modprobe... */
#define CNI_PLUGIN_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *cni_json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The plugin's program: the first dir of cni_path that has it. */
static int cni_plugin_find(const char *type, const char *cni_path, char **path,
			   struct error **err)
{
	cleanup_free char *dirs = strdup(cni_path);
	char *rest = dirs, *dir;

	if (!dirs)
		return error_set(err, ENOMEM, "out of memory");
	while ((dir = strsep(&rest, ":"))) {
		struct stat st;

		/* Relative entries would depend on our cwd: skip them. */
		if (dir[0] != '/')
			continue;
		if (asprintf(path, "%s/%s", dir, type) < 0)
			return *path = NULL,
			       error_set(err, ENOMEM, "out of memory");
		if (stat(*path, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(*path, X_OK) == 0)
			return 0;
		free(*path);
		*path = NULL;
	}
	return error_set(err, ENOENT, "plugin %s not found in CNI_PATH %s",
			 type, cni_path);
}

static int64_t cni_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void __attribute__((noreturn))
cni_plugin_child(const char *path, char *const env[], int in, int out,
		 int errfd)
{
	static const int sigs[] = {SIGPIPE, SIGCHLD, SIGINT,  SIGTERM,
				   SIGHUP,  SIGQUIT, SIGUSR1, SIGUSR2};
	char *const argv[] = {(char *)path, NULL};
	sigset_t none;

	/* Its own process group, so a timeout kills all it started. */
	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		signal(sigs[i], SIG_DFL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(127);
	/* Nothing else of ours leaks into the plugin. */
	if (close_range(3, ~0U, 0) < 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	execve(path, argv, env);
	_exit(127);
}

struct cni_buf {
	char *data;
	size_t len, max;
	bool overflow, eof;
};

static int cni_buf_read(int fd, struct cni_buf *b)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		b->eof = true;
		return 0;
	}
	if (b->len + (size_t)n > b->max) {
		b->overflow = true;
		n = (ssize_t)(b->max - b->len);
	}
	memcpy(b->data + b->len, tmp, (size_t)n);
	b->len += (size_t)n;
	b->data[b->len] = '\0';
	return 0;
}

/* Plugin text for an error message: one line, printable, bounded. */
static void cni_text_clean(char *s)
{
	size_t len;

	for (char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = (*c == '\n' || *c == '\t') ? ' ' : '?';
	len = strlen(s);
	while (len > 0 && s[len - 1] == ' ')
		s[--len] = '\0';
	if (len > 1024)
		strcpy(s + 1021, "...");
}

/*
 * Feeds config to the plugin, collects stdout/stderr until both end or
 * the deadline; then reaps it (killing its group at the deadline).
 * Returns the wait status, or -1 with *err.
 */
static int cni_plugin_talk(pid_t pid, int in, int out, int errfd,
			   const char *config, struct cni_buf *o,
			   struct cni_buf *e, unsigned timeout_ms,
			   struct error **err)
{
	int64_t deadline = cni_now_ms() + timeout_ms;
	size_t off = 0, len = strlen(config);
	int status;

	while (!o->eof || !e->eof) {
		struct pollfd p[3] = {
			{.fd = o->eof ? -1 : out, .events = POLLIN},
			{.fd = e->eof ? -1 : errfd, .events = POLLIN},
			{.fd = in, .events = POLLOUT}};
		int64_t left = deadline - cni_now_ms();

		if (left <= 0 || o->overflow)
			break;
		if (poll(p, 3, (int)left) < 0 && errno != EINTR)
			break;
		if (in >= 0 && (p[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = send(in, config + off, len - off,
					 MSG_NOSIGNAL | MSG_DONTWAIT);

			if (n > 0)
				off += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
			    off == len) {
				close(in); /* EOF on its stdin */
				in = -1;
			}
		}
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    cni_buf_read(out, o) < 0)
			o->eof = true;
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    cni_buf_read(errfd, e) < 0)
			e->eof = true;
	}
	if (in >= 0)
		close(in);
	for (;;) {
		siginfo_t info = {0};
		struct timespec ts = {0, 5 * 1000 * 1000};

		/* WNOWAIT: the zombie keeps its PID (and so its group ID)
		 * from being reused until the group is killed below. */
		if (waitid(P_PID, (id_t)pid, &info,
			   WEXITED | WNOHANG | WNOWAIT) < 0 &&
		    errno != EINTR)
			return error_set_errno(err, "wait for plugin");
		if (info.si_pid == pid)
			break;
		if (cni_now_ms() >= deadline || o->overflow) {
			kill(-pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			if (o->overflow)
				return error_set(err, EFBIG,
						 "output larger than %d bytes",
						 CNI_STDOUT_MAX);
			return error_set(err, ETIMEDOUT,
					 "timed out after %u ms, killed",
					 timeout_ms);
		}
		nanosleep(&ts, NULL);
	}
	/* What the plugin left running in its group ends with it. */
	kill(-pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

int cni_plugin_run(const char *type, const char *command, const char *ifname,
		   const char *args, const struct cni_run *run,
		   const char *config, char **out, size_t *out_len,
		   struct error **err)
{
	const char *cni_path = run->cni_path ? run->cni_path : CNI_PATH_DEFAULT;
	cleanup_free char *path = NULL, *errbuf = NULL, *outbuf = NULL;
	char *env[8] = {0};
	int in_pair[2] = {-1, -1}, out_pipe[2] = {-1, -1};
	int err_pipe[2] = {-1, -1};
	struct cni_buf o = {0}, e = {0};
	size_t nenv = 0;
	int status = -1;
	pid_t pid;

	*out = NULL;
	if (cni_plugin_find(type, cni_path, &path, err) < 0)
		return -1;
	outbuf = malloc(CNI_STDOUT_MAX + 1);
	errbuf = malloc(CNI_STDERR_MAX + 1);
	if (!outbuf || !errbuf)
		return error_set(err, ENOMEM, "out of memory");
	o = (struct cni_buf){.data = outbuf, .max = CNI_STDOUT_MAX};
	e = (struct cni_buf){.data = errbuf, .max = CNI_STDERR_MAX};
	outbuf[0] = errbuf[0] = '\0';
	if (asprintf(&env[nenv++], "CNI_COMMAND=%s", command) < 0 ||
	    asprintf(&env[nenv++], "CNI_CONTAINERID=%s",
		     run->containerid ? run->containerid : "") < 0 ||
	    asprintf(&env[nenv++], "CNI_NETNS=%s",
		     run->netns ? run->netns : "") < 0 ||
	    asprintf(&env[nenv++], "CNI_IFNAME=%s", ifname) < 0 ||
	    asprintf(&env[nenv++], "CNI_PATH=%s", cni_path) < 0 ||
	    asprintf(&env[nenv++], "PATH=%s", CNI_PLUGIN_PATH) < 0 ||
	    (args && asprintf(&env[nenv++], "CNI_ARGS=%s", args) < 0)) {
		env[nenv - 1] = NULL;
		status = error_set(err, ENOMEM, "out of memory");
		goto out;
	}
	/* stdin is a socket: send(MSG_NOSIGNAL) if the plugin never reads. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_pair) < 0 ||
	    pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) {
		status = error_set_errno(err, "run plugin %s", type);
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		status = error_set_errno(err, "run plugin %s", type);
		goto out;
	}
	if (pid == 0)
		cni_plugin_child(path, env, in_pair[1], out_pipe[1],
				 err_pipe[1]);
	setpgid(pid, pid); /* also here: no race with kill(-pid) */
	close(in_pair[1]);
	close(out_pipe[1]);
	close(err_pipe[1]);
	in_pair[1] = out_pipe[1] = err_pipe[1] = -1;
	status = cni_plugin_talk(pid, steal_fd(&in_pair[0]), out_pipe[0],
				 err_pipe[0], config, &o, &e,
				 run->timeout_ms ? run->timeout_ms
						 : CNI_TIMEOUT_MS_DEFAULT,
				 err);
	if (status < 0) {
		error_wrap(err, "%s", type);
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		cleanup_free char *msg = cni_error_text(o.data, o.len);

		cni_text_clean(e.data);
		if (msg)
			cni_text_clean(msg);
		if (msg)
			error_set(err, EIO, "%s: %s", type, msg);
		else if (e.data[0])
			error_set(err, EIO, "%s: %s", type, e.data);
		else if (WIFEXITED(status))
			error_set(err, EIO, "%s: exit status %d", type,
				  WEXITSTATUS(status));
		else
			error_set(err, EIO, "%s: killed by signal %d", type,
				  WTERMSIG(status));
		status = -1;
		goto out;
	}
	*out = steal_pointer(&outbuf);
	if (out_len)
		*out_len = o.len;
	status = 0;
out:
	for (int i = 0; i < 2; i++) {
		cleanup_closep(&in_pair[i]);
		cleanup_closep(&out_pipe[i]);
		cleanup_closep(&err_pipe[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(env); i++)
		free(env[i]);
	return status < 0 ? -1 : 0;
}

/* ---- records */

static int cni_record_write(int dirfd, const char *file,
			    struct json_object *rec, struct error **err)
{
	cleanup_free char *tmp = NULL;
	cleanup_close int fd = -1;
	const char *s = json_object_to_json_string_ext(
		rec, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len, off = 0;

	if (!s || asprintf(&tmp, ".%s.tmp", file) < 0)
		return tmp = NULL, error_set(err, ENOMEM, "out of memory");
	len = strlen(s);
	fd = openat(dirfd, tmp,
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		    0600);
	if (fd < 0)
		return error_set_errno(err, "write record %s", tmp);
	while (off < len) {
		ssize_t n = write(fd, s + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			unlinkat(dirfd, tmp, 0);
			return error_set_errno(err, "write record %s", tmp);
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || renameat(dirfd, tmp, dirfd, file) < 0) {
		error_set_errno(err, "write record %s", file);
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	fsync(dirfd);
	return 0;
}

static struct json_object *cni_record_read(int dirfd, const char *file,
					   struct error **err)
{
	cleanup_close int fd =
		openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	cleanup_free char *buf = NULL;
	struct json_object *rec, *list;
	struct json_tokener *tok;
	size_t len = 0;

	if (fd < 0)
		return error_set_errno(err, "read record %s", file), NULL;
	buf = malloc(CNI_RECORD_MAX + 1);
	if (!buf)
		return error_set(err, ENOMEM, "out of memory"), NULL;
	for (;;) {
		ssize_t n = read(fd, buf + len, CNI_RECORD_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set_errno(err, "read record %s", file),
			       NULL;
		if (n == 0 || (len += (size_t)n) > CNI_RECORD_MAX)
			break;
	}
	if (len > CNI_RECORD_MAX)
		return error_set(err, EFBIG, "record %s is too large", file),
		       NULL;
	tok = json_tokener_new_ex(64);
	rec = tok ? json_tokener_parse_ex(tok, buf, (int)len) : NULL;
	if (tok)
		json_tokener_free(tok);
	/* Check what DEL relies on: a name, an ifname, a plugin list. */
	if (!rec || !json_object_is_type(rec, json_type_object) ||
	    !cni_json_str(rec, "name") ||
	    !cni_name_valid(cni_json_str(rec, "name")) ||
	    !cni_json_str(rec, "ifname") ||
	    !json_object_object_get_ex(rec, "conflist", &list) ||
	    !json_object_is_type(list, json_type_object)) {
		json_object_put(rec);
		return error_set(err, EINVAL, "record %s is damaged", file),
		       NULL;
	}
	return rec;
}

static int cni_record_filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return d->d_name[0] >= '0' && d->d_name[0] <= '9' && len > 5 &&
	       strcmp(d->d_name + len - 5, ".json") == 0;
}

/* Record files of dir, in order ("<index>-<name>.json"). */
static int cni_record_list(const char *dir, struct dirent ***ents,
			   struct error **err)
{
	int n = scandir(dir, ents, cni_record_filter, alphasort);

	if (n < 0 && errno == ENOENT) {
		*ents = NULL;
		return 0;
	}
	if (n < 0)
		return error_set_errno(err, "read network records in %s", dir);
	return n;
}

static void cni_dirents_free(struct dirent **ents, int n)
{
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
}

/*
 * Runs command for the plugins of a recorded network: ADD in order (each
 * gets the previous one's result; the last one's is *result), DEL in
 * reverse going on past failures, CHECK in order.
 */
static int cni_net_run(struct json_object *rec, const char *command,
		       const struct cni_run *run, char **result,
		       struct error **err)
{
	struct json_object *list = NULL, *plugins = NULL, *ports = NULL;
	struct json_object *cached = NULL;
	cleanup_json struct json_object *prev = NULL;
	const char *version, *args = cni_json_str(rec, "args");
	const char *ifname = cni_json_str(rec, "ifname");
	bool add = strcmp(command, "ADD") == 0;
	bool del = strcmp(command, "DEL") == 0;
	struct cni_run r = *run;
	int ret = 0;
	size_t n;

	json_object_object_get_ex(rec, "conflist", &list);
	json_object_object_get_ex(rec, "portMappings", &ports);
	json_object_object_get_ex(rec, "result", &cached);
	if (!json_object_object_get_ex(list, "plugins", &plugins) ||
	    !json_object_is_type(plugins, json_type_array))
		return error_set(err, EINVAL, "no plugins");
	version = cni_json_str(list, "cniVersion");
	if (strcmp(command, "CHECK") == 0) {
		struct json_object *off;

		/* CHECK exists from 0.4.0 on; a list may opt out. */
		if (!cni_version_at_least(version, 0, 4) ||
		    (json_object_object_get_ex(list, "disableCheck", &off) &&
		     json_object_get_boolean(off)))
			return 0;
		if (!cached || !json_object_is_type(cached, json_type_object))
			return error_set(err, EINVAL,
					 "no result recorded (its ADD did "
					 "not finish)");
	}
	if (!r.containerid)
		r.containerid = cni_json_str(rec, "containerid");
	if (!r.netns)
		r.netns = cni_json_str(rec, "netns");
	if (!r.cni_path)
		r.cni_path = cni_json_str(rec, "cniPath");
	/* prevResult on DEL and CHECK: from 0.4.0 on (SPEC.md, DEL). */
	if (!add && cached && json_object_is_type(cached, json_type_object) &&
	    cni_version_at_least(version, 0, 4))
		prev = json_object_get(cached);
	n = json_object_array_length(plugins);
	for (size_t k = 0; k < n; k++) {
		struct json_object *plugin =
			json_object_array_get_idx(plugins, del ? n - 1 - k : k);
		cleanup_free char *config = NULL, *out = NULL;
		cleanup_error struct error *e = NULL;
		const char *type = cni_json_str(plugin, "type");
		size_t out_len = 0;

		config = cni_plugin_config(list, plugin, prev, ports);
		if (!type || !config) {
			ret = error_set(err, EINVAL, "bad plugin config");
			if (del)
				continue;
			break;
		}
		if (cni_plugin_run(type, command, ifname, args, &r, config,
				   &out, &out_len, &e) < 0) {
			/* DEL goes on: the next plugin may still hold state. */
			ret = error_set(err, e->code, "%s", e->message);
			if (del)
				continue;
			break;
		}
		if (add) {
			cleanup_error struct error *pe = NULL;
			struct cni_result parsed;

			if (cni_result_parse(out, out_len, &parsed, &pe) < 0) {
				ret = error_set(err, EINVAL,
						"%s: bad result: %s", type,
						pe->message);
				break;
			}
			cni_result_free(&parsed);
			json_object_put(prev);
			prev = json_tokener_parse(out);
			if (!prev) {
				ret = error_set(err, ENOMEM, "out of memory");
				break;
			}
		}
	}
	if (ret == 0 && add && result) {
		const char *s = json_object_to_json_string_ext(
			prev, JSON_C_TO_STRING_PLAIN |
				      JSON_C_TO_STRING_NOSLASHESCAPE);

		*result = s ? strdup(s) : NULL;
		if (!*result)
			return error_set(err, ENOMEM, "out of memory");
	}
	return ret;
}

/* DEL or CHECK of every recorded network, last first for DEL. */
static int cni_pod_each(const char *dir, const char *command,
			const struct cni_run *run, struct error **err)
{
	static const struct cni_run none = {0};
	struct dirent **ents = NULL;
	cleanup_close int dirfd = -1;
	bool del = strcmp(command, "DEL") == 0;
	int n, ret = 0;

	n = cni_record_list(dir, &ents, err);
	if (n <= 0)
		return n;
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		cni_dirents_free(ents, n);
		return error_set_errno(err, "open %s", dir);
	}
	for (int k = 0; k < n; k++) {
		const char *file = ents[del ? n - 1 - k : k]->d_name;
		cleanup_json struct json_object *rec = NULL;
		cleanup_error struct error *e = NULL;

		rec = cni_record_read(dirfd, file, &e);
		if (rec &&
		    cni_net_run(rec, command, run ? run : &none, NULL, &e) < 0)
			error_wrap(&e, "network %s", cni_json_str(rec, "name"));
		if (e) {
			ret = error_set(err, e->code, "%s %s", command,
					e->message);
			continue;
		}
		if (del && unlinkat(dirfd, file, 0) < 0 && errno != ENOENT)
			ret = error_set_errno(err, "remove record %s/%s", dir,
					      file);
	}
	cni_dirents_free(ents, n);
	return ret;
}

int cni_pod_del(const char *dir, const struct cni_run *run, struct error **err)
{
	return cni_pod_each(dir, "DEL", run, err);
}

int cni_pod_check(const char *dir, const struct cni_run *run,
		  struct error **err)
{
	return cni_pod_each(dir, "CHECK", run, err);
}

static int cni_pod_add_net(int dirfd, const struct cni_net *net, size_t i,
			   const struct cni_run *run, struct json_object *ports,
			   struct cni_result *result, struct error **err)
{
	cleanup_json struct json_object *rec = NULL, *list = NULL;
	cleanup_free char *file = NULL, *out = NULL;
	char ifname[16];

	if (!cni_name_valid(net->name))
		return error_set(err, EINVAL, "bad network name");
	if (!net->conflist)
		return error_set(err, EINVAL, "no config (not loaded)");
	list = json_tokener_parse(net->conflist);
	rec = json_object_new_object();
	if (!list || !rec || asprintf(&file, "%02zu-%s.json", i, net->name) < 0)
		return file = NULL, error_set(err, ENOMEM, "out of memory");
	snprintf(ifname, sizeof(ifname), "eth%u", (unsigned)(i % CNI_NETS_MAX));
	json_object_object_add(rec, "name", json_object_new_string(net->name));
	json_object_object_add(rec, "ifname", json_object_new_string(ifname));
	json_object_object_add(rec, "args",
			       net->args ? json_object_new_string(net->args)
					 : NULL);
	json_object_object_add(rec, "containerid",
			       json_object_new_string(run->containerid));
	json_object_object_add(rec, "netns",
			       json_object_new_string(run->netns));
	json_object_object_add(
		rec, "cniPath",
		json_object_new_string(run->cni_path ? run->cni_path
						     : CNI_PATH_DEFAULT));
	json_object_object_add(rec, "conflist", json_object_get(list));
	json_object_object_add(rec, "portMappings", json_object_get(ports));
	json_object_object_add(rec, "result", NULL);
	/* Recorded before anything runs: a crash mid-ADD still gets a DEL. */
	if (cni_record_write(dirfd, file, rec, err) < 0 ||
	    cni_net_run(rec, "ADD", run, &out, err) < 0)
		return -1;
	json_object_object_add(rec, "result", json_tokener_parse(out));
	if (cni_record_write(dirfd, file, rec, err) < 0)
		return -1;
	return cni_result_parse(out, strlen(out), result, err);
}

int cni_pod_add(const char *dir, const struct cni_nets *nets,
		const struct cni_run *run, const struct cni_port *ports,
		size_t n_ports, struct cni_result **results, struct error **err)
{
	cleanup_json struct json_object *pm = NULL;
	cleanup_close int dirfd = -1;
	struct cni_result *res;

	*results = NULL;
	if (!run->containerid || !run->netns)
		return error_set(err, EINVAL,
				 "CNI ADD needs a container ID "
				 "and a netns");
	res = calloc(nets->n ? nets->n : 1, sizeof(*res));
	pm = cni_ports_json(ports, n_ports);
	if (!res || !pm) {
		free(res);
		return error_set(err, ENOMEM, "out of memory");
	}
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) ||
	    (dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		free(res);
		return error_set_errno(err, "network records %s", dir);
	}
	for (size_t i = 0; i < nets->n; i++) {
		cleanup_error struct error *undo = NULL;

		res[i].sandbox_iface = -1;
		if (cni_pod_add_net(dirfd, &nets->v[i], i, run, pm, &res[i],
				    err) == 0)
			continue;
		error_wrap(err, "network %s", nets->v[i].name);
		/* Undo all, this one too: it may be half added. */
		if (cni_pod_del(dir, run, &undo) < 0 && err && *err) {
			char *msg = NULL;

			if (asprintf(&msg, "%s (undoing it failed too: %s)",
				     (*err)->message, undo->message) >= 0) {
				free((*err)->message);
				(*err)->message = msg;
			}
		}
		for (size_t j = 0; j < nets->n; j++)
			cni_result_free(&res[j]);
		free(res);
		return -1;
	}
	*results = res;
	return 0;
}

int cni_pod_results(const char *dir, struct cni_pod_net **nets, size_t *n,
		    struct error **err)
{
	struct dirent **ents = NULL;
	cleanup_close int dirfd = -1;
	struct cni_pod_net *v;
	int count;

	*nets = NULL;
	*n = 0;
	count = cni_record_list(dir, &ents, err);
	if (count <= 0)
		return count;
	v = calloc((size_t)count, sizeof(*v));
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!v || dirfd < 0) {
		free(v);
		cni_dirents_free(ents, count);
		return error_set_errno(err, "read network records in %s", dir);
	}
	for (int k = 0; k < count; k++) {
		cleanup_json struct json_object *rec = NULL;
		struct json_object *result;
		struct cni_pod_net *p = &v[k];
		const char *s;

		p->result.sandbox_iface = -1;
		rec = cni_record_read(dirfd, ents[k]->d_name, err);
		if (!rec)
			goto fail;
		snprintf(p->name, sizeof(p->name), "%s",
			 cni_json_str(rec, "name"));
		snprintf(p->ifname, sizeof(p->ifname), "%s",
			 cni_json_str(rec, "ifname"));
		if (!json_object_object_get_ex(rec, "result", &result) ||
		    !result)
			continue;
		s = json_object_to_json_string_ext(result,
						   JSON_C_TO_STRING_PLAIN);
		if (cni_result_parse(s, strlen(s), &p->result, err) < 0) {
			error_wrap(err, "record %s", ents[k]->d_name);
			goto fail;
		}
		p->has_result = true;
	}
	cni_dirents_free(ents, count);
	*nets = v;
	*n = (size_t)count;
	return 0;
fail:
	cni_pod_results_free(v, (size_t)count);
	cni_dirents_free(ents, count);
	return -1;
}

void cni_pod_results_free(struct cni_pod_net *nets, size_t n)
{
	for (size_t i = 0; nets && i < n; i++)
		cni_result_free(&nets[i].result);
	free(nets);
}
