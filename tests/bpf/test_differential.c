// SPDX-License-Identifier: MIT
/*
 * The differential test: random rulesets (up to 10k rules, overlapping
 * prefixes and port ranges, IPv4 and IPv6, every field, count rules) are
 * compiled with lib/compile.h into a tree image written into the loaded
 * program's maps (a few rules go to the side slot instead, a few tree rules are
 * tombstoned), and random packets, biased to the rules' boundaries, go through
 * the program (BPF_PROG_TEST_RUN) and through xw_ref_classify(). Every packet
 * must get the same verdict, from the same rule (its counter moves) or the
 * policy, with the same xw_stats reason; at the end of each ruleset every
 * rule's packet and byte counters must equal what the reference implies.
 *
 * XW_DIFF_SEED=N picks another seed; XW_DIFF_SCALE=N multiplies the packets.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "bpf/env.h"
#include "bpf/pkt.h"
#include "ref_classify.h"

#define IFINDEX_LO 1
#define MAX_RULES  10000
#define MAX_CRULES 131072

static uint64_t rng;

static uint32_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static uint32_t pick(uint32_t n)
{
	return rnd() % n;
}

static bool chance(unsigned percent)
{
	return pick(100) < percent;
}

/* ---- the shapes rules and packets are drawn from, few so they overlap ---- */

static const char *const ifnames[] = { "eth0", "eth1", "wan", "lan0", "lo" };
static const uint16_t vlans[] = { 0, 1, 100, 101, 4095 };
static const uint8_t protos[] = { 6, 17, 6, 17, 1, 58, 47, 50, 132 };
static const uint16_t port_marks[] = { 0, 1, 22, 53, 79, 80, 81, 443, 1023, 1024, 1025,
				       8080, 32767, 32768, 49151, 65534, 65535 };
static const uint8_t icmp_types[] = { 0, 3, 8, 11, 128, 129, 133, 135, 136, 137, 1 };

struct addr_pool {
	uint32_t w[8][4];
};
static struct addr_pool pool4, pool6;

static void make_pools(void)
{
	for (int i = 0; i < 8; i++) {
		pool4.w[i][0] = rnd();
		pool4.w[i][1] = pool4.w[i][2] = pool4.w[i][3] = 0;
		for (int j = 0; j < 4; j++)
			pool6.w[i][j] = rnd();
	}
	/* nested prefixes: make some pool entries share long prefixes */
	pool4.w[1][0] = (pool4.w[0][0] & 0xffff0000u) | (rnd() & 0xffff);
	pool4.w[2][0] = (pool4.w[0][0] & 0xffffff00u) | (rnd() & 0xff);
	pool6.w[1][0] = pool6.w[0][0];
	pool6.w[1][1] = pool6.w[0][1];
	pool6.w[2][0] = pool6.w[0][0];
	pool6.w[2][1] = pool6.w[0][1];
	pool6.w[2][2] = pool6.w[0][2];
	pool6.w[2][3] = (pool6.w[0][3] & 0xffffff00u) | (rnd() & 0xff);
}

static uint32_t word_mask(unsigned plen, unsigned word)
{
	int bits = (int)plen - 32 * (int)word;

	if (bits <= 0)
		return 0;
	if (bits >= 32)
		return 0xffffffffu;
	return 0xffffffffu << (32 - bits);
}

static unsigned rand_plen(bool v6)
{
	static const uint8_t l4[] = { 0, 1, 8, 12, 16, 20, 24, 28, 31, 32, 32 };
	static const uint8_t l6[] = { 0, 16, 32, 33, 48, 56, 63, 64, 65, 96, 112, 127, 128, 128 };

	if (chance(20))
		return pick(v6 ? 129 : 33);
	return v6 ? l6[pick(sizeof(l6))] : l4[pick(sizeof(l4))];
}

static void rand_cidr(struct xw_cidr *c, bool v6)
{
	const uint32_t *base = v6 ? pool6.w[pick(8)] : pool4.w[pick(8)];

	memset(c, 0, sizeof(*c));
	c->family = v6 ? 6 : 4;
	c->plen = (uint8_t)rand_plen(v6);
	for (unsigned i = 0; i < 4; i++)
		c->w[i] = base[i] & word_mask(c->plen, i);
}

static uint16_t rand_port(void)
{
	if (chance(70))
		return port_marks[pick(sizeof(port_marks) / sizeof(port_marks[0]))];
	return (uint16_t)rnd();
}

/* 1..3 sorted, disjoint, non-adjacent ranges. */
static void rand_ports(struct xw_portset *s)
{
	uint32_t v[6];
	unsigned n = 1 + pick(3), k = 0;

	for (unsigned i = 0; i < 2 * n; i++)
		v[i] = rand_port();
	/* sort */
	for (unsigned i = 1; i < 2 * n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint32_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; i < n; i++) {
		uint32_t lo = v[2 * i], hi = v[2 * i + 1];

		if (chance(30))
			hi = lo; /* single port */
		if (k && lo <= (uint32_t)s->r[k - 1].hi + 1)
			continue; /* would touch the previous range */
		s->r[k].lo = (uint16_t)lo;
		s->r[k].hi = (uint16_t)hi;
		k++;
	}
	s->n = (uint16_t)k;
}

static void rand_rule(struct xw_rule *r)
{
	unsigned fam = pick(10); /* 0-4: v4, 5-8: v6, 9: both */
	bool v6 = fam >= 5 && fam <= 8;

	memset(r, 0, sizeof(*r));
	r->family = fam == 9 ? 0 : (v6 ? 6 : 4);
	r->action = chance(20) ? XW_ACT_COUNT : (chance(50) ? XW_ACT_ACCEPT : XW_ACT_DROP);
	if (chance(15)) {
		r->fields |= XW_F_IIF;
		strcpy(r->iif, ifnames[pick(4)]);
	}
	if (chance(15)) {
		r->fields |= XW_F_VLAN;
		r->vlan = vlans[pick(sizeof(vlans) / sizeof(vlans[0]))];
	}
	if (r->family && chance(65)) {
		r->fields |= XW_F_SADDR;
		rand_cidr(&r->saddr, v6);
	}
	if (r->family && chance(55)) {
		r->fields |= XW_F_DADDR;
		rand_cidr(&r->daddr, v6);
	}
	if (chance(70)) {
		uint8_t p = protos[pick(sizeof(protos))];

		if (p == 1 || p == 58) {
			if (!r->family)
				p = 6;
			else
				p = v6 ? 58 : 1;
		}
		r->fields |= XW_F_PROTO;
		r->proto = p;
		if (p == 6 || p == 17) {
			if (chance(45)) {
				r->fields |= XW_F_DPORT;
				rand_ports(&r->dport);
			}
			if (chance(25)) {
				r->fields |= XW_F_SPORT;
				rand_ports(&r->sport);
			}
			if (p == 6 && chance(20)) {
				r->fields |= XW_F_TCPFLAGS;
				r->tcp_mask = (uint8_t)rnd() | 0x02;
				r->tcp_flags = (uint8_t)rnd() & r->tcp_mask;
			}
		} else if (p == 1 || p == 58) {
			if (chance(60)) {
				r->fields |= XW_F_ICMPTYPE;
				r->icmp_type = icmp_types[pick(sizeof(icmp_types))];
				if (chance(40)) {
					r->fields |= XW_F_ICMPCODE;
					r->icmp_code = (uint8_t)pick(4);
				}
			}
		}
	}
}

/* ---- packets, biased to a rule's boundaries ---- */

static void near_addr(uint32_t out[4], const struct xw_cidr *c, bool v6, bool have)
{
	const uint32_t *base = v6 ? pool6.w[pick(8)] : pool4.w[pick(8)];
	unsigned plen, how = pick(6);

	if (!have || chance(15)) {
		for (int i = 0; i < 4; i++) {
			uint32_t w = chance(80) ? base[i] : rnd();

			out[i] = v6 || i == 0 ? w : 0;
		}
		return;
	}
	plen = c->plen;
	for (unsigned i = 0; i < (v6 ? 4u : 1u); i++) {
		uint32_t m = word_mask(plen, i), host;

		switch (how) {
		case 0:
			host = 0; /* first address */
			break;
		case 1:
			host = ~0u; /* last address */
			break;
		default:
			host = rnd();
			break;
		}
		out[i] = (c->w[i] & m) | (host & ~m);
	}
	if (!v6)
		out[1] = out[2] = out[3] = 0;
	if (how == 5 && plen > 0) {
		/* just outside: flip the last prefix bit */
		unsigned b = plen - 1;

		out[b / 32] ^= 1u << (31 - b % 32);
	}
}

static uint16_t near_port(const struct xw_portset *s, bool have)
{
	const struct xw_port_range *r;

	if (!have || !s->n || chance(20))
		return rand_port();
	r = &s->r[pick(s->n)];
	switch (pick(5)) {
	case 0:
		return r->lo;
	case 1:
		return r->hi;
	case 2:
		return (uint16_t)(r->lo - 1);
	case 3:
		return (uint16_t)(r->hi + 1);
	default:
		return (uint16_t)(r->lo + pick((uint32_t)r->hi - r->lo + 1));
	}
}

static void rand_packet(const struct xw_rule *r, struct pkt_spec *s, const char **iif)
{
	bool v6 = r->family == 6 || (r->family == 0 && chance(50));

	if (chance(10))
		v6 = !v6;
	memset(s, 0, sizeof(*s));
	s->v6 = v6;
	if (chance(25) || (r->fields & XW_F_VLAN)) {
		s->nvlan = chance(20) ? 2 : 1;
		s->tpid[0] = s->nvlan == 2 ? ETH_QINQ : ETH_DOT1Q;
		s->tci[0] = (uint16_t)(pick(8) << 13 |
				       ((r->fields & XW_F_VLAN) && chance(80) ? r->vlan :
									    vlans[pick(5)]));
		s->tci[1] = (uint16_t)pick(4096);
		if ((r->fields & XW_F_VLAN) && chance(10))
			s->nvlan = 0;
	}
	near_addr(s->saddr, &r->saddr, v6,
		  (r->fields & XW_F_SADDR) && (r->saddr.family == 6) == v6);
	near_addr(s->daddr, &r->daddr, v6,
		  (r->fields & XW_F_DADDR) && (r->daddr.family == 6) == v6);
	s->proto = (r->fields & XW_F_PROTO) && chance(85) ? r->proto : protos[pick(sizeof(protos))];
	if (s->proto == 1 && v6 && chance(80))
		s->proto = 58;
	if (s->proto == 58 && !v6 && chance(80))
		s->proto = 1;
	s->sport = near_port(&r->sport, r->fields & XW_F_SPORT);
	s->dport = near_port(&r->dport, r->fields & XW_F_DPORT);
	s->tcp_flags = (r->fields & XW_F_TCPFLAGS) && chance(50) ?
			       (uint8_t)((r->tcp_flags & r->tcp_mask) | (rnd() & ~r->tcp_mask)) :
			       (uint8_t)rnd();
	s->icmp_type = icmp_types[pick(sizeof(icmp_types))];
	if ((r->fields & XW_F_ICMPTYPE) && chance(70))
		s->icmp_type = r->icmp_type;
	if (chance(10))
		s->icmp_type = (uint8_t)(s->icmp_type + 1);
	s->icmp_code = (r->fields & XW_F_ICMPCODE) && chance(70) ? r->icmp_code : (uint8_t)pick(4);
	s->payload = (uint16_t)pick(64);
	if (!v6) {
		if (chance(10))
			s->ip_opts = (uint8_t)(4 * (1 + pick(10)));
		if (chance(6))
			s->frag_offset = (uint16_t)(1 + pick(100)); /* later fragment: no L4 */
		else if (chance(4))
			s->mf = true;
	} else {
		static const uint8_t ext[] = { 0, 43, 60, 51 };

		if (chance(15)) {
			s->next = (uint8_t)(1 + pick(3));
			for (unsigned i = 0; i < s->next; i++) {
				s->ext[i].type = ext[pick(4)];
				s->ext[i].len = (uint8_t)pick(3);
			}
		}
		if (chance(8)) {
			s->ext[s->next].type = 44;
			s->ext[s->next].offset = chance(60) ? (uint16_t)(1 + pick(100)) : 0;
			s->ext[s->next].mf = chance(50);
			s->next++;
		}
	}
	*iif = (r->fields & XW_F_IIF) && chance(75) ? r->iif : ifnames[pick(5)];
}

/* ---- one ruleset ---- */

struct diff {
	struct xw_env *e;
	struct xw_rule *rules;    /* all generated rules, rid = index, prio = index */
	struct xw_rule *live;     /* the ruleset the reference sees: not tombstoned */
	uint32_t *live_rid;
	uint64_t *want_pk, *want_by; /* per rid, cumulative */
	struct xw_crule *crules;
	unsigned long packets, disagreements, decided, counted;
	bool timing;
	uint32_t ns; /* average ns/packet of the last ruleset, if timing */
};

static void report(struct diff *d, const char *what, unsigned long pkt, const struct pkt_spec *s,
		   const char *iif)
{
	d->disagreements++;
	if (d->disagreements > 10)
		return;
	fprintf(stderr,
		"DISAGREE packet %lu: %s (v6 %d proto %u sport %u dport %u vlan %u/%u frag %u "
		"flags %#x type %u code %u iif %s)\n",
		pkt, what, s->v6, s->proto, s->sport, s->dport, s->nvlan, s->tci[0] & 0xfff,
		s->frag_offset, s->tcp_flags, s->icmp_type, s->icmp_code, iif);
}

/* The xw_stats reason the program must count: the rule's action, else the
 * neighbour-discovery pass, else the policy. */
static int stat_of(long rule, const struct xw_rule *live, const struct xw_pkt *p, uint8_t policy)
{
	const struct xw_key *k = &p->key;

	if (rule >= 0)
		return live[rule].action == XW_ACT_DROP ? XW_STAT_RULE_DROP : XW_STAT_RULE_ACCEPT;
	if ((k->flags & XW_PKT_V6) && (k->flags & XW_PKT_L4) && k->w[XW_DIM_PROTO] == 58 &&
	    k->w[XW_DIM_SPORT] >= 133 && k->w[XW_DIM_SPORT] <= 137)
		return XW_STAT_L2_PASS;
	return policy == XW_ACT_DROP ? XW_STAT_POLICY_DROP : XW_STAT_POLICY_ACCEPT;
}

static void run_ruleset(struct diff *d, uint32_t nrules, uint32_t npackets, uint32_t tslot)
{
	struct xw_env *e = d->e;
	struct xw_caps caps = { e->m.caps.rule_cap, e->m.caps.node_cap, e->m.caps.leaf_cap };
	uint8_t policy = chance(50) ? XW_ACT_ACCEPT : XW_ACT_DROP;
	struct xw_crule side[XW_SIDE_MAX];
	uint32_t nside = 0, ncr = 0, nlive = 0, tomb[256], ntomb = 0, ntrees = 0;
	struct xw_tree_image img;
	const char *cur_iif = NULL;
	struct xw_counter st0[XW_STAT_MAX], st1[XW_STAT_MAX];
	uint8_t buf[PKT_MAX];
	struct pkt_layout lay;

	for (uint32_t i = 0; i < nrules; i++)
		rand_rule(&d->rules[i]);

	/* Place each rule: the side slot (a few, while it has room), tombstoned
	 * in the tree (a few), or the tree. */
	for (uint32_t i = 0; i < nrules; i++) {
		struct xw_crule tmp[XW_PORTS_MAX * XW_PORTS_MAX];
		int n = xw_crule_expand(&d->rules[i], i, i, tmp, sizeof(tmp) / sizeof(tmp[0]));
		bool to_side = nrules > 1 && chance(nrules > 100 ? 1 : 15) &&
			       nside + (uint32_t)n <= XW_SIDE_MAX;
		bool dead = !to_side && ntomb < 256 && chance(3);

		assert_true(n > 0);
		if (d->rules[i].fields & XW_F_IIF) /* the name lives in xw_iifs[rid] */
			assert_int_equal(xw_env_set_iif(e, i, d->rules[i].iif), 0);
		if (to_side) {
			memcpy(side + nside, tmp, (size_t)n * sizeof(*tmp));
			nside += (uint32_t)n;
		} else {
			assert_true(ncr + (uint32_t)n <= MAX_CRULES);
			memcpy(d->crules + ncr, tmp, (size_t)n * sizeof(*tmp));
			ncr += (uint32_t)n;
		}
		if (dead) {
			tomb[ntomb++] = i;
			continue;
		}
		d->live[nlive] = d->rules[i];
		d->live_rid[nlive] = i;
		nlive++;
	}
	assert_int_equal(xw_tree_build(d->crules, ncr, &caps, &img), 0);
	for (uint32_t r = 0; r < 2 * XW_TREES; r++)
		ntrees += img.nodes[r].info != XW_NODE_LEAF; /* not an empty leaf */
	print_message("ruleset: %u rules (%u compiled, %u side, %u tombstoned), policy %s, "
		      "tree slot %u: %u trees in use, %u nodes, %u leaf entries, depth %u, "
		      "largest leaf %u\n",
		      nrules, ncr, nside, ntomb, policy == XW_ACT_DROP ? "drop" : "accept", tslot,
		      ntrees, img.n_nodes, img.n_leaves, img.depth_max, img.leaf_max);
	assert_int_equal(xw_env_write_tree(e, tslot, &img), 0);
	xw_tree_image_free(&img);
	assert_int_equal(xw_env_commit(e, policy, tslot, side, nside, tomb, ntomb), 0);
	assert_int_equal(xw_env_clear_counters(e, nrules), 0);
	memset(d->want_pk, 0, nrules * sizeof(*d->want_pk));
	memset(d->want_by, 0, nrules * sizeof(*d->want_by));

	for (uint32_t k = 0; k < npackets; k++) {
		const struct xw_rule *target = &d->rules[pick(nrules)];
		struct xw_ref_result res;
		struct pkt_spec s;
		struct xw_pkt p;
		const char *iif;
		uint32_t len, ret, want_ret;
		int want_stat;

		rand_packet(target, &s, &iif);
		if (iif != cur_iif) {
			assert_int_equal(xw_env_set_ifname(e, IFINDEX_LO, iif), 0);
			cur_iif = iif;
		}
		memset(&p, 0, sizeof(p));
		pkt_key(&s, IFINDEX_LO, &p.key);
		snprintf(p.iif, sizeof(p.iif), "%s", iif);
		xw_ref_classify(d->live, nlive, policy, &p, &res);
		want_ret = res.verdict == XW_ACT_DROP ? XDP_DROP : XDP_PASS;
		want_stat = stat_of(res.rule, d->live, &p, policy);

		len = pkt_build(&s, buf, &lay);
		assert_int_equal(xw_env_stats(e, st0), 0);
		assert_int_equal(xw_env_run(e, buf, len, IFINDEX_LO, &ret), 0);
		assert_int_equal(xw_env_stats(e, st1), 0);
		d->packets++;
		if (ret != want_ret) {
			report(d, "verdict", d->packets, &s, iif);
			continue;
		}
		if (st1[want_stat].packets != st0[want_stat].packets + 1) {
			report(d, "xw_stats reason", d->packets, &s, iif);
			continue;
		}
		for (unsigned c = 0; c < res.ncounted && c < XW_COUNT_MAX; c++) {
			uint32_t rid = d->live_rid[res.counted[c]];

			d->want_pk[rid]++;
			d->want_by[rid] += len;
			d->counted++;
		}
		if (res.rule >= 0) {
			uint32_t rid = d->live_rid[res.rule];
			struct xw_counter ctr;

			d->want_pk[rid]++;
			d->want_by[rid] += len;
			assert_int_equal(xw_env_rule_counter(e, rid, &ctr), 0);
			if (ctr.packets != d->want_pk[rid]) {
				report(d, "deciding rule", d->packets, &s, iif);
				d->want_pk[rid] = ctr.packets; /* report it once */
				continue;
			}
			d->decided++;
		}
	}
	/* Every rule's counters, including the count rules'. */
	for (uint32_t rid = 0; rid < nrules; rid++) {
		struct xw_counter ctr;

		assert_int_equal(xw_env_rule_counter(e, rid, &ctr), 0);
		if (ctr.packets != d->want_pk[rid] || ctr.bytes != d->want_by[rid]) {
			d->disagreements++;
			if (d->disagreements <= 10)
				fprintf(stderr, "DISAGREE rule %u counted %llu/%llu, want %llu/%llu\n",
					rid, (unsigned long long)ctr.packets,
					(unsigned long long)ctr.bytes,
					(unsigned long long)d->want_pk[rid],
					(unsigned long long)d->want_by[rid]);
		}
	}
	/* ns/packet on this ruleset: 32 packets of the same mix, 2000 runs each
	 * (after the counter check, which these runs would upset). */
	if (d->timing) {
		uint64_t sum = 0;
		uint32_t ns, ret;

		for (int k = 0; k < 32; k++) {
			struct pkt_spec s;
			const char *iif;
			uint32_t len;

			rand_packet(&d->rules[pick(nrules)], &s, &iif);
			len = pkt_build(&s, buf, &lay);
			assert_int_equal(xw_env_run_repeat(e, buf, len, 2000, &ret, &ns), 0);
			sum += ns;
		}
		d->ns = (uint32_t)(sum / 32);
	}
}

static int setup(void **state)
{
	struct xw_caps caps = { MAX_CRULES, 1u << 20, 1u << 22 };

	return xw_env_state_setup(state, &caps);
}

static void test_differential(void **state)
{
	static const struct {
		uint32_t rules, packets;
	} sets[] = {
		{ 1, 3000 },     { 2, 3000 },    { 5, 5000 },    { 10, 5000 },   { 30, 8000 },
		{ 64, 8000 },    { 100, 8000 },  { 300, 8000 },  { 1000, 10000 }, { 2000, 10000 },
		{ 5000, 12000 }, { 10000, 15000 }, { 10000, 10000 },
	};
	struct diff d = { .e = *state };
	const char *env_seed = getenv("XW_DIFF_SEED"), *env_scale = getenv("XW_DIFF_SCALE");
	uint64_t seed = env_seed ? strtoull(env_seed, NULL, 0) : (uint64_t)time(NULL);
	unsigned scale = env_scale ? (unsigned)atoi(env_scale) : 1;

	if (!scale)
		scale = 1;
	rng = seed;
	print_message("seed %llu (XW_DIFF_SEED=%llu reproduces)\n", (unsigned long long)seed,
		      (unsigned long long)seed);
	make_pools();
	d.rules = calloc(MAX_RULES, sizeof(*d.rules));
	d.live = calloc(MAX_RULES, sizeof(*d.live));
	d.live_rid = calloc(MAX_RULES, sizeof(*d.live_rid));
	d.want_pk = calloc(MAX_RULES, sizeof(*d.want_pk));
	d.want_by = calloc(MAX_RULES, sizeof(*d.want_by));
	d.crules = calloc(MAX_CRULES, sizeof(*d.crules));
	assert_true(d.rules && d.live && d.live_rid && d.want_pk && d.want_by && d.crules);

	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		size_t nsets = sizeof(sets) / sizeof(sets[0]);

		d.timing = i + 1 == nsets || sets[i].rules != sets[i + 1].rules;
		run_ruleset(&d, sets[i].rules, sets[i].packets * scale, i % 2);
		if (d.timing)
			printf("FIGURE bpf_ns_random_rules%u=%u\n", sets[i].rules, d.ns);
	}

	printf("FIGURE differential_packets=%lu disagreements=%lu\n", d.packets, d.disagreements);
	print_message("decided by a rule: %lu, count-rule hits: %lu\n", d.decided, d.counted);
	free(d.rules);
	free(d.live);
	free(d.live_rid);
	free(d.want_pk);
	free(d.want_by);
	free(d.crules);
	assert_true(d.packets >= 100000);
	assert_true(d.decided > d.packets / 5);
	assert_true(d.counted > 1000);
	assert_int_equal(d.disagreements, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_differential, setup, xw_env_test_teardown),
	};

	if (xw_env_process_init()) {
		fprintf(stderr, "test_differential: needs root (a private mount namespace)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
