/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cocoon-init's pod mode (kernel command line cocoon.pod=1; docs/guest.md):
 * the guest side of the control protocol (docs/protocol.md). It connects
 * to the host, receives the pod, starts and supervises the apps, reaps
 * every process, serves `cocoon enter`, and powers the VM off when the
 * pod has ended.
 */
#ifndef COCOON_GUEST_POD_H
#define COCOON_GUEST_POD_H

/* Runs the pod as PID 1 after the early mounts. Never returns. */
__attribute__((noreturn)) void pod_main(void);

#endif
