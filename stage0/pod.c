// SPDX-License-Identifier: Apache-2.0
/*
 * Pods on disk (docs/pods.md). A pod is <dir>/pods/<state>/<uuid>; it
 * changes state by rename(2) and is alive while someone holds flock(2) on
 * its directory. The lock belongs to the open file description, so it
 * follows the directory through renames.
 *
 * Every state change moves a pod "forward" in enum pod_state order
 * (embryo -> prepare -> prepared -> run -> exited-garbage -> garbage, with
 * shortcuts to garbage), so a scan of the state folders in that order sees
 * each pod at least once even while pods move.
 */
#include "stage0/pod.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

static const char *const pod_state_dirs[POD_STATE_COUNT] = {
	[POD_EMBRYO] = "embryo",
	[POD_PREPARE] = "prepare",
	[POD_PREPARED] = "prepared",
	[POD_RUN] = "run",
	[POD_EXITED_GARBAGE] = "exited-garbage",
	[POD_GARBAGE] = "garbage",
};

const char *pod_state_dir(enum pod_state s)
{
	if ((unsigned)s >= POD_STATE_COUNT)
		return "invalid";
	return pod_state_dirs[s];
}

bool pod_uuid_valid(const char *s)
{
	static const char tmpl[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (strlen(s) != POD_UUID_LEN)
		return false;
	for (size_t i = 0; i < POD_UUID_LEN; i++) {
		if (tmpl[i] == '-') {
			if (s[i] != '-')
				return false;
		} else if (!strchr("0123456789abcdef", s[i]) || !s[i]) {
			return false;
		}
	}
	return true;
}

int pod_uuid_new(char out[POD_UUID_LEN + 1], struct error **err)
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error_set_errno(err, "getrandom");
		}
		got += (size_t)n;
	}
	/* RFC 4122 §4.4: version 4 in the high nibble of octet 6, variant
	 * 10x in the high bits of octet 8. */
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, POD_UUID_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

static char *pod_state_path(const char *dir, enum pod_state s, const char *uuid)
{
	char *path = NULL;

	if (asprintf(&path, "%s/pods/%s%s%s", dir, pod_state_dir(s),
		     uuid ? "/" : "", uuid ? uuid : "") < 0)
		return NULL;
	return path;
}

static int pod_mkdir(const char *path, mode_t mode, struct error **err)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return error_set_errno(err, "create %s", path);
	return 0;
}

/* <dir>, <dir>/pods and every state folder. */
static int pod_make_dirs(const char *dir, struct error **err)
{
	cleanup_free char *pods = NULL;

	if (asprintf(&pods, "%s/pods", dir) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (pod_mkdir(dir, 0755, err) < 0 || pod_mkdir(pods, 0711, err) < 0)
		return -1;
	for (int s = 0; s < POD_STATE_COUNT; s++) {
		cleanup_free char *p = pod_state_path(dir, s, NULL);

		if (!p)
			return error_set(err, ENOMEM, "out of memory");
		if (pod_mkdir(p, 0711, err) < 0)
			return -1;
	}
	return 0;
}

static struct pod *pod_new(const char *dir, const char *uuid, enum pod_state s)
{
	struct pod *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->dirfd = -1;
	p->state = s;
	snprintf(p->uuid, sizeof(p->uuid), "%s", uuid);
	p->dir = strdup(dir);
	p->path = pod_state_path(dir, s, uuid);
	if (!p->dir || !p->path) {
		pod_free(p);
		return NULL;
	}
	return p;
}

void pod_free(struct pod *p)
{
	if (!p)
		return;
	if (p->dirfd >= 0)
		close(p->dirfd); /* also drops the lock */
	free(p->dir);
	free(p->path);
	free(p);
}

void pod_freep(struct pod **p)
{
	pod_free(*p);
	*p = NULL;
}

int pod_create(const char *dir, struct pod **out, struct error **err)
{
	cleanup_pod struct pod *p = NULL;
	cleanup_free char *tmp = NULL;
	char uuid[POD_UUID_LEN + 1];

	if (pod_make_dirs(dir, err) < 0)
		return error_wrap(err, "create pod in %s", dir);
	if (pod_uuid_new(uuid, err) < 0)
		return error_wrap(err, "create pod");
	p = pod_new(dir, uuid, POD_EMBRYO);
	/*
	 * The directory is made and locked under a hidden name first, and
	 * only then renamed to embryo/<uuid>: gc treats an unlocked embryo
	 * as a failed preparation, so it must never see one unlocked.
	 */
	if (!p || asprintf(&tmp, "%s/pods/embryo/.%s", dir, uuid) < 0)
		return error_set(err, ENOMEM, "out of memory");
	if (mkdir(tmp, 0700) < 0)
		return error_set_errno(err, "create pod: mkdir %s", tmp);
	p->dirfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (p->dirfd < 0 || flock(p->dirfd, LOCK_EX | LOCK_NB) < 0) {
		error_set_errno(err, "create pod: open and lock %s", tmp);
		rmdir(tmp);
		return -1;
	}
	p->locked = true;
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, p->path, RENAME_NOREPLACE) < 0) {
		error_set_errno(err, "create pod: rename %s to %s", tmp,
				p->path);
		rmdir(tmp);
		return -1;
	}
	*out = steal_pointer(&p);
	return 0;
}

/* Opens <dir>/pods/<s>/<uuid>; -1 with errno (ENOENT: not there). */
static int pod_open_in(const char *dir, const char *uuid, enum pod_state s,
		       struct pod **out)
{
	cleanup_pod struct pod *p = pod_new(dir, uuid, s);

	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	p->dirfd =
		open(p->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (p->dirfd < 0)
		return -1;
	*out = steal_pointer(&p);
	return 0;
}

/*
 * Opens the pod with this full UUID wherever it is. A pod moving while we
 * look may vanish from one folder before we reach the next, so a miss is
 * retried a few times.
 */
static int pod_open_uuid(const char *dir, const char *uuid, struct pod **out,
			 struct error **err)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		for (int s = POD_STATE_COUNT - 1; s >= 0; s--) {
			if (pod_open_in(dir, uuid, s, out) == 0)
				return 0;
			if (errno != ENOENT)
				return error_set_errno(err, "open pod %s/%s",
						       pod_state_dir(s), uuid);
		}
	}
	return error_set(err, ENOENT, "no pod %s", uuid);
}

/* Calls fn for every UUID-named entry of every state folder. */
static int pod_scan(const char *dir,
		    int (*fn)(const char *uuid, enum pod_state s, void *arg),
		    void *arg, struct error **err)
{
	for (int s = 0; s < POD_STATE_COUNT; s++) {
		cleanup_free char *path = pod_state_path(dir, s, NULL);
		DIR *d;
		struct dirent *e;
		int r = 0;

		if (!path)
			return error_set(err, ENOMEM, "out of memory");
		d = opendir(path);
		if (!d) {
			if (errno == ENOENT)
				continue;
			return error_set_errno(err, "read %s", path);
		}
		while ((e = readdir(d))) {
			if (!pod_uuid_valid(e->d_name))
				continue;
			r = fn(e->d_name, s, arg);
			if (r < 0)
				break;
		}
		closedir(d);
		if (r < 0)
			return error_set(err, ENOMEM, "out of memory");
	}
	return 0;
}

struct pod_match {
	const char *prefix;
	size_t prefix_len;
	char first[POD_UUID_LEN + 1];
	char other[POD_UUID_LEN + 1];
};

static int pod_match_one(const char *uuid, enum pod_state s, void *arg)
{
	struct pod_match *m = arg;

	(void)s;
	if (strncmp(uuid, m->prefix, m->prefix_len))
		return 0;
	if (!m->first[0])
		snprintf(m->first, sizeof(m->first), "%s", uuid);
	else if (strcmp(m->first, uuid) && !m->other[0])
		snprintf(m->other, sizeof(m->other), "%s", uuid);
	return 0;
}

int pod_open(const char *dir, const char *uuid, struct pod **out,
	     struct error **err)
{
	struct pod_match m = {.prefix = uuid, .prefix_len = strlen(uuid)};
	char lower[POD_UUID_LEN + 1];

	if (!m.prefix_len || m.prefix_len > POD_UUID_LEN)
		return error_set(err, EINVAL,
				 "\"%s\" is not a pod UUID or UUID prefix",
				 uuid);
	for (size_t i = 0; i < m.prefix_len; i++) {
		char c = uuid[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		if (!strchr("0123456789abcdef-", c) || !c)
			return error_set(
				err, EINVAL,
				"\"%s\" is not a pod UUID or UUID prefix",
				uuid);
		lower[i] = c;
	}
	lower[m.prefix_len] = '\0';
	m.prefix = lower;
	if (m.prefix_len == POD_UUID_LEN)
		return pod_open_uuid(dir, lower, out, err);
	if (pod_scan(dir, pod_match_one, &m, err) < 0)
		return error_wrap(err, "find pod %s", uuid);
	if (!m.first[0])
		return error_set(err, ENOENT, "no pod matches \"%s\"", uuid);
	if (m.other[0])
		return error_set(err, EINVAL,
				 "ambiguous pod UUID prefix \"%s\" (%s, %s, "
				 "...): give more of it",
				 uuid, m.first, m.other);
	return pod_open_uuid(dir, m.first, out, err);
}

struct pod_collect {
	const char *dir;
	struct pod **pods;
	size_t count, cap;
};

static int pod_collect_one(const char *uuid, enum pod_state s, void *arg)
{
	struct pod_collect *c = arg;
	struct pod *p = NULL;

	if (pod_open_in(c->dir, uuid, s, &p) < 0)
		return errno == ENOMEM ? -1 : 0; /* moved or removed */
	/* Seen before in an earlier state: it moved on; keep the later. */
	for (size_t i = 0; i < c->count; i++) {
		if (!strcmp(c->pods[i]->uuid, uuid)) {
			pod_free(c->pods[i]);
			c->pods[i] = p;
			return 0;
		}
	}
	if (c->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct pod **grown = realloc(c->pods, cap * sizeof(*grown));

		if (!grown) {
			pod_free(p);
			return -1;
		}
		c->pods = grown;
		c->cap = cap;
	}
	c->pods[c->count++] = p;
	return 0;
}

static int pod_cmp_uuid(const void *a, const void *b)
{
	const struct pod *const *pa = a, *const *pb = b;

	return strcmp((*pa)->uuid, (*pb)->uuid);
}

int pod_list(const char *dir, struct pod ***out, size_t *count,
	     struct error **err)
{
	struct pod_collect c = {.dir = dir};

	if (pod_scan(dir, pod_collect_one, &c, err) < 0) {
		pod_list_free(c.pods, c.count);
		return error_wrap(err, "list pods in %s", dir);
	}
	if (c.count)
		qsort(c.pods, c.count, sizeof(*c.pods), pod_cmp_uuid);
	*out = c.pods;
	*count = c.count;
	return 0;
}

void pod_list_free(struct pod **pods, size_t count)
{
	for (size_t i = 0; i < count; i++)
		pod_free(pods[i]);
	free(pods);
}

int pod_refresh(struct pod *p, struct error **err)
{
	struct stat want, st;

	if (fstat(p->dirfd, &want) < 0)
		return error_set_errno(err, "stat pod %s", p->uuid);
	if (stat(p->path, &st) == 0 && st.st_ino == want.st_ino &&
	    st.st_dev == want.st_dev)
		return 0;
	for (int s = 0; s < POD_STATE_COUNT; s++) {
		cleanup_free char *path = pod_state_path(p->dir, s, p->uuid);

		if (!path)
			return error_set(err, ENOMEM, "out of memory");
		if (stat(path, &st) == 0 && st.st_ino == want.st_ino &&
		    st.st_dev == want.st_dev) {
			free(p->path);
			p->path = steal_pointer(&path);
			p->state = s;
			return 0;
		}
	}
	return error_set(err, ENOENT, "pod %s was removed", p->uuid);
}

int pod_lock(struct pod *p, bool wait, struct error **err)
{
	if (p->locked)
		return 0;
	while (flock(p->dirfd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (errno == EINTR && wait)
			continue;
		if (errno == EWOULDBLOCK)
			return error_set(err, EWOULDBLOCK,
					 "pod %s is in use (locked by another "
					 "process)",
					 p->uuid);
		return error_set_errno(err, "lock pod %s", p->uuid);
	}
	p->locked = true;
	/* Whoever held the lock may have moved or removed the pod. */
	if (pod_refresh(p, err) < 0) {
		pod_unlock(p);
		return -1;
	}
	return 0;
}

void pod_unlock(struct pod *p)
{
	if (!p->locked)
		return;
	flock(p->dirfd, LOCK_UN);
	p->locked = false;
}

bool pod_lock_held_elsewhere(struct pod *p)
{
	cleanup_close int fd = -1;

	if (p->locked)
		return false;
	/*
	 * A shared lock on a second open file description conflicts only
	 * with an exclusive holder, and probes never block each other.
	 */
	fd = openat(p->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0)
		return errno == EWOULDBLOCK;
	flock(fd, LOCK_UN);
	return false;
}

int pod_move(struct pod *p, enum pod_state to, struct error **err)
{
	cleanup_free char *dest = NULL;

	if ((unsigned)to >= POD_STATE_COUNT)
		return error_set(err, EINVAL, "move pod %s: bad state %d",
				 p->uuid, (int)to);
	if (!p->locked)
		return error_set(err, EPERM,
				 "move pod %s to %s: the pod is not locked",
				 p->uuid, pod_state_dir(to));
	if (to == p->state)
		return 0;
	dest = pod_state_path(p->dir, to, p->uuid);
	if (!dest)
		return error_set(err, ENOMEM, "out of memory");
	if (pod_make_dirs(p->dir, err) < 0 ||
	    renameat2(AT_FDCWD, p->path, AT_FDCWD, dest, RENAME_NOREPLACE) <
		    0) {
		error_set_errno(err, "rename %s to %s", p->path, dest);
		return error_wrap(err, "move pod %s from %s to %s", p->uuid,
				  pod_state_dir(p->state), pod_state_dir(to));
	}
	free(p->path);
	p->path = steal_pointer(&dest);
	p->state = to;
	/* The time it became garbage, for gc's grace period. */
	if ((to == POD_EXITED_GARBAGE || to == POD_GARBAGE) &&
	    futimens(p->dirfd, NULL) < 0)
		return error_set_errno(err, "mark pod %s as garbage", p->uuid);
	return 0;
}

/* Names inside a pod: relative, no "..", no empty components. */
static int pod_check_name(const char *name, struct error **err)
{
	const char *c = name;

	if (!*name || *name == '/')
		return error_set(err, EINVAL, "bad pod file name \"%s\"", name);
	while (*c) {
		size_t len = strcspn(c, "/");

		if (!len || (len == 1 && c[0] == '.') ||
		    (len == 2 && c[0] == '.' && c[1] == '.'))
			return error_set(err, EINVAL,
					 "bad pod file name \"%s\"", name);
		c += len;
		if (*c)
			c++;
	}
	return 0;
}

static int pod_write(struct pod *p, const char *name, const void *data,
		     size_t len, bool durable, struct error **err)
{
	cleanup_free char *tmp = NULL;
	cleanup_close int fd = -1;
	const char *b = data;
	size_t done = 0;

	if (pod_check_name(name, err) < 0)
		return error_wrap(err, "write pod %s file", p->uuid);
	if (asprintf(&tmp, "%s.tmp%ld", name, (long)getpid()) < 0)
		return error_set(err, ENOMEM, "out of memory");
	fd = openat(p->dirfd, tmp,
		    O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		    0640);
	if (fd < 0)
		return error_set_errno(err, "write %s/%s", p->path, tmp);
	while (done < len) {
		ssize_t n = write(fd, b + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		done += (size_t)n;
	}
	if ((durable && fsync(fd) < 0) ||
	    renameat(p->dirfd, tmp, p->dirfd, name) < 0)
		goto fail;
	return 0;
fail:
	error_set_errno(err, "write %s/%s", p->path, name);
	unlinkat(p->dirfd, tmp, 0);
	return -1;
}

int pod_write_file(struct pod *p, const char *name, const void *data,
		   size_t len, struct error **err)
{
	return pod_write(p, name, data, len, true, err);
}

int pod_write_file_volatile(struct pod *p, const char *name, const void *data,
			    size_t len, struct error **err)
{
	return pod_write(p, name, data, len, false, err);
}

char *pod_read_file(struct pod *p, const char *name, size_t max,
		    size_t *len_out, struct error **err)
{
	cleanup_close int fd = -1;
	cleanup_free char *buf = NULL;
	size_t len = 0;

	if (pod_check_name(name, err) < 0) {
		error_wrap(err, "read pod %s file", p->uuid);
		return NULL;
	}
	fd = openat(p->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	buf = malloc(max + 1);
	if (fd < 0 || !buf) {
		error_set_errno(err, "read %s/%s", p->path, name);
		return NULL;
	}
	/* Read one byte past max to tell "exactly max" from "too big". */
	for (;;) {
		char extra;
		ssize_t n = len < max ? read(fd, buf + len, max - len)
				      : read(fd, &extra, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_set_errno(err, "read %s/%s", p->path, name);
			return NULL;
		}
		if (!n)
			break;
		if (len == max) {
			error_set(err, EFBIG,
				  "read %s/%s: larger than %zu bytes", p->path,
				  name, max);
			return NULL;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return steal_pointer(&buf);
}

int pod_marked_time(struct pod *p, struct timespec *out, struct error **err)
{
	struct stat st;

	if (fstat(p->dirfd, &st) < 0)
		return error_set_errno(err, "stat pod %s", p->uuid);
	*out = st.st_mtim;
	return 0;
}

static long long pod_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int pod_wait_unlocked(struct pod *p, long long timeout_ms, struct error **err)
{
	const struct timespec pause = {.tv_nsec = 20 * 1000 * 1000};
	long long deadline = pod_now_ms() + timeout_ms;

	if (p->locked)
		return error_set(err, EDEADLK,
				 "wait for pod %s: we hold its lock ourselves",
				 p->uuid);
	if (timeout_ms < 0) {
		/* No deadline: block on a shared lock of our own. */
		cleanup_close int fd = openat(
			p->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			return error_set_errno(err, "wait for pod %s", p->uuid);
		while (flock(fd, LOCK_SH) < 0)
			if (errno != EINTR)
				return error_set_errno(err, "wait for pod %s",
						       p->uuid);
		return 0;
	}
	while (pod_lock_held_elsewhere(p)) {
		if (pod_now_ms() >= deadline)
			return error_set(err, ETIMEDOUT,
					 "pod %s is still in use after %lld ms",
					 p->uuid, timeout_ms);
		nanosleep(&pause, NULL);
	}
	return 0;
}

long pod_lock_holder(struct pod *p)
{
	cleanup_fclose FILE *f = fopen("/proc/locks", "re");
	cleanup_free char *line = NULL;
	size_t cap = 0;
	struct stat st;

	if (!f || fstat(p->dirfd, &st) < 0)
		return 0;
	/*
	 * "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF" (proc(5)); the
	 * device is major:minor in hex. Waiters ("1: -> FLOCK ...") do not
	 * parse and are skipped.
	 */
	while (getline(&line, &cap, f) > 0) {
		char kind[16], mode[16], access[16];
		unsigned maj, min;
		unsigned long ino;
		long pid;

		if (sscanf(line, "%*d: %15s %15s %15s %ld %x:%x:%lu", kind,
			   mode, access, &pid, &maj, &min, &ino) != 7)
			continue;
		/* Only the exclusive holder: shared ones are probes. */
		if (!strcmp(kind, "FLOCK") && !strcmp(access, "WRITE") &&
		    ino == st.st_ino && maj == major(st.st_dev) &&
		    min == minor(st.st_dev))
			return pid;
	}
	return 0;
}
