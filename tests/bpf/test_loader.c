// SPDX-License-Identifier: MIT
/*
 * lib/loader and lib/maps against a private bpffs: what a load pins and writes,
 * that a failed load leaves nothing behind and touches no one else's pins,
 * xw_maps_open()'s -ENOENT and -EPROTO, the mmaps, xw_bpffs_ensure() mounting
 * bpffs where there is none, and xw_pins_remove().
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <bpf/bpf.h>

#include "bpf/env.h"
#include "loader.h"
#include "maps.h"

static const char *const pins[] = {
	XW_MAP_ACTIVE, XW_MAP_SIDE,  XW_MAP_NODES,   XW_MAP_LEAVES, XW_MAP_RULES,
	XW_MAP_COUNTERS, XW_MAP_STATS, XW_MAP_IFNAMES, XW_MAP_META,   XW_PROG_PIN,
};
#define NPINS (sizeof(pins) / sizeof(pins[0]))

static int npinned(const char *root)
{
	char path[2 * PATH_MAX];
	int n = 0;

	for (size_t i = 0; i < NPINS; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, pins[i]);
		n += access(path, F_OK) == 0;
	}
	return n;
}

static int setup(void **state)
{
	struct xw_caps caps = { 1000, 100, 3001 };

	return xw_env_state_setup(state, &caps);
}

/* What a load leaves: every pin, xw_meta, an empty live generation. */
static void test_load_contents(void **state)
{
	struct xw_env *e = *state;
	struct bpf_map_info info;
	__u32 len = sizeof(info), k = 0, active = 9;
	struct xw_side *side = calloc(1, sizeof(*side));
	int fd;

	assert_non_null(side);
	assert_int_equal(npinned(e->pin_root), NPINS);
	assert_int_equal(e->m.caps.layout, XW_LAYOUT_VERSION);
	assert_int_equal(e->m.caps.rule_cap, 1000);
	assert_int_equal(e->m.caps.node_cap, 100);
	assert_int_equal(e->m.caps.leaf_cap, 3001);
	memset(&info, 0, sizeof(info));
	assert_int_equal(bpf_obj_get_info_by_fd(e->m.nodes, &info, &len), 0);
	assert_int_equal(info.max_entries, 200);
	assert_true(info.map_flags & BPF_F_MMAPABLE);
	len = sizeof(info);
	assert_int_equal(bpf_obj_get_info_by_fd(e->m.leaves, &info, &len), 0);
	assert_int_equal(info.max_entries, 3001); /* pairs: 6002 u32 entries */
	len = sizeof(info);
	assert_int_equal(bpf_obj_get_info_by_fd(e->m.rules, &info, &len), 0);
	assert_int_equal(info.max_entries, 2000);
	assert_true(e->m.ncpus >= 1);

	assert_int_equal(bpf_map_lookup_elem(e->m.active, &k, &active), 0);
	assert_int_equal(active, 0);
	for (k = 0; k < 2; k++) {
		assert_int_equal(bpf_map_lookup_elem(e->m.side, &k, side), 0);
		assert_int_equal(side->generation, 0);
		assert_int_equal(side->policy, XW_ACT_ACCEPT);
		assert_int_equal(side->tree_slot, 0);
		assert_int_equal(side->nside, 0);
		for (__u32 r = 0; r < 2 * XW_TREES; r++) {
			const struct xw_node *n = &e->m.nodes_mm[k * 100 + r];

			assert_int_equal(n->info, XW_NODE_LEAF);
			assert_int_equal(n->base, 0);
		}
	}
	free(side);

	/* the mmaps are the maps: a leaf entry written through the mmap is the
	 * u32 the program reads (two per element) */
	e->m.leaves_mm[2 * 3001 - 1] = 0xabcdef;
	{
		__u32 pair[2], kk = 3000;

		assert_int_equal(bpf_map_lookup_elem(e->m.leaves, &kk, pair), 0);
		assert_int_equal(pair[1], 0xabcdef);
	}
	e->m.rules_mm[1999].prio = 77;
	{
		struct xw_crule c;
		__u32 kk = 1999;

		assert_int_equal(bpf_map_lookup_elem(e->m.rules, &kk, &c), 0);
		assert_int_equal(c.prio, 77);
	}

	assert_int_equal(xw_pins_open_prog(e->pin_root, &fd), 0);
	assert_true(fd >= 0);
	close(fd);
}

/* Loading over existing pins fails with -EEXIST and leaves them alone. */
static void test_load_twice(void **state)
{
	struct xw_env *e = *state;
	int fd = -1;

	assert_int_equal(xw_load_and_pin(e->pin_root, NULL, &fd), -EEXIST);
	assert_int_equal(fd, -1);
	assert_int_equal(npinned(e->pin_root), NPINS);
}

/* A failed load (bad capacities, or pins in the way half-way through) leaves
 * no pin of its own. */
static void test_load_failure_unpins(void **state)
{
	struct xw_env *e = *state;
	struct xw_load_opts bad = { .caps = { 10, 1, 10 } };
	char root[128], path[256];
	int fd = -1, blocker;

	snprintf(root, sizeof(root), "%s/other", e->dir);
	assert_int_equal(mkdir(root, 0700), 0);
	assert_int_equal(xw_load_and_pin(root, &bad, &fd), -EINVAL);
	assert_int_equal(npinned(root), 0);

	/* someone else's pin named like our xw_rules: the load pins the maps
	 * before it, fails on it, removes its own and keeps the other */
	snprintf(path, sizeof(path), "%s/%s", root, XW_MAP_RULES);
	blocker = bpf_map_create(BPF_MAP_TYPE_ARRAY, "blocker", 4, 4, 1, NULL);
	assert_true(blocker >= 0);
	assert_int_equal(bpf_obj_pin(blocker, path), 0);
	close(blocker);
	assert_int_equal(xw_load_and_pin(root, NULL, &fd), -EEXIST);
	assert_int_equal(npinned(root), 1);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(unlink(path), 0);

	assert_int_equal(xw_pins_remove(root), 0);
	assert_int_equal(access(root, F_OK), -1);
	assert_int_equal(xw_pins_remove(root), 0); /* nothing there: fine */
}

/* xw_maps_open(): -ENOENT without pins, -EPROTO for another layout. */
static void test_maps_open_errors(void **state)
{
	struct xw_env *e = *state;
	struct xw_meta meta = e->m.caps;
	struct xw_maps m;
	char root[128];
	__u32 k = 0;
	int fd;

	snprintf(root, sizeof(root), "%s/nothing", e->dir);
	assert_int_equal(xw_maps_open(&m, root), -ENOENT);
	assert_int_equal(xw_pins_open_prog(root, &fd), -ENOENT);

	meta.layout = XW_LAYOUT_VERSION + 1;
	assert_int_equal(bpf_map_update_elem(e->m.meta, &k, &meta, BPF_ANY), 0);
	assert_int_equal(xw_maps_open(&m, e->pin_root), -EPROTO);
	assert_int_equal(xw_pins_open_prog(e->pin_root, &fd), -EPROTO);
	meta.layout = XW_LAYOUT_VERSION;
	meta.node_cap++; /* capacities that disagree with the map sizes */
	assert_int_equal(bpf_map_update_elem(e->m.meta, &k, &meta, BPF_ANY), 0);
	assert_int_equal(xw_maps_open(&m, e->pin_root), -EPROTO);
	meta.node_cap--;
	assert_int_equal(bpf_map_update_elem(e->m.meta, &k, &meta, BPF_ANY), 0);
	assert_int_equal(xw_maps_open(&m, e->pin_root), 0);
	xw_maps_close(&m);
}

/* xw_bpffs_ensure(): the pin root's parent is a plain directory: bpffs gets
 * mounted there. */
static void test_bpffs_ensure_mounts(void **state)
{
	char dir[] = "/tmp/xw-ensure-XXXXXX", root[64];
	struct statfs st;
	int err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(root, sizeof(root), "%s/xdpwall", dir);
	err = xw_bpffs_ensure(root);
	if (!err) {
		assert_int_equal(statfs(dir, &st), 0);
		assert_true(st.f_type == BPF_FS_MAGIC);
		assert_int_equal(statfs(root, &st), 0);
		assert_true(st.f_type == BPF_FS_MAGIC);
		assert_int_equal(xw_bpffs_ensure(root), 0); /* again: nothing to do */
		rmdir(root);
		umount2(dir, MNT_DETACH);
	}
	rmdir(dir);
	assert_int_equal(err, 0);
}

/* A pin root that is a bpffs mount of its own: nothing is mounted over its
 * parent (which would hide it). */
static void test_bpffs_ensure_own_mount(void **state)
{
	char dir[] = "/tmp/xw-ensure-XXXXXX", root[64];
	struct statfs st;
	int err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(root, sizeof(root), "%s/xdpwall", dir);
	assert_int_equal(mkdir(root, 0700), 0);
	assert_int_equal(mount("bpf", root, "bpf", 0, "mode=0700"), 0);
	err = xw_bpffs_ensure(root);
	assert_int_equal(statfs(dir, &st), 0);
	umount2(root, MNT_DETACH);
	rmdir(root);
	rmdir(dir);
	assert_int_equal(err, 0);
	assert_true(st.f_type != BPF_FS_MAGIC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_contents, setup, xw_env_test_teardown),
		cmocka_unit_test_setup_teardown(test_load_twice, setup, xw_env_test_teardown),
		cmocka_unit_test_setup_teardown(test_load_failure_unpins, setup, xw_env_test_teardown),
		cmocka_unit_test_setup_teardown(test_maps_open_errors, setup, xw_env_test_teardown),
		cmocka_unit_test(test_bpffs_ensure_mounts),
		cmocka_unit_test(test_bpffs_ensure_own_mount),
	};

	if (xw_env_process_init()) {
		fprintf(stderr, "test_loader: needs root (a private mount namespace)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
