/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resource and security settings of an app: the appc isolators (appc spec,
 * "Isolators": resource/memory, resource/cpu,
 * os/linux/capabilities-{retain,remove}-set,
 * os/linux/seccomp-{retain,remove}-set, os/linux/no-new-privileges) read
 * from an image manifest, and the run flags that override them (--memory,
 * --cpu, --caps-retain, --caps-remove, --seccomp).
 *
 * Quantities follow the Kubernetes resource model, as rkt's do: "128M" is
 * 128 * 10^6 bytes, "128Mi" is 128 * 2^20; "750m" is 750 millicores.
 */
#ifndef COCOON_STAGE0_ISOLATORS_H
#define COCOON_STAGE0_ISOLATORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/capnames.h"
#include "common/error.h"

struct json_object;

/* Memory: "1000", "128M", "1G", "512Mi", "1.5Gi", "1e9" -> bytes (> 0). */
int isolator_parse_memory(const char *s, uint64_t *bytes, struct error **err);
/* CPU: "750m", "2", "0.5" -> millicores (> 0). */
int isolator_parse_cpu(const char *s, uint64_t *millicores, struct error **err);
/* Whole vCPUs for a CPU quantity: rounded up, at least 1. */
unsigned isolator_cpu_vcpus(uint64_t millicores);
/* Bytes to whole MiB, rounded up. */
uint64_t isolator_memory_mib(uint64_t bytes);

/* ---- capabilities, as bit masks over capability numbers
 * (names in common/capnames.h) */
/* "CAP_A,CAP_B" -> mask; an unknown or empty name is an error. */
int caps_parse_list(const char *list, uint64_t *mask, struct error **err);
/* appc's default set (appc spec, "os/linux/capabilities-retain-set"). */
uint64_t caps_default_set(void);
/* Every capability this build knows (--insecure-options=capabilities). */
uint64_t caps_all(void);

/* ---- seccomp */
enum seccomp_mode {
	SECCOMP_MODE_UNSET = 0, /* the image's, else the default filter */
	SECCOMP_MODE_DEFAULT,
	SECCOMP_MODE_RETAIN,
	SECCOMP_MODE_REMOVE,
};

struct seccomp_spec {
	enum seccomp_mode mode;
	char **syscalls; /* validated names */
	size_t nsyscalls;
	char *errno_name; /* "EPERM"; NULL: a violation kills the app */
};

/*
 * rkt's --seccomp syntax: "mode=retain|remove[,errno=ENAME],SYSCALL,...";
 * at least one syscall. Names are checked against libseccomp's table.
 */
int seccomp_spec_parse(const char *s, struct seccomp_spec *out,
		       struct error **err);
int seccomp_spec_copy(struct seccomp_spec *dst, const struct seccomp_spec *src,
		      struct error **err);
void seccomp_spec_free(struct seccomp_spec *s);
/* True for an errno name such as "EPERM". */
bool isolator_errno_valid(const char *name);
/* True for a syscall this build's libseccomp knows on this architecture. */
bool isolator_syscall_valid(const char *name);

/* ---- what an image's app.isolators say */
struct app_isolators {
	bool has_memory;
	uint64_t memory_limit; /* bytes */
	bool has_cpu;
	uint64_t cpu_limit; /* millicores */
	bool has_caps_retain, has_caps_remove;
	uint64_t caps_retain, caps_remove;
	struct seccomp_spec seccomp; /* mode UNSET if none */
	bool no_new_privileges;
};

/*
 * Reads an image's app.isolators array (hostile input: every field is
 * checked). Unknown isolator names are ignored, as appc allows; known ones
 * with bad values are errors naming the isolator. arr may be NULL.
 */
int isolators_from_json(struct json_object *arr, struct app_isolators *out,
			struct error **err);
void app_isolators_free(struct app_isolators *iso);

#endif
