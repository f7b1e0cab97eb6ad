// SPDX-License-Identifier: MIT
/* The canonical printer, and the round trip: parse(print(r)) == r, also for
 * thousands of random rules and for random other spellings of them. */
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

static struct xw_rule base_rule(uint8_t action)
{
	struct xw_rule r;

	memset(&r, 0, sizeof(r));
	r.action = action;
	return r;
}

static void expect_text(const struct xw_rule *r, const char *want)
{
	char buf[XW_RULE_TEXT_MAX];
	int n = xw_rule_format(r, buf, sizeof(buf));

	assert_int_equal(n, (int)strlen(want));
	assert_string_equal(buf, want);
}

static void test_print_fields(void **state)
{
	struct xw_rule r = base_rule(XW_ACT_DROP);

	(void)state;
	expect_text(&r, "drop");
	r.action = XW_ACT_ACCEPT;
	expect_text(&r, "accept");
	r.action = XW_ACT_COUNT;
	expect_text(&r, "count");

	/* every field, in the fixed order */
	r = base_rule(XW_ACT_DROP);
	r.fields = XW_F_IIF | XW_F_VLAN | XW_F_SADDR | XW_F_DADDR | XW_F_PROTO | XW_F_SPORT |
		   XW_F_DPORT | XW_F_TCPFLAGS | XW_F_COMMENT;
	strcpy(r.iif, "eth0");
	r.vlan = 42;
	r.family = 4;
	r.saddr = (struct xw_cidr){ .family = 4, .plen = 8, .w = { 0x0a000000 } };
	r.daddr = (struct xw_cidr){ .family = 4, .plen = 32, .w = { 0xc0a80101 } };
	r.proto = 6;
	r.sport = (struct xw_portset){ .n = 1, .r = { { 1024, 65535 } } };
	r.dport = (struct xw_portset){ .n = 3, .r = { { 22, 22 }, { 80, 80 }, { 1000, 2000 } } };
	r.tcp_flags = 0x02;
	r.tcp_mask = 0x12;
	strcpy(r.comment, "say \"hi\" \\o/");
	expect_text(&r, "iif eth0 vlan 42 saddr 10.0.0.0/8 daddr 192.168.1.1 proto tcp "
			"sport 1024-65535 dport 22,80,1000-2000 tcp-flags syn,!ack drop "
			"comment \"say \\\"hi\\\" \\\\o/\"");

	/* icmp type and code */
	r = base_rule(XW_ACT_ACCEPT);
	r.fields = XW_F_PROTO | XW_F_ICMPTYPE | XW_F_ICMPCODE;
	r.family = 6;
	r.proto = 58;
	r.icmp_type = 135;
	r.icmp_code = 0;
	expect_text(&r, "proto icmpv6 icmp-type 135 code 0 accept");
	r.proto = 1;
	r.family = 4;
	r.fields = XW_F_PROTO | XW_F_ICMPTYPE;
	r.icmp_type = 8;
	expect_text(&r, "proto icmp icmp-type 8 accept");

	/* protocols by name and by number */
	r = base_rule(XW_ACT_DROP);
	r.fields = XW_F_PROTO;
	r.proto = 17;
	expect_text(&r, "proto udp drop");
	r.proto = 47;
	expect_text(&r, "proto 47 drop");
	r.proto = 0;
	expect_text(&r, "proto 0 drop");

	/* IPv6 */
	r = base_rule(XW_ACT_DROP);
	r.fields = XW_F_SADDR | XW_F_DADDR;
	r.family = 6;
	r.saddr = (struct xw_cidr){ .family = 6, .plen = 32, .w = { 0x20010db8 } };
	r.daddr = (struct xw_cidr){ .family = 6, .plen = 128, .w = { 0, 0, 0, 1 } };
	expect_text(&r, "saddr 2001:db8::/32 daddr ::1 drop");
	r.saddr = (struct xw_cidr){ .family = 6, .plen = 0 };
	expect_text(&r, "saddr ::/0 daddr ::1 drop");

	/* all tcp flags, set and clear */
	r = base_rule(XW_ACT_DROP);
	r.fields = XW_F_PROTO | XW_F_TCPFLAGS;
	r.proto = 6;
	r.tcp_mask = 0xff;
	r.tcp_flags = 0xa5;
	expect_text(&r, "proto tcp tcp-flags fin,!syn,rst,!psh,!ack,urg,!ece,cwr drop");

	/* a family without an address says it with a /0 prefix */
	r = base_rule(XW_ACT_DROP);
	r.fields = XW_F_PROTO;
	r.proto = 6;
	r.family = 4;
	expect_text(&r, "saddr 0.0.0.0/0 proto tcp drop");
	r.family = 6;
	expect_text(&r, "saddr ::/0 proto tcp drop");

	/* empty comment */
	r = base_rule(XW_ACT_DROP);
	r.fields = XW_F_COMMENT;
	expect_text(&r, "drop comment \"\"");
}

static void test_print_errors(void **state)
{
	struct xw_rule r = base_rule(XW_ACT_NONE);
	char buf[XW_RULE_TEXT_MAX], small[8];
	int n;

	(void)state;
	assert_int_equal(xw_rule_format(&r, buf, sizeof(buf)), -EINVAL);
	r.action = 99;
	assert_int_equal(xw_rule_format(&r, buf, sizeof(buf)), -EINVAL);
	r = base_rule(XW_ACT_DROP);
	r.fields = XW_F_DPORT;
	r.dport.n = 0;
	assert_int_equal(xw_rule_format(&r, buf, sizeof(buf)), -EINVAL);
	r.dport.n = XW_PORTS_MAX + 1;
	assert_int_equal(xw_rule_format(&r, buf, sizeof(buf)), -EINVAL);
	r = base_rule(XW_ACT_DROP);
	r.fields = XW_F_SADDR;
	r.saddr.family = 5;
	assert_int_equal(xw_rule_format(&r, buf, sizeof(buf)), -EINVAL);
	r.saddr.family = 4;
	r.saddr.plen = 33;
	assert_int_equal(xw_rule_format(&r, buf, sizeof(buf)), -EINVAL);
	r = base_rule(XW_ACT_DROP);
	r.fields = XW_F_TCPFLAGS;
	r.tcp_mask = 0;
	assert_int_equal(xw_rule_format(&r, buf, sizeof(buf)), -EINVAL);
	r = base_rule(XW_ACT_DROP);
	r.fields = XW_F_COMMENT;
	memset(r.comment, 'x', sizeof(r.comment)); /* no NUL */
	assert_int_equal(xw_rule_format(&r, buf, sizeof(buf)), -EINVAL);

	/* snprintf semantics: the full length, a truncated NUL-terminated text */
	r = base_rule(XW_ACT_DROP);
	r.fields = XW_F_IIF | XW_F_COMMENT;
	strcpy(r.iif, "eth0");
	strcpy(r.comment, "long enough");
	n = xw_rule_format(&r, small, sizeof(small));
	assert_int_equal(n, (int)strlen("iif eth0 drop comment \"long enough\""));
	assert_true(strlen(small) < sizeof(small));
	assert_int_equal(strncmp(small, "iif eth0", strlen(small)), 0);
	assert_int_equal(xw_rule_format(&r, NULL, 0), n);
}

static void test_names(void **state)
{
	struct xw_cidr c = { .family = 4, .plen = 24, .w = { 0xc0000200 } };
	char buf[64];

	(void)state;
	assert_string_equal(xw_action_name(XW_ACT_ACCEPT), "accept");
	assert_string_equal(xw_action_name(XW_ACT_DROP), "drop");
	assert_string_equal(xw_action_name(XW_ACT_COUNT), "count");
	assert_string_equal(xw_action_name(XW_ACT_NONE), "none");
	assert_string_equal(xw_action_name(200), "unknown");
	assert_int_equal(xw_cidr_format(&c, buf, sizeof(buf)), 12);
	assert_string_equal(buf, "192.0.2.0/24");
	c.plen = 32;
	c.w[0] = 0xc0000201;
	xw_cidr_format(&c, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.1");
	c = (struct xw_cidr){ .family = 6, .plen = 64, .w = { 0xfe800000, 0, 0, 0 } };
	xw_cidr_format(&c, buf, sizeof(buf));
	assert_string_equal(buf, "fe80::/64");
	c.family = 0;
	assert_int_equal(xw_cidr_format(&c, buf, sizeof(buf)), -EINVAL);
}

/* ---- random rules ---- */

static unsigned rnd(unsigned *seed, unsigned n)
{
	return (unsigned)rand_r(seed) % n;
}

static int cmp_range(const void *a, const void *b)
{
	const struct xw_port_range *x = a, *y = b;

	return x->lo != y->lo ? (int)x->lo - (int)y->lo : (int)x->hi - (int)y->hi;
}

static void rand_ports(unsigned *seed, struct xw_portset *ps)
{
	struct xw_port_range v[XW_PORTS_MAX];
	unsigned n = 1 + rnd(seed, XW_PORTS_MAX), i, m = 0;

	for (i = 0; i < n; i++) {
		unsigned lo = rnd(seed, 4) ? rnd(seed, 2000) : rnd(seed, 65536);
		unsigned len = rnd(seed, 3) ? 0 : rnd(seed, 500);

		v[i].lo = (uint16_t)lo;
		v[i].hi = (uint16_t)(lo + len > 65535 ? 65535 : lo + len);
	}
	qsort(v, n, sizeof(v[0]), cmp_range);
	for (i = 1; i < n; i++) {
		if ((unsigned)v[i].lo <= (unsigned)v[m].hi + 1) {
			if (v[i].hi > v[m].hi)
				v[m].hi = v[i].hi;
		} else {
			v[++m] = v[i];
		}
	}
	memset(ps, 0, sizeof(*ps));
	ps->n = (uint16_t)(m + 1);
	memcpy(ps->r, v, ps->n * sizeof(v[0]));
}

static void rand_cidr(unsigned *seed, int fam, struct xw_cidr *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	c->family = (uint8_t)fam;
	c->plen = (uint8_t)rnd(seed, fam == 4 ? 33 : 129);
	for (i = 0; i < (fam == 4 ? 1 : 4); i++) {
		int bits = (int)c->plen - 32 * i;
		uint32_t w = (uint32_t)rand_r(seed) << 16 ^ (uint32_t)rand_r(seed);

		if (bits <= 0)
			w = 0;
		else if (bits < 32)
			w &= ~(0xffffffffu >> bits);
		c->w[i] = w;
	}
}

static void rand_rule(unsigned *seed, struct xw_rule *r)
{
	static const char ifchars[] = "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789.-_@+";
	static const uint8_t protos[] = { 6, 6, 17, 17, 1, 58, 0, 47, 132, 255 };
	int fam = rnd(seed, 2) ? 4 : 6;
	unsigned i, len;

	memset(r, 0, sizeof(*r));
	r->action = (uint8_t)(1 + rnd(seed, 3));
	if (rnd(seed, 3) == 0) {
		r->fields |= XW_F_IIF;
		len = 1 + rnd(seed, XW_IFNAMSIZ - 1);
		for (i = 0; i < len; i++)
			r->iif[i] = ifchars[rnd(seed, sizeof(ifchars) - 1)];
		if (!strcmp(r->iif, ".") || !strcmp(r->iif, ".."))
			r->iif[0] = 'x';
	}
	if (rnd(seed, 3) == 0) {
		r->fields |= XW_F_VLAN;
		r->vlan = (uint16_t)rnd(seed, 4096);
	}
	if (rnd(seed, 2)) {
		r->fields |= XW_F_PROTO;
		r->proto = protos[rnd(seed, sizeof(protos))];
		if (rnd(seed, 4) == 0)
			r->proto = (uint8_t)rnd(seed, 256);
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
	}
	if ((r->fields & XW_F_PROTO) && r->proto == 6 && rnd(seed, 2)) {
		r->fields |= XW_F_TCPFLAGS;
		r->tcp_mask = (uint8_t)(1 + rnd(seed, 255));
		r->tcp_flags = (uint8_t)rnd(seed, 256) & r->tcp_mask;
	}
	if ((r->fields & XW_F_PROTO) && (r->proto == 1 || r->proto == 58) && rnd(seed, 3)) {
		r->fields |= XW_F_ICMPTYPE;
		r->icmp_type = (uint8_t)rnd(seed, 256);
		if (rnd(seed, 2)) {
			r->fields |= XW_F_ICMPCODE;
			r->icmp_code = (uint8_t)rnd(seed, 256);
		}
	}
	if (rnd(seed, 3) == 0) {
		r->fields |= XW_F_COMMENT;
		len = rnd(seed, 5) ? rnd(seed, 20) : rnd(seed, XW_COMMENT_MAX);
		for (i = 0; i < len; i++)
			r->comment[i] = (char)(0x20 + rnd(seed, 0x7f - 0x20));
	}
}

static void assert_same_rule(const struct xw_rule *a, const struct xw_rule *b, const char *text)
{
	char ta[XW_RULE_TEXT_MAX], tb[XW_RULE_TEXT_MAX];

	if (!memcmp(a, b, sizeof(*a)))
		return;
	xw_rule_format(a, ta, sizeof(ta));
	xw_rule_format(b, tb, sizeof(tb));
	fail_msg("round trip differs for '%s':\n  want %s\n  got  %s", text, ta, tb);
}

static void test_round_trip_random(void **state)
{
	unsigned seed = 20260101, i;
	char text[XW_RULE_TEXT_MAX], line[XW_RULE_TEXT_MAX + 32];
	size_t longest = 0;

	(void)state;
	for (i = 0; i < 20000; i++) {
		struct xw_rule r, back;
		struct xw_cmd cmd;
		struct xw_err err = { 0 };
		int n;

		rand_rule(&seed, &r);
		n = xw_rule_format(&r, text, sizeof(text));
		assert_true(n > 0 && n < (int)sizeof(text));
		if ((size_t)n > longest)
			longest = (size_t)n;
		if (xw_rule_parse_str(text, &back, &err))
			fail_msg("canonical text '%s' rejected: %s", text, err.msg);
		assert_same_rule(&r, &back, text);
		/* and as a rule-file line */
		snprintf(line, sizeof(line), "add-rule %s # %u", text, i);
		if (xw_cmd_parse_line(line, &cmd, &err))
			fail_msg("line '%s' rejected: %s", line, err.msg);
		assert_int_equal(cmd.kind, XW_CMD_ADD);
		assert_same_rule(&r, &cmd.rule, line);
	}
	printf("FIGURE rule_text_longest_random=%zu\n", longest);
}

/* ---- other spellings of the same rule, fields shuffled ---- */

struct chunks {
	int n;
	char c[24][400];
};

__attribute__((format(printf, 2, 3)))
static void add_chunk(struct chunks *ch, const char *fmt, ...)
{
	va_list ap;

	assert_true(ch->n < 24);
	va_start(ap, fmt);
	vsnprintf(ch->c[ch->n++], sizeof(ch->c[0]), fmt, ap);
	va_end(ap);
}

static void ports_variant(unsigned *seed, const struct xw_portset *ps, char *out, size_t len)
{
	unsigned order[XW_PORTS_MAX], i, j, t;
	size_t pos = 0;

	for (i = 0; i < ps->n; i++)
		order[i] = i;
	for (i = ps->n; i > 1; i--) {
		j = rnd(seed, i);
		t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	out[0] = '\0';
	for (i = 0; i < ps->n; i++) {
		const struct xw_port_range *r = &ps->r[order[i]];
		const char *sep = i ? "," : "";

		if (r->lo == r->hi && rnd(seed, 3) == 0)
			pos += snprintf(out + pos, len - pos, "%s%u-%u", sep, r->lo, r->hi);
		else if (r->lo == r->hi)
			pos += snprintf(out + pos, len - pos, "%s%u", sep, r->lo);
		else if (r->hi - r->lo > 2 && rnd(seed, 3) == 0) /* split and overlap */
			pos += snprintf(out + pos, len - pos, "%s%u-%u,%u-%u", sep, r->lo,
					r->lo + 1, r->lo + 1, r->hi);
		else
			pos += snprintf(out + pos, len - pos, "%s%u-%u", sep, r->lo, r->hi);
	}
}

static const char *proto_word(unsigned *seed, uint8_t p, char *buf)
{
	if (p == 6)
		return rnd(seed, 2) ? "tcp" : "6";
	if (p == 17)
		return rnd(seed, 2) ? "udp" : "17";
	if (p == 1)
		return rnd(seed, 2) ? "icmp" : "1";
	if (p == 58)
		return rnd(seed, 3) == 0 ? "ipv6-icmp" : rnd(seed, 2) ? "icmpv6" : "58";
	sprintf(buf, "%u", p);
	return buf;
}

static void cidr_variant(unsigned *seed, const struct xw_cidr *c, char *out, size_t len)
{
	char a[64];

	xw_cidr_format(c, a, sizeof(a));
	if (!strchr(a, '/') && rnd(seed, 2))
		snprintf(out, len, "%s/%u", a, c->plen);
	else
		snprintf(out, len, "%s", a);
	if (c->family == 6 && rnd(seed, 2)) {
		char *p;

		for (p = out; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 'a' + 'A');
	}
}

static void spell_rule(unsigned *seed, const struct xw_rule *r, char *out, size_t len)
{
	static const char *const seps[] = { " ", "  ", "\t", " \t " };
	static const char *const fl[] = { "fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr" };
	struct chunks ch = { 0 };
	char a[300], pb[8];
	bool l4word = false;
	unsigned i, j;
	size_t pos = 0;

	if (r->fields & XW_F_IIF) {
		bool q = rnd(seed, 2);

		add_chunk(&ch, "%s %s%s%s", rnd(seed, 2) ? "iif" : "iifname", q ? "\"" : "",
			  r->iif, q ? "\"" : "");
	}
	if (r->fields & XW_F_VLAN)
		add_chunk(&ch, "vlan %s%u", rnd(seed, 2) ? "id " : "", r->vlan);
	if (r->fields & XW_F_SADDR) {
		cidr_variant(seed, &r->saddr, a, sizeof(a));
		add_chunk(&ch, "%ssaddr %s", rnd(seed, 2) ? "" : r->family == 4 ? "ip " : "ip6 ", a);
	}
	if (r->fields & XW_F_DADDR) {
		cidr_variant(seed, &r->daddr, a, sizeof(a));
		add_chunk(&ch, "%sdaddr %s", rnd(seed, 2) ? "" : r->family == 4 ? "ip " : "ip6 ", a);
	}
	/* tcp dport / icmp type spellings imply the protocol; else say it */
	if ((r->fields & XW_F_PROTO) && (r->proto == 6 || r->proto == 17) &&
	    (r->fields & (XW_F_SPORT | XW_F_DPORT)) && rnd(seed, 2))
		l4word = true;
	if ((r->fields & XW_F_PROTO) && (r->proto == 1 || r->proto == 58) &&
	    (r->fields & XW_F_ICMPTYPE) && rnd(seed, 2))
		l4word = true;
	if ((r->fields & XW_F_PROTO) && (!l4word || rnd(seed, 4) == 0))
		add_chunk(&ch, "%s %s", rnd(seed, 2) ? "proto" : "meta l4proto",
			  proto_word(seed, r->proto, pb));
	for (i = 0; i < 2; i++) {
		const struct xw_portset *ps = i ? &r->dport : &r->sport;

		if (!(r->fields & (i ? XW_F_DPORT : XW_F_SPORT)))
			continue;
		ports_variant(seed, ps, a, sizeof(a));
		add_chunk(&ch, "%s%s %s", l4word ? (r->proto == 6 ? "tcp " : "udp ") : "",
			  i ? "dport" : "sport", a);
	}
	if (r->fields & XW_F_TCPFLAGS) {
		unsigned order[8], t;
		size_t p = 0;

		for (i = 0; i < 8; i++)
			order[i] = i;
		for (i = 8; i > 1; i--) {
			j = rnd(seed, i);
			t = order[i - 1];
			order[i - 1] = order[j];
			order[j] = t;
		}
		a[0] = '\0';
		for (i = 0; i < 8; i++) {
			unsigned bit = 1u << order[i];

			if (!(r->tcp_mask & bit))
				continue;
			p += snprintf(a + p, sizeof(a) - p, "%s%s%s", p ? "," : "",
				      r->tcp_flags & bit ? "" : "!", fl[order[i]]);
		}
		add_chunk(&ch, "tcp-flags %s", a);
	}
	if (r->fields & XW_F_ICMPTYPE) {
		const char *w = r->proto == 1 ? "icmp" : "icmpv6";

		if (l4word)
			add_chunk(&ch, "%s type %u", w, r->icmp_type);
		else
			add_chunk(&ch, "icmp-type %u", r->icmp_type);
		if (r->fields & XW_F_ICMPCODE) {
			if (l4word)
				add_chunk(&ch, "%s code %u", w, r->icmp_code);
			else
				add_chunk(&ch, "code %u", r->icmp_code);
		}
	}
	add_chunk(&ch, "%s", xw_action_name(r->action));
	if (r->fields & XW_F_COMMENT) {
		size_t p = 0;

		p += snprintf(a + p, sizeof(a) - p, "comment \"");
		for (i = 0; r->comment[i]; i++) {
			if (r->comment[i] == '"' || r->comment[i] == '\\')
				a[p++] = '\\';
			a[p++] = r->comment[i];
		}
		a[p++] = '"';
		a[p] = '\0';
		add_chunk(&ch, "%s", a);
	}
	/* shuffle and join */
	for (i = ch.n; i > 1; i--) {
		char tmp[400];

		j = rnd(seed, i);
		memcpy(tmp, ch.c[i - 1], sizeof(tmp));
		memcpy(ch.c[i - 1], ch.c[j], sizeof(tmp));
		memcpy(ch.c[j], tmp, sizeof(tmp));
	}
	out[0] = '\0';
	for (i = 0; i < (unsigned)ch.n; i++)
		pos += snprintf(out + pos, len - pos, "%s%s", i ? seps[rnd(seed, 4)] : "",
				ch.c[i]);
}

static void test_spellings_random(void **state)
{
	unsigned seed = 777, i;
	char text[XW_LINE_MAX];

	(void)state;
	for (i = 0; i < 20000; i++) {
		struct xw_rule r, back;
		struct xw_err err = { 0 };

		rand_rule(&seed, &r);
		spell_rule(&seed, &r, text, sizeof(text));
		if (getenv("XW_PEEK") && i < 15)
			printf("%s\n", text);
		if (xw_rule_parse_str(text, &back, &err))
			fail_msg("spelling '%s' rejected: %s", text, err.msg);
		assert_same_rule(&r, &back, text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_print_fields),
		cmocka_unit_test(test_print_errors),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_round_trip_random),
		cmocka_unit_test(test_spellings_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
