// SPDX-License-Identifier: MIT
/* The agent lock and pid file. The lock is an flock on the pin root directory
 * itself: it dies with the process (kill -9 included), and `fwctl status`
 * finds the holder in /proc/locks. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "instance.h"
#include "log.h"
#include "status.h"

int xw_instance_lock(const struct xw_paths *paths)
{
	pid_t pid;
	int fd, ret;

	fd = open(paths->pin_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return xw_err_r(-errno, "cannot open %s: %s", paths->pin_root, strerror(errno));
	if (!flock(fd, LOCK_EX | LOCK_NB))
		return fd;
	ret = -errno;
	close(fd);
	if (ret != -EWOULDBLOCK)
		return xw_err_r(ret, "cannot lock %s: %s", paths->pin_root, strerror(-ret));
	if (!xw_agent_pid(paths, &pid))
		return xw_err_r(-EBUSY, "another xdpwalld (pid %d) is running on %s", (int)pid,
				paths->pin_root);
	return xw_err_r(-EBUSY, "another xdpwalld is running on %s (it holds the lock)",
			paths->pin_root);
}

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static int pidfile_path(const struct xw_paths *paths, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s/%s", paths->run_dir, XW_AGENT_PIDFILE) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int xw_pidfile_write(const struct xw_paths *paths)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;
	int ret;

	ret = mkdir_p(paths->run_dir);
	if (ret)
		return xw_err_r(ret, "cannot create %s: %s", paths->run_dir, strerror(-ret));
	ret = pidfile_path(paths, path, sizeof(path));
	if (ret)
		return xw_err_r(ret, "pid file path too long under %s", paths->run_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f)
		return xw_err_r(-errno, "cannot write %s: %s", tmp, strerror(errno));
	fprintf(f, "%d\n", (int)getpid());
	if (fclose(f)) {
		ret = -errno;
		unlink(tmp);
		return xw_err_r(ret, "cannot write %s: %s", tmp, strerror(-ret));
	}
	if (rename(tmp, path)) {
		ret = -errno;
		unlink(tmp);
		return xw_err_r(ret, "cannot write %s: %s", path, strerror(-ret));
	}
	return 0;
}

void xw_pidfile_remove(const struct xw_paths *paths)
{
	char path[PATH_MAX], buf[32];
	ssize_t n;
	int fd;

	if (pidfile_path(paths, path, sizeof(path)))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	if (atoi(buf) == (int)getpid())
		unlink(path);
}
