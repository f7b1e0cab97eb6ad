// SPDX-License-Identifier: MIT
/* Loading the XDP program from the embedded object (bpftool skeleton), writing
 * the first, empty generation, and pinning maps and program. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "xdpwall.skel.h"

/* Every pin this project makes, in pinning order. */
static const char *const xw_pin_names[] = {
	XW_MAP_ACTIVE, XW_MAP_SIDE,  XW_MAP_NODES,   XW_MAP_LEAVES, XW_MAP_RULES,
	XW_MAP_COUNTERS, XW_MAP_STATS, XW_MAP_IFNAMES, XW_MAP_META,   XW_MAP_IIFS,
	XW_PROG_PIN,
};
#define XW_NPINS (sizeof(xw_pin_names) / sizeof(xw_pin_names[0]))

static int xw_pin_path(char *buf, size_t len, const char *root, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", root, name);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

static int xw_is_bpffs(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return -errno;
	return st.f_type == BPF_FS_MAGIC;
}

int xw_bpffs_ensure(const char *pin_root)
{
	char parent[PATH_MAX];
	char *slash;
	int err;

	if (strlen(pin_root) >= sizeof(parent)) {
		fprintf(stderr, "xdpwall: pin root too long: %s\n", pin_root);
		return -ENAMETOOLONG;
	}
	/* already on a bpffs (maybe a mount of its own): never mount over its
	 * parent, that would hide it */
	if (xw_is_bpffs(pin_root) == 1)
		return 0;
	strcpy(parent, pin_root);
	while ((slash = strrchr(parent, '/')) && slash[1] == '\0' && slash != parent)
		*slash = '\0'; /* trailing slashes */
	slash = strrchr(parent, '/');
	if (!slash) {
		strcpy(parent, ".");
	} else if (slash == parent) {
		parent[1] = '\0';
	} else {
		*slash = '\0';
	}

	err = xw_is_bpffs(parent);
	if (err == -ENOENT) {
		if (mkdir(parent, 0700) && errno != EEXIST) {
			err = -errno;
			fprintf(stderr, "xdpwall: mkdir %s: %s\n", parent, strerror(-err));
			return err;
		}
		err = 0;
	}
	if (err < 0) {
		fprintf(stderr, "xdpwall: statfs %s: %s\n", parent, strerror(-err));
		return err;
	}
	if (!err && mount("bpf", parent, "bpf", 0, "mode=0700")) {
		err = -errno;
		fprintf(stderr, "xdpwall: mount -t bpf bpf %s: %s\n", parent, strerror(-err));
		return err;
	}
	if (mkdir(pin_root, 0700) && errno != EEXIST) {
		err = -errno;
		fprintf(stderr, "xdpwall: mkdir %s: %s\n", pin_root, strerror(-err));
		return err;
	}
	err = xw_is_bpffs(pin_root);
	if (err <= 0) {
		fprintf(stderr, "xdpwall: %s is not on a bpf filesystem\n", pin_root);
		return err < 0 ? err : -ENOTSUP;
	}
	return 0;
}

/* xw_meta, both side slots empty (generation 0, policy accept, tree slot 0)
 * and every root of both tree slots an empty leaf. */
static int xw_write_empty(struct xdpwall_bpf *skel, const struct xw_caps *caps)
{
	struct xw_meta meta = {
		.layout = XW_LAYOUT_VERSION,
		.rule_cap = caps->rule_cap,
		.node_cap = caps->node_cap,
		.leaf_cap = caps->leaf_cap,
	};
	struct xw_node leaf = { .base = 0, .info = XW_NODE_LEAF | 0 };
	struct xw_side *side;
	__u32 k, s, r;
	int fd, err;

	side = calloc(1, sizeof(*side));
	if (!side)
		return -ENOMEM;
	side->policy = XW_ACT_ACCEPT;
	fd = bpf_map__fd(skel->maps.xw_side);
	for (k = 0; k < 2; k++) {
		if (bpf_map_update_elem(fd, &k, side, BPF_ANY)) {
			err = -errno;
			free(side);
			return err;
		}
	}
	free(side);

	fd = bpf_map__fd(skel->maps.xw_nodes);
	for (s = 0; s < 2; s++) {
		for (r = 0; r < 2 * XW_TREES; r++) {
			k = s * caps->node_cap + r;
			if (bpf_map_update_elem(fd, &k, &leaf, BPF_ANY))
				return -errno;
		}
	}

	k = 0;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.xw_active), &k, &k, BPF_ANY))
		return -errno;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.xw_meta), &k, &meta, BPF_ANY))
		return -errno;
	return 0;
}

/* The skeleton's maps in xw_pin_names order (the program is the last name). */
static struct bpf_map *xw_skel_map(struct xdpwall_bpf *skel, size_t i)
{
	struct bpf_map *maps[] = {
		skel->maps.xw_active,   skel->maps.xw_side,  skel->maps.xw_nodes,
		skel->maps.xw_leaves,   skel->maps.xw_rules, skel->maps.xw_counters,
		skel->maps.xw_stats,    skel->maps.xw_ifnames, skel->maps.xw_meta,
		skel->maps.xw_iifs,
	};

	return i < sizeof(maps) / sizeof(maps[0]) ? maps[i] : NULL;
}

static void xw_unpin_first(const char *pin_root, size_t n)
{
	char path[PATH_MAX];

	while (n--) {
		if (!xw_pin_path(path, sizeof(path), pin_root, xw_pin_names[n]))
			unlink(path);
	}
}

int xw_load_and_pin(const char *pin_root, const struct xw_load_opts *opts, int *prog_fd)
{
	struct xw_caps caps = { XW_DEF_RULE_CAP, XW_DEF_NODE_CAP, XW_DEF_LEAF_CAP };
	struct xdpwall_bpf *skel;
	char path[PATH_MAX];
	size_t pinned = 0;
	int err, fd;

	if (opts && opts->caps.rule_cap)
		caps.rule_cap = opts->caps.rule_cap;
	if (opts && opts->caps.node_cap)
		caps.node_cap = opts->caps.node_cap;
	if (opts && opts->caps.leaf_cap)
		caps.leaf_cap = opts->caps.leaf_cap;
	if (caps.node_cap < XW_FIRST_NODE || caps.rule_cap > UINT_MAX / 2 ||
	    caps.node_cap > UINT_MAX / 2 || caps.leaf_cap > UINT_MAX / 2 || !caps.rule_cap ||
	    !caps.leaf_cap) {
		fprintf(stderr, "xdpwall: bad capacities rules %u nodes %u leaves %u\n",
			caps.rule_cap, caps.node_cap, caps.leaf_cap);
		return -EINVAL;
	}

	skel = xdpwall_bpf__open();
	if (!skel) {
		err = -errno;
		fprintf(stderr, "xdpwall: opening the embedded BPF object: %s\n", strerror(-err));
		return err;
	}
	skel->rodata->rule_cap = caps.rule_cap;
	skel->rodata->node_cap = caps.node_cap;
	skel->rodata->leaf_cap = caps.leaf_cap;
	err = bpf_map__set_max_entries(skel->maps.xw_rules, 2 * caps.rule_cap);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.xw_nodes, 2 * caps.node_cap);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.xw_leaves, caps.leaf_cap);
	if (err) {
		fprintf(stderr, "xdpwall: sizing the tree maps: %s\n", strerror(-err));
		goto out_destroy;
	}

	err = xdpwall_bpf__load(skel);
	if (err) {
		fprintf(stderr, "xdpwall: loading the XDP program: %s\n", strerror(-err));
		goto out_destroy;
	}
	err = xw_write_empty(skel, &caps);
	if (err) {
		fprintf(stderr, "xdpwall: writing the empty generation: %s\n", strerror(-err));
		goto out_destroy;
	}

	for (pinned = 0; pinned < XW_NPINS; pinned++) {
		struct bpf_map *map = xw_skel_map(skel, pinned);

		err = xw_pin_path(path, sizeof(path), pin_root, xw_pin_names[pinned]);
		if (err)
			goto out_unpin;
		if (map)
			err = bpf_map__pin(map, path);
		else
			err = bpf_program__pin(skel->progs.xdpwall_main, path);
		if (err) {
			fprintf(stderr, "xdpwall: pinning %s: %s\n", path, strerror(-err));
			goto out_unpin;
		}
	}

	fd = dup(bpf_program__fd(skel->progs.xdpwall_main));
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "xdpwall: dup of the program fd: %s\n", strerror(-err));
		goto out_unpin;
	}
	*prog_fd = fd;
	xdpwall_bpf__destroy(skel);
	return 0;

out_unpin:
	/* Only what this call pinned: a pin that was already there (EEXIST) is
	 * someone else's. */
	xw_unpin_first(pin_root, pinned);
out_destroy:
	xdpwall_bpf__destroy(skel);
	return err;
}

int xw_pins_open_prog(const char *pin_root, int *prog_fd)
{
	struct xw_meta meta;
	char path[PATH_MAX];
	int fd, mfd, err;
	__u32 k = 0;

	err = xw_pin_path(path, sizeof(path), pin_root, XW_MAP_META);
	if (err)
		return err;
	mfd = bpf_obj_get(path);
	if (mfd < 0)
		return -errno;
	err = bpf_map_lookup_elem(mfd, &k, &meta) ? -errno : 0;
	close(mfd);
	if (err)
		return err;
	if (meta.layout != XW_LAYOUT_VERSION)
		return -EPROTO;

	err = xw_pin_path(path, sizeof(path), pin_root, XW_PROG_PIN);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	*prog_fd = fd;
	return 0;
}

int xw_pins_remove(const char *pin_root)
{
	char path[PATH_MAX];
	int err = 0;
	size_t i;

	for (i = 0; i < XW_NPINS; i++) {
		int e = xw_pin_path(path, sizeof(path), pin_root, xw_pin_names[i]);

		if (!e && unlink(path) && errno != ENOENT)
			e = -errno;
		if (e && !err)
			err = e;
	}
	if (rmdir(pin_root) && errno != ENOENT && !err)
		err = -errno;
	return err;
}
