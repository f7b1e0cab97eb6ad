// SPDX-License-Identifier: MIT
/*
 * The classifier driven through side rules (trees empty): every field of a
 * compiled rule matched and missed, IPv4 and IPv6, VLAN-tagged, fragments, the
 * interface name; then rule order, count rules, tombstones, policy and the
 * neighbour-discovery pass, with verdicts, xw_stats and per-rule counters.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "bpf/crule.h"
#include "bpf/env.h"
#include "bpf/pkt.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define IFINDEX_LO 1 /* BPF_PROG_TEST_RUN's ingress device: loopback */

/* packets */
#define P4(s, d) .saddr = { s }, .daddr = { d }
#define P6(s0, s1, s2, s3, d0, d1, d2, d3) \
	.v6 = true, .saddr = { s0, s1, s2, s3 }, .daddr = { d0, d1, d2, d3 }
#define PTCP(sp, dp, fl) .proto = 6, .sport = (sp), .dport = (dp), .tcp_flags = (fl), .payload = 10
#define PUDP(sp, dp) .proto = 17, .sport = (sp), .dport = (dp), .payload = 10
#define PICMP(t, c) .proto = 1, .icmp_type = (t), .icmp_code = (c)
#define PICMP6(t, c) .proto = 58, .icmp_type = (t), .icmp_code = (c)
#define A4 P4(IP4(10, 1, 2, 3), IP4(192, 168, 7, 9))
#define A6 P6(0x20010db8, 0x00010002, 0x00030004, 0x00050006, 0xfd000000, 0, 0, 0x53)

/* rules */
#define RSRC(len, ...) .slen = (len), .saddr = { __VA_ARGS__ }
#define RDST(len, ...) .dlen = (len), .daddr = { __VA_ARGS__ }
#define RL4(slo, shi, dlo, dhi) \
	.sport_lo = (slo), .sport_hi = (shi), .dport_lo = (dlo), .dport_hi = (dhi)
#define RANY_L4 RL4(0, 0xffff, 0, 0xffff)

struct frow {
	const char *name;
	struct xw_crule r; /* prio, rid and action are set by the test */
	struct pkt_spec s;
	const char *ifname; /* xw_ifnames[lo]; NULL: no entry */
	bool match;
	const char *riif;   /* the iif rule's interface (xw_iifs[rid]) */
};

static const struct frow frows[] = {
	/* addresses, IPv4 */
	{ "v4 any", {}, { A4, PTCP(1, 2, 0) }, NULL, true, NULL },
	{ "v6 any", {}, { A6, PUDP(1, 2) }, NULL, true, NULL },
	{ "v4 src /8 in", { RSRC(8, IP4(10, 0, 0, 0)) },
	  { P4(IP4(10, 255, 255, 255), 1), .proto = 50 }, NULL, true, NULL },
	{ "v4 src /8 out", { RSRC(8, IP4(10, 0, 0, 0)) }, { P4(IP4(11, 0, 0, 0), 1), .proto = 50 },
	  NULL, false, NULL },
	{ "v4 src /8 below", { RSRC(8, IP4(10, 0, 0, 0)) },
	  { P4(IP4(9, 255, 255, 255), 1), .proto = 50 }, NULL, false, NULL },
	{ "v4 src /32 in", { RSRC(32, IP4(10, 1, 2, 3)) }, { A4, PUDP(9, 9) }, NULL, true, NULL },
	{ "v4 src /32 out", { RSRC(32, IP4(10, 1, 2, 4)) }, { A4, PUDP(9, 9) }, NULL, false, NULL },
	{ "v4 src /31 in", { RSRC(31, IP4(10, 1, 2, 2)) }, { A4, PUDP(9, 9) }, NULL, true, NULL },
	{ "v4 src /1 in", { RSRC(1, 0) }, { A4, PUDP(9, 9) }, NULL, true, NULL },
	{ "v4 src /1 out", { RSRC(1, 0x80000000u) }, { A4, PUDP(9, 9) }, NULL, false, NULL },
	{ "v4 dst /24 in", { RDST(24, IP4(192, 168, 7, 0)) }, { A4, PICMP(8, 0) }, NULL, true, NULL },
	{ "v4 dst /24 out", { RDST(24, IP4(192, 168, 8, 0)) }, { A4, PICMP(8, 0) }, NULL, false, NULL },
	{ "v4 dst /0 and src /32", { RSRC(32, IP4(10, 1, 2, 3)) }, { A4, PICMP(8, 0) }, NULL,
	  true, NULL },
	{ "v4 src and dst, dst out", { RSRC(16, IP4(10, 1, 0, 0)), RDST(32, IP4(192, 168, 7, 8)) },
	  { A4, PICMP(8, 0) }, NULL, false, NULL },
	/* addresses, IPv6 */
	{ "v6 src /64 in", { .flags = XW_RF_V6, RSRC(64, 0x20010db8, 0x00010002) },
	  { A6, PUDP(1, 2) }, NULL, true, NULL },
	{ "v6 src /64 out word 1", { .flags = XW_RF_V6, RSRC(64, 0x20010db8, 0x00010003) },
	  { A6, PUDP(1, 2) }, NULL, false, NULL },
	{ "v6 src /33 in", { .flags = XW_RF_V6, RSRC(33, 0x20010db8, 0) }, { A6, PUDP(1, 2) }, NULL,
	  true, NULL },
	{ "v6 src /33 out", { .flags = XW_RF_V6, RSRC(33, 0x20010db8, 0x80000000u) },
	  { A6, PUDP(1, 2) }, NULL, false, NULL },
	{ "v6 src /128 in",
	  { .flags = XW_RF_V6, RSRC(128, 0x20010db8, 0x00010002, 0x00030004, 0x00050006) },
	  { A6, PUDP(1, 2) }, NULL, true, NULL },
	{ "v6 src /128 out",
	  { .flags = XW_RF_V6, RSRC(128, 0x20010db8, 0x00010002, 0x00030004, 0x00050007) },
	  { A6, PUDP(1, 2) }, NULL, false, NULL },
	{ "v6 src /127 in",
	  { .flags = XW_RF_V6, RSRC(127, 0x20010db8, 0x00010002, 0x00030004, 0x00050006) },
	  { P6(0x20010db8, 0x00010002, 0x00030004, 0x00050007, 1, 2, 3, 4), .proto = 59 }, NULL,
	  true, NULL },
	{ "v6 src /97 out", { .flags = XW_RF_V6, RSRC(97, 0x20010db8, 0x00010002, 0x00030004, 0) },
	  { P6(0x20010db8, 0x00010002, 0x00030004, 0x80000000u, 1, 2, 3, 4), .proto = 59 }, NULL,
	  false, NULL },
	{ "v6 dst /96 in", { .flags = XW_RF_V6, RDST(96, 0xfd000000, 0, 0) }, { A6, PUDP(1, 2) },
	  NULL, true, NULL },
	{ "v6 dst /96 out word 2", { .flags = XW_RF_V6, RDST(96, 0xfd000000, 0, 1) },
	  { A6, PUDP(1, 2) }, NULL, false, NULL },
	/* family */
	{ "v4 rule, v6 packet", { .flags = XW_RF_V4 }, { A6, PUDP(1, 2) }, NULL, false, NULL },
	{ "v6 rule, v4 packet", { .flags = XW_RF_V6 }, { A4, PUDP(1, 2) }, NULL, false, NULL },
	{ "v4 rule, v4 packet", { .flags = XW_RF_V4 }, { A4, PUDP(1, 2) }, NULL, true, NULL },
	/* protocol */
	{ "proto tcp, tcp", { .flags = XW_RF_PROTO, .proto = 6 }, { A4, PTCP(1, 2, 0x10) }, NULL,
	  true, NULL },
	{ "proto tcp, udp", { .flags = XW_RF_PROTO, .proto = 6 }, { A4, PUDP(1, 2) }, NULL, false, NULL },
	{ "proto 47, gre", { .flags = XW_RF_PROTO, .proto = 47 }, { A6, .proto = 47 }, NULL, true, NULL },
	{ "proto udp, v6 behind ext headers", { .flags = XW_RF_PROTO, .proto = 17 },
	  { A6, PUDP(1, 2), .next = 2, .ext = { { .type = 0 }, { .type = 60 } } }, NULL, true, NULL },
	{ "proto 0, v6 hop-by-hop then udp", { .flags = XW_RF_PROTO, .proto = 0 },
	  { A6, PUDP(1, 2), .next = 1, .ext = { { .type = 0 } } }, NULL, false, NULL },
	/* ports */
	{ "dport 1000-2000, 999",
	  { .flags = XW_RF_PROTO | XW_RF_L4, .proto = 6, RL4(0, 0xffff, 1000, 2000) },
	  { A4, PTCP(5, 999, 0) }, NULL, false, NULL },
	{ "dport 1000-2000, 1000",
	  { .flags = XW_RF_PROTO | XW_RF_L4, .proto = 6, RL4(0, 0xffff, 1000, 2000) },
	  { A4, PTCP(5, 1000, 0) }, NULL, true, NULL },
	{ "dport 1000-2000, 2000",
	  { .flags = XW_RF_PROTO | XW_RF_L4, .proto = 6, RL4(0, 0xffff, 1000, 2000) },
	  { A4, PTCP(5, 2000, 0) }, NULL, true, NULL },
	{ "dport 1000-2000, 2001",
	  { .flags = XW_RF_PROTO | XW_RF_L4, .proto = 6, RL4(0, 0xffff, 1000, 2000) },
	  { A4, PTCP(5, 2001, 0) }, NULL, false, NULL },
	{ "sport 53, udp v6 53",
	  { .flags = XW_RF_PROTO | XW_RF_L4, .proto = 17, RL4(53, 53, 0, 0xffff) },
	  { A6, PUDP(53, 1) }, NULL, true, NULL },
	{ "sport 53, udp v6 54",
	  { .flags = XW_RF_PROTO | XW_RF_L4, .proto = 17, RL4(53, 53, 0, 0xffff) },
	  { A6, PUDP(54, 53) }, NULL, false, NULL },
	{ "sport 0-0, port 0", { .flags = XW_RF_L4, RL4(0, 0, 0, 0) }, { A4, PUDP(0, 0) }, NULL,
	  true, NULL },
	{ "dport 65535", { .flags = XW_RF_L4, RL4(0, 0xffff, 0xffff, 0xffff) },
	  { A4, PUDP(1, 65535) }, NULL, true, NULL },
	{ "L4 rule, later fragment", { .flags = XW_RF_PROTO | XW_RF_L4, .proto = 6, RANY_L4 },
	  { A4, PTCP(1, 2, 0), .frag_offset = 100 }, NULL, false, NULL },
	{ "L3 rule, later fragment",
	  { .flags = XW_RF_PROTO, .proto = 6, RSRC(32, IP4(10, 1, 2, 3)) },
	  { A4, PTCP(1, 2, 0), .frag_offset = 100 }, NULL, true, NULL },
	{ "L4 rule, v6 later fragment", { .flags = XW_RF_PROTO | XW_RF_L4, .proto = 17, RANY_L4 },
	  { A6, PUDP(1, 2), .next = 1, .ext = { { .type = 44, .offset = 8 } } }, NULL, false, NULL },
	{ "L3 rule, v6 later fragment", { .flags = XW_RF_PROTO, .proto = 17 },
	  { A6, PUDP(1, 2), .next = 1, .ext = { { .type = 44, .offset = 8 } } }, NULL, true, NULL },
	{ "L4 rule, v6 first fragment",
	  { .flags = XW_RF_PROTO | XW_RF_L4, .proto = 17, RL4(1, 1, 2, 2) },
	  { A6, PUDP(1, 2), .next = 1, .ext = { { .type = 44, .mf = true } } }, NULL, true, NULL },
	{ "L4 rule, gre", { .flags = XW_RF_L4, RANY_L4 }, { A4, .proto = 47 }, NULL, false, NULL },
	/* tcp flags */
	{ "syn without ack, syn",
	  { .flags = XW_RF_PROTO | XW_RF_L4, .proto = 6, RANY_L4, .tcp_flags = 0x02,
	    .tcp_mask = 0x12 }, { A4, PTCP(1, 2, 0x02) }, NULL, true, NULL },
	{ "syn without ack, syn+psh",
	  { .flags = XW_RF_PROTO | XW_RF_L4, .proto = 6, RANY_L4, .tcp_flags = 0x02,
	    .tcp_mask = 0x12 }, { A4, PTCP(1, 2, 0x0a) }, NULL, true, NULL },
	{ "syn without ack, syn+ack",
	  { .flags = XW_RF_PROTO | XW_RF_L4, .proto = 6, RANY_L4, .tcp_flags = 0x02,
	    .tcp_mask = 0x12 }, { A6, PTCP(1, 2, 0x12) }, NULL, false, NULL },
	{ "cwr|ece set, 0xc0", { .flags = XW_RF_L4, RANY_L4, .tcp_flags = 0xc0, .tcp_mask = 0xc0 },
	  { A4, PTCP(1, 2, 0xc1) }, NULL, true, NULL },
	{ "fin set, none", { .flags = XW_RF_L4, RANY_L4, .tcp_flags = 0x01, .tcp_mask = 0x01 },
	  { A4, PTCP(1, 2, 0x10) }, NULL, false, NULL },
	/* icmp */
	{ "icmp 8/0, echo",
	  { .flags = XW_RF_V4 | XW_RF_PROTO | XW_RF_L4, .proto = 1, RL4(8, 8, 0, 0) },
	  { A4, PICMP(8, 0) }, NULL, true, NULL },
	{ "icmp 8/0, reply",
	  { .flags = XW_RF_V4 | XW_RF_PROTO | XW_RF_L4, .proto = 1, RL4(8, 8, 0, 0) },
	  { A4, PICMP(0, 0) }, NULL, false, NULL },
	{ "icmp 3/any, 3/13",
	  { .flags = XW_RF_V4 | XW_RF_PROTO | XW_RF_L4, .proto = 1, RL4(3, 3, 0, 0xffff) },
	  { A4, PICMP(3, 13) }, NULL, true, NULL },
	{ "icmp 3/4, 3/13",
	  { .flags = XW_RF_V4 | XW_RF_PROTO | XW_RF_L4, .proto = 1, RL4(3, 3, 4, 4) },
	  { A4, PICMP(3, 13) }, NULL, false, NULL },
	{ "icmpv6 135, NS",
	  { .flags = XW_RF_V6 | XW_RF_PROTO | XW_RF_L4, .proto = 58, RL4(135, 135, 0, 0xffff) },
	  { A6, PICMP6(135, 0) }, NULL, true, NULL },
	{ "icmpv6 1/4, 1/4",
	  { .flags = XW_RF_V6 | XW_RF_PROTO | XW_RF_L4, .proto = 58, RL4(1, 1, 4, 4) },
	  { A6, PICMP6(1, 4) }, NULL, true, NULL },
	{ "icmpv6 128, 129",
	  { .flags = XW_RF_V6 | XW_RF_PROTO | XW_RF_L4, .proto = 58, RL4(128, 128, 0, 0xffff) },
	  { A6, PICMP6(129, 0) }, NULL, false, NULL },
	/* vlan */
	{ "vlan 100, tag 100", { .flags = XW_RF_VLAN, .vlan = 100 },
	  { .nvlan = 1, .tci = { 100 }, A4, PUDP(1, 2) }, NULL, true, NULL },
	{ "vlan 100, tag 100 pcp 7", { .flags = XW_RF_VLAN, .vlan = 100 },
	  { .nvlan = 1, .tci = { 0xe064 }, A6, PUDP(1, 2) }, NULL, true, NULL },
	{ "vlan 100, tag 101", { .flags = XW_RF_VLAN, .vlan = 100 },
	  { .nvlan = 1, .tci = { 101 }, A4, PUDP(1, 2) }, NULL, false, NULL },
	{ "vlan 100, untagged", { .flags = XW_RF_VLAN, .vlan = 100 }, { A4, PUDP(1, 2) }, NULL,
	  false, NULL },
	{ "vlan 0, untagged", { .flags = XW_RF_VLAN, .vlan = 0 }, { A4, PUDP(1, 2) }, NULL, false, NULL },
	{ "vlan 0, priority tag", { .flags = XW_RF_VLAN, .vlan = 0 },
	  { .nvlan = 1, .tci = { 0x2000 }, A4, PUDP(1, 2) }, NULL, true, NULL },
	{ "vlan 100, outer 100 inner 200", { .flags = XW_RF_VLAN, .vlan = 100 },
	  { .nvlan = 2, .tpid = { ETH_QINQ }, .tci = { 100, 200 }, A4, PUDP(1, 2) }, NULL, true, NULL },
	{ "vlan 100, outer 200 inner 100", { .flags = XW_RF_VLAN, .vlan = 100 },
	  { .nvlan = 2, .tpid = { ETH_QINQ }, .tci = { 200, 100 }, A4, PUDP(1, 2) }, NULL, false, NULL },
	{ "no vlan rule, tagged", {}, { .nvlan = 1, .tci = { 7 }, A6, PUDP(1, 2) }, NULL, true, NULL },
	/* interface */
	{ "iif wan0, wan0", { .flags = XW_RF_IIF }, { A4, PUDP(1, 2) }, "wan0",
	  true, "wan0" },
	{ "iif wan0, wan1", { .flags = XW_RF_IIF }, { A4, PUDP(1, 2) }, "wan1",
	  false, "wan0" },
	{ "iif wan0, wan", { .flags = XW_RF_IIF }, { A4, PUDP(1, 2) }, "wan",
	  false, "wan0" },
	{ "iif wan, wan0", { .flags = XW_RF_IIF }, { A4, PUDP(1, 2) }, "wan0",
	  false, "wan" },
	{ "iif wan0, unknown ifindex", { .flags = XW_RF_IIF }, { A4, PUDP(1, 2) },
	  NULL, false, "wan0" },
	{ "iif 15 chars", { .flags = XW_RF_IIF }, { A6, PUDP(1, 2) },
	  "abcdefghijklmno", true, "abcdefghijklmno" },
	{ "iif 15 chars, last differs", { .flags = XW_RF_IIF },
	  { A6, PUDP(1, 2) }, "abcdefghijklmnp", false, "abcdefghijklmno" },
	{ "no iif rule, any interface", {}, { A6, PUDP(1, 2) }, "wan0", true, NULL },
	/* everything at once */
	{ "all fields in",
	  { .flags = XW_RF_V4 | XW_RF_PROTO | XW_RF_L4 | XW_RF_VLAN | XW_RF_IIF, .proto = 6,
	    RSRC(24, IP4(10, 1, 2, 0)), RDST(16, IP4(192, 168, 0, 0)), RL4(40000, 40010, 443, 443),
	    .tcp_flags = 0x02, .tcp_mask = 0x02, .vlan = 5 },
	  { .nvlan = 1, .tci = { 5 }, A4, PTCP(40005, 443, 0x02) }, "lan", true, "lan" },
	{ "all fields, sport out",
	  { .flags = XW_RF_V4 | XW_RF_PROTO | XW_RF_L4 | XW_RF_VLAN | XW_RF_IIF, .proto = 6,
	    RSRC(24, IP4(10, 1, 2, 0)), RDST(16, IP4(192, 168, 0, 0)), RL4(40000, 40010, 443, 443),
	    .tcp_flags = 0x02, .tcp_mask = 0x02, .vlan = 5 },
	  { .nvlan = 1, .tci = { 5 }, A4, PTCP(40011, 443, 0x02) }, "lan", false, "lan" },
	{ "all fields v6 in",
	  { .flags = XW_RF_V6 | XW_RF_PROTO | XW_RF_L4 | XW_RF_VLAN, .proto = 17,
	    RSRC(48, 0x20010db8, 0x00010000), RDST(8, 0xfd000000), RL4(1000, 1000, 53, 53),
	    .vlan = 4095 }, { .nvlan = 2, .tci = { 4095, 1 }, A6, PUDP(1000, 53) }, NULL, true, NULL },
};


static void set_ifname(struct xw_env *e, const char *name)
{
	uint32_t k = IFINDEX_LO;

	if (name) {
		assert_int_equal(xw_env_set_ifname(e, IFINDEX_LO, name), 0);
		return;
	}
	bpf_map_delete_elem(e->m.ifnames, &k);
}

/* Run a frame; verdict, the one stat that moved (plus `notes`), and the
 * packets/bytes of rids [0, nrid) against want[]. */
static void check(struct xw_env *e, const char *name, const struct pkt_spec *s,
		  uint32_t verdict, int stat, unsigned notes, const uint64_t *want, uint32_t nrid)
{
	struct xw_counter st[XW_STAT_MAX];
	uint8_t buf[PKT_MAX];
	struct pkt_layout lay;
	uint32_t len, ret = 0;

	len = pkt_build(s, buf, &lay);
	assert_int_equal(xw_env_clear_counters(e, 64), 0);
	assert_int_equal(xw_env_run(e, buf, len, IFINDEX_LO, &ret), 0);
	if (ret != verdict)
		fail_msg("%s: verdict %u, want %u", name, ret, verdict);
	assert_int_equal(xw_env_stats(e, st), 0);
	for (int i = 0; i < XW_STAT_MAX; i++) {
		uint64_t w = (i == stat || (notes & (1u << i))) ? 1 : 0;

		if (st[i].packets != w || st[i].bytes != w * len)
			fail_msg("%s: stat %d = %llu, want %llu", name, i,
				 (unsigned long long)st[i].packets, (unsigned long long)w);
	}
	for (uint32_t rid = 0; rid < nrid; rid++) {
		struct xw_counter c;

		assert_int_equal(xw_env_rule_counter(e, rid, &c), 0);
		if (c.packets != want[rid] || c.bytes != want[rid] * len)
			fail_msg("%s: rule %u counted %llu packets %llu bytes, want %llu", name,
				 rid, (unsigned long long)c.packets, (unsigned long long)c.bytes,
				 (unsigned long long)want[rid]);
	}
}

static unsigned frag_note(const struct pkt_spec *s)
{
	return pkt_is_later_fragment(s) ? 1u << XW_STAT_FRAGMENT : 0;
}

/* Each row twice: accept rule under policy drop, drop rule under policy accept. */
static void test_fields(void **state)
{
	struct xw_env *e = *state;
	unsigned matched = 0;

	for (size_t i = 0; i < sizeof(frows) / sizeof(frows[0]); i++) {
		const struct frow *f = &frows[i];
		struct xw_crule r = f->r;
		uint64_t want[2] = { 0, 0 };

		set_ifname(e, f->ifname);
		if (!(r.flags & XW_RF_L4) && !r.sport_hi && !r.dport_hi) {
			r.sport_hi = 0xffff; /* as the compiler leaves them */
			r.dport_hi = 0xffff;
		}
		r.prio = 7;
		r.rid = 1;
		assert_int_equal(xw_env_set_iif(e, r.rid, f->riif ? f->riif : ""), 0);

		/* the table agrees with lib/compile.h's predicate */
		{
			struct xw_pkt p;

			memset(&p, 0, sizeof(p));
			pkt_key(&f->s, IFINDEX_LO, &p.key);
			if (f->ifname)
				strncpy(p.iif, f->ifname, sizeof(p.iif) - 1);
			if (xw_crule_match(&r, f->riif, &p) != f->match)
				fail_msg("%s: xw_crule_match() says %d", f->name, !f->match);
		}

		r.action = XW_ACT_ACCEPT;
		want[1] = f->match;
		assert_int_equal(xw_env_commit(e, XW_ACT_DROP, 0, &r, 1, NULL, 0), 0);
		check(e, f->name, &f->s, f->match ? XDP_PASS : XDP_DROP,
		      f->match ? XW_STAT_RULE_ACCEPT : XW_STAT_POLICY_DROP, frag_note(&f->s),
		      want, 2);

		r.action = XW_ACT_DROP;
		assert_int_equal(xw_env_commit(e, XW_ACT_ACCEPT, 0, &r, 1, NULL, 0), 0);
		check(e, f->name, &f->s, f->match ? XDP_DROP : XDP_PASS,
		      f->match ? XW_STAT_RULE_DROP : XW_STAT_POLICY_ACCEPT, frag_note(&f->s),
		      want, 2);
		matched += f->match;
	}
	print_message("field rows: %zu, matching: %u\n", sizeof(frows) / sizeof(frows[0]), matched);
}

/* ---- several rules ---- */

#define MAXR 12
struct mrow {
	const char *name;
	uint32_t policy;
	uint32_t n;
	struct { uint32_t prio; uint8_t action; bool match; } r[MAXR]; /* rid = index */
	uint32_t ntomb;
	uint32_t tomb[4];
	struct pkt_spec s;
	uint32_t verdict;
	int stat;
	uint64_t want[MAXR]; /* packets per rid */
};

#define M(p, a, m) { (p), XW_ACT_##a, (m) }

static const struct mrow mrows[] = {
	{ "lower prio wins", XW_ACT_ACCEPT, 2, { M(3, DROP, true), M(5, ACCEPT, true) }, 0, {},
	  { A4, PUDP(1, 2) }, XDP_DROP, XW_STAT_RULE_DROP, { 1, 0 } },
	{ "first misses, second decides", XW_ACT_DROP, 2, { M(3, DROP, false), M(5, ACCEPT, true) },
	  0, {}, { A6, PUDP(1, 2) }, XDP_PASS, XW_STAT_RULE_ACCEPT, { 0, 1 } },
	{ "count then accept", XW_ACT_DROP, 2, { M(1, COUNT, true), M(2, ACCEPT, true) }, 0, {},
	  { A4, PTCP(1, 2, 2) }, XDP_PASS, XW_STAT_RULE_ACCEPT, { 1, 1 } },
	{ "count after the winner is not counted", XW_ACT_ACCEPT, 3,
	  { M(1, DROP, true), M(2, COUNT, true), M(3, COUNT, true) }, 0, {}, { A4, PTCP(1, 2, 2) },
	  XDP_DROP, XW_STAT_RULE_DROP, { 1, 0, 0 } },
	{ "count only: the policy decides", XW_ACT_DROP, 2,
	  { M(1, COUNT, true), M(2, COUNT, false) }, 0, {}, { A4, PTCP(1, 2, 2) }, XDP_DROP,
	  XW_STAT_POLICY_DROP, { 1, 0 } },
	{ "only the first 8 count rules count", XW_ACT_ACCEPT, 11,
	  { M(1, COUNT, true), M(2, COUNT, true), M(3, COUNT, false), M(4, COUNT, true),
	    M(5, COUNT, true), M(6, COUNT, true), M(7, COUNT, true), M(8, COUNT, true),
	    M(9, COUNT, true), M(10, COUNT, true), M(11, DROP, true) }, 0, {},
	  { A6, PICMP6(128, 0) }, XDP_DROP, XW_STAT_RULE_DROP,
	  { 1, 1, 0, 1, 1, 1, 1, 1, 1, 0, 1 } },
	{ "tombstoned winner skipped", XW_ACT_ACCEPT, 3,
	  { M(1, ACCEPT, true), M(2, DROP, true), M(3, ACCEPT, true) }, 1, { 0 },
	  { A4, PUDP(1, 2) }, XDP_DROP, XW_STAT_RULE_DROP, { 0, 1, 0 } },
	{ "tombstoned count skipped", XW_ACT_DROP, 3,
	  { M(1, COUNT, true), M(2, COUNT, true), M(3, ACCEPT, true) }, 2, { 1, 77 },
	  { A4, PUDP(1, 2) }, XDP_PASS, XW_STAT_RULE_ACCEPT, { 1, 0, 1 } },
	{ "everything tombstoned: policy", XW_ACT_DROP, 2,
	  { M(1, ACCEPT, true), M(2, ACCEPT, true) }, 2, { 0, 1 }, { A4, PUDP(1, 2) }, XDP_DROP,
	  XW_STAT_POLICY_DROP, { 0, 0 } },
	{ "unknown action ignored", XW_ACT_ACCEPT, 2, { M(1, NONE, true), M(2, DROP, true) }, 0, {},
	  { A4, PUDP(1, 2) }, XDP_DROP, XW_STAT_RULE_DROP, { 0, 1 } },
	{ "ND dropped by a rule", XW_ACT_DROP, 1, { M(1, DROP, true) }, 0, {},
	  { A6, PICMP6(135, 0) }, XDP_DROP, XW_STAT_RULE_DROP, { 1 } },
	{ "ND passes the policy", XW_ACT_DROP, 1, { M(1, DROP, false) }, 0, {},
	  { A6, PICMP6(136, 0) }, XDP_PASS, XW_STAT_L2_PASS, { 0 } },
	{ "ND counted, then passes the policy", XW_ACT_DROP, 1, { M(1, COUNT, true) }, 0, {},
	  { A6, PICMP6(133, 0) }, XDP_PASS, XW_STAT_L2_PASS, { 1 } },
	{ "ND accepted by a rule", XW_ACT_DROP, 1, { M(1, ACCEPT, true) }, 0, {},
	  { A6, PICMP6(134, 0) }, XDP_PASS, XW_STAT_RULE_ACCEPT, { 1 } },
};

/* A rule that matches the packet (its exact key), or one that does not (the
 * same with another source address bit). */
static struct xw_crule mrule(const struct pkt_spec *s, uint32_t prio, uint32_t rid, uint8_t action,
			     bool match)
{
	struct xw_key k;
	struct xw_crule c;

	pkt_key(s, IFINDEX_LO, &k);
	c = crule_exact(&k, prio, rid, action);
	if (!match)
		c.saddr[0] ^= 0x01000000;
	return c;
}

static void test_rules(void **state)
{
	struct xw_env *e = *state;

	set_ifname(e, NULL);
	for (size_t i = 0; i < sizeof(mrows) / sizeof(mrows[0]); i++) {
		const struct mrow *m = &mrows[i];
		struct xw_crule c[MAXR];

		for (uint32_t j = 0; j < m->n; j++)
			c[j] = mrule(&m->s, m->r[j].prio, j, m->r[j].action, m->r[j].match);
		assert_int_equal(xw_env_commit(e, m->policy, 0, c, m->n, m->tomb, m->ntomb), 0);
		check(e, m->name, &m->s, m->verdict, m->stat, frag_note(&m->s), m->want, MAXR);
	}
}

/* The full side slot: 64 rules, only the last matches; and each generation
 * flip (two side slots) gives the new rules at once. */
static void test_side_full_and_flip(void **state)
{
	struct xw_env *e = *state;
	struct pkt_spec s = { A4, PTCP(1234, 80, 0x02) };
	struct xw_crule c[XW_SIDE_MAX];
	uint64_t want[XW_SIDE_MAX] = { 0 };

	for (uint32_t j = 0; j < XW_SIDE_MAX; j++)
		c[j] = mrule(&s, 10 + j, j, XW_ACT_DROP, j == XW_SIDE_MAX - 1);
	want[XW_SIDE_MAX - 1] = 1;
	assert_int_equal(xw_env_commit(e, XW_ACT_ACCEPT, 0, c, XW_SIDE_MAX, NULL, 0), 0);
	check(e, "64th side rule", &s, XDP_DROP, XW_STAT_RULE_DROP, 0, want, XW_SIDE_MAX);

	/* nside beyond XW_SIDE_MAX is clamped by the program */
	assert_int_equal(xw_env_commit(e, XW_ACT_ACCEPT, 0, c, XW_SIDE_MAX, NULL, 0), 0);
	{
		uint32_t k = 0, slot;

		assert_int_equal(bpf_map_lookup_elem(e->m.active, &k, &slot), 0);
		assert_int_equal(bpf_map_lookup_elem(e->m.side, &slot, e->side), 0);
		e->side->nside = 1000;
		assert_int_equal(bpf_map_update_elem(e->m.side, &slot, e->side, BPF_ANY), 0);
	}
	check(e, "nside 1000", &s, XDP_DROP, XW_STAT_RULE_DROP, 0, want, XW_SIDE_MAX);

	for (int gen = 0; gen < 6; gen++) {
		uint64_t w[2] = { 0, 0 };
		uint8_t act = gen & 1 ? XW_ACT_ACCEPT : XW_ACT_DROP;

		c[0] = mrule(&s, 1, gen & 1, act, true);
		w[gen & 1] = 1;
		assert_int_equal(xw_env_commit(e, XW_ACT_DROP, 0, c, 1, NULL, 0), 0);
		check(e, "flip", &s, act == XW_ACT_DROP ? XDP_DROP : XDP_PASS,
		      act == XW_ACT_DROP ? XW_STAT_RULE_DROP : XW_STAT_RULE_ACCEPT, 0, w, 2);
	}
}

/* Counters accumulate per rid across packets; bytes are whole frames. */
static void test_counters_accumulate(void **state)
{
	struct xw_env *e = *state;
	struct pkt_spec s = { .nvlan = 1, .tci = { 9 }, A4, PUDP(1, 2) };
	struct xw_crule c[2];
	struct xw_counter ctr, st[XW_STAT_MAX];
	uint8_t buf[PKT_MAX];
	struct pkt_layout lay;
	uint32_t len, ret, total = 0;

	c[0] = mrule(&s, 1, 5, XW_ACT_COUNT, true);
	c[1] = mrule(&s, 2, 6, XW_ACT_ACCEPT, true);
	assert_int_equal(xw_env_commit(e, XW_ACT_DROP, 0, c, 2, NULL, 0), 0);
	assert_int_equal(xw_env_clear_counters(e, 8), 0);
	for (int i = 0; i < 10; i++) {
		s.payload = (uint16_t)(i * 100);
		len = pkt_build(&s, buf, &lay);
		total += len;
		assert_int_equal(xw_env_run(e, buf, len, IFINDEX_LO, &ret), 0);
		assert_int_equal(ret, XDP_PASS);
	}
	assert_int_equal(xw_env_rule_counter(e, 5, &ctr), 0);
	assert_int_equal(ctr.packets, 10);
	assert_int_equal(ctr.bytes, total);
	assert_int_equal(xw_env_rule_counter(e, 6, &ctr), 0);
	assert_int_equal(ctr.packets, 10);
	assert_int_equal(ctr.bytes, total);
	assert_int_equal(xw_env_stats(e, st), 0);
	assert_int_equal(st[XW_STAT_RULE_ACCEPT].packets, 10);
	assert_int_equal(st[XW_STAT_RULE_ACCEPT].bytes, total);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		XW_ENV_TEST(test_fields),
		XW_ENV_TEST(test_rules),
		XW_ENV_TEST(test_side_full_and_flip),
		XW_ENV_TEST(test_counters_accumulate),
	};

	if (xw_env_process_init()) {
		fprintf(stderr, "test_classify: needs root (a private mount namespace)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
