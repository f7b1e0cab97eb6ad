// SPDX-License-Identifier: MIT
/*
 * The rule language parser (design.md "The rule language"). Pure: no maps,
 * no I/O, no state outside the caller's structs.
 *
 * Input is first cut into tokens (whitespace separated; a token may be a
 * double-quoted string with \" and \\ escapes), then read field by field.
 * Fields come in any order; nft's spellings are accepted where they mean the
 * same thing. Every error is -EINVAL with a message that quotes the bad token
 * and err->col set to the token's byte offset in the joined text.
 *
 * Only printable ASCII (0x20-0x7e) and, between tokens, tabs are accepted.
 *
 * Decisions a reader should know:
 * - The family (rule.family) follows from the addresses, from proto icmp (4)
 *   or icmpv6 (6), and from nft's ip/ip6 qualifiers; any two that disagree
 *   are an error naming both. 'ip protocol tcp' without an address means
 *   IPv4 TCP, as in nft; its canonical form is 'saddr 0.0.0.0/0 proto tcp'.
 * - 'tcp dport 22' implies proto tcp and may repeat ('tcp sport 1 tcp dport
 *   2'); 'proto' itself may be given once. nft's 'counter' is accepted and
 *   ignored (every rule has counters); '{ 22, 80 }' is a port list.
 * - argv: every element is split like text, except the value of a bare
 *   'comment' keyword, which the shell has already unquoted.
 * - Numbers are plain decimal (no sign, no 0x); IPv4 parts with a leading
 *   zero are rejected (010 would be octal to inet_aton).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule_parse.h"
#include "rule_print.h"

/* Bytes of a token quoted in an error message. */
#define TOKQ 80

struct tok {
	const char *s; /* NUL-terminated, unquoted */
	int col;       /* byte offset in the joined text */
	bool quoted;
};

struct toks {
	int n;
	size_t used;
	struct tok t[XW_TOKENS_MAX];
	char buf[XW_LINE_MAX + 2];
};

__attribute__((format(printf, 3, 4)))
static int fail(struct xw_err *err, int col, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -EINVAL;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_print(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* Strict unsigned decimal: digits only (no sign, space or base prefix).
 * Returns 0, -EINVAL if s[0..len) is not a number, -ERANGE if above max. */
static int parse_num(const char *s, size_t len, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;
	size_t i;

	if (len == 0)
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!is_digit(s[i]))
			return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned d = s[i] - '0';

		if (n > (UINT64_MAX - d) / 10)
			return -ERANGE;
		n = n * 10 + d;
	}
	if (n > max)
		return -ERANGE;
	*v = n;
	return 0;
}

/* ------------------------------------------------------------------ tokens */

static int check_printable(const char *s, size_t len, int base, struct xw_err *err)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (!is_print(c) && c != '\t')
			return fail(err, base + (int)i, "non-printable byte 0x%02x at column %d",
				    c, base + (int)i);
	}
	return 0;
}

static int push_tok(struct toks *tk, const char *s, size_t len, int col, bool quoted,
		    struct xw_err *err)
{
	char *dst;

	if (tk->n >= XW_TOKENS_MAX)
		return fail(err, col, "too many tokens (at most %d) at '%.*s'", XW_TOKENS_MAX,
			    (int)(len < TOKQ ? len : TOKQ), s);
	if (tk->used + len + 1 > sizeof(tk->buf))
		return fail(err, col, "command too long (at most %d bytes)", XW_LINE_MAX);
	dst = tk->buf + tk->used;
	memcpy(dst, s, len);
	dst[len] = '\0';
	tk->t[tk->n].s = dst;
	tk->t[tk->n].col = col;
	tk->t[tk->n].quoted = quoted;
	tk->n++;
	tk->used += len + 1;
	return 0;
}

/* Split s (already checked printable, tabs allowed) into tokens. With hash,
 * a '#' outside quotes ends the text (rule-file comments). */
static int tokenize(const char *s, int base, bool hash, struct toks *tk, struct xw_err *err)
{
	const char *p = s;
	int ret;

	for (;;) {
		const char *start;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || (hash && *p == '#'))
			return 0;
		start = p;
		if (*p == '"') {
			char q[XW_LINE_MAX + 1];
			size_t n = 0;

			for (p++; *p && *p != '"'; p++) {
				if (*p == '\t')
					return fail(err, base + (int)(p - s),
						    "tab in quoted string '%.*s'", TOKQ, start);
				if (*p == '\\') {
					if (p[1] != '"' && p[1] != '\\')
						return fail(err, base + (int)(p - s),
							    "bad escape '\\%c' in quoted string '%.*s' (only \\\" and \\\\)",
							    p[1] ? p[1] : ' ', TOKQ, start);
					p++;
				}
				if (n >= XW_LINE_MAX)
					return fail(err, base + (int)(start - s),
						    "quoted string too long");
				q[n++] = *p;
			}
			if (*p != '"')
				return fail(err, base + (int)(start - s),
					    "unterminated quoted string '%.*s'", TOKQ, start);
			p++;
			if (*p && *p != ' ' && *p != '\t' && !(hash && *p == '#'))
				return fail(err, base + (int)(p - s),
					    "unexpected '%c' after quoted string '%.*s'", *p,
					    (int)(p - start < TOKQ ? p - start : TOKQ), start);
			ret = push_tok(tk, q, n, base + (int)(start - s), true, err);
		} else {
			while (*p && *p != ' ' && *p != '\t' && *p != '"' && !(hash && *p == '#'))
				p++;
			if (*p == '"') {
				while (*p && *p != ' ' && *p != '\t')
					p++;
				return fail(err, base + (int)(start - s),
					    "unexpected '\"' inside '%.*s'",
					    (int)(p - start < TOKQ ? p - start : TOKQ), start);
			}
			ret = push_tok(tk, start, p - start, base + (int)(start - s), false, err);
		}
		if (ret)
			return ret;
	}
}

/* argv: each element is split like a string, except the value of a bare
 * 'comment' keyword, which the shell already unquoted and is taken as is. */
static int tokenize_argv(int argc, char *const argv[], struct toks *tk, struct xw_err *err)
{
	size_t total = 0;
	int base = 0, i, ret;

	for (i = 0; i < argc; i++) {
		total += strnlen(argv[i], XW_LINE_MAX + 1) + 1;
		if (total > XW_LINE_MAX + 1)
			return fail(err, -1, "command too long (at most %d bytes)", XW_LINE_MAX);
	}
	for (i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]);

		ret = check_printable(argv[i], len, base, err);
		if (ret)
			return ret;
		if (tk->n > 0 && !tk->t[tk->n - 1].quoted &&
		    !strcmp(tk->t[tk->n - 1].s, "comment")) {
			if (memchr(argv[i], '\t', len))
				return fail(err, base, "tab in comment '%.*s'", TOKQ, argv[i]);
			ret = push_tok(tk, argv[i], len, base, true, err);
		} else {
			ret = tokenize(argv[i], base, false, tk, err);
		}
		if (ret)
			return ret;
		base += (int)len + 1;
	}
	return 0;
}

static int tokenize_text(const char *text, bool hash, struct toks *tk, struct xw_err *err)
{
	size_t len = strnlen(text, XW_LINE_MAX + 1);
	int ret;

	if (len > XW_LINE_MAX)
		return fail(err, -1, "line too long (%zu bytes or more, at most %d)", len,
			    XW_LINE_MAX);
	ret = check_printable(text, len, 0, err);
	if (ret)
		return ret;
	return tokenize(text, 0, hash, tk, err);
}

/* ------------------------------------------------------------------ fields */

struct name_val {
	const char *name;
	unsigned val;
};

static const struct name_val protos[] = {
	{ "tcp", 6 },   { "udp", 17 },      { "icmp", 1 }, { "icmpv6", 58 },
	{ "ipv6-icmp", 58 }, { "sctp", 132 }, { "gre", 47 }, { "esp", 50 },
	{ "ah", 51 },   { "udplite", 136 },
};

static const struct name_val tcp_flag_names[] = {
	{ "fin", 0x01 }, { "syn", 0x02 }, { "rst", 0x04 }, { "psh", 0x08 },
	{ "ack", 0x10 }, { "urg", 0x20 }, { "ece", 0x40 }, { "cwr", 0x80 },
};

static const struct name_val icmp_types[] = {
	{ "echo-reply", 0 },         { "destination-unreachable", 3 },
	{ "source-quench", 4 },      { "redirect", 5 },
	{ "echo-request", 8 },       { "router-advertisement", 9 },
	{ "router-solicitation", 10 }, { "time-exceeded", 11 },
	{ "parameter-problem", 12 }, { "timestamp-request", 13 },
	{ "timestamp-reply", 14 },
};

static const struct name_val icmpv6_types[] = {
	{ "destination-unreachable", 1 }, { "packet-too-big", 2 },
	{ "time-exceeded", 3 },           { "parameter-problem", 4 },
	{ "echo-request", 128 },          { "echo-reply", 129 },
	{ "mld-listener-query", 130 },    { "mld-listener-report", 131 },
	{ "mld-listener-done", 132 },     { "nd-router-solicit", 133 },
	{ "nd-router-advert", 134 },      { "nd-neighbor-solicit", 135 },
	{ "nd-neighbor-advert", 136 },    { "nd-redirect", 137 },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int lookup(const struct name_val *t, size_t n, const char *s, unsigned *v)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!strcmp(t[i].name, s)) {
			*v = t[i].val;
			return 0;
		}
	}
	return -ENOENT;
}

struct pstate {
	struct xw_rule *r;
	struct xw_err *err;
	int col[16];           /* column of the token that set each XW_F_* bit */
	bool proto_explicit;   /* proto came from proto/ip protocol/meta l4proto */
	char fam_src[TOKQ + 32]; /* what fixed r->family, for clash messages */
	int fam_col;
	const struct tok *icmp_type; /* resolved once proto is known */
	const struct tok *action;
};

static int fbit(uint32_t f)
{
	return __builtin_ctz(f);
}

static const char *fam_name(int fam)
{
	return fam == 4 ? "IPv4" : "IPv6";
}

/* Fix the rule's family; what says where it comes from ("saddr '::1'"). */
static int set_family(struct pstate *ps, int fam, int col, const char *what)
{
	if (ps->r->family && ps->r->family != fam)
		return fail(ps->err, col, "family clash: %s is %s, but %s is %s", what,
			    fam_name(fam), ps->fam_src, fam_name(ps->r->family));
	if (!ps->r->family) {
		ps->r->family = fam;
		snprintf(ps->fam_src, sizeof(ps->fam_src), "%s", what);
		ps->fam_col = col;
	}
	return 0;
}

static int field_once(struct pstate *ps, uint32_t f, const struct tok *kw)
{
	if (ps->r->fields & f)
		return fail(ps->err, kw->col, "'%.*s' given twice (first at column %d)", TOKQ,
			    kw->s, ps->col[fbit(f)]);
	ps->r->fields |= f;
	ps->col[fbit(f)] = kw->col;
	return 0;
}

static const char *proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case 6: return "tcp";
	case 17: return "udp";
	case 1: return "icmp";
	case 58: return "icmpv6";
	}
	snprintf(buf, len, "%u", p);
	return buf;
}

/* Set the protocol. explicit: 'proto X' and its spellings (a field that may
 * be given once); else implied by 'tcp dport', 'icmp type' and the like,
 * which may repeat as long as they agree. */
static int set_proto(struct pstate *ps, unsigned p, const struct tok *kw, const struct tok *val,
		     bool expl)
{
	struct xw_rule *r = ps->r;
	char b2[8], what[TOKQ + 16];

	if (expl && ps->proto_explicit)
		return fail(ps->err, kw->col, "'%.*s' given twice (first at column %d)", TOKQ,
			    kw->s, ps->col[fbit(XW_F_PROTO)]);
	if ((r->fields & XW_F_PROTO) && r->proto != p)
		return fail(ps->err, val->col, "protocol '%.*s' conflicts with '%s' given at column %d",
			    TOKQ, val->s, proto_name(r->proto, b2, sizeof(b2)),
			    ps->col[fbit(XW_F_PROTO)]);
	if (!(r->fields & XW_F_PROTO) || expl)
		ps->col[fbit(XW_F_PROTO)] = kw->col;
	r->fields |= XW_F_PROTO;
	r->proto = p;
	ps->proto_explicit |= expl;
	if (p == 1 || p == 58) {
		snprintf(what, sizeof(what), "protocol '%.*s'", TOKQ, val->s);
		return set_family(ps, p == 1 ? 4 : 6, val->col, what);
	}
	return 0;
}

static int parse_proto_val(struct pstate *ps, const struct tok *kw, const struct tok *val)
{
	uint64_t v;
	unsigned p;
	int ret;

	if (!lookup(protos, ARRAY_SIZE(protos), val->s, &p))
		return set_proto(ps, p, kw, val, true);
	ret = parse_num(val->s, strlen(val->s), 255, &v);
	if (ret == -ERANGE)
		return fail(ps->err, val->col, "protocol '%.*s' out of range (0-255)", TOKQ, val->s);
	if (ret)
		return fail(ps->err, val->col,
			    "unknown protocol '%.*s' (tcp, udp, icmp, icmpv6 or a number 0-255)",
			    TOKQ, val->s);
	return set_proto(ps, (unsigned)v, kw, val, true);
}

static int parse_ipv4(const char *s, uint32_t *out, bool *leading_zero)
{
	uint32_t v = 0;
	int part;

	*leading_zero = false;
	for (part = 0; part < 4; part++) {
		unsigned n = 0, d = 0;

		if (part) {
			if (*s != '.')
				return -EINVAL;
			s++;
		}
		if (s[0] == '0' && is_digit(s[1]))
			*leading_zero = true;
		while (is_digit(*s) && d < 4) {
			n = n * 10 + (*s - '0');
			s++;
			d++;
		}
		if (d == 0 || d > 3 || n > 255)
			return -EINVAL;
		v = v << 8 | n;
	}
	if (*s)
		return -EINVAL;
	if (*leading_zero)
		return -EINVAL;
	*out = v;
	return 0;
}

static void cidr_mask(uint8_t plen, uint32_t m[4])
{
	int i;

	for (i = 0; i < 4; i++) {
		int bits = (int)plen - 32 * i;

		if (bits >= 32)
			m[i] = 0xffffffffu;
		else if (bits <= 0)
			m[i] = 0;
		else
			m[i] = ~(0xffffffffu >> bits);
	}
}

/* CIDR := IPv4 or IPv6 address with optional /len. want: 0, 4 or 6 (from an
 * 'ip'/'ip6' qualifier). Host bits set are an error naming the network. */
static int parse_cidr(struct pstate *ps, const struct tok *val, int want, struct xw_cidr *c)
{
	const char *s = val->s, *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	char a[64], net[80];
	uint32_t m[4];
	bool lz;
	int i;

	memset(c, 0, sizeof(*c));
	if (alen == 0 || alen >= sizeof(a))
		return fail(ps->err, val->col, "bad address '%.*s'", TOKQ, s);
	memcpy(a, s, alen);
	a[alen] = '\0';
	if (strchr(a, ':')) {
		unsigned char b[16];

		if (inet_pton(AF_INET6, a, b) != 1)
			return fail(ps->err, val->col, "bad IPv6 address '%.*s'", TOKQ, s);
		for (i = 0; i < 4; i++)
			c->w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
				  (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
		c->family = 6;
	} else {
		if (parse_ipv4(a, &c->w[0], &lz)) {
			if (lz)
				return fail(ps->err, val->col,
					    "bad IPv4 address '%.*s': leading zeros are not allowed",
					    TOKQ, s);
			return fail(ps->err, val->col, "bad IPv4 address '%.*s'", TOKQ, s);
		}
		c->family = 4;
	}
	c->plen = c->family == 4 ? 32 : 128;
	if (slash) {
		uint64_t v;
		int ret = parse_num(slash + 1, strlen(slash + 1), c->plen, &v);

		if (ret == -ERANGE)
			return fail(ps->err, val->col, "prefix length of '%.*s' out of range (0-%u)",
				    TOKQ, s, c->plen);
		if (ret)
			return fail(ps->err, val->col, "bad prefix length in '%.*s'", TOKQ, s);
		c->plen = (uint8_t)v;
	}
	if (want && want != c->family)
		return fail(ps->err, val->col, "'%.*s' is not an %s address", TOKQ, s,
			    fam_name(want));
	cidr_mask(c->plen, m);
	for (i = 0; i < 4; i++) {
		if (c->w[i] & ~m[i]) {
			struct xw_cidr n = *c;
			int j;

			for (j = 0; j < 4; j++)
				n.w[j] &= m[j];
			xw_cidr_format(&n, net, sizeof(net));
			if (!strchr(net, '/'))
				snprintf(net + strlen(net), sizeof(net) - strlen(net), "/%u", n.plen);
			return fail(ps->err, val->col,
				    "host bits set in '%.*s' (did you mean %s?)", TOKQ, s, net);
		}
	}
	return 0;
}

static int parse_addr(struct pstate *ps, const struct tok *kw, const struct tok *val, int want)
{
	bool src = !strcmp(kw->s, "saddr");
	uint32_t f = src ? XW_F_SADDR : XW_F_DADDR;
	struct xw_cidr *c = src ? &ps->r->saddr : &ps->r->daddr;
	char what[TOKQ + 16];
	int ret;

	ret = field_once(ps, f, kw);
	if (ret)
		return ret;
	ret = parse_cidr(ps, val, want, c);
	if (ret)
		return ret;
	snprintf(what, sizeof(what), "%s '%.*s'", kw->s, TOKQ, val->s);
	return set_family(ps, c->family, val->col, what);
}

static int cmp_range(const void *a, const void *b)
{
	const struct xw_port_range *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->hi < y->hi ? -1 : x->hi > y->hi;
}

#define PORT_ITEMS_MAX 256

/* PORTS := N | N-M | N,M,N-M; sorted and merged into at most XW_PORTS_MAX ranges. */
static int parse_ports(struct pstate *ps, const struct tok *val, struct xw_portset *ps_out)
{
	struct xw_port_range items[PORT_ITEMS_MAX];
	const char *s = val->s;
	size_t n = 0, i, m;

	for (;;) {
		const char *end = strchr(s, ','), *dash;
		size_t len = end ? (size_t)(end - s) : strlen(s);
		uint64_t lo, hi;
		int r1, r2;

		if (len == 0)
			return fail(ps->err, val->col, "empty port in '%.*s'", TOKQ, val->s);
		if (n >= PORT_ITEMS_MAX)
			return fail(ps->err, val->col, "too many ports in '%.*s'", TOKQ, val->s);
		dash = memchr(s, '-', len);
		if (dash) {
			r1 = parse_num(s, dash - s, 65535, &lo);
			r2 = parse_num(dash + 1, len - (dash - s) - 1, 65535, &hi);
		} else {
			r1 = r2 = parse_num(s, len, 65535, &lo);
			hi = lo;
		}
		if (r1 == -ERANGE || r2 == -ERANGE)
			return fail(ps->err, val->col, "port '%.*s' out of range (0-65535)",
				    (int)(len < TOKQ ? len : TOKQ), s);
		if ((r1 || r2) && len == strlen(val->s))
			return fail(ps->err, val->col, "bad port '%.*s'", TOKQ, s);
		if (r1 || r2)
			return fail(ps->err, val->col, "bad port '%.*s' in '%.*s'",
				    (int)(len < TOKQ ? len : TOKQ), s, TOKQ, val->s);
		if (lo > hi)
			return fail(ps->err, val->col, "reversed port range '%.*s'",
				    (int)(len < TOKQ ? len : TOKQ), s);
		items[n].lo = (uint16_t)lo;
		items[n].hi = (uint16_t)hi;
		n++;
		if (!end)
			break;
		s = end + 1;
	}
	qsort(items, n, sizeof(items[0]), cmp_range);
	for (i = 1, m = 0; i < n; i++) {
		if ((uint32_t)items[i].lo <= (uint32_t)items[m].hi + 1) {
			if (items[i].hi > items[m].hi)
				items[m].hi = items[i].hi;
		} else {
			items[++m] = items[i];
		}
	}
	m++;
	if (m > XW_PORTS_MAX)
		return fail(ps->err, val->col,
			    "too many port ranges in '%.*s' (%zu after merging, at most %u)", TOKQ,
			    val->s, m, XW_PORTS_MAX);
	memset(ps_out, 0, sizeof(*ps_out));
	ps_out->n = (uint16_t)m;
	memcpy(ps_out->r, items, m * sizeof(items[0]));
	return 0;
}

/* nft's set spelling of a port list: { 22, 80, 1000-2000 } across tokens.
 * *val is the first token on entry, the closing one on return. */
static int parse_port_set(struct pstate *ps, const struct tok *t, int n, const struct tok **val,
			  struct xw_portset *out)
{
	const struct tok *first = *val, *v = first;
	char joined[XW_LINE_MAX + 1];
	struct tok jt = { joined, first->col, false };
	size_t pos = 0, len;

	for (;;) {
		len = strlen(v->s);
		if (pos + len >= sizeof(joined))
			return fail(ps->err, first->col, "port set too long");
		memcpy(joined + pos, v->s, len + 1);
		pos += len;
		if (len && v->s[len - 1] == '}')
			break;
		if (v + 1 >= t + n)
			return fail(ps->err, first->col, "unterminated port set '%.*s' (no '}')",
				    TOKQ, joined);
		v++;
	}
	/* strip the braces */
	if (pos == 2)
		return fail(ps->err, first->col, "empty port set '{}'");
	if (pos < 2 || strchr(joined + 1, '{') || strchr(joined, '}') != joined + pos - 1)
		return fail(ps->err, first->col, "bad port set '%.*s'", TOKQ, joined);
	joined[pos - 1] = '\0';
	memmove(joined, joined + 1, pos - 1);
	*val = v;
	return parse_ports(ps, &jt, out);
}

/* FLAGS := flag[,flag...], flag := [!]fin|syn|rst|psh|ack|urg|ece|cwr */
static int parse_tcp_flags(struct pstate *ps, const struct tok *val)
{
	const char *s = val->s;
	uint8_t flags = 0, mask = 0;

	for (;;) {
		const char *end = strchr(s, ',');
		size_t len = end ? (size_t)(end - s) : strlen(s);
		bool neg = len > 0 && s[0] == '!';
		char name[8];
		unsigned bit;

		if (neg) {
			s++;
			len--;
		}
		if (len == 0)
			return fail(ps->err, val->col, "empty tcp flag in '%.*s'", TOKQ, val->s);
		if (len >= sizeof(name))
			goto bad;
		memcpy(name, s, len);
		name[len] = '\0';
		if (lookup(tcp_flag_names, ARRAY_SIZE(tcp_flag_names), name, &bit))
			goto bad;
		if (mask & bit)
			return fail(ps->err, val->col, "tcp flag '%s' given twice in '%.*s'", name,
				    TOKQ, val->s);
		mask |= bit;
		if (!neg)
			flags |= bit;
		if (!end)
			break;
		s = end + 1;
		continue;
bad:
		return fail(ps->err, val->col,
			    "unknown tcp flag '%.*s' in '%.*s' (fin syn rst psh ack urg ece cwr, ! for clear)",
			    (int)(len < TOKQ ? len : TOKQ), s, TOKQ, val->s);
	}
	ps->r->tcp_flags = flags;
	ps->r->tcp_mask = mask;
	return 0;
}

/* Interface names as the kernel accepts them (dev_valid_name), without the
 * characters a rule file cannot carry bare ('"', '#') or nft's wildcard '*'. */
static int parse_iif(struct pstate *ps, const struct tok *val)
{
	size_t len = strlen(val->s);

	if (len == 0)
		return fail(ps->err, val->col, "empty interface name");
	if (len >= XW_IFNAMSIZ)
		return fail(ps->err, val->col, "interface name '%.*s' too long (at most %u bytes)",
			    TOKQ, val->s, XW_IFNAMSIZ - 1);
	if (!strcmp(val->s, ".") || !strcmp(val->s, "..") || strpbrk(val->s, "/: \"#\\"))
		return fail(ps->err, val->col, "bad interface name '%s'", val->s);
	if (strchr(val->s, '*'))
		return fail(ps->err, val->col,
			    "bad interface name '%s': wildcards are not supported", val->s);
	memcpy(ps->r->iif, val->s, len + 1);
	return 0;
}

static int parse_u8_val(struct pstate *ps, const struct tok *kw, const struct tok *val,
			uint8_t *out)
{
	uint64_t v;
	int ret = parse_num(val->s, strlen(val->s), 255, &v);

	if (ret == -ERANGE)
		return fail(ps->err, val->col, "%s '%.*s' out of range (0-255)", kw->s, TOKQ,
			    val->s);
	if (ret)
		return fail(ps->err, val->col, "bad %s '%.*s'", kw->s, TOKQ, val->s);
	*out = (uint8_t)v;
	return 0;
}

static int resolve_icmp_type(struct pstate *ps)
{
	const struct tok *val = ps->icmp_type;
	struct xw_rule *r = ps->r;
	unsigned v;
	uint64_t n;
	int ret;

	if (r->proto == 1 && !lookup(icmp_types, ARRAY_SIZE(icmp_types), val->s, &v)) {
		r->icmp_type = (uint8_t)v;
		return 0;
	}
	if (r->proto == 58 && !lookup(icmpv6_types, ARRAY_SIZE(icmpv6_types), val->s, &v)) {
		r->icmp_type = (uint8_t)v;
		return 0;
	}
	ret = parse_num(val->s, strlen(val->s), 255, &n);
	if (ret == -ERANGE)
		return fail(ps->err, val->col, "icmp type '%.*s' out of range (0-255)", TOKQ,
			    val->s);
	if (ret)
		return fail(ps->err, val->col, "unknown %s type '%.*s'",
			    r->proto == 1 ? "icmp" : "icmpv6", TOKQ, val->s);
	r->icmp_type = (uint8_t)n;
	return 0;
}

/* The checks that need the whole rule. */
static int finish_rule(struct pstate *ps, const struct tok *t, int n)
{
	struct xw_rule *r = ps->r;
	bool tcp = (r->fields & XW_F_PROTO) && r->proto == 6;
	bool udp = (r->fields & XW_F_PROTO) && r->proto == 17;
	bool icmp = (r->fields & XW_F_PROTO) && (r->proto == 1 || r->proto == 58);
	static const uint32_t port_f[2] = { XW_F_SPORT, XW_F_DPORT };
	char pb[8], had[32] = "";
	int i, ret;

	if (r->fields & XW_F_PROTO)
		snprintf(had, sizeof(had), ", not '%s'", proto_name(r->proto, pb, sizeof(pb)));
	for (i = 0; i < 2; i++)
		if ((r->fields & port_f[i]) && !tcp && !udp)
			return fail(ps->err, ps->col[fbit(port_f[i])],
				    "'%s' needs proto tcp or udp%s", i ? "dport" : "sport", had);
	if ((r->fields & XW_F_TCPFLAGS) && !tcp)
		return fail(ps->err, ps->col[fbit(XW_F_TCPFLAGS)], "'tcp-flags' needs proto tcp%s",
			    had);
	if ((r->fields & XW_F_ICMPCODE) && !(r->fields & XW_F_ICMPTYPE))
		return fail(ps->err, ps->col[fbit(XW_F_ICMPCODE)], "'code' needs icmp-type");
	if ((r->fields & XW_F_ICMPTYPE) && !icmp)
		return fail(ps->err, ps->col[fbit(XW_F_ICMPTYPE)],
			    "'icmp-type' needs proto icmp or icmpv6%s", had);
	if (r->fields & XW_F_ICMPTYPE) {
		ret = resolve_icmp_type(ps);
		if (ret)
			return ret;
	}
	if (!ps->action) {
		int col = n ? t[n - 1].col + (int)strlen(t[n - 1].s) : 0;

		return fail(ps->err, col, "missing action (accept, drop or count)");
	}
	/* 'ip protocol tcp' matches IPv4 only, as in nft; without an address the
	 * canonical way to say so is a /0 source prefix of that family. */
	if (r->family && !(r->fields & (XW_F_SADDR | XW_F_DADDR)) && !icmp) {
		r->fields |= XW_F_SADDR;
		r->saddr.family = r->family;
		r->saddr.plen = 0;
	}
	return 0;
}

static const struct tok *need_value(struct pstate *ps, const struct tok *t, int n, int i)
{
	if (i + 1 >= n) {
		fail(ps->err, t[i].col + (int)strlen(t[i].s), "missing value after '%.*s'", TOKQ,
		     t[i].s);
		return NULL;
	}
	return &t[i + 1];
}

static bool is(const struct tok *t, const char *s)
{
	return !t->quoted && !strcmp(t->s, s);
}

static bool is_value_keyword(const struct tok *kw)
{
	static const char *const kws[] = {
		"iif", "iifname", "vlan", "saddr", "daddr", "proto", "sport",
		"dport", "tcp-flags", "icmp-type", "code", "comment",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kws); i++)
		if (is(kw, kws[i]))
			return true;
	return false;
}

static int parse_rule_toks(const struct tok *t, int n, struct xw_rule *r, struct xw_err *err)
{
	struct pstate ps;
	int i = 0, ret = 0;

	memset(r, 0, sizeof(*r));
	memset(&ps, 0, sizeof(ps));
	ps.r = r;
	ps.err = err;
	if (n == 0)
		return fail(err, 0, "empty rule: missing action (accept, drop or count)");

	while (i < n) {
		const struct tok *kw = &t[i], *val;
		int want = 0, vi;

		/* nft's 'counter': every rule here has its counters anyway */
		if (is(kw, "counter")) {
			i++;
			continue;
		}
		if (is(kw, "accept") || is(kw, "drop") || is(kw, "count")) {
			if (ps.action)
				return fail(err, kw->col, "second action '%s' (already '%s' at column %d)",
					    kw->s, ps.action->s, ps.action->col);
			ps.action = kw;
			r->action = is(kw, "accept") ? XW_ACT_ACCEPT :
				    is(kw, "drop") ? XW_ACT_DROP : XW_ACT_COUNT;
			i++;
			continue;
		}
		/* nft qualifiers: ip/ip6 (family), tcp/udp (protocol), icmp/icmpv6 */
		if (is(kw, "ip") || is(kw, "ip6")) {
			bool v6 = is(kw, "ip6");
			const struct tok *sub;

			want = v6 ? 6 : 4;
			if (i + 1 >= n)
				return fail(err, kw->col, "missing 'saddr', 'daddr' or '%s' after '%s'",
					    v6 ? "nexthdr" : "protocol", kw->s);
			sub = &t[i + 1];
			if (is(sub, v6 ? "nexthdr" : "protocol")) {
				val = need_value(&ps, t, n, i + 1);
				if (!val)
					return -EINVAL;
				ret = set_family(&ps, want, kw->col, v6 ? "'ip6 nexthdr'" : "'ip protocol'");
				if (!ret)
					ret = parse_proto_val(&ps, sub, val);
				if (ret)
					return ret;
				i += 3;
				continue;
			}
			if (!is(sub, "saddr") && !is(sub, "daddr"))
				return fail(err, sub->col,
					    "'%s' must be followed by 'saddr', 'daddr' or '%s', not '%.*s'",
					    kw->s, v6 ? "nexthdr" : "protocol", TOKQ, sub->s);
			i++;
			kw = sub;
		} else if (is(kw, "tcp") || is(kw, "udp")) {
			const struct tok *sub = i + 1 < n ? &t[i + 1] : NULL;

			if (!sub || !(is(sub, "sport") || is(sub, "dport")))
				return fail(err, kw->col, "'%s' must be followed by 'sport' or 'dport' (or write 'proto %s')",
					    kw->s, kw->s);
			ret = set_proto(&ps, is(kw, "tcp") ? 6 : 17, kw, kw, false);
			if (ret)
				return ret;
			i++;
			continue;
		} else if (is(kw, "icmp") || is(kw, "icmpv6")) {
			const struct tok *sub = i + 1 < n ? &t[i + 1] : NULL;

			if (!sub || !(is(sub, "type") || is(sub, "code")))
				return fail(err, kw->col, "'%s' must be followed by 'type' or 'code' (or write 'proto %s')",
					    kw->s, kw->s);
			ret = set_proto(&ps, is(kw, "icmp") ? 1 : 58, kw, kw, false);
			if (ret)
				return ret;
			i++;
			kw = sub;
			val = need_value(&ps, t, n, i);
			if (!val)
				return -EINVAL;
			if (is(kw, "type")) {
				ret = field_once(&ps, XW_F_ICMPTYPE, kw);
				ps.icmp_type = val;
			} else {
				ret = field_once(&ps, XW_F_ICMPCODE, kw);
				if (!ret)
					ret = parse_u8_val(&ps, kw, val, &r->icmp_code);
			}
			if (ret)
				return ret;
			i += 2;
			continue;
		} else if (is(kw, "meta")) {
			if (i + 1 >= n || !is(&t[i + 1], "l4proto"))
				return fail(err, kw->col, "'meta' must be followed by 'l4proto'");
			i++;
			kw = &t[i];
		}

		if (!is_value_keyword(kw) && !(is(kw, "l4proto") && kw > t && is(kw - 1, "meta")))
			return fail(err, kw->col, "unknown keyword '%.*s'", TOKQ, kw->s);
		vi = (int)(kw - t);
		if (is(kw, "vlan") && vi + 1 < n && is(&t[vi + 1], "id"))
			vi++; /* nft: vlan id N */
		val = need_value(&ps, t, n, vi);
		if (!val)
			return -EINVAL;
		if (is(kw, "iif") || is(kw, "iifname")) {
			ret = field_once(&ps, XW_F_IIF, kw);
			if (!ret)
				ret = parse_iif(&ps, val);
		} else if (is(kw, "vlan")) {
			uint64_t v = 0;

			ret = field_once(&ps, XW_F_VLAN, kw);
			if (!ret) {
				ret = parse_num(val->s, strlen(val->s), 4095, &v);
				if (ret == -ERANGE)
					ret = fail(err, val->col, "vlan '%.*s' out of range (0-4095)",
						   TOKQ, val->s);
				else if (ret)
					ret = fail(err, val->col, "bad vlan '%.*s'", TOKQ, val->s);
				r->vlan = (uint16_t)v;
			}
		} else if (is(kw, "saddr") || is(kw, "daddr")) {
			ret = parse_addr(&ps, kw, val, want);
		} else if (is(kw, "proto") || is(kw, "l4proto")) {
			ret = parse_proto_val(&ps, kw, val);
		} else if (is(kw, "sport") || is(kw, "dport")) {
			bool src = is(kw, "sport");

			ret = field_once(&ps, src ? XW_F_SPORT : XW_F_DPORT, kw);
			if (!ret && val->s[0] == '{' && !val->quoted) {
				ret = parse_port_set(&ps, t, n, &val, src ? &r->sport : &r->dport);
			} else if (!ret) {
				ret = parse_ports(&ps, val, src ? &r->sport : &r->dport);
			}
		} else if (is(kw, "tcp-flags")) {
			ret = field_once(&ps, XW_F_TCPFLAGS, kw);
			if (!ret)
				ret = parse_tcp_flags(&ps, val);
		} else if (is(kw, "icmp-type")) {
			ret = field_once(&ps, XW_F_ICMPTYPE, kw);
			ps.icmp_type = val;
		} else if (is(kw, "code")) {
			ret = field_once(&ps, XW_F_ICMPCODE, kw);
			if (!ret)
				ret = parse_u8_val(&ps, kw, val, &r->icmp_code);
		} else if (is(kw, "comment")) {
			size_t len = strlen(val->s);

			ret = field_once(&ps, XW_F_COMMENT, kw);
			if (!ret && len >= XW_COMMENT_MAX)
				ret = fail(err, val->col,
					   "comment \"%.40s...\" too long (%zu bytes, at most %u)",
					   val->s, len, XW_COMMENT_MAX - 1);
			if (!ret)
				memcpy(r->comment, val->s, len + 1);
		} else {
			return fail(err, kw->col, "unknown keyword '%.*s'", TOKQ, kw->s);
		}
		if (ret)
			return ret;
		i = (int)(val - t) + 1;
	}
	return finish_rule(&ps, t, n);
}

/* ------------------------------------------------------------------ API */

int xw_rule_parse_argv(int argc, char *const argv[], struct xw_rule *out, struct xw_err *err)
{
	struct toks tk;
	int ret;

	memset(out, 0, sizeof(*out));
	tk.n = 0;
	tk.used = 0;
	ret = tokenize_argv(argc, argv, &tk, err);
	if (ret)
		return ret;
	ret = parse_rule_toks(tk.t, tk.n, out, err);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

int xw_rule_parse_str(const char *text, struct xw_rule *out, struct xw_err *err)
{
	struct toks tk;
	int ret;

	memset(out, 0, sizeof(*out));
	tk.n = 0;
	tk.used = 0;
	ret = tokenize_text(text, false, &tk, err);
	if (ret)
		return ret;
	ret = parse_rule_toks(tk.t, tk.n, out, err);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

static int parse_handle(const struct tok *t, uint64_t *h, struct xw_err *err)
{
	uint64_t v;
	int ret = parse_num(t->s, strlen(t->s), UINT64_MAX, &v);

	if (ret || v == 0)
		return fail(err, t->col, "bad handle '%.*s' (a number from 1)", TOKQ, t->s);
	*h = v;
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!is_digit(*s))
			return false;
	return true;
}

static int parse_cmd_toks(const struct tok *t, int n, struct xw_cmd *out, struct xw_err *err)
{
	const struct tok *c = &t[0];
	int ret;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return 0;
	if (is(c, "add-rule") || is(c, "insert-rule") || is(c, "replace-rule")) {
		int first = 1;

		if (is(c, "add-rule")) {
			out->kind = XW_CMD_ADD;
		} else if (is(c, "insert-rule")) {
			out->kind = XW_CMD_INSERT;
			if (n > 1 && is(&t[1], "before")) {
				if (n < 3)
					return fail(err, t[1].col, "missing handle after 'before'");
				ret = parse_handle(&t[2], &out->handle, err);
				if (ret)
					return ret;
				first = 3;
			}
		} else {
			out->kind = XW_CMD_REPLACE;
			if (n < 2)
				return fail(err, c->col, "'replace-rule' needs a handle and a rule");
			ret = parse_handle(&t[1], &out->handle, err);
			if (ret)
				return ret;
			first = 2;
		}
		if (first >= n)
			return fail(err, c->col, "'%s' needs a rule", c->s);
		out->has_rule = true;
		ret = parse_rule_toks(t + first, n - first, &out->rule, err);
	} else if (is(c, "del-rule")) {
		out->kind = XW_CMD_DELETE;
		if (n < 2)
			return fail(err, c->col, "'del-rule' needs a handle or a rule");
		if (n == 2 && all_digits(t[1].s))
			return parse_handle(&t[1], &out->handle, err);
		out->has_rule = true;
		ret = parse_rule_toks(t + 1, n - 1, &out->rule, err);
	} else if (is(c, "flush-rules")) {
		out->kind = XW_CMD_FLUSH;
		if (n > 1)
			return fail(err, t[1].col, "unexpected '%.*s' after 'flush-rules'", TOKQ,
				    t[1].s);
		return 0;
	} else if (is(c, "policy")) {
		out->kind = XW_CMD_POLICY;
		if (n < 2)
			return fail(err, c->col, "'policy' needs accept or drop");
		if (is(&t[1], "accept"))
			out->policy = XW_ACT_ACCEPT;
		else if (is(&t[1], "drop"))
			out->policy = XW_ACT_DROP;
		else
			return fail(err, t[1].col, "bad policy '%.*s' (accept or drop)", TOKQ,
				    t[1].s);
		if (n > 2)
			return fail(err, t[2].col, "unexpected '%.*s' after 'policy %s'", TOKQ,
				    t[2].s, t[1].s);
		return 0;
	} else {
		return fail(err, c->col, "unknown command '%.*s'", TOKQ, c->s);
	}
	return ret;
}

int xw_cmd_parse_argv(int argc, char *const argv[], struct xw_cmd *out, struct xw_err *err)
{
	struct toks tk;
	int ret;

	memset(out, 0, sizeof(*out));
	tk.n = 0;
	tk.used = 0;
	ret = tokenize_argv(argc, argv, &tk, err);
	if (!ret)
		ret = parse_cmd_toks(tk.t, tk.n, out, err);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

int xw_cmd_parse_line(const char *line, struct xw_cmd *out, struct xw_err *err)
{
	struct toks tk;
	char buf[XW_LINE_MAX + 1];
	size_t len = strnlen(line, XW_LINE_MAX + 3);
	int ret;

	memset(out, 0, sizeof(*out));
	/* one trailing "\n" or "\r\n" belongs to the line ending */
	if (len && line[len - 1] == '\n')
		len--;
	if (len && line[len - 1] == '\r')
		len--;
	if (len > XW_LINE_MAX)
		return fail(err, -1, "line too long (more than %d bytes)", XW_LINE_MAX);
	memcpy(buf, line, len);
	buf[len] = '\0';
	tk.n = 0;
	tk.used = 0;
	ret = tokenize_text(buf, true, &tk, err);
	if (!ret)
		ret = parse_cmd_toks(tk.t, tk.n, out, err);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}
