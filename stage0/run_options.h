/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The flags of `cocoon run` and `cocoon prepare` (rkt's, `rkt run --help`):
 *
 *	cocoon run [FLAGS] IMAGE [APP FLAGS] [-- ARGS... [---]] [IMAGE ...]
 *
 * Pod flags (--volume, --set-env, --hostname...) may come anywhere. App
 * flags (--exec, --user, --mount...) after an image apply to that image's
 * app; before the first image they apply to every app (the app's own win).
 * --memory and --cpu before the first image size the pod (the VM); after
 * an image they are that app's resource isolators. Arguments after `--`
 * are appended to the app's exec, up to `---`, which ends the app.
 */
#ifndef COCOON_STAGE0_RUN_OPTIONS_H
#define COCOON_STAGE0_RUN_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "images/fetch.h"
#include "stage0/env_list.h"
#include "stage0/isolators.h"
#include "stage0/prepare.h"
#include "stage0/run_net.h"

enum volume_kind { VOLUME_HOST, VOLUME_EMPTY };

struct run_volume {
	char *name;
	enum volume_kind kind;
	char *source; /* host: canonical absolute path that exists */
	bool source_is_dir;
	bool readonly;
	bool has_recursive, recursive; /* host: passed on in the manifest */
	unsigned mode;		       /* empty: default 0755 */
	uid_t uid;		       /* empty: default 0 */
	gid_t gid;
};

struct run_mount {
	char *volume;
	char *target;
};

/* App flags: per app, or (before any image) for every app. */
struct run_app_flags {
	char *user, *group, *working_dir;
	struct env_list environment; /* --environment */
	struct run_mount *mounts;
	size_t nmounts;
	bool has_caps_retain, has_caps_remove;
	uint64_t caps_retain, caps_remove;
	struct seccomp_spec seccomp; /* mode UNSET if not given */
	int readonly_rootfs;	     /* -1: not given */
	uint64_t memory;	     /* bytes, 0: not given (per app only) */
	uint64_t cpu;		     /* millicores, 0: not given (per app) */
};

struct run_app {
	char *image; /* as typed: name[:version], ID, path, URL */
	char *name;  /* --name, or NULL: from the image name */
	char *exec;  /* --exec, or NULL */
	char **args; /* after `--` */
	size_t nargs;
	struct run_app_flags flags;
};

struct run_options {
	bool is_run;
	struct run_app *apps;
	size_t napps;
	struct run_app_flags all; /* app flags before the first image */
	struct run_volume *volumes;
	size_t nvolumes;
	struct env_list env_file; /* --set-env-file */
	struct env_list set_env;  /* --set-env */
	bool inherit_env;
	bool interactive;
	bool no_overlay;
	bool debug;
	char *hostname;
	char *uuid_file_save;
	unsigned insecure; /* --insecure-options given to the command */
	enum pull_policy pull;
	uint64_t memory; /* pod: bytes, 0: from the apps or the default */
	uint64_t cpu;	 /* pod: millicores, 0: from the apps or 1 vCPU */
	struct run_net net;
};

/* True when path has a ".." component. */
bool run_path_has_dotdot(const char *path);
/*
 * True for an absolute path without ".", ".." or empty components ("a//b"),
 * what the guest takes as an app's working directory (guest/runtime.c).
 */
bool run_path_absolute_clean(const char *path);

const struct run_volume *run_options_volume(const struct run_options *o,
					    const char *name);

/* The usage text shared by `run` and `prepare` (flags part). */
#define RUN_OPTIONS_USAGE                                                      \
	"IMAGE is a name[:version], an image ID or ID prefix, a path to an\n"  \
	".aci file, or anything 'cocoon fetch' takes (oci:DIR[:TAG],\n"        \
	"docker://..., https://...). Signatures are verified unless\n"         \
	"--insecure-options=image.\n"                                          \
	"\n"                                                                   \
	"Pod flags (anywhere on the line):\n"                                  \
	"  --stage1=kvm                the only stage1: a KVM virtual "        \
	"machine\n"                                                            \
	"  --volume NAME,kind=host,source=PATH[,readOnly=true]\n"              \
	"  --volume NAME,kind=empty[,mode=0755,uid=0,gid=0,readOnly=BOOL]\n"   \
	"  --set-env NAME=VALUE        for every app (repeatable)\n"           \
	"  --set-env-file FILE         NAME=VALUE lines (# or ; comments)\n"   \
	"  --inherit-env               start from this process's "             \
	"environment\n"                                                        \
	"  --hostname NAME             default pod-<first 8 of the UUID>\n"    \
	"  --interactive               the app gets a terminal (one app "      \
	"only)\n"                                                              \
	"  --net=LIST                  default (NAT to the host's network),\n" \
	"                              default-restricted (the host only),\n"  \
	"                              none (loopback only) or networks "      \
	"from\n"                                                               \
	"                              /etc/cocoon/net.d; NAME:K=V;K=V "       \
	"passes\n"                                                             \
	"                              CNI_ARGS. Default: default\n"           \
	"  --port=NAME:[HOSTIP:]HOSTPORT  publish an app's port\n"             \
	"  --dns=IP,... | host | none  name servers for resolv.conf\n"         \
	"  --dns-search, --dns-opt, --dns-domain   resolv.conf's others\n"     \
	"  --hosts-entry=IP=NAME | host   /etc/hosts entries\n"                \
	"  --no-overlay                copy the image instead of overlayfs\n"  \
	"  --pull-policy=new|update|never  new (default): fetch if missing\n"  \
	"  --insecure-options=LIST     image, seccomp, capabilities, ...\n"    \
	"  --uuid-file-save FILE       write the pod UUID to FILE\n"           \
	"  --memory Q, --cpu Q         before any image: the VM's RAM\n"       \
	"                              (default 128Mi) and vCPUs (default "    \
	"1)\n"                                                                 \
	"\n"                                                                   \
	"App flags (after an image: that app; before any image: every app):\n" \
	"  --exec PATH                 override the image's exec (after an "   \
	"image)\n"                                                             \
	"  --name NAME                 the app's name (after an image)\n"      \
	"  --user U, --group G         numbers or names in the app's /etc\n"   \
	"  --working-dir DIR           absolute\n"                             \
	"  --environment NAME=VALUE    wins over --set-env\n"                  \
	"  --mount volume=NAME,target=PATH\n"                                  \
	"  --memory Q, --cpu Q         the app's limits (Kubernetes units:\n"  \
	"                              128Mi, 1G, 750m); the VM is sized to\n" \
	"                              the sum of memory and the largest "     \
	"cpu\n"                                                                \
	"  --caps-retain LIST, --caps-remove LIST   e.g. CAP_NET_ADMIN,...\n"  \
	"  --seccomp mode=retain|remove[,errno=ENAME],SYSCALL,...\n"           \
	"  --readonly-rootfs           the app's root is read-only\n"          \
	"\n"                                                                   \
	"IMAGE -- ARGS appends ARGS to the app's exec; --- ends them and\n"    \
	"starts the next app.\n"

#endif
