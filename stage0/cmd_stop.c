// SPDX-License-Identifier: Apache-2.0
/*
 * cocoon stop: stop running pods. Gracefully by SIGTERM to the pod's
 * supervisor (which sends the guest a stop frame and, after the pod's stop
 * timeout, kills the VMM), or with --force by SIGKILL to the VMM (the
 * supervisor then tears down as for any VMM exit).
 *
 * A pid is signalled only once it is proven to belong to this pod, so a
 * recycled pid is never hit:
 *  - the supervisor: the kernel's record of who holds the pod dir's flock
 *    (/proc/locks) must name exactly that pid;
 *  - the VMM: its command line must name the pod's directory (cocoon-vmm
 *    gets "pod=<dir>/pods/run/<uuid>/stage1/shared") or its cgroup must
 *    be the pod's (/sys/fs/cgroup/cocoon/<uuid>).
 */
#include "stage0/cli.h"
#include "stage0/cmd_image_common.h"
#include "stage0/duration.h"
#include "stage0/pod.h"
#include "stage0/pod_status.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define STOP_DEFAULT_WAIT_MS 10000
/* Beyond the pod's own stop timeout: the supervisor's teardown. */
#define STOP_TEARDOWN_MS 5000

/* True if /proc/<pid>/<file> contains needle (NULs read as spaces). */
static bool stop_proc_mentions(long pid, const char *file, const char *needle)
{
	char path[64], buf[8192];
	cleanup_close int fd = -1;
	size_t len = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	while (len < sizeof(buf) - 1 &&
	       (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	for (size_t i = 0; i < len; i++)
		if (!buf[i])
			buf[i] = ' ';
	buf[len] = '\0';
	return strstr(buf, needle) != NULL;
}

/*
 * The pod's VMM names the pod dir in its command line ("pod=<dir>/pods/
 * run/<uuid>/stage1/shared") and runs in the pod's cgroup. Path-shaped
 * needles, so that e.g. a `cocoon status <uuid>` that got the pid does
 * not pass.
 */
static bool stop_is_vmm(struct pod *p, long pid)
{
	char in_path[POD_UUID_LEN + 3], cgroup[POD_UUID_LEN + 16];

	snprintf(in_path, sizeof(in_path), "/%s/", p->uuid);
	snprintf(cgroup, sizeof(cgroup), "/cocoon/%s", p->uuid);
	return stop_proc_mentions(pid, "cmdline", in_path) ||
	       stop_proc_mentions(pid, "cgroup", cgroup);
}

/*
 * The pod exited as far as its lock says, but a supervisor killed by
 * SIGKILL leaves its VMM running: nobody is left to stop it gracefully,
 * so it is killed (when provably the pod's). 1 if one was killed.
 */
static int stop_orphan_vmm(struct pod *p, struct error **err)
{
	struct pod_status st;
	long pid;

	pod_status_read(p, &st, NULL);
	pid = st.pid;
	pod_status_free(&st);
	if (!pid || kill((pid_t)pid, 0) < 0 || !stop_is_vmm(p, pid))
		return 0;
	if (kill((pid_t)pid, SIGKILL) < 0)
		return error_set_errno(err, "kill VMM %ld of pod %s", pid,
				       p->uuid);
	printf("pod %s: its supervisor is gone; killed its VMM (pid %ld): "
	       "run `cocoon gc` to clean up\n",
	       p->uuid, pid);
	return 1;
}

static int stop_signal(struct pod *p, const struct pod_status *st, bool force,
		       struct error **err)
{
	long pid;

	if (force) {
		pid = st->pid;
		if (!pid)
			return error_set(err, ESRCH,
					 "pod %s has no VMM pid yet (still "
					 "starting?): try again, or stop it "
					 "without --force",
					 p->uuid);
		if (!stop_is_vmm(p, pid))
			return error_set(err, ESRCH,
					 "pod %s: process %ld is not its VMM "
					 "(neither its command line nor its "
					 "cgroup names the pod): not "
					 "killing it",
					 p->uuid, pid);
		if (kill((pid_t)pid, SIGKILL) < 0)
			return error_set_errno(err, "kill VMM %ld of pod %s",
					       pid, p->uuid);
		return 0;
	}
	pid = pod_lock_holder(p);
	if (!pid)
		return error_set(err, ESRCH,
				 "pod %s: cannot tell which process holds its "
				 "lock",
				 p->uuid);
	if (st->supervisor_pid && st->supervisor_pid != pid)
		return error_set(err, ESRCH,
				 "pod %s: state.json names supervisor %ld but "
				 "process %ld holds the pod's lock: not "
				 "signalling either",
				 p->uuid, st->supervisor_pid, pid);
	if (kill((pid_t)pid, SIGTERM) < 0)
		return error_set_errno(err, "signal supervisor %ld of pod %s",
				       pid, p->uuid);
	return 0;
}

static int stop_one(const struct global_options *g, const char *arg, bool force,
		    long long timeout_ms, struct error **err)
{
	cleanup_pod struct pod *p = NULL;
	struct pod_status st;
	int r;

	if (pod_open(g->dir, arg, &p, err) < 0)
		return -1;
	if (p->state != POD_RUN) {
		if (p->state == POD_EXITED_GARBAGE || p->state == POD_GARBAGE) {
			printf("pod %s is already stopped\n", p->uuid);
			return 0;
		}
		return error_set(err, EINVAL, "pod %s is not running (%s)",
				 p->uuid,
				 pod_status_state_name(p->state, false));
	}
	if (!pod_lock_held_elsewhere(p)) {
		r = stop_orphan_vmm(p, err);
		if (r < 0)
			return -1;
		if (!r)
			printf("pod %s is already stopped\n", p->uuid);
		return 0;
	}
	if (pod_status_read(p, &st, err) < 0) {
		pod_status_free(&st);
		return -1;
	}
	if (timeout_ms < 0) {
		timeout_ms = STOP_DEFAULT_WAIT_MS;
		if (!force &&
		    st.stop_timeout_ms + STOP_TEARDOWN_MS > timeout_ms)
			timeout_ms = st.stop_timeout_ms + STOP_TEARDOWN_MS;
	}
	r = stop_signal(p, &st, force, err);
	pod_status_free(&st);
	if (r < 0)
		return -1;
	if (pod_wait_unlocked(p, timeout_ms, err) < 0) {
		if ((*err)->code != ETIMEDOUT)
			return -1;
		error_free(err);
		return error_set(
			err, ETIMEDOUT, "pod %s did not stop within %lld ms%s",
			p->uuid, timeout_ms, force ? "" : " (try --force)");
	}
	printf("%s\n", p->uuid);
	return 0;
}

static int pod_stop_run(int argc, char **argv, const struct global_options *g)
{
	static const struct option opts[] = {
		{"force", no_argument, NULL, 'f'},
		{"timeout", required_argument, NULL, 't'},
		{0},
	};
	long long timeout_ms = -1;
	bool force = false;
	int opt, status = 0;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		cleanup_error struct error *err = NULL;
		int64_t ms;

		switch (opt) {
		case 'f':
			force = true;
			break;
		case 't':
			if (duration_parse(optarg, &ms, &err) < 0)
				return image_cmd_usage("stop", "--timeout: %s",
						       err->message);
			timeout_ms = ms;
			break;
		default:
			return image_cmd_usage("stop", "bad option");
		}
	}
	if (optind >= argc)
		return image_cmd_usage("stop", "want one or more pod UUIDs");
	for (int i = optind; i < argc; i++) {
		cleanup_error struct error *err = NULL;

		if (stop_one(g, argv[i], force, timeout_ms, &err) < 0) {
			image_cmd_fail("stop", &err);
			status = 1;
		}
	}
	return status;
}

COCOON_COMMAND(
	pod_stop, .name = "stop", .summary = "stop running pods",
	.usage = "Usage: cocoon stop [--force] [--timeout=DURATION] UUID...\n"
		 "\n"
		 "Stops each running pod (a UUID or a unique prefix) and "
		 "waits until it\n"
		 "has exited, then prints its UUID. Without --force the pod's "
		 "supervisor\n"
		 "gets SIGTERM: the apps get SIGTERM in the guest, and "
		 "SIGKILL after the\n"
		 "pod's stop timeout. With --force its VMM is killed at once.\n"
		 "A pod that has exited already is reported as stopped; if "
		 "its supervisor\n"
		 "was killed and left its VMM running, the VMM is killed.\n"
		 "\n"
		 "A process is signalled only when it is proven to be the "
		 "pod's: the\n"
		 "supervisor must be the holder of the pod's lock "
		 "(/proc/locks); the VMM\n"
		 "must name the pod's directory in its command line, or be in "
		 "the pod's\n"
		 "cgroup.\n"
		 "\n"
		 "Options:\n"
		 "  --force              SIGKILL the VMM instead of a graceful "
		 "stop\n"
		 "  --timeout=DURATION   how long to wait for the pod to exit "
		 "(default\n"
		 "                       10s, or the pod's stop timeout + 5s "
		 "if longer)\n"
		 "\n"
		 "Exit status: 0 if every pod is stopped, else 1.\n",
	.run = pod_stop_run);
