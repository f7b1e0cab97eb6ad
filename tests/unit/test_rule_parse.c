// SPDX-License-Identifier: MIT
/* The rule language parser: every field and spelling, every bad input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rule_parse.h"
#include "rule_print.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Input text -> canonical text. */
struct good_case {
	const char *in;
	const char *canon;
};

static const struct good_case good[] = {
	/* every field, canonical order */
	{ "drop", "drop" },
	{ "accept", "accept" },
	{ "count", "count" },
	{ "iif eth0 drop", "iif eth0 drop" },
	{ "iif veth-a.100 accept", "iif veth-a.100 accept" },
	{ "vlan 0 drop", "vlan 0 drop" },
	{ "vlan 4095 drop", "vlan 4095 drop" },
	{ "saddr 10.0.0.0/8 drop", "saddr 10.0.0.0/8 drop" },
	{ "saddr 10.1.2.3 drop", "saddr 10.1.2.3 drop" },
	{ "saddr 10.1.2.3/32 drop", "saddr 10.1.2.3 drop" },
	{ "saddr 0.0.0.0/0 drop", "saddr 0.0.0.0/0 drop" },
	{ "daddr 192.168.1.0/24 accept", "daddr 192.168.1.0/24 accept" },
	{ "daddr 255.255.255.255 accept", "daddr 255.255.255.255 accept" },
	{ "saddr 2001:db8::/32 drop", "saddr 2001:db8::/32 drop" },
	{ "saddr 2001:DB8:0:0::1 drop", "saddr 2001:db8::1 drop" },
	{ "daddr ::/0 drop", "daddr ::/0 drop" },
	{ "daddr ::1/128 drop", "daddr ::1 drop" },
	{ "saddr ::ffff:1.2.3.4 drop", "saddr ::ffff:1.2.3.4 drop" },
	{ "saddr fe80::/10 daddr ff02::1 accept", "saddr fe80::/10 daddr ff02::1 accept" },
	{ "proto tcp drop", "proto tcp drop" },
	{ "proto udp drop", "proto udp drop" },
	{ "proto icmp drop", "proto icmp drop" },
	{ "proto icmpv6 drop", "proto icmpv6 drop" },
	{ "proto ipv6-icmp drop", "proto icmpv6 drop" },
	{ "proto 6 drop", "proto tcp drop" },
	{ "proto 17 drop", "proto udp drop" },
	{ "proto 1 drop", "proto icmp drop" },
	{ "proto 58 drop", "proto icmpv6 drop" },
	{ "proto 47 drop", "proto 47 drop" },
	{ "proto gre drop", "proto 47 drop" },
	{ "proto sctp drop", "proto 132 drop" },
	{ "proto 0 drop", "proto 0 drop" },
	{ "proto 255 drop", "proto 255 drop" },
	{ "proto tcp sport 1024-65535 accept", "proto tcp sport 1024-65535 accept" },
	{ "proto tcp dport 22 drop", "proto tcp dport 22 drop" },
	{ "proto udp dport 0 drop", "proto udp dport 0 drop" },
	{ "proto udp dport 65535 drop", "proto udp dport 65535 drop" },
	{ "proto tcp dport 80,22,1000-2000 drop", "proto tcp dport 22,80,1000-2000 drop" },
	{ "proto tcp dport 22,23,24 drop", "proto tcp dport 22-24 drop" },
	{ "proto tcp dport 1000-2000,1500-2500 drop", "proto tcp dport 1000-2500 drop" },
	{ "proto tcp dport 1000-2000,2001-2002 drop", "proto tcp dport 1000-2002 drop" },
	{ "proto tcp dport 5-5 drop", "proto tcp dport 5 drop" },
	{ "proto tcp dport 22,22,22 drop", "proto tcp dport 22 drop" },
	{ "proto tcp dport 0-65535 drop", "proto tcp dport 0-65535 drop" },
	{ "proto tcp dport 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31 drop",
	  "proto tcp dport 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31 drop" },
	{ "proto tcp dport 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31,30 drop",
	  "proto tcp dport 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29-31 drop" },
	{ "proto tcp dport 080 drop", "proto tcp dport 80 drop" },
	{ "proto tcp tcp-flags syn drop", "proto tcp tcp-flags syn drop" },
	{ "proto tcp tcp-flags syn,!ack drop", "proto tcp tcp-flags syn,!ack drop" },
	{ "proto tcp tcp-flags !ack,syn drop", "proto tcp tcp-flags syn,!ack drop" },
	{ "proto tcp tcp-flags cwr,ece,urg,ack,psh,rst,syn,fin drop",
	  "proto tcp tcp-flags fin,syn,rst,psh,ack,urg,ece,cwr drop" },
	{ "proto tcp tcp-flags !fin,!syn,!rst,!psh,!ack,!urg,!ece,!cwr drop",
	  "proto tcp tcp-flags !fin,!syn,!rst,!psh,!ack,!urg,!ece,!cwr drop" },
	{ "proto icmp icmp-type 8 drop", "proto icmp icmp-type 8 drop" },
	{ "proto icmp icmp-type 3 code 4 drop", "proto icmp icmp-type 3 code 4 drop" },
	{ "proto icmp icmp-type echo-request drop", "proto icmp icmp-type 8 drop" },
	{ "proto icmp icmp-type echo-reply accept", "proto icmp icmp-type 0 accept" },
	{ "proto icmpv6 icmp-type echo-request drop", "proto icmpv6 icmp-type 128 drop" },
	{ "proto icmpv6 icmp-type nd-neighbor-solicit accept",
	  "proto icmpv6 icmp-type 135 accept" },
	{ "proto icmpv6 icmp-type 255 code 255 drop", "proto icmpv6 icmp-type 255 code 255 drop" },
	{ "proto icmp icmp-type 0 code 0 drop", "proto icmp icmp-type 0 code 0 drop" },
	{ "drop comment \"ssh\"", "drop comment \"ssh\"" },
	{ "drop comment \"\"", "drop comment \"\"" },
	{ "drop comment \"a \\\"quoted\\\" \\\\ # not a comment\"",
	  "drop comment \"a \\\"quoted\\\" \\\\ # not a comment\"" },
	{ "drop comment bare", "drop comment \"bare\"" },
	/* all fields at once */
	{ "iif eth0 vlan 7 saddr 10.0.0.0/8 daddr 10.1.0.0/16 proto tcp sport 1024-65535 "
	  "dport 22,80 tcp-flags syn,!ack drop comment \"all\"",
	  "iif eth0 vlan 7 saddr 10.0.0.0/8 daddr 10.1.0.0/16 proto tcp sport 1024-65535 "
	  "dport 22,80 tcp-flags syn,!ack drop comment \"all\"" },
	/* any order */
	{ "drop comment \"x\" dport 22 proto tcp saddr 1.2.3.4 iif lo",
	  "iif lo saddr 1.2.3.4 proto tcp dport 22 drop comment \"x\"" },
	{ "code 1 icmp-type 3 proto icmp accept", "proto icmp icmp-type 3 code 1 accept" },
	{ "tcp-flags syn proto tcp vlan 2 count", "vlan 2 proto tcp tcp-flags syn count" },
	/* whitespace */
	{ "  \tsaddr\t10.0.0.0/8   drop  ", "saddr 10.0.0.0/8 drop" },
	/* nft spellings */
	{ "ip saddr 10.0.0.0/8 drop", "saddr 10.0.0.0/8 drop" },
	{ "ip daddr 10.0.0.1 drop", "daddr 10.0.0.1 drop" },
	{ "ip6 saddr 2001:db8::/32 drop", "saddr 2001:db8::/32 drop" },
	{ "ip6 daddr ::1 drop", "daddr ::1 drop" },
	{ "ip protocol tcp drop", "saddr 0.0.0.0/0 proto tcp drop" },
	{ "ip protocol icmp drop", "proto icmp drop" },
	{ "ip6 nexthdr udp drop", "saddr ::/0 proto udp drop" },
	{ "ip6 nexthdr icmpv6 drop", "proto icmpv6 drop" },
	{ "ip protocol tcp ip daddr 10.0.0.1 drop", "daddr 10.0.0.1 proto tcp drop" },
	{ "meta l4proto tcp drop", "proto tcp drop" },
	{ "meta l4proto 47 drop", "proto 47 drop" },
	{ "tcp dport 22 drop", "proto tcp dport 22 drop" },
	{ "tcp sport 1024-65535 tcp dport 22 accept", "proto tcp sport 1024-65535 dport 22 accept" },
	{ "udp sport 53 accept", "proto udp sport 53 accept" },
	{ "udp dport 53,123 accept", "proto udp dport 53,123 accept" },
	{ "proto tcp tcp dport 22 drop", "proto tcp dport 22 drop" },
	{ "tcp dport 22 proto tcp drop", "proto tcp dport 22 drop" },
	{ "tcp dport 22 proto 6 drop", "proto tcp dport 22 drop" },
	{ "tcp dport 22 tcp-flags syn drop", "proto tcp dport 22 tcp-flags syn drop" },
	{ "tcp dport { 22, 80, 1000-2000 } accept", "proto tcp dport 22,80,1000-2000 accept" },
	{ "udp sport {53} udp dport { 1-2,3 } accept", "proto udp sport 53 dport 1-3 accept" },
	{ "tcp dport 22 counter drop", "proto tcp dport 22 drop" },
	{ "counter accept counter", "accept" },
	{ "iifname eth0 drop", "iif eth0 drop" },
	{ "iifname \"eth0\" drop", "iif eth0 drop" },
	{ "vlan id 5 drop", "vlan 5 drop" },
	{ "icmp type 8 drop", "proto icmp icmp-type 8 drop" },
	{ "icmp type echo-request drop", "proto icmp icmp-type 8 drop" },
	{ "icmp type 3 icmp code 1 drop", "proto icmp icmp-type 3 code 1 drop" },
	{ "icmpv6 type 128 accept", "proto icmpv6 icmp-type 128 accept" },
	{ "icmpv6 type nd-router-advert accept", "proto icmpv6 icmp-type 134 accept" },
	{ "icmpv6 type 1 code 4 accept", "proto icmpv6 icmp-type 1 code 4 accept" },
	{ "ip6 saddr fe80::/10 icmpv6 type 135 accept",
	  "saddr fe80::/10 proto icmpv6 icmp-type 135 accept" },
	{ "ip saddr 10.0.0.0/8 icmp type 8 drop", "saddr 10.0.0.0/8 proto icmp icmp-type 8 drop" },
	{ "iifname eth1 ip saddr 192.0.2.0/24 tcp dport 443 accept",
	  "iif eth1 saddr 192.0.2.0/24 proto tcp dport 443 accept" },
};

static void parse_ok(const char *in, struct xw_rule *r)
{
	struct xw_err err = { 0 };
	int ret = xw_rule_parse_str(in, r, &err);

	if (ret)
		fail_msg("'%s' rejected: %s", in, err.msg);
}

static void test_good(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		struct xw_rule r, r2;
		char buf[XW_RULE_TEXT_MAX];
		struct xw_err err;

		parse_ok(good[i].in, &r);
		assert_true(xw_rule_format(&r, buf, sizeof(buf)) > 0);
		if (strcmp(buf, good[i].canon))
			fail_msg("'%s' printed as '%s', expected '%s'", good[i].in, buf,
				 good[i].canon);
		/* and the canonical text reads back to the identical struct */
		assert_int_equal(xw_rule_parse_str(buf, &r2, &err), 0);
		assert_memory_equal(&r, &r2, sizeof(r));
	}
}

/* The struct fields a few spellings must give. */
static void test_fields(void **state)
{
	struct xw_rule r;

	(void)state;
	parse_ok("iif eth0 vlan 100 saddr 10.1.0.0/16 daddr 10.2.3.4 proto tcp sport 1-2,4 "
		 "dport 80 tcp-flags syn,!ack drop comment \"c\"", &r);
	assert_int_equal(r.fields, XW_F_IIF | XW_F_VLAN | XW_F_SADDR | XW_F_DADDR | XW_F_PROTO |
				   XW_F_SPORT | XW_F_DPORT | XW_F_TCPFLAGS | XW_F_COMMENT);
	assert_string_equal(r.iif, "eth0");
	assert_int_equal(r.vlan, 100);
	assert_int_equal(r.family, 4);
	assert_int_equal(r.saddr.family, 4);
	assert_int_equal(r.saddr.plen, 16);
	assert_int_equal(r.saddr.w[0], 0x0a010000);
	assert_int_equal(r.daddr.plen, 32);
	assert_int_equal(r.daddr.w[0], 0x0a020304);
	assert_int_equal(r.proto, 6);
	assert_int_equal(r.sport.n, 2);
	assert_int_equal(r.sport.r[0].lo, 1);
	assert_int_equal(r.sport.r[0].hi, 2);
	assert_int_equal(r.sport.r[1].lo, 4);
	assert_int_equal(r.sport.r[1].hi, 4);
	assert_int_equal(r.dport.n, 1);
	assert_int_equal(r.dport.r[0].lo, 80);
	assert_int_equal(r.tcp_flags, 0x02);
	assert_int_equal(r.tcp_mask, 0x12);
	assert_int_equal(r.action, XW_ACT_DROP);
	assert_string_equal(r.comment, "c");
	assert_int_equal(r.handle, 0);

	parse_ok("saddr 2001:db8:1:2:3:4:5:6/127 icmpv6 type 1 code 3 accept", &r);
	assert_int_equal(r.family, 6);
	assert_int_equal(r.saddr.family, 6);
	assert_int_equal(r.saddr.plen, 127);
	assert_int_equal(r.saddr.w[0], 0x20010db8);
	assert_int_equal(r.saddr.w[1], 0x00010002);
	assert_int_equal(r.saddr.w[2], 0x00030004);
	assert_int_equal(r.saddr.w[3], 0x00050006);
	assert_int_equal(r.proto, 58);
	assert_int_equal(r.fields, XW_F_SADDR | XW_F_PROTO | XW_F_ICMPTYPE | XW_F_ICMPCODE);
	assert_int_equal(r.icmp_type, 1);
	assert_int_equal(r.icmp_code, 3);
	assert_int_equal(r.action, XW_ACT_ACCEPT);

	parse_ok("proto icmp count", &r);
	assert_int_equal(r.family, 4);
	assert_int_equal(r.fields, XW_F_PROTO);
	assert_int_equal(r.action, XW_ACT_COUNT);

	parse_ok("proto tcp drop", &r);
	assert_int_equal(r.family, 0);

	parse_ok("ip protocol udp drop", &r);
	assert_int_equal(r.family, 4);
	assert_int_equal(r.fields, XW_F_SADDR | XW_F_PROTO);
	assert_int_equal(r.saddr.plen, 0);
}

/* Bad input: the message must name the token (needle), err->col where it is. */
struct bad_case {
	const char *in;
	const char *needle;
	int col; /* -2: do not check */
};

static const struct bad_case bad[] = {
	/* ports */
	{ "proto tcp dport 65536 drop", "65536", 16 },
	{ "proto tcp dport 70000 drop", "70000", 16 },
	{ "proto tcp sport 99999999999999999999 drop", "99999999999999999999", 16 },
	{ "proto tcp dport 2000-1000 drop", "2000-1000", 16 },
	{ "proto tcp dport 1000-70000 drop", "1000-70000", 16 },
	{ "proto tcp dport 22, drop", "22,", 16 },
	{ "proto tcp dport ,22 drop", ",22", 16 },
	{ "proto tcp dport 22,,80 drop", "22,,80", 16 },
	{ "proto tcp dport 1000- drop", "1000-", 16 },
	{ "proto tcp dport -1000 drop", "-1000", 16 },
	{ "proto tcp dport 1000--2000 drop", "1000--2000", 16 },
	{ "proto tcp dport +22 drop", "+22", 16 },
	{ "proto tcp dport 0x16 drop", "0x16", 16 },
	{ "proto tcp dport 22a drop", "22a", 16 },
	{ "proto tcp dport ssh drop", "ssh", 16 },
	{ "proto tcp dport 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31,33 drop",
	  "1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31,33", 16 },
	{ "proto tcp dport drop", "'drop'", 16 },
	{ "tcp dport { 22, 80 drop", "{22,80drop", 10 },
	{ "tcp dport { } drop", "{}", 10 },
	{ "tcp dport {22}} drop", "{22}}", 10 },
	{ "tcp dport { 22, 70000 } drop", "70000", 10 },
	{ "tcp dport \"{ 22 }\" drop", "{ 22 }", 10 },
	{ "counter", "missing action", -2 },
	{ "proto tcp dport", "dport", 15 },
	/* addresses */
	{ "saddr 10.0.0.0/33 drop", "10.0.0.0/33", 6 },
	{ "saddr 300.1.1.1 drop", "300.1.1.1", 6 },
	{ "saddr 010.0.0.1 drop", "010.0.0.1", 6 },
	{ "saddr 10.00.0.1 drop", "10.00.0.1", 6 },
	{ "saddr 10.0.0.1/8 drop", "10.0.0.0/8", 6 },
	{ "daddr 192.168.1.1/24 drop", "192.168.1.0/24", 6 },
	{ "saddr 2001:db8::1/32 drop", "2001:db8::/32", 6 },
	{ "saddr 10.0.0 drop", "10.0.0", 6 },
	{ "saddr 10.0.0.0.0 drop", "10.0.0.0.0", 6 },
	{ "saddr 10.0.0. drop", "10.0.0.", 6 },
	{ "saddr .10.0.0.0 drop", ".10.0.0.0", 6 },
	{ "saddr 1.2.3.4/ drop", "1.2.3.4/", 6 },
	{ "saddr 1.2.3.4/-1 drop", "1.2.3.4/-1", 6 },
	{ "saddr 1.2.3.4/x drop", "1.2.3.4/x", 6 },
	{ "saddr 1.2.3.4/32/32 drop", "1.2.3.4/32/32", 6 },
	{ "saddr 1.2.3.1234 drop", "1.2.3.1234", 6 },
	{ "saddr 0x0a.0.0.1 drop", "0x0a.0.0.1", 6 },
	{ "saddr /8 drop", "/8", 6 },
	{ "saddr localhost drop", "localhost", 6 },
	{ "saddr 1::2::3 drop", "1::2::3", 6 },
	{ "saddr :::1 drop", ":::1", 6 },
	{ "saddr 12345::1 drop", "12345::1", 6 },
	{ "saddr g::1 drop", "g::1", 6 },
	{ "saddr 1:2:3:4:5:6:7:8:9 drop", "1:2:3:4:5:6:7:8:9", 6 },
	{ "saddr 1:2:3:4:5:6:7 drop", "1:2:3:4:5:6:7", 6 },
	{ "saddr fe80::1%eth0 drop", "fe80::1%eth0", 6 },
	{ "saddr [::1] drop", "[::1]", 6 },
	{ "saddr ::1/129 drop", "::1/129", 6 },
	{ "saddr ::ffff:010.1.2.3 drop", "::ffff:010.1.2.3", 6 },
	{ "ip saddr ::1 drop", "::1", 9 },
	{ "ip6 daddr 10.0.0.1 drop", "10.0.0.1", 10 },
	/* protocol, keywords, actions */
	{ "proto foo drop", "foo", 6 },
	{ "proto 256 drop", "256", 6 },
	{ "proto -1 drop", "-1", 6 },
	{ "proto TCP drop", "TCP", 6 },
	{ "foo drop", "foo", 0 },
	{ "saddr 10.0.0.0/8 bogus drop", "bogus", 17 },
	{ "Drop", "Drop", 0 },
	{ "saddr 10.0.0.0/8", "missing action", -2 },
	{ "", "missing action", -2 },
	{ "   ", "missing action", -2 },
	{ "proto tcp dport 22", "missing action", -2 },
	{ "accept drop", "drop", 7 },
	{ "drop drop", "drop", 5 },
	{ "count accept count", "accept", 6 },
	{ "drop comment \"x\" accept", "accept", 17 },
	/* a field twice */
	{ "saddr 1.1.1.1 saddr 2.2.2.2 drop", "saddr", 14 },
	{ "daddr 1.1.1.1 ip daddr 2.2.2.2 drop", "daddr", 17 },
	{ "proto tcp proto tcp drop", "proto", 10 },
	{ "proto tcp meta l4proto tcp drop", "l4proto", 15 },
	{ "proto tcp dport 1 dport 2 drop", "dport", 18 },
	{ "proto tcp sport 1 tcp sport 2 drop", "sport", 22 },
	{ "iif a iif b drop", "iif", 6 },
	{ "iif a iifname b drop", "iifname", 6 },
	{ "vlan 1 vlan 2 drop", "vlan", 7 },
	{ "proto tcp tcp-flags syn tcp-flags ack drop", "tcp-flags", 24 },
	{ "proto icmp icmp-type 1 icmp-type 2 drop", "icmp-type", 23 },
	{ "proto icmp icmp-type 1 code 1 code 2 drop", "code", 30 },
	{ "drop comment a comment b", "comment", 15 },
	/* protocol conflicts */
	{ "proto udp tcp dport 22 drop", "tcp", 10 },
	{ "tcp dport 22 udp sport 1 drop", "udp", 13 },
	{ "tcp dport 22 proto udp drop", "udp", 19 },
	{ "icmp type 8 icmpv6 type 128 drop", "icmpv6", 12 },
	/* fields that need a protocol */
	{ "proto icmp sport 22 drop", "sport", 11 },
	{ "proto icmp dport 22 drop", "dport", 11 },
	{ "sport 22 drop", "sport", 0 },
	{ "dport 22 drop", "dport", 0 },
	{ "proto 47 dport 22 drop", "dport", 9 },
	{ "proto udp tcp-flags syn drop", "tcp-flags", 10 },
	{ "tcp-flags syn drop", "tcp-flags", 0 },
	{ "icmp-type 8 drop", "icmp-type", 0 },
	{ "proto tcp icmp-type 8 drop", "icmp-type", 10 },
	{ "code 0 drop", "code", 0 },
	{ "proto icmp code 0 drop", "code", 11 },
	{ "tcp sport drop", "'drop'", 10 },
	{ "tcp drop", "tcp", 0 },
	{ "udp accept", "udp", 0 },
	{ "icmp drop", "icmp", 0 },
	{ "meta drop", "meta", 0 },
	{ "l4proto tcp drop", "l4proto", 0 },
	{ "meta l4proto", "l4proto", -2 },
	{ "ip drop", "'drop'", 3 },
	{ "ip foo 1.2.3.4 drop", "foo", 3 },
	{ "ip6 protocol tcp drop", "protocol", 4 },
	/* family clash */
	{ "proto icmp daddr ::1 drop", "::1", 17 },
	{ "daddr ::1 proto icmp drop", "icmp", 16 },
	{ "saddr 2001:db8::/32 icmp type 8 drop", "icmp", 20 },
	{ "saddr 10.0.0.1 icmpv6 type 128 drop", "icmpv6", 15 },
	{ "saddr 10.0.0.1 daddr ::1 drop", "::1", 21 },
	{ "saddr ::1 daddr 10.0.0.1 drop", "10.0.0.1", 16 },
	{ "ip protocol tcp daddr ::1 drop", "::1", 22 },
	{ "ip6 nexthdr icmp drop", "icmp", 12 },
	{ "ip protocol icmpv6 drop", "icmpv6", 12 },
	{ "proto 1 proto 58 drop", "proto", -2 },
	/* tcp flags */
	{ "proto tcp tcp-flags foo drop", "foo", 20 },
	{ "proto tcp tcp-flags SYN drop", "SYN", 20 },
	{ "proto tcp tcp-flags syn,syn drop", "syn", 20 },
	{ "proto tcp tcp-flags syn,!syn drop", "syn", 20 },
	{ "proto tcp tcp-flags syn, drop", "syn,", 20 },
	{ "proto tcp tcp-flags ! drop", "!", 20 },
	{ "proto tcp tcp-flags !!syn drop", "!syn", 20 },
	{ "proto tcp tcp-flags syn|ack drop", "syn|ack", 20 },
	/* icmp type/code */
	{ "proto icmp icmp-type 256 drop", "256", 21 },
	{ "proto icmp icmp-type foo drop", "foo", 21 },
	{ "proto icmp icmp-type nd-neighbor-solicit drop", "nd-neighbor-solicit", 21 },
	{ "proto icmpv6 icmp-type source-quench drop", "source-quench", 23 },
	{ "proto icmp icmp-type 3 code 256 drop", "256", 28 },
	{ "proto icmp icmp-type 3 code x drop", "x", 28 },
	{ "proto icmp icmp-type -1 drop", "-1", 21 },
	/* vlan */
	{ "vlan 4096 drop", "4096", 5 },
	{ "vlan -1 drop", "-1", 5 },
	{ "vlan x drop", "x", 5 },
	{ "vlan id drop", "drop", -2 },
	/* iif */
	{ "iif abcdefghijklmnop drop", "abcdefghijklmnop", 4 },
	{ "iif 0123456789abcdef drop", "0123456789abcdef", 4 },
	{ "iif a/b drop", "a/b", 4 },
	{ "iif a:1 drop", "a:1", 4 },
	{ "iif eth* drop", "eth*", 4 },
	{ "iif .. drop", "..", 4 },
	{ "iif \"\" drop", "empty interface name", 4 },
	{ "iif \"a b\" drop", "a b", 4 },
	/* comments */
	{ "drop comment \"0123456789012345678901234567890123456789012345678901234567890123456789"
	  "0123456789012345678901234567890123456789012345678901234567\"", "comment", 13 },
	{ "drop comment \"unterminated", "\"unterminated", 13 },
	{ "drop comment \"x\\\"", "\"x", 13 },
	{ "drop comment \"bad \\n escape\"", "\\n", -2 },
	{ "drop comment \"a\"b", "b", -2 },
	{ "drop comment", "comment", 12 },
	{ "drop comment a\"b\"", "a\"b\"", 13 },
	{ "drop comment \"tab\tinside\"", "tab", -2 },
	/* garbage */
	{ "drop \x01", "0x01", 5 },
	{ "saddr 10.0.0.0/8\x7f drop", "0x7f", 16 },
	{ "drop comment \"\xc3\xa9\"", "0xc3", 14 },
	{ "drop\rdrop", "0x0d", 4 },
	{ "drop\ndrop", "0x0a", 4 },
	{ "\xff\xfe\xfd", "0xff", 0 },
};

static void check_bad(const char *in, const char *needle, int col, int ret,
		      const struct xw_err *err, const struct xw_rule *r)
{
	static const struct xw_rule zero;

	if (ret != -EINVAL)
		fail_msg("'%s': expected -EINVAL, got %d", in, ret);
	if (!strstr(err->msg, needle))
		fail_msg("'%s': message '%s' does not name '%s'", in, err->msg, needle);
	if (col != -2 && err->col != col)
		fail_msg("'%s': col %d, expected %d (%s)", in, err->col, col, err->msg);
	if (r)
		assert_memory_equal(r, &zero, sizeof(*r));
}

static void test_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct xw_rule r;
		struct xw_err err = { 0 };
		int ret = xw_rule_parse_str(bad[i].in, &r, &err);

		check_bad(bad[i].in, bad[i].needle, bad[i].col, ret, &err, &r);
	}
}

/* The same bad rules through add-rule lines of a rule file. */
static void test_bad_as_lines(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		char line[512];
		struct xw_cmd cmd;
		struct xw_err err = { 0 };
		int ret;

		/* a '#' or a newline changes what a line means; those cases are
		 * covered by test_lines */
		if (strpbrk(bad[i].in, "#\n\r") || !bad[i].in[strspn(bad[i].in, " ")])
			continue;
		snprintf(line, sizeof(line), "add-rule %s", bad[i].in);
		ret = xw_cmd_parse_line(line, &cmd, &err);
		check_bad(line, bad[i].needle, bad[i].col == -2 ? -2 : bad[i].col + 9, ret, &err,
			  NULL);
		assert_int_equal(cmd.kind, XW_CMD_NONE);
	}
}

static void test_long_input(void **state)
{
	size_t big = 1 << 20, i;
	char *line = malloc(big + 1);
	struct xw_cmd cmd;
	struct xw_rule r;
	struct xw_err err = { 0 };
	char *argv[2];

	(void)state;
	assert_non_null(line);
	/* a 1 MB line */
	memcpy(line, "add-rule ", 9);
	for (i = 9; i < big; i++)
		line[i] = "drop "[i % 5];
	line[big] = '\0';
	assert_int_equal(xw_cmd_parse_line(line, &cmd, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "too long"));
	assert_int_equal(xw_rule_parse_str(line + 9, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "too long"));
	/* one 1 MB token */
	memset(line, 'a', big);
	assert_int_equal(xw_rule_parse_str(line, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "too long"));
	argv[0] = "drop";
	argv[1] = line;
	assert_int_equal(xw_rule_parse_argv(2, argv, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "too long"));
	/* just under the limit, but too many tokens */
	for (i = 0; i < XW_LINE_MAX - 1; i++)
		line[i] = i % 2 ? ' ' : 'x';
	line[XW_LINE_MAX - 1] = '\0';
	assert_int_equal(xw_rule_parse_str(line, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "too many tokens"));
	/* a long comment in a line of legal length */
	memset(line, 'c', 3000);
	line[3000] = '\0';
	argv[0] = "comment";
	argv[1] = line;
	assert_int_equal(xw_rule_parse_argv(2, argv, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "comment"));
	assert_non_null(strstr(err.msg, "too long"));
	free(line);
}

/* argv: split like text, except the value after 'comment' */
static void test_argv(void **state)
{
	char *a1[] = { "saddr", "10.0.0.0/8", "proto", "tcp", "dport", "22", "drop",
		       "comment", "ssh from \"lan\" \\ # x" };
	char *a2[] = { "saddr 10.0.0.0/8 proto tcp", "dport 22 drop comment",
		       "ssh from \"lan\" \\ # x" };
	char *a3[] = { "saddr 10.0.0.0/8 proto tcp dport 22 drop comment "
		       "\"ssh from \\\"lan\\\" \\\\ # x\"" };
	char *bad1[] = { "proto", "tcp", "dport", "70000", "drop" };
	char *bad2[] = { "drop", "comment", "tab\there" };
	char *bad3[] = { "drop", "iif", "a\x01" };
	char *cmd1[] = { "add-rule", "tcp", "dport", "22", "drop", "comment", "a b" };
	char *cmd2[] = { "insert-rule", "before", "7", "drop" };
	char *cmd3[] = { "del-rule", "12" };
	struct xw_rule r1, r2, r3;
	struct xw_err err = { 0 };
	struct xw_cmd cmd;
	char buf[XW_RULE_TEXT_MAX];

	(void)state;
	assert_int_equal(xw_rule_parse_argv(ARRAY_SIZE(a1), a1, &r1, &err), 0);
	assert_int_equal(xw_rule_parse_argv(ARRAY_SIZE(a2), a2, &r2, &err), 0);
	assert_int_equal(xw_rule_parse_argv(ARRAY_SIZE(a3), a3, &r3, &err), 0);
	assert_memory_equal(&r1, &r2, sizeof(r1));
	assert_memory_equal(&r1, &r3, sizeof(r1));
	assert_string_equal(r1.comment, "ssh from \"lan\" \\ # x");
	xw_rule_format(&r1, buf, sizeof(buf));
	assert_string_equal(buf, "saddr 10.0.0.0/8 proto tcp dport 22 drop comment "
				 "\"ssh from \\\"lan\\\" \\\\ # x\"");

	assert_int_equal(xw_rule_parse_argv(ARRAY_SIZE(bad1), bad1, &r1, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "70000"));
	/* column in the joined text "proto tcp dport 70000 drop" */
	assert_int_equal(err.col, 16);
	assert_int_equal(xw_rule_parse_argv(ARRAY_SIZE(bad2), bad2, &r1, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "tab in comment"));
	assert_int_equal(xw_rule_parse_argv(ARRAY_SIZE(bad3), bad3, &r1, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "0x01"));
	assert_int_equal(err.col, 10);
	assert_int_equal(xw_rule_parse_argv(0, NULL, &r1, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "missing action"));

	assert_int_equal(xw_cmd_parse_argv(ARRAY_SIZE(cmd1), cmd1, &cmd, &err), 0);
	assert_int_equal(cmd.kind, XW_CMD_ADD);
	assert_string_equal(cmd.rule.comment, "a b");
	assert_int_equal(cmd.rule.proto, 6);
	assert_int_equal(xw_cmd_parse_argv(ARRAY_SIZE(cmd2), cmd2, &cmd, &err), 0);
	assert_int_equal(cmd.kind, XW_CMD_INSERT);
	assert_int_equal(cmd.handle, 7);
	assert_int_equal(xw_cmd_parse_argv(ARRAY_SIZE(cmd3), cmd3, &cmd, &err), 0);
	assert_int_equal(cmd.kind, XW_CMD_DELETE);
	assert_int_equal(cmd.handle, 12);
	assert_false(cmd.has_rule);
}

/* Rule-file lines: every command, comments, blank lines. */
struct line_case {
	const char *line;
	int ret;
	enum xw_cmd_kind kind;
	uint64_t handle;
	bool has_rule;
	uint8_t policy;
	const char *rule;   /* canonical text, or the needle of the error */
};

static const struct line_case lines[] = {
	{ "", 0, XW_CMD_NONE, 0, false, 0, NULL },
	{ "\n", 0, XW_CMD_NONE, 0, false, 0, NULL },
	{ "\r\n", 0, XW_CMD_NONE, 0, false, 0, NULL },
	{ "   \t  ", 0, XW_CMD_NONE, 0, false, 0, NULL },
	{ "# a comment", 0, XW_CMD_NONE, 0, false, 0, NULL },
	{ "   # indented comment \"with quote", 0, XW_CMD_NONE, 0, false, 0, NULL },
	{ "add-rule drop", 0, XW_CMD_ADD, 0, true, 0, "drop" },
	{ "add-rule drop\n", 0, XW_CMD_ADD, 0, true, 0, "drop" },
	{ "add-rule drop\r\n", 0, XW_CMD_ADD, 0, true, 0, "drop" },
	{ "add-rule tcp dport 22 accept # ssh", 0, XW_CMD_ADD, 0, true, 0,
	  "proto tcp dport 22 accept" },
	{ "add-rule tcp dport 22 accept# ssh", 0, XW_CMD_ADD, 0, true, 0,
	  "proto tcp dport 22 accept" },
	{ "add-rule accept comment \"# not a comment\" # but this is", 0, XW_CMD_ADD, 0, true,
	  0, "accept comment \"# not a comment\"" },
	{ "  add-rule   saddr 10.0.0.0/8\tdrop  ", 0, XW_CMD_ADD, 0, true, 0,
	  "saddr 10.0.0.0/8 drop" },
	{ "insert-rule drop", 0, XW_CMD_INSERT, 0, true, 0, "drop" },
	{ "insert-rule before 3 proto udp accept", 0, XW_CMD_INSERT, 3, true, 0,
	  "proto udp accept" },
	{ "replace-rule 18446744073709551615 count", 0, XW_CMD_REPLACE, UINT64_MAX, true, 0,
	  "count" },
	{ "del-rule 5", 0, XW_CMD_DELETE, 5, false, 0, NULL },
	{ "del-rule saddr 1.2.3.4 drop", 0, XW_CMD_DELETE, 0, true, 0, "saddr 1.2.3.4 drop" },
	{ "flush-rules", 0, XW_CMD_FLUSH, 0, false, 0, NULL },
	{ "flush-rules # all of them", 0, XW_CMD_FLUSH, 0, false, 0, NULL },
	{ "policy drop", 0, XW_CMD_POLICY, 0, false, XW_ACT_DROP, NULL },
	{ "policy accept", 0, XW_CMD_POLICY, 0, false, XW_ACT_ACCEPT, NULL },
	/* bad lines */
	{ "fwctl add-rule drop", -EINVAL, 0, 0, false, 0, "fwctl" },
	{ "add-rules drop", -EINVAL, 0, 0, false, 0, "add-rules" },
	{ "add drop", -EINVAL, 0, 0, false, 0, "add" },
	{ "list-rules", -EINVAL, 0, 0, false, 0, "list-rules" },
	{ "add-rule", -EINVAL, 0, 0, false, 0, "add-rule" },
	{ "add-rule # only a comment", -EINVAL, 0, 0, false, 0, "add-rule" },
	{ "insert-rule", -EINVAL, 0, 0, false, 0, "insert-rule" },
	{ "insert-rule before", -EINVAL, 0, 0, false, 0, "before" },
	{ "insert-rule before x drop", -EINVAL, 0, 0, false, 0, "x" },
	{ "insert-rule before 0 drop", -EINVAL, 0, 0, false, 0, "0" },
	{ "insert-rule before 3", -EINVAL, 0, 0, false, 0, "insert-rule" },
	{ "replace-rule", -EINVAL, 0, 0, false, 0, "replace-rule" },
	{ "replace-rule 3", -EINVAL, 0, 0, false, 0, "replace-rule" },
	{ "replace-rule drop", -EINVAL, 0, 0, false, 0, "drop" },
	{ "replace-rule -3 drop", -EINVAL, 0, 0, false, 0, "-3" },
	{ "replace-rule 18446744073709551616 drop", -EINVAL, 0, 0, false, 0,
	  "18446744073709551616" },
	{ "del-rule", -EINVAL, 0, 0, false, 0, "del-rule" },
	{ "del-rule 0", -EINVAL, 0, 0, false, 0, "0" },
	{ "del-rule 5 6", -EINVAL, 0, 0, false, 0, "5" },
	{ "del-rule saddr 1.2.3.4", -EINVAL, 0, 0, false, 0, "missing action" },
	{ "flush-rules now", -EINVAL, 0, 0, false, 0, "now" },
	{ "policy", -EINVAL, 0, 0, false, 0, "policy" },
	{ "policy count", -EINVAL, 0, 0, false, 0, "count" },
	{ "policy reject", -EINVAL, 0, 0, false, 0, "reject" },
	{ "policy drop accept", -EINVAL, 0, 0, false, 0, "accept" },
	{ "policy \"drop", -EINVAL, 0, 0, false, 0, "\"drop" },
	{ "add-rule drop\n\n", -EINVAL, 0, 0, false, 0, "0x0a" },
	{ "add-rule drop\x00garbage", 0, XW_CMD_ADD, 0, true, 0, "drop" },
	{ "\x89PNG\r\n\x1a\n", -EINVAL, 0, 0, false, 0, "0x89" },
	{ "add-rule \x1b[31mdrop", -EINVAL, 0, 0, false, 0, "0x1b" },
};

static void test_lines(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(lines); i++) {
		const struct line_case *c = &lines[i];
		struct xw_cmd cmd;
		struct xw_err err = { 0 };
		char buf[XW_RULE_TEXT_MAX];
		int ret = xw_cmd_parse_line(c->line, &cmd, &err);

		if (ret != c->ret)
			fail_msg("'%s': got %d (%s), expected %d", c->line, ret, err.msg, c->ret);
		if (ret) {
			if (!strstr(err.msg, c->rule))
				fail_msg("'%s': message '%s' does not name '%s'", c->line, err.msg,
					 c->rule);
			assert_int_equal(cmd.kind, XW_CMD_NONE);
			continue;
		}
		assert_int_equal(cmd.kind, c->kind);
		assert_int_equal(cmd.handle, c->handle);
		assert_int_equal(cmd.has_rule, c->has_rule);
		assert_int_equal(cmd.policy, c->policy);
		if (c->has_rule) {
			assert_true(xw_rule_format(&cmd.rule, buf, sizeof(buf)) > 0);
			if (strcmp(buf, c->rule))
				fail_msg("'%s': rule '%s', expected '%s'", c->line, buf, c->rule);
		}
	}
}

/* Random bytes: never a crash; either a command or -EINVAL with a message. */
static void test_garbage(void **state)
{
	unsigned seed = 12345;
	char line[300];
	int i, j, ok = 0;

	(void)state;
	for (i = 0; i < 20000; i++) {
		struct xw_cmd cmd;
		struct xw_err err = { 0 };
		int len = rand_r(&seed) % (int)(sizeof(line) - 1), ret;
		const char *alpha = "add-rule drop accept proto tcp dport 1-2,3 saddr ::1/8 \"\\#";

		for (j = 0; j < len; j++) {
			if (i % 2)
				line[j] = (char)(rand_r(&seed) % 255 + 1);
			else
				line[j] = alpha[rand_r(&seed) % strlen(alpha)];
		}
		line[len] = '\0';
		ret = xw_cmd_parse_line(line, &cmd, &err);
		if (ret) {
			assert_int_equal(ret, -EINVAL);
			assert_true(err.msg[0] != '\0');
		} else {
			ok++;
		}
	}
	printf("FIGURE parse_garbage_accepted=%d\n", ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_bad_as_lines),
		cmocka_unit_test(test_long_input),
		cmocka_unit_test(test_argv),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
