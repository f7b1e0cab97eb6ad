// SPDX-License-Identifier: MIT
/* Opening the pinned maps of one firewall; the three tree arrays mmap'ed. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "maps.h"

struct xw_map_spec {
	const char *name;
	size_t off;         /* of the fd in struct xw_maps */
	__u32 value_size;
};

#define XW_SPEC(n, field, vs) { n, offsetof(struct xw_maps, field), vs }
static const struct xw_map_spec xw_specs[] = {
	XW_SPEC(XW_MAP_ACTIVE, active, sizeof(__u32)),
	XW_SPEC(XW_MAP_SIDE, side, sizeof(struct xw_side)),
	XW_SPEC(XW_MAP_NODES, nodes, sizeof(struct xw_node)),
	XW_SPEC(XW_MAP_LEAVES, leaves, 2 * sizeof(__u32)), /* pairs: see bpf/maps.h */
	XW_SPEC(XW_MAP_RULES, rules, sizeof(struct xw_crule)),
	XW_SPEC(XW_MAP_COUNTERS, counters, sizeof(struct xw_counter)),
	XW_SPEC(XW_MAP_STATS, stats, sizeof(struct xw_counter)),
	XW_SPEC(XW_MAP_IFNAMES, ifnames, sizeof(struct xw_ifname)),
	XW_SPEC(XW_MAP_META, meta, sizeof(struct xw_meta)),
	XW_SPEC(XW_MAP_IIFS, iifs, sizeof(struct xw_ifname)),
};
#define XW_NSPECS (sizeof(xw_specs) / sizeof(xw_specs[0]))

static int *xw_fd_at(struct xw_maps *m, size_t i)
{
	return (int *)((char *)m + xw_specs[i].off);
}

/* A pinned map with the value size this build expects; -EPROTO if not. */
static int xw_map_check(int fd, __u32 value_size, __u32 *max_entries)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.value_size != value_size)
		return -EPROTO;
	*max_entries = info.max_entries;
	return 0;
}

static int xw_mmap(int fd, size_t len, void **out)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

int xw_maps_open(struct xw_maps *m, const char *pin_root)
{
	__u32 max[XW_NSPECS], k = 0;
	char path[PATH_MAX];
	void *p = NULL;
	size_t i;
	int err;

	memset(m, 0, sizeof(*m));
	for (i = 0; i < XW_NSPECS; i++)
		*xw_fd_at(m, i) = -1;

	for (i = 0; i < XW_NSPECS; i++) {
		int n = snprintf(path, sizeof(path), "%s/%s", pin_root, xw_specs[i].name);
		int fd;

		if (n < 0 || (size_t)n >= sizeof(path)) {
			err = -ENAMETOOLONG;
			goto out_close;
		}
		fd = bpf_obj_get(path);
		if (fd < 0) {
			err = -errno;
			/* some pins there, not this one: pins of another layout */
			if (err == -ENOENT && i > 0)
				err = -EPROTO;
			goto out_close;
		}
		*xw_fd_at(m, i) = fd;
		err = xw_map_check(fd, xw_specs[i].value_size, &max[i]);
		if (err)
			goto out_close;
	}

	if (bpf_map_lookup_elem(m->meta, &k, &m->caps)) {
		err = -errno;
		goto out_close;
	}
	if (m->caps.layout != XW_LAYOUT_VERSION || max[2] != 2ull * m->caps.node_cap ||
	    max[3] != m->caps.leaf_cap || max[4] != 2ull * m->caps.rule_cap) {
		err = -EPROTO;
		goto out_close;
	}

	m->ncpus = libbpf_num_possible_cpus();
	if (m->ncpus < 0) {
		err = m->ncpus;
		goto out_close;
	}

	m->nodes_len = 2 * (size_t)m->caps.node_cap * sizeof(struct xw_node);
	m->leaves_len = 2 * (size_t)m->caps.leaf_cap * sizeof(__u32);
	m->rules_len = 2 * (size_t)m->caps.rule_cap * sizeof(struct xw_crule);
	err = xw_mmap(m->nodes, m->nodes_len, &p);
	if (err)
		goto out_close;
	m->nodes_mm = p;
	err = xw_mmap(m->leaves, m->leaves_len, &p);
	if (err)
		goto out_unmap_nodes;
	m->leaves_mm = p;
	err = xw_mmap(m->rules, m->rules_len, &p);
	if (err)
		goto out_unmap_leaves;
	m->rules_mm = p;
	return 0;

out_unmap_leaves:
	munmap(m->leaves_mm, m->leaves_len);
out_unmap_nodes:
	munmap(m->nodes_mm, m->nodes_len);
out_close:
	for (i = 0; i < XW_NSPECS; i++) {
		if (*xw_fd_at(m, i) >= 0)
			close(*xw_fd_at(m, i));
	}
	memset(m, 0, sizeof(*m));
	for (i = 0; i < XW_NSPECS; i++)
		*xw_fd_at(m, i) = -1;
	return err;
}

void xw_maps_close(struct xw_maps *m)
{
	size_t i;

	if (m->rules_mm)
		munmap(m->rules_mm, m->rules_len);
	if (m->leaves_mm)
		munmap(m->leaves_mm, m->leaves_len);
	if (m->nodes_mm)
		munmap(m->nodes_mm, m->nodes_len);
	for (i = 0; i < XW_NSPECS; i++) {
		if (*xw_fd_at(m, i) >= 0)
			close(*xw_fd_at(m, i));
	}
	memset(m, 0, sizeof(*m));
	for (i = 0; i < XW_NSPECS; i++)
		*xw_fd_at(m, i) = -1;
}
