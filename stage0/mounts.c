// SPDX-License-Identifier: Apache-2.0
#include "stage0/mounts.h"

#include "common/cleanup.h"
#include "common/etchosts.h"
#include "images/beneath.h"
#include "stage0/pod_cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p of an absolute path; the mode of the directories made. */
static int mounts_mkdir_p(const char *path, mode_t mode, struct error **err)
{
	cleanup_free char *copy = strdup(path);

	if (!copy)
		return error_set(err, ENOMEM, "out of memory");
	for (char *s = copy + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return error_set_errno(err, "create directory %s",
					       copy);
		*s = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return error_set_errno(err, "create directory %s", copy);
	return 0;
}

/*
 * overlayfs takes its layers in a comma-separated option string where ':'
 * separates lower layers and '\' escapes (Documentation/filesystems/
 * overlayfs.rst); refuse such paths rather than escape them.
 */
static int mounts_check_option_path(const char *path, struct error **err)
{
	if (strpbrk(path, ",:\\"))
		return error_set(err, EINVAL,
				 "path %s holds ',', ':' or '\\', which an "
				 "overlay mount cannot take; use a --dir "
				 "without them",
				 path);
	return 0;
}

/* Tree IDs name a directory in the store: no '/' and no dot names. */
static bool mounts_tree_id_valid(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > 255 || id[0] == '.')
		return false;
	for (const char *c = id; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
		      *c == '-' || *c == '_' || *c == '.' || *c == ':'))
			return false;
	return true;
}

static int mounts_overlay(struct pod *p, const struct mounts_app *app,
			  struct error **err)
{
	cleanup_free char *lower = NULL, *upper = NULL, *work = NULL;
	cleanup_free char *target = NULL, *opts = NULL;
	struct stat st;

	if (!mounts_tree_id_valid(app->tree))
		return error_set(err, EINVAL,
				 "app %s: bad tree ID in stage0.json",
				 app->name);
	/* The store's layout (images/store.h): cas/trees/<id>/rootfs. */
	if (asprintf(&lower, "%s/cas/trees/%s/rootfs", p->dir, app->tree) < 0 ||
	    asprintf(&upper, "%s/overlay/%s/upper", p->path, app->name) < 0 ||
	    asprintf(&work, "%s/overlay/%s/work", p->path, app->name) < 0 ||
	    asprintf(&target, "%s/stage1/shared/apps/%s/rootfs", p->path,
		     app->name) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (stat(lower, &st) < 0)
		return error_set_errno(err,
				       "app %s: image tree %s (removed from "
				       "the store?)",
				       app->name, lower);
	if (mounts_check_option_path(lower, err) < 0 ||
	    mounts_check_option_path(upper, err) < 0 ||
	    mounts_check_option_path(work, err) < 0)
		return error_wrap(err, "app %s", app->name);
	if (mounts_mkdir_p(upper, 0755, err) < 0 ||
	    mounts_mkdir_p(work, 0700, err) < 0 ||
	    mounts_mkdir_p(target, 0755, err) < 0)
		return error_wrap(err, "app %s", app->name);
	if (asprintf(&opts, "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper,
		     work) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (mount("overlay", target, "overlay", MS_NODEV, opts) < 0)
		return error_set_errno(err, "app %s: mount overlay on %s",
				       app->name, target);
	return 0;
}

static int mounts_volume(struct pod *p, const struct mounts_volume *v,
			 struct error **err)
{
	cleanup_free char *target = NULL;
	struct stat st;

	if (v->source[0] != '/')
		return error_set(err, EINVAL,
				 "volume %s: source %s is not an absolute path",
				 v->name, v->source);
	if (stat(v->source, &st) < 0)
		return error_set_errno(err, "volume %s: source %s", v->name,
				       v->source);
	if (asprintf(&target, "%s/stage1/shared/volumes/%s", p->path, v->name) <
	    0)
		return error_set(err, ENOMEM, "out of memory");
	if (S_ISDIR(st.st_mode)) {
		if (mounts_mkdir_p(target, 0755, err) < 0)
			return error_wrap(err, "volume %s", v->name);
	} else {
		cleanup_free char *parent = strdup(target);
		cleanup_close int fd = -1;

		if (!parent)
			return error_set(err, ENOMEM, "out of memory");
		*strrchr(parent, '/') = '\0';
		if (mounts_mkdir_p(parent, 0755, err) < 0)
			return error_wrap(err, "volume %s", v->name);
		fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return error_set_errno(err, "volume %s: create %s",
					       v->name, target);
	}
	if (mount(v->source, target, NULL, MS_BIND, NULL) < 0)
		return error_set_errno(err, "volume %s: bind %s on %s", v->name,
				       v->source, target);
	/* A bind's flags change only by a remount (mount(2), MS_REMOUNT). */
	if (v->readonly && mount(NULL, target, NULL,
				 MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0) {
		int saved = errno;

		umount2(target, MNT_DETACH);
		errno = saved;
		return error_set_errno(err, "volume %s: make %s read-only",
				       v->name, target);
	}
	return 0;
}

int mounts_setup(struct pod *p, const struct mounts_app *apps, size_t napps,
		 const struct mounts_volume *vols, size_t nvols, bool overlay,
		 struct error **err)
{
	for (size_t i = 0; overlay && i < napps; i++)
		if (mounts_overlay(p, &apps[i], err) < 0)
			goto fail;
	for (size_t i = 0; i < nvols; i++)
		if (mounts_volume(p, &vols[i], err) < 0)
			goto fail;
	return 0;
fail:
	pod_cleanup_mounts(p->path, NULL);
	return -1;
}

/*
 * Replaces etcfd/name with a new regular file holding text. The old entry
 * is unlinked first and the new one made with O_EXCL | O_NOFOLLOW, so
 * nothing the image put there (a symlink, a FIFO, a device node) is
 * ever opened on the host.
 */
static int mounts_etc_file(int etcfd, const char *app, const char *name,
			   const char *text, struct error **err)
{
	cleanup_close int fd = -1;
	size_t len = strlen(text), done = 0;

	if (unlinkat(etcfd, name, 0) < 0 && errno != ENOENT)
		return error_set_errno(err, "app %s: replace /etc/%s", app,
				       name);
	fd = openat(etcfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || fchmod(fd, 0644) < 0)
		return error_set_errno(err, "app %s: create /etc/%s", app,
				       name);
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_set_errno(err, "app %s: write /etc/%s",
					       app, name);
		done += (size_t)n;
	}
	if (close(steal_fd(&fd)) < 0)
		return error_set_errno(err, "app %s: write /etc/%s", app, name);
	return 0;
}

/* Where the guest mounts its kernel file systems in every app's tree. */
static const char *const mounts_guest_dirs[] = {"proc", "sys", "dev"};

int mounts_write_etc(struct pod *p, const char *app,
		     const struct mounts_etc *etc, struct error **err)
{
	cleanup_close int rootfd = -1, etcfd = -1;
	cleanup_free char *root = NULL, *hosts = NULL;
	char text[512];
	const char *base;

	if (asprintf(&root, "stage1/shared/apps/%s/rootfs", app) < 0)
		return error_set(err, ENOMEM, "out of memory");
	rootfd = openat(p->dirfd, root,
			O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfd < 0)
		return error_set_errno(err, "app %s: open %s/%s", app, p->path,
				       root);
	/* /etc itself may be a symlink of the image's: resolved inside. */
	etcfd = beneath_parent(rootfd, "etc/hosts", true, &base);
	if (etcfd < 0)
		return error_set_errno(err, "app %s: open /etc in its tree",
				       app);
	snprintf(text, sizeof(text), "%s\n", etc->hostname);
	if (mounts_etc_file(etcfd, app, "hostname", text, err) < 0)
		return -1;
	if (etchosts_text(etc->hostname, text, sizeof(text)) < 0)
		return error_set(err, ENAMETOOLONG, "hostname %s too long",
				 etc->hostname);
	if (asprintf(&hosts, "%s%s", text,
		     etc->hosts_extra ? etc->hosts_extra : "") < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (mounts_etc_file(etcfd, app, "hosts", hosts, err) < 0)
		return -1;
	if (etc->resolv_conf && mounts_etc_file(etcfd, app, "resolv.conf",
						etc->resolv_conf, err) < 0)
		return -1;
	/*
	 * The guest mounts proc, sysfs and a /dev tmpfs here; made now, on
	 * the host, each costs the guest one lookup over 9p instead of a
	 * failed lookup, a mkdir and a second lookup. What the image has
	 * under these names (a symlink, a file) is left for the guest to
	 * refuse as it would.
	 */
	for (size_t i = 0; i < ARRAY_SIZE(mounts_guest_dirs); i++)
		if (mkdirat(rootfd, mounts_guest_dirs[i], 0755) < 0 &&
		    errno != EEXIST)
			return error_set_errno(err, "app %s: create /%s", app,
					       mounts_guest_dirs[i]);
	return 0;
}
