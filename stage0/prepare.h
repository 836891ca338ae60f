/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Preparing a pod (`cocoon run` and `cocoon prepare`): rkt's run flags,
 * images resolved and fetched into the store, the appc pod manifest, the
 * runtime object for the guest (docs/protocol.md) and stage0.json
 * (docs/pods.md).
 */
#ifndef COCOON_STAGE0_PREPARE_H
#define COCOON_STAGE0_PREPARE_H

#include <stdbool.h>

#include "common/error.h"
#include "stage0/command.h"
#include "stage0/pod.h"

struct run_options; /* defined in prepare.c / run_options.h */

/*
 * Parses `run`/`prepare` arguments (argv[0] is the command name). 0 and
 * *out, or -1 with *err naming the bad flag.
 */
int run_options_parse(int argc, char **argv, bool is_run,
		      struct run_options **out, struct error **err);
void run_options_free(struct run_options *o);

/*
 * p is a new pod (embryo/, locked). Resolves (and, as --pull-policy says,
 * fetches and verifies) every image, writes `pod`, `runtime.json`,
 * `stage0.json` and the overlay directories, and leaves p in prepare/,
 * still locked. On failure p is left where it is for the caller to discard.
 */
int pod_prepare(const struct global_options *g, const struct run_options *o,
		struct pod *p, struct error **err);

/*
 * Discards a pod whose preparation failed: undoes its mounts (if any),
 * moves it to garbage/ and removes it. p stays allocated for the caller.
 */
int pod_prepare_discard(struct pod *p, struct error **err);

/* --uuid-file-save, if given: writes p's UUID there. */
int run_options_save_uuid(const struct run_options *o, const struct pod *p,
			  struct error **err);

#endif
