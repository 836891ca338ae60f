/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stage1: finding cocoon-vmm, the guest kernel and the initrd, and starting
 * the VMM for a pod. The three are looked up, in order, in
 * $COCOON_STAGE1_DIR (when set, the only place), next to the running
 * `cocoon` (a build tree: build/cocoon beside build/cocoon-vmm), and in the
 * install dir <bin>/../lib/cocoon (`make install`).
 */
#ifndef COCOON_STAGE0_STAGE1_H
#define COCOON_STAGE0_STAGE1_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "stage0/pod.h"

#define STAGE1_DIR_ENV "COCOON_STAGE1_DIR"

struct stage1 {
	char *dir;    /* where the three were found */
	char *vmm;    /* <dir>/cocoon-vmm */
	char *kernel; /* <dir>/vmlinux */
	char *initrd; /* <dir>/initrd.cpio */
};

/* 0 and *out filled, or -1 with *err naming every place looked at. */
int stage1_find(struct stage1 *out, struct error **err);
void stage1_free(struct stage1 *s);

#define STAGE1_NICS_MAX 8

struct stage1_nic {
	int tap_fd;
	char mac[18]; /* aa:bb:cc:dd:ee:ff */
};

struct stage1_vm {
	unsigned memory_mib, cpus;
	bool debug;	    /* cocoon.debug=1 for the guest */
	const char *cgroup; /* joined before exec; NULL: none */
	/* NICs: tap fds (kept open across exec) and their MACs */
	const struct stage1_nic *nics;
	size_t nnics;
};

/*
 * Starts cocoon-vmm for pod p (clone(CLONE_NEWPID) and exec: it is PID 1
 * of a PID namespace of its own) (docs/pods.md "Running a pod"):
 * kernel, initrd, --mem/--cpus, --rng, the share `pod` =
 * <pod>/stage1/shared, --vsock 3,stage1/vsock (relative: the VMM runs in
 * the pod dir). The child joins the cgroup, dies with its parent
 * (PR_SET_PDEATHSIG), leads its own process group (terminal signals are
 * the supervisor's), has /dev/null as stdin and the write end of a pipe
 * as stdout and stderr; *console_fd is the read end (non-blocking).
 * An exec that fails ends the child with status 127.
 */
int stage1_start(const struct stage1 *s1, struct pod *p,
		 const struct stage1_vm *vm, pid_t *pid, int *console_fd,
		 struct error **err);

/* True when <pod>/stage1/console.log's tail mentions a kernel panic. */
bool stage1_console_panicked(struct pod *p);
/* Repeats the VMM's own messages from the console log's tail on stderr. */
void stage1_show_vmm_messages(struct pod *p);

#endif
