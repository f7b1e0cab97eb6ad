// SPDX-License-Identifier: MIT
/* One loaded firewall per test (see env.h). */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "env.h"
#include "loader.h"

#define PKT_MAX_IN 4096

/* The mount point of the env being set up or used, for the signal handler:
 * the mount dies with the private namespace, the directory would not. */
static char xw_env_live_dir[64];

static void xw_env_on_signal(int sig)
{
	if (xw_env_live_dir[0]) {
		umount2(xw_env_live_dir, MNT_DETACH);
		rmdir(xw_env_live_dir);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

int xw_env_process_init(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGABRT, SIGSEGV, SIGBUS };

	if (unshare(CLONE_NEWNS))
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], xw_env_on_signal);
	return 0;
}

int xw_env_setup(struct xw_env *e, const struct xw_caps *caps)
{
	struct xw_load_opts opts = { .caps = { 65536, 262144, 1u << 20 } };
	int err;

	memset(e, 0, sizeof(*e));
	e->prog_fd = -1;
	if (caps)
		opts.caps = *caps;
	strcpy(e->dir, "/tmp/xw-bpftest-XXXXXX");
	if (!mkdtemp(e->dir))
		return -errno;
	memcpy(xw_env_live_dir, e->dir, sizeof(e->dir));
	if (mount("bpf", e->dir, "bpf", 0, "mode=0700")) {
		err = -errno;
		rmdir(e->dir);
		return err;
	}
	e->mounted = true;
	snprintf(e->pin_root, sizeof(e->pin_root), "%s/xdpwall", e->dir);
	err = xw_bpffs_ensure(e->pin_root);
	if (err)
		goto out_teardown;
	err = xw_load_and_pin(e->pin_root, &opts, &e->prog_fd);
	if (err)
		goto out_teardown;
	e->pinned = true;
	err = xw_maps_open(&e->m, e->pin_root);
	if (err)
		goto out_teardown;
	e->maps_open = true;
	e->side = calloc(1, sizeof(*e->side));
	if (!e->side) {
		err = -ENOMEM;
		goto out_teardown;
	}
	return 0;

out_teardown:
	xw_env_teardown(e);
	return err;
}

void xw_env_teardown(struct xw_env *e)
{
	free(e->side);
	e->side = NULL;
	if (e->maps_open)
		xw_maps_close(&e->m);
	e->maps_open = false;
	if (e->prog_fd >= 0)
		close(e->prog_fd);
	e->prog_fd = -1;
	if (e->pinned && xw_pins_remove(e->pin_root))
		fprintf(stderr, "xw_env: removing the pins under %s failed\n", e->pin_root);
	e->pinned = false;
	if (e->mounted) {
		if (umount2(e->dir, MNT_DETACH))
			fprintf(stderr, "xw_env: umount %s: %s\n", e->dir, strerror(errno));
		rmdir(e->dir);
		xw_env_live_dir[0] = '\0';
	}
	e->mounted = false;
}

int xw_env_commit(struct xw_env *e, uint32_t policy, uint32_t tree_slot,
		  const struct xw_crule *side, uint32_t nside, const uint32_t *tomb, uint32_t ntomb)
{
	uint32_t k = 0, active, next;

	if (nside > XW_SIDE_MAX)
		return -E2BIG;
	if (bpf_map_lookup_elem(e->m.active, &k, &active))
		return -errno;
	next = (active & 1) ^ 1;
	memset(e->side, 0, sizeof(*e->side));
	e->side->generation = 1;
	e->side->policy = policy;
	e->side->tree_slot = tree_slot;
	e->side->nside = nside;
	if (nside)
		memcpy(e->side->side, side, nside * sizeof(*side));
	for (uint32_t i = 0; i < ntomb; i++) {
		uint32_t rid = tomb[i] & (XW_MAX_RULES - 1);

		e->side->tomb[rid / 64] |= 1ull << (rid % 64);
	}
	e->side->ntomb = ntomb;
	if (bpf_map_update_elem(e->m.side, &next, e->side, BPF_ANY))
		return -errno;
	if (bpf_map_update_elem(e->m.active, &k, &next, BPF_ANY))
		return -errno;
	return 0;
}

int xw_env_write_tree(struct xw_env *e, uint32_t slot, const struct xw_tree_image *img)
{
	const struct xw_meta *c = &e->m.caps;

	if (img->n_nodes > c->node_cap || img->n_leaves > c->leaf_cap || img->n_rules > c->rule_cap)
		return -ENOSPC;
	memcpy(e->m.nodes_mm + (size_t)slot * c->node_cap, img->nodes,
	       img->n_nodes * sizeof(*img->nodes));
	memcpy(e->m.leaves_mm + (size_t)slot * c->leaf_cap, img->leaves,
	       img->n_leaves * sizeof(*img->leaves));
	memcpy(e->m.rules_mm + (size_t)slot * c->rule_cap, img->rules,
	       img->n_rules * sizeof(*img->rules));
	return 0;
}

void xw_env_empty_tree(struct xw_env *e, uint32_t slot)
{
	for (uint32_t r = 0; r < 2 * XW_TREES; r++) {
		struct xw_node *n = &e->m.nodes_mm[(size_t)slot * e->m.caps.node_cap + r];

		n->base = 0;
		n->info = XW_NODE_LEAF;
	}
	for (uint32_t r = 2 * XW_TREES; r < XW_FIRST_NODE; r++) {
		struct xw_node *n = &e->m.nodes_mm[(size_t)slot * e->m.caps.node_cap + r];

		n->base = 0; /* lowest prio unknown: never skip the tree */
		n->info = 0;
	}
}

int xw_env_state_setup(void **state, const struct xw_caps *caps)
{
	static struct xw_env env;

	if (xw_env_setup(&env, caps))
		return -1;
	*state = &env;
	return 0;
}

int xw_env_test_setup(void **state)
{
	return xw_env_state_setup(state, NULL);
}

int xw_env_test_teardown(void **state)
{
	xw_env_teardown(*state);
	return 0;
}

int xw_env_set_iif(struct xw_env *e, uint32_t rid, const char *name)
{
	struct xw_ifname n;

	memset(&n, 0, sizeof(n));
	strncpy(n.name, name, sizeof(n.name) - 1);
	if (bpf_map_update_elem(e->m.iifs, &rid, &n, BPF_ANY))
		return -errno;
	return 0;
}

int xw_env_set_ifname(struct xw_env *e, uint32_t ifindex, const char *name)
{
	struct xw_ifname n;

	memset(&n, 0, sizeof(n));
	strncpy(n.name, name, sizeof(n.name) - 1);
	if (bpf_map_update_elem(e->m.ifnames, &ifindex, &n, BPF_ANY))
		return -errno;
	return 0;
}

static int xw_env_test_run(struct xw_env *e, const void *pkt, uint32_t len, uint32_t ifindex,
			   uint32_t repeat, uint32_t *retval, uint32_t *ns)
{
	struct xdp_md ctx = { .data = 0, .data_end = len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = len,
		    .repeat = repeat);
	uint8_t out[PKT_MAX_IN + 512];

	if (len > PKT_MAX_IN)
		return -E2BIG;
	o.data_out = out;
	o.data_size_out = sizeof(out);
	if (ifindex) {
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
	}
	if (bpf_prog_test_run_opts(e->prog_fd, &o))
		return -errno;
	*retval = o.retval;
	if (ns)
		*ns = o.duration;
	return 0;
}

int xw_env_run(struct xw_env *e, const void *pkt, uint32_t len, uint32_t ifindex,
	       uint32_t *retval)
{
	return xw_env_test_run(e, pkt, len, ifindex, 1, retval, NULL);
}

int xw_env_run_repeat(struct xw_env *e, const void *pkt, uint32_t len, uint32_t repeat,
		      uint32_t *retval, uint32_t *ns)
{
	return xw_env_test_run(e, pkt, len, 0, repeat, retval, ns);
}

static int xw_env_sum(struct xw_env *e, int fd, uint32_t key, struct xw_counter *out)
{
	struct xw_counter v[e->m.ncpus];

	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(fd, &key, v))
		return -errno;
	for (int c = 0; c < e->m.ncpus; c++) {
		out->packets += v[c].packets;
		out->bytes += v[c].bytes;
	}
	return 0;
}

int xw_env_stats(struct xw_env *e, struct xw_counter out[XW_STAT_MAX])
{
	for (uint32_t i = 0; i < XW_STAT_MAX; i++) {
		int err = xw_env_sum(e, e->m.stats, i, &out[i]);

		if (err)
			return err;
	}
	return 0;
}

int xw_env_rule_counter(struct xw_env *e, uint32_t rid, struct xw_counter *out)
{
	return xw_env_sum(e, e->m.counters, rid, out);
}

int xw_env_rule_packets(struct xw_env *e, uint32_t n, uint64_t *out)
{
	for (uint32_t i = 0; i < n; i++) {
		struct xw_counter c;
		int err = xw_env_sum(e, e->m.counters, i, &c);

		if (err)
			return err;
		out[i] = c.packets;
	}
	return 0;
}

int xw_env_clear_counters(struct xw_env *e, uint32_t nrids)
{
	struct xw_counter *zero = calloc(e->m.ncpus, sizeof(*zero));

	if (!zero)
		return -ENOMEM;
	for (uint32_t i = 0; i < nrids; i++) {
		if (bpf_map_update_elem(e->m.counters, &i, zero, BPF_ANY)) {
			int err = -errno;

			free(zero);
			return err;
		}
	}
	for (uint32_t i = 0; i < XW_STAT_MAX; i++) {
		if (bpf_map_update_elem(e->m.stats, &i, zero, BPF_ANY)) {
			int err = -errno;

			free(zero);
			return err;
		}
	}
	free(zero);
	return 0;
}
