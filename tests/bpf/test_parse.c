// SPDX-License-Identifier: MIT
/*
 * The parser's verdict table (bpf/parse.h) as data: frame in, verdict and
 * xw_stats out; then, for every frame that reaches the classifier, a rule
 * matching exactly the key the parser must produce has to win, and one differing
 * in a single address bit must not. Truncation at every length of every
 * template, both cut frames and frames whose IP length fields agree with the cut.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <linux/bpf.h>

#include "bpf/crule.h"
#include "bpf/env.h"
#include "bpf/pkt.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define A6S { 0x20010db8, 0, 0, 1 }
#define A6D { 0x20010db8, 0, 0xffff, 2 }

/* Field groups that do not overlap, so a row can combine them. */
#define V4 .saddr = { IP4(10, 1, 2, 3) }, .daddr = { IP4(192, 168, 7, 9) }
#define V6 .v6 = true, .saddr = A6S, .daddr = A6D
#define TCP .proto = 6, .sport = 40000, .dport = 443, .tcp_flags = 0x12
#define UDP .proto = 17, .sport = 5353, .dport = 53
#define ICMP4 .proto = 1, .icmp_type = 8, .icmp_code = 0
#define ICMP6(t) .proto = 58, .icmp_type = (t), .icmp_code = 0
#define PAY .payload = 16
#define E(t) { .type = (t) }              /* an IPv6 extension header */
#define EL(t, l) { .type = (t), .len = (l) } /* ... with its length byte */

#define ACC XW_ACT_ACCEPT
#define DRP XW_ACT_DROP
#define N_FRAG (1u << XW_STAT_FRAGMENT)
#define N_NONIP (1u << XW_STAT_NON_IP)

struct row {
	const char *name;
	struct pkt_spec s;
	uint32_t cut;    /* frame length if not 0 */
	uint32_t policy;
	uint32_t verdict;
	int stat;        /* the one verdict counter that must move */
	unsigned notes;  /* FRAGMENT / NON_IP */
};

static const struct row rows[] = {
	/* Ethernet and VLAN */
	{ "v4 tcp", { V4, TCP, PAY }, 0, ACC, XDP_PASS, XW_STAT_POLICY_ACCEPT, 0 },
	{ "v4 tcp, policy drop", { V4, TCP, PAY }, 0, DRP, XDP_DROP, XW_STAT_POLICY_DROP, 0 },
	{ "ethernet only", { V4, TCP, PAY }, 14, ACC, XDP_DROP, XW_STAT_MALFORMED, 0 },
	{ "802.1Q", { .nvlan = 1, .tci = { 0x2064 }, V4, UDP, PAY }, 0, ACC, XDP_PASS,
	  XW_STAT_POLICY_ACCEPT, 0 },
	{ "802.1ad + 802.1Q",
	  { .nvlan = 2, .tpid = { ETH_QINQ }, .tci = { 0x0fff, 7 }, V6, TCP, PAY }, 0, ACC,
	  XDP_PASS, XW_STAT_POLICY_ACCEPT, 0 },
	{ "802.1Q + 802.1Q", { .nvlan = 2, .tci = { 1, 2 }, V4, ICMP4, PAY }, 0, DRP, XDP_DROP,
	  XW_STAT_POLICY_DROP, 0 },
	{ "three tags", { .nvlan = 3, .tci = { 1, 2, 3 }, V4, TCP, PAY }, 0, ACC, XDP_DROP,
	  XW_STAT_MALFORMED, 0 },
	{ "three tags 88a8",
	  { .nvlan = 3, .tpid = { ETH_QINQ, ETH_QINQ, ETH_DOT1Q }, V4, TCP, PAY }, 0, ACC, XDP_DROP,
	  XW_STAT_MALFORMED, 0 },
	{ "tag cut off", { .nvlan = 1, V4, TCP, PAY }, 16, ACC, XDP_DROP, XW_STAT_MALFORMED, 0 },
	{ "ARP, policy drop", { .ethertype = ETH_ARP }, 0, DRP, XDP_PASS, XW_STAT_L2_PASS, 0 },
	{ "ARP, policy accept", { .ethertype = ETH_ARP }, 0, ACC, XDP_PASS, XW_STAT_L2_PASS, 0 },
	{ "ARP in QinQ, policy drop", { .nvlan = 2, .tpid = { ETH_QINQ }, .ethertype = ETH_ARP }, 0,
	  DRP, XDP_PASS, XW_STAT_L2_PASS, 0 },
	{ "LLDP, policy drop", { .ethertype = 0x88cc }, 0, DRP, XDP_DROP, XW_STAT_POLICY_DROP,
	  N_NONIP },
	{ "LLDP, policy accept", { .ethertype = 0x88cc }, 0, ACC, XDP_PASS, XW_STAT_POLICY_ACCEPT,
	  N_NONIP },
	{ "non-IP in 802.1Q, policy drop", { .nvlan = 1, .ethertype = 0x8847 }, 0, DRP, XDP_DROP,
	  XW_STAT_POLICY_DROP, N_NONIP },

	/* IPv4 */
	{ "v4 udp", { V4, UDP, PAY }, 0, ACC, XDP_PASS, XW_STAT_POLICY_ACCEPT, 0 },
	{ "v4 icmp", { V4, ICMP4, PAY }, 0, ACC, XDP_PASS, XW_STAT_POLICY_ACCEPT, 0 },
	{ "v4 gre (no L4)", { V4, .proto = 47, PAY }, 0, ACC, XDP_PASS, XW_STAT_POLICY_ACCEPT, 0 },
	{ "v4 proto 58 (no L4 in v4)", { V4, .proto = 58, PAY }, 0, ACC, XDP_PASS,
	  XW_STAT_POLICY_ACCEPT, 0 },
	{ "v4 options 4", { V4, TCP, PAY, .ip_opts = 4 }, 0, ACC, XDP_PASS, XW_STAT_POLICY_ACCEPT,
	  0 },
	{ "v4 options 20", { V4, UDP, PAY, .ip_opts = 20 }, 0, ACC, XDP_PASS, XW_STAT_POLICY_ACCEPT,
	  0 },
	{ "v4 options 40", { V4, TCP, PAY, .ip_opts = 40 }, 0, DRP, XDP_DROP, XW_STAT_POLICY_DROP,
	  0 },
	{ "v4 options 40 icmp", { V4, ICMP4, .ip_opts = 40 }, 0, ACC, XDP_PASS,
	  XW_STAT_POLICY_ACCEPT, 0 },
	{ "v4 version 5", { V4, TCP, PAY, .ip_version = 5 }, 0, ACC, XDP_DROP, XW_STAT_MALFORMED,
	  0 },
	{ "v4 version 6 header", { V4, TCP, PAY, .ip_version = 6 }, 0, ACC, XDP_DROP,
	  XW_STAT_MALFORMED, 0 },
	{ "v4 IHL 4", { V4, TCP, PAY, .ihl = 4 }, 0, ACC, XDP_DROP, XW_STAT_MALFORMED, 0 },
	{ "v4 IHL 1", { V4, TCP, PAY, .ihl = 1 }, 0, ACC, XDP_DROP, XW_STAT_MALFORMED, 0 },
	{ "v4 IHL 15 past total length", { V4, TCP, .ihl = 15 }, 0, ACC, XDP_DROP,
	  XW_STAT_MALFORMED, 0 },
	{ "v4 IHL 15 past frame", { V4, UDP, .ihl = 15 }, 0, ACC, XDP_DROP, XW_STAT_MALFORMED, 0 },
	{ "v4 total length past frame", { V4, TCP, PAY, .ip_len_delta = 1 }, 0, ACC, XDP_DROP,
	  XW_STAT_MALFORMED, 0 },
	{ "v4 total length < IHL*4", { V4, TCP, PAY, .ip_len_delta = -37 }, 0, ACC, XDP_DROP,
	  XW_STAT_MALFORMED, 0 },
	{ "v4 total length 0", { V4, TCP, PAY, .ip_len_delta = -56 }, 0, ACC, XDP_DROP,
	  XW_STAT_MALFORMED, 0 },
	{ "v4 ethernet padding", { V4, TCP, PAY, .ip_len_delta = -16 }, 0, ACC, XDP_PASS,
	  XW_STAT_POLICY_ACCEPT, 0 },
	{ "v4 tcp ends past total length", { V4, TCP, PAY, .ip_len_delta = -17 }, 0, ACC, XDP_DROP,
	  XW_STAT_MALFORMED, 0 },
	{ "v4 udp 7 bytes", { V4, UDP, PAY, .ip_len_delta = -17 }, 0, ACC, XDP_DROP,
	  XW_STAT_MALFORMED, 0 },
	{ "v4 icmp 4 bytes", { V4, ICMP4, .ip_len_delta = -4 }, 0, ACC, XDP_PASS,
	  XW_STAT_POLICY_ACCEPT, 0 },
	{ "v4 icmp 3 bytes", { V4, ICMP4, .ip_len_delta = -5 }, 0, ACC, XDP_DROP, XW_STAT_MALFORMED,
	  0 },
	{ "v4 tcp data offset 4", { V4, TCP, PAY, .tcp_doff = 4 }, 0, ACC, XDP_DROP,
	  XW_STAT_MALFORMED, 0 },
	{ "v4 tcp data offset 15", { V4, TCP, .tcp_doff = 15 }, 0, ACC, XDP_PASS,
	  XW_STAT_POLICY_ACCEPT, 0 },
	{ "v4 first fragment", { V4, TCP, PAY, .mf = true }, 0, ACC, XDP_PASS,
	  XW_STAT_POLICY_ACCEPT, 0 },
	{ "v4 first fragment, tiny tcp", { V4, TCP, .mf = true, .ip_len_delta = -12 }, 0, ACC,
	  XDP_DROP, XW_STAT_MALFORMED, 0 },
	{ "v4 first fragment, tiny udp", { V4, UDP, .mf = true, .ip_len_delta = -1 }, 0, ACC,
	  XDP_DROP, XW_STAT_MALFORMED, 0 },
	{ "v4 later fragment", { V4, TCP, PAY, .frag_offset = 185, .mf = true }, 0, ACC, XDP_PASS,
	  XW_STAT_POLICY_ACCEPT, N_FRAG },
	{ "v4 last fragment, policy drop", { V4, UDP, PAY, .frag_offset = 1 }, 0, DRP, XDP_DROP,
	  XW_STAT_POLICY_DROP, N_FRAG },
	{ "v4 later fragment, 1 byte", { V4, TCP, .payload = 1, .frag_offset = 3 }, 0, ACC,
	  XDP_PASS, XW_STAT_POLICY_ACCEPT, N_FRAG },
	{ "v4 in QinQ with options",
	  { .nvlan = 2, .tpid = { ETH_QINQ }, .tci = { 100, 200 }, V4, TCP, PAY, .ip_opts = 8 }, 0,
	  DRP, XDP_DROP, XW_STAT_POLICY_DROP, 0 },

	/* IPv6 */
	{ "v6 tcp", { V6, TCP, PAY }, 0, ACC, XDP_PASS, XW_STAT_POLICY_ACCEPT, 0 },
	{ "v6 udp, policy drop", { V6, UDP, PAY }, 0, DRP, XDP_DROP, XW_STAT_POLICY_DROP, 0 },
	{ "v6 echo request, policy drop", { V6, ICMP6(128), PAY }, 0, DRP, XDP_DROP,
	  XW_STAT_POLICY_DROP, 0 },
	{ "v6 RS 133, policy drop", { V6, ICMP6(133), PAY }, 0, DRP, XDP_PASS, XW_STAT_L2_PASS, 0 },
	{ "v6 NS 135, policy drop", { V6, ICMP6(135), PAY }, 0, DRP, XDP_PASS, XW_STAT_L2_PASS, 0 },
	{ "v6 redirect 137, policy drop", { V6, ICMP6(137), PAY }, 0, DRP, XDP_PASS,
	  XW_STAT_L2_PASS, 0 },
	{ "v6 132, policy drop", { V6, ICMP6(132), PAY }, 0, DRP, XDP_DROP, XW_STAT_POLICY_DROP,
	  0 },
	{ "v6 138, policy drop", { V6, ICMP6(138), PAY }, 0, DRP, XDP_DROP, XW_STAT_POLICY_DROP,
	  0 },
	{ "v6 NA 136 in 802.1Q, policy drop", { .nvlan = 1, .tci = { 5 }, V6, ICMP6(136) }, 0, DRP,
	  XDP_PASS, XW_STAT_L2_PASS, 0 },
	{ "v6 NS 135 later fragment, policy drop",
	  { V6, ICMP6(135), PAY, .next = 1, .ext = { { .type = 44, .offset = 2 } } }, 0, DRP,
	  XDP_DROP, XW_STAT_POLICY_DROP, N_FRAG },
	{ "v6 NS 135 3 bytes, policy drop", { V6, ICMP6(135), .ip_len_delta = -5 }, 0, DRP,
	  XDP_DROP, XW_STAT_MALFORMED, 0 },
	{ "v4 icmp type 135, policy drop", { V4, .proto = 1, .icmp_type = 135 }, 0, DRP, XDP_DROP,
	  XW_STAT_POLICY_DROP, 0 },
	{ "v6 proto 1 (no L4 in v6)", { V6, .proto = 1, PAY }, 0, ACC, XDP_PASS,
	  XW_STAT_POLICY_ACCEPT, 0 },
	{ "v6 no next header", { V6, .proto = 59 }, 0, ACC, XDP_PASS, XW_STAT_POLICY_ACCEPT, 0 },
	{ "v6 version 4", { V6, TCP, PAY, .ip_version = 4 }, 0, ACC, XDP_DROP, XW_STAT_MALFORMED,
	  0 },
	{ "v6 payload length past frame", { V6, TCP, PAY, .ip_len_delta = 1 }, 0, ACC, XDP_DROP,
	  XW_STAT_MALFORMED, 0 },
	{ "v6 ethernet padding", { V6, UDP, PAY, .ip_len_delta = -16 }, 0, ACC, XDP_PASS,
	  XW_STAT_POLICY_ACCEPT, 0 },
	{ "v6 tcp ends past payload", { V6, TCP, PAY, .ip_len_delta = -17 }, 0, ACC, XDP_DROP,
	  XW_STAT_MALFORMED, 0 },
	{ "v6 jumbogram (payload length 0)", { V6, TCP, PAY, .ip_len_delta = -36 }, 0, ACC,
	  XDP_DROP, XW_STAT_MALFORMED, 0 },
	{ "v6 hop-by-hop", { V6, TCP, PAY, .next = 1, .ext = { E(0) } }, 0, ACC, XDP_PASS,
	  XW_STAT_POLICY_ACCEPT, 0 },
	{ "v6 hbh+dst+rt+dst",
	  { V6, UDP, PAY, .next = 4, .ext = { EL(0, 1), E(60), EL(43, 2), EL(60, 255) } }, 0, DRP,
	  XDP_DROP, XW_STAT_POLICY_DROP, 0 },
	{ "v6 AH", { V6, TCP, PAY, .next = 1, .ext = { EL(51, 4) } }, 0, ACC, XDP_PASS,
	  XW_STAT_POLICY_ACCEPT, 0 },
	{ "v6 atomic fragment", { V6, TCP, PAY, .next = 1, .ext = { E(44) } }, 0, ACC, XDP_PASS,
	  XW_STAT_POLICY_ACCEPT, 0 },
	{ "v6 first fragment",
	  { V6, TCP, PAY, .next = 2, .ext = { E(0), { .type = 44, .mf = true } } }, 0, ACC,
	  XDP_PASS, XW_STAT_POLICY_ACCEPT, 0 },
	{ "v6 first fragment, tiny tcp",
	  { V6, TCP, .next = 1, .ext = { { .type = 44, .mf = true } }, .ip_len_delta = -1 }, 0, ACC,
	  XDP_DROP, XW_STAT_MALFORMED, 0 },
	{ "v6 later fragment",
	  { V6, TCP, PAY, .next = 1, .ext = { { .type = 44, .offset = 100, .mf = true } } }, 0, ACC,
	  XDP_PASS, XW_STAT_POLICY_ACCEPT, N_FRAG },
	{ "v6 later fragment, policy drop",
	  { V6, UDP, .payload = 8, .next = 2, .ext = { E(0), { .type = 44, .offset = 1 } } }, 0,
	  DRP, XDP_DROP, XW_STAT_POLICY_DROP, N_FRAG },
	{ "v6 later fragment then dst-opts",
	  { V6, UDP, PAY, .next = 2, .ext = { { .type = 44, .offset = 9 }, E(60) } }, 0, ACC,
	  XDP_PASS, XW_STAT_POLICY_ACCEPT, N_FRAG },
	{ "v6 8 extension headers",
	  { V6, TCP, PAY, .next = 8,
	    .ext = { E(0), E(60), E(43), E(51), E(60), EL(60, 3), E(44), E(60) } },
	  0, DRP, XDP_DROP, XW_STAT_POLICY_DROP, 0 },
	{ "v6 9 extension headers",
	  { V6, TCP, PAY, .next = 9,
	    .ext = { E(0), E(60), E(43), E(51), E(60), E(60), E(44), E(60), E(60) } },
	  0, ACC, XDP_DROP, XW_STAT_EXTHDR_LIMIT, 0 },
	{ "v6 12 extension headers",
	  { V6, UDP, .next = 12,
	    .ext = { E(60), E(60), E(60), E(60), E(60), E(60), E(60), E(60), E(60), E(60), E(60),
		     E(60) } },
	  0, ACC, XDP_DROP, XW_STAT_EXTHDR_LIMIT, 0 },
	{ "v6 extension header past payload",
	  { V6, .proto = 59, .next = 1, .ext = { EL(60, 1) }, .ip_len_delta = -8 }, 0, ACC,
	  XDP_DROP, XW_STAT_MALFORMED, 0 },
	{ "v6 in QinQ with ext, ND 134, policy drop",
	  { .nvlan = 2, .tpid = { ETH_QINQ }, V6, ICMP6(134), .next = 1, .ext = { E(0) } }, 0, DRP,
	  XDP_PASS, XW_STAT_L2_PASS, 0 },
};


/* Run one frame against a fresh counter state; check verdict, the one stat
 * and the notes, all with the frame's bytes. */
static void check_frame(struct xw_env *e, const char *name, const uint8_t *buf, uint32_t len,
			uint32_t verdict, int stat, unsigned notes)
{
	struct xw_counter st[XW_STAT_MAX];
	uint32_t ret = 0;

	if (len < 14) {
		/* see xw_env_run(): such a frame cannot be made */
		assert_int_equal(xw_env_run(e, buf, len, 0, &ret), -EINVAL);
		return;
	}
	assert_int_equal(xw_env_clear_counters(e, 4), 0);
	assert_int_equal(xw_env_run(e, buf, len, 0, &ret), 0);
	assert_int_equal(xw_env_stats(e, st), 0);
	for (int i = 0; i < XW_STAT_MAX; i++) {
		uint64_t want = (i == stat || (notes & (1u << i))) ? 1 : 0;

		if (st[i].packets != want || st[i].bytes != want * len)
			fail_msg("%s (len %u): stat %d = %llu packets %llu bytes, want %llu", name,
				 len, i, (unsigned long long)st[i].packets,
				 (unsigned long long)st[i].bytes, (unsigned long long)want);
	}
	if (ret != verdict)
		fail_msg("%s (len %u): verdict %u, want %u", name, len, ret, verdict);
}

static void test_verdict_table(void **state)
{
	struct xw_env *e = *state;
	uint8_t buf[PKT_MAX];
	struct pkt_layout lay;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		uint32_t len = pkt_build(&r->s, buf, &lay);

		if (r->cut)
			len = r->cut;
		assert_int_equal(xw_env_commit(e, r->policy, 0, NULL, 0, NULL, 0), 0);
		check_frame(e, r->name, buf, len, r->verdict, r->stat, r->notes);
	}
}

/* Every row that reaches the rules: an exact rule for the expected key wins
 * (accept under policy drop), and one with the lowest source address bit
 * flipped does not. */
static void test_parsed_key(void **state)
{
	struct xw_env *e = *state;
	uint8_t buf[PKT_MAX];
	struct pkt_layout lay;
	unsigned checked = 0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct xw_counter ctr;
		struct xw_crule c;
		struct xw_key k;
		uint32_t len;
		int nd;

		if (r->stat != XW_STAT_POLICY_ACCEPT && r->stat != XW_STAT_POLICY_DROP &&
		    r->stat != XW_STAT_L2_PASS)
			continue;
		if (r->s.ethertype)
			continue;
		len = pkt_build(&r->s, buf, &lay);
		pkt_key(&r->s, 0, &k);
		nd = r->stat == XW_STAT_L2_PASS;

		c = crule_exact(&k, 10, 3, XW_ACT_DROP);
		assert_int_equal(xw_env_commit(e, XW_ACT_ACCEPT, 0, &c, 1, NULL, 0), 0);
		check_frame(e, r->name, buf, len, XDP_DROP, XW_STAT_RULE_DROP, r->notes);
		assert_int_equal(xw_env_rule_counter(e, 3, &ctr), 0);
		assert_int_equal(ctr.packets, 1);
		assert_int_equal(ctr.bytes, len);

		c.saddr[(k.flags & XW_PKT_V6) ? 3 : 0] ^= 1;
		assert_int_equal(xw_env_commit(e, XW_ACT_DROP, 0, &c, 1, NULL, 0), 0);
		check_frame(e, r->name, buf, len, nd ? XDP_PASS : XDP_DROP,
			    nd ? XW_STAT_L2_PASS : XW_STAT_POLICY_DROP, r->notes);
		checked++;
	}
	print_message("parsed keys checked: %u\n", checked);
	assert_true(checked > 40);
}

/* Templates cut at every length. */
static const struct pkt_spec templates[] = {
	{ V4, TCP, PAY },
	{ V4, UDP, .ip_opts = 12 },
	{ V4, ICMP4, .ip_opts = 40 },
	{ .nvlan = 2, .tpid = { ETH_QINQ }, V4, TCP, .tcp_doff = 8, .ip_opts = 4 },
	{ V4, TCP, PAY, .frag_offset = 7 },
	{ V4, .proto = 47, PAY },
	{ V6, TCP, PAY },
	{ V6, ICMP6(135) },
	{ .nvlan = 1, V6, UDP, .next = 5,
	  .ext = { EL(0, 1), E(43), EL(51, 2), { .type = 44, .mf = true }, E(60) } },
	{ V6, TCP, .next = 2, .ext = { E(60), { .type = 44, .offset = 3 } }, PAY },
	{ V6, .proto = 59, .next = 1, .ext = { E(0) } },
};

/* Under policy accept: neighbour discovery is L2_PASS, the rest POLICY_ACCEPT. */
static int whole_stat(const struct pkt_spec *s)
{
	if (s->v6 && s->proto == 58 && pkt_has_l4(s) && s->icmp_type >= 133 && s->icmp_type <= 137)
		return XW_STAT_L2_PASS;
	return XW_STAT_POLICY_ACCEPT;
}

static void test_truncated_frames(void **state)
{
	struct xw_env *e = *state;
	uint8_t buf[PKT_MAX];
	struct pkt_layout lay;
	unsigned runs = 0;
	char name[64];

	assert_int_equal(xw_env_commit(e, XW_ACT_ACCEPT, 0, NULL, 0, NULL, 0), 0);
	for (size_t t = 0; t < sizeof(templates) / sizeof(templates[0]); t++) {
		uint32_t len = pkt_build(&templates[t], buf, &lay);

		snprintf(name, sizeof(name), "template %zu whole", t);
		check_frame(e, name, buf, len, XDP_PASS, whole_stat(&templates[t]),
			    pkt_is_later_fragment(&templates[t]) ? N_FRAG : 0);
		/* The IP length fields still say the whole packet: every cut is
		 * malformed. */
		for (uint32_t cut = 0; cut < len; cut++) {
			snprintf(name, sizeof(name), "template %zu cut", t);
			check_frame(e, name, buf, cut, XDP_DROP, XW_STAT_MALFORMED, 0);
			runs++;
		}
	}
	print_message("cut frames: %u\n", runs);
}

static void test_truncated_consistent(void **state)
{
	struct xw_env *e = *state;
	uint8_t buf[PKT_MAX];
	struct pkt_layout lay;
	unsigned runs = 0, passed = 0;
	char name[96];

	assert_int_equal(xw_env_commit(e, XW_ACT_ACCEPT, 0, NULL, 0, NULL, 0), 0);
	for (size_t t = 0; t < sizeof(templates) / sizeof(templates[0]); t++) {
		uint32_t len = pkt_build(&templates[t], buf, &lay);
		bool frag = pkt_is_later_fragment(&templates[t]);
		size_t need = lay.l4_need ? lay.l4_need : lay.l4;

		for (uint32_t cut = 0; cut <= len; cut++) {
			bool ok = cut >= need;

			pkt_build(&templates[t], buf, &lay);
			pkt_cut_consistent(buf, &templates[t], &lay, cut);
			snprintf(name, sizeof(name), "template %zu consistent cut (need %zu)", t,
				 need);
			check_frame(e, name, buf, cut, ok ? XDP_PASS : XDP_DROP,
				    ok ? whole_stat(&templates[t]) : XW_STAT_MALFORMED,
				    ok && frag ? N_FRAG : 0);
			runs++;
			passed += ok;
		}
	}
	print_message("consistent cuts: %u, of which classified: %u\n", runs, passed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		XW_ENV_TEST(test_verdict_table),
		XW_ENV_TEST(test_parsed_key),
		XW_ENV_TEST(test_truncated_frames),
		XW_ENV_TEST(test_truncated_consistent),
	};

	if (xw_env_process_init()) {
		fprintf(stderr, "test_parse: needs root (a private mount namespace)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
