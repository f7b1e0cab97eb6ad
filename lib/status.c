// SPDX-License-Identifier: MIT
/* The data behind `fwctl status`, read from the kernel: which interfaces run
 * the pinned program (and how), and which process holds the agent lock. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <xdp/libxdp.h>

#include "status.h"
#include <xdpwall/xdpwall.h>

const char *xw_xdp_mode_name(enum xw_xdp_mode mode)
{
	switch (mode) {
	case XW_XDP_NATIVE:
		return "native";
	case XW_XDP_GENERIC:
		return "generic";
	case XW_XDP_OFFLOAD:
		return "offload";
	case XW_XDP_NONE:
		break;
	}
	return "none";
}

int xw_prog_pin_id(const char *pin_root, uint32_t *id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd, ret;

	if (snprintf(path, sizeof(path), "%s/%s", pin_root, XW_PROG_PIN) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	ret = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (ret)
		ret = -errno;
	else
		*id = info.id;
	close(fd);
	return ret;
}

static enum xw_xdp_mode mode_of(enum xdp_attach_mode m)
{
	switch (m) {
	case XDP_MODE_NATIVE:
		return XW_XDP_NATIVE;
	case XDP_MODE_SKB:
		return XW_XDP_GENERIC;
	case XDP_MODE_HW:
		return XW_XDP_OFFLOAD;
	default:
		return XW_XDP_NONE;
	}
}

/* Is prog_id one of the programs of libxdp's dispatcher on ifindex? */
static bool in_dispatcher(int ifindex, uint32_t prog_id, enum xw_xdp_mode *mode)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	bool found = false;

	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (libxdp_get_error(mp) || !mp)
		return false;
	if (!xdp_multiprog__is_legacy(mp)) {
		for (p = xdp_multiprog__next_prog(NULL, mp); p;
		     p = xdp_multiprog__next_prog(p, mp)) {
			if (xdp_program__id(p) == prog_id) {
				found = true;
				*mode = mode_of(xdp_multiprog__attach_mode(mp));
				break;
			}
		}
	}
	xdp_multiprog__close(mp);
	return found;
}

int xw_iface_find_prog(int ifindex, uint32_t prog_id, struct xw_iface_status *out)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct {
		uint32_t id;
		enum xw_xdp_mode mode;
	} slots[3];
	int i;

	memset(out, 0, sizeof(*out));
	out->ifindex = ifindex;
	if (bpf_xdp_query(ifindex, 0, &q))
		return errno == EINVAL || errno == ENODEV ? -ENODEV : -errno;
	slots[0].id = q.drv_prog_id;
	slots[0].mode = XW_XDP_NATIVE;
	slots[1].id = q.skb_prog_id;
	slots[1].mode = XW_XDP_GENERIC;
	slots[2].id = q.hw_prog_id;
	slots[2].mode = XW_XDP_OFFLOAD;
	for (i = 0; i < 3; i++) {
		if (!slots[i].id)
			continue;
		if (!out->attached_id)
			out->attached_id = slots[i].id;
		if (prog_id && slots[i].id == prog_id) {
			out->attached_id = slots[i].id;
			out->mode = slots[i].mode;
			out->prog_id = prog_id;
			return 1;
		}
	}
	if (!out->attached_id) {
		char name[IF_NAMESIZE];

		/* bpf_xdp_query filters a link dump: a missing ifindex is no error there. */
		if (!if_indextoname(ifindex, name) && (errno == ENXIO || errno == ENODEV))
			return -ENODEV;
		return 0;
	}
	if (!prog_id)
		return 0;
	if (in_dispatcher(ifindex, prog_id, &out->mode)) {
		out->prog_id = prog_id;
		out->dispatcher = true;
		return 1;
	}
	return 0;
}

/* The pid holding an flock on (dev, ino), from /proc/locks. */
static int lock_holder(dev_t dev, ino_t ino, pid_t *pid)
{
	char line[256];
	FILE *f;
	int ret = -ESRCH;

	f = fopen("/proc/locks", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char type[16], mode[16], rw[16];
		unsigned int maj, min;
		unsigned long long i;
		int p;

		/* "1: FLOCK  ADVISORY  WRITE 5656 fe:00:10953184 0 EOF"; waiters
		 * show "1: -> FLOCK ..." and do not hold the lock. */
		if (sscanf(line, "%*d: %15s %15s %15s %d %x:%x:%llu", type, mode, rw, &p, &maj,
			   &min, &i) != 7)
			continue;
		if (strcmp(type, "FLOCK") || strcmp(rw, "WRITE"))
			continue;
		if (makedev(maj, min) == dev && i == (unsigned long long)ino) {
			*pid = p;
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

static int pidfile_pid(const struct xw_paths *paths, pid_t *pid)
{
	char path[PATH_MAX], buf[32], *end;
	ssize_t n;
	long v;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", paths->run_dir, XW_AGENT_PIDFILE) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ESRCH;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n') || v <= 0)
		return -ESRCH;
	if (kill(v, 0) && errno != EPERM)
		return -ESRCH;
	*pid = v;
	return 0;
}

int xw_agent_pid(const struct xw_paths *paths, pid_t *pid)
{
	struct stat st;
	int ret;

	if (stat(paths->pin_root, &st))
		return -ESRCH;
	ret = lock_holder(st.st_dev, st.st_ino, pid);
	if (ret == -ESRCH || ret == 0)
		return ret;
	/* No /proc/locks (no procfs?): trust a pid file whose process exists. */
	return pidfile_pid(paths, pid);
}

static int by_ifindex(const void *a, const void *b)
{
	const struct xw_iface_status *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

int xw_status_collect(const struct xw_paths *paths, struct xw_status *st)
{
	struct if_nameindex *ifs, *it;
	size_t n = 0;
	int ret;

	memset(st, 0, sizeof(*st));
	if (!xw_agent_pid(paths, &st->agent_pid))
		st->agent_running = true;
	ret = xw_prog_pin_id(paths->pin_root, &st->prog_id);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	st->loaded = true;

	ifs = if_nameindex();
	if (!ifs)
		return -errno;
	for (it = ifs; it->if_index; it++)
		n++;
	st->ifaces = calloc(n ? n : 1, sizeof(*st->ifaces));
	if (!st->ifaces) {
		ret = -ENOMEM;
		goto out_free_ifs;
	}
	for (it = ifs; it->if_index; it++) {
		struct xw_iface_status *s = &st->ifaces[st->n_ifaces];

		/* An interface that vanished meanwhile is simply not listed. */
		if (xw_iface_find_prog(it->if_index, st->prog_id, s) != 1)
			continue;
		snprintf(s->name, sizeof(s->name), "%s", it->if_name);
		st->n_ifaces++;
	}
	qsort(st->ifaces, st->n_ifaces, sizeof(*st->ifaces), by_ifindex);
	ret = 0;
out_free_ifs:
	if_freenameindex(ifs);
	return ret;
}

void xw_status_free(struct xw_status *st)
{
	free(st->ifaces);
	st->ifaces = NULL;
	st->n_ifaces = 0;
}
