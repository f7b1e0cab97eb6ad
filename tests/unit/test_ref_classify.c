// SPDX-License-Identifier: MIT
/* The reference classifier: each field's match, L4 and family rules, first
 * match wins, count rules, the policy and the IPv6 neighbour discovery pass. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "compile.h"
#include "ref_classify.h"
#include "rule_parse.h"
#include "rule_print.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* A packet in words: "src dst proto sport dport [l4] [flags=N] [vlan=N] [iif=NAME]" */
static struct xw_pkt pkt(const char *desc)
{
	struct xw_pkt p;
	char src[64], dst[64], opt[4][32];
	unsigned proto, sport, dport;
	int n, i;

	memset(&p, 0, sizeof(p));
	n = sscanf(desc, "%63s %63s %u %u %u %31s %31s %31s %31s", src, dst, &proto, &sport,
		   &dport, opt[0], opt[1], opt[2], opt[3]);
	assert_true(n >= 5);
	for (i = 0; i < 2; i++) {
		const char *a = i ? dst : src;
		__u32 *w = &p.key.w[i ? XW_DIM_DADDR0 : XW_DIM_SADDR0];
		unsigned char b[16];
		int j;

		if (strchr(a, ':')) {
			assert_int_equal(inet_pton(AF_INET6, a, b), 1);
			for (j = 0; j < 4; j++)
				w[j] = (uint32_t)b[4 * j] << 24 | (uint32_t)b[4 * j + 1] << 16 |
				       (uint32_t)b[4 * j + 2] << 8 | b[4 * j + 3];
			p.key.flags |= XW_PKT_V6;
		} else {
			assert_int_equal(inet_pton(AF_INET, a, b), 1);
			w[0] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
		}
	}
	p.key.w[XW_DIM_PROTO] = proto;
	p.key.w[XW_DIM_SPORT] = sport;
	p.key.w[XW_DIM_DPORT] = dport;
	for (i = 0; i < n - 5; i++) {
		unsigned v;

		if (!strcmp(opt[i], "l4"))
			p.key.flags |= XW_PKT_L4;
		else if (sscanf(opt[i], "flags=%u", &v) == 1)
			p.key.tcp_flags = (uint8_t)v;
		else if (sscanf(opt[i], "vlan=%u", &v) == 1) {
			p.key.flags |= XW_PKT_VLAN;
			p.key.vlan = (uint16_t)v;
		} else if (sscanf(opt[i], "rawvlan=%u", &v) == 1) {
			p.key.vlan = (uint16_t)v; /* value without the tag flag */
		} else if (!strncmp(opt[i], "iif=", 4))
			snprintf(p.iif, sizeof(p.iif), "%s", opt[i] + 4);
		else
			fail_msg("bad packet option '%s'", opt[i]);
	}
	return p;
}

static struct xw_rule rule(const char *text)
{
	struct xw_rule r;
	struct xw_err err = { 0 };

	if (xw_rule_parse_str(text, &r, &err))
		fail_msg("rule '%s': %s", text, err.msg);
	return r;
}

struct match_case {
	const char *rule;
	const char *pkt;
	bool match;
};

static const struct match_case matches[] = {
	{ "drop", "1.2.3.4 5.6.7.8 6 1 2", true },
	{ "drop", "::1 ::2 17 1 2", true },
	{ "drop", "0.0.0.0 0.0.0.0 0 0 0", true },
	/* addresses and prefixes */
	{ "saddr 10.0.0.0/8 drop", "10.255.1.2 1.1.1.1 6 1 2", true },
	{ "saddr 10.0.0.0/8 drop", "11.0.0.0 1.1.1.1 6 1 2", false },
	{ "saddr 10.0.0.0/8 drop", "9.255.255.255 1.1.1.1 6 1 2", false },
	{ "saddr 10.1.2.3 drop", "10.1.2.3 1.1.1.1 6 1 2", true },
	{ "saddr 10.1.2.3 drop", "10.1.2.2 1.1.1.1 6 1 2", false },
	{ "saddr 10.1.2.2/31 drop", "10.1.2.3 1.1.1.1 6 1 2", true },
	{ "saddr 10.1.2.2/31 drop", "10.1.2.4 1.1.1.1 6 1 2", false },
	{ "saddr 128.0.0.0/1 drop", "200.0.0.1 1.1.1.1 6 1 2", true },
	{ "saddr 128.0.0.0/1 drop", "127.255.255.255 1.1.1.1 6 1 2", false },
	{ "saddr 0.0.0.0/0 drop", "1.2.3.4 1.1.1.1 6 1 2", true },
	{ "saddr 0.0.0.0/0 drop", "::1 ::1 6 1 2", false }, /* family */
	{ "saddr ::/0 drop", "::1 ::1 6 1 2", true },
	{ "saddr ::/0 drop", "1.2.3.4 1.1.1.1 6 1 2", false },
	{ "daddr 192.168.0.0/16 drop", "1.1.1.1 192.168.44.1 6 1 2", true },
	{ "daddr 192.168.0.0/16 drop", "192.168.44.1 1.1.1.1 6 1 2", false },
	{ "saddr 2001:db8::/32 drop", "2001:db8:ffff::1 ::1 6 1 2", true },
	{ "saddr 2001:db8::/32 drop", "2001:db9::1 ::1 6 1 2", false },
	{ "saddr 2001:db8:0:1::/64 drop", "2001:db8:0:1:ffff:ffff:ffff:ffff ::1 6 1 2", true },
	{ "saddr 2001:db8:0:1::/64 drop", "2001:db8:0:2:: ::1 6 1 2", false },
	{ "saddr 2001:db8:0:1:8000::/65 drop", "2001:db8:0:1:8000::1 ::1 6 1 2", true },
	{ "saddr 2001:db8:0:1:8000::/65 drop", "2001:db8:0:1:7fff::1 ::1 6 1 2", false },
	{ "saddr ::2/127 drop", "::3 ::1 6 1 2", true },
	{ "saddr ::2/127 drop", "::4 ::1 6 1 2", false },
	{ "daddr ::1 drop", "::2 ::1 6 1 2", true },
	{ "daddr ::1 drop", "::2 ::1:0 6 1 2", false },
	/* an IPv4 rule never matches IPv6, even with equal first words */
	{ "saddr 32.1.13.184 drop", "2001:db8:: ::1 6 1 2", false },
	{ "saddr 2001:db8::/32 drop", "32.1.13.184 1.1.1.1 6 1 2", false },
	{ "ip protocol tcp drop", "1.1.1.1 2.2.2.2 6 1 2", true },
	{ "ip protocol tcp drop", "::1 ::2 6 1 2", false },
	{ "ip6 nexthdr tcp drop", "::1 ::2 6 1 2", true },
	{ "ip6 nexthdr tcp drop", "1.1.1.1 2.2.2.2 6 1 2", false },
	/* protocol */
	{ "proto tcp drop", "1.1.1.1 2.2.2.2 6 1 2", true },
	{ "proto tcp drop", "::1 ::2 6 1 2", true },
	{ "proto tcp drop", "1.1.1.1 2.2.2.2 17 1 2", false },
	{ "proto 47 drop", "1.1.1.1 2.2.2.2 47 0 0", true },
	{ "proto 47 drop", "1.1.1.1 2.2.2.2 48 0 0", false },
	{ "proto icmp drop", "1.1.1.1 2.2.2.2 1 8 0", true },
	{ "proto icmp drop", "::1 ::2 1 8 0", false },       /* icmp is IPv4 */
	{ "proto icmpv6 drop", "::1 ::2 58 128 0", true },
	{ "proto icmpv6 drop", "1.1.1.1 2.2.2.2 58 128 0", false },
	/* ports need a complete L4 header */
	{ "proto tcp dport 22 drop", "1.1.1.1 2.2.2.2 6 1000 22 l4", true },
	{ "proto tcp dport 22 drop", "1.1.1.1 2.2.2.2 6 1000 22", false },
	{ "proto tcp dport 22 drop", "1.1.1.1 2.2.2.2 6 1000 23 l4", false },
	{ "proto tcp dport 22 drop", "1.1.1.1 2.2.2.2 17 1000 22 l4", false },
	{ "proto udp sport 53 drop", "::1 ::2 17 53 4000 l4", true },
	{ "proto udp sport 53 drop", "::1 ::2 17 54 4000 l4", false },
	{ "proto tcp dport 22,80,1000-2000 drop", "1.1.1.1 2.2.2.2 6 1 80 l4", true },
	{ "proto tcp dport 22,80,1000-2000 drop", "1.1.1.1 2.2.2.2 6 1 1000 l4", true },
	{ "proto tcp dport 22,80,1000-2000 drop", "1.1.1.1 2.2.2.2 6 1 2000 l4", true },
	{ "proto tcp dport 22,80,1000-2000 drop", "1.1.1.1 2.2.2.2 6 1 1500 l4", true },
	{ "proto tcp dport 22,80,1000-2000 drop", "1.1.1.1 2.2.2.2 6 1 999 l4", false },
	{ "proto tcp dport 22,80,1000-2000 drop", "1.1.1.1 2.2.2.2 6 1 2001 l4", false },
	{ "proto tcp dport 22,80,1000-2000 drop", "1.1.1.1 2.2.2.2 6 1 81 l4", false },
	{ "proto tcp dport 0-65535 drop", "1.1.1.1 2.2.2.2 6 1 0 l4", true },
	{ "proto tcp dport 0-65535 drop", "1.1.1.1 2.2.2.2 6 1 65535 l4", true },
	{ "proto tcp dport 0-65535 drop", "1.1.1.1 2.2.2.2 6 1 65535", false },
	{ "proto tcp sport 1024-65535 dport 22 drop", "1.1.1.1 2.2.2.2 6 1024 22 l4", true },
	{ "proto tcp sport 1024-65535 dport 22 drop", "1.1.1.1 2.2.2.2 6 1023 22 l4", false },
	/* tcp flags */
	{ "proto tcp tcp-flags syn drop", "1.1.1.1 2.2.2.2 6 1 2 l4 flags=2", true },
	{ "proto tcp tcp-flags syn drop", "1.1.1.1 2.2.2.2 6 1 2 l4 flags=18", true },
	{ "proto tcp tcp-flags syn drop", "1.1.1.1 2.2.2.2 6 1 2 l4 flags=16", false },
	{ "proto tcp tcp-flags syn drop", "1.1.1.1 2.2.2.2 6 1 2 flags=2", false },
	{ "proto tcp tcp-flags syn,!ack drop", "1.1.1.1 2.2.2.2 6 1 2 l4 flags=2", true },
	{ "proto tcp tcp-flags syn,!ack drop", "1.1.1.1 2.2.2.2 6 1 2 l4 flags=18", false },
	{ "proto tcp tcp-flags syn,!ack drop", "1.1.1.1 2.2.2.2 6 1 2 l4 flags=3", true },
	{ "proto tcp tcp-flags !fin,!syn,!rst,!psh,!ack,!urg,!ece,!cwr drop",
	  "1.1.1.1 2.2.2.2 6 1 2 l4 flags=0", true },
	{ "proto tcp tcp-flags !fin,!syn,!rst,!psh,!ack,!urg,!ece,!cwr drop",
	  "1.1.1.1 2.2.2.2 6 1 2 l4 flags=128", false },
	/* icmp type and code sit in the port words */
	{ "proto icmp icmp-type 8 drop", "1.1.1.1 2.2.2.2 1 8 0 l4", true },
	{ "proto icmp icmp-type 8 drop", "1.1.1.1 2.2.2.2 1 8 5 l4", true },
	{ "proto icmp icmp-type 8 drop", "1.1.1.1 2.2.2.2 1 0 0 l4", false },
	{ "proto icmp icmp-type 8 drop", "1.1.1.1 2.2.2.2 1 8 0", false },
	{ "proto icmp icmp-type 3 code 4 drop", "1.1.1.1 2.2.2.2 1 3 4 l4", true },
	{ "proto icmp icmp-type 3 code 4 drop", "1.1.1.1 2.2.2.2 1 3 3 l4", false },
	{ "proto icmpv6 icmp-type 128 drop", "::1 ::2 58 128 0 l4", true },
	{ "proto icmpv6 icmp-type 128 drop", "::1 ::2 58 129 0 l4", false },
	/* vlan: the outermost tag, only when the frame had one */
	{ "vlan 5 drop", "1.1.1.1 2.2.2.2 6 1 2 vlan=5", true },
	{ "vlan 5 drop", "1.1.1.1 2.2.2.2 6 1 2 vlan=6", false },
	{ "vlan 5 drop", "1.1.1.1 2.2.2.2 6 1 2 rawvlan=5", false },
	{ "vlan 0 drop", "1.1.1.1 2.2.2.2 6 1 2", false },
	{ "vlan 0 drop", "1.1.1.1 2.2.2.2 6 1 2 vlan=0", true },
	/* iif by name */
	{ "iif eth0 drop", "1.1.1.1 2.2.2.2 6 1 2 iif=eth0", true },
	{ "iif eth0 drop", "1.1.1.1 2.2.2.2 6 1 2 iif=eth1", false },
	{ "iif eth0 drop", "1.1.1.1 2.2.2.2 6 1 2 iif=eth00", false },
	{ "iif eth0 drop", "1.1.1.1 2.2.2.2 6 1 2", false },
	{ "iif abcdefghijklmno drop", "1.1.1.1 2.2.2.2 6 1 2 iif=abcdefghijklmno", true },
	/* everything at once */
	{ "iif eth0 vlan 7 saddr 10.0.0.0/8 daddr 10.1.0.0/16 proto tcp sport 1024-65535 "
	  "dport 22 tcp-flags syn,!ack drop",
	  "10.9.9.9 10.1.2.3 6 40000 22 l4 flags=2 vlan=7 iif=eth0", true },
	{ "iif eth0 vlan 7 saddr 10.0.0.0/8 daddr 10.1.0.0/16 proto tcp sport 1024-65535 "
	  "dport 22 tcp-flags syn,!ack drop",
	  "10.9.9.9 10.1.2.3 6 40000 22 l4 flags=2 vlan=8 iif=eth0", false },
	{ "iif eth0 vlan 7 saddr 10.0.0.0/8 daddr 10.1.0.0/16 proto tcp sport 1024-65535 "
	  "dport 22 tcp-flags syn,!ack drop",
	  "10.9.9.9 10.2.2.3 6 40000 22 l4 flags=2 vlan=7 iif=eth0", false },
};

static void test_match(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(matches); i++) {
		struct xw_rule r = rule(matches[i].rule);
		struct xw_pkt p = pkt(matches[i].pkt);

		if (xw_ref_match(&r, &p) != matches[i].match)
			fail_msg("rule '%s' packet '%s': expected %s", matches[i].rule,
				 matches[i].pkt, matches[i].match ? "match" : "no match");
	}
}

/* A ruleset and packets through it. */
struct classify_case {
	const char *pkt;
	uint8_t verdict;
	long rule;
	unsigned ncounted;
	long counted[XW_COUNT_MAX];
};

static void classify_all(const char *const *texts, size_t n, uint8_t policy,
			 const struct classify_case *cases, size_t ncases)
{
	struct xw_rule *rules = calloc(n ? n : 1, sizeof(*rules));
	size_t i, j;

	assert_non_null(rules);
	for (i = 0; i < n; i++)
		rules[i] = rule(texts[i]);
	for (i = 0; i < ncases; i++) {
		struct xw_pkt p = pkt(cases[i].pkt);
		struct xw_ref_result res;

		xw_ref_classify(rules, n, policy, &p, &res);
		if (res.verdict != cases[i].verdict || res.rule != cases[i].rule ||
		    res.ncounted != cases[i].ncounted)
			fail_msg("packet '%s': verdict %u rule %ld counted %u, expected %u %ld %u",
				 cases[i].pkt, res.verdict, res.rule, res.ncounted,
				 cases[i].verdict, cases[i].rule, cases[i].ncounted);
		for (j = 0; j < res.ncounted; j++)
			assert_int_equal(res.counted[j], cases[i].counted[j]);
	}
	free(rules);
}

static void test_first_match(void **state)
{
	static const char *const rules[] = {
		/* 0 */ "proto tcp dport 22 saddr 10.0.0.0/8 accept",
		/* 1 */ "proto tcp dport 22 count",
		/* 2 */ "proto tcp dport 22 drop",
		/* 3 */ "saddr 10.0.0.0/8 count",
		/* 4 */ "proto udp accept",
		/* 5 */ "count",
		/* 6 */ "saddr 192.0.2.0/24 drop",
	};
	static const struct classify_case cases[] = {
		{ "10.1.1.1 1.1.1.1 6 5000 22 l4", XW_ACT_ACCEPT, 0, 0, { 0 } },
		{ "11.1.1.1 1.1.1.1 6 5000 22 l4", XW_ACT_DROP, 2, 1, { 1 } },
		{ "10.1.1.1 1.1.1.1 17 5000 22 l4", XW_ACT_ACCEPT, 4, 1, { 3 } },
		{ "10.1.1.1 1.1.1.1 6 5000 80 l4", XW_ACT_ACCEPT, -1, 2, { 3, 5 } },
		{ "192.0.2.9 1.1.1.1 6 5000 80 l4", XW_ACT_DROP, 6, 1, { 5 } },
		{ "192.0.2.9 1.1.1.1 6 5000 22", XW_ACT_DROP, 6, 1, { 5 } }, /* no L4: ports fail */
		{ "::1 ::2 6 5000 22 l4", XW_ACT_DROP, 2, 1, { 1 } },
	};

	(void)state;
	classify_all(rules, ARRAY_SIZE(rules), XW_ACT_ACCEPT, cases, ARRAY_SIZE(cases));
}

static void test_policy_and_nd(void **state)
{
	static const char *const rules[] = {
		/* 0 */ "proto tcp dport 22 accept",
		/* 1 */ "saddr fe80::bad drop",
	};
	static const struct classify_case drop_cases[] = {
		{ "1.1.1.1 2.2.2.2 6 1 22 l4", XW_ACT_ACCEPT, 0, 0, { 0 } },
		{ "1.1.1.1 2.2.2.2 6 1 23 l4", XW_ACT_DROP, -1, 0, { 0 } },
		/* neighbour discovery passes the drop policy: types 133-137 */
		{ "fe80::1 ff02::1 58 133 0 l4", XW_ACT_ACCEPT, -1, 0, { 0 } },
		{ "fe80::1 ff02::1 58 134 0 l4", XW_ACT_ACCEPT, -1, 0, { 0 } },
		{ "fe80::1 ff02::1 58 135 0 l4", XW_ACT_ACCEPT, -1, 0, { 0 } },
		{ "fe80::1 ff02::1 58 136 0 l4", XW_ACT_ACCEPT, -1, 0, { 0 } },
		{ "fe80::1 ff02::1 58 137 0 l4", XW_ACT_ACCEPT, -1, 0, { 0 } },
		{ "fe80::1 ff02::1 58 132 0 l4", XW_ACT_DROP, -1, 0, { 0 } },
		{ "fe80::1 ff02::1 58 138 0 l4", XW_ACT_DROP, -1, 0, { 0 } },
		{ "fe80::1 ff02::1 58 128 0 l4", XW_ACT_DROP, -1, 0, { 0 } },
		/* not ND: incomplete header, IPv4, another protocol */
		{ "fe80::1 ff02::1 58 135 0", XW_ACT_DROP, -1, 0, { 0 } },
		{ "1.1.1.1 2.2.2.2 58 135 0 l4", XW_ACT_DROP, -1, 0, { 0 } },
		{ "fe80::1 ff02::1 17 135 0 l4", XW_ACT_DROP, -1, 0, { 0 } },
		/* a rule may still drop ND explicitly */
		{ "fe80::bad ff02::1 58 135 0 l4", XW_ACT_DROP, 1, 0, { 0 } },
	};
	static const struct classify_case accept_cases[] = {
		{ "1.1.1.1 2.2.2.2 6 1 23 l4", XW_ACT_ACCEPT, -1, 0, { 0 } },
		{ "fe80::bad ff02::1 58 135 0 l4", XW_ACT_DROP, 1, 0, { 0 } },
	};

	(void)state;
	classify_all(rules, ARRAY_SIZE(rules), XW_ACT_DROP, drop_cases, ARRAY_SIZE(drop_cases));
	classify_all(rules, ARRAY_SIZE(rules), XW_ACT_ACCEPT, accept_cases,
		     ARRAY_SIZE(accept_cases));
	/* no rules at all */
	classify_all(NULL, 0, XW_ACT_DROP, drop_cases + 1, 1);
}

/* More matching count rules than XW_COUNT_MAX: the first ones are listed. */
static void test_count_max(void **state)
{
	static const char *const rules[] = {
		"count", "count", "proto udp count", "count", "count", "count",
		"count", "count", "count", "count", "count", "drop",
	};
	static const struct classify_case cases[] = {
		{ "1.1.1.1 2.2.2.2 6 1 2", XW_ACT_DROP, 11, XW_COUNT_MAX,
		  { 0, 1, 3, 4, 5, 6, 7, 8 } },
		{ "1.1.1.1 2.2.2.2 17 1 2", XW_ACT_DROP, 11, XW_COUNT_MAX,
		  { 0, 1, 2, 3, 4, 5, 6, 7 } },
	};

	(void)state;
	classify_all(rules, ARRAY_SIZE(rules), XW_ACT_ACCEPT, cases, ARRAY_SIZE(cases));
}

/* ---- random rules and packets near them: the compiled-rule predicate of
 * lib/compile.c (what the XDP program checks) agrees with the reference ---- */

static unsigned rnd(unsigned *seed, unsigned n)
{
	return (unsigned)rand_r(seed) % n;
}

static uint32_t rnd32(unsigned *seed)
{
	return (uint32_t)rand_r(seed) << 16 ^ (uint32_t)rand_r(seed);
}

static void rand_cidr(unsigned *seed, int fam, struct xw_cidr *c)
{
	static const uint8_t v4len[] = { 0, 1, 8, 16, 24, 31, 32 };
	static const uint8_t v6len[] = { 0, 1, 32, 48, 64, 65, 96, 127, 128 };
	int i;

	memset(c, 0, sizeof(*c));
	c->family = (uint8_t)fam;
	c->plen = fam == 4 ? v4len[rnd(seed, sizeof(v4len))] : v6len[rnd(seed, sizeof(v6len))];
	for (i = 0; i < (fam == 4 ? 1 : 4); i++) {
		int bits = (int)c->plen - 32 * i;

		c->w[i] = bits <= 0 ? 0 : bits < 32 ? rnd32(seed) & ~(0xffffffffu >> bits) :
						   rnd32(seed);
	}
}

static void rand_ports(unsigned *seed, struct xw_portset *ps)
{
	unsigned i, lo = rnd(seed, 100);

	memset(ps, 0, sizeof(*ps));
	ps->n = (uint16_t)(1 + rnd(seed, 3));
	for (i = 0; i < ps->n; i++) {
		ps->r[i].lo = (uint16_t)lo;
		ps->r[i].hi = (uint16_t)(lo + rnd(seed, 3) * rnd(seed, 20));
		lo = ps->r[i].hi + 2 + rnd(seed, 100);
	}
}

static void rand_rule(unsigned *seed, struct xw_rule *r)
{
	static const uint8_t protos[] = { 6, 17, 1, 58, 47 };
	int fam = rnd(seed, 2) ? 4 : 6;

	memset(r, 0, sizeof(*r));
	r->action = (uint8_t)(1 + rnd(seed, 3));
	if (rnd(seed, 4) == 0) {
		r->fields |= XW_F_IIF;
		strcpy(r->iif, rnd(seed, 2) ? "eth0" : "eth1");
	}
	if (rnd(seed, 4) == 0) {
		r->fields |= XW_F_VLAN;
		r->vlan = (uint16_t)rnd(seed, 3);
	}
	if (rnd(seed, 2)) {
		r->fields |= XW_F_PROTO;
		r->proto = protos[rnd(seed, sizeof(protos))];
		if (r->proto == 1)
			fam = 4;
		if (r->proto == 58)
			fam = 6;
	}
	if (rnd(seed, 2)) {
		r->fields |= XW_F_SADDR;
		rand_cidr(seed, fam, &r->saddr);
	}
	if (rnd(seed, 2)) {
		r->fields |= XW_F_DADDR;
		rand_cidr(seed, fam, &r->daddr);
	}
	if ((r->fields & (XW_F_SADDR | XW_F_DADDR)) ||
	    ((r->fields & XW_F_PROTO) && (r->proto == 1 || r->proto == 58)))
		r->family = (uint8_t)fam;
	if ((r->fields & XW_F_PROTO) && (r->proto == 6 || r->proto == 17)) {
		if (rnd(seed, 2)) {
			r->fields |= XW_F_SPORT;
			rand_ports(seed, &r->sport);
		}
		if (rnd(seed, 2)) {
			r->fields |= XW_F_DPORT;
			rand_ports(seed, &r->dport);
		}
		if (r->proto == 6 && rnd(seed, 3) == 0) {
			r->fields |= XW_F_TCPFLAGS;
			r->tcp_mask = (uint8_t)(1 + rnd(seed, 255));
			r->tcp_flags = (uint8_t)rnd(seed, 256) & r->tcp_mask;
		}
	}
	if ((r->fields & XW_F_PROTO) && (r->proto == 1 || r->proto == 58) && rnd(seed, 2)) {
		r->fields |= XW_F_ICMPTYPE;
		r->icmp_type = (uint8_t)rnd(seed, 4);
		if (rnd(seed, 2)) {
			r->fields |= XW_F_ICMPCODE;
			r->icmp_code = (uint8_t)rnd(seed, 3);
		}
	}
}

/* A packet built to sit on or near rule r's edges. */
static void near_pkt(unsigned *seed, const struct xw_rule *r, struct xw_pkt *p)
{
	int i, fam = r->family ? r->family : (rnd(seed, 2) ? 4 : 6);

	if (rnd(seed, 8) == 0)
		fam = fam == 4 ? 6 : 4;
	memset(p, 0, sizeof(*p));
	if (fam == 6)
		p->key.flags |= XW_PKT_V6;
	for (i = 0; i < 2; i++) {
		const struct xw_cidr *c = i ? &r->daddr : &r->saddr;
		__u32 *w = &p->key.w[i ? XW_DIM_DADDR0 : XW_DIM_SADDR0];
		int j, words = fam == 4 ? 1 : 4;

		for (j = 0; j < words; j++) {
			w[j] = rnd32(seed);
			if ((r->fields & (i ? XW_F_DADDR : XW_F_SADDR)) && rnd(seed, 4)) {
				int bits = (int)c->plen - 32 * j;
				uint32_t m = bits <= 0 ? 0 : bits >= 32 ? 0xffffffffu :
							 ~(0xffffffffu >> bits);

				w[j] = (c->w[j] & m) | (w[j] & ~m);
			}
		}
		/* flip one bit now and then, often a prefix's last one */
		if (rnd(seed, 4) == 0 && c->plen) {
			unsigned b = rnd(seed, 2) ? c->plen - 1u : rnd(seed, words * 32u);

			if (b < (unsigned)words * 32)
				w[b / 32] ^= 1u << (31 - b % 32);
		}
	}
	p->key.w[XW_DIM_PROTO] = (r->fields & XW_F_PROTO) && rnd(seed, 6) ? r->proto :
				 (unsigned[]){ 6, 17, 1, 58, 47 }[rnd(seed, 5)];
	for (i = 0; i < 2; i++) {
		const struct xw_portset *ps = i ? &r->dport : &r->sport;
		unsigned v = rnd(seed, 300);

		if ((r->fields & (i ? XW_F_DPORT : XW_F_SPORT)) && rnd(seed, 4)) {
			const struct xw_port_range *pr = &ps->r[rnd(seed, ps->n)];
			int d = (int)rnd(seed, 3) - 1;

			v = (rnd(seed, 2) ? pr->lo : pr->hi) + d;
		}
		if ((r->fields & XW_F_ICMPTYPE) && rnd(seed, 2))
			v = i ? (unsigned)r->icmp_code + rnd(seed, 2) : (unsigned)r->icmp_type + rnd(seed, 2);
		p->key.w[i ? XW_DIM_DPORT : XW_DIM_SPORT] = v & 0xffff;
	}
	p->key.tcp_flags = (uint8_t)rnd(seed, 256);
	if ((r->fields & XW_F_TCPFLAGS) && rnd(seed, 2))
		p->key.tcp_flags = (uint8_t)((p->key.tcp_flags & ~r->tcp_mask) | r->tcp_flags);
	if (rnd(seed, 6))
		p->key.flags |= XW_PKT_L4;
	if (rnd(seed, 2)) {
		p->key.flags |= XW_PKT_VLAN;
		p->key.vlan = (uint16_t)rnd(seed, 3);
	}
	strcpy(p->iif, rnd(seed, 2) ? "eth0" : "eth1");
}

static void test_compiled_rules_agree(void **state)
{
	struct xw_crule c[XW_PORTS_MAX * XW_PORTS_MAX];
	unsigned seed = 4242, i, j, matched = 0, n = 200000;

	(void)state;
	for (i = 0; i < n; i++) {
		struct xw_rule r;
		struct xw_pkt p;
		bool ref, comp = false;
		int nc;

		rand_rule(&seed, &r);
		near_pkt(&seed, &r, &p);
		nc = xw_crule_expand(&r, 0, 0, c, sizeof(c) / sizeof(c[0]));
		assert_true(nc > 0);
		for (j = 0; j < (unsigned)nc; j++)
			comp |= xw_crule_match(&c[j], r.iif, &p);
		ref = xw_ref_match(&r, &p);
		matched += ref;
		if (ref != comp) {
			char text[512];

			xw_rule_format(&r, text, sizeof(text));
			fail_msg("rule '%s': reference %d, compiled %d (pkt flags %#x proto %u "
				 "sport %u dport %u)", text, ref, comp, p.key.flags,
				 p.key.w[XW_DIM_PROTO], p.key.w[XW_DIM_SPORT], p.key.w[XW_DIM_DPORT]);
		}
	}
	printf("FIGURE ref_vs_crule_pairs=%u matched=%u\n", n, matched);
	/* the generator must hit both sides often */
	assert_true(matched > n / 20 && matched < n - n / 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_first_match),
		cmocka_unit_test(test_policy_and_nd),
		cmocka_unit_test(test_count_max),
		cmocka_unit_test(test_compiled_rules_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
