/* SPDX-License-Identifier: MIT */
/* One loaded firewall per test: a private bpffs mount (mkdtemp + mount -t bpf),
 * the program loaded and pinned there by lib/loader, its maps opened by
 * lib/maps, and helpers to write generations and run packets
 * (BPF_PROG_TEST_RUN). Teardown unpins and unmounts even after a failure. */
#ifndef XW_TESTS_BPF_ENV_H
#define XW_TESTS_BPF_ENV_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "compile.h"
#include "maps.h"

struct xw_env {
	char dir[64];           /* the bpffs mount point */
	char pin_root[PATH_MAX];
	int prog_fd;
	bool mounted, pinned, maps_open;
	struct xw_maps m;
	struct xw_side *side;   /* scratch for xw_env_commit() */
};

/* Once per test program: a private mount namespace, so that no mount outlives
 * the process even if it crashes. */
int xw_env_process_init(void);

/* caps NULL: small test capacities. */
int xw_env_setup(struct xw_env *e, const struct xw_caps *caps);
void xw_env_teardown(struct xw_env *e);

/* cmocka fixtures over one process-wide env: *state gets it. */
int xw_env_state_setup(void **state, const struct xw_caps *caps);
int xw_env_test_setup(void **state);    /* small test capacities */
int xw_env_test_teardown(void **state);
#define XW_ENV_TEST(f) cmocka_unit_test_setup_teardown(f, xw_env_test_setup, xw_env_test_teardown)

/* Make a new live generation: side rules (ascending prio), policy, tree slot
 * and tombstones (rids, ntomb of them), written to the inactive side slot, then
 * one flip of xw_active. */
int xw_env_commit(struct xw_env *e, uint32_t policy, uint32_t tree_slot,
		  const struct xw_crule *side, uint32_t nside, const uint32_t *tomb,
		  uint32_t ntomb);

/* Copy a tree image into tree slot `slot` of the mmaps. */
int xw_env_write_tree(struct xw_env *e, uint32_t slot, const struct xw_tree_image *img);
/* Both roots of every tree of slot `slot`: empty leaves. */
void xw_env_empty_tree(struct xw_env *e, uint32_t slot);

int xw_env_set_ifname(struct xw_env *e, uint32_t ifindex, const char *name);
/* The interface name an XW_RF_IIF rule with this rid matches (xw_iifs[rid]). */
int xw_env_set_iif(struct xw_env *e, uint32_t rid, const char *name);

/* Run one frame. ifindex 0: no ingress interface. The kernel refuses frames
 * shorter than an Ethernet header (-EINVAL; with XDP metadata in front too,
 * and bpf_xdp_adjust_head/tail never make one), so the parser's check for them
 * cannot be run from here. */
int xw_env_run(struct xw_env *e, const void *pkt, uint32_t len, uint32_t ifindex,
	       uint32_t *retval);
/* Run it `repeat` times; *ns is the kernel's average per run. */
int xw_env_run_repeat(struct xw_env *e, const void *pkt, uint32_t len, uint32_t repeat,
		      uint32_t *retval, uint32_t *ns);

/* Summed over CPUs. */
int xw_env_stats(struct xw_env *e, struct xw_counter out[XW_STAT_MAX]);
int xw_env_rule_counter(struct xw_env *e, uint32_t rid, struct xw_counter *out);
/* Counters of rids [0, n), packets only. */
int xw_env_rule_packets(struct xw_env *e, uint32_t n, uint64_t *out);
int xw_env_clear_counters(struct xw_env *e, uint32_t nrids);

#endif
