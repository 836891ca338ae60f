// SPDX-License-Identifier: Apache-2.0
/*
 * cocoon-init: PID 1 of the guest.
 *
 * Mounts /dev, /proc and /sys, prints "cocoon-init: ready <release>
 * cpus=<n> mem=<MiB>" on the console, runs the program named by
 * cocoon.exec= on the kernel command line if there is one, then syncs and
 * ends the VM. It never returns: PID 1 exiting panics the kernel.
 *
 * With cocoon.pod=1 on the kernel command line it is a pod's init instead
 * (guest/pod.c, docs/guest.md): it speaks the control protocol with the
 * host and runs the pod's apps. There it logs only errors unless
 * cocoon.debug=1.
 *
 * Run as any other PID (on a development host), it is a dry run: no
 * mounts, no console or controlling tty, no reboot; the command line comes
 * from $COCOON_INIT_CMDLINE if set, and the exit status is the program's.
 */
#include "common/cleanup.h"
#include "common/log.h"
#include "guest/cmdline.h"
#include "guest/console.h"
#include "guest/cpulist.h"
#include "guest/exec.h"
#include "guest/iomem.h"
#include "guest/pod.h"
#include "guest/system.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static int init_cpus(void)
{
	cleanup_free char *text = NULL;
	int ret;

	ret = system_read_file("/sys/devices/system/cpu/online", &text);
	if (ret >= 0)
		ret = cpulist_count(text);
	if (ret < 0) {
		log_error("count online CPUs from "
			  "/sys/devices/system/cpu/online: %s",
			  strerror(-ret));
		return 0;
	}
	return ret;
}

static uint64_t init_mem_mib(void)
{
	cleanup_free char *text = NULL;
	uint64_t bytes = 0;
	int ret;

	ret = system_read_file("/proc/iomem", &text);
	if (ret >= 0)
		ret = iomem_system_ram(text, &bytes);
	if (ret < 0) {
		log_error("sum System RAM in /proc/iomem: %s", strerror(-ret));
		return 0;
	}
	return iomem_round_mib(bytes);
}

static void init_ready(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		strcpy(u.release, "unknown");
	log_info("ready %s cpus=%d mem=%" PRIu64, u.release, init_cpus(),
		 init_mem_mib());
}

/* 1 when the kernel command line sets key=1 (only as PID 1). */
static bool init_flag(bool pid1, const char *key)
{
	cleanup_free char *cmdline = NULL;
	cleanup_free char *value = NULL;

	if (!pid1 || system_read_file("/proc/cmdline", &cmdline) < 0)
		return false;
	return cmdline_get(cmdline, key, &value) == 1 && !strcmp(value, "1");
}

/* Returns -1 for "nothing to run", else the exit status to report. */
static int init_exec(bool pid1)
{
	cleanup_free char *cmdline = NULL;
	cleanup_free char *command = NULL;
	const char *override = pid1 ? NULL : getenv("COCOON_INIT_CMDLINE");
	char **argv = NULL;
	char what[64];
	int ret, status;

	if (override) {
		cmdline = strdup(override);
		ret = cmdline ? 0 : -ENOMEM;
	} else {
		ret = system_read_file("/proc/cmdline", &cmdline);
	}
	if (ret < 0) {
		log_error("read /proc/cmdline: %s", strerror(-ret));
		return 1;
	}
	ret = cmdline_get(cmdline, "cocoon.exec", &command);
	if (ret < 0) {
		log_error("parse /proc/cmdline: %s", strerror(-ret));
		return 1;
	}
	if (ret == 0)
		return -1;
	ret = cmdline_split(command, &argv);
	if (ret == 0)
		log_error("cocoon.exec: empty command");
	else if (ret == -EINVAL)
		log_error("cocoon.exec: unterminated quote or trailing "
			  "backslash");
	else if (ret < 0)
		log_error("cocoon.exec: %s", strerror(-ret));
	if (ret <= 0) {
		cmdline_argv_free(argv);
		return 1;
	}
	status = exec_run(argv, pid1);
	cmdline_argv_free(argv);
	if (status < 0)
		return 1;
	log_info("exec %s", exec_describe_status(status, what, sizeof(what)));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void)
{
	bool pid1 = getpid() == 1;
	int console, status;

	log_init("cocoon-init");
	if (pid1) {
		/*
		 * The kernel opened /dev/console as our stdio if the
		 * initramfs has the node; open it ourselves to be sure, and
		 * if that fails, again once devtmpfs has brought its node.
		 */
		console = console_attach_stdio();
		setenv("PATH", EXEC_DEFAULT_PATH, 0);
		setenv("HOME", "/", 0);
		setenv("TERM", "linux", 0);
		if (system_mount_all() < 0) {
			system_end_vm();
			return 1;
		}
		if (console < 0 && console_attach_stdio() < 0) {
			/* Nowhere to say it; end the VM so the host notices. */
			system_end_vm();
		}
	} else {
		log_info("not PID 1: dry run (no mounts, no reboot)");
	}
	if (init_flag(pid1, "cocoon.pod")) {
		log_set_level(init_flag(pid1, "cocoon.debug") ? LOG_DEBUG
							      : LOG_ERROR);
		init_ready();
		pod_main();
	}
	init_ready();
	status = init_exec(pid1);
	exec_reap_zombies();
	system_end_vm();
	return status < 0 ? 0 : status;
}
